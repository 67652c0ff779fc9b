//! Encoding a request body from the `body` argument, as its media type says: JSON, form fields
//! (per each field's `encoding`), multipart parts (files as file parts), text, or raw bytes.

use mcpgen_contract::media::{self, BodyEncoding};
use serde_json::{Map, Value};

use crate::brackets;
use crate::encode;
use crate::files::FileRoots;
use crate::table::{ArrayEncoding, Body, FieldEncoding, FileContent, Style};

/// The `Content-Type` and bytes of the body; an error names the argument at fault. `arrays` is
/// the array convention the overrides file chose, if any.
pub(crate) fn encode(
    body: &Body,
    arrays: Option<ArrayEncoding>,
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
            Ok((media_type, form(body, arrays, fields).into_bytes()))
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
fn form(body: &Body, arrays: Option<ArrayEncoding>, fields: &Map<String, Value>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        for (key, text) in form_pairs(name, value, field_encoding(body, name), arrays) {
            form.append_pair(&key, &text);
        }
    }
    form.finish()
}

/// The name/value pairs of one form field (unencoded). A part whose `contentType` is JSON goes
/// as JSON text; `deepObject` and anything nested as bracket paths; flat values as their style
/// says (OpenAPI's defaults for a form body: style `form`, explode true). Exploded arrays follow
/// the chosen convention when there is one.
fn form_pairs(
    name: &str,
    value: &Value,
    encoding: Option<&FieldEncoding>,
    arrays: Option<ArrayEncoding>,
) -> Vec<(String, String)> {
    if encoding
        .and_then(|e| e.content_type)
        .is_some_and(media::is_json)
    {
        return vec![(name.to_string(), value.to_string())];
    }
    let style = encoding.and_then(|e| e.style).unwrap_or(Style::Form);
    let explode = encoding
        .and_then(|e| e.explode)
        .unwrap_or(style == Style::Form || style == Style::DeepObject);
    let bracketed = || {
        brackets::leaves(name, value, arrays.unwrap_or_default())
            .into_iter()
            .map(|(k, v)| (k, encode::scalar_text(v)))
            .collect()
    };
    if style == Style::DeepObject || !brackets::is_flat(value) {
        return match value {
            Value::Object(_) | Value::Array(_) => bracketed(),
            scalar => vec![(name.to_string(), encode::scalar_text(scalar))],
        };
    }
    match value {
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(encode::scalar_text).collect();
            match style {
                Style::SpaceDelimited => vec![(name.to_string(), texts.join(" "))],
                Style::PipeDelimited => vec![(name.to_string(), texts.join("|"))],
                _ if !explode => vec![(name.to_string(), texts.join(","))],
                _ if matches!(arrays, None | Some(ArrayEncoding::Repeated)) => {
                    texts.into_iter().map(|t| (name.to_string(), t)).collect()
                }
                _ => bracketed(),
            }
        }
        Value::Object(fields) if explode => fields
            .iter()
            .map(|(k, v)| (k.clone(), encode::scalar_text(v)))
            .collect(),
        Value::Object(fields) => vec![(
            name.to_string(),
            fields
                .iter()
                .flat_map(|(k, v)| [k.clone(), encode::scalar_text(v)])
                .collect::<Vec<_>>()
                .join(","),
        )],
        scalar => vec![(name.to_string(), encode::scalar_text(scalar))],
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
        let file = encoding.and_then(|e| e.file);
        let declared = encoding.and_then(|e| e.content_type);
        let items: Vec<&Value> = match field {
            // Several values, or several files, are several parts of the same name.
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        // A quote or line break in a name would end the Content-Disposition header.
        let safe_name = name.replace(['"', '\r', '\n'], "_");
        for item in items {
            parts.push(if let Some(kind) = file {
                let Value::String(content) = item else {
                    return Err(format!(
                        "argument `body.{name}`: a file is given as a string (its content) or a `file:` path"
                    ));
                };
                let arg = format!("body.{name}");
                let bytes = match kind {
                    FileContent::Base64 => files.bytes(&arg, content)?,
                    FileContent::Text => files.text_bytes(&arg, content)?,
                };
                Part {
                    name: safe_name.clone(),
                    filename: Some(safe_name.clone()),
                    content_type: declared.unwrap_or("application/octet-stream").to_string(),
                    bytes,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static BODY: Body = Body {
        media_type: "application/x-www-form-urlencoded",
        required: true,
        encoding: &[
            FieldEncoding {
                field: "tags",
                content_type: None,
                style: Some(Style::Form),
                explode: Some(true),
                allow_reserved: false,
                file: None,
            },
            FieldEncoding {
                field: "expand",
                content_type: None,
                style: Some(Style::DeepObject),
                explode: Some(true),
                allow_reserved: false,
                file: None,
            },
            FieldEncoding {
                field: "csv",
                content_type: None,
                style: Some(Style::Form),
                explode: Some(false),
                allow_reserved: false,
                file: None,
            },
            FieldEncoding {
                field: "doc",
                content_type: Some("application/json"),
                style: None,
                explode: None,
                allow_reserved: false,
                file: None,
            },
        ],
        renames: &[],
    };

    fn encoded(arrays: Option<ArrayEncoding>, value: serde_json::Value) -> String {
        let (_, bytes) = encode(&BODY, arrays, &value, &FileRoots::default()).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn form_fields_follow_their_style_and_nest_as_brackets() {
        let value = json!({"tags": ["a", "b"], "expand": ["x"], "csv": [1, 2],
            "doc": {"k": [1]}, "items": [{"p": "v"}], "plain": "a b"});
        assert_eq!(
            encoded(None, value.clone()),
            "tags=a&tags=b&expand%5B0%5D=x&csv=1%2C2&doc=%7B%22k%22%3A%5B1%5D%7D\
             &items%5B0%5D%5Bp%5D=v&plain=a+b"
        );
        // A chosen convention governs every exploded array, nested or not.
        assert_eq!(
            encoded(Some(ArrayEncoding::Brackets), value.clone()),
            "tags%5B%5D=a&tags%5B%5D=b&expand%5B%5D=x&csv=1%2C2&doc=%7B%22k%22%3A%5B1%5D%7D\
             &items%5B%5D%5Bp%5D=v&plain=a+b"
        );
        assert_eq!(
            encoded(Some(ArrayEncoding::Repeated), value),
            "tags=a&tags=b&expand=x&csv=1%2C2&doc=%7B%22k%22%3A%5B1%5D%7D\
             &items%5Bp%5D=v&plain=a+b"
        );
    }
}
