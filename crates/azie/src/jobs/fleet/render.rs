//! What a fleet run prints: the plan (a table; on stderr with `-o json`, so that stdout
//! stays one JSON document), the dry run's document, and the report.

use super::Kind;
use crate::cli::OutputFormat;
use crate::exit::CliError;
use crate::output::{self, Table};
use azure_importexport::{FleetReport, Plan, PlannedJob};
use serde_json::json;
use std::io::Write;

/// Shows the plan: a table of every selected job, with what will be done or why it is
/// skipped, then one line of counts on stderr.
pub fn plan(format: OutputFormat, kind: Kind, plan: &Plan) -> Result<(), CliError> {
    let table = plan_table(kind, plan).render();
    match format {
        OutputFormat::Table => write_out(&table)?,
        OutputFormat::Json => eprint!("{table}"),
    }
    eprintln!(
        "Plan: {} job(s) to {}, {} skipped.",
        plan.to_do.len(),
        kind.words().verb,
        plan.skipped.len()
    );
    Ok(())
}

fn plan_table(kind: Kind, plan: &Plan) -> Table {
    let mut table = Table::new(&["JOB", "STATE", "PLAN", "WHY SKIPPED"]);
    for job in &plan.to_do {
        table.row(row(job, kind.words().planned, String::new()));
    }
    for skipped in &plan.skipped {
        table.row(row(&skipped.job, "skip", skipped.reason.to_string()));
    }
    table
}

/// After the plan of a dry run: with `-o json`, the plan as the one document, shaped
/// like a run's report (`toDo` in place of `done`, no `failed`).
pub fn dry_run(format: OutputFormat, plan: &Plan) -> Result<(), CliError> {
    match format {
        OutputFormat::Json => output::print_json(&json!({
            "toDo": output::to_json(&plan.to_do)?,
            "skipped": output::to_json(&plan.skipped)?,
            "summary": {
                "toDo": plan.to_do.len(),
                "skipped": plan.skipped.len(),
                "dryRun": true,
            },
        })),
        OutputFormat::Table => {
            eprintln!("Dry run: nothing was changed.");
            Ok(())
        }
    }
}

/// The report: one JSON document, or a table of every job and a line of counts. Jobs
/// are sorted by name (workers finish in any order) and failure messages are scrubbed
/// of every secret azie knows.
pub fn report(format: OutputFormat, kind: Kind, mut report: FleetReport) -> Result<(), CliError> {
    report.done.sort_by(|a, b| by_job(&a.job, &b.job));
    report.skipped.sort_by(|a, b| by_job(&a.job, &b.job));
    report.failed.sort_by(|a, b| by_job(&a.job, &b.job));
    for failed in &mut report.failed {
        failed.message = crate::secrets::scrub(&failed.message).into_owned();
    }
    match format {
        OutputFormat::Json => output::print_json(&output::to_json(&report)?),
        OutputFormat::Table => {
            let summary = &report.summary;
            let counts = format!(
                "{} {}, {} skipped, {} failed.\n",
                summary.done,
                kind.words().done,
                summary.skipped,
                summary.failed
            );
            write_out(&(report_table(kind, &report).render() + &counts))
        }
    }
}

fn report_table(kind: Kind, report: &FleetReport) -> Table {
    let mut table = Table::new(&["JOB", "STATE", "RESULT", "DETAIL"]);
    for done in &report.done {
        let detail = done.archived_to.clone().unwrap_or_default();
        table.row(row(&done.job, kind.words().done, detail));
    }
    for skipped in &report.skipped {
        table.row(row(&skipped.job, "skipped", skipped.reason.to_string()));
    }
    for failed in &report.failed {
        let detail = format!("{:?}: {}", failed.category, failed.message);
        table.row(row(&failed.job, "failed", detail.replace('\n', " ")));
    }
    table
}

/// A table row: the job, the state the plan saw, what, and why.
fn row(job: &PlannedJob, what: &str, detail: String) -> Vec<String> {
    vec![
        format!("{}/{}", job.resource_group, job.name),
        job.state.to_string(),
        what.to_owned(),
        detail,
    ]
}

fn by_job(a: &PlannedJob, b: &PlannedJob) -> std::cmp::Ordering {
    (&a.resource_group, &a.name).cmp(&(&b.resource_group, &b.name))
}

fn write_out(text: &str) -> Result<(), CliError> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(CliError::io)
}
