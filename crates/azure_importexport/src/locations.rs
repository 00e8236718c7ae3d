//! Locations (the datacenters drives are shipped to), read under the client's retry
//! policy like every other helper read.

use crate::client::{ImportExport, json_error_summary};
use crate::error::RequestError;
use azure_core::Bytes;
use azure_importexport_rest::models::{Location, LocationsResponse};

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
    ///     ImportExportOptions::default().with_endpoint(server.uri()),
    /// )?;
    /// let locations = client.list_locations().await?;
    /// assert_eq!(locations[0].name.as_deref(), Some("West US"));
    /// # Ok(()) }
    /// ```
    pub async fn list_locations(&self) -> Result<Vec<Location>, RequestError> {
        let budget = self.budget(self.retry_policy());
        let mut attempts = budget.attempts("list locations".to_owned());
        let locations = &self.rest().locations();
        let body = attempts
            .run(|| async move {
                let response = locations.list(None).await?;
                Ok(Bytes::from(response.into_body()))
            })
            .await?;
        let response: LocationsResponse = serde_json::from_slice(&body).map_err(|error| {
            attempts.invalid_response(json_error_summary("the location list", &error))
        })?;
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
    /// #     ImportExportOptions::default().with_endpoint(server.uri()))?;
    /// let location = client.get_location("westus").await?;
    /// assert_eq!(location.name.as_deref(), Some("West US"));
    /// # Ok(()) }
    /// ```
    pub async fn get_location(&self, name: &str) -> Result<Location, RequestError> {
        let budget = self.budget(self.retry_policy());
        let mut attempts = budget.attempts(format!("GET location {name}"));
        let locations = &self.rest().locations();
        let body = attempts
            .run(|| async move {
                let response = locations.get(name, None).await?;
                Ok(Bytes::from(response.into_body()))
            })
            .await?;
        serde_json::from_slice(&body)
            .map_err(|error| attempts.invalid_response(json_error_summary("the location", &error)))
    }
}
