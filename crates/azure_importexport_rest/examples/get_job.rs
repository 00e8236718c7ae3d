//! Gets one Import/Export job and prints it.
//!
//! ```text
//! AZURE_SUBSCRIPTION_ID=<subscription> AZURE_IMPORTEXPORT_TOKEN=<bearer token> \
//!     cargo run -p azure_importexport_rest --example get_job -- <RESOURCE_GROUP> <JOB_NAME>
//! ```
//!
//! `AZURE_IMPORTEXPORT_ENDPOINT` overrides the endpoint (default `https://management.azure.com`;
//! plain `http` is accepted only for loopback, e.g. a local emulator). Get a token with
//! `az account get-access-token --query accessToken -o tsv`.

use azure_core::credentials::TokenCredential;
use azure_importexport_rest::runtime::{ServiceErrorExt as _, StaticTokenCredential};
use azure_importexport_rest::{ImportExportClient, ImportExportClientOptions};
use std::process::ExitCode;
use std::sync::Arc;

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("environment variable {name} is not set"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [resource_group, job_name] = args.as_slice() else {
        eprintln!("usage: get_job RESOURCE_GROUP JOB_NAME");
        return ExitCode::from(2);
    };
    let (subscription, token) = match (
        env("AZURE_SUBSCRIPTION_ID"),
        env("AZURE_IMPORTEXPORT_TOKEN"),
    ) {
        (Ok(subscription), Ok(token)) => (subscription, token),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let endpoint = std::env::var("AZURE_IMPORTEXPORT_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| azure_importexport_rest::DEFAULT_ENDPOINT.to_owned());

    let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new(token));
    let client = match ImportExportClient::new(
        subscription,
        credential,
        Some(ImportExportClientOptions {
            endpoint: Some(endpoint),
            ..Default::default()
        }),
    ) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    let job = match client.jobs().get(resource_group, job_name, None).await {
        Ok(response) => response.into_model(),
        Err(error) => Err(error),
    };
    match job {
        Ok(job) => {
            let state = job
                .properties
                .as_ref()
                .and_then(|p| p.state.as_ref())
                .map_or("?", |s| s.as_str());
            println!(
                "{} ({}) in {}: state {state}",
                job.name.as_deref().unwrap_or(job_name),
                job.id.as_deref().unwrap_or("?"),
                job.location.as_deref().unwrap_or("?"),
            );
            // Debug output redacts BitLocker keys and carrier account numbers.
            println!("{job:#?}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            match error.service_error() {
                Some(service) => eprintln!(
                    "error: the service answered HTTP {}: code {}, message: {}",
                    u16::from(service.status),
                    service.code.as_deref().unwrap_or("(none)"),
                    service.message
                ),
                None => eprintln!("error: {error}"),
            }
            ExitCode::FAILURE
        }
    }
}
