//! Test harness for the reliability and security tests of the Import/Export SDK.
//!
//! The tests themselves live in `tests/`; this library holds what they share:
//!
//! - [`FaultProxy`]: a tiny HTTP/1.1 proxy on 127.0.0.1 in front of the emulator that
//!   can reset a connection, truncate a response body, or stop listening (so the next
//!   connection is refused) and listen again later. These are the faults wiremock cannot
//!   produce, because they happen below HTTP.
//! - [`TestClock`]: a [`VirtualClock`] whose sleeps can run hooks (advance the emulator's
//!   clock with the SDK's, re-open the proxy's port after N backoff sleeps).
//! - [`InstantClock`]: sleeps return at once but elapsed time is real, for many concurrent
//!   calls sharing one client (a shared virtual clock would add up their sleeps).
//! - [`RequestLog`]: an azure_core per-try policy that records every request the SDK
//!   sends, connection attempts that were refused included.
//! - [`client`]: an [`ImportExport`] client wired with all of the above.
//!
//! Everything binds to 127.0.0.1 only, and every loop here is bounded.

use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{ClientOptions, Context, Request};
use azure_importexport::{
    Clock, ImportExport, ImportExportOptions, RetryPolicy, SeededJitter, StaticTokenCredential,
    VirtualClock,
};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The subscription every test uses.
pub const SUB: &str = "sub";
/// The resource group every test uses.
pub const RG: &str = "rg";
/// The bearer token every test client sends (the secrets tests use their own).
pub const TOKEN: &str = "test-token";

/// Largest request or response the proxy handles (bigger ones are dropped).
const MAX_MESSAGE: usize = 8 * 1024 * 1024;
/// How long the proxy waits for a client's request or the upstream's response.
const PROXY_IO_TIMEOUT: Duration = Duration::from_secs(30);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------
// Request log
// ---------------------------------------------------------------------------------------

/// One request as the SDK sent it (seen by a per-try policy, before the transport).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `PATCH`, ...
    pub method: String,
    /// Path of the URL.
    pub path: String,
    /// Query of the URL (empty when none).
    pub query: String,
    /// Whether an `Authorization` header was set.
    pub authorization: bool,
}

/// A per-try azure_core policy that records every request sent. The SDK switches
/// azure_core's retry off, so one entry is exactly one attempt of the SDK's retry loop,
/// including attempts whose connection was refused or reset.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    /// An empty log.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every request so far.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).clone()
    }

    /// Requests with this method whose query contains `query_part` (`""` for any).
    pub fn count(&self, method: &str, query_part: &str) -> usize {
        lock(&self.entries)
            .iter()
            .filter(|r| r.method == method && r.query.contains(query_part))
            .count()
    }
}

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for RequestLog {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let url = request.url();
        let entry = LoggedRequest {
            method: request.method().to_string().to_ascii_uppercase(),
            path: url.path().to_owned(),
            query: url.query().unwrap_or_default().to_owned(),
            authorization: request
                .headers()
                .get_optional_str(&"authorization".into())
                .is_some(),
        };
        lock(&self.entries).push(entry);
        match next.split_first() {
            Some((first, rest)) => first.send(ctx, request, rest).await,
            None => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Other,
                "RequestLog must not be the last policy",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Clocks
// ---------------------------------------------------------------------------------------

type SleepHook = Box<dyn FnMut(Duration) + Send>;

/// A [`VirtualClock`] (instant sleeps, recorded) whose sleeps first run hooks.
#[derive(Clone)]
pub struct TestClock {
    virtual_clock: VirtualClock,
    hooks: Arc<Mutex<Vec<SleepHook>>>,
}

impl TestClock {
    /// A clock whose wall time starts at `wall_start` (deterministic HTTP-date math).
    pub fn new(wall_start: SystemTime) -> Self {
        TestClock {
            virtual_clock: VirtualClock::with_wall_clock(wall_start),
            hooks: Arc::default(),
        }
    }

    /// Runs `hook` with the duration of every later sleep, before the sleep returns.
    pub fn on_sleep(&self, hook: impl FnMut(Duration) + Send + 'static) {
        lock(&self.hooks).push(Box::new(hook));
    }

    /// The virtual clock (sleeps recorded, elapsed virtual time).
    pub fn virtual_clock(&self) -> &VirtualClock {
        &self.virtual_clock
    }

    /// Every sleep so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.virtual_clock.sleeps()
    }
}

impl fmt::Debug for TestClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClock")
            .field("virtual_clock", &self.virtual_clock)
            .field("hooks", &lock(&self.hooks).len())
            .finish()
    }
}

#[async_trait]
impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.virtual_clock.now()
    }

    fn wall_clock(&self) -> SystemTime {
        self.virtual_clock.wall_clock()
    }

    async fn sleep(&self, duration: Duration) {
        {
            let mut hooks = lock(&self.hooks);
            for hook in hooks.iter_mut() {
                hook(duration);
            }
        }
        self.virtual_clock.sleep(duration).await;
    }
}

/// Real elapsed time, instant sleeps (counted). Many concurrent calls can share it
/// without their backoff delays adding up into one shared virtual time budget.
#[derive(Debug, Default)]
pub struct InstantClock {
    sleeps: Mutex<Vec<Duration>>,
}

impl InstantClock {
    /// Every sleep requested so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        lock(&self.sleeps).clone()
    }
}

#[async_trait]
impl Clock for InstantClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    async fn sleep(&self, duration: Duration) {
        lock(&self.sleeps).push(duration);
        tokio::task::yield_now().await;
    }
}

/// Lets a shared `Arc<InstantClock>` be handed to [`ImportExportOptions::with_clock`].
#[derive(Clone, Debug)]
pub struct SharedClock<C>(pub Arc<C>);

#[async_trait]
impl<C: Clock> Clock for SharedClock<C> {
    fn now(&self) -> Instant {
        self.0.now()
    }

    fn wall_clock(&self) -> SystemTime {
        self.0.wall_clock()
    }

    async fn sleep(&self, duration: Duration) {
        self.0.sleep(duration).await;
    }
}

// ---------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------

/// A client on `endpoint` with a fixed jitter seed, `retry`, `clock`, the token
/// [`TOKEN`], and (when given) a [`RequestLog`] as per-try policy.
pub fn client(
    endpoint: &str,
    clock: impl Clock + 'static,
    retry: RetryPolicy,
    log: Option<Arc<RequestLog>>,
) -> ImportExport {
    client_with_token(endpoint, clock, retry, log, TOKEN)
}

/// [`client`] with another bearer token.
pub fn client_with_token(
    endpoint: &str,
    clock: impl Clock + 'static,
    retry: RetryPolicy,
    log: Option<Arc<RequestLog>>,
    token: &str,
) -> ImportExport {
    let mut client_options = ClientOptions::default();
    if let Some(log) = log {
        client_options.per_try_policies.push(log);
    }
    let options = ImportExportOptions {
        client_options,
        ..ImportExportOptions::default()
    }
    .with_endpoint(endpoint)
    .with_retry(retry)
    .with_clock(clock)
    .with_jitter(SeededJitter::new(0x5EED));
    ImportExport::new(SUB, Arc::new(StaticTokenCredential::new(token)), options)
        .expect("a loopback endpoint is valid")
}

// ---------------------------------------------------------------------------------------
// Fault proxy
// ---------------------------------------------------------------------------------------

/// What the proxy does to a request that matches a [`ProxyRule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyAction {
    /// Read the request, then reset the connection (`SO_LINGER` 0): nothing is forwarded,
    /// the client sees "connection reset" after it sent the request.
    Reset,
    /// Forward the request (the upstream applies it), then send the response head with a
    /// `Content-Length` larger than the body and only half the body, and close: the
    /// client sees the connection end in the middle of the body.
    Truncate,
    /// Forward the request and, before answering it, stop listening: the client's next
    /// connection is refused until [`FaultProxy::resume_listening`].
    StopListeningAfter,
}

/// Applies `action` to the next `count` requests that match.
#[derive(Clone, Debug)]
pub struct ProxyRule {
    /// Method to match (`None`: any).
    pub method: Option<&'static str>,
    /// Text the request target (path and query) must contain (`None`: any).
    pub target_contains: Option<&'static str>,
    /// How many matching requests it still applies to.
    pub count: usize,
    /// What to do.
    pub action: ProxyAction,
}

struct ProxyInner {
    addr: SocketAddr,
    upstream: SocketAddr,
    rules: Mutex<Vec<ProxyRule>>,
    accept: Mutex<Option<JoinHandle<()>>>,
    received: Mutex<Vec<String>>,
}

/// An HTTP/1.1 proxy on 127.0.0.1 in front of one upstream (the emulator), one request
/// per connection (`Connection: close` both ways, so every attempt of the client opens a
/// new connection the proxy can fault). The `Host` header is passed through, so links the
/// upstream builds from it point back at the proxy.
pub struct FaultProxy {
    inner: Arc<ProxyInner>,
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.inner.addr)
            .field("upstream", &self.inner.upstream)
            .field("listening", &self.is_listening())
            .finish()
    }
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) forwarding to `upstream_uri`
    /// (`http://127.0.0.1:PORT`).
    pub async fn start(upstream_uri: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream_uri
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the upstream is http://IP:PORT");
        assert!(upstream.ip().is_loopback(), "loopback upstreams only");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let inner = Arc::new(ProxyInner {
            addr,
            upstream,
            rules: Mutex::default(),
            accept: Mutex::default(),
            received: Mutex::default(),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::downgrade(&inner)));
        *lock(&inner.accept) = Some(task);
        FaultProxy { inner }
    }

    /// `http://127.0.0.1:PORT` of the proxy.
    pub fn uri(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// Adds a rule (after the existing ones; the first matching rule applies).
    pub fn add_rule(&self, rule: ProxyRule) {
        if rule.count > 0 {
            lock(&self.inner.rules).push(rule);
        }
    }

    /// `METHOD target` of every request the proxy read, in order.
    pub fn received(&self) -> Vec<String> {
        lock(&self.inner.received).clone()
    }

    /// Whether the port is open.
    pub fn is_listening(&self) -> bool {
        lock(&self.inner.accept).is_some()
    }

    /// Closes the port: connections are refused until [`resume_listening`](Self::resume_listening).
    pub async fn stop_listening(&self) {
        self.inner.stop_listening().await;
    }

    /// Listens on the same port again. Must run inside a Tokio runtime (it spawns the
    /// accept loop); does nothing when already listening.
    pub fn resume_listening(&self) {
        ProxyInner::resume_listening(&self.inner);
    }

    /// A handle that can re-open the port from a sleep hook.
    pub fn reopener(&self) -> impl Fn() + Send + Sync + 'static {
        let inner = Arc::downgrade(&self.inner);
        move || {
            if let Some(inner) = inner.upgrade() {
                ProxyInner::resume_listening(&inner);
            }
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.inner.accept).take() {
            task.abort();
        }
    }
}

impl ProxyInner {
    async fn stop_listening(&self) {
        let task = lock(&self.accept).take();
        if let Some(task) = task {
            task.abort();
            // Returns once the task (and the listener it owns) is dropped.
            let _ = task.await;
        }
    }

    fn resume_listening(self: &Arc<Self>) {
        let mut accept = lock(&self.accept);
        if accept.is_some() {
            return;
        }
        // std sets SO_REUSEADDR on Unix, so the port can be bound again right away.
        let listener = std::net::TcpListener::bind(self.addr).expect("re-bind the proxy port");
        listener.set_nonblocking(true).expect("non-blocking");
        let listener = TcpListener::from_std(listener).expect("tokio listener");
        *accept = Some(tokio::spawn(accept_loop(listener, Arc::downgrade(self))));
    }

    fn take_action(&self, method: &str, target: &str) -> Option<ProxyAction> {
        let mut rules = lock(&self.rules);
        let index = rules.iter().position(|rule| {
            rule.count > 0
                && rule.method.is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule.target_contains.is_none_or(|t| target.contains(t))
        })?;
        let rule = &mut rules[index];
        rule.count -= 1;
        let action = rule.action;
        if rule.count == 0 {
            rules.remove(index);
        }
        Some(action)
    }
}

async fn accept_loop(listener: TcpListener, inner: Weak<ProxyInner>) {
    // Ends when the proxy is dropped (the task is aborted) or accepting fails.
    while let Ok((socket, _)) = listener.accept().await {
        let Some(inner) = inner.upgrade() else { break };
        tokio::spawn(async move {
            let _ = tokio::time::timeout(PROXY_IO_TIMEOUT, serve(inner, socket)).await;
        });
    }
}

/// A parsed HTTP/1.1 message: head lines and body.
struct Message {
    start_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Serializes with `Connection: close` and the given `Content-Length` (the body's own
    /// length when `None`), without any `Transfer-Encoding`.
    fn to_bytes(&self, content_length: Option<usize>, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(body.len() + 512);
        out.extend_from_slice(self.start_line.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            let skip = [
                "connection",
                "keep-alive",
                "content-length",
                "transfer-encoding",
            ]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
            if !skip {
                out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
        }
        let length = content_length.unwrap_or(body.len());
        out.extend_from_slice(
            format!("content-length: {length}\r\nconnection: close\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(body);
        out
    }
}

fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &[u8]) -> Option<(String, Vec<(String, String)>)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let start_line = lines.next()?.to_owned();
    let headers = lines
        .filter(|line| !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    Some((start_line, headers))
}

/// Reads one request (head and `Content-Length` body) from the client.
async fn read_request(socket: &mut TcpStream) -> Option<Message> {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find_head_end(&buffer) {
            break end;
        }
        if buffer.len() > MAX_MESSAGE {
            return None;
        }
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let (start_line, headers) = parse_head(&buffer[..head_end])?;
    let mut message = Message {
        start_line,
        headers,
        body: buffer[head_end + 4..].to_vec(),
    };
    let length: usize = message
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_MESSAGE {
        return None;
    }
    while message.body.len() < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        message.body.extend_from_slice(&chunk[..read]);
    }
    message.body.truncate(length);
    Some(message)
}

/// Decodes a chunked body (bounded by the input's length).
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    for _ in 0..=data.len() {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
    None
}

/// Sends the request to the upstream on a fresh connection and reads the whole response.
async fn forward(upstream: SocketAddr, request: &Message) -> Option<Message> {
    let mut socket = TcpStream::connect(upstream).await.ok()?;
    socket
        .write_all(&request.to_bytes(None, &request.body))
        .await
        .ok()?;
    let mut raw = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    // Bounded by MAX_MESSAGE and the caller's timeout.
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..read]);
        if raw.len() > MAX_MESSAGE {
            return None;
        }
    }
    let head_end = find_head_end(&raw)?;
    let (start_line, headers) = parse_head(&raw[..head_end])?;
    let mut response = Message {
        start_line,
        headers,
        body: raw[head_end + 4..].to_vec(),
    };
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        response.body = dechunk(&response.body)?;
    } else if let Some(length) = response
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        response.body.truncate(length);
    }
    Some(response)
}

async fn serve(inner: Arc<ProxyInner>, mut client: TcpStream) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let mut parts = request.start_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    lock(&inner.received).push(format!("{method} {target}"));
    let action = inner.take_action(&method, &target);
    if action == Some(ProxyAction::Reset) {
        // SO_LINGER 0: close() sends RST instead of FIN.
        let _ = client.set_zero_linger();
        drop(client);
        return;
    }
    let Some(response) = forward(inner.upstream, &request).await else {
        return;
    };
    let bytes = match action {
        Some(ProxyAction::Truncate) => {
            let half = response.body.len() / 2;
            response.to_bytes(Some(response.body.len() + 32), &response.body[..half])
        }
        Some(ProxyAction::StopListeningAfter) => {
            // Closed before the client has the answer, so its next connection is refused.
            inner.stop_listening().await;
            response.to_bytes(None, &response.body)
        }
        _ => response.to_bytes(None, &response.body),
    };
    let _ = client.write_all(&bytes).await;
    let _ = client.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Job bodies
// ---------------------------------------------------------------------------------------

/// The ARM id of a job of [`SUB`]/[`RG`].
pub fn job_id(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}")
}

/// A complete import job as the service returns it, in `state`.
pub fn job_body(name: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": job_id(name),
        "name": name,
        "type": "Microsoft.ImportExport/jobs",
        "location": "westus",
        "tags": {"team": "reliability"},
        "identity": {"type": "None"},
        "properties": {
            "storageAccountId": format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/acct"),
            "jobType": "Import",
            "state": state,
            "cancelRequested": false,
            "percentComplete": 0,
            "provisioningState": "Succeeded",
            "logLevel": "Error",
            "backupDriveManifest": false,
            "returnAddress": {
                "recipientName": "Ops", "streetAddress1": "1 Main St", "city": "Redmond",
                "postalCode": "98052", "countryOrRegion": "USA", "phone": "5550100",
                "email": "ops@example.com"
            },
            "returnShipping": {"carrierName": "UPS", "carrierAccountNumber": "ACCT-0001"},
            "deliveryPackage": {"carrierName": "UPS", "trackingNumber": "1Z0001", "driveCount": 1, "shipDate": "2026-01-01"},
            "driveList": [{"driveId": "DRIVE-1", "bitLockerKey": "000000-111111-222222", "manifestFile": "\\manifest", "manifestHash": "ABCD", "state": "Specified"}]
        }
    })
}
