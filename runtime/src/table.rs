//! The tool table: what a generated crate fills in as `static` data and hands to [`crate::run`].
//!
//! Everything here is `&'static` so one copy serves every session; input schemas stay JSON text
//! until first needed. The table holds every wire fact the runtime acts on (locations, styles,
//! file fields, media types); a tool's input schema is for the model only.

pub use mcpgen_contract::{ArrayEncoding, FileContent, Listing, Location, Method, Style};

/// A whole connector: identity, where the API is, how to authenticate, and its tools.
#[derive(Debug)]
pub struct Connector {
    /// Binary and crate name (`orders-service`).
    pub name: &'static str,
    /// A human-readable name (the spec's title).
    pub title: &'static str,
    /// The API's version as its description states it.
    pub version: &'static str,
    /// What the API is, in a sentence or a paragraph.
    pub description: &'static str,
    /// Sent to clients as the server's `instructions`.
    pub instructions: &'static str,
    /// Prefix of every environment variable (`ORDERS_SERVICE`).
    pub env_prefix: &'static str,
    /// Where the API is, first one preferred.
    pub servers: &'static [ServerUrl],
    /// Every security scheme the spec declares.
    pub security_schemes: &'static [SecurityScheme],
    /// One per API operation.
    pub tools: &'static [Tool],
    /// How `tools/list` presents them: every one, or a catalog to search.
    pub listing: Listing,
    /// Groups of tools a model can switch on in catalog mode (the spec's tags, or the overrides
    /// file's groups).
    pub toolsets: &'static [Toolset],
    /// SHA-256 of the inputs this table was generated from.
    pub source_hash: &'static str,
    /// The mcpgen version that generated it.
    pub generator_version: &'static str,
}

/// A named group of tools, switched on together in catalog mode.
#[derive(Debug)]
pub struct Toolset {
    /// What the model asks for.
    pub name: &'static str,
    /// What the group is for.
    pub description: &'static str,
    /// The tools' names.
    pub tools: &'static [&'static str],
}

/// A base URL of the API, as the spec declares it.
#[derive(Debug)]
pub struct ServerUrl {
    /// May hold `{variable}` placeholders.
    pub url: &'static str,
    /// The placeholders' values.
    pub variables: &'static [ServerVariable],
}

/// A `{variable}` of a [`ServerUrl`] and the value it takes.
#[derive(Debug)]
pub struct ServerVariable {
    /// The placeholder's name, without braces.
    pub name: &'static str,
    /// The value the spec gives by default.
    pub default: &'static str,
    /// The values the spec allows; empty: any.
    pub allowed: &'static [&'static str],
    /// What the value chooses.
    pub description: &'static str,
}

impl ServerUrl {
    /// The URL with each `{variable}` replaced by `values`' value for it, else its default.
    pub fn resolve(&self, values: impl Fn(&str) -> Option<String>) -> String {
        let mut url = self.url.to_string();
        for v in self.variables {
            let value = values(v.name).unwrap_or_else(|| v.default.to_string());
            url = url.replace(&format!("{{{}}}", v.name), &value);
        }
        url
    }
}

/// One tool: what the model sees and how a call becomes an HTTP request.
#[derive(Debug)]
pub struct Tool {
    /// The tool's name, unique within the connector.
    pub name: &'static str,
    /// A short human-readable title.
    pub title: Option<&'static str>,
    /// What the tool does, for the model.
    pub description: &'static str,
    /// What a successful call returns, in a line (for catalog mode's descriptions).
    pub returns: &'static str,
    /// The spec's tags of the operation.
    pub tags: &'static [&'static str],
    /// Listed directly even in catalog mode.
    pub core: bool,
    /// JSON Schema 2020-12 object schema of the arguments, as JSON text.
    pub input_schema: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template (`/orders/{orderId}`).
    pub path: &'static str,
    /// The parameters, each taken from one argument.
    pub params: &'static [Param],
    /// The request body, taken from the `body` argument.
    pub body: Option<Body>,
    /// Alternatives (any one suffices) of requirements (all needed). Empty: no credentials.
    pub security: &'static [&'static [SecurityUse]],
    /// What the call does, in MCP's terms.
    pub annotations: Annotations,
    /// Servers of this operation alone; empty means the connector's.
    pub servers: &'static [ServerUrl],
    /// Ask the user (through the client) before each call.
    pub confirm: bool,
    /// Upstream timeout for this tool; `None`: the connector's.
    pub timeout_secs: Option<u64>,
    /// Longest response passed on for this tool; `None`: the connector's.
    pub response_limit: Option<usize>,
    /// Values the overrides file sets, put into the arguments after they are validated.
    pub presets: &'static [Preset],
    /// How arrays are written in form fields and `deepObject` queries, when the overrides file
    /// chooses; `None`: indexed inside brackets, and as the spec's styles say elsewhere.
    pub array_encoding: Option<ArrayEncoding>,
    /// How clients that render MCP Apps show the results; `None`: as text only.
    pub view: Option<View>,
    /// The operation may take long (it answers `202 Accepted`, or the overrides file says so): a
    /// client that uses tasks gets a task for each call.
    pub long_running: bool,
}

/// A tool's result view (MCP Apps): served as a `ui://` resource to clients that declare the
/// `io.modelcontextprotocol/ui` extension.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// What the built-in view draws (kind, where the records are, columns, chart), as JSON.
    pub config: &'static str,
    /// An HTML document of the user's own, served instead of the built-in view.
    pub html: Option<&'static str>,
    /// The origins that HTML declared it uses (MCP Apps `_meta.ui.csp`), as JSON.
    pub csp: Option<&'static str>,
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
    /// Always sent, whatever the model gives (the input is hidden from it).
    pub fixed: bool,
}

/// One parameter: the argument it comes from and how it goes on the wire.
#[derive(Debug)]
pub struct Param {
    /// The argument's name in the input schema.
    pub arg: &'static str,
    /// The parameter's name in the request.
    pub name: &'static str,
    /// Where it goes.
    pub location: Location,
    /// How its value is serialised.
    pub style: Style,
    /// Whether arrays and objects are spread over several name/value pairs.
    pub explode: bool,
    /// Whether RFC 3986 reserved characters pass unencoded (query only).
    pub allow_reserved: bool,
    /// Whether the API requires it.
    pub required: bool,
    /// Serialise the value as this media type (OpenAPI `content` parameters).
    pub media_type: Option<&'static str>,
}

/// The request body, taken from the `body` argument.
#[derive(Debug)]
pub struct Body {
    /// The media type sent as `Content-Type` (which decides the encoding).
    pub media_type: &'static str,
    /// Whether the API requires a body.
    pub required: bool,
    /// How individual fields of a form or multipart body are encoded; fields not listed take
    /// the media type's defaults.
    pub encoding: &'static [FieldEncoding],
    /// Top-level fields whose argument name differs from the wire name: (argument, wire).
    pub renames: &'static [(&'static str, &'static str)],
}

/// How one field of a form or multipart body goes on the wire (OpenAPI's `encoding` object, with
/// what the generator learnt from the field's schema).
#[derive(Debug)]
pub struct FieldEncoding {
    /// The field's wire name.
    pub field: &'static str,
    /// The part's `Content-Type`; for a file, the file's media type.
    pub content_type: Option<&'static str>,
    /// How a form field's value is serialised.
    pub style: Option<Style>,
    /// Whether a form field's arrays and objects are spread over several pairs.
    pub explode: Option<bool>,
    /// Whether reserved characters pass unencoded.
    pub allow_reserved: bool,
    /// The field carries file content, given as this: a multipart file part.
    pub file: Option<FileContent>,
}

/// A security scheme one requirement uses, with the scopes it needs.
#[derive(Debug)]
pub struct SecurityUse {
    /// The key of a [`SecurityScheme`].
    pub scheme: &'static str,
    /// OAuth scopes the operation needs.
    pub scopes: &'static [&'static str],
}

/// A security scheme of the spec and how the runtime applies it.
#[derive(Debug)]
pub struct SecurityScheme {
    /// The scheme's key in the spec.
    pub key: &'static str,
    /// What the runtime does with it.
    pub auth: Auth,
    /// The environment variables that configure it.
    pub env: &'static [EnvVar],
}

/// How the runtime authenticates for a scheme.
#[derive(Debug)]
pub enum Auth {
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// The header, parameter or cookie name.
        name: &'static str,
        /// Where the key goes.
        location: Location,
    },
    /// HTTP Basic.
    Basic,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: <scheme> <value>`.
    Http {
        /// The scheme name.
        scheme: &'static str,
    },
    /// OAuth2 client credentials, tokens fetched from `token_url`.
    OAuth2ClientCredentials {
        /// Absolute, or relative to the base URL.
        token_url: &'static str,
    },
    /// A ready access token, refreshed with a refresh token at `refresh_url` when configured.
    AccessToken {
        /// Where a refresh token is exchanged.
        refresh_url: Option<&'static str>,
    },
    /// A scheme the runtime cannot use.
    Unsupported {
        /// Why, for the error a call gets.
        reason: &'static str,
    },
}

/// An environment variable a security scheme reads.
#[derive(Debug)]
pub struct EnvVar {
    /// Its full name.
    pub name: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// Whether the value is a credential.
    pub secret: bool,
}

/// MCP tool annotations, from HTTP semantics or the overrides file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    /// The call changes nothing.
    pub read_only: bool,
    /// The call may destroy or overwrite data.
    pub destructive: bool,
    /// Calling twice has the effect of calling once.
    pub idempotent: bool,
    /// The call reaches beyond the connector (an API).
    pub open_world: bool,
}
