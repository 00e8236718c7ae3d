//! Whether an outcome is what happened: a success the service shows, a failure whose
//! variant the wire log, the journal and the actor's log explain.

use crate::MAX_ATTEMPTS;
use crate::checks::Call;
use crate::history::Operation;
use crate::outcome::{Failure, Outcome, Step};
use crate::wire::{Seen, Wire};
use azure_importexport::{JobState, JobStateExt as _};
use serde_json::json;
use std::path::Path;

/// Archive rounds after which `safe_delete` gives up on a job that keeps changing.
const MAX_ARCHIVE_ROUNDS: u32 = 3;

pub(crate) fn cancelled(
    call: &Call<'_>,
    marker: Option<u64>,
    already_requested: bool,
    patches: u32,
) -> Result<(), String> {
    let checked = call.checked().ok_or("cancelled without a readable GET")?;
    if marker != Some(call.actor.body_marker(checked)) {
        return Err(format!(
            "cancel shown for marker {marker:?}, the call checked job {checked}"
        ));
    }
    if call.count("PATCH") != patches as usize || already_requested && patches != 0 {
        return Err(format!("{patches} PATCH attempt(s) reported"));
    }
    let applied = call.any(|w| w.is("PATCH") && w.applied && w.live == Some(checked));
    if !already_requested && !applied {
        return Err(format!(
            "reported cancelled, no PATCH reached job {checked}"
        ));
    }
    match &call.now {
        Some(job) if call.end == Some(checked) => {
            if job["properties"]["cancelRequested"] != json!(true) {
                return Err(format!("reported cancelled, but the service has {job}"));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(crate) fn deleted(call: &Call<'_>, outcome: &Outcome) -> Result<(), String> {
    let Outcome::Deleted {
        archived_to,
        left_alone,
        by_earlier_attempt,
        by_another_actor,
        delete_attempts,
    } = outcome
    else {
        return Err(format!("not a delete: {outcome:?}"));
    };
    let checked = call.checked().ok_or("deleted without a readable GET")?;
    if call.end == Some(checked) {
        return Err(format!("reported deleted, job {checked} is still there"));
    }
    let kept = archived_to
        .as_deref()
        .is_some_and(|p| Path::new(p).exists());
    if !kept || !call.archived.contains(&call.actor.body_marker(checked)) {
        return Err(format!("job {checked} has no archive ({archived_to:?})"));
    }
    let created_now = call
        .now
        .as_ref()
        .and_then(|j| j["systemData"]["createdAt"].as_str());
    match left_alone {
        None if call.end.is_some() => {
            return Err(format!("reported deleted, job {:?} has the name", call.end));
        }
        Some(created) if call.end.is_none() || created_now != Some(created.as_str()) => {
            return Err(format!(
                "reported job {created} left alone, the service has {:?}",
                call.now
            ));
        }
        _ => {}
    }
    if call.count("DELETE") != *delete_attempts as usize {
        return Err(format!("{delete_attempts} DELETE attempt(s) reported"));
    }
    let ours = call.deleted_by_this_call(Some(checked));
    if *by_earlier_attempt {
        let Some(last) = call
            .wire
            .iter()
            .rposition(|w| w.is("DELETE") && w.ambiguous())
        else {
            return Err("deleted by an earlier attempt, but none was ambiguous".into());
        };
        if call.wire[last..]
            .iter()
            .any(|w| w.readable_get() && w.live == Some(checked))
        {
            return Err("deleted by an earlier attempt, yet a later read showed it".into());
        }
    } else if *by_another_actor {
        if ours || !call.actor.removed_any() {
            return Err(format!(
                "removed by another actor, but the actor log is {:?}",
                call.actor.log
            ));
        }
    } else if !call.any(|w| {
        w.is("DELETE") && w.seen == Seen::Answer(200) && w.applied && w.live == Some(checked)
    }) {
        return Err("deleted by this call, but no DELETE of it was answered 200".into());
    }
    Ok(())
}

pub(crate) fn failed(call: &Call<'_>, step: Step, failure: &Failure) -> Result<(), String> {
    let checked = call.checked();
    let shown = call.last_state_seen();
    let waiting = matches!(
        failure,
        Failure::WaitTimeout | Failure::WaitUnreachable { .. } | Failure::WaitGone { .. }
    );
    if waiting != (step == Step::Wait) {
        return Err(format!("{failure:?} ended the {step:?} step"));
    }
    let gone = |w: &Wire| w.seen == Seen::Answer(404) && w.live.is_none();
    let other_job = |w: &Wire| w.readable_get() && w.live.is_some() && w.live != checked;
    let evidence = match failure {
        Failure::CancelRefused { state, patches } => {
            !state.can_cancel()
                && shown.as_ref() == Some(state)
                && call.count("PATCH") == *patches as usize
        }
        Failure::DeleteRefused { state } => {
            !state.can_delete()
                && shown.as_ref() == Some(state)
                && !call.any(|w| {
                    w.is("DELETE") && (w.applied || !w.transient() && w.seen != Seen::Answer(409))
                })
        }
        Failure::Replaced => call.any(other_job),
        Failure::Unproven => {
            !call.history.system_data
                && (call.operation == Operation::CancelAndDelete
                    || !call.actor.log.is_empty()
                    || call.any(|w| w.write() && w.ambiguous()))
        }
        Failure::NotFound => call.any(gone) && !call.deleted_by_this_call(checked),
        Failure::ServiceRefused { status } => {
            *status == 409 && call.any(|w| w.write() && w.seen == Seen::Answer(409))
        }
        Failure::GaveUp {
            method,
            attempts,
            attempts_exhausted,
        } => {
            let all_failed = |run: &[Wire]| run.iter().all(|w| w.is(method) && w.transient());
            *attempts_exhausted
                && *attempts == MAX_ATTEMPTS
                && match method.as_str() {
                    "GET" => call.wire.windows(*attempts as usize).any(all_failed),
                    "PATCH" | "DELETE" => {
                        call.count(method) == *attempts as usize
                            && call
                                .wire
                                .iter()
                                .filter(|w| w.is(method))
                                .all(Wire::transient)
                    }
                    _ => false,
                }
        }
        Failure::Unreadable => call.any(|w| w.is("GET") && w.garbled),
        Failure::WaitTimeout => !call.any(|w| {
            w.readable_get() && w.live == checked && w.state.as_deref() == Some("Completed")
        }),
        Failure::WaitUnreachable { state } => {
            !state.can_reach(&JobState::Completed) && shown.as_ref() == Some(state)
        }
        Failure::WaitGone { replaced: true } => call.history.system_data && call.any(other_job),
        Failure::WaitGone { replaced: false } => call.any(gone),
        Failure::StillPresent => {
            call.end.is_some() && call.any(|w| w.is("DELETE") && w.seen == Seen::Answer(200))
        }
        Failure::Unconfirmed => {
            call.any(|w| w.is("DELETE") && w.seen == Seen::Answer(200))
                && call
                    .wire
                    .last()
                    .is_some_and(|w| w.is("GET") && (w.transient() || w.garbled))
        }
        Failure::KeptChanging => call.actor.archives >= MAX_ARCHIVE_ROUNDS,
        Failure::Other => false,
    };
    if evidence {
        Ok(())
    } else {
        Err(format!(
            "{failure:?} in the {step:?} step, not what the service and the actor did"
        ))
    }
}
