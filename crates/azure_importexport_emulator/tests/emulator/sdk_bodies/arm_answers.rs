//! What any client (not only this SDK) reads from the emulator's answers: a `$filter` it
//! does not understand is refused rather than ignored, and error bodies carry `details`
//! as ARM does (one entry per invalid field; none on errors about no field).

use azure_importexport_emulator::{BucketLimits, EmulatorConfig, ManualClock, ThrottleConfig};
use serde_json::{Value, json};

use crate::common::*;

/// `GET` of the subscription's jobs with `$filter` set to `filter` (percent-encoded).
async fn list_filtered(client: &Client, filter: &str) -> Resp {
    let encoded: String = filter
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let path = format!(
        "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?api-version={API}&$filter={encoded}"
    );
    client.send("GET", &path, None).await
}

/// The names of the jobs of a listing page.
fn names(resp: &Resp) -> Vec<String> {
    resp.json()["value"]
        .as_array()
        .expect("a value array")
        .iter()
        .map(|job| job["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn issue12_unknown_filters_are_refused_not_ignored() {
    let (emulator, client) = setup().await;
    job_in_state(&emulator, &client, "made", "Creating").await;
    job_in_state(&emulator, &client, "sent", "Shipping").await;

    // What the emulator understands still filters.
    for filter in ["state eq 'Shipping'", "State EQ \"shipping\""] {
        let resp = list_filtered(&client, filter).await;
        assert_eq!(resp.status, 200, "{filter}");
        assert_eq!(names(&resp), ["sent"], "{filter}");
    }
    let blank = list_filtered(&client, "  ").await;
    assert_eq!(blank.status, 200, "a blank filter is no filter");
    assert_eq!(names(&blank).len(), 2);

    // Anything else is a 400 naming the filter, never the whole (or an empty) list.
    for filter in [
        "name eq 'made'",
        "foo bar",
        "state",
        "state ne 'Creating'",
        "state eq Shipping",
        "state eq 'Shipping' and name eq 'sent'",
        "state eq 'Ship'ping'",
    ] {
        let resp = list_filtered(&client, filter).await;
        assert_eq!(resp.status, 400, "{filter}: {:?}", resp.json());
        assert_eq!(resp.error_code(), "InvalidFilterInQueryString", "{filter}");
        let error = resp.json()["error"].clone();
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&format!("'{filter}'")), "{message}");
        assert!(message.contains("state eq"), "says what works: {message}");
        assert_eq!(error["target"], "$filter", "{filter}");
    }
}

/// An emulator whose read bucket holds one token and never refills.
async fn one_read_allowed() -> (azure_importexport_emulator::Emulator, Client) {
    let throttle = ThrottleConfig {
        reads: BucketLimits {
            capacity: 1,
            refill_per_second: 1.0,
        },
        ..ThrottleConfig::default()
    }
    .with_clock(ManualClock::new());
    setup_with(EmulatorConfig {
        throttle: Some(throttle),
        ..EmulatorConfig::default()
    })
    .await
}

#[tokio::test]
async fn issue12_error_details_name_invalid_fields_and_only_them() {
    let (emulator, client) = setup().await;

    // A validation error: one detail for the invalid field.
    let mut body = import_body();
    body["properties"]
        .as_object_mut()
        .unwrap()
        .remove("storageAccountId");
    let error = client.put_job("job1", &body).await.json()["error"].clone();
    assert_eq!(error["target"], "properties.storageAccountId");
    let details = error["details"].as_array().expect("details").clone();
    assert_eq!(details.len(), 1, "{error}");
    assert_eq!(details[0]["code"], error["code"]);
    assert_eq!(details[0]["target"], "properties.storageAccountId");
    assert!(
        details[0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );

    // Marking shipped a job that lacks what shipping needs: one detail per missing field.
    let mut bare = import_body();
    bare["properties"]
        .as_object_mut()
        .unwrap()
        .remove("returnAddress");
    assert_eq!(client.put_job("bare", &bare).await.status, 201);
    let ship = json!({ "properties": { "state": "Shipping" } });
    let refused = client.patch_job("bare", &ship).await;
    assert_eq!(refused.status, 400);
    let targets: Vec<Value> = refused.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["target"].clone())
        .collect();
    assert_eq!(
        targets,
        [
            json!("properties.returnAddress"),
            json!("properties.deliveryPackage")
        ]
    );

    // Errors about no field carry no `details`, as ARM's own 404, 409 and 429 answers.
    client.put_job("job1", &import_body()).await;
    job_in_state(&emulator, &client, "late", "Packaging").await;
    let empty_body = client
        .send_headers("PATCH", &job_url("job1"), None, &[])
        .await;
    let mut answers = vec![
        (404, client.get_job("nope").await),
        (409, client.delete_job("late").await),
        (409, client.cancel("late").await),
        (400, empty_body),
    ];
    let (_throttled_emulator, throttled) = one_read_allowed().await;
    throttled.get_job("nope").await;
    answers.push((429, throttled.get_job("nope").await));
    for (status, resp) in answers {
        assert_eq!(resp.status, status, "{:?}", resp.json());
        let error = resp.json()["error"].clone();
        assert!(error["code"].is_string(), "{error}");
        assert!(error.get("details").is_none(), "{status}: {error}");
    }
}
