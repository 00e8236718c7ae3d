//! In-memory state: jobs, the virtual clock, fault rules and the journal.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::time::Duration;

use azure_importexport_rest::models::JobState;
use serde_json::{Map, Value};

use crate::config::EPOCH_UNIX;
use crate::config::EmulatorConfig;
use crate::fault::{Fault, FaultRule, JournalEntry, RequestKind};
use crate::throttle::Throttle;

/// Most journal entries kept (oldest dropped first).
pub(crate) const JOURNAL_CAPACITY: usize = 100_000;

/// Lifecycle state names for the handlers: the wire values of the generated
/// [`JobState`] (`as_str` is not a `const fn`, so they are written out here; a test
/// checks each against the enum).
pub(crate) const CREATING: &str = "Creating";
pub(crate) const SHIPPING: &str = "Shipping";
pub(crate) const RECEIVED: &str = "Received";
pub(crate) const TRANSFERRING: &str = "Transferring";
pub(crate) const PACKAGING: &str = "Packaging";
pub(crate) const COMPLETED: &str = "Completed";

/// The lifecycle line, `Creating` to `Completed`: the generated enum's values in the
/// spec's order, which is the order a job passes through them (`Closed` and `Canceled`,
/// after `Completed`, are side states). Only the names and their order come from the
/// SDK's crate: what the emulator allows in each state is decided here and in the
/// handlers, from the service's documentation, so that it stays an independent oracle
/// for the SDK's own rules (`azure_importexport::JobStateExt`).
fn lifecycle() -> &'static [JobState] {
    let end = JobState::KNOWN
        .iter()
        .position(|state| *state == JobState::Completed)
        .map_or(0, |completed| completed + 1);
    &JobState::KNOWN[..end]
}

/// Identity of a job: subscription, resource group and name, lowercased (ARM names are
/// case-insensitive).
pub(crate) type JobKey = (String, String, String);

pub(crate) fn job_key(sub: &str, rg: &str, name: &str) -> JobKey {
    (sub.to_lowercase(), rg.to_lowercase(), name.to_lowercase())
}

/// A stored job.
#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    /// Name as created (original casing).
    pub name: String,
    /// Full stored body, BitLocker keys included.
    pub body: Value,
    /// Creation order, to break ties between transitions due at the same instant.
    pub seq: u64,
    /// Virtual time the job entered its current state.
    pub state_since: Duration,
    /// Virtual time a cancel was requested, if it was.
    pub cancel_at: Option<Duration>,
}

impl JobRecord {
    /// The job's `properties.state`, if it has one.
    pub fn state(&self) -> Option<&str> {
        self.body
            .pointer("/properties/state")
            .and_then(Value::as_str)
    }

    /// The job as GET returns it: BitLocker keys removed from `driveList`.
    pub fn view(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(drives) = body
            .pointer_mut("/properties/driveList")
            .and_then(Value::as_array_mut)
        {
            for drive in drives.iter_mut().filter_map(Value::as_object_mut) {
                drive.remove("bitLockerKey");
            }
        }
        body
    }

    /// Mutable `properties` object, created if missing. `None` if the body is not an object.
    pub fn properties_mut(&mut self) -> Option<&mut Map<String, Value>> {
        let body = self.body.as_object_mut()?;
        let props = body
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if !props.is_object() {
            *props = Value::Object(Map::new());
        }
        props.as_object_mut()
    }

    /// Set `properties.state` (and the time it was entered).
    pub fn set_state(&mut self, state: &str, now: Duration) -> bool {
        match self.properties_mut() {
            Some(props) => {
                props.insert("state".into(), Value::String(state.to_owned()));
                self.state_since = now;
                true
            }
            None => false,
        }
    }

    fn set_percent(&mut self, percent: u64) {
        if let Some(props) = self.properties_mut() {
            props.insert("percentComplete".into(), Value::from(percent));
        }
    }

    /// `systemData.createdAt`: which incarnation of the name this is.
    pub fn created_at(&self) -> Option<&str> {
        self.body.pointer("/systemData/createdAt")?.as_str()
    }

    /// Update `systemData.lastModifiedAt`.
    pub fn touch(&mut self, now: Duration) {
        if let Some(sd) = self
            .body
            .get_mut("systemData")
            .and_then(Value::as_object_mut)
        {
            sd.insert("lastModifiedAt".into(), Value::String(timestamp(now)));
        }
    }
}

/// What happens to a job when its next transition is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Move to this state.
    To(&'static str),
    /// Remove the job.
    Expire,
}

/// Whether `state` equals `expected`, ignoring ASCII case.
pub(crate) fn is(state: Option<&str>, expected: &str) -> bool {
    state.is_some_and(|s| s.eq_ignore_ascii_case(expected))
}

/// The job's next scheduled event and when it is due, or `None` if it stays put forever.
pub(crate) fn next_event(job: &JobRecord, config: &EmulatorConfig) -> Option<(Duration, Event)> {
    let state = JobState::from(job.state()?);
    let since = job.state_since;
    let cancelled = job.cancel_at.is_some();
    let schedule = &config.schedule;
    let step = |d: Duration, next: &'static str| {
        let target = if cancelled { COMPLETED } else { next };
        Some((since.saturating_add(d), Event::To(target)))
    };
    let expire = || {
        Some((
            since.saturating_add(config.retention_after_completed),
            Event::Expire,
        ))
    };
    match state {
        JobState::Creating => match job.cancel_at {
            Some(at) => Some((
                at.saturating_add(schedule.shipping_to_received),
                Event::To(COMPLETED),
            )),
            None => Some((
                since.saturating_add(config.creating_retention),
                Event::Expire,
            )),
        },
        JobState::Shipping => step(schedule.shipping_to_received, RECEIVED),
        JobState::Received => step(schedule.received_to_transferring, TRANSFERRING),
        JobState::Transferring => step(schedule.transferring_to_packaging, PACKAGING),
        JobState::Packaging => Some((
            since.saturating_add(schedule.packaging_to_completed),
            Event::To(COMPLETED),
        )),
        JobState::Completed | JobState::Closed | JobState::Canceled => expire(),
        // The portal's spelling of `Canceled`.
        JobState::Unknown(other) if other.eq_ignore_ascii_case("cancelled") => expire(),
        _ => None,
    }
}

/// The states a job will pass through from now on if only the clock moves, in order.
pub(crate) fn future_states(job: &JobRecord) -> Vec<&'static str> {
    let Some(state) = job.state().map(JobState::from) else {
        return Vec::new();
    };
    let order = lifecycle();
    let Some(pos) = order.iter().position(|s| *s == state) else {
        return Vec::new();
    };
    if state == JobState::Completed {
        return Vec::new();
    }
    if job.cancel_at.is_some() && state != JobState::Packaging {
        return vec![COMPLETED];
    }
    if state == JobState::Creating {
        // Never shipped: it vanishes.
        return Vec::new();
    }
    order[pos + 1..].iter().map(JobState::as_str).collect()
}

/// RFC 3339 timestamp of a virtual instant.
pub(crate) fn timestamp(at: Duration) -> String {
    timestamp_before(at, Duration::ZERO)
}

/// RFC 3339 timestamp of `age` before the virtual instant `at` (possibly before the
/// virtual clock's zero: seeded jobs can be older than the emulator).
pub(crate) fn timestamp_before(at: Duration, age: Duration) -> String {
    use time::format_description::well_known::Rfc3339;
    let epoch = time::OffsetDateTime::from_unix_timestamp(EPOCH_UNIX)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let signed = |d: Duration| time::Duration::try_from(d).unwrap_or(time::Duration::ZERO);
    let instant = epoch
        .checked_add(signed(at))
        .and_then(|t| t.checked_sub(signed(age)))
        .unwrap_or(epoch);
    instant
        .format(&Rfc3339)
        .unwrap_or_else(|_| "2026-01-01T00:00:00Z".to_owned())
}

/// Everything the emulator knows, behind one mutex.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Virtual time since start.
    pub now: Duration,
    pub jobs: BTreeMap<JobKey, JobRecord>,
    pub next_seq: u64,
    pub faults: Vec<FaultRule>,
    pub journal: VecDeque<JournalEntry>,
    pub requests: u64,
    /// Jobs created through the API so far: makes every `createdAt` unique, as ARM's
    /// sub-second timestamps are, so a re-created name is another incarnation even
    /// within one virtual instant.
    pub creations: u64,
    /// ARM's subscription token buckets, when throttling is on.
    pub throttle: Option<Throttle>,
}

impl State {
    /// Now, plus 100 ns per job created so far (this one included): a `createdAt` no other
    /// job shares.
    pub fn unique_timestamp(&mut self) -> String {
        self.creations += 1;
        timestamp(
            self.now
                .saturating_add(Duration::from_nanos(100 * self.creations)),
        )
    }

    /// Insert or replace a job, keeping the sequence number of a replaced one.
    pub fn put_job(&mut self, key: JobKey, mut job: JobRecord) {
        job.seq = match self.jobs.get(&key) {
            Some(old) => old.seq,
            None => {
                self.next_seq += 1;
                self.next_seq
            }
        };
        self.jobs.insert(key, job);
    }

    /// Store `body` as given under `key`: its state counts as entered now, and a
    /// `properties.cancelRequested` of `true` as a cancel requested now.
    pub fn seed(&mut self, key: JobKey, name: &str, body: Value) {
        let cancelled = body
            .pointer("/properties/cancelRequested")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let record = JobRecord {
            name: name.to_owned(),
            body,
            seq: 0,
            state_since: self.now,
            cancel_at: cancelled.then_some(self.now),
        };
        self.put_job(key, record);
    }

    /// Take the fault for a request of kind `kind`, if a rule applies (and use it up).
    pub fn take_fault(&mut self, kind: RequestKind) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|r| r.count > 0 && r.kind.matches(kind))?;
        let rule = &mut self.faults[index];
        rule.count -= 1;
        let fault = rule.fault.clone();
        if rule.count == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }

    pub fn record(&mut self, entry: JournalEntry) {
        while self.journal.len() >= JOURNAL_CAPACITY {
            self.journal.pop_front();
        }
        self.journal.push_back(entry);
    }

    /// Move the clock forward by `by`, applying every due event in time order.
    pub fn advance(&mut self, by: Duration, config: &EmulatorConfig) {
        let target = self.now.saturating_add(by);
        let mut heap: BinaryHeap<Reverse<(Duration, u64, JobKey)>> = self
            .jobs
            .iter()
            .filter_map(|(key, job)| {
                let (due, _) = next_event(job, config)?;
                (due <= target).then(|| Reverse((due, job.seq, key.clone())))
            })
            .collect();
        // Each event moves a job forward or removes it, so a job has at most a handful;
        // the cap is a safety net.
        let mut budget = self.jobs.len().saturating_mul(16).saturating_add(64);
        while let Some(Reverse((due, _, key))) = heap.pop() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            self.now = self.now.max(due);
            let Some(job) = self.jobs.get_mut(&key) else {
                continue;
            };
            let Some((_, event)) = next_event(job, config) else {
                continue;
            };
            match event {
                Event::Expire => {
                    self.jobs.remove(&key);
                    continue;
                }
                Event::To(next) => {
                    let from_transferring = is(job.state(), TRANSFERRING);
                    let from_packaging = is(job.state(), PACKAGING);
                    job.set_state(next, due);
                    if next == TRANSFERRING {
                        job.set_percent(0);
                    } else if next == PACKAGING || (next == COMPLETED && from_packaging) {
                        job.set_percent(100);
                    } else if from_transferring {
                        let percent = transfer_percent(job, due, config);
                        job.set_percent(percent);
                    }
                }
            }
            if let Some((due, _)) = next_event(job, config) {
                if due <= target {
                    heap.push(Reverse((due, job.seq, key)));
                }
            }
        }
        self.now = target;
        let now = self.now;
        for job in self.jobs.values_mut() {
            if is(job.state(), TRANSFERRING) {
                let percent = transfer_percent(job, now, config);
                job.set_percent(percent);
            }
        }
    }
}

/// Progress of a `Transferring` job at `now`: 0..=99 (100 is reached in `Packaging`).
fn transfer_percent(job: &JobRecord, now: Duration, config: &EmulatorConfig) -> u64 {
    let total = config.schedule.transferring_to_packaging.as_nanos();
    if total == 0 {
        return 99;
    }
    let elapsed = now.saturating_sub(job.state_since).as_nanos();
    let percent = elapsed.saturating_mul(100) / total;
    u64::try_from(percent.min(99)).unwrap_or(99)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_names_are_the_generated_lifecycle() {
        let names = [
            CREATING,
            SHIPPING,
            RECEIVED,
            TRANSFERRING,
            PACKAGING,
            COMPLETED,
        ];
        let lifecycle: Vec<&str> = lifecycle().iter().map(JobState::as_str).collect();
        assert_eq!(lifecycle, names);
    }
}
