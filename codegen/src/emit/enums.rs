//! Emits `enums.rs`: extensible enums. Known values parse ignoring ASCII case (ARM
//! compares enum values case-insensitively); any other value is kept verbatim.

use super::names::Names;
use super::{escape_markdown, escaped_doc_attrs, ident, verbatim_doc_attrs};
use crate::ir::{Api, EnumDef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn emit(api: &Api, names: &Names) -> TokenStream {
    let enums: Vec<TokenStream> = api
        .enums
        .iter()
        .map(|e| extensible_enum(e, names))
        .collect();
    let uses = names.use_items();
    quote! {
        #![doc = " Extensible enums of this api-version, re-exported by [`models`](super::models)."]
        #uses
        #(#enums)*
    }
}

fn extensible_enum(def: &EnumDef, names: &Names) -> TokenStream {
    let Names {
        option,
        some,
        none,
        string,
        result,
        ok,
        from,
        as_ref,
        fmt,
        from_str,
        infallible,
        serialize,
        serializer,
        deserialize,
        deserializer,
        deserialize_string_enum,
        ..
    } = names;
    let name = ident(&def.name);
    let catch_all = if def.values.iter().any(|v| v.variant == "Unknown") {
        format_ident!("UnknownValue")
    } else {
        format_ident!("Unknown")
    };
    let docs = verbatim_doc_attrs(&format!(
        "{}\n\nExtensible: known values parse ignoring ASCII case, as ARM compares them; a \
         value this SDK does not know is kept verbatim in [`{name}::{catch_all}`] and \
         serialized back unchanged.",
        escape_markdown(&def.doc)
    ));
    let variants = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let docs = escaped_doc_attrs(if v.doc.is_empty() { &v.value } else { &v.doc });
        quote! { #docs #variant, }
    });
    let to_str = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { Self::#variant => #value, }
    });
    let all = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        quote! { Self::#variant, }
    });
    let exact = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { #value => #some(Self::#variant), }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value not known to this version of the SDK, kept verbatim.
            #catch_all(#string),
        }

        impl #name {
            /// Every value known to this version of the SDK, in the spec's order.
            pub const KNOWN: &'static [#name] = &[#(#all)*];

            /// The wire value (the spec's spelling for known values).
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::#catch_all(value) => value.as_str(),
                }
            }

            /// The known value equal to `value` ignoring ASCII case (the spec's spelling,
            /// what the service sends, is matched first, without a scan).
            fn known(value: &str) -> #option<Self> {
                match value {
                    #(#exact)*
                    _ => Self::KNOWN
                        .iter()
                        .find(|known| known.as_str().eq_ignore_ascii_case(value))
                        .cloned(),
                }
            }
        }

        impl #from<&str> for #name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| Self::#catch_all(value.to_owned()))
            }
        }

        impl #from<#string> for #name {
            fn from(value: #string) -> Self {
                match Self::known(&value) {
                    #some(known) => known,
                    #none => Self::#catch_all(value),
                }
            }
        }

        impl #from_str for #name {
            type Err = #infallible;

            fn from_str(value: &str) -> #result<Self, Self::Err> {
                #ok(Self::from(value))
            }
        }

        impl #as_ref<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl #fmt::Display for #name {
            fn fmt(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl #serialize for #name {
            fn serialize<S: #serializer>(&self, serializer: S) -> #result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #deserialize<'de> for #name {
            fn deserialize<D: #deserializer<'de>>(deserializer: D) -> #result<Self, D::Error> {
                #deserialize_string_enum(deserializer)
            }
        }
    }
}
