//! [`FaultProxy`]: an HTTP/1.1 proxy on 127.0.0.1 that resets connections, truncates
//! bodies, or stops listening, by [`ProxyRule`].

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::http_message::{forward, read_request};
use crate::lock;

/// How long the proxy waits for a client's request or the upstream's response.
const PROXY_IO_TIMEOUT: Duration = Duration::from_secs(30);

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

    /// Removes every rule not used up yet.
    pub fn clear_rules(&self) {
        lock(&self.inner.rules).clear();
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
