//! Normalisation: a loaded Swagger 2.0, OpenAPI 3.0 or 3.1 document becomes the one [`Api`] IR.
//!
//! Non-schema `$ref`s (path items, parameters, bodies, responses, security schemes) are followed
//! here; schema `$ref`s become `#/$defs/<key>` references ([`schema`]). One submodule per part:
//! [`operations`] (paths, parameters, responses, for every dialect), [`openapi3`] and
//! [`swagger2`] (what only one dialect says: servers, bodies, parameter encodings), [`security`]
//! (schemes and requirements), [`schema`] (schemas to JSON Schema 2020-12).

mod openapi3;
mod operations;
mod schema;
mod security;
mod swagger2;

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, Result};
use crate::findings::{Finding, Level};
use crate::ir::*;
use crate::load::Loader;
use crate::refs::{self, Loc, ref_of};

pub(crate) use schema::{SCHEMA_ARRAY_KEYWORDS, SCHEMA_KEYWORDS, SCHEMA_MAP_KEYWORDS};

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
    /// In the order noticed; each operation takes those noticed while it was read.
    findings: Vec<Finding>,
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
        findings: Vec::new(),
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

/// `value` (written at `at`) with every `$ref` in it made absolute, so it still points where it
/// did once moved into another file's object.
fn absolute_refs(at: &Loc, value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => match at.url.join(r) {
                            Ok(url) => Value::String(url.to_string()),
                            Err(_) => v.clone(),
                        },
                        _ => absolute_refs(at, v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| absolute_refs(at, v)).collect()),
        other => other.clone(),
    }
}

impl Normalizer<'_> {
    fn warn(&mut self, loc: &Loc, message: impl Into<String>) {
        self.note(Level::Warning, loc, message);
    }

    fn note(&mut self, level: Level, loc: &Loc, message: impl Into<String>) {
        let place = format!("{}#{}", loc.file(), loc.pointer);
        self.findings.push(Finding {
            level,
            tool: None,
            place,
            message: message.into(),
        });
    }

    /// Follows `$ref`s from `value` at `loc` to what they end at, wherever the reference stands
    /// (a path item, an operation, a parameter, a whole map or list). Keys written beside a
    /// `$ref` refine what it points to (OpenAPI 3.1 allows `summary` and `description` there;
    /// publishers put more), so they win over the target's, and `$ref`s inside them still
    /// resolve from the file they are written in.
    fn deref(&mut self, loc: &Loc, value: &Value) -> Result<(Loc, Value)> {
        let mut loc = loc.clone();
        let mut value = value.clone();
        let mut chain = vec![loc.clone()];
        let mut siblings = Map::new();
        while let Some(reference) = ref_of(&value).map(str::to_owned) {
            if let Value::Object(map) = &value {
                for (key, sibling) in map.iter().filter(|(k, _)| *k != "$ref") {
                    if !siblings.contains_key(key) {
                        siblings.insert(key.clone(), absolute_refs(&loc, sibling));
                    }
                }
            }
            let (next_loc, next) = refs::resolve(self.loader, &loc, &reference)?;
            if chain.contains(&next_loc) || chain.len() > MAX_REF_CHAIN {
                chain.push(next_loc);
                let places: Vec<String> = chain
                    .iter()
                    .map(|l| format!("{}#{}", l.file(), l.pointer))
                    .collect();
                return Err(loc.invalid(format!(
                    "`$ref` cycle: {}; a chain of references must end at a value",
                    places.join(" → ")
                )));
            }
            chain.push(next_loc.clone());
            (loc, value) = (next_loc, next);
        }
        if let Value::Object(map) = &mut value {
            map.extend(siblings);
        }
        Ok((loc, value))
    }

    /// The object under `key` in `parent` (which is at `loc`), through a `$ref` that stands for
    /// the whole map; `None` when absent or null.
    fn object_at(
        &mut self,
        loc: &Loc,
        parent: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<(Loc, Map<String, Value>)>> {
        let Some(value) = parent.get(key) else {
            return Ok(None);
        };
        match self.deref(&loc.join(key), value)? {
            (_, Value::Null) => Ok(None),
            (at, Value::Object(map)) => Ok(Some((at, map))),
            (at, _) => Err(at.invalid(format!("`{key}` must be an object"))),
        }
    }

    /// The array under `key` in `parent` (which is at `loc`), through a `$ref` that stands for the
    /// whole list; `None` when absent or null.
    fn array_at(
        &mut self,
        loc: &Loc,
        parent: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<(Loc, Vec<Value>)>> {
        let Some(value) = parent.get(key) else {
            return Ok(None);
        };
        match self.deref(&loc.join(key), value)? {
            (_, Value::Null) => Ok(None),
            (at, Value::Array(items)) => Ok(Some((at, items))),
            (at, _) => Err(at.invalid(format!("`{key}` must be an array"))),
        }
    }

    /// The `$defs` key for the schema a `$ref` points to, queued for conversion on first sight.
    pub(crate) fn schema_ref(&mut self, from: &Loc, reference: &str) -> Result<String> {
        let written = refs::target(from, reference)?;
        if let Some(key) = self.schema_keys.get(&written) {
            return Ok(key.clone());
        }
        // Fail here, where the reference is written, if it dangles.
        let (target, _) = refs::resolve(self.loader, from, reference)?;
        if let Some(key) = self.schema_keys.get(&target).cloned() {
            self.schema_keys.insert(written, key.clone());
            return Ok(key);
        }
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
        self.schema_keys.insert(written, key.clone());
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
            self.servers(loc, top)?
        };
        let security_schemes = self.security_schemes(loc, top)?;
        let scheme_keys: Vec<String> = security_schemes.iter().map(|s| s.key.clone()).collect();
        let global_security = match top.get("security") {
            Some(value) => self.security(&loc.join("security"), value, &scheme_keys)?,
            None => Vec::new(),
        };
        let scope = operations::DocumentScope {
            top,
            global_security: &global_security,
            scheme_keys: &scheme_keys,
            schemes: &security_schemes,
        };
        let operations = self.operations(loc, &scope)?;

        while let Some((target, key)) = self.pending.pop() {
            let doc = self.loader.get(&target.url)?;
            let value = doc.pointer(&target.pointer).cloned().unwrap_or(Value::Null);
            let converted = self.schema(&target, &value)?;
            self.schemas.insert(key, converted);
        }

        Ok(Api {
            source: loc.file(),
            spec_version,
            info,
            servers,
            security_schemes,
            operations,
            schemas: std::mem::take(&mut self.schemas),
            findings: std::mem::take(&mut self.findings),
        })
    }

    fn info(&mut self, loc: &Loc, top: &Map<String, Value>) -> Result<Info> {
        let Some((_, info)) = self.object_at(loc, top, "info")? else {
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
}
