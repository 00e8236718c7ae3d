//! Conformance against the spec's own examples.
//!
//! For every example file next to each pinned spec (read at test time from the spec root in
//! `AZURE_REST_API_SPECS`, resolved against the workspace root when relative), the request
//! is built from the example's `parameters`, sent by the matching operation of that
//! api-version's client to a wiremock server that checks method, path (from the spec's path
//! template), api-version and, for PUT/PATCH, that the JSON body equals the example's; the
//! example's response (status + body) is returned, and the parsed model must re-serialize to
//! JSON equal to the example body. Example files that the spec's `x-ms-examples` name but
//! that are absent are skipped by name. Nothing from the examples is copied into this
//! repository.
//!
//! Without `AZURE_REST_API_SPECS` the suite is skipped with a message, unless `CI` is set,
//! in which case it fails.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SPEC_DIR: &str = "specification/storageimportexport/resource-manager/Microsoft.ImportExport";

/// (api-version, directory under `SPEC_DIR`, whether its module is compiled in).
const VERSIONS: &[(&str, &str, bool)] = &[
    (
        "2021-01-01",
        "StorageImportExport/preview/2021-01-01",
        cfg!(feature = "v2021_01_01"),
    ),
    (
        "2020-08-01",
        "stable/2020-08-01",
        cfg!(feature = "v2020_08_01"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    JobsCreate,
    JobsGet,
    JobsUpdate,
    JobsDelete,
    JobsListBySubscription,
    JobsListByResourceGroup,
    BitLockerKeysList,
    LocationsList,
    LocationsGet,
    OperationsList,
}

impl Op {
    /// Example file name (without `.json`) -> operation.
    fn from_file_stem(stem: &str) -> Option<Op> {
        Some(match stem {
            "CreateJob" | "CreateExportJob" => Op::JobsCreate,
            "GetJob" | "GetExportJob" => Op::JobsGet,
            "UpdateJob" | "UpdateExportJob" => Op::JobsUpdate,
            "DeleteJob" => Op::JobsDelete,
            "ListJobsInSubscription" => Op::JobsListBySubscription,
            "ListJobsInResourceGroup" => Op::JobsListByResourceGroup,
            "ListBitLockerKeys" => Op::BitLockerKeysList,
            "ListLocations" => Op::LocationsList,
            "GetLocation" => Op::LocationsGet,
            "ListOperations" => Op::OperationsList,
            _ => return None,
        })
    }

    fn operation_id(self) -> &'static str {
        match self {
            Op::JobsCreate => "Jobs_Create",
            Op::JobsGet => "Jobs_Get",
            Op::JobsUpdate => "Jobs_Update",
            Op::JobsDelete => "Jobs_Delete",
            Op::JobsListBySubscription => "Jobs_ListBySubscription",
            Op::JobsListByResourceGroup => "Jobs_ListByResourceGroup",
            Op::BitLockerKeysList => "BitLockerKeys_List",
            Op::LocationsList => "Locations_List",
            Op::LocationsGet => "Locations_Get",
            Op::OperationsList => "Operations_List",
        }
    }
}

/// An operation as the spec declares it.
#[derive(Clone, Debug)]
struct SpecOperation {
    method: String,
    path_template: String,
}

/// One example run: the spec's view of the operation plus the example document.
#[derive(Debug)]
struct Case<'a> {
    api_version: &'a str,
    file: &'a Path,
    op: Op,
    spec: &'a SpecOperation,
    example: &'a Value,
}

impl Case<'_> {
    fn param(&self, name: &str) -> Option<&Value> {
        self.example["parameters"].get(name)
    }

    fn param_str(&self, name: &str) -> Result<&str, String> {
        self.param(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("example has no string parameter `{name}`"))
    }

    /// The request body parameter (`body` in these specs; `parameters` in others).
    fn body(&self) -> Result<&Value, String> {
        self.param("body")
            .or_else(|| self.param("parameters"))
            .ok_or_else(|| "example has no body parameter".to_owned())
    }

    fn top(&self) -> Option<i64> {
        self.param("$top").and_then(Value::as_i64)
    }

    /// The raw request path, from the spec's path template and the example's parameters,
    /// each parameter percent-encoded as one segment.
    fn expected_path(&self) -> Result<String, String> {
        let mut url = url::Url::parse("http://127.0.0.1/").unwrap();
        {
            let mut segments = url.path_segments_mut().unwrap();
            segments.clear();
            for segment in self.spec.path_template.split('/').filter(|s| !s.is_empty()) {
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        segments.push(self.param_str(name)?);
                    }
                    None => {
                        segments.push(segment);
                    }
                }
            }
        }
        Ok(url.path().to_owned())
    }

    /// `(status, body)` of every success response of the example.
    fn success_responses(&self) -> Result<Vec<(u16, Option<&Value>)>, String> {
        let responses = self.example["responses"]
            .as_object()
            .ok_or("example has no responses")?;
        let mut out = Vec::new();
        for (status, response) in responses {
            let Ok(code) = status.parse::<u16>() else {
                continue; // "default"
            };
            if (200..300).contains(&code) {
                out.push((code, response.get("body")));
            }
        }
        if out.is_empty() {
            return Err("example has no success response".to_owned());
        }
        Ok(out)
    }
}

/// Runs one example against one api-version module; returns how many responses were checked.
macro_rules! conformance_runner {
    ($module:ident, $feature:literal) => {
        #[cfg(feature = $feature)]
        mod $module {
            use super::{Case, Op};
            use crate::common::*;
            use azure_core::http::RequestContent;
            use azure_importexport_rest::$module::{
                ImportExportClient, ImportExportClientOptions, JobsListByResourceGroupOptions,
                JobsListBySubscriptionOptions, models,
            };
            use futures::TryStreamExt as _;
            use serde_json::Value;
            use wiremock::matchers::{method, path, query_param};
            use wiremock::{Mock, MockServer, ResponseTemplate};

            fn json_body<T: serde::Serialize>(model: &T) -> RequestContent<T> {
                RequestContent::from(serde_json::to_vec(model).expect("model serializes"))
            }

            fn model_of<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
                serde_json::from_value(value.clone())
                    .map_err(|e| format!("example body does not deserialize: {e}"))
            }

            fn value_of<T: serde::Serialize>(model: &T) -> Value {
                serde_json::to_value(model).expect("model serializes")
            }

            fn top<T: TryFrom<i64>>(case: &Case<'_>) -> Option<T> {
                case
                    .top()
                    .map(|t| T::try_from(t).unwrap_or_else(|_| panic!("$top {t} does not fit")))
            }

            /// Sends the example's request; returns the parsed model re-serialized (`None`
            /// for operations without a response body).
            async fn call(
                client: &ImportExportClient,
                case: &Case<'_>,
            ) -> Result<Option<Value>, String> {
                let e = |e: azure_core::Error| format!("{} failed: {e}", case.op.operation_id());
                Ok(match case.op {
                    Op::JobsCreate => {
                        let body: models::PutJobParameters = model_of(case.body()?)?;
                        let response = client
                            .jobs()
                            .create(
                                case.param_str("resourceGroupName")?,
                                case.param_str("jobName")?,
                                json_body(&body),
                                None,
                            )
                            .await
                            .map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                    Op::JobsGet => {
                        let response = client
                            .jobs()
                            .get(
                                case.param_str("resourceGroupName")?,
                                case.param_str("jobName")?,
                                None,
                            )
                            .await
                            .map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                    Op::JobsUpdate => {
                        let body: models::UpdateJobParameters = model_of(case.body()?)?;
                        let response = client
                            .jobs()
                            .update(
                                case.param_str("resourceGroupName")?,
                                case.param_str("jobName")?,
                                json_body(&body),
                                None,
                            )
                            .await
                            .map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                    Op::JobsDelete => {
                        client
                            .jobs()
                            .delete(
                                case.param_str("resourceGroupName")?,
                                case.param_str("jobName")?,
                                None,
                            )
                            .await
                            .map_err(e)?;
                        None
                    }
                    Op::JobsListBySubscription => {
                        let mut pages = client
                            .jobs()
                            .list_by_subscription(Some(JobsListBySubscriptionOptions {
                                top: top(case),
                                ..Default::default()
                            }))
                            .map_err(e)?
                            .into_pages();
                        // Only the example's page: a nextLink in it is not followed.
                        let page = pages.try_next().await.map_err(e)?.ok_or("no page")?;
                        let page: models::ListJobsResponse = page.into_model().map_err(e)?;
                        Some(value_of(&page))
                    }
                    Op::JobsListByResourceGroup => {
                        let mut pages = client
                            .jobs()
                            .list_by_resource_group(
                                case.param_str("resourceGroupName")?,
                                Some(JobsListByResourceGroupOptions {
                                    top: top(case),
                                    ..Default::default()
                                }),
                            )
                            .map_err(e)?
                            .into_pages();
                        let page = pages.try_next().await.map_err(e)?.ok_or("no page")?;
                        let page: models::ListJobsResponse = page.into_model().map_err(e)?;
                        Some(value_of(&page))
                    }
                    Op::BitLockerKeysList => {
                        let response = client
                            .bit_locker_keys()
                            .list(
                                case.param_str("resourceGroupName")?,
                                case.param_str("jobName")?,
                                None,
                            )
                            .await
                            .map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                    Op::LocationsList => {
                        let response = client.locations().list(None).await.map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                    Op::LocationsGet => {
                        let response = client
                            .locations()
                            .get(case.param_str("locationName")?, None)
                            .await
                            .map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                    Op::OperationsList => {
                        let response = client.operations().list(None).await.map_err(e)?;
                        Some(value_of(&response.into_model().map_err(e)?))
                    }
                })
            }

            pub(super) async fn run(case: &Case<'_>) -> Result<usize, String> {
                let expected_path = case.expected_path()?;
                let http_method = case.spec.method.to_ascii_uppercase();
                let has_body = matches!(http_method.as_str(), "PUT" | "PATCH");
                let responses = case.success_responses()?;
                for (status, response_body) in &responses {
                    let server = MockServer::start().await;
                    let mut template = ResponseTemplate::new(*status);
                    if let Some(body) = response_body {
                        template = template.set_body_json(*body);
                    }
                    Mock::given(method(http_method.as_str()))
                        .and(path(expected_path.as_str()))
                        .and(query_param("api-version", case.api_version))
                        .respond_with(template)
                        .expect(1)
                        .mount(&server)
                        .await;
                    let subscription = case
                        .param("subscriptionId")
                        .and_then(Value::as_str)
                        .unwrap_or(SUB);
                    let client = ImportExportClient::new(
                        subscription,
                        credential(),
                        Some(ImportExportClientOptions {
                            endpoint: Some(server.uri()),
                            client_options: no_retry(),
                            ..Default::default()
                        }),
                    )
                    .map_err(|e| format!("client: {e}"))?;
                    let result = call(&client, case).await;

                    // What was sent, whatever the outcome.
                    let requests = received(&server).await;
                    let [request] = requests.as_slice() else {
                        return Err(format!(
                            "expected one request, got {:?}",
                            requests
                                .iter()
                                .map(|r| format!("{} {}", r.method, r.url))
                                .collect::<Vec<_>>()
                        ));
                    };
                    let sent = format!("{} {}", request.method, request.url);
                    if request.method.as_str() != http_method
                        || request.url.path() != expected_path
                    {
                        return Err(format!(
                            "sent {sent}, expected {http_method} {expected_path}"
                        ));
                    }
                    let mut want_query = vec![("api-version".to_owned(), case.api_version.to_owned())];
                    if let Some(top) = case.top() {
                        want_query.push(("$top".to_owned(), top.to_string()));
                    }
                    want_query.sort();
                    if query(request) != want_query {
                        return Err(format!("sent {sent}, expected query {want_query:?}"));
                    }
                    if has_body {
                        let sent_body: Value = serde_json::from_slice(&request.body)
                            .map_err(|e| format!("sent body is not JSON: {e}"))?;
                        let want = case.body()?;
                        if &sent_body != want {
                            return Err(format!(
                                "sent body differs from the example's:\n sent: {sent_body}\n want: {want}"
                            ));
                        }
                        if header(request, "content-type") != Some("application/json") {
                            return Err("PUT/PATCH without content-type: application/json".into());
                        }
                    } else if !request.body.is_empty() || header(request, "content-type").is_some() {
                        return Err(format!("{sent} carries a body or a content-type"));
                    }

                    let got = result.map_err(|e| format!("status {status}: {e}"))?;
                    match (got, response_body) {
                        (Some(got), Some(want)) if &&got == want => {}
                        (Some(got), Some(want)) => {
                            return Err(format!(
                                "status {status}: the parsed model re-serializes differently\n  got: {got}\n want: {want}"
                            ));
                        }
                        (None, None) => {}
                        (None, Some(_)) => {
                            return Err(format!(
                                "status {status}: the example has a body but the operation returns none"
                            ));
                        }
                        (Some(got), None) => {
                            return Err(format!(
                                "status {status}: the example has no body but the model gave {got}"
                            ));
                        }
                    }
                    server.verify().await;
                }
                Ok(responses.len())
            }
        }
    };
}

conformance_runner!(v2021_01_01, "v2021_01_01");
conformance_runner!(v2020_08_01, "v2020_08_01");

async fn run_case(case: &Case<'_>) -> Result<usize, String> {
    match case.api_version {
        #[cfg(feature = "v2021_01_01")]
        "2021-01-01" => v2021_01_01::run(case).await,
        #[cfg(feature = "v2020_08_01")]
        "2020-08-01" => v2020_08_01::run(case).await,
        other => Err(format!("no module for api-version {other}")),
    }
}

/// The spec root, or `None` (after saying why) when the suite is to be skipped.
fn spec_root() -> Option<PathBuf> {
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("AZURE_REST_API_SPECS").filter(|v| !v.is_empty()) {
        Some(value) => {
            let path = PathBuf::from(value);
            let path = if path.is_relative() {
                workspace_root.join(path)
            } else {
                path
            };
            assert!(
                path.join(SPEC_DIR).is_dir(),
                "AZURE_REST_API_SPECS points at {}, which has no {SPEC_DIR}",
                path.display()
            );
            Some(path)
        }
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "AZURE_REST_API_SPECS is not set, and CI is: the conformance suite must run in CI \
                 (set it to ../shared/specs/azure-rest-api-specs)"
            )
        }
        None => {
            println!(
                "SKIPPED conformance: AZURE_REST_API_SPECS is not set (e.g. \
                 AZURE_REST_API_SPECS=../shared/specs/azure-rest-api-specs, relative to the workspace root)"
            );
            None
        }
    }
}

/// `operationId -> (method, path template)` and `example file name -> operationId`, from a spec.
fn read_spec(spec_file: &Path) -> (BTreeMap<String, SpecOperation>, BTreeMap<String, String>) {
    let text = std::fs::read_to_string(spec_file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", spec_file.display()));
    let spec: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("parsing {}: {e}", spec_file.display()));
    let mut operations = BTreeMap::new();
    let mut named_examples = BTreeMap::new();
    for (path_template, item) in spec["paths"].as_object().expect("paths") {
        for (http_method, operation) in item.as_object().expect("path item") {
            let Some(operation_id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            operations.insert(
                operation_id.to_owned(),
                SpecOperation {
                    method: http_method.clone(),
                    path_template: path_template.clone(),
                },
            );
            if let Some(examples) = operation.get("x-ms-examples").and_then(Value::as_object) {
                for reference in examples.values() {
                    let reference = reference["$ref"].as_str().expect("x-ms-examples $ref");
                    let file = Path::new(reference)
                        .file_name()
                        .expect("file name")
                        .to_string_lossy()
                        .into_owned();
                    named_examples.insert(file, operation_id.to_owned());
                }
            }
        }
    }
    (operations, named_examples)
}

#[tokio::test]
async fn every_spec_example_round_trips_through_the_client() {
    let Some(root) = spec_root() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for &(api_version, dir, compiled) in VERSIONS {
        let version_dir = root.join(SPEC_DIR).join(dir);
        let (operations, named_examples) = read_spec(&version_dir.join("storageimportexport.json"));
        let examples_dir = version_dir.join("examples");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&examples_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();

        for (file, operation_id) in &named_examples {
            if !examples_dir.join(file).is_file() {
                println!(
                    "SKIPPED {api_version}/examples/{file} ({operation_id}): named by x-ms-examples but absent from the spec root"
                );
            }
        }
        if !compiled {
            println!(
                "SKIPPED {api_version}: its module is not compiled (enable its cargo feature)"
            );
            continue;
        }
        assert!(
            !files.is_empty(),
            "no example files under {}",
            examples_dir.display()
        );

        for file in &files {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let label = format!("{api_version}/examples/{stem}.json");
            let Some(op) = Op::from_file_stem(&stem) else {
                failures.push(format!(
                    "{label}: no operation is mapped to this example file"
                ));
                continue;
            };
            let file_name = format!("{stem}.json");
            match named_examples.get(&file_name) {
                Some(named) if named != op.operation_id() => {
                    failures.push(format!(
                        "{label}: mapped to {} but the spec names it under {named}",
                        op.operation_id()
                    ));
                    continue;
                }
                Some(_) => {}
                None => println!("note: {label} is not named by the spec's x-ms-examples"),
            }
            let Some(spec_operation) = operations.get(op.operation_id()) else {
                failures.push(format!("{label}: the spec has no {}", op.operation_id()));
                continue;
            };
            let text = std::fs::read_to_string(file)
                .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            let example: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()));
            if let Some(version) = example["parameters"]["api-version"].as_str() {
                if version != api_version {
                    failures.push(format!("{label}: example says api-version {version}"));
                    continue;
                }
            }
            let case = Case {
                api_version,
                file,
                op,
                spec: spec_operation,
                example: &example,
            };
            match run_case(&case).await {
                Ok(responses) => {
                    checked += responses;
                    println!(
                        "ok {label} -> {} ({} {}; {responses} response(s))",
                        op.operation_id(),
                        spec_operation.method.to_ascii_uppercase(),
                        spec_operation.path_template
                    );
                }
                Err(error) => failures.push(format!("{label} ({}): {error}", case.file.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 0, "no example was checked");
    println!("{checked} example response(s) conform");
}
