//! The reliability suites that run in seconds, in one test binary (one link). Binaries of
//! their own: the two long randomized models (`fault_matrix`, `concurrent_actors`) and the
//! fleet's real-time throttling checks (`fleet`), so that their load and timing never
//! share a process with the time-bound checks of `races`; and `secrets`, whose
//! process-wide TRACE subscriber must see only its own tests.
//! Run one suite with `cargo test -p reliability_tests --test reliability races::`.

mod concurrency;
mod fuzz;
mod model;
mod races;
mod retry_budget;
