//! Jobs_Delete and the lifecycle on the virtual clock.

use std::time::Duration;

use azure_importexport_emulator::{Emulator, EmulatorConfig, EmulatorError, RequestKind};

use crate::common::*;

#[tokio::test]
async fn delete_is_allowed_only_in_creating_and_completed() {
    let (emulator, client) = setup().await;
    for state in lifecycle_where(JobState::can_delete) {
        let name = format!("job-{}", state.to_lowercase());
        job_in_state(&emulator, &client, &name, state).await;
        let resp = client.delete_job(&name).await;
        assert_eq!(resp.status, 200, "{state}");
        assert!(resp.body.is_empty());
        let entry = emulator.journal().pop().unwrap();
        assert_eq!(entry.kind, RequestKind::DeleteJob);
        assert!(entry.applied);
        assert_eq!(entry.state_before.as_deref(), Some(state));
        let gone = client.get_job(&name).await;
        assert_eq!(gone.status, 404);
        assert_eq!(gone.error_code(), "ResourceNotFound");
        assert_eq!(client.bitlocker_keys(&name).await.status, 404);
        let again = client.delete_job(&name).await;
        assert_eq!(again.status, 404);
        assert_eq!(again.error_code(), "ResourceNotFound");
    }
    for state in lifecycle_where(|state| !state.can_delete()) {
        let refusal = (409, "JobCannotBeDeleted");
        assert_refused_in_state(&emulator, &client, state, refusal, async |name| {
            client.delete_job(name).await
        })
        .await;
        assert!(!emulator.journal().pop().unwrap().applied);
    }
    for state in states_outside_the_lifecycle(&["Mystery", "completed-ish"]) {
        client.put_job("odd", &import_body()).await;
        emulator.set_job_state(SUB, RG, "odd", state).unwrap();
        assert_eq!(client.delete_job("odd").await.status, 409, "{state}");
        assert_eq!(emulator.job_state(SUB, RG, "odd").as_deref(), Some(state));
        emulator.remove_job(SUB, RG, "odd");
    }
}

#[tokio::test]
async fn lifecycle_follows_the_schedule() {
    let (emulator, client) = setup_with(EmulatorConfig {
        schedule: schedule([100, 200, 400, 800]),
        ..EmulatorConfig::default()
    })
    .await;
    client.put_job("job1", &import_body()).await;
    emulator.advance(Duration::from_secs(50));
    assert_eq!(
        client.patch_job("job1", &ship_patch()).await.state(),
        "Shipping"
    );
    let s = Duration::from_secs;
    let state = || emulator.job_state(SUB, RG, "job1").unwrap();
    emulator.advance(s(99));
    assert_eq!(state(), "Shipping");
    emulator.advance(s(1));
    assert_eq!(state(), "Received");
    emulator.advance(s(199));
    assert_eq!(state(), "Received");
    emulator.advance(s(1));
    assert_eq!(state(), "Transferring");
    let percent = || client_percent(&emulator);
    assert_eq!(percent(), 0);
    emulator.advance(s(200));
    assert_eq!(percent(), 50);
    emulator.advance(s(199));
    assert_eq!(percent(), 99);
    assert_eq!(state(), "Transferring");
    emulator.advance(s(1));
    assert_eq!(state(), "Packaging");
    assert_eq!(percent(), 100);
    emulator.advance(s(800));
    assert_eq!(state(), "Completed");
    assert_eq!(percent(), 100);
    assert_eq!(emulator.now(), s(50 + 100 + 200 + 400 + 800));
    // GET agrees with the backdoor.
    assert_eq!(client.get_job("job1").await.state(), "Completed");
    emulator.advance(DAY * 90 - s(1));
    assert_eq!(state(), "Completed");
    emulator.advance(s(1));
    assert_eq!(emulator.job_state(SUB, RG, "job1"), None);
    assert_eq!(client.get_job("job1").await.status, 404);
}

fn client_percent(emulator: &Emulator) -> u64 {
    emulator.job_json(SUB, RG, "job1").unwrap()["properties"]["percentComplete"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn one_long_jump_applies_every_transition_in_order() {
    let (emulator, client) = setup().await;
    client.put_job("shipped", &import_body()).await;
    client.patch_job("shipped", &ship_patch()).await;
    client.put_job("idle", &import_body()).await;
    // 4 days to Completed, then 90 days of retention: at day 93 it is still there.
    emulator.advance(DAY * 93);
    assert_eq!(
        emulator.job_state(SUB, RG, "shipped").as_deref(),
        Some("Completed")
    );
    let job = emulator.job_json(SUB, RG, "shipped").unwrap();
    assert_eq!(job["properties"]["percentComplete"], 100);
    // The never-shipped job vanished after 14 days.
    assert_eq!(emulator.job_state(SUB, RG, "idle"), None);
    emulator.advance(DAY);
    assert_eq!(emulator.job_state(SUB, RG, "shipped"), None);
    assert_eq!(emulator.job_count(), 0);
}

#[tokio::test]
async fn creating_jobs_expire_after_two_weeks() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    emulator.advance(DAY * 14 - Duration::from_secs(1));
    assert_eq!(client.get_job("job1").await.status, 200);
    emulator.advance(Duration::from_secs(1));
    assert_eq!(client.get_job("job1").await.status, 404);
}

#[tokio::test]
async fn advance_job_to_reports_unreachable_states() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    let err = emulator
        .advance_job_to(SUB, RG, "job1", "Received")
        .unwrap_err();
    assert!(matches!(err, EmulatorError::Unreachable { .. }), "{err}");
    assert_eq!(emulator.now(), Duration::ZERO, "the clock did not move");
    assert!(emulator.advance_job_to(SUB, RG, "job1", "creating").is_ok());
    let err = emulator
        .advance_job_to(SUB, RG, "nope", "Completed")
        .unwrap_err();
    assert!(matches!(err, EmulatorError::JobNotFound { .. }));
    assert!(err.to_string().contains("nope"));

    client.patch_job("job1", &ship_patch()).await;
    emulator
        .advance_job_to(SUB, RG, "job1", "Transferring")
        .unwrap();
    assert_eq!(emulator.now(), DAY * 2);
    assert!(
        emulator
            .advance_job_to(SUB, RG, "job1", "Shipping")
            .is_err()
    );
    emulator.set_job_state(SUB, RG, "job1", "Mystery").unwrap();
    assert!(
        emulator
            .advance_job_to(SUB, RG, "job1", "Completed")
            .is_err()
    );
    assert!(
        emulator
            .set_job_state(SUB, RG, "nope", "Completed")
            .is_err()
    );
    // A cancelled job goes straight to Completed.
    client.put_job("job2", &import_body()).await;
    client.cancel("job2").await;
    assert!(
        emulator
            .advance_job_to(SUB, RG, "job2", "Shipping")
            .is_err()
    );
    emulator
        .advance_job_to(SUB, RG, "job2", "Completed")
        .unwrap();
}
