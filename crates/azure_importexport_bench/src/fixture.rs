//! What the loopback server serves: one realistic job and the listing paths.

use azure_importexport_test::JobJson;
use serde_json::json;

/// Subscription of the default listing: [`DEFAULT_JOBS`] jobs (see [`subscription_for`]).
pub const SUB: &str = "00000000-0000-0000-0000-000000010000";
/// Resource group of every job.
pub const RG: &str = "bench-rg";
/// The static bearer token every client sends.
pub const TOKEN: &str = "bench-token";
/// Jobs per list page (the service's maximum `$top`).
pub const PAGE_SIZE: usize = 100;
/// Jobs in the default listing (W2): 100 pages.
pub const DEFAULT_JOBS: usize = 10_000;
/// The largest listing the server serves (bounds every listing loop).
pub const MAX_JOBS: usize = 1_000_000;
/// The api-version every client sends.
pub const API_VERSION: &str = "2021-01-01";

/// The subscription whose job listing has `total` jobs: its last 12 characters are the
/// count, e.g. `00000000-0000-0000-0000-000000001000` for 1,000 jobs.
pub fn subscription_for(total: usize) -> String {
    assert!(total <= MAX_JOBS, "at most {MAX_JOBS} jobs");
    format!("00000000-0000-0000-0000-{total:012}")
}

/// The job count of a subscription made by [`subscription_for`].
pub fn jobs_in_subscription(sub: &str) -> Option<usize> {
    let digits = sub.strip_prefix("00000000-0000-0000-0000-")?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|total| *total <= MAX_JOBS)
}

/// Number of pages of a listing of `total` jobs (an empty listing is one empty page).
pub fn pages_for(total: usize) -> usize {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// `/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs`
pub fn sub_jobs_path(sub: &str) -> String {
    format!("/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs")
}

/// Path of a job of [`SUB`] in [`RG`].
pub fn job_path(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}")
}

/// URL of a job, with the api-version.
pub fn job_url(base: &str, name: &str) -> String {
    format!("{base}{}?api-version={API_VERSION}", job_path(name))
}

/// URL of the first page of a subscription's listing, with the api-version.
pub fn list_url(base: &str, sub: &str) -> String {
    format!("{base}{}?api-version={API_VERSION}", sub_jobs_path(sub))
}

/// The fixture job: the shared [`JobJson`] in `Transferring` (so a cancel is allowed, and
/// has not been requested yet), 37% done, with two drives (one copying, one received), a
/// second tag and the optional address fields, so every client meets every field of the
/// model: about 2 KB of JSON.
fn job(name: &str) -> JobJson {
    JobJson::new(SUB, RG, name)
        .state("Transferring")
        .percent_complete(37)
        .drives([
            json!({"driveId": "DRV0017A", "manifestFile": "\\disk-manifest.xml",
                 "manifestHash": "0F1E2D3C4B5A69788796A5B4C3D2E1F0", "state": "Transferring",
                 "copyStatus": "InProgress", "percentComplete": 40, "bytesSucceeded": 123456789,
                 "verboseLogUri": "https://acct.blob.core.windows.net/ielogs/verbose.xml"}),
            json!({"driveId": "DRV0017C", "manifestFile": "\\disk-manifest.xml",
                 "manifestHash": "209B21108597EF36D5785F08303F3638", "state": "Received"}),
        ])
        .with("/tags/cost-center", json!("42"))
        .with("/properties/returnAddress/streetAddress2", json!("Suite 2"))
        .with("/properties/shippingInformation/streetAddress2", json!(""))
        .with(
            "/properties/shippingInformation/additionalInformation",
            json!(""),
        )
}

/// A realistic job (about 2 KB of JSON), every field known to all clients. Its state
/// (`Transferring`) allows a cancel, which has not been requested yet.
pub fn job_json(name: &str) -> serde_json::Value {
    job(name).build()
}

/// The same job after a cancel request (what the server answers a PATCH with).
pub fn cancelled_job_json(name: &str) -> serde_json::Value {
    job(name).cancel_requested(true).build()
}

/// A list page of `jobs` copies of the job, with the given `nextLink`: exactly the bytes
/// the server sends for such a page.
pub fn page_json(jobs: usize, next_link: Option<&str>) -> Vec<u8> {
    let mut out = page_prefix(jobs);
    out.extend_from_slice(&page_suffix(next_link));
    out
}

/// `{"value":[job,job,...]` (the page without its end).
pub(crate) fn page_prefix(jobs: usize) -> Vec<u8> {
    let job = serde_json::to_vec(&job_json("job1")).expect("the fixture serializes");
    let mut out = Vec::with_capacity(16 + jobs * (job.len() + 1));
    out.extend_from_slice(b"{\"value\":[");
    for i in 0..jobs {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&job);
    }
    out.push(b']');
    out
}

/// `,"nextLink":"..."}` or `}`.
pub(crate) fn page_suffix(next_link: Option<&str>) -> Vec<u8> {
    match next_link {
        Some(link) => format!(
            ",\"nextLink\":{}}}",
            serde_json::Value::String(link.to_owned())
        )
        .into_bytes(),
        None => b"}".to_vec(),
    }
}
