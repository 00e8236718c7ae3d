//! Operations_List.

use crate::catalog;

use super::reply::Reply;

/// `GET /providers/Microsoft.ImportExport/operations`.
pub(super) fn list() -> Reply {
    Reply::json(200, catalog::operations())
}
