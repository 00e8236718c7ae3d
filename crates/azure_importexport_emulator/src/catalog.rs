//! Static data: the datacenter locations and the provider's operations.
//!
//! The addresses are invented for the emulator; do not ship drives to them.

use serde_json::{Value, json};

/// One emulated datacenter location.
struct Site {
    id: &'static str,
    display: &'static str,
    street: &'static str,
    city: &'static str,
    region: &'static str,
    postal: &'static str,
    country: &'static str,
    phone: &'static str,
    carriers: &'static [&'static str],
    /// Short ids of the locations to ship to instead (itself when open).
    alternates: &'static [&'static str],
}

const RECIPIENT: &str = "Azure Import/Export Service (emulated)";

const SITES: &[Site] = &[
    Site {
        id: "westus",
        display: "West US",
        street: "100 Emulated Datacenter Way",
        city: "Riverbend",
        region: "CA",
        postal: "95000",
        country: "USA",
        phone: "+1 555 0100 100",
        carriers: &["FedEx", "UPS", "DHL"],
        alternates: &["westus"],
    },
    Site {
        id: "westus2",
        display: "West US 2",
        street: "200 Emulated Datacenter Way",
        city: "Quincy",
        region: "WA",
        postal: "98848",
        country: "USA",
        phone: "+1 555 0100 200",
        carriers: &["FedEx", "UPS"],
        // Temporarily closed in the emulator: ship to West US instead.
        alternates: &["westus"],
    },
    Site {
        id: "eastus",
        display: "East US",
        street: "300 Emulated Datacenter Road",
        city: "Millbrook",
        region: "VA",
        postal: "23000",
        country: "USA",
        phone: "+1 555 0100 300",
        carriers: &["FedEx", "UPS", "DHL"],
        alternates: &["eastus"],
    },
    Site {
        id: "northeurope",
        display: "North Europe",
        street: "4 Emulated Park",
        city: "Dublin",
        region: "Dublin",
        postal: "D24 EM01",
        country: "Ireland",
        phone: "+353 1 555 0400",
        carriers: &["DHL", "TNT"],
        alternates: &["northeurope"],
    },
    Site {
        id: "westeurope",
        display: "West Europe",
        street: "5 Emulatorweg",
        city: "Amsterdam",
        region: "Noord-Holland",
        postal: "1000 EM",
        country: "Netherlands",
        phone: "+31 20 555 0500",
        carriers: &["DHL", "TNT"],
        alternates: &["westeurope"],
    },
    Site {
        id: "japaneast",
        display: "Japan East",
        street: "6-6 Emulator-cho",
        city: "Tokyo",
        region: "Tokyo",
        postal: "100-0006",
        country: "Japan",
        phone: "+81 3 5550 0600",
        carriers: &["DHL"],
        alternates: &["japaneast"],
    },
    Site {
        id: "australiaeast",
        display: "Australia East",
        street: "7 Emulator Drive",
        city: "Sydney",
        region: "NSW",
        postal: "2000",
        country: "Australia",
        phone: "+61 2 5550 0700",
        carriers: &["DHL", "FedEx"],
        alternates: &["australiaeast"],
    },
];

fn location_id(short: &str) -> String {
    format!("/providers/Microsoft.ImportExport/locations/{short}")
}

/// Lowercase and drop spaces, so that `West US`, `westus` and `WestUS` are one location.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether two spellings name the same location (`West US`, `westus`).
pub(crate) fn same_location(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

fn find(name: &str) -> Option<&'static Site> {
    let wanted = normalize(name);
    SITES
        .iter()
        .find(|s| s.id == wanted || normalize(s.display) == wanted)
}

fn location_json(site: &Site) -> Value {
    json!({
        "id": location_id(site.id),
        "name": site.display,
        "type": "Microsoft.ImportExport/locations",
        "properties": {
            "recipientName": RECIPIENT,
            "streetAddress1": site.street,
            "streetAddress2": "",
            "city": site.city,
            "stateOrProvince": site.region,
            "postalCode": site.postal,
            "countryOrRegion": site.country,
            "phone": site.phone,
            "additionalShippingInformation": "Emulated location: no drive will ever arrive here.",
            "supportedCarriers": site.carriers,
            "alternateLocations": site.alternates.iter().map(|a| location_id(a)).collect::<Vec<_>>(),
        }
    })
}

/// Body of Locations_List.
pub(crate) fn locations() -> Value {
    json!({ "value": SITES.iter().map(location_json).collect::<Vec<_>>() })
}

/// Body of Locations_Get, or `None` for an unknown location.
pub(crate) fn location(name: &str) -> Option<Value> {
    find(name).map(location_json)
}

/// The datacenter address a job created in `location` ships to.
pub(crate) fn shipping_information(location: &str) -> Value {
    match find(location) {
        Some(site) => json!({
            "recipientName": RECIPIENT,
            "streetAddress1": site.street,
            "streetAddress2": "",
            "city": site.city,
            "stateOrProvince": site.region,
            "postalCode": site.postal,
            "countryOrRegion": site.country,
            "phone": site.phone,
            "additionalInformation": "",
        }),
        None => json!({
            "recipientName": RECIPIENT,
            "streetAddress1": "1 Emulated Datacenter Street",
            "streetAddress2": "",
            "city": location,
            "stateOrProvince": "",
            "postalCode": "00000",
            "countryOrRegion": "Unknown",
            "phone": "+1 555 0100 000",
            "additionalInformation": "Location unknown to the emulator: generic address.",
        }),
    }
}

/// Body of Operations_List.
pub(crate) fn operations() -> Value {
    const PROVIDER: &str = "Import/Export (emulated)";
    let ops: [(&str, &str, &str, &str); 6] = [
        (
            "Microsoft.ImportExport/locations/read",
            "Locations",
            "Read locations",
            "Reads one location or lists all of them.",
        ),
        (
            "Microsoft.ImportExport/jobs/write",
            "Jobs",
            "Write job",
            "Creates a job or updates its properties and tags.",
        ),
        (
            "Microsoft.ImportExport/jobs/read",
            "Jobs",
            "Read jobs",
            "Reads one job or lists jobs.",
        ),
        (
            "Microsoft.ImportExport/jobs/listBitLockerKeys/action",
            "Jobs",
            "List BitLocker keys",
            "Returns the BitLocker keys of a job's drives.",
        ),
        (
            "Microsoft.ImportExport/jobs/delete",
            "Jobs",
            "Delete job",
            "Deletes a job.",
        ),
        (
            "Microsoft.ImportExport/register/action",
            "Resource provider",
            "Register provider",
            "Registers a subscription with the Import/Export resource provider.",
        ),
    ];
    json!({
        "value": ops.iter().map(|(name, resource, operation, description)| json!({
            "name": name,
            "display": {
                "provider": PROVIDER,
                "resource": resource,
                "operation": operation,
                "description": description,
            }
        })).collect::<Vec<_>>()
    })
}
