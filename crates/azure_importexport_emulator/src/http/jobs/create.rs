//! Jobs_Create: `PUT .../jobs/{name}` creates a job, or replaces one that is `Creating`.

use serde_json::{Map, Value, json};

use crate::catalog;
use crate::store::{CREATING, JobRecord, is, job_key, timestamp};

use super::super::reply::{Outcome, Reply};
use super::super::routing::Ctx;
use super::{RESERVED_TOP, check_type};

/// Most drives in an import job.
const MAX_DRIVES: usize = 10;

/// Properties that only the service writes (besides those it sets on every new job).
const SERVICE_OWNED: [&str; 3] = ["percentComplete", "returnPackage", "incompleteBlobListUri"];

/// `PUT .../jobs/{name}`: 201 for a new job, 200 for a replaced one.
pub(in crate::http) fn create(ctx: Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Outcome {
    put(ctx, sub, rg, name).unwrap_or_else(Outcome::from)
}

fn put(ctx: Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Result<Outcome, Reply> {
    // The body first: ARM refuses an unreadable body before the provider sees the name.
    let body = ctx.req.object_body()?;
    if !valid_job_name(name) {
        return Err(Reply::error(
            400,
            "InvalidJobName",
            format!(
                "The job name '{name}' is invalid: use 2 to 64 letters, digits, '-' or '_', starting with a letter or digit."
            ),
        )
        .with_target("jobName"));
    }
    let props = validate_put(&body)?;
    let location = body
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let key = job_key(sub, rg, name);
    let now = ctx.state.now;
    let existing = ctx.state.jobs.get(&key).cloned();
    if let Some(old) = &existing {
        check_same_location(old, rg, &location)?;
        check_replaceable(old)?;
    }
    let created_at = existing
        .as_ref()
        .and_then(|j| j.body.pointer("/systemData/createdAt"))
        .and_then(Value::as_str)
        .map_or_else(|| ctx.state.unique_timestamp(), str::to_owned);
    let last_modified_at = if existing.is_some() {
        timestamp(now)
    } else {
        created_at.clone()
    };
    let cancel_at = existing.as_ref().and_then(|j| j.cancel_at);
    let (sub_id, rg_id, stored_name) = spelled_ids(existing.as_ref(), sub, rg, name);

    let job = job_body(
        &body,
        format!(
            "/subscriptions/{sub_id}/resourceGroups/{rg_id}/providers/Microsoft.ImportExport/jobs/{stored_name}"
        ),
        &stored_name,
        &location,
        system_data(&created_at, &last_modified_at),
        initial_properties(props, &location, cancel_at.is_some()),
    );
    let record = JobRecord {
        name: stored_name,
        body: job,
        seq: 0,
        state_since: existing.as_ref().map_or(now, |j| j.state_since),
        cancel_at,
    };
    let status = if existing.is_some() { 200 } else { 201 };
    let view = record.view();
    ctx.state.put_job(key, record);
    Ok(Outcome::applied(Reply::json(status, view)))
}

/// The stored job: what the service owns, then the PUT's other top-level fields.
fn job_body(
    body: &Map<String, Value>,
    id: String,
    name: &str,
    location: &str,
    system_data: Value,
    properties: Map<String, Value>,
) -> Value {
    let mut job = Map::new();
    job.insert("id".into(), Value::String(id));
    job.insert("name".into(), Value::String(name.to_owned()));
    job.insert(
        "type".into(),
        Value::String("Microsoft.ImportExport/jobs".into()),
    );
    job.insert("location".into(), Value::String(location.to_owned()));
    if let Some(tags) = body.get("tags").filter(|t| !t.is_null()) {
        job.insert("tags".into(), tags.clone());
    }
    let identity = body
        .get("identity")
        .filter(|i| i.is_object())
        .cloned()
        .unwrap_or_else(|| json!({ "type": "None" }));
    job.insert("identity".into(), identity);
    job.insert("systemData".into(), system_data);
    job.insert("properties".into(), Value::Object(properties));
    for (k, v) in body {
        if !RESERVED_TOP.contains(&k.as_str()) && !job.contains_key(k) && k != "tags" {
            job.insert(k.clone(), v.clone());
        }
    }
    Value::Object(job)
}

/// ARM keeps a resource in the location it was created in: a PUT that names another
/// location for an existing job is refused (before the provider's own state rules).
fn check_same_location(old: &JobRecord, rg: &str, location: &str) -> Result<(), Reply> {
    let Some(stored) = old.body.get("location").and_then(Value::as_str) else {
        return Ok(());
    };
    if catalog::same_location(stored, location) {
        return Ok(());
    }
    Err(Reply::error(
        400,
        "InvalidResourceLocation",
        format!(
            "The resource '{}' already exists in location '{stored}' in resource group '{rg}'. A resource with the same name cannot be created in location '{location}'. Please select a new resource name.",
            old.name
        ),
    )
    .with_target("location"))
}

/// A job can be replaced only while it is `Creating`.
fn check_replaceable(old: &JobRecord) -> Result<(), Reply> {
    if is(old.state(), CREATING) {
        return Ok(());
    }
    Err(Reply::error(
        409,
        "Conflict",
        format!(
            "The job '{}' already exists in state '{}'; it can only be replaced while it is Creating.",
            old.name,
            old.state().unwrap_or("<none>")
        ),
    ))
}

/// Subscription, resource group and name as first spelled: a replaced job keeps those of
/// the job it replaces.
fn spelled_ids(
    existing: Option<&JobRecord>,
    sub: &str,
    rg: &str,
    name: &str,
) -> (String, String, String) {
    let stored_name = existing.map_or(name, |j| j.name.as_str()).to_owned();
    let (sub_id, rg_id) = existing
        .and_then(|j| j.body.get("id"))
        .and_then(Value::as_str)
        .and_then(split_id)
        .unwrap_or_else(|| (sub.to_owned(), rg.to_owned()));
    (sub_id, rg_id, stored_name)
}

/// The PUT's properties with the fields the service sets on a new job, as the spec's
/// examples show them: `state`, `provisioningState`, `cancelRequested`, the datacenter's
/// `shippingInformation`, an `encryptionKey` and each drive's `state` (when the client
/// gave none). Fields only the service writes are dropped if a client sent them (the
/// Python SDK's models send `state` and `cancelRequested` with every PUT); there is no
/// `percentComplete` before the job is `Transferring`.
fn initial_properties(
    mut properties: Map<String, Value>,
    location: &str,
    cancel_requested: bool,
) -> Map<String, Value> {
    for owned in SERVICE_OWNED {
        properties.remove(owned);
    }
    properties.insert("state".into(), Value::String(CREATING.into()));
    properties.insert(
        "provisioningState".into(),
        Value::String("Succeeded".into()),
    );
    properties.insert("cancelRequested".into(), Value::Bool(cancel_requested));
    properties.insert(
        "shippingInformation".into(),
        catalog::shipping_information(location),
    );
    properties
        .entry("encryptionKey")
        .or_insert_with(|| json!({ "kekType": "MicrosoftManaged" }));
    if let Some(drives) = properties
        .get_mut("driveList")
        .and_then(Value::as_array_mut)
    {
        for drive in drives.iter_mut().filter_map(Value::as_object_mut) {
            drive
                .entry("state")
                .or_insert_with(|| Value::String("Specified".into()));
        }
    }
    properties
}

fn system_data(created_at: &str, last_modified_at: &str) -> Value {
    json!({
        "createdBy": "emulator",
        "createdByType": "Application",
        "createdAt": created_at,
        "lastModifiedBy": "emulator",
        "lastModifiedByType": "Application",
        "lastModifiedAt": last_modified_at,
    })
}

/// Whether `name` is a valid job name.
fn valid_job_name(name: &str) -> bool {
    let len_ok = (2..=64).contains(&name.len());
    let first_ok = name
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphanumeric);
    let chars_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    len_ok && first_ok && chars_ok
}

/// `sub` and `rg` as spelled in a stored job id.
fn split_id(id: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = id.split('/').collect();
    match segs.as_slice() {
        ["", s, sub, g, rg, ..]
            if s.eq_ignore_ascii_case("subscriptions")
                && g.eq_ignore_ascii_case("resourceGroups") =>
        {
            Some(((*sub).to_owned(), (*rg).to_owned()))
        }
        _ => None,
    }
}

/// Validate a PUT body; returns its `properties`.
fn validate_put(body: &Map<String, Value>) -> Result<Map<String, Value>, Reply> {
    match body.get("location") {
        Some(Value::String(l)) if !l.trim().is_empty() => {}
        // ARM's own check for tracked resources, before the provider's.
        _ => {
            return Err(Reply::error(
                400,
                "LocationRequired",
                "The location property is required for this definition.",
            )
            .with_target("location"));
        }
    }
    check_type(body, "tags", |v| v.is_object() || v.is_null(), "an object")?;
    let Some(Value::Object(props)) = body.get("properties") else {
        return Err(Reply::bad_request(
            "The property 'properties' is required and must be an object.",
        )
        .with_target("properties"));
    };
    match props.get("storageAccountId") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => {
            return Err(Reply::bad_request(
                "The property 'properties.storageAccountId' is required and must be a non-empty string.",
            )
            .with_target("properties.storageAccountId"));
        }
    }
    let job_type = match props.get("jobType") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("Import") => "Import",
        Some(Value::String(t)) if t.eq_ignore_ascii_case("Export") => "Export",
        _ => {
            return Err(Reply::bad_request(
                "The property 'properties.jobType' is required and must be 'Import' or 'Export'.",
            )
            .with_target("properties.jobType"));
        }
    };
    for (path, ok, what) in [
        (
            "properties.returnAddress",
            Value::is_object as fn(&Value) -> bool,
            "an object",
        ),
        ("properties.returnShipping", Value::is_object, "an object"),
        ("properties.deliveryPackage", Value::is_object, "an object"),
        ("properties.driveList", Value::is_array, "an array"),
        ("properties.export", Value::is_object, "an object"),
    ] {
        check_type(props, path, ok, what)?;
    }
    if job_type == "Import" {
        check_drives(props)?;
    } else if props.get("export").is_none() {
        return Err(
            Reply::bad_request("An export job requires 'properties.export'.")
                .with_target("properties.export"),
        );
    }
    Ok(props.clone())
}

/// An import job's `driveList`: 1 to [`MAX_DRIVES`] drives, each with a `driveId`.
fn check_drives(props: &Map<String, Value>) -> Result<(), Reply> {
    let drives = props
        .get("driveList")
        .and_then(Value::as_array)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            Reply::bad_request("An import job requires a non-empty 'properties.driveList'.")
                .with_target("properties.driveList")
        })?;
    if drives.len() > MAX_DRIVES {
        return Err(Reply::bad_request(format!(
            "An import job can have at most {MAX_DRIVES} drives; {} were given.",
            drives.len()
        ))
        .with_target("properties.driveList"));
    }
    let ok = drives.iter().all(|d| {
        d.get("driveId")
            .and_then(Value::as_str)
            .is_some_and(|id| !id.trim().is_empty())
    });
    if !ok {
        return Err(Reply::bad_request(
            "Every drive in 'properties.driveList' requires a non-empty 'driveId'.",
        )
        .with_target("properties.driveList"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_job_name("ab"));
        assert!(valid_job_name("a-b_c9"));
        assert!(!valid_job_name("a"));
        assert!(!valid_job_name("-ab"));
        assert!(!valid_job_name("_ab"));
        assert!(!valid_job_name("a b"));
        assert!(!valid_job_name("é1"));
        assert!(valid_job_name(&"a".repeat(64)));
        assert!(!valid_job_name(&"a".repeat(65)));
    }
}
