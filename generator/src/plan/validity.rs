//! Every input schema is valid JSON Schema 2020-12 that the runtime can compile: the runtime
//! checks each call's arguments against it (with the same `jsonschema` crate), so a schema it
//! cannot compile would fail every call of the tool. A keyword the spec gets wrong
//! (`type: application/json`, `pattern: 0`, a `pattern` that is no ECMA-262 regular expression,
//! as many Java-flavoured patterns are) is dropped with a finding: the API still checks what it
//! meant, and the model loses only a hint.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::inputs::InputSchema;
use crate::findings::Finding;
use crate::normalize::{SCHEMA_ARRAY_KEYWORDS, SCHEMA_KEYWORDS, SCHEMA_MAP_KEYWORDS};

/// How many rounds of repairs one schema gets: each removes every keyword the meta-schema
/// rejects, and a removal rarely uncovers another.
const ROUNDS: usize = 8;

/// Repairs input schemas, remembering which patterns compile (the same ones recur across tools).
#[derive(Default)]
pub struct Repairer {
    patterns: HashMap<String, bool>,
}

impl Repairer {
    /// Makes every argument's schema valid and compilable; a finding at `place` for each
    /// keyword dropped.
    pub fn repair(&mut self, inputs: &mut InputSchema, place: &str) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (arg, schema) in inputs.arguments_mut() {
            let mut dropped = Vec::new();
            self.drop_bad_patterns(schema, &mut Vec::new(), &mut dropped);
            drop_invalid_keywords(schema, &mut dropped);
            findings.extend(dropped.into_iter().map(|(path, why)| {
                let at = if path.is_empty() {
                    format!("`{arg}`")
                } else {
                    format!("`{}` of input `{arg}`", path.join("/"))
                };
                Finding::warning(
                    place,
                    format!("{at} is dropped from the tool's schema, which must be valid JSON Schema: {why}"),
                )
            }));
        }
        findings
    }

    /// Removes each `pattern` (and `patternProperties` entry) whose regular expression the
    /// runtime cannot compile.
    fn drop_bad_patterns(
        &mut self,
        schema: &mut Value,
        path: &mut Vec<String>,
        dropped: &mut Vec<(Vec<String>, String)>,
    ) {
        let Value::Object(map) = schema else { return };
        if let Some(Value::String(p)) = map.get("pattern")
            && !self.compiles(p)
        {
            let p = p.clone();
            map.shift_remove("pattern");
            let mut at = path.clone();
            at.push("pattern".into());
            dropped.push((
                at,
                format!("`{p}` is not a regular expression it can check"),
            ));
        }
        if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
            let bad: Vec<String> = patterns
                .keys()
                .filter(|p| !self.compiles(p))
                .cloned()
                .collect();
            for p in bad {
                patterns.shift_remove(&p);
                let at = [path.clone(), vec!["patternProperties".into(), p.clone()]].concat();
                dropped.push((
                    at,
                    format!("`{p}` is not a regular expression it can check"),
                ));
            }
        }
        for (key, child) in map.iter_mut() {
            path.push(key.clone());
            match child {
                Value::Object(_) if SCHEMA_KEYWORDS.contains(&key.as_str()) => {
                    self.drop_bad_patterns(child, path, dropped);
                }
                Value::Array(items) if SCHEMA_ARRAY_KEYWORDS.contains(&key.as_str()) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        path.push(i.to_string());
                        self.drop_bad_patterns(item, path, dropped);
                        path.pop();
                    }
                }
                Value::Object(sub) if SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                    for (name, item) in sub.iter_mut() {
                        path.push(name.clone());
                        self.drop_bad_patterns(item, path, dropped);
                        path.pop();
                    }
                }
                _ => {}
            }
            path.pop();
        }
    }

    fn compiles(&mut self, pattern: &str) -> bool {
        *self
            .patterns
            .entry(pattern.to_string())
            .or_insert_with(|| jsonschema::draft202012::new(&json!({"pattern": pattern})).is_ok())
    }
}

/// Removes what the 2020-12 meta-schema rejects, by the place each error names.
fn drop_invalid_keywords(schema: &mut Value, dropped: &mut Vec<(Vec<String>, String)>) {
    let meta = jsonschema::draft202012::meta::validator();
    for _ in 0..ROUNDS {
        let mut errors: Vec<(Vec<String>, String)> = meta
            .iter_errors(schema)
            .map(|e| (segments(e.instance_path().as_str()), e.to_string()))
            .collect();
        if errors.is_empty() {
            return;
        }
        // Deepest and last first, so that earlier places stay where they were.
        errors.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| b.0.cmp(&a.0)));
        errors.dedup_by(|a, b| a.0 == b.0);
        for (path, why) in errors {
            remove(schema, &path);
            dropped.push((path, why));
        }
    }
}

/// A JSON pointer's unescaped segments.
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Removes the value at `path` from its parent; the whole schema becomes `{}` (anything).
fn remove(schema: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        *schema = json!({});
        return;
    };
    let mut at = &mut *schema;
    for step in parents {
        let next = match at {
            Value::Object(map) => map.get_mut(step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        let Some(next) = next else { return };
        at = next;
    }
    match at {
        Value::Object(map) => {
            map.shift_remove(last);
        }
        Value::Array(items) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                items.remove(i);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_the_spec_gets_wrong_are_dropped_and_reported() {
        let mut inputs = InputSchema::default();
        inputs.insert(
            "body",
            json!({"type": "object", "properties": {
                "timecode": {"type": "string", "pattern": 0},
                "form": {"type": "application/json", "description": "kept"},
                "uuid": {"type": "string", "pattern": "\\p{XDigit}{8}"},
                "ok": {"type": "string", "pattern": "^[a-z]+$"}},
              "patternProperties": {"[\\w-.]+": {"type": "string"}}}),
            true,
        );
        let findings = Repairer::default().repair(&mut inputs, "spec.json#/paths/~1x/post");
        let body = inputs.get("body").unwrap().clone();
        assert_eq!(body["properties"]["timecode"], json!({"type": "string"}));
        assert_eq!(body["properties"]["form"], json!({"description": "kept"}));
        assert_eq!(body["properties"]["uuid"], json!({"type": "string"}));
        assert_eq!(body["properties"]["ok"]["pattern"], "^[a-z]+$");
        assert_eq!(body["patternProperties"], json!({}));
        assert_eq!(findings.len(), 4, "{findings:?}");
        assert!(findings.iter().any(|f| {
            f.message
                .contains("`properties/uuid/pattern` of input `body`")
        }));
        jsonschema::draft202012::new(&inputs.into_json()).unwrap();
    }
}
