//! Schema conversion to JSON Schema 2020-12: OpenAPI 3.0 / Swagger 2.0 dialects rewritten
//! (`nullable`, boolean exclusive bounds, `example`, `type: file`), OpenAPI-only keywords dropped,
//! and every `$ref` turned into a `#/$defs/<key>` reference to the one copy in `Api::schemas`.

use serde_json::{Map, Value, json};

use super::{Dialect, Normalizer};
use crate::error::Result;
use crate::refs::{Loc, ref_of};

/// Keywords whose value is one schema.
pub(crate) const SCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
];
/// Keywords whose value is an array of schemas.
pub(crate) const SCHEMA_ARRAY_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
pub(crate) const SCHEMA_MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// OpenAPI vocabulary that is not JSON Schema and means nothing to a model.
/// `$schema` and `$id` are dropped too: every emitted schema is 2020-12 and self-contained.
const DROPPED: &[&str] = &["discriminator", "xml", "externalDocs", "$schema", "$id"];

impl Normalizer<'_> {
    /// Converts the schema at `loc`.
    pub(crate) fn schema(&mut self, loc: &Loc, value: &Value) -> Result<Value> {
        let object = match value {
            Value::Object(object) => object,
            Value::Bool(_) => return Ok(value.clone()),
            Value::Null => return Ok(json!({})),
            _ => return Err(loc.invalid("a schema must be an object")),
        };
        let mut out = Map::new();
        if let Some(reference) = ref_of(value) {
            let key = self.schema_ref(loc, reference)?;
            out.insert("$ref".into(), Value::String(format!("#/$defs/{key}")));
        }
        for (key, child) in object {
            let key = key.as_str();
            if key == "$ref"
                || DROPPED.contains(&key)
                || (key.starts_with("x-") && key != "x-nullable")
            {
                continue;
            }
            let converted = if SCHEMA_KEYWORDS.contains(&key) {
                if key == "items" && child.is_array() {
                    // Draft 4 tuple form.
                    out.insert(
                        "prefixItems".into(),
                        self.schema_list(&loc.join(key), child)?,
                    );
                    continue;
                }
                if child.is_boolean() {
                    child.clone()
                } else {
                    self.schema(&loc.join(key), child)?
                }
            } else if SCHEMA_ARRAY_KEYWORDS.contains(&key) {
                self.schema_list(&loc.join(key), child)?
            } else if SCHEMA_MAP_KEYWORDS.contains(&key) {
                // The whole map may be a `$ref` (`properties: {$ref: props.yaml}`).
                let (map_loc, map) = self.deref(&loc.join(key), child)?;
                let Value::Object(map) = map else {
                    return Err(map_loc.invalid(format!(
                        "`{key}` must be an object mapping names to schemas"
                    )));
                };
                let mut converted = Map::new();
                for (name, sub) in &map {
                    converted.insert(name.clone(), self.schema(&map_loc.join(name), sub)?);
                }
                let target = if key == "definitions" { "$defs" } else { key };
                out.insert(target.into(), Value::Object(converted));
                continue;
            } else {
                child.clone()
            };
            out.insert(key.into(), converted);
        }
        rewrite_dialect(&mut out, self.dialect);
        Ok(Value::Object(out))
    }

    /// A list of schemas (`allOf`, `prefixItems`…), which may itself be a `$ref` to a list.
    fn schema_list(&mut self, loc: &Loc, value: &Value) -> Result<Value> {
        let (loc, value) = match value {
            Value::Object(map) if map.len() == 1 && ref_of(value).is_some() => {
                self.deref(loc, value)?
            }
            _ => (loc.clone(), value.clone()),
        };
        let Value::Array(items) = value else {
            return Err(loc.invalid("expected an array of schemas (`[{…}, {…}]`)"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.schema(&loc.join(i), item)?);
        }
        Ok(Value::Array(out))
    }
}

/// Rewrites one schema object (its children already converted) from the document's dialect.
fn rewrite_dialect(out: &mut Map<String, Value>, dialect: Dialect) {
    // Boolean exclusive bounds are draft 4 wherever they appear (3.1 documents may embed such
    // schemas with their own `$schema`); 2020-12 wants the bound itself.
    {
        for (bound, limit) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            match out.get(bound) {
                Some(Value::Bool(true)) => match out.remove(limit) {
                    Some(value) => {
                        out.insert(bound.into(), value);
                    }
                    None => {
                        out.remove(bound);
                    }
                },
                Some(Value::Bool(false)) => {
                    out.remove(bound);
                }
                _ => {}
            }
        }
    }
    if dialect != Dialect::OpenApi31 {
        let nullable = matches!(out.remove("nullable"), Some(Value::Bool(true)))
            | matches!(out.remove("x-nullable"), Some(Value::Bool(true)));
        if nullable {
            make_nullable(out);
        }
    }
    // 3.1 still allows the deprecated `example` beside `examples`: both are kept, each value
    // once. JSON Schema's `examples` is an array; a map of named examples gives its values.
    if out.contains_key("example") || out.contains_key("examples") {
        let mut examples = match out.remove("examples") {
            None => Vec::new(),
            Some(Value::Array(list)) => list,
            Some(Value::Object(named)) => named.into_iter().map(|(_, v)| v).collect(),
            Some(other) => vec![other],
        };
        if let Some(example) = out.remove("example") {
            examples.insert(0, example);
        }
        if !examples.is_empty() {
            out.insert("examples".into(), Value::Array(distinct(examples)));
        }
    }
    if out.get("type").and_then(Value::as_str) == Some("file") {
        out.insert("type".into(), "string".into());
        out.insert("format".into(), "binary".into());
    }
    let binary = matches!(
        out.get("format").and_then(Value::as_str),
        Some("binary" | "byte")
    );
    if binary && !out.contains_key("contentEncoding") {
        out.insert("contentEncoding".into(), "base64".into());
    }
    if matches!(out.get("required"), Some(Value::Array(list)) if list.is_empty()) {
        out.remove("required");
    }
}

/// `values` without repeats, in first-seen order.
pub(super) fn distinct(values: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// OpenAPI 3.0's `nullable: true`: `null` joins the type (and the enum, which would exclude it).
fn make_nullable(out: &mut Map<String, Value>) {
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push("null".into());
            }
        }
        _ => {
            // No type of its own (a `$ref` or a composition): allow null beside it.
            let inner = std::mem::take(out);
            out.insert(
                "anyOf".into(),
                json!([Value::Object(inner), {"type": "null"}]),
            );
            return;
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.iter().any(Value::is_null)
    {
        values.push(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(dialect: Dialect, value: Value) -> Value {
        let Value::Object(mut map) = value else {
            panic!()
        };
        rewrite_dialect(&mut map, dialect);
        Value::Object(map)
    }

    #[test]
    fn openapi_30_nullable_becomes_type_array() {
        let out = convert(
            Dialect::OpenApi30,
            json!({"type": "string", "nullable": true, "enum": ["a", "b"]}),
        );
        assert_eq!(
            out,
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        let out = convert(
            Dialect::OpenApi30,
            json!({"$ref": "#/$defs/Money", "nullable": true}),
        );
        assert_eq!(
            out,
            json!({"anyOf": [{"$ref": "#/$defs/Money"}, {"type": "null"}]})
        );
        // 3.1 has no `nullable`: it stays as written (an unknown keyword).
        let out = convert(
            Dialect::OpenApi31,
            json!({"type": "string", "nullable": true}),
        );
        assert_eq!(out, json!({"type": "string", "nullable": true}));
    }

    #[test]
    fn boolean_exclusive_bounds_become_numbers() {
        let out = convert(
            Dialect::OpenApi30,
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": false}),
        );
        assert_eq!(
            out,
            json!({"type": "number", "exclusiveMinimum": 0, "maximum": 10})
        );
        let out = convert(Dialect::OpenApi31, json!({"exclusiveMinimum": 3}));
        assert_eq!(out, json!({"exclusiveMinimum": 3}));
        let out = convert(
            Dialect::OpenApi31,
            json!({"minimum": 3, "exclusiveMinimum": true}),
        );
        assert_eq!(out, json!({"exclusiveMinimum": 3}));
    }

    #[test]
    fn example_becomes_examples_and_files_become_base64() {
        let out = convert(
            Dialect::OpenApi30,
            json!({"type": "string", "example": "x"}),
        );
        assert_eq!(out, json!({"type": "string", "examples": ["x"]}));
        // Both spellings at once: merged, each value once.
        let out = convert(
            Dialect::OpenApi31,
            json!({"type": "string", "example": "x", "examples": ["x", "y", "y"]}),
        );
        assert_eq!(out, json!({"type": "string", "examples": ["x", "y"]}));
        // A map of named examples (not JSON Schema's array) gives its values.
        let out = convert(Dialect::OpenApi30, json!({"examples": {"a": 1, "b": 2}}));
        assert_eq!(out, json!({"examples": [1, 2]}));
        let out = convert(Dialect::Swagger2, json!({"type": "file"}));
        assert_eq!(
            out,
            json!({"type": "string", "format": "binary", "contentEncoding": "base64"})
        );
        let out = convert(
            Dialect::Swagger2,
            json!({"type": "integer", "x-nullable": true}),
        );
        assert_eq!(out, json!({"type": ["integer", "null"]}));
    }
}
