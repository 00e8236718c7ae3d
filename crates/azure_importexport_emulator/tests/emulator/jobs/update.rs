//! Jobs_Update: shipping, merging fields, and cancelling.

use std::time::Duration;

use azure_importexport_emulator::{RequestKind, Schedule};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn patch_shipping_rules() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;

    let no_address =
        json!({ "properties": { "state": "Shipping", "deliveryPackage": delivery_package() } });
    let no_package =
        json!({ "properties": { "state": "Shipping", "returnAddress": return_address() } });
    for (patch, missing) in [
        (&no_address, "returnAddress"),
        (&no_package, "deliveryPackage"),
    ] {
        let resp = client.patch_job("job1", patch).await;
        assert_eq!(resp.status, 400);
        let message = resp.json()["error"]["message"].clone();
        assert!(message.as_str().unwrap().contains(missing), "{message}");
    }
    assert_eq!(
        emulator.job_state(SUB, RG, "job1").as_deref(),
        Some("Creating")
    );
    assert!(
        emulator.job_json(SUB, RG, "job1").unwrap()["properties"]
            .get("returnAddress")
            .is_none(),
        "a refused PATCH changes nothing"
    );

    for bad_state in [
        json!("Completed"),
        json!("Received"),
        json!("Creating"),
        json!("Mystery"),
        json!(3),
    ] {
        let resp = client
            .patch_job("job1", &json!({ "properties": { "state": bad_state } }))
            .await;
        assert_eq!(resp.status, 400, "{bad_state}");
        assert_eq!(resp.error_code(), "InvalidJobState");
    }

    // Address first, package later: the stored one counts.
    let resp = client
        .patch_job(
            "job1",
            &json!({ "properties": { "returnAddress": return_address() } }),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.state(), "Creating");
    emulator.advance(Duration::from_secs(60));
    let resp = client.patch_job("job1", &no_package.clone()).await;
    assert_eq!(resp.status, 400);
    let resp = client.patch_job("job1", &no_address).await;
    assert_eq!(resp.status, 200);
    let job = resp.json();
    assert_eq!(job["properties"]["state"], "Shipping");
    assert_eq!(
        job["properties"]["deliveryPackage"]["trackingNumber"],
        "TRACK123"
    );
    assert_eq!(job["systemData"]["lastModifiedAt"], "2026-01-01T00:01:00Z");

    // Only from Creating.
    let resp = client.patch_job("job1", &ship_patch()).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), "InvalidJobState");
    assert_eq!(
        emulator.job_state(SUB, RG, "job1").as_deref(),
        Some("Shipping")
    );

    // Missing job.
    assert_eq!(client.patch_job("nope", &ship_patch()).await.status, 404);
}

#[tokio::test]
async fn patch_merges_updatable_fields_and_ignores_read_only_ones() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    let patch = json!({
        "tags": { "new": "tag" },
        "properties": {
            "returnShipping": { "carrierName": "UPS", "carrierAccountNumber": "999" },
            "logLevel": "Verbose",
            "backupDriveManifest": true,
            "percentComplete": 77,
            "jobType": "Export",
            "provisioningState": "Failed",
            "futureField": [1, 2]
        }
    });
    let resp = client.patch_job("job1", &patch).await;
    assert_eq!(resp.status, 200);
    let job = resp.json();
    assert_eq!(job["tags"], json!({ "new": "tag" }));
    assert_eq!(job["properties"]["returnShipping"]["carrierName"], "UPS");
    assert_eq!(job["properties"]["logLevel"], "Verbose");
    assert_eq!(job["properties"]["backupDriveManifest"], true);
    assert_eq!(job["properties"]["futureField"], json!([1, 2]));
    assert!(
        job["properties"].get("percentComplete").is_none(),
        "read-only, and absent before Transferring"
    );
    assert_eq!(job["properties"]["jobType"], "Import");
    assert_eq!(job["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        job["properties"]["storageAccountId"],
        json!(storage_account())
    );
    assert_eq!(emulator.job_json(SUB, RG, "job1").unwrap(), job);

    for bad in [
        b"nope".to_vec(),
        b"[]".to_vec(),
        br#"{"properties": 5}"#.to_vec(),
        br#"{"tags": 5}"#.to_vec(),
        br#"{"properties": {"returnAddress": "x"}}"#.to_vec(),
        br#"{"properties": {"driveList": {}}}"#.to_vec(),
    ] {
        let resp = client
            .send_raw(
                "PATCH",
                &job_url("job1"),
                Some(bad.clone()),
                Some("Bearer t"),
            )
            .await;
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&bad));
    }
    assert_eq!(emulator.job_json(SUB, RG, "job1").unwrap(), job);
}

#[tokio::test]
async fn cancel_is_allowed_before_packaging_and_completes_at_the_next_step() {
    let schedule = Schedule::default();
    for (i, state) in lifecycle_where(JobState::can_cancel)
        .into_iter()
        .enumerate()
    {
        let (emulator, client) = setup().await;
        let name = format!("job{i}");
        job_in_state(&emulator, &client, &name, state).await;
        // Let half a day pass in the state, then cancel.
        emulator.advance(DAY / 2);
        let resp = client.cancel(&name).await;
        assert_eq!(
            resp.status,
            200,
            "{state}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        let job = resp.json();
        assert_eq!(job["properties"]["cancelRequested"], true, "{state}");
        assert_eq!(
            job["properties"]["state"], state,
            "{state}: cancel does not move the state at once"
        );
        let entry = emulator.journal().pop().unwrap();
        assert_eq!(entry.kind, RequestKind::UpdateJob);
        assert!(entry.applied);
        assert_eq!(entry.state_before.as_deref(), Some(state));

        // A second cancel is accepted and changes nothing.
        let again = client.cancel(&name).await;
        assert_eq!(again.status, 200);
        assert!(!emulator.journal().pop().unwrap().applied);

        // Creating: completes `shipping_to_received` after the cancel; later states: at their
        // next scheduled transition (one day after entering the state).
        let remaining = if state == "Creating" {
            schedule.shipping_to_received
        } else {
            DAY / 2
        };
        emulator.advance(remaining - Duration::from_secs(1));
        assert_eq!(
            emulator.job_state(SUB, RG, &name).as_deref(),
            Some(state),
            "{state}"
        );
        emulator.advance(Duration::from_secs(1));
        assert_eq!(
            emulator.job_state(SUB, RG, &name).as_deref(),
            Some("Completed"),
            "{state}"
        );
        let job = client.get_job(&name).await.json();
        assert_eq!(job["properties"]["cancelRequested"], true);
        // A cancelled job is kept for 90 days, then vanishes.
        emulator.advance(DAY * 90 - Duration::from_secs(1));
        assert_eq!(client.get_job(&name).await.status, 200);
        emulator.advance(Duration::from_secs(1));
        assert_eq!(client.get_job(&name).await.status, 404);
    }
}

#[tokio::test]
async fn cancel_is_refused_from_packaging_on() {
    let (emulator, client) = setup().await;
    for state in lifecycle_where(|state| !state.can_cancel()) {
        let refusal = (409, "JobCannotBeCancelled");
        assert_refused_in_state(&emulator, &client, state, refusal, async |name| {
            client.cancel(name).await
        })
        .await;
        let entry = emulator.journal().pop().unwrap();
        assert!(!entry.applied);
        assert_eq!(entry.status, 409);
        assert_eq!(entry.state_before.as_deref(), Some(state));
    }
    // States outside the lifecycle allow no cancel either.
    for state in states_outside_the_lifecycle(&["Mystery"]) {
        client.put_job("odd", &import_body()).await;
        emulator.set_job_state(SUB, RG, "odd", state).unwrap();
        let resp = client.cancel("odd").await;
        assert_eq!(resp.status, 409, "{state}");
        assert_eq!(emulator.job_state(SUB, RG, "odd").as_deref(), Some(state));
        emulator.remove_job(SUB, RG, "odd");
    }
    // cancelRequested must be a boolean.
    client.put_job("job2", &import_body()).await;
    let resp = client
        .patch_job(
            "job2",
            &json!({ "properties": { "cancelRequested": "yes" } }),
        )
        .await;
    assert_eq!(resp.status, 400);
    // Cancelled jobs cannot ship.
    assert_eq!(client.cancel("job2").await.status, 200);
    let resp = client.patch_job("job2", &ship_patch()).await;
    assert_eq!(resp.status, 400);
    assert_eq!(
        emulator.job_state(SUB, RG, "job2").as_deref(),
        Some("Creating")
    );
    // Missing job.
    assert_eq!(client.cancel("nope").await.status, 404);
}
