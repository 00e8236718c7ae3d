//! Regression tests for the CLI defects of issue 10, one per defect, each running the
//! real `azie` binary against the emulator.

use crate::common::{RG, Run, SUB, assert_mentions, azie, count, emulator_with};
use azure_importexport_emulator::{Emulator, Fault, FaultRule, RequestKind};
use serde_json::Value;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Defect 5: a cancel that succeeded is printed even when the wait then times out, so a
/// script can tell it from a cancel that gave up (both exit 5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_5_cancel_wait_timeout_still_prints_the_outcome() {
    // The emulator's clock does not move here: the cancelled jobs stay Shipping.
    let emulator = emulator_with(&[("j", "Shipping"), ("t", "Shipping")]).await;
    let args = ["jobs", "cancel", RG, "j", "--wait", "--timeout", "300ms"];
    let run = azie(Some(&emulator), &[&args[..], &["-o", "json"]].concat(), &[]).await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let outcome = run.json();
    assert_eq!(outcome["stateAtRequest"], "Shipping");
    assert_eq!(outcome["dataMayStillTransfer"], false);
    assert_eq!(outcome.get("finalState"), Some(&Value::Null), "{outcome}");
    assert_eq!(outcome["waitTimedOut"], true);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);

    let table = azie(
        Some(&emulator),
        &["jobs", "cancel", RG, "t", "--wait", "--timeout", "300ms"],
        &[],
    )
    .await;
    assert_eq!(table.code, 5, "{}", table.stderr);
    assert!(table.stdout.starts_with("JOB"), "{}", table.stdout);
    assert!(
        table.stdout.contains("Cancellation requested") && table.stdout.contains("timed out"),
        "{}",
        table.stdout
    );
    assert_eq!(count(&emulator, "PATCH"), 2);
}

/// Defect 5, when the wait succeeds: the outcome carries `"finalState": "Completed"`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_5_cancel_wait_reports_the_final_state() {
    let emulator = emulator_with(&[("c", "Shipping")]).await;
    // The PATCH is applied at once but answered 300 ms later; meanwhile the test moves
    // virtual time past the day a cancelled Shipping job takes to complete, so the
    // waiter's first poll sees Completed (its next one would be 5 s later).
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::Delay(Duration::from_millis(300)),
    ));
    let run = azie(
        Some(&emulator),
        &[
            "jobs",
            "cancel",
            RG,
            "c",
            "--wait",
            "--timeout",
            "1m",
            "-o",
            "json",
        ],
        &[],
    );
    let clock = async {
        while count(&emulator, "PATCH") == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        emulator.advance(2 * DAY);
    };
    let (run, ()) = tokio::join!(run, clock);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let outcome = run.json();
    assert_eq!(outcome["stateAtRequest"], "Shipping");
    assert_eq!(outcome["finalState"], "Completed");
    assert_eq!(outcome["waitTimedOut"], false);
}

/// Defect 6: `.` and `..` as a resource group or job name are usage errors caught while
/// parsing the arguments: exit 2 and nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_6_dot_names_are_usage_errors_and_send_nothing() {
    let emulator = emulator_with(&[("a", "Completed")]).await;
    let cases: &[&[&str]] = &[
        &["jobs", "show", "rg", ".."],
        &["jobs", "show", "..", "a"],
        &["jobs", "delete", "rg", ".", "--yes"],
        &["jobs", "delete", ".", "a", "--yes"],
        &["jobs", "cancel", RG, "..", "--wait"],
        &["jobs", "wait", ".", "a", "--state", "Completed"],
        &["jobs", "list", "--resource-group", ".."],
        &["bitlocker-keys", RG, "."],
        &["bitlocker-keys", "..", "a"],
        &["locations", "show", ".."],
    ];
    for args in cases {
        let run = azie(Some(&emulator), args, &[]).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("is not a resource name"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert!(
        emulator.journal().is_empty(),
        "nothing may be sent for a `.` or `..` name: {:?}",
        emulator.journal()
    );
}

/// Defect 7: `locations list|show` go through the SDK's retry engine, so transient 503s
/// are retried (with the default policy's short backoff) instead of failing at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_7_locations_are_retried_after_503() {
    let emulator = Emulator::start().await;
    let requests = |emulator: &Emulator| {
        let journal = emulator.journal();
        let served = journal.iter().filter(|e| e.kind == RequestKind::Locations);
        served.map(|e| e.status).collect::<Vec<_>>()
    };

    emulator.inject(FaultRule::new(
        RequestKind::Locations,
        2,
        Fault::status(503),
    ));
    let list = azie(Some(&emulator), &["locations", "list", "-o", "json"], &[]).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(requests(&emulator), [503, 503, 200]);
    let first = list.json()[0].clone();
    let id = first["id"].as_str().unwrap();
    let short_name = id.rsplit('/').next().unwrap();

    emulator.inject(FaultRule::new(
        RequestKind::Locations,
        2,
        Fault::status(503),
    ));
    let show = azie(
        Some(&emulator),
        &["locations", "show", short_name, "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert_eq!(show.json()["id"], id);
    assert_eq!(requests(&emulator), [503, 503, 200, 503, 503, 200]);
}

/// Defect 10: with `-o json` the demo narrates on stderr and prints one JSON summary on
/// stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_10_demo_json_prints_one_summary_document() {
    let run = azie(None, &["-o", "json", "demo"], &[]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let summary = run.json();
    let import = &summary["jobs"][0];
    assert_eq!(import["name"], "demo-import");
    assert_eq!(
        import["statesSeen"],
        serde_json::json!(["Creating", "Transferring", "Completed"])
    );
    assert_eq!(import["cancel"]["stateAtRequest"], "Transferring");
    assert!(import["delete"]["archivedTo"].is_string(), "{summary}");
    let export = &summary["jobs"][1];
    assert_eq!(export["name"], "demo-export");
    assert_eq!(export["deleteRefused"]["state"], "Shipping");
    assert_eq!(export["deleteRefused"]["deleteRequestsSent"], 0);
    assert!(summary["archiveDir"].is_string(), "{summary}");
    assert!(run.stderr.contains("[8]"), "{}", run.stderr);
    assert!(!run.stdout.contains("demo-carrier-account"));
}

/// Review of issue 10, defect 11: a subscription id of `..`, `.` or nothing is a usage
/// error caught while parsing the arguments (flag or environment): exit 2, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_dot_or_empty_subscription_is_a_usage_error() {
    let emulator = emulator_with(&[("a", "Completed")]).await;
    let endpoint = emulator.uri();
    for subscription in ["..", ".", ""] {
        let args = [
            "--endpoint",
            &endpoint,
            "--subscription",
            subscription,
            "jobs",
            "show",
            RG,
            "a",
        ];
        let run = azie(None, &args, &[]).await;
        assert_eq!(run.code, 2, "{subscription:?}: {}", run.stderr);
        assert!(run.stderr.contains("--subscription"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    let from_env = azie(
        None,
        &["--endpoint", &endpoint, "jobs", "delete", RG, "a", "--yes"],
        &[("AZURE_SUBSCRIPTION_ID", "..")],
    )
    .await;
    assert_eq!(from_env.code, 2, "{}", from_env.stderr);
    assert!(
        from_env.stderr.contains("is not a resource name"),
        "{}",
        from_env.stderr
    );
    assert!(
        emulator.journal().is_empty(),
        "nothing may be sent: {:?}",
        emulator.journal()
    );
}

/// A job of `RG/j` in `state`, of the incarnation created at `created_at`.
fn incarnation(state: &str, created_at: &str) -> ResponseTemplate {
    let job = azure_importexport_test::JobJson::new(SUB, RG, "j")
        .state(state)
        .system_data(created_at, created_at)
        .build();
    ResponseTemplate::new(200).set_body_json(job)
}

/// A server where `GET` of `RG/j` answers `first`, then `later`, and `DELETE` answers
/// `delete`.
async fn server(
    first: ResponseTemplate,
    later: ResponseTemplate,
    delete: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    let job_path =
        format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/j");
    Mock::given(method("GET"))
        .and(path(job_path.clone()))
        .respond_with(first)
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(job_path.clone()))
        .respond_with(later)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(job_path))
        .respond_with(delete)
        .mount(&server)
        .await;
    server
}

async fn delete_j(server: &MockServer, output: &str) -> Run {
    let endpoint = server.uri();
    let args = [
        "--endpoint",
        &endpoint,
        "--subscription",
        SUB,
        "-o",
        output,
        "jobs",
        "delete",
        RG,
        "j",
        "--yes",
    ];
    azie(None, &args, &[]).await
}

/// Review of issue 10, defect 10: the single-job table output says that a job of the same
/// name was left alone, and that another actor removed the job (the JSON output says it
/// in `sameNameJobLeftAlone` and `removedByAnotherActor`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue10_delete_table_reports_the_job_left_alone_and_who_removed_it() {
    const FIRST: &str = "2026-01-01T00:00:00Z";
    const SECOND: &str = "2026-01-02T00:00:00Z";
    // The DELETE is answered 500; the re-read shows a new job of that name.
    let reused = || {
        server(
            incarnation("Completed", FIRST),
            incarnation("Creating", SECOND),
            ResponseTemplate::new(500),
        )
    };
    let table = delete_j(&reused().await, "table").await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert_mentions(
        &table.stdout,
        &[
            "Deleted rg1/j",
            &format!("A new job named rg1/j (created at {SECOND}, state Creating)"),
            "left alone",
        ],
    );
    let json = delete_j(&reused().await, "json").await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(json.json()["sameNameJobLeftAlone"]["createdAt"], SECOND);

    // The DELETE is answered 404 and a GET agrees: someone else removed the job.
    let removed = || {
        server(
            incarnation("Completed", FIRST),
            ResponseTemplate::new(404).set_body_json(serde_json::json!(
                {"error": {"code": "ResourceNotFound", "message": "gone"}}
            )),
            ResponseTemplate::new(404).set_body_json(serde_json::json!(
                {"error": {"code": "ResourceNotFound", "message": "gone"}}
            )),
        )
    };
    let table = delete_j(&removed().await, "table").await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert_mentions(
        &table.stdout,
        &["rg1/j is gone", "another actor removed it"],
    );
    assert!(!table.stdout.contains("Deleted"), "{}", table.stdout);
    let json = delete_j(&removed().await, "json").await;
    assert_eq!(json.json()["removedByAnotherActor"], true);
}
