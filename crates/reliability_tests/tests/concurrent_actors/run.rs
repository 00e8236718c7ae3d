//! One run: a history at a time against one emulator, one client and one archive
//! root, with the invariants checked after each.

use crate::MAX_ATTEMPTS;
use crate::actor::{Actor, ArchiveWithActor, marker_of, seeded_job};
use crate::history::{History, Operation};
use crate::outcome::{
    Failure, Outcome, cancel_failure, check_failure, delete_failure, deleted, failed,
};
use azure_importexport::CategorizedError as _;
use azure_importexport::{
    CancelAndDeleteError, CancelAndDeleteOptions, DeleteOptions, FsArchive, ImportExport, JobState,
    WaitError, WaitOptions,
};
use azure_importexport_emulator::{Emulator, JournalEntry, RequestKind};
use reliability_tests::{RG, SUB};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) struct Run {
    pub(crate) emulator: Emulator,
    /// One client for the whole run (building one costs more than a history).
    pub(crate) sdk: ImportExport,
    /// The actor of the history under way, moved by the client's pauses.
    pub(crate) current_actor: Arc<Mutex<Option<Arc<Mutex<Actor>>>>>,
    pub(crate) archive_root: PathBuf,
    /// Every archive file seen, with its bytes: none may change or vanish.
    pub(crate) files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Run {
    pub(crate) async fn history(&mut self, history: &History) -> Result<(), String> {
        let emulator = &self.emulator;
        emulator.clear_faults();
        emulator.clear_journal();
        emulator.insert_job(
            SUB,
            RG,
            &history.name,
            seeded_job(&history.name, history.initial_state, history.system_data, 0),
        );
        for fault in &history.faults {
            emulator.inject(fault.clone());
        }
        let actor = Arc::new(Mutex::new(Actor {
            emulator: emulator.clone(),
            name: history.name.clone(),
            system_data: history.system_data,
            plan: history.moves.clone(),
            pauses: 0,
            archives: 0,
            applied: Vec::new(),
            next_marker: history.index * 10,
        }));
        *self.current_actor.lock().unwrap() = Some(actor.clone());
        let sdk = &self.sdk;
        let job_ref = sdk.job(RG, &history.name);
        let archive = Arc::new(ArchiveWithActor {
            inner: FsArchive::new(&self.archive_root),
            actor: actor.clone(),
        });
        let delete_options = || DeleteOptions {
            archive: Some(archive.clone()),
            ..DeleteOptions::default()
        };

        let outcome = match history.operation {
            Operation::Cancel => match job_ref.cancel(None).await {
                Ok(outcome) => Outcome::Cancelled {
                    cancel_requested: outcome.job.cancel_requested(),
                    marker: marker_of(
                        &serde_json::from_slice(outcome.job.json()).unwrap_or_default(),
                    ),
                },
                Err(error) => failed(error.category(), &error, cancel_failure(&error)),
            },
            Operation::SafeDelete => deleted(job_ref.safe_delete(Some(delete_options())).await),
            Operation::CancelAndDelete => {
                let options = CancelAndDeleteOptions {
                    wait: WaitOptions::default()
                        .with_delays(Duration::from_secs(60), Duration::from_secs(60)),
                    delete: delete_options(),
                    ..Default::default()
                };
                match job_ref
                    .cancel_and_delete(Duration::from_secs(600), Some(options))
                    .await
                {
                    Ok(outcome) => Outcome::Deleted {
                        archived_to: outcome.delete.archived_to,
                        left_alone: outcome.delete.same_name_job_left_alone.is_some(),
                    },
                    Err(CancelAndDeleteError::Delete(error)) => {
                        failed(error.category(), &error, delete_failure(&error))
                    }
                    Err(CancelAndDeleteError::Cancel(error)) => {
                        failed(error.category(), &error, cancel_failure(&error))
                    }
                    Err(error) => failed(error.category(), &error, Failure::Other),
                }
            }
            Operation::WaitUntilCompleted => {
                let options = WaitOptions::default()
                    .with_delays(Duration::from_secs(60), Duration::from_secs(60));
                match job_ref
                    .wait_until(JobState::Completed, Duration::from_secs(600), Some(options))
                    .await
                {
                    Ok(job) => Outcome::Waited { state: job.state() },
                    Err(error @ WaitError::Gone { .. }) => {
                        failed(error.category(), &error, Failure::NotFound)
                    }
                    Err(error) => failed(error.category(), &error, Failure::Other),
                }
            }
        };
        let journal = emulator.journal();
        self.check(history, &actor.lock().unwrap(), &journal, &outcome)?;

        if history.then_delete {
            // The actor rests: the second call meets whatever has the name now.
            let start = {
                let mut actor = actor.lock().unwrap();
                actor.plan.clear();
                actor.applied.clear();
                emulator
                    .job_json(SUB, RG, &history.name)
                    .as_ref()
                    .and_then(marker_of)
            };
            emulator.clear_journal();
            let second = deleted(job_ref.safe_delete(Some(delete_options())).await);
            let journal = emulator.journal();
            self.check_deletes(history, &actor.lock().unwrap(), &journal, start)?;
            self.check_delete_outcome(history, &journal, &second)?;
        }
        self.check_archive_files(history)
    }

    pub(crate) fn check(
        &self,
        history: &History,
        actor: &Actor,
        journal: &[JournalEntry],
        outcome: &Outcome,
    ) -> Result<(), String> {
        self.check_deletes(history, actor, journal, Some(0))?;
        let now = self.emulator.job_json(SUB, RG, &history.name);
        let marker_now = now.as_ref().and_then(marker_of);
        let writes = |method: &str| journal.iter().filter(|e| e.method == method).count();
        if writes("PATCH") > MAX_ATTEMPTS as usize || writes("DELETE") > MAX_ATTEMPTS as usize {
            return Err(format!("over budget: {journal:?}"));
        }
        match outcome {
            Outcome::Cancelled {
                cancel_requested,
                marker,
            } => {
                // The job the SDK checked: the one its first successful read showed.
                let checked = journal
                    .iter()
                    .position(|e| e.kind == RequestKind::GetJob && e.status == 200)
                    .and_then(|index| actor.marker_at(index, Some(0)));
                if !cancel_requested || history.system_data && *marker != checked {
                    return Err(format!(
                        "cancel success not shown for job {checked:?}: {outcome:?}"
                    ));
                }
                if let Some(job) = now.as_ref().filter(|_| marker_now == checked) {
                    if job["properties"]["cancelRequested"] != json!(true) {
                        return Err(format!("reported cancelled, but the service has {job}"));
                    }
                }
            }
            Outcome::Deleted { .. } => self.check_delete_outcome(history, journal, outcome)?,
            Outcome::Waited { state } => {
                let state_now = now.as_ref().and_then(|j| j["properties"]["state"].as_str());
                if *state != JobState::Completed || state_now != Some("Completed") {
                    return Err(format!(
                        "waited to {state:?}, the service has {state_now:?}"
                    ));
                }
            }
            Outcome::Failed {
                category,
                detail,
                kind,
            } => {
                check_failure(history, journal, now.as_ref(), *category, detail, kind)?;
            }
        }
        Ok(())
    }

    /// Invariant 1: every DELETE reaches the incarnation that the SDK's latest read
    /// before it showed, retries reach the same one as the first DELETE, and an applied
    /// DELETE follows an archive of that incarnation. `start`: the incarnation live when
    /// the journal begins.
    pub(crate) fn check_deletes(
        &self,
        history: &History,
        actor: &Actor,
        journal: &[JournalEntry],
        start: Option<u64>,
    ) -> Result<(), String> {
        let archived = self.archived_markers(history)?;
        let mut last_read: Option<Option<u64>> = None;
        let mut first_delete: Option<Option<u64>> = None;
        for (index, entry) in journal.iter().enumerate() {
            let live = actor.marker_at(index, start);
            match entry.kind {
                RequestKind::GetJob if entry.status == 200 => last_read = Some(live),
                RequestKind::DeleteJob if live.is_some() => {
                    if last_read != Some(live) {
                        return Err(format!(
                            "DELETE #{index} reached job {live:?}, the last read showed {last_read:?}"
                        ));
                    }
                    if *first_delete.get_or_insert(live) != live {
                        return Err(format!(
                            "DELETE #{index} reached job {live:?}, the first DELETE {first_delete:?}"
                        ));
                    }
                    if entry.applied && !live.is_some_and(|m| archived.contains(&m)) {
                        return Err(format!("job {live:?} was deleted unarchived"));
                    }
                }
                _ => {}
            }
        }
        if history.system_data && history.operation == Operation::CancelAndDelete {
            let checked = journal
                .iter()
                .position(|e| e.kind == RequestKind::GetJob && e.status == 200)
                .map(|index| actor.marker_at(index, start));
            if let (Some(checked), Some(deleted)) = (checked, first_delete) {
                if checked != deleted {
                    return Err(format!(
                        "cancelled job {checked:?}, deleted job {deleted:?}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The markers of every job archived under the history's name.
    pub(crate) fn archived_markers(&self, history: &History) -> Result<Vec<u64>, String> {
        let versions = FsArchive::new(&self.archive_root)
            .versions(SUB, RG, &history.name)
            .map_err(|e| e.to_string())?;
        Ok(versions
            .iter()
            .filter_map(|path| serde_json::from_slice::<Value>(&std::fs::read(path).ok()?).ok())
            .filter_map(|job| marker_of(&job))
            .collect())
    }

    pub(crate) fn check_delete_outcome(
        &self,
        history: &History,
        journal: &[JournalEntry],
        outcome: &Outcome,
    ) -> Result<(), String> {
        let now = self.emulator.job_json(SUB, RG, &history.name);
        match outcome {
            Outcome::Deleted {
                archived_to,
                left_alone,
            } => {
                if let (Some(job), false) = (&now, left_alone) {
                    return Err(format!("reported deleted, but the service still has {job}"));
                }
                if let Some(path) = archived_to {
                    if !Path::new(path).exists() {
                        return Err(format!("reported archive {path} does not exist"));
                    }
                }
                Ok(())
            }
            Outcome::Failed {
                category,
                detail,
                kind,
            } => check_failure(history, journal, now.as_ref(), *category, detail, kind),
            other => Err(format!("unexpected outcome {other:?}")),
        }
    }

    /// Invariant 2: archive files are never overwritten or lost.
    pub(crate) fn check_archive_files(&mut self, history: &History) -> Result<(), String> {
        let archive = FsArchive::new(&self.archive_root);
        for path in archive
            .versions(SUB, RG, &history.name)
            .map_err(|e| e.to_string())?
        {
            let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
            let digest = hex::encode(&Sha256::digest(&bytes)[..8]);
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if !name.ends_with(&format!("_{digest}.json")) {
                return Err(format!("{name} does not hold the bytes its name hashes"));
            }
            if let Some(before) = self.files.insert(path.clone(), bytes.clone()) {
                if before != bytes {
                    return Err(format!("{} was overwritten", path.display()));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn check_all_files_kept(&self) -> Result<(), String> {
        for (path, bytes) in &self.files {
            match std::fs::read(path) {
                Ok(now) if &now == bytes => {}
                _ => return Err(format!("{} was changed or lost", path.display())),
            }
        }
        Ok(())
    }
}
