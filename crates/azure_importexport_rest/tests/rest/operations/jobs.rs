//! The `Jobs` operations: get, create, update, delete and both listings.

use super::support::*;
use crate::common::*;
use azure_core::http::StatusCode;
use azure_importexport_rest::models::{
    DriveState, DriveStatus, IdentityType, JobDetails, JobResponse, JobState, PutJobParameters,
    ReturnAddress, ReturnShipping, UpdateJobParameters, UpdateJobParametersProperties,
};
use azure_importexport_rest::{
    JobsClientCreateOptions, JobsClientListByResourceGroupOptions,
    JobsClientListBySubscriptionOptions,
};
use futures::TryStreamExt as _;
use serde_json::json;
use std::collections::BTreeMap;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn jobs_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{JOBS_PATH}/job1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("job1", "Creating")))
        .expect(1)
        .mount(&server)
        .await;

    let response = client(&server)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect("get succeeds");
    assert_eq!(response.status(), StatusCode::Ok);
    let job = response.into_model().expect("job parses");
    assert_eq!(job.name.as_deref(), Some("job1"));
    assert_eq!(
        job.resource_type.as_deref(),
        Some("Microsoft.ImportExport/jobs")
    );
    assert_eq!(job.location.as_deref(), Some("West US"));
    assert_eq!(
        job.tags
            .as_ref()
            .and_then(|t| t.get("team"))
            .map(String::as_str),
        Some("storage")
    );
    assert_eq!(
        job.identity.as_ref().and_then(|i| i.identity_type.clone()),
        Some(IdentityType::None)
    );
    let properties = job.properties.as_ref().expect("properties");
    assert_eq!(properties.state, Some(JobState::Creating));
    assert_eq!(properties.cancel_requested, Some(false));
    assert_eq!(properties.backup_drive_manifest, Some(true));
    assert_eq!(properties.provisioning_state.as_deref(), Some("Succeeded"));
    let drive = &properties.drive_list.as_ref().expect("drives")[0];
    assert_eq!(drive.drive_id.as_deref(), Some("DRV0017A"));
    assert_eq!(drive.state, Some(DriveState::Specified));
    assert_eq!(
        drive.bit_locker_key.as_deref(),
        Some("BITLOCKER-SECRET-123456"),
        "secrets are readable from the model, only Debug hides them"
    );
    assert!(job.additional_properties.is_empty());

    let request = single_request(&server).await;
    assert_request(
        &request,
        &Expect {
            method: "GET",
            path: &format!("{JOBS_PATH}/job1"),
            query: &[api_version()],
            ..Default::default()
        },
    );
    server.verify().await;
}

#[tokio::test]
async fn jobs_create_sends_exact_body_and_accepts_200_and_201() {
    let body = PutJobParameters {
        location: Some("West US".to_owned()),
        tags: Some(BTreeMap::from([("team".to_owned(), "storage".to_owned())])),
        properties: Some(JobDetails {
            storage_account_id: Some(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a"
                    .to_owned(),
            ),
            job_type: Some("Import".to_owned()),
            return_address: Some(ReturnAddress {
                recipient_name: Some("Pat".to_owned()),
                street_address1: Some("1 Main St".to_owned()),
                city: Some("Lakeview".to_owned()),
                postal_code: Some("98000".to_owned()),
                country_or_region: Some("USA".to_owned()),
                phone: Some("5550100".to_owned()),
                email: Some("pat@example.com".to_owned()),
                ..Default::default()
            }),
            return_shipping: Some(ReturnShipping {
                carrier_name: Some("FedEx".to_owned()),
                carrier_account_number: Some("ACCT-SECRET-42".to_owned()),
                ..Default::default()
            }),
            diagnostics_path: Some("ielogs".to_owned()),
            backup_drive_manifest: Some(true),
            drive_list: Some(vec![DriveStatus {
                drive_id: Some("DRV0017A".to_owned()),
                bit_locker_key: Some("BITLOCKER-SECRET-123456".to_owned()),
                manifest_file: Some("\\disk-manifest.xml".to_owned()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    // Unset optional fields are omitted (no nulls, no defaults).
    let expected_body = json!({
        "location": "West US",
        "tags": {"team": "storage"},
        "properties": {
            "storageAccountId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a",
            "jobType": "Import",
            "returnAddress": {
                "recipientName": "Pat",
                "streetAddress1": "1 Main St",
                "city": "Lakeview",
                "postalCode": "98000",
                "countryOrRegion": "USA",
                "phone": "5550100",
                "email": "pat@example.com"
            },
            "returnShipping": {"carrierName": "FedEx", "carrierAccountNumber": "ACCT-SECRET-42"},
            "diagnosticsPath": "ielogs",
            "backupDriveManifest": true,
            "driveList": [{
                "driveId": "DRV0017A",
                "bitLockerKey": "BITLOCKER-SECRET-123456",
                "manifestFile": "\\disk-manifest.xml"
            }]
        }
    });
    assert_eq!(serde_json::to_value(&body).unwrap(), expected_body);

    for status in [201u16, 200] {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path(format!("{JOBS_PATH}/job1")))
            .respond_with(ResponseTemplate::new(status).set_body_json(job_json("job1", "Creating")))
            .expect(1)
            .mount(&server)
            .await;
        let response = client(&server)
            .jobs()
            .create(
                RG,
                "job1",
                json_body(&body),
                Some(JobsClientCreateOptions {
                    client_tenant_id: Some("tenant-1234".to_owned()),
                    ..Default::default()
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("create with {status} succeeds: {e}"));
        assert_eq!(u16::from(response.status()), status);
        let job = response.into_model().expect("job parses");
        assert_eq!(
            job.properties.and_then(|p| p.state),
            Some(JobState::Creating)
        );
        assert_request(
            &single_request(&server).await,
            &Expect {
                method: "PUT",
                path: &format!("{JOBS_PATH}/job1"),
                query: &[api_version()],
                body: Some(expected_body.clone()),
                client_tenant_id: Some("tenant-1234"),
                ..Default::default()
            },
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn jobs_create_without_tenant_id_sends_no_tenant_header() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(201).set_body_json(job_json("j", "Creating")))
        .mount(&server)
        .await;
    let body = PutJobParameters {
        location: Some("West US".to_owned()),
        ..Default::default()
    };
    client(&server)
        .jobs()
        .create(RG, "j", json_body(&body), None)
        .await
        .expect("create");
    assert_request(
        &single_request(&server).await,
        &Expect {
            method: "PUT",
            path: &format!("{JOBS_PATH}/j"),
            query: &[api_version()],
            body: Some(json!({"location": "West US"})),
            ..Default::default()
        },
    );
}

#[tokio::test]
async fn jobs_create_rejects_202() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(202).set_body_json(job_json("j", "Creating")))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .jobs()
        .create(RG, "j", json_body(&PutJobParameters::default()), None)
        .await
        .expect_err("202 is not a documented success of Jobs_Create");
    let (status, code) = http_parts(&error);
    assert_eq!(status, StatusCode::Accepted);
    assert_eq!(code, None, "a job body carries no ARM error code");
    let service = service_error(&error);
    assert_eq!(service.status, StatusCode::Accepted);
    assert!(error.to_string().starts_with("HTTP 202"), "{error}");
}

#[tokio::test]
async fn jobs_update_sends_a_minimal_patch() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{JOBS_PATH}/job1")))
        .respond_with(ResponseTemplate::new(200).set_body_json({
            let mut job = job_json("job1", "Creating");
            job["properties"]["cancelRequested"] = json!(true);
            job
        }))
        .expect(1)
        .mount(&server)
        .await;
    let body = UpdateJobParameters {
        properties: Some(UpdateJobParametersProperties {
            cancel_requested: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    let job = client(&server)
        .jobs()
        .update(RG, "job1", json_body(&body), None)
        .await
        .expect("update")
        .into_model()
        .expect("job parses");
    assert_eq!(job.properties.and_then(|p| p.cancel_requested), Some(true));
    assert_request(
        &single_request(&server).await,
        &Expect {
            method: "PATCH",
            path: &format!("{JOBS_PATH}/job1"),
            query: &[api_version()],
            body: Some(json!({"properties": {"cancelRequested": true}})),
            ..Default::default()
        },
    );
    server.verify().await;
}

#[tokio::test]
async fn jobs_delete() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!("{JOBS_PATH}/job1")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .jobs()
        .delete(RG, "job1", None)
        .await
        .expect("delete");
    assert_eq!(response.status(), StatusCode::Ok);
    assert_request(
        &single_request(&server).await,
        &Expect {
            method: "DELETE",
            path: &format!("{JOBS_PATH}/job1"),
            query: &[api_version()],
            ..Default::default()
        },
    );
    server.verify().await;
}

#[tokio::test]
async fn jobs_list_by_subscription_with_top_and_filter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("a", "Shipping"), job_json("b", "Completed")]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let filter = "state eq 'Shipping' & x=1";
    let jobs: Vec<JobResponse> = client(&server)
        .jobs()
        .list_by_subscription(Some(JobsClientListBySubscriptionOptions {
            top: Some(5),
            filter: Some(filter.to_owned()),
            ..Default::default()
        }))
        .expect("pager")
        .try_collect()
        .await
        .expect("list");
    let names: Vec<_> = jobs.iter().map(|j| j.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
    let request = single_request(&server).await;
    assert_request(
        &request,
        &Expect {
            method: "GET",
            path: SUB_JOBS_PATH,
            query: &[api_version(), ("$top", "5"), ("$filter", filter)],
            ..Default::default()
        },
    );
    server.verify().await;
}

#[tokio::test]
async fn jobs_list_by_resource_group() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JOBS_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": [job_json("a", "Creating")]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let jobs: Vec<JobResponse> = client(&server)
        .jobs()
        .list_by_resource_group(
            RG,
            Some(JobsClientListByResourceGroupOptions {
                top: Some(100),
                ..Default::default()
            }),
        )
        .expect("pager")
        .try_collect()
        .await
        .expect("list");
    assert_eq!(jobs.len(), 1);
    assert_request(
        &single_request(&server).await,
        &Expect {
            method: "GET",
            path: JOBS_PATH,
            query: &[api_version(), ("$top", "100")],
            ..Default::default()
        },
    );
    server.verify().await;
}

#[tokio::test]
async fn jobs_list_of_an_empty_page_or_missing_value_yields_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JOBS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let jobs: Vec<JobResponse> = client(&server)
        .jobs()
        .list_by_resource_group(RG, None)
        .expect("pager")
        .try_collect()
        .await
        .expect("list");
    assert!(jobs.is_empty());
}
