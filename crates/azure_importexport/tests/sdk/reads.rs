use crate::common::*;
use azure_importexport::CategorizedError as _;
use azure_importexport::{
    ErrorCategory, ImportExport, ImportExportOptions, JobState, RequestError,
    StaticTokenCredential, VirtualClock,
};
use std::sync::Arc;
use wiremock::http::Method;
use wiremock::matchers::{header, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn get_sends_token_and_api_version_and_keeps_exact_bytes() {
    let env = env().await;
    let body = job_json(Some("Received"), false);
    on("GET", &job_path())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
        .expect(1)
        .mount(&env.server)
        .await;

    let job = env.job().get(None).await.unwrap();

    assert_eq!(job.json(), body.as_bytes());
    assert_eq!(job.name(), Some(JOB));
    assert_eq!(job.resource_group(), Some(RG));
    assert_eq!(job.location(), Some("westus"));
    assert_eq!(job.state(), JobState::Received);
    assert!(!job.cancel_requested());
    assert_eq!(job.percent_complete(), Some(10));
    assert!(
        job.model()
            .additional_properties
            .contains_key("futureTopLevel")
    );
}

#[tokio::test]
async fn azure_core_retries_are_off_so_attempts_never_multiply() {
    let env = env_with(test_policy().with_max_attempts(2), VirtualClock::new()).await;
    env.on_job("GET", ResponseTemplate::new(503)).await;

    let error = env.job().get(None).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::GaveUp);
    assert_eq!(
        env.count(Method::GET).await,
        2,
        "exactly max_attempts requests"
    );
}

#[tokio::test]
async fn replies_that_are_not_jobs_are_typed_errors() {
    let cases = [
        ResponseTemplate::new(200).set_body_string("<html>proxy</html>"),
        ResponseTemplate::new(200).set_body_string(""),
        ResponseTemplate::new(200).set_body_string(r#"{"properties":{"state":42}}"#),
    ];
    for reply in cases {
        let env = env().await;
        env.on_job("GET", reply).await;
        let error = env.job().get(None).await.unwrap_err();
        assert!(
            matches!(error, RequestError::InvalidResponse { .. }),
            "{error:?}"
        );
        assert_eq!(error.category(), ErrorCategory::Other);
    }
}

#[tokio::test]
async fn html_error_pages_are_retried_then_described() {
    let env = env().await;
    env.on_job(
        "GET",
        ResponseTemplate::new(502)
            .set_body_raw("<html><body>Bad gateway</body></html>", "text/html"),
    )
    .await;
    let error = env.job().get(None).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("502") && message.contains("Bad gateway"),
        "{message}"
    );
    assert_eq!(env.count(Method::GET).await, 3);
}

#[tokio::test]
async fn forbidden_is_refused_and_final() {
    let env = env().await;
    env.on_job("GET", arm_error(403, "AuthorizationFailed", "no access"))
        .await;
    let error = env.job().get(None).await.unwrap_err();
    assert_eq!(error.category(), ErrorCategory::Refused);
    assert!(error.to_string().contains("AuthorizationFailed"));
    assert_eq!(env.count(Method::GET).await, 1);
}

#[tokio::test]
async fn connection_errors_are_retried_and_bounded() {
    // A port that was just free: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = VirtualClock::new();
    let client = client_for(
        &format!("http://127.0.0.1:{port}"),
        test_policy(),
        clock.clone(),
    );

    let error = client.job(RG, JOB).get(None).await.unwrap_err();

    match &error {
        RequestError::GaveUp { attempts, .. } => assert_eq!(*attempts, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.sleeps(), vec![millis(100), millis(200)]);
}

#[tokio::test]
async fn plain_http_to_another_host_is_rejected_at_construction() {
    let result = ImportExport::new(
        SUB,
        Arc::new(StaticTokenCredential::new(TOKEN)),
        Some(ImportExportOptions::default().with_endpoint("http://example.com")),
    );
    assert!(result.is_err());
}

#[tokio::test]
async fn list_jobs_follows_pages_and_retries_a_failed_page() {
    let env = env().await;
    let rg_jobs =
        format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs");
    let first = r#"{"name":"a",  "properties":{"state":"Creating"},"extra":[1]}"#;
    let second = r#"{"name":"b","properties":{"state":"Completed"}}"#;
    Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(rg_jobs.clone()))
        .and(query_param("$top", "1"))
        .and(query_param("$filter", "state eq 'Creating'"))
        .and(query_param_is_missing("page"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"value":[{first}],"nextLink":"{}{rg_jobs}?page=2&api-version=2021-01-01"}}"#,
            env.server.uri()
        )))
        .mount(&env.server)
        .await;
    Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(rg_jobs.clone()))
        .and(query_param("page", "2"))
        .respond_with(seq(vec![
            ResponseTemplate::new(503).insert_header("retry-after", "2"),
            ResponseTemplate::new(200).set_body_string(format!(r#"{{"value":[{second}]}}"#)),
        ]))
        .mount(&env.server)
        .await;

    let jobs = env
        .client
        .list_jobs(Some(azure_importexport::ListJobsOptions {
            resource_group: Some(RG.into()),
            top: Some(1),
            filter: Some("state eq 'Creating'".into()),
            ..Default::default()
        }))
        .await
        .unwrap();

    let names: Vec<_> = jobs.iter().filter_map(|job| job.name()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(jobs[0].json(), first.as_bytes());
    assert_eq!(jobs[1].json(), second.as_bytes());
    assert_eq!(jobs[1].state(), JobState::Completed);
    // Page 1 once, page 2 twice (503, then 200).
    assert_eq!(env.count(Method::GET).await, 3);
    assert_eq!(env.clock.sleeps(), vec![secs(2)]);
}

#[tokio::test]
async fn list_jobs_of_the_subscription_and_empty_pages() {
    let env = env().await;
    on(
        "GET",
        &format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs"),
    )
    .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"value":[]}"#))
    .expect(1)
    .mount(&env.server)
    .await;
    assert!(env.client.list_jobs(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn list_jobs_refuses_a_next_link_to_another_origin() {
    let env = env().await;
    on(
        "GET",
        &format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs"),
    )
    .respond_with(
        ResponseTemplate::new(200)
            .set_body_string(r#"{"value":[],"nextLink":"https://evil.example/steal"}"#),
    )
    .mount(&env.server)
    .await;
    let error = env.client.list_jobs(None).await.unwrap_err();
    assert!(error.to_string().contains("nextLink"), "{error}");
    assert_eq!(error.category(), ErrorCategory::Other);
}

#[tokio::test]
async fn bitlocker_keys_are_listed_and_redacted_in_debug() {
    let env = env().await;
    on("POST", &format!("{}/listBitLockerKeys", job_path()))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"value":[{{"driveId":"DRV0017B","bitLockerKey":"{BITLOCKER_KEY}"}}]}}"#
        )))
        .mount(&env.server)
        .await;

    let keys = env.job().bitlocker_keys(None).await.unwrap();

    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].bit_locker_key.as_deref(), Some(BITLOCKER_KEY));
    assert!(!format!("{keys:?}").contains(BITLOCKER_KEY));
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_messages() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Transferring", false),
            arm_error(400, "BadRequest", "bad"),
        ]),
    )
    .await;
    env.on_job("PATCH", ok_job("Transferring", true)).await;

    let outcome = env.job().cancel(None).await.unwrap();
    let error = env.job().get(None).await.unwrap_err();
    let credential = StaticTokenCredential::new(TOKEN);

    let texts = [
        format!("{outcome:?}"),
        serde_json::to_string(&outcome).unwrap(),
        format!("{error:?}"),
        error.to_string(),
        format!("{:?}", env.client),
        format!("{:?}", env.job()),
        format!("{credential:?}"),
        format!("{:?}", outcome.job),
    ];
    for text in &texts {
        for secret in [TOKEN, BITLOCKER_KEY, CARRIER_ACCOUNT] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    // The exact bytes still hold everything, for archiving.
    let raw = std::str::from_utf8(outcome.job.json()).unwrap();
    assert!(raw.contains(CARRIER_ACCOUNT) && raw.contains(BITLOCKER_KEY));
    let printed = serde_json::to_value(&outcome).unwrap();
    assert_eq!(
        printed["job"]["properties"]["returnShipping"]["carrierAccountNumber"],
        "***"
    );
    assert_eq!(
        printed["job"]["properties"]["driveList"][0]["bitLockerKey"],
        "***"
    );
}
