//! Low-level client for the Azure Storage Import/Export REST API (`Microsoft.ImportExport`).
//!
//! The modules `v2021_01_01` (default feature) and `v2020_08_01` are **generated** by
//! `cargo xtask codegen` from the pinned OpenAPI specs (see `specs/`); only this file and
//! [`runtime`] are hand-written. The default api-version's items are re-exported at the root.
//!
//! ```no_run
//! use azure_importexport_rest::{ImportExportClient, ImportExportClientOptions};
//! use azure_importexport_rest::runtime::ServiceErrorExt as _;
//! use futures::TryStreamExt as _;
//! # async fn example(credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) -> azure_core::Result<()> {
//! let client = ImportExportClient::new("00000000-0000-0000-0000-000000000000", credential, None)?;
//!
//! // Get one job.
//! match client.jobs().get("my-rg", "my-job", None).await {
//!     Ok(response) => {
//!         let job = response.into_model()?;
//!         println!("{:?}", job.properties.and_then(|p| p.state));
//!     }
//!     Err(error) => match error.service_error() {
//!         Some(service) if service.status == azure_core::http::StatusCode::NotFound => println!("no such job"),
//!         _ => return Err(error),
//!     },
//! }
//!
//! // List every job of the subscription, page by page under the hood.
//! let mut jobs = client.jobs().list_by_subscription(None)?;
//! while let Some(job) = jobs.try_next().await? {
//!     println!("{}", job.name.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod runtime;

// Generated files are formatted by the generator (prettyplease), not by rustfmt.
#[rustfmt::skip]
#[cfg(feature = "v2021_01_01")]
#[path = "generated/v2021_01_01/mod.rs"]
pub mod v2021_01_01;

#[rustfmt::skip]
#[cfg(feature = "v2020_08_01")]
#[path = "generated/v2020_08_01/mod.rs"]
pub mod v2020_08_01;

#[cfg(feature = "v2021_01_01")]
pub use v2021_01_01::*;
