//! Hand-written support for the generated clients: the HTTP core (pipeline, endpoint,
//! api-version), safe URL building, error enrichment, paging, and serde helpers.
//!
//! Generated modules call into this module only; keeping the logic here (tested once)
//! keeps the generated code small and the generator simple.

mod additional_properties;
mod auth;
mod core;
mod credential;
mod errors;
pub mod json_scan;
mod paging;
mod policy;
mod serde_support;
pub mod transport;

pub use self::core::{ClientCore, path_param, set_json_body};
pub use additional_properties::AdditionalProperties;
pub use auth::is_loopback;
pub use credential::StaticTokenCredential;
pub use errors::{ServiceError, ServiceErrorExt};
pub use paging::same_origin;
pub use policy::{header, send_to_next};
pub use serde_support::{FieldKey, Redacted, RedactedJson, deserialize_string_enum};
pub use transport::{ReqwestTransport, default_transport, install_crypto_provider};
