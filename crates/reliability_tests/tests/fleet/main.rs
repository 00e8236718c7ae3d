//! Fleet operations (issue 11) against the emulator: selectors, plans and their skip
//! reasons, bulk cancel and delete with archives, incremental and redacted archives, and
//! runs killed at every point and started again.

use azure_importexport::{
    FleetAction, FleetOptions, FsArchive, ImportExport, JobSelector, JobState, REDACTED,
    RetryPolicy, SkipReason, TokioClock,
};
use azure_importexport_emulator::{Emulator, RequestKind};
use azure_importexport_test::CARRIER_ACCOUNT;
use reliability_tests::{RG, SUB, client, job_body};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Seeds `name` in `state` with the given `lastModifiedAt` and tags (the emulator keeps
/// a seeded body verbatim, so the timestamps are the test's to choose).
fn seed(emulator: &Emulator, rg: &str, name: &str, state: &str, last_modified: &str, tags: Value) {
    let mut job = job_body(name, state);
    job["id"] = json!(format!(
        "/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs/{name}"
    ));
    job["tags"] = tags;
    job["systemData"] = json!({"createdAt": format!("2025-01-01T00:00:00.{:07}Z", name.len()), "lastModifiedAt": last_modified});
    emulator.insert_job(SUB, rg, name, job);
}

fn sdk(emulator: &Emulator) -> ImportExport {
    let retry = RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    client(&emulator.uri(), TokioClock, retry, None)
}

/// A fleet of every state in two resource groups, old and new, tagged two ways.
async fn fleet() -> Emulator {
    let emulator = Emulator::start().await;
    let states = JobState::KNOWN.iter().map(JobState::as_str);
    for (i, state) in states.enumerate() {
        for (rg, age) in [
            ("rg-a", "2025-01-01T00:00:00Z"),
            ("rg-b", "2026-11-29T00:00:00Z"),
        ] {
            let name = format!(
                "{}-{i}-{}",
                rg.trim_start_matches("rg-"),
                state.to_lowercase()
            );
            let team = if i % 2 == 0 { "red" } else { "blue" };
            seed(&emulator, rg, &name, state, age, json!({"team": team}));
        }
    }
    emulator
}

fn names(jobs: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let mut names: Vec<String> = jobs
        .into_iter()
        .map(|(rg, name)| format!("{rg}/{name}"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn each_selector_narrows_the_plan() {
    let emulator = fleet().await;
    let sdk = sdk(&emulator);
    let cases: Vec<(JobSelector, usize)> = vec![
        (JobSelector::default(), 16),
        (
            JobSelector {
                resource_group: Some("rg-a".into()),
                ..Default::default()
            },
            8,
        ),
        (
            JobSelector {
                states: vec![JobState::Completed, JobState::Creating],
                ..Default::default()
            },
            4,
        ),
        (
            JobSelector {
                older_than: Some(Duration::from_secs(60 * 24 * 3600)),
                ..Default::default()
            },
            8,
        ),
        (
            JobSelector {
                tags: BTreeMap::from([("team".into(), "red".into())]),
                ..Default::default()
            },
            8,
        ),
        (
            JobSelector {
                name_prefix: Some("b-1".into()),
                ..Default::default()
            },
            1,
        ),
    ];
    for (selector, expected) in cases {
        let plan = sdk
            .plan(
                &selector,
                FleetAction::Archive {
                    sink: Arc::new(FsArchive::new("/nonexistent")),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            plan.to_do.len() + plan.skipped.len(),
            expected,
            "{selector:?}"
        );
    }
}

#[tokio::test]
async fn plans_skip_what_the_rules_forbid_and_send_nothing() {
    let emulator = fleet().await;
    let sdk = sdk(&emulator);
    let cancel = sdk
        .plan(&JobSelector::default(), FleetAction::Cancel)
        .await
        .unwrap();
    for job in &cancel.to_do {
        assert!(
            ["Creating", "Shipping", "Received", "Transferring"].contains(&job.state.as_str()),
            "{job}"
        );
    }
    assert_eq!(cancel.to_do.len(), 8);
    assert!(
        cancel
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::StateForbidsCancel)
    );
    let delete = sdk
        .plan(
            &JobSelector::default(),
            FleetAction::Delete { archive: None },
        )
        .await
        .unwrap();
    assert_eq!(
        delete.to_do.len(),
        4,
        "Creating and Completed in two groups"
    );
    assert!(
        delete
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::StateForbidsDelete)
    );
    let writes = emulator
        .journal()
        .iter()
        .filter(|e| e.method != "GET")
        .count();
    assert_eq!(writes, 0, "a plan sends nothing that changes a job");
}

#[tokio::test]
async fn bulk_cancel_and_delete_follow_the_single_job_rules() {
    let emulator = fleet().await;
    let sdk = sdk(&emulator);
    let plan = sdk
        .plan(&JobSelector::default(), FleetAction::Cancel)
        .await
        .unwrap();
    let report = sdk
        .run_plan(
            plan,
            Some(FleetOptions {
                concurrency: Some(3),
                ..Default::default()
            }),
        )
        .await;
    assert_eq!(
        (report.summary.done, report.summary.failed),
        (8, 0),
        "{report:?}"
    );
    for done in &report.done {
        let job = emulator
            .job_json(SUB, &done.job.resource_group, &done.job.name)
            .unwrap();
        assert_eq!(job["properties"]["cancelRequested"], json!(true));
    }
    // A second cancel run has nothing to do.
    let again = sdk
        .plan(&JobSelector::default(), FleetAction::Cancel)
        .await
        .unwrap();
    assert!(again.to_do.is_empty());

    let archive_dir = tempfile::tempdir().unwrap();
    let archive = FsArchive::new(archive_dir.path());
    let selector = JobSelector {
        states: vec![JobState::Completed],
        ..Default::default()
    };
    let plan = sdk
        .plan(
            &selector,
            FleetAction::Delete {
                archive: Some(Arc::new(archive.clone())),
            },
        )
        .await
        .unwrap();
    let planned = names(
        plan.to_do
            .iter()
            .map(|j| (j.resource_group.clone(), j.name.clone())),
    );
    let report = sdk.run_plan(plan, None).await;
    assert_eq!(report.summary.done, 2, "{report:?}");
    for name in planned {
        let (rg, name) = name.split_once('/').unwrap();
        assert!(emulator.job_json(SUB, rg, name).is_none());
        assert_eq!(archive.versions(SUB, rg, name).unwrap().len(), 1);
    }
    let serialized = serde_json::to_value(&report).unwrap();
    for key in ["done", "skipped", "failed", "summary"] {
        assert!(serialized.get(key).is_some(), "{serialized}");
    }
}

#[tokio::test]
async fn archives_are_incremental_and_redaction_covers_every_listed_field() {
    let emulator = fleet().await;
    let sdk = sdk(&emulator);
    let archive_dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(FsArchive::new(archive_dir.path()).redacting_personal_data());
    let first = sdk
        .run_plan(
            sdk.plan(
                &JobSelector::default(),
                FleetAction::Archive { sink: sink.clone() },
            )
            .await
            .unwrap(),
            None,
        )
        .await;
    assert_eq!(first.summary.done, 16, "{first:?}");

    let second_plan = sdk
        .plan(
            &JobSelector::default(),
            FleetAction::Archive { sink: sink.clone() },
        )
        .await
        .unwrap();
    assert!(
        second_plan.to_do.is_empty(),
        "nothing changed: {:?}",
        second_plan.to_do
    );
    assert!(
        second_plan
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::Unchanged)
    );

    // One job changes: only it is archived again, as a new version.
    let mut changed = emulator.job_json_raw(SUB, "rg-a", "a-0-creating").unwrap();
    changed["systemData"]["lastModifiedAt"] = json!("2026-11-30T00:00:00Z");
    changed["tags"] = json!({"team": "red", "wave": "2"});
    emulator.insert_job(SUB, "rg-a", "a-0-creating", changed);
    let third_plan = sdk
        .plan(
            &JobSelector::default(),
            FleetAction::Archive { sink: sink.clone() },
        )
        .await
        .unwrap();
    assert_eq!(third_plan.to_do.len(), 1);
    sdk.run_plan(third_plan, None).await;
    let versions = FsArchive::new(archive_dir.path())
        .versions(SUB, "rg-a", "a-0-creating")
        .unwrap();
    assert_eq!(versions.len(), 2);

    for version in versions {
        assert!(version.to_string_lossy().ends_with(".redacted.json"));
        let text = std::fs::read_to_string(&version).unwrap();
        for personal in [
            "Pat Doe",
            "1 Main St",
            "Lakeview",
            "98000",
            "5550100",
            "pat@example.com",
            CARRIER_ACCOUNT,
            "TRK00012345",
            "DRV0017A",
            "100 Datacenter Way",
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        assert!(text.contains(REDACTED) && text.contains("archiveRedaction"));
    }
}

/// Killed at any point (the run's future dropped after the emulator has answered n
/// requests, mid-flight included) and started again: every selected job ends deleted,
/// each archived exactly once, none deleted unarchived.
#[tokio::test]
async fn a_delete_run_killed_anywhere_and_rerun_loses_and_duplicates_nothing() {
    let mut points_tested = 0;
    for kill_after in (1..60).step_by(3) {
        let emulator = Emulator::start().await;
        for i in 0..8 {
            let name = format!("job-{i}");
            let state = if i % 2 == 0 { "Completed" } else { "Creating" };
            seed(
                &emulator,
                RG,
                &name,
                state,
                "2026-01-01T00:00:00Z",
                json!({}),
            );
        }
        let sdk = sdk(&emulator);
        let archive_dir = tempfile::tempdir().unwrap();
        let archive = FsArchive::new(archive_dir.path());
        let action = || FleetAction::Delete {
            archive: Some(Arc::new(archive.clone())),
        };
        let options = || {
            Some(FleetOptions {
                concurrency: Some(3),
                ..Default::default()
            })
        };

        let plan = sdk.plan(&JobSelector::default(), action()).await.unwrap();
        let killed = tokio::select! {
            _ = sdk.run_plan(plan, options()) => false,
            _ = until_requests(&emulator, kill_after) => true,
        };
        let rerun = sdk.plan(&JobSelector::default(), action()).await.unwrap();
        let report = sdk.run_plan(rerun, options()).await;
        assert_eq!(
            report.summary.failed, 0,
            "kill after {kill_after}: {report:?}"
        );
        assert_eq!(emulator.job_count(), 0, "kill after {kill_after}");
        for i in 0..8 {
            let versions = archive.versions(SUB, RG, &format!("job-{i}")).unwrap();
            assert_eq!(
                versions.len(),
                1,
                "kill after {kill_after}: job-{i} has {versions:?}"
            );
        }
        for entry in emulator
            .journal()
            .iter()
            .filter(|e| e.kind == RequestKind::DeleteJob && e.applied)
        {
            let name = entry.path.rsplit('/').next().unwrap();
            assert_eq!(archive.versions(SUB, RG, name).unwrap().len(), 1);
        }
        points_tested += usize::from(killed);
    }
    assert!(
        points_tested >= 10,
        "only {points_tested} runs were cut short"
    );
}

/// Resolves once the emulator has answered `n` requests (polled; bounded by the test's
/// own runtime limit).
async fn until_requests(emulator: &Emulator, n: usize) {
    for _ in 0..10_000 {
        if emulator.journal().len() >= n {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}
