//! Invalid or unsupported specs are clear errors that name the JSON pointer.

use crate::common::*;
use codegen::CodegenError;
use serde_json::json;

fn thing_spec(definitions: serde_json::Value) -> serde_json::Value {
    spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/t",
            json!({ "$ref": "#/definitions/Thing" }),
        ),
        definitions,
    )
}

#[test]
fn dangling_ref() {
    let (pointer, message) = spec_error(&thing_spec(json!({ "Thing": { "properties": {
        "x": { "$ref": "#/definitions/Missing" }
    } } })));
    assert_eq!(pointer, "/definitions/Thing/properties/x/$ref");
    assert!(
        message.contains("dangling $ref `#/definitions/Missing`"),
        "{message}"
    );
}

#[test]
fn dangling_file_ref() {
    let (pointer, message) = spec_error(&thing_spec(json!({ "Thing": { "properties": {
        "x": { "$ref": "other.json#/definitions/X" }
    } } })));
    assert_eq!(pointer, "/definitions/Thing/properties/x/$ref");
    assert!(message.contains("not found"), "{message}");
}

#[test]
fn cyclic_ref_chain() {
    let (pointer, message) = spec_error(&thing_spec(json!({
        "Thing": { "$ref": "#/definitions/Other" },
        "Other": { "$ref": "#/definitions/Thing" }
    })));
    assert!(pointer.ends_with("/$ref"), "{pointer}");
    assert!(message.contains("cyclic $ref"), "{message}");
}

#[test]
fn cyclic_models_by_value() {
    let (pointer, message) = spec_error(&thing_spec(json!({
        "Thing": { "properties": { "other": { "$ref": "#/definitions/Other" } } },
        "Other": { "properties": { "thing": { "$ref": "#/definitions/Thing" } } }
    })));
    assert_eq!(pointer, "/definitions/Other");
    assert!(message.contains("cyclic model reference"), "{message}");
}

#[test]
fn duplicate_operation_id() {
    let mut paths = get_op(
        "Things_Get",
        "/subscriptions/{subscriptionId}/a",
        json!({ "type": "string" }),
    );
    let other = get_op(
        "Things_Get",
        "/subscriptions/{subscriptionId}/b",
        json!({ "type": "string" }),
    );
    paths
        .as_object_mut()
        .unwrap()
        .extend(other.as_object().unwrap().clone());
    let (pointer, message) = spec_error(&spec(paths, json!({})));
    assert_eq!(
        pointer,
        "/paths/~1subscriptions~1{subscriptionId}~1b/get/operationId"
    );
    assert!(
        message.contains("duplicate operationId `Things_Get`"),
        "{message}"
    );
}

#[test]
fn unknown_parameter_location() {
    let mut doc = spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/a",
            json!({ "type": "string" }),
        ),
        json!({}),
    );
    doc["paths"]["/subscriptions/{subscriptionId}/a"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "c", "in": "cookie", "type": "string" }));
    let (pointer, message) = spec_error(&doc);
    assert_eq!(
        pointer,
        "/paths/~1subscriptions~1{subscriptionId}~1a/get/parameters/2/in"
    );
    assert!(
        message.contains("unknown parameter location `cookie`"),
        "{message}"
    );
}

#[test]
fn invalid_identifiers() {
    for bad in ["type", "self", "3d", "a-b"] {
        let (pointer, message) = spec_error(&thing_spec(json!({ "Thing": { "properties": {
            bad: { "type": "string" }
        } } })));
        assert_eq!(pointer, format!("/definitions/Thing/properties/{bad}"));
        assert!(message.contains("x-ms-client-name"), "{bad}: {message}");
    }
}

#[test]
fn unsupported_constructs_are_named() {
    let (pointer, message) = spec_error(&thing_spec(json!({ "Thing": {
        "allOf": [{ "properties": { "a": { "type": "string" } } }]
    } })));
    assert_eq!(pointer, "/definitions/Thing/allOf");
    assert!(message.contains("not supported"), "{message}");
}

#[test]
fn body_that_is_not_json() {
    let dir = write_tree(&[("spec.json", "{ \"swagger\": \"2.0\", oops".to_owned())]);
    match lower_tree(dir.path(), &Default::default()) {
        Err(CodegenError::Parse {
            format, message, ..
        }) => {
            assert_eq!(format, "JSON");
            assert!(message.contains("line 1"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn lock_mismatch_and_unlocked_files_are_refused() {
    let doc = thing_spec(json!({ "Thing": { "properties": { "a": { "type": "string" } } } }));
    let dir = write_tree(&[("spec.json", doc.to_string())]);
    let lock: codegen::Lock = toml::from_str(
        r#"[[file]]
        repository = "x/y"
        commit = "c"
        path = "spec.json"
        sha256 = "0000"
        "#,
    )
    .unwrap();
    let mut loader = codegen::loader::Loader::new(dir.path(), Some(&lock));
    let err = codegen::lower::lower(&mut loader, "spec.json", &Default::default()).unwrap_err();
    assert!(matches!(err, CodegenError::LockMismatch { .. }), "{err}");
    let empty: codegen::Lock = toml::from_str("file = []").unwrap();
    let mut loader = codegen::loader::Loader::new(dir.path(), Some(&empty));
    let err = codegen::lower::lower(&mut loader, "spec.json", &Default::default()).unwrap_err();
    assert!(matches!(err, CodegenError::NotLocked { .. }), "{err}");
}

#[test]
fn enum_values_equal_ignoring_case_are_refused() {
    // Generated enums parse ignoring case (as ARM compares values), so these would collide.
    let (pointer, message) = spec_error(&thing_spec(json!({ "Thing": { "properties": {
        "mode": { "type": "string", "enum": ["FooBar", "Foobar"], "x-ms-enum": { "name": "Mode" } }
    } } })));
    assert_eq!(pointer, "/definitions/Thing/properties/mode");
    assert!(
        message.contains("`FooBar` and `Foobar`") && message.contains("ignoring case"),
        "{message}"
    );
}

#[test]
fn generated_type_names_that_collide_are_refused() {
    // A group named like the client gives a sub-client named like the client.
    let api = lower(&spec(
        get_op(
            "ImportExport_Get",
            "/subscriptions/{subscriptionId}/things",
            json!({ "type": "string" }),
        ),
        json!({}),
    ))
    .unwrap();
    let options = codegen::emit::EmitOptions {
        runtime_path: "crate::runtime".into(),
        client_name: "ImportExportClient".into(),
        spec_file: "spec.json".into(),
        spec_sha256: String::new(),
    };
    let error = codegen::emit::emit_module(&api, &options).unwrap_err();
    assert!(
        error.to_string().contains("`ImportExportClient`"),
        "{error}"
    );
}
