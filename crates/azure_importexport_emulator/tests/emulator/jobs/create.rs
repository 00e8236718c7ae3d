//! Jobs_Create: PUT creates, replaces a `Creating` job, and validates bodies and names.

use std::time::Duration;

use azure_importexport_emulator::RequestKind;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn create_returns_201_with_service_fields() {
    let (emulator, client) = setup().await;
    let mut body = import_body();
    body["futureTopLevel"] = json!({ "x": 1 });
    body["properties"]["futureProperty"] = json!("kept");
    body["properties"]["driveList"][0]["futureDriveField"] = json!(7);
    let resp = client.put_job("job-1", &body).await;
    assert_eq!(resp.status, 201);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let job = resp.json();
    assert_eq!(
        job["id"],
        json!(format!(
            "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/job-1"
        ))
    );
    assert_eq!(job["name"], "job-1");
    assert_eq!(job["type"], "Microsoft.ImportExport/jobs");
    assert_eq!(job["location"], "westus");
    assert_eq!(job["tags"], json!({ "team": "data" }));
    assert_eq!(job["identity"], json!({ "type": "None" }));
    // createdAt is unique per incarnation: the virtual now plus 100 ns per creation.
    assert_eq!(
        job["systemData"]["createdAt"],
        "2026-01-01T00:00:00.0000001Z"
    );
    assert_eq!(
        job["systemData"]["lastModifiedAt"],
        "2026-01-01T00:00:00.0000001Z"
    );
    let props = &job["properties"];
    assert_eq!(props["state"], "Creating");
    assert_eq!(props["provisioningState"], "Succeeded");
    assert_eq!(props["cancelRequested"], false);
    assert!(
        props.get("percentComplete").is_none(),
        "only from Transferring"
    );
    assert_eq!(
        props["encryptionKey"],
        json!({ "kekType": "MicrosoftManaged" })
    );
    assert_eq!(props["jobType"], "Import");
    assert_eq!(props["shippingInformation"]["city"], "Riverbend");
    assert_eq!(props["futureProperty"], "kept");
    assert_eq!(job["futureTopLevel"], json!({ "x": 1 }));
    let drives = props["driveList"].as_array().unwrap();
    assert_eq!(drives.len(), 2);
    assert_eq!(drives[0]["driveId"], "DRIVE0001");
    assert_eq!(drives[0]["futureDriveField"], 7);
    assert!(drives.iter().all(|d| d["state"] == "Specified"));
    assert!(drives.iter().all(|d| d.get("bitLockerKey").is_none()));

    // GET answers the same document, and job_json is exactly what GET returns.
    let got = client.get_job("job-1").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), job);
    assert_eq!(emulator.job_json(SUB, RG, "job-1").unwrap(), job);
    // The keys are kept in storage.
    let raw = emulator.job_json_raw(SUB, RG, "job-1").unwrap();
    assert!(raw["properties"]["driveList"][0]["bitLockerKey"].is_string());

    let journal = emulator.journal();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].kind, RequestKind::CreateJob);
    assert_eq!(journal[0].method, "PUT");
    assert_eq!(journal[0].status, 201);
    assert!(journal[0].applied);
    assert!(!journal[0].fault_injected);
    assert_eq!(journal[0].state_before, None);
    assert_eq!(journal[0].body.as_ref().unwrap()["location"], "westus");
    assert_eq!(journal[0].query, format!("api-version={API}"));
    assert_eq!(journal[1].kind, RequestKind::GetJob);
    assert!(!journal[1].applied);
    assert_eq!(journal[1].state_before.as_deref(), Some("Creating"));
}

#[tokio::test]
async fn export_jobs_and_location_display_names() {
    let (_emulator, client) = setup().await;
    let resp = client.put_job("exp1", &export_body()).await;
    assert_eq!(resp.status, 201);
    assert_eq!(
        resp.json()["properties"]["shippingInformation"]["city"],
        "Millbrook"
    );
    let mut body = export_body();
    body["location"] = json!("West Europe");
    body["properties"]["jobType"] = json!("export");
    let resp = client.put_job("exp2", &body).await;
    assert_eq!(resp.status, 201);
    let job = resp.json();
    assert_eq!(job["properties"]["jobType"], "export", "stored as given");
    assert_eq!(
        job["properties"]["shippingInformation"]["city"],
        "Amsterdam"
    );
}

#[tokio::test]
async fn re_put_in_creating_returns_200_and_replaces() {
    let (emulator, client) = setup().await;
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    emulator.advance(Duration::from_secs(3600));
    let mut body = import_body();
    body["tags"] = json!({ "team": "other" });
    body["properties"]["logLevel"] = json!("Verbose");
    let resp = client.put_job("JOB1", &body).await;
    assert_eq!(resp.status, 200);
    let job = resp.json();
    assert_eq!(job["name"], "job1", "name keeps its original casing");
    assert_eq!(job["tags"], json!({ "team": "other" }));
    assert_eq!(job["properties"]["logLevel"], "Verbose");
    assert_eq!(job["properties"]["state"], "Creating");
    assert_eq!(
        job["systemData"]["createdAt"],
        "2026-01-01T00:00:00.0000001Z"
    );
    assert_eq!(job["systemData"]["lastModifiedAt"], "2026-01-01T01:00:00Z");
    assert_eq!(emulator.job_count(), 1);
}

#[tokio::test]
async fn put_conflicts_outside_creating() {
    let (emulator, client) = setup().await;
    for state in &LIFECYCLE[1..] {
        assert_refused_in_state(&emulator, &client, state, (409, "Conflict"), async |name| {
            client.put_job(name, &import_body()).await
        })
        .await;
    }
}

#[tokio::test]
async fn put_rejects_invalid_bodies() {
    let (emulator, client) = setup().await;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not json", b"{not json".to_vec(), "InvalidRequestContent"),
        ("empty", Vec::new(), "InvalidRequestContent"),
        ("array", b"[1,2]".to_vec(), "InvalidRequestContent"),
        ("non-utf8", vec![0xff, 0xfe, 0x7b], "InvalidRequestContent"),
    ];
    type Mutation = (&'static str, fn(&mut Value));
    let location_required: Vec<Mutation> = vec![
        ("no location", |b| {
            b.as_object_mut().unwrap().remove("location");
        }),
        ("location not a string", |b| b["location"] = json!(5)),
    ];
    for (what, mutate) in &location_required {
        let mut body = import_body();
        mutate(&mut body);
        cases.push((what, serde_json::to_vec(&body).unwrap(), "LocationRequired"));
    }
    let mutations: Vec<Mutation> = vec![
        ("no properties", |b| {
            b.as_object_mut().unwrap().remove("properties");
        }),
        ("properties not an object", |b| b["properties"] = json!("x")),
        ("no storage account", |b| {
            b["properties"]
                .as_object_mut()
                .unwrap()
                .remove("storageAccountId");
        }),
        ("bad job type", |b| {
            b["properties"]["jobType"] = json!("Copy")
        }),
        ("no job type", |b| {
            b["properties"].as_object_mut().unwrap().remove("jobType");
        }),
        ("no drive list", |b| {
            b["properties"].as_object_mut().unwrap().remove("driveList");
        }),
        ("empty drive list", |b| {
            b["properties"]["driveList"] = json!([])
        }),
        ("drive list not an array", |b| {
            b["properties"]["driveList"] = json!({})
        }),
        ("drive without id", |b| {
            b["properties"]["driveList"] = json!([{ "bitLockerKey": "k" }])
        }),
        ("too many drives", |b| {
            let drives: Vec<Value> = (0..11)
                .map(|i| json!({ "driveId": format!("D{i}") }))
                .collect();
            b["properties"]["driveList"] = Value::Array(drives);
        }),
        ("tags not an object", |b| b["tags"] = json!(["a"])),
        ("return address not an object", |b| {
            b["properties"]["returnAddress"] = json!("x")
        }),
        ("export job without export", |b| {
            b["properties"]["jobType"] = json!("Export");
            b["properties"].as_object_mut().unwrap().remove("driveList");
        }),
    ];
    for (what, mutate) in &mutations {
        let mut body = import_body();
        mutate(&mut body);
        cases.push((what, serde_json::to_vec(&body).unwrap(), "BadRequest"));
    }
    for (what, body, code) in cases {
        let resp = client
            .send_raw("PUT", &job_url("job1"), Some(body), Some("Bearer t"))
            .await;
        assert_eq!(resp.status, 400, "{what}");
        assert_eq!(resp.error_code(), code, "{what}");
    }
    assert_eq!(emulator.job_count(), 0);
    assert!(
        emulator
            .journal()
            .iter()
            .all(|e| !e.applied && e.status == 400)
    );
}

#[tokio::test]
async fn put_validates_job_names() {
    let (emulator, client) = setup().await;
    let long_ok = "a".repeat(64);
    let long_bad = "a".repeat(65);
    for bad in [
        "a",
        "-ab",
        "_ab",
        "a.b",
        "a%20b",
        "a%2Fb",
        "%C3%A91",
        long_bad.as_str(),
    ] {
        let resp = client.put_job(bad, &import_body()).await;
        assert_eq!(resp.status, 400, "{bad}");
        assert_eq!(resp.error_code(), "InvalidJobName", "{bad}");
    }
    assert_eq!(emulator.job_count(), 0);
    for good in ["ab", "A-b_9", "9job", long_ok.as_str()] {
        assert_eq!(
            client.put_job(good, &import_body()).await.status,
            201,
            "{good}"
        );
    }
    assert_eq!(emulator.job_count(), 4);
}
