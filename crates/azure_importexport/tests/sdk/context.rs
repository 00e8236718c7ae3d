//! The caller's `Context`, observed on the wire: a marker value carried in the context,
//! copied by a policy into an `x-marker` header of every request.

use crate::common::*;
use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{ClientMethodOptions, ClientOptions, Context, Request};
use azure_importexport::ImportExport;
use std::sync::Arc;

/// A caller's marker, carried in the `Context`.
#[derive(Debug)]
struct Marker(&'static str);

/// Copies the context's [`Marker`] into an `x-marker` header.
#[derive(Debug)]
struct MarkerHeader;

#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for MarkerHeader {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        if let Some(Marker(marker)) = ctx.value::<Marker>() {
            request.insert_header("x-marker", *marker);
        }
        azure_importexport::rest::runtime::send_to_next(ctx, request, next).await
    }
}

/// Method options whose context carries `marker`.
pub fn marked(marker: &'static str) -> ClientMethodOptions<'static> {
    ClientMethodOptions {
        context: Context::new().with_value(Marker(marker)),
    }
}

/// A client of `env`'s server that marks each request with its context's marker.
pub fn marking_client(env: &Env) -> ImportExport {
    let mut client_options = ClientOptions::default();
    client_options
        .per_call_policies
        .push(Arc::new(MarkerHeader));
    client_with_options(
        &env.server.uri(),
        test_policy(),
        env.clock.clone(),
        client_options,
    )
}

/// Each request the server received: its method and marker (empty when none).
pub async fn markers(env: &Env) -> Vec<(String, String)> {
    env.server
        .received_requests()
        .await
        .expect("requests are recorded")
        .iter()
        .map(|request| {
            let marker = request
                .headers
                .get("x-marker")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            (request.method.to_string(), marker.unwrap_or_default())
        })
        .collect()
}
