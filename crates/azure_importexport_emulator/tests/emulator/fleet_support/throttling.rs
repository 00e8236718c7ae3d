//! ARM's per-subscription token buckets, on a manual clock: the headers each method
//! reports, 429 + `Retry-After` when a bucket is empty, scaling, and the journal.

use std::time::Duration;

use azure_importexport_emulator::{
    BucketLimits, Emulator, EmulatorConfig, Fault, FaultRule, ManualClock, RequestKind,
    ThrottleConfig,
};

use crate::common::*;

const READS: &str = "x-ms-ratelimit-remaining-subscription-reads";
const WRITES: &str = "x-ms-ratelimit-remaining-subscription-writes";
const DELETES: &str = "x-ms-ratelimit-remaining-subscription-deletes";

/// An emulator whose buckets follow `throttle`.
async fn throttled(throttle: ThrottleConfig) -> (Emulator, Client) {
    setup_with(EmulatorConfig {
        throttle: Some(throttle),
        ..EmulatorConfig::default()
    })
    .await
}

/// Writes limited to `capacity` tokens refilled `per_second`; reads and deletes as ARM's.
fn writes(capacity: u32, per_second: f64, scale: f64, clock: &ManualClock) -> ThrottleConfig {
    ThrottleConfig {
        writes: BucketLimits {
            capacity,
            refill_per_second: per_second,
        },
        scale,
        ..ThrottleConfig::default()
    }
    .with_clock(clock.clone())
}

fn list_path(sub: &str) -> String {
    format!("/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs?api-version={API}")
}

#[tokio::test]
async fn each_answer_reports_the_bucket_of_its_method() {
    let clock = ManualClock::new();
    let (_emulator, client) = throttled(ThrottleConfig::default().with_clock(clock)).await;
    let remaining =
        |resp: &Resp| [READS, WRITES, DELETES].map(|h| resp.header(h).map(str::to_owned));
    let some = |v: &str| Some(v.to_owned());
    let put = client.put_job("job1", &import_body()).await;
    assert_eq!(remaining(&put), [None, some("199"), None]);
    let get = client.get_job("job1").await;
    assert_eq!(remaining(&get), [some("249"), None, None]);
    let patch = client
        .patch_job("job1", &serde_json::json!({ "tags": {} }))
        .await;
    assert_eq!(remaining(&patch), [None, some("198"), None]);
    let keys = client.bitlocker_keys("job1").await;
    assert_eq!(
        remaining(&keys),
        [None, some("197"), None],
        "POST is a write"
    );
    let list = client.send("GET", &list_path(SUB), None).await;
    assert_eq!(remaining(&list), [some("248"), None, None]);
    let missing = client.get_job("nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        remaining(&missing),
        [some("247"), None, None],
        "errors count too"
    );
    let delete = client.delete_job("job1").await;
    assert_eq!(remaining(&delete), [None, None, some("199")]);

    // Another subscription has its own buckets; the provider's own routes have none.
    let other = client.send("GET", &list_path("another-sub"), None).await;
    assert_eq!(remaining(&other), [some("249"), None, None]);
    let locations = client
        .send(
            "GET",
            &format!("/providers/Microsoft.ImportExport/locations?api-version={API}"),
            None,
        )
        .await;
    assert_eq!(remaining(&locations), [None, None, None]);
    // A request refused for authentication is not counted.
    let anonymous = client.clone().without_auth().get_job("job1").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(remaining(&anonymous), [None, None, None]);
    assert_eq!(
        remaining(&client.get_job("job1").await),
        [some("246"), None, None]
    );
}

#[tokio::test]
async fn an_empty_bucket_answers_429_until_a_token_is_back() {
    let clock = ManualClock::new();
    let (emulator, client) = throttled(writes(2, 1.0, 1.0, &clock)).await;
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    assert_eq!(client.put_job("job2", &import_body()).await.status, 201);

    let resp = client.put_job("job3", &import_body()).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.error_code(), "SubscriptionRequestsThrottled");
    assert_eq!(resp.header("Retry-After"), Some("1"));
    assert_eq!(resp.header("x-ms-retry-after-ms"), Some("1000"));
    assert_eq!(resp.header(WRITES), Some("0"));
    assert!(resp.header("x-ms-request-id").is_some());
    let message = resp.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("'write'") && message.contains(SUB),
        "{message}"
    );
    assert!(emulator.job_json(SUB, RG, "job3").is_none());
    let entry = emulator.journal().pop().unwrap();
    assert_eq!((entry.kind, entry.status), (RequestKind::CreateJob, 429));
    assert!(!entry.fault_injected && !entry.applied);

    // Reads have their own bucket.
    assert_eq!(client.get_job("job1").await.status, 200);
    clock.advance(Duration::from_millis(400));
    let resp = client.put_job("job3", &import_body()).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("Retry-After"), Some("1"), "rounded up");
    assert_eq!(resp.header("x-ms-retry-after-ms"), Some("600"));
    clock.advance(Duration::from_millis(600));
    let resp = client.put_job("job3", &import_body()).await;
    assert_eq!(resp.status, 201);
    assert_eq!(resp.header(WRITES), Some("0"));
    let throttled = emulator
        .journal()
        .iter()
        .filter(|e| e.status == 429)
        .count();
    assert_eq!(throttled, 2, "tests count 429s in the journal");
}

#[tokio::test]
async fn scale_makes_buckets_refill_faster() {
    let clock = ManualClock::new();
    let (_emulator, client) = throttled(writes(1, 1.0, 100.0, &clock)).await;
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    let resp = client.put_job("job2", &import_body()).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("x-ms-retry-after-ms"), Some("10"));
    assert_eq!(
        resp.header("Retry-After"),
        Some("1"),
        "whole seconds, at least 1"
    );
    clock.advance(Duration::from_millis(10));
    assert_eq!(client.put_job("job2", &import_body()).await.status, 201);
}

#[tokio::test]
async fn a_throttled_request_leaves_fault_rules_alone() {
    let clock = ManualClock::new();
    let (emulator, client) = throttled(writes(1, 1.0, 1.0, &clock)).await;
    client.put_job("job1", &import_body()).await;
    emulator.inject(FaultRule::new(
        RequestKind::CreateJob,
        1,
        Fault::status(503),
    ));
    assert_eq!(client.put_job("job2", &import_body()).await.status, 429);
    clock.advance(Duration::from_secs(1));
    assert_eq!(client.put_job("job2", &import_body()).await.status, 503);
    assert_eq!(client.put_job("job2", &import_body()).await.status, 429);
}

#[tokio::test]
async fn real_time_refills_the_standalone_emulators_buckets() {
    let fast = ThrottleConfig {
        writes: BucketLimits {
            capacity: 1,
            refill_per_second: 1.0,
        },
        scale: 50.0,
        ..ThrottleConfig::default()
    };
    let (_emulator, client) = throttled(fast).await;
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    let resp = client.put_job("job2", &import_body()).await;
    if resp.status == 429 {
        let ms: u64 = resp.header("x-ms-retry-after-ms").unwrap().parse().unwrap();
        assert!((1..=20).contains(&ms), "{ms}");
        tokio::time::sleep(Duration::from_millis(ms + 5)).await;
        assert_eq!(client.put_job("job2", &import_body()).await.status, 201);
    }
}

#[tokio::test]
async fn without_throttling_there_are_no_rate_limit_headers() {
    let (_emulator, client) = setup().await;
    let resp = client.put_job("job1", &import_body()).await;
    assert!(
        [READS, WRITES, DELETES]
            .iter()
            .all(|h| resp.header(h).is_none())
    );
}
