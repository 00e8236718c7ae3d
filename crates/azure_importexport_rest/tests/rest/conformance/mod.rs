//! Conformance against the spec's own examples.
//!
//! For every example file next to each pinned spec (read at test time from the spec root in
//! `AZURE_REST_API_SPECS`, resolved against the workspace root when relative), the request
//! is built from the example's `parameters`, sent by the matching operation of that
//! api-version's client to a wiremock server that checks method, path (from the spec's path
//! template), api-version and, for PUT/PATCH, that the JSON body equals the example's; the
//! example's response (status + body) is returned, and the parsed model must re-serialize to
//! JSON equal to the example body, up to the case of enum values (see
//! `examples::same_up_to_enum_case`). Example files that the spec's `x-ms-examples` name but
//! that are absent are skipped by name. Nothing from the examples is copied into this
//! repository.
//!
//! Without `AZURE_REST_API_SPECS` the suite is skipped with a message, unless `CI` is set,
//! in which case it fails.

mod examples;
mod runner;

use examples::{Case, Op, read_spec};
use runner::run_case;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SPEC_DIR: &str = "specification/storageimportexport/resource-manager/Microsoft.ImportExport";

/// (api-version, directory under `SPEC_DIR`, whether its module is compiled in).
const VERSIONS: &[(&str, &str, bool)] = &[
    (
        "2021-01-01",
        "StorageImportExport/preview/2021-01-01",
        cfg!(feature = "v2021_01_01"),
    ),
    (
        "2020-08-01",
        "stable/2020-08-01",
        cfg!(feature = "v2020_08_01"),
    ),
];

/// The spec root, or `None` (after saying why) when the suite is to be skipped.
fn spec_root() -> Option<PathBuf> {
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("AZURE_REST_API_SPECS").filter(|v| !v.is_empty()) {
        Some(value) => {
            let path = PathBuf::from(value);
            let path = if path.is_relative() {
                workspace_root.join(path)
            } else {
                path
            };
            assert!(
                path.join(SPEC_DIR).is_dir(),
                "AZURE_REST_API_SPECS points at {}, which has no {SPEC_DIR}",
                path.display()
            );
            Some(path)
        }
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "AZURE_REST_API_SPECS is not set, and CI is: the conformance suite must run in CI \
                 (set it to ../shared/specs/azure-rest-api-specs)"
            )
        }
        None => {
            println!(
                "SKIPPED conformance: AZURE_REST_API_SPECS is not set (e.g. \
                 AZURE_REST_API_SPECS=../shared/specs/azure-rest-api-specs, relative to the workspace root)"
            );
            None
        }
    }
}

#[tokio::test]
async fn every_spec_example_round_trips_through_the_client() {
    let Some(root) = spec_root() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for &(api_version, dir, compiled) in VERSIONS {
        let version_dir = root.join(SPEC_DIR).join(dir);
        let (operations, named_examples) = read_spec(&version_dir.join("storageimportexport.json"));
        let examples_dir = version_dir.join("examples");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&examples_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();

        for (file, operation_id) in &named_examples {
            if !examples_dir.join(file).is_file() {
                println!(
                    "SKIPPED {api_version}/examples/{file} ({operation_id}): named by x-ms-examples but absent from the spec root"
                );
            }
        }
        if !compiled {
            println!(
                "SKIPPED {api_version}: its module is not compiled (enable its cargo feature)"
            );
            continue;
        }
        assert!(
            !files.is_empty(),
            "no example files under {}",
            examples_dir.display()
        );

        for file in &files {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let label = format!("{api_version}/examples/{stem}.json");
            let Some(op) = Op::from_file_stem(&stem) else {
                failures.push(format!(
                    "{label}: no operation is mapped to this example file"
                ));
                continue;
            };
            let file_name = format!("{stem}.json");
            match named_examples.get(&file_name) {
                Some(named) if named != op.operation_id() => {
                    failures.push(format!(
                        "{label}: mapped to {} but the spec names it under {named}",
                        op.operation_id()
                    ));
                    continue;
                }
                Some(_) => {}
                None => println!("note: {label} is not named by the spec's x-ms-examples"),
            }
            let Some(spec_operation) = operations.get(op.operation_id()) else {
                failures.push(format!("{label}: the spec has no {}", op.operation_id()));
                continue;
            };
            let text = std::fs::read_to_string(file)
                .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            let example: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()));
            if let Some(version) = example["parameters"]["api-version"].as_str() {
                if version != api_version {
                    failures.push(format!("{label}: example says api-version {version}"));
                    continue;
                }
            }
            let case = Case {
                api_version,
                file,
                op,
                spec: spec_operation,
                example: &example,
            };
            match run_case(&case).await {
                Ok(responses) => {
                    checked += responses;
                    println!(
                        "ok {label} -> {} ({} {}; {responses} response(s))",
                        op.operation_id(),
                        spec_operation.method.to_ascii_uppercase(),
                        spec_operation.path_template
                    );
                }
                Err(error) => failures.push(format!("{label} ({}): {error}", case.file.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 0, "no example was checked");
    println!("{checked} example response(s) conform");
}
