//! What only Swagger 2.0 says: `host`/`basePath`/`schemes` for the server, parameters that carry
//! their schema keywords themselves with a `collectionFormat`, `consumes`/`produces`, and bodies
//! made of a `body` parameter or of `formData` parameters.

use mcpgen_contract::media::{self, BodyEncoding};
use serde_json::{Map, Value, json};

use super::{Normalizer, flag, string, strings};
use crate::error::Result;
use crate::ir::*;
use crate::refs::Loc;

impl Normalizer<'_> {
    pub(super) fn swagger_servers(&mut self, top: &Map<String, Value>) -> Vec<ApiServer> {
        let base_path = string(top.get("basePath")).unwrap_or_default();
        let base_path = if base_path.is_empty() || base_path.starts_with('/') {
            base_path
        } else {
            format!("/{base_path}")
        };
        let Some(host) = string(top.get("host")) else {
            let url = if base_path.is_empty() {
                "/".into()
            } else {
                base_path
            };
            return vec![ApiServer {
                url: self.absolute_server_url(&url),
                description: None,
                variables: Vec::new(),
            }];
        };
        let mut schemes = strings(top.get("schemes"));
        if schemes.is_empty() {
            schemes.push(match self.root.scheme() {
                "http" => "http".into(),
                _ => "https".into(),
            });
        }
        schemes
            .iter()
            .filter(|s| matches!(s.as_str(), "http" | "https"))
            .map(|scheme| ApiServer {
                url: format!("{scheme}://{host}{base_path}"),
                description: None,
                variables: Vec::new(),
            })
            .collect()
    }

    /// Swagger 2.0 puts a parameter's schema keywords on the parameter itself.
    pub(super) fn swagger_param_schema(&mut self, loc: &Loc, p: &Value) -> Result<Value> {
        const KEYS: &[&str] = &[
            "type",
            "format",
            "items",
            "default",
            "maximum",
            "exclusiveMaximum",
            "minimum",
            "exclusiveMinimum",
            "maxLength",
            "minLength",
            "pattern",
            "maxItems",
            "minItems",
            "uniqueItems",
            "enum",
            "multipleOf",
            "x-nullable",
        ];
        let mut schema = Map::new();
        if let Value::Object(map) = p {
            for key in KEYS {
                if let Some(v) = map.get(*key) {
                    schema.insert((*key).to_string(), v.clone());
                }
            }
            if let Some(Value::Object(items)) = map.get("items") {
                // Nested arrays carry their own collectionFormat, which JSON Schema has no word for.
                let mut items = items.clone();
                items.remove("collectionFormat");
                schema.insert("items".into(), Value::Object(items));
            }
        }
        self.schema(loc, &Value::Object(schema))
    }

    pub(super) fn collection_format(
        &mut self,
        loc: &Loc,
        p: &Value,
        location: Location,
    ) -> (Style, bool) {
        let format = p
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        match format {
            "multi" => (Style::Form, true),
            "ssv" => (Style::SpaceDelimited, false),
            "pipes" => (Style::PipeDelimited, false),
            "csv" => (Style::default_for(location), false),
            other => {
                self.warn(
                    &loc.join("collectionFormat"),
                    format!("collectionFormat `{other}` is not supported; values are sent comma-separated"),
                );
                (Style::default_for(location), false)
            }
        }
    }

    pub(super) fn media_types(
        obj: &Map<String, Value>,
        top: &Map<String, Value>,
        key: &str,
    ) -> Vec<String> {
        let own = strings(obj.get(key));
        let types = if obj.contains_key(key) {
            own
        } else {
            strings(top.get(key))
        };
        if types.is_empty() {
            vec!["application/json".into()]
        } else {
            types
        }
    }

    /// The request body of an operation: its `body` parameter, else its `formData` parameters
    /// as the fields of a form (multipart when one is a file).
    pub(super) fn swagger_body(
        &mut self,
        loc: &Loc,
        obj: &Map<String, Value>,
        top: &Map<String, Value>,
        body_param: Option<(&Loc, &Value)>,
        form_params: &[(&Loc, &Value)],
    ) -> Result<Option<RequestBody>> {
        let consumes = Self::media_types(obj, top, "consumes");
        if let Some((ploc, p)) = body_param {
            let schema =
                self.schema(&ploc.join("schema"), p.get("schema").unwrap_or(&json!({})))?;
            return Ok(Some(RequestBody {
                description: string(p.get("description")),
                required: flag(p.get("required")),
                contents: consumes
                    .iter()
                    .map(|mt| Content {
                        media_type: mt.clone(),
                        schema: schema.clone(),
                        encoding: Vec::new(),
                    })
                    .collect(),
            }));
        }
        if form_params.is_empty() {
            return Ok(None);
        }
        let (schema, encoding, has_file) = self.form_schema(form_params)?;
        let types = self.form_media_types(loc, consumes, has_file);
        let any_required = form_params.iter().any(|(_, p)| flag(p.get("required")));
        Ok(Some(RequestBody {
            description: None,
            required: any_required,
            contents: types
                .into_iter()
                .map(|media_type| Content {
                    media_type,
                    schema: schema.clone(),
                    encoding: encoding.clone(),
                })
                .collect(),
        }))
    }

    /// The object schema of `formData` parameters, the encoding of their array fields, and
    /// whether one is a file.
    fn form_schema(
        &mut self,
        form_params: &[(&Loc, &Value)],
    ) -> Result<(Value, Vec<FieldEncoding>, bool)> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Vec::new();
        let mut has_file = false;
        for (ploc, p) in form_params {
            let name = string(p.get("name")).unwrap_or_default();
            let mut schema = self.swagger_param_schema(ploc, p)?;
            has_file |= p.get("type").and_then(Value::as_str) == Some("file");
            if let (Some(d), Value::Object(s)) = (string(p.get("description")), &mut schema) {
                s.insert("description".into(), d.into());
            }
            if flag(p.get("required")) {
                required.push(Value::String(name.clone()));
            }
            if p.get("type").and_then(Value::as_str) == Some("array") {
                let (style, explode) = self.collection_format(ploc, p, Location::Query);
                encoding.push(FieldEncoding {
                    field: name.clone(),
                    content_type: None,
                    style: Some(style),
                    explode: Some(explode),
                    allow_reserved: false,
                });
            }
            properties.insert(name, schema);
        }
        let mut schema = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        Ok((schema, encoding, has_file))
    }

    /// The form media types `consumes` allows; files need multipart.
    fn form_media_types(
        &mut self,
        loc: &Loc,
        consumes: Vec<String>,
        has_file: bool,
    ) -> Vec<String> {
        let is_form = |mt: &str| match BodyEncoding::of(mt) {
            BodyEncoding::Form => true,
            BodyEncoding::Multipart => media::essence(mt) == "multipart/form-data",
            _ => false,
        };
        let mut types: Vec<String> = consumes.into_iter().filter(|mt| is_form(mt)).collect();
        if types.is_empty() {
            types.push(if has_file {
                "multipart/form-data".into()
            } else {
                "application/x-www-form-urlencoded".into()
            });
        }
        if has_file {
            types.retain(|t| BodyEncoding::of(t) == BodyEncoding::Multipart);
            if types.is_empty() {
                self.warn(loc, "file parameters need multipart/form-data; using it");
                types.push("multipart/form-data".into());
            }
        }
        types
    }

    /// A 2.0 response's `schema`, once per media type the operation `produces`.
    pub(super) fn swagger_response_contents(
        &mut self,
        loc: &Loc,
        response: &Value,
        produces: &[String],
    ) -> Result<Vec<Content>> {
        let Some(schema) = response.get("schema") else {
            return Ok(Vec::new());
        };
        let schema = self.schema(&loc.join("schema"), schema)?;
        Ok(produces
            .iter()
            .map(|mt| Content {
                media_type: mt.clone(),
                schema: schema.clone(),
                encoding: Vec::new(),
            })
            .collect())
    }
}
