//! The [`Emulator`] handle.

use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::Value;
use wiremock::{Mock, MockServer};

use crate::config::{EmulatorConfig, epoch};
use crate::error::EmulatorError;
use crate::fault::{FaultRule, JournalEntry};
use crate::http::{Responder, Shared};
use crate::seed::{self, JobSeed, SeededJob};
use crate::store::{JobRecord, State, future_states, is, job_key, next_event};
use crate::throttle::Throttle;

/// A running emulator: a handle to its state and, when it started its own server, to that
/// server. Cheap to clone; every clone sees the same state.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
    server: Option<Arc<MockServer>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Emulator")
            .field("uri", &self.shared.base_uri)
            .field("now", &state.now)
            .field("jobs", &state.jobs.len())
            .field("faults", &state.faults.len())
            .field("config", &self.shared.config)
            .finish()
    }
}

impl Emulator {
    /// Start an emulator on its own wiremock server on 127.0.0.1, with the default config.
    pub async fn start() -> Emulator {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Start an emulator on its own wiremock server on 127.0.0.1.
    pub async fn start_with(config: EmulatorConfig) -> Emulator {
        let server = MockServer::start().await;
        Self::mount_owned(server, config).await
    }

    /// Start an emulator on a listener the caller bound (e.g. to a fixed port, for a
    /// standalone emulator process). The server does not record requests for wiremock
    /// (the emulator's own journal does), so a long-running process keeps bounded memory.
    pub async fn start_on_listener(
        listener: std::net::TcpListener,
        config: EmulatorConfig,
    ) -> Emulator {
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        Self::mount_owned(server, config).await
    }

    async fn mount_owned(server: MockServer, config: EmulatorConfig) -> Emulator {
        let mut emulator = Self::mount_on(&server, config).await;
        emulator.server = Some(Arc::new(server));
        emulator
    }

    /// Mount the emulator on a server the caller owns. Mocks the caller mounts there with a
    /// better (lower) priority than [`EmulatorConfig::priority`] answer first.
    pub async fn mount_on(server: &MockServer, config: EmulatorConfig) -> Emulator {
        let priority = config.priority.max(1);
        let state = State {
            throttle: config.throttle.clone().map(Throttle::new),
            // The virtual clock counts from EPOCH; a later start begins at that offset.
            now: config.starts_at.duration_since(epoch()).unwrap_or_default(),
            ..State::default()
        };
        let shared = Arc::new(Shared {
            config,
            base_uri: server.uri(),
            state: Mutex::new(state),
        });
        Mock::given(wiremock::matchers::any())
            .respond_with(Responder(Arc::clone(&shared)))
            .with_priority(priority)
            .named("azure_importexport_emulator")
            .mount(server)
            .await;
        Emulator {
            shared,
            server: None,
        }
    }

    /// Base URI of the server, e.g. `http://127.0.0.1:34567` (no trailing slash).
    pub fn uri(&self) -> String {
        self.shared.base_uri.clone()
    }

    /// The server, when the emulator started it (`None` after [`Emulator::mount_on`]).
    pub fn server(&self) -> Option<&MockServer> {
        self.server.as_deref()
    }

    /// The configuration in force.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Advance the virtual clock by `by`, applying every transition that falls due, in
    /// timestamp order (a single long jump behaves like many short ones).
    pub fn advance(&self, by: Duration) {
        self.shared.lock().advance(by, &self.shared.config);
    }

    /// The virtual clock: time since [`EPOCH`](crate::EPOCH). With the default
    /// [`EmulatorConfig::starts_at`] that is the virtual time elapsed since the emulator
    /// started.
    pub fn now(&self) -> Duration {
        self.shared.lock().now
    }

    /// Advance the clock until the job is in `state` (compared ignoring ASCII case).
    ///
    /// Returns at once if it already is. Fails without moving the clock if the job does
    /// not exist or its lifecycle does not pass through `state` (for example a `Creating`
    /// job that was never shipped, or `Shipping` for a job already `Received`).
    pub fn advance_job_to(
        &self,
        subscription: &str,
        rg: &str,
        name: &str,
        state: &str,
    ) -> Result<(), EmulatorError> {
        let key = job_key(subscription, rg, name);
        let config = &self.shared.config;
        let mut guard = self.shared.lock();
        let not_found = || EmulatorError::JobNotFound {
            subscription: subscription.to_owned(),
            resource_group: rg.to_owned(),
            name: name.to_owned(),
        };
        let job = guard.jobs.get(&key).ok_or_else(not_found)?;
        if is(job.state(), state) {
            return Ok(());
        }
        let path = future_states(job);
        if !path.iter().any(|s| s.eq_ignore_ascii_case(state)) {
            return Err(EmulatorError::Unreachable {
                name: job.name.clone(),
                current: job.state().unwrap_or("<none>").to_owned(),
                target: state.to_owned(),
            });
        }
        for _ in 0..=path.len() {
            let job = guard.jobs.get(&key).ok_or_else(not_found)?;
            if is(job.state(), state) {
                return Ok(());
            }
            let Some((due, _)) = next_event(job, config) else {
                break;
            };
            let by = due.saturating_sub(guard.now);
            guard.advance(by, config);
        }
        let job = guard.jobs.get(&key).ok_or_else(not_found)?;
        if is(job.state(), state) {
            Ok(())
        } else {
            Err(EmulatorError::Unreachable {
                name: job.name.clone(),
                current: job.state().unwrap_or("<none>").to_owned(),
                target: state.to_owned(),
            })
        }
    }

    /// The job exactly as `GET` would return it (BitLocker keys removed), if it exists.
    pub fn job_json(&self, subscription: &str, rg: &str, name: &str) -> Option<Value> {
        let state = self.shared.lock();
        state
            .jobs
            .get(&job_key(subscription, rg, name))
            .map(JobRecord::view)
    }

    /// The job as stored, BitLocker keys included.
    pub fn job_json_raw(&self, subscription: &str, rg: &str, name: &str) -> Option<Value> {
        let state = self.shared.lock();
        state
            .jobs
            .get(&job_key(subscription, rg, name))
            .map(|j| j.body.clone())
    }

    /// The job's `properties.state`, if the job exists and has one.
    pub fn job_state(&self, subscription: &str, rg: &str, name: &str) -> Option<String> {
        let state = self.shared.lock();
        state
            .jobs
            .get(&job_key(subscription, rg, name))
            .and_then(|j| j.state().map(str::to_owned))
    }

    /// Test backdoor: force the job's state to any string (`"Closed"`, `"Mystery"`...).
    /// The state counts as entered now; known states then follow the normal schedule.
    pub fn set_job_state(
        &self,
        subscription: &str,
        rg: &str,
        name: &str,
        state: &str,
    ) -> Result<(), EmulatorError> {
        let mut guard = self.shared.lock();
        let now = guard.now;
        let job = guard
            .jobs
            .get_mut(&job_key(subscription, rg, name))
            .ok_or_else(|| EmulatorError::JobNotFound {
                subscription: subscription.to_owned(),
                resource_group: rg.to_owned(),
                name: name.to_owned(),
            })?;
        if job.set_state(state, now) {
            Ok(())
        } else {
            Err(EmulatorError::InvalidJobBody {
                name: job.name.clone(),
            })
        }
    }

    /// Seed (or replace) a job with an arbitrary body, stored as given (no `id` or other
    /// field is added). Its state is read from `properties.state`, entered now; a
    /// `properties.cancelRequested` of `true` counts as a cancel requested now.
    pub fn insert_job(&self, subscription: &str, rg: &str, name: &str, job: Value) {
        self.shared
            .lock()
            .seed(job_key(subscription, rg, name), name, job);
    }

    /// Seed a fleet of generated import jobs (see [`JobSeed`] for names, resource groups,
    /// states and ages), in one step; returns where each job went, in order. Jobs are
    /// complete (addresses, a drive with its BitLocker key, a delivery package once
    /// shipped); as with [`Emulator::insert_job`], each state counts as entered now, so
    /// the age shows in `systemData` without making old jobs expire at the next
    /// [`Emulator::advance`].
    pub fn seed_jobs(&self, seed: &JobSeed) -> Vec<SeededJob> {
        let mut state = self.shared.lock();
        let planned = seed::generate(seed, state.now);
        store_all(&mut state, planned)
    }

    /// Seed the jobs of a seed file (what `azie emulator --seed FILE` reads): a JSON array
    /// of `{"subscription"?, "resourceGroup", "name", "job"?, "state"?, "location"?,
    /// "ageDays"?}`. With `job`, that body is stored as given (as with
    /// [`Emulator::insert_job`]); without it, an import job is generated in `state`
    /// (default `Creating`), `ageDays` old. The subscription defaults to
    /// [`DEFAULT_SUBSCRIPTION`](crate::DEFAULT_SUBSCRIPTION). Every entry is checked
    /// first: on an error, nothing is stored.
    pub fn seed_from_json(&self, file: &Value) -> Result<Vec<SeededJob>, EmulatorError> {
        let mut state = self.shared.lock();
        let planned = seed::from_json(file, state.now)?;
        Ok(store_all(&mut state, planned))
    }

    /// Remove a job directly (no state rule applies). Returns whether it existed.
    pub fn remove_job(&self, subscription: &str, rg: &str, name: &str) -> bool {
        self.shared
            .lock()
            .jobs
            .remove(&job_key(subscription, rg, name))
            .is_some()
    }

    /// Number of jobs stored.
    pub fn job_count(&self) -> usize {
        self.shared.lock().jobs.len()
    }

    /// Add a fault injection rule (after the existing ones).
    pub fn inject(&self, rule: FaultRule) {
        if rule.count > 0 {
            self.shared.lock().faults.push(rule);
        }
    }

    /// Remove every fault rule not yet used up.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Every request handled so far, oldest first (the last 100 000 at most).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.lock().journal.iter().cloned().collect()
    }

    /// Forget the journal.
    pub fn clear_journal(&self) {
        self.shared.lock().journal.clear();
    }

    /// Drive the virtual clock from real time: every real `tick`, advance it by
    /// `tick * speedup`. The task ends by itself once the emulator is gone; abort the handle
    /// to stop it earlier. A zero `tick` counts as 1 ms; a `speedup` that is negative or
    /// not a number counts as 0.
    ///
    /// # Panics
    /// If called outside a Tokio runtime.
    pub fn spawn_real_time(&self, tick: Duration, speedup: f64) -> tokio::task::JoinHandle<()> {
        let tick = tick.max(Duration::from_millis(1));
        let scaled = tick.as_secs_f64() * speedup;
        let step = if scaled.is_nan() || scaled <= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(scaled).unwrap_or(Duration::MAX)
        };
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval.tick().await;
            loop {
                interval.tick().await;
                let Some(shared) = weak.upgrade() else {
                    break;
                };
                shared.lock().advance(step, &shared.config);
            }
        })
    }
}

/// Store planned jobs; where they went.
fn store_all(state: &mut State, planned: Vec<seed::Planned>) -> Vec<SeededJob> {
    planned
        .into_iter()
        .map(|(job, body)| {
            let key = job_key(&job.subscription, &job.resource_group, &job.name);
            state.seed(key, &job.name, body);
            job
        })
        .collect()
}
