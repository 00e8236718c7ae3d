//! What every pipeline policy of this workspace does last: hand the request on.

use azure_core::error::ErrorKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use std::sync::Arc;

/// Sends `request` through the policies after the current one; an error when there are
/// none (a policy must never be the last one of a pipeline: the transport is).
pub async fn send_to_next(
    ctx: &Context<'_>,
    request: &mut Request,
    next: &[Arc<dyn Policy>],
) -> PolicyResult {
    let (first, rest) = next.split_first().ok_or_else(|| {
        azure_core::Error::with_message(ErrorKind::Other, "pipeline has no transport policy")
    })?;
    first.send(ctx, request, rest).await
}
