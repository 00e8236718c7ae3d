//! azie's integration tests: the real binary against an emulator in the test process.
//! One test binary (one link of the whole dependency graph) for every suite; run one
//! suite with `cargo test -p azie --test azie fleet::`.

mod cli;
mod common;
mod credentials;
mod emulator;
mod fleet;
mod issue10;
mod writes;
