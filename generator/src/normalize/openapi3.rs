//! What only OpenAPI 3.x says: `servers`, `requestBody` with its `content` and `encoding`, and
//! parameters described by `schema`/`style`/`explode` or by `content`.

use serde_json::{Value, json};

use super::{Normalizer, flag, string, strings};
use crate::error::Result;
use crate::ir::*;
use crate::refs::Loc;

/// A parameter's schema and serialisation, as OpenAPI 3.x writes them.
pub(super) struct ParamEncoding {
    pub(super) schema: Value,
    pub(super) style: Style,
    pub(super) explode: bool,
    /// Set when the parameter is declared with `content`.
    pub(super) media_type: Option<String>,
}

impl Normalizer<'_> {
    pub(super) fn servers(&mut self, loc: &Loc, value: Option<&Value>) -> Result<Vec<ApiServer>> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(loc.invalid("`servers` must be an array"));
        };
        let mut servers = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let loc = loc.join(i);
            let Some(url) = string(item.get("url")) else {
                return Err(loc.invalid("a server needs a `url`"));
            };
            let mut variables = Vec::new();
            if let Some(Value::Object(vars)) = item.get("variables") {
                for (name, var) in vars {
                    let allowed = strings(var.get("enum"));
                    let default = match var.get("default") {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => {
                            return Err(loc
                                .join("variables")
                                .join(name)
                                .invalid("a server variable needs a `default`"));
                        }
                    };
                    variables.push(ServerVariable {
                        name: name.clone(),
                        default,
                        allowed,
                        description: string(var.get("description")),
                    });
                }
            }
            servers.push(ApiServer {
                url: self.absolute_server_url(&url),
                description: string(item.get("description")),
                variables,
            });
        }
        Ok(servers)
    }

    /// A relative server URL is relative to where the document was fetched from, when that is a web address.
    pub(super) fn absolute_server_url(&self, url: &str) -> String {
        if url.contains("://") || !matches!(self.root.scheme(), "http" | "https") {
            return url.to_string();
        }
        self.root
            .join(url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| url.to_string())
    }

    /// A 3.x parameter's schema (from `schema`, or `content`'s one media type) and style.
    pub(super) fn param_encoding(
        &mut self,
        loc: &Loc,
        p: &Value,
        location: Location,
    ) -> Result<ParamEncoding> {
        let mut media_type = None;
        let schema = if let Some(Value::Object(content)) = p.get("content") {
            let Some((mt, media)) = content.iter().next() else {
                return Err(loc
                    .join("content")
                    .invalid("`content` must name one media type"));
            };
            media_type = Some(mt.clone());
            let sloc = loc.join("content").join(mt).join("schema");
            self.schema(&sloc, media.get("schema").unwrap_or(&json!({})))?
        } else {
            self.schema(&loc.join("schema"), p.get("schema").unwrap_or(&json!({})))?
        };
        let style = match p.get("style").and_then(Value::as_str) {
            None => Style::default_for(location),
            Some(s) => Style::parse(s).ok_or_else(|| {
                loc.join("style")
                    .invalid(format!("unknown parameter style `{s}`"))
            })?,
        };
        let explode = p
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style.explodes_by_default());
        Ok(ParamEncoding {
            schema,
            style,
            explode,
            media_type,
        })
    }

    pub(super) fn request_body(&mut self, loc: &Loc, value: &Value) -> Result<RequestBody> {
        let (loc, body) = self.deref(loc, value)?;
        let mut contents = Vec::new();
        if let Some(Value::Object(content)) = body.get("content") {
            for (mt, media) in content {
                contents.push(self.content(&loc.join("content").join(mt), mt, media)?);
            }
        }
        Ok(RequestBody {
            description: string(body.get("description")),
            required: flag(body.get("required")),
            contents,
        })
    }

    fn content(&mut self, loc: &Loc, media_type: &str, media: &Value) -> Result<Content> {
        let schema = match media.get("schema") {
            Some(schema) => self.schema(&loc.join("schema"), schema)?,
            None => json!({}),
        };
        let mut encoding = Vec::new();
        if let Some(Value::Object(map)) = media.get("encoding") {
            for (field, enc) in map {
                encoding.push(FieldEncoding {
                    field: field.clone(),
                    content_type: string(enc.get("contentType")),
                    style: enc
                        .get("style")
                        .and_then(Value::as_str)
                        .and_then(Style::parse),
                    explode: enc.get("explode").and_then(Value::as_bool),
                    allow_reserved: flag(enc.get("allowReserved")),
                });
            }
        }
        Ok(Content {
            media_type: media_type.to_string(),
            schema,
            encoding,
        })
    }

    /// A 3.x response's contents.
    pub(super) fn response_contents(
        &mut self,
        loc: &Loc,
        response: &Value,
    ) -> Result<Vec<Content>> {
        let mut contents = Vec::new();
        if let Some(Value::Object(content)) = response.get("content") {
            for (mt, media) in content {
                contents.push(self.content(&loc.join("content").join(mt), mt, media)?);
            }
        }
        Ok(contents)
    }
}
