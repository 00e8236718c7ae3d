//! Shared helpers for the integration tests: a fixed-token credential, client builders and
//! request assertions against wiremock's recorded requests.

use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientOptions, RetryOptions};
use azure_importexport_rest::runtime::StaticTokenCredential;
use std::sync::Arc;
use wiremock::MockServer;

pub const SUB: &str = "00000000-0000-0000-0000-0000000000aa";
pub const RG: &str = "my-rg";
pub const TOKEN: &str = "test-token-0123456789";
pub const JOBS_PATH: &str = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/my-rg/providers/Microsoft.ImportExport/jobs";

pub fn credential() -> Arc<dyn TokenCredential> {
    Arc::new(StaticTokenCredential::new(TOKEN))
}

/// azure_core client options without retries (the default for these tests).
pub fn no_retry() -> ClientOptions {
    ClientOptions {
        retry: RetryOptions::none(),
        ..Default::default()
    }
}

/// A client of the default api-version pointed at `endpoint`, without retries.
#[cfg(feature = "v2021_01_01")]
pub fn client_for(endpoint: &str) -> azure_importexport_rest::ImportExportClient {
    azure_importexport_rest::ImportExportClient::new(
        SUB,
        credential(),
        Some(azure_importexport_rest::ImportExportClientOptions {
            endpoint: Some(endpoint.to_owned()),
            client_options: no_retry(),
            ..Default::default()
        }),
    )
    .expect("client")
}

/// A client of the default api-version pointed at the mock server, without retries.
#[cfg(feature = "v2021_01_01")]
pub fn client(server: &MockServer) -> azure_importexport_rest::ImportExportClient {
    client_for(&server.uri())
}

/// Every request the server received (recording is on for `MockServer::start()`).
pub async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .expect("request recording is enabled")
}

/// The only request the server received.
pub async fn single_request(server: &MockServer) -> wiremock::Request {
    let mut requests = received(server).await;
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request, got {:?}",
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect::<Vec<_>>()
    );
    requests.remove(0)
}

/// A header's value, if present exactly once.
pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    let mut values = request.headers.get_all(name).iter();
    let first = values.next()?;
    assert!(values.next().is_none(), "header {name} sent more than once");
    Some(first.to_str().expect("header is ASCII"))
}

/// The decoded query pairs, sorted (order of parameters carries no meaning).
pub fn query(request: &wiremock::Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// What a test expects of one request.
#[derive(Debug, Default)]
pub struct Expect<'a> {
    pub method: &'a str,
    /// The raw (percent-encoded) path.
    pub path: &'a str,
    /// Every query pair (decoded), in any order; `api-version` included.
    pub query: &'a [(&'a str, &'a str)],
    /// The JSON body, compared as a `serde_json::Value`; `None`: the request has no body.
    pub body: Option<serde_json::Value>,
    pub accept_language: Option<&'a str>,
    pub client_tenant_id: Option<&'a str>,
}

/// Asserts method, exact path and query, the standard headers and the body.
pub fn assert_request(request: &wiremock::Request, expect: &Expect<'_>) {
    assert_eq!(request.method.as_str(), expect.method, "method");
    assert_eq!(request.url.path(), expect.path, "raw path");
    let mut want: Vec<(String, String)> = expect
        .query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    want.sort();
    assert_eq!(query(request), want, "query of {}", request.url);

    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(header(request, "authorization"), Some(bearer.as_str()));
    assert_eq!(header(request, "accept"), Some("application/json"));
    assert_eq!(header(request, "accept-language"), expect.accept_language);
    assert_eq!(
        header(request, "x-ms-client-tenant-id"),
        expect.client_tenant_id
    );
    // azure_core's per-call policies: an SDK user agent (azure_core drops the crate name's
    // `azure_` prefix, as for every Azure SDK crate) and a client request id.
    let user_agent = header(request, "user-agent").unwrap_or_default();
    assert!(
        user_agent.starts_with("azsdk-rust-importexport_rest/0.1.0 "),
        "user-agent {user_agent:?}"
    );
    assert!(
        header(request, "x-ms-client-request-id").is_some_and(|id| !id.is_empty()),
        "x-ms-client-request-id"
    );

    match &expect.body {
        None => {
            assert!(
                request.body.is_empty(),
                "unexpected body {:?}",
                String::from_utf8_lossy(&request.body)
            );
            assert_eq!(
                header(request, "content-type"),
                None,
                "a bodiless request has no content-type"
            );
        }
        Some(body) => {
            assert_eq!(header(request, "content-type"), Some("application/json"));
            let sent: serde_json::Value =
                serde_json::from_slice(&request.body).unwrap_or_else(|e| {
                    panic!(
                        "body is not JSON ({e}): {:?}",
                        String::from_utf8_lossy(&request.body)
                    )
                });
            assert_eq!(&sent, body, "request body");
        }
    }
}

/// A complete job as the service returns it (2021-01-01 shape), from the workspace's
/// one job builder.
pub fn job_json(name: &str, state: &str) -> serde_json::Value {
    azure_importexport_test::JobJson::new(SUB, RG, name)
        .state(state)
        .build()
}
