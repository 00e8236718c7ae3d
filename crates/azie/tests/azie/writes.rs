//! `azie jobs create` and `azie jobs update` (issue 12, section 1): the real binary
//! against the emulator, checking what went over the wire.

use crate::common::{RG, SUB, assert_mentions, azie, count, emulator_with, job_body, received};
use azure_importexport_emulator::{Emulator, Fault, FaultRule, RequestKind};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Writes `contents` to a file in `dir` and returns its path as a string.
fn file(dir: &tempfile::TempDir, name: &str, contents: &str) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The bodies of the emulator's requests with this method, in order.
fn bodies(emulator: &Emulator, method: &str) -> Vec<Value> {
    emulator
        .journal()
        .into_iter()
        .filter(|e| e.method == method)
        .map(|e| e.body.unwrap_or(Value::Null))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_sends_the_file_as_written_and_prints_the_job_masked() {
    let emulator = Emulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut body = job_body("Import");
    body["futureField"] = json!({ "kept": [1, 2] });
    // Pretty-printed with unusual spacing: the bytes on the wire must be these.
    let written = serde_json::to_string_pretty(&body)
        .unwrap()
        .replace(": ", " :  ");
    let path = file(&dir, "job.json", &written);

    let run = azie(
        Some(&emulator),
        &[
            "jobs", "create", RG, "new-job", "--file", &path, "-o", "json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let job = run.json();
    assert_eq!(job["name"], "new-job");
    assert_eq!(job["properties"]["state"], "Creating");
    assert!(run.stderr.contains("created: HTTP 201"), "{}", run.stderr);
    for secret in ["carrier-secret-991", "bitlocker-secret-42"] {
        assert!(!run.stdout.contains(secret), "{secret}: {}", run.stdout);
    }
    let received = received(&emulator).await;
    let puts: Vec<_> = received
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(String::from_utf8_lossy(&puts[0].body), written);

    // A PUT on the job again (still Creating) is answered 200: also a success.
    let again = azie(
        Some(&emulator),
        &["jobs", "create", RG, "new-job", "--file", &path],
        &[],
    )
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("HTTP 200"), "{}", again.stderr);
    assert!(again.stdout.starts_with("FIELD"), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_create_file_names_the_bad_field_and_sends_nothing() {
    let emulator = Emulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = file(
        &dir,
        "bad.json",
        "{\"location\": \"West US\",\n \"properties\": {\"driveList\": [{\"driveId\": 42}]}}",
    );
    let run = azie(
        Some(&emulator),
        &["jobs", "create", RG, "j", "--file", &bad],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`properties.driveList[0].driveId` (line 2"),
        "{}",
        run.stderr
    );
    let not_json = file(&dir, "not.json", "location = West US");
    let missing = dir.path().join("missing.json");
    for path in [not_json.as_str(), missing.to_str().unwrap()] {
        let run = azie(
            Some(&emulator),
            &["jobs", "create", RG, "j", "--file", path],
            &[],
        )
        .await;
        assert_eq!(run.code, 2, "{path}: {}", run.stderr);
    }
    assert!(emulator.journal().is_empty(), "nothing may be sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_shipped_sends_only_the_state_and_the_delivery_package() {
    let emulator = emulator_with(&[("c", "Creating")]).await;
    let run = azie(
        Some(&emulator),
        &[
            "jobs",
            "update",
            RG,
            "c",
            "--state",
            "shipping",
            "--carrier-name",
            "FedEx",
            "--tracking-number",
            "1234",
            "--drive-count",
            "1",
            "-o",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["properties"]["state"], "Shipping");
    assert_eq!(
        bodies(&emulator, "PATCH"),
        [json!({"properties": {
            "state": "Shipping",
            "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "1234", "driveCount": 1}
        }})]
    );
    // The package was given here; the job is read once, for its return address.
    assert_eq!(count(&emulator, "GET"), 1);
    assert!(!run.stdout.contains("carrier-secret-991"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipping_without_a_delivery_package_says_what_is_missing() {
    let emulator = emulator_with(&[("bare", "Creating"), ("packed", "Creating")]).await;
    let mut bare = emulator.job_json_raw(SUB, RG, "bare").unwrap();
    bare["properties"]
        .as_object_mut()
        .unwrap()
        .remove("deliveryPackage");
    emulator.insert_job(SUB, RG, "bare", bare);
    let run = azie(
        Some(&emulator),
        &["jobs", "update", RG, "bare", "--state", "Shipping"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--carrier-name") && run.stderr.contains("--tracking-number"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&emulator, "PATCH"), 0);
    assert_eq!(count(&emulator, "GET"), 1);

    // A package already on the job is enough.
    let mut packed = emulator.job_json(SUB, RG, "packed").unwrap();
    packed["properties"]["deliveryPackage"] =
        json!({"carrierName": "UPS", "trackingNumber": "1Z999"});
    emulator.insert_job(SUB, RG, "packed", packed);
    let run = azie(
        Some(&emulator),
        &["jobs", "update", RG, "packed", "--state", "Shipping"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        bodies(&emulator, "PATCH"),
        [json!({"properties": {"state": "Shipping"}})]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_shipping_without_a_return_address_says_so_and_sends_nothing() {
    let emulator = emulator_with(&[("no-address", "Creating"), ("bare", "Creating")]).await;
    let strip = |name: &str, fields: &[&str]| {
        let mut job = emulator.job_json_raw(SUB, RG, name).unwrap();
        let properties = job["properties"].as_object_mut().unwrap();
        for field in fields {
            properties.remove(*field);
        }
        emulator.insert_job(SUB, RG, name, job);
    };
    strip("no-address", &["returnAddress"]);
    strip("bare", &["returnAddress", "deliveryPackage"]);
    let package = ["--carrier-name", "FedEx", "--tracking-number", "1234"];

    // The package is given, the job has no return address: refused before any PATCH.
    let run = azie(
        Some(&emulator),
        &[
            &["jobs", "update", RG, "no-address", "--state", "Shipping"][..],
            &package,
        ]
        .concat(),
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_mentions(
        &run.stderr,
        &["return address", "properties.returnAddress", "--file"],
    );
    assert!(!run.stderr.contains("--tracking-number"), "{}", run.stderr);

    // Neither: both are named, from the one GET.
    let run = azie(
        Some(&emulator),
        &["jobs", "update", RG, "bare", "--state", "Shipping"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_mentions(
        &run.stderr,
        &["return address", "--carrier-name", "--tracking-number"],
    );
    assert_eq!(count(&emulator, "PATCH"), 0);
    assert_eq!(count(&emulator, "GET"), 2);

    // A return address given in the file, with the package: sent without reading the job.
    let dir = tempfile::tempdir().unwrap();
    let address = file(
        &dir,
        "address.json",
        r#"{"properties": {"returnAddress": {"recipientName": "R", "streetAddress1": "S", "city": "C",
            "postalCode": "1", "countryOrRegion": "X", "phone": "1", "email": "a@b.c"}}}"#,
    );
    let run = azie(
        Some(&emulator),
        &[
            &[
                "jobs", "update", RG, "bare", "--state", "Shipping", "--file", &address,
            ][..],
            &package,
        ]
        .concat(),
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&emulator, "PATCH"), 1);
    assert_eq!(count(&emulator, "GET"), 2);
    assert_eq!(
        emulator.job_state(SUB, RG, "bare").as_deref(),
        Some("Shipping")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_refuses_other_states_and_cancel_requested_before_sending() {
    let emulator = emulator_with(&[("c", "Creating")]).await;
    let dir = tempfile::tempdir().unwrap();
    let cancels = file(
        &dir,
        "cancel.json",
        r#"{"properties": {"cancelRequested": true}}"#,
    );
    let ships_incomplete = file(
        &dir,
        "ship.json",
        r#"{"properties": {"state": "Shipping", "deliveryPackage": {"carrierName": "FedEx"}}}"#,
    );
    let cases: [(&[&str], &str); 5] = [
        (&["--state", "Completed"], "jobs cancel"),
        (&["--file", &cancels], "jobs cancel"),
        (&["--file", &ships_incomplete], "lacks --tracking-number"),
        (&["--carrier-name", "FedEx"], "--tracking-number"),
        (&[], "nothing to update"),
    ];
    for (flags, expected) in cases {
        let args = [&["jobs", "update", RG, "c"][..], flags].concat();
        let run = azie(Some(&emulator), &args, &[]).await;
        assert_eq!(run.code, 2, "{flags:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{flags:?}: {}", run.stderr);
    }
    assert!(emulator.journal().is_empty(), "nothing may be sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_and_file_fields_are_patched_together() {
    let emulator = emulator_with(&[("c", "Creating")]).await;
    let dir = tempfile::tempdir().unwrap();
    let patch = file(
        &dir,
        "patch.json",
        r#"{"properties": {"logLevel": "Verbose"}}"#,
    );
    let run = azie(
        Some(&emulator),
        &[
            "jobs", "update", RG, "c", "--file", &patch, "--tag", "env=prod", "--tag", "team=x",
            "-o", "json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["tags"], json!({"env": "prod", "team": "x"}));
    assert_eq!(
        bodies(&emulator, "PATCH"),
        [json!({"properties": {"logLevel": "Verbose"}, "tags": {"env": "prod", "team": "x"}})]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_patch_is_sent_once_and_mapped_to_its_exit_code() {
    let emulator = emulator_with(&[("c", "Creating"), ("s", "Shipping")]).await;
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::status(503),
    ));
    let tag = ["--tag", "a=b"];
    let busy = azie(
        Some(&emulator),
        &[&["jobs", "update", RG, "c"][..], &tag].concat(),
        &[],
    )
    .await;
    assert_eq!(busy.code, 5, "{}", busy.stderr);
    assert!(busy.stderr.contains("sent once"), "{}", busy.stderr);
    assert_eq!(count(&emulator, "PATCH"), 1);

    let missing = azie(
        Some(&emulator),
        &[&["jobs", "update", RG, "nope"][..], &tag].concat(),
        &[],
    )
    .await;
    assert_eq!(missing.code, 4, "{}", missing.stderr);

    // The service refuses to ship a job that is already past Creating: a state refusal.
    let ship = [
        "--state",
        "Shipping",
        "--carrier-name",
        "X",
        "--tracking-number",
        "1",
    ];
    let late = azie(
        Some(&emulator),
        &[&["jobs", "update", RG, "s"][..], &ship].concat(),
        &[],
    )
    .await;
    assert_eq!(late.code, 3, "{}", late.stderr);
    for body in bodies(&emulator, "PATCH") {
        assert!(
            body["properties"].get("cancelRequested").is_none(),
            "{body}"
        );
    }
}
