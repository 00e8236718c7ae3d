//! Fault injection rules and the request journal.

use std::time::Duration;

/// The kind of a request, as the emulator's router classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// In a [`FaultRule`]: matches every request. Never used for a journal entry.
    Any,
    /// `GET .../jobs/{job}` (Jobs_Get).
    GetJob,
    /// `GET .../jobs` at subscription or resource-group scope (Jobs_ListBy*).
    ListJobs,
    /// `PUT .../jobs/{job}` (Jobs_Create).
    CreateJob,
    /// `PATCH .../jobs/{job}` (Jobs_Update).
    UpdateJob,
    /// `DELETE .../jobs/{job}` (Jobs_Delete).
    DeleteJob,
    /// `POST .../jobs/{job}/listBitLockerKeys` (BitLockerKeys_List).
    ListBitLockerKeys,
    /// `GET /providers/Microsoft.ImportExport/locations[/{name}]` (Locations_List, Locations_Get).
    Locations,
    /// `GET /providers/Microsoft.ImportExport/operations` (Operations_List).
    Operations,
    /// A request that matches no route (or a known path with a method it does not allow).
    Other,
}

impl RequestKind {
    /// Whether a rule for `self` applies to a request of kind `actual`.
    pub fn matches(self, actual: RequestKind) -> bool {
        self == RequestKind::Any || self == actual
    }
}

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer `status` without doing anything. `retry_after` becomes a `Retry-After` header
    /// (seconds such as `"1"` or an HTTP date). `body` replaces the default ARM error JSON.
    Status {
        /// HTTP status (100..=999; anything else answers 500).
        status: u16,
        /// Value of the `Retry-After` header, if any.
        retry_after: Option<String>,
        /// Raw response body; `None` answers an ARM error JSON for the status.
        body: Option<String>,
    },
    /// Perform the operation for real (state may change) but answer `status` with an ARM
    /// error body: an ambiguous failure, as when a gateway times out after the service acted.
    /// A 2xx `status` (e.g. 202, 204) is answered with an empty body: applied, and
    /// answered with a success the API does not document.
    StatusAfterApply {
        /// HTTP status to answer.
        status: u16,
    },
    /// Answer normally, after a real delay.
    Delay(Duration),
    /// Answer these raw bytes (an HTML error page, truncated JSON, an empty body...).
    Raw {
        /// HTTP status.
        status: u16,
        /// `Content-Type` header (an invalid header value falls back to `application/octet-stream`).
        content_type: String,
        /// Body bytes.
        body: Vec<u8>,
    },
}

impl Fault {
    /// A [`Fault::Status`] with no `Retry-After` and the default body.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            body: None,
        }
    }

    /// A 429 with the given `Retry-After` value.
    pub fn throttled(retry_after: impl Into<String>) -> Self {
        Fault::Status {
            status: 429,
            retry_after: Some(retry_after.into()),
            body: None,
        }
    }
}

/// Applies `fault` to the next `count` requests of kind `kind`.
///
/// Rules are checked in the order they were injected; the first one that matches and is
/// not used up applies (only one rule per request).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// Which requests the rule applies to.
    pub kind: RequestKind,
    /// How many matching requests it still applies to.
    pub count: usize,
    /// What it does.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule applying `fault` to the next `count` requests of kind `kind`.
    pub fn new(kind: RequestKind, count: usize, fault: Fault) -> Self {
        Self { kind, count, fault }
    }
}

/// One request handled by the emulator, with its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// HTTP method, e.g. `PATCH`.
    pub method: String,
    /// Percent-decoded path (the raw path if it could not be decoded).
    pub path: String,
    /// Raw query string, without `?` (empty if none).
    pub query: String,
    /// Kind of request as routed ([`RequestKind::Other`] if it matched no route).
    pub kind: RequestKind,
    /// Status code answered.
    pub status: u16,
    /// Whether a [`FaultRule`] applied to it.
    pub fault_injected: bool,
    /// Whether it changed the emulator's state.
    pub applied: bool,
    /// Request body, if it was JSON.
    pub body: Option<serde_json::Value>,
    /// For job requests: the job's state before the request (`None` if the job did not exist).
    pub state_before: Option<String>,
    /// For job requests: the `systemData.createdAt` of the job before the request, i.e.
    /// which incarnation of the name the request reached (`None` if the job did not
    /// exist or has no `systemData`).
    pub created_at_before: Option<String>,
}
