//! W1-W4 and the W2 time scaling, with the hand-written floor and the legacy crate as
//! baselines in the same run, against the loopback server of `azure_importexport_bench`.
//!
//! - `w1_get_2000`: 2,000 sequential `jobs().get()` with full deserialization, also
//!   through the SDK's `JobRef::get` (`ergonomic`).
//! - `w2_list_10000`: list 10,000 jobs over 100 pages (`nextLink`), also through the
//!   SDK's `ImportExport::jobs` stream (`ergonomic`).
//! - `w3_cancel_500`: 500 cancels through `azure_importexport::JobRef::cancel` (GET +
//!   PATCH each) vs a hand-written GET + state check + PATCH.
//! - `w4_deserialize_page`: one 100-job list page from bytes into the generated
//!   `ListJobsResponse`, the hand-written struct, and the legacy crate's model.
//! - `w2_scaling`: the W2 listing at 1,000 / 10,000 / 100,000 jobs (time per job).
//!
//! After criterion, interleaved ratios (median of per-round ratios, sides alternating
//! first) are printed, and every figure also as an `AZIE_BENCH {json}` line for
//! `cargo xtask bench`; then the W1 ratio once more in a child process with
//! `RUST_BACKTRACE=1`. Set `AZIE_BENCH_QUICK=1` for fewer interleaved rounds, no
//! 100,000-job listing and no `legacy_keepalive` under criterion (its interleaved ratios
//! stay).
//!
//! ```text
//! cargo bench -p azure_importexport_bench --bench workloads -- --warm-up-time 1 --measurement-time 2
//! ```

mod legacy;

use azure_importexport::ImportExport;
use azure_importexport_bench::{
    DEFAULT_JOBS, HandPage, PAGE_SIZE, PairedLog, RG, SUB, client_runtime, count_listed,
    criterion_test_mode, flat_group, generated_client, generated_client_for, generated_get_job,
    generated_list_all, hand_cancel, hand_client, hand_client_core_settings, hand_get,
    hand_get_job, hand_list_all, hand_list_all_generated_models, in_turn, job_url, page_json,
    paired_ratio_stats, quick, report, sdk_client_for, start_server, subscription_for,
};
use azure_importexport_rest::ImportExportClient;
use azure_importexport_test::run_bounded;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use legacy::{LegacyPage, legacy_client, legacy_client_keepalive, legacy_get_job, legacy_list_all};
use std::hint::black_box;

const W1_CALLS: usize = 2_000;
const W3_CANCELS: usize = 500;
const SCALING: [usize; 3] = [1_000, 10_000, 100_000];

struct Setup {
    base: String,
    runtime: tokio::runtime::Runtime,
    generated: ImportExportClient,
    http: reqwest::Client,
    legacy: azure_mgmt_storageimportexport::package_preview_2021_01::Client,
    legacy_keepalive: azure_mgmt_storageimportexport::package_preview_2021_01::Client,
    ergonomic: ImportExport,
    cancel_names: Vec<String>,
}

impl Setup {
    fn new() -> Self {
        let base = start_server();
        let runtime = client_runtime();
        Setup {
            generated: generated_client(&base),
            http: hand_client(),
            legacy: legacy_client(&base),
            legacy_keepalive: legacy_client_keepalive(&base),
            ergonomic: sdk_client_for(&base, SUB),
            cancel_names: (0..W3_CANCELS).map(|i| format!("job{i}")).collect(),
            runtime,
            base,
        }
    }

    /// Every client sees the same data before anything is timed.
    fn check(&self) {
        self.runtime.block_on(async {
            let ours = generated_get_job(&self.generated).await;
            assert_eq!(self.ergonomic_get().await.name(), ours.name.as_deref());
            let floor = hand_get_job(&self.http, &self.base).await;
            let old = legacy_get_job(&self.legacy).await;
            let old_ka = legacy_get_job(&self.legacy_keepalive).await;
            assert_eq!(ours.name, floor.name);
            assert_eq!(ours.name, old.name);
            assert_eq!(ours.name, old_ka.name);
            assert_eq!(
                generated_list_all(&self.generated, DEFAULT_JOBS).await,
                DEFAULT_JOBS
            );
            assert_eq!(
                hand_list_all(&self.http, &self.base, DEFAULT_JOBS).await,
                DEFAULT_JOBS
            );
            assert_eq!(
                legacy_list_all(&self.legacy, DEFAULT_JOBS).await,
                DEFAULT_JOBS
            );
            assert_eq!(
                legacy_list_all(&self.legacy_keepalive, DEFAULT_JOBS).await,
                DEFAULT_JOBS
            );
            assert_eq!(self.w2_ergonomic(DEFAULT_JOBS).await, DEFAULT_JOBS);
            let outcome = self.ergonomic_cancel("job0").await;
            assert_eq!(outcome.patch_attempts, 1);
            assert!(!outcome.already_requested);
            hand_cancel(&self.http, &self.base, "job0").await;
        });
    }

    async fn ergonomic_cancel(&self, name: &str) -> azure_importexport::CancelOutcome {
        let outcome = self
            .ergonomic
            .job(RG, name)
            .cancel(None)
            .await
            .expect("cancel");
        assert!(outcome.job.cancel_requested());
        outcome
    }

    async fn w1_generated(&self) {
        for _ in 0..W1_CALLS {
            black_box(generated_get_job(&self.generated).await);
        }
    }

    async fn w1_hand(&self) {
        for _ in 0..W1_CALLS {
            black_box(hand_get_job(&self.http, &self.base).await);
        }
    }

    /// W1's call through the SDK: `JobRef::get` (retry budget, typed errors, the job's
    /// exact bytes kept).
    async fn ergonomic_get(&self) -> azure_importexport::Job {
        self.ergonomic
            .job(RG, "job1")
            .get(None)
            .await
            .expect("JobRef::get")
    }

    async fn w1_ergonomic(&self) {
        for _ in 0..W1_CALLS {
            black_box(self.ergonomic_get().await);
        }
    }

    async fn w1_legacy(&self, keepalive: bool) {
        let client = if keepalive {
            &self.legacy_keepalive
        } else {
            &self.legacy
        };
        for _ in 0..W1_CALLS {
            black_box(legacy_get_job(client).await);
        }
    }

    /// W2 through the SDK: every job of [`SUB`] from the `ImportExport::jobs` stream
    /// (each `Job` keeps its exact bytes); panics past `total` jobs (the loop's bound).
    async fn w2_ergonomic(&self, total: usize) -> usize {
        count_listed(self.ergonomic.jobs(None), total).await
    }

    async fn w3_ergonomic(&self) {
        for name in &self.cancel_names {
            black_box(self.ergonomic_cancel(name).await);
        }
    }

    async fn w3_hand(&self) {
        for name in &self.cancel_names {
            black_box(hand_cancel(&self.http, &self.base, name).await);
        }
    }
}

fn w1(c: &mut Criterion, s: &Setup) {
    let mut group = flat_group(c, "w1_get_2000", W1_CALLS);
    let rt = &s.runtime;
    group.bench_function("generated", |b| b.to_async(rt).iter(|| s.w1_generated()));
    group.bench_function("hand_written", |b| b.to_async(rt).iter(|| s.w1_hand()));
    group.bench_function("ergonomic", |b| b.to_async(rt).iter(|| s.w1_ergonomic()));
    group.bench_function("legacy", |b| b.to_async(rt).iter(|| s.w1_legacy(false)));
    if !quick() {
        group.bench_function("legacy_keepalive", |b| {
            b.to_async(rt).iter(|| s.w1_legacy(true))
        });
    }
    group.finish();
}

fn w2(c: &mut Criterion, s: &Setup) {
    let mut group = flat_group(c, "w2_list_10000", DEFAULT_JOBS);
    let rt = &s.runtime;
    group.bench_function("generated", |b| {
        b.to_async(rt)
            .iter(|| generated_list_all(&s.generated, DEFAULT_JOBS))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(rt)
            .iter(|| hand_list_all(&s.http, &s.base, DEFAULT_JOBS))
    });
    group.bench_function("ergonomic", |b| {
        b.to_async(rt).iter(|| s.w2_ergonomic(DEFAULT_JOBS))
    });
    group.bench_function("legacy", |b| {
        b.to_async(rt)
            .iter(|| legacy_list_all(&s.legacy, DEFAULT_JOBS))
    });
    if !quick() {
        group.bench_function("legacy_keepalive", |b| {
            b.to_async(rt)
                .iter(|| legacy_list_all(&s.legacy_keepalive, DEFAULT_JOBS))
        });
    }
    group.finish();
}

fn w3(c: &mut Criterion, s: &Setup) {
    let mut group = flat_group(c, "w3_cancel_500", W3_CANCELS);
    let rt = &s.runtime;
    group.bench_function("ergonomic", |b| b.to_async(rt).iter(|| s.w3_ergonomic()));
    group.bench_function("hand_written", |b| b.to_async(rt).iter(|| s.w3_hand()));
    group.finish();
}

fn w4(c: &mut Criterion, s: &Setup) {
    let next = format!(
        "{}&%24skiptoken=1",
        azure_importexport_bench::list_url(&s.base, SUB)
    );
    let bytes = page_json(PAGE_SIZE, Some(&next));
    report(serde_json::json!({
        "kind": "fixture",
        "page_bytes": bytes.len(),
        "job_bytes": serde_json::to_vec(&azure_importexport_bench::job_json("job1")).map_or(0, |v| v.len()),
    }));
    // Same data either way.
    let ours: azure_importexport_rest::models::ListJobsResponse =
        serde_json::from_slice(&bytes).expect("generated page");
    let floor: HandPage = serde_json::from_slice(&bytes).expect("hand page");
    let old: LegacyPage = serde_json::from_slice(&bytes).expect("legacy page");
    assert_eq!(ours.value.as_ref().map_or(0, Vec::len), PAGE_SIZE);
    assert_eq!(floor.value.len(), PAGE_SIZE);
    assert_eq!(old.value.len(), PAGE_SIZE);

    let mut group = c.benchmark_group("w4_deserialize_page");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("generated", |b| {
        b.iter(|| {
            black_box(
                serde_json::from_slice::<azure_importexport_rest::models::ListJobsResponse>(
                    black_box(&bytes),
                )
                .expect("page"),
            )
        })
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| black_box(serde_json::from_slice::<HandPage>(black_box(&bytes)).expect("page")))
    });
    group.bench_function("legacy", |b| {
        b.iter(|| black_box(serde_json::from_slice::<LegacyPage>(black_box(&bytes)).expect("page")))
    });
    group.finish();
}

fn scaling(c: &mut Criterion, s: &Setup) {
    let mut group = c.benchmark_group("w2_scaling");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    let rt = &s.runtime;
    for total in SCALING {
        if quick() && total > DEFAULT_JOBS {
            continue; // --quick: no 100,000-job listings under criterion (memory.rs still lists them)
        }
        let client = generated_client_for(&s.base, &subscription_for(total));
        group.throughput(Throughput::Elements(total as u64));
        group.bench_with_input(BenchmarkId::new("generated", total), &total, |b, &n| {
            b.to_async(rt).iter(|| generated_list_all(&client, n))
        });
        group.bench_with_input(BenchmarkId::new("hand_written", total), &total, |b, &n| {
            b.to_async(rt).iter(|| hand_list_all(&s.http, &s.base, n))
        });
    }
    group.finish();
}

/// Interleaved ratios after criterion: the figures the targets are judged on.
fn paired(s: &Setup) {
    let rt = &s.runtime;
    let (get_rounds, get_calls, list_rounds, cancel_rounds, cancel_calls) = if quick() {
        (9, 50, 5, 5, 20)
    } else {
        (21, 100, 15, 9, 50)
    };
    let mut log = PairedLog::default();

    let get_url = job_url(&s.base, "job1");
    let get_generated_models =
        || hand_get::<azure_importexport_rest::models::JobResponse>(&s.http, &get_url);
    let ours = || generated_get_job(&s.generated);
    let hand = || hand_get_job(&s.http, &s.base);
    let r = paired_ratio_stats(rt, get_rounds, get_calls, ours, hand);
    log.record("w1", "generated", "hand_written", get_rounds, get_calls, r);
    let r = paired_ratio_stats(rt, get_rounds, get_calls, || s.ergonomic_get(), hand);
    log.record("w1", "ergonomic", "hand_written", get_rounds, get_calls, r);
    let r = paired_ratio_stats(rt, get_rounds, get_calls, ours, || {
        legacy_get_job(&s.legacy)
    });
    log.record("w1", "generated", "legacy", get_rounds, get_calls, r);
    let r = paired_ratio_stats(rt, get_rounds, get_calls, ours, || {
        legacy_get_job(&s.legacy_keepalive)
    });
    log.record(
        "w1",
        "generated",
        "legacy_keepalive",
        get_rounds,
        get_calls,
        r,
    );
    let r = paired_ratio_stats(rt, get_rounds, get_calls, ours, get_generated_models);
    log.record(
        "w1",
        "generated",
        "hand_written_generated_models",
        get_rounds,
        get_calls,
        r,
    );
    let timed = hand_client_core_settings();
    let hand_timed = || hand_get_job(&timed, &s.base);
    let r = paired_ratio_stats(rt, get_rounds, get_calls, ours, hand_timed);
    log.record(
        "w1",
        "generated",
        "hand_written_core_settings",
        get_rounds,
        get_calls,
        r,
    );
    let r = paired_ratio_stats(rt, get_rounds, get_calls, hand_timed, hand);
    log.record(
        "w1",
        "hand_written_core_settings",
        "hand_written",
        get_rounds,
        get_calls,
        r,
    );
    let r = paired_ratio_stats(rt, get_rounds, get_calls, get_generated_models, hand);
    log.record(
        "w1",
        "hand_written_generated_models",
        "hand_written",
        get_rounds,
        get_calls,
        r,
    );

    let n = DEFAULT_JOBS;
    let ours = || generated_list_all(&s.generated, n);
    let hand = || hand_list_all(&s.http, &s.base, n);
    let hand_models = || hand_list_all_generated_models(&s.http, &s.base, n);
    let r = paired_ratio_stats(rt, list_rounds, 1, ours, hand);
    log.record("w2", "generated", "hand_written", list_rounds, 1, r);
    let r = paired_ratio_stats(rt, list_rounds, 1, ours, || legacy_list_all(&s.legacy, n));
    log.record("w2", "generated", "legacy", list_rounds, 1, r);
    let r = paired_ratio_stats(rt, list_rounds, 1, ours, || {
        legacy_list_all(&s.legacy_keepalive, n)
    });
    log.record("w2", "generated", "legacy_keepalive", list_rounds, 1, r);
    let r = paired_ratio_stats(rt, list_rounds, 1, ours, hand_models);
    log.record(
        "w2",
        "generated",
        "hand_written_generated_models",
        list_rounds,
        1,
        r,
    );
    let r = paired_ratio_stats(rt, list_rounds, 1, || s.w2_ergonomic(n), ours);
    log.record("w2", "ergonomic", "generated", list_rounds, 1, r);
    let r = paired_ratio_stats(rt, list_rounds, 1, hand_models, hand);
    log.record(
        "w2",
        "hand_written_generated_models",
        "hand_written",
        list_rounds,
        1,
        r,
    );

    let names: Vec<String> = (0..cancel_calls).map(|i| format!("job{i}")).collect();
    let (mut ours, mut floor) = (in_turn(&names), in_turn(&names));
    let r = paired_ratio_stats(
        rt,
        cancel_rounds,
        cancel_calls,
        || s.ergonomic_cancel(ours()),
        || hand_cancel(&s.http, &s.base, floor()),
    );
    log.record(
        "w3",
        "ergonomic",
        "hand_written",
        cancel_rounds,
        cancel_calls,
        r,
    );

    let page = page_json(
        PAGE_SIZE,
        Some(&format!(
            "{}&%24skiptoken=1",
            azure_importexport_bench::list_url(&s.base, SUB)
        )),
    );
    let (page_rounds, page_calls) = (get_rounds, 20);
    let decode_generated = || async {
        serde_json::from_slice::<azure_importexport_rest::models::ListJobsResponse>(&page)
            .expect("page")
    };
    let decode_hand = || async { serde_json::from_slice::<HandPage>(&page).expect("page") };
    let decode_legacy = || async { serde_json::from_slice::<LegacyPage>(&page).expect("page") };
    let r = paired_ratio_stats(rt, page_rounds, page_calls, decode_generated, decode_hand);
    log.record(
        "w4",
        "generated",
        "hand_written",
        page_rounds,
        page_calls,
        r,
    );
    let r = paired_ratio_stats(rt, page_rounds, page_calls, decode_generated, decode_legacy);
    log.record("w4", "generated", "legacy", page_rounds, page_calls, r);

    log.print();
}

/// Set (with `RUST_BACKTRACE=1`) on the child process that [`backtrace_cost`] starts.
const BACKTRACE_PROBE_ENV: &str = "AZIE_BENCH_BACKTRACE_PROBE";

/// The W1 interleaved ratio again, in a child process with `RUST_BACKTRACE=1` (std
/// reads that variable once per process): azure_core 1.1 builds an error, and so
/// captures a backtrace when the variable is set, for the optional header it looks up
/// on every request.
fn backtrace_cost() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut command = std::process::Command::new(exe);
    command
        .env(BACKTRACE_PROBE_ENV, "1")
        .env("RUST_BACKTRACE", "1")
        .stdin(std::process::Stdio::null());
    // The probe takes a few seconds; its report lines go on to this process's stdout.
    match run_bounded(command, std::time::Duration::from_secs(120), false) {
        Ok((_, report)) => print!("{report}"),
        Err(e) => eprintln!("backtrace probe: {e}"),
    }
}

fn backtrace_probe(s: &Setup) {
    let (rounds, calls) = if quick() { (9, 50) } else { (21, 100) };
    let ratio = paired_ratio_stats(
        &s.runtime,
        rounds,
        calls,
        || generated_get_job(&s.generated),
        || hand_get_job(&s.http, &s.base),
    );
    let mut log = PairedLog::default();
    log.record(
        "w1_rust_backtrace_1",
        "generated",
        "hand_written",
        rounds,
        calls,
        ratio,
    );
    log.print();
}

fn main() {
    if std::env::var_os(BACKTRACE_PROBE_ENV).is_some() {
        let setup = Setup::new();
        setup.check();
        backtrace_probe(&setup);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    let setup = Setup::new();
    setup.check();
    w1(&mut criterion, &setup);
    w2(&mut criterion, &setup);
    w3(&mut criterion, &setup);
    w4(&mut criterion, &setup);
    scaling(&mut criterion, &setup);
    criterion.final_summary();
    if !criterion_test_mode() {
        paired(&setup);
        backtrace_cost();
    }
}
