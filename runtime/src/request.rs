//! Building the HTTP request of a tool call from its plan and its (already validated) arguments.

use serde_json::{Map, Value};

use crate::encode;
use crate::files::FileRoots;
use crate::table::{Body, Location, Param, Style, Tool};

/// A request ready to send: everything decided, nothing sent.
#[derive(Debug, Default)]
pub struct Prepared {
    pub method: &'static str,
    /// Base URL and path, encoded.
    pub url: String,
    /// Encoded `name=value` pairs.
    pub query: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<String>,
    pub body: Option<(String, Vec<u8>)>,
    /// Credential values, to scrub from any text shown to the client.
    pub secrets: Vec<String>,
}

impl Prepared {
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
    pub fn add_query(&mut self, name: &str, value: &str) {
        self.query.push(format!(
            "{}={}",
            encode::encode(name),
            encode::encode(value)
        ));
    }
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
    pub fn to_reqwest(&self, http: &reqwest::Client) -> Result<reqwest::RequestBuilder, String> {
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

/// Builds the request; an error names the argument at fault. `body_schema` is the input schema's
/// `body` property, which says which multipart fields carry base64 file content.
pub fn build(
    tool: &Tool,
    base_url: &str,
    args: &Map<String, Value>,
    body_schema: Option<&Value>,
    files: &FileRoots,
) -> Result<Prepared, String> {
    let mut prepared = Prepared {
        method: tool.method.as_str(),
        ..Prepared::default()
    };
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
                let text = encode::path_value(param.name, param.style, param.explode, &value);
                if text.is_empty() || text == "." || text == ".." {
                    return Err(format!(
                        "argument `{}`: `{text}` cannot be used as a path segment",
                        param.arg
                    ));
                }
                path = path.replace(&format!("{{{}}}", param.name), &text);
            }
            Location::Query => prepared.query.extend(encode::query_pairs(
                param.name,
                param.style,
                param.explode,
                param.allow_reserved,
                &value,
            )),
            Location::Header => {
                let text = encode::header_value(param.explode, &value);
                if text.chars().any(|c| c.is_control()) {
                    return Err(format!(
                        "argument `{}`: a header value cannot contain control characters (line breaks)",
                        param.arg
                    ));
                }
                prepared.headers.push((param.name.to_string(), text));
            }
            Location::Cookie => {
                prepared
                    .cookies
                    .extend(encode::cookie_pairs(param.name, param.explode, &value))
            }
        }
    }
    prepared.url = format!("{}{}", base_url.trim_end_matches('/'), path);
    if let (Some(body), Some(value)) = (&tool.body, args.get("body")) {
        prepared.body = Some(body_bytes(body, value, body_schema, files)?);
    }
    Ok(prepared)
}

/// A `content` parameter travels as serialised JSON text.
fn content_value(param: &Param, value: &Value) -> Value {
    match param.media_type {
        Some(mt) if mt.contains("json") => Value::String(value.to_string()),
        _ => value.clone(),
    }
}

fn body_bytes(
    body: &Body,
    value: &Value,
    schema: Option<&Value>,
    files: &FileRoots,
) -> Result<(String, Vec<u8>), String> {
    let media_type = body.media_type;
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") || essence == "*/*" {
        let bytes = serde_json::to_vec(value).map_err(|e| format!("argument `body`: {e}"))?;
        return Ok((media_type.to_string(), bytes));
    }
    if essence == "application/x-www-form-urlencoded" {
        let Value::Object(map) = value else {
            return Err("argument `body`: a form body must be an object".into());
        };
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in map {
            let encoding = body.encoding.iter().find(|e| e.field == k.as_str());
            for (name, text) in form_pairs(k, v, encoding) {
                form.append_pair(&name, &text);
            }
        }
        return Ok((media_type.to_string(), form.finish().into_bytes()));
    }
    if essence.starts_with("multipart/") {
        return multipart(body, value, schema, files);
    }
    if essence.starts_with("text/") {
        return Ok((
            media_type.to_string(),
            encode::scalar_text(value).into_bytes(),
        ));
    }
    let Value::String(content) = value else {
        return Err(format!(
            "argument `body`: a `{media_type}` body is given as a base64 string or a `file:` path"
        ));
    };
    Ok((media_type.to_string(), files.bytes("body", content)?))
}

/// The name/value pairs of one form field, per its `encoding` (OpenAPI's defaults for a form body:
/// style `form`, explode true). The serializer percent-encodes them.
fn form_pairs(
    name: &str,
    value: &Value,
    encoding: Option<&crate::table::FieldEncoding>,
) -> Vec<(String, String)> {
    let style = encoding.and_then(|e| e.style).unwrap_or(Style::Form);
    let explode = encoding
        .and_then(|e| e.explode)
        .unwrap_or(style == Style::Form || style == Style::DeepObject);
    match value {
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(encode::scalar_text).collect();
            match style {
                Style::SpaceDelimited => vec![(name.to_string(), texts.join(" "))],
                Style::PipeDelimited => vec![(name.to_string(), texts.join("|"))],
                _ if explode => texts.into_iter().map(|t| (name.to_string(), t)).collect(),
                _ => vec![(name.to_string(), texts.join(","))],
            }
        }
        Value::Object(fields) => match style {
            Style::DeepObject => {
                let mut pairs = Vec::new();
                deep_pairs(name, value, &mut pairs);
                pairs
            }
            _ if explode => fields
                .iter()
                .map(|(k, v)| (k.clone(), encode::scalar_text(v)))
                .collect(),
            _ => vec![(
                name.to_string(),
                fields
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), encode::scalar_text(v)])
                    .collect::<Vec<_>>()
                    .join(","),
            )],
        },
        other => vec![(name.to_string(), encode::scalar_text(other))],
    }
}

/// `color[R]=100`, nesting further for nested objects (`a[b][c]=1`), arrays as `a[b][]=1`.
fn deep_pairs(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                deep_pairs(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                deep_pairs(&format!("{prefix}[]"), item, out);
            }
        }
        other => out.push((prefix.to_string(), encode::scalar_text(other))),
    }
}

/// A `multipart/form-data` body: base64 fields (files) as bytes, objects as JSON, the rest as text.
fn multipart(
    body: &Body,
    value: &Value,
    schema: Option<&Value>,
    files: &FileRoots,
) -> Result<(String, Vec<u8>), String> {
    let Value::Object(fields) = value else {
        return Err("argument `body`: a multipart body must be an object".into());
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let boundary = format!("mcpgen-boundary-{nanos:x}");
    let mut out = Vec::new();
    for (name, field) in fields {
        let field_schema = schema
            .and_then(|s| s.get("properties"))
            .and_then(|p| p.get(name));
        let is_file = field_schema
            .and_then(|s| s.get("contentEncoding"))
            .is_some_and(|e| e == "base64");
        let declared = body
            .encoding
            .iter()
            .find(|e| e.field == name.as_str())
            .and_then(|e| e.content_type);
        let items: Vec<&Value> = match field {
            Value::Array(items) if !is_file => items.iter().collect(),
            other => vec![other],
        };
        for item in items {
            let safe_name = name.replace(['"', '\r', '\n'], "_");
            let (content_type, bytes, filename) = if is_file {
                let Value::String(content) = item else {
                    return Err(format!(
                        "argument `body.{name}`: a file is given as a base64 string or a `file:` path"
                    ));
                };
                let bytes = files.bytes(&format!("body.{name}"), content)?;
                let media = declared
                    .or_else(|| {
                        field_schema
                            .and_then(|s| s.get("contentMediaType"))
                            .and_then(Value::as_str)
                    })
                    .unwrap_or("application/octet-stream");
                (media.to_string(), bytes, Some(safe_name.clone()))
            } else if item.is_object() {
                (
                    declared.unwrap_or("application/json").to_string(),
                    item.to_string().into_bytes(),
                    None,
                )
            } else {
                (
                    declared.unwrap_or("text/plain; charset=utf-8").to_string(),
                    encode::scalar_text(item).into_bytes(),
                    None,
                )
            };
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match &filename {
                Some(f) => format!("form-data; name=\"{safe_name}\"; filename=\"{f}\""),
                None => format!("form-data; name=\"{safe_name}\""),
            };
            out.extend_from_slice(
                format!(
                    "Content-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            out.extend_from_slice(&bytes);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((format!("multipart/form-data; boundary={boundary}"), out))
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
            None,
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
    fn rejects_values_that_would_escape() {
        let err = build(
            &TOOL,
            "http://api.test",
            &args(json!({"id": ".."})),
            None,
            &FileRoots::default(),
        )
        .unwrap_err();
        assert!(err.contains("`id`"), "{err}");
        let err = build(
            &TOOL,
            "http://api.test",
            &args(json!({"id": "1", "trace": "a\r\nX-Admin: 1"})),
            None,
            &FileRoots::default(),
        )
        .unwrap_err();
        assert!(err.contains("`trace`"), "{err}");
    }
}
