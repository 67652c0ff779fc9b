//! Paths and operations, for every dialect: path items and operations (each followed through
//! `$ref`, as are parameter lists and response maps), each operation with its merged parameters,
//! its body (by dialect), responses, security and servers. Fields nobody reads are findings.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Dialect, Normalizer, flag, string, strings};
use crate::error::{Error, Result};
use crate::findings::{Finding, Level};
use crate::ir::*;
use crate::refs::Loc;

/// What every operation of the document shares.
pub(super) struct DocumentScope<'d> {
    pub(super) top: &'d Map<String, Value>,
    pub(super) global_security: &'d [SecurityRequirement],
    pub(super) scheme_keys: &'d [String],
    pub(super) schemes: &'d [SecurityScheme],
}

/// What every operation of one path item shares.
struct PathScope<'p> {
    path: &'p str,
    /// Where the path item is in the root document (`/paths/~1things`), whatever file holds it.
    pointer: String,
    /// Path-level parameters, their `$ref`s followed.
    parameters: &'p [(Loc, Value)],
    servers: &'p [ApiServer],
    /// The path item's own words, for operations that have none.
    summary: Option<String>,
    description: Option<String>,
}

/// A path of the document, and where its item is in the root document.
struct Place<'p> {
    path: &'p str,
    pointer: String,
}

/// The fields of a path item besides its operations.
const PATH_ITEM_FIELDS: &[&str] = &["$ref", "summary", "description", "servers", "parameters"];

/// The fields of an operation: OpenAPI 3.x's, and Swagger 2.0's `consumes`/`produces`/`schemes`.
/// `callbacks` (requests the API makes) and `externalDocs` mean nothing to a tool.
const OPERATION_FIELDS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
    "consumes",
    "produces",
    "schemes",
];

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
        let Some((paths_loc, paths)) = self.object_at(loc, doc.top, "paths")? else {
            return Ok(Vec::new());
        };
        let mut operations = Vec::new();
        for (path, item) in &paths {
            if path.starts_with("x-") {
                continue; // an extension, not a path
            }
            if !path.starts_with('/') {
                self.warn(
                    &paths_loc.join(path),
                    "a path must start with `/`: this one is skipped; add the `/`",
                );
                continue;
            }
            if let Some(segment) = mcpgen_contract::wire::dot_segment(path) {
                // Resolving the URL removes the segment and climbs out of the API's base path
                // (`/v1` + `/a/../../admin` is `/admin`): no tool may send that.
                self.note(
                    Level::Error,
                    &paths_loc.join(path),
                    format!(
                        "the path has a `{segment}` segment, which would send requests outside \
                         the API's base path: its operations are skipped; write the path without \
                         `.` and `..` segments"
                    ),
                );
                continue;
            }
            let place = Place {
                path,
                pointer: loc.join("paths").join(path).pointer,
            };
            self.path_item(&paths_loc.join(path), place, item, doc, &mut operations)?;
        }
        let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
        for op in &operations {
            if let Some(id) = &op.operation_id
                && let Some(first) = ids.insert(id, &op.pointer)
            {
                return Err(Error::Invalid {
                    file: loc.file(),
                    pointer: format!("{}/operationId", op.pointer),
                    message: format!(
                        "duplicate operationId `{id}`, already used at #{first}: operationIds must be unique; rename one"
                    ),
                });
            }
        }
        Ok(operations)
    }

    /// The operations of the path item `item` (at `loc`).
    fn path_item(
        &mut self,
        loc: &Loc,
        place: Place,
        item: &Value,
        doc: &DocumentScope,
        operations: &mut Vec<Operation>,
    ) -> Result<()> {
        let (item_loc, item) = self.deref(loc, item)?;
        let Value::Object(item) = item else {
            return Err(item_loc.invalid("a path item must be an object"));
        };
        self.unknown_fields(&item_loc, &item, PATH_ITEM_FIELDS, true);
        let parameters = self.raw_parameters(&item_loc, &item)?;
        let servers = self.servers(&item_loc, &item)?;
        let scope = PathScope {
            path: place.path,
            pointer: place.pointer,
            parameters: &parameters,
            servers: &servers,
            summary: string(item.get("summary")),
            description: string(item.get("description")),
        };
        for (key, method) in Method::ALL {
            let Some(op) = item.get(key) else { continue };
            let (op_loc, op) = self.deref(&item_loc.join(key), op)?;
            operations.push(self.operation(&op_loc, &op, method, doc, &scope)?);
        }
        Ok(())
    }

    /// A finding for each field of `object` (at `loc`) that is not in `known`, an HTTP method (in
    /// a path item) or an extension: the generator would otherwise ignore it without a word.
    fn unknown_fields(
        &mut self,
        loc: &Loc,
        object: &Map<String, Value>,
        known: &[&str],
        methods: bool,
    ) {
        for key in object.keys() {
            let is_method = methods && Method::ALL.iter().any(|(m, _)| m == key);
            if key.starts_with("x-") || known.contains(&key.as_str()) || is_method {
                continue;
            }
            let hint = if methods
                && Method::ALL
                    .iter()
                    .any(|(m, _)| *m == key.to_ascii_lowercase())
            {
                format!(
                    "; HTTP methods are lowercase: write `{}`",
                    key.to_ascii_lowercase()
                )
            } else {
                String::new()
            };
            self.warn(
                &loc.join(key),
                format!("`{key}` is not an OpenAPI field here, so it is ignored{hint}"),
            );
        }
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
        self.unknown_fields(loc, obj, OPERATION_FIELDS, false);
        let own = self.raw_parameters(loc, obj)?;
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
        self.drop_credential_headers(loc, &mut sorted.parameters, &security, doc.schemes);
        let mut servers = self.servers(loc, obj)?;
        if servers.is_empty() {
            servers = scope.servers.to_vec();
        }
        let (mut summary, mut description) =
            (string(obj.get("summary")), string(obj.get("description")));
        if summary.is_none() && description.is_none() {
            // The path item's words are meant for all its operations.
            (summary, description) = (scope.summary.clone(), scope.description.clone());
        }
        Ok(Operation {
            method,
            path: scope.path.to_string(),
            operation_id: string(obj.get("operationId")),
            summary,
            description,
            tags: strings(obj.get("tags")),
            deprecated: flag(obj.get("deprecated")),
            parameters: sorted.parameters,
            request_body,
            responses,
            security,
            servers,
            pointer: format!("{}/{}", scope.pointer, method.as_str().to_ascii_lowercase()),
            findings: self.findings.split_off(first_finding),
        })
    }

    /// Parameters, Swagger 2.0's body parameter, and its form fields.
    fn sort_parameters<'a>(&mut self, merged: &'a [(Loc, Value)]) -> Result<SortedParameters<'a>> {
        let mut sorted = SortedParameters::default();
        for (ploc, p) in merged {
            match p.get("in").and_then(Value::as_str) {
                Some("body") if self.dialect == Dialect::Swagger2 => {
                    if let Some((first, _)) = sorted.body.replace((ploc, p)) {
                        self.warn(
                            ploc,
                            format!(
                                "a second `in: body` parameter: Swagger 2.0 allows one, and only this \
                                 one is the body (the one at #{} is ignored)",
                                first.pointer
                            ),
                        );
                    }
                }
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
        if let (Some((body_loc, _)), false) = (sorted.body, sorted.form.is_empty()) {
            self.warn(
                body_loc,
                "an operation cannot have both a `body` and `formData` parameters: the body \
                 is sent, the form fields are not inputs",
            );
        }
        Ok(sorted)
    }

    /// Header parameters named like a header the operation's credentials go in (`Authorization`,
    /// `Cookie`, an API key's header) are not inputs: the model could replace the credential, or
    /// send a forged one when the connector has none configured.
    fn drop_credential_headers(
        &mut self,
        loc: &Loc,
        parameters: &mut Vec<Parameter>,
        security: &[SecurityRequirement],
        schemes: &[SecurityScheme],
    ) {
        let mut credential_headers: Vec<(&str, &str)> = Vec::new();
        for (key, _) in security.iter().flatten() {
            let Some(scheme) = schemes.iter().find(|s| &s.key == key) else {
                continue;
            };
            match &scheme.kind {
                SchemeKind::ApiKey {
                    name,
                    location: Location::Header,
                } => credential_headers.push((name, key)),
                SchemeKind::ApiKey {
                    location: Location::Cookie,
                    ..
                } => credential_headers.push(("Cookie", key)),
                SchemeKind::Http { .. }
                | SchemeKind::OAuth2 { .. }
                | SchemeKind::OpenIdConnect { .. } => {
                    credential_headers.push(("Authorization", key))
                }
                _ => {}
            }
        }
        let mut kept = Vec::new();
        for p in std::mem::take(parameters) {
            let scheme = credential_headers.iter().find(|(header, _)| {
                p.location == Location::Header && p.name.eq_ignore_ascii_case(header)
            });
            match scheme {
                Some((_, key)) => self.warn(
                    loc,
                    format!(
                        "header parameter `{}` is not an input: the security scheme `{key}` sends \
                         the credential in it, and the model must not replace it; remove the \
                         parameter from the operation",
                        p.name
                    ),
                ),
                None => kept.push(p),
            }
        }
        *parameters = kept;
    }

    /// Every `{name}` in the path needs a path parameter, and every path parameter is required.
    fn check_path_params(&mut self, loc: &Loc, path: &str, parameters: &mut Vec<Parameter>) {
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                self.note(
                    Level::Error,
                    loc,
                    format!("the path `{path}` has a `{{` without its `}}`: it is sent as written; fix the path"),
                );
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
        let (kept, unused): (Vec<Parameter>, Vec<Parameter>) =
            std::mem::take(parameters).into_iter().partition(|p| {
                p.location != Location::Path || path.contains(&format!("{{{}}}", p.name))
            });
        for p in unused {
            self.warn(
                loc,
                format!(
                    "path parameter `{}` is declared but the path has no `{{{}}}`, so it is not an \
                     input; remove it or fix the path",
                    p.name, p.name
                ),
            );
        }
        *parameters = kept;
        for p in parameters.iter_mut() {
            if p.location == Location::Path {
                p.required = true;
            }
        }
    }

    /// The `parameters` of `parent` (at `loc`) with each entry's `$ref` followed. The list itself
    /// may be a `$ref`, to a list or to a map of parameters by name.
    fn raw_parameters(
        &mut self,
        loc: &Loc,
        parent: &Map<String, Value>,
    ) -> Result<Vec<(Loc, Value)>> {
        let Some(value) = parent.get("parameters") else {
            return Ok(Vec::new());
        };
        let (list_loc, list) = self.deref(&loc.join("parameters"), value)?;
        let items: Vec<(Loc, Value)> = match list {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| (list_loc.join(i), item))
                .collect(),
            Value::Object(map) if !map.contains_key("in") => map
                .into_iter()
                .map(|(name, item)| (list_loc.join(&name), item))
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                return Err(list_loc
                    .invalid("`parameters` must be an array of parameters (or a `$ref` to one)"));
            }
        };
        let mut out = Vec::new();
        for (item_loc, item) in items {
            let (ploc, p) = self.deref(&item_loc, &item)?;
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
        if location == Location::Header && mcpgen_contract::wire::is_transport_header(&name) {
            self.warn(
                loc,
                format!(
                    "header parameter `{name}` is not an input: the HTTP client sets it, as it \
                     frames or routes the request, and a value from the model could hang the \
                     call or send it elsewhere; remove the parameter from the operation"
                ),
            );
            return Ok(None);
        }
        if location == Location::Header
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            // OpenAPI: these header parameters are ignored; media types and security say it.
            let decides = if name.eq_ignore_ascii_case("authorization") {
                "the security schemes decide it: declare one if the API needs credentials"
            } else {
                "the media types decide it"
            };
            self.warn(
                loc,
                format!(
                    "header parameter `{name}` is not an input, as OpenAPI prescribes: {decides}"
                ),
            );
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
            schema: self.with_parameter_examples(loc, encoding.schema, p)?,
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
        let Some((map_loc, map)) = self.object_at(loc, obj, "responses")? else {
            return Ok(Vec::new());
        };
        let produces = Self::media_types(obj, top, "produces");
        let mut out = Vec::new();
        for (status, value) in &map {
            if status.starts_with("x-") {
                continue;
            }
            let (rloc, response) = self.deref(&map_loc.join(status), value)?;
            let contents = if self.dialect == Dialect::Swagger2 {
                self.swagger_response_contents(&rloc, &response, &produces)
            } else {
                self.response_contents(&rloc, &response)
            };
            let contents = match contents {
                Ok(contents) => contents,
                // A response shapes no request: a schema there that cannot be read costs the tool
                // nothing, so it is a finding, not a refusal (broken references still are).
                Err(Error::Invalid {
                    file,
                    pointer,
                    message,
                }) => {
                    self.findings.push(Finding::warning(
                        format!("{file}#{pointer}"),
                        format!(
                            "{message}; the response's content is ignored (it shapes no request)"
                        ),
                    ));
                    Vec::new()
                }
                Err(e) => return Err(e),
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

impl Normalizer<'_> {
    /// A parameter's own `example` / `examples` (each followed through `$ref`) join the schema's
    /// `examples`, where the model sees them: the parameter's first, each value once.
    fn with_parameter_examples(
        &mut self,
        loc: &Loc,
        mut schema: Value,
        p: &Value,
    ) -> Result<Value> {
        let Value::Object(p) = p else {
            return Ok(schema);
        };
        let mut examples: Vec<Value> = Vec::new();
        // `x-example` is Swagger 2.0's customary spelling for non-body parameters.
        if let Some(example) = p.get("example").or_else(|| p.get("x-example")) {
            examples.push(example.clone());
        }
        if let Some((named_loc, named)) = self.object_at(loc, p, "examples")? {
            for (name, example) in &named {
                let (_, example) = self.deref(&named_loc.join(name), example)?;
                // An `externalValue` is a URL to fetch, not a value to show.
                examples.extend(example.get("value").cloned());
            }
        }
        if let Value::Object(map) = &mut schema
            && !examples.is_empty()
        {
            if let Some(Value::Array(own)) = map.remove("examples") {
                examples.extend(own);
            }
            map.insert(
                "examples".into(),
                Value::Array(super::schema::distinct(examples)),
            );
        }
        Ok(schema)
    }
}
