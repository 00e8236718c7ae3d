//! Loads spec documents and resolves `$ref`s, also across files.
//!
//! Documents are keyed by their path relative to the spec root (`specification/...`), so
//! that the lock can pin them and error messages name them the way the upstream repository
//! does. When a lock is given, every file read is verified against it before it is parsed.

use crate::config::{Lock, sha256_hex};
use crate::error::{CodegenError, Result};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// A JSON node's address: document key + JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// Document key (path relative to the spec root, `/`-separated).
    pub file: String,
    /// JSON pointer inside the document (`/definitions/Foo`), `""` for the root.
    pub pointer: String,
}

impl Location {
    /// The location of a child node.
    pub fn child(&self, token: &str) -> Location {
        let escaped = token.replace('~', "~0").replace('/', "~1");
        Location {
            file: self.file.clone(),
            pointer: format!("{}/{}", self.pointer, escaped),
        }
    }

    /// An error at this location.
    pub fn error(&self, message: impl Into<String>) -> CodegenError {
        CodegenError::spec(&self.file, &self.pointer, message)
    }
}

/// Loaded documents with their sha256.
#[derive(Debug)]
pub struct Loader<'l> {
    root: PathBuf,
    lock: Option<&'l Lock>,
    docs: BTreeMap<String, (Value, String)>,
}

impl<'l> Loader<'l> {
    /// A loader reading files under `root`, verifying them against `lock` when given.
    pub fn new(root: impl Into<PathBuf>, lock: Option<&'l Lock>) -> Self {
        Loader {
            root: root.into(),
            lock,
            docs: BTreeMap::new(),
        }
    }

    /// Loads (once) the document with key `file` and returns its root location.
    pub fn load(&mut self, file: &str) -> Result<Location> {
        if !self.docs.contains_key(file) {
            let path = self.root.join(file);
            let bytes = std::fs::read(&path).map_err(|source| CodegenError::Io {
                path: path.clone(),
                source,
            })?;
            let sha = sha256_hex(&bytes);
            if let Some(lock) = self.lock {
                let entry = lock.get(file).ok_or_else(|| CodegenError::NotLocked {
                    path: file.to_owned(),
                })?;
                if !entry.sha256.eq_ignore_ascii_case(&sha) {
                    return Err(CodegenError::LockMismatch {
                        path: file.to_owned(),
                        expected: entry.sha256.clone(),
                        actual: sha,
                    });
                }
            }
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| CodegenError::Parse {
                path: path.clone(),
                format: "JSON",
                message: e.to_string(),
            })?;
            self.docs.insert(file.to_owned(), (value, sha));
        }
        Ok(Location {
            file: file.to_owned(),
            pointer: String::new(),
        })
    }

    /// sha256 of a loaded document.
    pub fn sha256(&self, file: &str) -> Option<&str> {
        self.docs.get(file).map(|(_, sha)| sha.as_str())
    }

    /// The node at a location (documents must be loaded).
    pub fn get(&self, loc: &Location) -> Result<&Value> {
        let (doc, _) = self
            .docs
            .get(&loc.file)
            .ok_or_else(|| loc.error("document not loaded"))?;
        doc.pointer(&loc.pointer)
            .ok_or_else(|| loc.error("no such node"))
    }

    /// Follows `$ref` chains starting at `loc` until a node without `$ref`; returns its location.
    /// Errors on dangling and cyclic references, naming where the bad `$ref` is.
    pub fn resolve(&mut self, loc: &Location) -> Result<Location> {
        let mut current = loc.clone();
        let mut seen = HashSet::new();
        loop {
            let node = self.get(&current)?;
            let Some(reference) = node.get("$ref") else {
                return Ok(current);
            };
            let reference = reference
                .as_str()
                .ok_or_else(|| current.child("$ref").error("`$ref` must be a string"))?
                .to_owned();
            if !seen.insert(current.clone()) {
                return Err(current
                    .child("$ref")
                    .error(format!("cyclic $ref: `{reference}` leads back here")));
            }
            current = self.target(&current, &reference)?;
        }
    }

    /// The location a `$ref` string (found at `from`) points to, loading its file if needed.
    pub fn target(&mut self, from: &Location, reference: &str) -> Result<Location> {
        let (file_part, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() {
            from.file.clone()
        } else {
            join_relative(&from.file, file_part).ok_or_else(|| {
                from.child("$ref")
                    .error(format!("`{reference}` escapes the spec root"))
            })?
        };
        if !file_part.is_empty() {
            self.load(&file).map_err(|e| match e {
                CodegenError::Io { .. } => from.child("$ref").error(format!(
                    "dangling $ref `{reference}`: file {file} not found"
                )),
                other => other,
            })?;
        }
        let target = Location {
            file,
            pointer: pointer.to_owned(),
        };
        if self.get(&target).is_err() {
            return Err(from
                .child("$ref")
                .error(format!("dangling $ref `{reference}`: no such node")));
        }
        Ok(target)
    }
}

/// `dir_of(base)/relative`, normalised lexically; `None` if it climbs above the root.
fn join_relative(base: &str, relative: &str) -> Option<String> {
    let base_dir = Path::new(base).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for component in base_dir.join(relative).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_normalise() {
        assert_eq!(
            join_relative("a/b/c/spec.json", "../../common/types.json").as_deref(),
            Some("a/common/types.json")
        );
        assert_eq!(join_relative("spec.json", "../x.json"), None);
    }
}
