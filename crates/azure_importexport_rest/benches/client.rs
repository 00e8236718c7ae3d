//! The generated client against a hand-written reqwest + serde_json floor, on loopback.
//!
//! Server: a tiny HTTP/1.1 keep-alive server written directly on tokio's `TcpListener`
//! (not wiremock), running on its own thread and runtime, answering from responses rendered
//! once at start-up. wiremock matches and records every request, and that overhead would
//! dominate a sub-millisecond call and hide the client's own cost.
//!
//! (a) `get_job`: one `jobs().get()` with full deserialization into the generated
//!     `JobResponse`, vs reqwest + `serde_json::from_slice` into a hand-written struct of the
//!     same shape (serde derive, `Option` fields, enums as `String`, unknown fields dropped).
//! (b) `list_10000_jobs`: 10,000 jobs over 100 pages (`nextLink`), via the `Pager` item
//!     stream vs the same hand-written loop.
//!
//! Each group also has `hand_written/reqwest_generated_models`: the hand-written request,
//! deserializing into the generated models, to tell the models' cost from the pipeline's.
//!
//! ```text
//! cargo bench -p azure_importexport_rest --bench client -- --warm-up-time 1 --measurement-time 3
//! ```

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::{ClientOptions, RetryOptions};
use azure_core::time::{Duration, OffsetDateTime};
use azure_importexport_rest::{ImportExportClient, ImportExportClientOptions};
use criterion::{BenchmarkId, Criterion, criterion_group};
use futures::TryStreamExt as _;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const SUB: &str = "00000000-0000-0000-0000-0000000000aa";
const RG: &str = "bench-rg";
const TOKEN: &str = "bench-token";
const PAGES: usize = 100;
const PER_PAGE: usize = 100;

fn sub_jobs_path() -> String {
    format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs")
}

fn job_path(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}")
}

/// A realistic job (about 2 KB of JSON), every field known to both clients.
fn job_json(name: &str) -> serde_json::Value {
    serde_json::json!({
        "systemData": {
            "createdBy": "someone@example.com", "createdByType": "User",
            "createdAt": "2024-02-03T01:01:01.1075056Z",
            "lastModifiedBy": "someone@example.com", "lastModifiedByType": "User",
            "lastModifiedAt": "2024-02-04T02:03:01.1974346Z"
        },
        "id": format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}"),
        "name": name,
        "type": "Microsoft.ImportExport/jobs",
        "location": "West US",
        "tags": {"team": "storage", "cost-center": "42"},
        "identity": {"type": "None"},
        "properties": {
            "storageAccountId": format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/acct"),
            "jobType": "Import",
            "returnAddress": {
                "recipientName": "Pat Doe", "streetAddress1": "1 Main St", "streetAddress2": "Suite 2",
                "city": "Redmond", "stateOrProvince": "WA", "postalCode": "98052",
                "countryOrRegion": "USA", "phone": "4250000000", "email": "pat@example.com"
            },
            "returnShipping": {"carrierName": "FedEx", "carrierAccountNumber": "989ffff"},
            "shippingInformation": {
                "recipientName": "Microsoft Azure Import/Export Service",
                "streetAddress1": "2045 Lafayette Street", "streetAddress2": "",
                "city": "Santa Clara", "stateOrProvince": "CA", "postalCode": "95050",
                "countryOrRegion": "USA", "phone": "408 0000 0000", "additionalInformation": ""
            },
            "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "992016102507", "driveCount": 2, "shipDate": "2024-02-05"},
            "diagnosticsPath": "waimportexport",
            "logLevel": "Verbose",
            "backupDriveManifest": true,
            "state": "Transferring",
            "cancelRequested": false,
            "percentComplete": 37,
            "driveList": [
                {"driveId": "9CA995BB", "manifestFile": "\\DriveManifest.xml",
                 "manifestHash": "109B21108597EF36D5785F08303F3638", "state": "Transferring",
                 "copyStatus": "InProgress", "percentComplete": 40, "bytesSucceeded": 123456789,
                 "verboseLogUri": "https://acct.blob.core.windows.net/waimportexport/verbose.xml"},
                {"driveId": "9CA995BC", "manifestFile": "\\DriveManifest.xml",
                 "manifestHash": "209B21108597EF36D5785F08303F3638", "state": "Received"}
            ],
            "provisioningState": "Succeeded",
            "encryptionKey": {"kekType": "MicrosoftManaged"}
        }
    })
}

// ---------------------------------------------------------------------------------------
// The loopback server
// ---------------------------------------------------------------------------------------

struct Routes {
    job: Vec<u8>,
    /// Page `i` (0-based) answers the first request (i = 0) or `$skiptoken=i`.
    pages: Vec<Vec<u8>>,
    not_found: Vec<u8>,
}

fn http_response(status: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

impl Routes {
    fn new(base: &str) -> Routes {
        let job = http_response("200 OK", &serde_json::to_vec(&job_json("job1")).unwrap());
        let pages = (0..PAGES)
            .map(|page| {
                let value: Vec<_> = (0..PER_PAGE)
                    .map(|i| job_json(&format!("job-{page}-{i}")))
                    .collect();
                let mut body = serde_json::json!({ "value": value });
                if page + 1 < PAGES {
                    body["nextLink"] = serde_json::json!(format!(
                        "{base}{}?api-version=2021-01-01&%24skiptoken={}",
                        sub_jobs_path(),
                        page + 1
                    ));
                }
                http_response("200 OK", &serde_json::to_vec(&body).unwrap())
            })
            .collect();
        let not_found = http_response(
            "404 Not Found",
            br#"{"error":{"code":"NotFound","message":"no route"}}"#,
        );
        Routes {
            job,
            pages,
            not_found,
        }
    }

    fn answer(&self, target: &str) -> &[u8] {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path == job_path("job1") {
            return &self.job;
        }
        if path == sub_jobs_path() {
            let token = query.split('&').find_map(|pair| {
                pair.strip_prefix("%24skiptoken=")
                    .or_else(|| pair.strip_prefix("$skiptoken="))
            });
            let page = match token {
                None => Some(0),
                Some(t) => t.parse::<usize>().ok(),
            };
            if let Some(page) = page.and_then(|p| self.pages.get(p)) {
                return page;
            }
        }
        &self.not_found
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Serves one keep-alive connection: GET requests without bodies (as both clients send).
async fn serve_connection(mut socket: TcpStream, routes: Arc<Routes>) {
    let _ = socket.set_nodelay(true);
    let mut buf = Vec::with_capacity(8 * 1024);
    loop {
        let head_end = loop {
            if let Some(end) = find_head_end(&buf) {
                break end;
            }
            if buf.len() > 64 * 1024 {
                return;
            }
            match socket.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
        if socket.write_all(routes.answer(&target)).await.is_err() {
            return;
        }
        buf.drain(..head_end);
    }
}

/// Starts the server on its own thread and runtime; returns its base URL.
fn start_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let routes = Arc::new(Routes::new(&base));
            tx.send(base).unwrap();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve_connection(socket, routes.clone()));
            }
        });
    });
    rx.recv().unwrap()
}

// ---------------------------------------------------------------------------------------
// The two clients
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct BenchCredential;

#[async_trait::async_trait]
impl TokenCredential for BenchCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            Secret::new(TOKEN),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

fn generated_client(base: &str) -> ImportExportClient {
    ImportExportClient::new(
        SUB,
        Arc::new(BenchCredential),
        Some(ImportExportClientOptions {
            endpoint: Some(base.to_owned()),
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .unwrap()
}

// The hand-written floor: plain serde derive of the same shape.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandJob {
    system_data: Option<HandSystemData>,
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    resource_type: Option<String>,
    location: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    properties: Option<HandJobDetails>,
    identity: Option<HandIdentity>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandSystemData {
    created_by: Option<String>,
    created_by_type: Option<String>,
    created_at: Option<String>,
    last_modified_by: Option<String>,
    last_modified_by_type: Option<String>,
    last_modified_at: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandIdentity {
    #[serde(rename = "type")]
    identity_type: Option<String>,
    principal_id: Option<String>,
    tenant_id: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandJobDetails {
    storage_account_id: Option<String>,
    job_type: Option<String>,
    return_address: Option<HandAddress>,
    return_shipping: Option<HandReturnShipping>,
    shipping_information: Option<HandShippingInformation>,
    delivery_package: Option<HandDeliveryPackage>,
    return_package: Option<HandDeliveryPackage>,
    diagnostics_path: Option<String>,
    log_level: Option<String>,
    backup_drive_manifest: Option<bool>,
    state: Option<String>,
    cancel_requested: Option<bool>,
    percent_complete: Option<i64>,
    incomplete_blob_list_uri: Option<String>,
    drive_list: Option<Vec<HandDrive>>,
    export: Option<HandExport>,
    provisioning_state: Option<String>,
    encryption_key: Option<HandEncryptionKey>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandAddress {
    recipient_name: Option<String>,
    street_address1: Option<String>,
    street_address2: Option<String>,
    city: Option<String>,
    state_or_province: Option<String>,
    postal_code: Option<String>,
    country_or_region: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandReturnShipping {
    carrier_name: Option<String>,
    carrier_account_number: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandShippingInformation {
    recipient_name: Option<String>,
    street_address1: Option<String>,
    street_address2: Option<String>,
    city: Option<String>,
    state_or_province: Option<String>,
    postal_code: Option<String>,
    country_or_region: Option<String>,
    phone: Option<String>,
    additional_information: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandDeliveryPackage {
    carrier_name: Option<String>,
    tracking_number: Option<String>,
    drive_count: Option<i64>,
    ship_date: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandDrive {
    drive_id: Option<String>,
    bit_locker_key: Option<String>,
    manifest_file: Option<String>,
    manifest_hash: Option<String>,
    drive_header_hash: Option<String>,
    state: Option<String>,
    copy_status: Option<String>,
    percent_complete: Option<i64>,
    verbose_log_uri: Option<String>,
    error_log_uri: Option<String>,
    manifest_uri: Option<String>,
    bytes_succeeded: Option<i64>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandExport {
    blob_list: Option<HandBlobList>,
    blob_list_blob_path: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandBlobList {
    blob_path: Option<Vec<String>>,
    blob_path_prefix: Option<Vec<String>>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandEncryptionKey {
    kek_type: Option<String>,
    kek_url: Option<String>,
    kek_vault_resource_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HandPage {
    #[serde(default)]
    value: Vec<HandJob>,
    next_link: Option<String>,
}

/// The same reqwest settings azure_core uses (no redirects), nothing else.
fn hand_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn hand_get<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> T {
    let response = http
        .get(url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn hand_get_job(http: &reqwest::Client, base: &str) -> HandJob {
    hand_get(
        http,
        &format!("{base}{}?api-version=2021-01-01", job_path("job1")),
    )
    .await
}

async fn hand_list_all(http: &reqwest::Client, base: &str) -> usize {
    let mut url = format!("{base}{}?api-version=2021-01-01", sub_jobs_path());
    let mut count = 0;
    for _ in 0..=PAGES {
        let page: HandPage = hand_get(http, &url).await;
        count += page.value.len();
        black_box(&page.value);
        match page.next_link {
            Some(next) => url = next,
            None => return count,
        }
    }
    panic!("more pages than expected");
}

/// The hand-written loop, deserializing into the generated models instead: separates the
/// cost of the generated serde code from the cost of the pipeline and the pager.
async fn hand_list_all_generated_models(http: &reqwest::Client, base: &str) -> usize {
    let mut url = format!("{base}{}?api-version=2021-01-01", sub_jobs_path());
    let mut count = 0;
    for _ in 0..=PAGES {
        let page: azure_importexport_rest::models::ListJobsResponse = hand_get(http, &url).await;
        count += page.value.as_ref().map_or(0, Vec::len);
        black_box(&page.value);
        match page.next_link {
            Some(next) => url = next,
            None => return count,
        }
    }
    panic!("more pages than expected");
}

async fn generated_get_job(
    client: &ImportExportClient,
) -> azure_importexport_rest::models::JobResponse {
    client
        .jobs()
        .get(RG, "job1", None)
        .await
        .unwrap()
        .into_model()
        .unwrap()
}

async fn generated_list_all(client: &ImportExportClient) -> usize {
    let mut jobs = client.jobs().list_by_subscription(None).unwrap();
    let mut count = 0;
    while let Some(job) = jobs.try_next().await.unwrap() {
        count += 1;
        black_box(job);
    }
    count
}

fn benches(c: &mut Criterion) {
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = generated_client(&base);
    let http = hand_client();

    // Sanity: both sides see the same data.
    runtime.block_on(async {
        let ours = generated_get_job(&client).await;
        let theirs = hand_get_job(&http, &base).await;
        assert_eq!(ours.name, theirs.name);
        assert_eq!(generated_list_all(&client).await, PAGES * PER_PAGE);
        assert_eq!(hand_list_all(&http, &base).await, PAGES * PER_PAGE);
    });

    let mut group = c.benchmark_group("get_job");
    group.bench_function(BenchmarkId::new("generated_client", "jobs_get"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(generated_get_job(&client).await) });
    });
    group.bench_function(BenchmarkId::new("hand_written", "reqwest_serde"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(hand_get_job(&http, &base).await) });
    });
    group.bench_function(
        BenchmarkId::new("hand_written", "reqwest_generated_models"),
        |b| {
            b.to_async(&runtime).iter(|| async {
                let url = format!("{base}{}?api-version=2021-01-01", job_path("job1"));
                black_box(
                    hand_get::<azure_importexport_rest::models::JobResponse>(&http, &url).await,
                )
            });
        },
    );
    group.finish();

    let mut group = c.benchmark_group("list_10000_jobs");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("generated_client", "pager"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(generated_list_all(&client).await) });
    });
    group.bench_function(BenchmarkId::new("hand_written", "reqwest_serde"), |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(hand_list_all(&http, &base).await) });
    });
    group.bench_function(
        BenchmarkId::new("hand_written", "reqwest_generated_models"),
        |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(hand_list_all_generated_models(&http, &base).await) });
        },
    );
    group.finish();
}

/// Median of per-round time ratios `a / b`, alternating which side runs first. Criterion
/// measures one benchmark after the other, so on a shared machine a load change between
/// them skews the ratio; interleaving short rounds cancels that drift.
fn paired_ratio<A, B, FA, FB>(
    runtime: &tokio::runtime::Runtime,
    rounds: usize,
    calls_per_round: usize,
    mut a: FA,
    mut b: FB,
) -> f64
where
    FA: FnMut() -> A,
    FB: FnMut() -> B,
    A: std::future::Future,
    B: std::future::Future,
{
    let mut ratios = Vec::with_capacity(rounds);
    runtime.block_on(async {
        for round in 0..rounds {
            let mut time_a = std::time::Duration::ZERO;
            let mut time_b = std::time::Duration::ZERO;
            for side in [round % 2 == 0, round % 2 == 1] {
                let start = std::time::Instant::now();
                for _ in 0..calls_per_round {
                    if side {
                        black_box(a().await);
                    } else {
                        black_box(b().await);
                    }
                }
                if side {
                    time_a += start.elapsed();
                } else {
                    time_b += start.elapsed();
                }
            }
            ratios.push(time_a.as_secs_f64() / time_b.as_secs_f64());
        }
    });
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// Prints interleaved ratios (generated / hand-written) after the criterion run.
fn paired_ratios() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = generated_client(&base);
    let http = hand_client();
    let get_url = format!("{base}{}?api-version=2021-01-01", job_path("job1"));
    let get_models = || hand_get::<azure_importexport_rest::models::JobResponse>(&http, &get_url);
    let get = paired_ratio(
        &runtime,
        41,
        50,
        || generated_get_job(&client),
        || hand_get_job(&http, &base),
    );
    let get_pipeline = paired_ratio(&runtime, 41, 50, || generated_get_job(&client), get_models);
    let get_serde = paired_ratio(&runtime, 41, 50, get_models, || hand_get_job(&http, &base));
    let list = paired_ratio(
        &runtime,
        11,
        1,
        || generated_list_all(&client),
        || hand_list_all(&http, &base),
    );
    let list_pager = paired_ratio(
        &runtime,
        11,
        1,
        || generated_list_all(&client),
        || hand_list_all_generated_models(&http, &base),
    );
    let list_serde = paired_ratio(
        &runtime,
        11,
        1,
        || hand_list_all_generated_models(&http, &base),
        || hand_list_all(&http, &base),
    );
    println!("paired ratios, median of interleaved rounds (get: 41 x 50 calls; list: 11 x 1):");
    println!("  get_job          generated client / hand-written:        {get:.3}");
    println!("    pipeline part: generated client / reqwest + gen. models: {get_pipeline:.3}");
    println!("    models part:   reqwest + gen. models / hand-written:    {get_serde:.3}");
    println!("  list_10000_jobs  generated pager / hand-written loop:     {list:.3}");
    println!("    pager part:    generated pager / loop + gen. models:    {list_pager:.3}");
    println!("    models part:   loop + gen. models / hand-written loop:  {list_serde:.3}");
}

criterion_group!(client_benches, benches);

fn main() {
    client_benches();
    Criterion::default().configure_from_args().final_summary();
    paired_ratios();
}
