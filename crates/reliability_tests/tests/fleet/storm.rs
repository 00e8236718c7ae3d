//! The 429 storm: a fleet delete run under ARM throttling with a small deletes bucket,
//! which another client of the subscription empties as the run starts and holds empty
//! twice while it runs; and the figures that tell whether the client cooperated.

use crate::seed;
use crate::timeline::{self, Attempt};
use azure_importexport::{
    ArmLimits, FleetAction, FleetOptions, FleetReport, FsArchive, ImportExport, JobSelector,
};
use azure_importexport_emulator::{
    BucketLimits, Emulator, EmulatorConfig, RequestKind, ThrottleConfig,
};
use reliability_tests::RG;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The 429 storm: 64 jobs, 16 workers, ARM's deletes bucket shrunk to 40 tokens and
/// refilled at ARM's 10/s scaled 4x (40/s).
pub(crate) const STORM_JOBS: usize = 64;
pub(crate) const STORM_WORKERS: usize = 16;
pub(crate) const STORM_SCALE: f64 = 4.0;
pub(crate) const STORM_BUCKET: BucketLimits = BucketLimits {
    capacity: 40,
    refill_per_second: 10.0,
};
/// How long the noisy neighbour holds the bucket empty, each time.
pub(crate) const STORM_HOLD: Duration = Duration::from_millis(100);
/// The time the deletes bucket takes to refill one token (at 40/s).
pub(crate) const REFILL_WINDOW: Duration = Duration::from_millis(25);
/// At most this many avoidable 429s in any refill window: a quarter of the workers,
/// not one per worker.
pub(crate) const MOST_AVOIDABLE_PER_WINDOW: usize = STORM_WORKERS / 4;
/// At most this share of requests (percent) answered 429, the storms included.
pub(crate) const MOST_429_PERCENT: usize = 15;

/// Bulk safe-delete with an archive of `STORM_JOBS` Completed jobs, with ARM throttling
/// on, by a client pacing itself by `limits`; returns the report, every attempt, the
/// emulator and the archive.
pub(crate) async fn run(
    limits: ArmLimits,
) -> (FleetReport, Vec<Attempt>, Emulator, tempfile::TempDir) {
    let config = EmulatorConfig {
        throttle: Some(ThrottleConfig {
            deletes: STORM_BUCKET,
            scale: STORM_SCALE,
            ..ThrottleConfig::default()
        }),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start_with(config).await;
    for i in 0..STORM_JOBS {
        let at = "2026-01-01T00:00:00Z";
        seed(
            &emulator,
            RG,
            &format!("job-{i:02}"),
            "Completed",
            at,
            json!({}),
        );
    }
    let (sdk, timeline) = timeline::timed_client(&emulator.uri(), limits);
    let archive_dir = tempfile::tempdir().unwrap();
    let archive = Arc::new(FsArchive::new(archive_dir.path()));
    let action = FleetAction::Delete {
        archive: Some(archive),
    };
    let plan = sdk
        .plan(&JobSelector::default(), action, None)
        .await
        .unwrap();
    assert_eq!(plan.to_do.len(), STORM_JOBS);
    let options = FleetOptions {
        concurrency: Some(STORM_WORKERS),
        ..FleetOptions::default()
    };
    // Another client of the subscription empties the deletes bucket as the run starts,
    // then holds it empty for a while twice (after the run's 16th and 40th job): storms
    // the run's client cannot see coming.
    let (neighbour, _) = timeline::timed_client(&emulator.uri(), careless());
    drain_deletes(&neighbour).await;
    let storms = async {
        for after in [16, 40] {
            // Bounded: 10 s at most per storm.
            for _ in 0..10_000 {
                let deleted = emulator
                    .journal()
                    .iter()
                    .filter(|e| e.kind == RequestKind::DeleteJob && e.applied)
                    .count();
                if deleted >= after {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            for _ in 0..STORM_HOLD.as_millis() / 2 {
                drain_deletes(&neighbour).await;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    };
    let run = sdk.run_plan(plan, Some(options));
    tokio::pin!(run);
    let report = tokio::select! {
        report = &mut run => report,
        () = storms => run.await,
    };
    (report, timeline.attempts(), emulator, archive_dir)
}

/// Limits that make a client neither pace itself nor share a pause after a 429.
pub(crate) fn careless() -> ArmLimits {
    ArmLimits {
        reads_per_second: 1e9,
        writes_per_second: 1e9,
        deletes_per_second: 1e9,
        low_water: 0,
        max_pause: Duration::ZERO,
    }
}

/// DELETEs of a job that does not exist until one is answered 429: the subscription's
/// deletes bucket is empty.
async fn drain_deletes(neighbour: &ImportExport) {
    let jobs = neighbour.rest().jobs();
    // Bounded: the bucket holds STORM_BUCKET.capacity tokens, and refills slowly.
    for _ in 0..4 * STORM_BUCKET.capacity {
        match jobs.delete(RG, "noisy-neighbour", None).await {
            Err(error) if error.http_status().is_some_and(|s| u16::from(s) == 429) => return,
            _ => {}
        }
    }
}

/// 429s answered, the most avoidable ones in a refill window, and the attempts sent
/// during a pause; printed under `label`.
pub(crate) fn figures(label: &str, attempts: &[Attempt]) -> (usize, usize, Vec<String>) {
    let throttled = attempts.iter().filter(|a| a.status == Some(429)).count();
    let avoidable = timeline::avoidable_429s(attempts);
    let most = timeline::most_429s_within(&avoidable, REFILL_WINDOW);
    let early = timeline::sent_during_a_pause(attempts);
    eprintln!(
        "{label}: {} attempts, {throttled} answered 429 (at most {} per {REFILL_WINDOW:?}), {} avoidable (at most {most} per {REFILL_WINDOW:?}), {} sent during a pause",
        attempts.len(),
        timeline::most_429s_within(attempts, REFILL_WINDOW),
        avoidable.len(),
        early.len()
    );
    (throttled, most, early)
}
