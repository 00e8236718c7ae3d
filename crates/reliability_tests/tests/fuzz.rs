//! Fuzzing (proptest, fixed seed, > 100 000 cases in total) of everything that reads a
//! response body:
//!
//! - every response and request model of the generated crate (`from_slice`, then
//!   `Debug`, then a serialize/parse round trip that must give the same model), and
//!   `azure_importexport::Job` (exact bytes kept, redaction);
//! - the error-body parser: `runtime::ServiceErrorExt` on an azure_core `HttpResponse`
//!   error built from arbitrary bytes, status and content type, and the enrichment path
//!   (`ClientCore::send`, through a real pipeline whose transport replays the bytes);
//! - the ergonomic layer's classification of the same replies (`JobRef::get` and
//!   `list_jobs` through a replaying transport, on a virtual clock).
//!
//! Inputs: JSON values whose keys come mostly from the models' own field names (so typed
//! fields get wrong types, nulls, unknown siblings), mutations of real documents
//! (truncation, byte flips, insertions of JSON punctuation), and arbitrary bytes, all of
//! at most a few KB. Allocation stays bounded because inputs are; error messages are
//! checked to stay short whatever the body. Deep nesting (10 000 levels) must fail
//! cleanly through serde_json's recursion limit, never overflow the stack.
//!
//! Case counts: 10 000 + 15 000 + 62 000 + 10 000 + 4 000 = 101 000 (about 20 s on two
//! debug-build test threads).

use azure_core::error::ErrorKind;
use azure_core::http::headers::Headers;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, Context, RawResponse, Request, StatusCode, Transport,
};
use azure_importexport::rest::runtime::ServiceErrorExt as _;
use azure_importexport::{
    ImportExport, ImportExportOptions, Job, JobState, RequestError, RetryPolicy, SeededJitter,
    StaticTokenCredential, VirtualClock,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn config(cases: u32) -> ProptestConfig {
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xF0_22ED);
    ProptestConfig {
        cases,
        max_shrink_iters: 256,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

/// Parses `bytes` into every model of one api-version module; for each accepted value,
/// formats it with `Debug` and checks that serializing and parsing again gives the same
/// model (lossless serde). Returns how many models accepted the input.
macro_rules! every_model {
    ($module:path) => {{
        use $module as m;
        fn check<T>(bytes: &[u8]) -> usize
        where
            T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
        {
            let Ok(value) = serde_json::from_slice::<T>(bytes) else {
                return 0;
            };
            let debug = format!("{value:?}");
            assert!(debug.len() < 64 * 1024 + 16 * bytes.len());
            let again = serde_json::to_vec(&value).expect("a parsed model serializes");
            let back: T = serde_json::from_slice(&again).unwrap_or_else(|e| {
                panic!(
                    "{} does not parse its own output ({e}): {}",
                    std::any::type_name::<T>(),
                    String::from_utf8_lossy(&again)
                )
            });
            if back != value {
                // serde_json's default float parser is not correctly rounded, so a float
                // may move by one ulp per round trip (see `floats_round_trip_exactly`);
                // anything else must come back identical.
                let a = serde_json::to_value(&value).expect("value");
                let b = serde_json::to_value(&back).expect("value");
                assert!(
                    same_but_float_ulps(&a, &b),
                    "{} round trip changed {a} into {b}",
                    std::any::type_name::<T>()
                );
            }
            1
        }
        |bytes: &[u8]| -> usize {
            check::<m::JobResponse>(bytes)
                + check::<m::ListJobsResponse>(bytes)
                + check::<m::GetBitLockerKeysResponse>(bytes)
                + check::<m::LocationsResponse>(bytes)
                + check::<m::ListOperationsResponse>(bytes)
                + check::<m::Location>(bytes)
                + check::<m::Operation>(bytes)
                + check::<m::PutJobParameters>(bytes)
                + check::<m::UpdateJobParameters>(bytes)
                + check::<m::JobDetails>(bytes)
                + check::<m::DriveStatus>(bytes)
                + check::<m::DriveBitLockerKey>(bytes)
                + check::<m::ReturnShipping>(bytes)
                + check::<m::SystemData>(bytes)
                + check::<m::JobState>(bytes)
                + check::<m::DriveState>(bytes)
                + check::<m::IdentityType>(bytes)
                + check::<m::CreatedByType>(bytes)
                + check::<m::EncryptionKekType>(bytes)
        }
    }};
}

/// Every deserializer that reads a response body: the models of each enabled
/// api-version and the SDK's `Job`.
fn parse_everything(bytes: &[u8]) -> usize {
    let mut accepted = every_model!(azure_importexport::rest::v2021_01_01::models)(bytes);
    #[cfg(feature = "v2020_08_01")]
    {
        accepted += every_model!(azure_importexport::rest::v2020_08_01::models)(bytes);
    }
    if let Ok(job) = Job::from_json(bytes.to_vec()) {
        assert_eq!(job.json(), bytes, "Job keeps the exact bytes");
        assert_redacted(&job.redacted_json());
        let _ = format!("{job:?}");
        let _ = (job.state(), job.resource_group(), job.percent_complete());
        accepted += 1;
    }
    accepted
}

/// Equal, except that floats may differ in their last bits.
fn same_but_float_ulps(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || ((x - y) / x.abs().max(y.abs())).abs() < 1e-15,
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_but_float_ulps(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_but_float_ulps(v, w)))
        }
        _ => a == b,
    }
}

/// Every value under a secret field name (any case, any depth) is `"***"` (or null).
fn assert_redacted(value: &Value) {
    let mut pending = vec![value];
    // Bounded by the value's size.
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let secret = azure_importexport::SECRET_FIELDS
                        .iter()
                        .any(|field| field.eq_ignore_ascii_case(key));
                    if secret {
                        assert!(
                            child.is_null() || child.as_str() == Some("***"),
                            "secret field {key} not redacted: {child}"
                        );
                    } else {
                        pending.push(child);
                    }
                }
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
}

/// Field names of the models (and a few enum values): most generated keys hit a typed
/// field, so wrong types, nulls and unknown siblings are all exercised.
const KEYS: &[&str] = &[
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
const STRINGS: &[&str] = &[
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
fn short_string() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter)
}

fn leaf() -> impl Strategy<Value = Value> {
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

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => short_string(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 20, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value shaped like a job, a page, a key list or an error, with random parts.
fn shaped_value() -> impl Strategy<Value = Value> {
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

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(make_seeds)
}

fn make_seeds() -> Vec<Vec<u8>> {
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
fn random_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
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
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
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

fn mutation() -> impl Strategy<Value = Mutation> {
    let punctuation = prop::sample::select(b"{}[]\":,\\ 0-eE.nutfl\x00\xff".to_vec());
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::Truncate),
        3 => (any::<usize>(), 1u8..).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        3 => (any::<usize>(), punctuation).prop_map(|(at, b)| Mutation::Insert(at, b)),
        2 => any::<usize>().prop_map(Mutation::Remove),
    ]
}

proptest! {
    #![proptest_config(config(10_000))]

    /// Structured JSON (model keys, wrong types, nulls, unknown fields) into every model.
    #[test]
    fn json_values_into_every_model(value in shaped_value()) {
        let bytes = serde_json::to_vec(&value).expect("json");
        prop_assume!(bytes.len() <= 8 * 1024);
        parse_everything(&bytes);
    }
}

proptest! {
    #![proptest_config(config(15_000))]

    /// Real documents, mutated (truncated, bytes flipped, punctuation inserted).
    #[test]
    fn mutated_documents_into_every_model(
        seed in 0usize..6,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let bytes = mutate(seeds()[seed].clone(), &mutations);
        parse_everything(&bytes);
    }
}

proptest! {
    #![proptest_config(config(62_000))]

    /// Arbitrary bytes (up to 2 KB, half of them from JSON's alphabet) into every model.
    #[test]
    fn arbitrary_bytes_into_every_model(bytes in random_bytes(2048)) {
        parse_everything(&bytes);
    }
}

/// Largest error message the SDK may build from a body it cannot read as ARM JSON.
const MAX_MESSAGE: usize = 600;

fn error_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        random_bytes(3000),
        shaped_value().prop_map(|v| serde_json::to_vec(&v).expect("json")),
        (0usize..6, prop::collection::vec(mutation(), 0..4))
            .prop_map(|(seed, mutations)| mutate(seeds()[seed].clone(), &mutations)),
        "\\PC{0,400}".prop_map(|s| format!("<html><body>{s}</body></html>").into_bytes()),
    ]
}

fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("application/json".to_owned()),
        Just("text/html; charset=utf-8".to_owned()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(config(10_000))]

    /// `ServiceErrorExt` on an azure_core `HttpResponse` error built from arbitrary bytes:
    /// never panics, keeps the body, and its message stays short unless the service
    /// itself sent that message in ARM form.
    #[test]
    fn error_bodies_are_parsed_without_panics(
        status in prop_oneof![100u16..600, any::<u16>()],
        body in error_body(),
        content_type in content_type(),
        x_ms_error_code in proptest::option::of("[ -~]{0,20}"),
    ) {
        let status = StatusCode::from(status);
        let mut headers = Headers::new();
        headers.insert("content-type", content_type);
        if let Some(code) = &x_ms_error_code {
            headers.insert("x-ms-error-code", code.clone());
        }
        for error_code in [None, Some("502".to_owned())] {
            let raw = RawResponse::from_bytes(status, headers.clone(), body.clone());
            let error = azure_core::Error::with_message(
                ErrorKind::HttpResponse { status, error_code, raw_response: Some(Box::new(raw)) },
                "x",
            );
            let service = error.service_error().expect("an HttpResponse error");
            prop_assert_eq!(&service.raw_body, &body);
            prop_assert_eq!(service.status, status);
            let arm_message = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| {
                    let message = v.pointer("/error/message").or_else(|| v.get("message"))?;
                    Some(message.as_str()?.len())
                })
                .unwrap_or(0);
            prop_assert!(
                service.message.len() <= MAX_MESSAGE + arm_message,
                "message of {} bytes", service.message.len()
            );
        }
    }
}

/// Status, headers and body of a replayed reply.
type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// A transport that answers every request with the reply set in `next`.
#[derive(Debug, Default)]
struct Replay {
    next: Mutex<Reply>,
    sent: Mutex<usize>,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl Policy for Replay {
    async fn send(
        &self,
        _ctx: &Context,
        _request: &mut Request,
        _next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        *self.sent.lock().expect("lock") += 1;
        let (status, header_list, body) = self.next.lock().expect("lock").clone();
        let mut headers = Headers::new();
        for (name, value) in header_list {
            headers.insert(name, value);
        }
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::from(status),
            headers,
            body,
        ))
    }
}

fn replay_client(replay: Arc<Replay>) -> ImportExport {
    let client_options = ClientOptions {
        transport: Some(Transport::with_policy(replay)),
        ..ClientOptions::default()
    };
    let options = ImportExportOptions {
        client_options,
        ..ImportExportOptions::default()
    }
    .with_endpoint("http://127.0.0.1:9")
    .with_retry(
        RetryPolicy::default()
            .with_max_attempts(2)
            .with_max_retry_after(Duration::from_secs(5)),
    )
    .with_clock(VirtualClock::new())
    .with_jitter(SeededJitter::new(1));
    ImportExport::new(
        "sub",
        Arc::new(StaticTokenCredential::new("SECRET-TOKEN")),
        Some(options),
    )
    .expect("client")
}

/// One runtime, client and replaying transport for all cases (a case only sets the reply).
fn shared_replay() -> &'static (tokio::runtime::Runtime, ImportExport, Arc<Replay>) {
    static SHARED: std::sync::OnceLock<(tokio::runtime::Runtime, ImportExport, Arc<Replay>)> =
        std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let replay = Arc::new(Replay::default());
        let client = replay_client(replay.clone());
        (runtime, client, replay)
    })
}

fn retry_after_value() -> impl Strategy<Value = String> {
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

proptest! {
    #![proptest_config(config(4_000))]

    /// Whole replies (status, `Retry-After`, body) through the real pipeline (the
    /// generated client's enrichment), the SDK's classification and its retry loop:
    /// never a panic, at most `max_attempts` requests, a typed result, a short message.
    #[test]
    fn sdk_reads_arbitrary_replies(
        status in prop_oneof![
            Just(200u16), Just(404), Just(409), Just(429), Just(503), Just(302), 100u16..600
        ],
        body in error_body(),
        retry_after in proptest::option::of(retry_after_value()),
        retry_after_ms in proptest::option::of("[0-9]{0,25}"),
    ) {
        let (runtime, client, replay) = shared_replay();
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(value) = retry_after {
            headers.push(("retry-after".into(), value));
        }
        if let Some(value) = retry_after_ms {
            headers.push(("x-ms-retry-after-ms".into(), value));
        }
        *replay.next.lock().expect("lock") = (status, headers, body.clone());
        *replay.sent.lock().expect("lock") = 0;
        runtime.block_on(async {
            let result = client.job("rg", "job-a").get(None).await;
            let list = client.list_jobs(Some(azure_importexport::ListJobsOptions { resource_group: Some("rg".into()), ..Default::default() })).await;
            let raw = client.rest().jobs().get("rg", "job-a", None).await;
            for error in [result.err(), list.err()].into_iter().flatten() {
                let text = error.to_string();
                let debug = format!("{error:?}");
                prop_assert!(!text.contains("SECRET-TOKEN") && !debug.contains("SECRET-TOKEN"));
                if !matches!(error, RequestError::Refused { .. } | RequestError::NotFound { .. }) {
                    prop_assert!(text.len() <= 2 * MAX_MESSAGE + 200, "{} bytes: {text}", text.len());
                }
            }
            if let Err(error) = raw {
                let _ = error.service_error();
                let _ = error.to_string();
            }
            Ok(())
        })?;
        // get: at most 2 attempts; list: at most 2; raw: exactly 1.
        prop_assert!(*replay.sent.lock().expect("lock") <= 5);
    }
}

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> Vec<u8> {
    let mut text = String::with_capacity(depth * (open.len() + close.len()) + inner.len());
    for _ in 0..depth {
        text.push_str(open);
    }
    text.push_str(inner);
    for _ in 0..depth {
        text.push_str(close);
    }
    text.into_bytes()
}

/// 10 000 levels of nesting: every parser fails cleanly (serde_json's recursion limit),
/// through the models, `Job`, the error parser and the SDK; nothing overflows the stack.
#[test]
fn deep_nesting_fails_cleanly() {
    let documents = [
        nested(10_000, "[", "]", "1"),
        nested(10_000, "{\"a\":", "}", "1"),
        nested(10_000, "{\"properties\":", "}", "{}"),
        // Deep inside an unknown field of a known model.
        [
            br#"{"properties":{"driveList":[{"driveId":"d","future":"#.as_slice(),
            &nested(10_000, "[", "]", "0"),
            b"}]}}",
        ]
        .concat(),
        [
            br#"{"value":["#.as_slice(),
            &nested(10_000, "{\"x\":", "}", "0"),
            b"]}",
        ]
        .concat(),
        [
            br#"{"error":"#.as_slice(),
            &nested(10_000, "{\"error\":", "}", "{}"),
            b"}",
        ]
        .concat(),
    ];
    for document in &documents {
        assert_eq!(
            parse_everything(document),
            0,
            "a 10 000-deep document was accepted"
        );
        assert!(serde_json::from_slice::<Value>(document).is_err());

        let raw = RawResponse::from_bytes(
            StatusCode::InternalServerError,
            Headers::new(),
            document.clone(),
        );
        let error = azure_core::Error::with_message(
            ErrorKind::HttpResponse {
                status: StatusCode::InternalServerError,
                error_code: None,
                raw_response: Some(Box::new(raw)),
            },
            "x",
        );
        let service = error.service_error().expect("service error");
        assert!(
            service.message.len() <= MAX_MESSAGE,
            "{}",
            service.message.len()
        );

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for status in [200u16, 500] {
            let replay = Arc::new(Replay::default());
            *replay.next.lock().expect("lock") = (status, Vec::new(), document.clone());
            let client = replay_client(replay);
            runtime.block_on(async {
                let error = client
                    .job("rg", "j")
                    .get(None)
                    .await
                    .expect_err("not a job");
                assert!(error.to_string().len() <= 2 * MAX_MESSAGE + 200);
                // A deep document under a field the pager skips is still a page (with no
                // `value`): serde_json skips ignored values without recursing.
                match client.list_jobs(None).await {
                    Ok(jobs) => assert!(jobs.is_empty()),
                    Err(error) => assert!(error.to_string().len() <= 2 * MAX_MESSAGE + 200),
                }
            });
        }
    }
}

/// A large non-ARM error page (1 MB) becomes a short message.
#[test]
fn huge_error_pages_become_short_messages() {
    let page = format!("<html>{}</html>", "Service Unavailable ".repeat(50_000)).into_bytes();
    let raw = RawResponse::from_bytes(StatusCode::ServiceUnavailable, Headers::new(), page.clone());
    let error = azure_core::Error::with_message(
        ErrorKind::HttpResponse {
            status: StatusCode::ServiceUnavailable,
            error_code: None,
            raw_response: Some(Box::new(raw)),
        },
        "x",
    );
    let service = error.service_error().expect("service error");
    assert!(
        service.message.len() <= MAX_MESSAGE,
        "{}",
        service.message.len()
    );
    assert_eq!(service.raw_body.len(), page.len());
}

/// Unknown fields are kept "losslessly", but a float in one comes back changed after a
/// parse/serialize round trip: serde_json is built without its `float_roundtrip` feature,
/// whose default float parser is not correctly rounded.
#[test]
fn floats_round_trip_exactly() {
    use azure_importexport::rest::models::JobResponse;
    for text in [
        "1.947700395895162e-169",
        "-1.490143767845386e+129",
        "6.162599865641032e+196",
    ] {
        let input = format!(r#"{{"futureField":{text}}}"#);
        let expected: f64 = text.parse().expect("std parses it exactly");
        let job: JobResponse = serde_json::from_str(&input).expect("parses");
        let kept = job.additional_properties["futureField"].as_f64();
        assert_eq!(kept, Some(expected), "{text} was parsed as {kept:?}");
        let again = serde_json::to_string(&job).expect("serializes");
        let back: JobResponse = serde_json::from_str(&again).expect("parses");
        assert_eq!(back, job, "{input} -> {again}");
    }
}
