//! The hand-written floor: reqwest + `serde_json::from_slice` into plain serde-derive
//! structs of the same shape as the generated models (`Option` fields, enums as
//! `String`, unknown fields dropped, no secret redaction, no extensible enums).

use crate::fixture::{PAGE_SIZE, TOKEN, job_url, list_url, pages_for, subscription_for};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::hint::black_box;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandJob {
    pub system_data: Option<HandSystemData>,
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    pub location: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub properties: Option<HandJobDetails>,
    pub identity: Option<HandIdentity>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandSystemData {
    pub created_by: Option<String>,
    pub created_by_type: Option<String>,
    pub created_at: Option<String>,
    pub last_modified_by: Option<String>,
    pub last_modified_by_type: Option<String>,
    pub last_modified_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandIdentity {
    #[serde(rename = "type")]
    pub identity_type: Option<String>,
    pub principal_id: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandJobDetails {
    pub storage_account_id: Option<String>,
    pub job_type: Option<String>,
    pub return_address: Option<HandAddress>,
    pub return_shipping: Option<HandReturnShipping>,
    pub shipping_information: Option<HandShippingInformation>,
    pub delivery_package: Option<HandDeliveryPackage>,
    pub return_package: Option<HandDeliveryPackage>,
    pub diagnostics_path: Option<String>,
    pub log_level: Option<String>,
    pub backup_drive_manifest: Option<bool>,
    pub state: Option<String>,
    pub cancel_requested: Option<bool>,
    pub percent_complete: Option<i64>,
    pub incomplete_blob_list_uri: Option<String>,
    pub drive_list: Option<Vec<HandDrive>>,
    pub export: Option<HandExport>,
    pub provisioning_state: Option<String>,
    pub encryption_key: Option<HandEncryptionKey>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandAddress {
    pub recipient_name: Option<String>,
    pub street_address1: Option<String>,
    pub street_address2: Option<String>,
    pub city: Option<String>,
    pub state_or_province: Option<String>,
    pub postal_code: Option<String>,
    pub country_or_region: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandReturnShipping {
    pub carrier_name: Option<String>,
    pub carrier_account_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandShippingInformation {
    pub recipient_name: Option<String>,
    pub street_address1: Option<String>,
    pub street_address2: Option<String>,
    pub city: Option<String>,
    pub state_or_province: Option<String>,
    pub postal_code: Option<String>,
    pub country_or_region: Option<String>,
    pub phone: Option<String>,
    pub additional_information: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandDeliveryPackage {
    pub carrier_name: Option<String>,
    pub tracking_number: Option<String>,
    pub drive_count: Option<i64>,
    pub ship_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandDrive {
    pub drive_id: Option<String>,
    pub bit_locker_key: Option<String>,
    pub manifest_file: Option<String>,
    pub manifest_hash: Option<String>,
    pub drive_header_hash: Option<String>,
    pub state: Option<String>,
    pub copy_status: Option<String>,
    pub percent_complete: Option<i64>,
    pub verbose_log_uri: Option<String>,
    pub error_log_uri: Option<String>,
    pub manifest_uri: Option<String>,
    pub bytes_succeeded: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandExport {
    pub blob_list: Option<HandBlobList>,
    pub blob_list_blob_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandBlobList {
    pub blob_path: Option<Vec<String>>,
    pub blob_path_prefix: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandEncryptionKey {
    pub kek_type: Option<String>,
    pub kek_url: Option<String>,
    pub kek_vault_resource_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandPage {
    #[serde(default)]
    pub value: Vec<HandJob>,
    pub next_link: Option<String>,
}

/// The same reqwest settings azure_core uses (no redirects), nothing else.
pub fn hand_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// The floor's client with the settings azure_core 1.1 gives its own reqwest client
/// (`connect_timeout` 20 s, `read_timeout` 60 s, no redirects): tells the cost of those
/// timers from that of the pipeline.
pub fn hand_client_core_settings() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(20))
        .read_timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// GET `url` with the bearer token and deserialize the body. Panics on a failure.
pub async fn hand_get<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> T {
    let response = http
        .get(url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("GET sent");
    assert!(response.status().is_success(), "{}", response.status());
    let bytes = response.bytes().await.expect("body read");
    serde_json::from_slice(&bytes).expect("body deserializes")
}

/// W1 floor: GET one job.
pub async fn hand_get_job(http: &reqwest::Client, base: &str) -> HandJob {
    hand_get(http, &job_url(base, "job1")).await
}

/// W2 floor: list all `total` jobs of [`subscription_for`]`(total)`, page by page,
/// following `nextLink`; returns the number of jobs seen. One page is alive at a time.
pub async fn hand_list_all(http: &reqwest::Client, base: &str, total: usize) -> usize {
    hand_list_pages::<HandPage>(http, base, total, |page| {
        let n = page.value.len();
        black_box(&page.value);
        (n, page.next_link)
    })
    .await
}

/// The W2 floor loop deserializing into the generated models instead: tells the cost of
/// the generated serde code from that of the pipeline and the pager.
pub async fn hand_list_all_generated_models(
    http: &reqwest::Client,
    base: &str,
    total: usize,
) -> usize {
    hand_list_pages::<azure_importexport_rest::models::ListJobsResponse>(
        http,
        base,
        total,
        |page| {
            let n = page.value.as_ref().map_or(0, Vec::len);
            black_box(&page.value);
            (n, page.next_link)
        },
    )
    .await
}

async fn hand_list_pages<P: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    total: usize,
    mut consume: impl FnMut(P) -> (usize, Option<String>),
) -> usize {
    let mut url = list_url(base, &subscription_for(total));
    let mut count = 0;
    // Bounded: one more page than the server has.
    for _ in 0..=pages_for(total) {
        let (n, next) = consume(hand_get::<P>(http, &url).await);
        count += n;
        match next {
            Some(next) => url = next,
            None => return count,
        }
    }
    panic!("more than {} pages of {PAGE_SIZE}", pages_for(total));
}

/// Job states from which a cancel may be requested (the SDK's rule, DESIGN section 1).
const CANCELLABLE: [&str; 4] = ["Creating", "Shipping", "Received", "Transferring"];

/// W3 floor: what a careful hand-written cancel does: GET the job, check its state,
/// PATCH `cancelRequested: true`, check the answer. No retry, no typed errors.
pub async fn hand_cancel(http: &reqwest::Client, base: &str, name: &str) -> HandJob {
    let url = job_url(base, name);
    let job: HandJob = hand_get(http, &url).await;
    let properties = job.properties.as_ref().expect("job properties");
    assert!(CANCELLABLE.contains(&properties.state.as_deref().unwrap_or("")));
    assert_ne!(properties.cancel_requested, Some(true));
    patch_cancel(http, &url).await
}

/// The PATCH floor on its own: `PATCH {"properties":{"cancelRequested":true}}` to the job
/// `name`, check the status, deserialize the answer and check it.
pub async fn hand_patch_cancel(http: &reqwest::Client, base: &str, name: &str) -> HandJob {
    patch_cancel(http, &job_url(base, name)).await
}

async fn patch_cancel(http: &reqwest::Client, url: &str) -> HandJob {
    let response = http
        .patch(url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .body(r#"{"properties":{"cancelRequested":true}}"#)
        .send()
        .await
        .expect("PATCH sent");
    assert!(response.status().is_success(), "{}", response.status());
    let bytes = response.bytes().await.expect("body read");
    let job: HandJob = serde_json::from_slice(&bytes).expect("body deserializes");
    assert_eq!(
        job.properties.as_ref().and_then(|p| p.cancel_requested),
        Some(true)
    );
    job
}

/// The DELETE floor: DELETE the job `name`, check the status, read the (empty) body.
pub async fn hand_delete(http: &reqwest::Client, base: &str, name: &str) {
    let response = http
        .delete(job_url(base, name))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("DELETE sent");
    assert!(response.status().is_success(), "{}", response.status());
    black_box(response.bytes().await.expect("body read"));
}
