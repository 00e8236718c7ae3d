//! The one retry engine used by every helper (get, list, cancel, delete, wait polls).
//!
//! The generated client is built with azure_core's retry policy switched off, so the
//! attempts counted here are the requests that reach the wire: the two layers never
//! multiply attempts.

use crate::clock::Clock;
use crate::error::{GiveUpReason, RequestError};
use crate::jitter::Jitter;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_importexport_rest::runtime::{ServiceErrorExt as _, header};
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

/// Bounds and pacing of retries. One policy governs one helper call: `max_attempts`
/// counts the requests of one kind (e.g. PATCHes of a cancel, the first included) and
/// `max_elapsed` the whole call.
///
/// Transient failures are retried: HTTP 408, 429, 500, 502, 503, 504, connection and I/O
/// errors, and attempts that exceed `attempt_timeout`. The delay before attempt *n + 1* is
/// the server's `Retry-After` (`retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After`
/// in seconds or as an HTTP date) capped at `max_retry_after`; without one, a "full
/// jitter" delay drawn from `[0, min(max_delay, initial_delay * 2^(n-1))]`. Any other
/// answer (a 4xx such as 400, 403, 404, 409) is final and never retried.
///
/// ```
/// use azure_importexport::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(3)
///     .with_max_elapsed(Duration::from_secs(30));
/// assert_eq!(policy.max_attempts, 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests allowed per operation, the first included (0 is treated as 1).
    pub max_attempts: u32,
    /// Time budget of the helper call, shared by all of its requests (re-reads
    /// included): no request starts once it is spent, each request's timeout is clipped
    /// to the time left, and no retry is scheduled whose backoff would end past it. So
    /// the requests of a call end within `max_elapsed` (plus scheduling), whatever
    /// `attempt_timeout` says. Work that is not a request is not cut short: an
    /// [`ArchiveSink`](crate::ArchiveSink) write in `safe_delete` runs to its end, and
    /// no request follows it once the budget is spent.
    pub max_elapsed: Duration,
    /// Time allowed for one request, clipped to what is left of `max_elapsed` (real
    /// time: it guards real I/O, even when a virtual clock is injected). An attempt
    /// that exceeds it counts as a transient, ambiguous failure.
    pub attempt_timeout: Duration,
    /// Backoff before the first retry (before jitter).
    pub initial_delay: Duration,
    /// Largest backoff between attempts (before jitter).
    pub max_delay: Duration,
    /// Largest server-requested `Retry-After` honoured; longer requests are capped.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 2 minutes in total, 30 s per attempt, backoff from 500 ms up to
    /// 30 s, `Retry-After` capped at 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            attempt_timeout: Duration::from_secs(30),
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends each request once.
    pub fn no_retry() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets [`max_attempts`](Self::max_attempts).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets [`max_elapsed`](Self::max_elapsed).
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Sets [`attempt_timeout`](Self::attempt_timeout).
    pub fn with_attempt_timeout(mut self, attempt_timeout: Duration) -> Self {
        self.attempt_timeout = attempt_timeout;
        self
    }

    /// Sets [`initial_delay`](Self::initial_delay) and [`max_delay`](Self::max_delay).
    pub fn with_backoff(mut self, initial_delay: Duration, max_delay: Duration) -> Self {
        self.initial_delay = initial_delay;
        self.max_delay = max_delay;
        self
    }

    /// Sets [`max_retry_after`](Self::max_retry_after).
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// `max_attempts`, at least 1.
    pub(crate) fn attempts_allowed(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// Exponential backoff before jitter after `failures` failed attempts.
    fn backoff(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        self.initial_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }
}

/// One helper call's time budget, shared by all of its requests.
pub(crate) struct Budget<'a> {
    policy: &'a RetryPolicy,
    clock: &'a dyn Clock,
    jitter: &'a dyn Jitter,
    started: Instant,
}

impl<'a> Budget<'a> {
    pub(crate) fn start(
        policy: &'a RetryPolicy,
        clock: &'a dyn Clock,
        jitter: &'a dyn Jitter,
    ) -> Self {
        Budget {
            policy,
            clock,
            jitter,
            started: clock.now(),
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.clock.now().saturating_duration_since(self.started)
    }

    /// Time left before `max_elapsed`.
    pub(crate) fn remaining(&self) -> Duration {
        self.policy.max_elapsed.saturating_sub(self.elapsed())
    }

    /// A fresh attempt counter for one kind of request within this budget.
    pub(crate) fn attempts(&self, operation: String) -> Attempts<'_, 'a> {
        Attempts {
            budget: self,
            operation,
            made: 0,
            last_failure: String::new(),
        }
    }
}

/// Counts the requests of one operation and paces its retries.
pub(crate) struct Attempts<'b, 'a> {
    budget: &'b Budget<'a>,
    operation: String,
    made: u32,
    last_failure: String,
}

/// How one failed attempt is to be handled.
pub(crate) enum Failure {
    /// Not retryable: surfaced as is.
    Final(RequestError),
    /// Retryable within the budget.
    Transient(Transient),
}

/// A retryable failure.
pub(crate) struct Transient {
    /// The request may have been applied (5xx, 408, I/O error, timeout); a write must be
    /// resolved by re-reading before it is repeated.
    pub(crate) ambiguous: bool,
    retry_after: Option<Duration>,
    description: String,
}

impl Transient {
    /// A write the service accepted (2xx) whose effect it does not show: treated like an
    /// ambiguous failure, so the job is re-read and the write retried within the budget.
    pub(crate) fn unconfirmed(description: impl Into<String>) -> Self {
        Transient {
            ambiguous: true,
            retry_after: None,
            description: description.into(),
        }
    }
}

impl Attempts<'_, '_> {
    /// Requests sent so far.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// Sends one attempt, bounded by the attempt timeout and by the time left in the
    /// budget (so a call never outlives `max_elapsed`). Nothing is sent once the budget
    /// is spent.
    pub(crate) async fn attempt<T>(
        &mut self,
        request: impl Future<Output = azure_core::Result<T>>,
    ) -> Result<T, Failure> {
        let remaining = self.budget.remaining();
        if remaining.is_zero() {
            if self.last_failure.is_empty() {
                "the time budget was spent by earlier requests of this call"
                    .clone_into(&mut self.last_failure);
            }
            return Err(Failure::Final(self.gave_up(
                GiveUpReason::TimeBudgetExhausted {
                    max_elapsed: self.budget.policy.max_elapsed,
                    next_delay: Duration::ZERO,
                },
            )));
        }
        self.made += 1;
        let timeout = self.budget.policy.attempt_timeout.min(remaining);
        match tokio::time::timeout(timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.classify(error)),
            Err(_) => Err(Failure::Transient(Transient {
                ambiguous: true,
                retry_after: None,
                description: format!("no response within {timeout:?}"),
            })),
        }
    }

    /// After a transient failure: waits before the next attempt, or gives up when the
    /// attempts or the time budget are spent.
    pub(crate) async fn pause(&mut self, failure: &Transient) -> Result<(), RequestError> {
        let budget = self.budget;
        let policy = budget.policy;
        self.last_failure.clone_from(&failure.description);
        if self.made >= policy.attempts_allowed() {
            return Err(self.gave_up(GiveUpReason::AttemptsExhausted {
                max_attempts: policy.attempts_allowed(),
            }));
        }
        let delay = match failure.retry_after {
            Some(requested) => requested.min(policy.max_retry_after),
            None => budget.jitter.sample(policy.backoff(self.made)),
        };
        // Strict: the next attempt must start with some budget left.
        if budget.elapsed().saturating_add(delay) >= policy.max_elapsed {
            return Err(self.gave_up(GiveUpReason::TimeBudgetExhausted {
                max_elapsed: policy.max_elapsed,
                next_delay: delay,
            }));
        }
        tracing::debug!(
            operation = %self.operation,
            attempt = self.made,
            ?delay,
            failure = %failure.description,
            "transient failure, retrying"
        );
        budget.clock.sleep(delay).await;
        Ok(())
    }

    /// Retries `send` until it succeeds, fails for good, or the budget is spent. For
    /// requests that are safe to repeat (reads).
    pub(crate) async fn run<T, F, Fut>(&mut self, mut send: F) -> Result<T, RequestError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = azure_core::Result<T>>,
    {
        // Bounded: `pause` fails once `max_attempts` requests were made.
        loop {
            match self.attempt(send()).await {
                Ok(value) => return Ok(value),
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Transient(failure)) => self.pause(&failure).await?,
            }
        }
    }

    /// An error for this operation that is not a service answer.
    pub(crate) fn invalid_response(&self, detail: impl Into<String>) -> RequestError {
        RequestError::InvalidResponse {
            operation: self.operation.clone(),
            detail: detail.into(),
        }
    }

    fn gave_up(&self, reason: GiveUpReason) -> RequestError {
        RequestError::GaveUp {
            operation: self.operation.clone(),
            attempts: self.made,
            elapsed: self.budget.elapsed(),
            reason,
            last_failure: self.last_failure.clone(),
        }
    }

    fn classify(&self, error: azure_core::Error) -> Failure {
        let operation = self.operation.clone();
        match error.kind() {
            ErrorKind::HttpResponse { raw_response, .. } => {
                let Some(service) = error.service_error() else {
                    return Failure::Final(RequestError::Failed {
                        operation,
                        source: error,
                    });
                };
                let status = u16::from(service.status);
                if (200..300).contains(&status) {
                    // A success status the spec does not list (202, 204): the write may
                    // have been applied, so only a re-read can tell.
                    return Failure::Transient(Transient::unconfirmed(format!(
                        "HTTP {status}, a success status the API does not document for this operation (unconfirmed)"
                    )));
                }
                let transient = matches!(status, 408 | 429 | 500 | 502 | 503 | 504);
                if transient {
                    let code = service
                        .code
                        .as_deref()
                        .map(|code| format!(" ({code})"))
                        .unwrap_or_default();
                    return Failure::Transient(Transient {
                        // A throttled request was not processed; anything else may have been.
                        ambiguous: status != 429,
                        retry_after: raw_response.as_ref().and_then(|raw| {
                            retry_after(raw.headers(), self.budget.clock.wall_clock())
                        }),
                        description: format!("HTTP {status}{code}: {}", service.message),
                    });
                }
                Failure::Final(if status == 404 {
                    RequestError::NotFound {
                        operation,
                        code: service.code,
                        message: service.message,
                    }
                } else {
                    RequestError::Refused {
                        operation,
                        status,
                        code: service.code,
                        message: service.message,
                    }
                })
            }
            // Connection: nothing was sent. Io: the request may have reached the service.
            ErrorKind::Connection | ErrorKind::Io => Failure::Transient(Transient {
                ambiguous: matches!(error.kind(), ErrorKind::Io),
                retry_after: None,
                description: error_chain(&error),
            }),
            _ => Failure::Final(RequestError::Failed {
                operation,
                source: error,
            }),
        }
    }
}

/// The delay a reply asks for: `x-ms-retry-after-ms`, `retry-after-ms`, then
/// `Retry-After` as seconds or an HTTP date (relative to `now`). Unparsable values are
/// ignored (the regular backoff applies).
pub(crate) fn retry_after(headers: &Headers, now: SystemTime) -> Option<Duration> {
    const MS_HEADERS: [HeaderName; 2] = [
        HeaderName::from_static("x-ms-retry-after-ms"),
        HeaderName::from_static("retry-after-ms"),
    ];
    for name in &MS_HEADERS {
        if let Some(ms) = header(headers, name).and_then(|value| value.trim().parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = header(headers, &HeaderName::from_static("retry-after"))?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An error and its sources on one line (transport errors hide the cause in `source`).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    // Bounded: error chains are finite, and a cycle is cut after a few levels.
    for _ in 0..8 {
        let Some(cause) = source else { break };
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::headers;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "3"), ("retry-after-ms", "250")]),
                now
            ),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[("x-ms-retry-after-ms", "40")]), now),
            Some(Duration::from_millis(40))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(12));
        let mut h = Headers::new();
        h.insert("retry-after", date);
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(12)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(12));
        let mut h = Headers::new();
        h.insert("retry-after", past);
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-1")]), now), None);
        assert_eq!(retry_after(&Headers::new(), now), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(500));
        let delays: Vec<_> = (1..=5).map(|n| policy.backoff(n)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 500, 500]
                .map(Duration::from_millis)
                .to_vec()
        );
        assert_eq!(policy.backoff(u32::MAX), Duration::from_millis(500));
        assert_eq!(
            RetryPolicy::default()
                .with_max_attempts(0)
                .attempts_allowed(),
            1
        );
    }
}
