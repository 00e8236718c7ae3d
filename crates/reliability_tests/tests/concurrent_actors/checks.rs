//! The invariants, checked after every SDK call from what the SDK saw on the wire, the
//! emulator's journal, the actor's log, the emulator's state and the archive. Every
//! outcome is judged against evidence the test gathered itself, never against the
//! SDK's own account of it.

use crate::MAX_ATTEMPTS;
use crate::actor::Actor;
use crate::evidence::{cancelled, deleted, failed};
use crate::history::{History, Operation};
use crate::outcome::{Failure, Outcome};
use crate::wire::{Seen, Wire};
use azure_importexport::{ErrorCategory, JobState, JobStateExt as _};
use serde_json::Value;

/// One SDK call and everything known about it afterwards.
pub(crate) struct Call<'a> {
    pub(crate) history: &'a History,
    pub(crate) operation: Operation,
    /// The job's state when the call began (`None`: nothing had the name).
    pub(crate) initial: Option<JobState>,
    pub(crate) wire: &'a [Wire],
    pub(crate) actor: &'a Actor,
    /// The incarnation that has the name now, and its JSON.
    pub(crate) end: Option<u64>,
    pub(crate) now: Option<Value>,
    /// Body markers of every version archived under the name.
    pub(crate) archived: &'a [u64],
}

impl Call<'_> {
    /// The incarnation the call checked: what its first readable GET showed.
    pub(crate) fn checked(&self) -> Option<u64> {
        self.wire.iter().find(|w| w.readable_get())?.live
    }

    pub(crate) fn count(&self, method: &str) -> usize {
        self.wire.iter().filter(|w| w.is(method)).count()
    }

    pub(crate) fn any(&self, test: impl Fn(&Wire) -> bool) -> bool {
        self.wire.iter().any(test)
    }

    /// The state the SDK's latest readable GET showed.
    pub(crate) fn last_state_seen(&self) -> Option<JobState> {
        let read = self.wire.iter().rev().find(|w| w.readable_get())?;
        read.state.as_deref().map(JobState::from)
    }

    /// Whether a DELETE of this call was applied to incarnation `id`.
    pub(crate) fn deleted_by_this_call(&self, id: Option<u64>) -> bool {
        self.any(|w| w.is("DELETE") && w.applied && w.live == id)
    }
}

/// Checks one call; returns whether it was undisturbed (its one outcome was checked).
pub(crate) fn check(call: &Call<'_>, outcome: &Outcome) -> Result<bool, String> {
    writes(call)?;
    let undisturbed = expectation(call, outcome)?;
    service_refusal(call, outcome)?;
    outcome_true(call, outcome).map(|()| undisturbed)
}

fn outcome_true(call: &Call<'_>, outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Cancelled {
            marker,
            already_requested,
            patch_attempts,
        } => cancelled(call, *marker, *already_requested, *patch_attempts),
        Outcome::Deleted { .. } => deleted(call, outcome),
        Outcome::Waited { state } => {
            let state_now = call
                .now
                .as_ref()
                .and_then(|j| j["properties"]["state"].as_str());
            if *state != JobState::Completed || state_now != Some("Completed") {
                return Err(format!(
                    "waited to {state:?}, the service has {state_now:?}"
                ));
            }
            Ok(())
        }
        Outcome::Failed {
            step,
            category,
            failure,
            detail,
        } => {
            if *category != failure.expected_category() {
                return Err(format!("{failure:?} in category {category:?}: {detail}"));
            }
            failed(call, *step, failure).map_err(|problem| format!("{problem}: {detail}"))
        }
    }
}

/// Every PATCH and DELETE follows a read that showed a state allowing it, reaches the
/// incarnation of the call's first readable GET (or nothing), stays within the attempt
/// budget; every applied DELETE reaches an archived incarnation.
fn writes(call: &Call<'_>) -> Result<(), String> {
    let checked = call.checked();
    let mut last_read: Option<&Wire> = None;
    for (index, wire) in call.wire.iter().enumerate() {
        if wire.readable_get() {
            last_read = Some(wire);
        }
        if !wire.write() {
            continue;
        }
        let shown = last_read.and_then(|read| read.state.as_deref());
        let allows = shown.map(JobState::from).is_some_and(|state| {
            if wire.is("PATCH") {
                state.can_cancel()
            } else {
                state.can_delete()
            }
        });
        if !allows {
            return Err(format!(
                "{} #{index} sent after a read that showed {shown:?}",
                wire.method
            ));
        }
        if wire.reached && wire.live.is_some() && wire.live != checked {
            return Err(format!(
                "{} #{index} reached job {:?}; the call checked job {checked:?}",
                wire.method, wire.live
            ));
        }
        let archived = |id: u64| call.archived.contains(&call.actor.body_marker(id));
        if wire.is("DELETE") && wire.applied && !wire.live.is_some_and(archived) {
            return Err(format!("job {:?} was deleted unarchived", wire.live));
        }
    }
    if call.count("PATCH") > MAX_ATTEMPTS as usize || call.count("DELETE") > MAX_ATTEMPTS as usize {
        return Err("more PATCHes or DELETEs than max_attempts".into());
    }
    Ok(())
}

/// Undisturbed calls (no move of the actor, faults the retries absorb) have exactly
/// one right outcome, set by the state the call began in.
fn expectation(call: &Call<'_>, outcome: &Outcome) -> Result<bool, String> {
    use Operation::{Cancel, CancelAndDelete, SafeDelete, WaitUntilCompleted};
    if !call.actor.log.is_empty() || call.operation != WaitUntilCompleted && !absorbable(call) {
        return Ok(false);
    }
    let Some(state) = call.initial.clone() else {
        return match (call.operation, outcome) {
            (SafeDelete, Outcome::Failed { failure, .. }) if *failure == Failure::NotFound => {
                Ok(true)
            }
            (SafeDelete, other) => Err(format!("no job had the name, yet {other:?}")),
            _ => Ok(false),
        };
    };
    let refused = |state: JobState| Failure::CancelRefused { state, patches: 0 };
    let expected: Option<Failure> = match call.operation {
        Cancel if state.can_cancel() => None,
        Cancel => Some(refused(state)),
        SafeDelete if state.can_delete() => None,
        SafeDelete => Some(Failure::DeleteRefused { state }),
        CancelAndDelete if state == JobState::Completed => None,
        // Nothing would prove the job deleted later is the one cancelled.
        CancelAndDelete if !call.history.system_data => Some(Failure::Unproven),
        CancelAndDelete if state.can_cancel() => Some(Failure::WaitTimeout),
        CancelAndDelete => Some(refused(state)),
        WaitUntilCompleted if state == JobState::Completed => None,
        WaitUntilCompleted if !state.can_reach(&JobState::Completed) => {
            Some(Failure::WaitUnreachable { state })
        }
        WaitUntilCompleted => Some(Failure::WaitTimeout),
    };
    let matches = match (&expected, outcome) {
        (None, Outcome::Failed { .. }) => false,
        (None, _) => true,
        (Some(expected), Outcome::Failed { failure, .. }) => failure == expected,
        (Some(_), _) => false,
    };
    if matches {
        Ok(true)
    } else {
        let want = expected.map_or_else(|| "success".to_owned(), |f| format!("{f:?}"));
        Err(format!(
            "undisturbed call: expected {want}, got {outcome:?}"
        ))
    }
}

/// Faults the retries absorb: no garbled reply, fewer than `max_attempts` transient
/// failures of each write and of any one read, and (without `systemData`) no ambiguous
/// write, after which a re-read cannot prove the incarnation.
fn absorbable(call: &Call<'_>) -> bool {
    let max = MAX_ATTEMPTS as usize;
    let transient = |method| {
        call.wire
            .iter()
            .filter(|w| w.is(method) && w.transient())
            .count()
    };
    !call.any(|w| w.garbled)
        && transient("PATCH") < max
        && transient("DELETE") < max
        && !call
            .wire
            .windows(max)
            .any(|run| run.iter().all(|w| w.is("GET") && w.transient()))
        && (call.history.system_data || !call.any(|w| w.write() && w.ambiguous()))
}

/// A write refused with 409 and a re-read that shows the same job: a state refusal.
fn service_refusal(call: &Call<'_>, outcome: &Outcome) -> Result<(), String> {
    if !matches!(call.operation, Operation::Cancel | Operation::SafeDelete) {
        return Ok(());
    }
    let checked = call.checked();
    let refused = call.wire.windows(2).any(|pair| {
        pair[0].write()
            && pair[0].seen == Seen::Answer(409)
            && pair[1].readable_get()
            && pair[1].live == checked
    });
    match outcome {
        Outcome::Failed {
            category: ErrorCategory::RefusedByState,
            ..
        } => Ok(()),
        other if refused => Err(format!("a 409 re-read on the same job, yet {other:?}")),
        _ => Ok(()),
    }
}
