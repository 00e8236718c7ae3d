//! A job as the service returns it (api-version 2021-01-01), built for tests.

use serde_json::{Map, Value, json};

/// The BitLocker key of the built job's drive: a secret tests look for in output.
pub const BITLOCKER_KEY: &str = "BITLOCKER-SECRET-123456";
/// The carrier account number of the built job: a secret tests look for in output.
pub const CARRIER_ACCOUNT: &str = "ACCT-SECRET-42";

/// The ARM id of a job.
pub fn job_id(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.ImportExport/jobs/{name}"
    )
}

/// A complete job, every field a client may meet: identity, `systemData`, tags, return
/// address and shipping, the datacenter's address, a delivery package, one drive with
/// a BitLocker key. Starts `Creating`, not cancel-requested; change what a test needs.
///
/// ```
/// use azure_importexport_test::{JobJson, BITLOCKER_KEY};
///
/// let job = JobJson::new("sub", "rg", "job1").state("Shipping").cancel_requested(true).build();
/// assert_eq!(job["properties"]["state"], "Shipping");
/// assert_eq!(job["properties"]["driveList"][0]["bitLockerKey"], BITLOCKER_KEY);
/// let bare = JobJson::new("sub", "rg", "job1").without("/systemData").build();
/// assert!(bare.get("systemData").is_none());
/// ```
#[derive(Clone, Debug)]
pub struct JobJson {
    value: Value,
}

impl JobJson {
    /// The job `name` of `subscription`/`resource_group`.
    pub fn new(subscription: &str, resource_group: &str, name: &str) -> Self {
        let storage_account = format!(
            "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/acct"
        );
        JobJson {
            value: json!({
                "systemData": {
                    "createdBy": "someone@example.com", "createdByType": "User",
                    "createdAt": "2024-02-03T01:01:01.1075056Z",
                    "lastModifiedBy": "someone@example.com", "lastModifiedByType": "User",
                    "lastModifiedAt": "2024-02-04T02:03:01.1974346Z"
                },
                "id": job_id(subscription, resource_group, name),
                "name": name,
                "type": "Microsoft.ImportExport/jobs",
                "location": "West US",
                "tags": {"team": "storage"},
                "identity": {"type": "None"},
                "properties": {
                    "storageAccountId": storage_account,
                    "jobType": "Import",
                    "returnAddress": {
                        "recipientName": "Pat Doe", "streetAddress1": "1 Main St",
                        "city": "Lakeview", "stateOrProvince": "WA", "postalCode": "98000",
                        "countryOrRegion": "USA", "phone": "5550100", "email": "pat@example.com"
                    },
                    "returnShipping": {"carrierName": "FedEx", "carrierAccountNumber": CARRIER_ACCOUNT},
                    "shippingInformation": {
                        "recipientName": "Azure Import/Export Service", "streetAddress1": "100 Datacenter Way",
                        "city": "Riverbend", "stateOrProvince": "CA", "postalCode": "95000",
                        "countryOrRegion": "USA", "phone": "555 0100 0100"
                    },
                    "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "TRK00012345", "driveCount": 1, "shipDate": "2024-02-05"},
                    "diagnosticsPath": "ielogs",
                    "logLevel": "Verbose",
                    "backupDriveManifest": true,
                    "state": "Creating",
                    "cancelRequested": false,
                    "percentComplete": 0,
                    "driveList": [{
                        "driveId": "DRV0017A", "bitLockerKey": BITLOCKER_KEY,
                        "manifestFile": "\\disk-manifest.xml", "manifestHash": "0F1E2D3C4B5A69788796A5B4C3D2E1F0",
                        "state": "Specified", "percentComplete": 0
                    }],
                    "provisioningState": "Succeeded",
                    "encryptionKey": {"kekType": "MicrosoftManaged"}
                }
            }),
        }
    }

    /// Sets `properties.state`.
    pub fn state(self, state: &str) -> Self {
        self.with("/properties/state", json!(state))
    }

    /// Sets `properties.cancelRequested`.
    pub fn cancel_requested(self, requested: bool) -> Self {
        self.with("/properties/cancelRequested", json!(requested))
    }

    /// Sets `properties.percentComplete`.
    pub fn percent_complete(self, percent: u8) -> Self {
        self.with("/properties/percentComplete", json!(percent))
    }

    /// Replaces `properties.driveList` with `drives`, and the delivery package's
    /// `driveCount` with their number.
    pub fn drives(self, drives: impl IntoIterator<Item = Value>) -> Self {
        let drives: Vec<Value> = drives.into_iter().collect();
        let count = drives.len();
        self.with("/properties/driveList", Value::Array(drives))
            .with("/properties/deliveryPackage/driveCount", json!(count))
    }

    /// Sets `systemData.createdAt` and `lastModifiedAt` (an incarnation, a version).
    pub fn system_data(self, created_at: &str, last_modified_at: &str) -> Self {
        self.with("/systemData/createdAt", json!(created_at))
            .with("/systemData/lastModifiedAt", json!(last_modified_at))
    }

    /// Replaces the value at a JSON pointer (`/properties/returnShipping/carrierName`),
    /// creating the objects on the way.
    pub fn with(mut self, pointer: &str, value: Value) -> Self {
        let mut at = &mut self.value;
        let mut keys = pointer.split('/').skip(1).peekable();
        // Bounded by the pointer's segments.
        while let Some(key) = keys.next() {
            if !at.is_object() {
                *at = Value::Object(Map::new());
            }
            let object = at.as_object_mut().expect("made an object above");
            if keys.peek().is_none() {
                object.insert(key.to_owned(), value);
                return self;
            }
            at = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
        }
        self.value = value;
        self
    }

    /// Removes the value at a JSON pointer (absent values are fine).
    pub fn without(mut self, pointer: &str) -> Self {
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            if let Some(Value::Object(object)) = self.value.pointer_mut(parent) {
                object.remove(key);
            }
        }
        self
    }

    /// The JSON.
    pub fn build(self) -> Value {
        self.value
    }
}
