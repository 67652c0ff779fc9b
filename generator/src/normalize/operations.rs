//! Paths and operations, for every dialect: path items (followed through `$ref`), each
//! operation with its merged parameters, its body (by dialect), responses, security and servers.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Dialect, Normalizer, flag, string, strings};
use crate::error::Result;
use crate::findings::Level;
use crate::ir::*;
use crate::refs::Loc;

/// What every operation of the document shares.
pub(super) struct DocumentScope<'d> {
    pub(super) top: &'d Map<String, Value>,
    pub(super) global_security: &'d [SecurityRequirement],
    pub(super) scheme_keys: &'d [String],
}

/// What every operation of one path item shares.
struct PathScope<'p> {
    path: &'p str,
    /// Path-level parameters, their `$ref`s followed.
    parameters: &'p [(Loc, Value)],
    servers: &'p [ApiServer],
}

/// An operation's parameters sorted by what they become.
#[derive(Default)]
struct SortedParameters<'a> {
    parameters: Vec<Parameter>,
    /// Swagger 2.0's `in: body`.
    body: Option<(&'a Loc, &'a Value)>,
    /// Swagger 2.0's `in: formData`.
    form: Vec<(&'a Loc, &'a Value)>,
}

impl Normalizer<'_> {
    pub(super) fn operations(&mut self, loc: &Loc, doc: &DocumentScope) -> Result<Vec<Operation>> {
        let paths_loc = loc.join("paths");
        let paths = match doc.top.get("paths") {
            Some(Value::Object(paths)) => paths.clone(),
            None => Map::new(),
            Some(_) => return Err(paths_loc.invalid("`paths` must be an object")),
        };
        let mut operations = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, item) in &paths {
            if !path.starts_with('/') {
                self.warn(
                    &paths_loc.join(path),
                    "path does not start with `/`; skipped",
                );
                continue;
            }
            let item_loc = paths_loc.join(path);
            let (item_loc, item) = self.deref(&item_loc, item)?;
            let Value::Object(item) = item else {
                return Err(item_loc.invalid("a path item must be an object"));
            };
            let parameters =
                self.raw_parameters(&item_loc.join("parameters"), item.get("parameters"))?;
            let servers = self.servers(&item_loc.join("servers"), item.get("servers"))?;
            let scope = PathScope {
                path,
                parameters: &parameters,
                servers: &servers,
            };
            for (key, method) in Method::ALL {
                let Some(op) = item.get(key) else { continue };
                let op_loc = item_loc.join(key);
                let operation = self.operation(&op_loc, op, method, doc, &scope)?;
                if let Some(id) = &operation.operation_id
                    && let Some(first) = ids.insert(id.clone(), op_loc.pointer.clone())
                {
                    return Err(op_loc.join("operationId").invalid(format!(
                        "duplicate operationId `{id}`, already used at #{first}: operationIds must be unique; rename one"
                    )));
                }
                operations.push(operation);
            }
        }
        Ok(operations)
    }

    fn operation(
        &mut self,
        loc: &Loc,
        op: &Value,
        method: Method,
        doc: &DocumentScope,
        scope: &PathScope,
    ) -> Result<Operation> {
        let Value::Object(obj) = op else {
            return Err(loc.invalid("an operation must be an object"));
        };
        let first_finding = self.findings.len();
        let own = self.raw_parameters(&loc.join("parameters"), obj.get("parameters"))?;
        let merged = merge_parameters(scope.parameters, own);
        let mut sorted = self.sort_parameters(&merged)?;
        self.check_path_params(loc, scope.path, &mut sorted.parameters);
        let request_body = if self.dialect == Dialect::Swagger2 {
            self.swagger_body(loc, obj, doc.top, sorted.body, &sorted.form)?
        } else {
            match obj.get("requestBody") {
                Some(body) => Some(self.request_body(&loc.join("requestBody"), body)?),
                None => None,
            }
        };
        let responses = self.responses(loc, obj, doc.top)?;
        let security = match obj.get("security") {
            Some(value) => self.security(&loc.join("security"), value, doc.scheme_keys)?,
            None => doc.global_security.to_vec(),
        };
        let mut servers = self.servers(&loc.join("servers"), obj.get("servers"))?;
        if servers.is_empty() {
            servers = scope.servers.to_vec();
        }
        Ok(Operation {
            method,
            path: scope.path.to_string(),
            operation_id: string(obj.get("operationId")),
            summary: string(obj.get("summary")),
            description: string(obj.get("description")),
            tags: strings(obj.get("tags")),
            deprecated: flag(obj.get("deprecated")),
            parameters: sorted.parameters,
            request_body,
            responses,
            security,
            servers,
            pointer: loc.pointer.clone(),
            findings: self.findings.split_off(first_finding),
        })
    }

    /// Parameters, Swagger 2.0's body parameter, and its form fields.
    fn sort_parameters<'a>(&mut self, merged: &'a [(Loc, Value)]) -> Result<SortedParameters<'a>> {
        let mut sorted = SortedParameters::default();
        for (ploc, p) in merged {
            match p.get("in").and_then(Value::as_str) {
                Some("body") if self.dialect == Dialect::Swagger2 => sorted.body = Some((ploc, p)),
                Some("formData") if self.dialect == Dialect::Swagger2 => {
                    sorted.form.push((ploc, p))
                }
                _ => {
                    if let Some(parameter) = self.parameter(ploc, p)? {
                        sorted.parameters.push(parameter);
                    }
                }
            }
        }
        Ok(sorted)
    }

    /// Every `{name}` in the path needs a path parameter, and every path parameter is required.
    fn check_path_params(&mut self, loc: &Loc, path: &str, parameters: &mut Vec<Parameter>) {
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + len];
            if !parameters
                .iter()
                .any(|p| p.location == Location::Path && p.name == name)
            {
                // The tool still works for the common case (a plain string), but the spec is wrong
                // about this operation, so the user has to know.
                self.note(
                    Level::Error,
                    loc,
                    format!(
                        "the path has `{{{name}}}` but the operation declares no path parameter `{name}`: \
                         the tool takes it as a required string; declare it (`in: path`) in the spec"
                    ),
                );
                parameters.push(Parameter {
                    name: name.to_string(),
                    location: Location::Path,
                    description: None,
                    required: true,
                    deprecated: false,
                    schema: json!({"type": "string"}),
                    style: Style::Simple,
                    explode: false,
                    allow_reserved: false,
                    media_type: None,
                });
            }
            rest = &rest[start + len..];
        }
        parameters
            .retain(|p| p.location != Location::Path || path.contains(&format!("{{{}}}", p.name)));
        for p in parameters.iter_mut() {
            if p.location == Location::Path {
                p.required = true;
            }
        }
    }

    /// A `parameters` list with each entry's `$ref` followed.
    fn raw_parameters(&mut self, loc: &Loc, value: Option<&Value>) -> Result<Vec<(Loc, Value)>> {
        let Some(value) = value else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(loc.invalid("`parameters` must be an array"));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (ploc, p) = self.deref(&loc.join(i), item)?;
            if string(p.get("name")).is_none() || p.get("in").and_then(Value::as_str).is_none() {
                return Err(ploc.invalid("a parameter needs `name` and `in`"));
            }
            out.push((ploc, p));
        }
        Ok(out)
    }

    fn parameter(&mut self, loc: &Loc, p: &Value) -> Result<Option<Parameter>> {
        let name = string(p.get("name")).unwrap_or_default();
        let location = match p.get("in").and_then(Value::as_str) {
            Some(text) => Location::parse(text).ok_or_else(|| {
                loc.join("in").invalid(format!(
                    "unknown parameter location `{text}` (expected path, query, header or cookie)"
                ))
            })?,
            None => return Err(loc.invalid("a parameter needs `name` and `in`")),
        };
        if location == Location::Header
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            // OpenAPI: these header parameters are ignored; media types and security say it.
            return Ok(None);
        }
        let encoding = if self.dialect == Dialect::Swagger2 {
            let schema = self.swagger_param_schema(loc, p)?;
            let (style, explode) = self.collection_format(loc, p, location);
            super::openapi3::ParamEncoding {
                schema,
                style,
                explode,
                media_type: None,
            }
        } else {
            self.param_encoding(loc, p, location)?
        };
        Ok(Some(Parameter {
            name,
            location,
            description: string(p.get("description")),
            required: flag(p.get("required")),
            deprecated: flag(p.get("deprecated")),
            schema: with_parameter_examples(encoding.schema, p),
            style: encoding.style,
            explode: encoding.explode,
            allow_reserved: flag(p.get("allowReserved")),
            media_type: encoding.media_type,
        }))
    }

    fn responses(
        &mut self,
        loc: &Loc,
        obj: &Map<String, Value>,
        top: &Map<String, Value>,
    ) -> Result<Vec<Response>> {
        let Some(Value::Object(map)) = obj.get("responses") else {
            return Ok(Vec::new());
        };
        let produces = Self::media_types(obj, top, "produces");
        let mut out = Vec::new();
        for (status, value) in map {
            if status.starts_with("x-") {
                continue;
            }
            let (rloc, response) = self.deref(&loc.join("responses").join(status), value)?;
            let contents = if self.dialect == Dialect::Swagger2 {
                self.swagger_response_contents(&rloc, &response, &produces)?
            } else {
                self.response_contents(&rloc, &response)?
            };
            out.push(Response {
                status: status.clone(),
                description: string(response.get("description")),
                contents,
            });
        }
        Ok(out)
    }
}

/// Path-level parameters and the operation's own; the operation's win by name and location.
fn merge_parameters(shared: &[(Loc, Value)], own: Vec<(Loc, Value)>) -> Vec<(Loc, Value)> {
    let key_of = |v: &Value| {
        (
            v.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            v.get("in")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        )
    };
    let mut merged: Vec<(Loc, Value)> = shared
        .iter()
        .filter(|(_, p)| !own.iter().any(|(_, o)| key_of(o) == key_of(p)))
        .cloned()
        .collect();
    merged.extend(own);
    merged
}

/// A parameter's own `example` / `examples` become the schema's `examples`, where the model sees them.
fn with_parameter_examples(mut schema: Value, p: &Value) -> Value {
    let mut examples: Vec<Value> = Vec::new();
    // `x-example` is Swagger 2.0's customary spelling for non-body parameters.
    if let Some(example) = p.get("example").or_else(|| p.get("x-example")) {
        examples.push(example.clone());
    }
    if let Some(Value::Object(named)) = p.get("examples") {
        examples.extend(named.values().filter_map(|e| e.get("value")).cloned());
    }
    if let Value::Object(map) = &mut schema
        && !examples.is_empty()
        && !map.contains_key("examples")
    {
        map.insert("examples".into(), Value::Array(examples));
    }
    schema
}
