//! The intermediate representation: one shape for Swagger 2.0, OpenAPI 3.0 and 3.1.
//!
//! Schemas here are JSON Schema 2020-12. A schema that came from a `$ref` is kept once in
//! [`Api::schemas`] and referred to as `{"$ref": "#/$defs/<key>"}`, so cycles stay finite; planning
//! inlines them.

use serde::Serialize;
use serde_json::Value;

use crate::findings::Finding;

pub use mcpgen_contract::{ArrayEncoding, FileContent, Listing, Location, Method, Style};

#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// The root document as messages name it (a path, or the URL); not part of the IR's JSON,
    /// which must not depend on where it was read.
    #[serde(skip)]
    pub source: String,
    /// `2.0`, `3.0.3`, `3.1.0`, as the document says.
    pub spec_version: String,
    pub info: Info,
    pub servers: Vec<ApiServer>,
    /// In document order.
    pub security_schemes: Vec<SecurityScheme>,
    pub operations: Vec<Operation>,
    /// Named schemas that `$ref`s point to, keyed as they are referenced in `#/$defs/<key>`.
    pub schemas: indexmap::IndexMap<String, Value>,
    /// What normalising noticed beyond any one operation (each operation has its own).
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub title: String,
    pub version: String,
    pub summary: Option<String>,
    pub description: Option<String>,
}

/// The key in [`Api::schemas`] a schema refers to, when it is a reference
/// (`{"$ref": "#/$defs/<key>"}`).
pub fn ref_key(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
}

impl Api {
    /// The named schema `schema` refers to, or `schema` itself.
    pub fn deref<'a>(&'a self, schema: &'a Value) -> &'a Value {
        ref_key(schema)
            .and_then(|key| self.schemas.get(key))
            .unwrap_or(schema)
    }
}

/// A server object of the spec: a URL template and its variables.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiServer {
    pub url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    pub allowed: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub method: Method,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Path-level and operation-level parameters merged; the operation's win by name and location.
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// Alternatives (OR) of requirements (AND). Operation level over global; empty means none needed.
    pub security: Vec<SecurityRequirement>,
    /// Servers declared on the path or operation, which replace the document's.
    pub servers: Vec<ApiServer>,
    /// Where the operation is in the root document, as a JSON pointer.
    pub pointer: String,
    /// What normalising noticed about this operation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    pub location: Location,
    pub description: Option<String>,
    pub required: bool,
    pub deprecated: bool,
    pub schema: Value,
    pub style: Style,
    pub explode: bool,
    pub allow_reserved: bool,
    /// Set when the parameter is declared with `content` (serialised as that media type).
    pub media_type: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    pub description: Option<String>,
    pub required: bool,
    pub contents: Vec<Content>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Content {
    pub media_type: String,
    pub schema: Value,
    /// Per-field encoding of form and multipart bodies.
    pub encoding: Vec<FieldEncoding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldEncoding {
    pub field: String,
    pub content_type: Option<String>,
    pub style: Option<Style>,
    pub explode: Option<bool>,
    pub allow_reserved: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// `200`, `2XX` or `default`.
    pub status: String,
    pub description: Option<String>,
    pub contents: Vec<Content>,
}

/// Schemes that must all be satisfied together, with the scopes each needs.
pub type SecurityRequirement = Vec<(String, Vec<String>)>;

#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    /// The scheme's key in the document.
    pub key: String,
    pub description: Option<String>,
    pub kind: SchemeKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SchemeKind {
    ApiKey {
        name: String,
        location: Location,
    },
    Http {
        /// As written: `basic` and `bearer` (in any case), or anything else sent as a raw
        /// `Authorization` value with this scheme name.
        scheme: String,
        bearer_format: Option<String>,
    },
    #[serde(rename = "oauth2")]
    OAuth2 {
        flows: Vec<OAuthFlow>,
    },
    OpenIdConnect {
        url: String,
    },
    MutualTls,
}

#[derive(Debug, Clone, Serialize)]
pub struct OAuthFlow {
    pub kind: OAuthFlowKind,
    pub token_url: Option<String>,
    pub authorization_url: Option<String>,
    pub refresh_url: Option<String>,
    pub scopes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum OAuthFlowKind {
    ClientCredentials,
    AuthorizationCode,
    Implicit,
    Password,
}
