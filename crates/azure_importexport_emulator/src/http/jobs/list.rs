//! Jobs_ListBySubscription and Jobs_ListByResourceGroup: `$top`, `$filter` on the state,
//! and `nextLink` paging with a `$skiptoken`.
//!
//! The spec leaves `$filter`'s grammar to the service ("restrict the results to certain
//! conditions"); the emulator understands `state eq '<State>'` only. Any other filter is
//! refused with ARM's 400 `InvalidFilterInQueryString` rather than ignored, so that a
//! test relying on a filter the emulator cannot apply fails instead of passing on the
//! whole list.

use serde_json::{Map, Value};

use crate::store::{JobRecord, is};

use super::super::API_VERSIONS;
use super::super::incoming::Incoming;
use super::super::reply::Reply;
use super::super::routing::Ctx;

/// `GET .../jobs` of a subscription, or of one of its resource groups.
pub(in crate::http) fn list(ctx: &Ctx<'_, '_>, sub: &str, rg: Option<&str>) -> Reply {
    let Paging {
        top,
        skip,
        filter,
        wanted_state,
    } = match Paging::parse(ctx.req) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let sub_l = sub.to_lowercase();
    let rg_l = rg.map(str::to_lowercase);
    let matching: Vec<&JobRecord> = ctx
        .state
        .jobs
        .iter()
        .filter(|((s, g, _), _)| *s == sub_l && rg_l.as_ref().is_none_or(|r| r == g))
        .map(|(_, job)| job)
        .filter(|job| wanted_state.as_deref().is_none_or(|w| is(job.state(), w)))
        .collect();
    let available = matching.len().min(top.unwrap_or(usize::MAX));
    let start = skip.min(available);
    let end = start
        .saturating_add(ctx.config.page_size.max(1))
        .min(available);
    let value: Vec<Value> = matching[start..end].iter().map(|j| j.view()).collect();
    let mut body = Map::new();
    body.insert("value".into(), Value::Array(value));
    if end < available {
        body.insert(
            "nextLink".into(),
            Value::String(next_link(ctx, top, filter, end)),
        );
    }
    Reply::json(200, Value::Object(body))
}

/// The paging and filter query parameters of a listing.
struct Paging<'q> {
    /// `$top`: most jobs in the whole listing.
    top: Option<usize>,
    /// `$skiptoken`: jobs already listed by the previous pages.
    skip: usize,
    /// `$filter`, as given.
    filter: Option<&'q str>,
    /// The state that `$filter` selects (`None`: every job).
    wanted_state: Option<String>,
}

impl<'q> Paging<'q> {
    fn parse(req: &'q Incoming<'_>) -> Result<Self, Reply> {
        let top = match req.query_param("$top") {
            None => None,
            Some(t) => {
                let n = t.trim().parse::<u64>().map_err(|_| {
                    invalid_query(format!(
                        "The value '{t}' of query parameter '$top' is not a non-negative integer."
                    ))
                })?;
                Some(usize::try_from(n).unwrap_or(usize::MAX))
            }
        };
        let skip = match req.query_param("$skiptoken") {
            None => 0,
            Some(t) => t.trim().parse::<usize>().map_err(|_| {
                invalid_query(format!(
                    "The value '{t}' of query parameter '$skiptoken' is not valid."
                ))
            })?,
        };
        let filter = req.query_param("$filter");
        let wanted_state = match filter.map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(parse_state_filter(f).ok_or_else(|| invalid_filter(f))?),
        };
        Ok(Self {
            top,
            skip,
            filter,
            wanted_state,
        })
    }
}

/// `InvalidQueryParameterValue`.
fn invalid_query(message: String) -> Reply {
    Reply::error(400, "InvalidQueryParameterValue", message)
}

/// ARM's `InvalidFilterInQueryString`, naming the filter and the one form understood.
fn invalid_filter(filter: &str) -> Reply {
    Reply::error(
        400,
        "InvalidFilterInQueryString",
        format!(
            "The $filter '{filter}' is not supported: jobs can be filtered only by their state, as state eq '<State>' (e.g. state eq 'Shipping')."
        ),
    )
    .with_target("$filter")
}

/// The link to the page that starts after `skip` jobs, on the origin the client addressed.
fn next_link(ctx: &Ctx<'_, '_>, top: Option<usize>, filter: Option<&str>, skip: usize) -> String {
    let origin = ctx.req.origin(ctx.base_uri);
    let api = ctx
        .req
        .query_param("api-version")
        .unwrap_or(API_VERSIONS[0]);
    let mut query = format!("api-version={}", encode_query_value(api));
    if let Some(top) = top {
        query.push_str(&format!("&$top={top}"));
    }
    if let Some(filter) = filter {
        query.push_str(&format!("&$filter={}", encode_query_value(filter)));
    }
    query.push_str(&format!("&$skiptoken={skip}"));
    format!("{origin}{}?{query}", ctx.req.request.url.path())
}

/// Encode a query value (everything but RFC 3986 unreserved characters).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parse `state eq 'X'` (case-insensitive words, single or double quotes, one quoted
/// literal and nothing after it).
fn parse_state_filter(filter: &str) -> Option<String> {
    let (field, rest) = filter.trim().split_once(char::is_whitespace)?;
    let (op, value) = rest.trim_start().split_once(char::is_whitespace)?;
    if !field.eq_ignore_ascii_case("state") || !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value.trim();
    ['\'', '"'].into_iter().find_map(|quote| {
        value
            .strip_prefix(quote)?
            .strip_suffix(quote)
            .filter(|inner| !inner.contains(quote))
            .map(str::to_owned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        assert_eq!(
            parse_state_filter("state eq 'Shipping'").as_deref(),
            Some("Shipping")
        );
        assert_eq!(
            parse_state_filter("State EQ \"x y\"").as_deref(),
            Some("x y")
        );
        assert_eq!(parse_state_filter("name eq 'x'"), None);
        assert_eq!(parse_state_filter("state"), None);
        assert_eq!(parse_state_filter("state eq 'a' and name eq 'b'"), None);
        assert_eq!(parse_state_filter("state eq Shipping"), None);
        assert_eq!(
            parse_state_filter(" state  eq\t'Received' ").as_deref(),
            Some("Received")
        );
    }
}
