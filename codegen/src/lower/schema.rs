//! Schemas -> models and extensible enums, with the config's overrides applied.

use super::{Lowerer, doc_of, str_field};
use crate::config::Customizations;
use crate::error::Result;
use crate::ir::*;
use crate::loader::Location;
use crate::naming;
use heck::ToPascalCase;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl Lowerer<'_, '_> {
    /// Lowers a schema node (possibly a `$ref`); `name_hint` names it if it is anonymous.
    pub(super) fn schema(&mut self, loc: &Location, name_hint: &str) -> Result<TypeRef> {
        let target = self.loader.resolve(loc)?;
        if let Some(name) = definition_name(&target) {
            if let Some(ty) = self.named.get(&target) {
                return Ok(ty.clone());
            }
            let name = naming::type_ident(&name).map_err(|m| target.error(m))?;
            return self.named_schema(&target, &name);
        }
        self.inline_schema(&target, name_hint)
    }

    fn named_schema(&mut self, target: &Location, name: &str) -> Result<TypeRef> {
        let node = self.node(target)?;
        let provisional = if is_enum(&node) {
            TypeRef::Enum(enum_name(&node).unwrap_or(name.to_owned()))
        } else {
            TypeRef::Model(name.to_owned())
        };
        // Registered before descending so that recursive references terminate.
        self.named.insert(target.clone(), provisional);
        let ty = self.inline_schema(target, name)?;
        self.named.insert(target.clone(), ty.clone());
        Ok(ty)
    }

    fn inline_schema(&mut self, loc: &Location, name: &str) -> Result<TypeRef> {
        let node = self.node(loc)?;
        for unsupported in ["allOf", "anyOf", "oneOf", "discriminator"] {
            if node.get(unsupported).is_some() {
                return Err(loc.child(unsupported).error(format!(
                    "`{unsupported}` is not supported by this generator"
                )));
            }
        }
        if is_enum(&node) {
            return self.enum_schema(loc, &node, name);
        }
        match str_field(&node, "type") {
            Some("string" | "integer" | "number" | "boolean") => self.primitive(loc, &node),
            Some("array") => {
                let items = loc.child("items");
                if node.get("items").is_none() {
                    return Err(loc.error("array schema without `items`"));
                }
                Ok(TypeRef::Array(Box::new(
                    self.schema(&items, &format!("{name}Item"))?,
                )))
            }
            Some("object") | None => {
                if node.get("properties").is_some() {
                    return self.model(loc, &node, name);
                }
                match node.get("additionalProperties") {
                    Some(Value::Bool(true)) => Ok(TypeRef::Map(Box::new(TypeRef::Any))),
                    Some(Value::Object(_)) => {
                        let value_ty = self
                            .schema(&loc.child("additionalProperties"), &format!("{name}Value"))?;
                        Ok(TypeRef::Map(Box::new(value_ty)))
                    }
                    _ => Ok(TypeRef::Any),
                }
            }
            Some(other) => Err(loc
                .child("type")
                .error(format!("unknown schema type `{other}`"))),
        }
    }

    fn enum_schema(&mut self, loc: &Location, node: &Value, name_hint: &str) -> Result<TypeRef> {
        if str_field(node, "type").is_some_and(|t| t != "string") {
            return Err(loc.child("enum").error("only string enums are supported"));
        }
        let x_ms_enum = node.get("x-ms-enum");
        let name = match enum_name(node) {
            Some(name) => naming::type_ident(&name).map_err(|m| loc.child("x-ms-enum").error(m))?,
            None => name_hint.to_owned(),
        };
        let descriptions: HashMap<String, String> = x_ms_enum
            .and_then(|e| e.get("values"))
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| Some((str_field(v, "value")?.to_owned(), doc_of(v))))
                    .collect()
            })
            .unwrap_or_default();
        let mut values = Vec::new();
        for (i, value) in node["enum"].as_array().into_iter().flatten().enumerate() {
            let value = value.as_str().ok_or_else(|| {
                loc.child("enum")
                    .child(&i.to_string())
                    .error("enum values must be strings")
            })?;
            let variant = naming::variant_ident(value)
                .map_err(|m| loc.child("enum").child(&i.to_string()).error(m))?;
            values.push(EnumValue {
                value: value.to_owned(),
                variant,
                doc: descriptions.get(value).cloned().unwrap_or_default(),
            });
        }
        let def = EnumDef {
            name: name.clone(),
            doc: doc_of(node),
            values,
            model_as_string: x_ms_enum
                .and_then(|e| e.get("modelAsString"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        };
        self.add_enum(def, loc)
    }

    fn add_enum(&mut self, def: EnumDef, loc: &Location) -> Result<TypeRef> {
        let mut seen = BTreeSet::new();
        let mut seen_values: HashMap<String, &str> = HashMap::new();
        for v in &def.values {
            if !seen.insert(v.variant.clone()) {
                return Err(loc.error(format!(
                    "enum `{}` has two values named `{}`",
                    def.name, v.variant
                )));
            }
            // Generated enums parse ignoring case, as ARM compares enum values.
            if let Some(first) = seen_values.insert(v.value.to_ascii_lowercase(), &v.value) {
                return Err(loc.error(format!(
                    "enum `{}` has values `{first}` and `{}`, equal ignoring case (ARM compares enum values case-insensitively)",
                    def.name, v.value
                )));
            }
        }
        if self.models.contains_key(&def.name) {
            return Err(loc.error(format!(
                "enum `{}` clashes with a model of the same name",
                def.name
            )));
        }
        if let Some((existing, first)) = self.enums.get(&def.name) {
            let same_values = existing
                .values
                .iter()
                .map(|v| &v.value)
                .eq(def.values.iter().map(|v| &v.value));
            if !same_values {
                return Err(loc.error(format!(
                    "enum `{}` is defined with different values at {}#{}",
                    def.name, first.file, first.pointer
                )));
            }
        } else {
            self.enums
                .insert(def.name.clone(), (def.clone(), loc.clone()));
        }
        Ok(TypeRef::Enum(def.name))
    }

    fn model(&mut self, loc: &Location, node: &Value, name: &str) -> Result<TypeRef> {
        if let Some(first) = self.model_origin.get(name) {
            if first != loc {
                return Err(loc.error(format!(
                    "model name `{name}` is already used by {}#{}",
                    first.file, first.pointer
                )));
            }
            return Ok(TypeRef::Model(name.to_owned()));
        }
        if self.enums.contains_key(name) {
            return Err(loc.error(format!(
                "model `{name}` clashes with an enum of the same name"
            )));
        }
        self.model_origin.insert(name.to_owned(), loc.clone());
        let empty = Map::new();
        let properties = node
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: BTreeSet<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut fields = Vec::new();
        let mut rust_names = BTreeSet::new();
        for (wire, prop) in properties {
            let prop_loc = loc.child("properties").child(wire);
            let rust_name = match str_field(prop, "x-ms-client-name").or_else(|| {
                Customizations::lookup(&self.custom.renames, name, wire).map(String::as_str)
            }) {
                Some(client_name) => naming::client_name_ident(client_name),
                None => naming::property_ident(wire),
            }
            .map_err(|m| prop_loc.error(m))?;
            if rust_name == "additional_properties" || !rust_names.insert(rust_name.clone()) {
                return Err(prop_loc.error(format!(
                    "field name `{rust_name}` is used twice in `{name}` (or clashes with `additional_properties`); rename it in the codegen config"
                )));
            }
            let ty = self.field_type(&prop_loc, name, wire)?;
            let target = self.loader.resolve(&prop_loc)?;
            let target_node = self.node(&target)?;
            let read_only = prop
                .get("readOnly")
                .or_else(|| target_node.get("readOnly"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let doc = Some(doc_of(prop))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| doc_of(&target_node));
            fields.push(Field {
                wire_name: wire.clone(),
                rust_name,
                ty,
                required: required.contains(wire.as_str()),
                read_only,
                secret: self.custom.is_secret(name, wire),
                flatten: prop
                    .get("x-ms-client-flatten")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                default: prop.get("default").cloned(),
                doc,
            });
        }
        self.models.insert(
            name.to_owned(),
            Model {
                name: name.to_owned(),
                doc: doc_of(node),
                fields,
                azure_resource: node
                    .get("x-ms-azure-resource")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
        );
        Ok(TypeRef::Model(name.to_owned()))
    }

    fn field_type(&mut self, prop_loc: &Location, model: &str, wire: &str) -> Result<TypeRef> {
        if let Some(over) = self.custom.enum_override(model, wire) {
            let def = EnumDef {
                name: over.name.clone(),
                doc: over.description.clone(),
                values: over
                    .values
                    .iter()
                    .map(|v| {
                        Ok(EnumValue {
                            value: v.value.clone(),
                            variant: naming::variant_ident(&v.value)
                                .map_err(|m| prop_loc.error(m))?,
                            doc: v.description.clone(),
                        })
                    })
                    .collect::<Result<_>>()?,
                model_as_string: true,
            };
            return self.add_enum(def, prop_loc);
        }
        if let Some(spec) = Customizations::lookup(&self.custom.type_overrides, model, wire) {
            return parse_type_override(spec).ok_or_else(|| {
                prop_loc.error(format!(
                    "unknown type override `{spec}` (known: string, any, map<string>, map<any>)"
                ))
            });
        }
        self.schema(prop_loc, &format!("{model}{}", wire.to_pascal_case()))
    }
}

fn parse_type_override(spec: &str) -> Option<TypeRef> {
    Some(match spec {
        "string" => TypeRef::String,
        "any" => TypeRef::Any,
        "map<string>" => TypeRef::Map(Box::new(TypeRef::String)),
        "map<any>" => TypeRef::Map(Box::new(TypeRef::Any)),
        _ => return None,
    })
}

fn is_enum(node: &Value) -> bool {
    node.get("enum").is_some()
}

fn enum_name(node: &Value) -> Option<String> {
    node.get("x-ms-enum")
        .and_then(|e| e.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `Some(name)` if the location is a top-level `#/definitions/<name>`.
fn definition_name(loc: &Location) -> Option<String> {
    let rest = loc.pointer.strip_prefix("/definitions/")?;
    (!rest.contains('/')).then(|| rest.replace("~1", "/").replace("~0", "~"))
}

/// Models containing themselves by value (through `Option<Model>` chains) cannot be
/// represented without boxing; report the cycle instead of emitting code that fails to compile.
pub(super) fn check_value_cycles(api: &Api, origins: &BTreeMap<String, Location>) -> Result<()> {
    let by_name: HashMap<&str, &Model> = api.models.iter().map(|m| (m.name.as_str(), m)).collect();
    fn visit<'m>(
        name: &'m str,
        by_name: &HashMap<&str, &'m Model>,
        stack: &mut Vec<&'m str>,
        done: &mut BTreeSet<&'m str>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| *n == name) {
            let mut cycle: Vec<String> = stack[pos..].iter().map(|s| s.to_string()).collect();
            cycle.push(name.to_owned());
            return Some(cycle);
        }
        if !done.insert(name) {
            return None;
        }
        stack.push(name);
        let model = by_name.get(name)?;
        for field in &model.fields {
            if let TypeRef::Model(child) = &field.ty {
                if let Some(cycle) = visit(child, by_name, stack, done) {
                    return Some(cycle);
                }
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for model in &api.models {
        if let Some(cycle) = visit(&model.name, &by_name, &mut Vec::new(), &mut done) {
            let loc = &origins[&cycle[0]];
            return Err(loc.error(format!(
                "cyclic model reference {} cannot be represented by value; not supported",
                cycle.join(" -> ")
            )));
        }
    }
    Ok(())
}
