//! Requesting a cancel: checked against the job's state, retried, and resolved by
//! re-reading the job after an ambiguous failure instead of blindly repeating the PATCH.

use crate::client::{JobRef, method_options};
use crate::error::CancelError;
use crate::job::{Incarnation, Job};
use crate::retry::{Failure, RetryPolicy, Transient};
use crate::state::{JobState, JobStateExt as _};
use azure_core::Bytes;
use azure_core::fmt::SafeDebug;
use azure_core::http::{ClientMethodOptions, RequestContent};
use azure_importexport_rest::JobsClientUpdateOptions;
use serde::Serialize;

/// The only body a cancel sends: nothing else of the job is touched.
pub(crate) const CANCEL_BODY: &[u8] = br#"{"properties":{"cancelRequested":true}}"#;

/// What a re-read of the job says about a cancel in progress.
enum Reread {
    /// The service shows the cancel requested.
    Done(Box<CancelOutcome>),
    /// Same job, still cancellable, cancel not shown: send the PATCH (again).
    StillToDo,
}

/// Options for [`JobRef::cancel`].
#[derive(Clone, Default, SafeDebug)]
pub struct CancelOptions<'a> {
    /// Retry budget for this call; the client's default when `None`.
    /// `max_attempts` bounds the PATCH requests (the first included).
    pub retry: Option<RetryPolicy>,
    /// Cancel only the incarnation created at this instant (`systemData.createdAt`): a
    /// job that now has the name but another creation time is left alone
    /// ([`CancelError::Replaced`]).
    pub expected_created_at: Option<String>,
    /// The caller's context (cancellation, telemetry), carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

/// What a successful [`JobRef::cancel`] saw and did. Serializes with camelCase names
/// (`stateAtRequest`, `dataMayStillTransfer`, ...); the job is serialized with its
/// secrets redacted.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelOutcome {
    /// The job's state when the cancel was requested (or found already requested).
    pub state_at_request: JobState,
    /// `true` when the job was `Transferring`: the cancel is best-effort and data may
    /// still be copied.
    pub data_may_still_transfer: bool,
    /// The cancel had already been requested; no PATCH was sent.
    pub already_requested: bool,
    /// PATCH requests sent (0 when already requested).
    pub patch_attempts: u32,
    /// The latest view of the job.
    pub job: Job,
}

impl CancelOutcome {
    fn new(
        state_at_request: JobState,
        job: Job,
        already_requested: bool,
        patch_attempts: u32,
    ) -> Self {
        let data_may_still_transfer =
            state_at_request == JobState::Transferring || job.state() == JobState::Transferring;
        CancelOutcome {
            state_at_request,
            data_may_still_transfer,
            already_requested,
            patch_attempts,
            job,
        }
    }
}

impl JobRef {
    /// Requests the job's cancellation.
    ///
    /// 1. GET the job. If `cancelRequested` is already true: success, no PATCH.
    ///    If the state does not allow a cancel (see [`JobStateExt::can_cancel`](crate::JobStateExt::can_cancel)):
    ///    [`CancelError::TooLate`], no PATCH.
    /// 2. PATCH `{"properties":{"cancelRequested":true}}` (and nothing else).
    ///    Transient failures are retried with backoff under the [`RetryPolicy`];
    ///    after an ambiguous one (5xx, timeout, I/O error: the PATCH may have been
    ///    applied) the job is re-read first: `cancelRequested` means success, a state
    ///    past `Transferring` means `TooLate`. A 4xx answer is final. A success answer
    ///    counts only if the job it returns (or a re-read) shows `cancelRequested`:
    ///    this never reports success the service has not shown.
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, JobState, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{body_json, method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # let job_path = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1";
    /// # Mock::given(method("GET")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"name":"job1","properties":{"state":"Transferring","cancelRequested":false}}"#))
    /// #     .mount(&server).await;
    /// # Mock::given(method("PATCH")).and(path(job_path))
    /// #     .and(body_json(serde_json::json!({"properties": {"cancelRequested": true}})))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"name":"job1","properties":{"state":"Transferring","cancelRequested":true}}"#))
    /// #     .expect(1).mount(&server).await;
    /// # let client = ImportExport::new("sub", Arc::new(StaticTokenCredential::new("token")),
    /// #     Some(ImportExportOptions::default().with_endpoint(server.uri())))?;
    /// let outcome = client.job("rg", "job1").cancel(None).await?;
    /// assert_eq!(outcome.state_at_request, JobState::Transferring);
    /// assert!(outcome.data_may_still_transfer); // best-effort from Transferring on
    /// assert!(outcome.job.cancel_requested());
    /// # Ok(()) }
    /// ```
    pub async fn cancel(
        &self,
        options: Option<CancelOptions<'_>>,
    ) -> Result<CancelOutcome, CancelError> {
        self.cancel_gated(options.unwrap_or_default(), |_| Ok(()))
            .await
    }

    /// [`cancel`](Self::cancel), with `gate` judging the job as first read, before
    /// anything else is decided or sent (a caller's own precondition).
    pub(crate) async fn cancel_gated(
        &self,
        options: CancelOptions<'_>,
        gate: impl FnOnce(&Job) -> Result<(), CancelError>,
    ) -> Result<CancelOutcome, CancelError> {
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
            cancel_requested = checked.cancel_requested(),
            created_at = checked.created_at(),
            "cancel: job looked up"
        );
        if let Some(expected) = &options.expected_created_at {
            if !checked.is_incarnation(expected) {
                tracing::debug!(job = %self.label(), expected = %expected, "cancel refused: another incarnation has the name");
                return Err(CancelError::Replaced {
                    job: self.label(),
                    created_at: checked.created_at().unwrap_or_default().to_owned(),
                });
            }
        }
        gate(&checked)?;
        let state_at_request = checked.state();
        if checked.cancel_requested() {
            tracing::debug!(job = %self.label(), "cancel: already requested, no PATCH");
            return Ok(CancelOutcome::new(state_at_request, checked, true, 0));
        }
        self.check_cancellable(&checked, 0)?;

        let mut patches = budget.attempts(format!("PATCH (cancel) job {}", self.label()));
        let jobs = &self.client.rest().jobs();
        let (rg, name) = (self.resource_group.as_str(), self.name.as_str());
        // Bounded: `pause` fails once `max_attempts` PATCHes were sent, and `attempt`
        // once the time budget is spent.
        loop {
            let sent = patches.attempt(async move {
                let body = RequestContent::from_static(CANCEL_BODY);
                let options = JobsClientUpdateOptions {
                    method_options: method_options(context),
                };
                let response = jobs.update(rg, name, body, Some(options)).await?;
                Ok(Bytes::from(response.into_body()))
            });
            let sent = sent.await;
            tracing::debug!(
                job = %self.label(),
                attempt = patches.made(),
                ok = sent.is_ok(),
                "cancel: PATCH sent"
            );
            let failure = match sent {
                Ok(body) => match Job::from_json(body) {
                    // Success only when the service shows the cancel request.
                    Ok(job) if job.cancel_requested() => {
                        return Ok(CancelOutcome::new(
                            state_at_request,
                            job,
                            false,
                            patches.made(),
                        ));
                    }
                    _ => Transient::unconfirmed(
                        "the PATCH was answered with success, but the reply does not show cancelRequested",
                    ),
                },
                Err(Failure::Final(error)) if error.is_state_refusal() => {
                    // The job moved on between the check and the PATCH: say where it is
                    // now (the service's refusal stands when the re-read cannot tell).
                    let Ok(job) = self.fetch(&budget, context).await else {
                        return Err(error.into());
                    };
                    return match self.judge(&checked, &state_at_request, job, patches.made())? {
                        Reread::Done(outcome) => Ok(*outcome),
                        Reread::StillToDo => Err(error.into()),
                    };
                }
                Err(Failure::Final(error)) => return Err(error.into()),
                Err(Failure::Transient(failure)) => failure,
            };
            let retry = patches.pause(&failure).await;
            let retry = match retry {
                // Not applied (throttled, not connected): nothing to resolve.
                Err(give_up) if !failure.ambiguous => return Err(give_up.into()),
                retry => retry,
            };
            // Before any retry (and after an ambiguous failure even without one): what
            // the service shows settles whether the PATCH was applied, and proves that
            // the job is still the one that was checked.
            let job = match self.fetch(&budget, context).await {
                Ok(job) => job,
                Err(read) => {
                    let error = match retry {
                        Err(give_up) if !read.is_not_found() => give_up,
                        _ => read,
                    };
                    return Err(error.with_elapsed(budget.elapsed()).into());
                }
            };
            if let Reread::Done(outcome) =
                self.judge(&checked, &state_at_request, job, patches.made())?
            {
                return Ok(*outcome);
            }
            retry.map_err(|give_up| give_up.with_elapsed(budget.elapsed()))?;
        }
    }

    /// What a re-read says: done (`cancelRequested`), refused (another incarnation,
    /// a state past `Transferring`, an identity that cannot be proven), or still to do.
    ///
    /// Without `systemData` the PATCH is repeated only to a job whose bytes are those
    /// checked (the PATCH was not applied); a job that changed is [`CancelError::Unproven`].
    fn judge(
        &self,
        checked: &Job,
        state_at_request: &JobState,
        job: Job,
        patch_attempts: u32,
    ) -> Result<Reread, CancelError> {
        let incarnation = checked.incarnation_of(&job);
        tracing::debug!(
            job = %self.label(),
            state = %job.state(),
            cancel_requested = job.cancel_requested(),
            ?incarnation,
            "cancel: job re-read"
        );
        if incarnation == Incarnation::Other {
            tracing::debug!(job = %self.label(), "cancel refused: the name was reused, the new job is left alone");
            return Err(CancelError::Replaced {
                job: self.label(),
                created_at: job.created_at().unwrap_or_default().to_owned(),
            });
        }
        if job.cancel_requested() {
            return Ok(Reread::Done(Box::new(CancelOutcome::new(
                state_at_request.clone(),
                job,
                false,
                patch_attempts,
            ))));
        }
        self.check_cancellable(&job, patch_attempts)?;
        if incarnation == Incarnation::Unproven && job.json() != checked.json() {
            tracing::debug!(job = %self.label(), "cancel refused: the job changed and no systemData proves it is the one checked");
            return Err(CancelError::Unproven { job: self.label() });
        }
        Ok(Reread::StillToDo)
    }

    fn check_cancellable(&self, job: &Job, patch_attempts: u32) -> Result<(), CancelError> {
        let state = job.state();
        if state.can_cancel() {
            Ok(())
        } else {
            tracing::debug!(job = %self.label(), %state, patch_attempts, "cancel refused: the state does not allow it");
            Err(CancelError::TooLate {
                job: self.label(),
                state,
                patch_attempts,
            })
        }
    }
}
