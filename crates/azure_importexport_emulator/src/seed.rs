//! Seeding many jobs at once: generated fleets for tests and benchmarks
//! ([`Emulator::seed_jobs`](crate::Emulator::seed_jobs)), and seed files for other
//! languages' tests ([`Emulator::seed_from_json`](crate::Emulator::seed_from_json),
//! `azie emulator --seed FILE`).

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::catalog;
use crate::error::EmulatorError;
use crate::store::{COMPLETED, CREATING, PACKAGING, TRANSFERRING, is, timestamp_before};

/// The subscription of seeded jobs when none is given (the one `azie emulator` suggests).
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The fields a seed-file entry may have.
const ENTRY_FIELDS: [&str; 7] = [
    "subscription",
    "resourceGroup",
    "name",
    "job",
    "state",
    "location",
    "ageDays",
];

/// A fleet of generated import jobs, for [`Emulator::seed_jobs`](crate::Emulator::seed_jobs).
///
/// Job `i` (from 0) is named `{name_prefix}-{i:05}`, lives in resource group
/// `{resource_group_prefix}-{i % resource_groups}`, is in state `states[i % S]` and is
/// `ages[(i / S) % A]` old (by `systemData.createdAt` and `lastModifiedAt`), so that with
/// enough jobs every state appears at every age. Build one with struct update syntax:
/// `JobSeed { count: 1000, resource_groups: 10, ..JobSeed::default() }`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSeed {
    /// Subscription of every job (default [`DEFAULT_SUBSCRIPTION`]).
    pub subscription: String,
    /// How many jobs (default 10).
    pub count: usize,
    /// Across how many resource groups (default 1; 0 counts as 1).
    pub resource_groups: usize,
    /// Resource groups are `{prefix}-0`, `{prefix}-1`... (default `rg`).
    pub resource_group_prefix: String,
    /// Jobs are `{prefix}-00000`, `{prefix}-00001`... (default `job`).
    pub name_prefix: String,
    /// States, cycled over (default `["Completed"]`; empty counts as that).
    pub states: Vec<String>,
    /// Ages before the virtual now, cycled over (default `[0]`; empty counts as that).
    pub ages: Vec<Duration>,
    /// Azure location of every job (default `westus`).
    pub location: String,
}

impl Default for JobSeed {
    fn default() -> Self {
        Self {
            subscription: DEFAULT_SUBSCRIPTION.to_owned(),
            count: 10,
            resource_groups: 1,
            resource_group_prefix: "rg".to_owned(),
            name_prefix: "job".to_owned(),
            states: vec![COMPLETED.to_owned()],
            ages: vec![Duration::ZERO],
            location: "westus".to_owned(),
        }
    }
}

/// Where a seeded job was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededJob {
    /// Subscription id.
    pub subscription: String,
    /// Resource group.
    pub resource_group: String,
    /// Job name.
    pub name: String,
}

/// A job to store, with its body.
pub(crate) type Planned = (SeededJob, Value);

/// The jobs of `seed`, with bodies dated relative to the virtual instant `now`.
pub(crate) fn generate(seed: &JobSeed, now: Duration) -> Vec<Planned> {
    let default = JobSeed::default();
    let states = if seed.states.is_empty() {
        &default.states
    } else {
        &seed.states
    };
    let ages = if seed.ages.is_empty() {
        &default.ages
    } else {
        &seed.ages
    };
    (0..seed.count)
        .map(|i| {
            let job = SeededJob {
                subscription: seed.subscription.clone(),
                resource_group: format!(
                    "{}-{}",
                    seed.resource_group_prefix,
                    i % seed.resource_groups.max(1)
                ),
                name: format!("{}-{i:05}", seed.name_prefix),
            };
            let state = &states[i % states.len()];
            let age = ages[(i / states.len()) % ages.len()];
            let dated = timestamp_before(now, age);
            let body = job_body(&job, state, &seed.location, i, &dated);
            (job, body)
        })
        .collect()
}

/// The jobs of a seed file: a JSON array of `{subscription?, resourceGroup, name, job?,
/// state?, location?, ageDays?}`. With `job`, that body is stored as given; without, an
/// import job is generated in `state` (default `Creating`). Every entry is checked before
/// anything is stored.
pub(crate) fn from_json(file: &Value, now: Duration) -> Result<Vec<Planned>, EmulatorError> {
    let entries = file.as_array().ok_or_else(|| EmulatorError::InvalidSeed {
        entry: None,
        reason: "a seed file is a JSON array of jobs".to_owned(),
    })?;
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            entry_of(entry, index, now).map_err(|reason| EmulatorError::InvalidSeed {
                entry: Some(index),
                reason,
            })
        })
        .collect()
}

/// One seed-file entry.
fn entry_of(entry: &Value, index: usize, now: Duration) -> Result<Planned, String> {
    let fields = entry
        .as_object()
        .ok_or("an entry is a JSON object with at least `resourceGroup` and `name`")?;
    if let Some(unknown) = fields.keys().find(|k| !ENTRY_FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field `{unknown}` (expected one of {})",
            ENTRY_FIELDS.join(", ")
        ));
    }
    let job = SeededJob {
        subscription: text(fields, "subscription")?
            .unwrap_or(DEFAULT_SUBSCRIPTION)
            .to_owned(),
        resource_group: required(fields, "resourceGroup")?,
        name: required(fields, "name")?,
    };
    let body = match fields.get("job") {
        Some(body @ Value::Object(_)) => body.clone(),
        Some(_) => return Err("`job` must be a JSON object (a job as GET returns it)".into()),
        None => {
            let state = text(fields, "state")?.unwrap_or(CREATING);
            let location = text(fields, "location")?.unwrap_or("westus");
            let dated = timestamp_before(now, age(fields)?);
            job_body(&job, state, location, index, &dated)
        }
    };
    Ok((job, body))
}

/// A non-empty string field.
fn required(fields: &Map<String, Value>, name: &str) -> Result<String, String> {
    text(fields, name)?
        .map(str::to_owned)
        .ok_or_else(|| format!("`{name}` is required"))
}

/// An optional string field, non-empty when present.
fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match fields.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
        Some(_) => Err(format!("`{name}` must be a non-empty string")),
    }
}

/// `ageDays`: a non-negative number of days (default 0).
fn age(fields: &Map<String, Value>) -> Result<Duration, String> {
    match fields.get("ageDays") {
        None => Ok(Duration::ZERO),
        Some(v) => v
            .as_f64()
            .and_then(|days| Duration::try_from_secs_f64(days * DAY.as_secs_f64()).ok())
            .ok_or_else(|| "`ageDays` must be a non-negative number".to_owned()),
    }
}

/// A complete import job in `state`, shaped as the service returns it (the BitLocker key
/// is kept: `GET` strips it, `listBitLockerKeys` returns it). `index` varies the drive.
fn job_body(job: &SeededJob, state: &str, location: &str, index: usize, dated: &str) -> Value {
    let SeededJob {
        subscription: sub,
        resource_group: rg,
        name,
    } = job;
    let mut properties = json!({
        "storageAccountId": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/seeded"),
        "jobType": "Import",
        "returnAddress": {
            "recipientName": "Seeded Recipient",
            "streetAddress1": "1 Seed Street",
            "city": "Lakeview",
            "stateOrProvince": "WA",
            "postalCode": "98000",
            "countryOrRegion": "USA",
            "phone": "5550100000",
            "email": "seeded@example.com"
        },
        "returnShipping": { "carrierName": "FedEx", "carrierAccountNumber": "SEEDACCOUNT" },
        "shippingInformation": catalog::shipping_information(location),
        "diagnosticsPath": "ielogs",
        "logLevel": "Error",
        "backupDriveManifest": false,
        "state": state,
        "cancelRequested": false,
        "provisioningState": "Succeeded",
        "driveList": [{
            "driveId": format!("SEED{index:06}"),
            "bitLockerKey": bitlocker_key(index),
            "manifestFile": "\\disk-manifest.xml",
            "manifestHash": format!("{index:032X}"),
            "state": "Specified"
        }],
        "encryptionKey": { "kekType": "MicrosoftManaged" }
    });
    if !is(Some(state), CREATING) {
        properties["deliveryPackage"] = json!({
            "carrierName": "FedEx",
            "trackingNumber": format!("SEEDTRACK{index:06}"),
            "driveCount": 1,
            "shipDate": "2026-01-01"
        });
    }
    if let Some(percent) = percent_complete(state) {
        properties["percentComplete"] = json!(percent);
    }
    json!({
        "id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs/{name}"),
        "name": name,
        "type": "Microsoft.ImportExport/jobs",
        "location": location,
        "identity": { "type": "None" },
        "systemData": {
            "createdBy": "emulator-seed",
            "createdByType": "Application",
            "createdAt": dated,
            "lastModifiedBy": "emulator-seed",
            "lastModifiedByType": "Application",
            "lastModifiedAt": dated
        },
        "properties": properties
    })
}

/// The service reports progress only from `Transferring` on.
fn percent_complete(state: &str) -> Option<u64> {
    if is(Some(state), TRANSFERRING) {
        Some(0)
    } else if is(Some(state), PACKAGING) || is(Some(state), COMPLETED) {
        Some(100)
    } else {
        None
    }
}

/// Eight groups of six digits, different for every index (fake, but shaped like a key).
fn bitlocker_key(index: usize) -> String {
    (0..8u64)
        .map(|group| {
            let n = (index as u64)
                .wrapping_mul(7_919)
                .wrapping_add(group * 104_729);
            format!("{:06}", n % 1_000_000)
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_meets_every_age() {
        let seed = JobSeed {
            count: 4,
            resource_groups: 3,
            states: vec!["Creating".into(), "Completed".into()],
            ages: vec![Duration::ZERO, DAY],
            ..JobSeed::default()
        };
        let jobs = generate(&seed, Duration::ZERO);
        let seen: Vec<(String, String, String)> = jobs
            .iter()
            .map(|(job, body)| {
                (
                    job.resource_group.clone(),
                    body["properties"]["state"].as_str().unwrap().to_owned(),
                    body["systemData"]["createdAt"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let row = |rg: &str, state: &str, at: &str| (rg.into(), state.into(), at.into());
        assert_eq!(
            seen,
            [
                row("rg-0", "Creating", "2026-01-01T00:00:00Z"),
                row("rg-1", "Completed", "2026-01-01T00:00:00Z"),
                row("rg-2", "Creating", "2025-12-31T00:00:00Z"),
                row("rg-0", "Completed", "2025-12-31T00:00:00Z"),
            ]
        );
        assert_eq!(jobs[3].0.name, "job-00003");
        assert!(jobs[0].1["properties"].get("deliveryPackage").is_none());
        assert_eq!(jobs[1].1["properties"]["percentComplete"], 100);
    }

    #[test]
    fn keys_differ_between_jobs() {
        assert_ne!(bitlocker_key(0), bitlocker_key(1));
        assert_eq!(bitlocker_key(3).len(), 8 * 6 + 7);
    }
}
