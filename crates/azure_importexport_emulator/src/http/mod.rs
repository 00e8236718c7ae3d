//! The wiremock responder: every request enters at [`handle`], which applies ARM's
//! throttling (when on), then an injected fault (if a rule matches), runs the operation,
//! records the request in the journal and puts ARM's headers on the answer.
//!
//! - [`arm`]: what ARM's front door adds: tracing headers on every answer, and
//!   subscription throttling.
//! - [`incoming`]: what is read from a request (decoded path, query, body, auth).
//! - [`api_version`]: the `api-version` check, with ARM's errors.
//! - [`routing`]: the routes of the API, the checks every request passes (auth,
//!   api-version, path, method), and the dispatch to a resource.
//! - [`reply`]: responses before they become wiremock templates, ARM error bodies.
//! - one module per resource: [`jobs`] (create, get, update, delete, list),
//!   [`bitlocker_keys`], [`locations`], [`operations`].

mod api_version;
mod arm;
mod bitlocker_keys;
mod incoming;
mod jobs;
mod locations;
mod operations;
mod reply;
mod routing;

use std::sync::{Arc, Mutex, MutexGuard};

use wiremock::{Request, Respond, ResponseTemplate};

use crate::config::EmulatorConfig;
use crate::fault::{Fault, JournalEntry, RequestKind};
use crate::store::{State, job_key};
use crate::throttle::Decision;
use arm::Tracing;
use incoming::Incoming;
use reply::{Outcome, valid_status};
use routing::Route;

/// api-versions the emulator answers.
pub(crate) const API_VERSIONS: [&str; 2] = ["2021-01-01", "2020-08-01"];

/// State shared by the [`Emulator`](crate::Emulator) handle and the mounted responder.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: EmulatorConfig,
    pub base_uri: String,
    pub state: Mutex<State>,
}

impl Shared {
    /// Lock the state; a poisoned lock is still usable (every mutation is complete or absent).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The catch-all responder mounted on the wiremock server.
#[derive(Debug, Clone)]
pub(crate) struct Responder(pub Arc<Shared>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        handle(&self.0, request)
    }
}

/// How a request was answered.
struct Answer {
    template: ResponseTemplate,
    status: u16,
    applied: bool,
}

impl Answer {
    /// An answer that did not touch the state.
    fn unapplied(template: ResponseTemplate, status: u16) -> Self {
        Self {
            template,
            status,
            applied: false,
        }
    }

    /// The operation's own reply.
    fn from_outcome(outcome: Outcome) -> Self {
        let status = outcome.reply.status;
        Self {
            template: outcome.reply.into_template(),
            status,
            applied: outcome.applied,
        }
    }
}

/// Entry point: ARM's throttling, then faults, then auth, api-version, routing and the
/// operation; ARM's headers on whatever the answer is.
pub(crate) fn handle(shared: &Shared, request: &Request) -> ResponseTemplate {
    let incoming = Incoming::new(request);
    let route = incoming.segments.as_deref().and_then(Route::parse);
    let kind = route
        .as_ref()
        .and_then(|r| r.kind(&incoming.method))
        .unwrap_or(RequestKind::Other);

    let mut state = shared.lock();
    state.requests += 1;
    let tracing = Tracing::new(&incoming, state.requests);
    let before = JobBefore::of(&state, route.as_ref());
    // ARM throttles before the request reaches the provider: a throttled request neither
    // uses up a fault rule nor runs.
    let decision = arm::throttle(&shared.config, &mut state, &incoming);
    let (answer, fault_injected) = match decision {
        Some(Decision::Throttled { bucket, wait }) => {
            let template = arm::throttled(bucket, incoming.subscription().unwrap_or(""), wait);
            (Answer::unapplied(template, 429), false)
        }
        _ => {
            let fault = state.take_fault(kind);
            let injected = fault.is_some();
            let answer = answer(fault, || {
                routing::process(shared, &mut state, &incoming, route.as_ref(), kind)
            });
            (answer, injected)
        }
    };
    let entry = JournalEntry {
        method: incoming.method.clone(),
        path: incoming.decoded_path(),
        query: request.url.query().unwrap_or("").to_owned(),
        kind,
        status: valid_status(answer.status),
        fault_injected,
        applied: answer.applied,
        body: incoming.body_json(),
        state_before: before.state,
        created_at_before: before.created_at,
    };
    state.record(entry);
    arm::rate_limit(tracing.apply(answer.template), decision.as_ref())
}

/// The job a request addresses, as it was before the request (for the journal).
struct JobBefore {
    state: Option<String>,
    created_at: Option<String>,
}

impl JobBefore {
    fn of(state: &State, route: Option<&Route>) -> Self {
        let job = route
            .and_then(Route::job)
            .and_then(|(s, g, n)| state.jobs.get(&job_key(s, g, n)));
        Self {
            state: job.and_then(|j| j.state().map(str::to_owned)),
            created_at: job.and_then(|j| j.created_at().map(str::to_owned)),
        }
    }
}

/// Answer with `fault` applied: before the operation (which then does not run), after it,
/// or around it (a delay); without a fault, the operation's own reply.
fn answer(fault: Option<Fault>, operation: impl FnOnce() -> Outcome) -> Answer {
    match fault {
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => Answer::unapplied(reply::injected_status(status, retry_after, body), status),
        Some(Fault::Raw {
            status,
            content_type,
            body,
        }) => Answer::unapplied(reply::injected_raw(status, &content_type, body), status),
        Some(Fault::StatusAfterApply { status }) => Answer {
            applied: operation().applied,
            template: reply::injected_after_apply(status),
            status,
        },
        Some(Fault::Delay(delay)) => {
            let answer = Answer::from_outcome(operation());
            Answer {
                template: answer.template.set_delay(delay),
                ..answer
            }
        }
        None => Answer::from_outcome(operation()),
    }
}
