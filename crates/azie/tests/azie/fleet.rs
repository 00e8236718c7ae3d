//! The fleet commands (issue 11, CLI part; DESIGN.md section 6): `jobs archive`, and
//! `jobs cancel` / `jobs delete` with `--all` or selectors, run as the real binary
//! against the emulator, checking the emulator's journal and the archive on disk.

use crate::common::fleet::{
    edit, files, fleet, methods, names, names_of, personal_data, reasons, report, succeeds, until,
    versions,
};
use crate::common::{Run, SUB, azie, command, count};
use azure_importexport_emulator::{Fault, FaultRule, RequestKind};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_selector_picks_its_jobs_and_a_dry_run_sends_only_reads() {
    let emulator = fleet(&[
        ("rg-a", "mig-1", "Completed", 400),
        ("rg-a", "mig-2", "Shipping", 0),
        ("rg-b", "mig-3", "Completed", 0),
        ("rg-b", "other-4", "Creating", 400),
    ])
    .await;
    for (rg, name) in [("rg-b", "mig-3"), ("rg-b", "other-4")] {
        edit(&emulator, rg, name, |job| {
            job["tags"] = json!({"team": "x", "cost": "1"})
        });
    }
    let older = "200d".to_owned();
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["--all"],
            &["rg-a/mig-1", "rg-a/mig-2", "rg-b/mig-3", "rg-b/other-4"],
        ),
        (&["--resource-group", "rg-a"], &["rg-a/mig-1", "rg-a/mig-2"]),
        (
            &["--state", "completed", "--state", "CREATING"],
            &["rg-a/mig-1", "rg-b/mig-3", "rg-b/other-4"],
        ),
        (&["--older-than", &older], &["rg-a/mig-1", "rg-b/other-4"]),
        (&["--tag", "team=x"], &["rg-b/mig-3", "rg-b/other-4"]),
        (&["--tag", "team=y"], &[]),
        (
            &["--name-prefix", "mig-"],
            &["rg-a/mig-1", "rg-a/mig-2", "rg-b/mig-3"],
        ),
        (
            &[
                "--resource-group",
                "rg-b",
                "--tag",
                "team=x",
                "--name-prefix",
                "mig",
            ],
            &["rg-b/mig-3"],
        ),
    ];
    for (selectors, expected) in cases {
        let args = [
            &["jobs", "delete", "--no-archive", "--dry-run", "-o", "json"],
            selectors,
        ]
        .concat();
        let run = azie(Some(&emulator), &args, &[]).await;
        assert_eq!(run.code, 0, "{selectors:?}: {}", run.stderr);
        let plan = run.json();
        let keys: Vec<&String> = plan.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["toDo", "skipped", "summary"], "{plan}");
        let mut selected = [names(&plan["toDo"]), names(&plan["skipped"])].concat();
        selected.sort();
        assert_eq!(selected, expected, "{selectors:?}");
        // With -o json the plan table goes to stderr.
        assert!(run.stderr.contains("WHY SKIPPED"), "{}", run.stderr);
    }
    // In table mode the plan is on stdout, and the dry run says it changed nothing.
    let run = succeeds(&emulator, &["jobs", "cancel", "--all", "--dry-run"]).await;
    crate::common::assert_mentions(
        &run.stdout,
        &["JOB", "PLAN", "rg-a/mig-2", "cancel", "skip"],
    );
    assert!(
        run.stderr.contains("Dry run: nothing was changed"),
        "{}",
        run.stderr
    );
    let empty = tempfile::tempdir().unwrap();
    let unused = empty.path().join("archive");
    let archive = [
        "jobs",
        "archive",
        "--all",
        "--dry-run",
        "--archive-dir",
        unused.to_str().unwrap(),
    ];
    succeeds(&emulator, &archive).await;
    assert!(!unused.exists(), "a dry run writes no archive");
    assert!(!emulator.journal().is_empty());
    assert_eq!(methods(&emulator), BTreeSet::from(["GET".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_reasons_are_shown_in_the_plan_and_the_report() {
    let emulator = fleet(&[
        ("rg", "a", "Creating", 0),
        ("rg", "b", "Shipping", 0),
        ("rg", "c", "Packaging", 0),
        ("rg", "d", "Completed", 0),
    ])
    .await;
    edit(&emulator, "rg", "b", |job| {
        job["properties"]["cancelRequested"] = json!(true)
    });

    let run = succeeds(&emulator, &["jobs", "cancel", "--all", "--yes"]).await;
    crate::common::assert_mentions(
        &run.stdout,
        &[
            "the cancel was requested already",
            "its state no longer allows a cancel",
            "cancel requested",
        ],
    );
    let plan_end = run.stdout.find("RESULT").expect("a report after the plan");
    assert!(
        run.stdout[..plan_end].contains("WHY SKIPPED"),
        "the plan comes first: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1 cancel requested, 3 skipped, 0 failed."),
        "{}",
        run.stdout
    );
    assert_eq!(
        count(&emulator, "PATCH"),
        1,
        "nothing is sent for skipped jobs"
    );

    // Again, as JSON: `a` is cancel-requested now.
    let run = succeeds(
        &emulator,
        &["jobs", "cancel", "--all", "--yes", "-o", "json"],
    )
    .await;
    let report = report(&run);
    let expected = [
        ("rg/a", "alreadyCancelRequested"),
        ("rg/b", "alreadyCancelRequested"),
        ("rg/c", "stateForbidsCancel"),
        ("rg/d", "stateForbidsCancel"),
    ]
    .map(|(job, reason)| (job.to_owned(), reason.to_owned()));
    assert_eq!(reasons(&report["skipped"]), expected);
    assert_eq!(
        report["summary"],
        json!({"done": 0, "skipped": 4, "failed": 0, "interrupted": false})
    );
    assert!(
        run.stderr.contains("WHY SKIPPED"),
        "the plan is on stderr: {}",
        run.stderr
    );

    let run = azie(
        Some(&emulator),
        &[
            "jobs",
            "delete",
            "--all",
            "--no-archive",
            "--dry-run",
            "-o",
            "json",
        ],
        &[],
    )
    .await;
    let plan = run.json();
    assert_eq!(names(&plan["toDo"]), ["rg/a", "rg/d"]);
    let forbidden = ["rg/b", "rg/c"].map(|job| (job.to_owned(), "stateForbidsDelete".to_owned()));
    assert_eq!(reasons(&plan["skipped"]), forbidden);
    assert_eq!(count(&emulator, "PATCH") + count(&emulator, "DELETE"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_send_nothing_and_the_single_job_forms_still_work() {
    let emulator = fleet(&[("rg", "a", "Shipping", 0), ("rg", "d", "Completed", 0)]).await;
    let refused: [&[&str]; 10] = [
        // --yes is required off a terminal (stdin is /dev/null here).
        &["jobs", "cancel", "--all"],
        &[
            "jobs",
            "delete",
            "--state",
            "Completed",
            "--archive-dir",
            "x",
        ],
        // Nothing selects everything, except --all.
        &["jobs", "cancel", "--yes"],
        &["jobs", "delete", "--no-archive", "--yes"],
        &["jobs", "archive", "--archive-dir", "x"],
        // The fleet form says what happens to the records.
        &["jobs", "delete", "--all", "--yes"],
        // RG NAME and the fleet form exclude each other, and --all excludes selectors.
        &["jobs", "cancel", "rg", "a", "--all"],
        &["jobs", "delete", "rg", "d", "--state", "Completed", "--yes"],
        &["jobs", "cancel", "rg", "a", "--dry-run"],
        &["jobs", "cancel", "--all", "--state", "Shipping", "--yes"],
    ];
    for args in refused {
        let run = azie(Some(&emulator), args, &[]).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    assert!(emulator.journal().is_empty(), "usage errors send nothing");

    let run = succeeds(&emulator, &["jobs", "cancel", "rg", "a", "-o", "json"]).await;
    assert_eq!(run.json()["stateAtRequest"], "Shipping");
    let run = succeeds(&emulator, &["jobs", "delete", "rg", "d", "--yes"]).await;
    assert_eq!(run.stdout.trim(), "Deleted rg/d");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_writes_only_changed_jobs_and_keeps_every_version() {
    let emulator = fleet(&[
        ("rg", "a", "Shipping", 0),
        ("rg", "b", "Completed", 3),
        ("rg2", "c", "Creating", 9),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let archive = [
        "jobs",
        "archive",
        "--all",
        "--archive-dir",
        dir.path().to_str().unwrap(),
    ];

    let run = succeeds(&emulator, &[&archive[..], &["-o", "json"]].concat()).await;
    let first = report(&run);
    assert_eq!(names(&first["done"]), ["rg/a", "rg/b", "rg2/c"]);
    for done in first["done"].as_array().unwrap() {
        assert!(
            Path::new(done["archivedTo"].as_str().unwrap()).is_file(),
            "{done}"
        );
    }
    let written = files(dir.path());
    assert_eq!(written.len(), 3);

    // A second run writes nothing.
    let run = azie(
        Some(&emulator),
        &[&archive[..], &["-o", "json"]].concat(),
        &[],
    )
    .await;
    let second = report(&run);
    assert_eq!(second["summary"]["done"], 0, "{second}");
    assert!(
        reasons(&second["skipped"])
            .iter()
            .all(|(_, reason)| reason == "unchanged"),
        "{second}"
    );
    assert_eq!(files(dir.path()), written);

    // A changed job gets a new version next to the old one; the rest stay as they are.
    succeeds(&emulator, &["jobs", "cancel", "rg", "a"]).await;
    emulator.clear_journal();
    let run = succeeds(&emulator, &archive).await;
    assert!(
        run.stdout.contains("1 archived, 2 skipped, 0 failed."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("Plan: 1 job(s) to archive, 2 skipped."),
        "{}",
        run.stderr
    );
    assert_eq!(versions(dir.path(), "rg", "a").len(), 2);
    assert_eq!(files(dir.path()).len(), 4);
    assert_eq!(
        methods(&emulator),
        BTreeSet::from(["GET".to_owned()]),
        "archiving only reads"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redacted_archives_hold_no_personal_data() {
    let emulator = fleet(&[
        ("rg", "shipped", "Shipping", 0),
        ("rg", "done", "Completed", 0),
    ])
    .await;
    let seeded: Vec<Value> = ["done", "shipped"]
        .map(|n| emulator.job_json(SUB, "rg", n).unwrap())
        .into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    succeeds(
        &emulator,
        &[
            "jobs",
            "archive",
            "--all",
            "--archive-dir",
            path,
            "--redact-personal-data",
        ],
    )
    .await;
    // The bulk delete redacts the same way.
    succeeds(
        &emulator,
        &[
            "jobs",
            "delete",
            "--state",
            "Completed",
            "--archive-dir",
            path,
            "--redact-personal-data",
            "--yes",
        ],
    )
    .await;
    assert_eq!(emulator.job_count(), 1);

    let written = files(dir.path());
    assert_eq!(
        written.len(),
        2,
        "the delete found its version archived already: {written:?}"
    );
    for (file, job) in written.iter().zip(&seeded[..]) {
        assert!(
            file.to_str().unwrap().ends_with(".redacted.json"),
            "{file:?}"
        );
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains("archiveRedaction"), "{text}");
        let personal = personal_data(job);
        assert!(personal.len() >= 10, "{personal:?}");
        for value in personal {
            assert!(!text.contains(&value), "{value} in {file:?}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_archives_every_job_before_deleting_it() {
    let mut jobs: Vec<(String, String)> = (0..6)
        .map(|i| (format!("rg-{}", i % 2), format!("old-{i}")))
        .collect();
    let mut seed: Vec<(&str, &str, &str, u32)> = jobs
        .iter()
        .map(|(rg, n)| (rg.as_str(), n.as_str(), "Completed", 90))
        .collect();
    seed.push(("rg-0", "busy", "Transferring", 90));
    seed.push(("rg-1", "recent", "Completed", 0));
    let emulator = fleet(&seed).await;
    let dir = tempfile::tempdir().unwrap();
    let older = "60d".to_owned();
    let run = succeeds(
        &emulator,
        &[
            "jobs",
            "delete",
            "--state",
            "Completed",
            "--older-than",
            &older,
            "--archive-dir",
            dir.path().to_str().unwrap(),
            "--yes",
            "--concurrency",
            "3",
            "-o",
            "json",
        ],
    )
    .await;
    let report = report(&run);
    jobs.sort();
    let expected: Vec<String> = jobs.iter().map(|(rg, n)| format!("{rg}/{n}")).collect();
    assert_eq!(names(&report["done"]), expected);
    for done in report["done"].as_array().unwrap() {
        let file = std::fs::read(done["archivedTo"].as_str().unwrap()).unwrap();
        let archived: Value = serde_json::from_slice(&file).unwrap();
        assert_eq!(archived["name"], done["name"]);
        assert_eq!(archived["properties"]["state"], "Completed");
    }
    // Every DELETE the emulator received was for a job with its archive on disk.
    let deletes: Vec<_> = emulator
        .journal()
        .into_iter()
        .filter(|e| e.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 6);
    for delete in deletes {
        let parts: Vec<&str> = delete.path.split('/').collect();
        let (rg, name) = (parts[4], parts[8]);
        assert_eq!(versions(dir.path(), rg, name).len(), 1, "{}", delete.path);
    }
    assert_eq!(
        emulator.job_count(),
        2,
        "the Transferring and the recent job are left"
    );
}

/// Runs `jobs cancel --all` over three Shipping jobs, the first PATCH answered `fault`.
async fn cancel_all_with_one_patch_answered(fault: Fault) -> (Run, Value) {
    let emulator = fleet(&[
        ("rg", "a", "Shipping", 0),
        ("rg", "b", "Shipping", 0),
        ("rg", "c", "Shipping", 0),
    ])
    .await;
    emulator.inject(FaultRule::new(RequestKind::UpdateJob, 1, fault));
    let run = azie(
        Some(&emulator),
        &["jobs", "cancel", "--all", "--yes", "-o", "json"],
        &[],
    )
    .await;
    let report = report(&run);
    assert_eq!(report["summary"]["done"], 2, "{report}");
    (run, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_sets_the_exit_code_and_the_others_are_done() {
    let (run, report) = cancel_all_with_one_patch_answered(Fault::status(400)).await;
    assert_eq!(report["failed"][0]["category"], "Refused", "{report}");
    assert_eq!(
        run.code, 1,
        "the code of the failure's category: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 of 3 job(s) failed"),
        "{}",
        run.stderr
    );
}

/// Issue 10/11: a job another actor deleted since the plan is not a failure of the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue11_a_job_gone_since_the_plan_is_skipped_not_failed() {
    let (run, report) = cancel_all_with_one_patch_answered(Fault::status(404)).await;
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(report["skipped"][0]["reason"], "goneSincePlan", "{report}");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_the_requests_in_flight_and_a_rerun_finishes_the_work() {
    let names: Vec<String> = (0..8).map(|i| format!("job-{i}")).collect();
    let seed: Vec<(&str, &str, &str, u32)> = names
        .iter()
        .map(|n| ("rg", n.as_str(), "Completed", 0))
        .collect();
    let emulator = fleet(&seed).await;
    // Slow DELETEs keep requests in flight when the signal comes.
    emulator.inject(FaultRule::new(
        RequestKind::DeleteJob,
        8,
        Fault::Delay(Duration::from_millis(1500)),
    ));
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "jobs",
        "delete",
        "--all",
        "--archive-dir",
        dir.path().to_str().unwrap(),
        "--yes",
        "--concurrency",
        "2",
        "-o",
        "json",
    ];
    let child = command(Some(&emulator), &args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // An archive file is written just before its job's DELETE is sent.
    until("a DELETE is in flight", || !files(dir.path()).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let run = Run::of(output);
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(run.stderr.contains("interrupted"), "{}", run.stderr);
    let partial = report(&run);
    assert_eq!(partial["summary"]["interrupted"], true, "{partial}");
    let done = names_of(&partial["done"]);
    assert!(
        (1..=2).contains(&done.len()),
        "the requests in flight finish: {partial}"
    );
    assert_eq!(partial["failed"], json!([]));
    let not_started = reasons(&partial["skipped"]);
    assert!(
        not_started.iter().all(|(_, reason)| reason == "notStarted"),
        "{partial}"
    );
    assert_eq!(done.len() + not_started.len(), 8);
    for name in &names {
        let deleted = emulator.job_json(SUB, "rg", name).is_none();
        assert_eq!(deleted, done.contains(name), "{name}");
    }

    // The same command again finishes the work, archiving no version twice.
    emulator.clear_faults();
    let args: Vec<&str> = args.to_vec();
    let run = succeeds(&emulator, &args).await;
    assert_eq!(report(&run)["summary"]["done"], 8 - done.len());
    assert_eq!(emulator.job_count(), 0);
    for name in &names {
        assert_eq!(versions(dir.path(), "rg", name).len(), 1, "{name}");
    }
    let mut deleted: Vec<String> = emulator
        .journal()
        .into_iter()
        .filter(|e| e.method == "DELETE")
        .map(|e| e.path)
        .collect();
    deleted.sort();
    deleted.dedup();
    assert_eq!(deleted.len(), 8, "each job deleted once");
    assert_eq!(count(&emulator, "DELETE"), 8);
}
