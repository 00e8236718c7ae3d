//! The wiremock responder: every request enters at [`handle`], which applies an injected
//! fault (if a rule matches), runs the operation and records the request in the journal.
//!
//! - [`incoming`]: what is read from a request (decoded path, query, body, auth).
//! - [`routing`]: the routes of the API, the checks every request passes (auth,
//!   api-version, path, method), and the dispatch to a resource.
//! - [`reply`]: responses before they become wiremock templates, ARM error bodies.
//! - one module per resource: [`jobs`] (create, get, update, delete, list),
//!   [`bitlocker_keys`], [`locations`], [`operations`].

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
    fn from_outcome(outcome: Outcome, request_id: &str) -> Self {
        let status = outcome.reply.status;
        Self {
            template: outcome.reply.into_template(request_id),
            status,
            applied: outcome.applied,
        }
    }
}

/// Entry point: faults, then auth, api-version, routing and the operation.
pub(crate) fn handle(shared: &Shared, request: &Request) -> ResponseTemplate {
    let incoming = Incoming::new(request);
    let route = incoming.segments.as_deref().and_then(Route::parse);
    let kind = route
        .as_ref()
        .and_then(|r| r.kind(&incoming.method))
        .unwrap_or(RequestKind::Other);

    let mut state = shared.lock();
    state.requests += 1;
    let request_id = format!("00000000-0000-4000-8000-{:012x}", state.requests);
    let fault = state.take_fault(kind);
    let fault_injected = fault.is_some();
    let job_before = route
        .as_ref()
        .and_then(Route::job)
        .and_then(|(s, g, n)| state.jobs.get(&job_key(s, g, n)));
    let state_before = job_before.and_then(|j| j.state().map(str::to_owned));
    let created_at_before = job_before.and_then(|j| j.created_at().map(str::to_owned));

    let answer = answer(fault, &request_id, || {
        routing::process(shared, &mut state, &incoming, route.as_ref(), kind)
    });
    let entry = JournalEntry {
        method: incoming.method.clone(),
        path: incoming.decoded_path(),
        query: request.url.query().unwrap_or("").to_owned(),
        kind,
        status: valid_status(answer.status),
        fault_injected,
        applied: answer.applied,
        body: incoming.body_json(),
        state_before,
        created_at_before,
    };
    state.record(entry);
    answer.template
}

/// Answer with `fault` applied: before the operation (which then does not run), after it,
/// or around it (a delay); without a fault, the operation's own reply.
fn answer(fault: Option<Fault>, request_id: &str, operation: impl FnOnce() -> Outcome) -> Answer {
    match fault {
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => Answer::unapplied(
            reply::injected_status(status, retry_after, body, request_id),
            status,
        ),
        Some(Fault::Raw {
            status,
            content_type,
            body,
        }) => Answer::unapplied(reply::injected_raw(status, &content_type, body), status),
        Some(Fault::StatusAfterApply { status }) => Answer {
            applied: operation().applied,
            template: reply::injected_after_apply(status, request_id),
            status,
        },
        Some(Fault::Delay(delay)) => {
            let answer = Answer::from_outcome(operation(), request_id);
            Answer {
                template: answer.template.set_delay(delay),
                ..answer
            }
        }
        None => Answer::from_outcome(operation(), request_id),
    }
}
