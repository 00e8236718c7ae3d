use crate::common::*;
use azure_importexport::CategorizedError as _;
use azure_importexport::{
    CancelError, CancelOptions, ErrorCategory, GiveUpReason, JobState, RequestError, VirtualClock,
};
use serde_json::json;
use std::time::{Duration, SystemTime};
use wiremock::ResponseTemplate;
use wiremock::http::Method;
use wiremock::matchers::body_json;

const EXACT_BODY: &[u8] = br#"{"properties":{"cancelRequested":true}}"#;

async fn cancel(env: &Env) -> Result<azure_importexport::CancelOutcome, CancelError> {
    env.job().cancel(None).await
}

#[tokio::test]
async fn cancel_sends_exactly_the_cancel_body_once() {
    let env = env().await;
    env.on_job("GET", ok_job("Transferring", false)).await;
    on("PATCH", &job_path())
        .and(body_json(json!({"properties": {"cancelRequested": true}})))
        .respond_with(ok_job("Transferring", true))
        .expect(1)
        .mount(&env.server)
        .await;

    let outcome = cancel(&env).await.unwrap();

    assert_eq!(outcome.state_at_request, JobState::Transferring);
    assert!(outcome.data_may_still_transfer);
    assert!(!outcome.already_requested);
    assert_eq!(outcome.patch_attempts, 1);
    assert!(outcome.job.cancel_requested());
    let patches = env.requests(Method::PATCH).await;
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].body, EXACT_BODY);
    assert_eq!(
        patches[0].headers.get("content-type").unwrap(),
        "application/json"
    );
    assert!(env.clock.sleeps().is_empty());

    let printed = serde_json::to_value(&outcome).unwrap();
    assert_eq!(printed["stateAtRequest"], "Transferring");
    assert_eq!(printed["dataMayStillTransfer"], true);
    assert_eq!(printed["alreadyRequested"], false);
    assert_eq!(printed["patchAttempts"], 1);
}

#[tokio::test]
async fn cancel_before_transferring_is_not_best_effort() {
    let env = env().await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    env.on_job("PATCH", ok_job("Shipping", true)).await;
    let outcome = cancel(&env).await.unwrap();
    assert_eq!(outcome.state_at_request, JobState::Shipping);
    assert!(!outcome.data_may_still_transfer);
}

#[tokio::test]
async fn already_requested_cancel_sends_no_patch() {
    let env = env().await;
    env.on_job("GET", ok_job("Received", true)).await;
    env.on_job("PATCH", ok_job("Received", true)).await;

    let outcome = cancel(&env).await.unwrap();

    assert!(outcome.already_requested);
    assert_eq!(outcome.patch_attempts, 0);
    assert_eq!(outcome.state_at_request, JobState::Received);
    assert_eq!(env.count(Method::PATCH).await, 0);
}

#[tokio::test]
async fn too_late_states_send_no_patch() {
    for state in [
        "Packaging",
        "Completed",
        "Closed",
        "Canceled",
        "SomethingNew",
    ] {
        let env = env().await;
        env.on_job("GET", ok_job(state, false)).await;
        env.on_job("PATCH", ok_job(state, true)).await;

        let error = cancel(&env).await.unwrap_err();

        match &error {
            CancelError::TooLate {
                state: seen,
                patch_attempts,
                ..
            } => {
                assert_eq!(seen, &JobState::from(state));
                assert_eq!(*patch_attempts, 0);
            }
            other => panic!("{state}: {other:?}"),
        }
        assert_eq!(error.category(), ErrorCategory::RefusedByState);
        let message = error.to_string();
        assert!(
            message.contains(state) && message.contains("no PATCH was sent"),
            "{message}"
        );
        assert_eq!(env.count(Method::PATCH).await, 0, "{state}");
    }
}

#[tokio::test]
async fn unknown_state_refusal_says_why() {
    let env = env().await;
    env.on_job("GET", ok_job("Archived", false)).await;
    let message = cancel(&env).await.unwrap_err().to_string();
    assert!(message.contains("cannot prove safe"), "{message}");
}

#[tokio::test]
async fn patch_500_that_was_applied_is_resolved_by_the_re_read() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Transferring", false),
            ok_job("Transferring", true),
        ]),
    )
    .await;
    env.on_job("PATCH", arm_error(500, "InternalError", "oops"))
        .await;

    let outcome = cancel(&env).await.unwrap();

    assert!(outcome.job.cancel_requested());
    assert!(!outcome.already_requested);
    assert_eq!(outcome.patch_attempts, 1);
    assert_eq!(env.count(Method::PATCH).await, 1, "no second PATCH");
    assert_eq!(env.count(Method::GET).await, 2);
}

#[tokio::test]
async fn ambiguous_failure_then_packaging_is_too_late() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Transferring", false),
            ok_job("Packaging", false),
        ]),
    )
    .await;
    env.on_job("PATCH", ResponseTemplate::new(504)).await;

    let error = cancel(&env).await.unwrap_err();

    match &error {
        CancelError::TooLate {
            state,
            patch_attempts,
            ..
        } => {
            assert_eq!(*state, JobState::Packaging);
            assert_eq!(*patch_attempts, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains("1 PATCH attempt(s) failed"),
        "{error}"
    );
    assert_eq!(env.count(Method::PATCH).await, 1);
}

#[tokio::test]
async fn ambiguous_failure_not_applied_is_retried_after_backoff() {
    let env = env().await;
    env.on_job("GET", ok_job("Received", false)).await;
    env.on_job(
        "PATCH",
        seq(vec![ResponseTemplate::new(502), ok_job("Received", true)]),
    )
    .await;

    let outcome = cancel(&env).await.unwrap();

    assert_eq!(outcome.patch_attempts, 2);
    assert_eq!(env.count(Method::PATCH).await, 2);
    // Initial look-up + one re-read after the ambiguous 502.
    assert_eq!(env.count(Method::GET).await, 2);
    assert_eq!(env.clock.sleeps(), vec![millis(100)]);
}

#[tokio::test]
async fn retry_after_seconds_is_honoured_and_the_job_is_re_read_before_the_retry() {
    let env = env().await;
    env.on_job("GET", ok_job("Creating", false)).await;
    env.on_job(
        "PATCH",
        seq(vec![
            arm_error(429, "TooManyRequests", "slow down").insert_header("retry-after", "7"),
            ok_job("Creating", true),
        ]),
    )
    .await;

    let outcome = cancel(&env).await.unwrap();

    assert_eq!(outcome.patch_attempts, 2);
    assert_eq!(env.clock.sleeps(), vec![secs(7)]);
    // Not applied, but the name may have been reused during the pause: re-read first.
    assert_eq!(env.count(Method::GET).await, 2);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let now = SystemTime::UNIX_EPOCH + secs(1_750_000_000);
    let env = env_with(test_policy(), VirtualClock::with_wall_clock(now)).await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    let date = httpdate::fmt_http_date(now + secs(20));
    env.on_job(
        "PATCH",
        seq(vec![
            ResponseTemplate::new(503).insert_header("retry-after", date.as_str()),
            ok_job("Shipping", true),
        ]),
    )
    .await;

    cancel(&env).await.unwrap();

    assert_eq!(env.clock.sleeps(), vec![secs(20)]);
    assert_eq!(env.count(Method::PATCH).await, 2);
}

#[tokio::test]
async fn retry_after_ms_headers_are_honoured() {
    let env = env().await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    env.on_job(
        "PATCH",
        seq(vec![
            ResponseTemplate::new(429).insert_header("retry-after-ms", "1500"),
            ResponseTemplate::new(429).insert_header("x-ms-retry-after-ms", "250"),
            ok_job("Shipping", true),
        ]),
    )
    .await;

    cancel(&env).await.unwrap();

    assert_eq!(env.clock.sleeps(), vec![millis(1500), millis(250)]);
}

#[tokio::test]
async fn retry_after_is_capped() {
    let policy = test_policy().with_max_retry_after(secs(30));
    let env = env_with(policy, VirtualClock::new()).await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    env.on_job(
        "PATCH",
        seq(vec![
            ResponseTemplate::new(429).insert_header("retry-after", "3600"),
            ok_job("Shipping", true),
        ]),
    )
    .await;

    cancel(&env).await.unwrap();

    assert_eq!(env.clock.sleeps(), vec![secs(30)]);
}

#[tokio::test]
async fn attempts_are_bounded_then_gave_up() {
    let env = env().await; // max_attempts = 3
    env.on_job("GET", ok_job("Transferring", false)).await;
    env.on_job("PATCH", arm_error(503, "ServerBusy", "busy"))
        .await;

    let error = cancel(&env).await.unwrap_err();

    assert_eq!(env.count(Method::PATCH).await, 3);
    assert_eq!(error.category(), ErrorCategory::GaveUp);
    match &error {
        CancelError::Request(RequestError::GaveUp {
            attempts,
            reason,
            last_failure,
            ..
        }) => {
            assert_eq!(*attempts, 3);
            assert_eq!(*reason, GiveUpReason::AttemptsExhausted { max_attempts: 3 });
            assert!(last_failure.contains("503") && last_failure.contains("ServerBusy"));
        }
        other => panic!("{other:?}"),
    }
    // Exponential backoff without jitter: 100 ms, 200 ms.
    assert_eq!(env.clock.sleeps(), vec![millis(100), millis(200)]);
}

#[tokio::test]
async fn max_attempts_one_means_one_patch_even_with_retryable_errors() {
    let env = env_with(test_policy().with_max_attempts(1), VirtualClock::new()).await;
    env.on_job("GET", ok_job("Transferring", false)).await;
    env.on_job("PATCH", ResponseTemplate::new(500)).await;

    let error = cancel(&env).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::GaveUp);
    assert_eq!(env.count(Method::PATCH).await, 1);
    // Still resolved by a re-read (which said "not applied").
    assert_eq!(env.count(Method::GET).await, 2);
}

#[tokio::test]
async fn time_budget_bounds_retries() {
    let policy = test_policy()
        .with_max_attempts(10)
        .with_max_elapsed(secs(5))
        .with_backoff(secs(2), secs(60));
    let env = env_with(policy, VirtualClock::new()).await;
    env.on_job("GET", ok_job("Transferring", false)).await;
    env.on_job("PATCH", ResponseTemplate::new(429)).await;

    let error = cancel(&env).await.unwrap_err();

    // 0 s: PATCH, sleep 2 s; 2 s: PATCH, the next 4 s would end at 6 s > 5 s.
    assert_eq!(env.count(Method::PATCH).await, 2);
    match error {
        CancelError::Request(RequestError::GaveUp { reason, .. }) => assert_eq!(
            reason,
            GiveUpReason::TimeBudgetExhausted {
                max_elapsed: secs(5),
                next_delay: secs(4)
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn service_refusal_is_final() {
    let env = env().await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    env.on_job(
        "PATCH",
        arm_error(400, "InvalidRequest", "The request is not valid"),
    )
    .await;

    let error = cancel(&env).await.unwrap_err();

    assert_eq!(env.count(Method::PATCH).await, 1);
    assert_eq!(error.category(), ErrorCategory::Refused);
    let message = error.to_string();
    assert!(
        message.contains("400") && message.contains("InvalidRequest"),
        "{message}"
    );
    assert!(message.contains("not retried"), "{message}");
    assert!(env.clock.sleeps().is_empty());
}

/// Issue 10 item 4: the service's own state refusal is `RefusedByState` (exit 3), and
/// the re-read reports the state the job is in now.
#[tokio::test]
async fn issue10_patch_409_job_cannot_be_cancelled_is_refused_by_state() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Transferring", false),
            ok_job("Packaging", false),
        ]),
    )
    .await;
    env.on_job(
        "PATCH",
        arm_error(
            409,
            "JobCannotBeCancelled",
            "The job can no longer be cancelled",
        ),
    )
    .await;

    let error = cancel(&env).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::RefusedByState);
    match &error {
        CancelError::TooLate {
            state,
            patch_attempts,
            ..
        } => {
            assert_eq!(state, &JobState::Packaging);
            assert_eq!(*patch_attempts, 1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.count(Method::PATCH).await, 1);
}

/// Issue 10 item 4, when the re-read still shows a cancellable job: the service's 409
/// stands, still in the `RefusedByState` category.
#[tokio::test]
async fn issue10_patch_409_on_a_job_that_looks_cancellable_keeps_the_service_answer() {
    let env = env().await;
    env.on_job("GET", ok_job("Creating", false)).await;
    env.on_job(
        "PATCH",
        arm_error(409, "JobCannotBeCancelled", "Only before shipping"),
    )
    .await;

    let error = cancel(&env).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::RefusedByState);
    assert!(
        error.to_string().contains("JobCannotBeCancelled"),
        "{error}"
    );
    assert_eq!(env.count(Method::PATCH).await, 1);
}

/// Issue 10 item 3: a PATCH answered 202 or 204 (applied, no body) is unconfirmed, not
/// a refusal: the re-read's `cancelRequested` decides.
#[tokio::test]
async fn issue10_patch_answered_202_or_204_is_settled_by_a_re_read() {
    for status in [202, 204] {
        let env = env().await;
        env.on_job(
            "GET",
            seq(vec![ok_job("Shipping", false), ok_job("Shipping", true)]),
        )
        .await;
        env.on_job("PATCH", ResponseTemplate::new(status)).await;

        let outcome = cancel(&env).await.unwrap();

        assert!(outcome.job.cancel_requested(), "{status}");
        assert_eq!(outcome.patch_attempts, 1, "{status}");
        assert_eq!(env.count(Method::PATCH).await, 1, "{status}");
    }
}

#[tokio::test]
async fn lookup_is_retried_before_the_patch() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![ResponseTemplate::new(500), ok_job("Creating", false)]),
    )
    .await;
    env.on_job("PATCH", ok_job("Creating", true)).await;

    let outcome = cancel(&env).await.unwrap();

    assert_eq!(outcome.state_at_request, JobState::Creating);
    assert_eq!(env.count(Method::GET).await, 2);
}

#[tokio::test]
async fn missing_job_is_not_found() {
    let env = env().await;
    env.on_job("GET", not_found()).await;
    let error = cancel(&env).await.unwrap_err();
    assert_eq!(error.category(), ErrorCategory::NotFound);
    assert_eq!(env.count(Method::GET).await, 1, "404 is not retried");
    assert_eq!(env.count(Method::PATCH).await, 0);
}

#[tokio::test]
async fn slow_patch_times_out_and_is_resolved_by_the_re_read() {
    let policy = test_policy().with_attempt_timeout(Duration::from_millis(200));
    let env = env_with(policy, VirtualClock::new()).await;
    env.on_job(
        "GET",
        seq(vec![ok_job("Received", false), ok_job("Received", true)]),
    )
    .await;
    env.on_job(
        "PATCH",
        ok_job("Received", true).set_delay(Duration::from_secs(5)),
    )
    .await;

    let started = std::time::Instant::now();
    let outcome = cancel(&env).await.unwrap();

    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(outcome.patch_attempts, 1);
    assert!(outcome.job.cancel_requested());
}

#[tokio::test]
async fn per_call_retry_policy_overrides_the_client_default() {
    let env = env().await; // client default: 3 attempts
    env.on_job("GET", ok_job("Creating", false)).await;
    env.on_job("PATCH", ResponseTemplate::new(429)).await;

    let options = CancelOptions {
        retry: Some(test_policy().with_max_attempts(5)),
        ..Default::default()
    };
    let error = env.job().cancel(Some(options)).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::GaveUp);
    assert_eq!(env.count(Method::PATCH).await, 5);
}

/// Review of issue 10, defect 6: `RetryPolicy`'s rustdoc states the bound the code keeps
/// (every request is clipped to what is left of `max_elapsed`), not the old
/// `max_elapsed + attempt_timeout` (timed in `races::issue10_a_cancel_never_outlives_max_elapsed`).
#[test]
fn issue10_retry_policy_docs_state_the_time_bound_the_code_keeps() {
    let source = include_str!("../../src/retry.rs");
    let docs: String = source
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with("///"))
        .map(|line| line.trim_start_matches('/').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!docs.contains("max_elapsed + attempt_timeout"), "{docs}");
    for needed in [
        "no request starts once it is spent",
        "each request's timeout is clipped to the time left",
        "the requests of a call end within `max_elapsed`",
        "clipped to what is left of `max_elapsed`",
    ] {
        assert!(docs.contains(needed), "missing {needed:?}");
    }
}
