//! azure_core's retry policy as the generated client configures it.

use super::support::*;
use crate::common::*;
use azure_core::http::{
    ClientMethodOptions, ClientOptions, ExponentialRetryOptions, RetryOptions, StatusCode,
};
use azure_core::time::Duration;
use azure_importexport_rest::models::{JobState, PutJobParameters};
use azure_importexport_rest::{ImportExportClient, ImportExportClientOptions};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_retry_client(server: &MockServer, max_retries: u32) -> ImportExportClient {
    ImportExportClient::new(
        SUB,
        credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(server.uri()),
            client_options: ClientOptions {
                retry: RetryOptions::exponential(ExponentialRetryOptions {
                    initial_delay: Duration::milliseconds(1),
                    max_retries,
                    max_delay: Duration::milliseconds(5),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client")
}

#[tokio::test]
async fn default_retry_policy_retries_a_503_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("job1", "Shipping")))
        .expect(1)
        .mount(&server)
        .await;
    let job = fast_retry_client(&server, 2)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect("the retry succeeds")
        .into_model()
        .unwrap();
    assert_eq!(
        job.properties.and_then(|p| p.state),
        Some(JobState::Shipping)
    );
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_request(
            request,
            &Expect {
                method: "GET",
                path: &format!("{JOBS_PATH}/job1"),
                query: &[api_version()],
                ..Default::default()
            },
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn retried_put_resends_the_same_body() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(201).set_body_json(job_json("j", "Creating")))
        .mount(&server)
        .await;
    let body = PutJobParameters {
        location: Some("West US".to_owned()),
        ..Default::default()
    };
    fast_retry_client(&server, 2)
        .jobs()
        .create(RG, "j", json_body(&body), None)
        .await
        .expect("created after a retry");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.body, br#"{"location":"West US"}"#);
        assert_eq!(header(request, "content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_error_is_surfaced() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error": {"code": "ServerBusy", "message": "try later"}
        })))
        .expect(3)
        .mount(&server)
        .await;
    let error = fast_retry_client(&server, 2)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect_err("gives up");
    assert_eq!(
        http_parts(&error),
        (
            StatusCode::ServiceUnavailable,
            Some("ServerBusy".to_owned())
        )
    );
    server.verify().await;
}

#[tokio::test]
async fn non_retriable_statuses_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": "NotFound", "message": "gone"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    fast_retry_client(&server, 5)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect_err("404");
    server.verify().await;
}

#[tokio::test]
async fn retry_none_sends_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .jobs()
        .get(RG, "job1", Some(Default::default()))
        .await
        .expect_err("503");
    server.verify().await;
}

#[tokio::test]
async fn per_call_context_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("j", "Creating")))
        .mount(&server)
        .await;
    client(&server)
        .jobs()
        .get(
            RG,
            "j",
            Some(azure_importexport_rest::JobsClientGetOptions {
                method_options: ClientMethodOptions::default(),
            }),
        )
        .await
        .expect("get");
}

/// A transport whose first answer's body breaks after its first chunk (a connection
/// reset mid-body), and whose later answers are whole; counts the requests.
#[derive(Debug, Default)]
struct BodyBreaksOnce {
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl azure_core::http::HttpClient for BodyBreaksOnce {
    async fn execute_request(
        &self,
        _request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        let body = serde_json::to_vec(&job_json("job1", "Shipping")).unwrap();
        let (head, tail) = body.split_at(body.len() / 2);
        let first = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        let chunks: Vec<azure_core::Result<azure_core::Bytes>> = if first {
            vec![
                Ok(azure_core::Bytes::copy_from_slice(head)),
                Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Io,
                    "connection reset while reading the body",
                )),
            ]
        } else {
            vec![
                Ok(azure_core::Bytes::copy_from_slice(head)),
                Ok(azure_core::Bytes::copy_from_slice(tail)),
            ]
        };
        Ok(azure_core::http::AsyncRawResponse::new(
            StatusCode::Ok,
            azure_core::http::headers::Headers::new(),
            Box::pin(futures::stream::iter(chunks)),
        ))
    }
}

#[tokio::test]
async fn a_body_broken_mid_stream_is_retried_within_the_budget() {
    // The body is read inside the retry loop (per try), whatever the transport: a reset
    // while reading it is an I/O error like any other, retried, and the pieces of the
    // good answer are joined into one body.
    let transport = std::sync::Arc::new(BodyBreaksOnce::default());
    let client = ImportExportClient::new(
        SUB,
        credential(),
        Some(ImportExportClientOptions {
            endpoint: Some("http://127.0.0.1:9".to_owned()),
            client_options: ClientOptions {
                retry: RetryOptions::exponential(ExponentialRetryOptions {
                    initial_delay: Duration::milliseconds(1),
                    max_retries: 1,
                    max_delay: Duration::milliseconds(5),
                    ..Default::default()
                }),
                transport: Some(azure_core::http::Transport::new(transport.clone())),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client");
    let job = client
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect("the retry reads a whole body")
        .into_model()
        .unwrap();
    assert_eq!(
        job.properties.and_then(|p| p.state),
        Some(JobState::Shipping)
    );
    assert_eq!(transport.calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}
