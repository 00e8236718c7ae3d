//! `x-ms-pageable` support on top of azure_core's `Pager`: next links are followed only on
//! the endpoint's own origin, so a bearer token never reaches another host.

use super::{ClientCore, json_scan};
use azure_core::error::ErrorKind;
use azure_core::http::pager::{Page, PagerContinuation, PagerOptions, PagerResult, PagerState};
use azure_core::http::{Pager, Request, Response, Url};
use serde::Deserialize as _;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// Same scheme, host and port (default ports made explicit).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

impl ClientCore {
    /// A pager that sends `first`, then follows the `next_link_name` property of each page.
    pub fn pager<P>(
        &self,
        first: Request,
        options: PagerOptions<'_>,
        next_link_name: &'static str,
        success: &'static [u16],
    ) -> Pager<P>
    where
        P: DeserializeOwned + Page + Send + 'static,
    {
        let core = self.clone();
        let options = PagerOptions {
            context: options.context.into_owned(),
            continuation: options.continuation,
        };
        Pager::new(
            move |state: PagerState, options: PagerOptions<'static>| {
                let core = core.clone();
                let first = first.clone();
                Box::pin(async move {
                    let mut request = match state {
                        PagerState::Initial => first,
                        PagerState::More(continuation) => {
                            core.next_page_request(first, continuation)?
                        }
                    };
                    let raw = core.send(&options.context, &mut request, success).await?;
                    let next = next_link(raw.body(), next_link_name)?;
                    let response: Response<P> = raw.into();
                    Ok(match next.filter(|link| !link.is_empty()) {
                        Some(link) => PagerResult::More {
                            response,
                            // Resolved against the page's URL, as azure-sdk-for-rust does, so a
                            // relative link stays on this origin (the origin check still runs).
                            // An unparsable link is kept as a token: the page's items are still
                            // delivered, and fetching the next page fails with a clear error.
                            continuation: match request.url().join(&link) {
                                Ok(url) => PagerContinuation::Link(url),
                                Err(_) => PagerContinuation::Token(link),
                            },
                        },
                        None => PagerResult::Done { response },
                    })
                })
            },
            Some(options),
        )
    }

    /// The request for a next link, after checking that it stays on the endpoint's origin.
    fn next_page_request(
        &self,
        mut first: Request,
        continuation: PagerContinuation,
    ) -> azure_core::Result<Request> {
        let url = match continuation {
            PagerContinuation::Link(url) => url,
            PagerContinuation::Token(token) => Url::parse(&token).map_err(|e| {
                azure_core::Error::with_message(
                    ErrorKind::DataConversion,
                    format!("the service returned a malformed nextLink ({e}); paging stopped"),
                )
            })?,
            other => {
                return Err(azure_core::Error::with_message(
                    ErrorKind::DataConversion,
                    format!("unsupported continuation {other:?}"),
                ));
            }
        };
        if !same_origin(&url, self.endpoint()) {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                format!(
                    "refusing to follow nextLink to {}://{}: it is not the client's endpoint origin {}; paging stopped and no request was sent",
                    url.scheme(),
                    url.host_str().unwrap_or("?"),
                    self.endpoint().origin().ascii_serialization()
                ),
            ));
        }
        let mut url = url;
        if !url.query_pairs().any(|(k, _)| k == "api-version") {
            url.query_pairs_mut()
                .append_pair("api-version", self.api_version());
        }
        *first.url_mut() = url;
        Ok(first)
    }
}

/// Reads one top-level string property of a JSON object (the next link).
fn next_link(body: &[u8], name: &'static str) -> azure_core::Result<Option<String>> {
    match trailing_member(body, name).or_else(|| scanned_member(body, name)) {
        Some(found) => Ok(found),
        None => scan_for_member(body, name),
    }
}

/// Middle path, for a page whose last member is not the link (the last page of a
/// listing, say): one pass over the bytes that tracks strings and nesting without
/// decoding anything, a fraction of the cost of tokenizing the page; exact for valid
/// JSON (the last of duplicate members wins, as in the full scan). `None`, and the full
/// scan decides, for anything it does not handle: keys with escapes, a link that is not a
/// string or null, input that does not end where the root object does. The page itself
/// is fully parsed when its items are read, so malformed JSON still fails there.
fn scanned_member(body: &[u8], name: &str) -> Option<Option<String>> {
    let mut found = None;
    json_scan::for_each_member(body, |key, value_start| {
        let end = json_scan::value_end(body, value_start)?;
        if key == name.as_bytes() {
            let mut value = serde_json::Deserializer::from_slice(&body[value_start..end]);
            found = Option::<String>::deserialize(&mut value).ok()?;
            value.end().ok()?;
        }
        Some(end)
    })?;
    Some(found)
}

/// Fast path: ARM services put `"nextLink": ...` last, right before the root object's
/// closing brace. Read it backwards in O(length of the link) instead of tokenizing a whole
/// page. A member directly before the final `}` and after `,` or `{` is a member of the
/// root object, so this is exact for valid JSON; anything else returns `None` (fall back
/// to the full scan). The page itself is fully parsed when its items are read.
fn trailing_member(body: &[u8], name: &str) -> Option<Option<String>> {
    let trim = |mut end: usize| {
        while end > 0 && body[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        end
    };
    let mut end = trim(body.len());
    if end == 0 || body[end - 1] != b'}' {
        return None;
    }
    end = trim(end - 1);
    let (value_start, value) = if body[..end].ends_with(b"null") {
        (end - 4, None)
    } else if end > 0 && body[end - 1] == b'"' {
        let mut search_end = end - 1;
        let open = loop {
            let quote = body[..search_end].iter().rposition(|&b| b == b'"')?;
            let backslashes = body[..quote]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count();
            if backslashes % 2 == 0 {
                break quote;
            }
            search_end = quote;
        };
        (
            open,
            Some(serde_json::from_slice::<String>(&body[open..end]).ok()?),
        )
    } else {
        return None;
    };
    let mut key_end = trim(value_start);
    if key_end == 0 || body[key_end - 1] != b':' {
        return None;
    }
    key_end = trim(key_end - 1);
    let key = format!("\"{name}\"");
    if !body[..key_end].ends_with(key.as_bytes()) {
        return None;
    }
    let before_key = trim(key_end - key.len());
    (before_key > 0 && matches!(body[before_key - 1], b',' | b'{')).then_some(value)
}

/// Slow path: tokenizes the page, skipping everything but the wanted member.
fn scan_for_member(body: &[u8], name: &'static str) -> azure_core::Result<Option<String>> {
    struct Seed(&'static str);
    impl<'de> DeserializeSeed<'de> for Seed {
        type Value = Option<String>;
        fn deserialize<D: de::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Seed {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object (a page of results)")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<super::FieldKey<'de>>()? {
                if key.as_str() == self.0 {
                    found = map.next_value::<Option<String>>()?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    Seed(name).deserialize(&mut deserializer).map_err(|e| {
        azure_core::Error::with_message(
            ErrorKind::DataConversion,
            format!("page is not valid JSON: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_next_link_is_read_backwards_and_exactly() {
        let page = br#"{"value":[{"a":"}"}], "nextLink" : "https://h/x?b=\"q\"" }  "#;
        assert_eq!(
            trailing_member(page, "nextLink"),
            Some(Some(r#"https://h/x?b="q""#.to_owned()))
        );
        assert_eq!(
            trailing_member(br#"{"value":[],"nextLink":null}"#, "nextLink"),
            Some(None)
        );
        // Not the last member, nested, escaped look-alikes: no fast answer, the scan decides.
        for body in [
            &br#"{"nextLink":"https://h/1","value":[]}"#[..],
            br#"{"value":[{"nextLink":"inner"}]}"#,
            br#"{"value":"x\"nextLink":"y"}"#,
            br#"{"notnextLink":"y"}"#,
            b"[1]",
            b"",
        ] {
            assert_eq!(
                trailing_member(body, "nextLink"),
                None,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(
            next_link(br#"{"nextLink":"https://h/1","value":[]}"#, "nextLink")
                .unwrap()
                .as_deref(),
            Some("https://h/1")
        );
    }

    #[test]
    fn the_byte_scan_agrees_with_the_full_scan() {
        let bodies: &[&[u8]] = &[
            br#"{"value":[{"a":"}"}],"nextLink":"https://h/x?b=\"q\""}"#,
            br#"{"nextLink":"https://h/1","value":[]}"#,
            br#" { "nextLink" : "https://h/1" , "value" : [ 1 , 2.5e3 , true , null , "x\\" ] } "#,
            br#"{"value":[{"nextLink":"inner"}]}"#,
            br#"{"value":[{"nextLink":"inner"}],"other":{"nextLink":"deeper"}}"#,
            br#"{"value":"x\"nextLink\":\"y"}"#,
            br#"{"notnextLink":"y"}"#,
            br#"{"nextLink":"a","nextLink":"b","value":[]}"#,
            br#"{"nextLink":null,"value":[[],{},[{}]]}"#,
            br#"{"nextLink":"\u0068ttps://h/\n","value":[]}"#,
            br#"{"value":[],"count":3}"#,
            br#"{}"#,
            br#"{ }"#,
        ];
        for body in bodies {
            let text = String::from_utf8_lossy(body);
            let exact = scan_for_member(body, "nextLink").unwrap();
            assert_eq!(
                scanned_member(body, "nextLink"),
                Some(exact.clone()),
                "{text}"
            );
            assert_eq!(next_link(body, "nextLink").unwrap(), exact, "{text}");
        }
        // Left to the full scan: escaped keys, a link that is not a string, broken input.
        for body in [
            &br#"{"next\u004cink":"https://h/1","value":[]}"#[..],
            br#"{"nextLink":5,"value":[]}"#,
            br#"{"value":[1,2}"#,
            br#"{"value":[]} x"#,
            br#"{"value" []}"#,
            br#"{"value":"unterminated}"#,
            b"[1]",
            b"",
        ] {
            assert_eq!(
                scanned_member(body, "nextLink"),
                None,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(
            next_link(br#"{"next\u004cink":"https://h/1","value":[]}"#, "nextLink")
                .unwrap()
                .as_deref(),
            Some("https://h/1")
        );
    }

    #[test]
    fn next_link_is_found_and_others_skipped() {
        let body = br#"{"value":[{"nextLink":"inner"}],"nextLink":"https://h/x?a=1"}"#;
        assert_eq!(
            next_link(body, "nextLink").unwrap().as_deref(),
            Some("https://h/x?a=1")
        );
        assert_eq!(next_link(br#"{"value":[]}"#, "nextLink").unwrap(), None);
        assert_eq!(
            next_link(br#"{"nextLink":null}"#, "nextLink").unwrap(),
            None
        );
        assert!(next_link(b"{", "nextLink").is_err());
    }

    #[test]
    fn origins_compare_scheme_host_port() {
        let a = Url::parse("https://management.azure.com/x").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("https://management.azure.com:443/y?z").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://management.azure.com/y").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://evil.example/y").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://management.azure.com:8443/y").unwrap()
        ));
    }
}
