//! A job as the service returned it: the parsed model plus the exact bytes.

use crate::state::{JobState, MISSING_STATE};
use azure_core::Bytes;
use azure_importexport_rest::models::JobResponse;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// JSON properties whose values are secrets: shown as `***` by [`Job::redacted_json`]
/// (and therefore by `Serialize`).
pub const SECRET_FIELDS: &[&str] = azure_importexport_rest::models::SECRET_PROPERTY_NAMES;

/// One job: the parsed [`JobResponse`] and the JSON bytes exactly as the service sent
/// them (unknown fields and their order included), for lossless archiving.
///
/// `Debug` shows only identifying fields; `Serialize` writes the JSON with
/// [`SECRET_FIELDS`] redacted. The exact bytes are in [`Job::json`].
///
/// ```
/// use azure_importexport::{Job, JobState};
///
/// let job = Job::from_json(br#"{"name":"j1","properties":{"state":"Shipping","returnShipping":{"carrierAccountNumber":"123"}},"newField":1}"#.to_vec()).unwrap();
/// assert_eq!(job.name(), Some("j1"));
/// assert_eq!(job.state(), JobState::Shipping);
/// assert!(!job.cancel_requested());
/// assert!(std::str::from_utf8(job.json()).unwrap().contains("newField"));
/// assert_eq!(job.redacted_json()["properties"]["returnShipping"]["carrierAccountNumber"], "***");
/// assert!(!format!("{job:?}").contains("123"));
/// ```
#[derive(Clone)]
pub struct Job {
    model: JobResponse,
    json: Bytes,
}

impl Job {
    /// Parses a job from the JSON the service returned, keeping the bytes.
    pub fn from_json(json: impl Into<Bytes>) -> Result<Self, serde_json::Error> {
        let json = json.into();
        let model = serde_json::from_slice(&json)?;
        Ok(Job { model, json })
    }

    /// A job from a model already parsed from `json` (the listing's one-pass reader).
    pub(crate) fn from_parts(model: JobResponse, json: Bytes) -> Self {
        Job { model, json }
    }

    /// The job name.
    pub fn name(&self) -> Option<&str> {
        self.model.name.as_deref()
    }

    /// The ARM resource id.
    pub fn id(&self) -> Option<&str> {
        self.model.id.as_deref()
    }

    /// The resource group, read from the resource id.
    pub fn resource_group(&self) -> Option<&str> {
        let mut segments = self.id()?.split('/');
        // Bounded by the id's segments.
        while let Some(segment) = segments.next() {
            if segment.eq_ignore_ascii_case("resourceGroups") {
                return segments.next().filter(|rg| !rg.is_empty());
            }
        }
        None
    }

    /// The Azure location.
    pub fn location(&self) -> Option<&str> {
        self.model.location.as_deref()
    }

    /// The tags.
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.model.tags.as_ref()
    }

    /// The lifecycle state. A reply without `properties.state` gives an
    /// [`JobState::Unknown`] state, which allows nothing (rather than assuming the
    /// service default, `Creating`).
    pub fn state(&self) -> JobState {
        self.model
            .properties
            .as_ref()
            .and_then(|properties| properties.state.clone())
            .unwrap_or_else(|| JobState::Unknown(MISSING_STATE.to_owned()))
    }

    /// Whether a cancel has been requested (`false` when absent, the service default).
    pub fn cancel_requested(&self) -> bool {
        self.model
            .properties
            .as_ref()
            .and_then(|properties| properties.cancel_requested)
            .unwrap_or(false)
    }

    /// Overall progress in percent, when reported.
    pub fn percent_complete(&self) -> Option<i64> {
        self.model.properties.as_ref()?.percent_complete
    }

    /// `Import` or `Export`, when reported.
    pub fn job_type(&self) -> Option<&str> {
        self.model.properties.as_ref()?.job_type.as_deref()
    }

    /// The ARM provisioning state (not the lifecycle state).
    pub fn provisioning_state(&self) -> Option<&str> {
        self.model
            .properties
            .as_ref()?
            .provisioning_state
            .as_deref()
    }

    /// When this incarnation of the job was created (`systemData.createdAt`; absent in
    /// api-versions without `systemData`). A name can be reused after a delete: this
    /// timestamp tells the job that was checked from a new one of the same name.
    pub fn created_at(&self) -> Option<&str> {
        self.model.system_data.as_ref()?.created_at.as_deref()
    }

    /// When the job was last changed (`systemData.lastModifiedAt`).
    pub fn last_modified_at(&self) -> Option<&str> {
        self.model.system_data.as_ref()?.last_modified_at.as_deref()
    }

    /// Whether this is the incarnation created at `created_at` (as from
    /// [`created_at`](Self::created_at)); `false` without `systemData`.
    pub fn is_incarnation(&self, created_at: &str) -> bool {
        self.created_at()
            .is_some_and(|mine| same_instant(mine, created_at))
    }

    /// Whether `other` is provably the same incarnation of the job as `self`.
    ///
    /// Only `systemData.createdAt` proves it: the same instant on both is the same
    /// incarnation, two different instants are two incarnations. Without it on either
    /// side (api-versions without `systemData`) nothing is proven, not even by identical
    /// bytes: a job deleted and re-created from the same body reads the same, so this is
    /// [`Incarnation::Unproven`] and a helper sends no further write on its strength.
    ///
    /// ```
    /// use azure_importexport::{Incarnation, Job};
    ///
    /// let job = |created: &str| {
    ///     let system_data = match created {
    ///         "" => String::new(),
    ///         at => format!(r#","systemData":{{"createdAt":"{at}"}}"#),
    ///     };
    ///     Job::from_json(format!(r#"{{"name":"j1"{system_data}}}"#).into_bytes()).unwrap()
    /// };
    /// let first = job("2026-01-01T00:00:00Z");
    /// assert_eq!(first.incarnation_of(&job("2026-01-01T00:00:00.000Z")), Incarnation::Same);
    /// assert_eq!(first.incarnation_of(&job("2026-01-02T00:00:00Z")), Incarnation::Other);
    /// // Identical bytes without systemData prove nothing.
    /// assert_eq!(job("").incarnation_of(&job("")), Incarnation::Unproven);
    /// ```
    pub fn incarnation_of(&self, other: &Job) -> Incarnation {
        match (self.created_at(), other.created_at()) {
            (Some(mine), Some(theirs)) if same_instant(mine, theirs) => Incarnation::Same,
            (Some(_), Some(_)) => Incarnation::Other,
            _ => Incarnation::Unproven,
        }
    }

    /// The parsed model.
    pub fn model(&self) -> &JobResponse {
        &self.model
    }

    /// The parsed model, owned.
    pub fn into_model(self) -> JobResponse {
        self.model
    }

    /// The JSON exactly as the service returned it (secrets included).
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// The JSON as a value, every field and its order kept, with the values of
    /// [`SECRET_FIELDS`] replaced by `"***"`.
    pub fn redacted_json(&self) -> Value {
        // The bytes were parsed once already, so this cannot fail in practice.
        let mut value = serde_json::from_slice(&self.json).unwrap_or(Value::Null);
        redact(&mut value);
        value
    }
}

/// How a job read later relates to the job a helper checked ([`Job::incarnation_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incarnation {
    /// The same job: the same `systemData.createdAt`.
    Same,
    /// Another job that reuses the name: the checked one was deleted.
    Other,
    /// Cannot be told apart: no `systemData.createdAt` on one side or both (identical
    /// bytes included).
    Unproven,
}

/// Two RFC 3339 timestamps name the same instant (textually equal, or equal once parsed).
fn same_instant(a: &str, b: &str) -> bool {
    a == b
        || matches!(
            (azure_core::time::parse_rfc3339(a), azure_core::time::parse_rfc3339(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Replaces secret values anywhere in `value` (iterative, so hostile nesting cannot
/// overflow the stack).
pub(crate) fn redact(value: &mut Value) {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let secret = SECRET_FIELDS
                        .iter()
                        .any(|field| field.eq_ignore_ascii_case(key));
                    if secret && !child.is_null() {
                        *child = Value::String("***".to_owned());
                    } else {
                        pending.push(child);
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &self.state())
            .field("cancel_requested", &self.cancel_requested())
            .field("json", &format_args!("<{} bytes>", self.json.len()))
            .finish()
    }
}

/// Writes [`Job::redacted_json`]: printing a job never reveals a secret by accident.
impl Serialize for Job {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.redacted_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_everywhere() {
        let job = Job::from_json(
            br#"{"id":"/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ImportExport/jobs/j","properties":{"driveList":[{"driveId":"d","bitLockerKey":"KEY-1"}],"returnShipping":{"carrierAccountNumber":"ACCT-9","carrierName":"UPS"}}}"#
                .to_vec(),
        )
        .unwrap();
        let text = serde_json::to_string(&job).unwrap();
        assert!(
            !text.contains("KEY-1") && !text.contains("ACCT-9"),
            "{text}"
        );
        assert!(text.contains("UPS"));
        assert!(!format!("{job:?}").contains("KEY-1"));
        assert_eq!(job.resource_group(), Some("rg1"));
        assert_eq!(job.state(), JobState::Unknown(MISSING_STATE.into()));
        assert!(!crate::JobStateExt::can_delete(&job.state()));
    }

    #[test]
    fn non_objects_are_rejected() {
        assert!(Job::from_json(b"[]".to_vec()).is_err());
        assert!(Job::from_json(b"".to_vec()).is_err());
        assert!(Job::from_json(br#"{"properties":{"state":5}}"#.to_vec()).is_err());
    }
}
