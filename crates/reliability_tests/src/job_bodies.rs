//! Job bodies as the service returns them.

use crate::{RG, SUB};

/// The ARM id of a job of [`SUB`]/[`RG`].
pub fn job_id(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}")
}

/// A complete import job as the service returns it, in `state`.
pub fn job_body(name: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": job_id(name),
        "name": name,
        "type": "Microsoft.ImportExport/jobs",
        "location": "westus",
        "tags": {"team": "reliability"},
        "identity": {"type": "None"},
        "properties": {
            "storageAccountId": format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/acct"),
            "jobType": "Import",
            "state": state,
            "cancelRequested": false,
            "percentComplete": 0,
            "provisioningState": "Succeeded",
            "logLevel": "Error",
            "backupDriveManifest": false,
            "returnAddress": {
                "recipientName": "Ops", "streetAddress1": "1 Main St", "city": "Redmond",
                "postalCode": "98052", "countryOrRegion": "USA", "phone": "5550100",
                "email": "ops@example.com"
            },
            "returnShipping": {"carrierName": "UPS", "carrierAccountNumber": "ACCT-0001"},
            "deliveryPackage": {"carrierName": "UPS", "trackingNumber": "1Z0001", "driveCount": 1, "shipDate": "2026-01-01"},
            "driveList": [{"driveId": "DRIVE-1", "bitLockerKey": "000000-111111-222222", "manifestFile": "\\manifest", "manifestHash": "ABCD", "state": "Specified"}]
        }
    })
}
