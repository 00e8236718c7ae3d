//! Jobs_ListBy*: paging, `$top`, `$filter` and `nextLink`.

use azure_importexport_emulator::{Emulator, EmulatorConfig, RequestKind};

use crate::common::*;

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
    let (emulator, client) = setup_with(EmulatorConfig {
        page_size: 2,
        ..EmulatorConfig::default()
    })
    .await;
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
