//! Inlining `#/$defs/<key>` references into self-contained schemas, because clients and model
//! providers reject `$ref`. Recursion is expanded to a bounded depth and then left open, and a
//! size budget stops schemas that would explode through shared references.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::normalize::{SCHEMA_ARRAY_KEYWORDS, SCHEMA_KEYWORDS, SCHEMA_MAP_KEYWORDS};

/// How many times one named schema may appear on a path from the root before it is left open.
pub const RECURSION_DEPTH: usize = 2;
/// How many named-schema expansions one inlined schema may contain.
pub const EXPANSION_BUDGET: usize = 2_000;

pub struct Inliner<'a> {
    defs: &'a IndexMap<String, Value>,
    stack: Vec<&'a str>,
    expansions: usize,
}

/// `schema` with every `$ref` replaced by what it points to.
pub fn inline(schema: &Value, defs: &IndexMap<String, Value>) -> Value {
    Inliner {
        defs,
        stack: Vec::new(),
        expansions: 0,
    }
    .walk(schema)
}

impl<'a> Inliner<'a> {
    fn walk(&mut self, value: &Value) -> Value {
        let Value::Object(object) = value else {
            return value.clone();
        };
        let mut out = Map::new();
        if let Some(key) = object
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            out = self.expand(key);
        }
        for (key, child) in object {
            let key = key.as_str();
            if key == "$ref" || key == "$defs" {
                continue;
            }
            let converted = if SCHEMA_KEYWORDS.contains(&key) {
                self.walk(child)
            } else if SCHEMA_ARRAY_KEYWORDS.contains(&key) {
                match child {
                    Value::Array(items) => {
                        Value::Array(items.iter().map(|i| self.walk(i)).collect())
                    }
                    other => other.clone(),
                }
            } else if SCHEMA_MAP_KEYWORDS.contains(&key) {
                match child {
                    Value::Object(map) => {
                        Value::Object(map.iter().map(|(k, v)| (k.clone(), self.walk(v))).collect())
                    }
                    other => other.clone(),
                }
            } else {
                child.clone()
            };
            // Keywords beside a `$ref` refine what it points to.
            out.insert(key.to_string(), converted);
        }
        Value::Object(out)
    }

    fn expand(&mut self, key: &str) -> Map<String, Value> {
        let Some((name, target)) = self.defs.get_key_value(key) else {
            return Map::new();
        };
        let depth = self.stack.iter().filter(|k| **k == name.as_str()).count();
        let open_reason = if depth >= RECURSION_DEPTH {
            Some("recursive")
        } else if self.expansions >= EXPANSION_BUDGET {
            Some("too large to expand")
        } else {
            None
        };
        if let Some(reason) = open_reason {
            let mut open = Map::new();
            if let Some(t) = target.get("type") {
                open.insert("type".into(), t.clone());
            }
            open.insert(
                "description".into(),
                Value::String(format!(
                    "A `{name}` ({reason}; its structure is not expanded further here: any value of this type is accepted)."
                )),
            );
            return open;
        }
        self.expansions += 1;
        self.stack.push(name.as_str());
        let expanded = self.walk(target);
        self.stack.pop();
        match expanded {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

/// Whether any object in `value` still has a `$ref` key.
pub fn has_ref(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(has_ref),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inlines_references_keeping_sibling_keywords() {
        let mut defs = IndexMap::new();
        defs.insert("Money".to_string(), json!({"type": "object", "description": "An amount", "properties": {"currency": {"type": "string"}}}));
        let out = inline(
            &json!({"$ref": "#/$defs/Money", "description": "The price"}),
            &defs,
        );
        assert_eq!(
            out,
            json!({"type": "object", "description": "The price", "properties": {"currency": {"type": "string"}}})
        );
    }

    #[test]
    fn recursion_is_expanded_to_a_bounded_depth_and_left_open() {
        let mut defs = IndexMap::new();
        defs.insert(
            "Category".to_string(),
            json!({"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Category"}}}}),
        );
        let out = inline(&json!({"$ref": "#/$defs/Category"}), &defs);
        assert!(!has_ref(&out));
        let level2 = &out["properties"]["children"]["items"];
        assert_eq!(level2["properties"]["name"]["type"], "string");
        let open = &level2["properties"]["children"]["items"];
        assert_eq!(open["type"], "object");
        assert!(open["description"].as_str().unwrap().contains("recursive"));
        assert!(open.get("properties").is_none());
    }
}
