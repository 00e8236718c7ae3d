//! `--debug`: one line per request and one per response on stderr, like `az --debug`,
//! from a pipeline policy so that every request of every command (and of the sign-in
//! credentials) is logged without any command printing anything itself.
//!
//! The policy runs per try, after the bearer-token policy, so it logs what goes on the
//! wire, `Authorization` included: credential headers and query parameters are redacted
//! by name, bearer values by shape, and registered secrets wherever they appear
//! ([`crate::secrets`]). Bodies are never logged (a token request's body holds the
//! client secret; its response, the token).

use crate::secrets::{self, REDACTED};
use azure_core::http::headers::Headers;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request, Url};
use azure_importexport::rest::runtime::send_to_next;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// The `--debug` policy: add it to `ClientOptions::per_try_policies`.
#[derive(Debug, Default)]
pub struct DebugPolicy;

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl Policy for DebugPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let method = request.method();
        let url = shown_url(request.url());
        emit(&format!(
            "--> {method} {url} {}",
            shown_headers(request.headers())
        ));
        let started = Instant::now();
        let result = send_to_next(ctx, request, next).await;
        let elapsed_ms = started.elapsed().as_millis();
        match &result {
            Ok(response) => emit(&format!(
                "<-- {} {method} {url} ({elapsed_ms} ms) {}",
                u16::from(response.status()),
                shown_headers(response.headers())
            )),
            Err(error) => emit(&format!(
                "<-- {method} {url} failed after {elapsed_ms} ms: {}",
                error.to_string().replace('\n', " ")
            )),
        }
        result
    }
}

/// Writes one line on stderr, scrubbed of registered secrets.
fn emit(line: &str) {
    let line = secrets::scrub(line);
    // A closed stderr must not fail the request being logged.
    let _ = writeln!(std::io::stderr().lock(), "azie debug: {line}");
}

/// Headers as `{name: value, ...}`, sorted by name (the map has no order), secrets
/// redacted.
fn shown_headers(headers: &Headers) -> String {
    let mut pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let value = secrets::shown_value(&name, value.as_str()).into_owned();
            (name, value)
        })
        .collect();
    pairs.sort();
    let body: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    format!("{{{}}}", body.join(", "))
}

/// The URL with the values of credential-like query parameters redacted (a SAS `sig`,
/// an `access_token`): ARM URLs carry none, but a `nextLink` could.
fn shown_url(url: &Url) -> String {
    if !url
        .query_pairs()
        .any(|(name, _)| secrets::is_secret_name(&name))
    {
        return url.to_string();
    }
    let mut shown = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| {
            let value = if secrets::is_secret_name(&name) {
                REDACTED.to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    shown.query_pairs_mut().clear().extend_pairs(pairs);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_redacted_and_others_kept_in_order() {
        let mut headers = Headers::new();
        headers.insert("x-ms-request-id", "abc-123");
        headers.insert("authorization", "Bearer eyJ0eXAi.secret");
        headers.insert("accept", "application/json");
        assert_eq!(
            shown_headers(&headers),
            "{accept: application/json, authorization: REDACTED, x-ms-request-id: abc-123}"
        );
    }

    #[test]
    fn credential_query_parameters_are_redacted() {
        let url = Url::parse("https://h/p?api-version=1&sig=abc&$skipToken=n2").unwrap();
        let shown = shown_url(&url);
        assert!(shown.contains("sig=REDACTED"), "{shown}");
        assert!(
            shown.contains("api-version=1") && shown.contains("skipToken=n2"),
            "{shown}"
        );
        let plain = Url::parse("https://h/p?api-version=1").unwrap();
        assert_eq!(shown_url(&plain), "https://h/p?api-version=1");
    }
}
