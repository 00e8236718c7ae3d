//! Command-line grammar (DESIGN.md section 6). Validation that clap cannot express lives
//! in the value parsers here, so that bad input is a usage error (exit 2) before anything
//! is sent.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Azure Storage Import/Export from the command line.
///
/// Credential: `AZURE_IMPORTEXPORT_TOKEN` (a static bearer token) if set, else the Azure
/// developer tools (Azure CLI / azd login). Exit codes: 0 success, 2 usage error, 3 refused
/// by job state, 4 job not found, 5 gave up after retries or timeout, 1 any other error.
#[derive(Debug, Parser)]
#[command(name = "azie", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Azure subscription id.
    #[arg(long, global = true, env = "AZURE_SUBSCRIPTION_ID")]
    pub subscription: Option<String>,
    /// Service endpoint (https, or http to a loopback emulator).
    #[arg(
        long,
        global = true,
        env = "AZURE_IMPORTEXPORT_ENDPOINT",
        default_value = "https://management.azure.com",
        value_parser = parse_endpoint
    )]
    pub endpoint: url::Url,
    /// api-version to send (default: the SDK's, 2021-01-01).
    #[arg(long, global = true)]
    pub api_version: Option<String>,
    /// Output format: `table` for people, `json` for scripts (one JSON document on stdout).
    #[arg(short, long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable table.
    Table,
    /// Exactly one JSON document on stdout.
    Json,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with import/export jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// List the BitLocker keys of a job's drives (shown as *** unless --show-secrets).
    BitlockerKeys {
        /// Resource group.
        #[arg(value_parser = parse_name)]
        resource_group: String,
        /// Job name.
        #[arg(value_parser = parse_name)]
        name: String,
        /// Print the keys themselves.
        #[arg(long)]
        show_secrets: bool,
    },
    /// Datacenter locations to ship drives to.
    #[command(subcommand)]
    Locations(LocationsCommand),
    /// Run the local emulator in the foreground (Ctrl-C to stop).
    Emulator {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Virtual time that passes per real second (e.g. `1h`: a lifecycle step of one
        /// virtual day takes 24 real seconds).
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        speed: Duration,
    },
    /// The full job lifecycle against an embedded emulator: no account, no network.
    /// With `-o json` the narration goes to stderr and stdout is one JSON summary.
    Demo,
}

/// `azie jobs ...`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs of the subscription, or of one resource group (all pages).
    List {
        /// Only this resource group.
        #[arg(long, value_parser = parse_name)]
        resource_group: Option<String>,
        /// At most this many jobs.
        #[arg(long)]
        top: Option<i32>,
        /// OData filter, e.g. "state eq 'Shipping'".
        #[arg(long)]
        filter: Option<String>,
    },
    /// Show one job.
    Show(JobArgs),
    /// Request cancellation (allowed before Packaging; best-effort while Transferring).
    Cancel {
        #[command(flatten)]
        job: JobArgs,
        /// Then wait until the job is Completed.
        #[arg(long)]
        wait: bool,
        /// Give up waiting after this long (e.g. 30m, 2h).
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        timeout: Duration,
        /// At most this many PATCH requests, the first included.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        max_attempts: u32,
    },
    /// Wait until a job reaches a state.
    Wait {
        #[command(flatten)]
        job: JobArgs,
        /// Target state (Creating, Shipping, Received, Transferring, Packaging, Completed).
        #[arg(long)]
        state: String,
        /// Give up after this long (e.g. 30m, 2h).
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// Delete a job (only in Creating or Completed), optionally archiving it first.
    Delete {
        #[command(flatten)]
        job: JobArgs,
        /// Write the job's JSON, exactly as the service returned it, under this directory
        /// first; if that fails nothing is deleted.
        #[arg(long)]
        archive_dir: Option<PathBuf>,
        /// Cancel first and wait for Completed.
        #[arg(long)]
        cancel_first: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// With --cancel-first: give up waiting after this long.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        timeout: Duration,
    },
}

/// One job.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Resource group.
    #[arg(value_parser = parse_name)]
    pub resource_group: String,
    /// Job name.
    #[arg(value_parser = parse_name)]
    pub name: String,
}

/// `azie locations ...`
#[derive(Debug, Subcommand)]
pub enum LocationsCommand {
    /// List locations.
    List,
    /// Show one location.
    Show {
        /// Location name, e.g. westus or "West US".
        #[arg(value_parser = parse_location)]
        name: String,
    },
}

/// Resource names: no `/`, whitespace, control characters, `?` or `#`, 1..=90 chars,
/// and not `.` or `..` (a URL path segment that would climb out of the resource's path).
fn parse_name(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > 90 {
        return Err("must be 1 to 90 characters".into());
    }
    if matches!(value, "." | "..") {
        return Err(format!("`{value}` is not a resource name"));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '\\' | '?' | '#' | '%'))
    {
        return Err(format!("must not contain {bad:?}"));
    }
    Ok(value.to_owned())
}

/// Location names may contain spaces ("West US"), nothing else that `parse_name` refuses.
fn parse_location(value: &str) -> Result<String, String> {
    parse_name(&value.replace(' ', "-")).map(|_| value.to_owned())
}

/// `30s`, `5m`, `1h 30m`, `250ms`.
fn parse_duration(value: &str) -> Result<Duration, String> {
    humantime::parse_duration(value).map_err(|e| format!("{e} (examples: 30s, 5m, 2h)"))
}

/// A URL with an http(s) scheme and a host.
fn parse_endpoint(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http(s) URL with a host".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reject_path_characters() {
        assert!(parse_name("my-rg_1").is_ok());
        assert!(parse_name("a.b").is_ok() && parse_name("...").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "a?b", "a#b", "a%2F", "tab\t"] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn endpoints_parse() {
        assert!(parse_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(parse_endpoint("not a url").is_err());
        assert!(parse_endpoint("ftp://x").is_err());
    }

    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
