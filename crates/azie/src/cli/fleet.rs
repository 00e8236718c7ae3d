//! Grammar of the commands that act on one job (`RG NAME`) or on a fleet of jobs
//! (`--all` or SELECTORS), DESIGN.md section 6. Clap keeps the two forms apart: the
//! positionals conflict with every selector and bulk-only flag, and single-job flags
//! require the positionals. What clap cannot say ("a selector or --all is required when
//! there are no positionals", "--archive-dir or --no-archive") is checked by
//! [`Selectors::require_some`] and [`DeleteArgs::archive_choice`] before anything is sent.

use super::{JobArgs, parse_duration, parse_name, parse_tag};
use crate::exit::CliError;
use azure_importexport::{DEFAULT_CONCURRENCY, JobSelector, JobState};
use clap::Args;
use clap::builder::TypedValueParser as _;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Clap's id for [`Selectors`]'s group (derive names it after the struct).
const SELECTORS: &str = "Selectors";
/// Clap's id for [`FleetRunArgs`]'s group.
const FLEET_RUN: &str = "FleetRunArgs";

/// Which jobs a fleet command acts on. Every selector given must hold; nothing selects
/// every job except `--all`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Selecting jobs (a fleet; at least one, or --all)")]
pub struct Selectors {
    /// Every job of the subscription.
    #[arg(long, conflicts_with_all = ["in_resource_group", "states", "older_than", "tags", "name_prefix"])]
    pub all: bool,
    /// Only the jobs of this resource group.
    #[arg(
        long = "resource-group",
        id = "in_resource_group",
        value_name = "RG",
        value_parser = parse_name
    )]
    pub in_resource_group: Option<String>,
    /// Only jobs in this state, any case (repeatable): Creating, Shipping, Received,
    /// Transferring, Packaging, Completed, Closed, Canceled.
    #[arg(long = "state", id = "states", value_name = "STATE", value_parser = parse_job_state)]
    pub states: Vec<JobState>,
    /// Only jobs last changed longer ago than this (systemData.lastModifiedAt, else
    /// createdAt), e.g. 60d, 12h.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub older_than: Option<Duration>,
    /// Only jobs carrying this tag with this value (repeatable: all must match).
    #[arg(long = "tag", id = "tags", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Only jobs whose name starts with this.
    #[arg(long, value_name = "PREFIX", value_parser = parse_name)]
    pub name_prefix: Option<String>,
}

impl Selectors {
    /// The SDK's selector, or a usage error when nothing was selected without `--all`
    /// (an empty selector would act on every job of the subscription).
    pub fn require_some(&self, verb: &str) -> Result<JobSelector, CliError> {
        let selector = self.selector()?;
        if !self.all && selector == JobSelector::default() {
            return Err(CliError::usage(format!(
                "say which jobs to {verb}: --resource-group, --state, --older-than, --tag or \
                 --name-prefix, or --all for every job of the subscription"
            )));
        }
        Ok(selector)
    }

    fn selector(&self) -> Result<JobSelector, CliError> {
        Ok(JobSelector {
            resource_group: self.in_resource_group.clone(),
            states: self.states.clone(),
            older_than: self.older_than,
            tags: tag_map(&self.tags)?,
            name_prefix: self.name_prefix.clone(),
        })
    }
}

/// Tags as a map; a key given twice with different values could never match.
fn tag_map(tags: &[(String, String)]) -> Result<BTreeMap<String, String>, CliError> {
    let mut map = BTreeMap::new();
    for (key, value) in tags {
        let earlier = map.insert(key.clone(), value.clone());
        if earlier.is_some_and(|earlier| earlier != *value) {
            return Err(CliError::usage(format!(
                "--tag {key} is given twice with different values; no job can match both"
            )));
        }
    }
    Ok(map)
}

/// How a fleet run goes (bulk only: each conflicts with `RG NAME`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Running on a fleet")]
pub struct FleetRunArgs {
    /// Show the plan (what would be done, what is skipped and why) and stop: only reads
    /// are sent.
    #[arg(long)]
    pub dry_run: bool,
    /// Jobs worked on at once. Requests are also paced by ARM's rate-limit headers, with
    /// one shared pause after a 429.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=64).map(usize::from))]
    pub concurrency: usize,
}

/// `RG NAME` of the single-job form, absent in the fleet form.
#[derive(Debug, Clone, Args)]
pub struct MaybeJobArgs {
    /// Resource group (single-job form).
    #[arg(value_parser = parse_name, requires = "name", conflicts_with_all = [SELECTORS, FLEET_RUN])]
    pub resource_group: Option<String>,
    /// Job name (single-job form).
    #[arg(value_parser = parse_name, requires = "resource_group")]
    pub name: Option<String>,
}

impl MaybeJobArgs {
    /// The one job named, or `None` for the fleet form.
    pub fn job(&self) -> Option<JobArgs> {
        Some(JobArgs {
            resource_group: self.resource_group.clone()?,
            name: self.name.clone()?,
        })
    }
}

/// `azie jobs cancel`: one job, or a fleet.
#[derive(Debug, Args)]
pub struct CancelArgs {
    #[command(flatten)]
    pub job: MaybeJobArgs,
    /// Single job: then wait until the job is Completed.
    #[arg(long, requires = "resource_group")]
    pub wait: bool,
    /// Single job: give up waiting after this long (e.g. 30m, 2h).
    #[arg(long, default_value = "1h", value_parser = parse_duration, requires = "resource_group")]
    pub timeout: Duration,
    /// Single job: at most this many PATCH requests, the first included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100),
          requires = "resource_group")]
    pub max_attempts: u32,
    /// Fleet: do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, conflicts_with = "resource_group")]
    pub yes: bool,
    #[command(flatten)]
    pub selectors: Selectors,
    #[command(flatten)]
    pub run: FleetRunArgs,
}

/// `azie jobs delete`: one job, or a fleet.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub job: MaybeJobArgs,
    /// Write each job's JSON, exactly as the service returned it, under this directory
    /// first; if that fails the job is not deleted. Fleet: this or --no-archive.
    #[arg(long, value_name = "DIR")]
    pub archive_dir: Option<PathBuf>,
    /// With --archive-dir: replace personal data (names, phones, e-mail and street
    /// addresses, carrier account and tracking numbers, drive ids) by "REDACTED" in
    /// what is written.
    #[arg(long, requires = "archive_dir", conflicts_with = "no_archive")]
    pub redact_personal_data: bool,
    /// Fleet: delete without keeping any record of the jobs.
    #[arg(long, conflicts_with_all = ["archive_dir", "resource_group"])]
    pub no_archive: bool,
    /// Single job: cancel first and wait for Completed.
    #[arg(long, requires = "resource_group")]
    pub cancel_first: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Single job, with --cancel-first: give up waiting after this long.
    #[arg(long, default_value = "1h", value_parser = parse_duration, requires = "resource_group")]
    pub timeout: Duration,
    #[command(flatten)]
    pub selectors: Selectors,
    #[command(flatten)]
    pub run: FleetRunArgs,
}

impl DeleteArgs {
    /// The fleet form's archive directory, `None` for `--no-archive`; one of the two
    /// must be said, so that deleting without a record is never an accident.
    pub fn archive_choice(&self) -> Result<Option<&PathBuf>, CliError> {
        match (&self.archive_dir, self.no_archive) {
            (None, false) => Err(CliError::usage(
                "say where the jobs go before they are deleted: --archive-dir DIR, or \
                 --no-archive to keep no record of them",
            )),
            (dir, _) => Ok(dir.as_ref()),
        }
    }
}

/// `azie jobs archive`.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Directory of the archive: DIR/<subscription>/<rg>/<job>/<createdAt>_<version>_<hash>.json.
    #[arg(long, value_name = "DIR")]
    pub archive_dir: PathBuf,
    /// Replace personal data (names, phones, e-mail and street addresses, carrier account
    /// and tracking numbers, drive ids) by "REDACTED"; files are named *.redacted.json.
    #[arg(long)]
    pub redact_personal_data: bool,
    #[command(flatten)]
    pub selectors: Selectors,
    #[command(flatten)]
    pub run: FleetRunArgs,
}

/// A state this SDK knows, any case (an unknown one could never be selected by mistake).
fn parse_job_state(value: &str) -> Result<JobState, String> {
    JobState::KNOWN
        .iter()
        .find(|known| known.as_str().eq_ignore_ascii_case(value))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = JobState::KNOWN.iter().map(JobState::as_str).collect();
            format!(
                "unknown state `{value}`; expected one of {}",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(all: bool, states: Vec<JobState>) -> Selectors {
        Selectors {
            all,
            in_resource_group: None,
            states,
            older_than: None,
            tags: Vec::new(),
            name_prefix: None,
        }
    }

    #[test]
    fn states_parse_in_any_case() {
        assert_eq!(parse_job_state("completed").unwrap(), JobState::Completed);
        assert_eq!(parse_job_state("CLOSED").unwrap(), JobState::Closed);
        assert!(
            parse_job_state("Archived")
                .unwrap_err()
                .contains("Canceled")
        );
    }

    #[test]
    fn nothing_selects_everything_only_with_all() {
        assert_eq!(
            selectors(false, vec![]).require_some("x").unwrap_err().code,
            2
        );
        assert_eq!(
            selectors(true, vec![]).require_some("x").unwrap(),
            JobSelector::default()
        );
        let picked = selectors(false, vec![JobState::Completed]).require_some("x");
        assert_eq!(picked.unwrap().states, [JobState::Completed]);
    }

    #[test]
    fn a_tag_key_given_twice_must_agree() {
        let tag = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(tag_map(&[tag("a", "1"), tag("a", "1")]).unwrap().len(), 1);
        assert!(tag_map(&[tag("a", "1"), tag("a", "2")]).is_err());
    }
}
