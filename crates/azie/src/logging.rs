//! `tracing` output on stderr: `--verbose` (and `--debug`) turn on the SDK's decisions
//! (`azure_importexport` target) and azie's own (`azie` target: which credential, which
//! endpoint); `RUST_LOG` adds whatever else it names. Every line is scrubbed of known
//! secrets before it is written ([`ScrubbedStderr`]).

use crate::secrets::ScrubbedStderr;
use std::io::IsTerminal as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// The targets `--verbose` shows, at debug level.
const VERBOSE_DIRECTIVES: [&str; 2] = ["azure_importexport=debug", "azie=debug"];

/// Installs the subscriber when anything is to be shown.
pub fn init(verbose: bool) {
    let from_env = std::env::var_os("RUST_LOG").is_some();
    if !verbose && !from_env {
        return;
    }
    let mut filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::OFF.into())
        .from_env_lossy();
    if verbose {
        for directive in VERBOSE_DIRECTIVES {
            if let Ok(directive) = directive.parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(ScrubbedStderr::default)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .try_init();
}
