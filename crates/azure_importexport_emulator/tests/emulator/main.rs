//! The emulator's integration tests, one test binary (one link) for every suite; run one
//! suite with `cargo test -p azure_importexport_emulator --test emulator jobs::`.

mod arm_front_door;
mod common;
mod faults_and_misc;
mod fleet_support;
mod jobs;
mod sdk_bodies;
