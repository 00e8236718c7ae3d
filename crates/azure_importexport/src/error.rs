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

/// Every error of this crate says what kind of failure it is: one trait, so callers map
/// any of them (e.g. to exit codes) with one generic function.
///
/// ```
/// use azure_importexport::{CategorizedError, ErrorCategory};
///
/// fn exit_code(error: &impl CategorizedError) -> u8 {
///     match error.category() {
///         ErrorCategory::RefusedByState => 3,
///         ErrorCategory::NotFound => 4,
///         ErrorCategory::GaveUp => 5,
///         _ => 1,
///     }
/// }
/// ```
pub trait CategorizedError: std::error::Error + Send + Sync + 'static {
    /// The category, for exit codes and "try later" decisions.
    fn category(&self) -> ErrorCategory;
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
        "{operation}: not found (HTTP 404{}): {}; {}",
        code_suffix(.code),
        .message.trim_end().trim_end_matches('.'),
        not_found_hint(.operation)
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

impl CategorizedError for RequestError {
    fn category(&self) -> ErrorCategory {
        match self {
            RequestError::NotFound { .. } => ErrorCategory::NotFound,
            _ if self.is_state_refusal() => ErrorCategory::RefusedByState,
            RequestError::Refused { status, .. } if (400..500).contains(status) => {
                ErrorCategory::Refused
            }
            RequestError::GaveUp { .. } => ErrorCategory::GaveUp,
            RequestError::Refused { .. }
            | RequestError::InvalidResponse { .. }
            | RequestError::Failed { .. } => ErrorCategory::Other,
        }
    }
}

impl RequestError {
    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RequestError::NotFound { .. })
    }

    /// Whether the service refused because of the job's state: HTTP 409, or an ARM
    /// code such as `JobCannotBeCancelled` / `JobCannotBeDeleted` (the job moved on
    /// between the SDK's check and the write). Same category as the SDK's own refusals.
    pub fn is_state_refusal(&self) -> bool {
        match self {
            RequestError::Refused { status, code, .. } => {
                *status == 409
                    || code.as_deref().is_some_and(|code| {
                        STATE_REFUSAL_CODES
                            .iter()
                            .any(|known| known.eq_ignore_ascii_case(code))
                    })
            }
            _ => false,
        }
    }

    /// Re-measures `elapsed` of a give-up that is reported after later requests (a
    /// re-read that followed the last failed attempt), so the message tells real time.
    pub(crate) fn with_elapsed(mut self, now: Duration) -> Self {
        if let RequestError::GaveUp { elapsed, .. } = &mut self {
            *elapsed = now;
        }
        self
    }
}

/// ARM error codes with which the service refuses a write because of the job's state.
const STATE_REFUSAL_CODES: [&str; 3] = [
    "JobCannotBeCancelled",
    "JobCannotBeDeleted",
    "InvalidJobState",
];

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
    /// The job that was checked is gone: a re-read found another job of the same name
    /// (another `systemData.createdAt`). Nothing was sent to the new job.
    #[error(
        "job {job} was deleted and its name reused while the cancel was in progress (the job there now was created at {created_at}); the new job was left alone"
    )]
    Replaced {
        /// `resource_group/name`.
        job: String,
        /// `systemData.createdAt` of the job that now has the name.
        created_at: String,
    },
    /// The job cannot be proven to be the one that was checked (no
    /// `systemData.createdAt`): after an ambiguous PATCH, or before the first write of
    /// [`JobRef::cancel_and_delete`](crate::JobRef::cancel_and_delete). Nothing further
    /// that changes the job was sent.
    #[error(
        "cannot prove that job {job} is the job that was checked (this api-version reports no systemData.createdAt, so a job re-created under the name would look the same); nothing further that changes it was sent: look the job up and cancel again"
    )]
    Unproven {
        /// `resource_group/name`.
        job: String,
    },
    /// Reading or patching the job failed.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl CategorizedError for CancelError {
    fn category(&self) -> ErrorCategory {
        match self {
            CancelError::TooLate { .. } => ErrorCategory::RefusedByState,
            CancelError::Replaced { .. } => ErrorCategory::NotFound,
            CancelError::Unproven { .. } => ErrorCategory::Other,
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
    /// A re-read shows a job of that name, with other content, that cannot be proven to
    /// be the one checked (no `systemData.createdAt`): after an ambiguous DELETE (no
    /// further DELETE was sent), or while the job was archived (no DELETE was sent).
    #[error("{}", unproven_delete_message(job, *delete_attempts))]
    Unproven {
        /// `resource_group/name`.
        job: String,
        /// DELETE requests sent.
        delete_attempts: u32,
    },
    /// The job that now has the name is not the incarnation the caller meant
    /// ([`DeleteOptions::expected_created_at`](crate::DeleteOptions::expected_created_at)):
    /// that one was deleted and the name reused. Nothing was sent to the new job.
    #[error(
        "job {job} is not the job that was meant: it was created at {}; the job that was meant is gone and this one was left alone",
        created_at.as_deref().unwrap_or("an unknown time")
    )]
    Replaced {
        /// `resource_group/name`.
        job: String,
        /// `systemData.createdAt` of the job that now has the name.
        created_at: Option<String>,
    },
    /// The job kept changing while it was being archived, so what would be deleted was
    /// never archived; nothing was deleted.
    #[error(
        "job {job} changed {rounds} times while it was being archived, so nothing was deleted; try again when it is stable"
    )]
    KeptChanging {
        /// `resource_group/name`.
        job: String,
        /// Archive rounds made.
        rounds: u32,
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
        source: Box<RequestError>,
    },
    /// Reading or deleting the job failed.
    #[error(transparent)]
    Request(#[from] RequestError),
}

fn unproven_delete_message(job: &str, delete_attempts: u32) -> String {
    let why = "this api-version reports no systemData.createdAt, so a job re-created under the name would look the same";
    if delete_attempts == 0 {
        format!(
            "job {job} changed while it was archived, and the job there now cannot be proven to be the one that was checked ({why}); no DELETE was sent: look the job up and delete it again if it is the one you meant"
        )
    } else {
        format!(
            "a DELETE of job {job} may have been applied, and the job of that name now cannot be proven to be the one that was checked ({why}); no further DELETE was sent: look the job up and delete it again if it is the one you meant"
        )
    }
}

impl CategorizedError for DeleteError {
    fn category(&self) -> ErrorCategory {
        match self {
            DeleteError::NotDeletable { .. } => ErrorCategory::RefusedByState,
            DeleteError::Replaced { .. } => ErrorCategory::NotFound,
            DeleteError::Request(error) => error.category(),
            DeleteError::ArchiveFailed { .. }
            | DeleteError::Unproven { .. }
            | DeleteError::KeptChanging { .. }
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
        "timed out after {elapsed:?} and {polls} poll(s) waiting for job {job} to reach {target} (last state: {}{}); wait longer or check the job",
        display_state(.last_state),
        last_poll_error.as_deref().map(|e| format!("; last poll failed: {e}")).unwrap_or_default()
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
        /// Why the last poll failed, when it did (an outage does not end a wait).
        last_poll_error: Option<String>,
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
        "job {job} is gone ({}) after {elapsed:?} and {polls} poll(s) (last state: {}); it was deleted or expired",
        replaced_by.as_deref().map_or_else(|| "HTTP 404".to_owned(), |created| format!("a new job created at {created} now has its name")),
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
        /// When a job of the same name exists again, its `systemData.createdAt`: the
        /// waited-for job was deleted and the name reused (the new job is not followed).
        replaced_by: Option<String>,
    },
    /// A poll failed for good.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl CategorizedError for WaitError {
    fn category(&self) -> ErrorCategory {
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

impl CategorizedError for CancelAndDeleteError {
    /// The category of the failed step.
    fn category(&self) -> ErrorCategory {
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

/// What to check after a 404, by what was looked up: a location has only its name, a
/// listing its subscription and resource group, anything else is a job.
fn not_found_hint(operation: &str) -> &'static str {
    let mut words = operation.split_whitespace();
    if words.clone().any(|w| w == "location" || w == "locations") {
        "check the location name (listing the locations shows the supported ones)"
    } else if words.any(|w| w == "jobs") {
        "check the subscription and resource group"
    } else {
        "check the subscription, resource group and job name"
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found(operation: &str, message: &str) -> String {
        RequestError::NotFound {
            operation: operation.into(),
            code: Some("ResourceNotFound".into()),
            message: message.into(),
        }
        .to_string()
    }

    #[test]
    fn issue12_the_not_found_hint_names_what_was_looked_up() {
        let location = not_found("GET location nope", "The location 'nope' was not found.");
        assert!(location.contains("check the location name"), "{location}");
        assert!(!location.contains("job name"), "{location}");
        assert!(!location.contains(".;"), "{location}");
        let job = not_found("GET job rg/j", "The job was not found.");
        assert!(
            job.ends_with(
                "The job was not found; check the subscription, resource group and job name"
            ),
            "{job}"
        );
        let listing = not_found("list jobs of resource group rg", "No such group");
        assert!(
            listing.ends_with("No such group; check the subscription and resource group"),
            "{listing}"
        );
    }
}
