//! Emits `mod.rs`: the client, one sub-client per operation group, options structs.

use super::{EmitOptions, doc_attrs, ident, inner_doc_attrs, plain_doc_attrs, type_tokens_with};
use crate::ir::{Api, Group, Operation, Param, ParamIn, PathSegment, TypeRef};
use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn emit(api: &Api, options: &EmitOptions, rt: &TokenStream) -> TokenStream {
    let module_doc = format!(
        "{} client for api-version `{}`.\n\n{}",
        api.title,
        api.api_version,
        api.description.as_deref().unwrap_or("")
    );
    let module_doc = inner_doc_attrs(module_doc.trim());
    let api_version = &api.api_version;
    let default_endpoint = &api.default_endpoint;
    let client = client(api, options, rt);
    let groups = api.groups.iter().map(|g| group(api, g, options, rt));
    quote! {
        #module_doc
        pub mod models;

        /// The api-version this module speaks (sent as `api-version` on every request).
        pub const API_VERSION: &str = #api_version;
        /// The endpoint used when none is configured (Azure public cloud).
        pub const DEFAULT_ENDPOINT: &str = #default_endpoint;

        #client
        #(#groups)*
    }
}

fn client(api: &Api, options: &EmitOptions, rt: &TokenStream) -> TokenStream {
    let name = ident(&options.client_name);
    let options_name = format_ident!("{}Options", options.client_name);
    let required: Vec<&Param> = api.client_params.iter().filter(|p| p.required).collect();
    let optional: Vec<&Param> = api.client_params.iter().filter(|p| !p.required).collect();
    let prefix = quote!(models::);

    let fields = api.client_params.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = type_tokens_with(&p.ty, &prefix);
        if p.required {
            quote! { #field: #ty, }
        } else {
            quote! { #field: ::core::option::Option<#ty>, }
        }
    });
    let new_args = required.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = type_tokens_with(&p.ty, &prefix);
        quote! { #field: impl ::core::convert::Into<#ty>, }
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
        .map(|p| format!("\n- `{}`: {}", p.rust_name, p.doc))
        .collect();
    let new_doc = format!(
        "Creates a client.{new_arg_docs}\n- `credential`: any azure_core token credential (e.g. from azure_identity).\n- `options`: endpoint, api-version, retry, transport and policies.\n\nFails if the endpoint is not a URL, or is plain `http` to a host other than loopback \
         (a bearer token must never travel unencrypted)."
    );
    let new_doc = plain_doc_attrs(&new_doc);
    let accessors = required.iter().map(|p| {
        let field = ident(&p.rust_name);
        let doc = format!(
            "{} (client state, sent on every request that needs it).",
            p.doc
        );
        let doc = plain_doc_attrs(&doc);
        let ty = type_tokens_with(&p.ty, &prefix);
        quote! {
            #doc
            pub fn #field(&self) -> &#ty {
                &self.#field
            }
        }
    });
    let option_fields = optional.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = type_tokens_with(&p.ty, &prefix);
        let docs = doc_attrs(&p.doc);
        quote! { #docs pub #field: ::core::option::Option<#ty>, }
    });
    let group_accessors = api.groups.iter().map(|g| {
        let method = ident(&g.name.to_snake_case());
        let sub = format_ident!("{}Client", g.name);
        let doc = format!("Operations of the `{}` group.", g.name);
        let doc = plain_doc_attrs(&doc);
        quote! {
            #doc
            pub fn #method(&self) -> #sub {
                #sub { client: self.clone() }
            }
        }
    });
    let client_doc = format!(
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
         let options = {}Options {{ client_options, ..Default::default() }};\n\
         ```",
        api.title, api.api_version, options.client_name
    );
    let client_doc = plain_doc_attrs(&client_doc);
    let options_doc = format!("Options for [`{}::new`].", options.client_name);
    let options_doc = plain_doc_attrs(&options_doc);
    quote! {
        #client_doc
        #[derive(Clone, Debug)]
        pub struct #name {
            core: #rt::ClientCore,
            #(#fields)*
        }

        #options_doc
        #[derive(Clone, Debug, Default)]
        pub struct #options_name {
            /// azure_core options: retry, transport, per-call and per-try policies, instrumentation.
            pub client_options: ::azure_core::http::ClientOptions,
            /// Service endpoint; [`DEFAULT_ENDPOINT`] when `None`. Set it for sovereign clouds
            /// or a local emulator. The token scope is derived from it (`{endpoint}/.default`).
            pub endpoint: ::core::option::Option<::std::string::String>,
            /// api-version to send; [`API_VERSION`] when `None`.
            pub api_version: ::core::option::Option<::std::string::String>,
            #(#option_fields)*
        }

        impl #name {
            #new_doc
            pub fn new(
                #(#new_args)*
                credential: ::std::sync::Arc<dyn ::azure_core::credentials::TokenCredential>,
                options: ::core::option::Option<#options_name>,
            ) -> ::azure_core::Result<Self> {
                let options = options.unwrap_or_default();
                let core = #rt::ClientCore::new(
                    options.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT),
                    credential,
                    options.client_options,
                    options.api_version.unwrap_or_else(|| API_VERSION.to_owned()),
                )?;
                ::core::result::Result::Ok(Self { core, #(#new_inits)* })
            }

            /// The endpoint requests go to.
            pub fn endpoint(&self) -> &::azure_core::http::Url {
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

fn group(api: &Api, group: &Group, options: &EmitOptions, rt: &TokenStream) -> TokenStream {
    let sub = format_ident!("{}Client", group.name);
    let client = ident(&options.client_name);
    let doc = format!(
        "Operations of the `{}` group. Get one from [`{}::{}`].",
        group.name,
        options.client_name,
        group.name.to_snake_case()
    );
    let doc = plain_doc_attrs(&doc);
    let methods: Vec<TokenStream> = group
        .operations
        .iter()
        .map(|op| operation(api, group, op, rt))
        .collect();
    let option_structs = group.operations.iter().map(|op| options_struct(group, op));
    quote! {
        #doc
        #[derive(Clone, Debug)]
        pub struct #sub {
            client: #client,
        }

        impl #sub {
            #(#methods)*
        }

        #(#option_structs)*
    }
}

fn options_name(group: &Group, op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}{}Options", group.name, op.method_name.to_pascal_case())
}

fn is_pager(op: &Operation) -> bool {
    op.pageable
        .as_ref()
        .is_some_and(|p| p.next_link_name.is_some())
}

fn optional_params(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| !p.required)
}

fn options_struct(group: &Group, op: &Operation) -> TokenStream {
    let name = options_name(group, op);
    let prefix = quote!(models::);
    let fields = optional_params(op).map(|p| {
        let field = ident(&p.rust_name);
        let ty = type_tokens_with(&p.ty, &prefix);
        let docs = doc_attrs(&p.doc);
        quote! { #docs pub #field: ::core::option::Option<#ty>, }
    });
    let body = op.body.as_ref().filter(|b| !b.required).map(|b| {
        let field = ident(&b.rust_name);
        let ty = type_tokens_with(&b.ty, &prefix);
        let docs = doc_attrs(&b.doc);
        quote! { #docs pub #field: ::core::option::Option<::azure_core::http::RequestContent<#ty>>, }
    });
    let method_options = if is_pager(op) {
        quote! {
            /// Context and continuation (resume from a saved next link) for the pager.
            pub method_options: ::azure_core::http::pager::PagerOptions<'a>,
        }
    } else {
        quote! {
            /// Context for this call (cancellation, custom values for policies).
            pub method_options: ::azure_core::http::ClientMethodOptions<'a>,
        }
    };
    let doc = format!("Options for [`{}Client::{}`].", group.name, op.method_name);
    let doc = plain_doc_attrs(&doc);
    quote! {
        #doc
        #[derive(Clone, Debug, Default)]
        pub struct #name<'a> {
            #(#fields)*
            #body
            #method_options
        }
    }
}

/// Where a parameter's value comes from inside the method body.
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

fn operation(api: &Api, group: &Group, op: &Operation, rt: &TokenStream) -> TokenStream {
    let method = ident(&op.method_name);
    let prefix = quote!(models::);
    let options_name = options_name(group, op);

    // Positional arguments: path parameters in path order, then other required ones, then the body.
    let mut args = Vec::new();
    let mut positional: Vec<&Param> = Vec::new();
    for seg in &op.path {
        if let PathSegment::Param(wire) = seg {
            if let Some(p) = op.params.iter().find(|p| &p.wire_name == wire) {
                positional.push(p);
            }
        }
    }
    for p in op
        .params
        .iter()
        .filter(|p| p.required && p.location != ParamIn::Path)
    {
        positional.push(p);
    }
    for p in &positional {
        let name = ident(&p.rust_name);
        let ty = if p.ty == TypeRef::String {
            quote!(&str)
        } else {
            type_tokens_with(&p.ty, &prefix)
        };
        args.push(quote! { #name: #ty, });
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let name = ident(&body.rust_name);
        let ty = type_tokens_with(&body.ty, &prefix);
        args.push(quote! { #name: ::azure_core::http::RequestContent<#ty>, });
    }

    let segments = op.path.iter().map(|seg| match seg {
        PathSegment::Literal(text) => quote!(#text),
        PathSegment::Param(wire) => {
            let (expr, _) = value_expr(api, op, wire);
            let is_string = param_by_wire(api, op, wire).is_some_and(|p| p.ty == TypeRef::String);
            let is_argument = op.params.iter().any(|p| &p.wire_name == wire);
            let value = if is_string && is_argument {
                quote!(#expr) // already a `&str` argument
            } else if is_string {
                quote!(&#expr)
            } else {
                quote!(&::std::string::ToString::to_string(&#expr))
            };
            quote!(#rt::path_param(#wire, #value)?)
        }
    });

    let query_params: Vec<&Param> = op
        .params
        .iter()
        .chain(
            api.client_params
                .iter()
                .filter(|p| op.client_params.contains(&p.wire_name)),
        )
        .filter(|p| p.location == ParamIn::Query)
        .collect();
    let query = (!query_params.is_empty()).then(|| {
        let pushes = query_params.iter().map(|p| {
            let wire = &p.wire_name;
            let (expr, required) = value_expr(api, op, wire);
            let value = query_value(&p.ty, quote!(value));
            if required {
                quote! { { let value = &#expr; query.append_pair(#wire, &#value); } }
            } else {
                quote! {
                    if let ::core::option::Option::Some(value) = &#expr {
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

    let headers = op
        .params
        .iter()
        .chain(api.client_params.iter().filter(|p| op.client_params.contains(&p.wire_name)))
        .filter(|p| p.location == ParamIn::Header)
        .map(|p| {
            let header = p.wire_name.to_ascii_lowercase();
            let (expr, required) = value_expr(api, op, &p.wire_name);
            if required {
                quote! { request.insert_header(#header, ::std::string::ToString::to_string(&#expr)); }
            } else {
                quote! {
                    if let ::core::option::Option::Some(value) = &#expr {
                        request.insert_header(#header, ::std::string::ToString::to_string(value));
                    }
                }
            }
        });

    let body = op.body.as_ref().map(|b| {
        let name = ident(&b.rust_name);
        if b.required {
            quote! { #rt::set_json_body(&mut request, #name); }
        } else {
            quote! {
                if let ::core::option::Option::Some(body) = options.#name.take() {
                    #rt::set_json_body(&mut request, body);
                }
            }
        }
    });
    let options_binding = if op.body.as_ref().is_some_and(|b| !b.required) {
        quote!(let mut options)
    } else {
        quote!(let options)
    };

    let headers: Vec<TokenStream> = headers.collect();
    // Pagers take the request by value; other operations send it by `&mut`.
    let request_binding = if is_pager(op) && headers.is_empty() && body.is_none() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    let http_method = format_ident!("{}", op.http_method.to_pascal_case());
    let success = op.success_codes.iter();
    let doc = operation_doc(op);
    let docs = doc_attrs(&doc);
    let build = quote! {
        #options_binding = options.unwrap_or_default();
        let client = &self.client;
        #url_binding = client.core.url(&[#(#segments),*])?;
        #query
        #request_binding = client.core.request(url, ::azure_core::http::Method::#http_method);
        #(#headers)*
        #body
    };

    if let Some(next_link) = op.pageable.as_ref().and_then(|p| p.next_link_name.as_ref()) {
        let page = op
            .response
            .as_ref()
            .map(|t| type_tokens_with(t, &prefix))
            .expect("lowering checked pageable operations have a response model");
        return quote! {
            #docs
            pub fn #method(
                &self,
                #(#args)*
                options: ::core::option::Option<#options_name<'_>>,
            ) -> ::azure_core::Result<::azure_core::http::Pager<#page>> {
                #build
                ::core::result::Result::Ok(client.core.pager(request, options.method_options, #next_link, &[#(#success),*]))
            }
        };
    }
    let response = match &op.response {
        Some(ty) => {
            let ty = type_tokens_with(ty, &prefix);
            quote!(::azure_core::http::Response<#ty>)
        }
        None => quote!(::azure_core::http::Response<(), ::azure_core::http::NoFormat>),
    };
    quote! {
        #docs
        pub async fn #method(
            &self,
            #(#args)*
            options: ::core::option::Option<#options_name<'_>>,
        ) -> ::azure_core::Result<#response> {
            #build
            let response = client
                .core
                .send(&options.method_options.context, &mut request, &[#(#success),*])
                .await?;
            ::core::result::Result::Ok(response.into())
        }
    }
}

fn query_value(ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::Array(_) => quote! {
            #value.iter().map(::std::string::ToString::to_string).collect::<::std::vec::Vec<_>>().join(",")
        },
        _ => quote!(::std::string::ToString::to_string(#value)),
    }
}

fn operation_doc(op: &Operation) -> String {
    let path: String = op
        .path
        .iter()
        .map(|seg| match seg {
            PathSegment::Literal(text) => format!("/{text}"),
            PathSegment::Param(name) => format!("/{{{name}}}"),
        })
        .collect();
    let codes: Vec<String> = op.success_codes.iter().map(u16::to_string).collect();
    let mut doc = op.doc.clone();
    doc.push_str(&format!(
        "\n\n`{} {}` (operation `{}`). Success: {}; any other status is an `azure_core::Error` carrying the status, the ARM error code and message, and the raw response.",
        op.http_method.to_ascii_uppercase(),
        path,
        op.id,
        codes.join(", ")
    ));
    if let Some(p) = &op.pageable {
        if p.next_link_name.is_some() {
            doc.push_str(" Returns a pager: iterate items, or pages with `into_pages()`; next links are followed only on the client's own origin.");
        } else {
            doc.push_str(" The service returns every item in one response.");
        }
    }
    doc
}
