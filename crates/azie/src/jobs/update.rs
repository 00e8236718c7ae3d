//! `azie jobs update`: one PATCH (Jobs_Update) with only the fields given.
//!
//! The body is `--file`'s JSON (checked against `UpdateJobParameters`) with the flags
//! applied on top. It never carries `cancelRequested`: cancelling is `jobs cancel`, which
//! checks the job's state first. Marking the drives as shipped needs what the service
//! requires for it: a delivery package (carrier name and tracking number) and a return
//! address, each given here or already on the job; without them the command says what
//! is missing rather than letting the service answer 400.
//!
//! Sent once, not retried: the SDK has no retrying update, and the PATCH only sets the
//! given fields, so running the same command again after a failure is safe.

use super::body::{read_file, send_once, validate};
use crate::cli::UpdateArgs;
use crate::exit::CliError;
use azure_core::http::RequestContent;
use azure_importexport::rest::models::UpdateJobParameters;
use azure_importexport::{Job, JobRef};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The one state a client sets.
const SHIPPING: &str = "Shipping";
/// The delivery package's required fields, with the flags that set them.
const PACKAGE_FIELDS: [(&str, &str); 2] = [
    ("carrierName", "--carrier-name"),
    ("trackingNumber", "--tracking-number"),
];

/// Checks, sends the PATCH once, and returns the job the service answered with.
pub async fn run(job_ref: &JobRef, args: &UpdateArgs) -> Result<Job, CliError> {
    let body = patch_body(args)?;
    if body.pointer("/properties/state").and_then(Value::as_str) == Some(SHIPPING) {
        require_shippable(job_ref, &body).await?;
    }
    send(job_ref, &body).await
}

/// `--file`'s JSON, then the flags on top; an empty PATCH is a usage error.
fn patch_body(args: &UpdateArgs) -> Result<Value, CliError> {
    let mut body = match &args.file {
        Some(path) => file_body(path)?,
        None => json!({}),
    };
    apply_flags(&mut body, args);
    if body.as_object().is_none_or(Map::is_empty) {
        return Err(CliError::usage(
            "nothing to update: give --state Shipping, --carrier-name and --tracking-number, --tag KEY=VALUE or --file PATCH.json",
        ));
    }
    Ok(body)
}

/// The file's JSON, checked: it parses as `UpdateJobParameters`, has no
/// `cancelRequested`, and sets no state but `Shipping`.
fn file_body(path: &Path) -> Result<Value, CliError> {
    let bytes = read_file(path)?;
    validate::<UpdateJobParameters>(&bytes, path, "UpdateJobParameters")?;
    // The same bytes as a JSON value: what is sent keeps every field the file has.
    let mut body: Value = validate(&bytes, path, "UpdateJobParameters")?;
    if body.pointer("/properties/cancelRequested").is_some() {
        return Err(CliError::usage(format!(
            "--file {} sets properties.cancelRequested: `jobs update` never cancels; use `azie jobs cancel RG NAME`, which checks the job's state first",
            path.display()
        )));
    }
    if let Some(state) = body.pointer_mut("/properties/state") {
        match state {
            Value::Null => {}
            Value::String(s) if s.eq_ignore_ascii_case(SHIPPING) => *state = json!(SHIPPING),
            other => {
                return Err(CliError::usage(format!(
                    "--file {} sets properties.state to {other}: `Shipping` is the only state a client sets; to cancel a job use `azie jobs cancel`",
                    path.display()
                )));
            }
        }
    }
    Ok(body)
}

/// Writes the flags into the body (they win over the file's values of the same fields).
fn apply_flags(body: &mut Value, args: &UpdateArgs) {
    let Some(top) = body.as_object_mut() else {
        return;
    };
    if let Some(state) = &args.state {
        object_at(top, "properties").insert("state".into(), json!(state));
    }
    if let (Some(carrier), Some(tracking)) = (&args.carrier_name, &args.tracking_number) {
        let package = object_at(object_at(top, "properties"), "deliveryPackage");
        package.insert("carrierName".into(), json!(carrier));
        package.insert("trackingNumber".into(), json!(tracking));
        if let Some(count) = args.drive_count {
            package.insert("driveCount".into(), json!(count));
        }
        if let Some(date) = &args.ship_date {
            package.insert("shipDate".into(), json!(date));
        }
    }
    if !args.tags.is_empty() {
        let tags = object_at(top, "tags");
        for (key, value) in &args.tags {
            tags.insert(key.clone(), json!(value));
        }
    }
}

/// The object under `key`, created (or replacing a `null`) when needed.
fn object_at<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    match slot {
        Value::Object(object) => object,
        _ => unreachable!("replaced by an object just above"),
    }
}

/// Marking the drives as shipped needs what the service checks: a delivery package
/// (carrier name and tracking number) and a return address, each in this PATCH or else
/// on the job (read once, when the PATCH does not carry both). Says what is missing
/// (exit 2) and sends no PATCH.
async fn require_shippable(job_ref: &JobRef, body: &Value) -> Result<(), CliError> {
    let label = format!("{}/{}", job_ref.resource_group(), job_ref.name());
    let given_package = body.pointer("/properties/deliveryPackage");
    if let Some(given) = given_package {
        let missing = missing_package_fields(given);
        if !missing.is_empty() {
            return Err(CliError::usage(format!(
                "cannot mark {label} as Shipping: the delivery package given lacks {}; nothing was sent",
                missing.join(" and ")
            )));
        }
    }
    let given_address = has_return_address(body);
    if given_package.is_some() && given_address {
        return Ok(());
    }
    let job = job_ref.get(None).await?.redacted_json();
    let mut lacks = Vec::new();
    if given_package.is_none() {
        let missing = job.pointer("/properties/deliveryPackage").map_or_else(
            || PACKAGE_FIELDS.map(|(_, flag)| flag).to_vec(),
            missing_package_fields,
        );
        if !missing.is_empty() {
            lacks.push(format!(
                "a delivery package with carrier name and tracking number (the package the drives were sent in): pass {}",
                missing
                    .iter()
                    .map(|flag| format!("{flag} {}", flag_value_name(flag)))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
    }
    if !given_address && !has_return_address(&job) {
        lacks.push(
            "a return address (properties.returnAddress, where the drives come back): give it with --file PATCH.json, e.g. {\"properties\": {\"returnAddress\": {...}}}"
                .to_owned(),
        );
    }
    if lacks.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "cannot mark {label} as Shipping: neither the job nor this update has {}; no PATCH was sent",
        lacks.join("; nor ")
    )))
}

/// `--carrier-name` -> `CARRIER_NAME`.
fn flag_value_name(flag: &str) -> String {
    flag.trim_start_matches("--")
        .replace('-', "_")
        .to_uppercase()
}

/// Whether a job (or a PATCH body) has a return address: an object, as the service
/// requires.
fn has_return_address(job: &Value) -> bool {
    job.pointer("/properties/returnAddress")
        .is_some_and(Value::is_object)
}

/// The flags of the package's required fields that are absent or empty.
fn missing_package_fields(package: &Value) -> Vec<&'static str> {
    PACKAGE_FIELDS
        .into_iter()
        .filter(|(field, _)| {
            package
                .get(field)
                .and_then(Value::as_str)
                .is_none_or(|v| v.trim().is_empty())
        })
        .map(|(_, flag)| flag)
        .collect()
}

/// The PATCH, once. `--verbose` lists the fields sent.
async fn send(job_ref: &JobRef, body: &Value) -> Result<Job, CliError> {
    let label = format!("{}/{}", job_ref.resource_group(), job_ref.name());
    let operation = format!("PATCH job {label}");
    tracing::info!(target: "azie", "{operation}: sending {}", field_names(body).join(", "));
    let bytes = serde_json::to_vec(body)
        .map_err(|e| CliError::other(format!("cannot encode the PATCH body: {e}")))?;
    let jobs = job_ref.client().rest().jobs();
    let patch = jobs.update(
        job_ref.resource_group(),
        job_ref.name(),
        RequestContent::from(bytes),
        None,
    );
    let rerun = "it sets only the given fields, so running the same command again is safe";
    let (_, job) = send_once(&operation, rerun, patch).await?;
    eprintln!("Job {label} updated: state {}.", job.state());
    Ok(job)
}

/// `tags`, `properties.state`, ...: the fields a body sets, for messages.
fn field_names(body: &Value) -> Vec<String> {
    let Some(top) = body.as_object() else {
        return Vec::new();
    };
    top.iter()
        .flat_map(|(key, value)| match (key.as_str(), value) {
            ("properties", Value::Object(properties)) => properties
                .keys()
                .map(|p| format!("properties.{p}"))
                .collect::<Vec<_>>(),
            _ => vec![key.clone()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::JobArgs;

    fn args() -> UpdateArgs {
        UpdateArgs {
            job: JobArgs {
                resource_group: "rg".into(),
                name: "j".into(),
            },
            state: None,
            carrier_name: None,
            tracking_number: None,
            drive_count: None,
            ship_date: None,
            tags: Vec::new(),
            file: None,
        }
    }

    #[test]
    fn only_the_given_fields_are_sent() {
        let mut update = args();
        update.state = Some(SHIPPING.into());
        update.carrier_name = Some("FedEx".into());
        update.tracking_number = Some("123".into());
        update.drive_count = Some(2);
        update.tags = vec![("env".into(), "prod".into())];
        assert_eq!(
            patch_body(&update).unwrap(),
            json!({
                "properties": {
                    "state": "Shipping",
                    "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "123", "driveCount": 2}
                },
                "tags": {"env": "prod"}
            })
        );
        assert_eq!(patch_body(&args()).unwrap_err().code, crate::exit::USAGE);
    }

    #[test]
    fn flags_are_merged_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patch.json");
        std::fs::write(
            &path,
            r#"{"tags":{"a":"1"},"properties":{"deliveryPackage":null,"logLevel":"Verbose","newField":1}}"#,
        )
        .unwrap();
        let mut update = args();
        update.file = Some(path);
        update.tags = vec![("b".into(), "2".into())];
        update.carrier_name = Some("DHL".into());
        update.tracking_number = Some("9".into());
        let body = patch_body(&update).unwrap();
        assert_eq!(body["tags"], json!({"a": "1", "b": "2"}));
        assert_eq!(body["properties"]["logLevel"], "Verbose");
        assert_eq!(body["properties"]["newField"], 1);
        assert_eq!(body["properties"]["deliveryPackage"]["carrierName"], "DHL");
        assert_eq!(
            field_names(&body),
            [
                "tags",
                "properties.deliveryPackage",
                "properties.logLevel",
                "properties.newField"
            ]
        );
    }

    #[test]
    fn a_file_may_not_cancel_or_set_another_state() {
        let dir = tempfile::tempdir().unwrap();
        for (body, expected) in [
            (r#"{"properties":{"cancelRequested":false}}"#, "jobs cancel"),
            (r#"{"properties":{"state":"Completed"}}"#, "only state"),
            (r#"{"properties":{"logLevel":5}}"#, "properties.logLevel"),
        ] {
            let path = dir.path().join("patch.json");
            std::fs::write(&path, body).unwrap();
            let error = file_body(&path).unwrap_err();
            assert_eq!(error.code, crate::exit::USAGE, "{body}");
            assert!(
                error.message.contains(expected),
                "{body}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_package_needs_both_carrier_and_tracking_number() {
        assert!(
            missing_package_fields(&json!({"carrierName":"X","trackingNumber":"1"})).is_empty()
        );
        assert_eq!(
            missing_package_fields(&json!({"carrierName":"X","trackingNumber":" "})),
            ["--tracking-number"]
        );
        assert_eq!(missing_package_fields(&json!(null)).len(), 2);
    }

    #[test]
    fn issue12_a_return_address_is_an_object_in_properties() {
        assert!(has_return_address(
            &json!({"properties": {"returnAddress": {"city": "C"}}})
        ));
        assert!(!has_return_address(
            &json!({"properties": {"returnAddress": null}})
        ));
        assert!(!has_return_address(&json!({"properties": {}})));
        assert_eq!(flag_value_name("--tracking-number"), "TRACKING_NUMBER");
    }
}
