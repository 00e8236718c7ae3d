//! The second actor: moves the job at the SDK's pauses and archive writes, and
//! remembers which incarnation it created when.

use crate::history::{Move, Trigger};
use async_trait::async_trait;
use azure_importexport::{ArchiveError, ArchiveRecord, ArchiveSink, FsArchive};
use azure_importexport_emulator::Emulator;
use reliability_tests::{RG, SUB, job_body};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The second actor: its plan, and the incarnations it created.
pub(crate) struct Actor {
    pub(crate) emulator: Emulator,
    pub(crate) name: String,
    pub(crate) system_data: bool,
    pub(crate) plan: Vec<(Trigger, Move)>,
    pub(crate) pauses: u32,
    pub(crate) archives: u32,
    /// The moves made so far: journal length when made, the move, the job it created.
    pub(crate) applied: Vec<(usize, Move, Option<u64>)>,
    pub(crate) next_marker: u64,
}

impl Actor {
    pub(crate) fn on(&mut self, event: Trigger) {
        let due: Vec<Move> = self
            .plan
            .iter()
            .filter(|(trigger, _)| *trigger == event)
            .map(|(_, action)| *action)
            .collect();
        for action in due {
            self.act(action);
        }
    }

    pub(crate) fn act(&mut self, action: Move) {
        let journal_len = self.emulator.journal().len();
        let mut created = None;
        match action {
            Move::Recreate => {
                self.emulator.remove_job(SUB, RG, &self.name);
                self.next_marker += 1;
                let job = seeded_job(&self.name, "Creating", self.system_data, self.next_marker);
                self.emulator.insert_job(SUB, RG, &self.name, job);
                created = Some(self.next_marker);
            }
            Move::Delete => {
                self.emulator.remove_job(SUB, RG, &self.name);
            }
            Move::Advance(state) => {
                let _ = self.emulator.advance_job_to(SUB, RG, &self.name, state);
            }
        }
        self.applied.push((journal_len, action, created));
    }

    /// The job (by marker) that had the name when journal entry `index` was handled.
    pub(crate) fn marker_at(&self, index: usize, start: Option<u64>) -> Option<u64> {
        let mut live = start;
        for (journal_len, action, created) in &self.applied {
            if *journal_len > index {
                break;
            }
            match action {
                Move::Recreate => live = *created,
                Move::Delete => live = None,
                Move::Advance(_) => {}
            }
        }
        live
    }
}

/// A job with a marker that says who created it (0: the test's seed job; n: the actor's
/// n-th), and a `createdAt` unique to the marker.
pub(crate) fn seeded_job(name: &str, state: &str, system_data: bool, marker: u64) -> Value {
    let mut job = job_body(name, state);
    job["tags"] = json!({ "marker": marker.to_string() });
    if system_data {
        let created = format!("2026-01-01T00:00:00.{marker:07}Z");
        job["systemData"] = json!({ "createdAt": created, "lastModifiedAt": created });
    }
    job
}

pub(crate) fn marker_of(job: &Value) -> Option<u64> {
    job.pointer("/tags/marker")?.as_str()?.parse().ok()
}

/// An archive that lets the actor move right after each write.
#[derive(Debug)]
pub(crate) struct ArchiveWithActor {
    pub(crate) inner: FsArchive,
    pub(crate) actor: Arc<Mutex<Actor>>,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ArchiveSink for ArchiveWithActor {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        let written = self.inner.archive(record).await?;
        let mut actor = self.actor.lock().unwrap();
        actor.archives += 1;
        let n = actor.archives;
        actor.on(Trigger::Archive(n));
        Ok(written)
    }
}
