//! What an SDK call returned, reduced to what the invariants look at: the typed error
//! variant (never its category, which is what is checked), and the category the test
//! expects for each variant.

use crate::actor::marker_of;
use azure_importexport::{
    CancelAndDeleteError, CancelAndDeleteOutcome, CancelError, CancelOutcome, DeleteError,
    DeleteOutcome, ErrorCategory, GiveUpReason, Job, JobState, RequestError, WaitError,
};

/// What one SDK call returned.
#[derive(Debug)]
pub(crate) enum Outcome {
    Cancelled {
        /// The marker in the body of the job the outcome shows.
        marker: Option<u64>,
        already_requested: bool,
        patch_attempts: u32,
    },
    Deleted {
        archived_to: Option<String>,
        /// `createdAt` of the job reported left alone.
        left_alone: Option<String>,
        by_earlier_attempt: bool,
        by_another_actor: bool,
        delete_attempts: u32,
    },
    Waited {
        state: JobState,
    },
    Failed {
        step: Step,
        category: ErrorCategory,
        detail: String,
        failure: Failure,
    },
}

impl Outcome {
    /// The outcome's kind, for the run's tally.
    pub(crate) fn kind(&self) -> String {
        match self {
            Outcome::Cancelled { .. } => "Cancelled".to_owned(),
            Outcome::Deleted {
                left_alone: Some(_),
                ..
            } => "Deleted (same name left alone)".to_owned(),
            Outcome::Deleted { .. } => "Deleted".to_owned(),
            Outcome::Waited { .. } => "Waited".to_owned(),
            // The variant's name, without its fields.
            Outcome::Failed { failure, .. } => format!("{failure:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// Which helper (or step of `cancel_and_delete`) failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Step {
    Cancel,
    Wait,
    Delete,
}

/// The error variant, as the SDK typed it.
#[derive(Debug, PartialEq)]
pub(crate) enum Failure {
    /// `CancelError::TooLate`.
    CancelRefused {
        state: JobState,
        patches: u32,
    },
    /// `DeleteError::NotDeletable`.
    DeleteRefused {
        state: JobState,
    },
    /// `Replaced`: another incarnation has the name.
    Replaced,
    /// `Unproven`: the incarnation cannot be told.
    Unproven,
    /// `RequestError::NotFound` (a 404).
    NotFound,
    /// `RequestError::Refused`.
    ServiceRefused {
        status: u16,
    },
    /// `RequestError::GaveUp`, `method` the first word of its operation.
    GaveUp {
        method: String,
        attempts: u32,
        attempts_exhausted: bool,
    },
    /// `RequestError::InvalidResponse`.
    Unreadable,
    WaitTimeout,
    WaitUnreachable {
        state: JobState,
    },
    WaitGone {
        replaced: bool,
    },
    /// `DeleteError::StillPresent`.
    StillPresent,
    /// `DeleteError::Unconfirmed`.
    Unconfirmed,
    /// `DeleteError::KeptChanging`.
    KeptChanging,
    /// Anything else (archive failures, transport errors outside HTTP).
    Other,
}

impl Failure {
    /// The category each variant must have (DESIGN section 4 and the exit codes).
    pub(crate) fn expected_category(&self) -> ErrorCategory {
        match self {
            Failure::CancelRefused { .. }
            | Failure::DeleteRefused { .. }
            | Failure::WaitUnreachable { .. }
            | Failure::ServiceRefused { status: 409 } => ErrorCategory::RefusedByState,
            Failure::ServiceRefused { status } if (400..500).contains(status) => {
                ErrorCategory::Refused
            }
            Failure::Replaced | Failure::NotFound | Failure::WaitGone { .. } => {
                ErrorCategory::NotFound
            }
            Failure::GaveUp { .. } | Failure::WaitTimeout => ErrorCategory::GaveUp,
            _ => ErrorCategory::Other,
        }
    }
}

fn request_failure(error: &RequestError) -> Failure {
    match error {
        RequestError::NotFound { .. } => Failure::NotFound,
        RequestError::Refused { status, .. } => Failure::ServiceRefused { status: *status },
        RequestError::GaveUp {
            operation,
            attempts,
            reason,
            ..
        } => Failure::GaveUp {
            method: operation.split(' ').next().unwrap_or_default().to_owned(),
            attempts: *attempts,
            attempts_exhausted: matches!(reason, GiveUpReason::AttemptsExhausted { .. }),
        },
        RequestError::InvalidResponse { .. } => Failure::Unreadable,
        _ => Failure::Other,
    }
}

fn cancel_failure(error: &CancelError) -> Failure {
    match error {
        CancelError::TooLate {
            state,
            patch_attempts,
            ..
        } => Failure::CancelRefused {
            state: state.clone(),
            patches: *patch_attempts,
        },
        CancelError::Replaced { .. } => Failure::Replaced,
        CancelError::Unproven { .. } => Failure::Unproven,
        CancelError::Request(request) => request_failure(request),
        _ => Failure::Other,
    }
}

fn delete_failure(error: &DeleteError) -> Failure {
    match error {
        DeleteError::NotDeletable { state, .. } => Failure::DeleteRefused {
            state: state.clone(),
        },
        DeleteError::Replaced { .. } => Failure::Replaced,
        DeleteError::Unproven { .. } => Failure::Unproven,
        DeleteError::StillPresent { .. } => Failure::StillPresent,
        DeleteError::Unconfirmed { .. } => Failure::Unconfirmed,
        DeleteError::KeptChanging { .. } => Failure::KeptChanging,
        DeleteError::Request(request) => request_failure(request),
        _ => Failure::Other,
    }
}

fn wait_failure(error: &WaitError) -> Failure {
    match error {
        WaitError::Timeout { .. } => Failure::WaitTimeout,
        WaitError::Unreachable { state, .. } => Failure::WaitUnreachable {
            state: state.clone(),
        },
        WaitError::Gone { replaced_by, .. } => Failure::WaitGone {
            replaced: replaced_by.is_some(),
        },
        WaitError::Request(request) => request_failure(request),
        _ => Failure::Other,
    }
}

fn failed(
    step: Step,
    error: &dyn azure_importexport::CategorizedError,
    failure: Failure,
) -> Outcome {
    Outcome::Failed {
        step,
        category: error.category(),
        detail: error.to_string(),
        failure,
    }
}

pub(crate) fn cancelled(result: Result<CancelOutcome, CancelError>) -> Outcome {
    match result {
        Ok(outcome) => Outcome::Cancelled {
            marker: marker_in(&outcome.job),
            already_requested: outcome.already_requested,
            patch_attempts: outcome.patch_attempts,
        },
        Err(error) => failed(Step::Cancel, &error, cancel_failure(&error)),
    }
}

pub(crate) fn deleted(result: Result<DeleteOutcome, DeleteError>) -> Outcome {
    match result {
        Ok(outcome) => Outcome::Deleted {
            archived_to: outcome.archived_to,
            left_alone: outcome.same_name_job_left_alone.map(|job| job.created_at),
            by_earlier_attempt: outcome.deleted_by_earlier_attempt,
            by_another_actor: outcome.removed_by_another_actor,
            delete_attempts: outcome.delete_attempts,
        },
        Err(error) => failed(Step::Delete, &error, delete_failure(&error)),
    }
}

pub(crate) fn waited(result: Result<Job, WaitError>) -> Outcome {
    match result {
        Ok(job) => Outcome::Waited { state: job.state() },
        Err(error) => failed(Step::Wait, &error, wait_failure(&error)),
    }
}

pub(crate) fn cancelled_and_deleted(
    result: Result<CancelAndDeleteOutcome, CancelAndDeleteError>,
) -> Outcome {
    match result {
        Ok(outcome) => deleted(Ok(outcome.delete)),
        Err(CancelAndDeleteError::Cancel(error)) => {
            failed(Step::Cancel, &error, cancel_failure(&error))
        }
        Err(CancelAndDeleteError::Wait(error)) => failed(Step::Wait, &error, wait_failure(&error)),
        Err(CancelAndDeleteError::Delete(error)) => {
            failed(Step::Delete, &error, delete_failure(&error))
        }
        Err(error) => failed(Step::Delete, &error, Failure::Other),
    }
}

fn marker_in(job: &Job) -> Option<u64> {
    marker_of(&serde_json::from_slice(job.json()).ok()?)
}
