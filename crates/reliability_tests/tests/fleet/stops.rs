//! Runs stopped at seeded-random points, and an archive sink that counts what it was
//! handed and can stop the run around a given write.

use crate::seed;
use async_trait::async_trait;
use azure_importexport::{ArchiveError, ArchiveRecord, ArchiveSink, FsArchive};
use azure_importexport_emulator::Emulator;
use reliability_tests::RG;
use reliability_tests::{SeededRng, env_u64};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// The fixed seed of the stop points (`FLEET_STOPS_SEED` changes it).
const DEFAULT_STOPS_SEED: u64 = 0x00F1_EE75_2026_0011;
/// Stop points per test.
const STOPS: usize = 12;

/// `STOPS` distinct points in `1..=last`, drawn from the seed; with `FLEET_STOP_AT=<n>`,
/// only `n` (to replay one).
pub(crate) fn stop_points(last: usize) -> Vec<usize> {
    if let Some(at) = env_u64("FLEET_STOP_AT") {
        return vec![at as usize];
    }
    let mut rng = SeededRng::new(env_u64("FLEET_STOPS_SEED").unwrap_or(DEFAULT_STOPS_SEED));
    let mut points = BTreeSet::new();
    // Bounded: at most 8 draws per point wanted.
    for _ in 0..STOPS * 8 {
        if points.len() == STOPS.min(last) {
            break;
        }
        points.insert(1 + rng.below(last as u64) as usize);
    }
    points.into_iter().collect()
}

/// The line that replays stop point `at` of `test` alone.
pub(crate) fn replay(test: &str, at: usize) -> String {
    let seed = env_u64("FLEET_STOPS_SEED").unwrap_or(DEFAULT_STOPS_SEED);
    format!(
        "replay: FLEET_STOPS_SEED={seed:#x} FLEET_STOP_AT={at} cargo test -p reliability_tests --test fleet {test}"
    )
}

/// An [`FsArchive`] that records every version it finished writing, and that can stop
/// the run at a given point: point `2k - 1` right before the k-th write, point `2k`
/// right after it.
#[derive(Debug)]
pub(crate) struct CountingSink {
    pub(crate) inner: FsArchive,
    stop_at: Option<usize>,
    calls: Mutex<usize>,
    /// `name` and hash of every version whose write completed, in order.
    written: Mutex<Vec<(String, String)>>,
    pub(crate) stopped: Notify,
}

impl CountingSink {
    pub(crate) fn new(inner: FsArchive, stop_at: Option<usize>) -> Self {
        CountingSink {
            inner,
            stop_at,
            calls: Mutex::new(0),
            written: Mutex::default(),
            stopped: Notify::new(),
        }
    }

    pub(crate) fn written(&self) -> Vec<(String, String)> {
        self.written.lock().unwrap().clone()
    }

    /// Signals the stop at `point`, and lets the run be dropped right there.
    async fn point(&self, point: usize) {
        if self.stop_at == Some(point) {
            self.stopped.notify_one();
            tokio::task::yield_now().await;
        }
    }
}

#[async_trait]
impl ArchiveSink for CountingSink {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        let call = {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            *calls
        };
        self.point(2 * call - 1).await;
        let hash = hex::encode(Sha256::digest(record.json));
        let name = record.name.to_owned();
        let written = self.inner.archive(record).await?;
        self.written.lock().unwrap().push((name, hash));
        self.point(2 * call).await;
        Ok(written)
    }

    async fn contains(&self, record: ArchiveRecord<'_>) -> Result<bool, ArchiveError> {
        self.inner.contains(record).await
    }
}

/// Eight jobs in `rg`, half `Completed`, half `Creating`.
pub(crate) async fn eight_deletable() -> Emulator {
    let emulator = Emulator::start().await;
    for i in 0..8 {
        let state = if i % 2 == 0 { "Completed" } else { "Creating" };
        let at = "2026-01-01T00:00:00Z";
        seed(&emulator, RG, &format!("job-{i}"), state, at, json!({}));
    }
    emulator
}

/// Resolves once the emulator has answered `n` requests (polled; bounded by the test's
/// own runtime limit).
pub(crate) async fn until_requests(emulator: &Emulator, n: usize) {
    for _ in 0..10_000 {
        if emulator.journal().len() >= n {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}
