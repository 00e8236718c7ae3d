//! Exit codes (DESIGN.md section 6) and one-line error reports on stderr.

use azure_importexport::{CategorizedError, ErrorCategory};
use std::process::ExitCode;

/// 2: usage error (bad flags, arguments, names, endpoints; nothing was sent).
pub const USAGE: u8 = 2;
/// 3: refused by the job's state (cancel too late, delete not allowed).
pub const REFUSED_BY_STATE: u8 = 3;
/// 4: job (or location) not found.
pub const NOT_FOUND: u8 = 4;
/// 5: gave up after retries, or a wait timed out.
pub const GAVE_UP: u8 = 5;
/// 1: anything else.
pub const OTHER: u8 = 1;
/// 130: stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    /// Process exit code.
    pub code: u8,
    /// One line for stderr.
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: USAGE,
            message: message.into(),
        }
    }

    /// Writing to stdout or a file failed (exit 1).
    pub fn io(error: std::io::Error) -> Self {
        CliError::other(error.to_string())
    }

    /// Gave up: a transient failure outlasted what was allowed (exit 5).
    pub fn gave_up(message: impl Into<String>) -> Self {
        CliError {
            code: GAVE_UP,
            message: message.into(),
        }
    }

    /// Any other error (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        CliError {
            code: OTHER,
            message: message.into(),
        }
    }

    /// Stopped by Ctrl-C (exit 130).
    pub fn interrupted(message: impl Into<String>) -> Self {
        CliError {
            code: INTERRUPTED,
            message: message.into(),
        }
    }

    /// An SDK error, mapped by its category.
    pub fn from_category(category: ErrorCategory, message: impl Into<String>) -> Self {
        let code = match category {
            ErrorCategory::RefusedByState => REFUSED_BY_STATE,
            ErrorCategory::NotFound => NOT_FOUND,
            ErrorCategory::GaveUp => GAVE_UP,
            _ => OTHER,
        };
        CliError {
            code,
            message: message.into(),
        }
    }

    /// Prints the message (one line, scrubbed of every secret azie knows) and returns
    /// the exit code.
    pub fn report(self) -> ExitCode {
        let single_line = self.message.replace('\n', " ");
        eprintln!("error: {}", crate::secrets::scrub(&single_line));
        ExitCode::from(self.code)
    }
}

/// Lets `?` turn any categorised SDK error into a [`CliError`].
impl<E: CategorizedError> From<E> for CliError {
    fn from(error: E) -> Self {
        CliError::from_category(error.category(), error.to_string())
    }
}
