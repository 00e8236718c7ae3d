//! The per-package codegen configuration (`specs/<package>.toml`) and the lock that pins
//! every upstream spec file (`specs/upstream.lock`).

use crate::error::{CodegenError, Result};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

/// What to generate for one package.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    /// Crate name, e.g. `azure_importexport_rest`.
    pub package: String,
    /// Directory (relative to the workspace root) that receives the generated modules.
    pub output_dir: String,
    /// Name of the top-level client type, e.g. `ImportExportClient`.
    pub client_name: String,
    /// One entry per generated api-version.
    #[serde(rename = "api_version")]
    pub api_versions: Vec<ApiVersionConfig>,
    #[serde(flatten)]
    /// Shape customisations shared by every api-version.
    pub customizations: Customizations,
}

/// One api-version: which spec file, which module.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiVersionConfig {
    /// The api-version string sent on the wire, e.g. `2021-01-01`.
    pub version: String,
    /// Rust module (and cargo feature) name, e.g. `v2021_01_01`.
    pub module: String,
    /// Spec path relative to the spec root.
    pub spec: String,
}

/// Renames, type overrides and secrets; keys are `Model.wireProperty`, `*` matches any model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customizations {
    /// Rust field names for wire properties, e.g. `"*.type" = "resource_type"`.
    #[serde(default)]
    pub renames: BTreeMap<String, String>,
    /// Type overrides: `"*.tags" = "map<string>"`.
    #[serde(default)]
    pub type_overrides: BTreeMap<String, String>,
    /// Properties typed as a named extensible enum although the spec says `string`.
    #[serde(default, rename = "enum_override")]
    pub enum_overrides: Vec<EnumOverride>,
    /// Properties whose values are secrets: redacted in `Debug`.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// A string property that the SDK models as an extensible enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumOverride {
    /// `Model.wireProperty` keys.
    pub properties: Vec<String>,
    /// Rust enum name.
    pub name: String,
    /// Doc comment of the enum.
    pub description: String,
    /// Known values, in lifecycle order.
    pub values: Vec<EnumOverrideValue>,
}

/// One known value of an [`EnumOverride`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumOverrideValue {
    /// Wire value.
    pub value: String,
    /// Doc comment.
    pub description: String,
}

impl Customizations {
    /// Looks up `model.prop`, then `*.prop`.
    pub fn lookup<'a, V>(map: &'a BTreeMap<String, V>, model: &str, prop: &str) -> Option<&'a V> {
        map.get(&format!("{model}.{prop}"))
            .or_else(|| map.get(&format!("*.{prop}")))
    }

    /// Whether `model.prop` is a secret.
    pub fn is_secret(&self, model: &str, prop: &str) -> bool {
        let key = format!("{model}.{prop}");
        self.secrets.contains(&key)
    }

    /// The enum override for `model.prop`, if any.
    pub fn enum_override(&self, model: &str, prop: &str) -> Option<&EnumOverride> {
        let key = format!("{model}.{prop}");
        self.enum_overrides
            .iter()
            .find(|o| o.properties.contains(&key))
    }
}

impl PackageConfig {
    /// Reads a package config from a TOML file.
    pub fn load(path: &Path) -> Result<Self> {
        load_toml(path)
    }
}

/// `specs/upstream.lock`: every upstream file generation reads, pinned by sha256.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// Pinned files.
    #[serde(rename = "file")]
    pub files: Vec<LockedFile>,
}

/// One pinned upstream file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedFile {
    /// Upstream repository, e.g. `Azure/azure-rest-api-specs`.
    pub repository: String,
    /// Upstream commit the file was taken from.
    pub commit: String,
    /// Path relative to the repository root (= the spec root).
    pub path: String,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
}

impl Lock {
    /// Reads the lock from a TOML file.
    pub fn load(path: &Path) -> Result<Self> {
        load_toml(path)
    }

    /// The entry for a relative path.
    pub fn get(&self, path: &str) -> Option<&LockedFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The raw download URL of a pinned file on GitHub, relative to `base`
    /// (`https://raw.githubusercontent.com` upstream; a local server in tests).
    pub fn download_url(base: &str, file: &LockedFile) -> String {
        format!(
            "{}/{}/{}/{}",
            base.trim_end_matches('/'),
            file.repository,
            file.commit,
            file.path
        )
    }
}

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Reads and parses a TOML file (the package config, the lock); errors name the file,
/// and the line for syntax errors.
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Io {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| CodegenError::Parse {
        path: path.to_owned(),
        format: "TOML",
        message: e.to_string(),
    })
}
