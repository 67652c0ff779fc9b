//! The HTTP vocabulary of a request plan: methods, parameter locations and serialisation styles.

use serde::Serialize;

/// An HTTP method an OpenAPI operation can use.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl Method {
    /// Every method with the lowercase key an OpenAPI path item uses for it, in document order.
    pub const ALL: [(&'static str, Method); 8] = [
        ("get", Method::Get),
        ("put", Method::Put),
        ("post", Method::Post),
        ("delete", Method::Delete),
        ("options", Method::Options),
        ("head", Method::Head),
        ("patch", Method::Patch),
        ("trace", Method::Trace),
    ];

    /// The method a lowercase name (as OpenAPI path items spell it) stands for.
    pub fn parse(lowercase: &str) -> Option<Method> {
        Method::ALL
            .iter()
            .find(|(n, _)| *n == lowercase)
            .map(|(_, m)| *m)
    }

    /// The method as it goes on the wire (`GET`).
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

    /// Whether repeating the request has the same effect as sending it once (RFC 9110 §9.2.2),
    /// which is what makes a retry safe.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// A `{name}` in the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// The `Cookie` header.
    Cookie,
}

impl Location {
    /// The location as OpenAPI's `in` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }

    /// The location an OpenAPI `in` value names (`formData` and `body` are not locations).
    pub fn parse(text: &str) -> Option<Location> {
        Some(match text {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "cookie" => Location::Cookie,
            _ => return None,
        })
    }
}

/// How a parameter's value is serialised (OpenAPI `style`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Style {
    /// `1,2,3` (path and header default).
    Simple,
    /// `.1.2.3` (path).
    Label,
    /// `;id=1,2,3` (path).
    Matrix,
    /// `id=1&id=2` (query and cookie default).
    Form,
    /// `id=1%202`.
    SpaceDelimited,
    /// `id=1|2`.
    PipeDelimited,
    /// `id[role]=admin`.
    DeepObject,
}

impl Style {
    /// The style OpenAPI assumes when a parameter in `location` names none.
    pub fn default_for(location: Location) -> Style {
        match location {
            Location::Path | Location::Header => Style::Simple,
            Location::Query | Location::Cookie => Style::Form,
        }
    }

    /// The style an OpenAPI `style` value names.
    pub fn parse(text: &str) -> Option<Style> {
        Some(match text {
            "simple" => Style::Simple,
            "label" => Style::Label,
            "matrix" => Style::Matrix,
            "form" => Style::Form,
            "spaceDelimited" => Style::SpaceDelimited,
            "pipeDelimited" => Style::PipeDelimited,
            "deepObject" => Style::DeepObject,
            _ => return None,
        })
    }

    /// OpenAPI's default `explode` for this style: true for `form` only.
    pub fn explodes_by_default(self) -> bool {
        self == Style::Form
    }
}

/// How arrays are written where values nest as bracket paths (`deepObject`, nested form
/// fields): `a[0]=x&a[1]=y`, `a[]=x&a[]=y`, or `a=x&a=y`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ArrayEncoding {
    /// `a[0]=x&a[1]=y`: what most form-encoded APIs (Rails, PHP, Stripe) read.
    #[default]
    Indexed,
    /// `a[]=x&a[]=y`.
    Brackets,
    /// `a=x&a=y`.
    Repeated,
}

/// How a file field's content arrives in the arguments.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FileContent {
    /// Base64 of the bytes (or a `file:` path): any media type.
    Base64,
    /// The text itself (or a `file:` path): a textual media type the schema declares without
    /// an encoding.
    Text,
}

/// How a connector lists its tools.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    /// One MCP tool per operation.
    Full,
    /// A handful of tools to search, describe and call the operations, plus the core tools.
    Catalog,
}
