//! Deleting a job safely: state check, optional lossless archive, retried DELETE,
//! confirmation that the job is gone; and `cancel_and_delete`.

use crate::archive::{ArchiveRecord, ArchiveSink};
use crate::cancel::{CancelOptions, CancelOutcome};
use crate::client::{JobRef, method_options};
use crate::error::{CancelAndDeleteError, CancelError, DeleteError};
use crate::job::{Incarnation, Job};
use crate::retry::{Budget, Failure, RetryPolicy, Transient};
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
    /// The job was found gone by the read right after an ambiguous DELETE of this call
    /// (5xx, timeout, unconfirmed 2xx): that attempt deleted it.
    pub deleted_by_earlier_attempt: bool,
    /// The job was found gone although the latest read showed it, with no ambiguous
    /// DELETE of this call since (a DELETE answered 404 included): someone else (or the
    /// service's expiry) removed it after it was checked.
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
///
/// `method_options` (the caller's context) is carried to every request of every step;
/// a step whose own `method_options` has a non-empty context uses that one instead.
#[derive(Clone, Default, SafeDebug)]
pub struct CancelAndDeleteOptions<'a> {
    /// The cancel step.
    pub cancel: CancelOptions<'a>,
    /// Waiting for `Completed` (a cancelled job ends there).
    pub wait: WaitOptions<'a>,
    /// The delete step.
    pub delete: DeleteOptions<'a>,
    /// The caller's context (cancellation, telemetry), for the cancel, the wait and the
    /// delete alike, unless a step sets its own.
    pub method_options: ClientMethodOptions<'a>,
}

/// `step`'s own options, or else the caller's `shared` ones.
fn inherit<'a>(step: &mut ClientMethodOptions<'a>, shared: &ClientMethodOptions<'a>) {
    if step.context.is_empty() {
        step.clone_from(shared);
    }
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
    ///    404 means it is gone (deleted by the ambiguous attempt just before, or by
    ///    someone else); another incarnation (another `systemData.createdAt`) means the
    ///    checked job is gone and the new one is left alone, with no further DELETE.
    ///    After an ambiguous failure, a job without `systemData.createdAt` cannot be
    ///    proven to be the one checked, identical bytes included (a job re-created from
    ///    the same body reads the same): [`DeleteError::Unproven`], nothing more is sent.
    ///    A job that changed is archived again, and re-read, before the retry.
    ///    A DELETE answered 404 (the first or a retry) follows a read that showed the
    ///    job: a GET confirms it is gone, and it is reported as removed by another actor.
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
        tracing::debug!(
            job = %self.label(),
            state = %checked.state(),
            created_at = checked.created_at(),
            "delete: job looked up"
        );
        if let Some(expected) = &options.expected_created_at {
            if !checked.is_incarnation(expected) {
                tracing::debug!(job = %self.label(), expected = %expected, "delete refused: another incarnation has the name");
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
    /// then deletes it with [`safe_delete`](Self::safe_delete), and only that
    /// incarnation of it (by `systemData.createdAt`). A job that is already `Completed`
    /// is deleted directly.
    ///
    /// Where the job reports no `systemData.createdAt` (older api-versions), the job
    /// found `Completed` later cannot be proven to be the one cancelled: unless it is
    /// `Completed` already, this refuses with [`CancelError::Unproven`] (in
    /// [`CancelAndDeleteError::Cancel`]) before any PATCH or DELETE.
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
        let CancelAndDeleteOptions {
            mut cancel,
            mut wait,
            delete: mut delete_options,
            method_options,
        } = options.unwrap_or_default();
        inherit(&mut cancel.method_options, &method_options);
        inherit(&mut wait.method_options, &method_options);
        inherit(&mut delete_options.method_options, &method_options);
        // The wait and the delete must reach the job cancelled: only its createdAt can
        // say so. A job already Completed is not cancelled: safe_delete checks it alone.
        let mut checked_incarnation = None;
        let provable = |checked: &Job| match checked.created_at() {
            Some(created_at) => {
                checked_incarnation = Some(created_at.to_owned());
                Ok(())
            }
            None if checked.state() == JobState::Completed => Ok(()),
            None => {
                tracing::debug!(job = %self.label(), "cancel_and_delete refused: no systemData.createdAt to prove the job deleted later is the one cancelled");
                Err(CancelError::Unproven { job: self.label() })
            }
        };
        let cancel = match self.cancel_gated(cancel, provable).await {
            Ok(outcome) => Some(outcome),
            Err(CancelError::TooLate {
                state: JobState::Completed,
                ..
            }) => None,
            Err(error) => return Err(CancelAndDeleteError::Cancel(error)),
        };
        if cancel.is_some() {
            // Delete the job that was cancelled, not a new one that took its name.
            if let Some(created_at) = checked_incarnation {
                delete_options.expected_created_at.get_or_insert(created_at);
            }
            self.wait_until(JobState::Completed, wait_timeout, Some(wait))
                .await
                .map_err(CancelAndDeleteError::Wait)?;
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
#[derive(Clone, Copy, Debug)]
enum Gone {
    /// The DELETE of this call was answered with success.
    ThisCall,
    /// Not found right after an ambiguous DELETE of this call (no read in between).
    EarlierAttempt,
    /// Not found although the latest read (or the answer to the latest DELETE)
    /// showed it there: someone else, or the service's expiry, removed it.
    AnotherActor,
}

impl Gone {
    /// Who removed a job found gone by the read that follows a failed DELETE.
    fn after(failure: &Transient) -> Self {
        if failure.ambiguous {
            Gone::EarlierAttempt
        } else {
            Gone::AnotherActor
        }
    }
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
            if self.subject.incarnation_of(&now) == Incarnation::Unproven {
                // Without systemData.createdAt, a job re-created under the name while
                // this one was archived reads like this one changed: nothing proves the
                // job there now is the one checked, so it is not deleted.
                tracing::debug!(job = %self.job_ref.label(), "delete refused: the job changed while it was archived and no systemData.createdAt proves it is the one checked; no DELETE sent");
                return Err(DeleteError::Unproven {
                    job: self.job_ref.label(),
                    delete_attempts: 0,
                });
            }
            tracing::debug!(job = %self.job_ref.label(), state = %now.state(), "delete: the job changed while it was archived; archiving the new version");
            self.job_ref.check_deletable(&now)?;
            self.subject = now;
        }
        tracing::debug!(job = %self.job_ref.label(), rounds = MAX_ARCHIVE_ROUNDS, "delete refused: the job kept changing while it was archived");
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
        tracing::debug!(
            job = %job_ref.label(),
            created_at = self.subject.created_at(),
            last_modified_at = self.subject.last_modified_at(),
            archived_to = %location,
            "delete: job archived"
        );
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
            tracing::debug!(
                job = %job_ref.label(),
                attempt = self.delete_attempts,
                ok = sent.is_ok(),
                "delete: DELETE sent"
            );
            let failure = match sent {
                Ok(()) => return Ok(None),
                // The latest read (the look-up, or the re-read before this retry) showed
                // the job, and nothing of this call is unresolved since: someone else
                // removed it. Believe the 404 only if a read agrees.
                Err(Failure::Final(error)) if error.is_not_found() => {
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
                        Ok(now) if self.subject.incarnation_of(&now) == Incarnation::Other => {
                            Ok(Some(self.outcome(Gone::AnotherActor, Some(&now))))
                        }
                        Ok(now) if !now.state().can_delete() => Err(job_ref.not_deletable(&now)),
                        _ => Err(error.into()),
                    };
                }
                Err(Failure::Final(error)) => return Err(error.into()),
                Err(Failure::Transient(failure)) => failure,
            };
            let retry = match deletes.pause(&failure).await {
                // Not applied (throttled, not connected): nothing to resolve.
                Err(give_up) if !failure.ambiguous => return Err(give_up.into()),
                retry => retry,
            };
            // Before any retry: the DELETE may have been applied, and during the pause
            // someone may have re-created the name.
            let now = match job_ref.fetch(self.budget, self.context()).await {
                Err(read) if read.is_not_found() => {
                    return Ok(Some(self.outcome(Gone::after(&failure), None)));
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
            let incarnation = self.subject.incarnation_of(&now);
            tracing::debug!(
                job = %job_ref.label(),
                state = %now.state(),
                ?incarnation,
                ambiguous = failure.ambiguous,
                "delete: job re-read before a retry"
            );
            match incarnation {
                Incarnation::Other => {
                    tracing::debug!(job = %job_ref.label(), created_at = now.created_at(), "delete: the name was reused; the new job is left alone");
                    return Ok(Some(self.outcome(Gone::after(&failure), Some(&now))));
                }
                // The DELETE may have been applied, and nothing proves that the job there
                // now is the one checked (identical bytes included: a job re-created from
                // the same body reads the same).
                Incarnation::Unproven if failure.ambiguous => {
                    tracing::debug!(job = %job_ref.label(), "delete refused: no systemData.createdAt proves the job there now is the one checked; no further DELETE");
                    return Err(DeleteError::Unproven {
                        job: job_ref.label(),
                        delete_attempts: deletes.made(),
                    });
                }
                // Not applied: the job there now is checked like a first look-up.
                Incarnation::Same | Incarnation::Unproven => {}
            }
            job_ref.check_deletable(&now)?;
            retry.map_err(|give_up| give_up.with_elapsed(self.budget.elapsed()))?;
            if now.json() != self.subject.json() {
                // A changed version goes through the same archive-then-verify path as
                // the first attempt before it can be deleted.
                self.subject = now;
                if let Some(gone) = self.archive_what_will_be_deleted().await? {
                    return Ok(Some(gone));
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
        tracing::debug!(
            job = %self.job_ref.label(),
            ?gone,
            delete_attempts = self.delete_attempts,
            same_name_job_left_alone = same_name.is_some(),
            "delete: the job checked is gone"
        );
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
            tracing::debug!(job = %self.label(), state = %job.state(), "delete refused: only Creating or Completed jobs can be deleted");
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
