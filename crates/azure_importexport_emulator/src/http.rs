//! The wiremock responder: routing, validation and the ARM operations.

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::catalog;
use crate::config::EmulatorConfig;
use crate::fault::{Fault, JournalEntry, RequestKind};
use crate::store::{
    COMPLETED, CREATING, JobRecord, RECEIVED, SHIPPING, State, TRANSFERRING, is, job_key, timestamp,
};

/// api-versions the emulator answers.
pub(crate) const API_VERSIONS: [&str; 2] = ["2021-01-01", "2020-08-01"];

/// Largest request body accepted (bigger ones are a 400).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Most drives in an import job.
const MAX_DRIVES: usize = 10;

/// State shared by the [`Emulator`](crate::Emulator) handle and the mounted responder.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: EmulatorConfig,
    pub base_uri: String,
    pub state: Mutex<State>,
}

impl Shared {
    /// Lock the state; a poisoned lock is still usable (every mutation is complete or absent).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The catch-all responder mounted on the wiremock server.
#[derive(Debug, Clone)]
pub(crate) struct Responder(pub Arc<Shared>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        handle(&self.0, request)
    }
}

/// A response before it becomes a wiremock template.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    body: Option<Value>,
    error_code: Option<String>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            error_code: None,
        }
    }

    fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            error_code: None,
        }
    }

    fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Some(json!({ "error": { "code": code, "message": message.into() } })),
            error_code: Some(code.to_owned()),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::error(400, "BadRequest", message)
    }

    fn into_template(self, request_id: &str) -> ResponseTemplate {
        let mut template =
            template(self.status).insert_header("x-ms-request-id", request_id.to_owned());
        if let Some(code) = self.error_code.filter(|c| header_ok(c)) {
            template = template.insert_header("x-ms-error-code", code);
        }
        match self.body {
            Some(body) => {
                let bytes = serde_json::to_vec(&body).unwrap_or_default();
                template.set_body_raw(bytes, "application/json; charset=utf-8")
            }
            None => template,
        }
    }
}

/// A template with a status code that wiremock accepts (out-of-range codes become 500).
fn template(status: u16) -> ResponseTemplate {
    let status = if (100..=999).contains(&status) {
        status
    } else {
        500
    };
    ResponseTemplate::new(status)
}

/// Whether `value` is a valid HTTP header value (wiremock panics on invalid ones).
fn header_ok(value: &str) -> bool {
    value
        .bytes()
        .all(|b| (b >= 0x20 && b != 0x7f) || b == b'\t')
}

/// ARM error code used for an injected status.
fn fault_code(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "AuthenticationFailed",
        403 => "AuthorizationFailed",
        404 => "NotFound",
        408 => "RequestTimeout",
        409 => "Conflict",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "InjectedFault",
    }
}

/// The routes of the API, with their decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Job {
        sub: String,
        rg: String,
        name: String,
    },
    BitLockerKeys {
        sub: String,
        rg: String,
        name: String,
    },
    ListBySubscription {
        sub: String,
    },
    ListByResourceGroup {
        sub: String,
        rg: String,
    },
    Locations,
    Location(String),
    Operations,
}

impl Route {
    /// Parse decoded path segments (fixed words are matched case-insensitively).
    fn parse(segs: &[String]) -> Option<Route> {
        let eq = |i: usize, word: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(word));
        let param = |i: usize| segs.get(i).filter(|s| !s.is_empty()).cloned();
        let provider_at = |i: usize| eq(i, "providers") && eq(i + 1, "Microsoft.ImportExport");
        if provider_at(0) {
            return match segs.len() {
                3 if eq(2, "locations") => Some(Route::Locations),
                4 if eq(2, "locations") => param(3).map(Route::Location),
                3 if eq(2, "operations") => Some(Route::Operations),
                _ => None,
            };
        }
        if !eq(0, "subscriptions") {
            return None;
        }
        let sub = param(1)?;
        if provider_at(2) && eq(4, "jobs") && segs.len() == 5 {
            return Some(Route::ListBySubscription { sub });
        }
        if !(eq(2, "resourceGroups") && provider_at(4) && eq(6, "jobs")) {
            return None;
        }
        let rg = param(3)?;
        match segs.len() {
            7 => Some(Route::ListByResourceGroup { sub, rg }),
            8 => Some(Route::Job {
                sub,
                rg,
                name: segs[7].clone(),
            }),
            9 if eq(8, "listBitLockerKeys") => Some(Route::BitLockerKeys {
                sub,
                rg,
                name: segs[7].clone(),
            }),
            _ => None,
        }
    }

    /// The request kind for `method` on this route, or `None` if the method is not allowed.
    fn kind(&self, method: &str) -> Option<RequestKind> {
        let kind = match (self, method) {
            (Route::Job { .. }, "GET") => RequestKind::GetJob,
            (Route::Job { .. }, "PUT") => RequestKind::CreateJob,
            (Route::Job { .. }, "PATCH") => RequestKind::UpdateJob,
            (Route::Job { .. }, "DELETE") => RequestKind::DeleteJob,
            (Route::BitLockerKeys { .. }, "POST") => RequestKind::ListBitLockerKeys,
            (Route::ListBySubscription { .. } | Route::ListByResourceGroup { .. }, "GET") => {
                RequestKind::ListJobs
            }
            (Route::Locations | Route::Location(_), "GET") => RequestKind::Locations,
            (Route::Operations, "GET") => RequestKind::Operations,
            _ => return None,
        };
        Some(kind)
    }

    /// Subscription, resource group and name of the job this route addresses.
    fn job(&self) -> Option<(&str, &str, &str)> {
        match self {
            Route::Job { sub, rg, name } | Route::BitLockerKeys { sub, rg, name } => {
                Some((sub, rg, name))
            }
            _ => None,
        }
    }
}

/// Decode `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Encode a query value (everything but RFC 3986 unreserved characters).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What is needed from an incoming request.
struct Incoming<'a> {
    request: &'a Request,
    method: String,
    /// Decoded path segments, or `None` if the path could not be decoded.
    segments: Option<Vec<String>>,
    query: Vec<(String, String)>,
}

impl<'a> Incoming<'a> {
    fn new(request: &'a Request) -> Self {
        let raw = request.url.path();
        let mut parts: Vec<&str> = raw.split('/').skip(1).collect();
        if parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        let segments = parts
            .into_iter()
            .map(percent_decode)
            .collect::<Option<Vec<_>>>();
        Self {
            request,
            method: request.method.as_str().to_ascii_uppercase(),
            segments,
            query: request.url.query_pairs().into_owned().collect(),
        }
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn decoded_path(&self) -> String {
        match &self.segments {
            Some(segs) => format!("/{}", segs.join("/")),
            None => self.request.url.path().to_owned(),
        }
    }

    fn body_json(&self) -> Option<Value> {
        if self.request.body.is_empty() || self.request.body.len() > MAX_BODY {
            return None;
        }
        serde_json::from_slice(&self.request.body).ok()
    }

    fn authorized(&self) -> bool {
        let Some(value) = self.request.headers.get("authorization") else {
            return false;
        };
        let Ok(value) = value.to_str() else {
            return false;
        };
        let value = value.trim();
        match value.split_once(' ') {
            Some((scheme, token)) => {
                scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
            }
            None => false,
        }
    }

    /// `scheme://host:port` of this server as the client addressed it.
    fn origin(&self, fallback: &str) -> String {
        let host = self
            .request
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::trim)
            .filter(|h| !h.is_empty() && header_ok(h));
        if let Some(host) = host {
            if let Ok(url) = url::Url::parse(&format!("http://{host}/")) {
                if url.host_str().is_some() && url.username().is_empty() && url.path() == "/" {
                    return url.as_str().trim_end_matches('/').to_owned();
                }
            }
        }
        fallback.trim_end_matches('/').to_owned()
    }

    /// Parse the body as a JSON object.
    fn object_body(&self) -> Result<Map<String, Value>, Reply> {
        if self.request.body.len() > MAX_BODY {
            return Err(Reply::error(
                400,
                "InvalidRequestContent",
                format!("The request body is larger than {MAX_BODY} bytes."),
            ));
        }
        if self.request.body.iter().all(u8::is_ascii_whitespace) {
            return Err(Reply::error(
                400,
                "InvalidRequestContent",
                "The request content is empty; a JSON object is required.",
            ));
        }
        match serde_json::from_slice::<Value>(&self.request.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Reply::error(
                400,
                "InvalidRequestContent",
                "The request content must be a JSON object.",
            )),
            Err(e) => Err(Reply::error(
                400,
                "InvalidRequestContent",
                format!("The request content was invalid and could not be deserialized: {e}."),
            )),
        }
    }
}

/// What handling a request did.
struct Outcome {
    reply: Reply,
    applied: bool,
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            applied: false,
        }
    }
}

/// Entry point: faults, then auth, api-version, routing and the operation.
pub(crate) fn handle(shared: &Shared, request: &Request) -> ResponseTemplate {
    let incoming = Incoming::new(request);
    let route = incoming.segments.as_deref().and_then(Route::parse);
    let kind = route
        .as_ref()
        .and_then(|r| r.kind(&incoming.method))
        .unwrap_or(RequestKind::Other);

    let mut state = shared.lock();
    state.requests += 1;
    let request_id = format!("00000000-0000-4000-8000-{:012x}", state.requests);
    let fault = state.take_fault(kind);
    let fault_injected = fault.is_some();
    let job_before = route
        .as_ref()
        .and_then(Route::job)
        .and_then(|(s, g, n)| state.jobs.get(&job_key(s, g, n)));
    let state_before = job_before.and_then(|j| j.state().map(str::to_owned));
    let created_at_before = job_before.and_then(|j| j.created_at().map(str::to_owned));

    let (template, status, applied) = match fault {
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => {
            let mut t = match body {
                Some(body) => {
                    let mime = if serde_json::from_str::<Value>(&body).is_ok() {
                        "application/json"
                    } else {
                        "text/plain"
                    };
                    template(status)
                        .insert_header("x-ms-request-id", request_id.clone())
                        .set_body_raw(body.into_bytes(), mime)
                }
                None => Reply::error(
                    status,
                    fault_code(status),
                    format!("Injected fault: HTTP {status}."),
                )
                .into_template(&request_id),
            };
            if let Some(value) = retry_after.filter(|v| header_ok(v)) {
                t = t.insert_header("Retry-After", value);
            }
            (t, status, false)
        }
        Some(Fault::Raw {
            status,
            content_type,
            body,
        }) => {
            let mime = if !content_type.is_empty() && header_ok(&content_type) {
                content_type
            } else {
                "application/octet-stream".to_owned()
            };
            (template(status).set_body_raw(body, &mime), status, false)
        }
        Some(Fault::StatusAfterApply { status }) if (200..300).contains(&status) => {
            let outcome = process(shared, &mut state, &incoming, route.as_ref(), kind);
            let t = template(status).insert_header("x-ms-request-id", request_id.clone());
            (t, status, outcome.applied)
        }
        Some(Fault::StatusAfterApply { status }) => {
            let outcome = process(shared, &mut state, &incoming, route.as_ref(), kind);
            let t = Reply::error(
                status,
                fault_code(status),
                format!("Injected fault: HTTP {status} after the operation was applied."),
            )
            .into_template(&request_id);
            (t, status, outcome.applied)
        }
        Some(Fault::Delay(delay)) => {
            let outcome = process(shared, &mut state, &incoming, route.as_ref(), kind);
            let status = outcome.reply.status;
            let t = outcome.reply.into_template(&request_id).set_delay(delay);
            (t, status, outcome.applied)
        }
        None => {
            let outcome = process(shared, &mut state, &incoming, route.as_ref(), kind);
            let status = outcome.reply.status;
            (
                outcome.reply.into_template(&request_id),
                status,
                outcome.applied,
            )
        }
    };
    let status = if (100..=999).contains(&status) {
        status
    } else {
        500
    };
    let entry = JournalEntry {
        method: incoming.method.clone(),
        path: incoming.decoded_path(),
        query: request.url.query().unwrap_or("").to_owned(),
        kind,
        status,
        fault_injected,
        applied,
        body: incoming.body_json(),
        state_before,
        created_at_before,
    };
    state.record(entry);
    template
}

/// Auth, api-version, routing, then the operation itself.
fn process(
    shared: &Shared,
    state: &mut State,
    req: &Incoming<'_>,
    route: Option<&Route>,
    kind: RequestKind,
) -> Outcome {
    let config = &shared.config;
    if config.require_auth && !req.authorized() {
        return Reply::error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
        )
        .into();
    }
    if req.segments.is_none() {
        return Reply::bad_request(
            "The request path contains an invalid percent-encoding or is not UTF-8.",
        )
        .into();
    }
    match req.query_param("api-version") {
        None => {
            return Reply::error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
            .into();
        }
        Some(v) if !API_VERSIONS.contains(&v) => {
            return Reply::error(
                400,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{v}' is invalid. The supported versions are '{}'.",
                    API_VERSIONS.join(",")
                ),
            )
            .into();
        }
        Some(_) => {}
    }
    let Some(route) = route else {
        return Reply::error(
            404,
            "NotFound",
            format!(
                "No Microsoft.ImportExport resource matches the path '{}'.",
                req.decoded_path()
            ),
        )
        .into();
    };
    if kind == RequestKind::Other {
        return Reply::error(
            405,
            "MethodNotAllowed",
            format!(
                "The method '{}' is not allowed on '{}'.",
                req.method,
                req.decoded_path()
            ),
        )
        .into();
    }
    let ops = Ops {
        config,
        base_uri: &shared.base_uri,
        state,
        req,
    };
    ops.run(route)
}

/// The operations, with everything they need.
struct Ops<'a, 'r> {
    config: &'a EmulatorConfig,
    base_uri: &'a str,
    state: &'a mut State,
    req: &'a Incoming<'r>,
}

/// `ResourceNotFound` for a missing job.
fn not_found(rg: &str, name: &str) -> Reply {
    Reply::error(
        404,
        "ResourceNotFound",
        format!(
            "The Resource 'Microsoft.ImportExport/jobs/{name}' under resource group '{rg}' was not found."
        ),
    )
}

/// Whether `name` is a valid job name.
pub(crate) fn valid_job_name(name: &str) -> bool {
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

/// Top-level fields that the service owns.
const RESERVED_TOP: [&str; 6] = ["id", "name", "type", "systemData", "properties", "identity"];

/// Check that an optional field, when present, has the expected JSON type.
fn check_type(
    map: &Map<String, Value>,
    field: &str,
    ok: fn(&Value) -> bool,
    what: &str,
) -> Result<(), Reply> {
    match map.get(field) {
        Some(v) if !ok(v) => Err(Reply::bad_request(format!(
            "The property '{field}' must be {what}."
        ))),
        _ => Ok(()),
    }
}

impl Ops<'_, '_> {
    fn run(self, route: &Route) -> Outcome {
        match (route, self.req.method.as_str()) {
            (Route::Job { sub, rg, name }, "GET") => self.get(sub, rg, name).into(),
            (Route::Job { sub, rg, name }, "PUT") => self.create(sub, rg, name),
            (Route::Job { sub, rg, name }, "PATCH") => self.update(sub, rg, name),
            (Route::Job { sub, rg, name }, "DELETE") => self.delete(sub, rg, name),
            (Route::BitLockerKeys { sub, rg, name }, _) => self.bitlocker(sub, rg, name).into(),
            (Route::ListBySubscription { sub }, _) => self.list(sub, None).into(),
            (Route::ListByResourceGroup { sub, rg }, _) => self.list(sub, Some(rg)).into(),
            (Route::Locations, _) => Reply::json(200, catalog::locations()).into(),
            (Route::Location(name), _) => match catalog::location(name) {
                Some(loc) => Reply::json(200, loc).into(),
                None => Reply::error(
                    404,
                    "ResourceNotFound",
                    format!("The location '{name}' is not supported by Microsoft.ImportExport."),
                )
                .into(),
            },
            (Route::Operations, _) => Reply::json(200, catalog::operations()).into(),
            // Unreachable: `kind` already filtered methods.
            (Route::Job { .. }, _) => {
                Reply::error(405, "MethodNotAllowed", "Method not allowed.").into()
            }
        }
    }

    fn get(&self, sub: &str, rg: &str, name: &str) -> Reply {
        match self.state.jobs.get(&job_key(sub, rg, name)) {
            Some(job) => Reply::json(200, job.view()),
            None => not_found(rg, name),
        }
    }

    fn bitlocker(&self, sub: &str, rg: &str, name: &str) -> Reply {
        let Some(job) = self.state.jobs.get(&job_key(sub, rg, name)) else {
            return not_found(rg, name);
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
                        .map(|d| {
                            let mut key = Map::new();
                            if let Some(id) = d.get("driveId") {
                                key.insert("driveId".into(), id.clone());
                            }
                            if let Some(k) = d.get("bitLockerKey") {
                                key.insert("bitLockerKey".into(), k.clone());
                            }
                            Value::Object(key)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Reply::json(200, json!({ "value": keys }))
    }

    fn list(&self, sub: &str, rg: Option<&str>) -> Reply {
        let top = match self.req.query_param("$top") {
            None => None,
            Some(t) => match t.trim().parse::<u64>() {
                Ok(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                Err(_) => {
                    return Reply::error(
                        400,
                        "InvalidQueryParameterValue",
                        format!(
                            "The value '{t}' of query parameter '$top' is not a non-negative integer."
                        ),
                    );
                }
            },
        };
        let skip = match self.req.query_param("$skiptoken") {
            None => 0,
            Some(t) => match t.trim().parse::<usize>() {
                Ok(n) => n,
                Err(_) => {
                    return Reply::error(
                        400,
                        "InvalidQueryParameterValue",
                        format!("The value '{t}' of query parameter '$skiptoken' is not valid."),
                    );
                }
            },
        };
        let filter = self.req.query_param("$filter");
        let wanted_state = filter.and_then(parse_state_filter);
        let sub_l = sub.to_lowercase();
        let rg_l = rg.map(str::to_lowercase);
        let matching: Vec<&JobRecord> = self
            .state
            .jobs
            .iter()
            .filter(|((s, g, _), _)| *s == sub_l && rg_l.as_ref().is_none_or(|r| r == g))
            .map(|(_, job)| job)
            .filter(|job| wanted_state.as_deref().is_none_or(|w| is(job.state(), w)))
            .collect();
        let available = matching.len().min(top.unwrap_or(usize::MAX));
        let start = skip.min(available);
        let end = start
            .saturating_add(self.config.page_size.max(1))
            .min(available);
        let value: Vec<Value> = matching[start..end].iter().map(|j| j.view()).collect();
        let mut body = Map::new();
        body.insert("value".into(), Value::Array(value));
        if end < available {
            body.insert(
                "nextLink".into(),
                Value::String(self.next_link(top, filter, end)),
            );
        }
        Reply::json(200, Value::Object(body))
    }

    fn next_link(&self, top: Option<usize>, filter: Option<&str>, skip: usize) -> String {
        let origin = self.req.origin(self.base_uri);
        let api = self
            .req
            .query_param("api-version")
            .unwrap_or(API_VERSIONS[0]);
        let mut query = format!("api-version={}", encode_query_value(api));
        if let Some(top) = top {
            query.push_str(&format!("&$top={top}"));
        }
        if let Some(filter) = filter {
            query.push_str(&format!("&$filter={}", encode_query_value(filter)));
        }
        query.push_str(&format!("&$skiptoken={skip}"));
        format!("{origin}{}?{query}", self.req.request.url.path())
    }

    fn create(self, sub: &str, rg: &str, name: &str) -> Outcome {
        if !valid_job_name(name) {
            return Reply::error(
                400,
                "InvalidJobName",
                format!(
                    "The job name '{name}' is invalid: use 2 to 64 letters, digits, '-' or '_', starting with a letter or digit."
                ),
            )
            .into();
        }
        let body = match self.req.object_body() {
            Ok(b) => b,
            Err(reply) => return reply.into(),
        };
        let props = match validate_put(&body) {
            Ok(p) => p,
            Err(reply) => return reply.into(),
        };
        let key = job_key(sub, rg, name);
        let now = self.state.now;
        let existing = self.state.jobs.get(&key).cloned();
        if let Some(old) = &existing {
            if !is(old.state(), CREATING) {
                return Reply::error(
                    409,
                    "Conflict",
                    format!(
                        "The job '{}' already exists in state '{}'; it can only be replaced while it is Creating.",
                        old.name,
                        old.state().unwrap_or("<none>")
                    ),
                )
                .into();
            }
        }
        let location = body
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let stored_name = existing
            .as_ref()
            .map_or(name, |j| j.name.as_str())
            .to_owned();
        let (sub_id, rg_id) = match existing
            .as_ref()
            .and_then(|j| j.body.get("id"))
            .and_then(Value::as_str)
            .and_then(split_id)
        {
            Some((s, g)) => (s, g),
            None => (sub.to_owned(), rg.to_owned()),
        };
        let created_at = existing
            .as_ref()
            .and_then(|j| j.body.pointer("/systemData/createdAt"))
            .and_then(Value::as_str)
            .map_or_else(|| self.state.unique_timestamp(), str::to_owned);
        let cancel_at = existing.as_ref().and_then(|j| j.cancel_at);

        let mut properties = props.clone();
        properties.insert("state".into(), Value::String(CREATING.into()));
        properties.insert(
            "provisioningState".into(),
            Value::String("Succeeded".into()),
        );
        properties.insert("cancelRequested".into(), Value::Bool(cancel_at.is_some()));
        properties.insert("percentComplete".into(), Value::from(0));
        properties.insert(
            "shippingInformation".into(),
            catalog::shipping_information(&location),
        );

        let mut job = Map::new();
        job.insert(
            "id".into(),
            Value::String(format!(
                "/subscriptions/{sub_id}/resourceGroups/{rg_id}/providers/Microsoft.ImportExport/jobs/{stored_name}"
            )),
        );
        job.insert("name".into(), Value::String(stored_name.clone()));
        job.insert(
            "type".into(),
            Value::String("Microsoft.ImportExport/jobs".into()),
        );
        job.insert("location".into(), Value::String(location));
        if let Some(tags) = body.get("tags").filter(|t| !t.is_null()) {
            job.insert("tags".into(), tags.clone());
        }
        let identity = body
            .get("identity")
            .filter(|i| i.is_object())
            .cloned()
            .unwrap_or_else(|| json!({ "type": "None" }));
        job.insert("identity".into(), identity);
        job.insert(
            "systemData".into(),
            json!({
                "createdBy": "emulator",
                "createdByType": "Application",
                "createdAt": created_at,
                "lastModifiedBy": "emulator",
                "lastModifiedByType": "Application",
                "lastModifiedAt": if existing.is_some() { timestamp(now) } else { created_at.clone() },
            }),
        );
        job.insert("properties".into(), Value::Object(properties));
        for (k, v) in &body {
            if !RESERVED_TOP.contains(&k.as_str()) && !job.contains_key(k) && k != "tags" {
                job.insert(k.clone(), v.clone());
            }
        }
        let record = JobRecord {
            name: stored_name,
            body: Value::Object(job),
            seq: 0,
            state_since: existing.as_ref().map_or(now, |j| j.state_since),
            cancel_at,
        };
        let status = if existing.is_some() { 200 } else { 201 };
        let view = record.view();
        self.state.put_job(key, record);
        Outcome {
            reply: Reply::json(status, view),
            applied: true,
        }
    }

    fn update(self, sub: &str, rg: &str, name: &str) -> Outcome {
        let body = match self.req.object_body() {
            Ok(b) => b,
            Err(reply) => return reply.into(),
        };
        let empty = Map::new();
        let props = match body.get("properties") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(p)) => p,
            Some(_) => {
                return Reply::bad_request("The property 'properties' must be an object.").into();
            }
        };
        let checks = [
            check_type(&body, "tags", |v| v.is_object() || v.is_null(), "an object"),
            check_type(props, "returnAddress", Value::is_object, "an object"),
            check_type(props, "returnShipping", Value::is_object, "an object"),
            check_type(props, "deliveryPackage", Value::is_object, "an object"),
            check_type(props, "driveList", Value::is_array, "an array"),
            check_type(props, "logLevel", Value::is_string, "a string"),
            check_type(props, "backupDriveManifest", Value::is_boolean, "a boolean"),
        ];
        if let Some(Err(reply)) = checks.into_iter().find(Result::is_err) {
            return reply.into();
        }
        let want_cancel = match props.get("cancelRequested") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(true)) => true,
            Some(_) => {
                return Reply::bad_request(
                    "The property 'cancelRequested' can only be set to true.",
                )
                .into();
            }
        };
        let want_ship = match props.get("state") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) if s.eq_ignore_ascii_case(SHIPPING) => true,
            Some(other) => {
                return Reply::error(
                    400,
                    "InvalidJobState",
                    format!(
                        "The state {other} cannot be set by a client: only 'Shipping' is allowed."
                    ),
                )
                .into();
            }
        };
        let now = self.state.now;
        let Some(job) = self.state.jobs.get_mut(&job_key(sub, rg, name)) else {
            return not_found(rg, name).into();
        };
        let current = job.state().unwrap_or("<none>").to_owned();
        if want_cancel && want_ship {
            return Reply::bad_request(
                "A job cannot be cancelled and marked as shipped in the same request.",
            )
            .into();
        }
        if want_cancel {
            let cancellable = [CREATING, SHIPPING, RECEIVED, TRANSFERRING]
                .iter()
                .any(|s| is(job.state(), s));
            if !cancellable {
                return Reply::error(
                    409,
                    "JobCannotBeCancelled",
                    format!(
                        "The job '{}' is in state '{current}' and can no longer be cancelled.",
                        job.name
                    ),
                )
                .into();
            }
        }
        if want_ship {
            if !is(job.state(), CREATING) {
                return Reply::error(
                    400,
                    "InvalidJobState",
                    format!(
                        "The job '{}' is in state '{current}'; only a Creating job can be marked as Shipping.",
                        job.name
                    ),
                )
                .into();
            }
            if job.cancel_at.is_some() {
                return Reply::error(
                    400,
                    "InvalidJobState",
                    format!("The job '{}' has been cancelled and cannot ship.", job.name),
                )
                .into();
            }
            let stored = job.body.get("properties");
            let has = |field: &str| {
                props.get(field).is_some_and(Value::is_object)
                    || stored
                        .and_then(|p| p.get(field))
                        .is_some_and(Value::is_object)
            };
            let missing: Vec<&str> = ["returnAddress", "deliveryPackage"]
                .into_iter()
                .filter(|f| !has(f))
                .collect();
            if !missing.is_empty() {
                return Reply::bad_request(format!(
                    "The job cannot be marked as Shipping until {} set.",
                    match missing.as_slice() {
                        [one] => format!("'{one}' is"),
                        _ => "'returnAddress' and 'deliveryPackage' are".to_owned(),
                    }
                ))
                .into();
            }
        }
        if !job.body.is_object() {
            return Reply::error(
                409,
                "Conflict",
                format!("The stored job '{}' cannot be updated.", job.name),
            )
            .into();
        }
        let before = job.body.clone();
        let before_cancel = job.cancel_at;
        if let Some(top) = job.body.as_object_mut() {
            match body.get("tags") {
                Some(Value::Null) => {
                    top.remove("tags");
                }
                Some(tags) => {
                    top.insert("tags".into(), tags.clone());
                }
                None => {}
            }
            for (k, v) in &body {
                if !RESERVED_TOP.contains(&k.as_str()) && k != "tags" && k != "location" {
                    top.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(stored) = job.properties_mut() {
            for (k, v) in props {
                if !PATCH_IGNORED.contains(&k.as_str()) {
                    stored.insert(k.clone(), v.clone());
                }
            }
            if want_cancel {
                stored.insert("cancelRequested".into(), Value::Bool(true));
            }
        }
        if want_cancel && job.cancel_at.is_none() {
            job.cancel_at = Some(now);
        }
        if want_ship {
            job.set_state(SHIPPING, now);
        }
        let applied = job.body != before || job.cancel_at != before_cancel;
        if applied {
            job.touch(now);
        }
        Outcome {
            reply: Reply::json(200, job.view()),
            applied,
        }
    }

    fn delete(self, sub: &str, rg: &str, name: &str) -> Outcome {
        let key = job_key(sub, rg, name);
        let Some(job) = self.state.jobs.get(&key) else {
            return not_found(rg, name).into();
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
        self.state.jobs.remove(&key);
        Outcome {
            reply: Reply::empty(200),
            applied: true,
        }
    }
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
        _ => {
            return Err(Reply::bad_request(
                "The property 'location' is required and must be a non-empty string.",
            ));
        }
    }
    check_type(body, "tags", |v| v.is_object() || v.is_null(), "an object")?;
    let Some(Value::Object(props)) = body.get("properties") else {
        return Err(Reply::bad_request(
            "The property 'properties' is required and must be an object.",
        ));
    };
    match props.get("storageAccountId") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => {
            return Err(Reply::bad_request(
                "The property 'properties.storageAccountId' is required and must be a non-empty string.",
            ));
        }
    }
    let job_type = match props.get("jobType") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("Import") => "Import",
        Some(Value::String(t)) if t.eq_ignore_ascii_case("Export") => "Export",
        _ => {
            return Err(Reply::bad_request(
                "The property 'properties.jobType' is required and must be 'Import' or 'Export'.",
            ));
        }
    };
    for (field, ok, what) in [
        (
            "returnAddress",
            Value::is_object as fn(&Value) -> bool,
            "an object",
        ),
        ("returnShipping", Value::is_object, "an object"),
        ("deliveryPackage", Value::is_object, "an object"),
        ("driveList", Value::is_array, "an array"),
        ("export", Value::is_object, "an object"),
    ] {
        check_type(props, field, ok, what)?;
    }
    if job_type == "Import" {
        let drives = props
            .get("driveList")
            .and_then(Value::as_array)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                Reply::bad_request("An import job requires a non-empty 'properties.driveList'.")
            })?;
        if drives.len() > MAX_DRIVES {
            return Err(Reply::bad_request(format!(
                "An import job can have at most {MAX_DRIVES} drives; {} were given.",
                drives.len()
            )));
        }
        let ok = drives.iter().all(|d| {
            d.get("driveId")
                .and_then(Value::as_str)
                .is_some_and(|id| !id.trim().is_empty())
        });
        if !ok {
            return Err(Reply::bad_request(
                "Every drive in 'properties.driveList' requires a non-empty 'driveId'.",
            ));
        }
    } else if props.get("export").is_none() {
        return Err(Reply::bad_request(
            "An export job requires 'properties.export'.",
        ));
    }
    Ok(props.clone())
}

/// Parse `state eq 'X'` (case-insensitive words, single or double quotes).
fn parse_state_filter(filter: &str) -> Option<String> {
    let mut words = filter.trim().splitn(3, char::is_whitespace);
    let field = words.next()?;
    let op = words.next()?;
    let value = words.next()?.trim();
    if !field.eq_ignore_ascii_case("state") || !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let unquoted = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))?;
    Some(unquoted.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("%ZZ"), None);
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }

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

    #[test]
    fn filters() {
        assert_eq!(
            parse_state_filter("state eq 'Shipping'").as_deref(),
            Some("Shipping")
        );
        assert_eq!(
            parse_state_filter("State EQ \"x y\"").as_deref(),
            Some("x y")
        );
        assert_eq!(parse_state_filter("name eq 'x'"), None);
        assert_eq!(parse_state_filter("state"), None);
    }

    #[test]
    fn routes() {
        let segs = |p: &str| p.split('/').skip(1).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            Route::parse(&segs(
                "/SUBSCRIPTIONS/s/resourcegroups/g/PROVIDERS/microsoft.importexport/JOBS/j"
            )),
            Some(Route::Job {
                sub: "s".into(),
                rg: "g".into(),
                name: "j".into()
            })
        );
        assert_eq!(
            Route::parse(&segs(
                "/subscriptions/s/providers/Microsoft.ImportExport/jobs"
            )),
            Some(Route::ListBySubscription { sub: "s".into() })
        );
        assert_eq!(
            Route::parse(&segs(
                "/subscriptions//providers/Microsoft.ImportExport/jobs"
            )),
            None
        );
        assert_eq!(
            Route::parse(&segs("/providers/Microsoft.ImportExport/operations")),
            Some(Route::Operations)
        );
        assert_eq!(Route::parse(&segs("/nothing")), None);
    }
}
