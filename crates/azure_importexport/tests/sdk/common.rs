//! Shared fixtures: a mock server, a client on virtual time, job JSON, sequences.

use azure_core::http::ClientOptions;
use azure_importexport::{
    ImportExport, ImportExportOptions, JobState, NoJitter, RetryPolicy, StaticTokenCredential,
    VirtualClock,
};
use azure_importexport_test::JobJson;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::http::Method;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

pub const SUB: &str = "sub-123";
pub const RG: &str = "rg1";
pub const JOB: &str = "job1";
pub const TOKEN: &str = "tok-SHOULD-NEVER-LEAK";
pub const API_VERSION: &str = "2021-01-01";
pub use azure_importexport_test::{BITLOCKER_KEY, CARRIER_ACCOUNT};

pub fn job_path() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{JOB}")
}

/// A policy whose schedule is easy to assert: 100 ms doubling, no jitter (see `env`).
pub fn test_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(10))
        .with_max_elapsed(Duration::from_secs(600))
        .with_attempt_timeout(Duration::from_secs(10))
}

pub struct Env {
    pub server: MockServer,
    pub client: ImportExport,
    pub clock: VirtualClock,
}

pub async fn env() -> Env {
    env_with(test_policy(), VirtualClock::new()).await
}

pub async fn env_with(policy: RetryPolicy, clock: VirtualClock) -> Env {
    let server = MockServer::start().await;
    let client = client_for(&server.uri(), policy, clock.clone());
    Env {
        server,
        client,
        clock,
    }
}

pub fn client_for(endpoint: &str, policy: RetryPolicy, clock: VirtualClock) -> ImportExport {
    client_with_options(endpoint, policy, clock, ClientOptions::default())
}

/// [`client_for`] with azure_core options of the caller's (extra policies).
pub fn client_with_options(
    endpoint: &str,
    policy: RetryPolicy,
    clock: VirtualClock,
    client_options: ClientOptions,
) -> ImportExport {
    ImportExport::new(
        SUB,
        Arc::new(StaticTokenCredential::new(TOKEN)),
        Some(
            ImportExportOptions {
                client_options,
                ..ImportExportOptions::default()
            }
            .with_endpoint(endpoint)
            .with_retry(policy)
            .with_clock(clock)
            .with_jitter(NoJitter),
        ),
    )
    .expect("client")
}

impl Env {
    pub fn job(&self) -> azure_importexport::JobRef {
        self.client.job(RG, JOB)
    }

    /// Requests received with this method (any path).
    pub async fn count(&self, wanted: Method) -> usize {
        self.requests(wanted).await.len()
    }

    pub async fn requests(&self, wanted: Method) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .expect("recording is on")
            .into_iter()
            .filter(|request| request.method == wanted)
            .collect()
    }

    /// Mounts `responder` for `verb` on the job path (api-version checked).
    pub async fn on_job(&self, verb: &str, responder: impl Respond + 'static) {
        on(verb, &job_path())
            .respond_with(responder)
            .mount(&self.server)
            .await;
    }
}

/// A mock for `verb path?api-version=2021-01-01`.
pub fn on(verb: &str, at: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(at.to_owned()))
        .and(query_param("api-version", API_VERSION))
}

/// A job body in `state` (None: no state at all), with secrets and unknown fields.
pub fn job_json(state: Option<&str>, cancel_requested: bool) -> String {
    let job = JobJson::new(SUB, RG, JOB)
        .cancel_requested(cancel_requested)
        .with("/location", json!("westus"))
        .with("/properties/percentComplete", json!(10))
        .with("/properties/futureProperty", json!({"x": 1}))
        .with("/futureTopLevel", json!(true));
    let job = match state {
        Some(state) => job.state(state),
        None => job.without("/properties/state"),
    };
    job.build().to_string()
}

pub fn ok_job(state: &str, cancel_requested: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(job_json(Some(state), cancel_requested))
}

pub fn arm_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#),
        "application/json",
    )
}

pub fn not_found() -> ResponseTemplate {
    arm_error(404, "ResourceNotFound", "The job was not found")
}

/// Responds with each template in turn, then repeats the last one.
pub struct Sequence {
    responses: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

pub fn seq(responses: Vec<ResponseTemplate>) -> Sequence {
    assert!(!responses.is_empty());
    Sequence {
        responses,
        next: AtomicUsize::new(0),
    }
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let index = self.next.fetch_add(1, Ordering::SeqCst);
        self.responses[index.min(self.responses.len() - 1)].clone()
    }
}

/// Every state the helpers refuse to delete, with the names used on the wire.
pub fn non_deletable_states() -> Vec<Option<&'static str>> {
    vec![
        Some("Shipping"),
        Some("Received"),
        Some("Transferring"),
        Some("Packaging"),
        Some("Closed"),
        Some("Canceled"),
        Some("Archived"),
        None,
    ]
}

pub fn state_of(name: Option<&str>) -> JobState {
    name.map_or_else(
        || JobState::Unknown("(no state in the response)".into()),
        JobState::from,
    )
}

pub fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

pub fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}
