//! A stateful, in-memory emulator of the Azure Storage Import/Export ARM API
//! (`Microsoft.ImportExport`, api-versions 2021-01-01 and 2020-08-01), built on
//! [wiremock](https://docs.rs/wiremock) 0.6.
//!
//! The emulator mounts one catch-all mock on a [`wiremock::MockServer`] and answers jobs
//! (create, get, update, cancel, delete, list with paging), BitLocker keys, locations and
//! operations with ARM-shaped bodies and errors. It enforces the job state rules (cancel
//! before `Packaging`, delete only in `Creating` or `Completed`, ship only with a return
//! address and a delivery package), moves jobs through
//! `Shipping -> Received -> Transferring -> Packaging -> Completed` on a virtual clock
//! that tests drive with [`Emulator::advance`], removes completed jobs after 90 virtual
//! days, injects faults ([`FaultRule`]) and records every request ([`Emulator::journal`]).
//!
//! It answers what the official Python and JavaScript SDKs send (their model defaults
//! included), with ARM's front-door behaviour: `api-version`, `Content-Type` and body
//! checks, `x-ms-request-id` and `x-ms-correlation-request-id` on every answer, and, when
//! [`EmulatorConfig::throttle`] is set, ARM's per-subscription token buckets
//! ([`ThrottleConfig`]). Many jobs can be seeded at once ([`Emulator::seed_jobs`],
//! [`Emulator::seed_from_json`]).
//!
//! Because it mounts at a low priority (200 by default), a test can mount its own mocks on
//! the same server (see [`Emulator::mount_on`]) and they answer first.
//!
//! # Example
//! ```
//! use std::time::Duration;
//! use azure_importexport_emulator::{Emulator, Fault, FaultRule, RequestKind};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let emulator = Emulator::start().await;
//! assert!(emulator.uri().starts_with("http://127.0.0.1:"));
//!
//! // Seed a job that has shipped, then let two virtual days pass.
//! emulator.insert_job("sub", "rg", "job1", json!({ "properties": { "state": "Shipping" } }));
//! emulator.advance(Duration::from_secs(2 * 24 * 3600));
//! assert_eq!(emulator.job_state("sub", "rg", "job1").as_deref(), Some("Transferring"));
//!
//! // Jump straight to a state.
//! emulator.advance_job_to("sub", "rg", "job1", "Completed").unwrap();
//!
//! // The next GET of a job answers 503 once.
//! emulator.inject(FaultRule::new(RequestKind::GetJob, 1, Fault::status(503)));
//! # }
//! ```
//!
//! An HTTP client then sends requests such as
//! `GET {uri}/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1?api-version=2021-01-01`
//! with an `Authorization: Bearer <anything>` header.
#![deny(missing_docs)]

mod catalog;
mod config;
mod emulator;
mod error;
mod fault;
mod http;
mod seed;
mod store;
mod throttle;

pub use config::{EmulatorConfig, Schedule};
pub use emulator::Emulator;
pub use error::EmulatorError;
pub use fault::{Fault, FaultRule, JournalEntry, RequestKind};
pub use seed::{DEFAULT_SUBSCRIPTION, JobSeed, SeededJob};
pub use throttle::{BucketLimits, ManualClock, ThrottleClock, ThrottleConfig};

/// The api-versions the emulator accepts.
pub const API_VERSIONS: [&str; 2] = http::API_VERSIONS;

/// The instant the virtual clock starts at, as used in `systemData` timestamps.
pub const EPOCH: &str = "2026-01-01T00:00:00Z";
