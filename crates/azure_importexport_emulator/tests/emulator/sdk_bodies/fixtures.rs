//! The request bodies of the official SDKs, from `tests/fixtures/`: written for this
//! project, with none of the spec examples' values (checked below).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::differential::examples_dir;

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
        let fixture = read_json(&fixtures_dir().join(file));
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

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Strings a fixture may share with the spec's examples: enum values and the SDKs' model
/// defaults (`jobType`, job and drive `state`, `logLevel`), which any body has to use.
const SHARED_WORDS: [&str; 7] = [
    "Import",
    "Export",
    "Creating",
    "Specified",
    "Shipping",
    "Verbose",
    "Error",
];

/// Every `*.json` in a directory named `examples` below `dir`.
fn example_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            example_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json")
            && path.parent().is_some_and(|p| p.ends_with("examples"))
        {
            found.push(path);
        }
    }
}

/// Every string (`strings`) and every object, serialized (`objects`), within `value`.
fn collect(value: &Value, strings: &mut BTreeSet<String>, objects: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            strings.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, strings, objects)),
        Value::Object(map) => {
            objects.insert(value.to_string());
            map.values().for_each(|v| collect(v, strings, objects));
        }
        _ => {}
    }
}

/// Repository rule: the fixtures are written here, never copied from the upstream spec.
/// No string of a fixture's bodies (enum words aside) and no object of them (a whole
/// request body, an address...) appears in any example of any api-version.
#[test]
fn issue12_fixtures_copy_no_example_values() {
    let Some(examples) = examples_dir() else {
        return;
    };
    // Up to `Microsoft.ImportExport`, whose tree holds every api-version's examples.
    let provider = examples
        .ancestors()
        .find(|p| p.ends_with("Microsoft.ImportExport"))
        .expect("the examples live under Microsoft.ImportExport");
    let mut files = Vec::new();
    example_files(provider, &mut files);
    assert!(
        files.len() >= 10,
        "examples of both api-versions: {files:?}"
    );
    let (mut example_strings, mut example_objects) = (BTreeSet::new(), BTreeSet::new());
    for file in &files {
        collect(&read_json(file), &mut example_strings, &mut example_objects);
    }
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-bodies.json"))
        .collect();
    fixtures.sort();
    assert_eq!(fixtures.len(), 2, "{fixtures:?}");
    let mut copied = Vec::new();
    for fixture in &fixtures {
        let (mut strings, mut objects) = (BTreeSet::new(), BTreeSet::new());
        collect(&read_json(fixture)["bodies"], &mut strings, &mut objects);
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        copied.extend(
            strings
                .intersection(&example_strings)
                .filter(|s| !SHARED_WORDS.contains(&s.as_str()))
                .map(|s| format!("{name}: the string {s:?}")),
        );
        copied.extend(
            objects
                .intersection(&example_objects)
                .map(|o| format!("{name}: the object {o}")),
        );
    }
    assert!(
        copied.is_empty(),
        "values copied from the spec examples:\n{}",
        copied.join("\n")
    );
}
