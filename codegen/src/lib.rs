//! Code generator for the Storage Import/Export REST client.
//!
//! Pipeline (each step its own module, no I/O policy beyond reading spec files):
//! 1. [`loader`]: read spec documents, verify them against the lock, resolve `$ref`s
//!    (local, `#/parameters/...`, and relative file references).
//! 2. [`lower`]: interpret Swagger 2.0 and the `x-ms-*` extensions into the typed
//!    intermediate model of [`ir`].
//! 3. [`emit`]: produce Rust tokens with `quote` and print them with `prettyplease`.
//!
//! Unsupported or invalid constructs are errors naming the file and JSON pointer.

#![deny(missing_docs)]

pub mod config;
pub mod emit;
pub mod error;
pub mod ir;
pub mod loader;
pub mod lower;
pub mod naming;

pub use config::{Customizations, Lock, PackageConfig};
pub use error::{CodegenError, Result};

use std::path::{Path, PathBuf};

/// A file the generator wants on disk, relative to the directory it generates into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path (`/`-separated).
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

/// Generates every api-version module of a package, paths relative to the workspace root.
/// Every spec file read (including cross-file `$ref` targets) must match the lock.
pub fn generate_package(
    spec_root: &Path,
    config: &PackageConfig,
    lock: &Lock,
) -> Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    for version in &config.api_versions {
        let mut loader = loader::Loader::new(spec_root, Some(lock));
        let api = lower::lower(&mut loader, &version.spec, &config.customizations)?;
        if api.api_version != version.version {
            return Err(CodegenError::Config(format!(
                "{} declares api-version {}, but the config expects {}",
                version.spec, api.api_version, version.version
            )));
        }
        let options = emit::EmitOptions {
            runtime_path: "crate::runtime".to_owned(),
            client_name: config.client_name.clone(),
            spec_file: version.spec.clone(),
            spec_sha256: loader.sha256(&version.spec).unwrap_or_default().to_owned(),
        };
        let module = emit::emit_module(&api, &options)?;
        let dir = Path::new(&config.output_dir).join(&version.module);
        files.extend(module.files().map(|(name, contents)| GeneratedFile {
            path: dir.join(name),
            contents: contents.to_owned(),
        }));
    }
    Ok(files)
}

/// Inputs of [`generate_standalone`].
#[derive(Debug, Clone)]
pub struct StandaloneCrate<'a> {
    /// Any storageimportexport-style Swagger 2.0 file.
    pub input: &'a Path,
    /// Name of the crate to write.
    pub crate_name: &'a str,
    /// Client type name.
    pub client_name: &'a str,
    /// Renames, overrides and secrets (usually the package config's).
    pub customizations: &'a Customizations,
    /// Path of the `azure_importexport_rest` crate, whose runtime module the new crate uses.
    pub runtime_crate: &'a Path,
    /// azure_core version requirement, the same as the workspace's.
    pub azure_core_version: &'a str,
}

/// Generates a standalone crate (its own `Cargo.toml`) from one spec file, without a lock:
/// for maintainers trying a new api-version before pinning it.
pub fn generate_standalone(args: &StandaloneCrate<'_>) -> Result<Vec<GeneratedFile>> {
    let input = std::path::absolute(args.input).map_err(|source| CodegenError::Io {
        path: args.input.to_owned(),
        source,
    })?;
    // Rooted at `/` so that relative references may climb to sibling spec folders.
    let key = input
        .strip_prefix("/")
        .unwrap_or(&input)
        .to_string_lossy()
        .replace('\\', "/");
    let mut loader = loader::Loader::new("/", None);
    let api = lower::lower(&mut loader, &key, args.customizations)?;
    let options = emit::EmitOptions {
        runtime_path: "crate::runtime".to_owned(),
        client_name: args.client_name.to_owned(),
        spec_file: input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        spec_sha256: loader.sha256(&key).unwrap_or_default().to_owned(),
    };
    let module = emit::emit_module(&api, &options)?;
    let runtime_crate =
        std::path::absolute(args.runtime_crate).map_err(|source| CodegenError::Io {
            path: args.runtime_crate.to_owned(),
            source,
        })?;
    let cargo_toml = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false
description = "Generated from {spec} (api-version {version}) by cargo xtask generate."

[workspace]

[dependencies]
async-trait = "0.1"
azure_core = {{ version = "{azure_core}", default-features = false, features = ["reqwest", "reqwest_rustls", "tokio"] }}
azure_importexport_rest = {{ path = "{runtime}", default-features = false }}
serde = "1"
serde_json = "1"
"#,
        name = args.crate_name,
        spec = options.spec_file,
        version = api.api_version,
        azure_core = args.azure_core_version,
        runtime = runtime_crate.display(),
    );
    let lib_rs = format!(
        "{}\n\n//! {} client, api-version `{}`.\n\npub use azure_importexport_rest::runtime;\n\n#[path = \"generated/mod.rs\"]\nmod generated;\npub use generated::*;\n",
        emit::header(&options.spec_file, &options.spec_sha256),
        api.title,
        api.api_version
    );
    let mut files = vec![
        GeneratedFile {
            path: "Cargo.toml".into(),
            contents: cargo_toml,
        },
        GeneratedFile {
            path: "src/lib.rs".into(),
            contents: lib_rs,
        },
    ];
    files.extend(module.files().map(|(name, contents)| GeneratedFile {
        path: Path::new("src/generated").join(name),
        contents: contents.to_owned(),
    }));
    Ok(files)
}

/// Files under `root` whose contents differ from `files` (missing files count as stale).
/// Line endings do not count: a checkout with `core.autocrlf` has CRLF files that are
/// current.
pub fn stale_files(root: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let normalized = |text: &str| text.replace("\r\n", "\n");
    files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(root.join(&f.path)).map_or(true, |on_disk| {
                normalized(&on_disk) != normalized(&f.contents)
            })
        })
        .map(|f| f.path.clone())
        .collect()
}

/// Writes every file under `root`. Callers generate everything first, so a failure in
/// generation never leaves partial output behind; each file is written atomically.
pub fn write_files(root: &Path, files: &[GeneratedFile]) -> Result<()> {
    for file in files {
        let path = root.join(&file.path);
        let io = |source| CodegenError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let tmp = path.with_extension("rs.tmp");
        std::fs::write(&tmp, &file.contents).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
    }
    Ok(())
}
