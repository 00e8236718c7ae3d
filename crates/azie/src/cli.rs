//! Command-line grammar (DESIGN.md section 6). Validation that clap cannot express lives
//! in the value parsers here, so that bad input is a usage error (exit 2) before anything
//! is sent. Every command's `--help` ends with examples ([`crate::help`]).

mod fleet;

pub use fleet::{ArchiveArgs, CancelArgs, DeleteArgs, FleetRunArgs};

use crate::cloud::Cloud;
use crate::help;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Azure Storage Import/Export from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "azie",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = help::ROOT
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags shared by every command (listed under their own heading in each `--help`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Azure subscription id.
    #[arg(long, global = true, env = "AZURE_SUBSCRIPTION_ID", value_parser = parse_name)]
    pub subscription: Option<String>,
    /// Service endpoint (https, or http to a loopback emulator) [default: the --cloud's ARM
    /// endpoint, https://management.azure.com].
    #[arg(
        long,
        global = true,
        env = "AZURE_IMPORTEXPORT_ENDPOINT",
        value_parser = parse_endpoint
    )]
    pub endpoint: Option<url::Url>,
    /// Azure cloud: sets the ARM endpoint (and so the token scope) and the sign-in authority
    /// host of the service-principal and workload-identity credentials. An explicit
    /// --endpoint still wins for the endpoint.
    #[arg(long, global = true, value_enum, ignore_case = true)]
    pub cloud: Option<Cloud>,
    /// api-version to send (default: the SDK's, 2021-01-01).
    #[arg(long, global = true)]
    pub api_version: Option<String>,
    /// Output format: `table` for people, `json` for scripts (one JSON document on stdout).
    #[arg(short, long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Sign in with this machine's managed identity (Azure VM, App Service, Functions),
    /// when neither AZURE_IMPORTEXPORT_TOKEN nor a service principal is configured.
    #[arg(long, global = true)]
    pub identity: bool,
    /// With --identity: the client id of a user-assigned managed identity (default: the
    /// system-assigned one).
    #[arg(long, global = true, requires = "identity", value_name = "CLIENT_ID")]
    pub identity_client_id: Option<String>,
    /// Log each HTTP request and response (method, URL, status, headers, elapsed time) on
    /// stderr, secrets redacted; implies --verbose.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Say on stderr which credential is used and what the SDK decides (states seen,
    /// refusals, retries and why, waits).
    #[arg(long, global = true)]
    pub verbose: bool,
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
    #[command(subcommand, after_help = help::JOBS)]
    Jobs(JobsCommand),
    /// List the BitLocker keys of a job's drives (shown as *** unless --show-secrets).
    #[command(after_help = help::BITLOCKER_KEYS)]
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
    #[command(subcommand, after_help = help::LOCATIONS)]
    Locations(LocationsCommand),
    /// Run the local emulator in the foreground (Ctrl-C to stop).
    #[cfg(feature = "emulator")]
    #[command(after_help = help::EMULATOR)]
    Emulator(crate::emulator_cmd::EmulatorArgs),
    /// The full job lifecycle against an embedded emulator: no account, no network.
    /// With `-o json` the narration goes to stderr and stdout is one JSON summary.
    #[cfg(feature = "emulator")]
    #[command(after_help = help::DEMO)]
    Demo,
    /// Print a shell completion script on stdout.
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `azie jobs ...`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs of the subscription, or of one resource group (all pages).
    #[command(after_help = help::JOBS_LIST)]
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
    #[command(after_help = help::JOBS_SHOW)]
    Show(JobArgs),
    /// Create a job from a PutJobParameters JSON body (PUT).
    ///
    /// The file is checked against the model first (an invalid file names the bad field,
    /// and nothing is sent), then sent exactly as written, unknown fields included. HTTP
    /// 201 and 200 are both success. Sent once, not retried.
    #[command(after_help = help::JOBS_CREATE)]
    Create {
        #[command(flatten)]
        job: JobArgs,
        /// The PutJobParameters JSON body.
        #[arg(long, value_name = "BODY.json")]
        file: PathBuf,
    },
    /// Update a job: mark its drives as shipped, change tags or other writable fields.
    ///
    /// The PATCH carries only the fields given, and never cancelRequested (cancelling is
    /// `azie jobs cancel`). It is sent once and not retried; it sets only the given fields,
    /// so running the same command again after a failure is safe.
    #[command(after_help = help::JOBS_UPDATE)]
    Update(UpdateArgs),
    /// Request cancellation of one job (allowed before Packaging; best-effort while
    /// Transferring), or of a fleet of jobs.
    ///
    /// Fleet form (--all or selectors instead of RG NAME): jobs whose state forbids a
    /// cancel, or whose cancel was requested already, are skipped with the reason and
    /// nothing is sent for them. The plan is printed first (--dry-run stops there), the
    /// run is confirmed once (--yes off a terminal), and the report ends it.
    #[command(after_help = help::JOBS_CANCEL)]
    Cancel(CancelArgs),
    /// Wait until a job reaches a state.
    #[command(after_help = help::JOBS_WAIT)]
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
    /// Delete one job (only in Creating or Completed), optionally archiving it first, or a
    /// fleet of jobs, each archived first (--archive-dir) or explicitly not (--no-archive).
    ///
    /// Fleet form (--all or selectors instead of RG NAME): jobs that are not Creating or
    /// Completed are skipped with the reason. The plan is printed first (--dry-run stops
    /// there), the run is confirmed once (--yes off a terminal), and the report ends it.
    /// Each job is archived before its DELETE: a run cut off at any point and started
    /// again finishes without deleting a job unarchived or archiving a version twice.
    #[command(after_help = help::JOBS_DELETE)]
    Delete(DeleteArgs),
    /// Archive the selected jobs' JSON under a directory, incrementally: only jobs whose
    /// JSON changed since their last archived version are written, and every version is
    /// kept, so a daily run keeps every job's record past the service's 90-day expiry.
    ///
    /// Changes nothing on the service (only reads), so it asks no confirmation.
    #[command(after_help = help::JOBS_ARCHIVE)]
    Archive(ArchiveArgs),
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

/// `azie jobs update`: each flag becomes one field of the PATCH body.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// Mark the drives as shipped. `Shipping` is the only state a client can set (to
    /// cancel, use `azie jobs cancel`). Needs a delivery package, given here or already
    /// on the job.
    #[arg(long, value_parser = parse_settable_state)]
    pub state: Option<String>,
    /// Carrier of the package sent to the datacenter, e.g. FedEx (with --tracking-number).
    #[arg(long, requires = "tracking_number")]
    pub carrier_name: Option<String>,
    /// Tracking number of that package (with --carrier-name).
    #[arg(long, requires = "carrier_name")]
    pub tracking_number: Option<String>,
    /// Number of drives in that package.
    #[arg(long, requires = "carrier_name")]
    pub drive_count: Option<u32>,
    /// Date the package was shipped, e.g. 2024-05-01.
    #[arg(long, requires = "carrier_name")]
    pub ship_date: Option<String>,
    /// A tag (repeatable). The job's tags become exactly the tags given (with --file's):
    /// ARM replaces the whole set.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// An UpdateJobParameters JSON body (e.g. a new returnAddress); the flags are applied on
    /// top of it. It may not contain properties.cancelRequested.
    #[arg(long, value_name = "PATCH.json")]
    pub file: Option<PathBuf>,
}

/// `azie locations ...`
#[derive(Debug, Subcommand)]
pub enum LocationsCommand {
    /// List locations.
    #[command(after_help = help::LOCATIONS_LIST)]
    List,
    /// Show one location.
    #[command(after_help = help::LOCATIONS_SHOW)]
    Show {
        /// Location name, e.g. westus or "West US".
        #[arg(value_parser = parse_location)]
        name: String,
    },
}

/// Resource names and subscription ids: no `/`, whitespace, control characters, `?` or
/// `#`, 1..=90 chars, and not `.` or `..` (a URL path segment that would climb out of
/// the resource's path).
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

/// The only state a client may set. Anything else is refused before a request is sent.
fn parse_settable_state(value: &str) -> Result<String, String> {
    if value.eq_ignore_ascii_case("Shipping") {
        return Ok("Shipping".to_owned());
    }
    Err(format!(
        "`{value}` cannot be set: `Shipping` (the drives were sent) is the only state a client sets; to cancel a job use `azie jobs cancel`"
    ))
}

/// `KEY=VALUE`, with a non-empty key.
fn parse_tag(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, tag)) if !key.trim().is_empty() => Ok((key.to_owned(), tag.to_owned())),
        _ => Err(format!("`{value}` is not KEY=VALUE")),
    }
}

/// `30s`, `5m`, `1h 30m`, `250ms`.
pub(crate) fn parse_duration(value: &str) -> Result<Duration, String> {
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
    fn only_shipping_can_be_set_and_tags_need_a_key() {
        assert_eq!(parse_settable_state("shipping").unwrap(), "Shipping");
        for bad in ["Completed", "Canceled", "Creating", ""] {
            let error = parse_settable_state(bad).unwrap_err();
            assert!(error.contains("jobs cancel"), "{error}");
        }
        assert_eq!(
            parse_tag("env=prod=1").unwrap(),
            ("env".to_owned(), "prod=1".to_owned())
        );
        assert_eq!(parse_tag("empty=").unwrap().1, "");
        assert!(parse_tag("=x").is_err() && parse_tag("novalue").is_err());
    }

    #[test]
    fn every_command_has_examples() {
        use clap::CommandFactory;
        fn check(command: &clap::Command, path: &str) {
            let help = command.get_after_help().map(ToString::to_string);
            assert!(
                help.as_deref().is_some_and(|h| h.contains("azie ")),
                "`{path}` has no examples"
            );
            for sub in command.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        check(&Cli::command(), "azie");
    }

    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
