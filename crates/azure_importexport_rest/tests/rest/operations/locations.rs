//! The `Locations` operations.

use super::support::*;
use crate::common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn locations_list_and_get() {
    let server = MockServer::start().await;
    let location = json!({
        "id": "/providers/Microsoft.ImportExport/locations/westus",
        "name": "West US",
        "type": "Microsoft.ImportExport/locations",
        "properties": {
            "recipientName": "Import/Export Receiving Dock",
            "city": "Riverbend",
            "supportedCarriers": ["FedEx", "DHL"],
            "alternateLocations": ["/providers/Microsoft.ImportExport/locations/westus"]
        }
    });
    Mock::given(method("GET"))
        .and(path("/providers/Microsoft.ImportExport/locations"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": [location.clone()]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/providers/Microsoft.ImportExport/locations/West%20US",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(location.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let list = client
        .locations()
        .list(None)
        .await
        .expect("list")
        .into_model()
        .expect("parses");
    let list = list.value.expect("value");
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].resource_type.as_deref(),
        Some("Microsoft.ImportExport/locations")
    );

    let one = client
        .locations()
        .get("West US", None)
        .await
        .expect("get")
        .into_model()
        .expect("parses");
    assert_eq!(one.name.as_deref(), Some("West US"));
    let properties = one.properties.expect("properties");
    assert_eq!(
        properties.supported_carriers.as_deref(),
        Some(&["FedEx".to_owned(), "DHL".to_owned()][..])
    );
    assert_eq!(serde_json::to_value(&list[0]).unwrap(), location);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_request(
        &requests[0],
        &Expect {
            method: "GET",
            path: "/providers/Microsoft.ImportExport/locations",
            query: &[api_version()],
            ..Default::default()
        },
    );
    assert_request(
        &requests[1],
        &Expect {
            method: "GET",
            path: "/providers/Microsoft.ImportExport/locations/West%20US",
            query: &[api_version()],
            ..Default::default()
        },
    );
    server.verify().await;
}
