//! Helpers of the fleet-command tests (`tests/fleet.rs`): seeding fleets, reading
//! reports, plans and the archive on disk.

use super::{Run, SUB, azie};
use azure_importexport_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// An emulator holding generated import jobs (with personal data), each
/// `(resource group, name, state, age in days)`. Its clock starts at the real time, as
/// `azie emulator`'s does, so that ages mean the same to azie as to the emulator.
pub async fn fleet(jobs: &[(&str, &str, &str, u32)]) -> Emulator {
    let emulator = Emulator::start_with(EmulatorConfig {
        starts_at: SystemTime::now(),
        ..EmulatorConfig::default()
    })
    .await;
    let entries = jobs
        .iter()
        .map(|(rg, name, state, age)| {
            json!({"subscription": SUB, "resourceGroup": rg, "name": name, "state": state, "ageDays": age})
        })
        .collect();
    emulator.seed_from_json(&Value::Array(entries)).unwrap();
    emulator
}

/// Changes a stored job in place (through the emulator's test API, not the CLI).
pub fn edit(emulator: &Emulator, rg: &str, name: &str, change: impl FnOnce(&mut Value)) {
    let mut job = emulator.job_json_raw(SUB, rg, name).unwrap();
    change(&mut job);
    emulator.insert_job(SUB, rg, name, job);
}

/// `rg/name` of every entry of a report or plan list, sorted.
pub fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|job| {
            format!(
                "{}/{}",
                job["resourceGroup"].as_str().unwrap(),
                job["name"].as_str().unwrap()
            )
        })
        .collect();
    names.sort();
    names
}

/// `rg/name` -> reason of a list of skipped jobs.
pub fn reasons(skipped: &Value) -> Vec<(String, String)> {
    let mut reasons: Vec<(String, String)> = skipped
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let job = format!(
                "{}/{}",
                s["resourceGroup"].as_str().unwrap(),
                s["name"].as_str().unwrap()
            );
            (job, s["reason"].as_str().unwrap().to_owned())
        })
        .collect();
    reasons.sort();
    reasons
}

/// The one JSON document of a fleet run's stdout: exactly done, skipped, failed, summary.
pub fn report(run: &Run) -> Value {
    let report = run.json();
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["done", "skipped", "failed", "summary"], "{report}");
    report
}

/// The HTTP methods the emulator received.
pub fn methods(emulator: &Emulator) -> BTreeSet<String> {
    emulator.journal().into_iter().map(|e| e.method).collect()
}

/// Every file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.map(|e| e.unwrap().path()) {
            if path.is_dir() {
                pending.push(path)
            } else {
                found.push(path)
            }
        }
    }
    found.sort();
    found
}

/// The archived versions of one job.
pub fn versions(dir: &Path, rg: &str, name: &str) -> Vec<PathBuf> {
    files(&dir.join(SUB).join(rg).join(name))
}

/// Every string of the job's personal data, as it would appear in JSON.
pub fn personal_data(job: &Value) -> Vec<String> {
    let mut values = Vec::new();
    let mut pending: Vec<&Value> = [
        "/properties/returnAddress",
        "/properties/shippingInformation",
    ]
    .iter()
    .filter_map(|pointer| job.pointer(pointer))
    .collect();
    while let Some(value) = pending.pop() {
        match value {
            Value::String(text) if !text.is_empty() => values.push(text.clone()),
            Value::Object(map) => pending.extend(map.values()),
            _ => {}
        }
    }
    for pointer in [
        "/properties/returnShipping/carrierAccountNumber",
        "/properties/deliveryPackage/trackingNumber",
        "/properties/driveList/0/driveId",
    ] {
        values.extend(
            job.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned),
        );
    }
    values
        .into_iter()
        .map(|v| Value::from(v).to_string())
        .collect()
}

/// Waits (bounded) until `ready` holds.
pub async fn until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The job names of a report list.
pub fn names_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|job| job["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs azie against `emulator` and checks that it succeeded.
pub async fn succeeds(emulator: &Emulator, args: &[&str]) -> Run {
    let run = azie(Some(emulator), args, &[]).await;
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run
}
