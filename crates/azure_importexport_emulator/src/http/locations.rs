//! Locations_List and Locations_Get.

use crate::catalog;

use super::reply::Reply;

/// `GET /providers/Microsoft.ImportExport/locations`.
pub(super) fn list() -> Reply {
    Reply::json(200, catalog::locations())
}

/// `GET /providers/Microsoft.ImportExport/locations/{name}`.
pub(super) fn get(name: &str) -> Reply {
    match catalog::location(name) {
        Some(loc) => Reply::json(200, loc),
        None => Reply::error(
            404,
            "ResourceNotFound",
            format!("The location '{name}' is not supported by Microsoft.ImportExport."),
        ),
    }
}
