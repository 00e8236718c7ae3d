//! The default HTTP transport: reqwest 0.13 (the version azure_core 1.1 itself uses) over
//! rustls with the *ring* crypto provider, verifying certificates against the platform's
//! roots (`rustls-platform-verifier`; on Linux the system store, `SSL_CERT_FILE` honoured),
//! TLS 1.2 and 1.3 only, HTTP/1.1, no OpenSSL and no aws-lc-sys.
//!
//! Why not azure_core's own default (`reqwest_rustls`): that feature switches on reqwest's
//! `rustls` feature, whose provider is aws-lc-rs, and compiling aws-lc-sys (C) was about
//! half of a clean release build. *ring* is what the legacy Azure stack used.
//!
//! The transport also reads each response body completely inside the pipeline's retry
//! loop (an error while reading a body is retried like any I/O error) and hands it on as
//! one buffer, which the client then takes without copying (see `ClientCore::send`).

use async_trait::async_trait;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, HeaderValue, Headers};
use azure_core::http::{AsyncRawResponse, Body, HttpClient, Method, Request, Transport};
use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls_platform_verifier::BuilderVerifierExt as _;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The same limits azure_core 1.1 gives its own reqwest client.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Installs *ring* as the process's default rustls crypto provider, unless one is already
/// installed; returns whether this call installed it.
///
/// This crate's own transport does not need it (its TLS configuration names its
/// provider). This crate builds azure_core without its `reqwest` feature (no default
/// transport of azure_core's: it would put reqwest on the critical path of azure_core's
/// own compilation). A program that enables that feature for other azure_core clients
/// (an azure_identity credential, say) without `reqwest_rustls` gets a reqwest with no
/// provider of its own, which panics when asked to build a TLS client with no process
/// default: call this first thing in `main` then, or give those clients this crate's
/// transport (`ClientOptions::transport`, [`default_transport`]), as `azie` does. The
/// crate never calls it by itself: which provider a process uses is the application's
/// choice.
pub fn install_crypto_provider() -> bool {
    CryptoProvider::install_default(rustls::crypto::ring::default_provider()).is_ok()
}

/// The rustls configuration of [`ReqwestTransport::new`]: *ring*, TLS 1.3 and 1.2, the
/// platform verifier, ALPN `http/1.1`. Built once per process (loading the platform's
/// roots is the expensive part) and cloned for each client.
fn tls_config() -> azure_core::Result<ClientConfig> {
    static CONFIG: OnceLock<Result<ClientConfig, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| build_tls_config(&[]).map_err(|e| e.to_string()))
        .clone()
        .map_err(|message| {
            azure_core::Error::with_message(
                ErrorKind::Other,
                format!("cannot configure TLS: {message}"),
            )
        })
}

fn build_tls_config(
    extra_roots: &[rustls::pki_types::CertificateDer<'static>],
) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let mut config = if extra_roots.is_empty() {
        builder.with_platform_verifier()?.with_no_client_auth()
    } else {
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra_roots.to_vec(),
            provider,
        )?;
        builder
            .dangerous() // not dangerous: the platform verifier, with extra roots
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// An azure_core [`HttpClient`] on a reqwest 0.13 client; see the [module](self) docs.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// The default transport: rustls with *ring*, platform roots, TLS 1.2/1.3, connect
    /// timeout 20 s, read timeout 60 s, no redirects (azure_core's own settings).
    pub fn new() -> azure_core::Result<Self> {
        Self::with_tls(tls_config()?)
    }

    /// The default transport trusting `roots` in addition to the platform's (a private
    /// CA, or a test server's).
    pub fn with_extra_roots(
        roots: impl IntoIterator<Item = rustls::pki_types::CertificateDer<'static>>,
    ) -> azure_core::Result<Self> {
        let roots: Vec<_> = roots.into_iter().collect();
        let config = build_tls_config(&roots).map_err(|e| {
            azure_core::Error::with_message(ErrorKind::Other, format!("cannot configure TLS: {e}"))
        })?;
        Self::with_tls(config)
    }

    /// Any reqwest 0.13 client (your own proxy, timeouts or TLS settings), with this
    /// transport's request and response handling.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }

    fn with_tls(config: ClientConfig) -> azure_core::Result<Self> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                azure_core::Error::with_error(ErrorKind::Other, e, "cannot build the HTTP client")
            })?;
        Ok(ReqwestTransport { client })
    }

    /// This transport as azure_core's [`Transport`] (for `ClientOptions::transport`).
    pub fn into_transport(self) -> Transport {
        Transport::new(Arc::new(self))
    }
}

/// The default transport shared by every client of this crate that was not given one
/// (clones share the TLS configuration; each client gets its own connection pool, bound
/// to no runtime in particular).
pub fn default_transport() -> azure_core::Result<Transport> {
    Ok(ReqwestTransport::new()?.into_transport())
}

fn method(method: Method) -> azure_core::Result<reqwest::Method> {
    Ok(match method {
        Method::Delete => reqwest::Method::DELETE,
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Patch => reqwest::Method::PATCH,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        other => reqwest::Method::from_bytes(other.as_str().as_bytes()).map_err(build_error)?,
    })
}

/// Response header names as azure_core's own `HeaderName` constants, without the
/// lower-casing copy that `HeaderName::from(String)` makes (reqwest's names are already
/// lower case). Names not listed here take that path.
fn header_name(name: &reqwest::header::HeaderName) -> HeaderName {
    let known = match name.as_str() {
        "content-type" => "content-type",
        "content-length" => "content-length",
        "date" => "date",
        "server" => "server",
        "vary" => "vary",
        "expires" => "expires",
        "pragma" => "pragma",
        "cache-control" => "cache-control",
        "location" => "location",
        "retry-after" => "retry-after",
        "retry-after-ms" => "retry-after-ms",
        "x-ms-retry-after-ms" => "x-ms-retry-after-ms",
        "x-ms-request-id" => "x-ms-request-id",
        "x-ms-client-request-id" => "x-ms-client-request-id",
        "x-ms-correlation-request-id" => "x-ms-correlation-request-id",
        "x-ms-routing-request-id" => "x-ms-routing-request-id",
        "x-ms-error-code" => "x-ms-error-code",
        "x-ms-ratelimit-remaining-subscription-reads" => {
            "x-ms-ratelimit-remaining-subscription-reads"
        }
        "x-ms-ratelimit-remaining-subscription-writes" => {
            "x-ms-ratelimit-remaining-subscription-writes"
        }
        "x-ms-ratelimit-remaining-subscription-deletes" => {
            "x-ms-ratelimit-remaining-subscription-deletes"
        }
        "azure-asyncoperation" => "azure-asyncoperation",
        "strict-transport-security" => "strict-transport-security",
        "x-content-type-options" => "x-content-type-options",
        "x-cache" => "x-cache",
        "x-msedge-ref" => "x-msedge-ref",
        other => return HeaderName::from(other.to_owned()),
    };
    HeaderName::from_static(known)
}

/// Response headers as azure_core's `Headers`: non-UTF-8 values are left out and a
/// repeated name keeps its last value, as azure_core's own reqwest client does.
fn response_headers(map: &reqwest::header::HeaderMap) -> Headers {
    let mut headers = HashMap::with_capacity(map.len());
    for (name, value) in map {
        if let Ok(value) = value.to_str() {
            headers.insert(header_name(name), HeaderValue::from(value.to_owned()));
        }
    }
    Headers::from(headers)
}

fn build_error(e: impl std::error::Error + Send + Sync + 'static) -> azure_core::Error {
    azure_core::Error::with_error(ErrorKind::Other, e, "failed to build `reqwest` request")
}

fn send_error(e: reqwest::Error) -> azure_core::Error {
    let kind = if e.is_connect() {
        ErrorKind::Connection
    } else {
        ErrorKind::Io
    };
    azure_core::Error::with_error(kind, e, "failed to execute `reqwest` request")
}

/// The outgoing reqwest request: method, URL, headers and body as azure_core has them.
fn outgoing(request: &Request) -> azure_core::Result<reqwest::Request> {
    let mut outgoing = reqwest::Request::new(method(request.method())?, request.url().clone());
    let headers = outgoing.headers_mut();
    for (name, value) in request.headers().iter() {
        let name = reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes())
            .map_err(build_error)?;
        let value = reqwest::header::HeaderValue::from_str(value.as_str()).map_err(build_error)?;
        headers.append(name, value);
    }
    *outgoing.body_mut() = Some(match request.body().clone() {
        Body::Bytes(bytes) => reqwest::Body::from(bytes),
        Body::SeekableStream(stream) => reqwest::Body::wrap_stream(stream),
    });
    Ok(outgoing)
}

/// The whole body: a body that arrives in one piece is handed over as is (no copy);
/// pieces are joined once, into a buffer sized from `Content-Length` when there is one.
async fn whole_body(response: &mut reqwest::Response) -> Result<azure_core::Bytes, reqwest::Error> {
    // Read before any chunk: the hint is what remains to be received.
    let expected = response
        .content_length()
        .and_then(|len| usize::try_from(len).ok())
        .unwrap_or(0)
        // Never trust a header for more than a few MiB up front.
        .min(16 << 20);
    let Some(first) = response.chunk().await? else {
        return Ok(azure_core::Bytes::new());
    };
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    let mut joined = Vec::with_capacity(expected.max(first.len() + second.len()));
    joined.extend_from_slice(&first);
    joined.extend_from_slice(&second);
    while let Some(chunk) = response.chunk().await? {
        joined.extend_from_slice(&chunk);
    }
    Ok(azure_core::Bytes::from(joined))
}

#[async_trait]
impl HttpClient for ReqwestTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        // Kept small on purpose (async_trait boxes this future on every request): the
        // request is built by a plain function, and the body is read chunk by chunk
        // rather than through `Response::bytes`, whose future is large.
        let mut response = self
            .client
            .execute(outgoing(request)?)
            .await
            .map_err(send_error)?;
        // The whole body, here: an error while reading it is an I/O error of this try,
        // which the retry policy sees.
        let body = whole_body(&mut response).await.map_err(|e| {
            azure_core::Error::with_error(ErrorKind::Io, e, "failed to read the response body")
        })?;
        Ok(AsyncRawResponse::from_bytes(
            response.status().as_u16().into(),
            response_headers(response.headers()),
            body,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_transport_builds_with_ring_and_tls_12_13() {
        let config = tls_config().expect("TLS configuration");
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        // Certificate verification is on: the verifier is the platform's.
        assert!(!format!("{:?}", config).contains("NoVerifier"));
        let provider = config.crypto_provider();
        assert!(
            provider
                .cipher_suites
                .iter()
                .any(|s| s.version() == &rustls::version::TLS13)
        );
        assert!(
            provider
                .cipher_suites
                .iter()
                .any(|s| s.version() == &rustls::version::TLS12)
        );
        ReqwestTransport::new().expect("default transport");
        default_transport().expect("default transport");
    }

    /// async_trait boxes this future on every request: above glibc's thread-cache limit
    /// (1032 bytes) each allocation took about 3,500 instructions (callgrind) instead of
    /// a few dozen. Measured in a debug build, where futures are larger than in release.
    #[tokio::test]
    async fn the_request_future_stays_small() {
        let transport = ReqwestTransport::new().unwrap();
        let url = azure_core::http::Url::parse("http://127.0.0.1:9/x").unwrap();
        let request = Request::new(url, Method::Get);
        let future = transport.execute_request(&request);
        let size = std::mem::size_of_val(&*future);
        assert!(size <= 1024, "execute_request's future is {size} bytes");
    }

    #[test]
    fn known_header_names_are_not_copied() {
        let name = reqwest::header::CONTENT_TYPE;
        assert_eq!(header_name(&name).as_str(), "content-type");
        let other = reqwest::header::HeaderName::from_static("x-custom-thing");
        assert_eq!(header_name(&other).as_str(), "x-custom-thing");
    }
}
