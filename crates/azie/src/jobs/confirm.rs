//! Asking before a destructive command: `--yes`, or a "y" typed on a terminal. Off a
//! terminal (scripts, CI) there is nobody to ask, so the command is refused before
//! anything is sent unless `--yes` says it was meant.

use crate::exit::CliError;
use std::io::{BufRead, IsTerminal, Write};

/// Refuses (usage error, nothing sent) when a confirmation would be needed and cannot be
/// asked: no `--yes` and stdin is not a terminal. `verb` completes "refusing to ...".
pub fn check_can_confirm(verb: &str, yes: bool) -> Result<(), CliError> {
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "refusing to {verb} without confirmation: stdin is not a terminal; pass --yes"
    )))
}

/// Asks `question` on stderr (once) unless `yes`; anything but y/yes is a refusal,
/// reported as `declined` (exit 1).
pub fn confirm(verb: &str, question: &str, declined: &str, yes: bool) -> Result<(), CliError> {
    check_can_confirm(verb, yes)?;
    if yes {
        return Ok(());
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().map_err(CliError::io)?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(CliError::io)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::other(declined))
    }
}
