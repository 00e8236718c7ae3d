//! Lossless models: unknown enum values and fields survive, enums parse ignoring case, secrets are redacted.

use crate::common::*;
use azure_importexport_rest::models::{
    CreatedByType, DriveState, GetBitLockerKeysResponse, IdentityType, JobResponse, JobState,
    ListJobsResponse, ReturnShipping, UpdateJobParameters, UpdateJobParametersProperties,
};
use serde_json::json;
use std::collections::BTreeMap;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn unknown_enum_values_and_fields_survive_get_then_serialize() {
    let mut wire = job_json("job1", "Relocating");
    wire["brandNewTopLevel"] = json!({"nested": [1, 2, {"deep": true}]});
    wire["identity"]["type"] = json!("SomethingNew");
    wire["systemData"]["createdByType"] = json!("application");
    wire["properties"]["futureProperty"] = json!(42);
    wire["properties"]["returnAddress"]["extraLine"] = json!("c/o Reception");
    wire["properties"]["encryptionKey"]["kekType"] = json!("HsmManaged");
    wire["properties"]["driveList"][0]["state"] = json!("Lost");
    wire["properties"]["driveList"][0]["futureDriveField"] = json!(["x"]);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&wire))
        .mount(&server)
        .await;
    let job = client(&server)
        .jobs()
        .get(RG, "job1", None)
        .await
        .expect("get")
        .into_model()
        .expect("unknown values do not fail deserialization");

    let properties = job.properties.as_ref().unwrap();
    assert_eq!(
        properties.state,
        Some(JobState::Unknown("Relocating".to_owned()))
    );
    assert_eq!(properties.state.as_ref().unwrap().as_str(), "Relocating");
    assert_eq!(
        properties.drive_list.as_ref().unwrap()[0].state,
        Some(DriveState::Unknown("Lost".to_owned()))
    );
    assert_eq!(
        job.identity.as_ref().unwrap().identity_type,
        Some(IdentityType::Unknown("SomethingNew".to_owned()))
    );
    assert_eq!(
        job.additional_properties.get("brandNewTopLevel"),
        Some(&json!({"nested": [1, 2, {"deep": true}]}))
    );
    assert_eq!(
        properties.additional_properties.get("futureProperty"),
        Some(&json!(42))
    );

    // A known value in another case is that value (ARM compares enum values
    // case-insensitively), and goes back in the spec's spelling.
    assert_eq!(
        job.system_data.as_ref().unwrap().created_by_type,
        Some(CreatedByType::Application)
    );
    let mut canonical = wire.clone();
    canonical["systemData"]["createdByType"] = json!("Application");

    assert_eq!(
        serde_json::to_value(&job).unwrap(),
        canonical,
        "lossless round trip"
    );
    // And a read-modify-write keeps them too.
    let mut modified = job.clone();
    modified.tags = Some(BTreeMap::from([("k".to_owned(), "v".to_owned())]));
    let mut expected = canonical.clone();
    expected["tags"] = json!({"k": "v"});
    assert_eq!(serde_json::to_value(&modified).unwrap(), expected);
}

#[test]
fn known_enum_values_round_trip_through_strings() {
    for state in JobState::KNOWN {
        assert_eq!(&JobState::from(state.as_str()), state);
        assert_eq!(
            serde_json::to_value(state).unwrap(),
            json!(state.to_string())
        );
        let back: JobState = serde_json::from_value(json!(state.as_str())).unwrap();
        assert_eq!(&back, state);
    }
    assert_eq!("Creating".parse::<JobState>().unwrap(), JobState::Creating);
    let unknown: JobState = serde_json::from_str("\"Relocating\"").unwrap();
    assert_eq!(unknown, JobState::Unknown("Relocating".to_owned()));
    assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"Relocating\"");
}

/// ARM compares enum values case-insensitively: a known value in any case is that value,
/// and goes back on the wire in the spec's spelling.
#[test]
fn known_enum_values_parse_ignoring_case() {
    assert_eq!(JobState::from("completed"), JobState::Completed);
    assert_eq!(JobState::from("COMPLETED".to_owned()), JobState::Completed);
    assert_eq!("cReAtInG".parse::<JobState>().unwrap(), JobState::Creating);
    let parsed: JobState = serde_json::from_str("\"completed\"").unwrap();
    assert_eq!(parsed, JobState::Completed);
    assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"Completed\"");
    let drive: DriveState = serde_json::from_str("\"shippedback\"").unwrap();
    assert_eq!(drive, DriveState::ShippedBack);
    // Unknown values are still kept exactly as received.
    let unknown = JobState::from("completed-ish");
    assert_eq!(unknown, JobState::Unknown("completed-ish".to_owned()));
    assert_eq!(unknown.as_str(), "completed-ish");
}

#[tokio::test]
async fn secrets_are_redacted_in_debug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{JOBS_PATH}/job1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_json("job1", "Creating")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{"bitLockerKey": "KEY-FROM-LIST-999", "driveId": "D1"}]
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let job = client
        .jobs()
        .get(RG, "job1", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    let keys: GetBitLockerKeysResponse = client
        .bit_locker_keys()
        .list(RG, "job1", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    let update = UpdateJobParameters {
        properties: Some(UpdateJobParametersProperties {
            return_shipping: job.properties.as_ref().unwrap().return_shipping.clone(),
            drive_list: job.properties.as_ref().unwrap().drive_list.clone(),
            ..Default::default()
        }),
        ..Default::default()
    };
    for debug in [
        format!("{job:?}"),
        format!("{job:#?}"),
        format!("{keys:?}"),
        format!("{update:?}"),
        format!(
            "{:?}",
            ListJobsResponse {
                value: Some(vec![job.clone()]),
                ..Default::default()
            }
        ),
    ] {
        for secret in [
            "ACCT-SECRET-42",
            "BITLOCKER-SECRET-123456",
            "KEY-FROM-LIST-999",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
        assert!(debug.contains("***"), "{debug}");
    }
    let debug = format!("{job:?}");
    assert!(
        debug.contains("carrier_account_number: Some(\"***\")"),
        "{debug}"
    );
    assert!(debug.contains("bit_locker_key: Some(\"***\")"), "{debug}");
    assert!(
        debug.contains("FedEx"),
        "non-secret fields stay visible: {debug}"
    );
    // Unset secrets say so.
    let none = format!("{:?}", ReturnShipping::default());
    assert!(none.contains("carrier_account_number: None"), "{none}");
    // Serialization (what goes on the wire) is not redacted.
    let wire = serde_json::to_string(&update).unwrap();
    assert!(wire.contains("ACCT-SECRET-42") && wire.contains("BITLOCKER-SECRET-123456"));
}

/// Issue 14: a job decoded into 2,224 bytes, a third of it empty maps for the undeclared
/// properties of its twenty-odd nested objects, and every move of a job through a page's
/// item stream copied them (the pager was 1.10x of the floor). Undeclared properties now
/// cost one pointer per object until there are some.
#[test]
fn issue14_undeclared_properties_cost_one_pointer_until_there_are_some() {
    use azure_importexport_rest::runtime::AdditionalProperties;
    assert_eq!(
        std::mem::size_of::<AdditionalProperties>(),
        std::mem::size_of::<usize>()
    );
    assert!(
        std::mem::size_of::<JobResponse>() <= 1_536,
        "JobResponse is {} bytes",
        std::mem::size_of::<JobResponse>()
    );
    let job: JobResponse =
        serde_json::from_str(r#"{"name":"j","newTop":1,"properties":{"newNested":{"a":[1]}}}"#)
            .unwrap();
    assert_eq!(job.additional_properties["newTop"], 1);
    let properties = job.properties.as_ref().unwrap();
    assert_eq!(properties.additional_properties["newNested"]["a"][0], 1);
    assert!(job.system_data.is_none());
    let written = serde_json::to_value(&job).unwrap();
    assert_eq!(written["properties"]["newNested"]["a"][0], 1);
    assert_eq!(written["newTop"], 1);
}
