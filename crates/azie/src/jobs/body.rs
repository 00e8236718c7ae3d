//! What `jobs create` and `jobs update` share: reading and checking a JSON body file,
//! reading the job from the reply, and turning a failed single-shot write into the
//! SDK's error (same messages and exit codes as the helpers').

use crate::exit::CliError;
use azure_core::Bytes;
use azure_core::http::Response;
use azure_importexport::rest::models::JobResponse;
use azure_importexport::rest::runtime::ServiceErrorExt as _;
use azure_importexport::{Job, RequestError, SECRET_FIELDS};
use serde::de::DeserializeOwned;
use std::path::Path;

/// The bytes of a `--file`; a file that cannot be read is a usage error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read --file {}: {e}", path.display())))
}

/// Parses `bytes` as the model `T` (named `model` in messages), or says which field is
/// wrong, where, and why: `properties.driveList[0].driveId (line 5, column 23): invalid
/// type...`. Nothing is sent for an invalid file (exit 2).
pub fn validate<T: DeserializeOwned>(
    bytes: &[u8],
    path: &Path,
    model: &str,
) -> Result<T, CliError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| invalid(path, model, &error.path().to_string(), error.inner()))?;
    // Trailing characters after the document.
    deserializer
        .end()
        .map_err(|error| invalid(path, model, ".", &error))?;
    Ok(value)
}

/// The usage error for an invalid file; `field` is `.` for the document as a whole.
fn invalid(path: &Path, model: &str, field: &str, error: &serde_json::Error) -> CliError {
    let location = format!("line {}, column {}", error.line(), error.column());
    let what = if field == "." {
        format!("is not a valid {model} JSON document ({location})")
    } else {
        format!("has an invalid `{field}` ({location})")
    };
    CliError::usage(format!(
        "--file {} {what}: {}; nothing was sent",
        path.display(),
        reason(field, error)
    ))
}

/// serde's reason, unless the field is a secret: its message may quote the value.
fn reason(field: &str, error: &serde_json::Error) -> String {
    let last = field.rsplit(['.', '[']).next().unwrap_or(field);
    if SECRET_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(last)) {
        format!(
            "{:?} error in a secret field (value not shown)",
            error.classify()
        )
    } else {
        // serde appends " at line L column C"; the location is given once, above.
        let message = error.to_string();
        match message.rfind(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        }
    }
}

/// Awaits a write that is sent once, and returns the reply's status and job; a failure
/// is mapped by [`write_error`], with `rerun` saying whether running again is safe.
pub async fn send_once(
    operation: &str,
    rerun: &str,
    write: impl Future<Output = azure_core::Result<Response<JobResponse>>>,
) -> Result<(u16, Job), CliError> {
    let response = write
        .await
        .map_err(|error| write_error(operation.to_owned(), error, rerun))?;
    let status = u16::from(response.status());
    Ok((status, job_from_reply(operation, response)?))
}

/// The job in a write's reply, kept byte for byte (unknown fields included).
fn job_from_reply(operation: &str, response: Response<JobResponse>) -> Result<Job, CliError> {
    let body: Bytes = response.into_body().into();
    Job::from_json(body).map_err(|error| {
        CliError::other(format!(
            "{operation}: the service's reply could not be read as a job (line {}, column {}); the request itself succeeded",
            error.line(),
            error.column()
        ))
    })
}

/// A failed write that was sent once (no retries): 404 is "not found" (exit 4), a
/// transient failure (408, 429, 5xx, connection) is "gave up" (exit 5) with a hint that
/// the command can be run again, a state refusal (409, `InvalidJobState`) exits 3, any
/// other answer is the service's final word (exit 1).
fn write_error(operation: String, error: azure_core::Error, rerun: &str) -> CliError {
    let transient_status = |status: u16| matches!(status, 408 | 429 | 500 | 502 | 503 | 504);
    let request_error = match error.service_error() {
        Some(service) if transient_status(u16::from(service.status)) => {
            let code = service.code.map(|c| format!(" ({c})")).unwrap_or_default();
            return CliError::gave_up(format!(
                "{operation}: HTTP {}{code}: {}; it was sent once and not retried: {rerun}",
                u16::from(service.status),
                service.message
            ));
        }
        Some(service) if u16::from(service.status) == 404 => RequestError::NotFound {
            operation,
            code: service.code,
            message: service.message,
        },
        Some(service) => RequestError::Refused {
            operation,
            status: u16::from(service.status),
            code: service.code,
            message: service.message,
        },
        None if matches!(
            error.kind(),
            azure_core::error::ErrorKind::Connection | azure_core::error::ErrorKind::Io
        ) =>
        {
            return CliError::gave_up(format!(
                "{operation}: {error}; it was sent once and not retried: {rerun}"
            ));
        }
        None => RequestError::Failed {
            operation,
            source: error,
        },
    };
    CliError::from(request_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_importexport::rest::models::PutJobParameters;

    fn check(json: &str) -> String {
        validate::<PutJobParameters>(json.as_bytes(), Path::new("job.json"), "PutJobParameters")
            .map(|_| String::new())
            .unwrap_or_else(|e| {
                assert_eq!(e.code, crate::exit::USAGE);
                e.message
            })
    }

    #[test]
    fn the_bad_field_is_named_with_its_position() {
        let message = check(
            "{\"location\": \"West US\",\n \"properties\": {\"driveList\": [{\"driveId\": 5}]}}",
        );
        assert!(
            message.contains("`properties.driveList[0].driveId` (line 2, column"),
            "{message}"
        );
        assert!(message.contains("expected a string"), "{message}");
        assert!(message.contains("nothing was sent"), "{message}");
    }

    #[test]
    fn secrets_are_not_quoted_and_unknown_fields_are_fine() {
        let message = check(r#"{"properties": {"driveList": [{"bitLockerKey": 123456789}]}}"#);
        assert!(message.contains("bitLockerKey"), "{message}");
        assert!(!message.contains("123456789"), "{message}");
        assert_eq!(check(r#"{"location": "x", "somethingNew": {"a": 1}}"#), "");
    }

    #[test]
    fn not_json_or_not_an_object_is_reported_as_a_whole() {
        assert!(check("[1]").contains("is not a valid PutJobParameters"));
        assert!(check("{\"location\": \"x\"} trailing").contains("line 1"));
        assert!(check("").contains("EOF"), "{}", check(""));
    }
}
