//! One generated history: the seed job, the faults, the second actor's plan and the
//! SDK operation to run.

use azure_importexport::JobState;
use azure_importexport_emulator::{Fault, FaultRule, RequestKind};

/// Every state the SDK knows, `Creating` first (the generated enum's list).
pub(crate) fn states() -> Vec<&'static str> {
    JobState::KNOWN.iter().map(JobState::as_str).collect()
}

/// SplitMix64: small, seedable, and the same on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub(crate) fn percent(&mut self, chance: u64) -> bool {
        self.below(100) < chance
    }

    pub(crate) fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
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
    /// Delete the job.
    Delete,
    /// Move the job to a later state.
    Advance(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Trigger {
    /// The n-th pause of the SDK (1-based).
    Pause(u32),
    /// The n-th archive write (1-based), after it is durable.
    Archive(u32),
}

#[derive(Debug)]
pub(crate) struct History {
    pub(crate) index: u64,
    pub(crate) name: String,
    pub(crate) initial_state: &'static str,
    pub(crate) system_data: bool,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) moves: Vec<(Trigger, Move)>,
    pub(crate) operation: Operation,
    pub(crate) then_delete: bool,
}

impl History {
    pub(crate) fn generate(seed: u64, index: u64) -> Self {
        let mut rng = Rng(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let kinds = [
            RequestKind::GetJob,
            RequestKind::UpdateJob,
            RequestKind::DeleteJob,
        ];
        let faults = (0..rng.below(4))
            .map(|_| {
                let fault = match rng.below(9) {
                    0 | 1 => Fault::StatusAfterApply {
                        status: rng.pick(&[500, 502, 504]),
                    },
                    2 | 3 => Fault::StatusAfterApply {
                        status: rng.pick(&[202, 204]),
                    },
                    4 | 5 => Fault::status(rng.pick(&[500, 503])),
                    6 | 7 => Fault::throttled("1"),
                    _ => Fault::Raw {
                        status: 200,
                        content_type: "application/json".into(),
                        body: br#"{"properties":{"state":"#.to_vec(),
                    },
                };
                FaultRule::new(rng.pick(&kinds), 1 + rng.below(2) as usize, fault)
            })
            .collect();
        let moves = (0..rng.below(4))
            .map(|_| {
                let trigger = if rng.percent(25) {
                    Trigger::Archive(1 + rng.below(2) as u32)
                } else {
                    Trigger::Pause(1 + rng.below(4) as u32)
                };
                let action = match rng.below(3) {
                    0 => Move::Recreate,
                    1 => Move::Delete,
                    _ => Move::Advance(rng.pick(&states()[1..])),
                };
                (trigger, action)
            })
            .collect();
        History {
            index,
            name: format!("h{index}"),
            initial_state: rng.pick(&states()),
            system_data: rng.percent(85),
            faults,
            moves,
            operation: rng.pick(&[
                Operation::Cancel,
                Operation::SafeDelete,
                Operation::CancelAndDelete,
                Operation::WaitUntilCompleted,
            ]),
            then_delete: rng.percent(40),
        }
    }
}
