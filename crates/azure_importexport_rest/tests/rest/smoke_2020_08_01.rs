//! Smoke test of the stable api-version module (feature `v2020_08_01`): the same wire shape,
//! with `api-version=2020-08-01`.
#![cfg(feature = "v2020_08_01")]

use crate::common::*;
use azure_importexport_rest::v2020_08_01::{
    API_VERSION, ImportExportClient, ImportExportClientOptions,
    JobsClientListByResourceGroupOptions,
    models::{JobResponse, JobState},
};
use futures::TryStreamExt as _;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> ImportExportClient {
    ImportExportClient::new(
        SUB,
        credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(server.uri()),
            client_options: no_retry(),
            ..Default::default()
        }),
    )
    .expect("client")
}

#[tokio::test]
async fn get_and_list_send_api_version_2020_08_01() {
    assert_eq!(API_VERSION, "2020-08-01");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{JOBS_PATH}/job1")))
        .and(query_param("api-version", "2020-08-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("job1", "Transferring")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(JOBS_PATH))
        .and(query_param("api-version", "2020-08-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("a", "Creating"), job_json("b", "Completed")]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(client.api_version(), "2020-08-01");

    let job = client
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect("get")
        .into_model()
        .expect("job parses");
    assert_eq!(
        job.properties.and_then(|p| p.state),
        Some(JobState::Transferring)
    );

    let jobs: Vec<JobResponse> = client
        .jobs()
        .list_by_resource_group(
            RG,
            Some(JobsClientListByResourceGroupOptions {
                top: Some(10),
                ..Default::default()
            }),
        )
        .expect("pager")
        .try_collect()
        .await
        .expect("list");
    let names: Vec<_> = jobs.iter().filter_map(|j| j.name.as_deref()).collect();
    assert_eq!(names, ["a", "b"]);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_request(
        &requests[0],
        &Expect {
            method: "GET",
            path: &format!("{JOBS_PATH}/job1"),
            query: &[("api-version", "2020-08-01")],
            ..Default::default()
        },
    );
    assert_request(
        &requests[1],
        &Expect {
            method: "GET",
            path: JOBS_PATH,
            query: &[("api-version", "2020-08-01"), ("$top", "10")],
            ..Default::default()
        },
    );
    server.verify().await;
}
