//! Arguments made from a tool's own input schema, for tests that call every tool.

use serde_json::{Map, Value, json};

/// A valid instance of `schema`, preferring the spec's own examples and defaults.
pub fn sample(schema: &Value) -> Value {
    for key in ["const", "default"] {
        if let Some(v) = schema.get(key) {
            return v.clone();
        }
    }
    if let Some(Value::Array(examples)) = schema.get("examples")
        && let Some(first) = examples.first()
    {
        return first.clone();
    }
    if let Some(Value::Array(values)) = schema.get("enum")
        && let Some(first) = values.iter().find(|v| !v.is_null())
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(options)) = schema.get(key)
            && let Some(first) = options
                .iter()
                .find(|o| o.get("type") != Some(&json!("null")))
        {
            return sample(first);
        }
    }
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(o) = sample(part) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match ty {
        "object" => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            if let (Some(Value::Array(required)), Some(props)) = (schema.get("required"), props) {
                for name in required.iter().filter_map(Value::as_str) {
                    if let Some(p) = props.get(name) {
                        out.insert(name.to_string(), sample(p));
                    }
                }
            }
            let min = schema
                .get("minProperties")
                .and_then(Value::as_u64)
                .unwrap_or(0) as usize;
            for (name, p) in props.into_iter().flatten() {
                if out.len() >= min {
                    break;
                }
                out.entry(name.clone()).or_insert_with(|| sample(p));
            }
            Value::Object(out)
        }
        "array" => {
            let n = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let item = schema.get("items").map(sample).unwrap_or(json!("x"));
            Value::Array((0..n).map(|_| item.clone()).collect())
        }
        "integer" | "number" => {
            let min = schema
                .get("minimum")
                .and_then(Value::as_f64)
                .or_else(|| {
                    schema
                        .get("exclusiveMinimum")
                        .and_then(Value::as_f64)
                        .map(|m| m + 1.0)
                })
                .unwrap_or(1.0);
            let multiple = schema
                .get("multipleOf")
                .and_then(Value::as_f64)
                .unwrap_or(1.0);
            let n = (min / multiple).ceil() * multiple;
            if ty == "integer" {
                json!(n as i64)
            } else {
                json!(n)
            }
        }
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => {
            if schema.get("contentEncoding").is_some() {
                return json!("aGVsbG8=");
            }
            let text = match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => "2026-01-02T03:04:05Z",
                Some("date") => "2026-01-02",
                Some("uuid") => "8a0b6b1e-5d0c-4c1e-9a53-2f1f6b0d8c11",
                Some("email") => "ops@example.com",
                Some("uri" | "url") => "https://example.com/x",
                _ => "sample",
            };
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            json!(format!(
                "{text}{}",
                "x".repeat(min.saturating_sub(text.len()))
            ))
        }
    }
}
