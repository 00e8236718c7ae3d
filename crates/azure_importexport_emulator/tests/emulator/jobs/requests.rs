//! What every request passes (api-version, auth), reads of one job, seeded jobs and
//! BitLocker keys.

use azure_importexport_emulator::{Emulator, EmulatorConfig};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn api_versions_are_checked() {
    let (_emulator, client) = setup().await;
    let path = job_path(SUB, RG, "job1");
    for (query, status, code) in [
        ("", 400, Some("MissingApiVersionParameter")),
        (
            "?api-version=2019-01-01",
            400,
            Some("NoRegisteredProviderFound"),
        ),
        (
            "?api-version=latest",
            400,
            Some("InvalidApiVersionParameter"),
        ),
        ("?api-version=2020-08-01", 201, None),
    ] {
        let resp = client
            .send("PUT", &format!("{path}{query}"), Some(&import_body()))
            .await;
        assert_eq!(resp.status, status, "{query}");
        if let Some(code) = code {
            assert_eq!(resp.error_code(), code, "{query}");
        }
    }
    let preview = client.get_job("job1").await;
    assert_eq!(preview.status, 200);
}

#[tokio::test]
async fn authentication_is_required() {
    let (emulator, client) = setup().await;
    let anonymous = client.clone().without_auth();
    let resp = anonymous.put_job("job1", &import_body()).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error_code(), "AuthenticationFailed");
    for header in ["Basic dXNlcjpwYXNz", "Bearer ", "Bearer", "token"] {
        let resp = client
            .send_raw("GET", &job_url("job1"), None, Some(header))
            .await;
        assert_eq!(resp.status, 401, "{header}");
    }
    let lower = client
        .send_raw(
            "PUT",
            &job_url("job1"),
            Some(serde_json::to_vec(&import_body()).unwrap()),
            Some("bearer abc"),
        )
        .await;
    assert_eq!(lower.status, 201);
    assert_eq!(emulator.job_count(), 1);

    let open = Emulator::start_with(EmulatorConfig {
        require_auth: false,
        ..EmulatorConfig::default()
    })
    .await;
    let anonymous = Client::for_emulator(&open).without_auth();
    assert_eq!(anonymous.put_job("job1", &import_body()).await.status, 201);
}

#[tokio::test]
async fn get_missing_job_is_404_and_names_are_case_insensitive() {
    let (_emulator, client) = setup().await;
    let resp = client.get_job("nope").await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.error_code(), "ResourceNotFound");
    assert_eq!(
        resp.json()["error"]["message"],
        format!(
            "The Resource 'Microsoft.ImportExport/jobs/nope' under resource group '{RG}' was not found."
        )
    );
    assert_eq!(client.put_job("MyJob", &import_body()).await.status, 201);
    let path = format!(
        "/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/RG1/PROVIDERS/microsoft.importexport/JOBS/myjob?api-version={API}"
    );
    let resp = client.send("GET", &path, None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["name"], "MyJob");
    // A trailing slash is tolerated.
    let resp = client
        .send(
            "GET",
            &format!("{}/?api-version={API}", job_path(SUB, RG, "MyJob")),
            None,
        )
        .await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn seeded_jobs_are_returned_as_stored() {
    let (emulator, client) = setup().await;
    let seeded = json!({
        "name": "seeded",
        "properties": { "state": "Shipping", "brandNewField": { "nested": true }, "driveList": [{ "driveId": "D1", "bitLockerKey": "secret" }] },
        "unknownTop": 1
    });
    emulator.insert_job(SUB, RG, "seeded", seeded.clone());
    let got = client.get_job("seeded").await.json();
    let mut expected = seeded.clone();
    expected["properties"]["driveList"][0]
        .as_object_mut()
        .unwrap()
        .remove("bitLockerKey");
    assert_eq!(got, expected);
    let keys = client.bitlocker_keys("seeded").await.json();
    assert_eq!(
        keys,
        json!({ "value": [{ "driveId": "D1", "bitLockerKey": "secret" }] })
    );
    emulator.advance(DAY);
    assert_eq!(
        emulator.job_state(SUB, RG, "seeded").as_deref(),
        Some("Received")
    );
    // A body that is not even an object is served as is and never moves.
    emulator.insert_job(SUB, RG, "weird", json!([1, 2, 3]));
    assert_eq!(client.get_job("weird").await.json(), json!([1, 2, 3]));
    assert!(
        emulator
            .set_job_state(SUB, RG, "weird", "Completed")
            .is_err()
    );
    assert_eq!(client.cancel("weird").await.status, 409);
    assert_eq!(client.delete_job("weird").await.status, 409);
}

#[tokio::test]
async fn bitlocker_keys_come_only_from_list_bitlocker_keys() {
    let (_emulator, client) = setup().await;
    client.put_job("imp", &import_body()).await;
    client.put_job("exp", &export_body()).await;
    let resp = client.bitlocker_keys("imp").await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.json(),
        json!({ "value": [
            { "driveId": "DRIVE0001", "bitLockerKey": "111111-222222-333333-444444-555555-666666-777777-888888" },
            { "driveId": "DRIVE0002", "bitLockerKey": "999999-888888-777777-666666-555555-444444-333333-222222" }
        ]})
    );
    assert_eq!(
        client.bitlocker_keys("exp").await.json(),
        json!({ "value": [] })
    );
    let missing = client.bitlocker_keys("nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "ResourceNotFound");
    let get_keys = client
        .send(
            "GET",
            &format!(
                "{}/listBitLockerKeys?api-version={API}",
                job_path(SUB, RG, "imp")
            ),
            None,
        )
        .await;
    assert_eq!(get_keys.status, 405);
    let body = client.get_job("imp").await.body;
    assert!(!String::from_utf8_lossy(&body).contains("111111-222222"));
}
