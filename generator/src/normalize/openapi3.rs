//! What only OpenAPI 3.x says: `servers`, `requestBody` with its `content` and `encoding`, and
//! parameters described by `schema`/`style`/`explode` or by `content`.

use serde_json::{Map, Value, json};

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
    /// The `servers` of `parent` (at `loc`): the document, a path item or an operation.
    pub(super) fn servers(
        &mut self,
        loc: &Loc,
        parent: &Map<String, Value>,
    ) -> Result<Vec<ApiServer>> {
        let Some((list_loc, items)) = self.array_at(loc, parent, "servers")? else {
            return Ok(Vec::new());
        };
        let mut servers = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (loc, item) = self.deref(&list_loc.join(i), item)?;
            let Value::Object(item) = item else {
                return Err(loc.invalid("a server must be an object with a `url`"));
            };
            let Some(url) = string(item.get("url")) else {
                return Err(loc.invalid(
                    "a server needs a `url` (`url: https://api.example.com`); add it or remove the server",
                ));
            };
            let mut variables = Vec::new();
            if let Some((vars_loc, vars)) = self.object_at(&loc, &item, "variables")? {
                for (name, var) in &vars {
                    let (var_loc, var) = self.deref(&vars_loc.join(name), var)?;
                    let allowed = strings(var.get("enum"));
                    let default = match var.get("default") {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => {
                            return Err(var_loc.invalid("a server variable needs a `default`"));
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
        let content = match p {
            Value::Object(p) => self.object_at(loc, p, "content")?,
            _ => None,
        };
        let schema = if let Some((content_loc, content)) = content {
            let mut media_types = content.iter();
            let Some((mt, media)) = media_types.next() else {
                return Err(content_loc.invalid("`content` must name one media type"));
            };
            if media_types.next().is_some() {
                self.warn(
                    &content_loc,
                    format!("a parameter's `content` names one media type; only `{mt}` is used"),
                );
            }
            media_type = Some(mt.clone());
            let (media_loc, media) = self.deref(&content_loc.join(mt), media)?;
            let sloc = media_loc.join("schema");
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
        let Value::Object(body) = body else {
            return Err(loc.invalid("a request body must be an object with `content`"));
        };
        let contents = self.contents(&loc, &body)?;
        if contents.is_empty() {
            self.warn(
                &loc,
                "the request body names no media type in `content`, so the tool sends no body; \
                 add one (`application/json: {schema: …}`)",
            );
        }
        Ok(RequestBody {
            description: string(body.get("description")),
            required: flag(body.get("required")),
            contents,
        })
    }

    /// The media types of `parent`'s `content` (a request body or a response), in order.
    fn contents(&mut self, loc: &Loc, parent: &Map<String, Value>) -> Result<Vec<Content>> {
        let mut contents = Vec::new();
        if let Some((content_loc, content)) = self.object_at(loc, parent, "content")? {
            for (mt, media) in &content {
                contents.push(self.content(&content_loc.join(mt), mt, media)?);
            }
        }
        Ok(contents)
    }

    fn content(&mut self, loc: &Loc, media_type: &str, media: &Value) -> Result<Content> {
        let (loc, media) = self.deref(loc, media)?;
        let Value::Object(media) = media else {
            return Err(loc.invalid("a media type object must be an object (`{schema: …}`)"));
        };
        let schema = match media.get("schema") {
            Some(schema) => self.schema(&loc.join("schema"), schema)?,
            None => json!({}),
        };
        let mut encoding = Vec::new();
        if let Some((map_loc, map)) = self.object_at(&loc, &media, "encoding")? {
            for (field, enc) in &map {
                let (enc_loc, enc) = self.deref(&map_loc.join(field), enc)?;
                encoding.push(FieldEncoding {
                    field: field.clone(),
                    content_type: string(enc.get("contentType")),
                    style: self.encoding_style(&enc_loc, &enc),
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

    /// An encoding's `style`; one OpenAPI does not define is a finding, and the field keeps
    /// the default style.
    fn encoding_style(&mut self, loc: &Loc, enc: &Value) -> Option<Style> {
        let written = enc.get("style")?;
        let style = written.as_str().and_then(Style::parse);
        if style.is_none() {
            self.warn(
                &loc.join("style"),
                format!(
                    "unknown encoding style {written} (expected form, spaceDelimited, \
                     pipeDelimited or deepObject): the field is sent in the default style"
                ),
            );
        }
        style
    }

    /// A 3.x response's contents.
    pub(super) fn response_contents(
        &mut self,
        loc: &Loc,
        response: &Value,
    ) -> Result<Vec<Content>> {
        match response {
            Value::Object(response) => self.contents(loc, response),
            _ => Err(loc.invalid("a response must be an object")),
        }
    }
}
