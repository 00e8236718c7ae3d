use crate::common::*;
use async_trait::async_trait;
use azure_importexport::CategorizedError as _;
use azure_importexport::{
    ArchiveError, ArchiveRecord, ArchiveSink, CancelAndDeleteError, CancelAndDeleteOptions,
    DeleteError, DeleteOptions, ErrorCategory, FsArchive, JobState, WaitOptions,
};
use std::sync::Mutex;
use wiremock::ResponseTemplate;
use wiremock::http::Method;

/// Subscription, resource group, job name, JSON.
pub(crate) type Archived = (String, String, String, Vec<u8>);

/// A sink that records what it was given, or fails.
#[derive(Debug, Default)]
pub(crate) struct RecordingSink {
    pub(crate) fail: bool,
    pub(crate) records: Mutex<Vec<Archived>>,
}

#[async_trait]
impl ArchiveSink for RecordingSink {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        if self.fail {
            return Err("the vault is read-only".into());
        }
        self.records.lock().unwrap().push((
            record.subscription.to_owned(),
            record.resource_group.to_owned(),
            record.name.to_owned(),
            record.json.to_vec(),
        ));
        Ok("memory:1".to_owned())
    }
}

#[tokio::test]
async fn every_non_deletable_state_is_refused_without_a_delete() {
    for state in non_deletable_states() {
        let env = env().await;
        let body = job_json(state, false);
        env.on_job("GET", ResponseTemplate::new(200).set_body_string(body))
            .await;
        env.on_job("DELETE", ResponseTemplate::new(200)).await;

        let error = env.job().safe_delete(None).await.unwrap_err();

        match &error {
            DeleteError::NotDeletable { state: seen, .. } => assert_eq!(seen, &state_of(state)),
            other => panic!("{state:?}: {other:?}"),
        }
        assert_eq!(error.category(), ErrorCategory::RefusedByState);
        assert!(error.to_string().contains("no DELETE was sent"), "{error}");
        assert_eq!(env.count(Method::DELETE).await, 0, "{state:?}");
    }
}

#[tokio::test]
async fn creating_job_is_deleted_and_confirmed_gone() {
    let env = env().await;
    env.on_job("GET", seq(vec![ok_job("Creating", false), not_found()]))
        .await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let outcome = env.job().safe_delete(None).await.unwrap();

    assert_eq!(outcome.state_at_delete, JobState::Creating);
    assert_eq!(outcome.archived_to, None);
    assert_eq!(outcome.delete_attempts, 1);
    assert!(!outcome.deleted_by_earlier_attempt);
    assert_eq!(env.count(Method::DELETE).await, 1);
    assert_eq!(env.count(Method::GET).await, 2, "look-up and confirmation");
    let printed = serde_json::to_value(&outcome).unwrap();
    assert_eq!(printed["stateAtDelete"], "Creating");
    assert!(printed["archivedTo"].is_null());
}

#[tokio::test]
async fn job_json_is_archived_byte_for_byte() {
    let env = env().await;
    // Odd spacing, escapes, key order and unknown fields must all survive.
    let exact = format!(
        "{{ \"name\" : \"{JOB}\",\n \"zeta\":1, \"properties\":{{\"state\":\"Completed\",\"unknownNested\":{{\"a\":[1, 2.50, \"\\u00e9\"]}},\"returnShipping\":{{\"carrierAccountNumber\":\"{CARRIER_ACCOUNT}\"}}}}, \"alpha\":null }}"
    );
    env.on_job(
        "GET",
        seq(vec![
            ResponseTemplate::new(200).set_body_string(exact.clone()),
            ResponseTemplate::new(200).set_body_string(exact.clone()),
            not_found(),
        ]),
    )
    .await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;
    let dir = tempfile::tempdir().unwrap();

    let outcome = env
        .job()
        .safe_delete(Some(
            DeleteOptions::default().with_archive(FsArchive::new(dir.path())),
        ))
        .await
        .unwrap();

    let job_dir = dir.path().join(SUB).join(RG).join(JOB);
    let archived = std::path::PathBuf::from(outcome.archived_to.unwrap());
    assert_eq!(archived.parent(), Some(job_dir.as_path()));
    // No systemData in this reply: the incarnation is unknown, the name still sorts.
    let file_name = archived.file_name().unwrap().to_string_lossy().into_owned();
    assert!(file_name.starts_with("unknown-incarnation_"), "{file_name}");
    assert_eq!(std::fs::read(&archived).unwrap(), exact.as_bytes());
    // Only the archive is left in the directory (the temporary file was renamed).
    let entries: Vec<_> = std::fs::read_dir(&job_dir).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[tokio::test]
async fn custom_sink_gets_the_exact_json_and_identity() {
    let env = env().await;
    let body = job_json(Some("Completed"), true);
    env.on_job(
        "GET",
        seq(vec![
            ResponseTemplate::new(200).set_body_string(body.clone()),
            not_found(),
        ]),
    )
    .await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;
    let sink = std::sync::Arc::new(RecordingSink::default());

    let options = DeleteOptions {
        archive: Some(sink.clone()),
        ..DeleteOptions::default()
    };
    let outcome = env.job().safe_delete(Some(options)).await.unwrap();

    assert_eq!(outcome.archived_to.as_deref(), Some("memory:1"));
    let records = sink.records.lock().unwrap();
    assert_eq!(
        records[..],
        [(SUB.into(), RG.into(), JOB.into(), body.into_bytes())]
    );
}

#[tokio::test]
async fn archive_failure_means_no_delete() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let failing = RecordingSink {
        fail: true,
        ..Default::default()
    };
    let error = env
        .job()
        .safe_delete(Some(DeleteOptions::default().with_archive(failing)))
        .await
        .unwrap_err();

    assert!(
        matches!(error, DeleteError::ArchiveFailed { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("read-only"), "{error}");
    assert!(error.to_string().contains("nothing was deleted"), "{error}");
    assert_eq!(env.count(Method::DELETE).await, 0);
}

#[tokio::test]
async fn unwritable_archive_directory_means_no_delete() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;
    // A regular file where the archive root should be a directory.
    let file = tempfile::NamedTempFile::new().unwrap();

    let error = env
        .job()
        .safe_delete(Some(
            DeleteOptions::default().with_archive(FsArchive::new(file.path())),
        ))
        .await
        .unwrap_err();

    assert!(
        matches!(error, DeleteError::ArchiveFailed { .. }),
        "{error:?}"
    );
    assert_eq!(error.category(), ErrorCategory::Other);
    assert_eq!(env.count(Method::DELETE).await, 0);
}

#[tokio::test]
async fn delete_404_after_an_ambiguous_500_counts_as_deleted() {
    let env = env().await;
    env.on_job("GET", seq(vec![ok_job("Completed", false), not_found()]))
        .await;
    env.on_job("DELETE", arm_error(500, "InternalError", "oops"))
        .await;

    let outcome = env.job().safe_delete(None).await.unwrap();

    assert!(outcome.deleted_by_earlier_attempt);
    assert!(!outcome.removed_by_another_actor);
    // The re-read settled it: no second DELETE.
    assert_eq!(outcome.delete_attempts, 1);
    assert_eq!(env.count(Method::DELETE).await, 1);
    assert_eq!(env.clock.sleeps(), vec![millis(100)]);
}

#[tokio::test]
async fn delete_404_without_an_earlier_attempt_means_someone_else_removed_it() {
    let env = env().await;
    env.on_job("GET", seq(vec![ok_job("Completed", false), not_found()]))
        .await;
    env.on_job("DELETE", not_found()).await;

    let outcome = env.job().safe_delete(None).await.unwrap();

    assert!(outcome.removed_by_another_actor);
    assert!(!outcome.deleted_by_earlier_attempt);
    assert_eq!(env.count(Method::DELETE).await, 1);
}

#[tokio::test]
async fn delete_404_that_a_read_contradicts_is_not_found() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    env.on_job("DELETE", not_found()).await;

    let error = env.job().safe_delete(None).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::NotFound);
    assert_eq!(env.count(Method::DELETE).await, 1);
}

#[tokio::test]
async fn delete_refusal_is_final() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    env.on_job("DELETE", arm_error(400, "InvalidRequest", "bad request"))
        .await;

    let error = env.job().safe_delete(None).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::Refused);
    assert_eq!(env.count(Method::DELETE).await, 1);
}

/// Issue 10 item 4: `409 JobCannotBeDeleted` (the job moved on between the check and
/// the DELETE) is `RefusedByState`, reported with the state the job is in now.
#[tokio::test]
async fn issue10_delete_409_job_cannot_be_deleted_is_refused_by_state() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![ok_job("Creating", false), ok_job("Shipping", false)]),
    )
    .await;
    env.on_job(
        "DELETE",
        arm_error(409, "JobCannotBeDeleted", "Only Creating or Completed jobs"),
    )
    .await;

    let error = env.job().safe_delete(None).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::RefusedByState);
    match &error {
        DeleteError::NotDeletable { state, .. } => assert_eq!(state, &JobState::Shipping),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.count(Method::DELETE).await, 1);
}

#[tokio::test]
async fn delete_retries_are_bounded() {
    let env = env().await;
    env.on_job("GET", ok_job("Creating", false)).await;
    env.on_job("DELETE", ResponseTemplate::new(503)).await;

    let error = env.job().safe_delete(None).await.unwrap_err();

    assert_eq!(error.category(), ErrorCategory::GaveUp);
    assert_eq!(env.count(Method::DELETE).await, 3);
}

#[tokio::test]
async fn job_still_there_after_delete_is_reported() {
    let env = env().await;
    env.on_job("GET", ok_job("Completed", false)).await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let error = env.job().safe_delete(None).await.unwrap_err();

    assert!(
        matches!(
            error,
            DeleteError::StillPresent {
                state: JobState::Completed,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn cancel_and_delete_runs_the_whole_sequence() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Transferring", false), // cancel's look-up
            ok_job("Transferring", true),  // first wait poll
            ok_job("Completed", true),     // second wait poll
            ok_job("Completed", true),     // delete's look-up
            not_found(),                   // confirmation
        ]),
    )
    .await;
    env.on_job("PATCH", ok_job("Transferring", true)).await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let options = CancelAndDeleteOptions {
        wait: WaitOptions::default().with_delays(secs(10), secs(60)),
        ..Default::default()
    };
    let outcome = env
        .job()
        .cancel_and_delete(secs(3600), Some(options))
        .await
        .unwrap();

    let cancel = outcome.cancel.expect("cancelled");
    assert_eq!(cancel.state_at_request, JobState::Transferring);
    assert_eq!(outcome.delete.state_at_delete, JobState::Completed);
    assert_eq!(env.count(Method::PATCH).await, 1);
    assert_eq!(env.count(Method::DELETE).await, 1);
    assert_eq!(env.clock.sleeps(), vec![secs(10)]);
}

#[tokio::test]
async fn cancel_and_delete_skips_the_cancel_of_a_completed_job() {
    let env = env().await;
    env.on_job(
        "GET",
        seq(vec![
            ok_job("Completed", false),
            ok_job("Completed", false),
            not_found(),
        ]),
    )
    .await;
    env.on_job("DELETE", ResponseTemplate::new(200)).await;

    let outcome = env.job().cancel_and_delete(secs(60), None).await.unwrap();

    assert!(outcome.cancel.is_none());
    assert_eq!(env.count(Method::PATCH).await, 0);
    assert_eq!(env.count(Method::DELETE).await, 1);
}

#[tokio::test]
async fn cancel_and_delete_reports_the_failed_step() {
    let env = env().await;
    env.on_job("GET", ok_job("Packaging", false)).await;

    let error = env
        .job()
        .cancel_and_delete(secs(60), None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, CancelAndDeleteError::Cancel(_)),
        "{error:?}"
    );
    assert_eq!(error.category(), ErrorCategory::RefusedByState);
    assert_eq!(env.count(Method::DELETE).await, 0);
}
