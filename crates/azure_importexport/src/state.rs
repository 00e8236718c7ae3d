//! The rules the helpers enforce, as methods on the generated [`JobState`] (one enum for
//! every crate, as azure-sdk-for-rust adds behaviour to generated models through traits).

pub use azure_importexport_rest::models::JobState;

/// Stand-in for a job whose response carries no `properties.state` at all.
pub(crate) const MISSING_STATE: &str = "(no state in the response)";

/// The job lifecycle line, in order: `Creating` -> `Shipping` -> `Received` ->
/// `Transferring` -> `Packaging` -> `Completed`. (`Closed` and `Canceled` are terminal
/// side states outside it.)
const LIFECYCLE: &[JobState] = &[
    JobState::Creating,
    JobState::Shipping,
    JobState::Received,
    JobState::Transferring,
    JobState::Packaging,
    JobState::Completed,
];

/// The service's rules for a [`JobState`]: what the helpers allow, and where a state is
/// in the lifecycle. A value this SDK does not know (`JobState::Unknown`) allows nothing.
///
/// ```
/// use azure_importexport::{JobState, JobStateExt as _};
///
/// let state: JobState = "transferring".parse().unwrap(); // ARM values ignore case
/// assert!(state.can_cancel());
/// assert!(!state.can_delete());
/// assert!(JobState::Completed.can_delete());
/// assert!(!JobState::Unknown("Archived".into()).can_delete());
/// assert_eq!(JobState::lifecycle().last(), Some(&JobState::Completed));
/// ```
pub trait JobStateExt {
    /// The lifecycle line, `Creating` first, `Completed` last.
    fn lifecycle() -> &'static [JobState]
    where
        Self: Sized;

    /// Whether a cancel may be requested: exactly `Creating`, `Shipping`, `Received` and
    /// `Transferring` (in `Transferring` the cancel is best-effort).
    fn can_cancel(&self) -> bool;

    /// Whether the job may be deleted: exactly `Creating` and `Completed`. Deleting loses
    /// the job, its state and its BitLocker keys for good.
    fn can_delete(&self) -> bool;

    /// Position in the lifecycle line (`Creating` = 0 ... `Completed` = 5); `None` for
    /// `Closed`, `Canceled` and unknown states.
    fn lifecycle_rank(&self) -> Option<usize>;

    /// Whether the job can no longer change state: `Completed`, `Closed`, `Canceled`.
    fn is_terminal(&self) -> bool;

    /// Whether `target` can still be reached from this state. `false` when this state is
    /// terminal (and not the target) or later in the lifecycle line than the target;
    /// `true` when in doubt (unknown states keep a waiter polling until its timeout).
    fn can_reach(&self, target: &JobState) -> bool;
}

impl JobStateExt for JobState {
    fn lifecycle() -> &'static [JobState] {
        LIFECYCLE
    }

    fn can_cancel(&self) -> bool {
        matches!(
            self,
            JobState::Creating | JobState::Shipping | JobState::Received | JobState::Transferring
        )
    }

    fn can_delete(&self) -> bool {
        matches!(self, JobState::Creating | JobState::Completed)
    }

    fn lifecycle_rank(&self) -> Option<usize> {
        LIFECYCLE.iter().position(|state| state == self)
    }

    fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Closed | JobState::Canceled
        )
    }

    fn can_reach(&self, target: &JobState) -> bool {
        if self == target {
            return true;
        }
        if self.is_terminal() {
            return false;
        }
        match (self.lifecycle_rank(), target.lifecycle_rank()) {
            (Some(now), Some(wanted)) => now <= wanted,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_the_service_page() {
        let cancellable = ["Creating", "Shipping", "Received", "Transferring"];
        let deletable = ["Creating", "Completed"];
        for state in JobState::KNOWN {
            assert_eq!(
                state.can_cancel(),
                cancellable.contains(&state.as_str()),
                "{state}"
            );
            assert_eq!(
                state.can_delete(),
                deletable.contains(&state.as_str()),
                "{state}"
            );
        }
        let unknown = JobState::from("Archived");
        assert!(!unknown.can_cancel() && !unknown.can_delete());
    }

    #[test]
    fn reachability_follows_the_lifecycle() {
        use JobState::*;
        assert!(Creating.can_reach(&Completed));
        assert!(Transferring.can_reach(&Transferring));
        assert!(!Completed.can_reach(&Transferring));
        assert!(!Packaging.can_reach(&Transferring));
        assert!(!Closed.can_reach(&Completed));
        assert!(!Canceled.can_reach(&Completed));
        assert!(Shipping.can_reach(&Closed));
        assert!(Unknown("X".into()).can_reach(&Completed));
    }
}
