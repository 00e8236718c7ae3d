//! Test harness for the reliability and security tests of the Import/Export SDK.
//!
//! The tests themselves live in `tests/`; this library holds what they share:
//!
//! - [`FaultProxy`]: a tiny HTTP/1.1 proxy on 127.0.0.1 in front of the emulator that
//!   can reset a connection, truncate a response body, or stop listening (so the next
//!   connection is refused) and listen again later. These are the faults wiremock cannot
//!   produce, because they happen below HTTP.
//! - [`TestClock`]: a [`VirtualClock`](azure_importexport::VirtualClock) whose sleeps can run hooks (advance the emulator's
//!   clock with the SDK's, re-open the proxy's port after N backoff sleeps).
//! - [`InstantClock`]: sleeps return at once but elapsed time is real, for many concurrent
//!   calls sharing one client (a shared virtual clock would add up their sleeps).
//! - [`RequestLog`]: an azure_core per-try policy that records every request the SDK
//!   sends, connection attempts that were refused included.
//! - [`client`]: an [`ImportExport`](azure_importexport::ImportExport) client wired with
//!   all of the above.
//! - [`job_body`]: a complete import job as the service returns it.
//! - [`SeededRng`]: a seedable generator for generated histories and stop points.
//!
//! Everything binds to 127.0.0.1 only, and every loop here is bounded.

mod client;
mod clocks;
mod fault_proxy;
mod http_message;
mod job_bodies;
mod request_log;
mod rng;

pub use client::{client, client_with_token};
pub use clocks::{InstantClock, SharedClock, TestClock};
pub use fault_proxy::{FaultProxy, ProxyAction, ProxyRule};
pub use job_bodies::{job_body, job_body_with_system_data, job_id};
pub use request_log::{LoggedRequest, RequestLog};
pub use rng::{SeededRng, env_u64};

use std::sync::{Mutex, MutexGuard};

/// The subscription every test uses.
pub const SUB: &str = "sub";
/// The resource group every test uses.
pub const RG: &str = "rg";
/// The bearer token every test client sends (the secrets tests use their own).
pub const TOKEN: &str = "test-token";

/// Locks `mutex`, even when a panicking test poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
