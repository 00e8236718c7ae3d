//! Errors of the emulator's Rust API (not HTTP errors, which are ARM JSON bodies).

/// An error returned by the test-facing methods of [`Emulator`](crate::Emulator).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmulatorError {
    /// No job with that subscription, resource group and name exists.
    #[error(
        "job '{name}' not found in subscription '{subscription}', resource group '{resource_group}'"
    )]
    JobNotFound {
        /// Subscription id.
        subscription: String,
        /// Resource group name.
        resource_group: String,
        /// Job name.
        name: String,
    },
    /// The job's lifecycle never passes through the requested state from where it is now.
    #[error(
        "job '{name}' cannot reach state '{target}' from state '{current}' by advancing the clock"
    )]
    Unreachable {
        /// Job name.
        name: String,
        /// The job's state when the call was made (`<none>` if it has no state).
        current: String,
        /// The requested state.
        target: String,
    },
    /// The stored job is not a JSON object (it was seeded that way with `insert_job`).
    #[error("job '{name}' is stored as a JSON value that is not an object")]
    InvalidJobBody {
        /// Job name.
        name: String,
    },
    /// A seed file ([`Emulator::seed_from_json`](crate::Emulator::seed_from_json)) is
    /// not what it should be; nothing was stored.
    #[error("invalid seed file{}: {reason}", entry.map(|i| format!(" (entry {i})")).unwrap_or_default())]
    InvalidSeed {
        /// Index of the faulty entry (from 0), or `None` when the file as a whole is wrong.
        entry: Option<usize>,
        /// What is wrong.
        reason: String,
    },
}
