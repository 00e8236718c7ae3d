//! [`RequestLog`]: every request the SDK sends, as a per-try azure_core policy.

use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use std::sync::{Arc, Mutex};

use crate::lock;

/// One request as the SDK sent it (seen by a per-try policy, before the transport).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `PATCH`, ...
    pub method: String,
    /// Path of the URL.
    pub path: String,
    /// Query of the URL (empty when none).
    pub query: String,
    /// Whether an `Authorization` header was set.
    pub authorization: bool,
}

/// A per-try azure_core policy that records every request sent. The SDK switches
/// azure_core's retry off, so one entry is exactly one attempt of the SDK's retry loop,
/// including attempts whose connection was refused or reset.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    /// An empty log.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every request so far.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).clone()
    }

    /// Requests with this method whose query contains `query_part` (`""` for any).
    pub fn count(&self, method: &str, query_part: &str) -> usize {
        lock(&self.entries)
            .iter()
            .filter(|r| r.method == method && r.query.contains(query_part))
            .count()
    }
}

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for RequestLog {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let url = request.url();
        let entry = LoggedRequest {
            method: request.method().to_string().to_ascii_uppercase(),
            path: url.path().to_owned(),
            query: url.query().unwrap_or_default().to_owned(),
            authorization: azure_importexport::rest::runtime::header(
                request.headers(),
                &"authorization".into(),
            )
            .is_some(),
        };
        lock(&self.entries).push(entry);
        azure_importexport::rest::runtime::send_to_next(ctx, request, next).await
    }
}
