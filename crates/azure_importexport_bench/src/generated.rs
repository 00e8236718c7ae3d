//! The generated client (`azure_importexport_rest`), set up for the loopback server.

use crate::fixture::{SUB, TOKEN};
use azure_core::http::{ClientOptions, RetryOptions};
use azure_importexport_rest::runtime::StaticTokenCredential;
use azure_importexport_rest::{ImportExportClient, ImportExportClientOptions};
use std::hint::black_box;
use std::sync::Arc;

/// The generated client for [`SUB`], endpoint `base`, static token, no retries.
pub fn generated_client(base: &str) -> ImportExportClient {
    generated_client_for(base, SUB)
}

/// The generated client for subscription `sub`.
pub fn generated_client_for(base: &str, sub: &str) -> ImportExportClient {
    ImportExportClient::new(
        sub,
        Arc::new(StaticTokenCredential::new(TOKEN)),
        Some(ImportExportClientOptions {
            endpoint: Some(base.to_owned()),
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("generated client")
}

/// The SDK (`azure_importexport`) for subscription `sub`, endpoint `base`, static token,
/// its default retry policy (which only matters on failures).
pub fn sdk_client_for(base: &str, sub: &str) -> azure_importexport::ImportExport {
    azure_importexport::ImportExport::new(
        sub,
        Arc::new(azure_importexport::StaticTokenCredential::new(TOKEN)),
        Some(azure_importexport::ImportExportOptions::default().with_endpoint(base)),
    )
    .expect("SDK client")
}

/// W1: `jobs().get()` with full deserialization into the generated `JobResponse`.
pub async fn generated_get_job(
    client: &ImportExportClient,
) -> azure_importexport_rest::models::JobResponse {
    client
        .jobs()
        .get(crate::fixture::RG, "job1", None)
        .await
        .expect("jobs().get()")
        .into_model()
        .expect("JobResponse deserializes")
}

/// W2: every job of the client's subscription through the `Pager` item stream; panics
/// past `total` jobs (the bound of the loop).
pub async fn generated_list_all(client: &ImportExportClient, total: usize) -> usize {
    let jobs = client
        .jobs()
        .list_by_subscription(None)
        .expect("list_by_subscription");
    crate::count_listed(jobs, total).await
}

/// `{"properties":{"cancelRequested":true}}` as the generated model.
pub fn cancel_parameters() -> azure_importexport_rest::models::UpdateJobParameters {
    azure_importexport_rest::models::UpdateJobParameters {
        properties: Some(
            azure_importexport_rest::models::UpdateJobParametersProperties {
                cancel_requested: Some(true),
                ..Default::default()
            },
        ),
        ..Default::default()
    }
}

/// PATCH through the generated client: `jobs().update()` with the body serialized from
/// the model ([`cancel_parameters`]), the answer deserialized and checked.
pub async fn generated_patch_cancel(
    client: &ImportExportClient,
    name: &str,
) -> azure_importexport_rest::models::JobResponse {
    let body = cancel_parameters().try_into().expect("body serializes");
    let job = client
        .jobs()
        .update(crate::fixture::RG, name, body, None)
        .await
        .expect("jobs().update()")
        .into_model()
        .expect("JobResponse deserializes");
    assert_eq!(
        job.properties.as_ref().and_then(|p| p.cancel_requested),
        Some(true)
    );
    job
}

/// DELETE through the generated client.
pub async fn generated_delete(client: &ImportExportClient, name: &str) {
    let response = client
        .jobs()
        .delete(crate::fixture::RG, name, None)
        .await
        .expect("jobs().delete()");
    black_box(response);
}
