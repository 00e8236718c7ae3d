//! Where a job's JSON goes before it is deleted.

use crate::error::ArchiveError;
use async_trait::async_trait;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What [`safe_delete`](crate::JobRef::safe_delete) hands to an [`ArchiveSink`]: the
/// job's identity and its JSON exactly as the service returned it.
///
/// `Debug` shows the size of the JSON, not its content (it holds secrets such as
/// carrier account numbers).
#[derive(Clone, Copy)]
pub struct ArchiveRecord<'a> {
    /// Subscription id.
    pub subscription: &'a str,
    /// Resource group.
    pub resource_group: &'a str,
    /// Job name.
    pub name: &'a str,
    /// The job's JSON, byte for byte as received (unknown fields included).
    pub json: &'a [u8],
}

impl fmt::Debug for ArchiveRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArchiveRecord")
            .field("subscription", &self.subscription)
            .field("resource_group", &self.resource_group)
            .field("name", &self.name)
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
}

/// Writes `<root>/<subscription>/<resource group>/<job>.json` atomically: a temporary
/// file in the same directory, fsync, rename, then fsync of the directory. A job
/// archived again (same names) replaces the earlier file. On Unix the file is
/// readable by its owner only (it holds secrets).
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
/// let written = archive
///     .archive(ArchiveRecord { subscription: "sub", resource_group: "rg", name: "job1", json })
///     .await?;
/// assert_eq!(std::fs::read(&written)?, json);
/// assert!(written.ends_with("job1.json"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FsArchive {
    root: PathBuf,
}

impl FsArchive {
    /// Archives under `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsArchive { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file a record goes to, or why its names cannot be used.
    pub fn path_for(&self, record: &ArchiveRecord<'_>) -> Result<PathBuf, ArchiveError> {
        let subscription = safe_segment("subscription id", record.subscription)?;
        let resource_group = safe_segment("resource group", record.resource_group)?;
        let name = safe_segment("job name", record.name)?;
        Ok(self
            .root
            .join(subscription)
            .join(resource_group)
            .join(format!("{name}.json")))
    }
}

#[async_trait]
impl ArchiveSink for FsArchive {
    async fn archive(&self, record: ArchiveRecord<'_>) -> Result<String, ArchiveError> {
        let path = self.path_for(&record)?;
        let json = record.json.to_vec();
        let written = path.clone();
        // File-system calls block: keep them off the async workers.
        tokio::task::spawn_blocking(move || write_atomically(&written, &json))
            .await
            .map_err(|join| format!("the archive task failed: {join}"))?
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        Ok(path.display().to_string())
    }
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

fn write_atomically(path: &Path, json: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the archive path has no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(json)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    sync_dir(dir)
}

/// Makes the rename itself durable.
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
        ArchiveRecord {
            subscription: "sub",
            resource_group: rg,
            name,
            json: b"{}",
        }
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
            assert!(archive.path_for(&record(rg, name)).is_err(), "{rg} {name}");
        }
        assert_eq!(
            archive.path_for(&record("my.rg(1)", "job-1")).unwrap(),
            PathBuf::from("/tmp/archive/sub/my.rg(1)/job-1.json")
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
}
