//! Replies: responses before they become wiremock templates, the ARM error bodies, and
//! the templates of injected faults.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

/// A response before it becomes a wiremock template.
#[derive(Debug, Clone)]
pub(super) struct Reply {
    pub status: u16,
    body: Option<Value>,
    error_code: Option<String>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            error_code: None,
        }
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            error_code: None,
        }
    }

    /// An ARM error: `{"error":{"code","message"}}` and the `x-ms-error-code` header.
    /// No `details`, as ARM's own answers about no particular field (404
    /// `ResourceNotFound`, 429 `SubscriptionRequestsThrottled`, 409 state refusals, 415...)
    /// have none; [`with_target`](Self::with_target) and [`with_detail`](Self::with_detail)
    /// add them for the fields at fault.
    pub fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        let error = json!({ "code": code, "message": message.into() });
        Self {
            status,
            body: Some(json!({ "error": error })),
            error_code: Some(code.to_owned()),
        }
    }

    /// The same error, naming the property (or parameter) at fault in `error.target`, and
    /// in one `details` entry (`code`, `target`, `message`), as ARM's validation errors
    /// list each invalid field.
    pub fn with_target(mut self, target: &str) -> Self {
        let message = match self.body.as_ref().and_then(|b| b.pointer("/error/message")) {
            Some(Value::String(message)) => message.clone(),
            _ => String::new(),
        };
        if let Some(error) = self.body.as_mut().and_then(|b| b.get_mut("error")) {
            error["target"] = Value::String(target.to_owned());
        }
        self.with_detail(target, message)
    }

    /// One more `details` entry: the field `target` and what is wrong with it, under the
    /// error's code.
    pub fn with_detail(mut self, target: &str, message: impl Into<String>) -> Self {
        let code = self.error_code.clone().unwrap_or_default();
        if let Some(error) = self.body.as_mut().and_then(|b| b.get_mut("error")) {
            let detail = json!({ "code": code, "target": target, "message": message.into() });
            match error.get_mut("details").and_then(Value::as_array_mut) {
                Some(details) => details.push(detail),
                None => error["details"] = json!([detail]),
            }
        }
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::error(400, "BadRequest", message)
    }

    /// `ResourceNotFound` for a missing job.
    pub fn job_not_found(rg: &str, name: &str) -> Self {
        Self::error(
            404,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.ImportExport/jobs/{name}' under resource group '{rg}' was not found."
            ),
        )
    }

    pub fn into_template(self) -> ResponseTemplate {
        let mut template = template(self.status);
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

/// What handling a request did: the reply, and whether the state changed.
pub(super) struct Outcome {
    pub reply: Reply,
    pub applied: bool,
}

impl Outcome {
    /// A reply to an operation that changed the state.
    pub fn applied(reply: Reply) -> Self {
        Self {
            reply,
            applied: true,
        }
    }
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            applied: false,
        }
    }
}

/// `status` if wiremock accepts it, else 500.
pub(super) fn valid_status(status: u16) -> u16 {
    if (100..=999).contains(&status) {
        status
    } else {
        500
    }
}

/// A template with a status code that wiremock accepts (out-of-range codes become 500).
fn template(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(valid_status(status))
}

/// Whether `value` is a valid HTTP header value (wiremock panics on invalid ones).
pub(super) fn header_ok(value: &str) -> bool {
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

/// [`Fault::Status`](crate::Fault::Status): `body` as given (JSON or plain text), else an
/// ARM error for the status; `Retry-After` when given and valid.
pub(super) fn injected_status(
    status: u16,
    retry_after: Option<String>,
    body: Option<String>,
) -> ResponseTemplate {
    let template = match body {
        Some(body) => {
            let mime = if serde_json::from_str::<Value>(&body).is_ok() {
                "application/json"
            } else {
                "text/plain"
            };
            template(status).set_body_raw(body.into_bytes(), mime)
        }
        None => Reply::error(
            status,
            fault_code(status),
            format!("Injected fault: HTTP {status}."),
        )
        .into_template(),
    };
    match retry_after.filter(|v| header_ok(v)) {
        Some(value) => template.insert_header("Retry-After", value),
        None => template,
    }
}

/// [`Fault::Raw`](crate::Fault::Raw): the bytes as given, with `content_type` when it is a
/// valid header value.
pub(super) fn injected_raw(status: u16, content_type: &str, body: Vec<u8>) -> ResponseTemplate {
    let mime = if !content_type.is_empty() && header_ok(content_type) {
        content_type
    } else {
        "application/octet-stream"
    };
    template(status).set_body_raw(body, mime)
}

/// [`Fault::StatusAfterApply`](crate::Fault::StatusAfterApply): a 2xx without a body, any
/// other status with an ARM error saying the operation was applied.
pub(super) fn injected_after_apply(status: u16) -> ResponseTemplate {
    if (200..300).contains(&status) {
        return template(status);
    }
    Reply::error(
        status,
        fault_code(status),
        format!("Injected fault: HTTP {status} after the operation was applied."),
    )
    .into_template()
}
