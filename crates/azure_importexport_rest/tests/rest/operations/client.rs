//! The client itself: api-version, endpoint rules, client-level headers, path parameters, and its docs.

use super::support::*;
use crate::common::*;
use azure_importexport_rest::models::{JobResponse, PutJobParameters, UpdateJobParameters};
use azure_importexport_rest::runtime::ServiceErrorExt as _;
use azure_importexport_rest::{API_VERSION, ImportExportClient, ImportExportClientOptions};
use futures::TryStreamExt as _;
use serde_json::json;
use wiremock::matchers::{any, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn default_api_version_is_2021_01_01() {
    assert_eq!(API_VERSION, "2021-01-01");
    let client = client_for("http://127.0.0.1:9");
    assert_eq!(client.api_version(), "2021-01-01");
    assert_eq!(client.subscription_id(), SUB);
    assert_eq!(client.endpoint().as_str(), "http://127.0.0.1:9/");
    let default = ImportExportClient::new(SUB, credential(), None).expect("default client");
    assert_eq!(default.endpoint().as_str(), "https://management.azure.com/");
}

#[tokio::test]
async fn api_version_can_be_overridden() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("api-version", "2099-01-01-preview"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = ImportExportClient::new(
        SUB,
        credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(server.uri()),
            client_options: no_retry(),
            api_version: Some("2099-01-01-preview".to_owned()),
            ..Default::default()
        }),
    )
    .expect("client");
    assert_eq!(client.api_version(), "2099-01-01-preview");
    client.operations().list(None).await.expect("list");
    server.verify().await;
}

#[tokio::test]
async fn accept_language_is_sent_on_every_operation_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/providers/Microsoft.ImportExport/operations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/providers/Microsoft.ImportExport/locations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/providers/Microsoft.ImportExport/locations/westus"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(JOBS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{JOBS_PATH}/j")))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("j", "Creating")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{JOBS_PATH}/j")))
        .respond_with(ResponseTemplate::new(201).set_body_json(job_json("j", "Creating")))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{JOBS_PATH}/j")))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("j", "Creating")))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{JOBS_PATH}/j")))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{JOBS_PATH}/j/listBitLockerKeys")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;

    let client = ImportExportClient::new(
        SUB,
        credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(server.uri()),
            client_options: no_retry(),
            accept_language: Some("de-DE".to_owned()),
            ..Default::default()
        }),
    )
    .expect("client");
    client.operations().list(None).await.expect("operations");
    client.locations().list(None).await.expect("locations");
    client
        .locations()
        .get("westus", None)
        .await
        .expect("location");
    let _: Vec<JobResponse> = client
        .jobs()
        .list_by_subscription(None)
        .unwrap()
        .try_collect()
        .await
        .expect("list sub");
    let _: Vec<JobResponse> = client
        .jobs()
        .list_by_resource_group(RG, None)
        .unwrap()
        .try_collect()
        .await
        .expect("list rg");
    client.jobs().get(RG, "j", None).await.expect("get");
    client
        .jobs()
        .create(RG, "j", json_body(&PutJobParameters::default()), None)
        .await
        .expect("create");
    client
        .jobs()
        .update(RG, "j", json_body(&UpdateJobParameters::default()), None)
        .await
        .expect("update");
    client.jobs().delete(RG, "j", None).await.expect("delete");
    client
        .bit_locker_keys()
        .list(RG, "j", None)
        .await
        .expect("keys");

    let requests = received(&server).await;
    assert_eq!(requests.len(), 10, "one request per operation");
    for request in &requests {
        assert_eq!(
            header(request, "accept-language"),
            Some("de-DE"),
            "{} {}",
            request.method,
            request.url
        );
        assert_eq!(
            query(request),
            vec![("api-version".to_owned(), "2021-01-01".to_owned())]
        );
        let has_body = matches!(request.method.as_str(), "PUT" | "PATCH");
        assert_eq!(
            header(request, "content-type"),
            has_body.then_some("application/json"),
            "{} {}",
            request.method,
            request.url
        );
        if has_body {
            assert_eq!(request.body, b"{}");
        } else {
            assert!(request.body.is_empty());
        }
    }
}

#[tokio::test]
async fn path_parameters_are_one_percent_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("x", "Creating")))
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .jobs()
        .get("rg with space", "a b/c?d#e%f..g", None)
        .await
        .expect("get");
    client
        .jobs()
        .get(RG, "%2F", None)
        .await
        .expect("an already-encoded-looking name is encoded again");
    client
        .bit_locker_keys()
        .list(RG, "../x", None)
        .await
        .expect("keys");
    let requests = received(&server).await;
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        vec![
            "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg%20with%20space/providers/Microsoft.ImportExport/jobs/a%20b%2Fc%3Fd%23e%25f..g".to_owned(),
            format!("{JOBS_PATH}/%252F"),
            format!("{JOBS_PATH}/..%2Fx/listBitLockerKeys"),
        ]
    );
    for request in &requests {
        assert_eq!(
            query(request),
            vec![("api-version".to_owned(), "2021-01-01".to_owned())],
            "nothing leaked from the job name into the query: {}",
            request.url
        );
        assert_eq!(request.url.fragment(), None);
    }
}

#[tokio::test]
async fn empty_or_dot_path_parameters_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = client(&server);
    for (rg, job) in [(RG, ""), ("", "job1"), (RG, "."), (RG, "..")] {
        let error = client
            .jobs()
            .get(rg, job, None)
            .await
            .expect_err("rejected client-side");
        assert!(
            error.to_string().contains("must not be empty"),
            "{rg:?}/{job:?}: {error}"
        );
        assert!(error.service_error().is_none());
    }
    let error = client
        .jobs()
        .delete(RG, "", None)
        .await
        .expect_err("rejected");
    assert!(error.to_string().contains("`jobName`"), "{error}");
    let error = client
        .locations()
        .get("", None)
        .await
        .expect_err("rejected");
    assert!(error.to_string().contains("`locationName`"), "{error}");
    assert!(client.jobs().list_by_resource_group("", None).is_err());
    let empty_sub = ImportExportClient::new(
        "",
        credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(server.uri()),
            client_options: no_retry(),
            ..Default::default()
        }),
    )
    .expect("client");
    assert!(empty_sub.jobs().list_by_subscription(None).is_err());
    assert!(
        received(&server).await.is_empty(),
        "no request may be sent for an invalid path parameter"
    );
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_host_is_refused_at_construction() {
    for endpoint in [
        "http://management.azure.com",
        "http://10.0.0.1:8080",
        "http://127.0.0.1.example.com",
        "http://localhost.evil.example",
    ] {
        let error = ImportExportClient::new(
            SUB,
            credential(),
            Some(ImportExportClientOptions {
                endpoint: Some(endpoint.to_owned()),
                ..Default::default()
            }),
        )
        .expect_err(endpoint);
        assert!(
            error.to_string().contains("plain http"),
            "{endpoint}: {error}"
        );
    }
    for endpoint in ["ftp://example.com", "not a url", "https://x.example/?a=b"] {
        assert!(
            ImportExportClient::new(
                SUB,
                credential(),
                Some(ImportExportClientOptions {
                    endpoint: Some(endpoint.to_owned()),
                    ..Default::default()
                }),
            )
            .is_err(),
            "{endpoint}"
        );
    }
    for endpoint in [
        "https://management.azure.com",
        "https://management.usgovcloudapi.net/",
        "http://127.0.0.1:1",
        "http://127.8.9.10:1",
        "http://[::1]:1",
        "http://localhost:1",
    ] {
        ImportExportClient::new(
            SUB,
            credential(),
            Some(ImportExportClientOptions {
                endpoint: Some(endpoint.to_owned()),
                ..Default::default()
            }),
        )
        .unwrap_or_else(|e| panic!("{endpoint}: {e}"));
    }
}

#[tokio::test]
async fn endpoint_with_a_base_path_keeps_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/proxy/base/providers/Microsoft.ImportExport/operations",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(1)
        .mount(&server)
        .await;
    client_for(&format!("{}/proxy/base/", server.uri()))
        .operations()
        .list(None)
        .await
        .expect("list");
    server.verify().await;
}

#[tokio::test]
async fn debug_output_of_the_client_holds_no_token() {
    let server = MockServer::start().await;
    let client = client(&server);
    let debug = format!("{client:?} {:?}", client.jobs());
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("2021-01-01"), "{debug}");
}

/// Issue 10 item 11: the client's own rustdoc (not only RELIABILITY.md) says that
/// azure_core's retry repeats PATCH and DELETE blindly, next to how to turn it off.
#[test]
fn issue10_generated_client_docs_warn_that_writes_are_retried_blindly() {
    for module in [
        include_str!("../../../src/generated/v2021_01_01/mod.rs"),
        include_str!("../../../src/generated/v2020_08_01/mod.rs"),
    ] {
        let client_doc: String = module
            .lines()
            .skip_while(|line| !line.starts_with("/// Client for"))
            .take_while(|line| line.starts_with("///"))
            .collect();
        for needed in [
            "`PATCH` and `DELETE`",
            "RetryOptions::none()",
            "azure_importexport",
        ] {
            assert!(
                client_doc.contains(needed),
                "missing {needed:?} in {client_doc}"
            );
        }
    }
}
