//! Helpers shared by the operation tests: paths, bodies and error views.

use azure_core::error::ErrorKind;
use azure_core::http::{RequestContent, StatusCode};
use azure_importexport_rest::runtime::{ServiceError, ServiceErrorExt as _};

pub const SUB_JOBS_PATH: &str =
    "/subscriptions/00000000-0000-0000-0000-0000000000aa/providers/Microsoft.ImportExport/jobs";

/// A request body from any serializable value, also one that is not a request model
/// (request models convert with `try_into()`).
pub fn json_body<T: serde::Serialize>(model: &T) -> RequestContent<T> {
    RequestContent::from(serde_json::to_vec(model).expect("model serializes"))
}

pub fn api_version() -> (&'static str, &'static str) {
    ("api-version", "2021-01-01")
}

/// The `HttpResponse` parts of an error, or a panic naming what it was instead.
pub fn http_parts(error: &azure_core::Error) -> (StatusCode, Option<String>) {
    match error.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => (*status, error_code.clone()),
        other => panic!("expected an HttpResponse error, got {other:?}: {error}"),
    }
}

pub fn service_error(error: &azure_core::Error) -> ServiceError {
    error
        .service_error()
        .unwrap_or_else(|| panic!("expected a service error, got {error}"))
}
