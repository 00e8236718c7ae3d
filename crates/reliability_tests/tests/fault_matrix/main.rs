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
    job_body_with_system_data,
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

mod cell;
mod expect;
mod faults;

use cell::*;
use expect::*;
use faults::*;

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
