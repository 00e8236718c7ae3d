//! BitLockerKeys_List.

use serde_json::{Map, Value, json};

use crate::store::job_key;

use super::reply::Reply;
use super::routing::Ctx;

/// `POST .../jobs/{name}/listBitLockerKeys`: the drives' ids and keys (none for an export job).
pub(super) fn list(ctx: &Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Reply {
    let Some(job) = ctx.state.jobs.get(&job_key(sub, rg, name)) else {
        return Reply::job_not_found(rg, name);
    };
    let export = job
        .body
        .pointer("/properties/jobType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("Export"));
    let keys: Vec<Value> = if export {
        Vec::new()
    } else {
        job.body
            .pointer("/properties/driveList")
            .and_then(Value::as_array)
            .map(|drives| {
                drives
                    .iter()
                    .filter_map(Value::as_object)
                    .map(key)
                    .collect()
            })
            .unwrap_or_default()
    };
    Reply::json(200, json!({ "value": keys }))
}

/// A drive's `driveId` and `bitLockerKey`, when present.
fn key(drive: &Map<String, Value>) -> Value {
    let mut key = Map::new();
    for field in ["driveId", "bitLockerKey"] {
        if let Some(value) = drive.get(field) {
            key.insert(field.into(), value.clone());
        }
    }
    Value::Object(key)
}
