//! What ARM's front door adds around every operation: the tracing headers on every answer
//! (faults included, since a client logs them whatever the status), and subscription
//! throttling: a 429 before the operation, or the bucket's `x-ms-ratelimit-remaining-*`
//! header on the answer.

use std::time::Duration;

use wiremock::ResponseTemplate;

use crate::config::EmulatorConfig;
use crate::store::State;
use crate::throttle::{Bucket, Decision, retry_after_millis, retry_after_seconds};

use super::incoming::Incoming;
use super::reply::Reply;

/// The ids ARM puts on an answer.
pub(super) struct Tracing {
    /// `x-ms-request-id`: unique per request.
    request_id: String,
    /// `x-ms-correlation-request-id`: the client's, or one made up for this request.
    correlation_id: String,
    /// `x-ms-client-request-id`, echoed only when the client asks for it.
    client_request_id: Option<String>,
}

impl Tracing {
    /// The ids of the `n`-th request. Generated ids are GUID-shaped and count requests,
    /// so they are unique within an emulator and the same from one test run to the next.
    pub fn new(req: &Incoming<'_>, n: u64) -> Self {
        let correlation_id = req.header("x-ms-correlation-request-id").map_or_else(
            || format!("00000000-0000-4000-9000-{n:012x}"),
            str::to_owned,
        );
        // ARM's contract: the client request id comes back only with
        // `x-ms-return-client-request-id: true` (default false).
        let wanted = req
            .header("x-ms-return-client-request-id")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let client_request_id = req
            .header("x-ms-client-request-id")
            .filter(|_| wanted)
            .map(str::to_owned);
        Self {
            request_id: format!("00000000-0000-4000-8000-{n:012x}"),
            correlation_id,
            client_request_id,
        }
    }

    pub fn apply(&self, template: ResponseTemplate) -> ResponseTemplate {
        let template = template
            .insert_header("x-ms-request-id", self.request_id.as_str())
            .insert_header("x-ms-correlation-request-id", self.correlation_id.as_str());
        match &self.client_request_id {
            Some(id) => template.insert_header("x-ms-client-request-id", id.as_str()),
            None => template,
        }
    }
}

/// Take a token for this request, when throttling is on and applies to it: an
/// authenticated request (ARM authenticates before it counts) under a subscription.
pub(super) fn throttle(
    config: &EmulatorConfig,
    state: &mut State,
    req: &Incoming<'_>,
) -> Option<Decision> {
    let throttle = state.throttle.as_mut()?;
    if config.require_auth && !req.authorized() {
        return None;
    }
    let subscription = req.subscription()?;
    Some(throttle.take(subscription, &req.method))
}

/// ARM's answer to a request that found its bucket empty: 429, `Retry-After` in whole
/// seconds (rounded up, at least 1) and `x-ms-retry-after-ms` with the exact wait, for
/// clients that pace themselves finer than a second (scaled buckets refill in
/// milliseconds).
pub(super) fn throttled(bucket: Bucket, subscription: &str, wait: Duration) -> ResponseTemplate {
    let seconds = retry_after_seconds(wait);
    Reply::error(
        429,
        "SubscriptionRequestsThrottled",
        format!(
            "Number of '{}' requests for subscription '{subscription}' exceeded. Please try \
             again after '{seconds}' seconds after additional tokens are available. Refer to \
             https://aka.ms/arm-throttling for additional information.",
            bucket.word()
        ),
    )
    .into_template()
    .insert_header("Retry-After", seconds.to_string())
    .insert_header("x-ms-retry-after-ms", retry_after_millis(wait).to_string())
}

/// The remaining tokens of the request's bucket, on every answer of a throttled
/// subscription (the 429s included, at 0).
pub(super) fn rate_limit(
    template: ResponseTemplate,
    decision: Option<&Decision>,
) -> ResponseTemplate {
    match decision {
        Some(d) => template.insert_header(d.bucket().header(), d.remaining().to_string()),
        None => template,
    }
}
