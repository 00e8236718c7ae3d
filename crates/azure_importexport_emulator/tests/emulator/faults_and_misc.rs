//! Fault injection, catalog endpoints, routing errors, robustness and wiremock integration.

use std::time::{Duration, Instant};

use crate::common::*;
use azure_importexport_emulator::{Emulator, EmulatorConfig, Fault, FaultRule, RequestKind};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn locations_list_and_get() {
    let (_emulator, client) = setup().await;
    let resp = client
        .send(
            "GET",
            &format!("/providers/Microsoft.ImportExport/locations?api-version={API}"),
            None,
        )
        .await;
    assert_eq!(resp.status, 200);
    let list = resp.json();
    let locations = list["value"].as_array().unwrap();
    assert!(locations.len() >= 3);
    for loc in locations {
        assert_eq!(loc["type"], "Microsoft.ImportExport/locations");
        assert!(
            loc["id"]
                .as_str()
                .unwrap()
                .starts_with("/providers/Microsoft.ImportExport/locations/")
        );
        let props = &loc["properties"];
        for field in [
            "recipientName",
            "streetAddress1",
            "city",
            "postalCode",
            "countryOrRegion",
            "phone",
        ] {
            assert!(props[field].is_string(), "{field} in {loc}");
        }
        assert!(!props["supportedCarriers"].as_array().unwrap().is_empty());
        assert!(!props["alternateLocations"].as_array().unwrap().is_empty());
    }
    let one = client
        .send(
            "GET",
            &format!("/providers/Microsoft.ImportExport/locations/WestUS?api-version={API}"),
            None,
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["name"], "West US");
    assert_eq!(
        one.json()["id"],
        "/providers/Microsoft.ImportExport/locations/westus"
    );
    let missing = client
        .send(
            "GET",
            &format!("/providers/Microsoft.ImportExport/locations/atlantis?api-version={API}"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "ResourceNotFound");
}

#[tokio::test]
async fn operations_list() {
    let (emulator, client) = setup().await;
    let resp = client
        .send(
            "GET",
            &format!("/providers/Microsoft.ImportExport/operations?api-version={API}"),
            None,
        )
        .await;
    assert_eq!(resp.status, 200);
    let ops = resp.json();
    let names: Vec<&str> = ops["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Microsoft.ImportExport/jobs/read"));
    assert!(names.contains(&"Microsoft.ImportExport/jobs/delete"));
    for op in ops["value"].as_array().unwrap() {
        assert!(op["display"]["provider"].is_string());
        assert!(op["display"]["description"].is_string());
    }
    assert_eq!(emulator.journal()[0].kind, RequestKind::Operations);
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods() {
    let (emulator, client) = setup().await;
    for path in [
        "/nothing",
        "/subscriptions/s/providers/Microsoft.Storage/jobs",
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.ImportExport/jobs/j/extra/more",
        "/providers/Microsoft.ImportExport/unknown",
        "/",
    ] {
        let resp = client
            .send("GET", &format!("{path}?api-version={API}"), None)
            .await;
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.error_code(), "NotFound");
    }
    let post_job = client
        .send("POST", &job_url("job1"), Some(&import_body()))
        .await;
    assert_eq!(post_job.status, 405);
    assert_eq!(post_job.error_code(), "MethodNotAllowed");
    let delete_list = client
        .send(
            "DELETE",
            &format!(
                "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?api-version={API}"
            ),
            None,
        )
        .await;
    assert_eq!(delete_list.status, 405);
    let put_locations = client
        .send(
            "PUT",
            &format!("/providers/Microsoft.ImportExport/locations?api-version={API}"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(put_locations.status, 405);
    assert!(
        emulator
            .journal()
            .iter()
            .all(|e| e.kind == RequestKind::Other && !e.applied)
    );
    assert_eq!(emulator.job_count(), 0);
}

#[tokio::test]
async fn malformed_input_is_a_400_never_a_crash() {
    let (emulator, client) = setup().await;
    let bad_escape = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/a%ZZb?api-version={API}"
    );
    let resp = client.send("GET", &bad_escape, None).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), "BadRequest");
    let not_utf8 = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/a%FFb?api-version={API}"
    );
    assert_eq!(client.send("GET", &not_utf8, None).await.status, 400);
    let truncated = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/ab%2?api-version={API}"
    );
    assert_eq!(client.send("GET", &truncated, None).await.status, 400);

    let huge = vec![b' '; 5 * 1024 * 1024];
    let resp = client
        .send_raw("PUT", &job_url("job1"), Some(huge), Some("Bearer t"))
        .await;
    // ARM refuses bodies over 4 MB with 413.
    assert_eq!(resp.status, 413);
    assert_eq!(resp.error_code(), "PayloadTooLarge");

    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let resp = client
        .send_raw(
            "PATCH",
            &job_url("job1"),
            Some(deep.into_bytes()),
            Some("Bearer t"),
        )
        .await;
    assert_eq!(resp.status, 400);

    let weird_query = format!("{}&$top=%FF%FE&api-version=again", job_url("job1"));
    assert_eq!(client.send("GET", &weird_query, None).await.status, 404);

    // The emulator still works.
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    assert!(emulator.journal().len() >= 7);
}

#[tokio::test]
async fn status_fault_answers_and_changes_nothing() {
    let (emulator, client) = setup().await;
    emulator.inject(FaultRule::new(
        RequestKind::CreateJob,
        2,
        Fault::throttled("1"),
    ));
    for _ in 0..2 {
        let resp = client.put_job("job1", &import_body()).await;
        assert_eq!(resp.status, 429);
        assert_eq!(resp.header("retry-after"), Some("1"));
        assert_eq!(resp.error_code(), "TooManyRequests");
        assert_eq!(emulator.job_count(), 0);
    }
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    let journal = emulator.journal();
    assert!(journal[0].fault_injected && !journal[0].applied && journal[0].status == 429);
    assert!(!journal[2].fault_injected && journal[2].applied);

    // An HTTP-date Retry-After and a custom body.
    emulator.inject(FaultRule::new(
        RequestKind::GetJob,
        1,
        Fault::Status {
            status: 503,
            retry_after: Some("Wed, 21 Oct 2026 07:28:00 GMT".into()),
            body: Some("{\"error\":{\"code\":\"Busy\",\"message\":\"busy\"}}".into()),
        },
    ));
    let resp = client.get_job("job1").await;
    assert_eq!(resp.status, 503);
    assert_eq!(
        resp.header("retry-after"),
        Some("Wed, 21 Oct 2026 07:28:00 GMT")
    );
    assert_eq!(resp.json()["error"]["code"], "Busy");
    assert_eq!(client.get_job("job1").await.status, 200);

    // A fault on DELETE leaves the job in place.
    emulator.inject(FaultRule::new(
        RequestKind::DeleteJob,
        1,
        Fault::status(500),
    ));
    let resp = client.delete_job("job1").await;
    assert_eq!(resp.status, 500);
    assert_eq!(resp.error_code(), "InternalServerError");
    assert_eq!(
        emulator.job_state(SUB, RG, "job1").as_deref(),
        Some("Creating")
    );
}

#[tokio::test]
async fn fault_rules_match_by_kind_in_order_and_run_out() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    emulator.inject(FaultRule::new(
        RequestKind::DeleteJob,
        1,
        Fault::status(502),
    ));
    emulator.inject(FaultRule::new(RequestKind::Any, 2, Fault::status(504)));
    emulator.inject(FaultRule::new(RequestKind::GetJob, 5, Fault::status(408)));
    emulator.inject(FaultRule::new(RequestKind::GetJob, 0, Fault::status(418)));
    // GET: the Any rule comes first, twice; then the GetJob rule.
    assert_eq!(client.get_job("job1").await.status, 504);
    assert_eq!(client.get_job("job1").await.status, 504);
    assert_eq!(client.get_job("job1").await.status, 408);
    // DELETE: its own rule, once.
    assert_eq!(client.delete_job("job1").await.status, 502);
    assert_eq!(client.delete_job("job1").await.status, 200);
    emulator.clear_faults();
    assert_eq!(client.get_job("job1").await.status, 404);
}

#[tokio::test]
async fn status_after_apply_performs_the_operation() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    emulator.inject(FaultRule::new(
        RequestKind::UpdateJob,
        1,
        Fault::StatusAfterApply { status: 504 },
    ));
    let resp = client.cancel("job1").await;
    assert_eq!(resp.status, 504);
    assert_eq!(resp.error_code(), "GatewayTimeout");
    let job = emulator.job_json(SUB, RG, "job1").unwrap();
    assert_eq!(job["properties"]["cancelRequested"], true);
    let entry = emulator.journal().pop().unwrap();
    assert!(entry.fault_injected && entry.applied);
    assert_eq!(entry.status, 504);
    assert_eq!(entry.state_before.as_deref(), Some("Creating"));

    emulator.inject(FaultRule::new(
        RequestKind::DeleteJob,
        1,
        Fault::StatusAfterApply { status: 500 },
    ));
    assert_eq!(client.delete_job("job1").await.status, 500);
    assert_eq!(client.get_job("job1").await.status, 404);
    assert_eq!(client.delete_job("job1").await.status, 404);
}

#[tokio::test]
async fn delay_fault_answers_normally_after_the_delay() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    let delay = Duration::from_millis(150);
    emulator.inject(FaultRule::new(RequestKind::GetJob, 1, Fault::Delay(delay)));
    let started = Instant::now();
    let resp = client.get_job("job1").await;
    assert!(started.elapsed() >= delay);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.state(), "Creating");
    assert!(emulator.journal().pop().unwrap().fault_injected);
}

#[tokio::test]
async fn raw_faults_answer_raw_bytes() {
    let (emulator, client) = setup().await;
    client.put_job("job1", &import_body()).await;
    let cases = [
        (
            502,
            "text/html",
            b"<html><body>Bad Gateway</body></html>".to_vec(),
        ),
        (200, "application/json", b"{\"properties\":{\"sta".to_vec()),
        (200, "application/json", Vec::new()),
        (500, "bad\nheader", b"x".to_vec()),
    ];
    for (status, content_type, body) in cases.clone() {
        emulator.inject(FaultRule::new(
            RequestKind::GetJob,
            1,
            Fault::Raw {
                status,
                content_type: content_type.into(),
                body: body.clone(),
            },
        ));
        let resp = client.get_job("job1").await;
        assert_eq!(resp.status, status);
        assert_eq!(resp.body, body);
        let expected_type = if content_type.contains('\n') {
            "application/octet-stream"
        } else {
            content_type
        };
        assert_eq!(resp.header("content-type"), Some(expected_type));
    }
    assert_eq!(
        emulator
            .journal()
            .iter()
            .filter(|e| e.fault_injected)
            .count(),
        cases.len()
    );
    assert_eq!(client.get_job("job1").await.status, 200);
}

#[tokio::test]
async fn out_of_range_statuses_do_not_panic() {
    let (emulator, client) = setup().await;
    emulator.inject(FaultRule::new(RequestKind::Any, 1, Fault::status(42)));
    emulator.inject(FaultRule::new(
        RequestKind::Any,
        1,
        Fault::Raw {
            status: 1000,
            content_type: "text/plain".into(),
            body: vec![],
        },
    ));
    emulator.inject(FaultRule::new(
        RequestKind::Any,
        1,
        Fault::Status {
            status: 429,
            retry_after: Some("bad\r\nvalue".into()),
            body: None,
        },
    ));
    assert_eq!(client.get_job("job1").await.status, 500);
    assert_eq!(client.get_job("job1").await.status, 500);
    let resp = client.get_job("job1").await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), None);
}

#[tokio::test]
async fn user_mocks_with_better_priority_win_on_a_shared_server() {
    let server = MockServer::start().await;
    let emulator = Emulator::mount_on(&server, EmulatorConfig::default()).await;
    assert!(emulator.server().is_none());
    assert_eq!(emulator.uri(), server.uri());
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
    assert_eq!(client.get_job("job1").await.status, 503);
    assert_eq!(client.get_job("job1").await.status, 503);
    assert_eq!(client.get_job("job1").await.status, 200);
    // The emulator only saw what reached it.
    let kinds: Vec<RequestKind> = emulator.journal().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [RequestKind::CreateJob, RequestKind::GetJob]);
}

#[tokio::test]
async fn emulator_priority_is_configurable() {
    let server = MockServer::start().await;
    // The user's mock is mounted at priority 10; the emulator at 1 answers first.
    let emulator = Emulator::mount_on(
        &server,
        EmulatorConfig {
            priority: 1,
            ..EmulatorConfig::default()
        },
    )
    .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(418))
        .with_priority(10)
        .mount(&server)
        .await;
    let client = Client::new(server.uri());
    assert_eq!(client.get_job("job1").await.status, 404);
    assert_eq!(emulator.journal().len(), 1);
}

#[tokio::test]
async fn clones_share_state_and_debug_is_readable() {
    let (emulator, client) = setup().await;
    let clone = emulator.clone();
    client.put_job("job1", &import_body()).await;
    assert_eq!(
        clone.job_state(SUB, RG, "job1").as_deref(),
        Some("Creating")
    );
    clone.advance(Duration::from_secs(5));
    assert_eq!(emulator.now(), Duration::from_secs(5));
    assert!(emulator.server().is_some());
    let debug = format!("{emulator:?}");
    assert!(
        debug.contains("Emulator") && debug.contains("jobs: 1"),
        "{debug}"
    );
    emulator.clear_journal();
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn real_time_driver_moves_the_virtual_clock() {
    let (emulator, client) = setup_with(EmulatorConfig {
        schedule: schedule([60; 4]),
        ..EmulatorConfig::default()
    })
    .await;
    client.put_job("job1", &import_body()).await;
    client.patch_job("job1", &ship_patch()).await;
    // Every 5 ms of real time is 60 s of virtual time.
    let driver = emulator.spawn_real_time(Duration::from_millis(5), 12_000.0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while emulator.job_state(SUB, RG, "job1").as_deref() != Some("Completed")
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    driver.abort();
    assert_eq!(client.get_job("job1").await.state(), "Completed");
    assert!(emulator.now() >= Duration::from_secs(240));
    // Degenerate arguments do not panic.
    let idle = emulator.spawn_real_time(Duration::ZERO, f64::NAN);
    tokio::time::sleep(Duration::from_millis(10)).await;
    idle.abort();
}

#[tokio::test]
async fn standalone_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let emulator = Emulator::start_on_listener(listener, EmulatorConfig::default()).await;
    assert_eq!(emulator.uri(), format!("http://127.0.0.1:{port}"));
    let client = Client::for_emulator(&emulator);
    assert_eq!(client.put_job("job1", &import_body()).await.status, 201);
}
