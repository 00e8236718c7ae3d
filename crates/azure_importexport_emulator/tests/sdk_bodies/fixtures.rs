//! The request bodies of the official SDKs, from `tests/fixtures/`.

use std::path::Path;

use serde_json::Value;

/// One SDK's fixture file.
pub struct Sdk {
    /// Which SDK, for assertion messages.
    pub label: String,
    bodies: Value,
}

impl Sdk {
    /// azure-mgmt-storageimportexport 1.0.0b2: its models send `cancelRequested: false`
    /// and `backupDriveManifest: false` with every update.
    pub fn python() -> Self {
        Self::load("python-azure-mgmt-storageimportexport-1.0.0b2-bodies.json")
    }

    /// @azure/arm-storageimportexport: sends only what the caller set.
    pub fn js() -> Self {
        Self::load("js-azure-arm-storageimportexport-bodies.json")
    }

    fn load(file: &str) -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let fixture: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        Self {
            label: fixture["sdk"].as_str().unwrap_or(file).to_owned(),
            bodies: fixture["bodies"].clone(),
        }
    }

    /// The body the SDK sends for `call` (`create`, `update`, `ship`, `tags`, `cancel`).
    pub fn body(&self, call: &str) -> Value {
        let body = &self.bodies[call];
        assert!(body.is_object(), "{}: no body for {call}", self.label);
        body.clone()
    }
}
