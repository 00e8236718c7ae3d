//! A run as the client lived it: every attempt with when it entered the client's
//! per-try pipeline (before the ARM throttle policy), when it went on the wire and when
//! its answer came back (a transport wrapper), its status and the pause a 429 asked for.

use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, ClientOptions, Context, HttpClient, Request, Transport};
use azure_importexport::rest::runtime::{ReqwestTransport, header, send_to_next};
use azure_importexport::{ArmLimits, ImportExport, ImportExportOptions, StaticTokenCredential};
use reliability_tests::{SUB, TOKEN};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Names each attempt, so that the transport can tell which one it sends.
const ATTEMPT_HEADER: &str = "x-test-attempt";

/// One attempt of the client.
#[derive(Clone, Debug, Default)]
pub(crate) struct Attempt {
    pub(crate) method: String,
    /// Entered the per-try pipeline (before the throttle could hold it).
    pub(crate) entered: Option<Instant>,
    /// Left it (after the throttle saw the answer).
    pub(crate) left: Option<Instant>,
    /// Went on the wire, and its answer came back.
    pub(crate) sent: Option<Instant>,
    pub(crate) answered: Option<Instant>,
    pub(crate) status: Option<u16>,
    /// `x-ms-retry-after-ms` of a 429.
    pub(crate) pause: Option<Duration>,
}

/// Every attempt of one client.
#[derive(Debug, Default)]
pub(crate) struct Timeline(Mutex<Vec<Attempt>>);

impl Timeline {
    pub(crate) fn attempts(&self) -> Vec<Attempt> {
        self.0.lock().unwrap().clone()
    }

    fn update(&self, id: usize, change: impl FnOnce(&mut Attempt)) {
        if let Some(attempt) = self.0.lock().unwrap().get_mut(id) {
            change(attempt);
        }
    }
}

/// The per-try policy that names and times each attempt.
#[derive(Debug)]
struct Stamp(Arc<Timeline>);

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for Stamp {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let id = {
            let mut attempts = self.0.0.lock().unwrap();
            attempts.push(Attempt {
                method: request.method().to_string().to_ascii_uppercase(),
                entered: Some(Instant::now()),
                ..Attempt::default()
            });
            attempts.len() - 1
        };
        request.insert_header(ATTEMPT_HEADER, id.to_string());
        let result = send_to_next(ctx, request, next).await;
        self.0.update(id, |a| a.left = Some(Instant::now()));
        result
    }
}

/// The SDK's own transport, timing each request on the wire.
#[derive(Debug)]
struct OnTheWire {
    timeline: Arc<Timeline>,
    inner: ReqwestTransport,
}

#[async_trait]
impl HttpClient for OnTheWire {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let id = header(request.headers(), &ATTEMPT_HEADER.into()).and_then(|v| v.parse().ok());
        let sent = Instant::now();
        let result = self.inner.execute_request(request).await;
        let answered = Instant::now();
        if let Some(id) = id {
            let status = result.as_ref().ok().map(|r| u16::from(r.status()));
            let pause = result.as_ref().ok().and_then(|r| {
                let ms = header(r.headers(), &"x-ms-retry-after-ms".into())?;
                Some(Duration::from_millis(ms.parse().ok()?))
            });
            self.timeline.update(id, |a| {
                (a.sent, a.answered, a.status, a.pause) =
                    (Some(sent), Some(answered), status, pause);
            });
        }
        result
    }
}

/// A client of `endpoint` pacing itself by `limits`, and the timeline of its attempts.
pub(crate) fn timed_client(endpoint: &str, limits: ArmLimits) -> (ImportExport, Arc<Timeline>) {
    let timeline = Arc::new(Timeline::default());
    let mut client_options = ClientOptions::default();
    client_options
        .per_try_policies
        .push(Arc::new(Stamp(timeline.clone())));
    let wire = OnTheWire {
        timeline: timeline.clone(),
        inner: ReqwestTransport::new().expect("the SDK's transport"),
    };
    client_options.transport = Some(Transport::new(Arc::new(wire)));
    let options = ImportExportOptions {
        client_options,
        arm_limits: limits,
        ..ImportExportOptions::default()
    }
    .with_endpoint(endpoint);
    let credential = Arc::new(StaticTokenCredential::new(TOKEN));
    let sdk = ImportExport::new(SUB, credential, Some(options)).expect("a loopback endpoint");
    (sdk, timeline)
}

/// Attempts that broke the one shared pause: each entered the pipeline after the
/// client had seen a 429 (so its throttle policy knew of the pause) and yet went on the
/// wire before that 429's pause was over. Immune to scheduling delays: a late attempt
/// only enters later, and the pause is measured from before the client saw the 429.
pub(crate) fn sent_during_a_pause(attempts: &[Attempt]) -> Vec<String> {
    let mut broken = Vec::new();
    for throttled in attempts.iter().filter(|a| a.status == Some(429)) {
        let (Some(seen), Some(answered), Some(pause)) =
            (throttled.left, throttled.answered, throttled.pause)
        else {
            continue;
        };
        let pause_ends = answered + pause;
        for later in attempts {
            if let (Some(entered), Some(sent)) = (later.entered, later.sent) {
                if entered > seen && sent < pause_ends {
                    broken.push(format!(
                        "{} sent {:?} before the end of a {pause:?} pause",
                        later.method,
                        pause_ends - sent
                    ));
                }
            }
        }
    }
    broken
}

/// The 429s the client could have avoided: answers to attempts that started after it
/// had seen a 429 (the ones already on the wire when a bucket ran dry could not know).
pub(crate) fn avoidable_429s(attempts: &[Attempt]) -> Vec<Attempt> {
    let first_seen = attempts
        .iter()
        .filter(|a| a.status == Some(429))
        .filter_map(|a| a.left)
        .min();
    attempts
        .iter()
        .filter(|a| a.status == Some(429))
        .filter(|a| first_seen.is_some_and(|seen| a.entered.is_some_and(|e| e > seen)))
        .cloned()
        .collect()
}

/// The most 429s answered within any span of `window`.
pub(crate) fn most_429s_within(attempts: &[Attempt], window: Duration) -> usize {
    let mut times: Vec<Instant> = attempts
        .iter()
        .filter(|a| a.status == Some(429))
        .filter_map(|a| a.answered)
        .collect();
    times.sort();
    (0..times.len())
        .map(|first| {
            times[first..]
                .iter()
                .take_while(|t| **t < times[first] + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}
