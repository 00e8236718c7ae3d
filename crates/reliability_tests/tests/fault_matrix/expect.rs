//! What each cell must show, and the tables printed from the results.

use super::*;

/// What a cell must show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expect {
    pub(crate) outcome: String,
    /// Requests of the faulted kind (`None`: not asserted, e.g. a waiter's polls).
    pub(crate) attempts: Option<usize>,
    /// Minimum requests of the faulted kind.
    pub(crate) at_least: usize,
}

pub(crate) fn exactly(outcome: &str, attempts: usize) -> Expect {
    Expect {
        outcome: outcome.into(),
        attempts: Some(attempts),
        at_least: attempts,
    }
}

pub(crate) fn at_least(outcome: &str, attempts: usize) -> Expect {
    Expect {
        outcome: outcome.into(),
        attempts: None,
        at_least: attempts,
    }
}

pub(crate) fn expect(fault: Fault, op: Op, variant: Variant) -> Expect {
    let max = MAX_ATTEMPTS as usize;
    match fault.class() {
        Class::Transient => match (variant, op) {
            // A waiter polls until Completed: the faulted first poll is retried twice.
            (Variant::Twice, Op::WaitUntil) => at_least("ok", 3),
            // An outage does not end a wait: it polls on until its deadline.
            (Variant::Persistent, Op::WaitUntil) => at_least("timeout", max + 1),
            // The lost reply of an applied write is resolved by re-reading the job.
            (_, Op::Cancel | Op::SafeDelete) if fault.applies_request() => exactly("ok", 1),
            // A refused connection is not applied, but the job is re-read before the
            // retry (its name may be reused meanwhile), and the re-read meets the
            // closed port too: it takes one of the two refusals (cancel), or both
            // (safe_delete, whose re-read after archiving comes before any DELETE).
            (Variant::Twice, Op::Cancel) if fault == Fault::ConnectionRefused => exactly("ok", 2),
            (Variant::Twice, Op::SafeDelete) if fault == Fault::ConnectionRefused => {
                exactly("ok", 1)
            }
            (Variant::Persistent, Op::Cancel) if fault == Fault::ConnectionRefused => {
                exactly("gave-up", 1)
            }
            (Variant::Persistent, Op::SafeDelete) if fault == Fault::ConnectionRefused => {
                exactly("gave-up", 0)
            }
            (Variant::Twice, _) => exactly("ok", 3),
            (Variant::Persistent, _) => exactly("gave-up", max),
        },
        Class::Final => {
            let outcome = match fault {
                Fault::Final404 if op == Op::WaitUntil => "gone".to_owned(),
                Fault::Final404 => "not-found".to_owned(),
                Fault::InvalidJson | Fault::EmptyBody => match op {
                    // The pager itself cannot read the page (no nextLink to be found).
                    Op::List => "failed".into(),
                    // An unreadable 200 is not a success unless the job shows
                    // cancelRequested: it is re-read and the PATCH retried, like an
                    // ambiguous failure.
                    Op::Cancel => {
                        return match variant {
                            Variant::Twice => exactly("ok", 3),
                            Variant::Persistent => exactly("gave-up", max),
                        };
                    }
                    // An unreadable reply (a proxy's page) does not end a wait either.
                    Op::WaitUntil => {
                        return match variant {
                            Variant::Twice => at_least("ok", 3),
                            Variant::Persistent => at_least("timeout", max + 1),
                        };
                    }
                    _ => "invalid-response".into(),
                },
                _ => format!("{} {ARM_CODE}", fault.arm_status().unwrap_or(0)),
            };
            exactly(&outcome, 1)
        }
        Class::Data => {
            let refused = matches!(fault, Fault::UnknownEnumValue | Fault::MissingState);
            match op {
                Op::Get | Op::List => exactly("ok", 1),
                Op::Cancel if refused => exactly("too-late", 0),
                Op::SafeDelete if refused => exactly("not-deletable", 0),
                // Unknown states keep a waiter polling until its timeout.
                Op::WaitUntil if refused => at_least("timeout", 2),
                Op::WaitUntil => at_least("ok", 2),
                Op::Cancel | Op::SafeDelete => exactly("ok", 1),
            }
        }
    }
}

/// A `200` to the cancel PATCH whose body does not show `cancelRequested`: unconfirmed,
/// so it is handled like an ambiguous failure (re-read, then retried with backoff).
pub(crate) fn is_unconfirmed_cancel(fault: Fault, op: Op) -> bool {
    matches!(op, Op::Cancel | Op::WaitUntil)
        && matches!(fault, Fault::InvalidJson | Fault::EmptyBody)
}

/// Cell checks beyond outcome and attempts.
pub(crate) fn extra_checks(
    fault: Fault,
    op: Op,
    variant: Variant,
    result: &CellResult,
) -> Vec<String> {
    let mut problems = Vec::new();
    // Retry-After is honoured exactly (no jitter on a server-requested delay).
    let first = result.sleeps.first().copied();
    match fault {
        Fault::Throttle429Seconds if first != Some(Duration::from_secs(1)) => {
            problems.push(format!(
                "Retry-After: 1 not honoured, first sleep {first:?}"
            ));
        }
        Fault::Throttle429Date if first != Some(Duration::from_secs(3)) => {
            problems.push(format!(
                "HTTP-date Retry-After not honoured, first sleep {first:?}"
            ));
        }
        _ => {}
    }
    let _ = variant;
    if fault.class() == Class::Final
        && !is_unconfirmed_cancel(fault, op)
        && !result.sleeps.is_empty()
    {
        problems.push(format!(
            "a final answer was followed by a backoff: {:?}",
            result.sleeps
        ));
    }
    problems
}

pub(crate) fn cell_text(result: &CellResult) -> String {
    format!("{} x{}", result.outcome, result.attempts)
}

pub(crate) async fn run_matrix(
    cells: Vec<(Fault, Op, Variant)>,
) -> Vec<((Fault, Op, Variant), CellResult)> {
    futures::stream::iter(cells)
        .map(|cell| async move {
            let (fault, op, variant) = cell;
            let result = match tokio::spawn(run_cell(fault, op, variant)).await {
                Ok(result) => result,
                Err(join) => CellResult {
                    outcome: if join.is_panic() {
                        "PANIC".into()
                    } else {
                        "CANCELLED".into()
                    },
                    attempts: 0,
                    violations: vec![format!("the cell did not finish: {join}")],
                    sleeps: Vec::new(),
                },
            };
            (cell, result)
        })
        .buffer_unordered(8)
        .collect()
        .await
}

pub(crate) fn table(
    title: &str,
    variant: Variant,
    results: &[((Fault, Op, Variant), CellResult)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{title}");
    let _ = write!(out, "| {:<32} |", "fault");
    for op in OPS {
        let _ = write!(out, " {:<22} |", op.label());
    }
    let _ = writeln!(out);
    let _ = write!(out, "|{}|", "-".repeat(34));
    for _ in OPS {
        let _ = write!(out, "{}|", "-".repeat(24));
    }
    let _ = writeln!(out);
    for fault in FAULTS {
        if !results
            .iter()
            .any(|((f, _, v), _)| *f == fault && *v == variant)
        {
            continue;
        }
        let _ = write!(out, "| {:<32} |", fault.label());
        for op in OPS {
            let text = results
                .iter()
                .find(|((f, o, v), _)| *f == fault && *o == op && *v == variant)
                .map(|(_, r)| cell_text(r))
                .unwrap_or_default();
            let _ = write!(out, " {text:<22} |");
        }
        let _ = writeln!(out);
    }
    out
}

pub(crate) fn check(results: &[((Fault, Op, Variant), CellResult)]) -> Vec<String> {
    let mut failures = Vec::new();
    for ((fault, op, variant), result) in results {
        let name = format!("[{} / {} / {variant:?}]", fault.label(), op.label());
        let expected = expect(*fault, *op, *variant);
        for violation in result
            .violations
            .iter()
            .chain(&extra_checks(*fault, *op, *variant, result))
        {
            failures.push(format!("{name} {violation}"));
        }
        let outcome_ok = if expected.outcome == NOT_OK {
            result.outcome != "ok"
        } else {
            result.outcome == expected.outcome
        };
        if !outcome_ok {
            failures.push(format!(
                "{name} outcome {:?}, expected {:?}",
                result.outcome, expected.outcome
            ));
        }
        let attempts_ok = expected.outcome == NOT_OK
            || match expected.attempts {
                Some(n) => result.attempts == n,
                None => result.attempts >= expected.at_least,
            };
        if !attempts_ok {
            failures.push(format!(
                "{name} {} attempts, expected {expected:?}",
                result.attempts
            ));
        }
    }
    failures
}

pub(crate) fn all_cells(filter: impl Fn(Fault, Op) -> bool) -> Vec<(Fault, Op, Variant)> {
    let mut cells = Vec::new();
    for variant in [Variant::Twice, Variant::Persistent] {
        for fault in FAULTS {
            for op in OPS {
                if filter(fault, op) {
                    cells.push((fault, op, variant));
                }
            }
        }
    }
    cells
}
