//! The legacy crate `azure_mgmt_storageimportexport` 0.21 (package-preview-2021-01, on
//! azure_core 0.21), pointed at the loopback server.
//!
//! Its `ClientBuilder::endpoint` takes any `Url`, http included, and the bearer token is
//! added by each operation as a header (no auth policy, so no https check): the client
//! works against `http://127.0.0.1:PORT` unchanged. Its default transport is a reqwest
//! 0.12 client built with `pool_max_idle_per_host(0)` (a hyper hang workaround), so out
//! of the box every request opens a new connection; [`legacy_client_keepalive`] gives it
//! a pooled reqwest 0.12 client instead, to tell that cost from the rest.

use azure_core_legacy as core21;
use azure_importexport_bench::{PAGE_SIZE, RG, SUB, TOKEN, pages_for, subscription_for};
use azure_mgmt_storageimportexport::package_preview_2021_01 as legacy;
use futures::StreamExt as _;
use std::hint::black_box;
use std::sync::Arc;

pub use legacy::models::{JobResponse as LegacyJob, ListJobsResponse as LegacyPage};

/// A static azure_core 0.21 credential.
#[derive(Debug)]
pub struct LegacyStaticCredential;

#[async_trait::async_trait]
impl core21::auth::TokenCredential for LegacyStaticCredential {
    async fn get_token(&self, _scopes: &[&str]) -> core21::Result<core21::auth::AccessToken> {
        Ok(core21::auth::AccessToken::new(
            TOKEN,
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }

    async fn clear_cache(&self) -> core21::Result<()> {
        Ok(())
    }
}

fn builder(base: &str) -> legacy::ClientBuilder {
    legacy::Client::builder(Arc::new(LegacyStaticCredential))
        .endpoint(core21::Url::parse(base).expect("endpoint URL"))
        .retry(core21::RetryOptions::none())
}

/// The legacy client as it comes: default transport (no connection reuse), no retries.
pub fn legacy_client(base: &str) -> legacy::Client {
    builder(base).build().expect("legacy client")
}

/// The legacy client with a keep-alive reqwest 0.12 transport (same settings as the
/// floor's: no redirects), no retries.
pub fn legacy_client_keepalive(base: &str) -> legacy::Client {
    let http = reqwest_legacy::Client::builder()
        .redirect(reqwest_legacy::redirect::Policy::none())
        .build()
        .expect("reqwest 0.12 client");
    builder(base)
        .transport(core21::TransportOptions::new(Arc::new(http)))
        .build()
        .expect("legacy client")
}

/// W1: `jobs_client().get()` with full deserialization into the legacy `JobResponse`.
pub async fn legacy_get_job(client: &legacy::Client) -> LegacyJob {
    client
        .jobs_client()
        .get("job1", SUB, RG)
        .await
        .expect("legacy jobs get")
}

/// W2: every job of `subscription_for(total)` through the legacy `Pageable` (pages).
pub async fn legacy_list_all(client: &legacy::Client, total: usize) -> usize {
    let mut pages = client
        .jobs_client()
        .list_by_subscription(subscription_for(total))
        .into_stream();
    let mut count = 0;
    // Bounded: one more page than the server has.
    for _ in 0..=pages_for(total) {
        match pages.next().await {
            Some(page) => {
                let page = page.expect("legacy list page");
                count += page.value.len();
                black_box(page.value);
            }
            None => return count,
        }
    }
    panic!("more than {} pages of {PAGE_SIZE}", pages_for(total));
}
