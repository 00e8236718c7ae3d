//! The spec's examples: which operation each one exercises, its parameters and responses,
//! and how a re-serialized body is compared with the example's.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    JobsCreate,
    JobsGet,
    JobsUpdate,
    JobsDelete,
    JobsListBySubscription,
    JobsListByResourceGroup,
    BitLockerKeysList,
    LocationsList,
    LocationsGet,
    OperationsList,
}

impl Op {
    /// Example file name (without `.json`) -> operation.
    pub fn from_file_stem(stem: &str) -> Option<Op> {
        Some(match stem {
            "CreateJob" | "CreateExportJob" => Op::JobsCreate,
            "GetJob" | "GetExportJob" => Op::JobsGet,
            "UpdateJob" | "UpdateExportJob" => Op::JobsUpdate,
            "DeleteJob" => Op::JobsDelete,
            "ListJobsInSubscription" => Op::JobsListBySubscription,
            "ListJobsInResourceGroup" => Op::JobsListByResourceGroup,
            "ListBitLockerKeys" => Op::BitLockerKeysList,
            "ListLocations" => Op::LocationsList,
            "GetLocation" => Op::LocationsGet,
            "ListOperations" => Op::OperationsList,
            _ => return None,
        })
    }

    pub fn operation_id(self) -> &'static str {
        match self {
            Op::JobsCreate => "Jobs_Create",
            Op::JobsGet => "Jobs_Get",
            Op::JobsUpdate => "Jobs_Update",
            Op::JobsDelete => "Jobs_Delete",
            Op::JobsListBySubscription => "Jobs_ListBySubscription",
            Op::JobsListByResourceGroup => "Jobs_ListByResourceGroup",
            Op::BitLockerKeysList => "BitLockerKeys_List",
            Op::LocationsList => "Locations_List",
            Op::LocationsGet => "Locations_Get",
            Op::OperationsList => "Operations_List",
        }
    }
}

/// An operation as the spec declares it.
#[derive(Clone, Debug)]
pub struct SpecOperation {
    pub method: String,
    pub path_template: String,
}

/// One example run: the spec's view of the operation plus the example document.
#[derive(Debug)]
pub struct Case<'a> {
    pub api_version: &'a str,
    pub file: &'a Path,
    pub op: Op,
    pub spec: &'a SpecOperation,
    pub example: &'a Value,
}

impl Case<'_> {
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.example["parameters"].get(name)
    }

    pub fn param_str(&self, name: &str) -> Result<&str, String> {
        self.param(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("example has no string parameter `{name}`"))
    }

    /// The request body parameter (`body` in these specs; `parameters` in others).
    pub fn body(&self) -> Result<&Value, String> {
        self.param("body")
            .or_else(|| self.param("parameters"))
            .ok_or_else(|| "example has no body parameter".to_owned())
    }

    pub fn top(&self) -> Option<i64> {
        self.param("$top").and_then(Value::as_i64)
    }

    /// The raw request path, from the spec's path template and the example's parameters,
    /// each parameter percent-encoded as one segment.
    pub fn expected_path(&self) -> Result<String, String> {
        let mut url = url::Url::parse("http://127.0.0.1/").unwrap();
        {
            let mut segments = url.path_segments_mut().unwrap();
            segments.clear();
            for segment in self.spec.path_template.split('/').filter(|s| !s.is_empty()) {
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        segments.push(self.param_str(name)?);
                    }
                    None => {
                        segments.push(segment);
                    }
                }
            }
        }
        Ok(url.path().to_owned())
    }

    /// `(status, body)` of every success response of the example.
    pub fn success_responses(&self) -> Result<Vec<(u16, Option<&Value>)>, String> {
        let responses = self.example["responses"]
            .as_object()
            .ok_or("example has no responses")?;
        let mut out = Vec::new();
        for (status, response) in responses {
            let Ok(code) = status.parse::<u16>() else {
                continue; // "default"
            };
            if (200..300).contains(&code) {
                out.push((code, response.get("body")));
            }
        }
        if out.is_empty() {
            return Err("example has no success response".to_owned());
        }
        Ok(out)
    }
}

/// `operationId -> (method, path template)` and `example file name -> operationId`, from a spec.
pub fn read_spec(spec_file: &Path) -> (BTreeMap<String, SpecOperation>, BTreeMap<String, String>) {
    let text = std::fs::read_to_string(spec_file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", spec_file.display()));
    let spec: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("parsing {}: {e}", spec_file.display()));
    let mut operations = BTreeMap::new();
    let mut named_examples = BTreeMap::new();
    for (path_template, item) in spec["paths"].as_object().expect("paths") {
        for (http_method, operation) in item.as_object().expect("path item") {
            let Some(operation_id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            operations.insert(
                operation_id.to_owned(),
                SpecOperation {
                    method: http_method.clone(),
                    path_template: path_template.clone(),
                },
            );
            if let Some(examples) = operation.get("x-ms-examples").and_then(Value::as_object) {
                for reference in examples.values() {
                    let reference = reference["$ref"].as_str().expect("x-ms-examples $ref");
                    let file = Path::new(reference)
                        .file_name()
                        .expect("file name")
                        .to_string_lossy()
                        .into_owned();
                    named_examples.insert(file, operation_id.to_owned());
                }
            }
        }
    }
    (operations, named_examples)
}

/// JSON equality, except that a string may come back in another ASCII case. Models write
/// string fields back verbatim, so only an extensible enum changes a string: it parses a
/// known value in any case (as ARM compares them) and writes the spec's spelling, e.g. an
/// example's `"createdByType": "application"` comes back as `"Application"`.
pub fn same_up_to_enum_case(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::String(got), Value::String(want)) => got.eq_ignore_ascii_case(want),
        (Value::Array(got), Value::Array(want)) => {
            got.len() == want.len()
                && got
                    .iter()
                    .zip(want)
                    .all(|(g, w)| same_up_to_enum_case(g, w))
        }
        (Value::Object(got), Value::Object(want)) => {
            got.len() == want.len()
                && got
                    .iter()
                    .all(|(key, g)| want.get(key).is_some_and(|w| same_up_to_enum_case(g, w)))
        }
        (got, want) => got == want,
    }
}
