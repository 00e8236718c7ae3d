//! Job operations and the job state machine, over HTTP.

mod create;
mod lifecycle;
mod list;
mod requests;
mod update;
