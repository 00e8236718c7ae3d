//! Issue 10's model test: the SDK's `cancel`, `safe_delete` (with an archive),
//! `cancel_and_delete` and `wait_until` against the emulator while a second actor works
//! on the same names, and the service and the network fail in every way the contract
//! allows.
//!
//! Each history seeds one job (any state, with or without `systemData`), injects a few
//! faults (applied-then-500/502/504, applied-then-202/204, 500/503 not applied, 429 with
//! `Retry-After`, an unreadable 200; through a proxy, a connection reset after the
//! request was sent, a body cut short after the request was applied; rarely a reply
//! held past the attempt timeout), and plans the second actor's moves: at the SDK's
//! n-th pause (a backoff sleep or a poll delay, on the virtual clock), after an archive
//! write, or right before a PATCH or DELETE reaches the service, the actor re-creates
//! the name (a new incarnation), deletes the job, or moves it on; and often, right
//! after a DELETE of the SDK was applied, it re-creates the name (without `systemData`,
//! with the very bytes of the job just deleted). Then one SDK
//! operation runs, and optionally a `safe_delete` of whatever has the name afterwards.
//!
//! Before a write the actor only moves the job on or deletes it: between the SDK's last
//! read and its write the API offers no condition to send (no ETag), and no client can
//! keep a re-created name out of that window.
//!
//! Every outcome is judged from evidence the test gathers itself: what the SDK saw of
//! each attempt (a per-try policy), what the emulator did (its journal), which fault
//! each request met, and which incarnation each reached (the actor's log and the DELETEs
//! the service applied). Invariants (in `checks.rs` and `evidence.rs`):
//! 1. Every PATCH and DELETE of one call follows a read showing a state that allows it,
//!    and reaches the incarnation of the call's first readable GET (or nothing); every
//!    applied DELETE reaches an archived incarnation; at most `max_attempts` of each.
//! 2. No archive file is ever overwritten or lost (every file keeps its bytes to the
//!    end of the run, and its name's hash is the hash of its bytes).
//! 3. Every reported success is true: the job the call checked was cancelled (a PATCH
//!    of the call reached it) or is gone (and archived); a job reported left alone is
//!    there and is another incarnation; who removed the job is told truly.
//! 4. Every error variant has its documented category, and happened: a refusal names a
//!    state that forbids that operation and the state the SDK last read (with no write
//!    sent unless one failed first), `NotFound` follows a 404 the actor's log explains,
//!    `GaveUp` follows `max_attempts` transient failures, a wait ends only by its
//!    deadline, a 404 or an unreachable state.
//! 5. An undisturbed call (no move of the actor, faults the retries absorb) has the one
//!    outcome its initial state allows; a write refused with 409 whose re-read shows
//!    the same job is `RefusedByState`.
//!
//! `CONCURRENT_ACTORS_SEED` and `CONCURRENT_ACTORS_HISTORIES` change the run (default:
//! a fixed seed, 2,000 histories); a failure prints the line that replays it alone
//! (`CONCURRENT_ACTORS_REPLAY=<history>`); `CONCURRENT_ACTORS_KEEP_GOING=1` lists every
//! failing history instead of stopping at the first. Each history gets a fresh emulator, its own
//! jitter seed and a clock past any pause of the one before, so a replay is exact; the
//! full run checks that by running a sample of histories a second time.

mod actor;
mod checks;
mod evidence;
mod history;
mod outcome;
mod run;
mod wire;

use azure_core::http::ClientOptions;
use azure_importexport::{
    ImportExport, ImportExportOptions, Jitter, RetryPolicy, SeededJitter, StaticTokenCredential,
};
use azure_importexport_emulator::{Emulator, EmulatorConfig};
use history::History;
use reliability_tests::{FaultProxy, SUB, TOKEN, TestClock, env_u64};
use run::{CurrentActor, Run};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use wire::WireLog;
use wiremock::MockServer;

const DEFAULT_SEED: u64 = 0x00AC_7025_2026_0010;
const DEFAULT_HISTORIES: u64 = 2_000;
pub(crate) const MAX_ATTEMPTS: u32 = 3;
/// The attempt timeout of histories with a delayed reply (real time: it guards I/O).
pub(crate) const SHORT_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(100);
/// One history in this many is run a second time to prove the replay exact.
const REPLAY_SAMPLE: u64 = 97;

/// The retry policy of every call; a short attempt timeout where a reply is delayed.
pub(crate) fn policy(short_timeout: bool) -> RetryPolicy {
    let timeout = if short_timeout {
        SHORT_ATTEMPT_TIMEOUT
    } else {
        Duration::from_secs(10)
    };
    RetryPolicy::default()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
        .with_attempt_timeout(timeout)
}

/// A seeded jitter shared by the run's clients, reseeded for each history.
#[derive(Clone, Debug)]
pub(crate) struct ReseedableJitter(Arc<Mutex<SeededJitter>>);

impl ReseedableJitter {
    fn reseed(&self, seed: u64) {
        *self.0.lock().unwrap() = SeededJitter::new(seed);
    }
}

impl Jitter for ReseedableJitter {
    fn sample(&self, max: Duration) -> Duration {
        self.0.lock().unwrap().sample(max)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_actors_never_lose_a_record() {
    let seed = env_u64("CONCURRENT_ACTORS_SEED").unwrap_or(DEFAULT_SEED);
    let histories = env_u64("CONCURRENT_ACTORS_HISTORIES").unwrap_or(DEFAULT_HISTORIES);
    let only = env_u64("CONCURRENT_ACTORS_REPLAY");
    // Triage: run every history and list each one that fails, instead of the first.
    let keep_going = std::env::var_os("CONCURRENT_ACTORS_KEEP_GOING").is_some();
    let mut failures = Vec::new();
    let archive_dir = tempfile::tempdir().unwrap();
    let mut run = start(seed, archive_dir.path().to_owned()).await;
    let replay = |index: u64| {
        format!(
            "replay: CONCURRENT_ACTORS_SEED={seed:#x} CONCURRENT_ACTORS_REPLAY={index} cargo test -p reliability_tests --test concurrent_actors"
        )
    };
    let mut operations: BTreeMap<String, u32> = BTreeMap::new();
    let mut traces = BTreeMap::new();
    for index in (0..histories).filter(|i| only.is_none_or(|only| only == *i)) {
        let history = History::generate(seed, index);
        *operations
            .entry(format!("{:?}", history.operation))
            .or_default() += 1;
        match run.history(&history).await {
            Ok(trace) if index % REPLAY_SAMPLE == 0 && !history.has_timeouts() => {
                traces.insert(index, trace);
            }
            Ok(_) => {}
            Err(problem) if keep_going => {
                let first = problem.lines().next().unwrap_or_default().to_owned();
                failures.push(format!("history {index}: {first}"));
            }
            Err(problem) => panic!(
                "history {index} broke an invariant: {problem}\n{history:#?}\n{}",
                replay(index)
            ),
        }
    }
    eprintln!(
        "{} histories, seed {seed:#x}: {operations:?}; {} archive files kept; {} to replay; {:#?}",
        operations.values().sum::<u32>(),
        run.files.len(),
        traces.len(),
        run.tally.lock().unwrap()
    );
    assert!(
        failures.is_empty(),
        "{} histories broke an invariant (replay each with CONCURRENT_ACTORS_REPLAY):\n{}",
        failures.len(),
        failures.join("\n")
    );
    run.check_all_files_kept().unwrap();
    // The histories run again, each alone after others: the same requests, answers and
    // outcomes, or a replay line would not reproduce what the full run saw.
    for (index, first) in &traces {
        let again = run.history(&History::generate(seed, *index)).await;
        if again.as_ref() != Ok(first) {
            panic!(
                "history {index} is not replayed exactly:\nfirst:  {first}\nsecond: {again:?}\n{}",
                replay(*index)
            );
        }
    }
}

/// One server (a fresh emulator is mounted per history), the proxy in front of it, and
/// the two clients, all on one virtual clock that moves the actor at every pause.
async fn start(seed: u64, archive_root: std::path::PathBuf) -> Run {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let emulator = Emulator::mount_on(&server, EmulatorConfig::default()).await;
    let proxy = FaultProxy::start(&server.uri()).await;
    let current_actor: CurrentActor = Arc::default();
    let clock = TestClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let on_pause = current_actor.clone();
    clock.on_sleep(move |_| {
        if let Some(actor) = on_pause.lock().unwrap().as_ref() {
            actor.lock().unwrap().on_pause();
        }
    });
    let on_request = current_actor.clone();
    let wire = WireLog::new(move |method| {
        if let Some(actor) = on_request.lock().unwrap().as_ref() {
            actor.lock().unwrap().on_request(method);
        }
    });
    let jitter = ReseedableJitter(Arc::new(Mutex::new(SeededJitter::new(seed))));
    let client = |endpoint: &str| {
        let mut client_options = ClientOptions::default();
        client_options.per_try_policies.push(wire.clone());
        let options = ImportExportOptions {
            client_options,
            ..ImportExportOptions::default()
        }
        .with_endpoint(endpoint)
        .with_retry(policy(false))
        .with_clock(clock.clone())
        .with_jitter(jitter.clone());
        let credential = Arc::new(StaticTokenCredential::new(TOKEN));
        ImportExport::new(SUB, credential, Some(options)).expect("a loopback endpoint is valid")
    };
    Run {
        seed,
        direct: client(&server.uri()),
        proxied: client(&proxy.uri()),
        server,
        emulator,
        proxy,
        wire,
        jitter,
        clock,
        current_actor,
        archive_root,
        files: BTreeMap::new(),
        tally: Mutex::default(),
    }
}
