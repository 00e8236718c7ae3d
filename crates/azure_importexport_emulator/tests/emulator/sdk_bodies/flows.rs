//! Issue 12's everyday flows, with exactly the bodies the official SDKs send: mark the job
//! shipped, update its tags, and see the delete of a `Shipping` job refused. With the
//! Python SDK, every update carries `"cancelRequested": false`.

use azure_importexport_emulator::{Emulator, RequestKind};
use serde_json::json;

use super::fixtures::Sdk;
use crate::common::*;

/// Creates `name` with the SDK's create body.
async fn create(client: &Client, sdk: &Sdk, name: &str) {
    let created = client.put_job(name, &sdk.body("create")).await;
    assert_eq!(
        created.status,
        201,
        "{}: {}",
        sdk.label,
        String::from_utf8_lossy(&created.body)
    );
}

/// The last journal entry, which must be an applied update answered 200.
fn assert_applied_update(emulator: &Emulator, label: &str) {
    let entry = emulator.journal().pop().unwrap();
    assert_eq!(entry.kind, RequestKind::UpdateJob, "{label}");
    assert_eq!(entry.status, 200, "{label}");
    assert!(entry.applied, "{label}");
}

async fn ship_tag_and_refuse_delete(sdk: Sdk) {
    let (emulator, client) = setup().await;
    create(&client, &sdk, "job1").await;

    let shipped = client.patch_job("job1", &sdk.body("ship")).await;
    assert_eq!(
        shipped.status,
        200,
        "{}: mark shipped: {}",
        sdk.label,
        String::from_utf8_lossy(&shipped.body)
    );
    assert_eq!(shipped.state(), "Shipping", "{}", sdk.label);
    let job = shipped.json();
    assert_eq!(job["properties"]["cancelRequested"], false);
    assert_eq!(
        job["properties"]["deliveryPackage"],
        sdk.body("ship")["properties"]["deliveryPackage"]
    );
    assert_applied_update(&emulator, &sdk.label);

    let tags = sdk.body("tags");
    let tagged = client.patch_job("job1", &tags).await;
    assert_eq!(tagged.status, 200, "{}: update tags", sdk.label);
    assert_eq!(tagged.json()["tags"], tags["tags"]);
    assert_eq!(tagged.state(), "Shipping");
    assert_applied_update(&emulator, &sdk.label);

    let deleted = client.delete_job("job1").await;
    assert_eq!(deleted.status, 409, "{}: delete while Shipping", sdk.label);
    assert_eq!(deleted.error_code(), "JobCannotBeDeleted");
    assert_eq!(
        emulator.job_json(SUB, RG, "job1").unwrap(),
        tagged.json(),
        "a refused delete changes nothing"
    );
}

#[tokio::test]
async fn python_sdk_ships_tags_and_is_refused_a_shipping_delete() {
    ship_tag_and_refuse_delete(Sdk::python()).await;
}

#[tokio::test]
async fn js_sdk_ships_tags_and_is_refused_a_shipping_delete() {
    ship_tag_and_refuse_delete(Sdk::js()).await;
}

#[tokio::test]
async fn cancel_requested_false_is_no_change_on_a_job_not_cancelled() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    let before = emulator.job_json(SUB, RG, "job1").unwrap();
    emulator.advance(DAY);
    let not_cancelled = json!({ "properties": { "cancelRequested": false } });
    let resp = client.patch_job("job1", &not_cancelled).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json(), before, "not even lastModifiedAt moves");
    let entry = emulator.journal().pop().unwrap();
    assert!(!entry.applied);
    // Whatever the state, before Packaging or after.
    emulator
        .set_job_state(SUB, RG, "job1", "Completed")
        .unwrap();
    assert_eq!(client.patch_job("job1", &not_cancelled).await.status, 200);
}

#[tokio::test]
async fn un_cancelling_is_refused_so_python_updates_after_a_cancel_are_too() {
    let (emulator, client) = setup().await;
    let (python, js) = (Sdk::python(), Sdk::js());
    create(&client, &python, "job1").await;
    let cancelled = client.patch_job("job1", &python.body("cancel")).await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.json()["properties"]["cancelRequested"], true);
    let before = emulator.job_json(SUB, RG, "job1").unwrap();

    // The Python SDK's tags update says `cancelRequested: false`: un-cancelling.
    let resp = client.patch_job("job1", &python.body("tags")).await;
    assert_eq!(resp.status, 409);
    assert_eq!(resp.error_code(), "JobCancelCannotBeReverted");
    assert_eq!(resp.json()["error"]["target"], "properties.cancelRequested");
    assert_eq!(emulator.job_json(SUB, RG, "job1").unwrap(), before);

    // The same update without the field (the JavaScript SDK's) is accepted.
    let resp = client.patch_job("job1", &js.body("tags")).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["properties"]["cancelRequested"], true);
    // A repeated cancel is still fine.
    assert_eq!(
        client
            .patch_job("job1", &python.body("cancel"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn an_sdk_update_sets_what_it_sends_and_keeps_the_state() {
    for sdk in [Sdk::python(), Sdk::js()] {
        let (_emulator, client) = setup().await;
        create(&client, &sdk, "job1").await;
        let update = sdk.body("update");
        let resp = client.patch_job("job1", &update).await;
        assert_eq!(resp.status, 200, "{}", sdk.label);
        let job = resp.json();
        assert_eq!(job["properties"]["state"], "Creating", "{}", sdk.label);
        for (field, sent) in update["properties"].as_object().unwrap() {
            if field != "cancelRequested" {
                assert_eq!(&job["properties"][field], sent, "{}: {field}", sdk.label);
            }
        }
        assert_eq!(job["properties"]["cancelRequested"], false);
        // An empty state (which some samples send) is no change either.
        let resp = client
            .patch_job("job1", &json!({ "properties": { "state": "" } }))
            .await;
        assert_eq!(resp.status, 200, "{}", sdk.label);
        assert_eq!(resp.json(), job, "{}", sdk.label);
    }
}

#[tokio::test]
async fn python_create_defaults_are_accepted_and_service_fields_win() {
    let (_emulator, client) = setup().await;
    let mut body = Sdk::python().body("create");
    // What a caller could also set on JobDetails: the service decides these.
    body["properties"]["state"] = json!("Shipping");
    body["properties"]["percentComplete"] = json!(50);
    let resp = client.put_job("job1", &body).await;
    assert_eq!(resp.status, 201);
    let job = resp.json();
    assert_eq!(job["properties"]["state"], "Creating");
    assert_eq!(job["properties"]["cancelRequested"], false);
    assert!(job["properties"].get("percentComplete").is_none());
    assert_eq!(job["properties"]["driveList"][0]["state"], "Specified");
}
