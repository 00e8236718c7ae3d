//! Deleting a job safely: state check, optional lossless archive, retried DELETE,
//! confirmation that the job is gone; and `cancel_and_delete`.

use crate::archive::{ArchiveRecord, ArchiveSink};
use crate::cancel::{CancelOptions, CancelOutcome};
use crate::client::JobRef;
use crate::error::{CancelAndDeleteError, CancelError, DeleteError, RequestError};
use crate::job::Job;
use crate::retry::{Failure, RetryPolicy};
use crate::state::JobState;
use crate::wait::WaitOptions;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Options for [`JobRef::safe_delete`].
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    /// Where to archive the job's JSON before deleting it; a failure aborts the delete.
    pub archive: Option<Arc<dyn ArchiveSink>>,
    /// Retry budget for this call; the client's default when `None`.
    pub retry: Option<RetryPolicy>,
}

impl DeleteOptions {
    /// Archives the job to `sink` before deleting it.
    pub fn with_archive(mut self, sink: impl ArchiveSink + 'static) -> Self {
        self.archive = Some(Arc::new(sink));
        self
    }

    /// Uses `retry` for this call.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
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
    /// A DELETE answered 404 after an earlier ambiguous attempt: that attempt deleted it.
    pub deleted_by_earlier_attempt: bool,
    /// The job as read just before the delete.
    pub job: Job,
}

/// Options for [`JobRef::cancel_and_delete`].
#[derive(Clone, Debug)]
pub struct CancelAndDeleteOptions {
    /// The cancel step.
    pub cancel: CancelOptions,
    /// Waiting for `Completed` (a cancelled job ends there).
    pub wait: WaitOptions,
    /// The delete step.
    pub delete: DeleteOptions,
}

impl CancelAndDeleteOptions {
    /// Default cancel and delete options, waiting at most `wait_timeout` for `Completed`.
    pub fn new(wait_timeout: Duration) -> Self {
        CancelAndDeleteOptions {
            cancel: CancelOptions::default(),
            wait: WaitOptions::new(wait_timeout),
            delete: DeleteOptions::default(),
        }
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
    ///    fails, [`DeleteError::ArchiveFailed`] and no DELETE.
    /// 3. DELETE, retrying transient failures; a 404 after an ambiguous attempt means
    ///    that attempt deleted the job.
    /// 4. Confirm with a GET that answers 404.
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
    /// #     .up_to_n_times(1).mount(&server).await;
    /// # Mock::given(method("DELETE")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(200)).expect(1).mount(&server).await;
    /// # Mock::given(method("GET")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(404).set_body_string(
    /// #         r#"{"error":{"code":"ResourceNotFound","message":"gone"}}"#))
    /// #     .mount(&server).await;
    /// # let client = ImportExport::new("sub", Arc::new(StaticTokenCredential::new("token")),
    /// #     ImportExportOptions::default().with_endpoint(server.uri()))?;
    /// let archive_dir = tempfile::tempdir()?;
    /// let outcome = client
    ///     .job("rg", "job1")
    ///     .safe_delete(DeleteOptions::default().with_archive(FsArchive::new(archive_dir.path())))
    ///     .await?;
    /// assert_eq!(outcome.state_at_delete, JobState::Completed);
    /// let archived = std::fs::read_to_string(outcome.archived_to.unwrap())?;
    /// assert_eq!(archived, job_json); // byte for byte, unknown fields included
    /// # Ok(()) }
    /// ```
    pub async fn safe_delete(&self, options: DeleteOptions) -> Result<DeleteOutcome, DeleteError> {
        let policy = options
            .retry
            .unwrap_or_else(|| self.client.retry_policy().clone());
        let budget = self.client.budget(&policy);

        let job = self.fetch(&budget).await?;
        let state = job.state();
        if !state.can_delete() {
            return Err(DeleteError::NotDeletable {
                job: self.label(),
                state,
            });
        }

        let archived_to = match &options.archive {
            Some(sink) => {
                let record = ArchiveRecord {
                    subscription: self.client.subscription_id(),
                    resource_group: &self.resource_group,
                    name: &self.name,
                    json: job.json(),
                };
                let location =
                    sink.archive(record)
                        .await
                        .map_err(|source| DeleteError::ArchiveFailed {
                            job: self.label(),
                            source,
                        })?;
                Some(location)
            }
            None => None,
        };

        let mut deletes = budget.attempts(format!("DELETE job {}", self.label()));
        let jobs = &self.client.rest().jobs();
        let (rg, name) = (self.resource_group.as_str(), self.name.as_str());
        let mut ambiguous_before = false;
        // Bounded: `pause` fails once `max_attempts` DELETEs were sent.
        let deleted_by_earlier_attempt = loop {
            let sent = deletes.attempt(async move { jobs.delete(rg, name, None).await.map(drop) });
            match sent.await {
                Ok(()) => break false,
                Err(Failure::Final(RequestError::NotFound { .. })) if ambiguous_before => {
                    break true;
                }
                // 202/204 instead of the documented 200 still mean "deleted".
                Err(Failure::Final(RequestError::Refused {
                    status: 200..=299, ..
                })) => {
                    break false;
                }
                Err(Failure::Final(error)) => return Err(error.into()),
                Err(Failure::Transient(failure)) => {
                    ambiguous_before |= failure.ambiguous;
                    deletes.pause(&failure).await?;
                }
            }
        };

        match self.fetch(&budget).await {
            Err(error) if error.is_not_found() => Ok(DeleteOutcome {
                state_at_delete: state,
                archived_to,
                delete_attempts: deletes.made(),
                deleted_by_earlier_attempt,
                job,
            }),
            Ok(still_there) => Err(DeleteError::StillPresent {
                job: self.label(),
                state: still_there.state(),
            }),
            Err(source) => Err(DeleteError::Unconfirmed {
                job: self.label(),
                source,
            }),
        }
    }

    /// Cancels the job, waits until it is `Completed` (a cancelled job ends there),
    /// then deletes it with [`safe_delete`](Self::safe_delete). A job that is already
    /// `Completed` is deleted directly.
    ///
    /// ```no_run
    /// # use azure_importexport::{CancelAndDeleteOptions, DeleteOptions, FsArchive, ImportExport};
    /// # use std::time::Duration;
    /// # async fn example(client: ImportExport) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut options = CancelAndDeleteOptions::new(Duration::from_secs(14 * 24 * 3600));
    /// options.delete = DeleteOptions::default().with_archive(FsArchive::new("job-archive"));
    /// let outcome = client.job("my-rg", "my-job").cancel_and_delete(options).await?;
    /// println!("{}", serde_json::to_string_pretty(&outcome)?);
    /// # Ok(()) }
    /// ```
    pub async fn cancel_and_delete(
        &self,
        options: CancelAndDeleteOptions,
    ) -> Result<CancelAndDeleteOutcome, CancelAndDeleteError> {
        let cancel = match self.cancel(options.cancel).await {
            Ok(outcome) => Some(outcome),
            Err(CancelError::TooLate {
                state: JobState::Completed,
                ..
            }) => None,
            Err(error) => return Err(CancelAndDeleteError::Cancel(error)),
        };
        if cancel.is_some() {
            self.wait_until(JobState::Completed, options.wait)
                .await
                .map_err(CancelAndDeleteError::Wait)?;
        }
        let delete = self
            .safe_delete(options.delete)
            .await
            .map_err(CancelAndDeleteError::Delete)?;
        Ok(CancelAndDeleteOutcome { cancel, delete })
    }
}
