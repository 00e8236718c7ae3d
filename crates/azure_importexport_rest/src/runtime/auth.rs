//! Bearer-token authorization that never sends a token over plain http, except to
//! loopback hosts (the local emulator and tests).

use async_trait::async_trait;
use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::headers::AUTHORIZATION;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request, Url};
use std::net::IpAddr;
use std::sync::Arc;

/// https: azure_core's `BearerTokenAuthorizationPolicy` (token cache, refresh, challenges).
/// http to loopback: a token from the same credential. Anything else: refused.
#[derive(Debug)]
pub(crate) struct BearerAuthPolicy {
    https: BearerTokenAuthorizationPolicy,
    credential: Arc<dyn TokenCredential>,
    scope: String,
}

impl BearerAuthPolicy {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> Self {
        BearerAuthPolicy {
            https: BearerTokenAuthorizationPolicy::new(credential.clone(), [scope.clone()]),
            credential,
            scope,
        }
    }
}

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for BearerAuthPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        match request.url().scheme() {
            "https" => self.https.send(ctx, request, next).await,
            "http" if is_loopback(request.url()) => {
                let token = self
                    .credential
                    .get_token(&[self.scope.as_str()], None)
                    .await?;
                let secret = token.token.secret();
                let mut value = String::with_capacity(7 + secret.len());
                value.push_str("Bearer ");
                value.push_str(secret);
                request.insert_header(AUTHORIZATION, value);
                super::send_to_next(ctx, request, next).await
            }
            _ => Err(azure_core::Error::with_message(
                ErrorKind::Other,
                format!(
                    "refusing to send a bearer token to {} over plain http (only https, or http to loopback)",
                    request.url().host_str().unwrap_or("?")
                ),
            )),
        }
    }
}

/// Whether the URL's host is a loopback address (`127.0.0.0/8`, `::1`) or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
