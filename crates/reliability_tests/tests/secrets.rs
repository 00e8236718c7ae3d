//! Secrets: the bearer token, BitLocker keys and carrier account numbers appear in no
//! `Debug` output, no `Display`ed error, no serialized outcome and no `tracing` event (at
//! TRACE level, `log` records of the HTTP stack included); and a `nextLink` or a redirect
//! to another origin never receives the `Authorization` header.
//!
//! Every test of this file runs under one global subscriber that writes every event of
//! every level into a shared buffer (the emulator and wiremock run on their own threads,
//! and Tokio moves tasks between threads, so a thread-local subscriber would miss events).
//! Only wiremock's own events are left out: they describe what the *test server* received,
//! `Authorization` header included.

use azure_importexport::{
    CancelAndDeleteOptions, DeleteOptions, FsArchive, ImportExport, ImportExportOptions, Job,
    JobState, RequestError, RetryPolicy, StaticTokenCredential, VirtualClock,
};
use azure_importexport_emulator::{Emulator, Fault, FaultRule, RequestKind};
use futures::TryStreamExt as _;
use reliability_tests::{RG, SUB, TestClock, client_with_token, job_body};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok-SECRET-7a9b3c5d1e";
const BITLOCKER_KEY: &str = "424242-SECRET-BITLOCKER-777777";
const CARRIER_ACCOUNT: &str = "ACCT-SECRET-CARRIER-31337";
const SECRETS: [&str; 3] = [TOKEN, BITLOCKER_KEY, CARRIER_ACCOUNT];

/// The events of every test of this file.
fn events() -> &'static Arc<Mutex<Vec<u8>>> {
    static EVENTS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(true)
            .with_writer(move || Sink(writer.clone()));
        let filter = Targets::new()
            .with_default(LevelFilter::TRACE)
            .with_target("wiremock", LevelFilter::OFF);
        // Also installs a `log` -> `tracing` bridge, so `log` records (reqwest) are seen.
        tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .try_init()
            .expect("the first subscriber of this test binary");
        buffer
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} contains the secret {secret}:\n{text}"
        );
    }
}

fn assert_events_clean() {
    let text = String::from_utf8_lossy(&events().lock().expect("lock")).into_owned();
    assert_no_secret("the tracing events", &text);
}

fn wall_start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A job whose JSON carries both kinds of secrets (as an import job's GET does for the
/// carrier account; the BitLocker key is included as a service that returns it would).
fn secret_job(name: &str, state: &str) -> serde_json::Value {
    let mut job = job_body(name, state);
    job["properties"]["returnShipping"]["carrierAccountNumber"] = json!(CARRIER_ACCOUNT);
    job["properties"]["driveList"][0]["bitLockerKey"] = json!(BITLOCKER_KEY);
    job
}

fn sdk_client(endpoint: &str) -> ImportExport {
    client_with_token(
        endpoint,
        TestClock::new(wall_start()),
        RetryPolicy::default().with_max_attempts(3),
        None,
        TOKEN,
    )
}

/// A full flow against the emulator: every value and error it produces is formatted
/// with `Debug`, `Display` and (for outcomes) `Serialize`, and none shows a secret; then
/// neither does any tracing event, at any level.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_debug_errors_outcomes_or_tracing() {
    let events = events();
    let emulator = Emulator::start().await;
    for (name, state) in [
        ("job-get", "Shipping"),
        ("job-cancel", "Transferring"),
        ("job-delete", "Completed"),
        ("job-late", "Packaging"),
        ("job-both", "Creating"),
    ] {
        emulator.insert_job(SUB, RG, name, secret_job(name, state));
    }
    let client = sdk_client(&emulator.uri());
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut show = |what: &str, text: String| shown.push((what.to_owned(), text));

    show("client", format!("{client:?}"));
    show("rest client", format!("{:?}", client.rest()));
    show(
        "options",
        format!(
            "{:?}",
            ImportExportOptions::default().with_endpoint(emulator.uri())
        ),
    );
    show(
        "credential",
        format!("{:?}", StaticTokenCredential::new(TOKEN)),
    );
    show("job ref", format!("{:?}", client.job(RG, "job-get")));

    // Reads.
    let job = client.job(RG, "job-get").get(None).await.expect("get");
    assert!(
        String::from_utf8_lossy(job.json()).contains(CARRIER_ACCOUNT),
        "the bytes are exact"
    );
    show("job", format!("{job:?}"));
    show("job model", format!("{:?}", job.model()));
    show("job serialized", serde_json::to_string(&job).expect("json"));
    show("job redacted", job.redacted_json().to_string());
    let jobs = client
        .list_jobs(Some(azure_importexport::ListJobsOptions {
            resource_group: Some(RG.into()),
            ..Default::default()
        }))
        .await
        .expect("list");
    show("jobs", format!("{jobs:?}"));
    let keys = client
        .job(RG, "job-get")
        .bitlocker_keys(None)
        .await
        .expect("keys");
    assert_eq!(
        keys[0].bit_locker_key.as_deref(),
        Some(BITLOCKER_KEY),
        "the keys are there"
    );
    show("keys", format!("{keys:?}"));
    let raw_keys = client
        .rest()
        .bit_locker_keys()
        .list(RG, "job-get", None)
        .await
        .expect("raw keys");
    show("raw keys response", format!("{raw_keys:?}"));
    show(
        "raw keys model",
        format!("{:?}", raw_keys.into_model().expect("model")),
    );

    // A model holding the keys in a job (DriveStatus) and a request body.
    let with_keys = Job::from_json(serde_json::to_vec(&secret_job("x", "Creating")).expect("json"))
        .expect("job");
    show("job with keys", format!("{with_keys:?}"));
    show("job with keys model", format!("{:?}", with_keys.model()));
    let put: azure_importexport::rest::models::PutJobParameters =
        serde_json::from_value(secret_job("x", "Creating")).expect("put body");
    show("put parameters", format!("{put:?}"));

    // Writes and their outcomes.
    let cancelled = client
        .job(RG, "job-cancel")
        .cancel(None)
        .await
        .expect("cancel");
    show("cancel outcome", format!("{cancelled:?}"));
    show(
        "cancel outcome json",
        serde_json::to_string(&cancelled).expect("json"),
    );
    let archive = tempfile::tempdir().expect("dir");
    let deleted = client
        .job(RG, "job-delete")
        .safe_delete(Some(
            DeleteOptions::default().with_archive(FsArchive::new(archive.path())),
        ))
        .await
        .expect("delete");
    show("delete outcome", format!("{deleted:?}"));
    show(
        "delete outcome json",
        serde_json::to_string(&deleted).expect("json"),
    );
    let both = client
        .job(RG, "job-both")
        .cancel_and_delete(
            Duration::from_secs(600),
            Some(CancelAndDeleteOptions {
                delete: DeleteOptions::default().with_archive(FsArchive::new(archive.path())),
                ..Default::default()
            }),
        )
        .await;
    // The emulator's clock does not move here, so the wait times out: an error to show.
    show("cancel_and_delete", format!("{both:?}"));
    if let Err(error) = &both {
        show("cancel_and_delete error", error.to_string());
    }

    // Errors of every kind.
    let mut errors: Vec<(String, String, String)> = Vec::new();
    let mut error = |what: &str, debug: String, display: String| {
        errors.push((what.to_owned(), debug, display));
    };
    let late = client
        .job(RG, "job-late")
        .cancel(None)
        .await
        .expect_err("late");
    error("too late", format!("{late:?}"), late.to_string());
    let not_deletable = client
        .job(RG, "job-late")
        .safe_delete(None)
        .await
        .expect_err("not deletable");
    error(
        "not deletable",
        format!("{not_deletable:?}"),
        not_deletable.to_string(),
    );
    let missing = client.job(RG, "nope").get(None).await.expect_err("404");
    error("not found", format!("{missing:?}"), missing.to_string());
    emulator.inject(FaultRule::new(RequestKind::GetJob, 10, Fault::status(503)));
    let gave_up = client.job(RG, "job-get").get(None).await.expect_err("503");
    error("gave up", format!("{gave_up:?}"), gave_up.to_string());
    emulator.clear_faults();
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::Status {
            status: 409,
            retry_after: None,
            body: None,
        },
    ));
    let refused = client
        .job(RG, "job-get")
        .cancel(None)
        .await
        .expect_err("409");
    error("refused", format!("{refused:?}"), refused.to_string());
    let raw_missing = client
        .rest()
        .jobs()
        .get(RG, "nope", None)
        .await
        .expect_err("404");
    error(
        "azure_core error",
        format!("{raw_missing:?}"),
        raw_missing.to_string(),
    );
    let wait = client
        .job(RG, "job-get")
        .wait_until(JobState::Completed, Duration::from_secs(60), None)
        .await
        .expect_err("never within a minute");
    error("wait timeout", format!("{wait:?}"), wait.to_string());

    for (what, text) in &shown {
        assert_no_secret(what, text);
    }
    for (what, debug, display) in &errors {
        assert_no_secret(what, debug);
        assert_no_secret(what, display);
    }

    // Something was logged (so the check above is not vacuous): azure_core's request log.
    let text = String::from_utf8_lossy(&events.lock().expect("lock")).into_owned();
    assert!(
        text.contains("==> Request"),
        "no request event captured:\n{text}"
    );
    assert!(
        text.contains("authorization"),
        "the header name is logged, the value redacted"
    );
    assert_events_clean();
}

/// Replies whose secrets sit where the SDK does not expect them (wrong JSON types) turn
/// into errors that describe the position, never the value.
#[tokio::test]
async fn unreadable_replies_never_quote_secrets() {
    let server = MockServer::start().await;
    let job_path =
        format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/j");
    // A numeric key, an account number where an object is expected.
    Mock::given(method("POST"))
        .and(path(format!("{job_path}/listBitLockerKeys")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"value":[{"driveId":"D","bitLockerKey":424242777777}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(job_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(r#"{{"name":"j","properties":{{"state":"Shipping","returnShipping":"{CARRIER_ACCOUNT}"}}}}"#),
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = sdk_client(&server.uri());
    let keys = client
        .job(RG, "j")
        .bitlocker_keys(None)
        .await
        .expect_err("wrong type");
    let job = client.job(RG, "j").get(None).await.expect_err("wrong type");
    for error in [&keys, &job] {
        assert!(
            matches!(error, RequestError::InvalidResponse { .. }),
            "{error:?}"
        );
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains("424242777777"), "{text}");
            assert_no_secret("error", &text);
        }
    }
    assert_events_clean();
}

/// A server that records what it receives.
async fn recording_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"value":[]}"#, "application/json"),
        )
        .mount(&server)
        .await;
    server
}

async fn received_authorization(server: &MockServer) -> (usize, usize) {
    let requests = server.received_requests().await.unwrap_or_default();
    let with_auth = requests
        .iter()
        .filter(|r| r.headers.get("authorization").is_some())
        .count();
    (requests.len(), with_auth)
}

/// A `nextLink` to another origin (another port, another host name for the same
/// address, another scheme, a userinfo trick) is never followed: the other server
/// receives nothing, least of all the token. Through the SDK and the raw pager.
#[tokio::test]
async fn next_link_to_another_origin_never_gets_the_token() {
    let other = recording_server().await;
    let other_port = other.address().port();
    let list_path = format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs");
    let job = serde_json::to_string(&secret_job("a", "Completed")).expect("json");
    let server = MockServer::start().await;
    let own_port = server.address().port();
    let links = [
        format!("http://127.0.0.1:{other_port}{list_path}?page=2"),
        format!("http://localhost:{own_port}{list_path}?page=2"),
        format!("https://127.0.0.1:{own_port}{list_path}?page=2"),
        format!("http://127.0.0.1:{own_port}@127.0.0.1:{other_port}{list_path}?page=2"),
        format!("http://[::1]:{other_port}{list_path}?page=2"),
    ];
    for link in &links {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path(list_path.clone()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                format!(r#"{{"value":[{job}],"nextLink":"{link}"}}"#),
                "application/json",
            ))
            .mount(&server)
            .await;
        let client = sdk_client(&server.uri());
        let error = client.list_jobs(None).await.expect_err(link);
        assert!(
            error.to_string().contains("refusing to follow nextLink"),
            "{error}"
        );
        assert_no_secret("nextLink error", &format!("{error} {error:?}"));

        let pages: Result<Vec<_>, _> = client
            .rest()
            .jobs()
            .list_by_subscription(None)
            .expect("pager")
            .into_pages()
            .try_collect()
            .await;
        assert!(pages.is_err(), "{link} was followed by the raw pager");

        let (own, own_auth) = received_authorization(&server).await;
        assert_eq!(
            (own, own_auth),
            (2, 2),
            "page 1, twice, with the token ({link})"
        );
    }
    assert_eq!(received_authorization(&other).await, (0, 0));
    assert_events_clean();
}

/// azure_core's reqwest transport does not follow redirects; whatever a 3xx says, the
/// `Location` server receives nothing (and the SDK reports the 3xx, untried elsewhere).
#[tokio::test]
async fn redirects_to_another_origin_never_get_the_token() {
    let other = recording_server().await;
    let server = MockServer::start().await;
    let job_path =
        format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/j");
    for status in [301u16, 302, 303, 307, 308] {
        server.reset().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("location", format!("{}{job_path}", other.uri()).as_str()),
            )
            .mount(&server)
            .await;
        let client = sdk_client(&server.uri());
        let get = client
            .job(RG, "j")
            .get(None)
            .await
            .expect_err("a redirect is no job");
        assert!(
            matches!(get, RequestError::Refused { status: s, .. } if s == status),
            "{get:?}"
        );
        let keys = client.job(RG, "j").bitlocker_keys(None).await;
        assert!(keys.is_err());
        let list = client
            .list_jobs(Some(azure_importexport::ListJobsOptions {
                resource_group: Some(RG.into()),
                ..Default::default()
            }))
            .await;
        assert!(list.is_err());
        let (own, own_auth) = received_authorization(&server).await;
        assert_eq!(
            own, own_auth,
            "every request to the endpoint carried the token"
        );
        assert!(own >= 3);
    }
    assert_eq!(received_authorization(&other).await, (0, 0));
    assert_events_clean();
}

/// The virtual clock used above must not hide anything: a real-clock client logs the
/// same way (smoke check that the default construction path also keeps the token out).
#[tokio::test]
async fn default_client_construction_keeps_the_token_out_of_debug() {
    let client = ImportExport::new(
        SUB,
        Arc::new(StaticTokenCredential::new(TOKEN)),
        Some(
            ImportExportOptions::default()
                .with_endpoint("https://management.azure.com")
                .with_clock(VirtualClock::new()),
        ),
    )
    .expect("client");
    assert_no_secret("client", &format!("{client:?} {:?}", client.rest()));
    assert_no_secret("job", &format!("{:?}", client.job(RG, "x")));
    assert_events_clean();
}

/// A secret-named field the model does not know (a newer service version, another
/// casing) is kept in `additional_properties`, and the generated `Debug` prints that map
/// as is, while `Job::redacted_json` redacts the same field by name at any depth.
#[test]
fn secret_named_unknown_fields_are_redacted_in_model_debug() {
    let mut job = secret_job("x", "Shipping");
    job["properties"]["futureShipping"] = json!({"carrierAccountNumber": CARRIER_ACCOUNT});
    job["properties"]["driveList"][0]["BitLockerKey"] = json!(BITLOCKER_KEY);
    job["properties"]["driveList"][0]["bitLockerKey"] = json!("other");
    let parsed = Job::from_json(serde_json::to_vec(&job).expect("json")).expect("job");
    assert_no_secret("redacted json", &parsed.redacted_json().to_string());
    assert_no_secret("job model debug", &format!("{:?}", parsed.model()));
}
