//! Service errors: azure_core's `HttpResponse` error, with a readable message for any
//! body (ARM-shaped, flat, empty, HTML, truncated) and a typed view for callers.

use azure_core::error::ErrorKind;
use azure_core::http::{RawResponse, StatusCode};
use serde::Deserialize;

/// Longest excerpt of a non-ARM body put into an error message.
const EXCERPT_CHARS: usize = 200;

/// What the service said, parsed from an `HttpResponse` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status.
    pub status: StatusCode,
    /// ARM error code (`ResourceNotFound`, ...), from the body or `x-ms-error-code`.
    pub code: Option<String>,
    /// ARM error message, or an excerpt of a non-ARM body.
    pub message: String,
    /// ARM error target.
    pub target: Option<String>,
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
            Some(raw) => raw
                .headers()
                .get_optional_str(&"x-ms-error-code".into())
                .map(str::to_owned),
            None => error_code.clone(),
        };
        Some(ServiceError {
            status: *status,
            code: parsed.code.or(fallback_code),
            message: parsed
                .message
                .unwrap_or_else(|| describe_body(*status, raw_response.as_deref())),
            target: parsed.target,
            raw_body,
        })
    }
}

#[derive(Default, Deserialize)]
struct Parsed {
    code: Option<String>,
    message: Option<String>,
    target: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Option<Parsed>,
    code: Option<String>,
    message: Option<String>,
    target: Option<String>,
}

/// ARM `{"error":{...}}`, or the flat `{"code","message"}` some services send.
fn parse_body(body: &[u8]) -> Parsed {
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope {
            error: Some(inner), ..
        }) => inner,
        Ok(Envelope {
            code,
            message,
            target,
            ..
        }) => Parsed {
            code,
            message,
            target,
        },
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
    let content_type = raw
        .headers()
        .get_optional_str(&"content-type".into())
        .unwrap_or("unknown");
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
}
