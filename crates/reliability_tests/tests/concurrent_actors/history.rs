//! One generated history: the seed job, the faults, the second actor's plan and the
//! SDK operation to run.

use azure_importexport::{JobState, JobStateExt as _};
use azure_importexport_emulator::{Fault, FaultRule, RequestKind};
use reliability_tests::{ProxyAction, ProxyRule, SeededRng as Rng};
use std::time::Duration;

/// How long an emulator reply with [`Fault::Delay`] is held: far beyond the attempt
/// timeout of the histories that have one ([`crate::SHORT_ATTEMPT_TIMEOUT`]).
const DELAY: Duration = Duration::from_secs(1);

/// Every state the SDK knows, `Creating` first (the generated enum's list).
pub(crate) fn states() -> Vec<&'static str> {
    JobState::KNOWN.iter().map(JobState::as_str).collect()
}

/// The seed of history `index`'s generator (and of the client's jitter during it).
pub(crate) fn history_seed(seed: u64, index: u64) -> u64 {
    seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Operation {
    Cancel,
    SafeDelete,
    CancelAndDelete,
    WaitUntilCompleted,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Move {
    /// Delete the job and create a new one with the name (state `Creating`).
    Recreate,
    /// Only when the name is free because the SDK's DELETE was just applied: create a
    /// new job with the name, with exactly the bytes of the deleted one where the
    /// api-version has no `systemData` (nothing tells the two apart).
    RecreateAfterDelete,
    /// Delete the job.
    Delete,
    /// Move the job on to a later state (as the service's schedule would, or as its
    /// owner does when it ships a `Creating` job).
    Advance(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Trigger {
    /// The n-th pause of the SDK (1-based): a backoff sleep, a poll delay.
    Pause(u32),
    /// Every pause of the SDK.
    AnyPause,
    /// The n-th archive write (1-based), after it is durable.
    Archive(u32),
    /// Right before the n-th PATCH or DELETE (1-based) reaches the service: the window
    /// no client can close (no ETag), so only moves that keep the incarnation (or
    /// remove it) are planned there.
    BeforeWrite(u32),
}

#[derive(Debug)]
pub(crate) struct History {
    pub(crate) index: u64,
    pub(crate) name: String,
    pub(crate) initial_state: &'static str,
    pub(crate) system_data: bool,
    /// Emulator faults (HTTP answers, delays).
    pub(crate) faults: Vec<FaultRule>,
    /// Connection faults, by a proxy in front of the emulator.
    pub(crate) drops: Vec<ProxyRule>,
    pub(crate) moves: Vec<(Trigger, Move)>,
    pub(crate) operation: Operation,
    pub(crate) then_delete: bool,
}

impl History {
    pub(crate) fn generate(seed: u64, index: u64) -> Self {
        let mut rng = Rng::new(history_seed(seed, index));
        let system_data = rng.percent(85);
        let (faults, drops) = faults(&mut rng);
        let moves = (0..rng.below(4))
            .map(|_| {
                let trigger = match rng.below(8) {
                    0 | 1 => Trigger::Archive(1 + rng.below(2) as u32),
                    2 | 3 => Trigger::BeforeWrite(1 + rng.below(2) as u32),
                    _ => Trigger::Pause(1 + rng.below(4) as u32),
                };
                // Before a write, a move that makes it fail (409): shipped, packaging,
                // completed; elsewhere any later state.
                let advance = Move::Advance(match trigger {
                    Trigger::BeforeWrite(_) => rng.pick(&["Shipping", "Packaging", "Completed"]),
                    _ => rng.pick(&states()[1..]),
                });
                let action = match (trigger, rng.below(4)) {
                    (Trigger::BeforeWrite(_), 0) | (_, 1) => Move::Delete,
                    (Trigger::BeforeWrite(_), _) | (_, 2 | 3) => advance,
                    _ => Move::Recreate,
                };
                (trigger, action)
            })
            .collect::<Vec<_>>();
        // Issue 10's first race, often: the name re-created right after the SDK's
        // DELETE was applied (and its answer lost).
        let mut moves = moves;
        if rng.percent(20) {
            moves.push((Trigger::AnyPause, Move::RecreateAfterDelete));
        }
        let operation = rng.pick(&[
            Operation::Cancel,
            Operation::SafeDelete,
            Operation::CancelAndDelete,
            Operation::WaitUntilCompleted,
        ]);
        // Half the time a state the operation acts on (so that writes are sent).
        let acted_on: Vec<&'static str> = states()
            .into_iter()
            .filter(|state| {
                let state = JobState::from(*state);
                match operation {
                    Operation::Cancel => state.can_cancel(),
                    Operation::SafeDelete => state.can_delete(),
                    Operation::CancelAndDelete => {
                        state.can_cancel() || state == JobState::Completed
                    }
                    Operation::WaitUntilCompleted => true,
                }
            })
            .collect();
        let initial_state = if rng.percent(50) {
            rng.pick(&acted_on)
        } else {
            rng.pick(&states())
        };
        History {
            index,
            name: format!("h{index}"),
            initial_state,
            system_data,
            faults,
            drops,
            moves,
            operation,
            then_delete: rng.percent(40),
        }
    }

    /// Whether a reply is delayed past the attempt timeout (such histories run with a
    /// short one, so they cost a little real time).
    pub(crate) fn has_timeouts(&self) -> bool {
        self.faults
            .iter()
            .any(|rule| matches!(rule.fault, Fault::Delay(_)))
    }
}

/// Up to three faults: applied-then-5xx, applied-then-202/204, 5xx not applied, 429 with
/// `Retry-After`, an unreadable 200, a connection reset after the request was sent
/// (not applied), a body cut short (applied), and rarely a reply past the timeout.
fn faults(rng: &mut Rng) -> (Vec<FaultRule>, Vec<ProxyRule>) {
    let targets = [
        (RequestKind::GetJob, "GET"),
        (RequestKind::UpdateJob, "PATCH"),
        (RequestKind::DeleteJob, "DELETE"),
    ];
    let (mut faults, mut drops) = (Vec::new(), Vec::new());
    for _ in 0..rng.below(4) {
        let (kind, method) = rng.pick(&targets);
        let count = 1 + rng.below(2) as usize;
        let mut fault = |fault| faults.push(FaultRule::new(kind, count, fault));
        match rng.below(100) {
            0..=15 => fault(Fault::StatusAfterApply {
                status: rng.pick(&[500, 502, 504]),
            }),
            16..=29 => fault(Fault::StatusAfterApply {
                status: rng.pick(&[202, 204]),
            }),
            30..=43 => fault(Fault::status(rng.pick(&[500, 503]))),
            44..=55 => fault(Fault::throttled("1")),
            56..=65 => fault(Fault::Raw {
                status: 200,
                content_type: "application/json".into(),
                body: br#"{"properties":{"state":"#.to_vec(),
            }),
            66..=97 => drops.push(ProxyRule {
                method: Some(method),
                target_contains: None,
                count,
                action: if rng.percent(50) {
                    ProxyAction::Reset
                } else {
                    ProxyAction::Truncate
                },
            }),
            _ => faults.push(FaultRule::new(kind, 1, Fault::Delay(DELAY))),
        }
    }
    (faults, drops)
}
