//! Shared support of the Import/Export benchmarks (`cargo xtask bench`).
//!
//! - [`fixture`]: the job every response carries (about 2 KB of JSON, every field known to
//!   all clients) and the paths, subscriptions and URLs of the workloads.
//! - [`server`]: a tiny HTTP/1.1 keep-alive server written directly on tokio's
//!   `TcpListener` (not wiremock: matching and recording every request would dominate a
//!   sub-millisecond call and hide the client's own cost), on its own thread and runtime,
//!   loopback only, answering from responses rendered once at start-up.
//! - [`floor`]: the hand-written floor: reqwest + `serde_json` into plain serde-derive
//!   structs of the same shape (`Option` fields, enums as `String`, unknown fields dropped).
//! - [`generated`]: the generated client (`azure_importexport_rest`) set up the same way.
//! - [`measure`]: interleaved ratios, RSS read from `/proc/self/status`, and the
//!   machine-readable report lines that `cargo xtask bench` collects.
//!
//! Every loop is bounded: listings stop after the number of pages the server can serve,
//! request heads and bodies are capped, and the server binds `127.0.0.1` only.

pub mod fixture;
pub mod floor;
pub mod generated;
pub mod measure;
pub mod server;

pub use fixture::*;
pub use floor::*;
pub use generated::*;
pub use measure::*;
pub use server::start_server;
