//! Job bodies as the service returns them, from the workspace's one job builder.

use crate::{RG, SUB};
use azure_importexport_test::JobJson;

/// The ARM id of a job of [`SUB`]/[`RG`].
pub fn job_id(name: &str) -> String {
    azure_importexport_test::job_id(SUB, RG, name)
}

/// A complete import job of [`SUB`]/[`RG`] as the service returns it, in `state`,
/// without `systemData` (the model and fault tests add it where they need it).
pub fn job_body(name: &str, state: &str) -> serde_json::Value {
    JobJson::new(SUB, RG, name)
        .state(state)
        .without("/systemData")
        .build()
}

/// The same job with `systemData`, as api-version 2021-01-01 returns it: its
/// incarnation (`createdAt`) can be proven, so ambiguous DELETEs may be retried.
pub fn job_body_with_system_data(name: &str, state: &str) -> serde_json::Value {
    JobJson::new(SUB, RG, name).state(state).build()
}
