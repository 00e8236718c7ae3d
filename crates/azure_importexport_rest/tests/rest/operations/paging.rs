//! Pagers: next links across pages, resuming, and the same-origin rule.

use super::support::*;
use crate::common::*;
use azure_core::error::ErrorKind;
use azure_core::http::StatusCode;
use azure_core::http::pager::PagerOptions;
use azure_importexport_rest::JobsClientListBySubscriptionOptions;
use azure_importexport_rest::models::{JobResponse, ListJobsResponse};
use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Mounts three pages of jobs at `SUB_JOBS_PATH`: page 1 (first request, no `$skiptoken`),
/// page 2 (`$skiptoken=2`, link without api-version) and page 3 (`$skiptoken=3`, link with it).
async fn mount_three_pages(server: &MockServer) {
    let base = format!("{}{SUB_JOBS_PATH}", server.uri());
    let page = |names: &[&str], next: Option<String>| {
        let mut body = json!({
            "value": names.iter().map(|n| job_json(n, "Creating")).collect::<Vec<_>>()
        });
        if let Some(next) = next {
            body["nextLink"] = json!(next);
        }
        ResponseTemplate::new(200).set_body_json(body)
    };
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(page(
            &["j1", "j2", "j3"],
            Some(format!("{base}?%24skiptoken=2")),
        ))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .and(query_param("$skiptoken", "2"))
        .respond_with(page(
            &["j4", "j5", "j6"],
            Some(format!("{base}?api-version=2021-01-01&%24skiptoken=3")),
        ))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .and(query_param("$skiptoken", "3"))
        .respond_with(page(&["j7", "j8"], None))
        .expect(1)
        .mount(server)
        .await;
}

fn names(jobs: &[JobResponse]) -> Vec<&str> {
    jobs.iter()
        .map(|j| j.name.as_deref().unwrap_or("?"))
        .collect()
}

async fn assert_three_page_requests(server: &MockServer) {
    let requests = received(server).await;
    assert_eq!(requests.len(), 3);
    for (request, skiptoken) in requests.iter().zip([None, Some("2"), Some("3")]) {
        let mut query: Vec<(&str, &str)> = vec![api_version()];
        if let Some(token) = skiptoken {
            query.push(("$skiptoken", token));
        }
        // api-version exactly once on every page, whether or not the link carried it.
        assert_request(
            request,
            &Expect {
                method: "GET",
                path: SUB_JOBS_PATH,
                query: &query,
                ..Default::default()
            },
        );
    }
}

#[tokio::test]
async fn pager_follows_next_links_across_three_pages() {
    let server = MockServer::start().await;
    mount_three_pages(&server).await;
    let jobs: Vec<JobResponse> = client(&server)
        .jobs()
        .list_by_subscription(None)
        .expect("pager")
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(
        names(&jobs),
        ["j1", "j2", "j3", "j4", "j5", "j6", "j7", "j8"]
    );
    assert_three_page_requests(&server).await;
    server.verify().await;
}

#[tokio::test]
async fn pager_into_pages_yields_each_page() {
    let server = MockServer::start().await;
    mount_three_pages(&server).await;
    let mut pages = client(&server)
        .jobs()
        .list_by_subscription(None)
        .expect("pager")
        .into_pages();
    let mut seen: Vec<(Vec<String>, bool)> = Vec::new();
    for _ in 0..10 {
        let Some(page) = pages.try_next().await.expect("page") else {
            break;
        };
        let page: ListJobsResponse = page.into_model().expect("page parses");
        let names = page
            .value
            .unwrap_or_default()
            .into_iter()
            .map(|j| j.name.unwrap_or_default())
            .collect();
        seen.push((names, page.next_link.is_some()));
    }
    assert_eq!(
        seen,
        vec![
            (vec!["j1".into(), "j2".into(), "j3".into()], true),
            (vec!["j4".into(), "j5".into(), "j6".into()], true),
            (vec!["j7".into(), "j8".into()], false),
        ]
    );
    assert_three_page_requests(&server).await;
    server.verify().await;
}

#[tokio::test]
async fn pager_resumes_from_a_saved_next_link() {
    let server = MockServer::start().await;
    mount_three_pages(&server).await;
    // Read page 1, save where we are, and resume in a new pager.
    let mut pages = client(&server)
        .jobs()
        .list_by_subscription(None)
        .unwrap()
        .into_pages();
    let first: ListJobsResponse = pages
        .try_next()
        .await
        .unwrap()
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(first.value.unwrap().len(), 3);
    let saved = pages.into_continuation().expect("a next link");
    let rest: Vec<JobResponse> = client(&server)
        .jobs()
        .list_by_subscription(Some(JobsClientListBySubscriptionOptions {
            method_options: PagerOptions {
                continuation: Some(saved),
                ..Default::default()
            },
            ..Default::default()
        }))
        .unwrap()
        .try_collect()
        .await
        .expect("resumed");
    assert_eq!(names(&rest), ["j4", "j5", "j6", "j7", "j8"]);
    assert_three_page_requests(&server).await;
}

/// Drains a pager (at most `limit` items), returning the items before the first error and
/// that error; asserts the stream ends after it.
async fn drain_until_error(
    mut pager: azure_core::http::Pager<ListJobsResponse>,
    limit: usize,
) -> (Vec<JobResponse>, Option<azure_core::Error>) {
    let mut items = Vec::new();
    for _ in 0..limit {
        match pager.next().await {
            Some(Ok(item)) => items.push(item),
            Some(Err(error)) => {
                assert!(
                    pager.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (items, Some(error));
            }
            None => return (items, None),
        }
    }
    panic!("pager did not end within {limit} items");
}

#[tokio::test]
async fn pager_refuses_a_next_link_to_another_origin() {
    let server = MockServer::start().await;
    let foreign = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&foreign)
        .await;
    // Same host, another port: a different origin.
    assert_ne!(server.address().port(), foreign.address().port());
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("j1", "Creating")],
            "nextLink": format!("{}{SUB_JOBS_PATH}?api-version=2021-01-01&%24skiptoken=2", foreign.uri())
        })))
        .expect(1)
        .mount(&server)
        .await;
    let pager = client(&server).jobs().list_by_subscription(None).unwrap();
    let (items, error) = drain_until_error(pager, 100).await;
    assert_eq!(
        names(&items),
        ["j1"],
        "the first page's items are delivered"
    );
    let error = error.expect("paging stops with an error");
    let message = error.to_string();
    assert!(message.contains("refusing to follow nextLink"), "{message}");
    assert!(
        message.contains(&server.uri()),
        "names the endpoint origin: {message}"
    );
    assert!(
        received(&foreign).await.is_empty(),
        "the foreign origin must receive no request (and no token)"
    );
    server.verify().await;
}

#[tokio::test]
async fn pager_refuses_next_links_that_change_scheme_or_host() {
    for foreign_link in [
        // Another scheme, same host and port.
        "https://127.0.0.1:{port}/subscriptions/x?api-version=2021-01-01".to_owned(),
        // Another host name for the same address.
        "http://localhost:{port}/subscriptions/x?api-version=2021-01-01".to_owned(),
        // Userinfo trick.
        "http://127.0.0.1:{port}@evil.example/subscriptions/x".to_owned(),
    ] {
        let server = MockServer::start().await;
        let link = foreign_link.replace("{port}", &server.address().port().to_string());
        Mock::given(method("GET"))
            .and(path(SUB_JOBS_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "value": [job_json("j1", "Creating")],
                "nextLink": link
            })))
            .mount(&server)
            .await;
        let pager = client(&server).jobs().list_by_subscription(None).unwrap();
        let (items, error) = drain_until_error(pager, 100).await;
        assert_eq!(items.len(), 1);
        let error = error.unwrap_or_else(|| panic!("{link} was followed"));
        assert!(
            error.to_string().contains("refusing to follow nextLink"),
            "{link}: {error}"
        );
        assert_eq!(received(&server).await.len(), 1, "{link}");
    }
}

#[tokio::test]
async fn pager_resolves_a_relative_next_link_against_the_page_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("j1", "Creating")],
            "nextLink": format!("{SUB_JOBS_PATH}?api-version=2021-01-01&%24skiptoken=2")
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("j2", "Creating")],
            // Scheme-relative: another host, so refused.
            "nextLink": "//evil.example/x?api-version=2021-01-01"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let pager = client(&server).jobs().list_by_subscription(None).unwrap();
    let (items, error) = drain_until_error(pager, 100).await;
    assert_eq!(names(&items), ["j1", "j2"]);
    let error = error.expect("the scheme-relative link is refused");
    assert!(
        error
            .to_string()
            .contains("refusing to follow nextLink to http://evil.example"),
        "{error}"
    );
    server.verify().await;
}

#[tokio::test]
async fn pager_reports_a_malformed_next_link() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SUB_JOBS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("j1", "Creating"), job_json("j2", "Creating")],
            "nextLink": "http://[::1:not a url"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let pager = client(&server).jobs().list_by_subscription(None).unwrap();
    let (items, error) = drain_until_error(pager, 100).await;
    assert_eq!(names(&items), ["j1", "j2"]);
    let error = error.expect("an error");
    assert!(
        matches!(error.kind(), ErrorKind::DataConversion),
        "{:?}",
        error.kind()
    );
    assert!(error.to_string().contains("malformed nextLink"), "{error}");
    server.verify().await;
}

#[tokio::test]
async fn pager_surfaces_a_service_error_on_a_later_page() {
    let server = MockServer::start().await;
    let base = format!("{}{SUB_JOBS_PATH}", server.uri());
    Mock::given(method("GET"))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [job_json("j1", "Creating")],
            "nextLink": format!("{base}?%24skiptoken=2")
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error": {"code": "AuthorizationFailed", "message": "no"}
        })))
        .mount(&server)
        .await;
    let pager = client(&server).jobs().list_by_subscription(None).unwrap();
    let (items, error) = drain_until_error(pager, 100).await;
    assert_eq!(items.len(), 1);
    let error = error.expect("an error");
    assert_eq!(
        http_parts(&error),
        (
            StatusCode::Forbidden,
            Some("AuthorizationFailed".to_owned())
        )
    );
}

#[tokio::test]
async fn pager_rejects_a_page_that_is_not_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"value\": [", "application/json"))
        .mount(&server)
        .await;
    let pager = client(&server).jobs().list_by_subscription(None).unwrap();
    let (items, error) = drain_until_error(pager, 100).await;
    assert!(items.is_empty());
    let error = error.expect("an error");
    assert!(matches!(error.kind(), ErrorKind::DataConversion), "{error}");
}
