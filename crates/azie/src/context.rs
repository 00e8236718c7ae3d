//! Building the SDK client from the global flags: credential, endpoint, subscription.

use crate::cli::GlobalArgs;
use crate::exit::CliError;
use azure_core::credentials::TokenCredential;
use azure_importexport::rest::runtime::is_loopback;
use azure_importexport::{ImportExport, ImportExportOptions, StaticTokenCredential};
use std::sync::Arc;

/// Environment variable holding a static bearer token.
pub const TOKEN_ENV: &str = "AZURE_IMPORTEXPORT_TOKEN";

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
    if global.endpoint.scheme() == "http" && !is_loopback(&global.endpoint) {
        return Err(CliError::usage(format!(
            "refusing plain http to {}: a bearer token is only sent over https (or to a loopback emulator)",
            global.endpoint
        )));
    }
    let mut options = ImportExportOptions::default()
        .with_endpoint(global.endpoint.as_str().trim_end_matches('/'));
    options.api_version = global.api_version.clone();
    ImportExport::new(subscription, credential()?, Some(options))
        .map_err(|e| CliError::usage(e.to_string()))
}

/// `AZURE_IMPORTEXPORT_TOKEN` if set, else the developer tools chain (Azure CLI, azd).
fn credential() -> Result<Arc<dyn TokenCredential>, CliError> {
    match std::env::var(TOKEN_ENV) {
        Ok(token) if !token.is_empty() => Ok(Arc::new(StaticTokenCredential::new(token))),
        _ => {
            let credential = azure_identity::DeveloperToolsCredential::new(None).map_err(|e| {
                CliError::other(format!(
                    "no credential: set {TOKEN_ENV} or sign in with `az login` ({e})"
                ))
            })?;
            Ok(credential)
        }
    }
}
