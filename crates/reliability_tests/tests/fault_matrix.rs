//! The fault matrix: every fault x every helper, against the emulator behind a fault proxy.
//!
//! See the tables with
//! `cargo test -p reliability_tests --test fault_matrix -- --nocapture`.
//!
//! Each cell starts its own emulator (wiremock, 127.0.0.1) with a [`FaultProxy`] in front,
//! injects one fault on the request the operation depends on, runs the operation with a
//! [`TestClock`] (backoff sleeps are virtual and instant), and checks:
//! - no panic (each cell runs in its own task; a panic is reported as `PANIC`);
//! - the outcome and the number of attempts of the faulted request match the expectation:
//!   transient faults are retried (at most `max_attempts` requests) and then succeed, or give
//!   up with `RequestError::GaveUp`; final answers fail at once with the service's code and
//!   message;
//! - `cancel` never reports success unless the job it returns shows `cancelRequested: true`
//!   (and the emulator agrees);
//! - no DELETE ever reached the emulator for a job that was not `Creating` or `Completed`
//!   (emulator journal), and a job without a provable state gets no DELETE or PATCH at all.
//!
//! Where each fault comes from:
//! - HTTP statuses, `Retry-After`, bodies and delays: the emulator's fault injection for the
//!   single-job requests (so its journal records them); for "page 2 of a list", a wiremock
//!   mock with a better priority than the emulator's catch-all, on the emulator's own server,
//!   matching `$skiptoken=1`, so page 1 and the recovery still come from the emulator and the
//!   `nextLink` stays on the same origin (a link to another origin would only test the
//!   origin check, see `secrets.rs`).
//! - Connection reset, truncated body and connection refused happen below HTTP: the
//!   [`FaultProxy`] resets the connection after reading the request, or forwards it and cuts
//!   the response body short, or closes its port (for page 2: right after serving page 1)
//!   and opens it again during the N-th backoff sleep (a [`TestClock`] hook), so "refused
//!   twice, then the service is back" is exact and needs no real waiting.
//! - Response shapes (unknown enum values, unknown fields, missing optional fields, no
//!   state at all): the job is stored that way in the emulator, so every response carries it.

use azure_importexport::{
    CancelError, DeleteError, DeleteOptions, FsArchive, JobState, RequestError, RetryPolicy,
    WaitError, WaitOptions,
};
use azure_importexport_emulator::{
    Emulator, EmulatorConfig, Fault as EmFault, FaultRule, RequestKind, Schedule,
};
use futures::StreamExt as _;
use reliability_tests::{
    FaultProxy, ProxyAction, ProxyRule, RG, RequestLog, SUB, TestClock, client, job_body,
};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};
use wiremock::matchers::{method, query_param};
use wiremock::{Mock, ResponseTemplate};

/// Requests allowed per operation in the matrix.
const MAX_ATTEMPTS: u32 = 4;
/// A fault that "persists" applies to this many requests (more than any budget).
const PERSISTENT: usize = 1000;
/// Attempt timeout of the "response delay" cells (real time: it guards real I/O).
const SHORT_TIMEOUT: Duration = Duration::from_millis(800);
/// The delay of the "response delay" fault: far beyond `SHORT_TIMEOUT`.
const LONG_DELAY: Duration = Duration::from_secs(3);
/// Attempt timeout of every other cell: generous, so a loaded machine never turns a normal
/// reply into a timeout.
const NORMAL_TIMEOUT: Duration = Duration::from_secs(20);
/// The job every cell works on (and the second job of the list).
const JOB: &str = "job-a";
const JOB_B: &str = "job-b";
const STEP: Duration = Duration::from_secs(600);
const ARM_CODE: &str = "InjectedRefusal";
/// Expected outcome "anything but a reported success".
const NOT_OK: &str = "not ok";

fn wall_start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Throttle429Seconds,
    Throttle429Date,
    S408,
    S500,
    S502,
    S503,
    S504,
    ConnectionReset,
    ConnectionRefused,
    DelayBeyondTimeout,
    TruncatedBody,
    InvalidJson,
    HtmlErrorPage,
    EmptyBody,
    UnknownEnumValue,
    UnknownFields,
    MissingOptionalFields,
    MissingState,
    Final400,
    Final404,
    Final409,
}

const FAULTS: [Fault; 21] = [
    Fault::Throttle429Seconds,
    Fault::Throttle429Date,
    Fault::S408,
    Fault::S500,
    Fault::S502,
    Fault::S503,
    Fault::S504,
    Fault::ConnectionReset,
    Fault::ConnectionRefused,
    Fault::DelayBeyondTimeout,
    Fault::TruncatedBody,
    Fault::InvalidJson,
    Fault::HtmlErrorPage,
    Fault::EmptyBody,
    Fault::UnknownEnumValue,
    Fault::UnknownFields,
    Fault::MissingOptionalFields,
    Fault::MissingState,
    Fault::Final400,
    Fault::Final404,
    Fault::Final409,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Retried: 408, 429, 5xx, connection errors, timeouts, a body cut short.
    Transient,
    /// A complete answer that is not retried (4xx, an unreadable 200).
    Final,
    /// The job itself has an unusual shape (no fault is injected).
    Data,
}

impl Fault {
    fn label(self) -> &'static str {
        match self {
            Fault::Throttle429Seconds => "429 Retry-After: 1",
            Fault::Throttle429Date => "429 Retry-After: <HTTP date +3s>",
            Fault::S408 => "408",
            Fault::S500 => "500",
            Fault::S502 => "502",
            Fault::S503 => "503",
            Fault::S504 => "504",
            Fault::ConnectionReset => "connection reset",
            Fault::ConnectionRefused => "connection refused",
            Fault::DelayBeyondTimeout => "reply delayed > attempt timeout",
            Fault::TruncatedBody => "body truncated (conn. closed)",
            Fault::InvalidJson => "200 invalid JSON",
            Fault::HtmlErrorPage => "502 HTML error page",
            Fault::EmptyBody => "200 empty body",
            Fault::UnknownEnumValue => "unknown enum values (state)",
            Fault::UnknownFields => "unknown fields",
            Fault::MissingOptionalFields => "missing optional fields",
            Fault::MissingState => "no properties.state",
            Fault::Final400 => "400 ARM error",
            Fault::Final404 => "404 ARM error",
            Fault::Final409 => "409 ARM error",
        }
    }

    fn class(self) -> Class {
        match self {
            Fault::InvalidJson
            | Fault::EmptyBody
            | Fault::Final400
            | Fault::Final404
            | Fault::Final409 => Class::Final,
            Fault::UnknownEnumValue
            | Fault::UnknownFields
            | Fault::MissingOptionalFields
            | Fault::MissingState => Class::Data,
            _ => Class::Transient,
        }
    }

    /// Whether the emulator (or upstream) applied the request before the fault hit the
    /// reply: the reply is lost, not the request.
    fn applies_request(self) -> bool {
        matches!(self, Fault::DelayBeyondTimeout | Fault::TruncatedBody)
    }

    fn arm_status(self) -> Option<u16> {
        match self {
            Fault::Final400 => Some(400),
            Fault::Final404 => Some(404),
            Fault::Final409 => Some(409),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Get,
    List,
    Cancel,
    SafeDelete,
    WaitUntil,
}

const OPS: [Op; 5] = [Op::Get, Op::List, Op::Cancel, Op::SafeDelete, Op::WaitUntil];

impl Op {
    fn label(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::List => "list (page 2)",
            Op::Cancel => "cancel (PATCH)",
            Op::SafeDelete => "safe_delete",
            Op::WaitUntil => "wait_until",
        }
    }

    /// The state the job starts in.
    fn initial_state(self) -> &'static str {
        match self {
            Op::Get | Op::List | Op::Cancel => "Shipping",
            Op::SafeDelete => "Completed",
            Op::WaitUntil => "Packaging",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// The fault hits the first two attempts, then the service recovers.
    Twice,
    /// The fault hits every attempt.
    Persistent,
}

impl Variant {
    fn count(self) -> usize {
        match self {
            Variant::Twice => 2,
            Variant::Persistent => PERSISTENT,
        }
    }
}

/// Which request the fault is put on, and which requests the "attempts" column counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// `GET .../jobs/job-a`.
    JobGet,
    /// `GET .../jobs?...$skiptoken=1` (page 2).
    Page2,
    /// `PATCH .../jobs/job-a`.
    Patch,
    /// `DELETE .../jobs/job-a`.
    Delete,
}

fn target(fault: Fault, op: Op) -> Target {
    match op {
        Op::Get | Op::WaitUntil => Target::JobGet,
        Op::List => Target::Page2,
        Op::Cancel => Target::Patch,
        // An unreadable 200 is the documented reply of a DELETE only when empty; what
        // matters for a delete is that an unreadable look-up never leads to a DELETE.
        Op::SafeDelete => match fault {
            Fault::InvalidJson | Fault::EmptyBody => Target::JobGet,
            _ => Target::Delete,
        },
    }
}

impl Target {
    fn method(self) -> &'static str {
        match self {
            Target::JobGet | Target::Page2 => "GET",
            Target::Patch => "PATCH",
            Target::Delete => "DELETE",
        }
    }

    fn kind(self) -> RequestKind {
        match self {
            Target::JobGet => RequestKind::GetJob,
            Target::Page2 => RequestKind::ListJobs,
            Target::Patch => RequestKind::UpdateJob,
            Target::Delete => RequestKind::DeleteJob,
        }
    }

    /// Requests of this target in the client's log.
    fn count(self, log: &RequestLog) -> usize {
        log.entries()
            .iter()
            .filter(|r| r.method == self.method())
            .filter(|r| match self {
                Target::Page2 => r.query.contains("skiptoken"),
                Target::JobGet | Target::Patch | Target::Delete => r.path.ends_with(JOB),
            })
            .count()
    }

    /// What the proxy matches in the request target.
    fn proxy_match(self) -> &'static str {
        match self {
            Target::Page2 => "skiptoken",
            Target::JobGet | Target::Patch | Target::Delete => "/jobs/job-a?",
        }
    }
}

/// The ARM error body of the final faults.
fn arm_body(status: u16) -> String {
    json!({"error": {"code": ARM_CODE, "message": format!("Injected: refused with {status}.")}})
        .to_string()
}

fn retry_after_date() -> String {
    httpdate::fmt_http_date(wall_start() + Duration::from_secs(3))
}

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p>\n<hr><address>gateway</address></body></html>";
const INVALID_JSON: &str = r#"{"name":"job-a","properties":{"state":"Shipping",},}"#;

/// The emulator fault for status, body and delay faults.
fn emulator_fault(fault: Fault) -> Option<EmFault> {
    Some(match fault {
        Fault::Throttle429Seconds => EmFault::throttled("1"),
        Fault::Throttle429Date => EmFault::throttled(retry_after_date()),
        Fault::S408 => EmFault::status(408),
        Fault::S500 => EmFault::status(500),
        Fault::S502 => EmFault::status(502),
        Fault::S503 => EmFault::status(503),
        Fault::S504 => EmFault::status(504),
        Fault::DelayBeyondTimeout => EmFault::Delay(LONG_DELAY),
        Fault::InvalidJson => EmFault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: INVALID_JSON.into(),
        },
        Fault::HtmlErrorPage => EmFault::Raw {
            status: 502,
            content_type: "text/html".into(),
            body: HTML_PAGE.into(),
        },
        Fault::EmptyBody => EmFault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: Vec::new(),
        },
        Fault::Final400 | Fault::Final404 | Fault::Final409 => {
            let status = fault.arm_status()?;
            EmFault::Status {
                status,
                retry_after: None,
                body: Some(arm_body(status)),
            }
        }
        _ => return None,
    })
}

/// The same faults as wiremock templates, for page 2 of a list.
fn page2_template(fault: Fault) -> Option<ResponseTemplate> {
    let arm = |status: u16, code: &str| {
        ResponseTemplate::new(status).set_body_raw(
            json!({"error": {"code": code, "message": format!("Injected fault: HTTP {status}.")}})
                .to_string(),
            "application/json",
        )
    };
    Some(match fault {
        Fault::Throttle429Seconds => arm(429, "TooManyRequests").insert_header("Retry-After", "1"),
        Fault::Throttle429Date => {
            arm(429, "TooManyRequests").insert_header("Retry-After", retry_after_date().as_str())
        }
        Fault::S408 => arm(408, "RequestTimeout"),
        Fault::S500 => arm(500, "InternalServerError"),
        Fault::S502 => arm(502, "BadGateway"),
        Fault::S503 => arm(503, "ServiceUnavailable"),
        Fault::S504 => arm(504, "GatewayTimeout"),
        Fault::DelayBeyondTimeout => ResponseTemplate::new(200)
            .set_body_raw(r#"{"value":[]}"#, "application/json")
            .set_delay(LONG_DELAY),
        Fault::InvalidJson => {
            ResponseTemplate::new(200).set_body_raw(INVALID_JSON, "application/json")
        }
        Fault::HtmlErrorPage => ResponseTemplate::new(502).set_body_raw(HTML_PAGE, "text/html"),
        Fault::EmptyBody => ResponseTemplate::new(200).set_body_raw("", "application/json"),
        Fault::Final400 | Fault::Final404 | Fault::Final409 => {
            let status = fault.arm_status()?;
            ResponseTemplate::new(status).set_body_raw(arm_body(status), "application/json")
        }
        _ => return None,
    })
}

/// The job as stored for the data faults (`None`: the normal job).
fn data_body(fault: Fault, name: &str, state: &str) -> Option<Value> {
    match fault {
        Fault::UnknownEnumValue => {
            let mut job = job_body(name, "Archived");
            job["identity"]["type"] = json!("FederatedFutureIdentity");
            job["properties"]["driveList"][0]["state"] = json!("Vaporized");
            job["systemData"] = json!({"createdByType": "Robot", "createdBy": "r2"});
            Some(job)
        }
        Fault::UnknownFields => {
            let mut job = job_body(name, state);
            job["futureTopLevel"] = json!({"nested": [1, {"deep": true}], "n": 1.5e300});
            job["properties"]["futureProperty"] = json!("x");
            job["properties"]["driveList"][0]["futureDriveField"] = json!(7);
            job["properties"]["returnShipping"]["futureCarrierField"] = json!(null);
            Some(job)
        }
        Fault::MissingOptionalFields => Some(json!({"properties": {"state": state}})),
        Fault::MissingState => Some(json!({"name": name, "properties": {"jobType": "Import"}})),
        _ => None,
    }
}

/// What one cell did.
#[derive(Clone, Debug)]
struct CellResult {
    outcome: String,
    attempts: usize,
    /// Broken invariants (always a failure, whatever the expectation).
    violations: Vec<String>,
    sleeps: Vec<Duration>,
}

fn request_outcome(error: &RequestError) -> String {
    match error {
        RequestError::NotFound { .. } => "not-found".into(),
        RequestError::Refused { status, code, .. } => {
            format!("{status} {}", code.as_deref().unwrap_or("-"))
        }
        RequestError::GaveUp { .. } => "gave-up".into(),
        RequestError::InvalidResponse { .. } => "invalid-response".into(),
        RequestError::Failed { .. } => "failed".into(),
        _ => "other-request-error".into(),
    }
}

/// Checks of a request error that hold in every cell.
fn check_request_error(fault: Fault, error: &RequestError, violations: &mut Vec<String>) {
    let service_answer = match error {
        RequestError::Refused { code, message, .. }
        | RequestError::NotFound { code, message, .. } => Some((code, message)),
        _ => None,
    };
    if let (Some(status), Some((code, message))) = (fault.arm_status(), service_answer) {
        let expected = format!("Injected: refused with {status}.");
        if code.as_deref() != Some(ARM_CODE) || *message != expected {
            violations.push(format!(
                "final error lost the service's code/message: {code:?} {message:?}"
            ));
        }
    }
    if let RequestError::GaveUp {
        attempts,
        last_failure,
        ..
    } = error
    {
        if *attempts > MAX_ATTEMPTS {
            violations.push(format!(
                "gave up after {attempts} > {MAX_ATTEMPTS} attempts"
            ));
        }
        if fault == Fault::HtmlErrorPage
            && !(last_failure.contains("non-ARM body") && last_failure.len() < 600)
        {
            violations.push(format!("HTML page not summarized: {last_failure:?}"));
        }
    }
    let text = error.to_string();
    if text.len() > 2_000 {
        violations.push(format!("error message of {} bytes", text.len()));
    }
}

/// Runs one cell.
async fn run_cell(fault: Fault, op: Op, variant: Variant) -> CellResult {
    let schedule = Schedule {
        shipping_to_received: STEP,
        received_to_transferring: STEP,
        transferring_to_packaging: STEP,
        packaging_to_completed: STEP,
    };
    let emulator = Emulator::start_with(EmulatorConfig {
        page_size: 1,
        schedule,
        ..EmulatorConfig::default()
    })
    .await;
    let state = op.initial_state();
    let data = data_body(fault, JOB, state);
    match op {
        Op::List => {
            emulator.insert_job(SUB, RG, JOB, job_body(JOB, state));
            let second = data_body(fault, JOB_B, state).unwrap_or_else(|| job_body(JOB_B, state));
            emulator.insert_job(SUB, RG, JOB_B, second);
        }
        _ => emulator.insert_job(SUB, RG, JOB, data.unwrap_or_else(|| job_body(JOB, state))),
    }
    let before = emulator.job_json(SUB, RG, JOB);

    let proxy = FaultProxy::start(&emulator.uri()).await;
    let clock = TestClock::new(wall_start());
    let log = RequestLog::new();
    let attempt_timeout = if fault == Fault::DelayBeyondTimeout {
        SHORT_TIMEOUT
    } else {
        NORMAL_TIMEOUT
    };
    let retry = RetryPolicy::default()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_attempt_timeout(attempt_timeout);
    let client = client(&proxy.uri(), clock.clone(), retry, Some(log.clone()));
    if op == Op::WaitUntil {
        // The service's time moves with the waiter's.
        let emulator = emulator.clone();
        clock.on_sleep(move |by| emulator.advance(by));
    }

    // Inject the fault.
    let target = target(fault, op);
    let count = variant.count();
    match fault {
        Fault::ConnectionReset | Fault::TruncatedBody => proxy.add_rule(ProxyRule {
            method: Some(target.method()),
            target_contains: Some(target.proxy_match()),
            count,
            action: if fault == Fault::ConnectionReset {
                ProxyAction::Reset
            } else {
                ProxyAction::Truncate
            },
        }),
        Fault::ConnectionRefused => {
            match op {
                // The first request is the faulted one: close the port now.
                Op::Get | Op::WaitUntil => proxy.stop_listening().await,
                // Serve the look-up (or page 1), then close the port.
                Op::List | Op::Cancel | Op::SafeDelete => proxy.add_rule(ProxyRule {
                    method: Some("GET"),
                    target_contains: None,
                    count: 1,
                    action: ProxyAction::StopListeningAfter,
                }),
            }
            if variant == Variant::Twice {
                // Each refused attempt is followed by one backoff sleep: open the port
                // again during the second, so exactly two attempts are refused.
                let reopen = proxy.reopener();
                let mut sleeps = 0;
                clock.on_sleep(move |_| {
                    sleeps += 1;
                    if sleeps == 2 {
                        reopen();
                    }
                });
            }
        }
        _ if fault.class() == Class::Data => {}
        _ if target == Target::Page2 => {
            let template = page2_template(fault).expect("a page-2 template");
            let server = emulator.server().expect("the emulator owns its server");
            Mock::given(method("GET"))
                .and(query_param("$skiptoken", "1"))
                .respond_with(template)
                .up_to_n_times(count as u64)
                .with_priority(1)
                .mount(server)
                .await;
        }
        _ => emulator.inject(FaultRule::new(
            target.kind(),
            count,
            emulator_fault(fault).expect("an emulator fault"),
        )),
    }

    let archive_dir = tempfile::tempdir().expect("temp dir");
    let job = client.job(RG, JOB);
    let mut violations = Vec::new();
    let outcome = match op {
        Op::Get => match job.get(None).await {
            Ok(found) => {
                if fault == Fault::UnknownFields
                    && !String::from_utf8_lossy(found.json()).contains("futureTopLevel")
                {
                    violations.push("unknown fields dropped from Job::json".into());
                }
                if fault == Fault::UnknownEnumValue
                    && found.state() != JobState::Unknown("Archived".into())
                {
                    violations.push(format!("unknown state read as {}", found.state()));
                }
                "ok".into()
            }
            Err(error) => {
                check_request_error(fault, &error, &mut violations);
                request_outcome(&error)
            }
        },
        Op::List => match client
            .list_jobs(Some(azure_importexport::ListJobsOptions {
                resource_group: Some(RG.into()),
                ..Default::default()
            }))
            .await
        {
            Ok(jobs) => {
                let names: Vec<_> = jobs.iter().map(|j| j.state().to_string()).collect();
                if jobs.len() != 2 {
                    violations.push(format!("listed {} jobs: {names:?}", jobs.len()));
                }
                if fault == Fault::UnknownFields
                    && !jobs
                        .iter()
                        .any(|j| String::from_utf8_lossy(j.json()).contains("futureTopLevel"))
                {
                    violations.push("unknown fields dropped from a listed job".into());
                }
                "ok".into()
            }
            Err(error) => {
                check_request_error(fault, &error, &mut violations);
                request_outcome(&error)
            }
        },
        Op::Cancel => match job.cancel(Some(Default::default())).await {
            Ok(outcome) => {
                let service = emulator
                    .job_json(SUB, RG, JOB)
                    .and_then(|j| j.pointer("/properties/cancelRequested").cloned());
                if !outcome.job.cancel_requested() || service != Some(json!(true)) {
                    violations.push(format!(
                        "cancel reported success, but the job it returned has cancelRequested={} and the service has {service:?}",
                        outcome.job.cancel_requested()
                    ));
                }
                if outcome.patch_attempts > MAX_ATTEMPTS {
                    violations.push(format!("{} PATCH attempts", outcome.patch_attempts));
                }
                "ok".into()
            }
            Err(CancelError::TooLate { patch_attempts, .. }) => {
                if patch_attempts != 0 || log.count("PATCH", "") != 0 {
                    violations.push("PATCH sent for a job that cannot be cancelled".into());
                }
                "too-late".into()
            }
            Err(CancelError::Request(error)) => {
                check_request_error(fault, &error, &mut violations);
                request_outcome(&error)
            }
            Err(other) => format!("other: {other}"),
        },
        Op::SafeDelete => {
            let options = DeleteOptions::default().with_archive(FsArchive::new(archive_dir.path()));
            match job.safe_delete(Some(options)).await {
                Ok(outcome) => {
                    if emulator.job_json(SUB, RG, JOB).is_some() {
                        violations
                            .push("delete reported success but the job is still there".into());
                    }
                    let archived = outcome
                        .archived_to
                        .as_deref()
                        .and_then(|path| std::fs::read(path).ok())
                        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
                    if archived != before {
                        violations.push("the archive is not the job as the service had it".into());
                    }
                    "ok".into()
                }
                Err(DeleteError::NotDeletable { .. }) => "not-deletable".into(),
                Err(DeleteError::Request(error)) => {
                    check_request_error(fault, &error, &mut violations);
                    request_outcome(&error)
                }
                Err(DeleteError::StillPresent { .. }) => "still-present".into(),
                Err(DeleteError::Unconfirmed { .. }) => "unconfirmed".into(),
                Err(other) => format!("other: {other}"),
            }
        }
        Op::WaitUntil => {
            let options = WaitOptions::default()
                .with_delays(Duration::from_secs(60), Duration::from_secs(600));
            match job
                .wait_until(
                    JobState::Completed,
                    Duration::from_secs(3600),
                    Some(options),
                )
                .await
            {
                Ok(found) => {
                    if found.state() != JobState::Completed {
                        violations.push(format!("wait returned a {} job", found.state()));
                    }
                    "ok".into()
                }
                Err(WaitError::Timeout { .. }) => "timeout".into(),
                Err(WaitError::Gone { .. }) => "gone".into(),
                Err(WaitError::Unreachable { .. }) => "unreachable".into(),
                Err(WaitError::Request(error)) => {
                    check_request_error(fault, &error, &mut violations);
                    request_outcome(&error)
                }
                Err(other) => format!("other: {other}"),
            }
        }
    };

    // Invariants of every cell.
    for entry in emulator.journal() {
        if entry.method == "DELETE"
            && !matches!(
                entry.state_before.as_deref(),
                None | Some("Creating" | "Completed")
            )
        {
            violations.push(format!("DELETE reached a {:?} job", entry.state_before));
        }
    }
    if matches!(fault, Fault::UnknownEnumValue | Fault::MissingState)
        && op != Op::List
        && (log.count("DELETE", "") > 0 || log.count("PATCH", "") > 0)
    {
        violations.push("a write was sent for a job whose state is not provable".into());
    }
    for method in ["PATCH", "DELETE"] {
        let sent = log.count(method, "");
        if sent > MAX_ATTEMPTS as usize {
            violations.push(format!("{sent} {method} requests > budget {MAX_ATTEMPTS}"));
        }
    }
    CellResult {
        outcome,
        attempts: target.count(&log),
        violations,
        sleeps: clock.sleeps(),
    }
}

/// What a cell must show.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Expect {
    outcome: String,
    /// Requests of the faulted kind (`None`: not asserted, e.g. a waiter's polls).
    attempts: Option<usize>,
    /// Minimum requests of the faulted kind.
    at_least: usize,
}

fn exactly(outcome: &str, attempts: usize) -> Expect {
    Expect {
        outcome: outcome.into(),
        attempts: Some(attempts),
        at_least: attempts,
    }
}

fn at_least(outcome: &str, attempts: usize) -> Expect {
    Expect {
        outcome: outcome.into(),
        attempts: None,
        at_least: attempts,
    }
}

fn expect(fault: Fault, op: Op, variant: Variant) -> Expect {
    let max = MAX_ATTEMPTS as usize;
    match fault.class() {
        Class::Transient => match (variant, op) {
            // A waiter polls until Completed: the faulted first poll is retried twice.
            (Variant::Twice, Op::WaitUntil) => at_least("ok", 3),
            // An outage does not end a wait: it polls on until its deadline.
            (Variant::Persistent, Op::WaitUntil) => at_least("timeout", max + 1),
            // The lost reply of an applied write is resolved by re-reading the job.
            (_, Op::Cancel | Op::SafeDelete) if fault.applies_request() => exactly("ok", 1),
            // A refused connection is not applied, but the job is re-read before the
            // retry (its name may be reused meanwhile), and the re-read meets the
            // closed port too: it takes one of the two refusals (cancel), or both
            // (safe_delete, whose re-read after archiving comes before any DELETE).
            (Variant::Twice, Op::Cancel) if fault == Fault::ConnectionRefused => exactly("ok", 2),
            (Variant::Twice, Op::SafeDelete) if fault == Fault::ConnectionRefused => {
                exactly("ok", 1)
            }
            (Variant::Persistent, Op::Cancel) if fault == Fault::ConnectionRefused => {
                exactly("gave-up", 1)
            }
            (Variant::Persistent, Op::SafeDelete) if fault == Fault::ConnectionRefused => {
                exactly("gave-up", 0)
            }
            (Variant::Twice, _) => exactly("ok", 3),
            (Variant::Persistent, _) => exactly("gave-up", max),
        },
        Class::Final => {
            let outcome = match fault {
                Fault::Final404 if op == Op::WaitUntil => "gone".to_owned(),
                Fault::Final404 => "not-found".to_owned(),
                Fault::InvalidJson | Fault::EmptyBody => match op {
                    // The pager itself cannot read the page (no nextLink to be found).
                    Op::List => "failed".into(),
                    // An unreadable 200 is not a success unless the job shows
                    // cancelRequested: it is re-read and the PATCH retried, like an
                    // ambiguous failure.
                    Op::Cancel => {
                        return match variant {
                            Variant::Twice => exactly("ok", 3),
                            Variant::Persistent => exactly("gave-up", max),
                        };
                    }
                    // An unreadable reply (a proxy's page) does not end a wait either.
                    Op::WaitUntil => {
                        return match variant {
                            Variant::Twice => at_least("ok", 3),
                            Variant::Persistent => at_least("timeout", max + 1),
                        };
                    }
                    _ => "invalid-response".into(),
                },
                _ => format!("{} {ARM_CODE}", fault.arm_status().unwrap_or(0)),
            };
            exactly(&outcome, 1)
        }
        Class::Data => {
            let refused = matches!(fault, Fault::UnknownEnumValue | Fault::MissingState);
            match op {
                Op::Get | Op::List => exactly("ok", 1),
                Op::Cancel if refused => exactly("too-late", 0),
                Op::SafeDelete if refused => exactly("not-deletable", 0),
                // Unknown states keep a waiter polling until its timeout.
                Op::WaitUntil if refused => at_least("timeout", 2),
                Op::WaitUntil => at_least("ok", 2),
                Op::Cancel | Op::SafeDelete => exactly("ok", 1),
            }
        }
    }
}

/// A `200` to the cancel PATCH whose body does not show `cancelRequested`: unconfirmed,
/// so it is handled like an ambiguous failure (re-read, then retried with backoff).
fn is_unconfirmed_cancel(fault: Fault, op: Op) -> bool {
    matches!(op, Op::Cancel | Op::WaitUntil)
        && matches!(fault, Fault::InvalidJson | Fault::EmptyBody)
}

/// Cell checks beyond outcome and attempts.
fn extra_checks(fault: Fault, op: Op, variant: Variant, result: &CellResult) -> Vec<String> {
    let mut problems = Vec::new();
    // Retry-After is honoured exactly (no jitter on a server-requested delay).
    let first = result.sleeps.first().copied();
    match fault {
        Fault::Throttle429Seconds if first != Some(Duration::from_secs(1)) => {
            problems.push(format!(
                "Retry-After: 1 not honoured, first sleep {first:?}"
            ));
        }
        Fault::Throttle429Date if first != Some(Duration::from_secs(3)) => {
            problems.push(format!(
                "HTTP-date Retry-After not honoured, first sleep {first:?}"
            ));
        }
        _ => {}
    }
    let _ = variant;
    if fault.class() == Class::Final
        && !is_unconfirmed_cancel(fault, op)
        && !result.sleeps.is_empty()
    {
        problems.push(format!(
            "a final answer was followed by a backoff: {:?}",
            result.sleeps
        ));
    }
    problems
}

fn cell_text(result: &CellResult) -> String {
    format!("{} x{}", result.outcome, result.attempts)
}

async fn run_matrix(cells: Vec<(Fault, Op, Variant)>) -> Vec<((Fault, Op, Variant), CellResult)> {
    futures::stream::iter(cells)
        .map(|cell| async move {
            let (fault, op, variant) = cell;
            let result = match tokio::spawn(run_cell(fault, op, variant)).await {
                Ok(result) => result,
                Err(join) => CellResult {
                    outcome: if join.is_panic() {
                        "PANIC".into()
                    } else {
                        "CANCELLED".into()
                    },
                    attempts: 0,
                    violations: vec![format!("the cell did not finish: {join}")],
                    sleeps: Vec::new(),
                },
            };
            (cell, result)
        })
        .buffer_unordered(8)
        .collect()
        .await
}

fn table(title: &str, variant: Variant, results: &[((Fault, Op, Variant), CellResult)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{title}");
    let _ = write!(out, "| {:<32} |", "fault");
    for op in OPS {
        let _ = write!(out, " {:<22} |", op.label());
    }
    let _ = writeln!(out);
    let _ = write!(out, "|{}|", "-".repeat(34));
    for _ in OPS {
        let _ = write!(out, "{}|", "-".repeat(24));
    }
    let _ = writeln!(out);
    for fault in FAULTS {
        if !results
            .iter()
            .any(|((f, _, v), _)| *f == fault && *v == variant)
        {
            continue;
        }
        let _ = write!(out, "| {:<32} |", fault.label());
        for op in OPS {
            let text = results
                .iter()
                .find(|((f, o, v), _)| *f == fault && *o == op && *v == variant)
                .map(|(_, r)| cell_text(r))
                .unwrap_or_default();
            let _ = write!(out, " {text:<22} |");
        }
        let _ = writeln!(out);
    }
    out
}

fn check(results: &[((Fault, Op, Variant), CellResult)]) -> Vec<String> {
    let mut failures = Vec::new();
    for ((fault, op, variant), result) in results {
        let name = format!("[{} / {} / {variant:?}]", fault.label(), op.label());
        let expected = expect(*fault, *op, *variant);
        for violation in result
            .violations
            .iter()
            .chain(&extra_checks(*fault, *op, *variant, result))
        {
            failures.push(format!("{name} {violation}"));
        }
        let outcome_ok = if expected.outcome == NOT_OK {
            result.outcome != "ok"
        } else {
            result.outcome == expected.outcome
        };
        if !outcome_ok {
            failures.push(format!(
                "{name} outcome {:?}, expected {:?}",
                result.outcome, expected.outcome
            ));
        }
        let attempts_ok = expected.outcome == NOT_OK
            || match expected.attempts {
                Some(n) => result.attempts == n,
                None => result.attempts >= expected.at_least,
            };
        if !attempts_ok {
            failures.push(format!(
                "{name} {} attempts, expected {expected:?}",
                result.attempts
            ));
        }
    }
    failures
}

fn all_cells(filter: impl Fn(Fault, Op) -> bool) -> Vec<(Fault, Op, Variant)> {
    let mut cells = Vec::new();
    for variant in [Variant::Twice, Variant::Persistent] {
        for fault in FAULTS {
            for op in OPS {
                if filter(fault, op) {
                    cells.push((fault, op, variant));
                }
            }
        }
    }
    cells
}

/// The matrix. Prints two tables (`--nocapture` to see them): cells are
/// `outcome xN`, N being the requests of the faulted kind (the GET of `get`/`wait_until`,
/// page-2 GETs of `list`, PATCHes of `cancel`, DELETEs of `safe_delete`, or the look-up
/// GET for the unreadable-200 rows of `safe_delete`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let results = run_matrix(all_cells(|_, _| true)).await;
    println!(
        "{}",
        table(
            "Fault matrix: the fault hits the first 2 attempts, then the service recovers",
            Variant::Twice,
            &results
        )
    );
    println!(
        "{}",
        table(
            &format!("Fault matrix: the fault persists (max_attempts = {MAX_ATTEMPTS})"),
            Variant::Persistent,
            &results
        )
    );
    let failures = check(&results);
    assert!(
        failures.is_empty(),
        "{} cell(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A readable but stale reply: the PATCH is answered `200` with the job as it was
/// (`cancelRequested: false`, e.g. a stale replica): `cancel` must not report success.
#[tokio::test]
async fn cancel_success_requires_a_job_showing_cancel_requested() {
    let emulator = Emulator::start().await;
    emulator.insert_job(SUB, RG, JOB, job_body(JOB, "Shipping"));
    let stale = serde_json::to_vec(&job_body(JOB, "Shipping")).expect("json");
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        PERSISTENT,
        EmFault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: stale,
        },
    ));
    let clock = TestClock::new(wall_start());
    let retry = RetryPolicy::default().with_max_attempts(MAX_ATTEMPTS);
    let client = client(&emulator.uri(), clock, retry, None);
    let result = client.job(RG, JOB).cancel(Some(Default::default())).await;
    if let Ok(outcome) = &result {
        assert!(
            outcome.job.cancel_requested(),
            "cancel reported success with a job showing cancelRequested=false: {outcome:?}"
        );
    }
}
