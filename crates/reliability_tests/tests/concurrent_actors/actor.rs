//! The second actor: moves the job at the SDK's pauses, archive writes and writes, and
//! logs which incarnation of the name was live when.

use crate::history::{Move, Trigger};
use async_trait::async_trait;
use azure_importexport::{
    ArchiveError, ArchiveRecord, ArchiveSink, FsArchive, JobState, JobStateExt as _,
};
use azure_importexport_emulator::{Emulator, RequestKind};
use reliability_tests::{RG, SUB, job_body};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What an effective move did to the name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Effect {
    /// The live job was removed.
    Removed,
    /// A new incarnation (this id) now has the name.
    Created(u64),
    /// The live job changed state.
    Changed,
}

/// The second actor: its plan, and the incarnations it created. Incarnation 0 is the
/// test's seed job; the actor's are numbered from `history index * 10 + 1`.
pub(crate) struct Actor {
    pub(crate) emulator: Emulator,
    pub(crate) name: String,
    pub(crate) system_data: bool,
    pub(crate) plan: Vec<(Trigger, Move)>,
    pauses: u32,
    pub(crate) archives: u32,
    writes: u32,
    /// The effective moves since the log was last cleared: journal length when made.
    pub(crate) log: Vec<(usize, Effect)>,
    next_incarnation: u64,
    /// The marker in each incarnation's body (an identical copy keeps its original's).
    body_markers: BTreeMap<u64, u64>,
    /// The job's stored body as last seen (what an identical copy is made of).
    last_body: Option<Value>,
}

impl Actor {
    pub(crate) fn new(emulator: Emulator, name: &str, system_data: bool, index: u64) -> Self {
        Actor {
            emulator,
            name: name.to_owned(),
            system_data,
            plan: Vec::new(),
            pauses: 0,
            archives: 0,
            writes: 0,
            log: Vec::new(),
            next_incarnation: index * 10,
            body_markers: BTreeMap::from([(0, 0)]),
            last_body: None,
        }
    }

    pub(crate) fn on_pause(&mut self) {
        self.pauses += 1;
        self.on(Trigger::Pause(self.pauses));
    }

    pub(crate) fn on_archive(&mut self) {
        self.archives += 1;
        self.on(Trigger::Archive(self.archives));
    }

    /// Before every request the SDK sends (`method` upper case).
    pub(crate) fn on_request(&mut self, method: &str) {
        if let Some(body) = self.emulator.job_json_raw(SUB, RG, &self.name) {
            self.last_body = Some(body);
        }
        if method == "PATCH" || method == "DELETE" {
            self.writes += 1;
            self.on(Trigger::BeforeWrite(self.writes));
        }
    }

    fn on(&mut self, event: Trigger) {
        let pause = matches!(event, Trigger::Pause(_));
        let due: Vec<Move> = self
            .plan
            .iter()
            .filter(|(trigger, _)| *trigger == event || pause && *trigger == Trigger::AnyPause)
            .map(|(_, action)| *action)
            .collect();
        for action in due {
            self.act(action);
        }
    }

    fn act(&mut self, action: Move) {
        let journal = self.emulator.journal();
        let exists = self.emulator.job_json_raw(SUB, RG, &self.name).is_some();
        let effect = match action {
            Move::Recreate => {
                self.emulator.remove_job(SUB, RG, &self.name);
                let id = self.new_incarnation(None);
                let job = seeded_job(&self.name, "Creating", self.system_data, id);
                self.emulator.insert_job(SUB, RG, &self.name, job);
                Some(Effect::Created(id))
            }
            Move::RecreateAfterDelete => {
                let deleted_by_sdk = journal
                    .last()
                    .is_some_and(|e| e.kind == RequestKind::DeleteJob && e.applied);
                match self.last_body.clone() {
                    Some(body) if deleted_by_sdk && !exists && !self.system_data => {
                        let id = self.new_incarnation(marker_of(&body));
                        self.emulator.insert_job(SUB, RG, &self.name, body);
                        Some(Effect::Created(id))
                    }
                    Some(_) if deleted_by_sdk && !exists => {
                        let id = self.new_incarnation(None);
                        let job = seeded_job(&self.name, "Creating", true, id);
                        self.emulator.insert_job(SUB, RG, &self.name, job);
                        Some(Effect::Created(id))
                    }
                    _ => None,
                }
            }
            Move::Delete => self
                .emulator
                .remove_job(SUB, RG, &self.name)
                .then_some(Effect::Removed),
            Move::Advance(state) => {
                let before = self.emulator.job_state(SUB, RG, &self.name);
                let rank = |s: &str| JobState::from(s).lifecycle_rank();
                let forward = before
                    .as_deref()
                    .and_then(rank)
                    .is_some_and(|now| rank(state).is_some_and(|then| now < then));
                let moved = self
                    .emulator
                    .advance_job_to(SUB, RG, &self.name, state)
                    .is_ok()
                    || forward
                        && self
                            .emulator
                            .set_job_state(SUB, RG, &self.name, state)
                            .is_ok();
                (moved && before.as_deref() != Some(state)).then_some(Effect::Changed)
            }
        };
        if let Some(effect) = effect {
            self.log.push((journal.len(), effect));
        }
        if let Some(body) = self.emulator.job_json_raw(SUB, RG, &self.name) {
            self.last_body = Some(body);
        }
    }

    fn new_incarnation(&mut self, copy_of: Option<u64>) -> u64 {
        self.next_incarnation += 1;
        let id = self.next_incarnation;
        self.body_markers.insert(id, copy_of.unwrap_or(id));
        id
    }

    /// The marker in the body of incarnation `id`.
    pub(crate) fn body_marker(&self, id: u64) -> u64 {
        self.body_markers.get(&id).copied().unwrap_or(id)
    }

    /// Whether the actor removed (or replaced) the job since the log began.
    pub(crate) fn removed_any(&self) -> bool {
        self.log
            .iter()
            .any(|(_, effect)| matches!(effect, Effect::Removed | Effect::Created(_)))
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
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ArchiveSink for ArchiveWithActor {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        let written = self.inner.archive(record).await?;
        self.actor.lock().unwrap().on_archive();
        Ok(written)
    }
}
