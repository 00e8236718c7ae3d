//! `azie jobs ...`: reads, cancel, wait and delete of one job here; the single-shot
//! writes in [`create`] and [`update`], with their shared body handling in [`body`]; the
//! fleet forms of cancel and delete, and archive, in [`fleet`].

mod body;
mod confirm;
mod create;
mod fleet;
mod update;

use crate::cli::{DeleteArgs, GlobalArgs, JobArgs, JobsCommand, OutputFormat};
use crate::context;
use crate::exit::CliError;
use crate::output::{self, Table};
use crate::progress::{Progress, format_elapsed};
use azure_importexport::{
    CancelAndDeleteOptions, CancelOptions, CancelOutcome, DeleteOptions, Job, JobRef, JobState,
    JobStateExt as _, WaitError, WaitOptions, WaitTarget,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

pub async fn run(global: &GlobalArgs, command: JobsCommand) -> Result<(), CliError> {
    let client = context::client(global)?;
    match command {
        JobsCommand::List {
            resource_group,
            top,
            filter,
        } => {
            let jobs = client
                .list_jobs(Some(azure_importexport::ListJobsOptions {
                    resource_group: resource_group.as_deref().map(str::to_owned),
                    top: top.map(i64::from),
                    filter: filter.as_deref().map(str::to_owned),
                    ..Default::default()
                }))
                .await?;
            let values: Vec<Value> = jobs.iter().map(Job::redacted_json).collect();
            match global.output {
                OutputFormat::Json => output::print_json(&Value::Array(values))?,
                OutputFormat::Table => output::jobs_table(&values).print()?,
            }
        }
        JobsCommand::Show(job) => {
            let job = job_ref(&client, &job).get(None).await?;
            print_job(global.output, &job)?;
        }
        JobsCommand::Create { job, file } => {
            let job = create::run(&job_ref(&client, &job), &file).await?;
            print_job(global.output, &job)?;
        }
        JobsCommand::Update(args) => {
            let job = update::run(&job_ref(&client, &args.job), &args).await?;
            print_job(global.output, &job)?;
        }
        JobsCommand::Cancel(args) => match args.job.job() {
            Some(job) => {
                let job_ref = job_ref(&client, &job);
                cancel(global, &job_ref, args.wait, args.timeout, args.max_attempts).await?
            }
            None => fleet::cancel(global, &client, &args).await?,
        },
        JobsCommand::Wait {
            job,
            state,
            timeout,
        } => {
            let target = waitable_state(&state)?;
            let job_ref = job_ref(&client, &job);
            let job = wait_for(&job_ref, target, timeout).await?;
            print_job(global.output, &job)?;
        }
        JobsCommand::Delete(args) => match args.job.job() {
            Some(job) => delete(global, &job_ref(&client, &job), &args).await?,
            None => fleet::delete(global, &client, &args).await?,
        },
        JobsCommand::Archive(args) => fleet::archive(global, &client, &args).await?,
    }
    Ok(())
}

fn job_ref(client: &azure_importexport::ImportExport, job: &JobArgs) -> JobRef {
    client.job(&job.resource_group, &job.name)
}

/// `jobs delete RG NAME`: one job, confirmed, archived first when asked.
async fn delete(global: &GlobalArgs, job_ref: &JobRef, args: &DeleteArgs) -> Result<(), CliError> {
    confirm_delete(job_ref, args.yes)?;
    let mut delete = DeleteOptions::default();
    if let Some(dir) = &args.archive_dir {
        delete = delete.with_archive(fleet::fs_archive(dir, args.redact_personal_data));
    }
    let outcome = if args.cancel_first {
        let options = CancelAndDeleteOptions {
            wait: progress_wait_options(job_ref),
            delete,
            ..Default::default()
        };
        let outcome = job_ref
            .cancel_and_delete(args.timeout, Some(options))
            .await?;
        output::to_json(&outcome.delete)?
    } else {
        output::to_json(&job_ref.safe_delete(Some(delete)).await?)?
    };
    match global.output {
        OutputFormat::Json => output::print_json(&outcome)?,
        OutputFormat::Table => print_deleted(job_ref, &outcome),
    }
    Ok(())
}

/// The table form of a delete outcome (`outcome` is its JSON form): what was deleted,
/// by whom, and the job of the same name that was left alone.
fn print_deleted(job_ref: &JobRef, outcome: &Value) {
    let label = format!("{}/{}", job_ref.resource_group(), job_ref.name());
    let archived = outcome["archivedTo"]
        .as_str()
        .map(|p| format!(" (archived to {p})"))
        .unwrap_or_default();
    if outcome["removedByAnotherActor"] == true {
        println!(
            "{label} is gone: another actor removed it after it was checked, before this DELETE{archived}"
        );
    } else if outcome["deletedByEarlierAttempt"] == true {
        println!(
            "Deleted {label}{archived} (by a DELETE whose reply was lost; the job was found gone)"
        );
    } else {
        println!("Deleted {label}{archived}");
    }
    let left_alone = &outcome["sameNameJobLeftAlone"];
    if left_alone.is_object() {
        println!(
            "A new job named {label} (created at {}, state {}) exists: it was never checked, and it was left alone.",
            output::text_at(left_alone, "/createdAt"),
            output::text_at(left_alone, "/state")
        );
    }
}

async fn cancel(
    global: &GlobalArgs,
    job_ref: &JobRef,
    wait: bool,
    timeout: Duration,
    max_attempts: u32,
) -> Result<(), CliError> {
    let retry = job_ref
        .client()
        .retry_policy()
        .clone()
        .with_max_attempts(max_attempts);
    let outcome = job_ref
        .cancel(Some(CancelOptions {
            retry: Some(retry),
            ..Default::default()
        }))
        .await?;
    if outcome.already_requested {
        eprintln!(
            "Cancellation was already requested for {}/{}.",
            job_ref.resource_group(),
            job_ref.name()
        );
    }
    if outcome.data_may_still_transfer {
        eprintln!(
            "warning: the job was Transferring: cancellation is best-effort and data may still be transferred."
        );
    }
    let mut value = output::to_json(&outcome)?;
    if !wait {
        return print_cancel(global.output, job_ref, &outcome, &value, None);
    }
    // The cancel is done whatever the wait does, so its outcome is printed before a failed
    // wait is reported: a script can tell "cancelled, not Completed yet" from "gave up".
    let waited = wait_typed(
        job_ref,
        JobState::Completed,
        timeout,
        progress_wait_options(job_ref),
    )
    .await;
    value["finalState"] = json!(waited.as_ref().ok().map(Job::state));
    value["waitTimedOut"] = json!(matches!(waited, Err(WaitError::Timeout { .. })));
    print_cancel(global.output, job_ref, &outcome, &value, Some(&waited))?;
    waited.map(drop).map_err(CliError::from)
}

/// The cancel outcome (`value` is its JSON form, with the wait's result when waited).
fn print_cancel(
    format: OutputFormat,
    job_ref: &JobRef,
    outcome: &CancelOutcome,
    value: &Value,
    waited: Option<&Result<Job, WaitError>>,
) -> Result<(), CliError> {
    if format == OutputFormat::Json {
        return output::print_json(value);
    }
    let label = format!("{}/{}", job_ref.resource_group(), job_ref.name());
    let mut table = Table::new(&[
        "JOB",
        "STATE AT REQUEST",
        "DATA MAY STILL TRANSFER",
        "PATCH ATTEMPTS",
    ]);
    table.row(vec![
        label.clone(),
        outcome.state_at_request.to_string(),
        outcome.data_may_still_transfer.to_string(),
        outcome.patch_attempts.to_string(),
    ]);
    table.print()?;
    match waited {
        None => {}
        Some(Ok(job)) => println!("Cancellation requested; {label} is {}.", job.state()),
        Some(Err(WaitError::Timeout { .. })) => {
            println!("Cancellation requested, but the wait for {label} to be Completed timed out.")
        }
        Some(Err(_)) => {
            println!("Cancellation requested, but waiting for {label} to be Completed failed.")
        }
    }
    Ok(())
}

/// A state of the lifecycle line (the states a wait can target), any case.
fn waitable_state(state: &str) -> Result<JobState, CliError> {
    let lifecycle = JobState::lifecycle();
    lifecycle
        .iter()
        .find(|known| known.as_str().eq_ignore_ascii_case(state))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = lifecycle.iter().map(JobState::as_str).collect();
            CliError::usage(format!(
                "unknown --state `{state}`; expected one of {}",
                names.join(", ")
            ))
        })
}

/// Wait options whose progress callback reports on stderr.
pub fn progress_wait_options(job_ref: &JobRef) -> WaitOptions<'static> {
    let progress = Arc::new(Progress::start(&format!(
        "{}/{}",
        job_ref.resource_group(),
        job_ref.name()
    )));
    WaitOptions::default().on_progress(move |p| {
        let state = match p.percent_complete {
            Some(percent) if p.state == JobState::Transferring => {
                format!("{} ({percent}%)", p.state)
            }
            _ => p.state.to_string(),
        };
        progress.state(&state, p.elapsed);
    })
}

/// Waits for `target`, reporting progress on stderr.
pub async fn wait_for(
    job_ref: &JobRef,
    target: JobState,
    timeout: Duration,
) -> Result<Job, CliError> {
    wait_with(job_ref, target, timeout, progress_wait_options(job_ref)).await
}

/// [`wait_for`] with explicit options (the demo polls an emulator faster than Azure).
pub async fn wait_with(
    job_ref: &JobRef,
    target: JobState,
    timeout: Duration,
    options: WaitOptions<'_>,
) -> Result<Job, CliError> {
    Ok(wait_typed(job_ref, target, timeout, options).await?)
}

/// Waits, saying on stderr when the target is reached; the error stays typed so that
/// callers can tell a timeout apart.
async fn wait_typed(
    job_ref: &JobRef,
    target: JobState,
    timeout: Duration,
    options: WaitOptions<'_>,
) -> Result<Job, WaitError> {
    let started = std::time::Instant::now();
    let job = job_ref
        .wait_until(WaitTarget::State(target), timeout, Some(options))
        .await?;
    eprintln!(
        "{}/{} is {} (waited {})",
        job_ref.resource_group(),
        job_ref.name(),
        job.state(),
        format_elapsed(started.elapsed())
    );
    Ok(job)
}

fn print_job(format: OutputFormat, job: &Job) -> Result<(), CliError> {
    let value = job.redacted_json();
    match format {
        OutputFormat::Json => output::print_json(&value)?,
        OutputFormat::Table => {
            let mut table = Table::new(&["FIELD", "VALUE"]);
            for (field, pointer) in [
                ("name", "/name"),
                ("id", "/id"),
                ("location", "/location"),
                ("type", "/properties/jobType"),
                ("state", "/properties/state"),
                ("cancel requested", "/properties/cancelRequested"),
                ("percent complete", "/properties/percentComplete"),
                ("storage account", "/properties/storageAccountId"),
                ("provisioning state", "/properties/provisioningState"),
            ] {
                table.row(vec![field.to_owned(), output::text_at(&value, pointer)]);
            }
            table.print()?;
        }
    }
    Ok(())
}

/// `--yes`, or an interactive "y"; refuses (usage error) when stdin is not a terminal.
fn confirm_delete(job_ref: &JobRef, yes: bool) -> Result<(), CliError> {
    let question = format!(
        "Delete job {}/{}? Its state and BitLocker keys are gone for good afterwards.",
        job_ref.resource_group(),
        job_ref.name()
    );
    confirm::confirm("delete", &question, "not deleted: not confirmed", yes)
}
