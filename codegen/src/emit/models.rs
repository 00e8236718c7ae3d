//! Emits `models.rs`: structs with lossless serde impls, pager pages, request bodies.

use super::names::Names;
use super::{escape_markdown, ident, type_tokens, verbatim_doc_attrs};
use crate::ir::{Api, Field, Model, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub(super) fn emit(api: &Api, names: &Names) -> TokenStream {
    let by_name: HashMap<&str, &Model> = api.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let models: Vec<TokenStream> = api
        .models
        .iter()
        .map(|m| model(m, &by_name, names))
        .collect();
    let pages = pages(api, names);
    let bodies = request_bodies(api, names);
    let secret_names: BTreeSet<&str> = api
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .filter(|f| f.secret)
        .map(|f| f.wire_name.as_str())
        .collect();
    let secret_names = secret_names.into_iter();
    let uses = names.use_items();
    quote! {
        #![doc = " Models (request and response bodies) of this api-version, and its enums."]
        pub use super::enums::*;

        #uses

        /// Wire names of secret properties. `Debug` redacts them in modelled fields and,
        /// matched case-insensitively at any depth, in `additional_properties`.
        pub const SECRET_PROPERTY_NAMES: &[&str] = &[#(#secret_names),*];
        #(#models)*
        #(#pages)*
        #(#bodies)*
    }
}

/// `model.try_into()?` for request bodies, as in the official SDKs.
fn request_bodies(api: &Api, names: &Names) -> Vec<TokenStream> {
    let Names {
        ok,
        try_from,
        request_content,
        ..
    } = names;
    let models: BTreeSet<&str> = api
        .groups
        .iter()
        .flat_map(|g| &g.operations)
        .filter_map(|op| match op.body.as_ref().map(|b| &b.ty) {
            Some(TypeRef::Model(name)) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    models
        .into_iter()
        .map(|name| {
            let model = ident(name);
            quote! {
                impl #try_from<#model> for #request_content<#model> {
                    type Error = azure_core::Error;

                    fn try_from(model: #model) -> azure_core::Result<Self> {
                        #ok(Self::from(serde_json::to_vec(&model)?))
                    }
                }
            }
        })
        .collect()
}

fn model(model: &Model, by_name: &HashMap<&str, &Model>, names: &Names) -> TokenStream {
    let Names {
        option,
        additional_properties,
        ..
    } = names;
    let name = ident(&model.name);
    let docs = verbatim_doc_attrs(&model_doc(model));
    let fields: Vec<TokenStream> = model
        .fields
        .iter()
        .map(|f| {
            let field = ident(&f.rust_name);
            let ty = type_tokens(&f.ty, names);
            let docs = verbatim_doc_attrs(&field_doc(f));
            quote! { #docs pub #field: #option<#ty>, }
        })
        .collect();
    let debug_impl = debug_impl(model, names);
    let serialize = serialize_impl(model, names);
    let deserialize = deserialize_impl(model, names);
    let accessors = flatten_accessors(model, by_name, names);
    quote! {
        #docs
        #[derive(Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
            /// Properties the service returned that this version of the SDK does not model.
            /// They are kept, and sent back unchanged when this value is serialized, so a
            /// read-modify-write never drops what a newer service version added.
            pub additional_properties: #additional_properties,
        }

        #debug_impl
        #serialize
        #deserialize
        #accessors
    }
}

/// Markdown: the spec's description (escaped) and the generator's notes.
fn model_doc(model: &Model) -> String {
    let mut doc = if model.doc.is_empty() {
        format!("The `{}` object (no description in the spec).", model.name)
    } else {
        escape_markdown(&model.doc)
    };
    if model.azure_resource {
        doc.push_str("\n\nThis is an ARM resource (`x-ms-azure-resource`).");
    }
    doc
}

/// Markdown: the spec's description (escaped) and the generator's notes.
fn field_doc(field: &Field) -> String {
    let mut doc = if field.doc.is_empty() {
        format!(
            "The `{}` property (no description in the spec).",
            field.wire_name
        )
    } else {
        escape_markdown(&field.doc)
    };
    let mut notes = Vec::new();
    if field.required {
        notes.push("Required by the service in requests.".to_owned());
    }
    if field.read_only {
        notes.push("Read-only: set by the service.".to_owned());
    }
    if let Some(default) = &field.default {
        notes.push(format!("Service default: `{}`.", default_text(default)));
    }
    if field.secret {
        notes.push("Secret: redacted in `Debug` output.".to_owned());
    }
    if !notes.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(&notes.join(" "));
    }
    doc
}

fn default_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn debug_impl(model: &Model, names: &Names) -> TokenStream {
    let Names {
        fmt,
        redacted,
        redacted_json,
        ..
    } = names;
    let name = ident(&model.name);
    let name_str = &model.name;
    let fields: Vec<TokenStream> = model
        .fields
        .iter()
        .map(|f| {
            let field = ident(&f.rust_name);
            let label = &f.rust_name;
            if f.secret {
                quote! { .field(#label, &#redacted::option(&self.#field)) }
            } else {
                quote! { .field(#label, &self.#field) }
            }
        })
        .collect();
    quote! {
        impl #fmt::Debug for #name {
            fn fmt(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                f.debug_struct(#name_str)
                    #(#fields)*
                    .field(
                        "additional_properties",
                        &#redacted_json::new(&self.additional_properties, SECRET_PROPERTY_NAMES),
                    )
                    .finish()
            }
        }
    }
}

fn serialize_impl(model: &Model, names: &Names) -> TokenStream {
    let Names {
        some,
        none,
        result,
        serialize,
        serializer,
        ..
    } = names;
    let name = ident(&model.name);
    let entries: Vec<TokenStream> = model
        .fields
        .iter()
        .map(|f| {
            let field = ident(&f.rust_name);
            let wire = &f.wire_name;
            quote! {
                if let #some(value) = &self.#field {
                    map.serialize_entry(#wire, value)?;
                }
            }
        })
        .collect();
    quote! {
        impl #serialize for #name {
            fn serialize<S: #serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(#none)?;
                #(#entries)*
                for (key, value) in &self.additional_properties {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

fn deserialize_impl(model: &Model, names: &Names) -> TokenStream {
    let Names {
        some,
        result,
        ok,
        fmt,
        deserialize,
        deserializer,
        map_access,
        visitor,
        field_key,
        ..
    } = names;
    let name = ident(&model.name);
    // Named after the model: a local `Visitor` would shadow a model of that name.
    let visitor_type = format_ident!("{}Visitor", model.name);
    let expecting = format!("a {} JSON object", model.name);
    let arms = model.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = &f.wire_name;
        quote! { #wire => out.#field = map.next_value()?, }
    });
    quote! {
        impl<'de> #deserialize<'de> for #name {
            fn deserialize<D: #deserializer<'de>>(deserializer: D) -> #result<Self, D::Error> {
                struct #visitor_type;

                impl<'de> #visitor<'de> for #visitor_type {
                    type Value = #name;

                    fn expecting(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<A: #map_access<'de>>(self, mut map: A) -> #result<#name, A::Error> {
                        let mut out = #name::default();
                        while let #some(key) = map.next_key::<#field_key<'de>>()? {
                            match key.as_str() {
                                #(#arms)*
                                _ => {
                                    let value: serde_json::Value = map.next_value()?;
                                    out.additional_properties.insert(key.into_string(), value);
                                }
                            }
                        }
                        #ok(out)
                    }
                }

                deserializer.deserialize_map(#visitor_type)
            }
        }
    }
}

/// `x-ms-client-flatten`: the wire shape stays nested (lossless), and the parent gets
/// read accessors for the flattened child's properties, as Autorest's flattening promises.
fn flatten_accessors(
    model: &Model,
    by_name: &HashMap<&str, &Model>,
    names: &Names,
) -> Option<TokenStream> {
    let option = &names.option;
    let mut methods = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    for parent in model.fields.iter().filter(|f| f.flatten) {
        let TypeRef::Model(child_name) = &parent.ty else {
            continue;
        };
        let Some(child) = by_name.get(child_name.as_str()) else {
            continue;
        };
        let parent_field = ident(&parent.rust_name);
        for f in &child.fields {
            let mut method = f.rust_name.clone();
            if !used.insert(method.clone()) {
                method = format!("{}_{}", parent.rust_name, f.rust_name);
                used.insert(method.clone());
            }
            let method = ident(&method);
            let field = ident(&f.rust_name);
            let ty = type_tokens(&f.ty, names);
            let doc = verbatim_doc_attrs(&format!(
                "`{}.{}`, flattened (`x-ms-client-flatten`): `None` when either is absent.",
                parent.wire_name, f.wire_name
            ));
            methods.push(quote! {
                #doc
                pub fn #method(&self) -> #option<&#ty> {
                    self.#parent_field.as_ref()?.#field.as_ref()
                }
            });
        }
    }
    if methods.is_empty() {
        return None;
    }
    let name = ident(&model.name);
    Some(quote! { impl #name { #(#methods)* } })
}

/// `Page` impls for the response models of pageable operations, so that `Pager<T>` yields items.
fn pages(api: &Api, names: &Names) -> Vec<TokenStream> {
    let Names { ok, page, .. } = names;
    let mut pages: BTreeMap<String, (String, TypeRef)> = BTreeMap::new();
    for op in api.groups.iter().flat_map(|g| &g.operations) {
        if let (Some(p), Some(TypeRef::Model(model))) = (&op.pageable, &op.response) {
            if p.next_link_name.is_some() {
                pages.insert(model.clone(), (p.item_field.clone(), p.item_type.clone()));
            }
        }
    }
    pages
        .into_iter()
        .map(|(model, (field, item))| {
            let model = ident(&model);
            let field = ident(&field);
            let item = type_tokens(&item, names);
            quote! {
                #[async_trait::async_trait]
                impl #page for #model {
                    type Item = #item;
                    type IntoIter = std::vec::IntoIter<#item>;

                    async fn into_items(self) -> azure_core::Result<Self::IntoIter> {
                        #ok(self.#field.unwrap_or_default().into_iter())
                    }
                }
            }
        })
        .collect()
}
