//! Wiremock tests of every helper branch. One test binary (modules below) keeps link
//! time down. Time is virtual: no test sleeps for real seconds.

mod cancel;
mod common;
mod context;
mod delete;
mod delete_races;
mod fleet;
mod reads;
mod wait;
