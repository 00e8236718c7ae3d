//! The faults, operations and variants of the matrix, and what each fault puts on the wire.

use super::*;

pub(crate) fn wall_start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Throttle429Seconds,
    Throttle429Date,
    S408,
    S500,
    S502,
    S503,
    S504,
    ConnectionReset,
    ConnectionRefused,
    DelayBeyondTimeout,
    TruncatedBody,
    InvalidJson,
    HtmlErrorPage,
    EmptyBody,
    UnknownEnumValue,
    UnknownFields,
    MissingOptionalFields,
    MissingState,
    Final400,
    Final404,
    Final409,
}

pub(crate) const FAULTS: [Fault; 21] = [
    Fault::Throttle429Seconds,
    Fault::Throttle429Date,
    Fault::S408,
    Fault::S500,
    Fault::S502,
    Fault::S503,
    Fault::S504,
    Fault::ConnectionReset,
    Fault::ConnectionRefused,
    Fault::DelayBeyondTimeout,
    Fault::TruncatedBody,
    Fault::InvalidJson,
    Fault::HtmlErrorPage,
    Fault::EmptyBody,
    Fault::UnknownEnumValue,
    Fault::UnknownFields,
    Fault::MissingOptionalFields,
    Fault::MissingState,
    Fault::Final400,
    Fault::Final404,
    Fault::Final409,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Retried: 408, 429, 5xx, connection errors, timeouts, a body cut short.
    Transient,
    /// A complete answer that is not retried (4xx, an unreadable 200).
    Final,
    /// The job itself has an unusual shape (no fault is injected).
    Data,
}

impl Fault {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Fault::Throttle429Seconds => "429 Retry-After: 1",
            Fault::Throttle429Date => "429 Retry-After: <HTTP date +3s>",
            Fault::S408 => "408",
            Fault::S500 => "500",
            Fault::S502 => "502",
            Fault::S503 => "503",
            Fault::S504 => "504",
            Fault::ConnectionReset => "connection reset",
            Fault::ConnectionRefused => "connection refused",
            Fault::DelayBeyondTimeout => "reply delayed > attempt timeout",
            Fault::TruncatedBody => "body truncated (conn. closed)",
            Fault::InvalidJson => "200 invalid JSON",
            Fault::HtmlErrorPage => "502 HTML error page",
            Fault::EmptyBody => "200 empty body",
            Fault::UnknownEnumValue => "unknown enum values (state)",
            Fault::UnknownFields => "unknown fields",
            Fault::MissingOptionalFields => "missing optional fields",
            Fault::MissingState => "no properties.state",
            Fault::Final400 => "400 ARM error",
            Fault::Final404 => "404 ARM error",
            Fault::Final409 => "409 ARM error",
        }
    }

    pub(crate) fn class(self) -> Class {
        match self {
            Fault::InvalidJson
            | Fault::EmptyBody
            | Fault::Final400
            | Fault::Final404
            | Fault::Final409 => Class::Final,
            Fault::UnknownEnumValue
            | Fault::UnknownFields
            | Fault::MissingOptionalFields
            | Fault::MissingState => Class::Data,
            _ => Class::Transient,
        }
    }

    /// Whether the emulator (or upstream) applied the request before the fault hit the
    /// reply: the reply is lost, not the request.
    pub(crate) fn applies_request(self) -> bool {
        matches!(self, Fault::DelayBeyondTimeout | Fault::TruncatedBody)
    }

    pub(crate) fn arm_status(self) -> Option<u16> {
        match self {
            Fault::Final400 => Some(400),
            Fault::Final404 => Some(404),
            Fault::Final409 => Some(409),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Get,
    List,
    Cancel,
    SafeDelete,
    WaitUntil,
}

pub(crate) const OPS: [Op; 5] = [Op::Get, Op::List, Op::Cancel, Op::SafeDelete, Op::WaitUntil];

impl Op {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::List => "list (page 2)",
            Op::Cancel => "cancel (PATCH)",
            Op::SafeDelete => "safe_delete",
            Op::WaitUntil => "wait_until",
        }
    }

    /// The state the job starts in.
    pub(crate) fn initial_state(self) -> &'static str {
        match self {
            Op::Get | Op::List | Op::Cancel => "Shipping",
            Op::SafeDelete => "Completed",
            Op::WaitUntil => "Packaging",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The fault hits the first two attempts, then the service recovers.
    Twice,
    /// The fault hits every attempt.
    Persistent,
}

impl Variant {
    pub(crate) fn count(self) -> usize {
        match self {
            Variant::Twice => 2,
            Variant::Persistent => PERSISTENT,
        }
    }
}

/// Which request the fault is put on, and which requests the "attempts" column counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `GET .../jobs/job-a`.
    JobGet,
    /// `GET .../jobs?...$skiptoken=1` (page 2).
    Page2,
    /// `PATCH .../jobs/job-a`.
    Patch,
    /// `DELETE .../jobs/job-a`.
    Delete,
}

pub(crate) fn target(fault: Fault, op: Op) -> Target {
    match op {
        Op::Get | Op::WaitUntil => Target::JobGet,
        Op::List => Target::Page2,
        Op::Cancel => Target::Patch,
        // An unreadable 200 is the documented reply of a DELETE only when empty; what
        // matters for a delete is that an unreadable look-up never leads to a DELETE.
        Op::SafeDelete => match fault {
            Fault::InvalidJson | Fault::EmptyBody => Target::JobGet,
            _ => Target::Delete,
        },
    }
}

impl Target {
    pub(crate) fn method(self) -> &'static str {
        match self {
            Target::JobGet | Target::Page2 => "GET",
            Target::Patch => "PATCH",
            Target::Delete => "DELETE",
        }
    }

    pub(crate) fn kind(self) -> RequestKind {
        match self {
            Target::JobGet => RequestKind::GetJob,
            Target::Page2 => RequestKind::ListJobs,
            Target::Patch => RequestKind::UpdateJob,
            Target::Delete => RequestKind::DeleteJob,
        }
    }

    /// Requests of this target in the client's log.
    pub(crate) fn count(self, log: &RequestLog) -> usize {
        log.entries()
            .iter()
            .filter(|r| r.method == self.method())
            .filter(|r| match self {
                Target::Page2 => r.query.contains("skiptoken"),
                Target::JobGet | Target::Patch | Target::Delete => r.path.ends_with(JOB),
            })
            .count()
    }

    /// What the proxy matches in the request target.
    pub(crate) fn proxy_match(self) -> &'static str {
        match self {
            Target::Page2 => "skiptoken",
            Target::JobGet | Target::Patch | Target::Delete => "/jobs/job-a?",
        }
    }
}

/// The ARM error body of the final faults.
pub(crate) fn arm_body(status: u16) -> String {
    json!({"error": {"code": ARM_CODE, "message": format!("Injected: refused with {status}.")}})
        .to_string()
}

pub(crate) fn retry_after_date() -> String {
    httpdate::fmt_http_date(wall_start() + Duration::from_secs(3))
}

pub(crate) const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p>\n<hr><address>gateway</address></body></html>";
pub(crate) const INVALID_JSON: &str = r#"{"name":"job-a","properties":{"state":"Shipping",},}"#;

/// The emulator fault for status, body and delay faults.
pub(crate) fn emulator_fault(fault: Fault) -> Option<EmFault> {
    Some(match fault {
        Fault::Throttle429Seconds => EmFault::throttled("1"),
        Fault::Throttle429Date => EmFault::throttled(retry_after_date()),
        Fault::S408 => EmFault::status(408),
        Fault::S500 => EmFault::status(500),
        Fault::S502 => EmFault::status(502),
        Fault::S503 => EmFault::status(503),
        Fault::S504 => EmFault::status(504),
        Fault::DelayBeyondTimeout => EmFault::Delay(LONG_DELAY),
        Fault::InvalidJson => EmFault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: INVALID_JSON.into(),
        },
        Fault::HtmlErrorPage => EmFault::Raw {
            status: 502,
            content_type: "text/html".into(),
            body: HTML_PAGE.into(),
        },
        Fault::EmptyBody => EmFault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: Vec::new(),
        },
        Fault::Final400 | Fault::Final404 | Fault::Final409 => {
            let status = fault.arm_status()?;
            EmFault::Status {
                status,
                retry_after: None,
                body: Some(arm_body(status)),
            }
        }
        _ => return None,
    })
}

/// The same faults as wiremock templates, for page 2 of a list.
pub(crate) fn page2_template(fault: Fault) -> Option<ResponseTemplate> {
    let arm = |status: u16, code: &str| {
        ResponseTemplate::new(status).set_body_raw(
            json!({"error": {"code": code, "message": format!("Injected fault: HTTP {status}.")}})
                .to_string(),
            "application/json",
        )
    };
    Some(match fault {
        Fault::Throttle429Seconds => arm(429, "TooManyRequests").insert_header("Retry-After", "1"),
        Fault::Throttle429Date => {
            arm(429, "TooManyRequests").insert_header("Retry-After", retry_after_date().as_str())
        }
        Fault::S408 => arm(408, "RequestTimeout"),
        Fault::S500 => arm(500, "InternalServerError"),
        Fault::S502 => arm(502, "BadGateway"),
        Fault::S503 => arm(503, "ServiceUnavailable"),
        Fault::S504 => arm(504, "GatewayTimeout"),
        Fault::DelayBeyondTimeout => ResponseTemplate::new(200)
            .set_body_raw(r#"{"value":[]}"#, "application/json")
            .set_delay(LONG_DELAY),
        Fault::InvalidJson => {
            ResponseTemplate::new(200).set_body_raw(INVALID_JSON, "application/json")
        }
        Fault::HtmlErrorPage => ResponseTemplate::new(502).set_body_raw(HTML_PAGE, "text/html"),
        Fault::EmptyBody => ResponseTemplate::new(200).set_body_raw("", "application/json"),
        Fault::Final400 | Fault::Final404 | Fault::Final409 => {
            let status = fault.arm_status()?;
            ResponseTemplate::new(status).set_body_raw(arm_body(status), "application/json")
        }
        _ => return None,
    })
}

/// The job as stored for the data faults (`None`: the normal job).
pub(crate) fn data_body(fault: Fault, name: &str, state: &str) -> Option<Value> {
    match fault {
        Fault::UnknownEnumValue => {
            let mut job = job_body(name, "Archived");
            job["identity"]["type"] = json!("FederatedFutureIdentity");
            job["properties"]["driveList"][0]["state"] = json!("Vaporized");
            job["systemData"] = json!({"createdByType": "Robot", "createdBy": "r2"});
            Some(job)
        }
        Fault::UnknownFields => {
            let mut job = job_body(name, state);
            job["futureTopLevel"] = json!({"nested": [1, {"deep": true}], "n": 1.5e300});
            job["properties"]["futureProperty"] = json!("x");
            job["properties"]["driveList"][0]["futureDriveField"] = json!(7);
            job["properties"]["returnShipping"]["futureCarrierField"] = json!(null);
            Some(job)
        }
        Fault::MissingOptionalFields => Some(json!({"properties": {"state": state}})),
        Fault::MissingState => Some(json!({"name": name, "properties": {"jobType": "Import"}})),
        _ => None,
    }
}
