//! Jobs_Update: `PATCH .../jobs/{name}` changes tags and writable properties, requests a
//! cancel (`cancelRequested: true`) or marks a `Creating` job as shipped
//! (`state: "Shipping"`).
//!
//! What the official SDKs send is accepted as the service accepts it: the Python SDK's
//! model sends `cancelRequested: false` (and `backupDriveManifest: false`) with every
//! update, and the spec's own example (and the JavaScript sample) send `state: ""`. Both
//! mean "no change"; only un-cancelling (`false` on a job whose cancel was requested) is
//! refused.
//!
//! In order: [`Patch::parse`] reads and type-checks the body (before the job is looked
//! up), [`check`] applies the state rules to the job found ([`check_cancel`],
//! [`check_ship`]), and [`apply`] writes the fields.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::store::{CREATING, JobRecord, RECEIVED, SHIPPING, TRANSFERRING, is, job_key};

use super::super::reply::{Outcome, Reply};
use super::super::routing::Ctx;
use super::{RESERVED_TOP, check_type};

/// Properties a PATCH cannot change (silently ignored, as ARM does with read-only fields).
const PATCH_IGNORED: [&str; 11] = [
    "storageAccountId",
    "jobType",
    "shippingInformation",
    "provisioningState",
    "percentComplete",
    "returnPackage",
    "export",
    "incompleteBlobListUri",
    "encryptionKey",
    "state",
    "cancelRequested",
];

/// States in which a cancel can be requested.
const CANCELLABLE: [&str; 4] = [CREATING, SHIPPING, RECEIVED, TRANSFERRING];

/// Properties a job needs before it can be marked as `Shipping` (in the PATCH or stored).
const NEEDED_TO_SHIP: [&str; 2] = ["returnAddress", "deliveryPackage"];

/// `PATCH .../jobs/{name}`: 200 with the job; `applied` when anything changed.
pub(in crate::http) fn update(ctx: Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Outcome {
    patch(ctx, sub, rg, name).unwrap_or_else(Outcome::from)
}

fn patch(ctx: Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Result<Outcome, Reply> {
    let patch = Patch::parse(ctx.req.object_body()?)?;
    let now = ctx.state.now;
    let job = ctx
        .state
        .jobs
        .get_mut(&job_key(sub, rg, name))
        .ok_or_else(|| Reply::job_not_found(rg, name))?;
    check(job, &patch)?;
    let applied = apply(job, &patch, now);
    Ok(Outcome {
        reply: Reply::json(200, job.view()),
        applied,
    })
}

/// A PATCH body, read and type-checked.
struct Patch {
    /// The whole body.
    top: Map<String, Value>,
    /// Its `properties` (empty when absent or null).
    props: Map<String, Value>,
    /// `cancelRequested` as sent (`None` when absent or null).
    cancel: Option<bool>,
    /// Whether the PATCH sets `state` to `Shipping`.
    ship: bool,
}

impl Patch {
    fn parse(top: Map<String, Value>) -> Result<Self, Reply> {
        let props = match top.get("properties") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(_) => {
                return Err(
                    Reply::bad_request("The property 'properties' must be an object.")
                        .with_target("properties"),
                );
            }
        };
        check_types(&top, &props)?;
        Ok(Self {
            cancel: cancel_field(&props)?,
            ship: ship_field(&props)?,
            top,
            props,
        })
    }

    /// Whether the PATCH requests a cancel.
    fn cancels(&self) -> bool {
        self.cancel == Some(true)
    }
}

/// The writable fields, when present, have their JSON types.
fn check_types(top: &Map<String, Value>, props: &Map<String, Value>) -> Result<(), Reply> {
    check_type(top, "tags", |v| v.is_object() || v.is_null(), "an object")?;
    check_type(
        props,
        "properties.returnAddress",
        Value::is_object,
        "an object",
    )?;
    check_type(
        props,
        "properties.returnShipping",
        Value::is_object,
        "an object",
    )?;
    check_type(
        props,
        "properties.deliveryPackage",
        Value::is_object,
        "an object",
    )?;
    check_type(props, "properties.driveList", Value::is_array, "an array")?;
    check_type(props, "properties.logLevel", Value::is_string, "a string")?;
    check_type(
        props,
        "properties.backupDriveManifest",
        Value::is_boolean,
        "a boolean",
    )
}

/// `cancelRequested`: absent, null or a boolean; whether `false` is allowed depends on
/// the job ([`check_cancel`]).
fn cancel_field(props: &Map<String, Value>) -> Result<Option<bool>, Reply> {
    match props.get("cancelRequested") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(
            Reply::bad_request("The property 'cancelRequested' must be a boolean.")
                .with_target("properties.cancelRequested"),
        ),
    }
}

/// `state`: absent, null, empty (the spec's UpdateJob example sends `""`: no change) or
/// `Shipping` (any case); a client cannot set another state.
fn ship_field(props: &Map<String, Value>) -> Result<bool, Reply> {
    match props.get("state") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(s)) if s.is_empty() => Ok(false),
        Some(Value::String(s)) if s.eq_ignore_ascii_case(SHIPPING) => Ok(true),
        Some(other) => Err(Reply::error(
            400,
            "InvalidJobState",
            format!("The state {other} cannot be set by a client: only 'Shipping' is allowed."),
        )
        .with_target("properties.state")),
    }
}

/// The state rules, against the job as stored.
fn check(job: &JobRecord, patch: &Patch) -> Result<(), Reply> {
    if patch.cancels() && patch.ship {
        return Err(Reply::bad_request(
            "A job cannot be cancelled and marked as shipped in the same request.",
        ));
    }
    check_cancel(job, patch.cancel)?;
    if patch.ship {
        check_ship(job, &patch.props)?;
    }
    if !job.body.is_object() {
        return Err(Reply::error(
            409,
            "Conflict",
            format!("The stored job '{}' cannot be updated.", job.name),
        ));
    }
    Ok(())
}

/// A cancel can be requested only before `Packaging`, and never taken back: `false` on a
/// job whose cancel was requested is a conflict with the job's state (409, as the other
/// state refusals), while `false` on any other job is no change.
fn check_cancel(job: &JobRecord, cancel: Option<bool>) -> Result<(), Reply> {
    match cancel {
        None => Ok(()),
        Some(false) if job.cancel_at.is_some() => Err(Reply::error(
            409,
            "JobCancelCannotBeReverted",
            format!(
                "A cancel was requested for the job '{}'; 'cancelRequested' cannot be set back to false.",
                job.name
            ),
        )
        .with_target("properties.cancelRequested")),
        Some(false) => Ok(()),
        Some(true) => check_cancellable(job),
    }
}

/// The job's state still allows a cancel.
fn check_cancellable(job: &JobRecord) -> Result<(), Reply> {
    if CANCELLABLE.iter().any(|s| is(job.state(), s)) {
        return Ok(());
    }
    Err(Reply::error(
        409,
        "JobCannotBeCancelled",
        format!(
            "The job '{}' is in state '{}' and can no longer be cancelled.",
            job.name,
            job.state().unwrap_or("<none>")
        ),
    ))
}

/// Only a `Creating` job that is not cancelled, with a return address and a delivery
/// package, can be marked as `Shipping`.
fn check_ship(job: &JobRecord, props: &Map<String, Value>) -> Result<(), Reply> {
    if !is(job.state(), CREATING) {
        return Err(Reply::error(
            400,
            "InvalidJobState",
            format!(
                "The job '{}' is in state '{}'; only a Creating job can be marked as Shipping.",
                job.name,
                job.state().unwrap_or("<none>")
            ),
        ));
    }
    if job.cancel_at.is_some() {
        return Err(Reply::error(
            400,
            "InvalidJobState",
            format!("The job '{}' has been cancelled and cannot ship.", job.name),
        ));
    }
    let stored = job.body.get("properties");
    let has = |field: &str| {
        props.get(field).is_some_and(Value::is_object)
            || stored
                .and_then(|p| p.get(field))
                .is_some_and(Value::is_object)
    };
    let missing: Vec<&str> = NEEDED_TO_SHIP.into_iter().filter(|f| !has(f)).collect();
    let reply = match missing.as_slice() {
        [] => return Ok(()),
        [one] => Reply::bad_request(format!(
            "The job cannot be marked as Shipping until '{one}' is set."
        )),
        _ => Reply::bad_request(
            "The job cannot be marked as Shipping until 'returnAddress' and 'deliveryPackage' are set.",
        ),
    };
    // One `details` entry per missing field.
    Err(missing.into_iter().fold(reply, |reply, field| {
        reply.with_detail(
            &format!("properties.{field}"),
            format!(
                "'{field}' is required, in this request or on the job, to mark it as Shipping."
            ),
        )
    }))
}

/// Write the patch into the job; whether anything changed (then the job is touched).
fn apply(job: &mut JobRecord, patch: &Patch, now: Duration) -> bool {
    let before = job.body.clone();
    let before_cancel = job.cancel_at;
    apply_top_level(job, &patch.top);
    apply_properties(job, patch);
    if patch.cancels() && job.cancel_at.is_none() {
        job.cancel_at = Some(now);
    }
    if patch.ship {
        job.set_state(SHIPPING, now);
    }
    let applied = job.body != before || job.cancel_at != before_cancel;
    if applied {
        job.touch(now);
    }
    applied
}

/// Tags (null removes them) and unknown top-level fields; `location` and the fields the
/// service owns are kept.
fn apply_top_level(job: &mut JobRecord, top: &Map<String, Value>) {
    let Some(stored) = job.body.as_object_mut() else {
        return;
    };
    match top.get("tags") {
        Some(Value::Null) => {
            stored.remove("tags");
        }
        Some(tags) => {
            stored.insert("tags".into(), tags.clone());
        }
        None => {}
    }
    for (k, v) in top {
        if !RESERVED_TOP.contains(&k.as_str()) && k != "tags" && k != "location" {
            stored.insert(k.clone(), v.clone());
        }
    }
}

/// Writable properties, and `cancelRequested: true` for a cancel.
fn apply_properties(job: &mut JobRecord, patch: &Patch) {
    let Some(stored) = job.properties_mut() else {
        return;
    };
    for (k, v) in &patch.props {
        if !PATCH_IGNORED.contains(&k.as_str()) {
            stored.insert(k.clone(), v.clone());
        }
    }
    if patch.cancels() {
        stored.insert("cancelRequested".into(), Value::Bool(true));
    }
}
