//! The real `azie` binary against the emulator: stdout JSON, stderr, exit codes.

use crate::common::{RG, SUB, TOKEN, assert_mentions, azie, count, emulator_with};
use azure_importexport_emulator::{Emulator, Fault, FaultRule, RequestKind};
use azure_importexport_test::{BITLOCKER_KEY, CARRIER_ACCOUNT};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_list_prints_all_pages_as_one_json_array_with_secrets_masked() {
    let emulator = emulator_with(&[("a", "Creating"), ("b", "Shipping")]).await;
    let run = azie(Some(&emulator), &["jobs", "list", "-o", "json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let jobs = run.json();
    assert_eq!(jobs.as_array().unwrap().len(), 2);
    assert!(!run.stdout.contains(CARRIER_ACCOUNT), "{}", run.stdout);
    assert!(run.stdout.contains("***"));
    let table = azie(
        Some(&emulator),
        &["jobs", "list", "--resource-group", RG],
        &[],
    )
    .await;
    assert_eq!(table.code, 0);
    assert!(table.stdout.starts_with("NAME"), "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_not_found() {
    let emulator = emulator_with(&[("a", "Received")]).await;
    let run = azie(
        Some(&emulator),
        &["jobs", "show", RG, "a", "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["properties"]["state"], "Received");
    let missing = azie(Some(&emulator), &["jobs", "show", RG, "nope"], &[]).await;
    assert_eq!(missing.code, 4, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("ResourceNotFound"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_reports_the_outcome_and_warns_while_transferring() {
    let emulator = emulator_with(&[("t", "Transferring")]).await;
    let run = azie(
        Some(&emulator),
        &["jobs", "cancel", RG, "t", "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let outcome = run.json();
    assert_eq!(outcome["stateAtRequest"], "Transferring");
    assert_eq!(outcome["dataMayStillTransfer"], true);
    assert!(run.stderr.contains("best-effort"), "{}", run.stderr);
    assert_eq!(count(&emulator, "PATCH"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_too_late_is_refused_without_a_patch() {
    let emulator = emulator_with(&[("p", "Packaging")]).await;
    let run = azie(Some(&emulator), &["jobs", "cancel", RG, "p"], &[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(count(&emulator, "PATCH"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_attempts_bounds_the_patch_requests() {
    let emulator = emulator_with(&[("r", "Received")]).await;
    emulator.inject(FaultRule {
        kind: RequestKind::UpdateJob,
        count: 10,
        fault: Fault::Status {
            status: 503,
            retry_after: Some("0".into()),
            body: None,
        },
    });
    let run = azie(
        Some(&emulator),
        &["jobs", "cancel", RG, "r", "--max-attempts", "2"],
        &[],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert_eq!(count(&emulator, "PATCH"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_needs_confirmation_and_the_right_state() {
    let emulator = emulator_with(&[("s", "Shipping"), ("c", "Completed")]).await;
    let unconfirmed = azie(Some(&emulator), &["jobs", "delete", RG, "c"], &[]).await;
    assert_eq!(unconfirmed.code, 2, "{}", unconfirmed.stderr);
    assert!(unconfirmed.stderr.contains("--yes"));
    let refused = azie(Some(&emulator), &["jobs", "delete", RG, "s", "--yes"], &[]).await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert_eq!(count(&emulator, "DELETE"), 0);

    let archive = tempfile::tempdir().unwrap();
    let archive_dir = archive.path().to_str().unwrap();
    let expected = serde_json::to_vec(&emulator.job_json(SUB, RG, "c").unwrap()).unwrap();
    let run = azie(
        Some(&emulator),
        &[
            "jobs",
            "delete",
            RG,
            "c",
            "--yes",
            "--archive-dir",
            archive_dir,
            "-o",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // FsArchive keeps one file per version under <root>/<sub>/<rg>/<job>/.
    let archived = std::path::PathBuf::from(run.json()["archivedTo"].as_str().unwrap());
    assert!(
        archived.starts_with(archive.path().join(SUB).join(RG).join("c")),
        "{}",
        archived.display()
    );
    let written = std::fs::read(&archived).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&written).unwrap(),
        serde_json::from_slice::<Value>(&expected).unwrap()
    );
    assert!(emulator.job_state(SUB, RG, "c").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_with_exit_5() {
    let emulator = emulator_with(&[("w", "Shipping")]).await;
    let run = azie(
        Some(&emulator),
        &[
            "jobs",
            "wait",
            RG,
            "w",
            "--state",
            "Completed",
            "--timeout",
            "300ms",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let unknown = azie(
        Some(&emulator),
        &["jobs", "wait", RG, "w", "--state", "Sleeping"],
        &[],
    )
    .await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bitlocker_keys_are_masked_unless_asked() {
    let emulator = emulator_with(&[("k", "Shipping")]).await;
    let masked = azie(
        Some(&emulator),
        &["bitlocker-keys", RG, "k", "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(masked.code, 0, "{}", masked.stderr);
    assert_eq!(
        masked.json(),
        json!([{ "driveId": "DRV0017A", "bitLockerKey": "***" }])
    );
    let shown = azie(
        Some(&emulator),
        &["bitlocker-keys", RG, "k", "--show-secrets", "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(shown.json()[0]["bitLockerKey"], BITLOCKER_KEY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_list_and_show() {
    let emulator = Emulator::start().await;
    let list = azie(Some(&emulator), &["locations", "list", "-o", "json"], &[]).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    let first = list.json()[0].clone();
    let id = first["id"].as_str().unwrap();
    let short_name = id.rsplit('/').next().unwrap();
    let show = azie(
        Some(&emulator),
        &["locations", "show", short_name, "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert_eq!(show.json()["id"], id);
    let missing = azie(Some(&emulator), &["locations", "show", "atlantis"], &[]).await;
    assert_eq!(missing.code, 4, "{}", missing.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_never_printed_even_at_trace() {
    let emulator = emulator_with(&[("a", "Creating")]).await;
    let run = azie(
        Some(&emulator),
        &["jobs", "show", RG, "a", "-o", "json"],
        &[("RUST_LOG", "trace")],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains(TOKEN) && !run.stdout.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_usage_error_and_sends_nothing() {
    let emulator = Emulator::start().await;
    let cases: &[&[&str]] = &[
        &["jobs", "list", "--bogus"],
        &["jobs", "show", RG],
        &["jobs", "cancel", RG, "a", "--timeout", "soonish"],
        &["jobs", "show", RG, "a/b"],
        &["jobs", "show", RG, "a b"],
        &["jobs", "cancel", RG, "a", "--max-attempts", "0"],
    ];
    for args in cases {
        let run = azie(Some(&emulator), args, &[]).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    let not_url = azie(
        None,
        &[
            "--subscription",
            SUB,
            "--endpoint",
            "not a url",
            "jobs",
            "list",
        ],
        &[],
    )
    .await;
    assert_eq!(not_url.code, 2, "{}", not_url.stderr);
    let plain_http = azie(
        None,
        &[
            "--subscription",
            SUB,
            "--endpoint",
            "http://example.com",
            "jobs",
            "list",
        ],
        &[],
    )
    .await;
    assert_eq!(plain_http.code, 2, "{}", plain_http.stderr);
    assert_eq!(
        plain_http.stderr.lines().count(),
        1,
        "{}",
        plain_http.stderr
    );
    let no_subscription = azie(None, &["--endpoint", &emulator.uri(), "jobs", "list"], &[]).await;
    assert_eq!(no_subscription.code, 2, "{}", no_subscription.stderr);
    assert!(
        emulator.journal().is_empty(),
        "nothing may be sent on bad input"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["jobs", "--help"],
        &["jobs", "list", "--help"],
        &["jobs", "show", "--help"],
        &["jobs", "create", "--help"],
        &["jobs", "update", "--help"],
        &["jobs", "cancel", "--help"],
        &["jobs", "wait", "--help"],
        &["jobs", "delete", "--help"],
        &["bitlocker-keys", "--help"],
        &["locations", "list", "--help"],
        &["locations", "show", "--help"],
        &["emulator", "--help"],
        &["demo", "--help"],
        &["completions", "--help"],
    ] {
        let run = azie(None, args, &[]).await;
        assert_eq!(run.code, 0, "{args:?}");
        assert!(run.stdout.contains("Usage:"), "{args:?}: {}", run.stdout);
        assert!(run.stdout.contains("Examples:"), "{args:?}: {}", run.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_cover_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = azie(None, &["completions", shell], &[]).await;
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        let words = [
            "azie",
            "create",
            "update",
            "--tracking-number",
            "--identity",
        ];
        assert_mentions(&run.stdout, &words);
    }
    let unknown = azie(None, &["completions", "cmd.exe"], &[]).await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_the_whole_lifecycle() {
    let run = azie(None, &["demo"], &[]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for expected in ["[8]", "best-effort", "refused", "Summary"] {
        assert!(run.stdout.contains(expected), "{expected}: {}", run.stdout);
    }
    assert!(!run.stdout.contains("demo-carrier-account"));
}
