//! "Same shape" as the spec's examples: the same top-level keys and the same keys under
//! `properties`, each with the same JSON type; values are ignored (ids, timestamps and
//! addresses differ by design).

use std::collections::BTreeMap;

use serde_json::Value;

/// The keys of a job-like document and of its `properties`, with their JSON types.
/// Property keys are named `properties.{key}`.
pub fn shape(document: &Value) -> BTreeMap<String, &'static str> {
    let mut shape = BTreeMap::new();
    let Some(top) = document.as_object() else {
        shape.insert("<root>".to_owned(), type_name(document));
        return shape;
    };
    for (key, value) in top {
        shape.insert(key.clone(), type_name(value));
    }
    if let Some(properties) = document.get("properties").and_then(Value::as_object) {
        for (key, value) in properties {
            shape.insert(format!("properties.{key}"), type_name(value));
        }
    }
    shape
}

/// Panics, listing every difference, unless `actual` has the shape of `expected` (the
/// keys in `ignored` aside).
pub fn assert_same_shape(label: &str, actual: &Value, expected: &Value, ignored: &[&str]) {
    let keep = |shape: BTreeMap<String, &'static str>| -> BTreeMap<String, &'static str> {
        shape
            .into_iter()
            .filter(|(k, _)| !ignored.contains(&k.as_str()))
            .collect()
    };
    let actual_shape = keep(shape(actual));
    let expected_shape = keep(shape(expected));
    let mut differences = Vec::new();
    for (key, want) in &expected_shape {
        match actual_shape.get(key) {
            None => differences.push(format!("missing `{key}` ({want})")),
            Some(got) if got != want => {
                differences.push(format!("`{key}` is {got}, the example has {want}"))
            }
            Some(_) => {}
        }
    }
    for (key, got) in &actual_shape {
        if !expected_shape.contains_key(key) {
            differences.push(format!("extra `{key}` ({got})"));
        }
    }
    assert!(
        differences.is_empty(),
        "{label}: the emulator's answer differs in shape from the spec's example:\n  {}\nanswer: {actual:#}",
        differences.join("\n  ")
    );
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn shapes_compare_keys_and_types_not_values() {
    let a = serde_json::json!({ "id": "x", "properties": { "n": 1, "s": "a" } });
    let b = serde_json::json!({ "id": "y", "properties": { "n": 2, "s": "b" } });
    assert_same_shape("same", &a, &b, &[]);
    let c = serde_json::json!({ "id": "y", "properties": { "n": "2", "t": true } });
    let diff = std::panic::catch_unwind(|| assert_same_shape("diff", &a, &c, &[]));
    let message = *diff.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("`properties.n` is number, the example has string"));
    assert!(message.contains("missing `properties.t` (boolean)"));
    assert!(message.contains("extra `properties.s` (string)"));
    assert_same_shape(
        "ignored",
        &a,
        &c,
        &["properties.n", "properties.s", "properties.t"],
    );
}
