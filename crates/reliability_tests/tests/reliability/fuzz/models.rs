//! Every deserializer that reads a response body, and the checks run on what each
//! accepts (lossless round trip, redacted `Debug`).

use azure_importexport::Job;
use serde_json::Value;

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
pub(crate) fn parse_everything(bytes: &[u8]) -> usize {
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
pub(crate) fn same_but_float_ulps(a: &Value, b: &Value) -> bool {
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
pub(crate) fn assert_redacted(value: &Value) {
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
