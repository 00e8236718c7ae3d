//! Personal-data redaction for archives.
//!
//! Every job carries personal data: contact names, phone numbers, e-mail and street
//! addresses, carrier account and tracking numbers, drive ids. The service keeps them
//! until the job is deleted, so deleting a job is how that data leaves the service; an
//! exact archive would keep it forever. A redacted archive keeps the job's record (state,
//! dates, drives, errors, BitLocker keys) without the personal data.

use serde_json::Value;

/// What replaces a redacted value.
pub const REDACTED: &str = "REDACTED";

/// The top-level property a redacted record carries, saying what was removed.
pub const REDACTION_NOTE_PROPERTY: &str = "archiveRedaction";

/// Objects that are addresses: every string in them is personal data.
const ADDRESS_OBJECTS: [&str; 2] = ["returnAddress", "shippingInformation"];

/// Properties that are personal data wherever they appear.
const PERSONAL_FIELDS: [&str; 6] = [
    "recipientName",
    "phone",
    "email",
    "carrierAccountNumber",
    "trackingNumber",
    "driveId",
];

const NOTE: &str = "personal data replaced by \"REDACTED\": contact names, phone numbers, e-mail and street addresses (returnAddress, shippingInformation), carrier account and tracking numbers, drive ids";

/// The job's JSON with its personal data replaced by [`REDACTED`] and a top-level
/// [`REDACTION_NOTE_PROPERTY`] that says so. Field order and everything else are kept.
/// Deterministic: the same job gives the same bytes (so unchanged jobs are not archived
/// again).
///
/// ```
/// use azure_importexport::redact_personal_data;
///
/// let job = br#"{"name":"j","properties":{"returnAddress":{"recipientName":"Ada","city":"Lakeview"},
///     "deliveryPackage":{"carrierName":"UPS","trackingNumber":"1Z99"},"state":"Completed"}}"#;
/// let redacted = String::from_utf8(redact_personal_data(job).unwrap()).unwrap();
/// assert!(!redacted.contains("Ada") && !redacted.contains("Lakeview") && !redacted.contains("1Z99"));
/// assert!(redacted.contains(r#""carrierName":"UPS""#) && redacted.contains("archiveRedaction"));
/// ```
pub fn redact_personal_data(json: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let mut value: Value = serde_json::from_slice(json)?;
    redact_value(&mut value);
    if let Value::Object(top) = &mut value {
        top.insert(REDACTION_NOTE_PROPERTY.to_owned(), Value::from(NOTE));
    }
    serde_json::to_vec(&value)
}

/// Replaces personal data anywhere in `value` (iterative: hostile nesting cannot
/// overflow the stack).
fn redact_value(value: &mut Value) {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if ADDRESS_OBJECTS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                        redact_all_strings(child);
                    } else if PERSONAL_FIELDS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                        if !child.is_null() {
                            *child = Value::from(REDACTED);
                        }
                    } else {
                        pending.push(child);
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn redact_all_strings(value: &mut Value) {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(text) if !text.is_empty() => *text = REDACTED.to_owned(),
            Value::Object(map) => pending.extend(map.values_mut()),
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_field_is_redacted_and_nothing_else() {
        let job = serde_json::json!({
            "name": "job-1",
            "properties": {
                "state": "Completed",
                "returnAddress": {"recipientName": "Ada", "streetAddress1": "1 Main St",
                    "streetAddress2": "Apt 2", "city": "Lakeview", "stateOrProvince": "WA",
                    "postalCode": "98000", "countryOrRegion": "USA", "phone": "5550100",
                    "email": "ada@example.com"},
                "shippingInformation": {"recipientName": "DC", "streetAddress1": "100 Way",
                    "phone": "5550199", "additionalInformation": "dock 4"},
                "returnShipping": {"carrierName": "UPS", "carrierAccountNumber": "ACCT-1"},
                "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "TRK-1", "driveCount": 1},
                "returnPackage": {"carrierName": "FedEx", "trackingNumber": "TRK-2"},
                "driveList": [{"driveId": "DRIVE-9", "bitLockerKey": "KEY", "state": "Completed"}],
            }
        });
        let bytes = redact_personal_data(&serde_json::to_vec(&job).unwrap()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for personal in [
            "Ada",
            "1 Main St",
            "Apt 2",
            "Lakeview",
            "WA",
            "98000",
            "5550100",
            "ada@example.com",
            "DC",
            "100 Way",
            "5550199",
            "dock 4",
            "ACCT-1",
            "TRK-1",
            "TRK-2",
            "DRIVE-9",
        ] {
            assert!(!text.contains(personal), "{personal} survived: {text}");
        }
        for kept in [
            "job-1",
            "Completed",
            "UPS",
            "FedEx",
            "KEY",
            "\"driveCount\":1",
        ] {
            assert!(text.contains(kept), "{kept} was lost: {text}");
        }
        // Deterministic: the same job, the same bytes.
        assert_eq!(
            redact_personal_data(&serde_json::to_vec(&job).unwrap()).unwrap(),
            bytes
        );
    }
}
