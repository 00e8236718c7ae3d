//! Emits `models.rs`: structs with lossless serde impls, extensible enums, pager pages.

use super::{doc_attrs, field_type_tokens, ident, type_tokens};
use crate::ir::{Api, EnumDef, Field, Model, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub(super) fn emit(api: &Api, rt: &TokenStream) -> TokenStream {
    let by_name: HashMap<&str, &Model> = api.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let models = api.models.iter().map(|m| model(m, &by_name, rt));
    let enums = api.enums.iter().map(|e| extensible_enum(e, rt));
    let pages = pages(api);
    let bodies = request_bodies(api);
    let secret_names: BTreeSet<&str> = api
        .models
        .iter()
        .flat_map(|m| &m.fields)
        .filter(|f| f.secret)
        .map(|f| f.wire_name.as_str())
        .collect();
    let secret_names = secret_names.into_iter();
    quote! {
        #![doc = "Models (request and response bodies) of this api-version."]

        /// Wire names of secret properties. `Debug` redacts them in modelled fields and,
        /// matched case-insensitively at any depth, in `additional_properties`.
        pub const SECRET_PROPERTY_NAMES: &[&str] = &[#(#secret_names),*];
        #(#models)*
        #(#enums)*
        #(#pages)*
        #(#bodies)*
    }
}

/// `model.try_into()?` for request bodies, as in the official SDKs.
fn request_bodies(api: &Api) -> Vec<TokenStream> {
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
                impl ::core::convert::TryFrom<#model> for ::azure_core::http::RequestContent<#model> {
                    type Error = ::azure_core::Error;
                    fn try_from(model: #model) -> ::azure_core::Result<Self> {
                        ::core::result::Result::Ok(Self::from(::serde_json::to_vec(&model)?))
                    }
                }
            }
        })
        .collect()
}

fn model(model: &Model, by_name: &HashMap<&str, &Model>, rt: &TokenStream) -> TokenStream {
    let name = ident(&model.name);
    let docs = doc_attrs(&model_doc(model));
    let fields = model.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let ty = field_type_tokens(&f.ty);
        let docs = doc_attrs(&field_doc(f));
        quote! { #docs pub #field: ::core::option::Option<#ty>, }
    });
    let debug_impl = debug_impl(model, rt);
    let serialize = serialize_impl(model);
    let deserialize = deserialize_impl(model, rt);
    let accessors = flatten_accessors(model, by_name);
    quote! {
        #docs
        #[derive(Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
            /// Properties the service returned that this version of the SDK does not model.
            /// They are kept, and sent back unchanged when this value is serialized, so a
            /// read-modify-write never drops what a newer service version added.
            pub additional_properties: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        }
        #debug_impl
        #serialize
        #deserialize
        #accessors
    }
}

fn model_doc(model: &Model) -> String {
    let mut doc = if model.doc.is_empty() {
        format!("The `{}` object (no description in the spec).", model.name)
    } else {
        model.doc.clone()
    };
    if model.azure_resource {
        doc.push_str("\n\nThis is an ARM resource (`x-ms-azure-resource`).");
    }
    doc
}

fn field_doc(field: &Field) -> String {
    let mut doc = if field.doc.is_empty() {
        format!(
            "The `{}` property (no description in the spec).",
            field.wire_name
        )
    } else {
        field.doc.clone()
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
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
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

fn debug_impl(model: &Model, rt: &TokenStream) -> TokenStream {
    let name = ident(&model.name);
    let name_str = &model.name;
    let fields = model.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let label = &f.rust_name;
        if f.secret {
            quote! { .field(#label, &#rt::Redacted::option(&self.#field)) }
        } else {
            quote! { .field(#label, &self.#field) }
        }
    });
    quote! {
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name_str)
                    #(#fields)*
                    .field(
                        "additional_properties",
                        &#rt::RedactedJson::new(&self.additional_properties, SECRET_PROPERTY_NAMES),
                    )
                    .finish()
            }
        }
    }
}

fn serialize_impl(model: &Model) -> TokenStream {
    let name = ident(&model.name);
    let entries = model.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = &f.wire_name;
        quote! {
            if let ::core::option::Option::Some(value) = &self.#field {
                map.serialize_entry(#wire, value)?;
            }
        }
    });
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(::core::option::Option::None)?;
                #(#entries)*
                for (key, value) in &self.additional_properties {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

fn deserialize_impl(model: &Model, rt: &TokenStream) -> TokenStream {
    let name = ident(&model.name);
    let expecting = format!("a {} JSON object", model.name);
    let arms = model.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = &f.wire_name;
        quote! { #wire => out.#field = map.next_value()?, }
    });
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::core::result::Result<#name, A::Error> {
                        let mut out = #name::default();
                        while let ::core::option::Option::Some(key) = map.next_key::<#rt::FieldKey<'de>>()? {
                            match key.as_str() {
                                #(#arms)*
                                _ => {
                                    let value: ::serde_json::Value = map.next_value()?;
                                    out.additional_properties.insert(key.into_string(), value);
                                }
                            }
                        }
                        ::core::result::Result::Ok(out)
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    }
}

/// `x-ms-client-flatten`: the wire shape stays nested (lossless), and the parent gets
/// read accessors for the flattened child's properties, as Autorest's flattening promises.
fn flatten_accessors(model: &Model, by_name: &HashMap<&str, &Model>) -> Option<TokenStream> {
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
            let ty = type_tokens(&f.ty);
            let doc = format!(
                "`{}.{}`, flattened (`x-ms-client-flatten`): `None` when either is absent.",
                parent.wire_name, f.wire_name
            );
            methods.push(quote! {
                #[doc = #doc]
                pub fn #method(&self) -> ::core::option::Option<&#ty> {
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

fn extensible_enum(def: &EnumDef, rt: &TokenStream) -> TokenStream {
    let name = ident(&def.name);
    let catch_all = if def.values.iter().any(|v| v.variant == "Unknown") {
        format_ident!("UnknownValue")
    } else {
        format_ident!("Unknown")
    };
    let mut doc = def.doc.clone();
    doc.push_str(
        "\n\nExtensible: a value this SDK does not know is kept verbatim in the catch-all \
         variant and serialized back unchanged.",
    );
    let docs = doc_attrs(&doc);
    let variants = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let docs = doc_attrs(if v.doc.is_empty() { &v.value } else { &v.doc });
        quote! { #docs #variant, }
    });
    let to_str = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { Self::#variant => #value, }
    });
    let from_str = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { #value => Self::#variant, }
    });
    let from_string = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { #value => Self::#variant, }
    });
    let all = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        quote! { Self::#variant, }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value not known to this version of the SDK, kept verbatim.
            #catch_all(::std::string::String),
        }
        impl #name {
            /// Every value known to this version of the SDK, in the spec's order.
            pub const KNOWN: &'static [#name] = &[#(#all)*];
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::#catch_all(value) => value.as_str(),
                }
            }
        }
        impl ::core::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::#catch_all(other.to_owned()),
                }
            }
        }
        impl ::core::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #(#from_string)*
                    _ => Self::#catch_all(value),
                }
            }
        }
        impl ::core::str::FromStr for #name {
            type Err = ::core::convert::Infallible;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(Self::from(value))
            }
        }
        impl ::core::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                #rt::deserialize_string_enum(deserializer)
            }
        }
    }
}

/// `Page` impls for the response models of pageable operations, so that `Pager<T>` yields items.
fn pages(api: &Api) -> Vec<TokenStream> {
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
            let item = type_tokens(&item);
            quote! {
                #[::async_trait::async_trait]
                impl ::azure_core::http::pager::Page for #model {
                    type Item = #item;
                    type IntoIter = ::std::vec::IntoIter<#item>;
                    async fn into_items(self) -> ::azure_core::Result<Self::IntoIter> {
                        ::core::result::Result::Ok(self.#field.unwrap_or_default().into_iter())
                    }
                }
            }
        })
        .collect()
}
