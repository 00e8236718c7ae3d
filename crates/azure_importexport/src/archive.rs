//! Where a job's JSON goes before it is deleted.

use crate::error::ArchiveError;
use crate::job::Job;
use crate::redact::redact_personal_data;
use async_trait::async_trait;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// What [`safe_delete`](crate::JobRef::safe_delete) hands to an [`ArchiveSink`]: the
/// job's identity, the incarnation and version it is, and its JSON exactly as the
/// service returned it.
///
/// `Debug` shows the size of the JSON, not its content (it holds secrets such as
/// carrier account numbers).
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ArchiveRecord<'a> {
    /// Subscription id.
    pub subscription: &'a str,
    /// Resource group.
    pub resource_group: &'a str,
    /// Job name.
    pub name: &'a str,
    /// `systemData.createdAt`: which incarnation of the name this is (a name can be
    /// reused after a delete). `None` where the api-version has no `systemData`.
    pub created_at: Option<&'a str>,
    /// `systemData.lastModifiedAt`: which version of the incarnation this is.
    pub last_modified_at: Option<&'a str>,
    /// The job's JSON, byte for byte as received (unknown fields included).
    pub json: &'a [u8],
}

impl<'a> ArchiveRecord<'a> {
    /// A record of `json` with no `systemData` timestamps.
    pub fn new(
        subscription: &'a str,
        resource_group: &'a str,
        name: &'a str,
        json: &'a [u8],
    ) -> Self {
        ArchiveRecord {
            subscription,
            resource_group,
            name,
            created_at: None,
            last_modified_at: None,
            json,
        }
    }

    /// A record of `job` as read, with its `systemData` timestamps.
    pub fn of_job(
        subscription: &'a str,
        resource_group: &'a str,
        name: &'a str,
        job: &'a Job,
    ) -> Self {
        ArchiveRecord {
            created_at: job.created_at(),
            last_modified_at: job.last_modified_at(),
            ..Self::new(subscription, resource_group, name, job.json())
        }
    }
}

impl fmt::Debug for ArchiveRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArchiveRecord")
            .field("subscription", &self.subscription)
            .field("resource_group", &self.resource_group)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("last_modified_at", &self.last_modified_at)
            .field("json", &format_args!("<{} bytes>", self.json.len()))
            .finish()
    }
}

/// Durable storage for a job's JSON before it is deleted: a directory ([`FsArchive`]),
/// a blob container, a database, a vault... Object-safe: use it as
/// `Arc<dyn ArchiveSink>`.
///
/// An implementation must return only once the record is durable: the DELETE follows
/// immediately, and after it the job cannot be read again. Any error aborts the
/// delete.
///
/// ```
/// use async_trait::async_trait;
/// use azure_importexport::{ArchiveError, ArchiveRecord, ArchiveSink};
/// use std::sync::Mutex;
///
/// /// Keeps archives in memory (for tests).
/// #[derive(Debug, Default)]
/// struct MemoryArchive(Mutex<Vec<(String, Vec<u8>)>>);
///
/// #[async_trait]
/// impl ArchiveSink for MemoryArchive {
///     async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
///         let key = format!("{}/{}/{}", record.subscription, record.resource_group, record.name);
///         self.0.lock().unwrap().push((key.clone(), record.json.to_vec()));
///         Ok(format!("memory:{key}"))
///     }
/// }
///
/// let sink: Box<dyn ArchiveSink> = Box::new(MemoryArchive::default());
/// # let _ = sink;
/// ```
#[async_trait]
pub trait ArchiveSink: Send + Sync + fmt::Debug {
    /// Stores the record durably and returns where it went (a path, URL or id),
    /// reported as [`DeleteOutcome::archived_to`](crate::DeleteOutcome::archived_to).
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError>;

    /// Whether this exact version of the record is stored already (incremental archives
    /// skip it). The default, `false`, makes every run write.
    async fn contains(&self, record: ArchiveRecord<'_>) -> Result<bool, ArchiveError> {
        let _ = record;
        Ok(false)
    }
}

/// A directory of job records that never loses one:
/// `<root>/<subscription>/<resource group>/<job>/<createdAt>_<version>_<hash>.json`.
///
/// - Every incarnation of a name (`createdAt`) and every distinct version of it
///   (`lastModifiedAt`, else the time it was archived) gets its own file; names sort by
///   time. `<hash>` is the start of the SHA-256 of the bytes.
/// - Nothing is ever overwritten: archiving bytes already archived for the same
///   incarnation is a no-op that returns the existing file.
/// - Writes are atomic and durable: a temporary file in the same directory, fsync, a
///   no-clobber hard link to its name, then fsync of that directory and of every
///   directory created on the way. On Unix the file is created readable and writable by its owner only
///   (mode `0600`: it holds secrets) and every directory it creates (`root` included,
///   when missing) is `0700`; directories that exist already are left as they are.
///
/// Names that are not a single safe path segment (empty, `.`, `..`, or containing
/// `/`, `\`, `:` or NUL) are refused, so a name cannot write outside `root`.
///
/// ```
/// use azure_importexport::{ArchiveRecord, ArchiveSink, FsArchive};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let dir = tempfile::tempdir()?;
/// let archive = FsArchive::new(dir.path());
/// let json = br#"{"name":"job1","future":{"kept":true}}"#;
/// let mut record = ArchiveRecord::new("sub", "rg", "job1", json);
/// record.created_at = Some("2026-01-01T00:00:00Z");
/// let written = archive.archive(record).await?;
/// assert_eq!(std::fs::read(&written)?, json);
/// assert!(written.contains("20260101T000000.000000000Z_"));
/// // The same bytes again: the same file, nothing rewritten.
/// assert_eq!(archive.archive(record).await?, written);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FsArchive {
    root: PathBuf,
    redact: bool,
}

impl FsArchive {
    /// Archives under `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsArchive {
            root: root.into(),
            redact: false,
        }
    }

    /// Writes every record with its personal data redacted ([`redact_personal_data`]):
    /// the file says so in its content (`archiveRedaction`) and its name
    /// (`….redacted.json`).
    pub fn redacting_personal_data(mut self) -> Self {
        self.redact = true;
        self
    }

    /// The bytes this archive writes for `record`, and their file name.
    fn prepare(&self, record: &ArchiveRecord<'_>) -> Result<(VersionName, Vec<u8>), ArchiveError> {
        let json = if self.redact {
            redact_personal_data(record.json)
                .map_err(|error| format!("cannot redact a record that is not JSON: {error}"))?
        } else {
            record.json.to_vec()
        };
        Ok((VersionName::of(record, &json, self.redact), json))
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory that holds every archived version of a job name, or why its
    /// names cannot be used.
    pub fn job_dir(
        &self,
        subscription: &str,
        resource_group: &str,
        name: &str,
    ) -> Result<PathBuf, ArchiveError> {
        Ok(self
            .root
            .join(safe_segment("subscription id", subscription)?)
            .join(safe_segment("resource group", resource_group)?)
            .join(safe_segment("job name", name)?))
    }

    /// The archived versions of a job name, oldest first (by incarnation, then version).
    pub fn versions(
        &self,
        subscription: &str,
        resource_group: &str,
        name: &str,
    ) -> Result<Vec<PathBuf>, ArchiveError> {
        let dir = self.job_dir(subscription, resource_group, name)?;
        let mut files = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect::<Vec<_>>(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(format!("cannot list {}: {error}", dir.display()).into()),
        };
        files.sort();
        Ok(files)
    }
}

#[async_trait]
impl ArchiveSink for FsArchive {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        let dir = self.job_dir(record.subscription, record.resource_group, record.name)?;
        let (naming, json) = self.prepare(&record)?;
        // File-system calls block: keep them off the async workers.
        let written = tokio::task::spawn_blocking(move || naming.write_once(&dir, &json))
            .await
            .map_err(|join| format!("the archive task failed: {join}"))??;
        Ok(written.display().to_string())
    }

    async fn contains(&self, record: ArchiveRecord<'_>) -> Result<bool, ArchiveError> {
        let dir = self.job_dir(record.subscription, record.resource_group, record.name)?;
        let (naming, json) = self.prepare(&record)?;
        tokio::task::spawn_blocking(move || match dir.exists() {
            true => naming.existing(&dir, &json).map(|found| found.is_some()),
            false => Ok(false),
        })
        .await
        .map_err(|join| format!("the archive task failed: {join}"))?
    }
}

/// How one version's file is named: `<incarnation>_<version>_<hash>.json`.
struct VersionName {
    /// `json`, or `redacted.json`.
    extension: &'static str,
    incarnation: String,
    version: String,
    hash: String,
}

impl VersionName {
    fn of(record: &ArchiveRecord<'_>, written: &[u8], redacted: bool) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, written);
        VersionName {
            extension: if redacted { "redacted.json" } else { "json" },
            incarnation: record
                .created_at
                .map_or_else(|| UNKNOWN_INCARNATION.to_owned(), sortable_time),
            version: record
                .last_modified_at
                .map_or_else(|| sortable_system_time(SystemTime::now()), sortable_time),
            hash: hex::encode(&digest.as_ref()[..HASH_BYTES]),
        }
    }

    /// Writes `json` unless this incarnation already has these bytes; returns the file.
    fn write_once(&self, dir: &Path, json: &[u8]) -> Result<PathBuf, ArchiveError> {
        let cannot = |what: &str, path: &Path, error: std::io::Error| -> ArchiveError {
            format!("cannot {what} {}: {error}", path.display()).into()
        };
        create_dirs_durably(dir).map_err(|error| cannot("create", dir, error))?;
        if let Some(existing) = self.existing(dir, json)? {
            return Ok(existing);
        }
        let path = dir.join(format!(
            "{}_{}_{}.{}",
            self.incarnation, self.version, self.hash, self.extension
        ));
        if let Err(error) = write_new_file(dir, &path, json) {
            // Another writer got there first: fine if it wrote the same bytes.
            if error.kind() == std::io::ErrorKind::AlreadyExists
                && std::fs::read(&path).is_ok_and(|there| there == json)
            {
                return Ok(path);
            }
            return Err(cannot("write", &path, error));
        }
        sync_dir(dir).map_err(|error| cannot("sync", dir, error))?;
        Ok(path)
    }

    /// A file of this incarnation with the same hash and bytes, if any.
    fn existing(&self, dir: &Path, json: &[u8]) -> Result<Option<PathBuf>, ArchiveError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
        let prefix = format!("{}_", self.incarnation);
        let suffix = format!("_{}.{}", self.hash, self.extension);
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix)
                && name.ends_with(&suffix)
                && std::fs::read(entry.path()).is_ok_and(|there| there == json)
            {
                return Ok(Some(entry.path()));
            }
        }
        Ok(None)
    }
}

/// File-name part for a record without `systemData.createdAt`.
const UNKNOWN_INCARNATION: &str = "unknown-incarnation";
/// Bytes of the SHA-256 kept in file names (16 hex digits).
const HASH_BYTES: usize = 8;

/// An RFC 3339 timestamp as a fixed-width UTC name that sorts by time
/// (`20260101T000000.000000000Z`); text that does not parse is kept, made file-safe.
fn sortable_time(timestamp: &str) -> String {
    match azure_core::time::parse_rfc3339(timestamp) {
        Ok(instant) => sortable_nanos(instant.unix_timestamp_nanos()),
        Err(_) => timestamp
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect(),
    }
}

fn sortable_system_time(time: SystemTime) -> String {
    let nanos = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i128::try_from(since.as_nanos()).unwrap_or(i128::MAX)
        });
    sortable_nanos(nanos)
}

fn sortable_nanos(nanos: i128) -> String {
    let utc = azure_core::time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(azure_core::time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.nanosecond()
    )
}

/// Writes `bytes` to `path` only if nothing is there (`AlreadyExists` otherwise), so that
/// no reader ever sees a partial file: a hidden temporary file in `dir`, written and
/// synced, is hard-linked to `path` (a link, unlike a rename, never replaces what is
/// there), then removed. What `tempfile`'s `persist_noclobber` does, without its
/// dependencies (measured in BENCHMARKS.md, "Build times").
fn write_new_file(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // Bounded: a name taken by another writer is skipped, a few times at most.
    let (temporary, mut file) = (0..16)
        .map(|_| {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            dir.join(format!(".archive-{}-{n}-{nanos}.tmp", std::process::id()))
        })
        .find_map(|temporary| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            // Archives hold secrets (BitLocker keys, carrier accounts): owner only.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let created = options.open(&temporary);
            match created {
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => None,
                created => Some(created.map(|file| (temporary, file))),
            }
        })
        .unwrap_or_else(|| {
            Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "no free temporary file name",
            ))
        })?;
    let linked = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::hard_link(&temporary, path));
    drop(file);
    let _ = std::fs::remove_file(&temporary);
    linked
}

/// Creates `dir` (below `root`) and fsyncs the parent of every directory it created,
/// so the new entries survive a crash, not only the last one.
fn create_dirs_durably(dir: &Path) -> std::io::Result<()> {
    let mut missing = Vec::new();
    // Bounded by the depth of `dir`.
    for ancestor in dir.ancestors() {
        if ancestor.as_os_str().is_empty() || ancestor.exists() {
            break;
        }
        missing.push(ancestor);
    }
    let mut builder = std::fs::DirBuilder::new();
    // Only their owner may list or enter the directories of an archive.
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    for created in missing.iter().rev() {
        match builder.create(created) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
        if let Some(parent) = created.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

fn safe_segment<'a>(what: &str, value: &'a str) -> Result<&'a str, ArchiveError> {
    let unsafe_char = value.chars().any(|c| matches!(c, '/' | '\\' | ':' | '\0'));
    if value.is_empty() || value == "." || value == ".." || unsafe_char {
        return Err(format!(
            "the {what} {value:?} cannot be used as a file name (empty, `.`, `..`, or contains `/`, `\\`, `:` or NUL)"
        )
        .into());
    }
    Ok(value)
}

/// Makes the new directory entry itself durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(rg: &'a str, name: &'a str) -> ArchiveRecord<'a> {
        ArchiveRecord::new("sub", rg, name, b"{}")
    }

    #[test]
    fn unsafe_names_are_refused() {
        let archive = FsArchive::new("/tmp/archive");
        for (rg, name) in [
            ("..", "j"),
            ("rg", "a/b"),
            ("rg", ""),
            ("r\\g", "j"),
            ("rg", "c:x"),
        ] {
            assert!(archive.job_dir("sub", rg, name).is_err(), "{rg} {name}");
        }
        assert_eq!(
            archive.job_dir("sub", "my.rg(1)", "job-1").unwrap(),
            PathBuf::from("/tmp/archive/sub/my.rg(1)/job-1")
        );
    }

    #[test]
    fn debug_hides_the_json() {
        let json = br#"{"carrierAccountNumber":"S3CRET"}"#;
        let record = ArchiveRecord {
            json,
            ..record("rg", "j")
        };
        assert!(!format!("{record:?}").contains("S3CRET"));
    }

    #[test]
    fn times_sort_whatever_their_precision_or_offset() {
        let names = [
            sortable_time("2026-01-01T00:00:00Z"),
            sortable_time("2026-01-01T00:00:00.0000001Z"),
            sortable_time("2026-01-01T01:00:00.5+00:30"),
            sortable_time("2026-01-01T00:59:59.9Z"),
        ];
        assert_eq!(names[0], "20260101T000000.000000000Z");
        assert_eq!(names[2], "20260101T003000.500000000Z");
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                names[0].clone(),
                names[1].clone(),
                names[2].clone(),
                names[3].clone()
            ]
        );
        assert_eq!(sortable_time("not a time/.."), "not-a-time-..");
    }
}

#[cfg(test)]
mod write_new_file_tests {
    use super::write_new_file;

    #[test]
    fn writes_once_and_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_new_file(dir.path(), &path, b"first").unwrap();
        let again = write_new_file(dir.path(), &path, b"second").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        // No temporary file is left behind, either way.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
    }
}
