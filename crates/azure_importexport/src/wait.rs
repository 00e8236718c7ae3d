//! A waiter: poll a job with jittered backoff until a condition holds, bounded by a
//! required timeout (after smithy's waiters and kube-rs's composable conditions).

use crate::client::JobRef;
use crate::error::{RequestError, WaitError};
use crate::job::{Incarnation, Job};
use crate::retry::{Budget, RetryPolicy};
use crate::state::{JobState, JobStateExt as _};
use azure_core::http::ClientMethodOptions;
use std::fmt;
use std::ops::Not;
use std::sync::Arc;
use std::time::Duration;

/// Shortest delay between polls, whatever the options say (keeps every wait loop
/// advancing, even on a virtual clock).
const MIN_POLL_DELAY: Duration = Duration::from_millis(1);

/// What [`JobRef::wait_until`] waits for: a state, a predicate on the job, or a
/// combination (`and`, `or`, `!`).
///
/// The wait stops early with [`WaitError::Unreachable`] when the target can no longer
/// be met: a state target behind the job in the lifecycle (waiting for `Transferring`
/// when the job is `Completed`), or any unmet target once the job is in a terminal
/// state (`Completed`, `Closed`, `Canceled`), since a terminal job no longer changes.
///
/// ```
/// use azure_importexport::{JobState, WaitTarget};
///
/// let done = WaitTarget::State(JobState::Completed);
/// let copying = WaitTarget::predicate("more than half copied", |job| {
///     job.percent_complete().is_some_and(|percent| percent > 50)
/// });
/// let target = done.or(copying.and(!WaitTarget::State(JobState::Packaging)));
/// assert_eq!(
///     target.to_string(),
///     "(state Completed or (more than half copied and not state Packaging))"
/// );
/// ```
#[derive(Clone)]
pub enum WaitTarget {
    /// The job is in this state.
    State(JobState),
    /// A predicate holds (see [`WaitTarget::predicate`]).
    Predicate {
        /// What it checks, for messages.
        description: String,
        /// The test.
        test: Arc<dyn Fn(&Job) -> bool + Send + Sync>,
    },
    /// Both hold.
    And(Box<WaitTarget>, Box<WaitTarget>),
    /// Either holds.
    Or(Box<WaitTarget>, Box<WaitTarget>),
    /// The inner target does not hold.
    Not(Box<WaitTarget>),
}

impl WaitTarget {
    /// A predicate on the job, described for progress and error messages.
    pub fn predicate(
        description: impl Into<String>,
        test: impl Fn(&Job) -> bool + Send + Sync + 'static,
    ) -> Self {
        WaitTarget::Predicate {
            description: description.into(),
            test: Arc::new(test),
        }
    }

    /// Both this and `other`.
    pub fn and(self, other: WaitTarget) -> Self {
        WaitTarget::And(Box::new(self), Box::new(other))
    }

    /// This or `other`.
    pub fn or(self, other: WaitTarget) -> Self {
        WaitTarget::Or(Box::new(self), Box::new(other))
    }

    /// Whether `job` satisfies the target.
    pub fn is_met(&self, job: &Job) -> bool {
        match self {
            WaitTarget::State(state) => job.state() == *state,
            WaitTarget::Predicate { test, .. } => test(job),
            WaitTarget::And(a, b) => a.is_met(job) && b.is_met(job),
            WaitTarget::Or(a, b) => a.is_met(job) || b.is_met(job),
            WaitTarget::Not(inner) => !inner.is_met(job),
        }
    }

    /// Whether the target provably cannot be met any more (`false` when in doubt).
    pub fn is_unreachable_from(&self, job: &Job) -> bool {
        (job.state().is_terminal() && !self.is_met(job)) || self.behind(&job.state())
    }

    /// State targets that the lifecycle has already passed.
    fn behind(&self, state: &JobState) -> bool {
        match self {
            WaitTarget::State(target) => !state.can_reach(target),
            WaitTarget::Predicate { .. } | WaitTarget::Not(_) => false,
            WaitTarget::And(a, b) => a.behind(state) || b.behind(state),
            WaitTarget::Or(a, b) => a.behind(state) && b.behind(state),
        }
    }
}

impl From<JobState> for WaitTarget {
    fn from(state: JobState) -> Self {
        WaitTarget::State(state)
    }
}

impl Not for WaitTarget {
    type Output = WaitTarget;
    fn not(self) -> WaitTarget {
        WaitTarget::Not(Box::new(self))
    }
}

impl fmt::Display for WaitTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitTarget::State(state) => write!(f, "state {state}"),
            WaitTarget::Predicate { description, .. } => f.write_str(description),
            WaitTarget::And(a, b) => write!(f, "({a} and {b})"),
            WaitTarget::Or(a, b) => write!(f, "({a} or {b})"),
            WaitTarget::Not(inner) => write!(f, "not {inner}"),
        }
    }
}

impl fmt::Debug for WaitTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WaitTarget({self})")
    }
}

/// Reported to [`WaitOptions::on_progress`] whenever the job's state changes (and for
/// the first state seen).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// The state now.
    pub state: JobState,
    /// The state before (`None` on the first poll).
    pub previous: Option<JobState>,
    /// Time waited so far.
    pub elapsed: Duration,
    /// Polls so far.
    pub polls: u32,
    /// Overall progress in percent, when the service reports it.
    pub percent_complete: Option<i64>,
}

/// A progress callback.
pub type ProgressCallback = Arc<dyn Fn(&WaitProgress) + Send + Sync>;

/// Options for [`JobRef::wait_until`] (the timeout is a required argument).
#[derive(Clone)]
pub struct WaitOptions<'a> {
    /// Delay after the first poll; later delays double up to `max_delay`. Each delay
    /// is drawn from `[min_delay, current]` (jitter); when it would reach the deadline,
    /// the waiter sleeps until the deadline and times out (a poll there would have no
    /// time left to run).
    pub min_delay: Duration,
    /// Longest delay between polls.
    pub max_delay: Duration,
    /// Retry budget of each poll; the client's default when `None` (its `max_elapsed`
    /// is clipped to the time left).
    pub retry: Option<RetryPolicy>,
    /// Called whenever the job's state changes.
    pub on_progress: Option<ProgressCallback>,
    /// The caller's context (cancellation, telemetry), carried to every poll.
    pub method_options: ClientMethodOptions<'a>,
}

impl Default for WaitOptions<'_> {
    /// Polls between 5 s and 2 min apart.
    fn default() -> Self {
        WaitOptions {
            min_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(120),
            retry: None,
            on_progress: None,
            method_options: ClientMethodOptions::default(),
        }
    }
}

impl WaitOptions<'_> {
    /// Sets the delay bounds between polls.
    pub fn with_delays(mut self, min_delay: Duration, max_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self.max_delay = max_delay;
        self
    }

    /// Sets the progress callback.
    pub fn on_progress(mut self, callback: impl Fn(&WaitProgress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(callback));
        self
    }
}

impl fmt::Debug for WaitOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("min_delay", &self.min_delay)
            .field("max_delay", &self.max_delay)
            .field("retry", &self.retry)
            .field(
                "on_progress",
                &self.on_progress.as_ref().map(|_| "<callback>"),
            )
            .finish_non_exhaustive()
    }
}

impl JobRef {
    /// Polls the job until `target` holds, and returns the job as last seen.
    ///
    /// Ends with [`WaitError::Timeout`] (elapsed, polls, last state),
    /// [`WaitError::Unreachable`] (the job is in a state from which the target cannot
    /// be met), [`WaitError::Gone`] (404, or another incarnation of the name), a final
    /// service answer (400, 401, 403), or a failure without a service answer (credential,
    /// configuration) repeated `max_attempts` polls in a row. A failed poll (retries
    /// spent, an unreadable reply, a credential or transport failure) does not end the
    /// wait: the next poll comes within the deadline.
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, JobState, StaticTokenCredential, VirtualClock, WaitOptions};
    /// # use std::sync::{Arc, Mutex};
    /// # use std::time::Duration;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # let job_path = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1";
    /// # Mock::given(method("GET")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"properties":{"state":"Packaging"}}"#))
    /// #     .up_to_n_times(2).mount(&server).await;
    /// # Mock::given(method("GET")).and(path(job_path))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"properties":{"state":"Completed"}}"#))
    /// #     .mount(&server).await;
    /// // A virtual clock makes the example instant; real code keeps the default clock.
    /// let client = ImportExport::new(
    ///     "sub",
    ///     Arc::new(StaticTokenCredential::new("token")),
    ///     Some(ImportExportOptions::default().with_endpoint(server.uri()).with_clock(VirtualClock::new())),
    /// )?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let options = WaitOptions::default()
    ///     .on_progress(move |progress| log.lock().unwrap().push(progress.state.clone()));
    /// let a_day = Duration::from_secs(24 * 3600);
    /// let job = client.job("rg", "job1").wait_until(JobState::Completed, a_day, Some(options)).await?;
    /// assert_eq!(job.state(), JobState::Completed);
    /// assert_eq!(*seen.lock().unwrap(), [JobState::Packaging, JobState::Completed]);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until(
        &self,
        target: impl Into<WaitTarget>,
        timeout: Duration,
        options: Option<WaitOptions<'_>>,
    ) -> Result<Job, WaitError> {
        let options = options.unwrap_or_default();
        let context = &options.method_options.context;
        let target = target.into();
        let clock = self.client.clock();
        let policy = options
            .retry
            .clone()
            .unwrap_or_else(|| self.client.retry_policy().clone());
        let min_delay = options.min_delay.max(MIN_POLL_DELAY);
        let max_delay = options.max_delay.max(min_delay);
        let started = clock.now();
        let elapsed = || clock.now().saturating_duration_since(started);
        let mut polls = 0u32;
        let mut last_state: Option<JobState> = None;
        let mut last_poll_error: Option<String>;
        // Polls in a row that failed without a service answer (credential, transport).
        let mut failed_in_a_row = 0u32;
        // The first job seen: a later poll that shows another incarnation means the
        // waited-for job was deleted and its name reused.
        let mut first_seen: Option<Job> = None;

        // Bounded: every pass sleeps at least MIN_POLL_DELAY (or up to the deadline),
        // and the pass at or after the deadline returns.
        loop {
            let time_left = timeout.saturating_sub(elapsed());
            // The poll's budget (its retries and the request in flight) ends at the
            // waiter's deadline.
            let poll_policy = policy
                .clone()
                .with_max_elapsed(policy.max_elapsed.min(time_left));
            polls = polls.saturating_add(1);
            let budget = Budget::start(&poll_policy, clock, self.client.jitter());
            match self.fetch(&budget, context).await {
                Ok(job) => {
                    last_poll_error = None;
                    failed_in_a_row = 0;
                    tracing::debug!(
                        job = %self.label(),
                        polls,
                        state = %job.state(),
                        percent_complete = job.percent_complete(),
                        "wait: polled"
                    );
                    if let Some(replaced_by) = first_seen
                        .as_ref()
                        .filter(|first| first.incarnation_of(&job) == Incarnation::Other)
                        .and(job.created_at())
                    {
                        tracing::debug!(job = %self.label(), replaced_by, "wait stopped: the name was reused by another job");
                        return Err(WaitError::Gone {
                            job: self.label(),
                            elapsed: elapsed(),
                            polls,
                            last_state,
                            replaced_by: Some(replaced_by.to_owned()),
                        });
                    }
                    let state = job.state();
                    if last_state.as_ref() != Some(&state) {
                        if let Some(callback) = &options.on_progress {
                            callback(&WaitProgress {
                                state: state.clone(),
                                previous: last_state.clone(),
                                elapsed: elapsed(),
                                polls,
                                percent_complete: job.percent_complete(),
                            });
                        }
                        last_state = Some(state.clone());
                    }
                    if target.is_met(&job) {
                        return Ok(job);
                    }
                    if target.is_unreachable_from(&job) {
                        tracing::debug!(job = %self.label(), %target, %state, "wait stopped: the target can no longer be reached");
                        return Err(WaitError::Unreachable {
                            job: self.label(),
                            target: target.to_string(),
                            state,
                        });
                    }
                    first_seen.get_or_insert(job);
                }
                Err(error) if error.is_not_found() => {
                    tracing::debug!(job = %self.label(), polls, "wait stopped: the job is gone (404)");
                    return Err(WaitError::Gone {
                        job: self.label(),
                        elapsed: elapsed(),
                        polls,
                        last_state,
                        replaced_by: None,
                    });
                }
                // An outage (retries spent, an unreadable reply) does not end a wait:
                // poll again within the deadline.
                Err(
                    error @ (RequestError::GaveUp { .. } | RequestError::InvalidResponse { .. }),
                ) => {
                    tracing::debug!(job = %self.label(), %error, "wait: poll failed; waiting on");
                    failed_in_a_row = 0;
                    last_poll_error = Some(error.to_string());
                }
                // No service answer (a credential or transport failure: a token endpoint
                // that refused a connection once) is an outage too; only the same kind of
                // failure `max_attempts` polls in a row (a credential that does not work)
                // ends the wait early.
                Err(error @ RequestError::Failed { .. }) => {
                    failed_in_a_row = failed_in_a_row.saturating_add(1);
                    if failed_in_a_row >= policy.attempts_allowed() {
                        tracing::debug!(job = %self.label(), %error, failed_in_a_row, "wait stopped: the poll keeps failing the same way");
                        return Err(error.into());
                    }
                    tracing::debug!(job = %self.label(), %error, failed_in_a_row, "wait: poll failed; waiting on");
                    last_poll_error = Some(error.to_string());
                }
                // A final answer (400, 401, 403) will not change.
                Err(error) => return Err(error.into()),
            }

            let ceiling = min_delay
                .saturating_mul(1u32 << polls.saturating_sub(1).min(31))
                .min(max_delay);
            let delay = min_delay.saturating_add(self.client.jitter().sample(ceiling - min_delay));
            let time_left = timeout.saturating_sub(elapsed());
            // A poll at the deadline would have no time left to run: stop there instead.
            if delay >= time_left {
                tracing::debug!(job = %self.label(), ?time_left, polls, "wait: no time for another poll; sleeping to the deadline");
                clock.sleep(time_left).await;
                return Err(WaitError::Timeout {
                    job: self.label(),
                    target: target.to_string(),
                    elapsed: elapsed(),
                    polls,
                    last_state,
                    last_poll_error,
                });
            }
            tracing::debug!(job = %self.label(), ?delay, polls, "wait: next poll");
            clock.sleep(delay).await;
        }
    }
}
