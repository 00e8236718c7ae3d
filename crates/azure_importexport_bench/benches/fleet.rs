//! W6: bulk safe-delete with archive of `Completed` jobs across 10 resource groups,
//! against the emulator, with ARM throttling on (scaled so the run takes seconds) and off.
//!
//! Reported as markdown on stdout and in one `AZIE_BENCH` JSON line (`kind: w6`), whose
//! markdown `cargo xtask bench` copies into BENCHMARKS.md:
//! - time / the minimum the token buckets allow for the requests the run sent (target
//!   at most 1.2x), and the share of requests answered 429 (target at most 1 %);
//! - jobs lost or deleted unarchived (must be 0);
//! - the client's peak RSS for 1,000 and 10,000 jobs (measured in a child process that
//!   runs only the client; the emulator stays in this process): it must not grow with
//!   the number of jobs;
//! - the same workload without throttling, at concurrency 1, 4 and 16.

use azure_importexport::{
    ArmLimits, FleetAction, FleetOptions, FsArchive, ImportExport, ImportExportOptions,
    JobSelector, RetryPolicy, StaticTokenCredential,
};
use azure_importexport_emulator::{Emulator, EmulatorConfig, JobSeed, RequestKind, ThrottleConfig};
use azure_importexport_test::{proc_status_kib, reset_peak_rss, run_bounded};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
/// Refill rates times this: ARM's 10 deletes/s become 400/s, so 1,000 jobs take seconds.
const SCALE: f64 = 40.0;
const PROBE_ENV: &str = "AZIE_W6_PROBE";
const PROBE_TIMEOUT: Duration = Duration::from_secs(300);

fn main() {
    if let Ok(spec) = std::env::var(PROBE_ENV) {
        return probe(&spec);
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let throttled = runtime.block_on(throttled_run(1_000, 16));
    let unthrottled: Vec<Run> = [1, 4, 16]
        .into_iter()
        .map(|workers| runtime.block_on(unthrottled_run(1_000, workers)))
        .collect();
    let memory: Vec<(usize, Option<u64>)> = [1_000, 10_000]
        .into_iter()
        .map(|jobs| (jobs, runtime.block_on(peak_rss_of_client(jobs))))
        .collect();
    print_report(&throttled, &unthrottled, &memory);
}

/// What one run sent and took.
#[derive(Debug)]
struct Run {
    jobs: usize,
    workers: usize,
    elapsed: Duration,
    reads: usize,
    deletes: usize,
    throttled: usize,
    total: usize,
    /// Jobs still there, or deleted without an archived version.
    lost_or_unarchived: usize,
}

impl Run {
    /// The least time ARM's buckets (scaled) allow for the requests this run sent.
    fn bucket_minimum(&self) -> Duration {
        let limits = ThrottleConfig::default();
        let least = |count: usize, capacity: u32, per_second: f64| {
            (count.saturating_sub(capacity as usize)) as f64 / (per_second * SCALE)
        };
        let reads = least(
            self.reads,
            limits.reads.capacity,
            limits.reads.refill_per_second,
        );
        let deletes = least(
            self.deletes,
            limits.deletes.capacity,
            limits.deletes.refill_per_second,
        );
        Duration::from_secs_f64(reads.max(deletes))
    }
}

fn seed(emulator: &Emulator, jobs: usize) {
    emulator.seed_jobs(&JobSeed {
        subscription: SUBSCRIPTION.to_owned(),
        count: jobs,
        resource_groups: 10,
        states: vec!["Completed".to_owned()],
        ..JobSeed::default()
    });
}

fn client(endpoint: &str, limits: ArmLimits) -> ImportExport {
    let options = ImportExportOptions {
        arm_limits: limits,
        retry: RetryPolicy::default()
            .with_backoff(Duration::from_millis(20), Duration::from_secs(1)),
        ..ImportExportOptions::default()
    }
    .with_endpoint(endpoint);
    ImportExport::new(
        SUBSCRIPTION,
        Arc::new(StaticTokenCredential::new("w6")),
        Some(options),
    )
    .expect("client")
}

/// Plans and runs the bulk delete with an archive; returns (elapsed, archive dir).
async fn delete_all(sdk: &ImportExport, workers: usize) -> (Duration, tempfile::TempDir) {
    let archive_dir = tempfile::tempdir().expect("archive dir");
    let archive = Arc::new(FsArchive::new(archive_dir.path()));
    let started = Instant::now();
    let plan = sdk
        .plan(
            &JobSelector::default(),
            FleetAction::Delete {
                archive: Some(archive),
            },
            None,
        )
        .await
        .expect("plan");

    let options = FleetOptions {
        concurrency: Some(workers),
        ..FleetOptions::default()
    };
    let report = sdk.run_plan(plan, Some(options)).await;
    assert_eq!(report.summary.failed, 0, "{:?}", report.failed.first());
    (started.elapsed(), archive_dir)
}

async fn measured(emulator: Emulator, limits: ArmLimits, jobs: usize, workers: usize) -> Run {
    seed(&emulator, jobs);
    emulator.clear_journal();
    let sdk = client(&emulator.uri(), limits);
    let (elapsed, archive_dir) = delete_all(&sdk, workers).await;
    let journal = emulator.journal();
    let count = |kind: RequestKind| journal.iter().filter(|e| e.kind == kind).count();
    let archive = FsArchive::new(archive_dir.path());
    let unarchived = journal
        .iter()
        .filter(|e| e.kind == RequestKind::DeleteJob && e.applied)
        .filter(|e| {
            let mut segments = e.path.rsplit('/');
            let name = segments.next().unwrap_or_default();
            let rg = segments.nth(3).unwrap_or_default();
            archive
                .versions(SUBSCRIPTION, rg, name)
                .map_or(true, |v| v.is_empty())
        })
        .count();
    Run {
        jobs,
        workers,
        elapsed,
        reads: count(RequestKind::GetJob) + count(RequestKind::ListJobs),
        deletes: count(RequestKind::DeleteJob),
        throttled: journal.iter().filter(|e| e.status == 429).count(),
        total: journal.len(),
        lost_or_unarchived: emulator.job_count() + unarchived,
    }
}

async fn throttled_run(jobs: usize, workers: usize) -> Run {
    let config = EmulatorConfig {
        throttle: Some(ThrottleConfig {
            scale: SCALE,
            ..ThrottleConfig::default()
        }),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start_with(config).await;
    measured(emulator, ArmLimits::default().scaled(SCALE), jobs, workers).await
}

async fn unthrottled_run(jobs: usize, workers: usize) -> Run {
    measured(Emulator::start().await, ArmLimits::default(), jobs, workers).await
}

/// Starts the emulator here, seeds `jobs`, and runs the client alone in a child process
/// that reports its own peak RSS (KiB).
async fn peak_rss_of_client(jobs: usize) -> Option<u64> {
    let emulator = Emulator::start().await;
    seed(&emulator, jobs);
    let exe = std::env::current_exe().ok()?;
    let mut command = Command::new(exe);
    command.env(PROBE_ENV, emulator.uri());
    let outcome = tokio::task::spawn_blocking(move || run_bounded(command, PROBE_TIMEOUT, false))
        .await
        .ok()?;
    match outcome {
        Ok((status, out)) if status.success() => out
            .lines()
            .find_map(|l| l.strip_prefix("PEAK_KIB ")?.parse().ok()),
        Ok((status, _)) => {
            eprintln!("W6 probe exited with {status}");
            None
        }
        Err(error) => {
            eprintln!("W6 probe: {error}");
            None
        }
    }
}

/// The child: one bulk delete against `endpoint`, then its peak RSS.
fn probe(endpoint: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    reset_peak_rss();
    runtime.block_on(async {
        let sdk = client(endpoint, ArmLimits::default());
        delete_all(&sdk, 16).await;
    });
    println!("PEAK_KIB {}", proc_status_kib("VmHWM").unwrap_or(0));
}

/// Peak RSS growth that still counts as "does not grow with the number of jobs": the
/// allocator's slack and one listing page, not one record per job.
const FLAT_KIB: u64 = 1024;

fn print_report(throttled: &Run, unthrottled: &[Run], memory: &[(usize, Option<u64>)]) {
    use std::fmt::Write as _;
    let mut md = String::new();
    let minimum = throttled.bucket_minimum();
    let ratio = throttled.elapsed.as_secs_f64() / minimum.as_secs_f64().max(f64::EPSILON);
    let share = throttled.throttled as f64 / throttled.total.max(1) as f64;
    let met = |ok: bool| if ok { "met" } else { "**missed**" };
    let _ = writeln!(
        md,
        "| W6, throttling on (buckets scaled {SCALE}x) | value | target |"
    );
    let _ = writeln!(md, "|---|---:|---|");
    let _ = writeln!(
        md,
        "| {} Completed jobs, 10 resource groups, {} workers: time | {:.2} s | |",
        throttled.jobs,
        throttled.workers,
        throttled.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "| minimum the buckets allow ({} reads, {} deletes) | {:.2} s | |",
        throttled.reads,
        throttled.deletes,
        minimum.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "| time / minimum | {ratio:.2}x | <= 1.2x: {} |",
        met(ratio <= 1.2)
    );
    let _ = writeln!(
        md,
        "| answered 429 | {} of {} ({:.2} %) | <= 1 %: {} |",
        throttled.throttled,
        throttled.total,
        share * 100.0,
        met(share <= 0.01)
    );
    let _ = writeln!(
        md,
        "| jobs lost or deleted unarchived | {} | 0: {} |",
        throttled.lost_or_unarchived,
        met(throttled.lost_or_unarchived == 0)
    );
    for (jobs, peak) in memory {
        let shown = peak.map_or_else(
            || "n/a".to_owned(),
            |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
        );
        let _ = writeln!(
            md,
            "| client peak RSS, {jobs} jobs (child process) | {shown} | |"
        );
    }
    if let [(small, Some(low)), (large, Some(high))] = memory {
        let growth_kib = high.saturating_sub(*low);
        let per_job = growth_kib as f64 * 1024.0 / (large - small).max(1) as f64;
        let _ = writeln!(
            md,
            "| peak RSS growth from {small} to {large} jobs | {:.1} MiB ({per_job:.0} bytes per job) | does not grow (within {FLAT_KIB} KiB): {} |",
            growth_kib as f64 / 1024.0,
            met(growth_kib <= FLAT_KIB)
        );
        if growth_kib > FLAT_KIB {
            let _ = writeln!(
                md,
                "\nThe growth is what a run keeps per job by design, not the listing (one page at a time): the plan's entry for each job (resource group, name, state, `createdAt`), kept so that the whole plan is shown before anything is sent, and the report's entry (the same and the archive path), kept so that the report lists every job."
            );
        }
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| W6, throttling off | workers | time | lost or unarchived |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    for run in unthrottled {
        let _ = writeln!(
            md,
            "| {} jobs | {} | {:.2} s | {} |",
            run.jobs,
            run.workers,
            run.elapsed.as_secs_f64(),
            run.lost_or_unarchived
        );
    }
    println!("{md}");
    println!(
        "AZIE_BENCH {}",
        serde_json::json!({
            "kind": "w6",
            "markdown": md,
            "w6": {
                "ratio": ratio, "throttled_share": share,
                "lost_or_unarchived": throttled.lost_or_unarchived,
                "peak_kib": memory.iter().map(|(jobs, kib)| serde_json::json!({"jobs": jobs, "kib": kib})).collect::<Vec<_>>(),
            }
        })
    );
}
