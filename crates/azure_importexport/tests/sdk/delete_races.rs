//! Issue 10's races around a delete: name reuse, changed versions, 404s after a retry,
//! jobs without `systemData`, and private archive files.

use crate::common::*;
use crate::context::{marked, markers, marking_client};
use crate::delete::RecordingSink;
use azure_importexport::{
    ArchiveRecord, ArchiveSink, CancelAndDeleteError, CancelAndDeleteOptions, CancelError,
    DeleteError, DeleteOptions, FsArchive,
};
use azure_importexport_test::JobJson;
use wiremock::ResponseTemplate;
use wiremock::http::Method;

/// A Completed job of the incarnation `created_at`, version `modified_at`.
fn version(created_at: &str, modified_at: &str) -> String {
    JobJson::new(SUB, RG, JOB)
        .state("Completed")
        .system_data(created_at, modified_at)
        .build()
        .to_string()
}

fn body(json: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(json.to_owned())
}

/// Answers the job's GETs with `gets` and its DELETEs with `deletes`, in turn.
async fn serve(env: &Env, gets: Vec<ResponseTemplate>, deletes: Vec<ResponseTemplate>) {
    env.on_job("GET", seq(gets)).await;
    env.on_job("DELETE", seq(deletes)).await;
}

/// A DELETE answered 500 (maybe applied), then one answered 200.
fn ambiguous_then_ok() -> Vec<ResponseTemplate> {
    vec![
        arm_error(500, "InternalError", "oops"),
        ResponseTemplate::new(200),
    ]
}

/// A job without `systemData` (an api-version that has none).
fn without_system_data(state: &str, cancel_requested: bool) -> ResponseTemplate {
    body(
        &JobJson::new(SUB, RG, JOB)
            .state(state)
            .cancel_requested(cancel_requested)
            .without("/systemData")
            .build()
            .to_string(),
    )
}

/// Review of issue 10, defect 1: archives hold BitLocker keys and carrier accounts, so
/// on Unix the file is `0600` and every directory the archive creates is `0700`.
#[cfg(unix)]
#[tokio::test]
async fn issue10_archive_files_and_directories_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("archive");
    let json = job_json(Some("Completed"), false);

    let written = FsArchive::new(&root)
        .archive(ArchiveRecord::new(SUB, RG, JOB, json.as_bytes()))
        .await
        .unwrap();

    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(written.as_ref()), 0o600, "{written}");
    for dir in [
        root.clone(),
        root.join(SUB),
        root.join(SUB).join(RG),
        root.join(SUB).join(RG).join(JOB),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
}

/// Review of issue 10, defect 3: a changed version found by the re-read before a DELETE
/// retry goes through the same archive-then-verify path as the first attempt: archived,
/// re-read (it changed again: archived again), and only then deleted.
#[tokio::test]
async fn issue10_a_version_changed_before_a_delete_retry_is_archived_and_verified() {
    let env = env().await;
    const CREATED: &str = "2026-01-01T00:00:00Z";
    let [v1, v2, v3] = [
        "2026-01-02T00:00:00Z",
        "2026-01-03T00:00:00Z",
        "2026-01-04T00:00:00Z",
    ]
    .map(|modified| version(CREATED, modified));
    let gets = vec![
        body(&v1), // look-up
        body(&v1), // re-read after archiving v1
        body(&v2), // re-read after the ambiguous 500: changed
        body(&v3), // re-read after archiving v2: changed again
        body(&v3), // re-read after archiving v3: stable
        not_found(),
    ];
    serve(&env, gets, ambiguous_then_ok()).await;
    let sink = std::sync::Arc::new(RecordingSink::default());

    let options = DeleteOptions {
        archive: Some(sink.clone()),
        ..DeleteOptions::default()
    };
    let outcome = env.job().safe_delete(Some(options)).await.unwrap();

    let archived: Vec<Vec<u8>> = sink
        .records
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.3.clone())
        .collect();
    assert_eq!(archived, [&v1, &v2, &v3].map(|v| v.as_bytes().to_vec()));
    assert_eq!(
        outcome.job.json(),
        v3.as_bytes(),
        "the version deleted is the one archived last"
    );
    assert_eq!(outcome.delete_attempts, 2);
    assert_eq!(env.count(Method::GET).await, 6);
}

/// Review of issue 10, defect 4: a 404 to a retried DELETE follows a read that showed the
/// job, so the earlier attempt did not remove it: another actor did, and a GET confirms
/// it is gone.
#[tokio::test]
async fn issue10_a_404_to_a_retried_delete_is_another_actors_removal() {
    let env = env().await;
    let gets = vec![
        ok_job("Completed", false), // look-up
        ok_job("Completed", false), // re-read after the 500: still there
        not_found(),                // confirmation of the 404
    ];
    let deletes = vec![arm_error(500, "InternalError", "oops"), not_found()];
    serve(&env, gets, deletes).await;

    let outcome = env.job().safe_delete(None).await.unwrap();

    assert!(outcome.removed_by_another_actor, "{outcome:?}");
    assert!(!outcome.deleted_by_earlier_attempt, "{outcome:?}");
    assert_eq!(outcome.delete_attempts, 2);
    assert_eq!(
        env.count(Method::GET).await,
        3,
        "the 404 is confirmed by a GET"
    );
}

/// Review of issue 10, defect 2: without `systemData`, identical bytes do not prove the
/// incarnation (a job re-created from the same body reads the same): after an ambiguous
/// DELETE no further DELETE is sent, and the error says why.
#[tokio::test]
async fn issue10_identical_bytes_without_system_data_do_not_allow_a_second_delete() {
    let env = env().await;
    let same = || without_system_data("Creating", false);
    serve(&env, vec![same(), same(), not_found()], ambiguous_then_ok()).await;

    let error = env.job().safe_delete(None).await.unwrap_err();

    let DeleteError::Unproven {
        delete_attempts, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*delete_attempts, 1);
    assert_eq!(env.count(Method::DELETE).await, 1);
    assert!(error.to_string().contains("no further DELETE"), "{error}");
}

/// Found by the concurrent-actor model test (seed 0xac702520260010, histories 832, 881,
/// 1793): without `systemData`, a job re-created under the name while the checked one
/// was archived reads like the checked job changed. Nothing proves it is the job checked,
/// so it is neither archived as such nor deleted: `Unproven`, no DELETE sent.
#[tokio::test]
async fn issue10_a_job_recreated_while_archiving_without_system_data_is_not_deleted() {
    let env = env().await;
    serve(
        &env,
        vec![
            without_system_data("Completed", false),
            without_system_data("Creating", false),
        ],
        vec![ResponseTemplate::new(200)],
    )
    .await;
    let sink = std::sync::Arc::new(RecordingSink::default());

    let error = env
        .job()
        .safe_delete(Some(DeleteOptions {
            archive: Some(sink.clone()),
            ..DeleteOptions::default()
        }))
        .await
        .unwrap_err();

    let DeleteError::Unproven {
        delete_attempts, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*delete_attempts, 0);
    assert_eq!(env.count(Method::DELETE).await, 0);
    assert!(error.to_string().contains("no DELETE was sent"), "{error}");
    assert_eq!(
        sink.records.lock().unwrap().len(),
        1,
        "only the checked job"
    );
}

/// Review of issue 10, defect 5: without `systemData`, the job found Completed after the
/// wait cannot be proven to be the one cancelled, so `cancel_and_delete` refuses with
/// `Unproven` before any PATCH or DELETE (a job already Completed is still deleted: it
/// needs no cancel, and `safe_delete` checks it alone).
#[tokio::test]
async fn issue10_cancel_and_delete_without_system_data_refuses_before_any_write() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            without_system_data("Shipping", false),
            without_system_data("Completed", true),
            without_system_data("Completed", true),
            not_found(),
        ]),
    )
    .await;
    env.on_job("PATCH", without_system_data("Shipping", true))
        .await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let error = env
        .job()
        .cancel_and_delete(secs(3600), None)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            CancelAndDeleteError::Cancel(CancelError::Unproven { .. })
        ),
        "{error:?}"
    );
    assert_eq!(env.count(Method::PATCH).await, 0);
    assert_eq!(env.count(Method::DELETE).await, 0);

    let completed = super::common::env().await;
    let done = || without_system_data("Completed", false);
    let gets = vec![done(), done(), not_found()];
    serve(&completed, gets, vec![ResponseTemplate::new(200)]).await;
    let outcome = completed
        .job()
        .cancel_and_delete(secs(60), None)
        .await
        .unwrap();
    assert!(outcome.cancel.is_none());
    assert_eq!(completed.count(Method::DELETE).await, 1);
}

/// Review of issue 10, defect 8: `CancelAndDeleteOptions::method_options` (the caller's
/// context, set once) reaches every request of every step; a step's own context
/// overrides it. The options' `Debug` is azure_core's `SafeDebug`.
#[tokio::test]
async fn issue10_cancel_and_delete_carries_the_callers_context_to_every_request() {
    let env = env().await;
    let client = marking_client(&env);
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Shipping", false), // cancel's look-up
            ok_job("Completed", true), // wait's poll
            ok_job("Completed", true), // delete's look-up
            not_found(),               // delete's confirmation
        ]),
    )
    .await;
    env.on_job("PATCH", ok_job("Shipping", true)).await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let options = CancelAndDeleteOptions {
        method_options: marked("caller"),
        delete: DeleteOptions {
            method_options: marked("delete-step"),
            ..Default::default()
        },
        ..Default::default()
    };
    let debug = format!("{options:?}");
    client
        .job(RG, JOB)
        .cancel_and_delete(secs(3600), Some(options))
        .await
        .unwrap();

    let seen = markers(&env).await;
    let expected = [
        ("GET", "caller"),
        ("PATCH", "caller"),
        ("GET", "caller"),
        ("GET", "delete-step"),
        ("DELETE", "delete-step"),
        ("GET", "delete-step"),
    ]
    .map(|(method, marker)| (method.to_owned(), marker.to_owned()));
    assert_eq!(seen, expected);
    assert!(debug.starts_with("CancelAndDeleteOptions"), "{debug}");
    assert!(!debug.contains("caller"), "{debug}");
}
