//! Encoding a request body from the `body` argument, as its media type says: JSON, form fields
//! (per each field's `encoding`), multipart parts (files as file parts), text, or raw bytes.

use mcpgen_contract::media::BodyEncoding;
use serde_json::{Map, Value};

use crate::encode;
use crate::files::FileRoots;
use crate::table::{Body, FieldEncoding, Style};

/// The `Content-Type` and bytes of the body; an error names the argument at fault.
pub(crate) fn encode(
    body: &Body,
    value: &Value,
    files: &FileRoots,
) -> Result<(String, Vec<u8>), String> {
    let media_type = body.media_type.to_string();
    match BodyEncoding::of(body.media_type) {
        BodyEncoding::Json => {
            let bytes = serde_json::to_vec(value).map_err(|e| format!("argument `body`: {e}"))?;
            Ok((media_type, bytes))
        }
        BodyEncoding::Form => {
            let Value::Object(fields) = value else {
                return Err("argument `body`: a form body must be an object".into());
            };
            Ok((media_type, form(body, fields).into_bytes()))
        }
        BodyEncoding::Multipart => {
            let Value::Object(fields) = value else {
                return Err("argument `body`: a multipart body must be an object".into());
            };
            multipart(body, fields, files)
        }
        BodyEncoding::Text => Ok((media_type, encode::scalar_text(value).into_bytes())),
        BodyEncoding::Binary => {
            let Value::String(content) = value else {
                return Err(format!(
                    "argument `body`: a `{media_type}` body is given as a base64 string or a `file:` path"
                ));
            };
            Ok((media_type, files.bytes("body", content)?))
        }
    }
}

fn field_encoding<'a>(body: &'a Body, field: &str) -> Option<&'a FieldEncoding> {
    body.encoding.iter().find(|e| e.field == field)
}

/// `application/x-www-form-urlencoded` text; the serializer percent-encodes names and values.
fn form(body: &Body, fields: &Map<String, Value>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        for (key, text) in form_pairs(name, value, field_encoding(body, name)) {
            form.append_pair(&key, &text);
        }
    }
    form.finish()
}

/// The name/value pairs of one form field, per its `encoding` (OpenAPI's defaults for a form body:
/// style `form`, explode true).
fn form_pairs(
    name: &str,
    value: &Value,
    encoding: Option<&FieldEncoding>,
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

/// One part of a multipart body.
struct Part {
    name: String,
    filename: Option<String>,
    content_type: String,
    bytes: Vec<u8>,
}

/// A `multipart/form-data` body: file fields as file parts, objects as JSON, the rest as text.
/// Which fields are files, and their media types, is the plan's word.
fn multipart(
    body: &Body,
    fields: &Map<String, Value>,
    files: &FileRoots,
) -> Result<(String, Vec<u8>), String> {
    let mut parts = Vec::new();
    for (name, field) in fields {
        let encoding = field_encoding(body, name);
        let is_file = encoding.is_some_and(|e| e.file);
        let declared = encoding.and_then(|e| e.content_type);
        let items: Vec<&Value> = match field {
            Value::Array(items) if !is_file => items.iter().collect(),
            other => vec![other],
        };
        // A quote or line break in a name would end the Content-Disposition header.
        let safe_name = name.replace(['"', '\r', '\n'], "_");
        for item in items {
            parts.push(if is_file {
                let Value::String(content) = item else {
                    return Err(format!(
                        "argument `body.{name}`: a file is given as a base64 string or a `file:` path"
                    ));
                };
                Part {
                    name: safe_name.clone(),
                    filename: Some(safe_name.clone()),
                    content_type: declared.unwrap_or("application/octet-stream").to_string(),
                    bytes: files.bytes(&format!("body.{name}"), content)?,
                }
            } else if item.is_object() {
                Part {
                    name: safe_name.clone(),
                    filename: None,
                    content_type: declared.unwrap_or("application/json").to_string(),
                    bytes: item.to_string().into_bytes(),
                }
            } else {
                Part {
                    name: safe_name.clone(),
                    filename: None,
                    content_type: declared.unwrap_or("text/plain; charset=utf-8").to_string(),
                    bytes: encode::scalar_text(item).into_bytes(),
                }
            });
        }
    }
    let boundary = boundary();
    Ok((
        format!("multipart/form-data; boundary={boundary}"),
        write_parts(&boundary, &parts),
    ))
}

/// A boundary no part is likely to contain.
fn boundary() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("mcpgen-boundary-{nanos:x}")
}

fn write_parts(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match &part.filename {
            Some(f) => format!("form-data; name=\"{}\"; filename=\"{f}\"", part.name),
            None => format!("form-data; name=\"{}\"", part.name),
        };
        out.extend_from_slice(
            format!(
                "Content-Disposition: {disposition}\r\nContent-Type: {}\r\n\r\n",
                part.content_type
            )
            .as_bytes(),
        );
        out.extend_from_slice(&part.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}
