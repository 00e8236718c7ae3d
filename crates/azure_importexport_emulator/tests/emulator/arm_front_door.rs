//! Where the emulator was stricter or looser than ARM (issue 12's audit): api-version
//! errors, media types, empty and oversized bodies, tracing headers on every answer,
//! error bodies with `details` and `target`, PUT on an existing job, and when
//! `percentComplete` appears.

use azure_importexport_emulator::{Fault, FaultRule, RequestKind};
use serde_json::json;

use crate::common::*;

const SUPPORTED: &str = "'2021-01-01, 2020-08-01'";

#[tokio::test]
async fn api_version_errors_say_which_versions_are_supported() {
    let (_emulator, client) = setup().await;
    let job = job_path(SUB, RG, "job1");
    let locations = "/providers/Microsoft.ImportExport/locations";
    for (path, code, mentions) in [
        (job.clone(), "MissingApiVersionParameter", ""),
        (
            format!("{job}?api-version="),
            "MissingApiVersionParameter",
            "",
        ),
        (
            format!("{job}?api-version=yesterday"),
            "InvalidApiVersionParameter",
            "'yesterday'",
        ),
        (
            format!("{job}?api-version=2099-01-01"),
            "NoRegisteredProviderFound",
            "type 'jobs'",
        ),
        (
            format!("{job}?api-version=2016-11-01-preview"),
            "NoRegisteredProviderFound",
            "'2016-11-01-preview'",
        ),
        (
            format!("{locations}?api-version=2099-01-01"),
            "NoRegisteredProviderFound",
            "type 'locations'",
        ),
    ] {
        let resp = client.send("GET", &path, None).await;
        assert_eq!(resp.status, 400, "{path}");
        assert_eq!(resp.error_code(), code, "{path}");
        let error = &resp.json()["error"];
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(SUPPORTED), "{path}: {message}");
        assert!(message.contains(mentions), "{path}: {message}");
        assert_eq!(error["target"], "api-version");
        assert_eq!(error["details"][0]["target"], "api-version");
    }
}

#[tokio::test]
async fn bodies_must_be_declared_as_json() {
    let (emulator, client) = setup().await;
    let body = || Some(serde_json::to_vec(&import_body()).unwrap());
    for content_type in [Some("text/plain"), Some("application/xml"), None] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("Content-Type", c))
            .into_iter()
            .collect();
        for method in ["PUT", "PATCH"] {
            let resp = client
                .send_headers(method, &job_url("job1"), body(), &headers)
                .await;
            assert_eq!(resp.status, 415, "{method} {content_type:?}");
            assert_eq!(resp.error_code(), "UnsupportedMediaType");
            let message = resp.json()["error"]["message"].as_str().unwrap().to_owned();
            let shown = content_type.unwrap_or("application/octet-stream");
            assert!(message.contains(&format!("'{shown}'")), "{message}");
        }
    }
    assert_eq!(emulator.job_count(), 0);
    assert!(emulator.journal().iter().all(|e| !e.applied));
    for (name, content_type) in [
        ("job1", "application/json; charset=utf-8"),
        ("job2", "Text/JSON"),
    ] {
        let headers = [("Content-Type", content_type)];
        let resp = client
            .send_headers("PUT", &job_url(name), body(), &headers)
            .await;
        assert_eq!(resp.status, 201, "{content_type}");
    }
}

#[tokio::test]
async fn empty_bodies_are_a_400_whatever_their_content_type() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    let before = emulator.job_json(SUB, RG, "job1").unwrap();
    for method in ["PUT", "PATCH"] {
        for headers in [&[][..], &[("Content-Type", "application/json")][..]] {
            for body in [None, Some(b"  \n".to_vec())] {
                let resp = client
                    .send_headers(method, &job_url("job1"), body, headers)
                    .await;
                assert_eq!(resp.status, 400, "{method} {headers:?}");
                assert_eq!(resp.error_code(), "InvalidRequestContent");
                assert!(resp.json()["error"].get("details").is_none());
            }
        }
    }
    assert_eq!(emulator.job_json(SUB, RG, "job1").unwrap(), before);
}

#[tokio::test]
async fn every_answer_carries_arm_request_ids() {
    let (emulator, client) = setup().await;
    emulator.inject(FaultRule::new(RequestKind::GetJob, 1, Fault::status(503)));
    emulator.inject(FaultRule::new(
        RequestKind::ListJobs,
        1,
        Fault::Raw {
            status: 502,
            content_type: "text/html".into(),
            body: b"<html>bad gateway</html>".to_vec(),
        },
    ));
    let list =
        format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?api-version={API}");
    let answers = [
        client.put_job("job1", &import_body()).await,
        client.get_job("job1").await,
        client.send("GET", &list, None).await,
        client.get_job("nope").await,
        client.clone().without_auth().get_job("job1").await,
        client.send("GET", "/nowhere", None).await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 503, 502, 404, 401, 400]);
    let mut request_ids = Vec::new();
    let mut correlation_ids = Vec::new();
    for resp in &answers {
        request_ids.push(
            resp.header("x-ms-request-id")
                .expect("x-ms-request-id")
                .to_owned(),
        );
        correlation_ids.push(
            resp.header("x-ms-correlation-request-id")
                .expect("correlation")
                .to_owned(),
        );
        assert_eq!(resp.header("x-ms-client-request-id"), None);
    }
    for ids in [&mut request_ids, &mut correlation_ids] {
        assert!(
            ids.iter()
                .all(|id| id.len() == 36 && id.matches('-').count() == 4),
            "{ids:?}"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), answers.len(), "unique per request");
    }
}

#[tokio::test]
async fn client_ids_are_echoed_as_arm_echoes_them() {
    let (_emulator, client) = setup().await;
    let correlation = "11111111-2222-3333-4444-555555555555";
    let client_request = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    let path = job_url("nope");
    let resp = client
        .send_headers(
            "GET",
            &path,
            None,
            &[
                ("x-ms-correlation-request-id", correlation),
                ("x-ms-client-request-id", client_request),
            ],
        )
        .await;
    assert_eq!(
        resp.header("x-ms-correlation-request-id"),
        Some(correlation)
    );
    // ARM returns the client request id only when asked to.
    assert_eq!(resp.header("x-ms-client-request-id"), None);
    let resp = client
        .send_headers(
            "GET",
            &path,
            None,
            &[
                ("x-ms-client-request-id", client_request),
                ("x-ms-return-client-request-id", "True"),
            ],
        )
        .await;
    assert_eq!(resp.header("x-ms-client-request-id"), Some(client_request));
    assert_ne!(
        resp.header("x-ms-correlation-request-id"),
        Some(correlation)
    );
}

#[tokio::test]
async fn validation_errors_name_their_target() {
    // `details` (one per invalid field, none on errors about no field) are checked in
    // `sdk_bodies::arm_answers::issue12_error_details_name_invalid_fields_and_only_them`.
    let (emulator, client) = setup().await;
    let mut body = import_body();
    body["properties"]
        .as_object_mut()
        .unwrap()
        .remove("storageAccountId");
    let resp = client.put_job("job1", &body).await;
    assert_eq!(resp.status, 400);
    assert_eq!(
        resp.json()["error"]["target"],
        "properties.storageAccountId"
    );
    let resp = client.patch_job("job1", &json!({ "tags": 5 })).await;
    assert_eq!(
        resp.status, 400,
        "the body is checked before the job is looked up"
    );
    assert_eq!(resp.json()["error"]["target"], "tags");
    job_in_state(&emulator, &client, "job1", "Shipping").await;
    let bad = client
        .patch_job("job1", &json!({ "properties": { "driveList": {} } }))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["target"], "properties.driveList");
}

#[tokio::test]
async fn put_is_201_then_200_and_a_job_keeps_its_location() {
    let (emulator, client) = setup().await;
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    let mut same_place = import_body();
    same_place["location"] = json!("West US");
    assert_eq!(client.put_job("job1", &same_place).await.status, 200);
    let mut elsewhere = import_body();
    elsewhere["location"] = json!("eastus");
    let before = emulator.job_json(SUB, RG, "job1").unwrap();
    let resp = client.put_job("job1", &elsewhere).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), "InvalidResourceLocation");
    assert_eq!(resp.json()["error"]["target"], "location");
    assert_eq!(emulator.job_json(SUB, RG, "job1").unwrap(), before);
    // The location check comes before the state rule, as ARM's comes before the provider's.
    job_in_state(&emulator, &client, "job2", "Shipping").await;
    assert_eq!(
        client.put_job("job2", &elsewhere).await.error_code(),
        "InvalidResourceLocation"
    );
    assert_eq!(
        client.put_job("job2", &import_body()).await.error_code(),
        "Conflict"
    );
}

#[tokio::test]
async fn percent_complete_appears_once_the_job_is_transferring() {
    let (emulator, client) = setup().await;
    job_in_state(&emulator, &client, "job1", "Shipping").await;
    for state in ["Shipping", "Received"] {
        emulator.advance_job_to(SUB, RG, "job1", state).unwrap();
        let job = client.get_job("job1").await.json();
        assert!(
            job["properties"].get("percentComplete").is_none(),
            "{state}"
        );
    }
    for (state, percent) in [("Transferring", 0), ("Packaging", 100), ("Completed", 100)] {
        emulator.advance_job_to(SUB, RG, "job1", state).unwrap();
        let job = client.get_job("job1").await.json();
        assert_eq!(job["properties"]["percentComplete"], percent, "{state}");
    }
}
