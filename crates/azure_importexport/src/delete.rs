//! Deleting a job safely: state check, optional lossless archive, retried DELETE,
//! confirmation that the job is gone; and `cancel_and_delete`.

use crate::archive::{ArchiveRecord, ArchiveSink};
use crate::cancel::{CancelOptions, CancelOutcome};
use crate::client::{JobRef, method_options};
use crate::error::{CancelAndDeleteError, CancelError, DeleteError};
use crate::job::{Incarnation, Job};
use crate::retry::{Budget, Failure, RetryPolicy};
use crate::state::{JobState, JobStateExt as _};
use crate::wait::WaitOptions;
use azure_core::fmt::SafeDebug;
use azure_core::http::{ClientMethodOptions, Context};
use azure_importexport_rest::JobsClientDeleteOptions;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Options for [`JobRef::safe_delete`].
#[derive(Clone, Default, SafeDebug)]
pub struct DeleteOptions<'a> {
    /// Where to archive the job's JSON before deleting it; a failure aborts the delete.
    pub archive: Option<Arc<dyn ArchiveSink>>,
    /// Retry budget for this call; the client's default when `None`.
    pub retry: Option<RetryPolicy>,
    /// Delete only the incarnation created at this instant (`systemData.createdAt`, as
    /// from [`Job::created_at`]): a job that now has the name but another creation time
    /// is left alone ([`DeleteError::Replaced`]).
    pub expected_created_at: Option<String>,
    /// The caller's context (cancellation, telemetry), carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

impl DeleteOptions<'_> {
    /// Archives the job to `sink` before deleting it.
    pub fn with_archive(mut self, sink: impl ArchiveSink + 'static) -> Self {
        self.archive = Some(Arc::new(sink));
        self
    }
}

/// What a successful [`JobRef::safe_delete`] saw and did (camelCase when serialized;
/// the job is serialized with its secrets redacted).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeleteOutcome {
    /// The state that allowed the delete.
    pub state_at_delete: JobState,
    /// Where the archive sink stored the job, if one was given.
    pub archived_to: Option<String>,
    /// DELETE requests sent.
    pub delete_attempts: u32,
    /// The job was found gone after an ambiguous DELETE of this call (5xx, timeout,
    /// unconfirmed 2xx): that attempt deleted it.
    pub deleted_by_earlier_attempt: bool,
    /// The job was found gone with no ambiguous DELETE of this call behind it: someone
    /// else (or the service's expiry) removed it after it was checked.
    pub removed_by_another_actor: bool,
    /// A job of the same name exists now but is another incarnation (another
    /// `systemData.createdAt`): it was never checked, and it was left alone.
    pub same_name_job_left_alone: Option<SameNameJob>,
    /// The job as last read before it was deleted (the version archived last).
    pub job: Job,
}

/// A job that reuses the name of a deleted one (see
/// [`DeleteOutcome::same_name_job_left_alone`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SameNameJob {
    /// Its `systemData.createdAt`.
    pub created_at: String,
    /// Its state.
    pub state: JobState,
}

impl SameNameJob {
    fn of(job: &Job) -> Self {
        SameNameJob {
            created_at: job.created_at().unwrap_or_default().to_owned(),
            state: job.state(),
        }
    }
}

/// At most this many archive rounds when the job changes while it is archived.
const MAX_ARCHIVE_ROUNDS: u32 = 3;

/// Options for [`JobRef::cancel_and_delete`].
#[derive(Clone, Debug, Default)]
pub struct CancelAndDeleteOptions<'a> {
    /// The cancel step.
    pub cancel: CancelOptions<'a>,
    /// Waiting for `Completed` (a cancelled job ends there).
    pub wait: WaitOptions<'a>,
    /// The delete step.
    pub delete: DeleteOptions<'a>,
}

/// What [`JobRef::cancel_and_delete`] did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelAndDeleteOutcome {
    /// The cancel, or `None` when the job was already `Completed`.
    pub cancel: Option<CancelOutcome>,
    /// The delete.
    pub delete: DeleteOutcome,
}

impl JobRef {
    /// Deletes the job if, and only if, that is provably allowed.
    ///
    /// 1. GET the job; unless it is `Creating` or `Completed`,
    ///    [`DeleteError::NotDeletable`] and no DELETE.
    /// 2. With an archive sink: hand it the job's JSON exactly as returned; if that
    ///    fails, [`DeleteError::ArchiveFailed`] and no DELETE. Then re-read: the DELETE
    ///    goes only to the incarnation and version that was archived (a changed job is
    ///    archived again; a new job of the same name is left alone).
    /// 3. DELETE, retrying transient failures. Before any retry the job is re-read: a
    ///    404 means it is gone (deleted by an earlier, ambiguous attempt, or by someone
    ///    else); another incarnation (another `systemData.createdAt`) means the checked
    ///    job is gone and the new one is left alone, with no further DELETE; where the
    ///    incarnation cannot be proven ([`DeleteError::Unproven`]) nothing more is sent.
    /// 4. Confirm with a GET that answers 404 (or shows only a new incarnation).
    ///
    /// A `409` (`JobCannotBeDeleted`: the job moved on between the check and the
    /// DELETE) is reported as [`DeleteError::NotDeletable`] with the state it is in now.
    ///
    /// No conditional DELETE exists in this API, so one window stays open: another
    /// actor who deletes the job and re-creates its name between the last read and
    /// the DELETE. The helper keeps that window to one request.
    ///
    /// ```
    /// # use azure_importexport::{DeleteOptions, FsArchive, ImportExport, ImportExportOptions, JobState, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # let job_path = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1";
    /// # let job_json = r#"{"name":"job1","properties":{"state":"Completed"},"addedLater":[1,2]}"#;
    /// # Mock::given(method("GET")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(job_json))
    /// #     .up_to_n_times(2).mount(&server).await;
    /// # Mock::given(method("DELETE")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(200)).expect(1).mount(&server).await;
    /// # Mock::given(method("GET")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(404).set_body_string(
    /// #         r#"{"error":{"code":"ResourceNotFound","message":"gone"}}"#))
    /// #     .mount(&server).await;
    /// # let client = ImportExport::new("sub", Arc::new(StaticTokenCredential::new("token")),
    /// #     Some(ImportExportOptions::default().with_endpoint(server.uri())))?;
    /// let archive_dir = tempfile::tempdir()?;
    /// let outcome = client
    ///     .job("rg", "job1")
    ///     .safe_delete(Some(DeleteOptions::default().with_archive(FsArchive::new(archive_dir.path()))))
    ///     .await?;
    /// assert_eq!(outcome.state_at_delete, JobState::Completed);
    /// let archived = std::fs::read_to_string(outcome.archived_to.unwrap())?;
    /// assert_eq!(archived, job_json); // byte for byte, unknown fields included
    /// # Ok(()) }
    /// ```
    pub async fn safe_delete(
        &self,
        options: Option<DeleteOptions<'_>>,
    ) -> Result<DeleteOutcome, DeleteError> {
        let options = options.unwrap_or_default();
        let context = &options.method_options.context;
        let policy = options
            .retry
            .clone()
            .unwrap_or_else(|| self.client.retry_policy().clone());
        let budget = self.client.budget(&policy);

        let checked = self.fetch(&budget, context).await?;
        if let Some(expected) = &options.expected_created_at {
            if !checked.is_incarnation(expected) {
                return Err(DeleteError::Replaced {
                    job: self.label(),
                    created_at: checked.created_at().map(str::to_owned),
                });
            }
        }
        self.check_deletable(&checked)?;
        let mut run = DeleteRun {
            job_ref: self,
            options: &options,
            budget: &budget,
            state_at_delete: checked.state(),
            subject: checked,
            archived_to: None,
            delete_attempts: 0,
        };
        if let Some(gone) = run.archive_what_will_be_deleted().await? {
            return Ok(gone);
        }
        if let Some(gone) = run.send_delete().await? {
            return Ok(gone);
        }
        run.confirm_gone().await
    }

    /// Cancels the job, waits until it is `Completed` (a cancelled job ends there),
    /// then deletes it with [`safe_delete`](Self::safe_delete). A job that is already
    /// `Completed` is deleted directly.
    ///
    /// ```no_run
    /// # use azure_importexport::{CancelAndDeleteOptions, DeleteOptions, FsArchive, ImportExport};
    /// # use std::time::Duration;
    /// # async fn example(client: ImportExport) -> Result<(), Box<dyn std::error::Error>> {
    /// let options = CancelAndDeleteOptions {
    ///     delete: DeleteOptions::default().with_archive(FsArchive::new("job-archive")),
    ///     ..Default::default()
    /// };
    /// let two_weeks = Duration::from_secs(14 * 24 * 3600);
    /// let outcome = client.job("my-rg", "my-job").cancel_and_delete(two_weeks, Some(options)).await?;
    /// println!("{}", serde_json::to_string_pretty(&outcome)?);
    /// # Ok(()) }
    /// ```
    pub async fn cancel_and_delete(
        &self,
        wait_timeout: Duration,
        options: Option<CancelAndDeleteOptions<'_>>,
    ) -> Result<CancelAndDeleteOutcome, CancelAndDeleteError> {
        let options = options.unwrap_or_default();
        let cancel = match self.cancel(Some(options.cancel)).await {
            Ok(outcome) => Some(outcome),
            Err(CancelError::TooLate {
                state: JobState::Completed,
                ..
            }) => None,
            Err(error) => return Err(CancelAndDeleteError::Cancel(error)),
        };
        let mut delete_options = options.delete;
        if let Some(cancelled) = &cancel {
            self.wait_until(JobState::Completed, wait_timeout, Some(options.wait))
                .await
                .map_err(CancelAndDeleteError::Wait)?;
            // Delete the job that was cancelled, not a new one that took its name.
            if let Some(created_at) = cancelled.job.created_at() {
                delete_options
                    .expected_created_at
                    .get_or_insert_with(|| created_at.to_owned());
            }
        }
        let delete = self
            .safe_delete(Some(delete_options))
            .await
            .map_err(CancelAndDeleteError::Delete)?;
        Ok(CancelAndDeleteOutcome { cancel, delete })
    }
}

/// One `safe_delete` call in progress: what was checked, archived and sent.
struct DeleteRun<'r> {
    job_ref: &'r JobRef,
    options: &'r DeleteOptions<'r>,
    budget: &'r Budget<'r>,
    state_at_delete: JobState,
    /// The version of the job the DELETE is for (the one archived last).
    subject: Job,
    archived_to: Option<String>,
    delete_attempts: u32,
}

/// Who removed the checked job, as far as this call can tell.
enum Gone {
    /// The DELETE of this call was answered with success.
    ThisCall,
    /// Not found after an ambiguous DELETE of this call.
    EarlierAttempt,
    /// Not found with no ambiguous DELETE of this call behind it.
    AnotherActor,
}

impl DeleteRun<'_> {
    fn context(&self) -> &Context<'_> {
        &self.options.method_options.context
    }

    /// Archives the job, then re-reads it until what was archived is what will be
    /// deleted. `Some` when the job turned out to be gone already.
    async fn archive_what_will_be_deleted(&mut self) -> Result<Option<DeleteOutcome>, DeleteError> {
        let Some(sink) = &self.options.archive else {
            return Ok(None);
        };
        // Bounded: MAX_ARCHIVE_ROUNDS rounds.
        for _ in 0..MAX_ARCHIVE_ROUNDS {
            self.archive(sink.as_ref()).await?;
            let now = match self.job_ref.fetch(self.budget, self.context()).await {
                Err(read) if read.is_not_found() => {
                    return Ok(Some(self.outcome(Gone::AnotherActor, None)));
                }
                read => read?,
            };
            if self.subject.incarnation_of(&now) == Incarnation::Other {
                return Ok(Some(self.outcome(Gone::AnotherActor, Some(&now))));
            }
            if now.json() == self.subject.json() {
                return Ok(None);
            }
            self.job_ref.check_deletable(&now)?;
            self.subject = now;
        }
        Err(DeleteError::KeptChanging {
            job: self.job_ref.label(),
            rounds: MAX_ARCHIVE_ROUNDS,
        })
    }

    async fn archive(&mut self, sink: &dyn ArchiveSink) -> Result<(), DeleteError> {
        let job_ref = self.job_ref;
        let record = ArchiveRecord::of_job(
            job_ref.client.subscription_id(),
            &job_ref.resource_group,
            &job_ref.name,
            &self.subject,
        );
        let location = sink
            .archive(record)
            .await
            .map_err(|source| DeleteError::ArchiveFailed {
                job: job_ref.label(),
                source,
            })?;
        self.archived_to = Some(location);
        Ok(())
    }

    /// Sends the DELETE, retried only after a re-read proves the job is still the one
    /// checked (and archived). `Some` when the job was found gone on the way.
    async fn send_delete(&mut self) -> Result<Option<DeleteOutcome>, DeleteError> {
        let (job_ref, budget) = (self.job_ref, self.budget);
        let mut deletes = budget.attempts(format!("DELETE job {}", job_ref.label()));
        let jobs = &job_ref.client.rest().jobs();
        let (rg, name) = (job_ref.resource_group.as_str(), job_ref.name.as_str());
        let mut ambiguous_before = false;
        let gone_before = |ambiguous: bool| {
            if ambiguous {
                Gone::EarlierAttempt
            } else {
                Gone::AnotherActor
            }
        };
        // Bounded: `pause` fails once `max_attempts` DELETEs were sent, and `attempt`
        // once the time budget is spent.
        loop {
            let options = JobsClientDeleteOptions {
                method_options: method_options(self.context()),
            };
            let sent = deletes
                .attempt(async move { jobs.delete(rg, name, Some(options)).await.map(drop) });
            let sent = sent.await;
            self.delete_attempts = deletes.made();
            let failure = match sent {
                Ok(()) => return Ok(None),
                Err(Failure::Final(error)) if error.is_not_found() && ambiguous_before => {
                    return Ok(Some(self.outcome(Gone::EarlierAttempt, None)));
                }
                Err(Failure::Final(error)) if error.is_not_found() => {
                    // Nothing of this call can have removed it: believe the 404 only if a
                    // read agrees.
                    return match job_ref.fetch(budget, self.context()).await {
                        Err(read) if read.is_not_found() => {
                            Ok(Some(self.outcome(Gone::AnotherActor, None)))
                        }
                        Ok(now) if self.subject.incarnation_of(&now) == Incarnation::Other => {
                            Ok(Some(self.outcome(Gone::AnotherActor, Some(&now))))
                        }
                        _ => Err(error.into()),
                    };
                }
                Err(Failure::Final(error)) if error.is_state_refusal() => {
                    // The job moved on between the check and the DELETE: say where it is now.
                    return match job_ref.fetch(self.budget, self.context()).await {
                        Ok(now) if self.subject.incarnation_of(&now) == Incarnation::Other => Ok(
                            Some(self.outcome(gone_before(ambiguous_before), Some(&now))),
                        ),
                        Ok(now) if !now.state().can_delete() => Err(job_ref.not_deletable(&now)),
                        _ => Err(error.into()),
                    };
                }
                Err(Failure::Final(error)) => return Err(error.into()),
                Err(Failure::Transient(failure)) => failure,
            };
            ambiguous_before |= failure.ambiguous;
            let retry = match deletes.pause(&failure).await {
                // Not applied (throttled, not connected): nothing to resolve.
                Err(give_up) if !failure.ambiguous => return Err(give_up.into()),
                retry => retry,
            };
            // Before any retry: the DELETE may have been applied, and during the pause
            // someone may have re-created the name.
            let now = match job_ref.fetch(self.budget, self.context()).await {
                Err(read) if read.is_not_found() => {
                    return Ok(Some(self.outcome(gone_before(ambiguous_before), None)));
                }
                Err(read) => {
                    let error = match retry {
                        Err(give_up) => give_up,
                        Ok(()) => read,
                    };
                    return Err(error.with_elapsed(self.budget.elapsed()).into());
                }
                Ok(now) => now,
            };
            match self.subject.incarnation_of(&now) {
                Incarnation::Other => {
                    return Ok(Some(
                        self.outcome(gone_before(ambiguous_before), Some(&now)),
                    ));
                }
                Incarnation::Unproven => {
                    return Err(DeleteError::Unproven {
                        job: job_ref.label(),
                        delete_attempts: deletes.made(),
                    });
                }
                Incarnation::Same => {}
            }
            job_ref.check_deletable(&now)?;
            retry.map_err(|give_up| give_up.with_elapsed(self.budget.elapsed()))?;
            if now.json() != self.subject.json() {
                self.subject = now;
                if let Some(sink) = &self.options.archive {
                    // A changed version is archived before it can be deleted.
                    self.archive(sink.as_ref()).await?;
                }
            }
        }
    }

    /// After a DELETE answered with success: a GET must show the job gone (404, or
    /// only a new incarnation of the name).
    async fn confirm_gone(self) -> Result<DeleteOutcome, DeleteError> {
        let job_ref = self.job_ref;
        match job_ref.fetch(self.budget, self.context()).await {
            Err(error) if error.is_not_found() => Ok(self.outcome(Gone::ThisCall, None)),
            Ok(now) if self.subject.incarnation_of(&now) == Incarnation::Other => {
                Ok(self.outcome(Gone::ThisCall, Some(&now)))
            }
            Ok(still_there) => Err(DeleteError::StillPresent {
                job: job_ref.label(),
                state: still_there.state(),
            }),
            Err(source) => Err(DeleteError::Unconfirmed {
                job: job_ref.label(),
                source: Box::new(source),
            }),
        }
    }

    fn outcome(&self, gone: Gone, same_name: Option<&Job>) -> DeleteOutcome {
        DeleteOutcome {
            state_at_delete: self.state_at_delete.clone(),
            archived_to: self.archived_to.clone(),
            delete_attempts: self.delete_attempts,
            deleted_by_earlier_attempt: matches!(gone, Gone::EarlierAttempt),
            removed_by_another_actor: matches!(gone, Gone::AnotherActor),
            same_name_job_left_alone: same_name.map(SameNameJob::of),
            job: self.subject.clone(),
        }
    }
}

impl JobRef {
    fn check_deletable(&self, job: &Job) -> Result<(), DeleteError> {
        if job.state().can_delete() {
            Ok(())
        } else {
            Err(self.not_deletable(job))
        }
    }

    fn not_deletable(&self, job: &Job) -> DeleteError {
        DeleteError::NotDeletable {
            job: self.label(),
            state: job.state(),
        }
    }
}
