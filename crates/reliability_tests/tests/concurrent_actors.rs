//! Issue 10's model test: the SDK's `cancel`, `safe_delete` (with an archive),
//! `cancel_and_delete` and `wait_until` against the emulator while a second actor works
//! on the same names, and the emulator answers in every way its contract allows.
//!
//! Each history seeds one job (any state, with or without `systemData`), injects a few
//! faults (applied-then-500/502/504, applied-then-202/204, 500/503 not applied, 429 with
//! `Retry-After`, an unreadable 200 to a GET), and plans the second actor's moves: at
//! the SDK's n-th pause (a backoff sleep or a poll delay, on the virtual clock) or while
//! it archives, the actor re-creates the name (a new incarnation), deletes the job, or
//! moves it on. Then one SDK operation runs, and optionally a `safe_delete` of whatever
//! has the name afterwards (so re-created names meet the same archive).
//!
//! The actor acts only at those points: between the SDK's last read and its write the
//! API offers no condition to send (no ETag), and no client can close that window.
//!
//! Invariants, checked from the emulator's journal, its state and the archive:
//! 1. No DELETE ever reached an incarnation the helper did not check (and archive): an
//!    incarnation the actor created is never deleted by the SDK; every applied DELETE
//!    has an archived version of that incarnation.
//! 2. No archive file is ever overwritten or lost (every file keeps its bytes to the
//!    end of the run, and its name's hash is the hash of its bytes).
//! 3. Every reported success is true in the emulator's state.
//! 4. Every refusal by the SDK's own check sent no mutating request.
//! 5. Error categories match what happened; no call sends more than `max_attempts`
//!    PATCHes or DELETEs.
//!
//! `CONCURRENT_ACTORS_SEED` and `CONCURRENT_ACTORS_HISTORIES` change the run (default:
//! a fixed seed, 2,000 histories); a failure prints the line that replays it alone
//! (`CONCURRENT_ACTORS_REPLAY=<history>`).

use async_trait::async_trait;
use azure_importexport::CategorizedError as _;
use azure_importexport::{
    ArchiveError, ArchiveRecord, ArchiveSink, CancelAndDeleteError, CancelAndDeleteOptions,
    CancelError, DeleteError, DeleteOptions, ErrorCategory, FsArchive, ImportExport, JobState,
    JobStateExt as _, RetryPolicy, WaitError, WaitOptions,
};
use azure_importexport_emulator::{Emulator, Fault, FaultRule, JournalEntry, RequestKind};
use reliability_tests::{RG, SUB, TestClock, client, job_body};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const DEFAULT_SEED: u64 = 0x00AC_7025_2026_0010;
const DEFAULT_HISTORIES: u64 = 2_000;
const MAX_ATTEMPTS: u32 = 3;
const STATES: [&str; 7] = [
    "Creating",
    "Shipping",
    "Received",
    "Transferring",
    "Packaging",
    "Completed",
    "Closed",
];

/// SplitMix64: small, seedable, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.below(100) < chance
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Operation {
    Cancel,
    SafeDelete,
    CancelAndDelete,
    WaitUntilCompleted,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Move {
    /// Delete the job and create a new one with the name (state `Creating`).
    Recreate,
    /// Delete the job.
    Delete,
    /// Move the job to a later state.
    Advance(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Trigger {
    /// The n-th pause of the SDK (1-based).
    Pause(u32),
    /// The n-th archive write (1-based), after it is durable.
    Archive(u32),
}

#[derive(Debug)]
struct History {
    index: u64,
    name: String,
    initial_state: &'static str,
    system_data: bool,
    faults: Vec<FaultRule>,
    moves: Vec<(Trigger, Move)>,
    operation: Operation,
    then_delete: bool,
}

impl History {
    fn generate(seed: u64, index: u64) -> Self {
        let mut rng = Rng(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let kinds = [
            RequestKind::GetJob,
            RequestKind::UpdateJob,
            RequestKind::DeleteJob,
        ];
        let faults = (0..rng.below(4))
            .map(|_| {
                let fault = match rng.below(9) {
                    0 | 1 => Fault::StatusAfterApply {
                        status: rng.pick(&[500, 502, 504]),
                    },
                    2 | 3 => Fault::StatusAfterApply {
                        status: rng.pick(&[202, 204]),
                    },
                    4 | 5 => Fault::status(rng.pick(&[500, 503])),
                    6 | 7 => Fault::throttled("1"),
                    _ => Fault::Raw {
                        status: 200,
                        content_type: "application/json".into(),
                        body: br#"{"properties":{"state":"#.to_vec(),
                    },
                };
                FaultRule::new(rng.pick(&kinds), 1 + rng.below(2) as usize, fault)
            })
            .collect();
        let moves = (0..rng.below(4))
            .map(|_| {
                let trigger = if rng.percent(25) {
                    Trigger::Archive(1 + rng.below(2) as u32)
                } else {
                    Trigger::Pause(1 + rng.below(4) as u32)
                };
                let action = match rng.below(3) {
                    0 => Move::Recreate,
                    1 => Move::Delete,
                    _ => Move::Advance(rng.pick(&STATES[1..])),
                };
                (trigger, action)
            })
            .collect();
        History {
            index,
            name: format!("h{index}"),
            initial_state: rng.pick(&STATES),
            system_data: rng.percent(85),
            faults,
            moves,
            operation: rng.pick(&[
                Operation::Cancel,
                Operation::SafeDelete,
                Operation::CancelAndDelete,
                Operation::WaitUntilCompleted,
            ]),
            then_delete: rng.percent(40),
        }
    }
}

/// The second actor: its plan, and the incarnations it created.
struct Actor {
    emulator: Emulator,
    name: String,
    system_data: bool,
    plan: Vec<(Trigger, Move)>,
    pauses: u32,
    archives: u32,
    /// The moves made so far: journal length when made, the move, the job it created.
    applied: Vec<(usize, Move, Option<u64>)>,
    next_marker: u64,
}

impl Actor {
    fn on(&mut self, event: Trigger) {
        let due: Vec<Move> = self
            .plan
            .iter()
            .filter(|(trigger, _)| *trigger == event)
            .map(|(_, action)| *action)
            .collect();
        for action in due {
            self.act(action);
        }
    }

    fn act(&mut self, action: Move) {
        let journal_len = self.emulator.journal().len();
        let mut created = None;
        match action {
            Move::Recreate => {
                self.emulator.remove_job(SUB, RG, &self.name);
                self.next_marker += 1;
                let job = seeded_job(&self.name, "Creating", self.system_data, self.next_marker);
                self.emulator.insert_job(SUB, RG, &self.name, job);
                created = Some(self.next_marker);
            }
            Move::Delete => {
                self.emulator.remove_job(SUB, RG, &self.name);
            }
            Move::Advance(state) => {
                let _ = self.emulator.advance_job_to(SUB, RG, &self.name, state);
            }
        }
        self.applied.push((journal_len, action, created));
    }

    /// The job (by marker) that had the name when journal entry `index` was handled.
    fn marker_at(&self, index: usize, start: Option<u64>) -> Option<u64> {
        let mut live = start;
        for (journal_len, action, created) in &self.applied {
            if *journal_len > index {
                break;
            }
            match action {
                Move::Recreate => live = *created,
                Move::Delete => live = None,
                Move::Advance(_) => {}
            }
        }
        live
    }
}

/// A job with a marker that says who created it (0: the test's seed job; n: the actor's
/// n-th), and a `createdAt` unique to the marker.
fn seeded_job(name: &str, state: &str, system_data: bool, marker: u64) -> Value {
    let mut job = job_body(name, state);
    job["tags"] = json!({ "marker": marker.to_string() });
    if system_data {
        let created = format!("2026-01-01T00:00:00.{marker:07}Z");
        job["systemData"] = json!({ "createdAt": created, "lastModifiedAt": created });
    }
    job
}

fn marker_of(job: &Value) -> Option<u64> {
    job.pointer("/tags/marker")?.as_str()?.parse().ok()
}

/// An archive that lets the actor move right after each write.
#[derive(Debug)]
struct ArchiveWithActor {
    inner: FsArchive,
    actor: Arc<Mutex<Actor>>,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ArchiveSink for ArchiveWithActor {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        let written = self.inner.archive(record).await?;
        let mut actor = self.actor.lock().unwrap();
        actor.archives += 1;
        let n = actor.archives;
        actor.on(Trigger::Archive(n));
        Ok(written)
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
        .with_attempt_timeout(Duration::from_secs(10))
}

/// What one SDK call returned, reduced to what the invariants look at.
#[derive(Debug)]
enum Outcome {
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
enum Failure {
    SdkRefusal { state: JobState, writes_sent: u32 },
    ServiceRefusal,
    NotFound,
    Unproven,
    Other,
}

fn cancel_failure(error: &CancelError) -> Failure {
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

fn delete_failure(error: &DeleteError) -> Failure {
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

fn request_failure(error: &azure_importexport::RequestError) -> Failure {
    match error.category() {
        ErrorCategory::NotFound => Failure::NotFound,
        ErrorCategory::RefusedByState => Failure::ServiceRefusal,
        _ => Failure::Other,
    }
}

fn failed(category: ErrorCategory, error: &dyn std::fmt::Display, kind: Failure) -> Outcome {
    Outcome::Failed {
        category,
        detail: error.to_string(),
        kind,
    }
}

struct Run {
    emulator: Emulator,
    /// One client for the whole run (building one costs more than a history).
    sdk: ImportExport,
    /// The actor of the history under way, moved by the client's pauses.
    current_actor: Arc<Mutex<Option<Arc<Mutex<Actor>>>>>,
    archive_root: PathBuf,
    /// Every archive file seen, with its bytes: none may change or vanish.
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Run {
    async fn history(&mut self, history: &History) -> Result<(), String> {
        let emulator = &self.emulator;
        emulator.clear_faults();
        emulator.clear_journal();
        emulator.insert_job(
            SUB,
            RG,
            &history.name,
            seeded_job(&history.name, history.initial_state, history.system_data, 0),
        );
        for fault in &history.faults {
            emulator.inject(fault.clone());
        }
        let actor = Arc::new(Mutex::new(Actor {
            emulator: emulator.clone(),
            name: history.name.clone(),
            system_data: history.system_data,
            plan: history.moves.clone(),
            pauses: 0,
            archives: 0,
            applied: Vec::new(),
            next_marker: history.index * 10,
        }));
        *self.current_actor.lock().unwrap() = Some(actor.clone());
        let sdk = &self.sdk;
        let job_ref = sdk.job(RG, &history.name);
        let archive = Arc::new(ArchiveWithActor {
            inner: FsArchive::new(&self.archive_root),
            actor: actor.clone(),
        });
        let delete_options = || DeleteOptions {
            archive: Some(archive.clone()),
            ..DeleteOptions::default()
        };

        let outcome = match history.operation {
            Operation::Cancel => match job_ref.cancel(None).await {
                Ok(outcome) => Outcome::Cancelled {
                    cancel_requested: outcome.job.cancel_requested(),
                    marker: marker_of(
                        &serde_json::from_slice(outcome.job.json()).unwrap_or_default(),
                    ),
                },
                Err(error) => failed(error.category(), &error, cancel_failure(&error)),
            },
            Operation::SafeDelete => deleted(job_ref.safe_delete(Some(delete_options())).await),
            Operation::CancelAndDelete => {
                let options = CancelAndDeleteOptions {
                    wait: WaitOptions::default()
                        .with_delays(Duration::from_secs(60), Duration::from_secs(60)),
                    delete: delete_options(),
                    ..Default::default()
                };
                match job_ref
                    .cancel_and_delete(Duration::from_secs(600), Some(options))
                    .await
                {
                    Ok(outcome) => Outcome::Deleted {
                        archived_to: outcome.delete.archived_to,
                        left_alone: outcome.delete.same_name_job_left_alone.is_some(),
                    },
                    Err(CancelAndDeleteError::Delete(error)) => {
                        failed(error.category(), &error, delete_failure(&error))
                    }
                    Err(CancelAndDeleteError::Cancel(error)) => {
                        failed(error.category(), &error, cancel_failure(&error))
                    }
                    Err(error) => failed(error.category(), &error, Failure::Other),
                }
            }
            Operation::WaitUntilCompleted => {
                let options = WaitOptions::default()
                    .with_delays(Duration::from_secs(60), Duration::from_secs(60));
                match job_ref
                    .wait_until(JobState::Completed, Duration::from_secs(600), Some(options))
                    .await
                {
                    Ok(job) => Outcome::Waited { state: job.state() },
                    Err(error @ WaitError::Gone { .. }) => {
                        failed(error.category(), &error, Failure::NotFound)
                    }
                    Err(error) => failed(error.category(), &error, Failure::Other),
                }
            }
        };
        let journal = emulator.journal();
        self.check(history, &actor.lock().unwrap(), &journal, &outcome)?;

        if history.then_delete {
            // The actor rests: the second call meets whatever has the name now.
            let start = {
                let mut actor = actor.lock().unwrap();
                actor.plan.clear();
                actor.applied.clear();
                emulator
                    .job_json(SUB, RG, &history.name)
                    .as_ref()
                    .and_then(marker_of)
            };
            emulator.clear_journal();
            let second = deleted(job_ref.safe_delete(Some(delete_options())).await);
            let journal = emulator.journal();
            self.check_deletes(history, &actor.lock().unwrap(), &journal, start)?;
            self.check_delete_outcome(history, &journal, &second)?;
        }
        self.check_archive_files(history)
    }

    fn check(
        &self,
        history: &History,
        actor: &Actor,
        journal: &[JournalEntry],
        outcome: &Outcome,
    ) -> Result<(), String> {
        self.check_deletes(history, actor, journal, Some(0))?;
        let now = self.emulator.job_json(SUB, RG, &history.name);
        let marker_now = now.as_ref().and_then(marker_of);
        let writes = |method: &str| journal.iter().filter(|e| e.method == method).count();
        if writes("PATCH") > MAX_ATTEMPTS as usize || writes("DELETE") > MAX_ATTEMPTS as usize {
            return Err(format!("over budget: {journal:?}"));
        }
        match outcome {
            Outcome::Cancelled {
                cancel_requested,
                marker,
            } => {
                // The job the SDK checked: the one its first successful read showed.
                let checked = journal
                    .iter()
                    .position(|e| e.kind == RequestKind::GetJob && e.status == 200)
                    .and_then(|index| actor.marker_at(index, Some(0)));
                if !cancel_requested || history.system_data && *marker != checked {
                    return Err(format!(
                        "cancel success not shown for job {checked:?}: {outcome:?}"
                    ));
                }
                if let Some(job) = now.as_ref().filter(|_| marker_now == checked) {
                    if job["properties"]["cancelRequested"] != json!(true) {
                        return Err(format!("reported cancelled, but the service has {job}"));
                    }
                }
            }
            Outcome::Deleted { .. } => self.check_delete_outcome(history, journal, outcome)?,
            Outcome::Waited { state } => {
                let state_now = now.as_ref().and_then(|j| j["properties"]["state"].as_str());
                if *state != JobState::Completed || state_now != Some("Completed") {
                    return Err(format!(
                        "waited to {state:?}, the service has {state_now:?}"
                    ));
                }
            }
            Outcome::Failed {
                category,
                detail,
                kind,
            } => {
                check_failure(history, journal, now.as_ref(), *category, detail, kind)?;
            }
        }
        Ok(())
    }

    /// Invariant 1: every DELETE reaches the incarnation that the SDK's latest read
    /// before it showed, retries reach the same one as the first DELETE, and an applied
    /// DELETE follows an archive of that incarnation. `start`: the incarnation live when
    /// the journal begins.
    fn check_deletes(
        &self,
        history: &History,
        actor: &Actor,
        journal: &[JournalEntry],
        start: Option<u64>,
    ) -> Result<(), String> {
        let archived = self.archived_markers(history)?;
        let mut last_read: Option<Option<u64>> = None;
        let mut first_delete: Option<Option<u64>> = None;
        for (index, entry) in journal.iter().enumerate() {
            let live = actor.marker_at(index, start);
            match entry.kind {
                RequestKind::GetJob if entry.status == 200 => last_read = Some(live),
                RequestKind::DeleteJob if live.is_some() => {
                    if last_read != Some(live) {
                        return Err(format!(
                            "DELETE #{index} reached job {live:?}, the last read showed {last_read:?}"
                        ));
                    }
                    if *first_delete.get_or_insert(live) != live {
                        return Err(format!(
                            "DELETE #{index} reached job {live:?}, the first DELETE {first_delete:?}"
                        ));
                    }
                    if entry.applied && !live.is_some_and(|m| archived.contains(&m)) {
                        return Err(format!("job {live:?} was deleted unarchived"));
                    }
                }
                _ => {}
            }
        }
        if history.system_data && history.operation == Operation::CancelAndDelete {
            let checked = journal
                .iter()
                .position(|e| e.kind == RequestKind::GetJob && e.status == 200)
                .map(|index| actor.marker_at(index, start));
            if let (Some(checked), Some(deleted)) = (checked, first_delete) {
                if checked != deleted {
                    return Err(format!(
                        "cancelled job {checked:?}, deleted job {deleted:?}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The markers of every job archived under the history's name.
    fn archived_markers(&self, history: &History) -> Result<Vec<u64>, String> {
        let versions = FsArchive::new(&self.archive_root)
            .versions(SUB, RG, &history.name)
            .map_err(|e| e.to_string())?;
        Ok(versions
            .iter()
            .filter_map(|path| serde_json::from_slice::<Value>(&std::fs::read(path).ok()?).ok())
            .filter_map(|job| marker_of(&job))
            .collect())
    }

    fn check_delete_outcome(
        &self,
        history: &History,
        journal: &[JournalEntry],
        outcome: &Outcome,
    ) -> Result<(), String> {
        let now = self.emulator.job_json(SUB, RG, &history.name);
        match outcome {
            Outcome::Deleted {
                archived_to,
                left_alone,
            } => {
                if let (Some(job), false) = (&now, left_alone) {
                    return Err(format!("reported deleted, but the service still has {job}"));
                }
                if let Some(path) = archived_to {
                    if !Path::new(path).exists() {
                        return Err(format!("reported archive {path} does not exist"));
                    }
                }
                Ok(())
            }
            Outcome::Failed {
                category,
                detail,
                kind,
            } => check_failure(history, journal, now.as_ref(), *category, detail, kind),
            other => Err(format!("unexpected outcome {other:?}")),
        }
    }

    /// Invariant 2: archive files are never overwritten or lost.
    fn check_archive_files(&mut self, history: &History) -> Result<(), String> {
        let archive = FsArchive::new(&self.archive_root);
        for path in archive
            .versions(SUB, RG, &history.name)
            .map_err(|e| e.to_string())?
        {
            let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
            let digest = hex::encode(&Sha256::digest(&bytes)[..8]);
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if !name.ends_with(&format!("_{digest}.json")) {
                return Err(format!("{name} does not hold the bytes its name hashes"));
            }
            if let Some(before) = self.files.insert(path.clone(), bytes.clone()) {
                if before != bytes {
                    return Err(format!("{} was overwritten", path.display()));
                }
            }
        }
        Ok(())
    }

    fn check_all_files_kept(&self) -> Result<(), String> {
        for (path, bytes) in &self.files {
            match std::fs::read(path) {
                Ok(now) if &now == bytes => {}
                _ => return Err(format!("{} was changed or lost", path.display())),
            }
        }
        Ok(())
    }
}

fn deleted(result: Result<azure_importexport::DeleteOutcome, DeleteError>) -> Outcome {
    match result {
        Ok(outcome) => Outcome::Deleted {
            archived_to: outcome.archived_to,
            left_alone: outcome.same_name_job_left_alone.is_some(),
        },
        Err(error) => failed(error.category(), &error, delete_failure(&error)),
    }
}

/// Invariants 4 and 5 for a failed call.
fn check_failure(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_actors_never_lose_a_record() {
    let seed = env_u64("CONCURRENT_ACTORS_SEED").unwrap_or(DEFAULT_SEED);
    let histories = env_u64("CONCURRENT_ACTORS_HISTORIES").unwrap_or(DEFAULT_HISTORIES);
    let only = env_u64("CONCURRENT_ACTORS_REPLAY");
    let archive_dir = tempfile::tempdir().unwrap();
    let emulator = Emulator::start().await;
    let current_actor: Arc<Mutex<Option<Arc<Mutex<Actor>>>>> = Arc::default();
    let clock = TestClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let on_pause = current_actor.clone();
    clock.on_sleep(move |_| {
        if let Some(actor) = on_pause.lock().unwrap().as_ref() {
            let mut actor = actor.lock().unwrap();
            actor.pauses += 1;
            let n = actor.pauses;
            actor.on(Trigger::Pause(n));
        }
    });
    let mut run = Run {
        sdk: client(&emulator.uri(), clock, policy(), None),
        current_actor,
        emulator,
        archive_root: archive_dir.path().to_owned(),
        files: BTreeMap::new(),
    };
    let mut operations: BTreeMap<String, u32> = BTreeMap::new();
    for index in (0..histories).filter(|i| only.is_none_or(|only| only == *i)) {
        let history = History::generate(seed, index);
        *operations
            .entry(format!("{:?}", history.operation))
            .or_default() += 1;
        if let Err(problem) = run.history(&history).await {
            panic!(
                "history {index} broke an invariant: {problem}\n{history:#?}\nreplay: CONCURRENT_ACTORS_SEED={seed} CONCURRENT_ACTORS_REPLAY={index} cargo test -p reliability_tests --test concurrent_actors"
            );
        }
    }
    run.check_all_files_kept().unwrap();
    eprintln!(
        "{} histories, seed {seed:#x}: {operations:?}; {} archive files kept",
        operations.values().sum::<u32>(),
        run.files.len()
    );
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}
