//! The `Operations` operation (the provider's operation list).

use super::support::*;
use crate::common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn operations_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/providers/Microsoft.ImportExport/operations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{
                "name": "Microsoft.ImportExport/jobs/read",
                "display": {"provider": "Import/Export (emulated)", "resource": "Jobs",
                            "operation": "Read jobs", "description": "Gets jobs."}
            }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let operations = client(&server)
        .operations()
        .list(None)
        .await
        .expect("list")
        .into_model()
        .expect("parses")
        .value
        .expect("value");
    assert_eq!(operations.len(), 1);
    assert_eq!(
        operations[0].name.as_deref(),
        Some("Microsoft.ImportExport/jobs/read")
    );
    assert_eq!(
        operations[0]
            .display
            .as_ref()
            .and_then(|d| d.resource.as_deref()),
        Some("Jobs")
    );
    assert_request(
        &single_request(&server).await,
        &Expect {
            method: "GET",
            path: "/providers/Microsoft.ImportExport/operations",
            query: &[api_version()],
            ..Default::default()
        },
    );
    server.verify().await;
}
