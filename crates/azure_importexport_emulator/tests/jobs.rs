//! Job operations and the job state machine, over HTTP.

mod common;

use std::time::Duration;

use azure_importexport_emulator::{Emulator, EmulatorConfig, EmulatorError, RequestKind, Schedule};
use common::*;
use serde_json::{Value, json};

async fn setup() -> (Emulator, Client) {
    let emulator = Emulator::start().await;
    let client = Client::for_emulator(&emulator);
    (emulator, client)
}

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
    assert_eq!(job["systemData"]["createdAt"], "2026-01-01T00:00:00Z");
    assert_eq!(job["systemData"]["lastModifiedAt"], "2026-01-01T00:00:00Z");
    let props = &job["properties"];
    assert_eq!(props["state"], "Creating");
    assert_eq!(props["provisioningState"], "Succeeded");
    assert_eq!(props["cancelRequested"], false);
    assert_eq!(props["percentComplete"], 0);
    assert_eq!(props["jobType"], "Import");
    assert_eq!(props["shippingInformation"]["city"], "Santa Clara");
    assert_eq!(props["futureProperty"], "kept");
    assert_eq!(job["futureTopLevel"], json!({ "x": 1 }));
    let drives = props["driveList"].as_array().unwrap();
    assert_eq!(drives.len(), 2);
    assert_eq!(drives[0]["driveId"], "DRIVE0001");
    assert_eq!(drives[0]["futureDriveField"], 7);
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
        "Boydton"
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
    assert_eq!(job["systemData"]["createdAt"], "2026-01-01T00:00:00Z");
    assert_eq!(job["systemData"]["lastModifiedAt"], "2026-01-01T01:00:00Z");
    assert_eq!(emulator.job_count(), 1);
}

#[tokio::test]
async fn put_conflicts_outside_creating() {
    let (emulator, client) = setup().await;
    for state in &LIFECYCLE[1..] {
        let name = format!("job-{}", state.to_lowercase());
        job_in_state(&emulator, &client, &name, state).await;
        let before = emulator.job_json(SUB, RG, &name).unwrap();
        let resp = client.put_job(&name, &import_body()).await;
        assert_eq!(resp.status, 409, "{state}");
        assert_eq!(resp.error_code(), "Conflict");
        assert_eq!(
            emulator.job_json(SUB, RG, &name).unwrap(),
            before,
            "{state}"
        );
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
    let mutations: Vec<Mutation> = vec![
        ("no location", |b| {
            b.as_object_mut().unwrap().remove("location");
        }),
        ("location not a string", |b| b["location"] = json!(5)),
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

#[tokio::test]
async fn api_versions_are_checked() {
    let (_emulator, client) = setup().await;
    let path = job_path(SUB, RG, "job1");
    let missing = client.send("PUT", &path, Some(&import_body())).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.error_code(), "MissingApiVersionParameter");
    let unknown = client
        .send(
            "PUT",
            &format!("{path}?api-version=2019-01-01"),
            Some(&import_body()),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.error_code(), "InvalidApiVersionParameter");
    let stable = client
        .send(
            "PUT",
            &format!("{path}?api-version=2020-08-01"),
            Some(&import_body()),
        )
        .await;
    assert_eq!(stable.status, 201);
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

/// Follow nextLinks from `first`, returning the names and the pages' nextLinks.
async fn collect(client: &Client, first: &str) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut links = Vec::new();
    let mut next = Some(first.to_owned());
    for _ in 0..20 {
        let Some(url) = next.take() else { break };
        let resp = client.send("GET", &url, None).await;
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        let page = resp.json();
        for job in page["value"].as_array().unwrap() {
            names.push(job["name"].as_str().unwrap().to_owned());
        }
        if let Some(link) = page["nextLink"].as_str() {
            links.push(link.to_owned());
            next = Some(link.to_owned());
        }
    }
    assert!(next.is_none(), "paging did not end");
    (names, links)
}

#[tokio::test]
async fn list_pages_with_top_filter_and_next_link() {
    let emulator = Emulator::start_with(EmulatorConfig {
        page_size: 2,
        ..EmulatorConfig::default()
    })
    .await;
    let client = Client::for_emulator(&emulator);
    for i in 0..5 {
        assert_eq!(
            client
                .put_job(&format!("job{i}"), &import_body())
                .await
                .status,
            201
        );
    }
    let other_rg = client
        .send(
            "PUT",
            &format!("{}?api-version={API}", job_path(SUB, "rg2", "jobx")),
            Some(&import_body()),
        )
        .await;
    assert_eq!(other_rg.status, 201);
    let other_sub = client
        .send(
            "PUT",
            &format!("{}?api-version={API}", job_path("sub-2", RG, "joby")),
            Some(&import_body()),
        )
        .await;
    assert_eq!(other_sub.status, 201);
    client.patch_job("job3", &ship_patch()).await;

    let by_sub =
        format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?api-version={API}");
    let (names, links) = collect(&client, &by_sub).await;
    assert_eq!(names, ["job0", "job1", "job2", "job3", "job4", "jobx"]);
    assert_eq!(links.len(), 2);
    for link in &links {
        assert!(
            link.starts_with(&format!(
                "{}/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?",
                emulator.uri()
            )),
            "{link}"
        );
        assert!(link.contains("api-version=2021-01-01"), "{link}");
        assert!(link.contains("$skiptoken="), "{link}");
    }

    let by_rg = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs?api-version={API}"
    );
    let (names, links) = collect(&client, &by_rg).await;
    assert_eq!(names, ["job0", "job1", "job2", "job3", "job4"]);
    assert_eq!(links.len(), 2);

    // $top limits the total across pages, and is kept in nextLink.
    let (names, links) = collect(&client, &format!("{by_rg}&$top=3")).await;
    assert_eq!(names, ["job0", "job1", "job2"]);
    assert_eq!(links.len(), 1);
    assert!(links[0].contains("$top=3"));
    let (names, _) = collect(&client, &format!("{by_rg}&$top=2")).await;
    assert_eq!(names.len(), 2);
    let (names, links) = collect(&client, &format!("{by_rg}&$top=0")).await;
    assert!(names.is_empty() && links.is_empty());

    // A simple state filter, kept in nextLink.
    let (names, _) = collect(
        &client,
        &format!("{by_sub}&$filter=state%20eq%20%27Shipping%27"),
    )
    .await;
    assert_eq!(names, ["job3"]);
    let (names, links) = collect(
        &client,
        &format!("{by_sub}&$filter=state%20eq%20%27Creating%27"),
    )
    .await;
    assert_eq!(names, ["job0", "job1", "job2", "job4", "jobx"]);
    assert!(
        links
            .iter()
            .all(|l| l.contains("$filter=state%20eq%20%27Creating%27")),
        "{links:?}"
    );

    // Empty scope.
    let (names, _) = collect(
        &client,
        &format!("/subscriptions/nobody/providers/Microsoft.ImportExport/jobs?api-version={API}"),
    )
    .await;
    assert!(names.is_empty());

    // Bad paging parameters.
    for bad in ["$top=-1", "$top=abc", "$skiptoken=zzz"] {
        let resp = client.send("GET", &format!("{by_rg}&{bad}"), None).await;
        assert_eq!(resp.status, 400, "{bad}");
        assert_eq!(resp.error_code(), "InvalidQueryParameterValue");
    }
    let list_entries = emulator
        .journal()
        .iter()
        .filter(|e| e.kind == RequestKind::ListJobs)
        .count();
    assert!(list_entries >= 10);
}

#[tokio::test]
async fn next_link_uses_the_request_origin() {
    let emulator = Emulator::start_with(EmulatorConfig {
        page_size: 1,
        ..EmulatorConfig::default()
    })
    .await;
    let port = emulator.uri().rsplit(':').next().unwrap().to_owned();
    let client = Client::new(format!("http://localhost:{port}"));
    client.put_job("job1", &import_body()).await;
    client.put_job("job2", &import_body()).await;
    let resp = client
        .send(
            "GET",
            &format!(
                "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?api-version={API}"
            ),
            None,
        )
        .await;
    let link = resp.json()["nextLink"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("http://localhost:{port}/subscriptions/")),
        "{link}"
    );
}

#[tokio::test]
async fn patch_shipping_rules() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;

    let no_address =
        json!({ "properties": { "state": "Shipping", "deliveryPackage": delivery_package() } });
    let resp = client.patch_job("job1", &no_address).await;
    assert_eq!(resp.status, 400);
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("returnAddress")
    );
    let no_package =
        json!({ "properties": { "state": "Shipping", "returnAddress": return_address() } });
    let resp = client.patch_job("job1", &no_package).await;
    assert_eq!(resp.status, 400);
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deliveryPackage")
    );
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
    assert_eq!(job["properties"]["percentComplete"], 0);
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
    for (i, state) in ["Creating", "Shipping", "Received", "Transferring"]
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
    for state in ["Packaging", "Completed"] {
        let name = format!("job-{}", state.to_lowercase());
        job_in_state(&emulator, &client, &name, state).await;
        let before = emulator.job_json(SUB, RG, &name).unwrap();
        let resp = client.cancel(&name).await;
        assert_eq!(resp.status, 409, "{state}");
        assert_eq!(resp.error_code(), "JobCannotBeCancelled");
        assert_eq!(
            emulator.job_json(SUB, RG, &name).unwrap(),
            before,
            "{state}"
        );
        let entry = emulator.journal().pop().unwrap();
        assert!(!entry.applied);
        assert_eq!(entry.status, 409);
        assert_eq!(entry.state_before.as_deref(), Some(state));
    }
    // States outside the lifecycle allow no cancel either.
    for state in ["Closed", "Mystery"] {
        client.put_job("odd", &import_body()).await;
        emulator.set_job_state(SUB, RG, "odd", state).unwrap();
        let resp = client.cancel("odd").await;
        assert_eq!(resp.status, 409, "{state}");
        assert_eq!(emulator.job_state(SUB, RG, "odd").as_deref(), Some(state));
        emulator.remove_job(SUB, RG, "odd");
    }
    // cancelRequested: false is not a request.
    client.put_job("job2", &import_body()).await;
    let resp = client
        .patch_job(
            "job2",
            &json!({ "properties": { "cancelRequested": false } }),
        )
        .await;
    assert_eq!(resp.status, 400);
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

#[tokio::test]
async fn delete_is_allowed_only_in_creating_and_completed() {
    let (emulator, client) = setup().await;
    for state in ["Creating", "Completed"] {
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
    for state in ["Shipping", "Received", "Transferring", "Packaging"] {
        let name = format!("job-{}", state.to_lowercase());
        job_in_state(&emulator, &client, &name, state).await;
        let before = emulator.job_json(SUB, RG, &name).unwrap();
        let resp = client.delete_job(&name).await;
        assert_eq!(resp.status, 409, "{state}");
        assert_eq!(resp.error_code(), "JobCannotBeDeleted");
        assert_eq!(
            emulator.job_json(SUB, RG, &name).unwrap(),
            before,
            "{state}"
        );
        assert!(!emulator.journal().pop().unwrap().applied);
    }
    for state in ["Closed", "Mystery", "completed-ish"] {
        client.put_job("odd", &import_body()).await;
        emulator.set_job_state(SUB, RG, "odd", state).unwrap();
        assert_eq!(client.delete_job("odd").await.status, 409, "{state}");
        assert_eq!(emulator.job_state(SUB, RG, "odd").as_deref(), Some(state));
        emulator.remove_job(SUB, RG, "odd");
    }
}

#[tokio::test]
async fn lifecycle_follows_the_schedule() {
    let schedule = Schedule {
        shipping_to_received: Duration::from_secs(100),
        received_to_transferring: Duration::from_secs(200),
        transferring_to_packaging: Duration::from_secs(400),
        packaging_to_completed: Duration::from_secs(800),
    };
    let emulator = Emulator::start_with(EmulatorConfig {
        schedule,
        ..EmulatorConfig::default()
    })
    .await;
    let client = Client::for_emulator(&emulator);
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
