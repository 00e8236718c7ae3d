//! The report proven against snapshots: fixed, hand-written results rendered and compared
//! byte for byte with `snapshots/*.md`, which were written by the report code before it
//! was split into modules and a template (so the split changed nothing).
//!
//! After an intended change to the report, rewrite them with
//! `AZIE_UPDATE_SNAPSHOTS=1 cargo test -p xtask -- bench::tests` and review the diff.

use serde_json::Value;
use std::path::Path;
use std::time::Duration;

use super::build::{BuildTime, Builds, Subject};
use super::machine::Machine;
use super::report::{Render, render};
use super::results::{Estimate, Results, W5};

fn estimate(ms: f64) -> Estimate {
    Estimate {
        median: ms * 1e6,
        low: ms * 0.97e6,
        high: ms * 1.04e6,
    }
}

/// Results from `reports` and criterion medians `(id, milliseconds)`.
fn results(reports: Vec<Value>, estimates: &[(&str, f64)]) -> Results {
    let mut results = Results::new(Path::new("/nonexistent/bench-criterion"), reports);
    for &(id, ms) in estimates {
        results.criterion.insert(id.to_owned(), estimate(ms));
    }
    results
}

fn machine() -> Machine {
    Machine {
        cpu: "Test CPU @ 2.00GHz".to_owned(),
        cores: 2,
        parallelism: 2,
        memory: "7.8 GiB".to_owned(),
        kernel: "Linux 6.1.0-test".to_owned(),
        rustc: "rustc 1.95.0 (test)".to_owned(),
        load_start: "0.50 0.40 0.30".to_owned(),
    }
}

fn paired(workload: &str, a: &str, b: &str, ratio: f64, quartiles: Option<(f64, f64)>) -> Value {
    serde_json::json!({
        "kind": "paired", "workload": workload, "a": a, "b": b, "ratio": ratio,
        "p25": quartiles.map(|q| q.0), "p75": quartiles.map(|q| q.1),
    })
}

fn memory(
    client: &str,
    jobs: u64,
    heap_kib: f64,
    rss_kib: f64,
    wire_kib: f64,
    decoded_kib: f64,
) -> Value {
    serde_json::json!({
        "kind": "memory", "client": client, "jobs": jobs,
        "heap_growth_bytes": heap_kib * 1024.0, "rss_growth_kib": rss_kib,
        "page_wire_bytes": wire_kib * 1024.0, "page_decoded_bytes": decoded_kib * 1024.0,
    })
}

/// Everything measured; every target missed, so every note is written.
fn results_with_misses() -> Results {
    let mut reports = vec![
        paired("w1", "generated", "hand_written", 1.31, Some((1.2, 1.4))),
        paired("w1", "generated", "legacy", 1.05, Some((0.9, 1.2))),
        paired("w1", "generated", "legacy_keepalive", 1.16, None),
        paired(
            "w1",
            "generated",
            "hand_written_generated_models",
            1.2,
            None,
        ),
        paired(
            "w1",
            "hand_written_generated_models",
            "hand_written",
            1.09,
            None,
        ),
        paired(
            "w1",
            "hand_written_core_settings",
            "hand_written",
            1.01,
            None,
        ),
        paired(
            "w1_rust_backtrace_1",
            "generated",
            "hand_written",
            2.5,
            None,
        ),
        paired("w2", "generated", "hand_written", 1.22, None),
        paired("w2", "generated", "legacy", 1.11, Some((1.04, 1.32))),
        paired(
            "w2",
            "generated",
            "legacy_keepalive",
            1.13,
            Some((0.94, 1.38)),
        ),
        paired(
            "w2",
            "generated",
            "hand_written_generated_models",
            1.08,
            None,
        ),
        paired(
            "w2",
            "hand_written_generated_models",
            "hand_written",
            1.12,
            None,
        ),
        paired("w3", "ergonomic", "hand_written", 1.4, Some((1.3, 1.5))),
        paired("w1", "ergonomic", "hand_written", 1.3, Some((1.2, 1.35))),
        paired("w2", "ergonomic", "generated", 1.6, Some((1.5, 1.7))),
        paired("ops_get", "generated", "hand_written", 1.09, None),
        paired(
            "ops_patch",
            "generated",
            "hand_written",
            1.22,
            Some((1.2, 1.25)),
        ),
        paired(
            "ops_delete",
            "generated",
            "hand_written",
            1.06,
            Some((1.04, 1.08)),
        ),
        paired("w4", "generated", "hand_written", 1.5, Some((1.45, 1.55))),
        paired("w4", "generated", "legacy", 0.98, Some((0.95, 1.01))),
        serde_json::json!({"kind": "fixture", "page_bytes": 204_800, "job_bytes": 2_048}),
        serde_json::json!({"kind": "unknown"}),
    ];
    for (n, generated, floor, legacy) in [
        (1_000, 700.0, 650.0, 500.0),
        (10_000, 1_100.0, 700.0, 520.0),
        (100_000, 1_400.0, 720.0, 530.0),
    ] {
        reports.push(memory(
            "generated",
            n,
            generated,
            generated + 100.0,
            200.0,
            300.0,
        ));
        reports.push(memory("hand_written", n, floor, floor + 90.0, 200.0, 250.0));
        reports.push(memory("legacy", n, legacy, legacy + 80.0, 200.0, 280.0));
    }
    results(
        reports,
        &[
            ("w1_get_2000/generated", 300.0),
            ("w1_get_2000/hand_written", 240.0),
            ("w1_get_2000/legacy", 290.0),
            ("w1_get_2000/legacy_keepalive", 260.0),
            ("w2_list_10000/generated", 180.0),
            ("w2_list_10000/hand_written", 150.0),
            ("w2_list_10000/legacy", 170.0),
            ("w2_list_10000/legacy_keepalive", 160.0),
            ("w2_scaling/generated/1000", 17.0),
            ("w2_scaling/generated/10000", 180.0),
            ("w2_scaling/generated/100000", 1_850.0),
            ("w2_scaling/hand_written/1000", 15.0),
            ("w2_scaling/hand_written/10000", 150.0),
            ("w2_scaling/hand_written/100000", 1_490.0),
            ("w3_cancel_500/ergonomic", 90.0),
            ("w3_cancel_500/hand_written", 64.0),
            ("ops_get_500/generated", 64.0),
            ("ops_get_500/hand_written", 58.0),
            ("ops_patch_500/generated", 76.0),
            ("ops_patch_500/hand_written", 62.0),
            ("ops_list_1000/generated", 9.7),
            ("ops_list_1000/hand_written", 8.9),
            ("w4_deserialize_page/generated", 0.9),
            ("w4_deserialize_page/hand_written", 0.6),
            ("w4_deserialize_page/legacy", 0.92),
        ],
    )
}

/// Every target met (one on the line, some within the rounds' spread); no 100,000-job
/// timing, so linearity is judged between 1,000 and 10,000 jobs (and fails).
fn results_all_met() -> Results {
    let mut reports = vec![
        paired("w1", "generated", "hand_written", 1.04, Some((1.0, 1.06))),
        paired("w1", "generated", "legacy", 0.8, Some((0.75, 0.84))),
        paired(
            "w1",
            "generated",
            "legacy_keepalive",
            0.95,
            Some((0.9, 1.0)),
        ),
        paired("w2", "generated", "hand_written", 1.05, Some((1.03, 1.07))),
        paired("w2", "generated", "legacy", 0.9, None),
        paired(
            "w2",
            "generated",
            "legacy_keepalive",
            0.97,
            Some((0.97, 0.99)),
        ),
        paired("w4", "generated", "legacy", 0.99, None),
        paired("w1", "ergonomic", "hand_written", 1.04, Some((1.0, 1.06))),
        paired("w2", "ergonomic", "generated", 1.1, None),
        paired("w3", "ergonomic", "hand_written", 1.02, None),
        paired("ops_patch", "generated", "hand_written", 1.01, None),
        paired("ops_delete", "generated", "hand_written", 0.99, None),
    ];
    for n in [1_000, 10_000, 100_000] {
        reports.push(memory("generated", n, 400.0, 512.0, 200.0, 300.0));
    }
    results(
        reports,
        &[
            ("w1_get_2000/generated", 250.0),
            ("w1_get_2000/hand_written", 240.0),
            ("w2_scaling/generated/1000", 17.0),
            ("w2_scaling/generated/10000", 340.0),
            ("w3_cancel_500/ergonomic", 0.0009),
            ("w4_deserialize_page/generated", 1_500.0),
        ],
    )
}

fn render_fixture(name: &str) -> String {
    let machine = machine();
    let (results, w5) = match name {
        "misses" => (
            results_with_misses(),
            Some(W5 {
                seconds: vec![0.41, 0.36, 0.35, 0.39, 0.37],
                files: 14,
                bytes: 512_000,
                up_to_date: false,
                probe: Ok(
                    serde_json::json!({"peak_kib": 61_440.0, "rss_before_kib": 10_240.0, "seconds": 0.52}),
                ),
            }),
        ),
        "met" => (
            results_all_met(),
            Some(W5 {
                seconds: vec![1.2, 0.9, 0.95],
                files: 14,
                bytes: 498_000,
                up_to_date: true,
                probe: Err("probe exited with exit status: 1".to_owned()),
            }),
        ),
        _ => (
            Results::new(Path::new("/nonexistent/bench-criterion"), Vec::new()),
            None,
        ),
    };
    let builds = builds(name);
    render(&Render {
        quick: name == "misses",
        machine: &machine,
        load_end: "1.50 1.20 0.90",
        date: "2026-11-25 18:12 UTC",
        elapsed: Duration::from_secs(174),
        w5: w5.as_ref(),
        results: &results,
        warm_up: if name == "misses" { "0.5" } else { "1" },
        measurement: if name == "misses" { "1" } else { "2" },
        builds: &builds,
    })
}

/// Clean builds: ours slower than the legacy crate's (`misses`, where the lean CLI fails
/// to build), as fast (`met`), or not run.
fn builds(name: &str) -> Builds {
    let build = |subject, seconds: f64| BuildTime {
        subject,
        seconds,
        units: 180,
        unit_seconds: seconds * 1.9,
        slowest: vec![
            ("rustls 0.23.46".to_owned(), 17.5),
            ("reqwest 0.13.5".to_owned(), 13.1),
            ("tokio 1.54.1".to_owned(), 10.9),
        ],
    };
    let ours = if name == "met" { 70.0 } else { 85.0 };
    match name {
        "met" | "misses" => Ok(vec![
            Ok(build(Subject::Sdk, ours)),
            Ok(build(Subject::Cli, ours + 40.0)),
            if name == "met" {
                Ok(build(Subject::CliWithoutEmulator, ours))
            } else {
                Err("azie_no_default_features: cargo exited with exit status: 101".to_owned())
            },
            Ok(build(Subject::Legacy, 76.0)),
        ]),
        _ => Err("`--no-build-times`".to_owned()),
    }
}

fn check(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/bench/snapshots")
        .join(format!("{name}.md"));
    let rendered = render_fixture(name);
    if std::env::var_os("AZIE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    for (i, (got, want)) in rendered.lines().zip(expected.lines()).enumerate() {
        assert_eq!(got, want, "{name}.md line {}", i + 1);
    }
    assert_eq!(rendered, expected, "{name}.md");
}

#[test]
fn report_with_every_target_missed() {
    check("misses");
}

#[test]
fn report_with_every_target_met() {
    check("met");
}

#[test]
fn report_with_nothing_measured() {
    check("empty");
}
