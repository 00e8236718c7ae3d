//! The `BitLockerKeys` operation.

use super::support::*;
use crate::common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn bit_locker_keys_list() {
    let server = MockServer::start().await;
    let keys_path = format!("{JOBS_PATH}/job1/listBitLockerKeys");
    Mock::given(method("POST"))
        .and(path(keys_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [
                {"bitLockerKey": "101010-202020-303030-404040", "driveId": "DRV0017A"},
                {"bitLockerKey": "111111-222222-333333-444444", "driveId": "DRV0017C"}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let keys = client(&server)
        .bit_locker_keys()
        .list(RG, "job1", None)
        .await
        .expect("list keys")
        .into_model()
        .expect("keys parse");
    let keys = keys.value.expect("value");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].drive_id.as_deref(), Some("DRV0017A"));
    assert_eq!(
        keys[0].bit_locker_key.as_deref(),
        Some("101010-202020-303030-404040")
    );
    let request = single_request(&server).await;
    // A bodiless POST still says `content-length: 0` (front doors answer 411 without it).
    assert_eq!(header(&request, "content-length"), Some("0"));
    assert_request(
        &request,
        &Expect {
            method: "POST",
            path: &keys_path,
            query: &[api_version()],
            ..Default::default()
        },
    );
    server.verify().await;
}
