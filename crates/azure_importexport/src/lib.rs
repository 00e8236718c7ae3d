//! Azure Storage Import/Export for Rust: safe, bounded helpers on top of the generated
//! low-level client [`azure_importexport_rest`].
//!
//! # The service's rules, enforced before anything is sent
//!
//! A job moves `Creating` -> `Shipping` -> `Received` -> `Transferring` -> `Packaging` ->
//! `Completed`; `Closed` (returned with errors) and `Canceled` are terminal side states.
//!
//! - **Cancel** ([`JobRef::cancel`]) is requested with
//!   `PATCH {"properties":{"cancelRequested":true}}` and is allowed while `Creating`,
//!   `Shipping`, `Received` or `Transferring` ([`JobStateExt::can_cancel`]). From
//!   `Transferring` it is best-effort: data may still be copied. A cancelled job ends in
//!   `Completed`, kept 90 days.
//! - **Delete** ([`JobRef::safe_delete`]) is allowed only in `Creating` or `Completed`
//!   ([`JobStateExt::can_delete`]). Afterwards the job, its state and its BitLocker keys
//!   are gone for good, so the helper can archive the job's exact JSON first
//!   ([`ArchiveSink`], [`FsArchive`]).
//! - Any other state (`Packaging`, `Closed`, `Canceled`, or a state this SDK does not
//!   know) allows neither: the helpers refuse what they cannot prove safe, with a typed
//!   error ([`CancelError::TooLate`], [`DeleteError::NotDeletable`]) and without sending
//!   the request. The low-level client ([`ImportExport::rest`]) can still send it.
//! - When the service refuses anyway (a 4xx), its answer is final: surfaced as
//!   [`RequestError::Refused`] and never retried.
//!
//! # One retry budget
//!
//! [`ImportExport::new`] builds the generated client with azure_core's retry policy
//! switched off (`RetryOptions::none()`), so the only retry loop is this crate's, and
//! the two layers never multiply attempts: with `max_attempts = 3`, a cancel sends at
//! most 3 PATCH requests, whatever happens underneath.
//!
//! The [`RetryPolicy`] retries transient failures (HTTP 408, 429, 500, 502, 503, 504,
//! connection and I/O errors, attempts over `attempt_timeout`) with exponential backoff
//! and full jitter, honours `Retry-After` (seconds, HTTP date, `retry-after-ms`,
//! `x-ms-retry-after-ms`) up to `max_retry_after`, and stops after `max_attempts`
//! requests or when the next retry would pass `max_elapsed`
//! ([`RequestError::GaveUp`]). Writes are never repeated blindly: after an ambiguous
//! failure (the request may have been applied) the job is re-read and the service's
//! answer decides.
//!
//! Time comes from an injected [`Clock`] and randomness from an injected [`Jitter`],
//! so tests run retry and wait schedules on a [`VirtualClock`] in no time.
//!
//! # Example
//!
//! ```
//! use azure_importexport::{
//!     CategorizedError as _, ErrorCategory, ImportExport, ImportExportOptions, JobState,
//!     StaticTokenCredential,
//! };
//! use std::sync::Arc;
//! # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = MockServer::start().await;
//! # Mock::given(method("GET"))
//! #     .and(path("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1"))
//! #     .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"name":"job1","properties":{"state":"Packaging"}}"#))
//! #     .mount(&server).await;
//! # let endpoint = server.uri();
//! let client = ImportExport::new(
//!     "sub",
//!     Arc::new(StaticTokenCredential::new("token")),
//!     Some(ImportExportOptions::default().with_endpoint(endpoint)),
//! )?;
//! let job = client.job("rg", "job1");
//! assert_eq!(job.get(None).await?.state(), JobState::Packaging);
//!
//! // Too late to cancel: refused before any PATCH is sent.
//! let error = job.cancel(None).await.unwrap_err();
//! assert_eq!(error.category(), ErrorCategory::RefusedByState);
//! println!("{error}");
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod archive;
mod cancel;
mod client;
mod clock;
mod delete;
mod error;
mod fleet;
mod jitter;
mod job;
mod listing;
mod locations;
mod redact;
mod retry;
mod state;
mod throttle;
mod wait;

pub use archive::{ArchiveRecord, ArchiveSink, FsArchive};
pub use azure_importexport_rest::runtime::StaticTokenCredential;
pub use cancel::{CancelOptions, CancelOutcome};
pub use client::{
    GetJobOptions, ImportExport, ImportExportOptions, JobRef, ListBitLockerKeysOptions,
};
pub use clock::{Clock, TokioClock, VirtualClock};
pub use delete::{
    CancelAndDeleteOptions, CancelAndDeleteOutcome, DeleteOptions, DeleteOutcome, SameNameJob,
};
pub use error::{
    ArchiveError, CancelAndDeleteError, CancelError, CategorizedError, DeleteError, ErrorCategory,
    GiveUpReason, RequestError, WaitError,
};
pub use fleet::{
    DEFAULT_CONCURRENCY, Done, Failed, FleetAction, FleetError, FleetEvent, FleetEventCallback,
    FleetOptions, FleetReport, FleetSummary, Plan, PlanOptions, PlannedJob, SkipReason, Skipped,
};
pub use jitter::{Jitter, NoJitter, SeededJitter};
pub use job::{Incarnation, Job, SECRET_FIELDS};
pub use listing::{JobSelector, ListJobsOptions};
pub use locations::{GetLocationOptions, ListLocationsOptions};
pub use redact::{REDACTED, REDACTION_NOTE_PROPERTY, redact_personal_data};
pub use retry::RetryPolicy;
pub use state::{JobState, JobStateExt};
pub use throttle::ArmLimits;
pub use wait::{ProgressCallback, WaitOptions, WaitProgress, WaitTarget};

/// The generated low-level crate, re-exported (models, raw client, service errors).
pub use azure_importexport_rest as rest;

/// Helpers shared by the unit tests of several modules.
#[cfg(test)]
pub(crate) mod test_support {
    use azure_core::http::headers::Headers;

    /// Headers from `(name, value)` pairs.
    pub(crate) fn headers(pairs: &[(&'static str, &'static str)]) -> Headers {
        let mut headers = Headers::new();
        for (name, value) in pairs {
            headers.insert(*name, *value);
        }
        headers
    }
}
