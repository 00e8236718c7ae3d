//! What an SDK call returned, reduced to what the invariants look at, and the
//! invariants a failed call must keep.

use crate::history::History;
use azure_importexport::CategorizedError as _;
use azure_importexport::{CancelError, DeleteError, ErrorCategory, JobState, JobStateExt as _};
use azure_importexport_emulator::{JournalEntry, RequestKind};
use serde_json::Value;

/// What one SDK call returned, reduced to what the invariants look at.
#[derive(Debug)]
pub(crate) enum Outcome {
    Cancelled {
        cancel_requested: bool,
        marker: Option<u64>,
    },
    Deleted {
        archived_to: Option<String>,
        left_alone: bool,
    },
    Waited {
        state: JobState,
    },
    Failed {
        category: ErrorCategory,
        detail: String,
        kind: Failure,
    },
}

#[derive(Debug, PartialEq)]
pub(crate) enum Failure {
    SdkRefusal { state: JobState, writes_sent: u32 },
    ServiceRefusal,
    NotFound,
    Unproven,
    Other,
}

pub(crate) fn cancel_failure(error: &CancelError) -> Failure {
    match error {
        CancelError::TooLate {
            state,
            patch_attempts,
            ..
        } => Failure::SdkRefusal {
            state: state.clone(),
            writes_sent: *patch_attempts,
        },
        CancelError::Replaced { .. } => Failure::NotFound,
        CancelError::Unproven { .. } => Failure::Unproven,
        CancelError::Request(request) => request_failure(request),
        _ => Failure::Other,
    }
}

pub(crate) fn delete_failure(error: &DeleteError) -> Failure {
    match error {
        DeleteError::NotDeletable { state, .. } => Failure::SdkRefusal {
            state: state.clone(),
            writes_sent: u32::MAX,
        },
        DeleteError::Replaced { .. } => Failure::NotFound,
        DeleteError::Unproven { .. } => Failure::Unproven,
        DeleteError::Request(request) => request_failure(request),
        _ => Failure::Other,
    }
}

pub(crate) fn request_failure(error: &azure_importexport::RequestError) -> Failure {
    match error.category() {
        ErrorCategory::NotFound => Failure::NotFound,
        ErrorCategory::RefusedByState => Failure::ServiceRefusal,
        _ => Failure::Other,
    }
}

pub(crate) fn failed(
    category: ErrorCategory,
    error: &dyn std::fmt::Display,
    kind: Failure,
) -> Outcome {
    Outcome::Failed {
        category,
        detail: error.to_string(),
        kind,
    }
}

pub(crate) fn deleted(result: Result<azure_importexport::DeleteOutcome, DeleteError>) -> Outcome {
    match result {
        Ok(outcome) => Outcome::Deleted {
            archived_to: outcome.archived_to,
            left_alone: outcome.same_name_job_left_alone.is_some(),
        },
        Err(error) => failed(error.category(), &error, delete_failure(&error)),
    }
}

/// Invariants 4 and 5 for a failed call.
pub(crate) fn check_failure(
    history: &History,
    journal: &[JournalEntry],
    now: Option<&Value>,
    category: ErrorCategory,
    detail: &str,
    kind: &Failure,
) -> Result<(), String> {
    match kind {
        Failure::SdkRefusal { state, writes_sent } => {
            if category != ErrorCategory::RefusedByState {
                return Err(format!("refusal in category {category:?}: {detail}"));
            }
            if *writes_sent == 0 && journal.iter().any(|e| e.method == "PATCH") {
                return Err(format!("refused with no PATCH, but one was sent: {detail}"));
            }
            let applied_delete = journal
                .iter()
                .any(|e| e.kind == RequestKind::DeleteJob && e.applied);
            if *writes_sent == u32::MAX && applied_delete {
                return Err(format!("refused a delete, but one was applied: {detail}"));
            }
            let state_now = now.and_then(|job| job["properties"]["state"].as_str());
            if state.can_cancel() && state.can_delete()
                || state_now.is_some_and(|s| JobState::from(s) != *state)
            {
                return Err(format!(
                    "refused in {state:?}, the service has {state_now:?}: {detail}"
                ));
            }
        }
        Failure::Unproven if history.system_data => {
            return Err(format!(
                "incarnation unproven although systemData is there: {detail}"
            ));
        }
        Failure::NotFound if category != ErrorCategory::NotFound => {
            return Err(format!("not found in category {category:?}: {detail}"));
        }
        Failure::ServiceRefusal if category != ErrorCategory::RefusedByState => {
            return Err(format!(
                "a service refusal in category {category:?}: {detail}"
            ));
        }
        _ => {}
    }
    Ok(())
}
