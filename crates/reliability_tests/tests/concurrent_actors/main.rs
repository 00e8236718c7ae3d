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

mod actor;
mod history;
mod outcome;
mod run;

use actor::Actor;
use azure_importexport::RetryPolicy;
use azure_importexport_emulator::Emulator;
use history::{History, Trigger};
use reliability_tests::{TestClock, client};
use run::Run;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const DEFAULT_SEED: u64 = 0x00AC_7025_2026_0010;
const DEFAULT_HISTORIES: u64 = 2_000;
pub(crate) const MAX_ATTEMPTS: u32 = 3;
fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
        .with_attempt_timeout(Duration::from_secs(10))
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
