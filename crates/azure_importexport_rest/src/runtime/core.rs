//! The HTTP core shared by every generated client: pipeline, endpoint, api-version.

use super::{auth::BearerAuthPolicy, errors, transport};
use async_trait::async_trait;
use azure_core::Bytes;
use azure_core::credentials::TokenCredential;
use azure_core::error::{CheckSuccessOptions, ErrorKind};
use azure_core::http::headers::{ACCEPT, CLIENT_REQUEST_ID, CONTENT_TYPE, Headers};
use azure_core::http::policies::PolicyResult;
use azure_core::http::request::options::ClientRequestId;
use azure_core::http::{
    AsyncRawResponse, AsyncResponseBody, ClientOptions, Context, Method, Pipeline,
    PipelineStreamOptions, RawResponse, Request, RequestContent, Url, policies::Policy,
};
use futures::StreamExt as _;
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Pipeline + endpoint + api-version. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct ClientCore {
    inner: Arc<Inner>,
}

struct Inner {
    pipeline: Pipeline,
    endpoint: Url,
    api_version: String,
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCore")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("api_version", &self.inner.api_version)
            .finish_non_exhaustive()
    }
}

impl ClientCore {
    /// Builds the pipeline: azure_core's per-call policies (request id, user agent), its
    /// retry policy as configured in `options.retry`, then per try: bearer-token auth
    /// scoped to `{endpoint}/.default`, the caller's per-try policies, the transport. The
    /// whole response body is read per try (so an error while reading it is retried like
    /// any I/O error): by this crate's transport, or, with a transport of the caller's,
    /// by a first per-try policy (`ReadWholeBody`).
    ///
    /// Without `options.transport`, the transport is [`transport::default_transport`]
    /// (rustls with *ring*, its own provider: nothing process-wide is installed).
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        mut options: ClientOptions,
        api_version: String,
    ) -> azure_core::Result<Self> {
        let endpoint = parse_endpoint(endpoint)?;
        let scope = format!("{}/.default", endpoint.as_str().trim_end_matches('/'));
        let auth: Arc<dyn Policy> = Arc::new(BearerAuthPolicy::new(credential, scope));
        let per_try: Vec<Arc<dyn Policy>> = if options.transport.is_none() {
            // This crate's transport reads every body whole itself.
            options.transport = Some(transport::default_transport()?);
            vec![auth]
        } else {
            vec![Arc::new(ReadWholeBody), auth]
        };
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            Vec::new(),
            per_try,
            None,
        );
        Ok(ClientCore {
            inner: Arc::new(Inner {
                pipeline,
                endpoint,
                api_version,
            }),
        })
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The api-version.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// `endpoint/seg1/seg2...?api-version=...`; every segment is percent-encoded as exactly
    /// one path segment (`/`, `?`, `#`, `%` and spaces cannot change the path's shape).
    pub fn url(&self, segments: &[&str]) -> azure_core::Result<Url> {
        let mut url = self.inner.endpoint.clone();
        url.path_segments_mut()
            .map_err(|()| {
                azure_core::Error::with_message(ErrorKind::Other, "endpoint cannot be a base URL")
            })?
            .pop_if_empty()
            .extend(segments);
        url.query_pairs_mut()
            .append_pair("api-version", &self.inner.api_version);
        Ok(url)
    }

    /// A request accepting JSON.
    pub fn request(&self, url: Url, method: Method) -> Request {
        let mut request = Request::new(url, method);
        // Room for what the pipeline adds (accept, content-type, request id, user agent,
        // authorization, ...) without growing the map twice on every request.
        *request.headers_mut() = Headers::from(HashMap::with_capacity(8));
        request.insert_header(ACCEPT, "application/json");
        request
    }

    /// Sends through the pipeline; only `success` statuses are `Ok`, anything else is an
    /// `HttpResponse` error with the status, ARM error code, message and raw response.
    ///
    /// The body arrives read whole (per try, by this crate's transport or `ReadWholeBody`)
    /// and is taken over as is: `Pipeline::send` would buffer it once more in its
    /// transport policy and copy it again into the `RawResponse`, two copies of every body
    /// (200 KB per list page).
    pub async fn send(
        &self,
        ctx: &Context<'_>,
        request: &mut Request,
        success: &'static [u16],
    ) -> azure_core::Result<RawResponse> {
        // azure_core's ClientRequestIdPolicy would do the same, but it probes for the header
        // with `get_optional_str`, which builds an error for a missing header and captures a
        // backtrace when RUST_BACKTRACE is set (measured: +10-40% per call). Set here, the
        // header is found. (typespec 1.1 still formats a throw-away message for a found
        // header: its `with_context_fn` runs the closure eagerly.)
        if !request
            .headers()
            .iter()
            .any(|(name, _)| name == &CLIENT_REQUEST_ID)
        {
            let id = match ctx.value::<ClientRequestId>() {
                Some(id) => azure_core::http::headers::Header::value(id)
                    .as_str()
                    .to_owned(),
                None => new_request_id(),
            };
            request.insert_header(CLIENT_REQUEST_ID, id);
        }
        let options = PipelineStreamOptions {
            skip_checks: false,
            check_success: CheckSuccessOptions {
                success_codes: success,
            },
        };
        let response = self
            .inner
            .pipeline
            .stream(ctx, request, Some(options))
            .await
            .map_err(errors::enrich)?;
        let (status, headers, body) = response.deconstruct();
        Ok(RawResponse::from_bytes(
            status,
            headers,
            whole_body(body).await?,
        ))
    }
}

/// A random (version 4) UUID for `x-ms-client-request-id`, without a system call: a
/// keyed SipHash of a process-wide counter, keyed once per process from the OS's
/// randomness (std's `RandomState`). `Uuid::new_v4` asks the kernel for 16 bytes on every
/// request (`getrandom`, about a microsecond, more on a loaded machine).
fn new_request_id() -> String {
    static KEYS: OnceLock<std::hash::RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let keys = KEYS.get_or_init(std::hash::RandomState::new);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let high = u128::from(keys.hash_one((n, 0u8)));
    let low = u128::from(keys.hash_one((n, 1u8)));
    let mut bits = (high << 64) | low;
    // RFC 9562: version 4 (random), variant 0b10.
    bits = (bits & !(0xF << 76)) | (0x4 << 76);
    bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    let mut text = [0u8; 36];
    azure_core::Uuid::from_u128(bits)
        .hyphenated()
        .encode_lower(&mut text)
        .to_owned()
}

/// Reads the body to its end: the single buffer it usually is (this crate's transport
/// reads bodies whole) is taken as is; several chunks are joined once.
async fn whole_body(mut body: AsyncResponseBody) -> azure_core::Result<Bytes> {
    let Some(first) = body.next().await.transpose()? else {
        return Ok(Bytes::new());
    };
    let Some(second) = body.next().await.transpose()? else {
        return Ok(first);
    };
    let mut joined = Vec::with_capacity(first.len() + second.len());
    joined.extend_from_slice(&first);
    joined.extend_from_slice(&second);
    while let Some(chunk) = body.next().await.transpose()? {
        joined.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(joined))
}

/// The first per-try policy when the caller brings a transport: reads the whole response
/// body, so that an error while reading it happens inside the retry loop (as with
/// `Pipeline::send`, whose transport policy buffers) whatever that transport does.
#[derive(Debug)]
struct ReadWholeBody;

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for ReadWholeBody {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let (status, headers, body) = super::send_to_next(ctx, request, next).await?.deconstruct();
        Ok(AsyncRawResponse::from_bytes(
            status,
            headers,
            whole_body(body).await?,
        ))
    }
}

/// Validates a path parameter: an empty value (or `.`/`..`, which URL normalisation would
/// turn into a different path) is a client-side error, and no request is sent.
pub fn path_param<'a>(name: &'static str, value: &'a str) -> azure_core::Result<&'a str> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(azure_core::Error::with_message(
            ErrorKind::Other,
            format!("path parameter `{name}` must not be empty, `.` or `..`"),
        ));
    }
    Ok(value)
}

/// Sets a JSON body and its `Content-Type` (only requests with a body carry one).
pub fn set_json_body<T>(request: &mut Request, body: RequestContent<T>) {
    request.insert_header(CONTENT_TYPE, "application/json");
    request.set_body(body);
}

fn parse_endpoint(endpoint: &str) -> azure_core::Result<Url> {
    let url = Url::parse(endpoint).map_err(|e| {
        azure_core::Error::with_message(
            ErrorKind::Other,
            format!("endpoint `{endpoint}` is not a URL: {e}"),
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if super::is_loopback(&url) => {}
        "http" => {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                format!(
                    "endpoint `{endpoint}` uses plain http to a non-loopback host; bearer tokens are only sent over https (or to loopback)"
                ),
            ));
        }
        other => {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                format!("endpoint `{endpoint}` has unsupported scheme `{other}`"),
            ));
        }
    }
    if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
        return Err(azure_core::Error::with_message(
            ErrorKind::Other,
            format!("endpoint `{endpoint}` must be a base URL without query or fragment"),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_validated() {
        assert!(parse_endpoint("https://management.azure.com").is_ok());
        assert!(parse_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(parse_endpoint("http://[::1]:8080").is_ok());
        assert!(parse_endpoint("http://localhost:1").is_ok());
        assert!(parse_endpoint("http://example.com").is_err());
        assert!(parse_endpoint("ftp://example.com").is_err());
        assert!(parse_endpoint("not a url").is_err());
        assert!(parse_endpoint("https://x.example?a=b").is_err());
    }

    #[test]
    fn request_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids.iter().take(20) {
            let uuid = azure_core::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(uuid.get_version_num(), 4, "{id}");
            assert!(
                matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
                "{id}"
            );
            assert_eq!(id, &id.to_lowercase());
        }
    }

    #[tokio::test]
    async fn bodies_in_one_piece_are_not_copied_and_pieces_are_joined() {
        let one = Bytes::from_static(b"{\"a\":1}");
        let body = AsyncRawResponse::from_bytes(
            azure_core::http::StatusCode::Ok,
            azure_core::http::headers::Headers::new(),
            one.clone(),
        )
        .into_body();
        let got = whole_body(body).await.unwrap();
        assert_eq!(got.as_ptr(), one.as_ptr());
        let chunks: Vec<azure_core::Result<Bytes>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"cd")),
            Ok(Bytes::from_static(b"e")),
        ];
        let body = AsyncRawResponse::new(
            azure_core::http::StatusCode::Ok,
            azure_core::http::headers::Headers::new(),
            Box::pin(futures::stream::iter(chunks)),
        )
        .into_body();
        assert_eq!(&whole_body(body).await.unwrap()[..], b"abcde");
    }

    #[test]
    fn empty_and_dot_segments_are_rejected() {
        for bad in ["", ".", ".."] {
            assert!(path_param("jobName", bad).is_err());
        }
        assert_eq!(path_param("jobName", "a/b").unwrap(), "a/b");
    }
}
