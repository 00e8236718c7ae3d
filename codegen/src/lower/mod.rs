//! Spec -> intermediate model. All interpretation of Swagger and `x-ms-*` happens here:
//! operations and parameters in this module, schemas (models, enums) in `schema`.

mod schema;

use crate::config::Customizations;
use crate::error::Result;
use crate::ir::*;
use crate::loader::{Loader, Location};
use crate::naming;
use heck::ToPascalCase;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

const HTTP_METHODS: &[&str] = &["get", "put", "post", "patch", "delete", "head", "options"];
const API_VERSION: &str = "api-version";

/// Lowers the spec file `spec_file` (already reachable through `loader`) into an [`Api`].
pub fn lower(loader: &mut Loader<'_>, spec_file: &str, custom: &Customizations) -> Result<Api> {
    let root = loader.load(spec_file)?;
    let mut lowerer = Lowerer {
        loader,
        custom,
        models: BTreeMap::new(),
        enums: BTreeMap::new(),
        named: HashMap::new(),
        model_origin: BTreeMap::new(),
    };
    let api = lowerer.api(&root)?;
    schema::check_value_cycles(&api, &lowerer.model_origin)?;
    Ok(api)
}

struct Lowerer<'a, 'l> {
    loader: &'a mut Loader<'l>,
    custom: &'a Customizations,
    models: BTreeMap<String, Model>,
    enums: BTreeMap<String, (EnumDef, Location)>,
    /// Named definitions already lowered (or being lowered), by location.
    named: HashMap<Location, TypeRef>,
    model_origin: BTreeMap<String, Location>,
}

fn doc_of(node: &Value) -> String {
    node.get("description")
        .or_else(|| node.get("summary"))
        .or_else(|| node.get("title"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_owned()
}

fn str_field<'v>(node: &'v Value, key: &str) -> Option<&'v str> {
    node.get(key).and_then(Value::as_str)
}

impl Lowerer<'_, '_> {
    fn node(&self, loc: &Location) -> Result<Value> {
        self.loader.get(loc).cloned()
    }

    fn api(&mut self, root: &Location) -> Result<Api> {
        let doc = self.node(root)?;
        if str_field(&doc, "swagger") != Some("2.0") {
            return Err(root
                .child("swagger")
                .error("only Swagger 2.0 documents are supported"));
        }
        let info = doc.get("info").cloned().unwrap_or_default();
        let api_version = str_field(&info, "version")
            .ok_or_else(|| {
                root.child("info")
                    .child("version")
                    .error("missing api version")
            })?
            .to_owned();
        let scheme = doc
            .get("schemes")
            .and_then(|s| s.get(0))
            .and_then(Value::as_str)
            .unwrap_or("https");
        let host = str_field(&doc, "host").unwrap_or("management.azure.com");

        let mut client_params: Vec<Param> = Vec::new();
        let mut operations: BTreeMap<String, Vec<Operation>> = BTreeMap::new();
        let mut seen_ids: HashMap<String, Location> = HashMap::new();
        let paths_loc = root.child("paths");
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| paths_loc.error("missing `paths` object"))?;
        for (path, item) in paths {
            let item_loc = paths_loc.child(path);
            let item = item
                .as_object()
                .ok_or_else(|| item_loc.error("path item must be an object"))?;
            for key in item.keys() {
                if !HTTP_METHODS.contains(&key.as_str())
                    && key != "parameters"
                    && !key.starts_with("x-")
                {
                    return Err(item_loc
                        .child(key)
                        .error(format!("unsupported path item key `{key}`")));
                }
            }
            for method in HTTP_METHODS {
                if item.contains_key(*method) {
                    let op_loc = item_loc.child(method);
                    let (group, op) =
                        self.operation(path, method, &item_loc, &op_loc, &mut client_params)?;
                    if let Some(first) = seen_ids.insert(op.id.clone(), op_loc.clone()) {
                        return Err(op_loc.child("operationId").error(format!(
                            "duplicate operationId `{}` (first defined at #{})",
                            op.id, first.pointer
                        )));
                    }
                    operations.entry(group).or_default().push(op);
                }
            }
        }
        let groups = operations
            .into_iter()
            .map(|(name, mut operations)| {
                operations.sort_by(|a, b| a.method_name.cmp(&b.method_name));
                Group { name, operations }
            })
            .collect();
        Ok(Api {
            title: str_field(&info, "title").unwrap_or("").to_owned(),
            description: str_field(&info, "description").map(str::to_owned),
            api_version,
            default_endpoint: format!("{scheme}://{host}"),
            client_params,
            groups,
            models: std::mem::take(&mut self.models).into_values().collect(),
            enums: std::mem::take(&mut self.enums)
                .into_values()
                .map(|(e, _)| e)
                .collect(),
        })
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        item_loc: &Location,
        op_loc: &Location,
        client_params: &mut Vec<Param>,
    ) -> Result<(String, Operation)> {
        let node = self.node(op_loc)?;
        let id = str_field(&node, "operationId")
            .ok_or_else(|| op_loc.error("missing operationId"))?
            .to_owned();
        let (group, name) = id.split_once('_').ok_or_else(|| {
            op_loc.child("operationId").error(format!(
                "operationId `{id}` must have the form Group_Operation"
            ))
        })?;
        let group = naming::type_ident(group).map_err(|m| op_loc.child("operationId").error(m))?;
        let method_name =
            naming::method_ident(name).map_err(|m| op_loc.child("operationId").error(m))?;

        // Path-level parameters first, overridden by operation-level ones with the same name+in.
        let mut param_locs = Vec::new();
        for scope in [item_loc.child("parameters"), op_loc.child("parameters")] {
            if let Ok(Value::Array(list)) = self.loader.get(&scope) {
                for i in 0..list.len() {
                    param_locs.push(scope.child(&i.to_string()));
                }
            }
        }
        let mut op = Operation {
            id: id.clone(),
            method_name,
            http_method: method.to_owned(),
            path: Vec::new(),
            params: Vec::new(),
            client_params: Vec::new(),
            body: None,
            success_codes: Vec::new(),
            response: None,
            pageable: None,
            doc: doc_of(&node),
        };
        for loc in param_locs {
            self.parameter(&loc, &group, &mut op, client_params)?;
        }
        op.path = self.path_template(path, op_loc, &op, client_params)?;
        self.responses(op_loc, &group, &mut op)?;
        if let Some(pageable) = node.get("x-ms-pageable") {
            op.pageable = Some(self.pageable(&op_loc.child("x-ms-pageable"), pageable, &op)?);
        }
        Ok((group, op))
    }

    fn parameter(
        &mut self,
        loc: &Location,
        group: &str,
        op: &mut Operation,
        client_params: &mut Vec<Param>,
    ) -> Result<()> {
        let is_ref = self.node(loc)?.get("$ref").is_some();
        let target = self.loader.resolve(loc)?;
        let node = self.node(&target)?;
        let wire_name = str_field(&node, "name")
            .ok_or_else(|| target.error("parameter without `name`"))?
            .to_owned();
        let location = str_field(&node, "in").unwrap_or("");
        let required = node
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let doc = doc_of(&node);
        let rust_name = match str_field(&node, "x-ms-client-name") {
            Some(name) => naming::client_name_ident(name),
            None => naming::param_ident(&wire_name),
        }
        .map_err(|m| target.child("name").error(m))?;
        let is_client = match str_field(&node, "x-ms-parameter-location") {
            Some("client") => true,
            Some("method") => false,
            Some(other) => {
                return Err(target
                    .child("x-ms-parameter-location")
                    .error(format!("unknown x-ms-parameter-location `{other}`")));
            }
            // Autorest's rule: global parameters default to the client, inline ones to the method.
            None => is_ref,
        };
        if location == "body" {
            let name_hint = format!("{group}{}Body", op.method_name.to_pascal_case());
            let ty = self.schema(&target.child("schema"), &name_hint)?;
            op.body = Some(BodyParam {
                rust_name,
                ty,
                required,
                doc,
            });
            return Ok(());
        }
        let param_in = match location {
            "path" => ParamIn::Path,
            "query" => ParamIn::Query,
            "header" => ParamIn::Header,
            "formData" => {
                return Err(target
                    .child("in")
                    .error("formData parameters are not supported"));
            }
            other => {
                return Err(target
                    .child("in")
                    .error(format!("unknown parameter location `{other}`")));
            }
        };
        if param_in == ParamIn::Path && !required {
            return Err(target.error("path parameters must be required"));
        }
        let ty = self.scalar(&target, &node)?;
        if wire_name == API_VERSION {
            return Ok(()); // client state, always sent
        }
        let param = Param {
            wire_name: wire_name.clone(),
            rust_name,
            location: param_in,
            ty,
            required,
            doc,
        };
        if is_client {
            if !client_params.iter().any(|p| p.wire_name == wire_name) {
                client_params.push(param);
            }
            op.client_params.push(wire_name);
        } else {
            op.params
                .retain(|p| !(p.wire_name == wire_name && p.location == param_in));
            op.params.push(param);
        }
        Ok(())
    }

    fn scalar(&mut self, loc: &Location, node: &Value) -> Result<TypeRef> {
        match str_field(node, "type") {
            Some("string") | Some("integer") | Some("number") | Some("boolean") => {
                self.primitive(loc, node)
            }
            Some("array") => Ok(TypeRef::Array(Box::new(self.primitive(&loc.child("items"), node.get("items").unwrap_or(&Value::Null))?))),
            other => Err(loc.child("type").error(format!(
                "unsupported parameter type {other:?}: only string, integer, number, boolean and arrays of them"
            ))),
        }
    }

    fn primitive(&self, loc: &Location, node: &Value) -> Result<TypeRef> {
        let format = str_field(node, "format");
        Ok(match (str_field(node, "type"), format) {
            (Some("string"), _) => TypeRef::String,
            (Some("boolean"), _) => TypeRef::Bool,
            (Some("integer"), Some("int32")) => TypeRef::I32,
            (Some("integer"), Some("int64") | None) => TypeRef::I64,
            (Some("number"), Some("float")) => TypeRef::F32,
            (Some("number"), Some("double") | None) => TypeRef::F64,
            (Some(ty @ ("integer" | "number")), Some(format)) => {
                return Err(loc
                    .child("format")
                    .error(format!("unsupported {ty} format `{format}`")));
            }
            (other, _) => {
                return Err(loc
                    .child("type")
                    .error(format!("expected a primitive type, found {other:?}")));
            }
        })
    }

    fn path_template(
        &self,
        path: &str,
        op_loc: &Location,
        op: &Operation,
        client_params: &[Param],
    ) -> Result<Vec<PathSegment>> {
        let mut segments = Vec::new();
        for part in path.split('/').filter(|s| !s.is_empty()) {
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let known = op
                    .params
                    .iter()
                    .any(|p| p.wire_name == name && p.location == ParamIn::Path)
                    || client_params
                        .iter()
                        .any(|p| p.wire_name == name && p.location == ParamIn::Path);
                if !known {
                    return Err(op_loc.error(format!(
                        "path parameter `{name}` in `{path}` is not declared"
                    )));
                }
                segments.push(PathSegment::Param(name.to_owned()));
            } else if part.contains('{') || part.contains('}') {
                return Err(op_loc.error(format!(
                    "path segment `{part}` mixes text and parameters, which is not supported"
                )));
            } else {
                segments.push(PathSegment::Literal(part.to_owned()));
            }
        }
        Ok(segments)
    }

    fn responses(&mut self, op_loc: &Location, group: &str, op: &mut Operation) -> Result<()> {
        let loc = op_loc.child("responses");
        let node = self
            .node(&loc)
            .map_err(|_| op_loc.error("missing `responses`"))?;
        let responses = node
            .as_object()
            .ok_or_else(|| loc.error("`responses` must be an object"))?;
        let mut schema_seen: Option<(Option<TypeRef>, String)> = None;
        for code in responses.keys() {
            if code == "default" {
                continue; // errors: parsed by the runtime into azure_core errors
            }
            let status: u16 = code.parse().map_err(|_| {
                loc.child(code)
                    .error(format!("invalid status code `{code}`"))
            })?;
            if !(200..300).contains(&status) {
                continue; // declared error statuses are errors too
            }
            op.success_codes.push(status);
            let response_loc = self.loader.resolve(&loc.child(code))?;
            let has_schema = self.node(&response_loc)?.get("schema").is_some();
            let ty = if has_schema {
                let hint = format!("{group}{}Response", op.method_name.to_pascal_case());
                Some(self.schema(&response_loc.child("schema"), &hint)?)
            } else {
                None
            };
            match &schema_seen {
                Some((previous, first)) if *previous != ty => {
                    return Err(loc.child(code).error(format!(
                        "success responses {first} and {code} have different schemas, which is not supported"
                    )));
                }
                Some(_) => {}
                None => schema_seen = Some((ty, code.clone())),
            }
        }
        if op.success_codes.is_empty() {
            return Err(loc.error("no 2xx response declared"));
        }
        op.success_codes.sort_unstable();
        op.response = schema_seen.and_then(|(ty, _)| ty);
        Ok(())
    }

    fn pageable(&self, loc: &Location, node: &Value, op: &Operation) -> Result<Pageable> {
        let next_link_name = match node.get("nextLinkName") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(loc.child("nextLinkName").error("must be a string or null")),
        };
        let item_name = str_field(node, "itemName").unwrap_or("value").to_owned();
        let Some(TypeRef::Model(model_name)) = &op.response else {
            return Err(loc.error("x-ms-pageable needs a response model"));
        };
        let model = self
            .models
            .get(model_name)
            .ok_or_else(|| loc.error(format!("response model `{model_name}` not found")))?;
        let field_of = |wire: &str| model.fields.iter().find(|f| f.wire_name == wire);
        let item_field = field_of(&item_name).ok_or_else(|| {
            loc.error(format!(
                "response model `{model_name}` has no `{item_name}` item array"
            ))
        })?;
        let TypeRef::Array(item_type) = &item_field.ty else {
            return Err(loc.error(format!("`{model_name}.{item_name}` is not an array")));
        };
        if let Some(next) = &next_link_name {
            match field_of(next) {
                Some(f) if f.ty == TypeRef::String => {}
                _ => {
                    return Err(loc.error(format!(
                        "response model `{model_name}` has no string `{next}` next-link property"
                    )));
                }
            }
        }
        Ok(Pageable {
            next_link_name,
            item_name,
            item_field: item_field.rust_name.clone(),
            item_type: (**item_type).clone(),
        })
    }
}
