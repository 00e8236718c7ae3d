//! One module per api-version (each behind its cargo feature) that sends an example's
//! request through that version's client and checks what went over the wire.

use super::examples::Case;

/// Runs one example against one api-version module; returns how many responses were checked.
macro_rules! conformance_runner {
    ($module:ident, $feature:literal) => {
        #[cfg(feature = $feature)]
        mod $module {
            use crate::conformance::examples::{Case, Op};
            use crate::common::*;
            use azure_core::http::RequestContent;
            use azure_importexport_rest::$module::{
                ImportExportClient, ImportExportClientOptions, JobsClientListByResourceGroupOptions,
                JobsClientListBySubscriptionOptions, models,
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
                            .list_by_subscription(Some(JobsClientListBySubscriptionOptions {
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
                                Some(JobsClientListByResourceGroupOptions {
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
                        if !crate::conformance::examples::same_up_to_enum_case(&sent_body, want) {
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
                        (Some(got), Some(want)) if crate::conformance::examples::same_up_to_enum_case(&got, want) => {}
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

/// Runs one example through the module of its api-version.
pub async fn run_case(case: &Case<'_>) -> Result<usize, String> {
    match case.api_version {
        #[cfg(feature = "v2021_01_01")]
        "2021-01-01" => v2021_01_01::run(case).await,
        #[cfg(feature = "v2020_08_01")]
        "2020-08-01" => v2020_08_01::run(case).await,
        other => Err(format!("no module for api-version {other}")),
    }
}
