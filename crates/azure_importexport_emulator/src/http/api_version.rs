//! The `api-version` query parameter, checked as ARM checks it: missing (or empty) is
//! `MissingApiVersionParameter`; a value that is not even shaped like an api-version is
//! `InvalidApiVersionParameter`; a well-formed version that the provider does not
//! register for the resource type is `NoRegisteredProviderFound`. All three are 400s that
//! list the supported versions, so that a client can pick one.

use super::API_VERSIONS;
use super::incoming::Incoming;
use super::reply::Reply;
use super::routing::Route;

/// `Ok` when the request names a supported api-version.
pub(super) fn check(req: &Incoming<'_>, route: Option<&Route>) -> Result<(), Reply> {
    let supported = API_VERSIONS.join(", ");
    let version = match req.query_param("api-version").map(str::trim) {
        None | Some("") => {
            return Err(Reply::error(
                400,
                "MissingApiVersionParameter",
                format!(
                    "The api-version query parameter (?api-version=) is required for all requests. The supported api-versions are '{supported}'."
                ),
            )
            .with_target("api-version"));
        }
        Some(v) => v,
    };
    if API_VERSIONS.contains(&version) {
        return Ok(());
    }
    let reply = if well_formed(version) {
        let resource_type = route.map_or("jobs", resource_type);
        Reply::error(
            400,
            "NoRegisteredProviderFound",
            format!(
                "No registered resource provider found for API version '{version}' and type '{resource_type}'. The supported api-versions are '{supported}'."
            ),
        )
    } else {
        Reply::error(
            400,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{supported}'."
            ),
        )
    };
    Err(reply.with_target("api-version"))
}

/// The provider's resource type a route belongs to, as ARM names it in errors.
fn resource_type(route: &Route) -> &'static str {
    match route {
        Route::Locations | Route::Location(_) => "locations",
        Route::Operations => "operations",
        _ => "jobs",
    }
}

/// `YYYY-MM-DD`, optionally followed by a suffix such as `-preview`.
fn well_formed(version: &str) -> bool {
    let bytes = version.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let date = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10);
    let suffix = version.get(10..).unwrap_or("");
    date && (suffix.is_empty()
        || suffix
            .strip_prefix('-')
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(well_formed("2021-01-01"));
        assert!(well_formed("2099-12-31-preview"));
        assert!(!well_formed("2021-1-01"));
        assert!(!well_formed("latest"));
        assert!(!well_formed("2021-01-01-"));
        assert!(!well_formed("2021-01-01x"));
        assert!(!well_formed("2021-01-0é"));
    }
}
