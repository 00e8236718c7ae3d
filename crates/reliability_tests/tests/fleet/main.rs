//! Fleet operations (issue 11) against the emulator: selectors, plans and their skip
//! reasons, bulk cancel and delete with archives, incremental and redacted archives,
//! a 429 storm under ARM throttling, and delete and archive runs stopped at
//! seeded-random points and started again.
//!
//! The stop points come from a fixed seed (`FLEET_STOPS_SEED` changes it); a failure
//! prints the line that replays its stop point alone (`FLEET_STOP_AT=<n>`).

mod stops;
mod storm;
mod timeline;

use azure_importexport::{
    ArmLimits, FleetAction, FleetOptions, FsArchive, ImportExport, JobSelector, JobState,
    JobStateExt as _, REDACTED, RetryPolicy, SkipReason, TokioClock,
};
use azure_importexport_emulator::{Emulator, RequestKind};
use azure_importexport_test::CARRIER_ACCOUNT;
use reliability_tests::{RG, SUB, client, job_body};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use stops::{CountingSink, eight_deletable, replay, stop_points, until_requests};
use storm::{MOST_429_PERCENT, MOST_AVOIDABLE_PER_WINDOW, REFILL_WINDOW, STORM_JOBS, STORM_SCALE};

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
                None,
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
        .plan(&JobSelector::default(), FleetAction::Cancel, None)
        .await
        .unwrap();
    for job in &cancel.to_do {
        assert!(job.state.can_cancel(), "{job}");
    }
    let cancellable = JobState::KNOWN.iter().filter(|s| s.can_cancel()).count();
    assert_eq!(
        cancel.to_do.len(),
        2 * cancellable,
        "every cancellable state, two groups"
    );
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
            None,
        )
        .await
        .unwrap();
    let deletable = JobState::KNOWN.iter().filter(|s| s.can_delete()).count();
    assert_eq!(
        delete.to_do.len(),
        2 * deletable,
        "every deletable state, two groups"
    );
    for job in &delete.to_do {
        assert!(job.state.can_delete(), "{job}");
    }
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
        .plan(&JobSelector::default(), FleetAction::Cancel, None)
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
        .plan(&JobSelector::default(), FleetAction::Cancel, None)
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
            None,
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
                None,
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
            None,
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
            None,
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

/// A 429 storm: 16 workers meet a small deletes bucket that another client empties
/// as the run starts and holds empty twice while it runs. The client cooperates with
/// ARM: after a 429 no attempt that starts goes on the wire before the pause the 429
/// asked for is over (one shared pause, not one retry per worker), the 429s it could
/// have avoided stay at a quarter of the workers per refill window, the share of 429s
/// stays small, every job is done, and none is deleted unarchived. A client that does
/// not cooperate (no shared pause, no pacing) fails each of these checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_gets_one_shared_pause_and_every_job_done() {
    let (report, attempts, emulator, archive_dir) =
        storm::run(ArmLimits::default().scaled(STORM_SCALE)).await;
    assert_eq!(
        (report.summary.done, report.summary.failed),
        (STORM_JOBS, 0),
        "{:?}",
        report.failed.first()
    );
    assert_eq!(emulator.job_count(), 0);
    let archive = FsArchive::new(archive_dir.path());
    for entry in emulator
        .journal()
        .iter()
        .filter(|e| e.kind == RequestKind::DeleteJob && e.applied)
    {
        let name = entry.path.rsplit('/').next().unwrap();
        let versions = archive.versions(SUB, RG, name).unwrap();
        assert_eq!(versions.len(), 1, "{name}: {versions:?}");
    }
    let (throttled, most, early) = storm::figures("429 storm", &attempts);
    assert!(throttled > 0, "no 429 at all: the storms missed the run");
    assert!(early.is_empty(), "one shared pause broken: {early:#?}");
    assert!(
        most <= MOST_AVOIDABLE_PER_WINDOW,
        "{most} avoidable 429s in {REFILL_WINDOW:?}"
    );
    assert!(
        throttled * 100 <= attempts.len() * MOST_429_PERCENT,
        "{throttled} of {} requests answered 429",
        attempts.len()
    );

    // The same storms against a client that neither paces nor shares its pauses: each
    // check above must see it.
    let (_, attempts, _, _) = storm::run(storm::careless()).await;
    let (throttled, most, early) = storm::figures("without cooperation", &attempts);
    assert!(
        !early.is_empty()
            && most > MOST_AVOIDABLE_PER_WINDOW
            && throttled * 100 > attempts.len() * MOST_429_PERCENT,
        "the checks do not tell a careless client"
    );
}

/// Killed at seeded-random points (the run's future dropped once the emulator has
/// answered n requests, mid-flight included) and started again: every selected job ends
/// deleted, each archived exactly once, none deleted unarchived.
#[tokio::test]
async fn a_delete_run_killed_anywhere_and_rerun_loses_and_duplicates_nothing() {
    let test = "a_delete_run_killed_anywhere";
    let options = || {
        Some(FleetOptions {
            concurrency: Some(3),
            ..Default::default()
        })
    };
    // An uninterrupted run: how many requests there are to stop between.
    let requests = {
        let emulator = eight_deletable().await;
        let sdk = sdk(&emulator);
        let action = FleetAction::Delete { archive: None };
        let plan = sdk
            .plan(&JobSelector::default(), action, None)
            .await
            .unwrap();
        sdk.run_plan(plan, options()).await;
        emulator.journal().len()
    };

    let points = stop_points(requests - 1);
    let mut points_tested = 0;
    for kill_after in points.iter().copied() {
        let replay = replay(test, kill_after);
        let emulator = eight_deletable().await;
        let sdk = sdk(&emulator);
        let archive_dir = tempfile::tempdir().unwrap();
        let archive = FsArchive::new(archive_dir.path());
        let action = || FleetAction::Delete {
            archive: Some(Arc::new(archive.clone())),
        };
        let plan = sdk
            .plan(&JobSelector::default(), action(), None)
            .await
            .unwrap();
        let killed = tokio::select! {
            _ = sdk.run_plan(plan, options()) => false,
            () = until_requests(&emulator, kill_after) => true,
        };
        let rerun = sdk
            .plan(&JobSelector::default(), action(), None)
            .await
            .unwrap();
        let report = sdk.run_plan(rerun, options()).await;
        assert_eq!(report.summary.failed, 0, "{report:?}\n{replay}");
        assert_eq!(emulator.job_count(), 0, "{replay}");
        for i in 0..8 {
            let versions = archive.versions(SUB, RG, &format!("job-{i}")).unwrap();
            assert_eq!(versions.len(), 1, "job-{i} has {versions:?}\n{replay}");
        }
        for entry in emulator
            .journal()
            .iter()
            .filter(|e| e.kind == RequestKind::DeleteJob && e.applied)
        {
            let name = entry.path.rsplit('/').next().unwrap();
            let versions = archive.versions(SUB, RG, name).unwrap();
            assert_eq!(versions.len(), 1, "{name} deleted unarchived\n{replay}");
        }
        points_tested += usize::from(killed);
    }
    assert!(
        points_tested * 2 >= points.len(),
        "only {points_tested} of {points:?} runs were cut short"
    );
}

/// An archive run stopped right before or right after a seeded-random write (the
/// run's future dropped there), one job changed meanwhile, then run again: every
/// version of every job is written exactly once, and a third run has nothing to do.
#[tokio::test]
async fn an_archive_run_stopped_anywhere_and_rerun_writes_every_version_once() {
    let test = "an_archive_run_stopped_anywhere";
    let jobs = fleet().await.job_count();
    for stop_at in stop_points(2 * jobs) {
        let replay = replay(test, stop_at);
        let emulator = fleet().await;
        let sdk = sdk(&emulator);
        let archive_dir = tempfile::tempdir().unwrap();
        let sink = Arc::new(CountingSink::new(
            FsArchive::new(archive_dir.path()),
            Some(stop_at),
        ));
        let action = || FleetAction::Archive { sink: sink.clone() };
        let options = || {
            Some(FleetOptions {
                concurrency: Some(3),
                ..Default::default()
            })
        };
        let plan = sdk
            .plan(&JobSelector::default(), action(), None)
            .await
            .unwrap();
        tokio::select! {
            _ = sdk.run_plan(plan, options()) => panic!("not stopped\n{replay}"),
            () = sink.stopped.notified() => {}
        }
        // A new version of one job while the run is stopped.
        let (rg, name) = ("rg-a", "a-0-creating");
        let mut changed = emulator.job_json_raw(SUB, rg, name).unwrap();
        changed["systemData"]["lastModifiedAt"] = json!("2026-11-30T00:00:00Z");
        changed["tags"] = json!({"team": "red", "wave": "2"});
        emulator.insert_job(SUB, rg, name, changed);

        let rerun = sdk
            .plan(&JobSelector::default(), action(), None)
            .await
            .unwrap();
        let report = sdk.run_plan(rerun, options()).await;
        assert_eq!(report.summary.failed, 0, "{report:?}\n{replay}");
        let written = sink.written();
        for (i, version) in written.iter().enumerate() {
            assert!(
                !written[..i].contains(version),
                "{version:?} written twice\n{replay}"
            );
        }
        let listed = sdk.list_jobs(None).await.unwrap();
        assert_eq!(listed.len(), jobs);
        for job in &listed {
            let (rg, name) = (job.resource_group().unwrap(), job.name().unwrap());
            let versions = sink.inner.versions(SUB, rg, name).unwrap();
            // The changed job's first version is there if the stopped run got to it (a
            // write under way when the run was dropped may still land).
            let expected = if name == "a-0-creating" { 1..=2 } else { 1..=1 };
            assert!(
                expected.contains(&versions.len()),
                "{rg}/{name}: {versions:?}\n{replay}"
            );
            let newest = std::fs::read(versions.last().unwrap()).unwrap();
            assert_eq!(
                newest,
                job.json(),
                "{rg}/{name}'s current version\n{replay}"
            );
            let first = std::fs::read(&versions[0]).unwrap();
            assert!(
                versions.len() == 1 || first != newest,
                "{versions:?}\n{replay}"
            );
        }
        let third = sdk
            .plan(&JobSelector::default(), action(), None)
            .await
            .unwrap();
        assert!(third.to_do.is_empty(), "{:?}\n{replay}", third.to_do);
    }
}
