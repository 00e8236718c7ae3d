//! Configuration of an [`Emulator`](crate::Emulator).

use std::time::{Duration, SystemTime};

use crate::throttle::ThrottleConfig;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Unix time of [`EPOCH`](crate::EPOCH), the virtual clock's zero: 2026-01-01T00:00:00Z.
pub(crate) const EPOCH_UNIX: i64 = 1_767_225_600;

/// [`EPOCH`](crate::EPOCH) as a [`SystemTime`].
pub(crate) fn epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH_UNIX.unsigned_abs())
}

/// How long a job stays in each lifecycle state before the virtual clock moves it on.
///
/// Each duration counts from the moment the job entered the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Time from `Shipping` to `Received`; also the delay after which a job cancelled
    /// while `Creating` becomes `Completed`.
    pub shipping_to_received: Duration,
    /// Time from `Received` to `Transferring`.
    pub received_to_transferring: Duration,
    /// Time from `Transferring` to `Packaging` (`percentComplete` grows from 0 to 100 over it).
    pub transferring_to_packaging: Duration,
    /// Time from `Packaging` to `Completed`.
    pub packaging_to_completed: Duration,
}

impl Default for Schedule {
    /// One day for every step.
    fn default() -> Self {
        Self {
            shipping_to_received: DAY,
            received_to_transferring: DAY,
            transferring_to_packaging: DAY,
            packaging_to_completed: DAY,
        }
    }
}

/// Settings of an [`Emulator`](crate::Emulator).
///
/// Build one with struct update syntax:
/// `EmulatorConfig { page_size: 2, ..EmulatorConfig::default() }`.
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorConfig {
    /// Lifecycle timings on the virtual clock.
    pub schedule: Schedule,
    /// Maximum number of jobs in one page of a list response (default 50; 0 counts as 1).
    pub page_size: usize,
    /// How long `Completed` (and `Closed`) jobs are kept before they vanish (default 90 days).
    pub retention_after_completed: Duration,
    /// How long a job that never ships stays in `Creating` before it vanishes (default 14 days).
    pub creating_retention: Duration,
    /// wiremock priority of the emulator's catch-all mock (default 200, so that user mocks
    /// at wiremock's default priority 5 win; 0 counts as 1).
    pub priority: u8,
    /// Whether requests must carry `Authorization: Bearer <token>` (default `true`).
    pub require_auth: bool,
    /// ARM subscription throttling: token buckets, `x-ms-ratelimit-remaining-*` headers
    /// and 429 + `Retry-After` when a bucket is empty (default `None`: off, and no
    /// rate-limit headers).
    pub throttle: Option<ThrottleConfig>,
    /// The instant the virtual clock starts at, as `systemData` timestamps show it.
    /// Default [`EPOCH`](crate::EPOCH), so that tests see the same timestamps on every
    /// run; `azie emulator` starts at the real time, so that job ages measured on a
    /// client's clock (`--older-than`) mean what they say. An earlier instant than
    /// `EPOCH` counts as `EPOCH`.
    pub starts_at: SystemTime,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            schedule: Schedule::default(),
            page_size: 50,
            retention_after_completed: DAY * 90,
            creating_retention: DAY * 14,
            priority: 200,
            require_auth: true,
            throttle: None,
            starts_at: epoch(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_is_the_documented_instant() {
        let documented = time::OffsetDateTime::parse(
            crate::EPOCH,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let since = super::epoch()
            .duration_since(std::time::SystemTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(since.as_secs() as i64, documented.unix_timestamp());
    }
}
