//! Helpers for generator tests: small spec fragments written to a temp dir.

use codegen::ir::Api;
use codegen::loader::Loader;
use codegen::{CodegenError, Customizations};
use serde_json::{Value, json};
use std::path::Path;

/// A minimal Swagger 2.0 document with the given paths and definitions.
pub fn spec(paths: Value, definitions: Value) -> Value {
    json!({
        "swagger": "2.0",
        "info": { "title": "Fragment", "version": "2030-01-01", "description": "A test fragment." },
        "host": "management.azure.com",
        "schemes": ["https"],
        "paths": paths,
        "definitions": definitions,
        "parameters": {
            "api-version": { "name": "api-version", "in": "query", "required": true, "type": "string" },
            "subscriptionId": { "name": "subscriptionId", "in": "path", "required": true, "type": "string" }
        }
    })
}

/// One GET operation returning `schema`.
pub fn get_op(id: &str, path: &str, schema: Value) -> Value {
    json!({
        path: {
            "get": {
                "operationId": id,
                "parameters": [
                    { "$ref": "#/parameters/subscriptionId" },
                    { "$ref": "#/parameters/api-version" }
                ],
                "responses": { "200": { "description": "OK", "schema": schema } }
            }
        }
    })
}

/// Writes files (relative path -> JSON or raw text) into a temp dir.
pub fn write_tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

/// Lowers `spec.json` of a tree.
pub fn lower_tree(dir: &Path, custom: &Customizations) -> Result<Api, CodegenError> {
    let mut loader = Loader::new(dir, None);
    codegen::lower::lower(&mut loader, "spec.json", custom)
}

/// Lowers one in-memory spec with default customizations.
pub fn lower(spec: &Value) -> Result<Api, CodegenError> {
    let dir = write_tree(&[("spec.json", spec.to_string())]);
    lower_tree(dir.path(), &Customizations::default())
}

/// The `file#pointer: message` text of a spec error.
pub fn spec_error(spec: &Value) -> (String, String) {
    match lower(spec) {
        Err(CodegenError::Spec {
            pointer, message, ..
        }) => (pointer, message),
        other => panic!("expected a spec error, got {other:?}"),
    }
}
