//! Building the SDK client from the global flags: endpoint (or cloud), credential,
//! subscription, and the `--debug` policy.

use crate::cli::GlobalArgs;
use crate::cloud;
use crate::credential;
use crate::exit::CliError;
use crate::http_debug::DebugPolicy;
use azure_importexport::rest::runtime::is_loopback;
use azure_importexport::{ImportExport, ImportExportOptions};
use std::sync::Arc;

/// The client for commands that act on a subscription's jobs.
pub fn client(global: &GlobalArgs) -> Result<ImportExport, CliError> {
    let subscription = global
        .subscription
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            CliError::usage(
                "a subscription is required: pass --subscription or set AZURE_SUBSCRIPTION_ID",
            )
        })?;
    client_for(global, subscription)
}

/// The client for subscription-less commands (locations).
pub fn client_without_subscription(global: &GlobalArgs) -> Result<ImportExport, CliError> {
    client_for(global, global.subscription.clone().unwrap_or_default())
}

fn client_for(global: &GlobalArgs, subscription: String) -> Result<ImportExport, CliError> {
    let endpoint = cloud::resolve_endpoint(global.endpoint.as_ref(), global.cloud);
    if endpoint.scheme() == "http" && !is_loopback(&endpoint) {
        return Err(CliError::usage(format!(
            "refusing plain http to {endpoint}: a bearer token is only sent over https (or to a loopback emulator)"
        )));
    }
    if let (Some(explicit), Some(cloud)) = (&global.endpoint, global.cloud) {
        tracing::info!(
            target: "azie",
            "endpoint: {explicit} (the explicit endpoint wins over --cloud {})",
            cloud.name()
        );
    }
    let mut options =
        ImportExportOptions::default().with_endpoint(endpoint.as_str().trim_end_matches('/'));
    options.api_version = global.api_version.clone();
    if global.debug {
        // Per try, so that every attempt of the SDK's retries is logged, after the
        // bearer-token policy (the header it adds is redacted).
        options
            .client_options
            .per_try_policies
            .push(Arc::new(DebugPolicy));
    }
    let credential = credential::credential(global)?;
    ImportExport::new(subscription, credential, Some(options))
        .map_err(|e| CliError::usage(e.to_string()))
}
