//! The tool table: what a generated crate fills in as `static` data and hands to [`crate::run`].
//!
//! Everything here is `&'static` so one copy serves every session; input schemas stay JSON text
//! until first needed.

/// A whole connector: identity, where the API is, how to authenticate, and its tools.
#[derive(Debug)]
pub struct Connector {
    /// Binary and crate name (`orders-service`).
    pub name: &'static str,
    pub title: &'static str,
    /// The API's version as its description states it.
    pub version: &'static str,
    pub description: &'static str,
    /// Sent to clients as the server's `instructions`.
    pub instructions: &'static str,
    /// Prefix of every environment variable (`ORDERS_SERVICE`).
    pub env_prefix: &'static str,
    pub servers: &'static [Server],
    pub security_schemes: &'static [SecurityScheme],
    pub tools: &'static [Tool],
    /// SHA-256 of the inputs this table was generated from.
    pub source_hash: &'static str,
    /// The mcpgen version that generated it.
    pub generator_version: &'static str,
}

#[derive(Debug)]
pub struct Server {
    /// May hold `{variable}` placeholders.
    pub url: &'static str,
    pub variables: &'static [ServerVariable],
}

#[derive(Debug)]
pub struct ServerVariable {
    pub name: &'static str,
    pub default: &'static str,
}

#[derive(Debug)]
pub struct Tool {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    /// JSON Schema 2020-12 object schema of the arguments, as JSON text.
    pub input_schema: &'static str,
    pub method: Method,
    /// The path template (`/orders/{orderId}`).
    pub path: &'static str,
    pub params: &'static [Param],
    pub body: Option<Body>,
    /// Alternatives (any one suffices) of requirements (all needed). Empty: no credentials.
    pub security: &'static [&'static [SecurityUse]],
    pub annotations: Annotations,
    /// Servers of this operation alone; empty means the connector's.
    pub servers: &'static [Server],
    /// Ask the user (through the client) before each call.
    pub confirm: bool,
    /// Upstream timeout for this tool; `None`: the connector's.
    pub timeout_secs: Option<u64>,
    /// Longest response passed on for this tool; `None`: the connector's.
    pub response_limit: Option<usize>,
    /// Values the overrides file sets, put into the arguments after they are validated.
    pub presets: &'static [Preset],
}

/// A value from the overrides file: `fixed` replaces whatever is there; otherwise it is a
/// default that fills a gap the model left.
#[derive(Debug)]
pub struct Preset {
    /// The argument: a parameter's argument name, or `body`.
    pub arg: &'static str,
    /// Field names inside the argument (wire names), for body fields.
    pub path: &'static [&'static str],
    /// JSON text.
    pub value: &'static str,
    pub fixed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// One parameter: the argument it comes from and how it goes on the wire.
#[derive(Debug)]
pub struct Param {
    /// The argument's name in the input schema.
    pub arg: &'static str,
    /// The parameter's name in the request.
    pub name: &'static str,
    pub location: Location,
    pub style: Style,
    pub explode: bool,
    pub allow_reserved: bool,
    pub required: bool,
    /// Serialise the value as this media type (OpenAPI `content` parameters).
    pub media_type: Option<&'static str>,
}

/// The request body, taken from the `body` argument.
#[derive(Debug)]
pub struct Body {
    pub media_type: &'static str,
    pub required: bool,
    pub encoding: &'static [FieldEncoding],
    /// Top-level fields whose argument name differs from the wire name: (argument, wire).
    pub renames: &'static [(&'static str, &'static str)],
}

#[derive(Debug)]
pub struct FieldEncoding {
    pub field: &'static str,
    pub content_type: Option<&'static str>,
    pub style: Option<Style>,
    pub explode: Option<bool>,
    pub allow_reserved: bool,
}

#[derive(Debug)]
pub struct SecurityUse {
    /// The key of a [`SecurityScheme`].
    pub scheme: &'static str,
    pub scopes: &'static [&'static str],
}

#[derive(Debug)]
pub struct SecurityScheme {
    pub key: &'static str,
    pub auth: Auth,
    /// The environment variables that configure it.
    pub env: &'static [EnvVar],
}

/// How the runtime authenticates for a scheme.
#[derive(Debug)]
pub enum Auth {
    ApiKey {
        name: &'static str,
        location: Location,
    },
    Basic,
    Bearer,
    /// `Authorization: <scheme> <value>`.
    Http {
        scheme: &'static str,
    },
    OAuth2ClientCredentials {
        token_url: &'static str,
    },
    /// A ready access token, refreshed with a refresh token at `refresh_url` when configured.
    AccessToken {
        refresh_url: Option<&'static str>,
    },
    Unsupported {
        reason: &'static str,
    },
}

#[derive(Debug)]
pub struct EnvVar {
    pub name: &'static str,
    pub description: &'static str,
    pub secret: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}
