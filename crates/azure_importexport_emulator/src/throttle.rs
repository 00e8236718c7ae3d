//! ARM's subscription throttling (DESIGN section 5): one token bucket per subscription for
//! each kind of request. ARM documents reads at 250 tokens refilled 25 per second, writes
//! and deletes at 200 tokens refilled 10 per second; a request takes one token, and a
//! request that finds its bucket empty is answered 429 with the time until a token is back.
//!
//! The configuration ([`ThrottleConfig`]) is public; the buckets themselves
//! ([`Throttle`]) live in the emulator's state, behind its mutex.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest wait reported when a bucket never refills (a zero or invalid refill rate).
const NEVER: Duration = Duration::from_secs(3600);

/// The limits of one token bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLimits {
    /// Tokens in a full bucket; every subscription starts with a full bucket.
    pub capacity: u32,
    /// Tokens put back per second, before [`ThrottleConfig::scale`].
    pub refill_per_second: f64,
}

/// ARM subscription throttling, switched on by
/// [`EmulatorConfig::throttle`](crate::EmulatorConfig::throttle).
///
/// GET and HEAD requests take a token from `reads`, DELETE from `deletes`, and every other
/// method (PUT, PATCH, POST) from `writes`, per subscription (the `{sub}` of
/// `/subscriptions/{sub}/...`). Requests outside a subscription (locations, operations)
/// and requests refused for authentication are not counted, as ARM counts only
/// authenticated subscription requests in these buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleConfig {
    /// Read requests (default: 250 tokens, 25 per second).
    pub reads: BucketLimits,
    /// Write requests (default: 200 tokens, 10 per second).
    pub writes: BucketLimits,
    /// Delete requests (default: 200 tokens, 10 per second).
    pub deletes: BucketLimits,
    /// Multiplies every refill rate (not the capacities), so that tests run fast: with
    /// `100.0`, writes come back at 1 000 per second. A client pacing itself from the
    /// headers needs the same factor (`ArmLimits::scaled` in `azure_importexport`).
    pub scale: f64,
    /// Where the buckets read the time: real time, or a [`ManualClock`] that tests move.
    pub clock: ThrottleClock,
}

impl Default for ThrottleConfig {
    /// ARM's documented limits, unscaled, on real time.
    fn default() -> Self {
        Self {
            reads: BucketLimits {
                capacity: 250,
                refill_per_second: 25.0,
            },
            writes: BucketLimits {
                capacity: 200,
                refill_per_second: 10.0,
            },
            deletes: BucketLimits {
                capacity: 200,
                refill_per_second: 10.0,
            },
            scale: 1.0,
            clock: ThrottleClock::Real,
        }
    }
}

impl ThrottleConfig {
    /// ARM's limits with refill rates multiplied by `scale`.
    pub fn scaled(scale: f64) -> Self {
        Self {
            scale,
            ..Self::default()
        }
    }

    /// The same limits, on `clock` instead of real time.
    pub fn with_clock(self, clock: ManualClock) -> Self {
        Self {
            clock: ThrottleClock::Manual(clock),
            ..self
        }
    }

    fn limits(&self, bucket: Bucket) -> BucketLimits {
        match bucket {
            Bucket::Reads => self.reads,
            Bucket::Writes => self.writes,
            Bucket::Deletes => self.deletes,
        }
    }
}

/// The time source of the token buckets.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ThrottleClock {
    /// Real time (the standalone emulator).
    #[default]
    Real,
    /// Time that moves only when the test moves it: deterministic tests.
    Manual(ManualClock),
}

/// A clock that tests move by hand. Clones share the same time.
#[derive(Clone, Default)]
pub struct ManualClock(Arc<Mutex<Duration>>);

impl ManualClock {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = now.saturating_add(by);
    }

    /// Time elapsed on this clock.
    pub fn elapsed(&self) -> Duration {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.elapsed()).finish()
    }
}

impl PartialEq for ManualClock {
    /// The same clock (clones), not the same reading.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Which bucket a request takes its token from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    Reads,
    Writes,
    Deletes,
}

impl Bucket {
    /// ARM's classification: reads are GET and HEAD, deletes are DELETE, everything else
    /// (PUT, PATCH, POST actions such as listBitLockerKeys) is a write.
    pub fn for_method(method: &str) -> Self {
        match method {
            "GET" | "HEAD" | "OPTIONS" => Bucket::Reads,
            "DELETE" => Bucket::Deletes,
            _ => Bucket::Writes,
        }
    }

    /// The response header that reports what is left in this bucket.
    pub fn header(self) -> &'static str {
        match self {
            Bucket::Reads => "x-ms-ratelimit-remaining-subscription-reads",
            Bucket::Writes => "x-ms-ratelimit-remaining-subscription-writes",
            Bucket::Deletes => "x-ms-ratelimit-remaining-subscription-deletes",
        }
    }

    /// The word ARM's 429 message uses.
    pub fn word(self) -> &'static str {
        match self {
            Bucket::Reads => "read",
            Bucket::Writes => "write",
            Bucket::Deletes => "delete",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What a bucket said about one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// A token was taken; `remaining` are left.
    Allowed { bucket: Bucket, remaining: u64 },
    /// The bucket is empty: one token is back after `wait`.
    Throttled { bucket: Bucket, wait: Duration },
}

impl Decision {
    pub fn bucket(&self) -> Bucket {
        match self {
            Decision::Allowed { bucket, .. } | Decision::Throttled { bucket, .. } => *bucket,
        }
    }

    /// The value of the bucket's `x-ms-ratelimit-remaining-*` header.
    pub fn remaining(&self) -> u64 {
        match self {
            Decision::Allowed { remaining, .. } => *remaining,
            Decision::Throttled { .. } => 0,
        }
    }
}

/// The level of one bucket, as of `at` (refills are computed lazily, when a request comes).
#[derive(Debug, Clone, Copy)]
struct Level {
    tokens: f64,
    at: Duration,
}

/// Every subscription's buckets.
#[derive(Debug)]
pub(crate) struct Throttle {
    config: ThrottleConfig,
    /// Origin of real time (unused with a manual clock).
    start: Instant,
    /// Lowercased subscription id (ARM ids are case-insensitive) to reads, writes, deletes.
    subscriptions: HashMap<String, [Level; 3]>,
}

impl Throttle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            start: Instant::now(),
            subscriptions: HashMap::new(),
        }
    }

    fn now(&self) -> Duration {
        match &self.config.clock {
            ThrottleClock::Real => self.start.elapsed(),
            ThrottleClock::Manual(clock) => clock.elapsed(),
        }
    }

    /// Take one token for a request of `method` in `subscription`.
    pub fn take(&mut self, subscription: &str, method: &str) -> Decision {
        let bucket = Bucket::for_method(method);
        let limits = self.config.limits(bucket);
        let rate = limits.refill_per_second * self.config.scale;
        let now = self.now();
        let config = &self.config;
        let levels = self
            .subscriptions
            .entry(subscription.to_lowercase())
            .or_insert_with(|| full(config, now));
        let level = &mut levels[bucket.index()];
        refill(level, limits.capacity, rate, now);
        if level.tokens >= 1.0 {
            level.tokens -= 1.0;
            Decision::Allowed {
                bucket,
                // Whole tokens left: what ARM's header reports.
                remaining: level.tokens.floor() as u64,
            }
        } else {
            Decision::Throttled {
                bucket,
                wait: time_to_one_token(level.tokens, rate),
            }
        }
    }
}

/// Full buckets for a subscription's first request.
fn full(config: &ThrottleConfig, now: Duration) -> [Level; 3] {
    [Bucket::Reads, Bucket::Writes, Bucket::Deletes].map(|b| Level {
        tokens: f64::from(config.limits(b).capacity),
        at: now,
    })
}

/// Add the tokens that came back since the level was last computed (never above capacity).
fn refill(level: &mut Level, capacity: u32, rate: f64, now: Duration) {
    let elapsed = now.saturating_sub(level.at).as_secs_f64();
    if rate.is_finite() && rate > 0.0 {
        level.tokens = (level.tokens + elapsed * rate).min(f64::from(capacity));
    }
    level.at = now;
}

/// How long until the bucket holds one whole token again.
fn time_to_one_token(tokens: f64, rate: f64) -> Duration {
    if !(rate.is_finite() && rate > 0.0) {
        return NEVER;
    }
    let seconds = (1.0 - tokens).max(0.0) / rate;
    Duration::try_from_secs_f64(seconds)
        .unwrap_or(NEVER)
        .min(NEVER)
}

/// `Retry-After` in whole seconds: the wait rounded up, at least 1 (0 would invite an
/// immediate retry that meets the same empty bucket).
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    ceil_units(wait, Duration::from_secs(1))
}

/// `x-ms-retry-after-ms`: the wait in milliseconds, rounded up, at least 1.
pub(crate) fn retry_after_millis(wait: Duration) -> u64 {
    ceil_units(wait, Duration::from_millis(1))
}

fn ceil_units(wait: Duration, unit: Duration) -> u64 {
    let units = wait.as_nanos().div_ceil(unit.as_nanos());
    u64::try_from(units).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(clock: &ManualClock) -> Throttle {
        let limits = BucketLimits {
            capacity: 2,
            refill_per_second: 4.0,
        };
        Throttle::new(
            ThrottleConfig {
                reads: limits,
                writes: limits,
                deletes: limits,
                scale: 1.0,
                clock: ThrottleClock::Real,
            }
            .with_clock(clock.clone()),
        )
    }

    #[test]
    fn buckets_drain_refill_and_report_the_wait() {
        let clock = ManualClock::new();
        let mut throttle = small(&clock);
        let allowed = |remaining| Decision::Allowed {
            bucket: Bucket::Reads,
            remaining,
        };
        assert_eq!(throttle.take("s", "GET"), allowed(1));
        assert_eq!(throttle.take("S", "GET"), allowed(0));
        assert_eq!(
            throttle.take("s", "GET"),
            Decision::Throttled {
                bucket: Bucket::Reads,
                wait: Duration::from_millis(250)
            }
        );
        // Other buckets and other subscriptions are untouched.
        assert_eq!(throttle.take("s", "DELETE").remaining(), 1);
        assert_eq!(throttle.take("other", "GET").remaining(), 1);
        clock.advance(Duration::from_millis(125));
        assert_eq!(
            throttle.take("s", "GET"),
            Decision::Throttled {
                bucket: Bucket::Reads,
                wait: Duration::from_millis(125)
            }
        );
        clock.advance(Duration::from_secs(10));
        assert_eq!(throttle.take("s", "GET"), allowed(1), "capped at capacity");
    }

    #[test]
    fn methods_map_to_arm_buckets() {
        assert_eq!(Bucket::for_method("GET"), Bucket::Reads);
        assert_eq!(Bucket::for_method("HEAD"), Bucket::Reads);
        assert_eq!(Bucket::for_method("DELETE"), Bucket::Deletes);
        for method in ["PUT", "PATCH", "POST"] {
            assert_eq!(Bucket::for_method(method), Bucket::Writes);
        }
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_millis(Duration::from_micros(1500)), 2);
        assert_eq!(retry_after_millis(Duration::from_millis(100)), 100);
    }

    #[test]
    fn a_bucket_that_never_refills_waits_an_hour() {
        let clock = ManualClock::new();
        let mut throttle = Throttle::new(
            ThrottleConfig {
                writes: BucketLimits {
                    capacity: 0,
                    refill_per_second: 0.0,
                },
                ..ThrottleConfig::default()
            }
            .with_clock(clock),
        );
        assert_eq!(
            throttle.take("s", "PUT"),
            Decision::Throttled {
                bucket: Bucket::Writes,
                wait: NEVER
            }
        );
    }
}
