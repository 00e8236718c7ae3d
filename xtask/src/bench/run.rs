//! Running the measurements: W5 in this process and in a fresh probe process, and
//! `cargo bench` as a bounded child process whose `AZIE_BENCH` reports are collected.

use azure_importexport_test::{proc_status_kib, run_bounded};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::REPORT_PREFIX;
use super::results::W5;
use crate::generate;

/// Bound of the whole `cargo bench` child (a cold build of the bench crate included).
const CARGO_BENCH_TIMEOUT: Duration = Duration::from_secs(45 * 60);
/// Bound of the codegen memory probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(120);

/// Criterion's `--warm-up-time` and `--measurement-time`, in seconds.
pub(super) fn criterion_times(quick: bool) -> (&'static str, &'static str) {
    if quick { ("0.5", "1") } else { ("1", "2") }
}

/// W5: generate both api-versions several times here (the median is reported), then once
/// in a fresh `xtask bench-codegen-probe` process that reports its memory.
pub(super) fn measure_codegen(root: &Path, spec_root: &Path, quick: bool) -> Result<W5, String> {
    let runs = if quick { 3 } else { 7 };
    let mut seconds = Vec::with_capacity(runs);
    let mut files = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        files = generate::generate_all(root, spec_root)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    let up_to_date = codegen::stale_files(root, &files).is_empty();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command
        .arg("bench-codegen-probe")
        .arg("--spec-root")
        .arg(spec_root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let probe = run_bounded(command, PROBE_TIMEOUT, false).and_then(|(status, out)| {
        if !status.success() {
            return Err(format!("probe exited with {status}"));
        }
        out.lines()
            .find_map(|l| l.strip_prefix(REPORT_PREFIX))
            .and_then(|json| serde_json::from_str(json).ok())
            .ok_or_else(|| "the probe printed no report".to_owned())
    });
    Ok(W5 {
        seconds,
        bytes: files.iter().map(|f| f.contents.len()).sum(),
        files: files.len(),
        up_to_date,
        probe,
    })
}

/// `xtask bench-codegen-probe`: generate both api-versions once in this fresh process
/// and print its RSS before, and its peak RSS (`VmHWM`), as one report line.
pub fn codegen_probe(spec_root: &Path) -> Result<(), String> {
    let root = crate::workspace_root();
    let rss_before = proc_status_kib("VmRSS");
    let start = Instant::now();
    let files = generate::generate_all(&root, spec_root)?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = proc_status_kib("VmHWM");
    println!(
        "{REPORT_PREFIX}{}",
        serde_json::json!({
            "kind": "codegen_memory",
            "files": files.len(),
            "seconds": seconds,
            "rss_before_kib": rss_before,
            "peak_kib": peak,
        })
    );
    Ok(())
}

/// `cargo bench -p azure_importexport_bench --bench memory --bench workloads` with
/// criterion's output in a fresh `criterion_home`; returns the benches' reports.
pub(super) fn cargo_bench(
    root: &Path,
    criterion_home: &Path,
    quick: bool,
) -> Result<Vec<Value>, String> {
    if criterion_home.exists() {
        std::fs::remove_dir_all(criterion_home)
            .map_err(|e| format!("clearing {}: {e}", criterion_home.display()))?;
    }
    let (warm_up, measurement) = criterion_times(quick);
    let bench_args = [
        "bench",
        "-p",
        "azure_importexport_bench",
        "--bench",
        "memory",
        "--bench",
        "workloads",
        "--bench",
        "operations",
        "--bench",
        "fleet",
        "--",
        "--warm-up-time",
        warm_up,
        "--measurement-time",
        measurement,
        "--noplot",
    ];
    eprintln!("bench: cargo {}", bench_args.join(" "));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(bench_args)
        .env("CRITERION_HOME", criterion_home)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    if quick {
        command.env("AZIE_BENCH_QUICK", "1");
    } else {
        command.env_remove("AZIE_BENCH_QUICK");
    }
    let (status, stdout) = run_bounded(command, CARGO_BENCH_TIMEOUT, true)?;
    if !status.success() {
        return Err(format!("cargo bench failed: {status}"));
    }
    Ok(stdout
        .lines()
        .filter_map(|l| l.strip_prefix(REPORT_PREFIX))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect())
}
