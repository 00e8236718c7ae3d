//! Repository rule, checked: no hand-written file carries a value from the upstream
//! spec's examples (addresses, drive ids, keys, hashes, storage paths, display texts).
//! Test data is written here; what the generator derives from the spec lives in
//! `generated/` and is not scanned.

use crate::workspace_root;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Example fields whose values are data someone wrote for the example, not protocol
/// facts (enum values, resource types, api-versions and region names are facts).
const DATA_FIELDS: &[&str] = &[
    "bitLockerKey",
    "carrierAccountNumber",
    "city",
    "description",
    "diagnosticsPath",
    "driveHeaderHash",
    "driveId",
    "email",
    "errorLogUri",
    "jobName",
    "manifestFile",
    "manifestHash",
    "manifestUri",
    "operation",
    "phone",
    "postalCode",
    "provider",
    "recipientName",
    "resourceGroupName",
    "shipDate",
    "storageAccountId",
    "streetAddress1",
    "streetAddress2",
    "trackingNumber",
    "verboseLogUri",
];

/// Shorter values are too likely to occur by chance (`CA`, `Test`).
const MIN_LEN: usize = 5;

/// Directories never scanned: build output, VCS data, fetched specs, generated code.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "upstream", "generated", "snapshots"];

const SCANNED_EXTENSIONS: &[&str] = &["rs", "md", "json", "toml", "txt", "sh", "py", "js"];

fn spec_root() -> Option<PathBuf> {
    let root = std::env::var_os("AZURE_REST_API_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/specs/azure-rest-api-specs"));
    root.is_dir().then_some(root)
}

fn collect_data_values(value: &Value, field: Option<&str>, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                collect_data_values(member, Some(key), into);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_data_values(item, field, into);
            }
        }
        Value::String(text)
            if text.len() >= MIN_LEN && field.is_some_and(|f| DATA_FIELDS.contains(&f)) =>
        {
            into.insert(text.clone());
        }
        _ => {}
    }
}

/// Every file under `dir`, bounded by the tree's size (no symlinks followed).
fn files_under(dir: &Path, extensions: &[&str], into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) {
            files_under(&path, extensions, into);
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| extensions.contains(&e.to_string_lossy().as_ref()))
        {
            into.push(path);
        }
    }
}

fn example_data_values(spec_root: &Path) -> BTreeSet<String> {
    let provider = spec_root.join("specification/storageimportexport");
    let mut files = Vec::new();
    files_under(&provider, &["json"], &mut files);
    let mut values = BTreeSet::new();
    for file in files
        .iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "examples"))
    {
        let text = std::fs::read_to_string(file).expect("an example file");
        let json: Value = serde_json::from_str(&text).expect("an example is JSON");
        collect_data_values(&json, None, &mut values);
    }
    values
}

/// Whether `text` holds `value`: anywhere for long values, as a whole string literal
/// (plain or escaped quotes) for short ones.
fn holds(text: &str, value: &str) -> bool {
    let escaped = serde_json::to_string(value).expect("a string");
    let inner = &escaped[1..escaped.len() - 1];
    if value.len() > MIN_LEN {
        return text.contains(inner);
    }
    text.contains(&format!("\"{inner}\"")) || text.contains(&format!("\\\"{inner}\\\""))
}

#[test]
fn no_hand_written_file_carries_a_value_from_the_spec_examples() {
    let Some(spec_root) = spec_root() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the spec mirror (set AZURE_REST_API_SPECS)"
        );
        eprintln!("skipped: no spec mirror (set AZURE_REST_API_SPECS)");
        return;
    };
    let values = example_data_values(&spec_root);
    assert!(
        values.len() >= 20,
        "the examples' data values were found: {values:?}"
    );
    let mut files = Vec::new();
    files_under(&workspace_root(), SCANNED_EXTENSIONS, &mut files);
    assert!(files.len() > 50, "the workspace was scanned");
    let mut copied = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for value in values.iter().filter(|v| holds(&text, v)) {
            copied.push(format!("{}: {value:?}", file.display()));
        }
    }
    assert!(
        copied.is_empty(),
        "values copied from the spec's examples (write your own test data):\n{}",
        copied.join("\n")
    );
}

#[test]
fn short_values_match_only_as_whole_literals() {
    assert!(holds(r#"{"city": "Paris"}"#, "Paris"));
    assert!(holds(r#"json!("{\"city\": \"Paris\"}")"#, "Paris"));
    assert!(!holds("Parisian", "Paris"));
    assert!(holds("see https://x/waimport", "https://x/waimport"));
}
