//! One cell (a fault, an operation, a variant), run against the emulator and checked.

use super::*;

/// What one cell did.
#[derive(Clone, Debug)]
pub(crate) struct CellResult {
    pub(crate) outcome: String,
    pub(crate) attempts: usize,
    /// Broken invariants (always a failure, whatever the expectation).
    pub(crate) violations: Vec<String>,
    pub(crate) sleeps: Vec<Duration>,
}

pub(crate) fn request_outcome(error: &RequestError) -> String {
    match error {
        RequestError::NotFound { .. } => "not-found".into(),
        RequestError::Refused { status, code, .. } => {
            format!("{status} {}", code.as_deref().unwrap_or("-"))
        }
        RequestError::GaveUp { .. } => "gave-up".into(),
        RequestError::InvalidResponse { .. } => "invalid-response".into(),
        RequestError::Failed { .. } => "failed".into(),
        _ => "other-request-error".into(),
    }
}

/// Checks of a request error that hold in every cell.
pub(crate) fn check_request_error(
    fault: Fault,
    error: &RequestError,
    violations: &mut Vec<String>,
) {
    let service_answer = match error {
        RequestError::Refused { code, message, .. }
        | RequestError::NotFound { code, message, .. } => Some((code, message)),
        _ => None,
    };
    if let (Some(status), Some((code, message))) = (fault.arm_status(), service_answer) {
        let expected = format!("Injected: refused with {status}.");
        if code.as_deref() != Some(ARM_CODE) || *message != expected {
            violations.push(format!(
                "final error lost the service's code/message: {code:?} {message:?}"
            ));
        }
    }
    if let RequestError::GaveUp {
        attempts,
        last_failure,
        ..
    } = error
    {
        if *attempts > MAX_ATTEMPTS {
            violations.push(format!(
                "gave up after {attempts} > {MAX_ATTEMPTS} attempts"
            ));
        }
        if fault == Fault::HtmlErrorPage
            && !(last_failure.contains("non-ARM body") && last_failure.len() < 600)
        {
            violations.push(format!("HTML page not summarized: {last_failure:?}"));
        }
    }
    let text = error.to_string();
    if text.len() > 2_000 {
        violations.push(format!("error message of {} bytes", text.len()));
    }
}

/// Runs one cell.
pub(crate) async fn run_cell(fault: Fault, op: Op, variant: Variant) -> CellResult {
    let schedule = Schedule {
        shipping_to_received: STEP,
        received_to_transferring: STEP,
        transferring_to_packaging: STEP,
        packaging_to_completed: STEP,
    };
    let emulator = Emulator::start_with(EmulatorConfig {
        page_size: 1,
        schedule,
        ..EmulatorConfig::default()
    })
    .await;
    let state = op.initial_state();
    let data = data_body(fault, JOB, state);
    match op {
        Op::List => {
            emulator.insert_job(SUB, RG, JOB, job_body(JOB, state));
            let second = data_body(fault, JOB_B, state).unwrap_or_else(|| job_body(JOB_B, state));
            emulator.insert_job(SUB, RG, JOB_B, second);
        }
        // With `systemData`: a DELETE answered ambiguously may then be retried, as the
        // incarnation is provable (without it the SDK sends one DELETE and reports
        // `Unproven`, see `races.rs`).
        _ => emulator.insert_job(
            SUB,
            RG,
            JOB,
            data.unwrap_or_else(|| job_body_with_system_data(JOB, state)),
        ),
    }
    let before = emulator.job_json(SUB, RG, JOB);

    let proxy = FaultProxy::start(&emulator.uri()).await;
    let clock = TestClock::new(wall_start());
    let log = RequestLog::new();
    let attempt_timeout = if fault == Fault::DelayBeyondTimeout {
        SHORT_TIMEOUT
    } else {
        NORMAL_TIMEOUT
    };
    let retry = RetryPolicy::default()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_attempt_timeout(attempt_timeout);
    let client = client(&proxy.uri(), clock.clone(), retry, Some(log.clone()));
    if op == Op::WaitUntil {
        // The service's time moves with the waiter's.
        let emulator = emulator.clone();
        clock.on_sleep(move |by| emulator.advance(by));
    }

    // Inject the fault.
    let target = target(fault, op);
    let count = variant.count();
    match fault {
        Fault::ConnectionReset | Fault::TruncatedBody => proxy.add_rule(ProxyRule {
            method: Some(target.method()),
            target_contains: Some(target.proxy_match()),
            count,
            action: if fault == Fault::ConnectionReset {
                ProxyAction::Reset
            } else {
                ProxyAction::Truncate
            },
        }),
        Fault::ConnectionRefused => {
            match op {
                // The first request is the faulted one: close the port now.
                Op::Get | Op::WaitUntil => proxy.stop_listening().await,
                // Serve the look-up (or page 1), then close the port.
                Op::List | Op::Cancel | Op::SafeDelete => proxy.add_rule(ProxyRule {
                    method: Some("GET"),
                    target_contains: None,
                    count: 1,
                    action: ProxyAction::StopListeningAfter,
                }),
            }
            if variant == Variant::Twice {
                // Each refused attempt is followed by one backoff sleep: open the port
                // again during the second, so exactly two attempts are refused.
                let reopen = proxy.reopener();
                let mut sleeps = 0;
                clock.on_sleep(move |_| {
                    sleeps += 1;
                    if sleeps == 2 {
                        reopen();
                    }
                });
            }
        }
        _ if fault.class() == Class::Data => {}
        _ if target == Target::Page2 => {
            let template = page2_template(fault).expect("a page-2 template");
            let server = emulator.server().expect("the emulator owns its server");
            Mock::given(method("GET"))
                .and(query_param("$skiptoken", "1"))
                .respond_with(template)
                .up_to_n_times(count as u64)
                .with_priority(1)
                .mount(server)
                .await;
        }
        _ => emulator.inject(FaultRule::new(
            target.kind(),
            count,
            emulator_fault(fault).expect("an emulator fault"),
        )),
    }

    let archive_dir = tempfile::tempdir().expect("temp dir");
    let job = client.job(RG, JOB);
    let mut violations = Vec::new();
    let outcome = match op {
        Op::Get => match job.get(None).await {
            Ok(found) => {
                if fault == Fault::UnknownFields
                    && !String::from_utf8_lossy(found.json()).contains("futureTopLevel")
                {
                    violations.push("unknown fields dropped from Job::json".into());
                }
                if fault == Fault::UnknownEnumValue
                    && found.state() != JobState::Unknown("Archived".into())
                {
                    violations.push(format!("unknown state read as {}", found.state()));
                }
                "ok".into()
            }
            Err(error) => {
                check_request_error(fault, &error, &mut violations);
                request_outcome(&error)
            }
        },
        Op::List => match client
            .list_jobs(Some(azure_importexport::ListJobsOptions {
                resource_group: Some(RG.into()),
                ..Default::default()
            }))
            .await
        {
            Ok(jobs) => {
                let names: Vec<_> = jobs.iter().map(|j| j.state().to_string()).collect();
                if jobs.len() != 2 {
                    violations.push(format!("listed {} jobs: {names:?}", jobs.len()));
                }
                if fault == Fault::UnknownFields
                    && !jobs
                        .iter()
                        .any(|j| String::from_utf8_lossy(j.json()).contains("futureTopLevel"))
                {
                    violations.push("unknown fields dropped from a listed job".into());
                }
                "ok".into()
            }
            Err(error) => {
                check_request_error(fault, &error, &mut violations);
                request_outcome(&error)
            }
        },
        Op::Cancel => match job.cancel(Some(Default::default())).await {
            Ok(outcome) => {
                let service = emulator
                    .job_json(SUB, RG, JOB)
                    .and_then(|j| j.pointer("/properties/cancelRequested").cloned());
                if !outcome.job.cancel_requested() || service != Some(json!(true)) {
                    violations.push(format!(
                        "cancel reported success, but the job it returned has cancelRequested={} and the service has {service:?}",
                        outcome.job.cancel_requested()
                    ));
                }
                if outcome.patch_attempts > MAX_ATTEMPTS {
                    violations.push(format!("{} PATCH attempts", outcome.patch_attempts));
                }
                "ok".into()
            }
            Err(CancelError::TooLate { patch_attempts, .. }) => {
                if patch_attempts != 0 || log.count("PATCH", "") != 0 {
                    violations.push("PATCH sent for a job that cannot be cancelled".into());
                }
                "too-late".into()
            }
            Err(CancelError::Request(error)) => {
                check_request_error(fault, &error, &mut violations);
                request_outcome(&error)
            }
            Err(other) => format!("other: {other}"),
        },
        Op::SafeDelete => {
            let options = DeleteOptions::default().with_archive(FsArchive::new(archive_dir.path()));
            match job.safe_delete(Some(options)).await {
                Ok(outcome) => {
                    if emulator.job_json(SUB, RG, JOB).is_some() {
                        violations
                            .push("delete reported success but the job is still there".into());
                    }
                    let archived = outcome
                        .archived_to
                        .as_deref()
                        .and_then(|path| std::fs::read(path).ok())
                        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
                    if archived != before {
                        violations.push("the archive is not the job as the service had it".into());
                    }
                    "ok".into()
                }
                Err(DeleteError::NotDeletable { .. }) => "not-deletable".into(),
                Err(DeleteError::Request(error)) => {
                    check_request_error(fault, &error, &mut violations);
                    request_outcome(&error)
                }
                Err(DeleteError::StillPresent { .. }) => "still-present".into(),
                Err(DeleteError::Unconfirmed { .. }) => "unconfirmed".into(),
                Err(other) => format!("other: {other}"),
            }
        }
        Op::WaitUntil => {
            let options = WaitOptions::default()
                .with_delays(Duration::from_secs(60), Duration::from_secs(600));
            match job
                .wait_until(
                    JobState::Completed,
                    Duration::from_secs(3600),
                    Some(options),
                )
                .await
            {
                Ok(found) => {
                    if found.state() != JobState::Completed {
                        violations.push(format!("wait returned a {} job", found.state()));
                    }
                    "ok".into()
                }
                Err(WaitError::Timeout { .. }) => "timeout".into(),
                Err(WaitError::Gone { .. }) => "gone".into(),
                Err(WaitError::Unreachable { .. }) => "unreachable".into(),
                Err(WaitError::Request(error)) => {
                    check_request_error(fault, &error, &mut violations);
                    request_outcome(&error)
                }
                Err(other) => format!("other: {other}"),
            }
        }
    };

    // Invariants of every cell.
    for entry in emulator.journal() {
        if entry.method == "DELETE"
            && !matches!(
                entry.state_before.as_deref(),
                None | Some("Creating" | "Completed")
            )
        {
            violations.push(format!("DELETE reached a {:?} job", entry.state_before));
        }
    }
    if matches!(fault, Fault::UnknownEnumValue | Fault::MissingState)
        && op != Op::List
        && (log.count("DELETE", "") > 0 || log.count("PATCH", "") > 0)
    {
        violations.push("a write was sent for a job whose state is not provable".into());
    }
    for method in ["PATCH", "DELETE"] {
        let sent = log.count(method, "");
        if sent > MAX_ATTEMPTS as usize {
            violations.push(format!("{sent} {method} requests > budget {MAX_ATTEMPTS}"));
        }
    }
    CellResult {
        outcome,
        attempts: target.count(&log),
        violations,
        sleeps: clock.sleeps(),
    }
}
