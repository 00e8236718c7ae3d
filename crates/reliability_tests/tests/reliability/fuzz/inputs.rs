//! The fuzzer's inputs: JSON shaped like the models, mutations of real documents,
//! arbitrary bytes, error pages, content types and `Retry-After` values.

use azure_importexport::JobState;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Field names of the models (and a few enum values): most generated keys hit a typed
/// field, so wrong types, nulls and unknown siblings are all exercised.
pub(crate) const KEYS: &[&str] = &[
    "properties",
    "state",
    "driveList",
    "bitLockerKey",
    "driveId",
    "value",
    "nextLink",
    "error",
    "code",
    "message",
    "target",
    "details",
    "name",
    "id",
    "type",
    "location",
    "tags",
    "identity",
    "systemData",
    "createdByType",
    "createdAt",
    "lastModifiedAt",
    "cancelRequested",
    "percentComplete",
    "jobType",
    "returnShipping",
    "carrierAccountNumber",
    "carrierName",
    "returnAddress",
    "deliveryPackage",
    "shippingInformation",
    "returnPackage",
    "export",
    "blobList",
    "blobPath",
    "blobPathPrefix",
    "encryptionKey",
    "kekType",
    "kekUrl",
    "provisioningState",
    "storageAccountId",
    "logLevel",
    "backupDriveManifest",
    "driveCount",
    "shipDate",
    "display",
    "operation",
    "provider",
    "resource",
    "description",
    "alternateLocations",
    "supportedCarriers",
    "principalId",
    "tenantId",
    "bytesSucceeded",
    "copyStatus",
    "manifestFile",
    "trackingNumber",
    "incompleteBlobListUri",
];

/// Values of the other enums (the job states come from `JobState::KNOWN`).
pub(crate) const STRINGS: &[&str] = &[
    "Specified",
    "NeverReceived",
    "SystemAssigned",
    "UserAssigned",
    "None",
    "Application",
    "User",
    "Key",
    "MicrosoftManaged",
    "CustomerManaged",
    "Import",
    "Export",
    "",
    "\u{0}",
    "\u{feff}",
    "é",
    "🦀",
    "SECRET-KEY",
    "SECRET-ACCOUNT",
    "2026-01-01T00:00:00Z",
    "http://127.0.0.1:1/next",
    "not a date",
];

/// Up to 8 arbitrary characters (cheaper to generate than a regex).
pub(crate) fn short_string() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter)
}

pub(crate) fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        prop::sample::select(JobState::KNOWN).prop_map(|state| Value::from(state.as_str())),
        short_string().prop_map(Value::String),
    ]
}

pub(crate) fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => short_string(),
    ]
}

pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 20, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value shaped like a job, a page, a key list or an error, with random parts.
pub(crate) fn shaped_value() -> impl Strategy<Value = Value> {
    let job = |properties: Value| json!({"name": "j", "properties": properties});
    prop_oneof![
        json_value(),
        json_value().prop_map(job),
        json_value().prop_map(move |v| json!({"value": [job(v)], "nextLink": null})),
        json_value().prop_map(|v| json!({"value": [v]})),
        json_value().prop_map(|v| json!({"properties": {"driveList": [v], "returnShipping": v}})),
        json_value().prop_map(|v| json!({"error": v})),
    ]
}

pub(crate) fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(make_seeds)
}

pub(crate) fn make_seeds() -> Vec<Vec<u8>> {
    let job = reliability_tests::job_body("job-a", "Transferring");
    vec![
        serde_json::to_vec(&job).expect("json"),
        serde_json::to_vec(&json!({"value": [job], "nextLink": "http://127.0.0.1:1/jobs?$skiptoken=1"}))
            .expect("json"),
        br#"{"value":[{"driveId":"D1","bitLockerKey":"SECRET-KEY"},{"driveId":"D2"}]}"#.to_vec(),
        br#"{"value":[{"id":"/providers/Microsoft.ImportExport/locations/westus","name":"westus","type":"Microsoft.ImportExport/locations","properties":{"recipientName":"x","supportedCarriers":["UPS"],"alternateLocations":["westus"]}}]}"#.to_vec(),
        br#"{"value":[{"name":"Microsoft.ImportExport/jobs/read","display":{"provider":"p","resource":"r","operation":"o","description":"d"}}]}"#.to_vec(),
        br#"{"error":{"code":"JobCannotBeCancelled","message":"too late","target":"job","details":[{"code":"a","message":"b"}],"innererror":{}}}"#.to_vec(),
    ]
}

/// Bytes expanded from a seed (much cheaper in a debug build than one proptest value per
/// byte): either any byte, or bytes drawn from JSON's own alphabet (to get past the
/// first character more often).
pub(crate) fn random_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    (any::<u64>(), 0..=max_len, any::<bool>()).prop_map(|(seed, len, json_alphabet)| {
        const ALPHABET: &[u8] = b"{}[]\":,\\ \t\n0123456789-+.eEtrufalsn\"abc\xc3\xa9";
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if json_alphabet {
                    ALPHABET[(state % ALPHABET.len() as u64) as usize]
                } else {
                    state as u8
                }
            })
            .collect()
    })
}

#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

pub(crate) fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match *mutation {
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Flip(at, mask) => {
                if let Some(byte) = bytes.get_mut(at % len) {
                    *byte ^= mask;
                }
            }
            Mutation::Insert(at, byte) => bytes.insert((at % len).min(bytes.len()), byte),
            Mutation::Remove(at) => {
                if !bytes.is_empty() {
                    bytes.remove(at % len);
                }
            }
        }
    }
    bytes
}

pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    let punctuation = prop::sample::select(b"{}[]\":,\\ 0-eE.nutfl\x00\xff".to_vec());
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::Truncate),
        3 => (any::<usize>(), 1u8..).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        3 => (any::<usize>(), punctuation).prop_map(|(at, b)| Mutation::Insert(at, b)),
        2 => any::<usize>().prop_map(Mutation::Remove),
    ]
}

pub(crate) fn error_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        random_bytes(3000),
        shaped_value().prop_map(|v| serde_json::to_vec(&v).expect("json")),
        (0usize..6, prop::collection::vec(mutation(), 0..4))
            .prop_map(|(seed, mutations)| mutate(seeds()[seed].clone(), &mutations)),
        "\\PC{0,400}".prop_map(|s| format!("<html><body>{s}</body></html>").into_bytes()),
    ]
}

pub(crate) fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("application/json".to_owned()),
        Just("text/html; charset=utf-8".to_owned()),
        "[ -~]{0,40}",
    ]
}

pub(crate) fn retry_after_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100_000_000_000_000_000).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        Just("NaN".to_owned()),
        Just("-0".to_owned()),
        Just("1e400".to_owned()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        "[ -~]{0,30}",
    ]
}
