//! Service errors: azure_core's `HttpResponse` error, with a readable message for any
//! body (ARM-shaped, flat, empty, HTML, truncated) and a typed view for callers.
//!
//! ARM bodies are read with azure_core's own `ErrorResponse`, which keeps `details` and
//! `innererror`; the flat `{"code","message"}` some services send and the
//! `x-ms-error-code` header are the fallbacks.

use azure_core::error::{ErrorDetail, ErrorKind, ErrorResponse, InnerError};
use azure_core::http::{RawResponse, StatusCode};
use serde::Deserialize;

/// Longest excerpt of a non-ARM body put into an error message.
const EXCERPT_CHARS: usize = 200;

/// What the service said, parsed from an `HttpResponse` error.
///
/// `#[non_exhaustive]`: services add to the ARM error shape, and so may this view.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceError {
    /// HTTP status.
    pub status: StatusCode,
    /// ARM error code (`ResourceNotFound`, ...), from the body or `x-ms-error-code`.
    pub code: Option<String>,
    /// ARM error message, or an excerpt of a non-ARM body.
    pub message: String,
    /// ARM error target.
    pub target: Option<String>,
    /// The errors that make up this one (`error.details`), e.g. one per invalid property.
    pub details: Vec<ErrorDetail>,
    /// A more specific cause (`error.innererror`), when the service gives one.
    pub inner_error: Option<InnerError>,
    /// The body as received.
    pub raw_body: Vec<u8>,
}

/// Typed access to service errors carried by `azure_core::Error`.
pub trait ServiceErrorExt {
    /// `Some` when the error is an HTTP response from the service.
    fn service_error(&self) -> Option<ServiceError>;
}

impl ServiceErrorExt for azure_core::Error {
    fn service_error(&self) -> Option<ServiceError> {
        let ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } = self.kind()
        else {
            return None;
        };
        let raw_body = raw_response
            .as_ref()
            .map(|r| r.body().to_vec())
            .unwrap_or_default();
        let parsed = parse_body(&raw_body);
        // With the response at hand, the code comes from its body or `x-ms-error-code` only:
        // when azure_core cannot parse a body it puts the status number ("502") in
        // `error_code`, which is not an ARM code.
        let fallback_code = match raw_response {
            Some(raw) => super::header(raw.headers(), &"x-ms-error-code".into()).map(str::to_owned),
            None => error_code.clone(),
        };
        Some(ServiceError {
            status: *status,
            code: parsed.code.or(fallback_code),
            message: parsed
                .message
                .unwrap_or_else(|| describe_body(*status, raw_response.as_deref())),
            target: parsed.target,
            details: parsed.details,
            inner_error: parsed.inner_error,
            raw_body,
        })
    }
}

/// The parts of an error body this module reads.
#[derive(Default)]
struct Parsed {
    code: Option<String>,
    message: Option<String>,
    target: Option<String>,
    details: Vec<ErrorDetail>,
    inner_error: Option<InnerError>,
}

impl From<ErrorDetail> for Parsed {
    fn from(detail: ErrorDetail) -> Self {
        Parsed {
            code: detail.code,
            message: detail.message,
            target: detail.target,
            details: detail.details,
            inner_error: detail.inner_error,
        }
    }
}

/// Code, message and target only: read when azure_core's stricter types reject a body
/// (e.g. `"details": null`), so that the code and message are not lost with them.
#[derive(Deserialize)]
struct Lenient {
    error: Option<LenientDetail>,
    #[serde(flatten)]
    flat: LenientDetail,
}

#[derive(Deserialize)]
struct LenientDetail {
    code: Option<String>,
    message: Option<String>,
    target: Option<String>,
}

impl From<LenientDetail> for Parsed {
    fn from(detail: LenientDetail) -> Self {
        Parsed {
            code: detail.code,
            message: detail.message,
            target: detail.target,
            ..Parsed::default()
        }
    }
}

/// ARM `{"error":{...}}` (azure_core's `ErrorResponse`), or the flat `{"code","message"}`
/// some services send; anything else parses to nothing.
fn parse_body(body: &[u8]) -> Parsed {
    if let Ok(Some(detail)) = serde_json::from_slice::<ErrorResponse>(body).map(|r| r.error) {
        return detail.into();
    }
    if let Ok(detail) = serde_json::from_slice::<ErrorDetail>(body) {
        if detail.code.is_some() || detail.message.is_some() {
            return detail.into();
        }
    }
    match serde_json::from_slice::<Lenient>(body) {
        Ok(Lenient {
            error: Some(detail),
            ..
        }) => detail.into(),
        Ok(Lenient { flat, .. }) => flat.into(),
        Err(_) => Parsed::default(),
    }
}

fn describe_body(status: StatusCode, raw: Option<&RawResponse>) -> String {
    let Some(raw) = raw else {
        return format!("HTTP {status}");
    };
    let body = raw.body();
    if body.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    let content_type = super::header(raw.headers(), &"content-type".into()).unwrap_or("unknown");
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT_CHARS)
        .collect();
    format!(
        "HTTP {status} with a non-ARM body ({} bytes, content-type {content_type}): {excerpt}",
        body.len()
    )
}

/// Rewrites the message of `HttpResponse` errors whose body azure_core could not read as
/// ARM JSON (it would otherwise quote a whole HTML page), keeping status, code and raw response.
pub(crate) fn enrich(error: azure_core::Error) -> azure_core::Error {
    let Some(service) = error.service_error() else {
        return error;
    };
    let ErrorKind::HttpResponse {
        status,
        raw_response,
        ..
    } = error.kind().clone()
    else {
        return error;
    };
    let code = service.code.clone();
    let message = match &code {
        Some(code) => format!("{} ({code}): {}", status_text(status), service.message),
        None => format!("{}: {}", status_text(status), service.message),
    };
    azure_core::Error::with_message(
        ErrorKind::HttpResponse {
            status,
            error_code: code,
            raw_response,
        },
        message,
    )
}

fn status_text(status: StatusCode) -> String {
    format!("HTTP {}", u16::from(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::Headers;

    fn error_for(status: StatusCode, body: &'static [u8]) -> azure_core::Error {
        let raw = RawResponse::from_bytes(status, Headers::new(), body);
        azure_core::Error::with_message(
            ErrorKind::HttpResponse {
                status,
                error_code: None,
                raw_response: Some(Box::new(raw)),
            },
            "x",
        )
    }

    #[test]
    fn arm_body_is_parsed() {
        let err = enrich(error_for(
            StatusCode::NotFound,
            br#"{"error":{"code":"ResourceNotFound","message":"gone","target":"job"}}"#,
        ));
        let service = err.service_error().unwrap();
        assert_eq!(service.code.as_deref(), Some("ResourceNotFound"));
        assert_eq!(service.message, "gone");
        assert_eq!(service.target.as_deref(), Some("job"));
        assert_eq!(err.to_string(), "HTTP 404 (ResourceNotFound): gone");
    }

    #[test]
    fn status_number_fallback_of_azure_core_is_not_an_arm_code() {
        // azure_core's check_success sets error_code to the status ("502") when it cannot
        // parse the body; that must not surface as an ARM code.
        let raw = RawResponse::from_bytes(StatusCode::BadGateway, Headers::new(), "<html/>");
        let err = enrich(azure_core::Error::with_message(
            ErrorKind::HttpResponse {
                status: StatusCode::BadGateway,
                error_code: Some("502".to_owned()),
                raw_response: Some(Box::new(raw)),
            },
            "x",
        ));
        assert_eq!(err.service_error().unwrap().code, None);
        assert!(matches!(
            err.kind(),
            ErrorKind::HttpResponse {
                error_code: None,
                ..
            }
        ));
        let mut headers = Headers::new();
        headers.insert("x-ms-error-code", "Throttled");
        let raw = RawResponse::from_bytes(StatusCode::BadGateway, headers, "<html/>");
        let err = enrich(azure_core::Error::with_message(
            ErrorKind::HttpResponse {
                status: StatusCode::BadGateway,
                error_code: Some("Throttled".to_owned()),
                raw_response: Some(Box::new(raw)),
            },
            "x",
        ));
        assert_eq!(
            err.service_error().unwrap().code.as_deref(),
            Some("Throttled")
        );
        assert!(
            err.to_string().starts_with("HTTP 502 (Throttled): "),
            "{err}"
        );
    }

    #[test]
    fn html_and_truncated_and_empty_bodies_are_described() {
        let html = enrich(error_for(
            StatusCode::BadGateway,
            b"<html><body>\n  Bad gateway  </body></html>",
        ));
        assert!(html.to_string().contains("non-ARM body"), "{html}");
        assert!(
            html.to_string().contains("<html><body> Bad gateway"),
            "{html}"
        );
        let truncated = enrich(error_for(
            StatusCode::InternalServerError,
            br#"{"error":{"code":"Intern"#,
        ));
        assert!(
            truncated.to_string().contains("non-ARM body"),
            "{truncated}"
        );
        let empty = enrich(error_for(StatusCode::ServiceUnavailable, b""));
        assert!(empty.to_string().contains("empty body"), "{empty}");
        let flat = enrich(error_for(
            StatusCode::BadRequest,
            br#"{"code":"Bad","message":"flat"}"#,
        ));
        assert_eq!(flat.to_string(), "HTTP 400 (Bad): flat");
    }

    #[test]
    fn details_and_inner_error_are_kept() {
        let err = enrich(error_for(
            StatusCode::BadRequest,
            br#"{"error":{"code":"InvalidRequestContent","message":"Two properties are invalid.",
                "details":[{"code":"InvalidCarrier","message":"Unknown carrier.","target":"carrierName"},
                           {"code":"MissingDriveList","message":"No drives.","target":"driveList"}],
                "innererror":{"code":"ValidationFailed","innererror":{"code":"CarrierNotSupported"}}}}"#,
        ));
        let service = err.service_error().unwrap();
        assert_eq!(service.code.as_deref(), Some("InvalidRequestContent"));
        let targets: Vec<_> = service
            .details
            .iter()
            .map(|d| (d.code.as_deref(), d.target.as_deref()))
            .collect();
        assert_eq!(
            targets,
            [
                (Some("InvalidCarrier"), Some("carrierName")),
                (Some("MissingDriveList"), Some("driveList"))
            ]
        );
        let inner = service.inner_error.unwrap();
        assert_eq!(inner.code.as_deref(), Some("ValidationFailed"));
        assert_eq!(
            inner.inner_error.and_then(|i| i.code).as_deref(),
            Some("CarrierNotSupported")
        );
        assert_eq!(
            err.to_string(),
            "HTTP 400 (InvalidRequestContent): Two properties are invalid."
        );
    }

    #[test]
    fn flat_body_keeps_its_details() {
        let service = error_for(
            StatusCode::Conflict,
            br#"{"code":"Conflict","message":"flat","details":[{"code":"Locked"}]}"#,
        )
        .service_error()
        .unwrap();
        assert_eq!(service.code.as_deref(), Some("Conflict"));
        assert_eq!(service.details.len(), 1);
        assert_eq!(service.details[0].code.as_deref(), Some("Locked"));
        assert!(service.inner_error.is_none());
    }

    #[test]
    fn a_details_shape_azure_core_rejects_keeps_code_and_message() {
        // `ErrorDetail::details` is a `Vec`: `null` fails azure_core's type, not this view.
        for body in [
            &br#"{"error":{"code":"Busy","message":"try later","target":"job","details":null}}"#[..],
            br#"{"code":"Busy","message":"try later","target":"job","details":null}"#,
        ] {
            let service = error_for(StatusCode::Conflict, body)
                .service_error()
                .unwrap();
            assert_eq!(service.code.as_deref(), Some("Busy"));
            assert_eq!(service.message, "try later");
            assert_eq!(service.target.as_deref(), Some("job"));
            assert!(service.details.is_empty());
        }
    }
}
