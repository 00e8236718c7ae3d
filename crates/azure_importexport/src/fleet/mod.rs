//! Fleet operations: one action (cancel, delete, archive) over every job a
//! [`JobSelector`] picks, planned before anything is sent, run with bounded concurrency,
//! and reported job by job.
//!
//! Each job gets exactly the single-job rules ([`JobRef::cancel`], [`JobRef::safe_delete`])
//! pinned to the incarnation the plan saw (`expected_created_at`), so a name re-created
//! since the plan is left alone. The client's [`ArmLimits`](crate::ArmLimits) throttle
//! paces every worker against ARM's buckets and shares one pause after a 429.
//!
//! **Interruption-safe by construction:** archives are written before deletes, archive
//! writes are idempotent ([`FsArchive`](crate::FsArchive) never writes the same version
//! twice), and a rerun plans again from a fresh listing, so a run killed at any point
//! and started again finishes the work without losing or duplicating anything.

mod report;

pub use report::{
    Done, Failed, FleetError, FleetEvent, FleetEventCallback, FleetReport, FleetSummary,
    PlannedJob, SkipReason, Skipped,
};

use crate::archive::{ArchiveRecord, ArchiveSink};
use crate::cancel::CancelOptions;
use crate::client::ImportExport;
use crate::delete::DeleteOptions;
use crate::error::{CategorizedError, ErrorCategory, RequestError};
use crate::job::Job;
use crate::listing::{JobSelector, ListJobsOptions};
use crate::retry::RetryPolicy;
use crate::state::JobStateExt as _;
use azure_core::fmt::SafeDebug;
use azure_core::http::ClientMethodOptions;
use futures::{Stream, StreamExt as _, TryStreamExt as _, stream};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Workers when [`FleetOptions::concurrency`] is not set: small, so a fleet run leaves
/// room in the subscription's buckets for everyone else.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// What a fleet run does to each selected job.
#[derive(Clone)]
pub enum FleetAction {
    /// Request the cancel (jobs before `Packaging`, not already cancel-requested).
    Cancel,
    /// Delete (`Creating` and `Completed` jobs), archiving each one first to `archive`,
    /// or, with `None`, explicitly without an archive.
    Delete {
        /// Where each job goes before its DELETE; `None` deletes without a record.
        archive: Option<Arc<dyn ArchiveSink>>,
    },
    /// Archive each job whose current version the sink does not hold yet.
    Archive {
        /// Where the records go.
        sink: Arc<dyn ArchiveSink>,
    },
}

impl fmt::Debug for FleetAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FleetAction::Cancel => f.write_str("Cancel"),
            FleetAction::Delete { archive } => {
                f.debug_struct("Delete").field("archive", archive).finish()
            }
            FleetAction::Archive { sink } => f.debug_struct("Archive").field("sink", sink).finish(),
        }
    }
}

/// One unit of a run.
enum Work {
    /// A planned job (for an archive run, with its entry in the fresh listing).
    Planned(PlannedJob, Option<Box<Job>>),
    /// A planned job the fresh listing did not show: gone since the plan (`None`), or
    /// the listing failed first.
    Unlisted(PlannedJob, Option<Arc<RequestError>>),
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What will be done, and what is left out and why: computed before anything is sent.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The jobs it was made for.
    pub selector: JobSelector,
    /// The action.
    pub action: FleetAction,
    /// The jobs it will act on.
    pub to_do: Vec<PlannedJob>,
    /// The selected jobs it leaves alone, each with the reason.
    pub skipped: Vec<Skipped>,
}

/// Options for [`ImportExport::plan`].
#[derive(Clone, Default, SafeDebug)]
pub struct PlanOptions<'a> {
    /// The caller's context, carried to every request of the listing.
    pub method_options: ClientMethodOptions<'a>,
}

/// Options for [`ImportExport::run_plan`].
#[derive(Clone, Default)]
pub struct FleetOptions<'a> {
    /// Jobs worked on at once; [`DEFAULT_CONCURRENCY`] when `None` (0 counts as 1).
    pub concurrency: Option<usize>,
    /// Retry budget of each job's requests; the client's default when `None`.
    pub retry: Option<RetryPolicy>,
    /// Called as each job is settled (progress bars).
    pub on_event: Option<FleetEventCallback>,
    /// Once set, no further job is started; jobs in flight finish (Ctrl-C).
    pub stop: Option<Arc<AtomicBool>>,
    /// The caller's context, carried to every request of the run.
    pub method_options: ClientMethodOptions<'a>,
}

impl fmt::Debug for FleetOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetOptions")
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("stop", &self.stop)
            .finish_non_exhaustive()
    }
}

impl ImportExport {
    /// Lists the jobs `selector` picks and decides, for each, whether `action` applies
    /// (the single-job rules) or why not. Sends nothing that changes a job (an archive
    /// plan asks the sink which versions it holds).
    pub async fn plan(
        &self,
        selector: &JobSelector,
        action: FleetAction,
        options: Option<PlanOptions<'_>>,
    ) -> Result<Plan, RequestError> {
        let listing = ListJobsOptions {
            method_options: options.unwrap_or_default().method_options,
            ..ListJobsOptions::default()
        };
        let mut plan = Plan {
            selector: selector.clone(),
            action,
            to_do: Vec::new(),
            skipped: Vec::new(),
        };
        let mut jobs = std::pin::pin!(self.jobs_matching(selector, Some(listing)));
        // Bounded by the listing's page limit.
        while let Some(job) = jobs.try_next().await? {
            let Some(planned) = PlannedJob::of(&job) else {
                continue;
            };
            match self.skip_reason(&plan.action, &job).await {
                Some(reason) => plan.skipped.push(Skipped {
                    job: planned,
                    reason,
                }),
                None => plan.to_do.push(planned),
            }
        }
        plan.to_do
            .sort_by(|a, b| (&a.resource_group, &a.name).cmp(&(&b.resource_group, &b.name)));
        Ok(plan)
    }

    async fn skip_reason(&self, action: &FleetAction, job: &Job) -> Option<SkipReason> {
        let state = job.state();
        match action {
            FleetAction::Cancel if job.cancel_requested() => {
                Some(SkipReason::AlreadyCancelRequested)
            }
            FleetAction::Cancel => (!state.can_cancel()).then_some(SkipReason::StateForbidsCancel),
            FleetAction::Delete { .. } => {
                (!state.can_delete()).then_some(SkipReason::StateForbidsDelete)
            }
            FleetAction::Archive { sink } => {
                let record = self.record_of(job)?;
                // A sink that cannot tell is asked to write (it dedupes, or keeps both).
                sink.contains(record)
                    .await
                    .unwrap_or(false)
                    .then_some(SkipReason::Unchanged)
            }
        }
    }

    fn record_of<'j>(&'j self, job: &'j Job) -> Option<ArchiveRecord<'j>> {
        Some(ArchiveRecord::of_job(
            self.subscription_id(),
            job.resource_group()?,
            job.name()?,
            job,
        ))
    }

    /// Runs `plan` with bounded concurrency and reports every job. A job's failure is
    /// reported, never the end of the run.
    ///
    /// An archive run lists the jobs again and archives each planned job as the listing
    /// shows it now (the bytes the plan compared with the archive); a planned job that
    /// is gone by then is skipped ([`SkipReason::GoneSincePlan`]).
    pub async fn run_plan(&self, plan: Plan, options: Option<FleetOptions<'_>>) -> FleetReport {
        let options = options.unwrap_or_default();
        let mut report = FleetReport::default();
        for skipped in plan.skipped {
            report.settle(FleetEvent::Skipped(skipped));
        }
        let workers = options.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1);
        let stopped = || {
            options
                .stop
                .as_ref()
                .is_some_and(|stop| stop.load(Ordering::SeqCst))
        };
        let action = &plan.action;
        // A stream, not a list: an archive run holds one listing page at a time.
        let work = match action {
            FleetAction::Archive { .. } => self
                .listed(
                    &plan.selector,
                    plan.to_do,
                    options.stop.clone(),
                    options.method_options.clone(),
                )
                .boxed(),
            _ => stream::iter(plan.to_do.into_iter().map(|job| Work::Planned(job, None))).boxed(),
        };
        let mut settled = work
            .map(|work| async {
                match work {
                    Work::Planned(job, _) | Work::Unlisted(job, _) if stopped() => {
                        FleetEvent::Skipped(Skipped {
                            job,
                            reason: SkipReason::NotStarted,
                        })
                    }
                    Work::Planned(job, listed) => {
                        self.act(action, job, listed.map(|job| *job), &options)
                            .await
                    }
                    Work::Unlisted(job, None) => FleetEvent::Skipped(Skipped {
                        job,
                        reason: SkipReason::GoneSincePlan,
                    }),
                    Work::Unlisted(job, Some(error)) => {
                        FleetEvent::Failed(Failed::new(job, FleetError::Listing(error)))
                    }
                }
            })
            .buffer_unordered(workers);
        // Bounded by the plan's length.
        while let Some(event) = settled.next().await {
            if let Some(callback) = &options.on_event {
                callback(&event);
            }
            report.settle(event);
        }
        report
    }

    /// The planned jobs as a fresh listing shows them, as the listing goes; then the
    /// planned jobs it did not show (gone since the plan, or the listing failed).
    fn listed<'s>(
        &'s self,
        selector: &'s JobSelector,
        planned: Vec<PlannedJob>,
        stop: Option<Arc<AtomicBool>>,
        method_options: ClientMethodOptions<'s>,
    ) -> impl Stream<Item = Work> + Send + 's {
        let pending: HashMap<(String, String), PlannedJob> = planned
            .into_iter()
            .map(|job| ((job.resource_group.clone(), job.name.clone()), job))
            .collect();
        let pending = Arc::new(Mutex::new(pending));
        let failure: Arc<Mutex<Option<Arc<RequestError>>>> = Arc::default();
        let (take, rest, failed_with) = (pending.clone(), pending, failure.clone());
        let listed = self
            .jobs(Some(ListJobsOptions {
                method_options,
                ..selector.listing()
            }))
            // Once stopped, no further page is fetched: the jobs not reached yet are
            // reported "not started" below.
            .map(move |item| {
                item.map_err(|error| *lock(&failure) = Some(Arc::new(error)))
                    .ok()
            })
            .take_while(move |job| {
                let stopped = stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst));
                futures::future::ready(job.is_some() && !stopped)
            })
            .filter_map(move |job| {
                let found = job.and_then(|job| {
                    let key = (job.resource_group()?.to_owned(), job.name()?.to_owned());
                    let planned = lock(&take).remove(&key)?;
                    Some(Work::Planned(planned, Some(Box::new(job))))
                });
                futures::future::ready(found)
            });
        let unlisted = stream::once(async move {
            let error = lock(&failed_with).take();
            let left: Vec<PlannedJob> = lock(&rest).drain().map(|(_, job)| job).collect();
            stream::iter(
                left.into_iter()
                    .map(move |job| Work::Unlisted(job, error.clone())),
            )
        })
        .flatten();
        listed.chain(unlisted)
    }

    /// One job, by the single-job helper, pinned to the planned incarnation. A job
    /// whose state no longer allows the action, or that someone else deleted or
    /// replaced since the plan, is skipped with that reason: nothing was changed.
    async fn act(
        &self,
        action: &FleetAction,
        job: PlannedJob,
        listed: Option<Job>,
        options: &FleetOptions<'_>,
    ) -> FleetEvent {
        let job_ref = self.job(job.resource_group.clone(), job.name.clone());
        let result = match action {
            FleetAction::Cancel => {
                let cancel = CancelOptions {
                    retry: options.retry.clone(),
                    expected_created_at: job.created_at.clone(),
                    method_options: options.method_options.clone(),
                };
                match job_ref.cancel(Some(cancel)).await {
                    Ok(_) => Ok(Done::new(job.clone(), None)),
                    Err(error) => Err(FleetError::Cancel(Arc::new(error))),
                }
            }
            FleetAction::Delete { archive } => {
                let delete = DeleteOptions {
                    archive: archive.clone(),
                    retry: options.retry.clone(),
                    expected_created_at: job.created_at.clone(),
                    method_options: options.method_options.clone(),
                };
                match job_ref.safe_delete(Some(delete)).await {
                    Ok(outcome) => Ok(Done {
                        removed_by_another_actor: outcome.removed_by_another_actor,
                        same_name_job_left_alone: outcome.same_name_job_left_alone,
                        ..Done::new(job.clone(), outcome.archived_to)
                    }),
                    Err(error) => Err(FleetError::Delete(Arc::new(error))),
                }
            }
            FleetAction::Archive { sink } => {
                match self.archive_one(&job, listed, sink.as_ref()).await {
                    Ok(Some(archived_to)) => Ok(Done::new(job.clone(), Some(archived_to))),
                    Ok(None) => {
                        return FleetEvent::Skipped(Skipped {
                            job,
                            reason: SkipReason::GoneSincePlan,
                        });
                    }
                    Err(error) => Err(error),
                }
            }
        };
        match result {
            Ok(done) => FleetEvent::Done(done),
            Err(error) => match error.category() {
                ErrorCategory::RefusedByState => FleetEvent::Skipped(Skipped {
                    job,
                    reason: SkipReason::NoLongerAllowed,
                }),
                ErrorCategory::NotFound => FleetEvent::Skipped(Skipped {
                    job,
                    reason: SkipReason::GoneSincePlan,
                }),
                _ => FleetEvent::Failed(Failed::new(job, error)),
            },
        }
    }

    /// Archives the version the listing shows, if it is the incarnation the plan saw;
    /// `None` when the job is gone or its name was reused since the plan.
    async fn archive_one(
        &self,
        planned: &PlannedJob,
        listed: Option<Job>,
        sink: &dyn ArchiveSink,
    ) -> Result<Option<String>, FleetError> {
        let Some(job) = listed.filter(|job| {
            planned
                .created_at
                .as_deref()
                .is_none_or(|expected| job.is_incarnation(expected))
        }) else {
            return Ok(None);
        };
        let record = ArchiveRecord::of_job(
            self.subscription_id(),
            &planned.resource_group,
            &planned.name,
            &job,
        );
        sink.archive(record)
            .await
            .map(Some)
            .map_err(|reason| FleetError::Archive {
                job: format!("{}/{}", planned.resource_group, planned.name),
                reason: Arc::new(reason),
            })
    }
}
