//! `azie jobs create RG NAME --file BODY.json`: one PUT (Jobs_Create) of the file's
//! bytes, exactly as written, after checking that they parse as `PutJobParameters`.

use super::body::{read_file, send_once, validate};
use crate::exit::CliError;
use azure_core::http::RequestContent;
use azure_importexport::rest::models::PutJobParameters;
use azure_importexport::{Job, JobRef};
use std::path::Path;

/// Sends the PUT once and returns the job the service answered with. 201 (created) and
/// 200 (the service also answers 200 for a PUT on an existing job) are both success.
pub async fn run(job_ref: &JobRef, file: &Path) -> Result<Job, CliError> {
    let bytes = read_file(file)?;
    // Checked against the model, but the file's own bytes are sent: unknown fields and
    // anything the model would normalise reach the service as the user wrote them.
    validate::<PutJobParameters>(&bytes, file, "PutJobParameters")?;
    let label = format!("{}/{}", job_ref.resource_group(), job_ref.name());
    let jobs = job_ref.client().rest().jobs();
    let put = jobs.create(
        job_ref.resource_group(),
        job_ref.name(),
        RequestContent::from(bytes),
        None,
    );
    let rerun = "look the job up with `azie jobs show` before creating it again";
    let (status, job) = send_once(&format!("PUT job {label}"), rerun, put).await?;
    let outcome = if status == 201 {
        "created"
    } else {
        "accepted (it may have existed already)"
    };
    eprintln!(
        "Job {label} {outcome}: HTTP {status}, state {}.",
        job.state()
    );
    Ok(job)
}
