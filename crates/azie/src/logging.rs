//! `tracing` output on stderr: `--verbose` (and `--debug`) turn on the SDK's decisions
//! (`azure_importexport` target) and azie's own (`azie` target: which credential, which
//! endpoint); `RUST_LOG` adds whatever else it names. Every line is scrubbed of known
//! secrets before it is written ([`ScrubbedStderr`]).

use crate::secrets::ScrubbedStderr;
use std::io::IsTerminal as _;
use tracing::Level;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The targets `--verbose` shows, at debug level.
const VERBOSE_TARGETS: [&str; 2] = ["azure_importexport", "azie"];

/// Installs the subscriber when anything is to be shown.
pub fn init(verbose: bool) {
    let rust_log = std::env::var("RUST_LOG").ok();
    if !verbose && rust_log.is_none() {
        return;
    }
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(ScrubbedStderr::default)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_filter(filter(rust_log.as_deref(), verbose));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// `RUST_LOG`'s `target=level` and `level` directives (a `Targets` filter: no regex
/// engine in the build, where `EnvFilter` brings one), plus the `--verbose` targets.
/// Like `EnvFilter::from_env_lossy`, a directive that does not parse is skipped; nothing
/// is shown by default.
fn filter(rust_log: Option<&str>, verbose: bool) -> Targets {
    let mut targets = Targets::new().with_default(LevelFilter::OFF);
    let directives = rust_log.unwrap_or_default().split(',').map(str::trim);
    for directive in directives.filter(|d| !d.is_empty()) {
        let Ok(parsed) = directive.parse::<Targets>() else {
            continue;
        };
        if let Some(level) = parsed.default_level() {
            targets = targets.with_default(level);
        }
        targets.extend(
            parsed
                .iter()
                .map(|(target, level)| (target.to_owned(), level)),
        );
    }
    if verbose {
        for target in VERBOSE_TARGETS {
            if !targets.would_enable(target, &Level::DEBUG) {
                targets = targets.with_target(target, LevelFilter::DEBUG);
            }
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_directives_and_verbose_targets() {
        let f = filter(Some("warn, hyper=trace, not a directive=,azie=info"), true);
        assert_eq!(f.default_level(), Some(LevelFilter::WARN));
        assert!(f.would_enable("other", &Level::WARN));
        assert!(!f.would_enable("other", &Level::INFO));
        assert!(f.would_enable("hyper::proto", &Level::TRACE));
        assert!(f.would_enable("azie", &Level::DEBUG));
        assert!(!f.would_enable("azie", &Level::TRACE));
        assert!(f.would_enable("azure_importexport::cancel", &Level::DEBUG));
        let quiet = filter(None, false);
        assert!(!quiet.would_enable("azie", &Level::ERROR));
        let trace = filter(Some("azure_importexport=trace"), true);
        assert!(trace.would_enable("azure_importexport", &Level::TRACE));
    }
}
