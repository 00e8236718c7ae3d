//! Every generated operation against its hand-written floor, one operation at a time:
//! GET, PATCH, DELETE and a listing, on the loopback server of `azure_importexport_bench`.
//!
//! - `ops_get_500`: 500 `jobs().get()` with full deserialization (W1's call).
//! - `ops_patch_500`: 500 `jobs().update()` with `{"properties":{"cancelRequested":true}}`
//!   serialized from the generated model, the answer deserialized and checked; the floor
//!   sends the same bytes with reqwest and deserializes into its own struct.
//! - `ops_delete_500`: 500 `jobs().delete()` (200, empty body).
//! - `ops_list_1000`: list 1,000 jobs over 10 pages (`nextLink`) through the `Pager`.
//!
//! After criterion, interleaved ratios (generated / floor, median of per-round ratios
//! with quartiles, sides alternating first) are printed and emitted as `AZIE_BENCH {json}`
//! lines (`"workload": "ops_get"`, ...).
//!
//! ```text
//! cargo bench -p azure_importexport_bench --bench operations -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! Profiling: `AZIE_OPS_PROFILE=get|patch|delete|list` (and optionally
//! `AZIE_OPS_SIDE=floor` or `floor_core_settings`, `AZIE_OPS_ITERS=N`) runs only that side
//! of that operation N times and exits, for `perf record` or `valgrind --tool=callgrind`.

use azure_importexport::ImportExport;
use azure_importexport_bench::RG;
use azure_importexport_bench::{
    PairedLog, client_runtime, count_listed, criterion_test_mode, flat_group, generated_client,
    generated_client_for, generated_delete, generated_get_job, generated_list_all,
    generated_patch_cancel, hand_client, hand_client_core_settings, hand_delete, hand_get_job,
    hand_list_all, hand_patch_cancel, in_turn, paired_ratio_stats, quick, sdk_client_for,
    start_server, subscription_for,
};
use azure_importexport_rest::ImportExportClient;
use criterion::Criterion;
use std::hint::black_box;

const CALLS: usize = 500;
const LIST_JOBS: usize = 1_000;

struct Setup {
    base: String,
    runtime: tokio::runtime::Runtime,
    generated: ImportExportClient,
    /// The generated client for the subscription with [`LIST_JOBS`] jobs.
    generated_list: ImportExportClient,
    http: reqwest::Client,
    /// The floor's client with azure_core's timeouts (connect 20 s, read 60 s).
    http_core_settings: reqwest::Client,
    names: Vec<String>,
    /// The SDK (`azure_importexport`) on the subscription with [`LIST_JOBS`] jobs, for
    /// `AZIE_OPS_PROFILE=sdk_get|sdk_list`.
    sdk: ImportExport,
}

impl Setup {
    fn new() -> Self {
        let base = start_server();
        let runtime = client_runtime();
        Setup {
            generated: generated_client(&base),
            generated_list: generated_client_for(&base, &subscription_for(LIST_JOBS)),
            http: hand_client(),
            http_core_settings: hand_client_core_settings(),
            names: (0..CALLS).map(|i| format!("job{i}")).collect(),
            sdk: sdk_client_for(&base, &subscription_for(LIST_JOBS)),
            runtime,
            base,
        }
    }

    /// Both sides see the same data before anything is timed.
    fn check(&self) {
        self.runtime.block_on(async {
            let ours = generated_get_job(&self.generated).await;
            let floor = hand_get_job(&self.http, &self.base).await;
            assert_eq!(ours.name, floor.name);
            let ours = generated_patch_cancel(&self.generated, "job0").await;
            let floor = hand_patch_cancel(&self.http, &self.base, "job0").await;
            assert_eq!(ours.name, floor.name);
            generated_delete(&self.generated, "job0").await;
            hand_delete(&self.http, &self.base, "job0").await;
            assert_eq!(
                generated_list_all(&self.generated_list, LIST_JOBS).await,
                LIST_JOBS
            );
            assert_eq!(
                hand_list_all(&self.http, &self.base, LIST_JOBS).await,
                LIST_JOBS
            );
        });
    }
}

fn criterion_benches(c: &mut Criterion, s: &Setup) {
    let rt = &s.runtime;
    let mut group = flat_group(c, "ops_get_500", CALLS);
    group.bench_function("generated", |b| {
        b.to_async(rt).iter(|| async {
            for _ in 0..CALLS {
                black_box(generated_get_job(&s.generated).await);
            }
        })
    });
    group.bench_function("hand_written", |b| {
        b.to_async(rt).iter(|| async {
            for _ in 0..CALLS {
                black_box(hand_get_job(&s.http, &s.base).await);
            }
        })
    });
    group.finish();

    let mut group = flat_group(c, "ops_patch_500", CALLS);
    group.bench_function("generated", |b| {
        b.to_async(rt).iter(|| async {
            for name in &s.names {
                black_box(generated_patch_cancel(&s.generated, name).await);
            }
        })
    });
    group.bench_function("hand_written", |b| {
        b.to_async(rt).iter(|| async {
            for name in &s.names {
                black_box(hand_patch_cancel(&s.http, &s.base, name).await);
            }
        })
    });
    group.finish();

    let mut group = flat_group(c, "ops_delete_500", CALLS);
    group.bench_function("generated", |b| {
        b.to_async(rt).iter(|| async {
            for name in &s.names {
                generated_delete(&s.generated, name).await;
            }
        })
    });
    group.bench_function("hand_written", |b| {
        b.to_async(rt).iter(|| async {
            for name in &s.names {
                hand_delete(&s.http, &s.base, name).await;
            }
        })
    });
    group.finish();

    let mut group = flat_group(c, "ops_list_1000", LIST_JOBS);
    group.bench_function("generated", |b| {
        b.to_async(rt)
            .iter(|| generated_list_all(&s.generated_list, LIST_JOBS))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(rt)
            .iter(|| hand_list_all(&s.http, &s.base, LIST_JOBS))
    });
    group.finish();
}

/// Interleaved ratios generated / floor, one line per operation.
fn paired(s: &Setup) {
    let rt = &s.runtime;
    let (rounds, calls, list_rounds) = if quick() { (9, 50, 9) } else { (31, 100, 21) };
    let mut log = PairedLog::default();
    let mut emit = |workload: &str, rounds: usize, calls: usize, r| {
        log.record(workload, "generated", "hand_written", rounds, calls, r)
    };
    let r = paired_ratio_stats(
        rt,
        rounds,
        calls,
        || generated_get_job(&s.generated),
        || hand_get_job(&s.http, &s.base),
    );
    emit("ops_get", rounds, calls, r);
    let (mut ours, mut floor) = (in_turn(&s.names), in_turn(&s.names));
    let r = paired_ratio_stats(
        rt,
        rounds,
        calls,
        || generated_patch_cancel(&s.generated, ours()),
        || hand_patch_cancel(&s.http, &s.base, floor()),
    );
    emit("ops_patch", rounds, calls, r);
    let (mut ours, mut floor) = (in_turn(&s.names), in_turn(&s.names));
    let r = paired_ratio_stats(
        rt,
        rounds,
        calls,
        || generated_delete(&s.generated, ours()),
        || hand_delete(&s.http, &s.base, floor()),
    );
    emit("ops_delete", rounds, calls, r);
    let r = paired_ratio_stats(
        rt,
        list_rounds,
        1,
        || generated_list_all(&s.generated_list, LIST_JOBS),
        || hand_list_all(&s.http, &s.base, LIST_JOBS),
    );
    emit("ops_list", list_rounds, 1, r);
    // How much of the GET gap azure_core's timeouts (which its transport and this crate's
    // keep: connect 20 s, read 60 s) explain: the floor with and without them.
    let r = paired_ratio_stats(
        rt,
        rounds,
        calls,
        || hand_get_job(&s.http_core_settings, &s.base),
        || hand_get_job(&s.http, &s.base),
    );
    log.record(
        "ops_get",
        "hand_written_core_settings",
        "hand_written",
        rounds,
        calls,
        r,
    );
    log.print();
}

/// `AZIE_OPS_PROFILE`: one side of one operation in a loop, nothing else.
fn profile(s: &Setup, operation: &str) {
    let side = std::env::var("AZIE_OPS_SIDE").unwrap_or_default();
    let floor = side.starts_with("floor");
    let http = if side == "floor_core_settings" {
        &s.http_core_settings
    } else {
        &s.http
    };
    let iters: usize = std::env::var("AZIE_OPS_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let start = std::time::Instant::now();
    let cpu_start = thread_cpu_ns();
    s.runtime.block_on(async {
        for k in 0..iters {
            let name = &s.names[k % s.names.len()];
            match (operation, floor) {
                ("get", false) => drop(black_box(generated_get_job(&s.generated).await)),
                ("get", true) => drop(black_box(hand_get_job(http, &s.base).await)),
                ("patch", false) => {
                    drop(black_box(generated_patch_cancel(&s.generated, name).await))
                }
                ("patch", true) => drop(black_box(hand_patch_cancel(&s.http, &s.base, name).await)),
                ("delete", false) => generated_delete(&s.generated, name).await,
                ("delete", true) => hand_delete(http, &s.base, name).await,
                ("list", false) => {
                    black_box(generated_list_all(&s.generated_list, LIST_JOBS).await);
                }
                ("list", true) => {
                    black_box(hand_list_all(http, &s.base, LIST_JOBS).await);
                }
                // The SDK's layer over the same calls, for profiling it.
                ("sdk_get", _) => drop(black_box(
                    s.sdk.job(RG, "job1").get(None).await.expect("JobRef::get"),
                )),
                ("sdk_list", _) => {
                    black_box(count_listed(s.sdk.jobs(None), LIST_JOBS).await);
                }
                _ => panic!("AZIE_OPS_PROFILE: get, patch, delete, list, sdk_get or sdk_list"),
            }
        }
    });
    let elapsed = start.elapsed();
    let cpu = thread_cpu_ns()
        .zip(cpu_start)
        .map(|(end, start)| end - start);
    println!(
        "{operation} ({}): {iters} calls in {elapsed:?}, {:.1} µs per call, client thread on CPU {} µs per call",
        if floor { side.as_str() } else { "generated" },
        elapsed.as_secs_f64() * 1e6 / iters as f64,
        cpu.map_or_else(
            || "?".to_owned(),
            |ns| format!("{:.1}", ns as f64 / 1e3 / iters as f64)
        ),
    );
}

/// Time this thread has spent on a CPU, in nanoseconds (`/proc/thread-self/schedstat`):
/// the client's own work, without the server thread's or the waits.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() {
    let setup = Setup::new();
    setup.check();
    if let Ok(operation) = std::env::var("AZIE_OPS_PROFILE") {
        profile(&setup, &operation);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion, &setup);
    criterion.final_summary();
    if !criterion_test_mode() {
        paired(&setup);
    }
}
