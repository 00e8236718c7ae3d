//! Randomness for backoff delays, injectable so schedules are reproducible in tests.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::Duration;

/// Picks the actual delay of a jittered backoff step.
pub trait Jitter: Send + Sync + fmt::Debug {
    /// A delay in `[0, max]`, uniformly distributed for "full jitter".
    fn sample(&self, max: Duration) -> Duration;
}

/// Full jitter from a small seeded generator (SplitMix64): reproducible with
/// [`SeededJitter::new`], unpredictable with [`SeededJitter::from_entropy`] (the default).
///
/// ```
/// use azure_importexport::{Jitter, SeededJitter};
/// use std::time::Duration;
///
/// let a = SeededJitter::new(7);
/// let b = SeededJitter::new(7);
/// let max = Duration::from_secs(4);
/// let first = a.sample(max);
/// assert!(first <= max);
/// assert_eq!(first, b.sample(max)); // same seed, same schedule
/// ```
pub struct SeededJitter {
    state: Mutex<u64>,
}

impl SeededJitter {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Self {
        SeededJitter {
            state: Mutex::new(seed),
        }
    }

    /// A generator seeded from the process's hash randomness (no extra dependency).
    pub fn from_entropy() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x5eed);
        Self::new(hasher.finish())
    }

    fn next_u64(&self) -> u64 {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for SeededJitter {
    fn default() -> Self {
        Self::from_entropy()
    }
}

impl fmt::Debug for SeededJitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededJitter")
    }
}

impl Jitter for SeededJitter {
    fn sample(&self, max: Duration) -> Duration {
        // 53 random bits -> a fraction in [0, 1].
        let fraction = (self.next_u64() >> 11) as f64 / ((1u64 << 53) - 1) as f64;
        // `try_from` + `min`: float rounding must never panic or exceed `max`.
        Duration::try_from_secs_f64(max.as_secs_f64() * fraction)
            .unwrap_or(max)
            .min(max)
    }
}

/// No randomness: every step waits its full backoff delay. Handy in tests that assert
/// the exponential schedule itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoJitter;

impl Jitter for NoJitter {
    fn sample(&self, max: Duration) -> Duration {
        max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_stay_in_range_and_vary() {
        let jitter = SeededJitter::new(42);
        let max = Duration::from_millis(1000);
        let samples: Vec<_> = (0..100).map(|_| jitter.sample(max)).collect();
        assert!(samples.iter().all(|d| *d <= max));
        assert!(samples.iter().any(|d| *d < max / 2));
        assert!(samples.iter().any(|d| *d > max / 2));
        assert_eq!(jitter.sample(Duration::ZERO), Duration::ZERO);
        assert_eq!(NoJitter.sample(max), max);
        assert!(jitter.sample(Duration::MAX) <= Duration::MAX);
    }
}
