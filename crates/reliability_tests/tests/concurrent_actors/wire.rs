//! What the SDK saw of each request it sent (a per-try policy on the client), joined
//! with what the emulator did with it (its journal), which fault it met, and which
//! incarnation of the name it reached (the actor's log).

use crate::actor::{Actor, Effect};
use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use azure_importexport::rest::runtime::send_to_next;
use azure_importexport_emulator::{Fault, FaultRule, JournalEntry};
use reliability_tests::{ProxyAction, ProxyRule};
use std::fmt;
use std::sync::{Arc, Mutex};

/// How the SDK saw one attempt end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Seen {
    /// An HTTP answer with this status (body read whole).
    Answer(u16),
    /// A transport error: the connection was reset, or the body was cut short.
    Lost,
    /// Dropped by the attempt timeout.
    TimedOut,
}

type Hook = Box<dyn Fn(&str) + Send + Sync>;

/// Every attempt the client sends, in order, with how it ended; runs `hook` with the
/// method before each one is sent.
pub(crate) struct WireLog {
    tries: Mutex<Vec<(String, Option<Seen>)>>,
    hook: Hook,
}

impl WireLog {
    pub(crate) fn new(hook: impl Fn(&str) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(WireLog {
            tries: Mutex::default(),
            hook: Box::new(hook),
        })
    }

    /// The attempts so far, and forgets them.
    pub(crate) fn take(&self) -> Vec<(String, Seen)> {
        std::mem::take(&mut *self.tries.lock().unwrap())
            .into_iter()
            .map(|(method, seen)| (method, seen.unwrap_or(Seen::TimedOut)))
            .collect()
    }
}

impl fmt::Debug for WireLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireLog").finish_non_exhaustive()
    }
}

// The trait's signature elides Context's lifetime; matching it exactly is required.
#[allow(elided_lifetimes_in_paths)]
#[async_trait]
impl Policy for WireLog {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let method = request.method().to_string().to_ascii_uppercase();
        (self.hook)(&method);
        let index = {
            let mut tries = self.tries.lock().unwrap();
            tries.push((method, None));
            tries.len() - 1
        };
        let result = send_to_next(ctx, request, next).await;
        let seen = match &result {
            Ok(response) => Seen::Answer(u16::from(response.status())),
            Err(_) => Seen::Lost,
        };
        if let Some(entry) = self.tries.lock().unwrap().get_mut(index) {
            entry.1 = Some(seen);
        }
        result
    }
}

/// Statuses the SDK retries (an undocumented 2xx is unconfirmed: settled by a re-read).
const TRANSIENT: [u16; 8] = [202, 204, 408, 429, 500, 502, 503, 504];

/// One attempt: what the SDK saw, and what the service did.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Wire {
    pub(crate) method: String,
    pub(crate) seen: Seen,
    /// Whether it reached the emulator (a reset connection forwards nothing).
    pub(crate) reached: bool,
    pub(crate) applied: bool,
    /// The job's state when the request was handled.
    pub(crate) state: Option<String>,
    /// A 200 whose body is not JSON (an injected raw reply).
    pub(crate) garbled: bool,
    /// The incarnation live when it was handled.
    pub(crate) live: Option<u64>,
}

impl Wire {
    pub(crate) fn is(&self, method: &str) -> bool {
        self.method == method
    }

    /// A GET the SDK could read: it saw the job as `state` and `live` show.
    pub(crate) fn readable_get(&self) -> bool {
        self.is("GET") && self.seen == Seen::Answer(200) && !self.garbled
    }

    /// A failure the SDK retries (a garbled PATCH reply is unconfirmed, so it too).
    pub(crate) fn transient(&self) -> bool {
        match self.seen {
            Seen::Lost | Seen::TimedOut => true,
            Seen::Answer(200) => self.garbled && self.is("PATCH"),
            Seen::Answer(status) => TRANSIENT.contains(&status),
        }
    }

    /// A transient failure after which the request may have been applied.
    pub(crate) fn ambiguous(&self) -> bool {
        self.transient() && self.seen != Seen::Answer(429)
    }

    pub(crate) fn write(&self) -> bool {
        self.is("PATCH") || self.is("DELETE")
    }
}

/// The fault rules of a history not used up yet: the emulator's and the proxy's
/// (replayed here with their own first-match rules to tell which request met which).
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) drops: Vec<ProxyRule>,
}

impl Rules {
    fn take_fault(&mut self, entry: &JournalEntry) -> Option<Fault> {
        let rule = self
            .faults
            .iter_mut()
            .find(|rule| rule.count > 0 && rule.kind.matches(entry.kind))?;
        rule.count -= 1;
        Some(rule.fault.clone())
    }

    fn take_drop(&mut self, method: &str) -> Option<ProxyAction> {
        let rule = self
            .drops
            .iter_mut()
            .find(|rule| rule.count > 0 && rule.method.is_none_or(|m| m == method))?;
        rule.count -= 1;
        Some(rule.action)
    }
}

/// Which incarnation had the name when: the actor's effects (journal length when made)
/// and the DELETEs the service applied, in journal order.
struct Timeline<'a> {
    effects: std::slice::Iter<'a, (usize, Effect)>,
    pending: Option<&'a (usize, Effect)>,
    live: Option<u64>,
}

impl<'a> Timeline<'a> {
    fn new(actor: &'a Actor, start: Option<u64>) -> Self {
        let mut effects = actor.log.iter();
        let pending = effects.next();
        Timeline {
            effects,
            pending,
            live: start,
        }
    }

    /// The incarnation live when journal entry `index` was handled (indices ascending).
    fn at(&mut self, index: usize) -> Option<u64> {
        // Bounded by the actor's log.
        while let Some((_, effect)) = self.pending.filter(|(len, _)| *len <= index) {
            match effect {
                Effect::Created(id) => self.live = Some(*id),
                Effect::Removed => self.live = None,
                Effect::Changed => {}
            }
            self.pending = self.effects.next();
        }
        self.live
    }
}

/// Joins the client's attempts with the emulator's journal. `start`: the incarnation
/// live when the journal begins. Returns the attempts and the incarnation live at the
/// end; fails when the two logs disagree (a harness fault).
pub(crate) fn join(
    tries: &[(String, Seen)],
    journal: &[JournalEntry],
    rules: &mut Rules,
    actor: &Actor,
    start: Option<u64>,
) -> Result<(Vec<Wire>, Option<u64>), String> {
    let mut timeline = Timeline::new(actor, start);
    let mut entries = journal.iter().enumerate().peekable();
    let mut wire = Vec::with_capacity(tries.len());
    for (method, seen) in tries {
        let next_index = entries.peek().map_or(journal.len(), |(index, _)| *index);
        if rules.take_drop(method) == Some(ProxyAction::Reset) {
            wire.push(Wire {
                method: method.clone(),
                seen: *seen,
                reached: false,
                applied: false,
                state: None,
                garbled: false,
                live: timeline.at(next_index),
            });
            continue;
        }
        let Some((index, entry)) = entries.next() else {
            return Err(format!(
                "harness: {method} is not in the journal {journal:?}"
            ));
        };
        let fault = rules.take_fault(entry);
        if entry.method != *method || fault.is_some() != entry.fault_injected {
            return Err(format!(
                "harness: attempt {method} {seen:?} (fault {fault:?}) vs journal {entry:?}"
            ));
        }
        wire.push(Wire {
            method: method.clone(),
            seen: *seen,
            reached: true,
            applied: entry.applied,
            state: entry.state_before.clone(),
            garbled: matches!(fault, Some(Fault::Raw { .. })),
            live: timeline.at(index),
        });
        if entry.method == "DELETE" && entry.applied {
            timeline.live = None;
        }
    }
    match entries.next() {
        Some((_, extra)) => Err(format!("harness: journal entry {extra:?} was never sent")),
        None => Ok((wire, timeline.at(usize::MAX))),
    }
}
