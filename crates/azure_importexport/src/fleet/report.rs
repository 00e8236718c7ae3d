//! What a fleet run reports: the planned jobs, why jobs are skipped, what was done or
//! failed (with the single-job helper's typed error), and the counts.

use crate::delete::SameNameJob;
use crate::error::{
    ArchiveError, CancelError, CategorizedError, DeleteError, ErrorCategory, RequestError,
};
use crate::job::Job;
use crate::state::JobState;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// A job named by the plan: which incarnation, in which state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedJob {
    /// Resource group.
    pub resource_group: String,
    /// Job name.
    pub name: String,
    /// The state the plan saw.
    pub state: JobState,
    /// `systemData.createdAt` the plan saw (the incarnation acted on).
    pub created_at: Option<String>,
}

impl PlannedJob {
    pub(super) fn of(job: &Job) -> Option<Self> {
        Some(PlannedJob {
            resource_group: job.resource_group()?.to_owned(),
            name: job.name()?.to_owned(),
            state: job.state(),
            created_at: job.created_at().map(str::to_owned),
        })
    }
}

/// Why a job is left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipReason {
    /// Its state does not allow a cancel (from `Packaging` on, or a state this SDK does
    /// not know).
    StateForbidsCancel,
    /// The cancel was requested already.
    AlreadyCancelRequested,
    /// Its state does not allow a delete (only `Creating` and `Completed` do).
    StateForbidsDelete,
    /// The archive holds this version already.
    Unchanged,
    /// The run was stopped before this job was started.
    NotStarted,
    /// Its state changed since the plan and no longer allows the action: the SDK's
    /// check or the service refused it, and nothing was changed.
    NoLongerAllowed,
    /// It was deleted, or its name reused by a new job, since the plan: someone else
    /// acted on it. The new job, if any, was left alone.
    GoneSincePlan,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::StateForbidsCancel => "its state no longer allows a cancel",
            SkipReason::AlreadyCancelRequested => "the cancel was requested already",
            SkipReason::StateForbidsDelete => "only Creating or Completed jobs can be deleted",
            SkipReason::Unchanged => "archived already, unchanged since",
            SkipReason::NotStarted => "not started: the run was stopped",
            SkipReason::NoLongerAllowed => {
                "its state changed since the plan and no longer allows it"
            }
            SkipReason::GoneSincePlan => "deleted or replaced by someone else since the plan",
        })
    }
}

/// A job left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// The job.
    #[serde(flatten)]
    pub job: PlannedJob,
    /// Why.
    pub reason: SkipReason,
}

/// A job the run acted on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Done {
    /// The job.
    #[serde(flatten)]
    pub job: PlannedJob,
    /// Where its record went, for archive and delete runs.
    pub archived_to: Option<String>,
    /// Delete runs: the job was found gone after it was checked (and archived), with
    /// no ambiguous DELETE of this run behind it: someone else removed it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed_by_another_actor: bool,
    /// Delete runs: a new job now has the name; it was never checked and was left alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_name_job_left_alone: Option<SameNameJob>,
}

impl Done {
    pub(super) fn new(job: PlannedJob, archived_to: Option<String>) -> Self {
        Done {
            job,
            archived_to,
            removed_by_another_actor: false,
            same_name_job_left_alone: None,
        }
    }
}

/// A job the run failed on.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failed {
    /// The job.
    #[serde(flatten)]
    pub job: PlannedJob,
    /// What kind of failure.
    #[serde(serialize_with = "category_name")]
    pub category: ErrorCategory,
    /// The error's message.
    pub message: String,
    /// The error itself, typed.
    #[serde(skip)]
    pub error: FleetError,
}

impl Failed {
    /// A failure of `job`, its category and message taken from `error`.
    pub fn new(job: PlannedJob, error: FleetError) -> Self {
        Failed {
            job,
            category: error.category(),
            message: error.to_string(),
            error,
        }
    }
}

/// Why a fleet run failed on a job: the single-job helper's own typed error, or the
/// listing's (shared by every job it did not reach).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// [`JobRef::cancel`](crate::JobRef::cancel) failed.
    #[error(transparent)]
    Cancel(Arc<CancelError>),
    /// [`JobRef::safe_delete`](crate::JobRef::safe_delete) failed.
    #[error(transparent)]
    Delete(Arc<DeleteError>),
    /// Writing the job's record to the archive sink failed.
    #[error("archiving {job} failed: {reason}")]
    Archive {
        /// `resource group/name`.
        job: String,
        /// The sink's error.
        reason: Arc<ArchiveError>,
    },
    /// The fresh listing of an archive run failed before it showed this job.
    #[error(transparent)]
    Listing(Arc<RequestError>),
}

impl CategorizedError for FleetError {
    fn category(&self) -> ErrorCategory {
        match self {
            FleetError::Cancel(error) => error.category(),
            FleetError::Delete(error) => error.category(),
            FleetError::Archive { .. } => ErrorCategory::Other,
            FleetError::Listing(error) => error.category(),
        }
    }
}

fn category_name<S: serde::Serializer>(category: &ErrorCategory, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{category:?}"))
}

/// Reported as each job is settled.
#[derive(Clone, Debug)]
pub enum FleetEvent {
    /// Acted on.
    Done(Done),
    /// Left alone.
    Skipped(Skipped),
    /// Failed.
    Failed(Failed),
}

/// A progress callback.
pub type FleetEventCallback = Arc<dyn Fn(&FleetEvent) + Send + Sync>;

/// Everything a run did: `{"done": [...], "skipped": [...], "failed": [...], "summary": {...}}`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetReport {
    /// Acted on.
    pub done: Vec<Done>,
    /// Left alone (the plan's skips, then jobs not started when the run was stopped).
    pub skipped: Vec<Skipped>,
    /// Failed.
    pub failed: Vec<Failed>,
    /// Counts.
    pub summary: FleetSummary,
}

/// The counts of a [`FleetReport`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    /// Jobs acted on.
    pub done: usize,
    /// Jobs left alone.
    pub skipped: usize,
    /// Jobs failed.
    pub failed: usize,
    /// Whether the run was stopped before every job was started.
    pub interrupted: bool,
}

impl FleetReport {
    pub(super) fn settle(&mut self, event: FleetEvent) {
        match event {
            FleetEvent::Done(done) => self.done.push(done),
            FleetEvent::Skipped(skipped) => {
                self.summary.interrupted |= skipped.reason == SkipReason::NotStarted;
                self.skipped.push(skipped);
            }
            FleetEvent::Failed(failed) => self.failed.push(failed),
        }
        self.summary.done = self.done.len();
        self.summary.skipped = self.skipped.len();
        self.summary.failed = self.failed.len();
    }
}

/// Used by the CLI's table.
impl fmt::Display for PlannedJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} ({})", self.resource_group, self.name, self.state)
    }
}
