//! The differential test: each official SDK's bodies go to the emulator, and every answer
//! has the shape ([`super::shape`]) of the matching response in the spec's examples
//! (2021-01-01, the api-version of those SDKs): Jobs_Create (201, then 200 for the same
//! PUT again), Jobs_Get, Jobs_Update, Jobs_ListBySubscription and Jobs_Delete.
//!
//! The examples are read at test time from the spec root in `AZURE_REST_API_SPECS`
//! (relative paths resolve against the workspace root), by default
//! `../shared/specs/azure-rest-api-specs`; nothing from them is copied here. When they are
//! absent the test is skipped with a message, unless `CI` is set: then it fails.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::fixtures::Sdk;
use super::shape::{assert_same_shape, shape};
use crate::common::*;

const EXAMPLES: &str = "specification/storageimportexport/resource-manager/Microsoft.ImportExport/StorageImportExport/preview/2021-01-01/examples";

/// Keys of the spec's examples that no service answer has: the second job of
/// ListJobsInSubscription.json nests a copy of `systemData` inside `properties`, which the
/// spec's JobDetails does not define.
const EXAMPLE_GLITCHES: [&str; 1] = ["properties.systemData"];

/// The examples directory, or `None` (after saying why) when the test is to be skipped.
pub(crate) fn examples_dir() -> Option<PathBuf> {
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let configured = std::env::var_os("AZURE_REST_API_SPECS").filter(|v| !v.is_empty());
    let explicit = configured.is_some();
    let root =
        PathBuf::from(configured.unwrap_or_else(|| "../shared/specs/azure-rest-api-specs".into()));
    let root = if root.is_relative() {
        workspace_root.join(root)
    } else {
        root
    };
    let dir = root.join(EXAMPLES);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !explicit,
        "AZURE_REST_API_SPECS points at {}, which has no {EXAMPLES}",
        root.display()
    );
    assert!(
        std::env::var_os("CI").is_none(),
        "the spec examples are not at {} and CI is set: the differential test must run in CI \
         (set AZURE_REST_API_SPECS to the spec root)",
        dir.display()
    );
    println!(
        "SKIPPED differential test: no spec examples at {} (set AZURE_REST_API_SPECS to the spec root)",
        dir.display()
    );
    None
}

/// One example file.
struct Example(Value);

impl Example {
    fn read(dir: &Path, file: &str) -> Self {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        Self(
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display())),
        )
    }

    /// The example's response for `status` (`{}` when it has none, as DeleteJob's 200).
    fn response(&self, status: u16) -> &Value {
        let response = &self.0["responses"][status.to_string()];
        assert!(response.is_object(), "the example has no {status} response");
        response
    }

    fn body(&self, status: u16) -> &Value {
        &self.response(status)["body"]
    }
}

/// Asserts the answer's status and that its body has the example's shape.
fn check(sdk: &Sdk, what: &str, resp: &Resp, example: &Example, status: u16) {
    let label = format!("{} {what}", sdk.label);
    assert_eq!(
        resp.status,
        status,
        "{label}: {}",
        String::from_utf8_lossy(&resp.body)
    );
    assert_same_shape(
        &label,
        &resp.json(),
        example.body(status),
        &EXAMPLE_GLITCHES,
    );
}

async fn differential(sdk: Sdk) {
    let Some(dir) = examples_dir() else {
        return;
    };
    let (_emulator, client) = setup().await;
    let create = Example::read(&dir, "CreateJob.json");
    let created = client.put_job("job1", &sdk.body("create")).await;
    check(&sdk, "Jobs_Create (new)", &created, &create, 201);
    let replaced = client.put_job("job1", &sdk.body("create")).await;
    check(
        &sdk,
        "Jobs_Create (same PUT again)",
        &replaced,
        &create,
        200,
    );
    let got = client.get_job("job1").await;
    check(
        &sdk,
        "Jobs_Get",
        &got,
        &Example::read(&dir, "GetJob.json"),
        200,
    );
    let updated = client.patch_job("job1", &sdk.body("update")).await;
    check(
        &sdk,
        "Jobs_Update",
        &updated,
        &Example::read(&dir, "UpdateJob.json"),
        200,
    );

    list_in_states(&sdk, &Example::read(&dir, "ListJobsInSubscription.json")).await;

    let deleted = client.delete_job("job1").await;
    let delete = Example::read(&dir, "DeleteJob.json");
    assert_eq!(deleted.status, 200, "{} Jobs_Delete", sdk.label);
    assert!(
        delete.response(200).get("body").is_none(),
        "the example's 200 has no body"
    );
    assert!(deleted.body.is_empty(), "{} Jobs_Delete: a body", sdk.label);
}

/// For each job of the list example: in an emulator of its own, one job created the same
/// way (without `returnShipping` when the example's job has none), shipped and brought
/// to the example job's state; the listing has the example's shape, and so does the job.
async fn list_in_states(sdk: &Sdk, example: &Example) {
    let page = example.body(200);
    for job in page["value"].as_array().expect("a value array") {
        let state = job["properties"]["state"].as_str().expect("a state");
        let label = format!("{} Jobs_ListBySubscription, a {state} job", sdk.label);
        let (emulator, client) = setup().await;
        let mut body = sdk.body("create");
        if job["properties"].get("returnShipping").is_none() {
            body["properties"]
                .as_object_mut()
                .unwrap()
                .remove("returnShipping");
        }
        assert_eq!(client.put_job("listed", &body).await.status, 201, "{label}");
        assert_eq!(
            client.patch_job("listed", &sdk.body("ship")).await.status,
            200,
            "{label}"
        );
        emulator
            .advance_job_to(SUB, RG, "listed", state)
            .expect("a lifecycle state");
        let path =
            format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?api-version={API}");
        let resp = client.send("GET", &path, None).await;
        assert_eq!(resp.status, 200, "{label}");
        let ours = resp.json();
        let keys = |v: &Value| shape(v).into_keys().collect::<Vec<_>>();
        assert_eq!(keys(&ours), keys(page), "{label}: the page");
        assert_same_shape(&label, &ours["value"][0], job, &EXAMPLE_GLITCHES);
    }
}

#[tokio::test]
async fn python_sdk_answers_have_the_shape_of_the_spec_examples() {
    differential(Sdk::python()).await;
}

#[tokio::test]
async fn js_sdk_answers_have_the_shape_of_the_spec_examples() {
    differential(Sdk::js()).await;
}
