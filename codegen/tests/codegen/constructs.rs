//! Each Swagger / `x-ms-*` construct the generator understands, on a fragment written here.

use crate::common::*;
use codegen::Customizations;
use codegen::ir::{ParamIn, PathSegment, TypeRef};
use serde_json::json;

fn model<'a>(api: &'a codegen::ir::Api, name: &str) -> &'a codegen::ir::Model {
    api.models
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no model {name}"))
}

fn field<'a>(model: &'a codegen::ir::Model, wire: &str) -> &'a codegen::ir::Field {
    model.fields.iter().find(|f| f.wire_name == wire).unwrap()
}

#[test]
fn local_refs_formats_required_read_only_default() {
    let api = lower(&spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/things",
            json!({ "$ref": "#/definitions/Thing" }),
        ),
        json!({
            "Thing": {
                "required": ["name"],
                "properties": {
                    "name": { "type": "string" },
                    "count32": { "type": "integer", "format": "int32" },
                    "count64": { "type": "integer", "format": "int64" },
                    "ratio": { "type": "number", "format": "double" },
                    "enabled": { "type": "boolean", "default": false },
                    "created": { "type": "string", "format": "date-time", "readOnly": true },
                    "bag": { "type": "object" },
                    "labels": { "type": "object", "additionalProperties": { "type": "string" } }
                }
            }
        }),
    ))
    .unwrap();
    let thing = model(&api, "Thing");
    assert_eq!(field(thing, "count32").ty, TypeRef::I32);
    assert_eq!(field(thing, "count64").ty, TypeRef::I64);
    assert_eq!(field(thing, "ratio").ty, TypeRef::F64);
    assert_eq!(field(thing, "enabled").ty, TypeRef::Bool);
    assert_eq!(field(thing, "enabled").default, Some(json!(false)));
    assert_eq!(field(thing, "created").ty, TypeRef::String);
    assert!(field(thing, "created").read_only);
    assert!(field(thing, "name").required);
    assert!(!field(thing, "count32").required);
    assert_eq!(
        field(thing, "bag").ty,
        TypeRef::Any,
        "type: object without properties"
    );
    assert_eq!(
        field(thing, "labels").ty,
        TypeRef::Map(Box::new(TypeRef::String))
    );
    let op = &api.groups[0].operations[0];
    assert_eq!(op.response, Some(TypeRef::Model("Thing".into())));
    assert_eq!(
        op.path,
        vec![
            PathSegment::Literal("subscriptions".into()),
            PathSegment::Param("subscriptionId".into()),
            PathSegment::Literal("things".into())
        ]
    );
}

#[test]
fn relative_file_refs_resolve_across_files() {
    let main = spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/things",
            json!({ "$ref": "#/definitions/Thing" }),
        ),
        json!({
            "Thing": { "properties": {
                "meta": { "$ref": "../common/types.json#/definitions/meta", "readOnly": true }
            } }
        }),
    );
    let common = json!({ "definitions": { "meta": { "type": "object", "properties": {
        "createdBy": { "type": "string" }
    } } } });
    let dir = write_tree(&[
        ("api/spec.json", main.to_string()),
        ("common/types.json", common.to_string()),
    ]);
    let mut loader = codegen::loader::Loader::new(dir.path(), None);
    let api =
        codegen::lower::lower(&mut loader, "api/spec.json", &Customizations::default()).unwrap();
    let thing = model(&api, "Thing");
    assert_eq!(field(thing, "meta").ty, TypeRef::Model("Meta".into()));
    assert!(field(thing, "meta").read_only);
    assert_eq!(model(&api, "Meta").fields[0].rust_name, "created_by");
}

#[test]
fn pageable_with_next_link_and_with_null() {
    let list = json!({ "properties": {
        "value": { "type": "array", "items": { "$ref": "#/definitions/Thing" } },
        "nextLink": { "type": "string" }
    } });
    let mut paths = get_op(
        "Things_List",
        "/subscriptions/{subscriptionId}/things",
        json!({ "$ref": "#/definitions/ThingList" }),
    );
    paths["/subscriptions/{subscriptionId}/things"]["get"]["x-ms-pageable"] =
        json!({ "nextLinkName": "nextLink" });
    let mut other = get_op(
        "Things_ListAll",
        "/subscriptions/{subscriptionId}/all",
        json!({ "$ref": "#/definitions/ThingList" }),
    );
    other["/subscriptions/{subscriptionId}/all"]["get"]["x-ms-pageable"] =
        json!({ "nextLinkName": null });
    paths
        .as_object_mut()
        .unwrap()
        .extend(other.as_object().unwrap().clone());
    let api = lower(&spec(
        paths,
        json!({ "Thing": { "properties": { "id": { "type": "string" } } }, "ThingList": list }),
    ))
    .unwrap();
    let ops = &api.groups[0].operations;
    let list = ops.iter().find(|o| o.id == "Things_List").unwrap();
    let pageable = list.pageable.as_ref().unwrap();
    assert_eq!(pageable.next_link_name.as_deref(), Some("nextLink"));
    assert_eq!(pageable.item_type, TypeRef::Model("Thing".into()));
    let all = ops.iter().find(|o| o.id == "Things_ListAll").unwrap();
    assert_eq!(all.pageable.as_ref().unwrap().next_link_name, None);
}

#[test]
fn x_ms_enum_names_dedupes_and_keeps_model_as_string() {
    let enum_schema = |model_as_string| {
        json!({ "type": "string", "enum": ["User", "Application"],
                "x-ms-enum": { "name": "createdByType", "modelAsString": model_as_string } })
    };
    let api = lower(&spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/t",
            json!({ "$ref": "#/definitions/Thing" }),
        ),
        json!({ "Thing": { "properties": {
            "createdByType": enum_schema(true),
            "lastModifiedByType": enum_schema(true),
            "color": { "type": "string", "enum": ["Red", "dark-blue"] }
        } } }),
    ))
    .unwrap();
    assert_eq!(api.enums.len(), 2);
    let created = api
        .enums
        .iter()
        .find(|e| e.name == "CreatedByType")
        .unwrap();
    assert!(created.model_as_string);
    let color = api.enums.iter().find(|e| e.name == "ThingColor").unwrap();
    assert!(!color.model_as_string);
    assert_eq!(color.values[1].variant, "DarkBlue");
    assert_eq!(color.values[1].value, "dark-blue");
}

#[test]
fn same_enum_name_with_other_values_is_an_error() {
    let (pointer, message) = spec_error(&spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/t",
            json!({ "$ref": "#/definitions/Thing" }),
        ),
        json!({ "Thing": { "properties": {
            "a": { "type": "string", "enum": ["X"], "x-ms-enum": { "name": "E" } },
            "b": { "type": "string", "enum": ["Y"], "x-ms-enum": { "name": "E" } }
        } } }),
    ));
    assert_eq!(pointer, "/definitions/Thing/properties/b");
    assert!(message.contains("different values"), "{message}");
}

#[test]
fn client_flatten_client_name_inline_names_and_azure_resource() {
    let api = lower(&spec(
        get_op("Things_Get", "/subscriptions/{subscriptionId}/t", json!({ "$ref": "#/definitions/Thing" })),
        json!({ "Thing": {
            "x-ms-azure-resource": true,
            "properties": {
                "properties": {
                    "x-ms-client-flatten": true,
                    "properties": { "size": { "type": "integer" } }
                },
                "type": { "type": "string", "x-ms-client-name": "resourceType" },
                "items": { "type": "array", "items": { "properties": { "code": { "type": "string" } } } }
            }
        } }),
    ))
    .unwrap();
    let thing = model(&api, "Thing");
    assert!(thing.azure_resource);
    assert!(field(thing, "properties").flatten);
    assert_eq!(
        field(thing, "properties").ty,
        TypeRef::Model("ThingProperties".into())
    );
    assert_eq!(field(thing, "type").rust_name, "resource_type");
    assert_eq!(
        field(thing, "items").ty,
        TypeRef::Array(Box::new(TypeRef::Model("ThingItemsItem".into())))
    );
    model(&api, "ThingProperties");
}

#[test]
fn parameter_locations_client_names_and_body() {
    let paths = json!({
        "/subscriptions/{subscriptionId}/things/{thingName}": {
            "put": {
                "operationId": "Things_Create",
                "parameters": [
                    { "name": "thingName", "in": "path", "required": true, "type": "string" },
                    { "$ref": "#/parameters/subscriptionId" },
                    { "$ref": "#/parameters/api-version" },
                    { "$ref": "#/parameters/lang" },
                    { "$ref": "#/parameters/tenant" },
                    { "name": "$top", "in": "query", "type": "integer", "format": "int32" },
                    { "name": "body", "in": "body", "required": true, "schema": { "$ref": "#/definitions/Thing" } }
                ],
                "responses": { "200": { "description": "OK" }, "201": { "description": "Created" }, "default": { "description": "err" } }
            }
        }
    });
    let mut doc = spec(
        paths,
        json!({ "Thing": { "properties": { "a": { "type": "string" } } } }),
    );
    doc["parameters"]["lang"] = json!({ "name": "Accept-Language", "in": "header", "type": "string", "x-ms-parameter-location": "client" });
    doc["parameters"]["tenant"] = json!({ "name": "x-ms-client-tenant-id", "in": "header", "type": "string",
        "x-ms-client-name": "ClientTenantId", "x-ms-parameter-location": "method" });
    let api = lower(&doc).unwrap();
    let op = &api.groups[0].operations[0];
    assert_eq!(op.success_codes, vec![200, 201]);
    assert_eq!(op.response, None);
    assert_eq!(op.body.as_ref().unwrap().ty, TypeRef::Model("Thing".into()));
    let names: Vec<(&str, ParamIn, bool)> = op
        .params
        .iter()
        .map(|p| (p.rust_name.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        names,
        vec![
            ("thing_name", ParamIn::Path, true),
            ("client_tenant_id", ParamIn::Header, false),
            ("top", ParamIn::Query, false)
        ]
    );
    let client: Vec<&str> = api
        .client_params
        .iter()
        .map(|p| p.rust_name.as_str())
        .collect();
    assert_eq!(client, vec!["subscription_id", "accept_language"]);
}

#[test]
fn customizations_rename_override_and_mark_secrets() {
    let custom: Customizations = toml::from_str(
        r#"
        secrets = ["Thing.key"]
        [renames]
        "*.type" = "kind"
        [type_overrides]
        "*.tags" = "map<string>"
        [[enum_override]]
        properties = ["Thing.state"]
        name = "ThingState"
        description = "States."
        values = [{ value = "On", description = "on" }, { value = "Off", description = "off" }]
        "#,
    )
    .unwrap();
    let doc = spec(
        get_op(
            "Things_Get",
            "/subscriptions/{subscriptionId}/t",
            json!({ "$ref": "#/definitions/Thing" }),
        ),
        json!({ "Thing": { "properties": {
            "type": { "type": "string" },
            "tags": { "type": "object" },
            "state": { "type": "string" },
            "key": { "type": "string" }
        } } }),
    );
    let dir = write_tree(&[("spec.json", doc.to_string())]);
    let api = lower_tree(dir.path(), &custom).unwrap();
    let thing = model(&api, "Thing");
    assert_eq!(field(thing, "type").rust_name, "kind");
    assert_eq!(
        field(thing, "tags").ty,
        TypeRef::Map(Box::new(TypeRef::String))
    );
    assert_eq!(field(thing, "state").ty, TypeRef::Enum("ThingState".into()));
    assert!(field(thing, "key").secret);
    assert!(!field(thing, "type").secret);
}
