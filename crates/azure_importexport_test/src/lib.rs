//! Test support shared by every test and benchmark of the workspace (as azure-sdk-for-rust
//! keeps `azure_core_test`): one builder of job JSON as the service returns it, the
//! HTTP/1.1 framing of the loopback servers ([`http1`]), bounded child processes, and
//! process memory readings. Not published.
#![deny(missing_docs)]

pub mod http1;
mod job;
mod process;

pub use job::{BITLOCKER_KEY, CARRIER_ACCOUNT, JobJson, job_id};
pub use process::{proc_status_kib, reset_peak_rss, run_bounded};
