//! The retry budget against the emulator: `Retry-After` and its cap, the time budget,
//! exponential backoff with full jitter, one retry layer only, and the exact window in
//! which a cancel PATCH can reach a job that is already past `Transferring`.

use azure_core::http::{ClientOptions, FixedRetryOptions, RetryOptions};
use azure_importexport::{
    CancelError, GiveUpReason, ImportExport, ImportExportOptions, JobState, NoJitter, RequestError,
    RetryPolicy, SeededJitter, StaticTokenCredential,
};
use azure_importexport_emulator::{
    Emulator, EmulatorConfig, Fault, FaultRule, RequestKind, Schedule,
};
use reliability_tests::{RG, SUB, TestClock, client, job_body};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const JOB: &str = "job-a";
const DAY: Duration = Duration::from_secs(24 * 3600);

fn wall_start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

async fn emulator_with_job(state: &str) -> Emulator {
    let emulator = Emulator::start().await;
    emulator.insert_job(SUB, RG, JOB, job_body(JOB, state));
    emulator
}

fn count(emulator: &Emulator, method: &str) -> usize {
    emulator
        .journal()
        .iter()
        .filter(|entry| entry.method == method)
        .count()
}

fn client_with_jitter(
    emulator: &Emulator,
    clock: TestClock,
    retry: RetryPolicy,
    seeded: bool,
) -> ImportExport {
    let options = ImportExportOptions::default()
        .with_endpoint(emulator.uri())
        .with_retry(retry)
        .with_clock(clock);
    let options = if seeded {
        options.with_jitter(SeededJitter::new(7))
    } else {
        options.with_jitter(NoJitter)
    };
    ImportExport::new(
        SUB,
        Arc::new(StaticTokenCredential::new("t")),
        Some(options),
    )
    .expect("client")
}

/// A `Retry-After` longer than `max_retry_after` is capped (default 60 s).
#[tokio::test]
async fn retry_after_is_capped_at_max_retry_after() {
    let emulator = emulator_with_job("Shipping").await;
    emulator.inject(FaultRule::new(
        RequestKind::GetJob,
        1,
        Fault::throttled("3600"),
    ));
    let clock = TestClock::new(wall_start());
    let client = client(&emulator.uri(), clock.clone(), RetryPolicy::default(), None);
    client
        .job(RG, JOB)
        .get(None)
        .await
        .expect("the second attempt succeeds");
    assert_eq!(clock.sleeps(), [Duration::from_secs(60)]);
    assert_eq!(
        RetryPolicy::default().max_retry_after,
        Duration::from_secs(60)
    );
}

/// A server-requested delay that would end past `max_elapsed` is not slept: the call
/// gives up at once with the reason.
#[tokio::test]
async fn retry_after_beyond_the_time_budget_gives_up_without_sleeping() {
    let emulator = emulator_with_job("Shipping").await;
    emulator.inject(FaultRule::new(
        RequestKind::GetJob,
        1,
        Fault::throttled("45"),
    ));
    let clock = TestClock::new(wall_start());
    let retry = RetryPolicy::default().with_max_elapsed(Duration::from_secs(30));
    let client = client(&emulator.uri(), clock.clone(), retry, None);
    let error = client
        .job(RG, JOB)
        .get(None)
        .await
        .expect_err("over budget");
    match error {
        RequestError::GaveUp {
            attempts: 1,
            reason:
                GiveUpReason::TimeBudgetExhausted {
                    max_elapsed,
                    next_delay,
                },
            ..
        } => {
            assert_eq!(max_elapsed, Duration::from_secs(30));
            assert_eq!(next_delay, Duration::from_secs(45));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(clock.sleeps().is_empty());
}

/// Without jitter the backoff doubles from `initial_delay` up to `max_delay`; with the
/// default full jitter every delay is drawn from `[0, that ceiling]`.
#[tokio::test]
async fn backoff_is_exponential_with_full_jitter() {
    let retry = RetryPolicy::default()
        .with_max_attempts(8)
        .with_backoff(Duration::from_millis(100), Duration::from_millis(400))
        .with_max_elapsed(Duration::from_secs(3600));
    let ceilings: Vec<Duration> = [100, 200, 400, 400, 400, 400, 400]
        .into_iter()
        .map(Duration::from_millis)
        .collect();

    let emulator = emulator_with_job("Shipping").await;
    emulator.inject(FaultRule::new(RequestKind::GetJob, 100, Fault::status(503)));
    let clock = TestClock::new(wall_start());
    let plain = client_with_jitter(&emulator, clock.clone(), retry.clone(), false);
    assert!(plain.job(RG, JOB).get(None).await.is_err());
    assert_eq!(clock.sleeps(), ceilings);
    assert_eq!(count(&emulator, "GET"), 8);

    let mut jittered_delays = Vec::new();
    for _ in 0..5 {
        let emulator = emulator_with_job("Shipping").await;
        emulator.inject(FaultRule::new(RequestKind::GetJob, 100, Fault::status(503)));
        let clock = TestClock::new(wall_start());
        let jittered = client_with_jitter(&emulator, clock.clone(), retry.clone(), true);
        assert!(jittered.job(RG, JOB).get(None).await.is_err());
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), ceilings.len());
        for (delay, ceiling) in sleeps.iter().zip(&ceilings) {
            assert!(delay <= ceiling, "{delay:?} > {ceiling:?}");
        }
        jittered_delays.extend(sleeps);
    }
    // Full jitter: delays spread over [0, ceiling], not pinned to it.
    assert!(
        jittered_delays
            .iter()
            .any(|d| *d < Duration::from_millis(50)),
        "{jittered_delays:?}"
    );
    assert!(
        jittered_delays
            .iter()
            .any(|d| *d > Duration::from_millis(200))
    );
}

/// A client built with azure_core's own retry switched on (8 retries) still sends exactly
/// `max_attempts` requests: `ImportExport::new` replaces it with `RetryOptions::none()`.
#[tokio::test]
async fn azure_core_retry_is_disabled_so_attempts_never_multiply() {
    let emulator = emulator_with_job("Shipping").await;
    emulator.inject(FaultRule::new(RequestKind::Any, 1000, Fault::status(503)));
    let client_options = ClientOptions {
        retry: RetryOptions::fixed(FixedRetryOptions {
            delay: azure_core::time::Duration::milliseconds(1),
            max_retries: 8,
            max_total_elapsed: azure_core::time::Duration::seconds(30),
        }),
        ..ClientOptions::default()
    };
    let options = ImportExportOptions {
        client_options,
        ..ImportExportOptions::default()
    }
    .with_endpoint(emulator.uri())
    .with_retry(RetryPolicy::default().with_max_attempts(3))
    .with_clock(TestClock::new(wall_start()));
    let client = ImportExport::new(
        SUB,
        Arc::new(StaticTokenCredential::new("t")),
        Some(options),
    )
    .expect("client");

    let error = client
        .job(RG, JOB)
        .get(None)
        .await
        .expect_err("503 forever");
    assert!(
        matches!(error, RequestError::GaveUp { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(count(&emulator, "GET"), 3, "one retry layer only");
}

/// `max_attempts` bounds the PATCHes of a cancel, the first included, whatever fails
/// underneath (ambiguous 5xx, each followed by a re-read).
#[tokio::test]
async fn max_attempts_bounds_the_patches_of_a_cancel() {
    for max_attempts in [1, 2, 5] {
        let emulator = emulator_with_job("Received").await;
        emulator.inject(FaultRule::new(
            RequestKind::UpdateJob,
            1000,
            Fault::status(503),
        ));
        let clock = TestClock::new(wall_start());
        let retry = RetryPolicy::default().with_max_attempts(max_attempts);
        let client = client(&emulator.uri(), clock, retry, None);
        let error = client
            .job(RG, JOB)
            .cancel(None)
            .await
            .expect_err("503 forever");
        assert!(
            matches!(error, CancelError::Request(RequestError::GaveUp { attempts, .. }) if attempts == max_attempts),
            "{error:?}"
        );
        assert_eq!(count(&emulator, "PATCH"), max_attempts as usize);
    }
}

/// The job moves on to `Packaging` while the SDK waits out a 429. The job is re-read
/// before the PATCH is sent again (a throttled request was not processed, but the job
/// may have moved on, or its name been reused), so no PATCH reaches the `Packaging` job:
/// the cancel is refused by state, and nothing is reported as cancelled.
#[tokio::test]
async fn a_throttled_cancel_that_meets_packaging_is_refused_by_the_re_read() {
    let emulator = Emulator::start_with(EmulatorConfig {
        schedule: Schedule::default(),
        ..EmulatorConfig::default()
    })
    .await;
    emulator.insert_job(SUB, RG, JOB, job_body(JOB, "Transferring"));
    // Two seconds before the job moves to Packaging.
    emulator.advance(DAY - Duration::from_secs(2));
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::throttled("5"),
    ));
    let clock = TestClock::new(wall_start());
    let linked = emulator.clone();
    clock.on_sleep(move |by| linked.advance(by));
    let client = client(&emulator.uri(), clock, RetryPolicy::default(), None);

    let error = client
        .job(RG, JOB)
        .cancel(None)
        .await
        .expect_err("too late by then");
    match &error {
        CancelError::TooLate {
            state,
            patch_attempts,
            ..
        } => {
            assert_eq!(state, &JobState::Packaging);
            assert_eq!(*patch_attempts, 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    let patches: Vec<_> = emulator
        .journal()
        .into_iter()
        .filter(|e| e.method == "PATCH")
        .map(|e| (e.status, e.state_before))
        .collect();
    assert_eq!(patches, [(429, Some("Transferring".to_owned()))]);
    assert_eq!(
        emulator.job_json(SUB, RG, JOB).unwrap()["properties"]["cancelRequested"],
        json!(false)
    );
}

/// The same race after an ambiguous failure (a 503: the PATCH may have been applied)
/// never reaches the service: the job is re-read first, and `Packaging` is too late.
#[tokio::test]
async fn an_ambiguous_cancel_failure_rereads_and_sends_no_patch_at_packaging() {
    let emulator = Emulator::start().await;
    emulator.insert_job(SUB, RG, JOB, job_body(JOB, "Transferring"));
    emulator.advance(DAY - Duration::from_secs(2));
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::status(503),
    ));
    let clock = TestClock::new(wall_start());
    let linked = emulator.clone();
    clock.on_sleep(move |by| linked.advance(by + Duration::from_secs(5)));
    let client = client(&emulator.uri(), clock, RetryPolicy::default(), None);

    let error = client
        .job(RG, JOB)
        .cancel(None)
        .await
        .expect_err("too late by then");
    assert!(
        matches!(
            error,
            CancelError::TooLate {
                patch_attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(count(&emulator, "PATCH"), 1);
}

/// An already-requested cancel is a success without any PATCH (idempotent).
#[tokio::test]
async fn an_already_requested_cancel_sends_no_patch() {
    let emulator = Emulator::start().await;
    let mut job = job_body(JOB, "Received");
    job["properties"]["cancelRequested"] = json!(true);
    emulator.insert_job(SUB, RG, JOB, job);
    let client = client(
        &emulator.uri(),
        TestClock::new(wall_start()),
        RetryPolicy::default(),
        None,
    );
    let outcome = client.job(RG, JOB).cancel(None).await.expect("idempotent");
    assert!(outcome.already_requested && outcome.patch_attempts == 0);
    assert_eq!(count(&emulator, "PATCH"), 0);
}
