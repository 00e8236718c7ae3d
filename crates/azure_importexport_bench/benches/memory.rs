//! W2 memory: how much the peak RSS grows during one listing of 1,000 / 10,000 / 100,000
//! jobs, for the generated client, the hand-written floor and the legacy crate.
//!
//! Each measurement runs in a fresh process (this binary re-executed with
//! `AZIE_BENCH_MEM_PROBE=<client>:<jobs>`), so no earlier listing has already grown the
//! heap. The probe starts the loopback server, sends one GET with the same client (the
//! connection, runtime and client are then warm), and measures one listing two ways:
//! - heap: a counting global allocator (`peak_alloc`: every live byte requested from
//!   the system allocator, exact): peak during the listing - live bytes before it;
//! - RSS: the kernel's peak resident set (`VmHWM`, reset first through
//!   `/proc/self/clear_refs` <- `5`) - `VmRSS` before the listing. This includes the
//!   allocator's own slack and fragmentation; Linux updates RSS counters in batches, so
//!   it is good to about 256 KiB.
//!
//! For scale, the probe also measures one 100-job page: its bytes on the wire and the
//! heap its decoded model takes in the client's own types. The server runs in the same
//! process but keeps no per-page state (one shared 100-job page, a per-request
//! `nextLink`).
//!
//! ```text
//! cargo bench -p azure_importexport_bench --bench memory
//! ```

// Shared with the workloads bench, which uses all of it.
#[allow(dead_code, unused_imports)]
mod legacy;

use azure_importexport_bench::{
    PAGE_SIZE, REPORT_PREFIX, SUB, criterion_test_mode, generated_client_for, generated_get_job,
    generated_list_all, hand_client, hand_get_job, hand_list_all, list_url, page_json,
    proc_status_kib, report, reset_peak_rss, start_server, subscription_for,
};
use azure_importexport_test::run_bounded;
use peak_alloc::PeakAlloc;
use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const PROBE_ENV: &str = "AZIE_BENCH_MEM_PROBE";
const CLIENTS: [&str; 3] = ["generated", "hand_written", "legacy"];
const TOTALS: [usize; 3] = [1_000, 10_000, 100_000];
/// Bound of one probe process.
const PROBE_TIMEOUT: Duration = Duration::from_secs(120);

fn main() {
    if let Ok(spec) = std::env::var(PROBE_ENV) {
        probe(&spec);
        return;
    }
    // `cargo test --benches`: one small probe per client is enough to prove it works.
    let totals: &[usize] = if criterion_test_mode() {
        &TOTALS[..1]
    } else {
        &TOTALS
    };
    let page_bytes = page_json(
        PAGE_SIZE,
        Some(&format!(
            "{}&%24skiptoken=1",
            list_url("http://127.0.0.1:65535", SUB)
        )),
    )
    .len();
    report(serde_json::json!({"kind": "memory_page", "page_bytes": page_bytes}));
    println!(
        "W2 memory: peak heap and RSS growth during one listing (fresh process each; one page = {:.0} KiB on the wire)",
        page_bytes as f64 / 1024.0
    );
    for client in CLIENTS {
        for &total in totals {
            match run_probe(client, total) {
                Ok(line) => {
                    let value: serde_json::Value =
                        serde_json::from_str(&line).unwrap_or(serde_json::Value::Null);
                    println!("{REPORT_PREFIX}{line}");
                    let kib = |key: &str| value[key].as_f64().unwrap_or(0.0) / 1024.0;
                    println!(
                        "  {client:<13} {total:>7} jobs: heap peak +{:>6.0} KiB (one page: {:.0} KiB wire + {:.0} KiB decoded), RSS peak +{:>6} KiB, {:.1} us/job",
                        kib("heap_growth_bytes"),
                        kib("page_wire_bytes"),
                        kib("page_decoded_bytes"),
                        value["rss_growth_kib"],
                        value["seconds"].as_f64().unwrap_or(0.0) * 1e6 / total as f64,
                    );
                }
                Err(message) => {
                    report(serde_json::json!({
                        "kind": "memory", "client": client, "jobs": total, "error": message,
                    }));
                    eprintln!("  {client} {total} jobs: probe failed: {message}");
                }
            }
        }
    }
}

/// Runs one probe process; returns its JSON report.
fn run_probe(client: &str, total: usize) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command
        .env(PROBE_ENV, format!("{client}:{total}"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let (status, out) = run_bounded(command, PROBE_TIMEOUT, false)?;
    if !status.success() {
        return Err(format!("probe exited with {status}"));
    }
    out.lines()
        .find_map(|l| l.strip_prefix(REPORT_PREFIX))
        .map(str::to_owned)
        .ok_or_else(|| "no report line".to_owned())
}

/// The probe process: one warm GET, one page decoded for scale, reset the peaks, one
/// listing, report.
fn probe(spec: &str) {
    let (client, total) = spec.split_once(':').expect("client:jobs");
    let total: usize = total.parse().expect("jobs");
    let base = start_server();
    let runtime = azure_importexport_bench::client_runtime();
    let sub = subscription_for(total);
    let page = page_json(
        PAGE_SIZE,
        Some(&format!("{}&%24skiptoken=1", list_url(&base, &sub))),
    );
    let m = runtime.block_on(async {
        match client {
            "generated" => {
                let lister = generated_client_for(&base, &sub);
                black_box(generated_get_job(&lister).await);
                let decoded =
                    decoded_size::<azure_importexport_rest::models::ListJobsResponse>(&page);
                measure(decoded, || generated_list_all(&lister, total)).await
            }
            "hand_written" => {
                let http = hand_client();
                black_box(hand_get_job(&http, &base).await);
                let decoded = decoded_size::<azure_importexport_bench::HandPage>(&page);
                measure(decoded, || hand_list_all(&http, &base, total)).await
            }
            "legacy" => {
                let client = legacy::legacy_client(&base);
                black_box(legacy::legacy_get_job(&client).await);
                let decoded = decoded_size::<legacy::LegacyPage>(&page);
                measure(decoded, || legacy::legacy_list_all(&client, total)).await
            }
            other => panic!("unknown client {other}"),
        }
    });
    assert_eq!(m.count, total, "the listing returned every job");
    let rss_peak = proc_status_kib("VmHWM").unwrap_or(0);
    report(serde_json::json!({
        "kind": "memory",
        "client": client,
        "jobs": total,
        "seconds": m.seconds,
        "page_wire_bytes": page.len(),
        "page_decoded_bytes": m.page_decoded_bytes,
        "heap_before_bytes": m.heap_before,
        "heap_growth_bytes": m.heap_peak.saturating_sub(m.heap_before),
        "rss_before_kib": m.rss_before,
        "rss_peak_kib": rss_peak,
        "rss_growth_kib": rss_peak.saturating_sub(m.rss_before),
        "rss_peak_reset": m.rss_reset,
    }));
}

/// Heap bytes that a decoded 100-job page holds, in the client's own model types.
fn decoded_size<T: serde::de::DeserializeOwned>(page: &[u8]) -> usize {
    let before = HEAP.current_usage();
    let decoded: T = serde_json::from_slice(page).expect("the page decodes");
    let size = HEAP.current_usage().saturating_sub(before);
    drop(black_box(decoded));
    size
}

struct Measured {
    page_decoded_bytes: usize,
    heap_before: usize,
    heap_peak: usize,
    rss_before: u64,
    rss_reset: bool,
    count: usize,
    seconds: f64,
}

async fn measure<F, Fut>(page_decoded_bytes: usize, list: F) -> Measured
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let rss_reset = reset_peak_rss();
    let rss_before = proc_status_kib("VmRSS").unwrap_or(0);
    HEAP.reset_peak_usage();
    let heap_before = HEAP.current_usage();
    let start = Instant::now();
    let count = list().await;
    let seconds = start.elapsed().as_secs_f64();
    Measured {
        page_decoded_bytes,
        heap_before,
        heap_peak: HEAP.peak_usage(),
        rss_before,
        rss_reset,
        count,
        seconds,
    }
}
