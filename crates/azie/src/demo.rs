//! `azie demo`: the whole job lifecycle against an embedded emulator, narrated on stdout
//! (on stderr with `-o json`, whose stdout is one JSON summary of what the demo did).
//! No Azure account, no network: everything runs on 127.0.0.1.

use crate::cli::OutputFormat;
use crate::exit::CliError;
use crate::jobs::{progress_wait_options, wait_with};
use crate::output;
use azure_core::http::RequestContent;
use azure_importexport::{
    DeleteError, DeleteOptions, FsArchive, ImportExport, ImportExportOptions, Job, JobState,
    RetryPolicy, StaticTokenCredential,
};
use azure_importexport_emulator::{
    Emulator, EmulatorConfig, Fault, FaultRule, RequestKind, Schedule,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const GROUP: &str = "demo-rg";
const IMPORT_JOB: &str = "demo-import";
const EXPORT_JOB: &str = "demo-export";
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Where the narration goes: stdout for people; stderr with `-o json`, so that stdout
/// holds nothing but the summary document.
#[derive(Debug, Clone, Copy)]
struct Narrator {
    to_stderr: bool,
}

impl Narrator {
    fn text(&self, text: &str) {
        if self.to_stderr {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }

    fn line(&self, text: &str) {
        self.text(&format!("{text}\n"));
    }

    fn step(&self, n: u32, text: &str) {
        self.line(&format!("[{n}] {text}"));
    }
}

pub async fn run(format: OutputFormat) -> Result<(), CliError> {
    let started = Instant::now();
    let say = Narrator {
        to_stderr: format == OutputFormat::Json,
    };
    let emulator = Emulator::start_with(config()).await;
    say.step(
        1,
        &format!(
            "Started the embedded Import/Export emulator at {}",
            emulator.uri()
        ),
    );
    let client = demo_client(&emulator)?;
    let mut seen = StatesSeen::default();

    create(&client, IMPORT_JOB, import_job()).await?;
    create(&client, EXPORT_JOB, export_job()).await?;
    say.step(
        2,
        "Created an import job and an export job (state Creating)",
    );

    let listed = client
        .list_jobs(Some(azure_importexport::ListJobsOptions {
            resource_group: Some(GROUP.into()),
            ..Default::default()
        }))
        .await?;
    listed.iter().for_each(|job| seen.job(job));
    let values: Vec<Value> = listed.iter().map(|j| j.redacted_json()).collect();
    say.step(3, "Listed the resource group's jobs:");
    say.text(&indent(&output::jobs_table(&values).render()));

    ship_both(&client, &emulator).await?;
    say.step(
        4,
        "Shipped both jobs' drives; 31 virtual days later the import job is Transferring, the export job Shipping",
    );

    // The service is busy on the first cancel attempt: the helper honours Retry-After.
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::throttled("1"),
    ));
    let import = client.job(GROUP, IMPORT_JOB);
    let outcome = import.cancel(None).await?;
    seen.add(IMPORT_JOB, outcome.state_at_request.clone());
    say.step(
        5,
        &format!(
            "Cancelled {IMPORT_JOB} (state at request: {}, {} PATCH attempt(s): the first got 429 Retry-After: 1 and was retried)",
            outcome.state_at_request, outcome.patch_attempts
        ),
    );
    if outcome.data_may_still_transfer {
        say.line(
            "   warning: the job was Transferring: cancellation is best-effort, data may still be transferred.",
        );
    }

    let completed = wait_completed(&emulator, &import).await?;
    seen.job(&completed);
    say.step(
        6,
        &format!(
            "{IMPORT_JOB} reached {} (a cancelled job ends there)",
            completed.state()
        ),
    );

    let archive_dir = std::env::temp_dir().join(format!("azie-demo-{}", std::process::id()));
    let deleted = import
        .safe_delete(Some(
            DeleteOptions::default().with_archive(FsArchive::new(&archive_dir)),
        ))
        .await?;
    say.step(
        7,
        &format!(
            "Archived {IMPORT_JOB} to {} (exact service JSON), then deleted it; a GET now answers 404",
            deleted.archived_to.as_deref().unwrap_or("?")
        ),
    );

    let refused = refused_delete(&client, &emulator).await?;
    seen.add(EXPORT_JOB, refused.state.clone());
    say.step(
        8,
        &format!(
            "Deleting {EXPORT_JOB} was refused by the SDK: it is {} (only Creating or Completed can be deleted); DELETE requests sent: {}",
            refused.state, refused.deletes_sent
        ),
    );

    let summary = Summary {
        emulator: &emulator,
        seen: &seen,
        cancel: without_job(output::to_json(&outcome)?),
        delete: without_job(output::to_json(&deleted)?),
        refused: &refused,
        archive_dir: &archive_dir,
        wall_time: started.elapsed(),
    };
    match format {
        OutputFormat::Json => output::print_json(&summary.json())?,
        OutputFormat::Table => summary.narrate(say),
    }
    Ok(())
}

/// Shipping takes 30 virtual days, so the export job is still Shipping at the end while
/// the import job (shipped first) completes in between.
fn config() -> EmulatorConfig {
    EmulatorConfig {
        schedule: Schedule {
            shipping_to_received: 30 * DAY,
            received_to_transferring: DAY,
            transferring_to_packaging: DAY,
            packaging_to_completed: DAY,
        },
        // The export job waits unshipped for a month; keep it longer than the default 14 days.
        creating_retention: 60 * DAY,
        ..EmulatorConfig::default()
    }
}

fn demo_client(emulator: &Emulator) -> Result<ImportExport, CliError> {
    let retry =
        RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(2));
    ImportExport::new(
        SUBSCRIPTION,
        Arc::new(StaticTokenCredential::new("demo-token")),
        Some(
            ImportExportOptions::default()
                .with_endpoint(emulator.uri())
                .with_retry(retry),
        ),
    )
    .map_err(|e| CliError::other(e.to_string()))
}

/// Ships both jobs; the import job is then moved on to Transferring.
async fn ship_both(client: &ImportExport, emulator: &Emulator) -> Result<(), CliError> {
    let jobs = client.rest().jobs();
    jobs.update(GROUP, IMPORT_JOB, body(&ship_notice())?, None)
        .await
        .map_err(|e| CliError::other(e.to_string()))?;
    emulator
        .advance_job_to(SUBSCRIPTION, GROUP, IMPORT_JOB, "Transferring")
        .map_err(|e| CliError::other(e.to_string()))?;
    jobs.update(GROUP, EXPORT_JOB, body(&ship_notice())?, None)
        .await
        .map_err(|e| CliError::other(e.to_string()))?;
    Ok(())
}

/// Lets virtual time run (one day per second) while the waiter polls.
async fn wait_completed(
    emulator: &Emulator,
    import: &azure_importexport::JobRef,
) -> Result<Job, CliError> {
    let driver = emulator.spawn_real_time(Duration::from_millis(50), DAY.as_secs_f64());
    let poll = progress_wait_options(import)
        .with_delays(Duration::from_millis(100), Duration::from_millis(500));
    let waited = wait_with(import, JobState::Completed, Duration::from_secs(60), poll).await;
    driver.abort();
    waited
}

/// The export job's delete, refused by the SDK before any request.
#[derive(Debug)]
struct RefusedDelete {
    state: JobState,
    deletes_sent: usize,
}

async fn refused_delete(
    client: &ImportExport,
    emulator: &Emulator,
) -> Result<RefusedDelete, CliError> {
    let state = match client.job(GROUP, EXPORT_JOB).safe_delete(None).await {
        Err(DeleteError::NotDeletable { state, .. }) => state,
        Ok(_) => {
            return Err(CliError::other(
                "the export job was deleted while Shipping: that is a bug",
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let deletes_sent = emulator
        .journal()
        .iter()
        .filter(|e| e.method == "DELETE" && e.path.ends_with(EXPORT_JOB))
        .count();
    Ok(RefusedDelete {
        state,
        deletes_sent,
    })
}

/// The states the demo saw each job in, in order.
#[derive(Debug, Default)]
struct StatesSeen(BTreeMap<String, Vec<JobState>>);

impl StatesSeen {
    fn add(&mut self, job: &str, state: JobState) {
        let states = self.0.entry(job.to_owned()).or_default();
        if states.last() != Some(&state) {
            states.push(state);
        }
    }

    fn job(&mut self, job: &Job) {
        if let Some(name) = job.name() {
            self.add(name, job.state());
        }
    }

    fn of(&self, job: &str) -> &[JobState] {
        self.0.get(job).map(Vec::as_slice).unwrap_or_default()
    }
}

/// What the demo did, for the closing summary.
struct Summary<'a> {
    emulator: &'a Emulator,
    seen: &'a StatesSeen,
    cancel: Value,
    delete: Value,
    refused: &'a RefusedDelete,
    archive_dir: &'a Path,
    wall_time: Duration,
}

impl Summary<'_> {
    /// The `-o json` document.
    fn json(&self) -> Value {
        let journal = self.emulator.journal();
        json!({
            "jobs": [
                {
                    "name": IMPORT_JOB,
                    "type": "Import",
                    "statesSeen": self.seen.of(IMPORT_JOB),
                    "cancel": self.cancel,
                    "delete": self.delete,
                },
                {
                    "name": EXPORT_JOB,
                    "type": "Export",
                    "statesSeen": self.seen.of(EXPORT_JOB),
                    "deleteRefused": {
                        "state": self.refused.state,
                        "deleteRequestsSent": self.refused.deletes_sent,
                    },
                },
            ],
            "archiveDir": self.archive_dir.display().to_string(),
            "requests": journal.len(),
            "throttledAndRetried": journal.iter().filter(|e| e.status == 429).count(),
            "wallTimeSeconds": self.wall_time.as_secs_f64(),
        })
    }

    /// The closing lines of the narration.
    fn narrate(&self, say: Narrator) {
        let journal = self.emulator.journal();
        let throttled = journal.iter().filter(|e| e.status == 429).count();
        say.line("");
        say.line("Summary");
        say.line(&format!(
            "  requests served by the emulator: {}",
            journal.len()
        ));
        say.line(&format!("  throttled and retried:           {throttled}"));
        say.line(&format!(
            "  {IMPORT_JOB}: cancelled while Transferring, completed, archived, deleted"
        ));
        say.line(&format!(
            "  {EXPORT_JOB}: still {}, delete refused before any request",
            self.refused.state
        ));
        say.line(&format!(
            "  archive:                         {}",
            self.archive_dir.display()
        ));
        say.line(&format!(
            "  wall time:                       {:.1}s",
            self.wall_time.as_secs_f64()
        ));
    }
}

/// The outcome's fields without the (long) job it carries.
fn without_job(mut outcome: Value) -> Value {
    if let Some(fields) = outcome.as_object_mut() {
        fields.remove("job");
    }
    outcome
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("     {l}\n")).collect()
}

fn body<T>(value: &Value) -> Result<RequestContent<T>, CliError> {
    Ok(RequestContent::from(value.to_string().into_bytes()))
}

async fn create(client: &ImportExport, name: &str, job: Value) -> Result<(), CliError> {
    client
        .rest()
        .jobs()
        .create(GROUP, name, body(&job)?, None)
        .await
        .map_err(|e| CliError::other(format!("creating {name}: {e}")))?;
    Ok(())
}

fn return_details() -> Value {
    json!({
        "returnAddress": {
            "recipientName": "Demo Recipient", "streetAddress1": "1 Demo Way", "city": "Lakeview",
            "postalCode": "98000", "countryOrRegion": "USA", "phone": "4255550100", "email": "demo@example.com"
        },
        "returnShipping": { "carrierName": "FedEx", "carrierAccountNumber": "demo-carrier-account" }
    })
}

fn import_job() -> Value {
    let mut properties = json!({
        "storageAccountId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/demostore"),
        "jobType": "Import",
        "diagnosticsPath": "ielogs",
        "driveList": [{
            "driveId": "DRV0017A", "bitLockerKey": "101010-202020-303030-404040-505050-606060-707070-808080",
            "manifestFile": "\\disk-manifest.xml", "manifestHash": "0F1E2D3C4B5A69788796A5B4C3D2E1F0"
        }]
    });
    merge(&mut properties, return_details());
    json!({ "location": "West US", "properties": properties })
}

fn export_job() -> Value {
    let mut properties = json!({
        "storageAccountId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/demostore"),
        "jobType": "Export",
        "export": { "blobList": { "blobPathPrefix": ["/photos/"] } }
    });
    merge(&mut properties, return_details());
    json!({ "location": "West US", "properties": properties })
}

fn ship_notice() -> Value {
    json!({ "properties": {
        "state": "Shipping",
        "deliveryPackage": { "carrierName": "FedEx", "trackingNumber": "123456789012", "driveCount": 1, "shipDate": "2026-11-25" }
    } })
}

fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}
