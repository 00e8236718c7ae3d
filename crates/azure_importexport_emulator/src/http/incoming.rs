//! Request parsing: what the operations need from an incoming request.

use serde_json::{Map, Value};
use wiremock::Request;

use super::reply::{Reply, header_ok};

/// Largest request body accepted: ARM's 4 MB (bigger ones are a 413).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Media types read as JSON (ASP.NET's JSON formatter, behind ARM, reads both).
const JSON_MEDIA_TYPES: [&str; 2] = ["application/json", "text/json"];

/// What is needed from an incoming request.
pub(super) struct Incoming<'a> {
    pub request: &'a Request,
    pub method: String,
    /// Decoded path segments, or `None` if the path could not be decoded.
    pub segments: Option<Vec<String>>,
    query: Vec<(String, String)>,
}

impl<'a> Incoming<'a> {
    pub fn new(request: &'a Request) -> Self {
        let raw = request.url.path();
        let mut parts: Vec<&str> = raw.split('/').skip(1).collect();
        if parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        let segments = parts
            .into_iter()
            .map(percent_decode)
            .collect::<Option<Vec<_>>>();
        Self {
            request,
            method: request.method.as_str().to_ascii_uppercase(),
            segments,
            query: request.url.query_pairs().into_owned().collect(),
        }
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn decoded_path(&self) -> String {
        match &self.segments {
            Some(segs) => format!("/{}", segs.join("/")),
            None => self.request.url.path().to_owned(),
        }
    }

    /// The body as JSON, for the journal (`None` if empty, too large or not JSON).
    pub fn body_json(&self) -> Option<Value> {
        if self.request.body.is_empty() || self.request.body.len() > MAX_BODY {
            return None;
        }
        serde_json::from_slice(&self.request.body).ok()
    }

    /// A header's value, trimmed, when it is present, not empty and printable (so that it
    /// can be echoed in a response).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && header_ok(v))
    }

    /// The `{sub}` of a `/subscriptions/{sub}/...` path.
    pub fn subscription(&self) -> Option<&str> {
        match self.segments.as_deref()? {
            [first, sub, ..] if first.eq_ignore_ascii_case("subscriptions") && !sub.is_empty() => {
                Some(sub)
            }
            _ => None,
        }
    }

    /// Whether the request carries a bearer token.
    pub fn authorized(&self) -> bool {
        let Some(value) = self.request.headers.get("authorization") else {
            return false;
        };
        let Ok(value) = value.to_str() else {
            return false;
        };
        let value = value.trim();
        match value.split_once(' ') {
            Some((scheme, token)) => {
                scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
            }
            None => false,
        }
    }

    /// `scheme://host:port` of this server as the client addressed it.
    pub fn origin(&self, fallback: &str) -> String {
        let host = self
            .request
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::trim)
            .filter(|h| !h.is_empty() && header_ok(h));
        if let Some(host) = host {
            if let Ok(url) = url::Url::parse(&format!("http://{host}/")) {
                if url.host_str().is_some() && url.username().is_empty() && url.path() == "/" {
                    return url.as_str().trim_end_matches('/').to_owned();
                }
            }
        }
        fallback.trim_end_matches('/').to_owned()
    }

    /// Parse the body of a PUT or PATCH as a JSON object, with ARM's checks in ARM's
    /// order: size (413), presence (400), media type (415), then JSON (400).
    pub fn object_body(&self) -> Result<Map<String, Value>, Reply> {
        if self.request.body.len() > MAX_BODY {
            return Err(Reply::error(
                413,
                "PayloadTooLarge",
                format!("The request content is larger than {MAX_BODY} bytes."),
            ));
        }
        if self.request.body.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid_content(
                "The request content is empty; a JSON object is required.",
            ));
        }
        check_media_type(self.header("content-type"))?;
        match serde_json::from_slice::<Value>(&self.request.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(invalid_content(
                "The request content must be a JSON object.",
            )),
            Err(e) => Err(invalid_content(format!(
                "The request content was invalid and could not be deserialized: {e}."
            ))),
        }
    }
}

/// A body must be declared as JSON. A missing `Content-Type` is refused too: ARM reads an
/// undeclared body as `application/octet-stream`, which it does not accept.
fn check_media_type(content_type: Option<&str>) -> Result<(), Reply> {
    let declared = content_type.unwrap_or("");
    let media_type = declared.split(';').next().unwrap_or("").trim();
    if JSON_MEDIA_TYPES
        .iter()
        .any(|t| media_type.eq_ignore_ascii_case(t))
    {
        return Ok(());
    }
    let shown = if declared.is_empty() {
        "application/octet-stream"
    } else {
        media_type
    };
    Err(Reply::error(
        415,
        "UnsupportedMediaType",
        format!(
            "The content media type '{shown}' is not supported. Only 'application/json' is supported."
        ),
    ))
}

/// `InvalidRequestContent`: a body that is not a JSON object.
fn invalid_content(message: impl Into<String>) -> Reply {
    Reply::error(400, "InvalidRequestContent", message)
}

/// Decode `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("%ZZ"), None);
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }

    #[test]
    fn media_types() {
        for ok in [
            "application/json",
            "APPLICATION/JSON; charset=utf-8",
            "text/json",
        ] {
            assert!(check_media_type(Some(ok)).is_ok(), "{ok}");
        }
        for refused in [
            None,
            Some("text/plain"),
            Some("application/jsonx"),
            Some(";"),
        ] {
            assert_eq!(
                check_media_type(refused).unwrap_err().status,
                415,
                "{refused:?}"
            );
        }
    }
}
