//! Normalisation: a loaded Swagger 2.0, OpenAPI 3.0 or 3.1 document becomes the one [`Api`] IR.
//!
//! Non-schema `$ref`s (path items, parameters, bodies, responses, security schemes) are followed
//! here; schema `$ref`s become `#/$defs/<key>` references (see `schema.rs`).

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use url::Url;

use crate::error::{Error, Result};
use crate::ir::*;
use crate::load::Loader;
use crate::refs::{self, Loc, ref_of};

/// Which schema dialect the document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

/// How many `$ref`s may be followed in a row before we call it a loop.
const MAX_REF_CHAIN: usize = 32;

pub struct Normalizer<'a> {
    loader: &'a mut Loader,
    root: Url,
    pub(crate) dialect: Dialect,
    schemas: IndexMap<String, Value>,
    schema_keys: HashMap<Loc, String>,
    pending: Vec<(Loc, String)>,
    warnings: Vec<String>,
}

/// Reads the document at `root` (already loaded by `loader`) into the IR.
pub fn normalize(loader: &mut Loader, root: &Url) -> Result<Api> {
    let doc = loader.get(root)?;
    let loc = Loc::root(root);
    let Value::Object(top) = &*doc else {
        return Err(Error::NotOpenApi {
            file: loc.file(),
            message: "the document is not a YAML/JSON object".into(),
        });
    };
    let (dialect, spec_version) = detect(&loc, top)?;
    let mut n = Normalizer {
        loader,
        root: root.clone(),
        dialect,
        schemas: IndexMap::new(),
        schema_keys: HashMap::new(),
        pending: Vec::new(),
        warnings: Vec::new(),
    };
    n.document(&loc, top, spec_version)
}

fn detect(loc: &Loc, top: &Map<String, Value>) -> Result<(Dialect, String)> {
    let version_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(v) = top.get("openapi") {
        let version = version_text(v);
        let dialect = if version.starts_with("3.0") {
            Dialect::OpenApi30
        } else if version.starts_with("3.1") {
            Dialect::OpenApi31
        } else {
            return Err(Error::UnsupportedVersion {
                file: loc.file(),
                version,
            });
        };
        return Ok((dialect, version));
    }
    if let Some(v) = top.get("swagger") {
        let version = version_text(v);
        if version == "2.0" || version == "2" {
            return Ok((Dialect::Swagger2, "2.0".into()));
        }
        return Err(Error::UnsupportedVersion {
            file: loc.file(),
            version,
        });
    }
    let message = if top.contains_key("asyncapi") {
        "this is an AsyncAPI document; mcpgen reads OpenAPI 3.x and Swagger 2.0".to_string()
    } else {
        "it has no top-level `openapi` or `swagger` field (expected e.g. `openapi: 3.1.0`)".into()
    };
    Err(Error::NotOpenApi {
        file: loc.file(),
        message,
    })
}

fn string(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn flag(value: Option<&Value>) -> bool {
    value.and_then(Value::as_bool).unwrap_or(false)
}

/// Whether a media type is JSON (`application/json`, `+json`, or anything).
pub fn media_is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

impl Normalizer<'_> {
    fn warn(&mut self, loc: &Loc, message: impl std::fmt::Display) {
        self.warnings
            .push(format!("{}#{}: {message}", loc.file(), loc.pointer));
    }

    /// Follows `$ref`s from `value` at `loc` to the object they end at.
    fn deref(&mut self, loc: &Loc, value: &Value) -> Result<(Loc, Value)> {
        let mut loc = loc.clone();
        let mut value = value.clone();
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = ref_of(&value).map(str::to_owned) else {
                return Ok((loc, value));
            };
            let target = refs::target(&loc, &reference)?;
            value = refs::fetch(self.loader, &loc, &reference, &target)?;
            loc = target;
        }
        Err(loc.invalid("`$ref` chain is circular or longer than 32 steps"))
    }

    /// The `$defs` key for the schema a `$ref` points to, queued for conversion on first sight.
    pub(crate) fn schema_ref(&mut self, from: &Loc, reference: &str) -> Result<String> {
        let target = refs::target(from, reference)?;
        if let Some(key) = self.schema_keys.get(&target) {
            return Ok(key.clone());
        }
        // Fail here, where the reference is written, if it dangles.
        refs::fetch(self.loader, from, reference, &target)?;
        let last = target
            .pointer
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_else(|| {
                let path = target.url.path();
                let file = path.rsplit('/').next().unwrap_or("schema");
                file.split('.').next().unwrap_or("schema").to_string()
            });
        let base: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut key = base.clone();
        let mut n = 2;
        while self.schemas.contains_key(&key) {
            key = format!("{base}_{n}");
            n += 1;
        }
        self.schemas.insert(key.clone(), Value::Null);
        self.schema_keys.insert(target.clone(), key.clone());
        self.pending.push((target, key.clone()));
        Ok(key)
    }

    fn document(
        &mut self,
        loc: &Loc,
        top: &Map<String, Value>,
        spec_version: String,
    ) -> Result<Api> {
        let info = self.info(loc, top)?;
        let servers = if self.dialect == Dialect::Swagger2 {
            self.swagger_servers(top)
        } else {
            self.servers(&loc.join("servers"), top.get("servers"))?
        };
        let security_schemes = self.security_schemes(loc, top)?;
        let scheme_keys: Vec<String> = security_schemes.iter().map(|s| s.key.clone()).collect();
        let global_security = match top.get("security") {
            Some(value) => self.security(&loc.join("security"), value, &scheme_keys)?,
            None => Vec::new(),
        };
        let operations = self.operations(loc, top, &global_security, &scheme_keys)?;

        while let Some((target, key)) = self.pending.pop() {
            let doc = self.loader.get(&target.url)?;
            let value = doc.pointer(&target.pointer).cloned().unwrap_or(Value::Null);
            let converted = self.schema(&target, &value)?;
            self.schemas.insert(key, converted);
        }

        Ok(Api {
            spec_version,
            info,
            servers,
            security_schemes,
            operations,
            schemas: std::mem::take(&mut self.schemas),
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn info(&mut self, loc: &Loc, top: &Map<String, Value>) -> Result<Info> {
        let Some(Value::Object(info)) = top.get("info") else {
            return Err(loc.invalid("missing `info` object (with `title` and `version`)"));
        };
        let title = string(info.get("title")).unwrap_or_else(|| {
            self.warn(&loc.join("info"), "no `title`; using `API`");
            "API".into()
        });
        let version = match info.get("version") {
            Some(Value::String(s)) => s.clone(),
            Some(other @ Value::Number(_)) => other.to_string(),
            _ => "0.0.0".into(),
        };
        Ok(Info {
            title,
            version,
            summary: string(info.get("summary")),
            description: string(info.get("description")),
        })
    }

    fn servers(&mut self, loc: &Loc, value: Option<&Value>) -> Result<Vec<Server>> {
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
            servers.push(Server {
                url: self.absolute_server_url(&url),
                description: string(item.get("description")),
                variables,
            });
        }
        Ok(servers)
    }

    /// A relative server URL is relative to where the document was fetched from, when that is a web address.
    fn absolute_server_url(&self, url: &str) -> String {
        if url.contains("://") || !matches!(self.root.scheme(), "http" | "https") {
            return url.to_string();
        }
        self.root
            .join(url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| url.to_string())
    }

    fn swagger_servers(&mut self, top: &Map<String, Value>) -> Vec<Server> {
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
            return vec![Server {
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
            .map(|scheme| Server {
                url: format!("{scheme}://{host}{base_path}"),
                description: None,
                variables: Vec::new(),
            })
            .collect()
    }

    fn security_schemes(
        &mut self,
        loc: &Loc,
        top: &Map<String, Value>,
    ) -> Result<Vec<SecurityScheme>> {
        let (loc, map) = if self.dialect == Dialect::Swagger2 {
            (
                loc.join("securityDefinitions"),
                top.get("securityDefinitions"),
            )
        } else {
            (
                loc.join("components").join("securitySchemes"),
                top.get("components").and_then(|c| c.get("securitySchemes")),
            )
        };
        let Some(Value::Object(map)) = map else {
            return Ok(Vec::new());
        };
        let mut schemes = Vec::new();
        for (key, value) in map {
            let (loc, value) = self.deref(&loc.join(key), value)?;
            let kind = self.scheme_kind(&loc, &value)?;
            schemes.push(SecurityScheme {
                key: key.clone(),
                description: string(value.get("description")),
                kind,
            });
        }
        Ok(schemes)
    }

    fn scheme_kind(&mut self, loc: &Loc, value: &Value) -> Result<SchemeKind> {
        let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match kind {
            "apiKey" => {
                let name = string(value.get("name"))
                    .ok_or_else(|| loc.invalid("an apiKey scheme needs a `name`"))?;
                let location = match value.get("in").and_then(Value::as_str) {
                    Some("header") => Location::Header,
                    Some("query") => Location::Query,
                    Some("cookie") => Location::Cookie,
                    _ => {
                        return Err(
                            loc.invalid("an apiKey scheme needs `in`: header, query or cookie")
                        );
                    }
                };
                SchemeKind::ApiKey { name, location }
            }
            "basic" => SchemeKind::Http {
                scheme: "basic".into(),
                bearer_format: None,
            },
            "http" => SchemeKind::Http {
                scheme: string(value.get("scheme")).ok_or_else(|| {
                    loc.invalid("an http scheme needs a `scheme` (basic, bearer…)")
                })?,
                bearer_format: string(value.get("bearerFormat")),
            },
            "oauth2" => SchemeKind::OAuth2 {
                flows: self.oauth_flows(loc, value)?,
            },
            "openIdConnect" => SchemeKind::OpenIdConnect {
                url: string(value.get("openIdConnectUrl")).unwrap_or_default(),
            },
            "mutualTLS" => SchemeKind::MutualTls,
            other => {
                return Err(loc.invalid(format!(
                    "unknown security scheme type `{other}` (expected apiKey, http, oauth2, openIdConnect or mutualTLS)"
                )));
            }
        })
    }

    fn oauth_flows(&mut self, loc: &Loc, value: &Value) -> Result<Vec<OAuthFlow>> {
        let scopes = |v: &Value| -> Vec<(String, String)> {
            v.get("scopes")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        if self.dialect == Dialect::Swagger2 {
            let kind = match value.get("flow").and_then(Value::as_str) {
                Some("application") => OAuthFlowKind::ClientCredentials,
                Some("accessCode") => OAuthFlowKind::AuthorizationCode,
                Some("implicit") => OAuthFlowKind::Implicit,
                Some("password") => OAuthFlowKind::Password,
                _ => {
                    return Err(loc.invalid(
                        "an oauth2 definition needs `flow`: application, accessCode, implicit or password",
                    ));
                }
            };
            return Ok(vec![OAuthFlow {
                kind,
                token_url: string(value.get("tokenUrl")),
                authorization_url: string(value.get("authorizationUrl")),
                refresh_url: None,
                scopes: scopes(value),
            }]);
        }
        let mut flows = Vec::new();
        if let Some(Value::Object(map)) = value.get("flows") {
            for (name, flow) in map {
                let kind = match name.as_str() {
                    "clientCredentials" => OAuthFlowKind::ClientCredentials,
                    "authorizationCode" => OAuthFlowKind::AuthorizationCode,
                    "implicit" => OAuthFlowKind::Implicit,
                    "password" => OAuthFlowKind::Password,
                    other => {
                        self.warn(
                            &loc.join("flows"),
                            format!("unknown OAuth flow `{other}` ignored"),
                        );
                        continue;
                    }
                };
                flows.push(OAuthFlow {
                    kind,
                    token_url: string(flow.get("tokenUrl")),
                    authorization_url: string(flow.get("authorizationUrl")),
                    refresh_url: string(flow.get("refreshUrl")),
                    scopes: scopes(flow),
                });
            }
        }
        Ok(flows)
    }

    fn security(
        &mut self,
        loc: &Loc,
        value: &Value,
        scheme_keys: &[String],
    ) -> Result<Vec<SecurityRequirement>> {
        let Value::Array(alternatives) = value else {
            return Err(loc.invalid("`security` must be an array of requirement objects"));
        };
        let mut out = Vec::new();
        'alternatives: for (i, alternative) in alternatives.iter().enumerate() {
            let Value::Object(map) = alternative else {
                return Err(loc
                    .join(i)
                    .invalid("a security requirement must be an object"));
            };
            let mut requirement = Vec::new();
            for (name, scopes) in map {
                if !scheme_keys.contains(name) {
                    let hint = refs::closest(name, scheme_keys.iter().map(String::as_str))
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    self.warn(
                        &loc.join(i),
                        format!("security scheme `{name}` is not defined{hint}; this alternative is ignored"),
                    );
                    continue 'alternatives;
                }
                requirement.push((name.clone(), strings(Some(scopes))));
            }
            out.push(requirement);
        }
        Ok(out)
    }

    fn operations(
        &mut self,
        loc: &Loc,
        top: &Map<String, Value>,
        global_security: &[SecurityRequirement],
        scheme_keys: &[String],
    ) -> Result<Vec<Operation>> {
        let paths_loc = loc.join("paths");
        let paths = match top.get("paths") {
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
            let shared =
                self.raw_parameters(&item_loc.join("parameters"), item.get("parameters"))?;
            let path_servers = self.servers(&item_loc.join("servers"), item.get("servers"))?;
            for (key, method) in Method::ALL {
                let Some(op) = item.get(key) else { continue };
                let op_loc = item_loc.join(key);
                let operation = self.operation(
                    &op_loc,
                    op,
                    method,
                    path,
                    top,
                    &shared,
                    &path_servers,
                    global_security,
                    scheme_keys,
                )?;
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

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        loc: &Loc,
        op: &Value,
        method: Method,
        path: &str,
        top: &Map<String, Value>,
        shared: &[(Loc, Value)],
        path_servers: &[Server],
        global_security: &[SecurityRequirement],
        scheme_keys: &[String],
    ) -> Result<Operation> {
        let Value::Object(obj) = op else {
            return Err(loc.invalid("an operation must be an object"));
        };
        // Operation-level parameters win over path-level ones with the same name and location.
        let own = self.raw_parameters(&loc.join("parameters"), obj.get("parameters"))?;
        let mut merged: Vec<(Loc, Value)> = Vec::new();
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
        for (ploc, p) in shared {
            if !own.iter().any(|(_, o)| key_of(o) == key_of(p)) {
                merged.push((ploc.clone(), p.clone()));
            }
        }
        merged.extend(own);

        let mut parameters = Vec::new();
        let mut body_param = None;
        let mut form_params = Vec::new();
        for (ploc, p) in &merged {
            match p.get("in").and_then(Value::as_str) {
                Some("body") if self.dialect == Dialect::Swagger2 => body_param = Some((ploc, p)),
                Some("formData") if self.dialect == Dialect::Swagger2 => {
                    form_params.push((ploc, p))
                }
                _ => {
                    if let Some(parameter) = self.parameter(ploc, p)? {
                        parameters.push(parameter);
                    }
                }
            }
        }
        self.check_path_params(loc, path, &mut parameters);

        let request_body = if self.dialect == Dialect::Swagger2 {
            self.swagger_body(loc, obj, top, body_param, &form_params)?
        } else {
            match obj.get("requestBody") {
                Some(body) => Some(self.request_body(&loc.join("requestBody"), body)?),
                None => None,
            }
        };
        let responses = self.responses(loc, obj, top)?;
        let security = match obj.get("security") {
            Some(value) => self.security(&loc.join("security"), value, scheme_keys)?,
            None => global_security.to_vec(),
        };
        let mut servers = self.servers(&loc.join("servers"), obj.get("servers"))?;
        if servers.is_empty() {
            servers = path_servers.to_vec();
        }
        Ok(Operation {
            method,
            path: path.to_string(),
            operation_id: string(obj.get("operationId")),
            summary: string(obj.get("summary")),
            description: string(obj.get("description")),
            tags: strings(obj.get("tags")),
            deprecated: flag(obj.get("deprecated")),
            parameters,
            request_body,
            responses,
            security,
            servers,
            pointer: loc.pointer.clone(),
        })
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
                self.warn(
                    loc,
                    format!("path parameter `{name}` is not declared; added as a required string"),
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
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            Some("cookie") => Location::Cookie,
            Some(other) => {
                return Err(loc.join("in").invalid(format!(
                    "unknown parameter location `{other}` (expected path, query, header or cookie)"
                )));
            }
            None => unreachable!("checked by raw_parameters"),
        };
        if location == Location::Header
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            // OpenAPI: these header parameters are ignored; media types and security say it.
            return Ok(None);
        }
        let mut media_type = None;
        let (schema, style, explode) = if self.dialect == Dialect::Swagger2 {
            let schema = self.swagger_param_schema(loc, p)?;
            let (style, explode) = self.collection_format(loc, p, location);
            (schema, style, explode)
        } else {
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
                Some(s) => parse_style(s).ok_or_else(|| {
                    loc.join("style")
                        .invalid(format!("unknown parameter style `{s}`"))
                })?,
            };
            let explode = p
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(style == Style::Form);
            (schema, style, explode)
        };
        let schema = with_parameter_examples(schema, p);
        Ok(Some(Parameter {
            name,
            location,
            description: string(p.get("description")),
            required: flag(p.get("required")),
            deprecated: flag(p.get("deprecated")),
            schema,
            style,
            explode,
            allow_reserved: flag(p.get("allowReserved")),
            media_type,
        }))
    }

    /// Swagger 2.0 puts a parameter's schema keywords on the parameter itself.
    fn swagger_param_schema(&mut self, loc: &Loc, p: &Value) -> Result<Value> {
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

    fn collection_format(&mut self, loc: &Loc, p: &Value, location: Location) -> (Style, bool) {
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

    fn request_body(&mut self, loc: &Loc, value: &Value) -> Result<RequestBody> {
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
                        .and_then(parse_style),
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

    fn media_types(obj: &Map<String, Value>, top: &Map<String, Value>, key: &str) -> Vec<String> {
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

    fn swagger_body(
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
        let mut types: Vec<String> = consumes
            .into_iter()
            .filter(|mt| {
                mt.starts_with("multipart/form-data")
                    || mt.starts_with("application/x-www-form-urlencoded")
            })
            .collect();
        if types.is_empty() {
            types.push(if has_file {
                "multipart/form-data".into()
            } else {
                "application/x-www-form-urlencoded".into()
            });
        }
        if has_file {
            types.retain(|t| t.starts_with("multipart/"));
            if types.is_empty() {
                self.warn(loc, "file parameters need multipart/form-data; using it");
                types.push("multipart/form-data".into());
            }
        }
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
            let mut contents = Vec::new();
            if self.dialect == Dialect::Swagger2 {
                if let Some(schema) = response.get("schema") {
                    let schema = self.schema(&rloc.join("schema"), schema)?;
                    for mt in &produces {
                        contents.push(Content {
                            media_type: mt.clone(),
                            schema: schema.clone(),
                            encoding: Vec::new(),
                        });
                    }
                }
            } else if let Some(Value::Object(content)) = response.get("content") {
                for (mt, media) in content {
                    contents.push(self.content(&rloc.join("content").join(mt), mt, media)?);
                }
            }
            out.push(Response {
                status: status.clone(),
                description: string(response.get("description")),
                contents,
            });
        }
        Ok(out)
    }
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

fn parse_style(s: &str) -> Option<Style> {
    Some(match s {
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
