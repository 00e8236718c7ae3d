//! Locations (the datacenters drives are shipped to), read under the client's retry
//! policy like every other helper read.

use crate::client::{ImportExport, method_options, read};
use crate::error::RequestError;
use azure_core::Bytes;
use azure_core::fmt::SafeDebug;
use azure_core::http::ClientMethodOptions;
use azure_importexport_rest::models::{Location, LocationsResponse};
use azure_importexport_rest::{LocationsClientGetOptions, LocationsClientListOptions};

/// Options for [`ImportExport::list_locations`].
#[derive(Clone, Default, SafeDebug)]
pub struct ListLocationsOptions<'a> {
    /// The caller's context, carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

/// Options for [`ImportExport::get_location`].
#[derive(Clone, Default, SafeDebug)]
pub struct GetLocationOptions<'a> {
    /// The caller's context, carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

impl ImportExport {
    /// Every location drives can be shipped to. `Locations_List` is not pageable: the
    /// service returns all of them in one response, retried as a whole on transient
    /// failures under the default [`RetryPolicy`](crate::RetryPolicy).
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET")).and(path("/providers/Microsoft.ImportExport/locations"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"value":[{"name":"West US","properties":{"city":"Tukwila"}}]}"#))
    /// #     .mount(&server).await;
    /// let client = ImportExport::new(
    ///     "sub",
    ///     Arc::new(StaticTokenCredential::new("token")),
    ///     Some(ImportExportOptions::default().with_endpoint(server.uri())),
    /// )?;
    /// let locations = client.list_locations(None).await?;
    /// assert_eq!(locations[0].name.as_deref(), Some("West US"));
    /// # Ok(()) }
    /// ```
    pub async fn list_locations(
        &self,
        options: Option<ListLocationsOptions<'_>>,
    ) -> Result<Vec<Location>, RequestError> {
        let options = options.unwrap_or_default();
        let context = &options.method_options.context;
        let budget = self.budget(self.retry_policy());
        let locations = &self.rest().locations();
        let parse = |body: Bytes| serde_json::from_slice::<LocationsResponse>(&body);
        let response = read(
            &budget,
            "list locations".to_owned(),
            "the location list",
            parse,
            || async move {
                let options = LocationsClientListOptions {
                    method_options: method_options(context),
                };
                Ok(locations.list(Some(options)).await?.into_body().into())
            },
        )
        .await?;
        Ok(response.value.unwrap_or_default())
    }

    /// One location, by name (e.g. `westus`), retried like [`list_locations`]. An
    /// unknown name is [`RequestError::NotFound`].
    ///
    /// [`list_locations`]: Self::list_locations
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET")).and(path("/providers/Microsoft.ImportExport/locations/westus"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"name":"West US","properties":{"city":"Tukwila"}}"#))
    /// #     .mount(&server).await;
    /// # let client = ImportExport::new("sub", Arc::new(StaticTokenCredential::new("token")),
    /// #     Some(ImportExportOptions::default().with_endpoint(server.uri())))?;
    /// let location = client.get_location("westus", None).await?;
    /// assert_eq!(location.name.as_deref(), Some("West US"));
    /// # Ok(()) }
    /// ```
    pub async fn get_location(
        &self,
        name: &str,
        options: Option<GetLocationOptions<'_>>,
    ) -> Result<Location, RequestError> {
        let options = options.unwrap_or_default();
        let context = &options.method_options.context;
        let budget = self.budget(self.retry_policy());
        let locations = &self.rest().locations();
        let parse = |body: Bytes| serde_json::from_slice::<Location>(&body);
        read(
            &budget,
            format!("GET location {name}"),
            "the location",
            parse,
            || async move {
                let options = LocationsClientGetOptions {
                    method_options: method_options(context),
                };
                Ok(locations.get(name, Some(options)).await?.into_body().into())
            },
        )
        .await
    }
}
