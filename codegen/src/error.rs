//! Errors of the generator. Every error that comes from the spec names the file and the
//! JSON pointer of the offending node, so a maintainer can jump straight to it.

use std::path::PathBuf;

/// Result alias for the generator.
pub type Result<T, E = CodegenError> = std::result::Result<T, E>;

/// What went wrong while loading a spec or generating code.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON (or TOML for configs).
    #[error("{path} is not valid {format}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// `JSON` or `TOML`.
        format: &'static str,
        /// Parser message with line and column.
        message: String,
    },
    /// A construct in the spec is invalid or not supported, at `file#pointer`.
    #[error("{file}#{pointer}: {message}")]
    Spec {
        /// The spec file (as given to the generator).
        file: String,
        /// JSON pointer of the offending node.
        pointer: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// A spec file differs from the one pinned in the lock.
    #[error(
        "{path}: sha256 {actual} does not match the lock ({expected}); update specs/upstream.lock deliberately if the upgrade is intended"
    )]
    LockMismatch {
        /// Relative path of the spec file.
        path: String,
        /// sha256 recorded in the lock.
        expected: String,
        /// sha256 of the file on disk.
        actual: String,
    },
    /// A spec file that generation needs is not pinned in the lock.
    #[error("{path} is not pinned in specs/upstream.lock")]
    NotLocked {
        /// Relative path of the spec file.
        path: String,
    },
    /// The codegen configuration is inconsistent.
    #[error("codegen config: {0}")]
    Config(String),
    /// Emitted tokens did not parse as Rust (a generator bug).
    #[error("internal error: generated code for {what} does not parse: {message}")]
    Emit {
        /// Which file.
        what: String,
        /// syn's message.
        message: String,
    },
}

impl CodegenError {
    /// A spec error at `file#pointer`.
    pub fn spec(file: &str, pointer: &str, message: impl Into<String>) -> Self {
        CodegenError::Spec {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }
}
