//! The generated client's integration tests, one test binary (one link) for every
//! suite; run one suite with `cargo test -p azure_importexport_rest --test rest tls::`.

/// The generator's fragment snapshot (`codegen_snapshot`) refers to `crate::runtime`.
pub use azure_importexport_rest::runtime;

mod codegen_snapshot;
mod common;
mod conformance;
mod operations;
mod smoke_2020_08_01;
mod tls;
