//! Cooperating with ARM's request throttling, for every request of one client: ARM
//! keeps per-subscription token buckets (reads, writes, deletes), reports what is left
//! in `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}`, and answers 429 +
//! `Retry-After` when a bucket is empty.
//!
//! - **Slow down before a bucket runs dry:** once a bucket reports at most
//!   [`ArmLimits::low_water`] tokens left, requests of that kind are spaced at the
//!   bucket's refill rate, so they arrive as fast as tokens come back, and no faster.
//! - **One shared pause:** a 429 pauses *every* request of the client (all workers of a
//!   fleet run) until its `Retry-After` has passed, instead of each worker meeting its
//!   own 429 and retrying on its own.

use crate::clock::Clock;
use crate::retry::retry_after;
use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Method, Request};
use azure_importexport_rest::runtime::{header, send_to_next};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// ARM's subscription buckets as this client assumes them (refill rates; the bucket
/// sizes are read from the headers). Defaults: reads 25/s, writes 10/s, deletes 10/s,
/// as ARM documents them; an emulator with scaled buckets needs the same scale here.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmLimits {
    /// Read tokens refilled per second.
    pub reads_per_second: f64,
    /// Write tokens refilled per second.
    pub writes_per_second: f64,
    /// Delete tokens refilled per second.
    pub deletes_per_second: f64,
    /// Pace requests once a bucket reports this many tokens left, or fewer.
    pub low_water: u64,
    /// Longest shared pause honoured after a 429.
    pub max_pause: Duration,
}

impl Default for ArmLimits {
    fn default() -> Self {
        ArmLimits {
            reads_per_second: 25.0,
            writes_per_second: 10.0,
            deletes_per_second: 10.0,
            low_water: 10,
            max_pause: Duration::from_secs(60),
        }
    }
}

impl ArmLimits {
    /// The same limits with every refill rate multiplied by `factor` (an emulator whose
    /// buckets refill `factor` times faster than ARM's).
    pub fn scaled(mut self, factor: f64) -> Self {
        self.reads_per_second *= factor;
        self.writes_per_second *= factor;
        self.deletes_per_second *= factor;
        self
    }
}

/// Which ARM bucket a request draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bucket {
    Reads = 0,
    Writes = 1,
    Deletes = 2,
}

impl Bucket {
    fn of(method: Method) -> Self {
        match method {
            Method::Get | Method::Head => Bucket::Reads,
            Method::Delete => Bucket::Deletes,
            _ => Bucket::Writes,
        }
    }

    fn header(self) -> &'static str {
        match self {
            Bucket::Reads => "x-ms-ratelimit-remaining-subscription-reads",
            Bucket::Writes => "x-ms-ratelimit-remaining-subscription-writes",
            Bucket::Deletes => "x-ms-ratelimit-remaining-subscription-deletes",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// No request is sent before this (after a 429).
    paused_until: Option<Instant>,
    /// Tokens left, as last reported, per bucket.
    remaining: [Option<u64>; 3],
    /// When the next paced request of each bucket may go.
    next_slot: [Option<Instant>; 3],
}

/// The per-try pipeline policy that [`ImportExport`](crate::ImportExport) installs.
#[derive(Debug)]
pub(crate) struct ArmThrottle {
    limits: ArmLimits,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl ArmThrottle {
    pub(crate) fn new(limits: ArmLimits, clock: Arc<dyn Clock>) -> Self {
        ArmThrottle {
            limits,
            clock,
            state: Mutex::default(),
        }
    }

    fn refill_interval(&self, bucket: Bucket) -> Duration {
        let rate = match bucket {
            Bucket::Reads => self.limits.reads_per_second,
            Bucket::Writes => self.limits.writes_per_second,
            Bucket::Deletes => self.limits.deletes_per_second,
        };
        Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::ZERO)
    }

    /// How long this request must wait: the shared pause, then its paced slot.
    fn reserve(&self, bucket: Bucket) -> Duration {
        // Read the clock under the lock, so a pause set meanwhile is measured from after it.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        let mut start = state
            .paused_until
            .filter(|until| *until > now)
            .unwrap_or(now);
        let low =
            state.remaining[bucket as usize].is_some_and(|left| left <= self.limits.low_water);
        let slot = &mut state.next_slot[bucket as usize];
        if low {
            start = start.max(slot.unwrap_or(start));
            *slot = Some(start + self.refill_interval(bucket));
        } else {
            *slot = None;
        }
        start.saturating_duration_since(now)
    }

    fn observe(&self, bucket: Bucket, status: u16, headers: &azure_core::http::headers::Headers) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        // A reply without the header says nothing about the bucket: no pacing on a guess.
        state.remaining[bucket as usize] =
            header(headers, &bucket.header().into()).and_then(|value| value.trim().parse().ok());
        if status == 429 {
            if let Some(pause) = retry_after(headers, self.clock.wall_clock()) {
                let until = now + pause.min(self.limits.max_pause);
                tracing::debug!(?pause, "ARM throttled a request; pausing every request");
                state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
            }
        }
    }
}

// The trait is declared with an elided `Context` lifetime; implementations must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for ArmThrottle {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let bucket = Bucket::of(request.method());
        let wait = self.reserve(bucket);
        if !wait.is_zero() {
            self.clock.sleep(wait).await;
        }
        let response = send_to_next(ctx, request, next).await?;
        self.observe(bucket, u16::from(response.status()), response.headers());
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VirtualClock;
    use crate::test_support::headers;

    fn throttle() -> (ArmThrottle, VirtualClock) {
        let clock = VirtualClock::new();
        let limits = ArmLimits {
            low_water: 2,
            ..ArmLimits::default()
        };
        (ArmThrottle::new(limits, Arc::new(clock.clone())), clock)
    }

    #[test]
    fn requests_go_at_once_while_tokens_are_plenty() {
        let (throttle, _) = throttle();
        let plenty = headers(&[("x-ms-ratelimit-remaining-subscription-deletes", "150")]);
        throttle.observe(Bucket::Deletes, 200, &plenty);
        assert_eq!(throttle.reserve(Bucket::Deletes), Duration::ZERO);
        assert_eq!(throttle.reserve(Bucket::Deletes), Duration::ZERO);
    }

    #[test]
    fn a_low_bucket_is_paced_at_its_refill_rate() {
        let (throttle, _) = throttle();
        let low = headers(&[("x-ms-ratelimit-remaining-subscription-writes", "1")]);
        throttle.observe(Bucket::Writes, 200, &low);
        let waits: Vec<_> = (0..3).map(|_| throttle.reserve(Bucket::Writes)).collect();
        assert_eq!(
            waits,
            [
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200)
            ]
        );
        // Reads are another bucket.
        assert_eq!(throttle.reserve(Bucket::Reads), Duration::ZERO);
    }

    #[test]
    fn a_429_pauses_every_request_once() {
        let (throttle, clock) = throttle();
        let throttled = headers(&[("retry-after", "3")]);
        throttle.observe(Bucket::Deletes, 429, &throttled);
        assert_eq!(throttle.reserve(Bucket::Reads), Duration::from_secs(3));
        clock.advance(Duration::from_secs(1));
        assert_eq!(throttle.reserve(Bucket::Reads), Duration::from_secs(2));
        clock.advance(Duration::from_secs(2));
        assert_eq!(throttle.reserve(Bucket::Reads), Duration::ZERO);
    }
}
