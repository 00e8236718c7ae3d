//! `azie demo`: the whole job lifecycle against an embedded emulator, narrated on stdout.
//! No Azure account, no network: everything runs on 127.0.0.1.

use crate::exit::CliError;
use crate::jobs::{progress_wait_options, wait_with};
use crate::output;
use azure_core::http::RequestContent;
use azure_importexport::{
    CancelOptions, DeleteError, DeleteOptions, FsArchive, ImportExport, ImportExportOptions,
    JobState, RetryPolicy, StaticTokenCredential,
};
use azure_importexport_emulator::{
    Emulator, EmulatorConfig, Fault, FaultRule, RequestKind, Schedule,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const GROUP: &str = "demo-rg";
const IMPORT_JOB: &str = "demo-import";
const EXPORT_JOB: &str = "demo-export";
const DAY: Duration = Duration::from_secs(24 * 3600);

pub async fn run() -> Result<(), CliError> {
    let started = Instant::now();
    // Shipping takes 30 virtual days, so the export job is still Shipping at the end while
    // the import job (shipped first) completes in between.
    let config = EmulatorConfig {
        schedule: Schedule {
            shipping_to_received: 30 * DAY,
            received_to_transferring: DAY,
            transferring_to_packaging: DAY,
            packaging_to_completed: DAY,
        },
        // The export job waits unshipped for a month; keep it longer than the default 14 days.
        creating_retention: 60 * DAY,
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start_with(config).await;
    step(
        1,
        &format!(
            "Started the embedded Import/Export emulator at {}",
            emulator.uri()
        ),
    );

    let retry =
        RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(2));
    let client = ImportExport::new(
        SUBSCRIPTION,
        Arc::new(StaticTokenCredential::new("demo-token")),
        ImportExportOptions::default()
            .with_endpoint(emulator.uri())
            .with_retry(retry),
    )
    .map_err(|e| CliError::other(e.to_string()))?;
    let jobs = client.rest().jobs();

    create(&client, IMPORT_JOB, import_job()).await?;
    create(&client, EXPORT_JOB, export_job()).await?;
    step(
        2,
        "Created an import job and an export job (state Creating)",
    );

    let listed = client.list_jobs(Some(GROUP), None, None).await?;
    let values: Vec<Value> = listed.iter().map(|j| j.redacted_json()).collect();
    step(3, "Listed the resource group's jobs:");
    print!("{}", indent(&output::jobs_table(&values).render()));

    jobs.update(GROUP, IMPORT_JOB, body(&ship_notice())?, None)
        .await
        .map_err(|e| CliError::other(e.to_string()))?;
    emulator
        .advance_job_to(SUBSCRIPTION, GROUP, IMPORT_JOB, "Transferring")
        .map_err(|e| CliError::other(e.to_string()))?;
    jobs.update(GROUP, EXPORT_JOB, body(&ship_notice())?, None)
        .await
        .map_err(|e| CliError::other(e.to_string()))?;
    step(
        4,
        "Shipped both jobs' drives; 31 virtual days later the import job is Transferring, the export job Shipping",
    );

    // The service is busy on the first cancel attempt: the helper honours Retry-After.
    emulator.inject(FaultRule {
        kind: RequestKind::UpdateJob,
        count: 1,
        fault: Fault::Status {
            status: 429,
            retry_after: Some("1".into()),
            body: None,
        },
    });
    let import = client.job(GROUP, IMPORT_JOB);
    let outcome = import.cancel(CancelOptions::default()).await?;
    step(
        5,
        &format!(
            "Cancelled {IMPORT_JOB} (state at request: {}, {} PATCH attempt(s): the first got 429 Retry-After: 1 and was retried)",
            outcome.state_at_request, outcome.patch_attempts
        ),
    );
    if outcome.data_may_still_transfer {
        println!(
            "   warning: the job was Transferring: cancellation is best-effort, data may still be transferred."
        );
    }

    // Let virtual time run (one day per second) while the waiter polls.
    let driver = emulator.spawn_real_time(Duration::from_millis(50), DAY.as_secs_f64());
    let poll = progress_wait_options(&import, Duration::from_secs(60))
        .with_delays(Duration::from_millis(100), Duration::from_millis(500));
    let waited = wait_with(&import, JobState::Completed, poll).await;
    driver.abort();
    let completed = waited?;
    step(
        6,
        &format!(
            "{IMPORT_JOB} reached {} (a cancelled job ends there)",
            completed.state()
        ),
    );

    let archive_dir = std::env::temp_dir().join(format!("azie-demo-{}", std::process::id()));
    let deleted = import
        .safe_delete(DeleteOptions::default().with_archive(FsArchive::new(&archive_dir)))
        .await?;
    step(
        7,
        &format!(
            "Archived {IMPORT_JOB} to {} (exact service JSON), then deleted it; a GET now answers 404",
            deleted.archived_to.as_deref().unwrap_or("?")
        ),
    );

    let export = client.job(GROUP, EXPORT_JOB);
    let refused = match export.safe_delete(DeleteOptions::default()).await {
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
    step(
        8,
        &format!(
            "Deleting {EXPORT_JOB} was refused by the SDK: it is {refused} (only Creating or Completed can be deleted); DELETE requests sent: {deletes_sent}"
        ),
    );

    let journal = emulator.journal();
    let throttled = journal.iter().filter(|e| e.status == 429).count();
    println!();
    println!("Summary");
    println!("  requests served by the emulator: {}", journal.len());
    println!("  throttled and retried:           {throttled}");
    println!("  {IMPORT_JOB}: cancelled while Transferring, completed, archived, deleted");
    println!("  {EXPORT_JOB}: still {refused}, delete refused before any request");
    println!(
        "  archive:                         {}",
        archive_dir.display()
    );
    println!(
        "  wall time:                       {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn step(n: u32, text: &str) {
    println!("[{n}] {text}");
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("     {l}\n")).collect()
}

fn body<T>(value: &Value) -> Result<RequestContent<T>, CliError> {
    Ok(RequestContent::from(serde_json::to_vec(value)?))
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
            "recipientName": "Demo Recipient", "streetAddress1": "1 Demo Way", "city": "Redmond",
            "postalCode": "98052", "countryOrRegion": "USA", "phone": "4255550100", "email": "demo@example.com"
        },
        "returnShipping": { "carrierName": "FedEx", "carrierAccountNumber": "demo-carrier-account" }
    })
}

fn import_job() -> Value {
    let mut properties = json!({
        "storageAccountId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/demostore"),
        "jobType": "Import",
        "diagnosticsPath": "waimportexport",
        "driveList": [{
            "driveId": "9CA995BB", "bitLockerKey": "238810-662376-448998-450120-652806-203390-606320-483076",
            "manifestFile": "\\DriveManifest.xml", "manifestHash": "109B21108597EF36D5785F08303F3638"
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
