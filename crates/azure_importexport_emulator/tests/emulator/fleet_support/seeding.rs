//! Seeding many jobs: generated fleets (`Emulator::seed_jobs`) and seed files
//! (`Emulator::seed_from_json`, what `azie emulator --seed FILE` reads).

use std::collections::BTreeMap;
use std::time::Duration;

use azure_importexport_emulator::{DEFAULT_SUBSCRIPTION, EmulatorError, JobSeed, SeededJob};
use serde_json::{Value, json};

use crate::common::*;

/// Every job of the subscription, through the API (all pages).
async fn list_all(client: &Client, sub: &str) -> Vec<Value> {
    let mut url =
        format!("/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs?api-version={API}");
    let mut jobs = Vec::new();
    loop {
        let page = client.send("GET", &url, None).await.json();
        jobs.extend(page["value"].as_array().unwrap().iter().cloned());
        match page["nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => return jobs,
        }
    }
}

#[tokio::test]
async fn seed_jobs_spreads_a_fleet_over_groups_states_and_ages() {
    let (emulator, client) = setup().await;
    let seed = JobSeed {
        subscription: SUB.to_owned(),
        count: 12,
        resource_groups: 3,
        states: vec!["Creating".into(), "Shipping".into(), "Completed".into()],
        ages: vec![Duration::ZERO, DAY * 100],
        ..JobSeed::default()
    };
    let seeded = emulator.seed_jobs(&seed);
    assert_eq!(seeded.len(), 12);
    assert_eq!(
        seeded[4],
        SeededJob {
            subscription: SUB.to_owned(),
            resource_group: "rg-1".to_owned(),
            name: "job-00004".to_owned()
        }
    );
    let jobs = list_all(&client, SUB).await;
    assert_eq!(jobs.len(), 12);
    let mut per_group: BTreeMap<String, usize> = BTreeMap::new();
    let mut combos: BTreeMap<(String, String), usize> = BTreeMap::new();
    for job in &jobs {
        let group = job["id"]
            .as_str()
            .unwrap()
            .split('/')
            .nth(4)
            .unwrap()
            .to_owned();
        *per_group.entry(group).or_default() += 1;
        let state = job["properties"]["state"].as_str().unwrap().to_owned();
        let created = job["systemData"]["createdAt"].as_str().unwrap().to_owned();
        assert_eq!(job["systemData"]["lastModifiedAt"], created.as_str());
        *combos.entry((state, created)).or_default() += 1;
        assert!(
            job["properties"]["driveList"][0]
                .get("bitLockerKey")
                .is_none()
        );
    }
    assert_eq!(per_group.values().collect::<Vec<_>>(), [&4, &4, &4]);
    assert_eq!(combos.len(), 6, "every state at every age: {combos:?}");
    assert!(combos.contains_key(&("Completed".to_owned(), "2025-09-23T00:00:00Z".to_owned())));

    // Complete jobs: the keys come from listBitLockerKeys, and the lifecycle goes on
    // from now (an old Completed job does not vanish at once).
    let keys = client
        .send(
            "POST",
            &format!(
                "{}/listBitLockerKeys?api-version={API}",
                job_path(SUB, "rg-0", "job-00000")
            ),
            None,
        )
        .await
        .json();
    assert_eq!(keys["value"][0]["bitLockerKey"].as_str().unwrap().len(), 55);
    emulator.advance(DAY);
    assert_eq!(
        emulator.job_state(SUB, "rg-1", "job-00001").as_deref(),
        Some("Received")
    );
    assert_eq!(
        emulator.job_state(SUB, "rg-2", "job-00002").as_deref(),
        Some("Completed")
    );
    let completed = format!("{}?api-version={API}", job_path(SUB, "rg-2", "job-00002"));
    assert_eq!(client.send("DELETE", &completed, None).await.status, 200);
}

#[tokio::test]
async fn seeding_ten_thousand_jobs_is_quick() {
    let (emulator, _client) = setup().await;
    let started = std::time::Instant::now();
    emulator.seed_jobs(&JobSeed {
        count: 10_000,
        resource_groups: 10,
        ..JobSeed::default()
    });
    assert_eq!(emulator.job_count(), 10_000);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        emulator
            .job_state(DEFAULT_SUBSCRIPTION, "rg-9", "job-09999")
            .as_deref(),
        Some("Completed")
    );
}

#[tokio::test]
async fn seed_files_store_given_bodies_or_generate_jobs() {
    let (emulator, client) = setup().await;
    let file = json!([
        { "resourceGroup": "rg-a", "name": "plain" },
        { "subscription": SUB, "resourceGroup": RG, "name": "shipped", "state": "Shipping", "location": "eastus", "ageDays": 30 },
        { "subscription": SUB, "resourceGroup": RG, "name": "verbatim", "job": { "name": "verbatim", "properties": { "state": "Mystery" } } }
    ]);
    let seeded = emulator.seed_from_json(&file).unwrap();
    assert_eq!(seeded.len(), 3);
    assert_eq!(seeded[0].subscription, DEFAULT_SUBSCRIPTION);
    assert_eq!(
        emulator
            .job_state(DEFAULT_SUBSCRIPTION, "rg-a", "plain")
            .as_deref(),
        Some("Creating")
    );
    let shipped = client.get_job("shipped").await.json();
    assert_eq!(shipped["properties"]["state"], "Shipping");
    assert_eq!(shipped["location"], "eastus");
    assert_eq!(
        shipped["properties"]["shippingInformation"]["city"],
        "Millbrook"
    );
    assert_eq!(shipped["systemData"]["createdAt"], "2025-12-02T00:00:00Z");
    assert!(shipped["properties"]["deliveryPackage"].is_object());
    assert_eq!(
        client.get_job("verbatim").await.json(),
        json!({ "name": "verbatim", "properties": { "state": "Mystery" } })
    );
}

#[tokio::test]
async fn a_bad_seed_file_stores_nothing_and_says_where() {
    let (emulator, _client) = setup().await;
    let good = json!({ "resourceGroup": "rg", "name": "ok" });
    for (file, entry, says) in [
        (json!({ "jobs": [] }), None, "JSON array"),
        (json!([good, 5]), Some(1), "JSON object"),
        (
            json!([good, { "resourceGroup": "rg" }]),
            Some(1),
            "`name` is required",
        ),
        (
            json!([good, { "resourceGroup": "rg", "name": "" }]),
            Some(1),
            "non-empty",
        ),
        (
            json!([{ "resource_group": "rg", "name": "x" }]),
            Some(0),
            "unknown field `resource_group`",
        ),
        (
            json!([good, { "resourceGroup": "rg", "name": "x", "job": [] }]),
            Some(1),
            "`job`",
        ),
        (
            json!([good, { "resourceGroup": "rg", "name": "x", "ageDays": -1 }]),
            Some(1),
            "`ageDays`",
        ),
    ] {
        let error = emulator.seed_from_json(&file).unwrap_err();
        let EmulatorError::InvalidSeed { entry: at, reason } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(*at, entry, "{file}");
        assert!(reason.contains(says), "{file}: {reason}");
        assert!(
            error.to_string().starts_with("invalid seed file"),
            "{error}"
        );
    }
    assert_eq!(emulator.job_count(), 0);
}
