//! Wire-level tests of every operation of the default api-version (2021-01-01) against a
//! wiremock server: method, exact path and query, headers, bodies, parsing, errors, paging,
//! path encoding, endpoint rules, retry, lossless models and secret redaction.
//!
//! One test binary, one module per operation group or concern.
#![cfg(feature = "v2021_01_01")]

mod support;

mod bit_locker_keys;
mod client;
mod errors;
mod jobs;
mod locations;
mod models;
mod paging;
mod provider_operations;
mod retry;
