//! The typed intermediate model between the spec and the emitted Rust.
//!
//! Everything here is already resolved and named: no `$ref`, no anonymous schema, no
//! spec-level defaults left for the emitter to interpret.

use serde_json::Value;

/// One api-version of the API.
#[derive(Debug, Clone)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `info.version`, sent as `api-version`.
    pub api_version: String,
    /// Default endpoint, from `schemes[0]://host`.
    pub default_endpoint: String,
    /// Client-level parameters other than `api-version` (e.g. subscription id, Accept-Language).
    pub client_params: Vec<Param>,
    /// Operation groups, sorted by name.
    pub groups: Vec<Group>,
    /// Object models, sorted by name.
    pub models: Vec<Model>,
    /// Extensible enums, sorted by name.
    pub enums: Vec<EnumDef>,
}

/// Operations sharing an operationId prefix (`Jobs_Get` -> group `Jobs`).
#[derive(Debug, Clone)]
pub struct Group {
    /// PascalCase group name (`Jobs`, `BitLockerKeys`).
    pub name: String,
    /// Operations sorted by method name.
    pub operations: Vec<Operation>,
}

/// One REST operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// snake_case method name (`list_by_subscription`).
    pub method_name: String,
    /// Lowercase HTTP method.
    pub http_method: String,
    /// Path template split into segments.
    pub path: Vec<PathSegment>,
    /// Method-level parameters (path, query, header), in spec order.
    pub params: Vec<Param>,
    /// Client-level parameters this operation uses (by wire name).
    pub client_params: Vec<String>,
    /// Body parameter, if any.
    pub body: Option<BodyParam>,
    /// Status codes that mean success.
    pub success_codes: Vec<u16>,
    /// Response model of the success codes (they must agree).
    pub response: Option<TypeRef>,
    /// `x-ms-pageable`.
    pub pageable: Option<Pageable>,
    /// Description / summary.
    pub doc: String,
}

/// A segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Fixed text.
    Literal(String),
    /// A path parameter, by wire name.
    Param(String),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// A path segment.
    Path,
    /// A query pair.
    Query,
    /// A request header.
    Header,
}

/// A non-body parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Name on the wire (`$top`, `x-ms-client-tenant-id`).
    pub wire_name: String,
    /// Rust identifier (`top`, `client_tenant_id`).
    pub rust_name: String,
    /// Location.
    pub location: ParamIn,
    /// Scalar type.
    pub ty: TypeRef,
    /// Required parameters are positional; optional ones live in the options struct.
    pub required: bool,
    /// Description.
    pub doc: String,
}

/// The JSON body parameter.
#[derive(Debug, Clone)]
pub struct BodyParam {
    /// Rust identifier.
    pub rust_name: String,
    /// Body model.
    pub ty: TypeRef,
    /// Whether the body must be sent.
    pub required: bool,
    /// Description.
    pub doc: String,
}

/// `x-ms-pageable`.
#[derive(Debug, Clone)]
pub struct Pageable {
    /// Wire name of the next-link property; `None` when the spec says `nextLinkName: null`.
    pub next_link_name: Option<String>,
    /// Wire name of the item array (default `value`).
    pub item_name: String,
    /// Rust field of the item array.
    pub item_field: String,
    /// Item type.
    pub item_type: TypeRef,
}

/// A field type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    /// `string` (any format but enum).
    String,
    /// `boolean`.
    Bool,
    /// `integer` / `int32`.
    I32,
    /// `integer` / `int64` (also `integer` without format).
    I64,
    /// `number` / `float`.
    F32,
    /// `number` / `double` (also `number` without format).
    F64,
    /// Any JSON value (`type: object` without properties, or no type at all).
    Any,
    /// `type: array`.
    Array(Box<TypeRef>),
    /// `additionalProperties` map with string keys.
    Map(Box<TypeRef>),
    /// A named model.
    Model(String),
    /// A named extensible enum.
    Enum(String),
}

/// An object model.
#[derive(Debug, Clone)]
pub struct Model {
    /// PascalCase name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Declared properties, in spec order.
    pub fields: Vec<Field>,
    /// `x-ms-azure-resource: true`.
    pub azure_resource: bool,
}

/// A model property.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name on the wire.
    pub wire_name: String,
    /// Rust identifier.
    pub rust_name: String,
    /// Type (always wrapped in `Option` by the emitter: services omit "required" fields in
    /// responses, and requests omit unset ones).
    pub ty: TypeRef,
    /// In the schema's `required` list.
    pub required: bool,
    /// `readOnly`: set by the service, ignored in requests.
    pub read_only: bool,
    /// Redacted in `Debug`.
    pub secret: bool,
    /// `x-ms-client-flatten`: the emitter adds accessors that reach into it.
    pub flatten: bool,
    /// Service-side default, for the docs.
    pub default: Option<Value>,
    /// Description.
    pub doc: String,
}

/// An extensible enum: known values plus a catch-all that keeps unknown ones verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// PascalCase name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Known values.
    pub values: Vec<EnumValue>,
    /// `x-ms-enum.modelAsString` (documentation only: every enum is extensible).
    pub model_as_string: bool,
}

/// One known enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// Wire value.
    pub value: String,
    /// Variant identifier.
    pub variant: String,
    /// Description.
    pub doc: String,
}
