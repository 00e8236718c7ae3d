//! Emits `options.rs`: the client's options and one options struct per operation, named
//! `{SubClient}{Method}Options` as in the modern azure-sdk-for-rust crates.

use super::client::is_pager;
use super::names::Names;
use super::{
    EmitOptions, client_options_name, ident, module_type_tokens, operation_options_name, param_doc,
    sub_client_name, verbatim_doc_attrs,
};
use crate::ir::{Api, Group, Operation};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn emit(api: &Api, options: &EmitOptions, names: &Names) -> TokenStream {
    let client_options = client_options(api, options, names);
    let per_operation: Vec<TokenStream> = api
        .groups
        .iter()
        .flat_map(|g| {
            g.operations
                .iter()
                .map(move |op| operation_options(g, op, names))
        })
        .collect();
    let uses = names.use_items();
    quote! {
        #![doc = " Options of the client and of each operation."]
        #uses
        #client_options
        #(#per_operation)*
    }
}

fn client_options(api: &Api, options: &EmitOptions, names: &Names) -> TokenStream {
    let Names {
        option,
        string,
        client_options,
        safe_debug,
        ..
    } = names;
    let name = ident(&client_options_name(options));
    let doc = verbatim_doc_attrs(&format!(
        "Options for [`{client}::new`](super::{client}::new).",
        client = options.client_name
    ));
    let fields = api.client_params.iter().filter(|p| !p.required).map(|p| {
        let field = ident(&p.rust_name);
        let ty = module_type_tokens(&p.ty, names, &names.models);
        let docs = verbatim_doc_attrs(&param_doc(&p.wire_name, &p.doc));
        quote! { #docs pub #field: #option<#ty>, }
    });
    quote! {
        #doc
        #[derive(Clone, Default, #safe_debug)]
        pub struct #name {
            /// azure_core options: retry, transport, per-call and per-try policies, instrumentation.
            pub client_options: #client_options,
            /// Service endpoint; [`DEFAULT_ENDPOINT`](super::DEFAULT_ENDPOINT) when `None`.
            /// Set it for sovereign clouds or a local emulator. The token scope is derived
            /// from it (`{endpoint}/.default`).
            pub endpoint: #option<#string>,
            /// api-version to send; [`API_VERSION`](super::API_VERSION) when `None`.
            pub api_version: #option<#string>,
            #(#fields)*
        }
    }
}

fn operation_options(group: &Group, op: &Operation, names: &Names) -> TokenStream {
    let Names {
        option,
        request_content,
        client_method_options,
        pager_options,
        safe_debug,
        ..
    } = names;
    let name = ident(&operation_options_name(group, op));
    let fields = op.params.iter().filter(|p| !p.required).map(|p| {
        let field = ident(&p.rust_name);
        let ty = module_type_tokens(&p.ty, names, &names.models);
        let docs = verbatim_doc_attrs(&param_doc(&p.wire_name, &p.doc));
        quote! { #docs pub #field: #option<#ty>, }
    });
    let body = op.body.as_ref().filter(|b| !b.required).map(|b| {
        let field = ident(&b.rust_name);
        let ty = module_type_tokens(&b.ty, names, &names.models);
        let docs = verbatim_doc_attrs(&param_doc(&b.rust_name, &b.doc));
        quote! { #docs pub #field: #option<#request_content<#ty>>, }
    });
    let method_options = if is_pager(op) {
        quote! {
            /// Context and continuation (resume from a saved next link) for the pager.
            pub method_options: #pager_options<'a>,
        }
    } else {
        quote! {
            /// Context for this call (cancellation, custom values for policies).
            pub method_options: #client_method_options<'a>,
        }
    };
    let doc = verbatim_doc_attrs(&format!(
        "Options for [`{sub}::{method}`](super::{sub}::{method}).",
        sub = sub_client_name(group),
        method = op.method_name
    ));
    quote! {
        #doc
        #[derive(Clone, Default, #safe_debug)]
        pub struct #name<'a> {
            #(#fields)*
            #body
            #method_options
        }
    }
}
