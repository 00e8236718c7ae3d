//! Time as the helpers see it: injected so retry and wait loops can be tested on virtual
//! time while the HTTP traffic (a real mock server) runs on real time.

use async_trait::async_trait;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// The clock and sleeper behind every delay and time budget of this crate.
///
/// The default is [`TokioClock`]. Tests plug in a [`VirtualClock`], which advances
/// instantly and records the delays. Only backoff sleeps, time budgets and waiter
/// timeouts use this clock; the per-attempt network timeout
/// ([`RetryPolicy::attempt_timeout`](crate::RetryPolicy::attempt_timeout)) is real time,
/// because it guards real I/O.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// A monotonic reading, used to measure elapsed time.
    fn now(&self) -> Instant;

    /// Wall-clock time, used to turn an HTTP-date `Retry-After` into a delay.
    fn wall_clock(&self) -> SystemTime {
        SystemTime::now()
    }

    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// Real time: `std::time` readings and `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

#[async_trait]
impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A clock for tests: `sleep` returns at once after moving virtual time forward, and
/// every requested delay is recorded, so retry schedules can be asserted exactly.
///
/// Clones share the same virtual time.
///
/// ```
/// use azure_importexport::{Clock, VirtualClock};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let clock = VirtualClock::new();
/// let start = clock.now();
/// clock.sleep(Duration::from_secs(30)).await; // returns immediately
/// assert_eq!(clock.now() - start, Duration::from_secs(30));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
/// # }
/// ```
#[derive(Clone)]
pub struct VirtualClock {
    inner: Arc<Mutex<VirtualTime>>,
}

struct VirtualTime {
    start: Instant,
    wall_start: SystemTime,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl VirtualClock {
    /// A virtual clock whose wall time starts at the real current time.
    pub fn new() -> Self {
        Self::with_wall_clock(SystemTime::now())
    }

    /// A virtual clock whose wall time starts at `wall_start` (makes HTTP-date
    /// `Retry-After` values deterministic).
    pub fn with_wall_clock(wall_start: SystemTime) -> Self {
        VirtualClock {
            inner: Arc::new(Mutex::new(VirtualTime {
                start: Instant::now(),
                wall_start,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves virtual time forward without recording a sleep.
    pub fn advance(&self, duration: Duration) {
        self.lock().elapsed += duration;
    }

    /// Virtual time elapsed since creation.
    pub fn elapsed(&self) -> Duration {
        self.lock().elapsed
    }

    /// Every delay passed to [`Clock::sleep`], in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    fn lock(&self) -> MutexGuard<'_, VirtualTime> {
        // A poisoned lock only means another test thread panicked; the data is still sound.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for VirtualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = self.lock();
        f.debug_struct("VirtualClock")
            .field("elapsed", &time.elapsed)
            .field("sleeps", &time.sleeps.len())
            .finish()
    }
}

#[async_trait]
impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        let time = self.lock();
        time.start + time.elapsed
    }

    fn wall_clock(&self) -> SystemTime {
        let time = self.lock();
        time.wall_start + time.elapsed
    }

    async fn sleep(&self, duration: Duration) {
        {
            let mut time = self.lock();
            time.elapsed += duration;
            time.sleeps.push(duration);
        }
        // Let other tasks run, as a real sleep would.
        tokio::task::yield_now().await;
    }
}
