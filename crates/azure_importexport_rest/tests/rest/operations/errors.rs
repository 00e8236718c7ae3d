//! Service errors: ARM, flat, empty, HTML and truncated bodies, and transport failures.

use super::support::*;
use crate::common::*;
use azure_core::error::ErrorKind;
use azure_core::http::StatusCode;
use azure_importexport_rest::runtime::ServiceErrorExt as _;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Answers `GET job1` with `template`, and returns the client's error.
async fn get_error(template: ResponseTemplate) -> azure_core::Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{JOBS_PATH}/job1")))
        .respond_with(template)
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect_err("the service answered with an error");
    server.verify().await;
    error
}

#[tokio::test]
async fn arm_error_body_gives_status_code_message_and_raw_body() {
    let body = json!({
        "error": {
            "code": "ResourceNotFound",
            "message": "The Resource 'Microsoft.ImportExport/jobs/job1' was not found.",
            "target": "jobName",
            "details": [{"code": "Inner", "message": "more"}]
        }
    });
    let error = get_error(ResponseTemplate::new(404).set_body_json(&body)).await;
    let (status, code) = http_parts(&error);
    assert_eq!(status, StatusCode::NotFound);
    assert_eq!(code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(
        error.to_string(),
        "HTTP 404 (ResourceNotFound): The Resource 'Microsoft.ImportExport/jobs/job1' was not found."
    );
    let service = service_error(&error);
    assert_eq!(service.status, StatusCode::NotFound);
    assert_eq!(service.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(
        service.message,
        "The Resource 'Microsoft.ImportExport/jobs/job1' was not found."
    );
    assert_eq!(service.target.as_deref(), Some("jobName"));
    assert_eq!(service.raw_body, serde_json::to_vec(&body).unwrap());
}

#[tokio::test]
async fn arm_error_code_header_is_used_when_the_body_has_none() {
    let error = get_error(
        ResponseTemplate::new(409)
            .insert_header("x-ms-error-code", "Conflict")
            .set_body_json(json!({"error": {"message": "busy"}})),
    )
    .await;
    assert_eq!(http_parts(&error).1.as_deref(), Some("Conflict"));
    let service = service_error(&error);
    assert_eq!(service.code.as_deref(), Some("Conflict"));
    assert_eq!(service.message, "busy");
}

#[tokio::test]
async fn flat_error_body() {
    let body = br#"{"code":"InvalidParameter","message":"The value of $top is invalid."}"#;
    let error =
        get_error(ResponseTemplate::new(400).set_body_raw(&body[..], "application/json")).await;
    let (status, code) = http_parts(&error);
    assert_eq!(status, StatusCode::BadRequest);
    assert_eq!(code.as_deref(), Some("InvalidParameter"));
    assert_eq!(
        error.to_string(),
        "HTTP 400 (InvalidParameter): The value of $top is invalid."
    );
    let service = service_error(&error);
    assert_eq!(service.message, "The value of $top is invalid.");
    assert_eq!(service.raw_body, body);
}

#[tokio::test]
async fn empty_error_body() {
    let error = get_error(ResponseTemplate::new(503)).await;
    let (status, code) = http_parts(&error);
    assert_eq!(status, StatusCode::ServiceUnavailable);
    assert_eq!(code, None);
    assert_eq!(error.to_string(), "HTTP 503: HTTP 503 with an empty body");
    let service = service_error(&error);
    assert!(service.raw_body.is_empty());
    assert_eq!(service.code, None);
}

#[tokio::test]
async fn html_error_page_is_summarized_not_dumped() {
    let tail_marker = "END-OF-A-LONG-PAGE";
    let html = format!(
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n  <h1>Bad Gateway</h1>\n{}\n<p>{tail_marker}</p></body></html>",
        "<p>The proxy could not reach the upstream server.</p>\n".repeat(20)
    );
    let error = get_error(ResponseTemplate::new(502).set_body_raw(html.clone(), "text/html")).await;
    let (status, code) = http_parts(&error);
    assert_eq!(status, StatusCode::BadGateway);
    assert_eq!(code, None, "an HTML page carries no ARM error code");
    let message = error.to_string();
    assert!(message.starts_with("HTTP 502: "), "{message}");
    assert!(message.contains("non-ARM body"), "{message}");
    assert!(message.contains("text/html"), "{message}");
    assert!(
        message.contains("<title>502 Bad Gateway</title>"),
        "{message}"
    );
    assert!(
        !message.contains(tail_marker),
        "the whole page was quoted: {message}"
    );
    assert!(message.len() < 400, "{} chars: {message}", message.len());
    let service = service_error(&error);
    assert_eq!(service.code, None);
    assert_eq!(service.raw_body, html.as_bytes());
}

#[tokio::test]
async fn truncated_json_error_body() {
    let body = br#"{"error":{"code":"InternalServerError","message":"Something went wr"#;
    let error =
        get_error(ResponseTemplate::new(500).set_body_raw(&body[..], "application/json")).await;
    let (status, code) = http_parts(&error);
    assert_eq!(status, StatusCode::InternalServerError);
    assert_eq!(code, None, "nothing can be trusted in a truncated body");
    let message = error.to_string();
    assert!(message.starts_with("HTTP 500: "), "{message}");
    assert!(message.contains("non-ARM body"), "{message}");
    assert_eq!(service_error(&error).raw_body, body);
}

#[tokio::test]
async fn a_success_body_that_is_not_a_job_is_a_data_conversion_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>hi</html>", "text/html"))
        .mount(&server)
        .await;
    let response = client(&server)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect("200 is a success");
    let error = response.into_model().expect_err("not JSON");
    assert!(
        matches!(error.kind(), ErrorKind::DataConversion),
        "{:?}",
        error.kind()
    );
    assert!(error.service_error().is_none());
}

#[tokio::test]
async fn connection_refused_is_a_connection_error_not_a_service_error() {
    // Bind then drop a listener: the port is (almost certainly) closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let error = client_for(&format!("http://127.0.0.1:{port}"))
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect_err("nobody listens");
    assert!(
        matches!(error.kind(), ErrorKind::Connection | ErrorKind::Io),
        "{:?}",
        error.kind()
    );
    assert!(error.service_error().is_none());
}
