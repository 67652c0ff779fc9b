//! Building the HTTP request of a tool call from its plan and its (already validated)
//! arguments: the path, query, header and cookie parameters here, the body in [`crate::body`].

use serde_json::{Map, Value};

use crate::body;
use crate::encode;
use crate::files::FileRoots;
use crate::table::{Location, Param, Tool};

/// A request ready to send: everything decided, nothing sent. Hooks may change any of it.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The HTTP method (`GET`).
    pub method: &'static str,
    /// Base URL and path, encoded.
    pub url: String,
    /// Encoded `name=value` pairs.
    pub query: Vec<String>,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// Encoded `name=value` cookie pairs.
    pub cookies: Vec<String>,
    /// The body's `Content-Type` and bytes.
    pub body: Option<(String, Vec<u8>)>,
    /// Credential values, scrubbed from any text shown to the client; add your own.
    pub secrets: Vec<String>,
}

impl Prepared {
    /// Sets a header, replacing any of the same name.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Adds a query parameter; both name and value are percent-encoded here.
    pub fn add_query(&mut self, name: &str, value: &str) {
        self.query.push(format!(
            "{}={}",
            encode::encode(name),
            encode::encode(value)
        ));
    }

    /// Adds a cookie; its value is percent-encoded here.
    pub fn add_cookie(&mut self, name: &str, value: &str) {
        self.cookies
            .push(format!("{name}={}", encode::encode(value)));
    }

    /// The full URL with its query string.
    pub fn full_url(&self) -> String {
        if self.query.is_empty() {
            self.url.clone()
        } else {
            format!("{}?{}", self.url, self.query.join("&"))
        }
    }

    /// The request for reqwest. Fails on header values that are not valid (control characters).
    pub(crate) fn to_reqwest(
        &self,
        http: &reqwest::Client,
    ) -> Result<reqwest::RequestBuilder, String> {
        let method = reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| format!("invalid method {}", self.method))?;
        let url = reqwest::Url::parse(&self.full_url()).map_err(|e| format!("invalid URL: {e}"))?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &self.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a valid header name"))?;
            let value = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
                format!("the value for header `{name}` has characters a header cannot carry")
            })?;
            headers.append(name, value);
        }
        if !self.cookies.is_empty() {
            let value = reqwest::header::HeaderValue::from_str(&self.cookies.join("; "))
                .map_err(|_| "a cookie value has characters a header cannot carry".to_string())?;
            headers.insert(reqwest::header::COOKIE, value);
        }
        let mut builder = http.request(method, url).headers(headers);
        if let Some((content_type, bytes)) = &self.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes.clone());
        }
        Ok(builder)
    }
}

/// Builds the request; an error names the argument at fault.
pub(crate) fn build(
    tool: &Tool,
    base_url: &str,
    args: &Map<String, Value>,
    files: &FileRoots,
) -> Result<Prepared, String> {
    let mut prepared = Prepared {
        method: tool.method.as_str(),
        ..Prepared::default()
    };
    // The generator refuses such paths; a table from elsewhere must not reach past the base.
    if let Some(segment) = mcpgen_contract::wire::dot_segment(tool.path) {
        return Err(format!(
            "the tool's path `{}` has a `{segment}` segment, which would leave the API's base \
             path; regenerate the connector with a current mcpgen",
            tool.path
        ));
    }
    let mut path = tool.path.to_string();
    for param in tool.params {
        let Some(value) = args.get(param.arg) else {
            if param.location == Location::Path {
                return Err(format!("argument `{}` is required", param.arg));
            }
            continue;
        };
        let value = content_value(param, value);
        match param.location {
            Location::Path => {
                let text = path_segment(param, &value)?;
                path = path.replace(&format!("{{{}}}", param.name), &text);
            }
            Location::Query => {
                let how = encode::QueryStyle {
                    style: param.style,
                    explode: param.explode,
                    allow_reserved: param.allow_reserved,
                    arrays: tool.array_encoding,
                };
                prepared
                    .query
                    .extend(encode::query_pairs(param.name, how, &value))
            }
            Location::Header => {
                // The generator drops these parameters; a table from elsewhere may not.
                if mcpgen_contract::wire::is_transport_header(param.name) {
                    return Err(format!(
                        "argument `{}`: the header `{}` frames or routes the request, so only \
                         the HTTP client sets it; leave the argument out",
                        param.arg, param.name
                    ));
                }
                prepared
                    .headers
                    .push((param.name.to_string(), header_text(param, &value)?))
            }
            Location::Cookie => {
                prepared
                    .cookies
                    .extend(encode::cookie_pairs(param.name, param.explode, &value))
            }
        }
    }
    prepared.url = format!("{}{}", base_url.trim_end_matches('/'), path);
    if let (Some(plan), Some(value)) = (&tool.body, args.get("body")) {
        prepared.body = Some(body::encode(plan, tool.array_encoding, value, files)?);
    }
    Ok(prepared)
}

/// A path parameter's encoded text; one that would not be a segment of its own is refused.
fn path_segment(param: &Param, value: &Value) -> Result<String, String> {
    let text = encode::path_value(param.name, param.style, param.explode, value);
    if text.is_empty() || text == "." || text == ".." {
        return Err(format!(
            "argument `{}`: `{text}` cannot be used as a path segment",
            param.arg
        ));
    }
    Ok(text)
}

/// A header parameter's text; a line break would start another header, so it is refused.
fn header_text(param: &Param, value: &Value) -> Result<String, String> {
    let text = encode::header_value(param.explode, value);
    if text.chars().any(|c| c.is_control()) {
        return Err(format!(
            "argument `{}`: a header value cannot contain control characters (line breaks)",
            param.arg
        ));
    }
    Ok(text)
}

/// A `content` parameter travels as serialised JSON text.
fn content_value(param: &Param, value: &Value) -> Value {
    match param.media_type {
        Some(mt) if mt.contains("json") => Value::String(value.to_string()),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::*;
    use serde_json::json;

    static PARAMS: &[Param] = &[
        Param {
            arg: "id",
            name: "id",
            location: Location::Path,
            style: Style::Simple,
            explode: false,
            allow_reserved: false,
            required: true,
            media_type: None,
        },
        Param {
            arg: "tags",
            name: "tag",
            location: Location::Query,
            style: Style::Form,
            explode: true,
            allow_reserved: false,
            required: false,
            media_type: None,
        },
        Param {
            arg: "trace",
            name: "X-Trace",
            location: Location::Header,
            style: Style::Simple,
            explode: false,
            allow_reserved: false,
            required: false,
            media_type: None,
        },
    ];
    static TOOL: Tool = Tool {
        name: "t",
        title: None,
        description: "",
        returns: "",
        tags: &[],
        core: false,
        input_schema: "{}",
        method: Method::Post,
        path: "/orders/{id}",
        params: PARAMS,
        body: Some(Body {
            media_type: "application/json",
            required: false,
            encoding: &[],
            renames: &[],
        }),
        security: &[],
        annotations: Annotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        servers: &[],
        confirm: false,
        timeout_secs: None,
        response_limit: None,
        presets: &[],
        array_encoding: None,
        view: None,
        long_running: false,
    };

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn builds_path_query_headers_and_body() {
        let p = build(
            &TOOL,
            "http://api.test/v1/",
            &args(json!({"id": "a/b", "tags": ["x", "y z"], "trace": "t1", "body": {"n": 1}})),
            &FileRoots::default(),
        )
        .unwrap();
        assert_eq!(
            p.full_url(),
            "http://api.test/v1/orders/a%2Fb?tag=x&tag=y%20z"
        );
        assert_eq!(p.headers, [("X-Trace".to_string(), "t1".to_string())]);
        assert_eq!(p.body.unwrap().1, br#"{"n":1}"#);
    }

    #[test]
    fn never_sends_transport_headers_or_paths_with_dot_segments() {
        for name in [
            "Content-Length",
            "host",
            "Transfer-Encoding",
            "Proxy-Authorization",
        ] {
            let params: &'static [Param] = Box::leak(Box::new([Param {
                arg: "h",
                name: Box::leak(name.to_string().into_boxed_str()),
                location: Location::Header,
                ..PARAMS[2]
            }]));
            let tool = Tool {
                params,
                body: None,
                ..TOOL
            };
            let err = build(
                &tool,
                "http://api.test",
                &args(json!({"h": "0"})),
                &FileRoots::default(),
            )
            .unwrap_err();
            assert!(err.contains("`h`") && err.contains(name), "{err}");
            // Left out, nothing is sent and the call goes ahead.
            let p = build(
                &tool,
                "http://api.test",
                &args(json!({})),
                &FileRoots::default(),
            );
            assert!(p.unwrap().headers.is_empty());
        }
        for path in ["/a/../../admin", "/a/%2e%2E/admin", "/./x"] {
            let tool = Tool {
                path,
                params: &[],
                body: None,
                ..TOOL
            };
            let err = build(
                &tool,
                "http://api.test/v1",
                &args(json!({})),
                &FileRoots::default(),
            )
            .unwrap_err();
            assert!(err.contains(path), "{err}");
        }
    }

    #[test]
    fn rejects_values_that_would_escape() {
        let err = build(
            &TOOL,
            "http://api.test",
            &args(json!({"id": ".."})),
            &FileRoots::default(),
        )
        .unwrap_err();
        assert!(err.contains("`id`"), "{err}");
        let err = build(
            &TOOL,
            "http://api.test",
            &args(json!({"id": "1", "trace": "a\r\nX-Admin: 1"})),
            &FileRoots::default(),
        )
        .unwrap_err();
        assert!(err.contains("`trace`"), "{err}");
    }
}
