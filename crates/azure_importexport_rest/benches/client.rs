//! The generated client against a hand-written reqwest + serde_json floor, on loopback.
//!
//! Server, fixture, hand-written floor and interleaving helper come from the bench crate's
//! support library (`crates/azure_importexport_bench/src`): a tiny HTTP/1.1 keep-alive
//! server written directly on tokio's `TcpListener` (not wiremock), running on its own
//! thread and runtime, answering from responses rendered once at start-up. wiremock
//! matches and records every request, and that overhead would dominate a sub-millisecond
//! call and hide the client's own cost. The fuller comparison (the legacy crate, cancels,
//! scaling, memory) is `cargo xtask bench`, which writes BENCHMARKS.md.
//!
//! (a) `get_job`: one `jobs().get()` with full deserialization into the generated
//!     `JobResponse`, vs reqwest + `serde_json::from_slice` into a hand-written struct of the
//!     same shape (serde derive, `Option` fields, enums as `String`, unknown fields dropped).
//! (b) `list_10000_jobs`: 10,000 jobs over 100 pages (`nextLink`), via the `Pager` item
//!     stream vs the same hand-written loop.
//!
//! Each group also has `hand_written/reqwest_generated_models`: the hand-written request,
//! deserializing into the generated models, to tell the models' cost from the pipeline's.
//!
//! ```text
//! cargo bench -p azure_importexport_rest --bench client -- --warm-up-time 1 --measurement-time 3
//! ```

use azure_importexport_bench::{
    DEFAULT_JOBS, criterion_test_mode, generated_client, generated_get_job, generated_list_all,
    hand_client, hand_get, hand_get_job, hand_list_all, hand_list_all_generated_models, job_url,
    paired_ratio, start_server,
};
use criterion::{BenchmarkId, Criterion, criterion_group};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = generated_client(&base);
    let http = hand_client();

    // Sanity: both sides see the same data.
    runtime.block_on(async {
        let ours = generated_get_job(&client).await;
        let theirs = hand_get_job(&http, &base).await;
        assert_eq!(ours.name, theirs.name);
        assert_eq!(
            generated_list_all(&client, DEFAULT_JOBS).await,
            DEFAULT_JOBS
        );
        assert_eq!(
            hand_list_all(&http, &base, DEFAULT_JOBS).await,
            DEFAULT_JOBS
        );
    });

    let mut group = c.benchmark_group("get_job");
    group.bench_function(BenchmarkId::new("generated_client", "jobs_get"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(generated_get_job(&client).await) });
    });
    group.bench_function(BenchmarkId::new("hand_written", "reqwest_serde"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(hand_get_job(&http, &base).await) });
    });
    group.bench_function(
        BenchmarkId::new("hand_written", "reqwest_generated_models"),
        |b| {
            b.to_async(&runtime).iter(|| async {
                let url = job_url(&base, "job1");
                black_box(
                    hand_get::<azure_importexport_rest::models::JobResponse>(&http, &url).await,
                )
            });
        },
    );
    group.finish();

    let mut group = c.benchmark_group("list_10000_jobs");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("generated_client", "pager"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(generated_list_all(&client, DEFAULT_JOBS).await) });
    });
    group.bench_function(BenchmarkId::new("hand_written", "reqwest_serde"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(hand_list_all(&http, &base, DEFAULT_JOBS).await) });
    });
    group.bench_function(
        BenchmarkId::new("hand_written", "reqwest_generated_models"),
        |b| {
            b.to_async(&runtime).iter(|| async {
                black_box(hand_list_all_generated_models(&http, &base, DEFAULT_JOBS).await)
            });
        },
    );
    group.finish();
}

/// Prints interleaved ratios (generated / hand-written) after the criterion run.
fn paired_ratios() {
    if criterion_test_mode() {
        return;
    }
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = generated_client(&base);
    let http = hand_client();
    let get_url = job_url(&base, "job1");
    let get_models = || hand_get::<azure_importexport_rest::models::JobResponse>(&http, &get_url);
    let get = paired_ratio(
        &runtime,
        41,
        50,
        || generated_get_job(&client),
        || hand_get_job(&http, &base),
    );
    let get_pipeline = paired_ratio(&runtime, 41, 50, || generated_get_job(&client), get_models);
    let get_serde = paired_ratio(&runtime, 41, 50, get_models, || hand_get_job(&http, &base));
    let list = paired_ratio(
        &runtime,
        11,
        1,
        || generated_list_all(&client, DEFAULT_JOBS),
        || hand_list_all(&http, &base, DEFAULT_JOBS),
    );
    let list_pager = paired_ratio(
        &runtime,
        11,
        1,
        || generated_list_all(&client, DEFAULT_JOBS),
        || hand_list_all_generated_models(&http, &base, DEFAULT_JOBS),
    );
    let list_serde = paired_ratio(
        &runtime,
        11,
        1,
        || hand_list_all_generated_models(&http, &base, DEFAULT_JOBS),
        || hand_list_all(&http, &base, DEFAULT_JOBS),
    );
    println!("paired ratios, median of interleaved rounds (get: 41 x 50 calls; list: 11 x 1):");
    println!("  get_job          generated client / hand-written:        {get:.3}");
    println!("    pipeline part: generated client / reqwest + gen. models: {get_pipeline:.3}");
    println!("    models part:   reqwest + gen. models / hand-written:    {get_serde:.3}");
    println!("  list_10000_jobs  generated pager / hand-written loop:     {list:.3}");
    println!("    pager part:    generated pager / loop + gen. models:    {list_pager:.3}");
    println!("    models part:   loop + gen. models / hand-written loop:  {list_serde:.3}");
}

criterion_group!(client_benches, benches);

fn main() {
    client_benches();
    Criterion::default().configure_from_args().final_summary();
    paired_ratios();
}
