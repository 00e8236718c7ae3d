//! The generator's integration tests, one test binary for every suite; run one suite
//! with `cargo test -p azure_importexport_codegen --test codegen constructs::`.

mod bad_input;
mod common;
mod constructs;
mod regenerate;
