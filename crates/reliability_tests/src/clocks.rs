//! Clocks for the SDK under test: [`TestClock`] (virtual, with sleep hooks),
//! [`InstantClock`] (real time, instant sleeps) and [`SharedClock`].

use async_trait::async_trait;
use azure_importexport::{Clock, VirtualClock};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::lock;

type SleepHook = Box<dyn FnMut(Duration) + Send>;

/// A [`VirtualClock`] (instant sleeps, recorded) whose sleeps first run hooks.
#[derive(Clone)]
pub struct TestClock {
    virtual_clock: VirtualClock,
    hooks: Arc<Mutex<Vec<SleepHook>>>,
}

impl TestClock {
    /// A clock whose wall time starts at `wall_start` (deterministic HTTP-date math).
    pub fn new(wall_start: SystemTime) -> Self {
        TestClock {
            virtual_clock: VirtualClock::with_wall_clock(wall_start),
            hooks: Arc::default(),
        }
    }

    /// Runs `hook` with the duration of every later sleep, before the sleep returns.
    pub fn on_sleep(&self, hook: impl FnMut(Duration) + Send + 'static) {
        lock(&self.hooks).push(Box::new(hook));
    }

    /// The virtual clock (sleeps recorded, elapsed virtual time).
    pub fn virtual_clock(&self) -> &VirtualClock {
        &self.virtual_clock
    }

    /// Every sleep so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.virtual_clock.sleeps()
    }
}

impl fmt::Debug for TestClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClock")
            .field("virtual_clock", &self.virtual_clock)
            .field("hooks", &lock(&self.hooks).len())
            .finish()
    }
}

#[async_trait]
impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.virtual_clock.now()
    }

    fn wall_clock(&self) -> SystemTime {
        self.virtual_clock.wall_clock()
    }

    async fn sleep(&self, duration: Duration) {
        {
            let mut hooks = lock(&self.hooks);
            for hook in hooks.iter_mut() {
                hook(duration);
            }
        }
        self.virtual_clock.sleep(duration).await;
    }
}

/// Real elapsed time, instant sleeps (counted). Many concurrent calls can share it
/// without their backoff delays adding up into one shared virtual time budget.
#[derive(Debug, Default)]
pub struct InstantClock {
    sleeps: Mutex<Vec<Duration>>,
}

impl InstantClock {
    /// Every sleep requested so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        lock(&self.sleeps).clone()
    }
}

#[async_trait]
impl Clock for InstantClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    async fn sleep(&self, duration: Duration) {
        lock(&self.sleeps).push(duration);
        tokio::task::yield_now().await;
    }
}

/// Lets a shared `Arc<InstantClock>` be handed to [`ImportExportOptions::with_clock`](azure_importexport::ImportExportOptions::with_clock).
#[derive(Clone, Debug)]
pub struct SharedClock<C>(pub Arc<C>);

#[async_trait]
impl<C: Clock> Clock for SharedClock<C> {
    fn now(&self) -> Instant {
        self.0.now()
    }

    fn wall_clock(&self) -> SystemTime {
        self.0.wall_clock()
    }

    async fn sleep(&self, duration: Duration) {
        self.0.sleep(duration).await;
    }
}
