//! Fleet runs carry the caller's context like every single-job helper.

use crate::common::*;
use crate::context::{marked, markers, marking_client};
use azure_importexport::{FleetAction, FleetOptions, JobSelector, PlanOptions};
use wiremock::ResponseTemplate;

/// Issue 13: `PlanOptions::method_options` reaches the plan's listing, and
/// `FleetOptions::method_options` every request of the run (each job's look-up and PATCH).
#[tokio::test]
async fn issue13_fleet_plans_and_runs_carry_the_callers_context() {
    let env = env().await;
    let client = marking_client(&env);
    let page = format!(r#"{{"value":[{}]}}"#, job_json(Some("Shipping"), false));
    on(
        "GET",
        &format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs"),
    )
    .respond_with(ResponseTemplate::new(200).set_body_string(page))
    .mount(&env.server)
    .await;
    env.on_job("GET", ok_job("Shipping", false)).await;
    env.on_job("PATCH", ok_job("Shipping", true)).await;

    let plan = client
        .plan(
            &JobSelector::default(),
            FleetAction::Cancel,
            Some(PlanOptions {
                method_options: marked("plan"),
            }),
        )
        .await
        .unwrap();
    assert_eq!(plan.to_do.len(), 1, "{plan:?}");
    let report = client
        .run_plan(
            plan,
            Some(FleetOptions {
                method_options: marked("run"),
                ..FleetOptions::default()
            }),
        )
        .await;

    assert_eq!(report.summary.done, 1, "{report:?}");
    let expected = [("GET", "plan"), ("GET", "run"), ("PATCH", "run")]
        .map(|(method, marker)| (method.to_owned(), marker.to_owned()));
    assert_eq!(markers(&env).await, expected);
}
