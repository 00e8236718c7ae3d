use crate::common::*;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_importexport::CategorizedError as _;
use azure_importexport::{
    ErrorCategory, JobState, WaitError, WaitOptions, WaitProgress, WaitTarget,
};
use std::sync::{Arc, Mutex};
use wiremock::ResponseTemplate;
use wiremock::http::Method;

fn recorder() -> (
    Arc<Mutex<Vec<WaitProgress>>>,
    impl Fn(&WaitProgress) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    (seen, move |progress: &WaitProgress| {
        log.lock().unwrap().push(progress.clone())
    })
}

#[tokio::test]
async fn waits_until_the_state_and_reports_each_change() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Shipping", false),
            ok_job("Shipping", false),
            ok_job("Received", false),
            ok_job("Transferring", false),
            ok_job("Completed", false),
        ]),
    )
    .await;
    let (seen, callback) = recorder();
    let options = WaitOptions::default()
        .with_delays(secs(10), secs(25))
        .on_progress(callback);

    let job = env
        .job()
        .wait_until(JobState::Completed, secs(3600), Some(options))
        .await
        .unwrap();

    assert_eq!(job.state(), JobState::Completed);
    let seen = seen.lock().unwrap().clone();
    let states: Vec<_> = seen.iter().map(|p| p.state.clone()).collect();
    assert_eq!(
        states,
        [
            JobState::Shipping,
            JobState::Received,
            JobState::Transferring,
            JobState::Completed
        ]
    );
    assert_eq!(seen[0].previous, None);
    assert_eq!(seen[1].previous, Some(JobState::Shipping));
    let polls: Vec<_> = seen.iter().map(|p| p.polls).collect();
    assert_eq!(polls, [1, 3, 4, 5]);
    assert_eq!(seen[0].elapsed, secs(0));
    assert_eq!(seen[1].elapsed, secs(10 + 20));
    assert_eq!(seen[0].percent_complete, Some(10));
    // No jitter: min 10 s, doubling, capped at 25 s.
    assert_eq!(
        env.clock.sleeps(),
        vec![secs(10), secs(20), secs(25), secs(25)]
    );
    assert_eq!(env.count(Method::GET).await, 5);
}

#[tokio::test]
async fn times_out_with_elapsed_polls_and_last_state() {
    let env = env().await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    let options = WaitOptions::default().with_delays(secs(10), secs(20));

    let error = env
        .job()
        .wait_until(JobState::Completed, secs(60), Some(options))
        .await
        .unwrap_err();

    match &error {
        WaitError::Timeout {
            elapsed,
            polls,
            last_state,
            target,
            ..
        } => {
            assert_eq!(*elapsed, secs(60));
            assert_eq!(*polls, 4);
            assert_eq!(last_state, &Some(JobState::Shipping));
            assert_eq!(target, "state Completed");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.category(), ErrorCategory::GaveUp);
    // The last delay would pass the deadline: the waiter sleeps until it and stops
    // (a poll at the deadline would have no time to run).
    assert_eq!(
        env.clock.sleeps(),
        vec![secs(10), secs(20), secs(20), secs(10)]
    );
    assert_eq!(env.count(Method::GET).await, 4);
}

#[tokio::test]
async fn unreachable_state_stops_at_once() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;

    let error = env
        .job()
        .wait_until(JobState::Transferring, secs(3600), None)
        .await
        .unwrap_err();

    assert!(
        matches!(
            &error,
            WaitError::Unreachable {
                state: JobState::Completed,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.category(), ErrorCategory::RefusedByState);
    assert_eq!(env.count(Method::GET).await, 1);
    assert!(env.clock.sleeps().is_empty());
}

#[tokio::test]
async fn earlier_state_than_the_job_is_unreachable() {
    let env = env().await;
    env.on_job("GET", ok_job("Packaging", false)).await;
    let error = env
        .job()
        .wait_until(JobState::Received, secs(3600), None)
        .await
        .unwrap_err();
    assert!(matches!(error, WaitError::Unreachable { .. }), "{error:?}");
}

#[tokio::test]
async fn job_gone_while_waiting() {
    let env = env().await;
    env.on_job("GET", seq(vec![ok_job("Shipping", false), not_found()]))
        .await;

    let error = env
        .job()
        .wait_until(JobState::Completed, secs(3600), None)
        .await
        .unwrap_err();

    match &error {
        WaitError::Gone {
            polls, last_state, ..
        } => {
            assert_eq!(*polls, 2);
            assert_eq!(last_state, &Some(JobState::Shipping));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.category(), ErrorCategory::NotFound);
}

#[tokio::test]
async fn predicate_targets_and_combinators() {
    let env = env().await;
    let half = r#"{"properties":{"state":"Transferring","percentComplete":55}}"#;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Transferring", false),
            ResponseTemplate::new(200).set_body_string(half),
        ]),
    )
    .await;
    let target = WaitTarget::predicate("at least half copied", |job| {
        job.percent_complete().is_some_and(|p| p >= 50)
    })
    .and(!WaitTarget::State(JobState::Packaging));

    let job = env
        .job()
        .wait_until(target, secs(3600), None)
        .await
        .unwrap();

    assert_eq!(job.percent_complete(), Some(55));
}

#[tokio::test]
async fn unmet_predicate_on_a_terminal_job_is_unreachable() {
    let env = env().await;
    env.on_job("GET", ok_job("Closed", false)).await;
    let target = WaitTarget::predicate("cancel requested", |job| job.cancel_requested());
    let error = env
        .job()
        .wait_until(target, secs(3600), None)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cancel requested"), "{error}");
    assert!(matches!(error, WaitError::Unreachable { .. }));
}

#[tokio::test]
async fn transient_poll_failures_are_retried() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![ResponseTemplate::new(503), ok_job("Completed", false)]),
    )
    .await;

    let job = env
        .job()
        .wait_until(JobState::Completed, secs(3600), None)
        .await
        .unwrap();

    assert_eq!(job.state(), JobState::Completed);
    assert_eq!(env.clock.sleeps(), vec![millis(100)]);
}

#[tokio::test]
async fn refused_poll_is_a_request_error() {
    let env = env().await;
    env.on_job("GET", arm_error(403, "AuthorizationFailed", "no access"))
        .await;
    let error = env
        .job()
        .wait_until(JobState::Completed, secs(3600), None)
        .await
        .unwrap_err();
    assert_eq!(error.category(), ErrorCategory::Refused);
    assert_eq!(env.count(Method::GET).await, 1);
}

#[tokio::test]
async fn failing_polls_near_the_deadline_end_as_timeout() {
    let env = env().await;
    env.on_job("GET", ResponseTemplate::new(503)).await;
    // 3 attempts per poll at 100 + 200 ms of backoff; a 250 ms timeout cuts the first
    // poll's retries short: that is the waiter's timeout, not a request error.
    let options = WaitOptions::default().with_delays(secs(1), secs(1));

    let error = env
        .job()
        .wait_until(JobState::Completed, millis(250), Some(options))
        .await
        .unwrap_err();

    assert!(matches!(error, WaitError::Timeout { .. }), "{error:?}");
    assert_eq!(error.category(), ErrorCategory::GaveUp);
}

/// A credential that fails its first `failures` calls as a token endpoint that refused
/// the connection would (`ErrorKind::Credential`), then issues a token.
#[derive(Debug)]
struct FlakyCredential {
    failures: u32,
    calls: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl TokenCredential for FlakyCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if call < self.failures {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "the token endpoint refused the connection",
            ));
        }
        Ok(AccessToken::new(
            TOKEN,
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn flaky_client(env: &Env, failures: u32) -> azure_importexport::ImportExport {
    azure_importexport::ImportExport::new(
        SUB,
        Arc::new(FlakyCredential {
            failures,
            calls: Default::default(),
        }),
        Some(
            azure_importexport::ImportExportOptions::default()
                .with_endpoint(env.server.uri())
                .with_retry(test_policy())
                .with_clock(env.clock.clone())
                .with_jitter(azure_importexport::NoJitter),
        ),
    )
    .unwrap()
}

/// Review of issue 10, defect 7: a poll that fails without a service answer (here a
/// credential whose token endpoint refused one connection) does not end the wait; the
/// next poll comes within the deadline.
#[tokio::test]
async fn issue10_a_poll_failed_without_a_service_answer_does_not_end_a_wait() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    let options = WaitOptions::default().with_delays(secs(10), secs(10));

    let job = flaky_client(&env, 1)
        .job(RG, JOB)
        .wait_until(JobState::Completed, secs(3600), Some(options))
        .await
        .unwrap();

    assert_eq!(job.state(), JobState::Completed);
    assert_eq!(
        env.count(Method::GET).await,
        1,
        "the failed poll sent nothing"
    );
    assert_eq!(env.clock.sleeps(), vec![secs(10)]);
}

/// Review of issue 10, defect 7: a credential that keeps failing (`max_attempts` polls in
/// a row) still ends the wait early, with the credential error, not at the deadline.
#[tokio::test]
async fn issue10_a_persistent_credential_failure_still_ends_a_wait() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    let options = WaitOptions::default().with_delays(secs(10), secs(10));

    let error = flaky_client(&env, u32::MAX)
        .job(RG, JOB)
        .wait_until(JobState::Completed, secs(24 * 3600), Some(options))
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            WaitError::Request(azure_importexport::RequestError::Failed { .. })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("refused the connection"),
        "{error}"
    );
    // test_policy(): max_attempts 3, so 3 polls and the 2 pauses between them.
    assert_eq!(env.clock.sleeps(), vec![secs(10), secs(10)]);
    assert_eq!(env.count(Method::GET).await, 0);
}
