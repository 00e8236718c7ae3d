//! Shared helpers for the emulator's integration tests: a small HTTP client and job bodies.

use std::sync::LazyLock;
use std::time::Duration;

pub use azure_importexport::{JobState, JobStateExt};
use azure_importexport_emulator::{Emulator, EmulatorConfig, Schedule};
use serde_json::{Value, json};

pub const SUB: &str = "00000000-0000-0000-0000-000000000001";
pub const RG: &str = "rg1";
pub const API: &str = "2021-01-01";
pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The ARM error code of an error response (checked against `x-ms-error-code`).
    pub fn error_code(&self) -> String {
        let body = self.json();
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an ARM error: {body}"))
            .to_owned();
        assert_eq!(self.header("x-ms-error-code"), Some(code.as_str()));
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "content-type {:?}",
            self.header("content-type")
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        code
    }

    pub fn state(&self) -> String {
        self.json()["properties"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A loopback client with a bearer token.
#[derive(Debug, Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Client {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            base: base.into(),
            token: Some("test-token".into()),
        }
    }

    pub fn for_emulator(emulator: &Emulator) -> Self {
        Self::new(emulator.uri())
    }

    pub fn without_auth(mut self) -> Self {
        self.token = None;
        self
    }

    /// Send `method` to `path_and_query` (relative to the base URI, or an absolute URL),
    /// a body declared as JSON.
    pub async fn send_raw(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        auth: Option<&str>,
    ) -> Resp {
        let mut headers = Vec::new();
        if let Some(auth) = auth {
            headers.push(("Authorization", auth));
        }
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.send_exactly(method, path_and_query, body, &headers)
            .await
    }

    /// Send with this client's token and exactly the `headers` given (no `Content-Type`
    /// unless given).
    pub async fn send_headers(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut all: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        all.extend_from_slice(headers);
        self.send_exactly(method, path_and_query, body, &all).await
    }

    async fn send_exactly(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_owned()
        } else {
            format!("{}{}", self.base, path_and_query)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body read").to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn send(&self, method: &str, path_and_query: &str, body: Option<&Value>) -> Resp {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let bytes = body.map(|b| serde_json::to_vec(b).expect("serialize"));
        self.send_raw(method, path_and_query, bytes, auth.as_deref())
            .await
    }

    pub async fn put_job(&self, name: &str, body: &Value) -> Resp {
        self.send("PUT", &job_url(name), Some(body)).await
    }

    pub async fn get_job(&self, name: &str) -> Resp {
        self.send("GET", &job_url(name), None).await
    }

    pub async fn patch_job(&self, name: &str, body: &Value) -> Resp {
        self.send("PATCH", &job_url(name), Some(body)).await
    }

    pub async fn delete_job(&self, name: &str) -> Resp {
        self.send("DELETE", &job_url(name), None).await
    }

    pub async fn cancel(&self, name: &str) -> Resp {
        self.patch_job(name, &json!({ "properties": { "cancelRequested": true } }))
            .await
    }

    pub async fn bitlocker_keys(&self, name: &str) -> Resp {
        let path = format!(
            "{}/listBitLockerKeys?api-version={API}",
            job_path(SUB, RG, name)
        );
        self.send("POST", &path, None).await
    }
}

pub fn job_path(sub: &str, rg: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs/{name}")
}

/// Path and query of a job in SUB/RG.
pub fn job_url(name: &str) -> String {
    format!("{}?api-version={API}", job_path(SUB, RG, name))
}

pub fn storage_account() -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/acct"
    )
}

pub fn import_body() -> Value {
    json!({
        "location": "westus",
        "tags": { "team": "data" },
        "properties": {
            "storageAccountId": storage_account(),
            "jobType": "Import",
            "diagnosticsPath": "ielogs",
            "logLevel": "Error",
            "backupDriveManifest": false,
            "driveList": [
                {
                    "driveId": "DRIVE0001",
                    "bitLockerKey": "111111-222222-333333-444444-555555-666666-777777-888888",
                    "manifestFile": "\\disk-manifest.xml",
                    "manifestHash": "ABCDEF0123456789"
                },
                {
                    "driveId": "DRIVE0002",
                    "bitLockerKey": "999999-888888-777777-666666-555555-444444-333333-222222",
                    "manifestFile": "\\disk-manifest.xml",
                    "manifestHash": "0123456789ABCDEF"
                }
            ]
        }
    })
}

pub fn export_body() -> Value {
    json!({
        "location": "eastus",
        "properties": {
            "storageAccountId": storage_account(),
            "jobType": "Export",
            "export": { "blobList": { "blobPathPrefix": ["/container/"] } }
        }
    })
}

pub fn return_address() -> Value {
    json!({
        "recipientName": "Test Person",
        "streetAddress1": "1 Test Street",
        "city": "Lakeview",
        "postalCode": "98000",
        "countryOrRegion": "USA",
        "phone": "5550000000",
        "email": "test@example.com"
    })
}

pub fn delivery_package() -> Value {
    json!({ "carrierName": "FedEx", "trackingNumber": "TRACK123", "driveCount": 2, "shipDate": "2026-01-02" })
}

pub fn ship_patch() -> Value {
    json!({
        "properties": {
            "state": "Shipping",
            "returnAddress": return_address(),
            "returnShipping": { "carrierName": "FedEx", "carrierAccountNumber": "12345" },
            "deliveryPackage": delivery_package()
        }
    })
}

/// The lifecycle states in order (the SDK's `JobStateExt::lifecycle()`), as wire values.
pub static LIFECYCLE: LazyLock<Vec<&'static str>> = LazyLock::new(|| lifecycle_where(|_| true));

/// The lifecycle states for which `rule` (one of the SDK's [`JobStateExt`] rules, which
/// the emulator must agree with) holds, in order, as wire values.
pub fn lifecycle_where(rule: impl Fn(&JobState) -> bool) -> Vec<&'static str> {
    JobState::lifecycle()
        .iter()
        .filter(|state| rule(state))
        .map(JobState::as_str)
        .collect()
}

/// The known states outside the lifecycle (`Closed`, `Canceled`), then values the SDK
/// does not know.
pub fn states_outside_the_lifecycle(unknown: &[&'static str]) -> Vec<&'static str> {
    JobState::KNOWN
        .iter()
        .filter(|state| state.lifecycle_rank().is_none())
        .map(JobState::as_str)
        .chain(unknown.iter().copied())
        .collect()
}

/// Create an import job over HTTP and bring it to `state` the way the service would:
/// PATCH to Shipping, then the virtual clock.
pub async fn job_in_state(emulator: &Emulator, client: &Client, name: &str, state: &str) {
    let created = client.put_job(name, &import_body()).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    if state == "Creating" {
        return;
    }
    let shipped = client.patch_job(name, &ship_patch()).await;
    assert_eq!(
        shipped.status,
        200,
        "{}",
        String::from_utf8_lossy(&shipped.body)
    );
    emulator
        .advance_job_to(SUB, RG, name, state)
        .expect("state reachable");
    assert_eq!(emulator.job_state(SUB, RG, name).as_deref(), Some(state));
}

/// An emulator with the default configuration, and a client for it.
pub async fn setup() -> (Emulator, Client) {
    setup_with(EmulatorConfig::default()).await
}

/// An emulator with `config`, and a client for it.
pub async fn setup_with(config: EmulatorConfig) -> (Emulator, Client) {
    let emulator = Emulator::start_with(config).await;
    let client = Client::for_emulator(&emulator);
    (emulator, client)
}

/// A schedule from the seconds each step takes: shipping to received, received to
/// transferring, transferring to packaging, packaging to completed.
pub fn schedule(secs: [u64; 4]) -> Schedule {
    let [received, transferring, packaging, completed] = secs.map(Duration::from_secs);
    Schedule {
        shipping_to_received: received,
        received_to_transferring: transferring,
        transferring_to_packaging: packaging,
        packaging_to_completed: completed,
    }
}

/// Brings a job named after `state` to `state`, sends it `request`, and checks that the
/// answer is `status` with the ARM error `code` and that the stored job did not change.
pub async fn assert_refused_in_state(
    emulator: &Emulator,
    client: &Client,
    state: &str,
    (status, code): (u16, &str),
    request: impl AsyncFn(&str) -> Resp,
) {
    let name = format!("job-{}", state.to_lowercase());
    job_in_state(emulator, client, &name, state).await;
    let before = emulator.job_json(SUB, RG, &name).unwrap();
    let resp = request(&name).await;
    assert_eq!(resp.status, status, "{state}");
    assert_eq!(resp.error_code(), code, "{state}");
    assert_eq!(
        emulator.job_json(SUB, RG, &name).unwrap(),
        before,
        "{state}"
    );
}
