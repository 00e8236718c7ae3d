//! One run: a history at a time, each against a fresh emulator on the same server, with
//! the client's jitter reseeded and its throttle's pauses long past, so that a history
//! replayed alone does exactly what it did in the full run.

use crate::actor::{Actor, ArchiveWithActor, marker_of, seeded_job};
use crate::checks::{Call, check};
use crate::history::{History, Operation, history_seed};
use crate::outcome::{Outcome, cancelled, cancelled_and_deleted, deleted, waited};
use crate::wire::{Rules, Seen, WireLog, join};
use crate::{ReseedableJitter, policy};
use azure_importexport::{
    CancelAndDeleteOptions, CancelOptions, DeleteOptions, FsArchive, ImportExport, JobRef,
    JobState, RetryPolicy, WaitOptions,
};
use azure_importexport_emulator::{Emulator, EmulatorConfig};
use reliability_tests::{FaultProxy, RG, SUB, TestClock};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::MockServer;

/// The actor of the history under way, moved by the client's pauses and requests.
pub(crate) type CurrentActor = Arc<Mutex<Option<Arc<Mutex<Actor>>>>>;

pub(crate) struct Run {
    pub(crate) seed: u64,
    /// The server every history's emulator is mounted on (one address for the run).
    pub(crate) server: MockServer,
    pub(crate) emulator: Emulator,
    /// In front of the server: drops connections for the histories that plan it.
    pub(crate) proxy: FaultProxy,
    /// Clients for the whole run (building one costs more than a history): one to the
    /// server, one through the proxy; both share the clock, the jitter and the log.
    pub(crate) direct: ImportExport,
    pub(crate) proxied: ImportExport,
    pub(crate) wire: Arc<WireLog>,
    pub(crate) jitter: ReseedableJitter,
    pub(crate) clock: TestClock,
    pub(crate) current_actor: CurrentActor,
    pub(crate) archive_root: PathBuf,
    /// Every archive file seen, with its bytes: none may change or vanish.
    pub(crate) files: BTreeMap<PathBuf, Vec<u8>>,
    /// How often each outcome, and each kind of event on the wire, was seen.
    pub(crate) tally: Mutex<BTreeMap<String, u32>>,
}

impl Run {
    /// Runs `history` and checks it; returns its trace (what was sent, seen and
    /// reported), the same whenever the history runs.
    pub(crate) async fn history(&mut self, history: &History) -> Result<String, String> {
        self.reset(history).await;
        let emulator = self.emulator.clone();
        let initial = seeded_job(&history.name, history.initial_state, history.system_data, 0);
        emulator.insert_job(SUB, RG, &history.name, initial);
        for fault in &history.faults {
            emulator.inject(fault.clone());
        }
        for drop in &history.drops {
            self.proxy.add_rule(drop.clone());
        }
        let mut rules = Rules {
            faults: history.faults.clone(),
            drops: history.drops.clone(),
        };
        let actor = Actor::new(
            emulator.clone(),
            &history.name,
            history.system_data,
            history.index,
        );
        let actor = Arc::new(Mutex::new(actor));
        actor.lock().unwrap().plan = history.moves.clone();
        *self.current_actor.lock().unwrap() = Some(actor.clone());
        let sdk = if history.drops.is_empty() {
            self.direct.clone()
        } else {
            self.proxied.clone()
        };
        let job_ref = sdk.job(RG, &history.name);
        let archive = Arc::new(ArchiveWithActor {
            inner: FsArchive::new(&self.archive_root),
            actor: actor.clone(),
        });
        let retry = policy(history.has_timeouts());
        let delete_options = || DeleteOptions {
            archive: Some(archive.clone()),
            retry: Some(retry.clone()),
            ..DeleteOptions::default()
        };

        let outcome = operate(&job_ref, history.operation, delete_options(), &retry).await;
        let mut trace = String::new();
        let state = Some(JobState::from(history.initial_state));
        let first = (history.operation, state, Some(0));
        let end = self.settle(history, first, &actor, &mut rules, &outcome, &mut trace)?;

        if history.then_delete {
            // The actor rests: the second call meets whatever has the name now.
            {
                let mut actor = actor.lock().unwrap();
                actor.plan.clear();
                actor.log.clear();
            }
            let state = emulator.job_state(SUB, RG, &history.name);
            emulator.clear_journal();
            let second = deleted(job_ref.safe_delete(Some(delete_options())).await);
            let call = (
                Operation::SafeDelete,
                state.as_deref().map(JobState::from),
                end,
            );
            self.settle(history, call, &actor, &mut rules, &second, &mut trace)?;
        }
        *self.current_actor.lock().unwrap() = None;
        self.check_archive_files(history)?;
        Ok(trace)
    }

    /// A fresh emulator on the same server, no proxy rule left, the jitter reseeded for
    /// this history, and the clock moved past any pause the client still keeps.
    async fn reset(&mut self, history: &History) {
        self.server.reset().await;
        self.emulator = Emulator::mount_on(&self.server, EmulatorConfig::default()).await;
        self.proxy.clear_rules();
        self.wire.take();
        self.jitter.reseed(history_seed(self.seed, history.index));
        self.clock
            .virtual_clock()
            .advance(Duration::from_secs(3600));
    }

    /// Joins what the call sent with what the emulator did, checks the invariants and
    /// appends the call to `trace`; returns the incarnation live at the end.
    fn settle(
        &self,
        history: &History,
        (operation, initial, start): (Operation, Option<JobState>, Option<u64>),
        actor: &Arc<Mutex<Actor>>,
        rules: &mut Rules,
        outcome: &Outcome,
        trace: &mut String,
    ) -> Result<Option<u64>, String> {
        let tries = self.wire.take();
        let journal = self.emulator.journal();
        let actor = actor.lock().unwrap();
        let (wire, end) = join(&tries, &journal, rules, &actor, start)?;
        let now = self.emulator.job_json(SUB, RG, &history.name);
        let now_marker = now.as_ref().and_then(marker_of);
        if now_marker != end.map(|id| actor.body_marker(id)) {
            return Err(format!(
                "harness: the service has marker {now_marker:?}, the logs say job {end:?}"
            ));
        }
        let archived = self.archived_markers(history)?;
        let call = Call {
            history,
            operation,
            initial,
            wire: &wire,
            actor: &actor,
            end,
            now,
            archived: &archived,
        };
        let _ = writeln!(trace, "{operation:?}: {wire:?} -> {outcome:?}");
        let undisturbed = check(&call, outcome).map_err(|problem| {
            format!(
                "{operation:?}: {problem}\noutcome: {outcome:#?}\nwire (start {start:?}): {wire:#?}\nactor: {:?}",
                actor.log
            )
        })?;
        let mut events = vec![format!("outcome {}", outcome.kind())];
        if undisturbed {
            events.push("undisturbed call, one outcome expected".into());
        }
        for w in &wire {
            let event = match (w.seen, w.reached) {
                (Seen::TimedOut, _) => "attempt timed out",
                (Seen::Lost, false) => "connection reset",
                (Seen::Lost, true) => "body cut short",
                (Seen::Answer(409), _) => "409",
                _ if w.garbled => "garbled 200",
                _ => continue,
            };
            events.push(format!("wire: {event}"));
        }
        for (_, effect) in &actor.log {
            events.push(
                format!("actor: {effect:?}")
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        let mut tally = self.tally.lock().unwrap();
        for event in events {
            *tally.entry(event).or_default() += 1;
        }
        Ok(end)
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

    /// No archive file is ever overwritten or lost, and each holds the bytes its name hashes.
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

    pub(crate) fn check_all_files_kept(&self) -> Result<(), String> {
        for (path, bytes) in &self.files {
            match std::fs::read(path) {
                Ok(now) if &now == bytes => {}
                _ => return Err(format!("{} was changed or lost", path.display())),
            }
        }
        Ok(())
    }
}

/// Runs the history's SDK operation (every wait polls once a virtual minute, for ten).
async fn operate(
    job_ref: &JobRef,
    operation: Operation,
    delete: DeleteOptions<'static>,
    retry: &RetryPolicy,
) -> Outcome {
    let wait = WaitOptions {
        retry: Some(retry.clone()),
        ..WaitOptions::default().with_delays(Duration::from_secs(60), Duration::from_secs(60))
    };
    let cancel = CancelOptions {
        retry: Some(retry.clone()),
        ..CancelOptions::default()
    };
    let deadline = Duration::from_secs(600);
    match operation {
        Operation::Cancel => cancelled(job_ref.cancel(Some(cancel)).await),
        Operation::SafeDelete => deleted(job_ref.safe_delete(Some(delete)).await),
        Operation::CancelAndDelete => {
            let options = CancelAndDeleteOptions {
                cancel,
                wait,
                delete,
                ..CancelAndDeleteOptions::default()
            };
            cancelled_and_deleted(job_ref.cancel_and_delete(deadline, Some(options)).await)
        }
        Operation::WaitUntilCompleted => waited(
            job_ref
                .wait_until(JobState::Completed, deadline, Some(wait))
                .await,
        ),
    }
}
