//! The fleet commands (DESIGN.md section 6): `jobs archive`, and `jobs cancel` / `jobs
//! delete` with `--all` or selectors instead of `RG NAME`.
//!
//! Every run goes the same way: select, plan (nothing is changed), show the plan,
//! stop there on `--dry-run`, confirm once (cancel and delete only), run with a progress
//! bar and Ctrl-C handling, print the report, and exit by what failed. The per-job
//! rules, the pacing against ARM's throttling and the interruption safety are the SDK's
//! ([`ImportExport::plan`], [`ImportExport::run_plan`]); this module only drives them.

mod render;

use super::confirm;
use crate::cli::{ArchiveArgs, CancelArgs, DeleteArgs, FleetRunArgs, GlobalArgs};
use crate::exit::CliError;
use crate::progress::FleetProgress;
use azure_importexport::{
    ArchiveSink, FleetAction, FleetEvent, FleetEventCallback, FleetOptions, FleetReport, FsArchive,
    ImportExport, JobSelector, Plan, SkipReason,
};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// `jobs cancel --all|SELECTORS`.
pub async fn cancel(
    global: &GlobalArgs,
    client: &ImportExport,
    args: &CancelArgs,
) -> Result<(), CliError> {
    let selector = args.selectors.require_some("cancel")?;
    let fleet = Fleet::new(global, client, Kind::Cancel, &args.run, args.yes);
    fleet.execute(selector, FleetAction::Cancel).await
}

/// `jobs delete --all|SELECTORS (--archive-dir DIR | --no-archive)`.
pub async fn delete(
    global: &GlobalArgs,
    client: &ImportExport,
    args: &DeleteArgs,
) -> Result<(), CliError> {
    let selector = args.selectors.require_some("delete")?;
    let archive = args.archive_choice()?.map(|dir| {
        let sink: Arc<dyn ArchiveSink> = Arc::new(fs_archive(dir, args.redact_personal_data));
        sink
    });
    let kind = Kind::Delete {
        archived: archive.is_some(),
    };
    let fleet = Fleet::new(global, client, kind, &args.run, args.yes);
    fleet
        .execute(selector, FleetAction::Delete { archive })
        .await
}

/// `jobs archive --all|SELECTORS --archive-dir DIR`: changes nothing on the service, so
/// it asks nothing.
pub async fn archive(
    global: &GlobalArgs,
    client: &ImportExport,
    args: &ArchiveArgs,
) -> Result<(), CliError> {
    let selector = args.selectors.require_some("archive")?;
    let sink = Arc::new(fs_archive(&args.archive_dir, args.redact_personal_data));
    let fleet = Fleet::new(global, client, Kind::Archive, &args.run, true);
    fleet.execute(selector, FleetAction::Archive { sink }).await
}

/// The archive under `dir`, redacting personal data when asked.
pub fn fs_archive(dir: &Path, redact_personal_data: bool) -> FsArchive {
    let archive = FsArchive::new(dir);
    if redact_personal_data {
        archive.redacting_personal_data()
    } else {
        archive
    }
}

/// Which fleet command runs, with the words each one is shown with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Cancel,
    Delete { archived: bool },
    Archive,
}

/// The words a fleet command is shown with.
struct Words {
    /// "cancel": what the command does to a job.
    verb: &'static str,
    /// The plan's word for a job it will act on.
    planned: &'static str,
    /// The report's word for a job it acted on.
    done: &'static str,
    /// The progress bar's label.
    doing: &'static str,
}

impl Kind {
    fn words(self) -> Words {
        let (verb, planned, done, doing) = match self {
            Kind::Cancel => ("cancel", "cancel", "cancel requested", "cancelling"),
            Kind::Delete { archived: true } => {
                ("delete", "archive, then delete", "deleted", "deleting")
            }
            Kind::Delete { archived: false } => {
                ("delete", "delete (no archive)", "deleted", "deleting")
            }
            Kind::Archive => ("archive", "archive", "archived", "archiving"),
        };
        Words {
            verb,
            planned,
            done,
            doing,
        }
    }

    /// Whether the run changes jobs on the service, and so is confirmed first.
    fn is_destructive(self) -> bool {
        self != Kind::Archive
    }
}

/// One fleet command, ready to run.
struct Fleet<'a> {
    global: &'a GlobalArgs,
    client: &'a ImportExport,
    kind: Kind,
    run: &'a FleetRunArgs,
    yes: bool,
}

impl<'a> Fleet<'a> {
    fn new(
        global: &'a GlobalArgs,
        client: &'a ImportExport,
        kind: Kind,
        run: &'a FleetRunArgs,
        yes: bool,
    ) -> Self {
        Fleet {
            global,
            client,
            kind,
            run,
            yes,
        }
    }

    async fn execute(&self, selector: JobSelector, action: FleetAction) -> Result<(), CliError> {
        let asks = self.kind.is_destructive() && !self.run.dry_run;
        if asks {
            // Before the listing: a run that cannot be confirmed sends nothing at all.
            confirm::check_can_confirm(&format!("{} jobs", self.kind.words().verb), self.yes)?;
        }
        // From here on, Ctrl-C is handled: before the run starts it ends the command
        // (nothing was changed yet), during the run it stops starting jobs.
        let interrupts = Interrupts::listen()?;
        let plan = self.client.plan(&selector, action, None).await?;
        render::plan(self.global.output, self.kind, &plan)?;
        if self.run.dry_run {
            return render::dry_run(self.global.output, &plan);
        }
        if asks && !plan.to_do.is_empty() {
            self.confirm(&plan)?;
        }
        let (report, stopped) = self.run_plan(plan, &interrupts).await;
        let status = exit_status(&report, stopped);
        render::report(self.global.output, self.kind, report)?;
        status
    }

    fn confirm(&self, plan: &Plan) -> Result<(), CliError> {
        let count = plan.to_do.len();
        let question = match self.kind {
            Kind::Delete { archived: true } => format!(
                "Delete {count} job(s), each archived first? They, their states and BitLocker keys are gone from the service for good afterwards."
            ),
            Kind::Delete { archived: false } => format!(
                "Delete {count} job(s) WITHOUT keeping any record? Their states and BitLocker keys are gone for good afterwards."
            ),
            Kind::Cancel => format!(
                "Request the cancel of {count} job(s)? For Transferring jobs it is best-effort: data may still be copied."
            ),
            Kind::Archive => format!("Archive {count} job(s)?"),
        };
        let declined = format!("nothing was {}: not confirmed", self.kind.words().done);
        confirm::confirm(self.kind.words().verb, &question, &declined, self.yes)
    }

    /// Runs the plan with a progress bar; `true` when stopped by Ctrl-C.
    async fn run_plan(&self, plan: Plan, interrupts: &Interrupts) -> (FleetReport, bool) {
        let progress = Arc::new(FleetProgress::start(
            plan.to_do.len(),
            self.kind.words().doing,
        ));
        let stop = interrupts.running(Arc::clone(&progress));
        let bar = Arc::clone(&progress);
        let on_event: FleetEventCallback = Arc::new(move |event: &FleetEvent| bar.event(event));
        let options = FleetOptions {
            concurrency: Some(self.run.concurrency),
            retry: None,
            on_event: Some(on_event),
            stop: Some(Arc::clone(&stop)),
            ..FleetOptions::default()
        };
        let report = self.client.run_plan(plan, Some(options)).await;
        progress.finish();
        (report, stop.load(Ordering::SeqCst))
    }
}

/// Ctrl-C for the whole command, registered once before the listing (once registered,
/// the signal no longer ends the process by itself). Before the run starts, the first
/// Ctrl-C ends the command: nothing that changes a job was sent yet. During the run it
/// sets the stop flag: no further job is started, the requests in flight finish, and
/// the report says exactly what was done. A second Ctrl-C quits at once (still safe:
/// each job is archived before its DELETE, and a rerun plans afresh).
struct Interrupts {
    stop: Arc<AtomicBool>,
    /// The run's progress bar, once the run has started.
    run: Arc<OnceLock<Arc<FleetProgress>>>,
}

impl Interrupts {
    fn listen() -> Result<Self, CliError> {
        let mut signals = interrupts()
            .map_err(|error| CliError::other(format!("cannot listen for Ctrl-C: {error}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let run: Arc<OnceLock<Arc<FleetProgress>>> = Arc::default();
        let (flag, running) = (Arc::clone(&stop), Arc::clone(&run));
        tokio::spawn(async move {
            if signals.recv().await.is_none() {
                return;
            }
            let Some(progress) = running.get() else {
                eprintln!("Interrupted before the run started: nothing was changed.");
                std::process::exit(i32::from(crate::exit::INTERRUPTED));
            };
            flag.store(true, Ordering::SeqCst);
            progress.say(
                "Stopping: no further job is started; waiting for the requests in flight (Ctrl-C again to quit now).",
            );
            if signals.recv().await.is_some() {
                progress.say("Quit: run the same command again to finish the work.");
                std::process::exit(i32::from(crate::exit::INTERRUPTED));
            }
        });
        Ok(Interrupts { stop, run })
    }

    /// The run starts: Ctrl-C now stops it through the returned flag.
    fn running(&self, progress: Arc<FleetProgress>) -> Arc<AtomicBool> {
        let _ = self.run.set(progress);
        Arc::clone(&self.stop)
    }
}

#[cfg(unix)]
fn interrupts() -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
}

#[cfg(windows)]
fn interrupts() -> std::io::Result<tokio::signal::windows::CtrlC> {
    tokio::signal::windows::ctrl_c()
}

/// 130 when stopped; else, when jobs failed, the code of their failure category, or 1
/// when they failed in different ways (no order of "severity" between a refusal and a
/// timeout would be obvious to a script); 0 otherwise (skips are not failures).
fn exit_status(report: &FleetReport, stopped: bool) -> Result<(), CliError> {
    if stopped || report.summary.interrupted {
        let not_started = report
            .skipped
            .iter()
            .filter(|skipped| skipped.reason == SkipReason::NotStarted)
            .count();
        return Err(CliError::interrupted(format!(
            "interrupted: {not_started} job(s) not started; run the same command again to finish"
        )));
    }
    let mut codes = report
        .failed
        .iter()
        .map(|failed| CliError::from_category(failed.category, "").code);
    let Some(first) = codes.next() else {
        return Ok(());
    };
    let code = if codes.all(|code| code == first) {
        first
    } else {
        crate::exit::OTHER
    };
    Err(CliError {
        code,
        message: format!(
            "{} of {} job(s) failed (see the report)",
            report.summary.failed,
            report.summary.done + report.summary.failed
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_importexport::{
        ErrorCategory, Failed, FleetError, FleetSummary, JobState, PlannedJob, RequestError,
    };
    use std::sync::Arc;

    /// A failure reported in `category` (the exit code reads only the category).
    fn failed(category: ErrorCategory) -> Failed {
        let error = RequestError::NotFound {
            operation: "list jobs".into(),
            code: None,
            message: String::new(),
        };
        Failed {
            job: PlannedJob {
                resource_group: "rg".into(),
                name: "j".into(),
                state: JobState::Completed,
                created_at: None,
            },
            category,
            message: String::new(),
            error: FleetError::Listing(Arc::new(error)),
        }
    }

    fn report(failed: Vec<Failed>) -> FleetReport {
        FleetReport {
            summary: FleetSummary {
                failed: failed.len(),
                ..FleetSummary::default()
            },
            failed,
            ..FleetReport::default()
        }
    }

    #[test]
    fn one_failure_category_gives_its_code_a_mix_gives_one() {
        assert!(exit_status(&report(vec![]), false).is_ok());
        let not_found = report(vec![failed(ErrorCategory::NotFound)]);
        assert_eq!(exit_status(&not_found, false).unwrap_err().code, 4);
        let mix = report(vec![
            failed(ErrorCategory::NotFound),
            failed(ErrorCategory::GaveUp),
        ]);
        assert_eq!(exit_status(&mix, false).unwrap_err().code, 1);
        assert_eq!(exit_status(&mix, true).unwrap_err().code, 130);
    }

    #[test]
    fn words() {
        assert_eq!(
            Kind::Delete { archived: false }.words().planned,
            "delete (no archive)"
        );
        assert!(!Kind::Archive.is_destructive());
    }
}
