//! The job resource: Jobs_Get and Jobs_Delete here; Jobs_Create in [`create`](mod@create),
//! Jobs_Update in [`update`](mod@update), Jobs_ListBy* in [`list`](mod@list).

mod create;
mod list;
mod update;

use serde_json::{Map, Value};

use crate::store::{COMPLETED, CREATING, is, job_key};

use super::reply::{Outcome, Reply};
use super::routing::Ctx;

pub(super) use create::create;
pub(super) use list::list;
pub(super) use update::update;

/// Top-level fields that the service owns.
const RESERVED_TOP: [&str; 6] = ["id", "name", "type", "systemData", "properties", "identity"];

/// `GET .../jobs/{name}`: the job without its BitLocker keys.
pub(super) fn get(ctx: &Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Reply {
    match ctx.state.jobs.get(&job_key(sub, rg, name)) {
        Some(job) => Reply::json(200, job.view()),
        None => Reply::job_not_found(rg, name),
    }
}

/// `DELETE .../jobs/{name}`: only a `Creating` or `Completed` job.
pub(super) fn delete(ctx: Ctx<'_, '_>, sub: &str, rg: &str, name: &str) -> Outcome {
    let key = job_key(sub, rg, name);
    let Some(job) = ctx.state.jobs.get(&key) else {
        return Reply::job_not_found(rg, name).into();
    };
    if !(is(job.state(), CREATING) || is(job.state(), COMPLETED)) {
        return Reply::error(
            409,
            "JobCannotBeDeleted",
            format!(
                "The job '{}' is in state '{}'; only Creating or Completed jobs can be deleted.",
                job.name,
                job.state().unwrap_or("<none>")
            ),
        )
        .into();
    }
    ctx.state.jobs.remove(&key);
    Outcome::applied(Reply::empty(200))
}

/// Check that an optional field of `map`, when present, has the expected JSON type.
/// `path` names it from the body's root (`tags`, `properties.driveList`): the error's
/// target.
fn check_type(
    map: &Map<String, Value>,
    path: &str,
    ok: fn(&Value) -> bool,
    what: &str,
) -> Result<(), Reply> {
    let field = path.rsplit('.').next().unwrap_or(path);
    match map.get(field) {
        Some(v) if !ok(v) => Err(Reply::bad_request(format!(
            "The property '{path}' must be {what}."
        ))
        .with_target(path)),
        _ => Ok(()),
    }
}
