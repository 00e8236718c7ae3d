//! Generated code is reproducible and current: snapshot of a fragment, `--check` logic on
//! the committed crate, and stale-file detection.

use crate::common::*;
use codegen::emit::{EmitOptions, emit_module};
use serde_json::json;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fragment exercising every construct the emitter handles.
fn fragment() -> serde_json::Value {
    let mut paths = json!({
        "/subscriptions/{subscriptionId}/widgets/{widgetName}": {
            "put": {
                "operationId": "Widgets_Create",
                "description": "Creates a widget.",
                "parameters": [
                    { "name": "widgetName", "in": "path", "required": true, "type": "string" },
                    { "$ref": "#/parameters/subscriptionId" },
                    { "$ref": "#/parameters/api-version" },
                    { "name": "x-ms-client-tenant-id", "in": "header", "type": "string", "x-ms-client-name": "ClientTenantId" },
                    { "name": "body", "in": "body", "required": true, "schema": { "$ref": "#/definitions/Widget" } }
                ],
                "responses": {
                    "200": { "description": "OK", "schema": { "$ref": "#/definitions/Widget" } },
                    "201": { "description": "Created", "schema": { "$ref": "#/definitions/Widget" } },
                    "default": { "description": "Error" }
                }
            },
            "delete": {
                "operationId": "Widgets_Delete",
                "parameters": [
                    { "name": "widgetName", "in": "path", "required": true, "type": "string" },
                    { "$ref": "#/parameters/subscriptionId" },
                    { "$ref": "#/parameters/api-version" }
                ],
                "responses": { "200": { "description": "OK" } }
            }
        }
    });
    let list = get_op(
        "Widgets_List",
        "/subscriptions/{subscriptionId}/widgets",
        json!({ "$ref": "#/definitions/WidgetList" }),
    );
    paths
        .as_object_mut()
        .unwrap()
        .extend(list.as_object().unwrap().clone());
    paths["/subscriptions/{subscriptionId}/widgets"]["get"]["x-ms-pageable"] =
        json!({ "nextLinkName": "nextLink" });
    paths["/subscriptions/{subscriptionId}/widgets"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "$top", "in": "query", "type": "integer", "format": "int32" }));
    spec(
        paths,
        json!({
            "Widget": {
                "description": "A widget.",
                "x-ms-azure-resource": true,
                "required": ["color"],
                "properties": {
                    "id": { "type": "string", "readOnly": true },
                    "color": { "type": "string", "enum": ["Red", "Blue"], "x-ms-enum": { "name": "Color", "modelAsString": false } },
                    "secretKey": { "type": "string" },
                    "size": { "type": "integer", "format": "int64", "default": 1 },
                    "details": { "x-ms-client-flatten": true, "properties": { "note": { "type": "string" } } },
                    "lastResponse": { "$ref": "#/definitions/Response" }
                }
            },
            "Response": {
                "description": "Named like azure_core's `Response`, which the client then writes by full path.",
                "properties": { "code": { "type": "integer", "format": "int32" } }
            },
            "WidgetList": { "properties": {
                "value": { "type": "array", "items": { "$ref": "#/definitions/Widget" } },
                "nextLink": { "type": "string" }
            } }
        }),
    )
}

#[test]
fn fragment_snapshot_is_stable() {
    let custom: codegen::Customizations =
        toml::from_str(r#"secrets = ["Widget.secretKey"]"#).unwrap();
    let dir = write_tree(&[("spec.json", fragment().to_string())]);
    let api = lower_tree(dir.path(), &custom).unwrap();
    let options = EmitOptions {
        runtime_path: "crate::runtime".into(),
        client_name: "WidgetClient".into(),
        spec_file: "fragment.json".into(),
        spec_sha256: "0".repeat(64),
    };
    let first = emit_module(&api, &options).unwrap();
    let second = emit_module(&api, &options).unwrap();
    assert_eq!(first, second, "emission must be deterministic");
    // The `Response` model shadows azure_core's `Response`: no import, the full path instead.
    assert!(
        first
            .client
            .contains("::azure_core::http::Response<models::Widget>"),
        "{}",
        first.client
    );
    assert!(
        !first
            .client
            .lines()
            .any(|line| line.starts_with("use ") && line.contains("Response")),
        "{}",
        first.client
    );
    assert!(first.models.contains("pub id: Option<String>,"));
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/fragment");
    for (name, text) in first.files() {
        let path = snapshots.join(name);
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, text).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == text,
            "snapshot {} differs; review and rerun with UPDATE_SNAPSHOTS=1",
            path.display()
        );
    }
}

#[test]
fn committed_crate_is_current() {
    let Some(spec_root) = std::env::var_os("AZURE_REST_API_SPECS").map(PathBuf::from) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set AZURE_REST_API_SPECS so that this check runs"
        );
        eprintln!("skipped: AZURE_REST_API_SPECS is not set (no spec root found)");
        return;
    };
    let root = workspace_root();
    // A relative spec root is relative to the workspace (tests run inside the crate dir).
    let spec_root = root.join(spec_root);
    let config =
        codegen::PackageConfig::load(&root.join("specs/azure_importexport_rest.toml")).unwrap();
    let lock = codegen::Lock::load(&root.join("specs/upstream.lock")).unwrap();
    let files = codegen::generate_package(&spec_root, &config, &lock).unwrap();
    assert_eq!(files.len(), 8, "two api-versions of four files each");
    let stale = codegen::stale_files(&root, &files);
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}; run `cargo xtask codegen`"
    );
    for file in &files {
        assert!(
            file.contents
                .starts_with("// Code generated by cargo xtask codegen from specification/")
        );
        assert!(file.contents.contains("DO NOT EDIT."));
    }
}

#[test]
fn crlf_line_endings_are_not_stale() {
    // A Windows checkout with `core.autocrlf` turns every `\n` into `\r\n`.
    let files = vec![codegen::GeneratedFile {
        path: "gen/mod.rs".into(),
        contents: "// generated\npub fn f() {}\n".into(),
    }];
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("gen")).unwrap();
    std::fs::write(
        dir.path().join("gen/mod.rs"),
        "// generated\r\npub fn f() {}\r\n",
    )
    .unwrap();
    assert!(codegen::stale_files(dir.path(), &files).is_empty());
    std::fs::write(
        dir.path().join("gen/mod.rs"),
        "// generated\r\npub fn g() {}\r\n",
    )
    .unwrap();
    assert_eq!(codegen::stale_files(dir.path(), &files).len(), 1);
}

#[test]
fn a_hand_edit_is_detected() {
    let files = vec![codegen::GeneratedFile {
        path: "gen/mod.rs".into(),
        contents: "// generated\npub fn f() {}\n".into(),
    }];
    let dir = tempfile::tempdir().unwrap();
    codegen::write_files(dir.path(), &files).unwrap();
    assert!(codegen::stale_files(dir.path(), &files).is_empty());
    std::fs::write(
        dir.path().join("gen/mod.rs"),
        "// generated\npub fn f() { }\n",
    )
    .unwrap();
    assert_eq!(
        codegen::stale_files(dir.path(), &files),
        vec![PathBuf::from("gen/mod.rs")]
    );
    std::fs::remove_file(dir.path().join("gen/mod.rs")).unwrap();
    assert_eq!(
        codegen::stale_files(dir.path(), &files).len(),
        1,
        "a missing file is stale"
    );
}
