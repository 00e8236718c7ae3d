//! Measurement helpers: interleaved ratios, RSS from `/proc`, and report lines.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Prefix of the machine-readable lines the bench binaries print on stdout; each is
/// followed by one JSON object. `cargo xtask bench` collects them.
pub const REPORT_PREFIX: &str = "AZIE_BENCH ";

/// Prints one machine-readable report line (`AZIE_BENCH {json}`).
pub fn report(value: serde_json::Value) {
    println!("{REPORT_PREFIX}{value}");
}

/// True when `AZIE_BENCH_QUICK` is set (by `cargo xtask bench --quick`): fewer rounds.
pub fn quick() -> bool {
    std::env::var_os("AZIE_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// True when criterion runs the bench binary as a test (each benchmark once: `cargo test
/// --benches`, which passes no `--bench`, or `cargo bench -- --test`), lists its
/// benchmarks, or profiles: the extra measurements after criterion then stay off.
pub fn criterion_test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    !has("--bench") || has("--test") || has("--list") || has("--profile-time")
}

/// Median of per-round time ratios `a / b`, alternating which side runs first, each
/// round `calls_per_round` calls of each. Criterion measures one benchmark after the
/// other, so on a shared machine a load change between them skews the ratio of their
/// medians; interleaving short rounds cancels that drift.
pub fn paired_ratio<A, B, FA, FB>(
    runtime: &tokio::runtime::Runtime,
    rounds: usize,
    calls_per_round: usize,
    a: FA,
    b: FB,
) -> f64
where
    FA: FnMut() -> A,
    FB: FnMut() -> B,
    A: std::future::Future,
    B: std::future::Future,
{
    paired_ratio_stats(runtime, rounds, calls_per_round, a, b).median
}

/// The per-round ratios of [`paired_ratio`], summarized.
#[derive(Debug, Clone, Copy)]
pub struct RatioStats {
    /// Median of the per-round ratios.
    pub median: f64,
    /// First quartile.
    pub p25: f64,
    /// Third quartile.
    pub p75: f64,
}

/// [`paired_ratio`] with the quartiles of the per-round ratios (how noisy the rounds were).
pub fn paired_ratio_stats<A, B, FA, FB>(
    runtime: &tokio::runtime::Runtime,
    rounds: usize,
    calls_per_round: usize,
    mut a: FA,
    mut b: FB,
) -> RatioStats
where
    FA: FnMut() -> A,
    FB: FnMut() -> B,
    A: std::future::Future,
    B: std::future::Future,
{
    assert!(rounds > 0 && calls_per_round > 0);
    let mut ratios = Vec::with_capacity(rounds);
    runtime.block_on(async {
        for round in 0..rounds {
            let mut time_a = Duration::ZERO;
            let mut time_b = Duration::ZERO;
            for side_a in [round % 2 == 0, round % 2 == 1] {
                let start = Instant::now();
                for _ in 0..calls_per_round {
                    if side_a {
                        black_box(a().await);
                    } else {
                        black_box(b().await);
                    }
                }
                if side_a {
                    time_a += start.elapsed();
                } else {
                    time_b += start.elapsed();
                }
            }
            ratios.push(time_a.as_secs_f64() / time_b.as_secs_f64());
        }
    });
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    RatioStats {
        median: ratios[ratios.len() / 2],
        p25: at(0.25),
        p75: at(0.75),
    }
}

/// Interleaved ratios as a bench measures them: each reported at once (`AZIE_BENCH`
/// line, for `cargo xtask bench`), and all printed together by [`PairedLog::print`].
#[derive(Debug, Default)]
pub struct PairedLog {
    lines: Vec<String>,
}

impl PairedLog {
    /// Reports `a / b` of `workload`, measured in `rounds` rounds of `calls` calls.
    pub fn record(
        &mut self,
        workload: &str,
        a: &str,
        b: &str,
        rounds: usize,
        calls: usize,
        r: RatioStats,
    ) {
        report(serde_json::json!({
            "kind": "paired", "workload": workload, "a": a, "b": b,
            "rounds": rounds, "calls_per_round": calls,
            "ratio": r.median, "p25": r.p25, "p75": r.p75,
        }));
        self.lines.push(format!(
            "  {workload:<10} {a:>30} / {b:<30} {:.3}  (quartiles {:.3}-{:.3}, {rounds} rounds of {calls})",
            r.median, r.p25, r.p75
        ));
    }

    /// Prints every ratio recorded, one line each.
    pub fn print(&self) {
        println!("interleaved ratios (median of per-round time ratios, sides alternating first):");
        for line in &self.lines {
            println!("{line}");
        }
    }
}

/// The clients' runtime: single-threaded, on the calling thread, with I/O and timers.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Drains a listing of `total` jobs (every item kept from the optimizer) and counts it;
/// panics past the pages the server serves for `total` (the bound of the loop).
pub async fn count_listed<T, E: std::fmt::Debug>(
    mut items: impl futures::TryStream<Ok = T, Error = E> + Unpin,
    total: usize,
) -> usize {
    use futures::TryStreamExt as _;
    let limit = crate::pages_for(total) * crate::PAGE_SIZE;
    let mut count = 0;
    while let Some(item) = items.try_next().await.expect("list page") {
        count += 1;
        assert!(count <= limit, "more than {limit} jobs");
        black_box(item);
    }
    count
}

/// The names in turn, round and round: each call returns the next (workloads that act
/// on another job at every call).
pub fn in_turn<'a>(names: &'a [String]) -> impl FnMut() -> &'a str + 'a {
    let mut i = 0;
    move || {
        i = (i + 1) % names.len();
        &names[i]
    }
}

/// A criterion group whose iteration is a whole workload (0.1-2 s): flat sampling, 10
/// samples (criterion's minimum), throughput in `elements` per iteration.
pub fn flat_group<'a>(
    c: &'a mut criterion::Criterion,
    name: &str,
    elements: usize,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group.sampling_mode(criterion::SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(elements as u64));
    group
}

// Process memory readings come from the workspace's shared test support.
pub use azure_importexport_test::{proc_status_kib, reset_peak_rss};
