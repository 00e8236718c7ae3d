//! 200 concurrent cancels of distinct jobs through one client, with about 20 % of the
//! requests throttled (429, `Retry-After: 1`): all complete, none exceeds its attempt
//! budget (PATCHes per job counted from the emulator's journal plus the throttled ones),
//! and the throughput is printed (`--nocapture`).
//!
//! Which requests are throttled is decided per request from a hash of (job, method,
//! attempt number), at most 3 times per operation (below the budget of 5), by a wiremock
//! mock that answers before the emulator. The emulator's own fault rules apply to "the next
//! N requests" in arrival order; with 200 tasks retrying instantly, arrival order can lock
//! step with the scheduler so that the same task is always the one throttled, and a rule
//! like "every fifth request" then exhausts one job's budget now and then: a flaky test,
//! not an SDK property.
//!
//! Backoff sleeps are instant ([`InstantClock`]: real elapsed time, sleeps only recorded).
//! A shared [`VirtualClock`](azure_importexport::VirtualClock) would not do here: its
//! virtual time is the sum of every task's sleeps, so 200 tasks would spend each other's
//! time budget.

use azure_importexport::{JobState, JobStateExt as _, RetryPolicy};
use azure_importexport_emulator::Emulator;
use reliability_tests::{InstantClock, RG, SUB, SharedClock, client, job_body};
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::{Mock, Request, ResponseTemplate};

/// Decides which requests are throttled, and records them.
#[derive(Debug, Default)]
struct Throttle {
    attempts: Mutex<HashMap<(String, String), u32>>,
    throttled: Mutex<Vec<(String, String)>>,
}

#[derive(Debug)]
struct ThrottleMatcher(Arc<Throttle>);

impl wiremock::Match for ThrottleMatcher {
    fn matches(&self, request: &Request) -> bool {
        let job = request
            .url
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let key = (job, request.method.to_string());
        let attempt = {
            let mut attempts = self.0.attempts.lock().expect("lock");
            let n = attempts.entry(key.clone()).or_default();
            *n += 1;
            *n
        };
        // SipHash with fixed keys: the same choice on every run.
        let mut hasher = DefaultHasher::new();
        (&key, attempt).hash(&mut hasher);
        let throttle = attempt <= 3 && hasher.finish() % 5 == 0;
        if throttle {
            self.0.throttled.lock().expect("lock").push(key);
        }
        throttle
    }
}

const JOBS: usize = 200;
const MAX_ATTEMPTS: u32 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_cancels_under_throttling() {
    let emulator = Emulator::start().await;
    let names: Vec<String> = (0..JOBS).map(|i| format!("job-{i:03}")).collect();
    for (i, name) in names.iter().enumerate() {
        let cancellable = &JobState::lifecycle()[..4];
        let state = cancellable[i % cancellable.len()].as_str();
        emulator.insert_job(SUB, RG, name, job_body(name, state));
    }
    let throttle = Arc::new(Throttle::default());
    Mock::given(ThrottleMatcher(throttle.clone()))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_raw(
                    r#"{"error":{"code":"TooManyRequests","message":"throttled"}}"#,
                    "application/json",
                ),
        )
        .with_priority(1)
        .mount(emulator.server().expect("the emulator owns its server"))
        .await;
    let clock = Arc::new(InstantClock::default());
    let retry = RetryPolicy::default().with_max_attempts(MAX_ATTEMPTS);
    let client = client(&emulator.uri(), SharedClock(clock.clone()), retry, None);

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for name in &names {
        let job = client.job(RG, name.clone());
        tasks.spawn(async move { (job.name().to_owned(), job.cancel(None).await) });
    }
    let mut outcomes = BTreeMap::new();
    // Bounded: one result per spawned task.
    while let Some(joined) = tasks.join_next().await {
        let (name, result) = joined.expect("no task panicked");
        outcomes.insert(name, result);
    }
    let elapsed = started.elapsed();

    let journal = emulator.journal();
    let throttled = throttle.throttled.lock().expect("lock").clone();
    let total = journal.len() + throttled.len();
    println!(
        "{JOBS} cancels, {total} requests ({} throttled, {:.0} %) in {:.3} s: {:.0} requests/s, {:.0} cancels/s",
        throttled.len(),
        100.0 * throttled.len() as f64 / total as f64,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        JOBS as f64 / elapsed.as_secs_f64()
    );

    assert_eq!(outcomes.len(), JOBS);
    let mut per_job: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let requests = journal
        .iter()
        .map(|e| {
            (
                e.path.rsplit('/').next().unwrap_or_default(),
                e.method.as_str(),
            )
        })
        .chain(
            throttled
                .iter()
                .map(|(job, method)| (job.as_str(), method.as_str())),
        );
    for (name, method) in requests {
        let counts = per_job.entry(name).or_default();
        match method {
            "GET" => counts.0 += 1,
            "PATCH" => counts.1 += 1,
            other => panic!("unexpected {other} for {name}"),
        }
    }
    for (name, result) in &outcomes {
        let outcome = result.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"));
        let (gets, patches) = per_job[name.as_str()];
        assert!(outcome.job.cancel_requested(), "{name}");
        assert_eq!(outcome.patch_attempts as usize, patches, "{name}");
        assert!(
            (1..=MAX_ATTEMPTS as usize).contains(&patches),
            "{name}: {patches} PATCHes"
        );
        assert!(gets <= MAX_ATTEMPTS as usize, "{name}: {gets} GETs");
        let stored = emulator.job_json(SUB, RG, name).expect("still there");
        assert_eq!(stored["properties"]["cancelRequested"], true, "{name}");
    }
    // About 20 % of the requests were throttled, each honoured with a 1 s (instant) sleep.
    let share = throttled.len() as f64 / total as f64;
    assert!((0.1..0.3).contains(&share), "{share}");
    // Each 429 is honoured by its caller's retry (a 1 s sleep); the client's ARM throttle
    // also holds every other request until that second has passed (one shared pause:
    // the instant clock's sleeps do not move time, so those waits are short and many).
    let sleeps = clock.sleeps();
    let retries = sleeps
        .iter()
        .filter(|d| **d == Duration::from_secs(1))
        .count();
    assert!(
        retries >= throttled.len(),
        "{retries} retries for {} 429s",
        throttled.len()
    );
    assert!(sleeps.iter().all(|d| *d <= Duration::from_secs(1)));
}
