//! What every pipeline policy of this workspace does last (hand the request on), and how
//! they read headers.

use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
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

/// The value of header `name`, if present and text.
///
/// Use this rather than azure_core's `Headers::get_optional_str`, which looks the header
/// up through `get_str` and turns its error into `None`: a missing header then costs an
/// error value, and a captured backtrace whenever `RUST_BACKTRACE` is set (measured with
/// `perf`: 7% of a GET's samples, for the optional rate-limit headers alone).
pub fn header<'h>(headers: &'h Headers, name: &HeaderName) -> Option<&'h str> {
    headers
        .iter()
        .find_map(|(key, value)| (key == name).then(|| value.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_reads_present_and_missing_names() {
        let mut headers = Headers::new();
        headers.insert("x-ms-ratelimit-remaining-subscription-reads", "11999");
        let reads = HeaderName::from_static("x-ms-ratelimit-remaining-subscription-reads");
        assert_eq!(header(&headers, &reads), Some("11999"));
        assert_eq!(
            header(&headers, &HeaderName::from_static("retry-after")),
            None
        );
    }
}
