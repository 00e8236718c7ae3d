//! [`client`]: an [`ImportExport`] client wired for the tests.

use azure_core::http::ClientOptions;
use azure_importexport::{
    Clock, ImportExport, ImportExportOptions, RetryPolicy, SeededJitter, StaticTokenCredential,
};
use std::sync::Arc;

use crate::{RequestLog, SUB, TOKEN};

/// A client on `endpoint` with a fixed jitter seed, `retry`, `clock`, the token
/// [`TOKEN`], and (when given) a [`RequestLog`] as per-try policy.
pub fn client(
    endpoint: &str,
    clock: impl Clock + 'static,
    retry: RetryPolicy,
    log: Option<Arc<RequestLog>>,
) -> ImportExport {
    client_with_token(endpoint, clock, retry, log, TOKEN)
}

/// [`client`] with another bearer token.
pub fn client_with_token(
    endpoint: &str,
    clock: impl Clock + 'static,
    retry: RetryPolicy,
    log: Option<Arc<RequestLog>>,
    token: &str,
) -> ImportExport {
    let mut client_options = ClientOptions::default();
    if let Some(log) = log {
        client_options.per_try_policies.push(log);
    }
    let options = ImportExportOptions {
        client_options,
        ..ImportExportOptions::default()
    }
    .with_endpoint(endpoint)
    .with_retry(retry)
    .with_clock(clock)
    .with_jitter(SeededJitter::new(0x5EED));
    ImportExport::new(
        SUB,
        Arc::new(StaticTokenCredential::new(token)),
        Some(options),
    )
    .expect("a loopback endpoint is valid")
}
