//! Emits `mod.rs`: the client and one sub-client per operation group.

use super::names::Names;
use super::{
    EmitOptions, client_options_name, escape_markdown, ident, module_type_tokens,
    operation_options_name, param_doc, sub_client_name, verbatim_doc_attrs,
    verbatim_inner_doc_attrs,
};
use crate::ir::{Api, Group, Operation, Param, ParamIn, PathSegment, TypeRef};
use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn emit(api: &Api, options: &EmitOptions, names: &Names) -> TokenStream {
    let mut module_doc = format!(
        "{} client for api-version `{}`.",
        escape_markdown(&api.title),
        api.api_version
    );
    if let Some(description) = api.description.as_deref() {
        module_doc.push_str("\n\n");
        module_doc.push_str(&escape_markdown(description));
    }
    let module_doc = verbatim_inner_doc_attrs(&module_doc);
    let api_version = &api.api_version;
    let default_endpoint = &api.default_endpoint;
    let client = client(api, options, names);
    let groups: Vec<TokenStream> = api
        .groups
        .iter()
        .map(|g| group(api, g, options, names))
        .collect();
    let uses = names.use_items();
    quote! {
        #module_doc

        mod enums;
        pub mod models;
        mod options;

        pub use options::*;

        #uses

        /// The api-version this module speaks (sent as `api-version` on every request).
        pub const API_VERSION: &str = #api_version;
        /// The endpoint used when none is configured (Azure public cloud).
        pub const DEFAULT_ENDPOINT: &str = #default_endpoint;

        #client
        #(#groups)*
    }
}

/// How `mod.rs` names models and enums: through its `models` module.
fn models_path() -> TokenStream {
    quote!(models)
}

fn client(api: &Api, options: &EmitOptions, names: &Names) -> TokenStream {
    let Names {
        option,
        ok,
        into,
        arc,
        url,
        token_credential,
        client_core,
        ..
    } = names;
    let name = ident(&options.client_name);
    let options_name = ident(&client_options_name(options));
    let required: Vec<&Param> = api.client_params.iter().filter(|p| p.required).collect();
    let models = models_path();
    let ty_of = |p: &Param| module_type_tokens(&p.ty, names, &models);

    let fields = api.client_params.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = ty_of(p);
        if p.required {
            quote! { #field: #ty, }
        } else {
            quote! { #field: #option<#ty>, }
        }
    });
    let new_args = required.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = ty_of(p);
        quote! { #field: impl #into<#ty>, }
    });
    let new_inits = api.client_params.iter().map(|p| {
        let field = ident(&p.rust_name);
        if p.required {
            quote! { #field: #field.into(), }
        } else {
            quote! { #field: options.#field, }
        }
    });
    let new_arg_docs: String = required
        .iter()
        .map(|p| format!("\n- `{}`: {}", p.rust_name, param_doc(&p.wire_name, &p.doc)))
        .collect();
    let new_doc = verbatim_doc_attrs(&format!(
        "Creates a client.{new_arg_docs}\n- `credential`: any azure_core token credential (e.g. from azure_identity).\n- `options`: endpoint, api-version, retry, transport and policies.\n\nFails if the endpoint is not a URL, or is plain `http` to a host other than loopback \
         (a bearer token must never travel unencrypted)."
    ));
    let accessors = required.iter().map(|p| {
        let field = ident(&p.rust_name);
        let doc = verbatim_doc_attrs(&format!(
            "{}\n\nClient state, sent on every request that needs it.",
            param_doc(&p.wire_name, &p.doc)
        ));
        let ty = ty_of(p);
        quote! {
            #doc
            pub fn #field(&self) -> &#ty {
                &self.#field
            }
        }
    });
    let group_accessors = api.groups.iter().map(|g| {
        let method = ident(&g.name.to_snake_case());
        let sub = ident(&sub_client_name(g));
        let doc = verbatim_doc_attrs(&format!("Operations of the `{}` group.", g.name));
        quote! {
            #doc
            pub fn #method(&self) -> #sub {
                #sub { client: self.clone() }
            }
        }
    });
    let client_doc = verbatim_doc_attrs(&format!(
        "Client for {} (api-version `{}`).\n\nCheap to clone: clones share one HTTP pipeline.\n\n\
         # Retries\n\n\
         This client keeps azure_core's retry policy unless told otherwise, and that policy \
         retries every method blindly, `PATCH` and `DELETE` included: after a 5xx or a lost \
         reply, a write the service already applied is sent again, and a `DELETE` retried \
         after the name was reused deletes the new job. For writes, prefer the \
         `azure_importexport` crate, whose helpers re-read the job before any retry, or turn \
         this layer's retry off and retry yourself:\n\n\
         ```ignore\n\
         let mut client_options = azure_core::http::ClientOptions::default();\n\
         client_options.retry = azure_core::http::RetryOptions::none();\n\
         let options = {options_name} {{ client_options, ..Default::default() }};\n\
         ```",
        escape_markdown(&api.title),
        api.api_version,
    ));
    let fields: Vec<TokenStream> = fields.collect();
    quote! {
        #client_doc
        #[derive(Clone, Debug)]
        pub struct #name {
            core: #client_core,
            #(#fields)*
        }

        impl #name {
            #new_doc
            pub fn new(
                #(#new_args)*
                credential: #arc<dyn #token_credential>,
                options: #option<#options_name>,
            ) -> azure_core::Result<Self> {
                let options = options.unwrap_or_default();
                let core = #client_core::new(
                    options.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT),
                    credential,
                    options.client_options,
                    options.api_version.unwrap_or_else(|| API_VERSION.to_owned()),
                )?;
                #ok(Self { core, #(#new_inits)* })
            }

            /// The endpoint requests go to.
            pub fn endpoint(&self) -> &#url {
                self.core.endpoint()
            }

            /// The api-version sent on every request.
            pub fn api_version(&self) -> &str {
                self.core.api_version()
            }

            #(#accessors)*
            #(#group_accessors)*
        }
    }
}

fn group(api: &Api, group: &Group, options: &EmitOptions, names: &Names) -> TokenStream {
    let sub = ident(&sub_client_name(group));
    let client = ident(&options.client_name);
    let doc = verbatim_doc_attrs(&format!(
        "Operations of the `{}` group. Get one from [`{}::{}`].",
        group.name,
        options.client_name,
        group.name.to_snake_case()
    ));
    let methods: Vec<TokenStream> = group
        .operations
        .iter()
        .map(|op| operation(api, group, op, names))
        .collect();
    quote! {
        #doc
        #[derive(Clone, Debug)]
        pub struct #sub {
            client: #client,
        }

        impl #sub {
            #(#methods)*
        }
    }
}

/// Pageable operations with a next link return a `Pager`.
pub(super) fn is_pager(op: &Operation) -> bool {
    op.pageable
        .as_ref()
        .is_some_and(|p| p.next_link_name.is_some())
}

/// Where a parameter's value comes from inside the method body, and whether it is required.
fn value_expr(api: &Api, op: &Operation, wire: &str) -> (TokenStream, bool) {
    if let Some(p) = op.params.iter().find(|p| p.wire_name == wire) {
        let field = ident(&p.rust_name);
        if p.required {
            (quote!(#field), true)
        } else {
            (quote!(options.#field), false)
        }
    } else {
        let p = api
            .client_params
            .iter()
            .find(|p| p.wire_name == wire)
            .expect("lowering checked that every parameter is declared");
        let field = ident(&p.rust_name);
        (quote!(client.#field), p.required)
    }
}

fn param_by_wire<'a>(api: &'a Api, op: &'a Operation, wire: &str) -> Option<&'a Param> {
    op.params
        .iter()
        .find(|p| p.wire_name == wire)
        .or_else(|| api.client_params.iter().find(|p| p.wire_name == wire))
}

/// The parameters an operation sends in `location`: its own, then the client's it uses.
fn params_in<'a>(api: &'a Api, op: &'a Operation, location: ParamIn) -> Vec<&'a Param> {
    op.params
        .iter()
        .chain(
            api.client_params
                .iter()
                .filter(|p| op.client_params.contains(&p.wire_name)),
        )
        .filter(|p| p.location == location)
        .collect()
}

/// Positional arguments: path parameters in path order, then other required ones, then
/// the body.
fn positional_args(op: &Operation, names: &Names) -> Vec<TokenStream> {
    let models = models_path();
    let mut positional: Vec<&Param> = Vec::new();
    for seg in &op.path {
        if let PathSegment::Param(wire) = seg {
            if let Some(p) = op.params.iter().find(|p| &p.wire_name == wire) {
                positional.push(p);
            }
        }
    }
    positional.extend(
        op.params
            .iter()
            .filter(|p| p.required && p.location != ParamIn::Path),
    );
    let mut args: Vec<TokenStream> = positional
        .iter()
        .map(|p| {
            let name = ident(&p.rust_name);
            let ty = if p.ty == TypeRef::String {
                quote!(&str)
            } else {
                module_type_tokens(&p.ty, names, &models)
            };
            quote! { #name: #ty, }
        })
        .collect();
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let name = ident(&body.rust_name);
        let ty = module_type_tokens(&body.ty, names, &models);
        let request_content = &names.request_content;
        args.push(quote! { #name: #request_content<#ty>, });
    }
    args
}

/// Builds the request: URL with path and query, headers, body.
fn build_request(api: &Api, op: &Operation, names: &Names) -> TokenStream {
    let Names {
        some,
        method,
        path_param,
        set_json_body,
        ..
    } = names;
    let segments: Vec<TokenStream> = op
        .path
        .iter()
        .map(|seg| match seg {
            PathSegment::Literal(text) => quote!(#text),
            PathSegment::Param(wire) => {
                let (expr, _) = value_expr(api, op, wire);
                let is_string =
                    param_by_wire(api, op, wire).is_some_and(|p| p.ty == TypeRef::String);
                let is_argument = op.params.iter().any(|p| &p.wire_name == wire);
                let value = match (is_string, is_argument) {
                    (true, true) => expr, // already a `&str` argument
                    (true, false) => quote!(&#expr),
                    (false, _) => quote!(&#expr.to_string()),
                };
                quote!(#path_param(#wire, #value)?)
            }
        })
        .collect();

    let query_params = params_in(api, op, ParamIn::Query);
    let query = (!query_params.is_empty()).then(|| {
        let pushes = query_params.iter().map(|p| {
            let wire = &p.wire_name;
            let (expr, required) = value_expr(api, op, wire);
            let value = query_value(&p.ty, names);
            if required {
                quote! { { let value = &#expr; query.append_pair(#wire, &#value); } }
            } else {
                quote! {
                    if let #some(value) = &#expr {
                        query.append_pair(#wire, &#value);
                    }
                }
            }
        });
        quote! {
            {
                let mut query = url.query_pairs_mut();
                #(#pushes)*
            }
        }
    });
    let url_binding = if query.is_some() {
        quote!(let mut url)
    } else {
        quote!(let url)
    };

    let headers: Vec<TokenStream> = params_in(api, op, ParamIn::Header)
        .into_iter()
        .map(|p| {
            let header = p.wire_name.to_ascii_lowercase();
            let (expr, required) = value_expr(api, op, &p.wire_name);
            if required {
                quote! { request.insert_header(#header, #expr.to_string()); }
            } else {
                quote! {
                    if let #some(value) = &#expr {
                        request.insert_header(#header, value.to_string());
                    }
                }
            }
        })
        .collect();

    let body = op.body.as_ref().map(|b| {
        let name = ident(&b.rust_name);
        if b.required {
            quote! { #set_json_body(&mut request, #name); }
        } else {
            quote! {
                if let #some(body) = options.#name.take() {
                    #set_json_body(&mut request, body);
                }
            }
        }
    });
    let options_binding = if op.body.as_ref().is_some_and(|b| !b.required) {
        quote!(let mut options)
    } else {
        quote!(let options)
    };
    // Pagers take the request by value; other operations send it by `&mut`.
    let request_binding = if is_pager(op) && headers.is_empty() && body.is_none() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    let http_method = format_ident!("{}", op.http_method.to_pascal_case());
    quote! {
        #options_binding = options.unwrap_or_default();
        let client = &self.client;
        #url_binding = client.core.url(&[#(#segments),*])?;
        #query
        #request_binding = client.core.request(url, #method::#http_method);
        #(#headers)*
        #body
    }
}

fn operation(api: &Api, group: &Group, op: &Operation, names: &Names) -> TokenStream {
    let Names {
        option,
        ok,
        response,
        pager,
        no_format,
        ..
    } = names;
    let method = ident(&op.method_name);
    let options_name = ident(&operation_options_name(group, op));
    let models = models_path();
    let args = positional_args(op, names);
    let success = op.success_codes.iter();
    let docs = verbatim_doc_attrs(&format!(
        "{}\n\n{}",
        escape_markdown(&op.doc),
        operation_details(op)
    ));

    if let Some(next_link) = op.pageable.as_ref().and_then(|p| p.next_link_name.as_ref()) {
        let page = op
            .response
            .as_ref()
            .map(|t| module_type_tokens(t, names, &models))
            .expect("lowering checked pageable operations have a response model");
        let build = build_request(api, op, names);
        return quote! {
            #docs
            pub fn #method(
                &self,
                #(#args)*
                options: #option<#options_name<'_>>,
            ) -> azure_core::Result<#pager<#page>> {
                #build
                #ok(client.core.pager(request, options.method_options, #next_link, &[#(#success),*]))
            }
        };
    }
    let response_type = match &op.response {
        Some(ty) => {
            let ty = module_type_tokens(ty, names, &models);
            quote!(#response<#ty>)
        }
        None => quote!(#response<(), #no_format>),
    };
    let build = build_request(api, op, names);
    quote! {
        #docs
        pub async fn #method(
            &self,
            #(#args)*
            options: #option<#options_name<'_>>,
        ) -> azure_core::Result<#response_type> {
            #build
            let response = client
                .core
                .send(&options.method_options.context, &mut request, &[#(#success),*])
                .await?;
            #ok(response.into())
        }
    }
}

/// The query value of `value` (a reference to the parameter).
fn query_value(ty: &TypeRef, names: &Names) -> TokenStream {
    match ty {
        TypeRef::Array(_) => {
            let vec = &names.vec;
            quote! { value.iter().map(ToString::to_string).collect::<#vec<_>>().join(",") }
        }
        _ => quote!(value.to_string()),
    }
}

/// The generator's part of an operation's docs: request line, success codes, paging.
fn operation_details(op: &Operation) -> String {
    let path: String = op
        .path
        .iter()
        .map(|seg| match seg {
            PathSegment::Literal(text) => format!("/{text}"),
            PathSegment::Param(name) => format!("/{{{name}}}"),
        })
        .collect();
    let codes: Vec<String> = op.success_codes.iter().map(u16::to_string).collect();
    let mut doc = format!(
        "`{} {}` (operation `{}`). Success: {}; any other status is an `azure_core::Error` carrying the status, the ARM error code and message, and the raw response.",
        op.http_method.to_ascii_uppercase(),
        path,
        op.id,
        codes.join(", ")
    );
    if let Some(p) = &op.pageable {
        if p.next_link_name.is_some() {
            doc.push_str(" Returns a pager: iterate items, or pages with `into_pages()`; next links are followed only on the client's own origin.");
        } else {
            doc.push_str(" The service returns every item in one response.");
        }
    }
    doc
}
