//! How a generated file refers to the std, serde, azure_core and runtime items it uses:
//! by short name (`Option<String>`, `BTreeMap<String, String>`) with a `use` line where the
//! prelude does not provide it, or by full path where a generated type of the same name
//! would shadow the short one.
//!
//! A [`Name`] records its `use` line when it is interpolated into tokens, so each file
//! imports exactly what it uses: build only the tokens that end up in the file.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// An item the generated code refers to.
#[derive(Clone)]
pub(crate) struct Name {
    short: Ident,
    /// Written instead of `short` when a generated type takes the short name.
    full: TokenStream,
    /// `use` path; `None` for prelude names.
    import: Option<String>,
    shadowed: bool,
    imports: Rc<RefCell<BTreeSet<String>>>,
}

impl ToTokens for Name {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        if self.shadowed {
            self.full.to_tokens(tokens);
            return;
        }
        if let Some(path) = &self.import {
            self.imports.borrow_mut().insert(path.clone());
        }
        self.short.to_tokens(tokens);
    }
}

/// The items of one generated file.
pub(crate) struct Names {
    pub option: Name,
    pub some: Name,
    pub none: Name,
    pub string: Name,
    pub vec: Name,
    pub result: Name,
    pub ok: Name,
    pub from: Name,
    pub into: Name,
    pub try_from: Name,
    pub as_ref: Name,
    pub btree_map: Name,
    pub arc: Name,
    pub fmt: Name,
    pub from_str: Name,
    pub infallible: Name,
    pub serialize: Name,
    pub serializer: Name,
    pub deserialize: Name,
    pub deserializer: Name,
    pub map_access: Name,
    pub visitor: Name,
    pub response: Name,
    pub request_content: Name,
    pub pager: Name,
    pub pager_options: Name,
    pub page: Name,
    pub client_options: Name,
    pub client_method_options: Name,
    pub safe_debug: Name,
    pub method: Name,
    pub no_format: Name,
    pub url: Name,
    pub token_credential: Name,
    pub client_core: Name,
    pub path_param: Name,
    pub set_json_body: Name,
    pub field_key: Name,
    pub redacted: Name,
    pub redacted_json: Name,
    pub additional_properties: Name,
    pub deserialize_string_enum: Name,
    /// The sibling `models` module, for files other than `mod.rs` (which declares it).
    pub models: Name,
    imports: Rc<RefCell<BTreeSet<String>>>,
}

impl Names {
    /// Names for one file. `taken` holds every type name the api-version module defines;
    /// `runtime` is the Rust path of the runtime module (`crate::runtime`).
    pub(crate) fn new(taken: &BTreeSet<String>, runtime: &str) -> Names {
        let imports = Rc::new(RefCell::new(BTreeSet::new()));
        let name = |path: String, prelude: bool| {
            let short = path.rsplit("::").next().unwrap_or(&path).to_owned();
            let rooted = ["crate::", "self::", "super::", "::"]
                .iter()
                .any(|p| path.starts_with(p));
            let full = if rooted {
                path.clone()
            } else {
                format!("::{path}")
            };
            Name {
                shadowed: taken.contains(&short),
                short: Ident::new(&short, Span::call_site()),
                full: full.parse().expect("a Rust path"),
                import: (!prelude).then(|| path.clone()),
                imports: Rc::clone(&imports),
            }
        };
        let prelude = |path: &str| name(path.to_owned(), true);
        let import = |path: &str| name(path.to_owned(), false);
        let runtime = |item: &str| name(format!("{runtime}::{item}"), false);
        Names {
            option: prelude("core::option::Option"),
            some: prelude("core::option::Option::Some"),
            none: prelude("core::option::Option::None"),
            string: prelude("std::string::String"),
            vec: prelude("std::vec::Vec"),
            result: prelude("core::result::Result"),
            ok: prelude("core::result::Result::Ok"),
            from: prelude("core::convert::From"),
            into: prelude("core::convert::Into"),
            try_from: prelude("core::convert::TryFrom"),
            as_ref: prelude("core::convert::AsRef"),
            btree_map: import("std::collections::BTreeMap"),
            arc: import("std::sync::Arc"),
            fmt: import("std::fmt"),
            from_str: import("std::str::FromStr"),
            infallible: import("std::convert::Infallible"),
            serialize: import("serde::Serialize"),
            serializer: import("serde::Serializer"),
            deserialize: import("serde::Deserialize"),
            deserializer: import("serde::Deserializer"),
            map_access: import("serde::de::MapAccess"),
            visitor: import("serde::de::Visitor"),
            response: import("azure_core::http::Response"),
            request_content: import("azure_core::http::RequestContent"),
            pager: import("azure_core::http::Pager"),
            pager_options: import("azure_core::http::pager::PagerOptions"),
            page: import("azure_core::http::pager::Page"),
            client_options: import("azure_core::http::ClientOptions"),
            client_method_options: import("azure_core::http::ClientMethodOptions"),
            safe_debug: import("azure_core::fmt::SafeDebug"),
            method: import("azure_core::http::Method"),
            no_format: import("azure_core::http::NoFormat"),
            url: import("azure_core::http::Url"),
            token_credential: import("azure_core::credentials::TokenCredential"),
            client_core: runtime("ClientCore"),
            path_param: runtime("path_param"),
            set_json_body: runtime("set_json_body"),
            field_key: runtime("FieldKey"),
            redacted: runtime("Redacted"),
            redacted_json: runtime("RedactedJson"),
            additional_properties: runtime("AdditionalProperties"),
            deserialize_string_enum: runtime("deserialize_string_enum"),
            models: import("super::models"),
            imports,
        }
    }

    /// The `use` lines for every name interpolated so far, one per parent module.
    pub(crate) fn use_items(&self) -> TokenStream {
        let mut by_parent: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for path in self.imports.borrow().iter() {
            let (parent, leaf) = path.rsplit_once("::").expect("imports are paths");
            by_parent
                .entry(parent.to_owned())
                .or_default()
                .push(leaf.to_owned());
        }
        let mut lines: Vec<String> = by_parent
            .into_iter()
            .map(|(parent, leaves)| match leaves.as_slice() {
                [one] => format!("use {parent}::{one};"),
                many => format!("use {parent}::{{{}}};", many.join(", ")),
            })
            .collect();
        lines.sort();
        let items = lines
            .iter()
            .map(|line| line.parse::<TokenStream>().expect("a use item"));
        quote! { #(#items)* }
    }
}
