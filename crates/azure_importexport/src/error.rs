//! Typed errors. Each says what happened and what the caller can do; none carries the
//! bearer token, BitLocker keys or carrier account numbers (only statuses, ARM codes and
//! messages are kept from service replies, never raw bodies).

use crate::state::JobState;
use std::fmt;
use std::time::Duration;

/// What kind of failure an error is, for callers that map errors to exit codes or
/// decide whether to try again later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// The job's state does not allow the action (cancel too late, delete not allowed,
    /// wait target unreachable). Nothing was sent that could change the job.
    RefusedByState,
    /// The job (or its resource group) does not exist.
    NotFound,
    /// Retries or the time budget ran out, or a waiter timed out.
    GaveUp,
    /// The service answered with a final 4xx; it was not retried.
    Refused,
    /// Anything else (configuration, credential, unreadable reply, archive failure...).
    Other,
}

/// Why the retry engine stopped retrying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GiveUpReason {
    /// Every allowed attempt failed with a transient error.
    AttemptsExhausted {
        /// The configured [`RetryPolicy::max_attempts`](crate::RetryPolicy::max_attempts).
        max_attempts: u32,
    },
    /// Waiting for the next attempt would exceed the time budget.
    TimeBudgetExhausted {
        /// The configured [`RetryPolicy::max_elapsed`](crate::RetryPolicy::max_elapsed).
        max_elapsed: Duration,
        /// The delay the next attempt would have needed.
        next_delay: Duration,
    },
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUpReason::AttemptsExhausted { max_attempts } => {
                write!(f, "all {max_attempts} allowed attempt(s) failed")
            }
            GiveUpReason::TimeBudgetExhausted {
                max_elapsed,
                next_delay,
            } => write!(
                f,
                "the next attempt (in {next_delay:?}) would exceed the {max_elapsed:?} time budget"
            ),
        }
    }
}

/// A request (with its retries) that did not succeed. Shared by every helper.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// HTTP 404: the job or its resource group does not exist.
    #[error(
        "{operation}: not found (HTTP 404{}): {message}; check the subscription, resource group and job name",
        code_suffix(.code)
    )]
    NotFound {
        /// What was attempted, e.g. `GET job rg/name`.
        operation: String,
        /// ARM error code, e.g. `ResourceNotFound`.
        code: Option<String>,
        /// The service's message.
        message: String,
    },
    /// A final (non-retryable) service answer, typically a 4xx. Never retried.
    #[error(
        "{operation}: the service refused the request (HTTP {status}{}): {message}; this answer is final and was not retried",
        code_suffix(.code)
    )]
    Refused {
        /// What was attempted.
        operation: String,
        /// HTTP status.
        status: u16,
        /// ARM error code.
        code: Option<String>,
        /// The service's message.
        message: String,
    },
    /// Transient failures (408, 429, 5xx, connection errors, timeouts) outlasted the
    /// retry budget.
    #[error(
        "{operation}: gave up after {attempts} attempt(s) in {elapsed:?}: {reason}; last failure: {last_failure}. The service is busy or unreachable: try again later, or allow more attempts or time"
    )]
    GaveUp {
        /// What was attempted.
        operation: String,
        /// Requests sent for this operation.
        attempts: u32,
        /// Time spent, as measured by the configured clock.
        elapsed: Duration,
        /// Which bound was hit.
        reason: GiveUpReason,
        /// The last transient failure (status and service message, or the I/O error).
        last_failure: String,
    },
    /// The service answered with success but a body this SDK cannot read.
    #[error(
        "{operation}: the service's reply could not be read ({detail}); nothing more was attempted"
    )]
    InvalidResponse {
        /// What was attempted.
        operation: String,
        /// What was wrong with the reply.
        detail: String,
    },
    /// A failure that is neither a service answer nor transient: configuration,
    /// credential, request building.
    #[error("{operation} failed: {source}")]
    Failed {
        /// What was attempted.
        operation: String,
        /// The underlying error.
        #[source]
        source: azure_core::Error,
    },
}

impl RequestError {
    /// The category, for exit codes and "try later" decisions.
    pub fn category(&self) -> ErrorCategory {
        match self {
            RequestError::NotFound { .. } => ErrorCategory::NotFound,
            RequestError::Refused { status, .. } if (400..500).contains(status) => {
                ErrorCategory::Refused
            }
            RequestError::GaveUp { .. } => ErrorCategory::GaveUp,
            RequestError::Refused { .. }
            | RequestError::InvalidResponse { .. }
            | RequestError::Failed { .. } => ErrorCategory::Other,
        }
    }

    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RequestError::NotFound { .. })
    }
}

/// Why [`JobRef::cancel`](crate::JobRef::cancel) did not request the cancel.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CancelError {
    /// The job's state no longer allows a cancel; no PATCH was sent (or, after an
    /// ambiguous failure, the re-read showed the job had moved on).
    #[error(
        "cannot cancel job {job}: it is {state}; {}",
        refusal_hint(.state, "a cancel is only possible while Creating, Shipping, Received or Transferring", &patches_sent(*.patch_attempts))
    )]
    TooLate {
        /// `resource_group/name`.
        job: String,
        /// The state seen.
        state: JobState,
        /// PATCH requests sent before the job was seen in this state (0 when the first
        /// look-up already refused; more when an ambiguous failure was resolved by a re-read).
        patch_attempts: u32,
    },
    /// Reading or patching the job failed.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl CancelError {
    /// The category, for exit codes.
    pub fn category(&self) -> ErrorCategory {
        match self {
            CancelError::TooLate { .. } => ErrorCategory::RefusedByState,
            CancelError::Request(error) => error.category(),
        }
    }
}

/// The error an [`ArchiveSink`](crate::ArchiveSink) reports.
pub type ArchiveError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why [`JobRef::safe_delete`](crate::JobRef::safe_delete) did not (provably) delete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeleteError {
    /// The job's state does not allow a delete; no DELETE was sent.
    #[error(
        "refusing to delete job {job}: it is {state}; {}",
        refusal_hint(.state, "only Creating or Completed jobs can be deleted (cancel it and wait for Completed, e.g. with cancel_and_delete)", "no DELETE was sent")
    )]
    NotDeletable {
        /// `resource_group/name`.
        job: String,
        /// The state seen.
        state: JobState,
    },
    /// The archive sink failed, so nothing was deleted.
    #[error(
        "archiving job {job} failed, so nothing was deleted: {source}; fix the archive destination and try again"
    )]
    ArchiveFailed {
        /// `resource_group/name`.
        job: String,
        /// The sink's error.
        #[source]
        source: ArchiveError,
    },
    /// The DELETE succeeded, but the job is still returned by the service.
    #[error(
        "the DELETE of job {job} was accepted but the job is still there (state {state}); check again in a few minutes"
    )]
    StillPresent {
        /// `resource_group/name`.
        job: String,
        /// The state seen after the DELETE.
        state: JobState,
    },
    /// The DELETE succeeded, but the check that the job is gone failed.
    #[error(
        "job {job} was deleted, but the check that it is gone failed: {source}; look the job up again later"
    )]
    Unconfirmed {
        /// `resource_group/name`.
        job: String,
        /// Why the confirming GET failed.
        #[source]
        source: RequestError,
    },
    /// Reading or deleting the job failed.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl DeleteError {
    /// The category, for exit codes.
    pub fn category(&self) -> ErrorCategory {
        match self {
            DeleteError::NotDeletable { .. } => ErrorCategory::RefusedByState,
            DeleteError::Request(error) => error.category(),
            DeleteError::ArchiveFailed { .. }
            | DeleteError::StillPresent { .. }
            | DeleteError::Unconfirmed { .. } => ErrorCategory::Other,
        }
    }
}

/// Why [`JobRef::wait_until`](crate::JobRef::wait_until) stopped without reaching its target.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The timeout passed.
    #[error(
        "timed out after {elapsed:?} and {polls} poll(s) waiting for job {job} to reach {target} (last state: {}); wait longer or check the job",
        display_state(.last_state)
    )]
    Timeout {
        /// `resource_group/name`.
        job: String,
        /// What was waited for.
        target: String,
        /// Time waited.
        elapsed: Duration,
        /// GET requests made.
        polls: u32,
        /// The last state seen, if any.
        last_state: Option<JobState>,
    },
    /// The job is in a state from which the target cannot be reached.
    #[error("job {job} is {state}, from which {target} can no longer be reached; stopped waiting")]
    Unreachable {
        /// `resource_group/name`.
        job: String,
        /// What was waited for.
        target: String,
        /// The state seen.
        state: JobState,
    },
    /// The job disappeared (404) while waiting.
    #[error(
        "job {job} is gone (HTTP 404) after {elapsed:?} and {polls} poll(s) (last state: {}); it was deleted or expired",
        display_state(.last_state)
    )]
    Gone {
        /// `resource_group/name`.
        job: String,
        /// Time waited.
        elapsed: Duration,
        /// GET requests made.
        polls: u32,
        /// The last state seen, if any.
        last_state: Option<JobState>,
    },
    /// A poll failed for good.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl WaitError {
    /// The category, for exit codes.
    pub fn category(&self) -> ErrorCategory {
        match self {
            WaitError::Timeout { .. } => ErrorCategory::GaveUp,
            WaitError::Unreachable { .. } => ErrorCategory::RefusedByState,
            WaitError::Gone { .. } => ErrorCategory::NotFound,
            WaitError::Request(error) => error.category(),
        }
    }
}

/// Which step of [`JobRef::cancel_and_delete`](crate::JobRef::cancel_and_delete) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CancelAndDeleteError {
    /// Requesting the cancel failed.
    #[error("cancel step: {0}")]
    Cancel(#[source] CancelError),
    /// Waiting for `Completed` failed (the cancel was requested).
    #[error("wait step (the cancel was requested): {0}")]
    Wait(#[source] WaitError),
    /// The delete failed (the job was cancelled and completed).
    #[error("delete step: {0}")]
    Delete(#[source] DeleteError),
}

impl CancelAndDeleteError {
    /// The category of the failed step.
    pub fn category(&self) -> ErrorCategory {
        match self {
            CancelAndDeleteError::Cancel(error) => error.category(),
            CancelAndDeleteError::Wait(error) => error.category(),
            CancelAndDeleteError::Delete(error) => error.category(),
        }
    }
}

fn code_suffix(code: &Option<String>) -> String {
    code.as_deref()
        .map(|code| format!(", {code}"))
        .unwrap_or_default()
}

fn display_state(state: &Option<JobState>) -> String {
    state
        .as_ref()
        .map_or_else(|| "none seen".to_owned(), JobState::to_string)
}

fn patches_sent(patch_attempts: u32) -> String {
    match patch_attempts {
        0 => "no PATCH was sent".to_owned(),
        n => format!("{n} PATCH attempt(s) failed before the job was seen in this state"),
    }
}

/// Explains a refusal; unknown states get the "cannot prove it safe" reason.
fn refusal_hint(state: &JobState, rule: &str, sent: &str) -> String {
    match state {
        JobState::Unknown(_) => format!(
            "this SDK does not know that state and refuses what it cannot prove safe ({rule}); {sent} (the low-level client can still send the request)"
        ),
        _ => format!("{rule}; {sent}"),
    }
}
