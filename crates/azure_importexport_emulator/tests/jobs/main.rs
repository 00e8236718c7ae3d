//! Job operations and the job state machine, over HTTP.

#[path = "../common/mod.rs"]
mod common;

mod create;
mod lifecycle;
mod list;
mod requests;
mod update;
