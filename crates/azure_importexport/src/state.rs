//! The job lifecycle and the rules the helpers enforce before sending anything.

use azure_importexport_rest::models;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Lifecycle state of an Import/Export job.
///
/// Lifecycle order: `Creating` < `Shipping` < `Received` < `Transferring` < `Packaging` <
/// `Completed`. `Closed` and `Canceled` are terminal states outside that line; a value this
/// SDK does not know is kept verbatim in [`JobState::Unknown`] and allows nothing.
///
/// Parsing ignores ASCII case (`"completed"` is [`JobState::Completed`]).
///
/// ```
/// use azure_importexport::JobState;
///
/// let state: JobState = "Transferring".parse().unwrap();
/// assert!(state.can_cancel());
/// assert!(!state.can_delete());
/// assert!(JobState::Completed.can_delete());
/// assert!(!JobState::Unknown("Archived".into()).can_delete());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Created; drives not shipped yet. Cancel and delete are allowed.
    Creating,
    /// The customer has shipped the drives. Cancel is allowed.
    Shipping,
    /// The drives arrived at the datacenter. Cancel is allowed.
    Received,
    /// Data is being copied. Cancel is allowed but best-effort: data may still transfer.
    Transferring,
    /// Drives are being packed for return; too late to cancel.
    Packaging,
    /// Drives shipped back (a cancelled job also ends here); kept 90 days. Delete is allowed.
    Completed,
    /// Drives shipped back with errors; removed after 90 days.
    Closed,
    /// Shown by the portal for cancelled jobs.
    Canceled,
    /// A value unknown to this SDK (kept verbatim). Neither cancel nor delete is allowed:
    /// the SDK refuses what it cannot prove safe.
    Unknown(String),
}

/// Stand-in for a job whose response carries no `properties.state` at all.
pub(crate) const MISSING_STATE: &str = "(no state in the response)";

impl JobState {
    /// Every state known to this SDK, in lifecycle order, then the terminal side states.
    pub const KNOWN: &'static [JobState] = &[
        JobState::Creating,
        JobState::Shipping,
        JobState::Received,
        JobState::Transferring,
        JobState::Packaging,
        JobState::Completed,
        JobState::Closed,
        JobState::Canceled,
    ];

    /// The wire value (for [`JobState::Unknown`], the value as received).
    pub fn as_str(&self) -> &str {
        match self {
            JobState::Creating => "Creating",
            JobState::Shipping => "Shipping",
            JobState::Received => "Received",
            JobState::Transferring => "Transferring",
            JobState::Packaging => "Packaging",
            JobState::Completed => "Completed",
            JobState::Closed => "Closed",
            JobState::Canceled => "Canceled",
            JobState::Unknown(value) => value,
        }
    }

    /// Whether a cancel may be requested: exactly `Creating`, `Shipping`, `Received` and
    /// `Transferring` (in `Transferring` the cancel is best-effort).
    pub fn can_cancel(&self) -> bool {
        matches!(
            self,
            JobState::Creating | JobState::Shipping | JobState::Received | JobState::Transferring
        )
    }

    /// Whether the job may be deleted: exactly `Creating` and `Completed`. Deleting loses
    /// the job, its state and its BitLocker keys for good.
    pub fn can_delete(&self) -> bool {
        matches!(self, JobState::Creating | JobState::Completed)
    }

    /// Position in the lifecycle line (`Creating` = 0 ... `Completed` = 5); `None` for
    /// `Closed`, `Canceled` and unknown states.
    pub fn lifecycle_rank(&self) -> Option<u8> {
        match self {
            JobState::Creating => Some(0),
            JobState::Shipping => Some(1),
            JobState::Received => Some(2),
            JobState::Transferring => Some(3),
            JobState::Packaging => Some(4),
            JobState::Completed => Some(5),
            JobState::Closed | JobState::Canceled | JobState::Unknown(_) => None,
        }
    }

    /// Whether the job can no longer change state: `Completed`, `Closed`, `Canceled`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Closed | JobState::Canceled
        )
    }

    /// Whether `target` can still be reached from this state. `false` when this state is
    /// terminal (and not the target) or later in the lifecycle line than the target;
    /// `true` when in doubt (unknown states keep a waiter polling until its timeout).
    pub fn can_reach(&self, target: &JobState) -> bool {
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

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for JobState {
    fn from(value: &str) -> Self {
        JobState::KNOWN
            .iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(value))
            .cloned()
            .unwrap_or_else(|| JobState::Unknown(value.to_owned()))
    }
}

impl From<String> for JobState {
    fn from(value: String) -> Self {
        match JobState::from(value.as_str()) {
            JobState::Unknown(_) => JobState::Unknown(value),
            known => known,
        }
    }
}

impl FromStr for JobState {
    type Err = std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(JobState::from(value))
    }
}

/// The generated enum and this one agree on the wire value; converting by string keeps
/// this crate independent of the generated variant list.
impl From<&models::JobState> for JobState {
    fn from(value: &models::JobState) -> Self {
        JobState::from(value.as_str())
    }
}

impl From<models::JobState> for JobState {
    fn from(value: models::JobState) -> Self {
        JobState::from(&value)
    }
}

impl Serialize for JobState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(JobState::from)
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
    fn parsing_round_trips_and_ignores_case() {
        for state in JobState::KNOWN {
            assert_eq!(&JobState::from(state.as_str()), state);
            assert_eq!(&JobState::from(state.as_str().to_uppercase()), state);
        }
        assert_eq!(JobState::from("New"), JobState::Unknown("New".into()));
        let generated = models::JobState::from("Packaging");
        assert_eq!(JobState::from(&generated), JobState::Packaging);
        let json = serde_json::to_string(&JobState::Transferring).unwrap();
        assert_eq!(json, "\"Transferring\"");
        let back: JobState = serde_json::from_str("\"Weird\"").unwrap();
        assert_eq!(back, JobState::Unknown("Weird".into()));
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
