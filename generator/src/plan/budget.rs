//! The schema budget: how much input schema one tool may show the model. Real descriptions give
//! single tools hundreds of kilobytes of schema (deeply nested object definitions expanded in
//! full), and a client sends every tool's schema to the model on every turn. Past the budget,
//! nested structures become typed placeholders with a one-line summary, which still accept the
//! object (see [`crate::inline`], which stays within the same limits while it expands); each one
//! is a finding. The overrides file raises or lowers the budget for the connector and per tool.

use serde_json::{Map, Value};

use super::inputs::InputSchema;
use crate::error::Result;
use crate::findings::Finding;
use crate::inline::{self, COLLAPSED, Limits, Step, json_len};
use crate::overrides::{Overrides, SchemaBudget};

/// 16 KiB of JSON is about 4,000 tokens: a tool that takes more is read by the model on every
/// turn at the cost of its conversation. It holds every tool of GitHub's REST description but
/// a few of its largest, and 99% of the tools of the APIs.guru collection as they are.
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024;
/// Six levels below an argument (`body.order.lines[].product.price.currency`) hold what
/// requests of real APIs nest; below that are mostly whole resources expanded for reference.
pub const DEFAULT_MAX_DEPTH: usize = 6;
/// What the overrides file may choose: at least 1 KiB, at most 1 MiB of schema per tool.
pub const BYTES_RANGE: std::ops::RangeInclusive<usize> = 1024..=1024 * 1024;
pub const DEPTH_RANGE: std::ops::RangeInclusive<usize> = 1..=32;

/// The limits of one tool: its own entry's, else the connector's, else the defaults; each
/// number is checked where it is written.
pub fn limits(
    overrides: Option<&Overrides>,
    connector: Option<&SchemaBudget>,
    tool: Option<(&str, &SchemaBudget)>,
) -> Result<Limits> {
    let mut limits = Limits {
        max_bytes: DEFAULT_MAX_BYTES,
        max_depth: DEFAULT_MAX_DEPTH,
    };
    let entries = [
        connector.map(|b| (vec!["connector".to_string()], b)),
        tool.map(|(key, b)| (vec!["tools".to_string(), key.to_string()], b)),
    ];
    for (at, budget) in entries.into_iter().flatten() {
        let check = |what: &str, value: usize, range: std::ops::RangeInclusive<usize>| {
            if range.contains(&value) {
                return Ok(value);
            }
            let mut path: Vec<&str> = at.iter().map(String::as_str).collect();
            path.extend(["schema_budget", what]);
            let message = format!(
                "`{}`: {value} is out of range; choose {} to {}",
                path.join("."),
                range.start(),
                range.end()
            );
            Err(match overrides {
                Some(o) => o.error(&path, message),
                None => crate::Error::Option(message),
            })
        };
        if let Some(bytes) = budget.max_bytes {
            limits.max_bytes = check("max_bytes", bytes, BYTES_RANGE)?;
        }
        if let Some(depth) = budget.max_depth {
            limits.max_depth = check("max_depth", depth, DEPTH_RANGE)?;
        }
    }
    Ok(limits)
}

/// Fits a tool's whole input schema within `limits` (deepest structures first, the largest of
/// a level before the others) and reports every placeholder in it as a finding at `place`.
pub fn fit(inputs: &mut InputSchema, limits: Limits, place: &str) -> Vec<Finding> {
    for (_, schema) in inputs.arguments_mut() {
        collapse_deeper(schema, 0, limits.max_depth);
    }
    let mut total = inputs.json_len();
    while total > limits.max_bytes {
        let mut nodes = Vec::new();
        for (arg, schema) in inputs.arguments_mut() {
            compound_nodes(schema, arg, 0, &mut Vec::new(), &mut nodes);
        }
        let Some(deepest) = nodes.iter().map(|n| n.depth).max() else {
            break;
        };
        let mut level: Vec<Node> = nodes.into_iter().filter(|n| n.depth == deepest).collect();
        level.sort_by_key(|n| std::cmp::Reverse(n.len));
        let mut progressed = false;
        for node in level {
            if total <= limits.max_bytes {
                break;
            }
            let Some(target) = inputs
                .get_mut(&node.arg)
                .and_then(|schema| inline::node_at(schema, &node.path))
            else {
                continue;
            };
            let collapsed = Value::Object(inline::placeholder(None, target));
            total = (total + json_len(&collapsed)).saturating_sub(node.len);
            *target = collapsed;
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    let mut findings = Vec::new();
    for (arg, schema) in inputs.arguments_mut() {
        report(schema, &mut vec![arg.clone()], limits, place, &mut findings);
    }
    let total = inputs.json_len();
    if total > limits.max_bytes {
        findings.push(Finding::warning(
            place,
            format!(
                "the tool's input schema is {total} bytes, over its budget of {} even with every \
                 nested structure shown as a placeholder (long descriptions or enums); shorten \
                 them in the spec, or hide inputs in the overrides file",
                limits.max_bytes
            ),
        ));
    }
    findings
}

/// How many of `path`'s property names lead from `schema` to a placeholder the budget left
/// (before [`fit`] reports it), when one is on the way: fields inside it cannot be customised.
pub fn placeholder_on(schema: &Value, path: &[String]) -> Option<usize> {
    let mut at = schema;
    for (i, name) in path.iter().enumerate() {
        if is_placeholder(at) {
            return Some(i);
        }
        at = at.get("properties")?.get(name.as_str())?;
    }
    is_placeholder(at).then_some(path.len())
}

/// A structure with schemas inside it, which a placeholder can stand for.
struct Node {
    arg: String,
    path: Vec<Step>,
    depth: usize,
    len: usize,
}

fn is_placeholder(schema: &Value) -> bool {
    schema.get("$comment").and_then(Value::as_str) == Some(COLLAPSED)
}

/// Calls `visit` for each schema directly inside `map` with its step(s) and whether it is one
/// level deeper.
fn children(map: &mut Map<String, Value>, mut visit: impl FnMut(Vec<Step>, bool, &mut Value)) {
    for (key, child) in map.iter_mut() {
        let deeper = inline::deepens(key);
        let step = Step::Key(key.clone());
        match child {
            Value::Object(_) if crate::normalize::SCHEMA_KEYWORDS.contains(&key.as_str()) => {
                visit(vec![step], deeper, child);
            }
            Value::Array(items)
                if crate::normalize::SCHEMA_ARRAY_KEYWORDS.contains(&key.as_str()) =>
            {
                for (i, item) in items.iter_mut().enumerate() {
                    visit(vec![step.clone(), Step::Index(i)], deeper, item);
                }
            }
            Value::Object(sub) if crate::normalize::SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                for (name, item) in sub.iter_mut() {
                    visit(vec![step.clone(), Step::Key(name.clone())], deeper, item);
                }
            }
            _ => {}
        }
    }
}

/// Replaces every structure deeper than `max_depth` by a placeholder.
fn collapse_deeper(schema: &mut Value, depth: usize, max_depth: usize) {
    if is_placeholder(schema) || !inline::is_compound(schema) {
        return;
    }
    if depth > max_depth {
        *schema = Value::Object(inline::placeholder(None, schema));
        return;
    }
    if let Value::Object(map) = schema {
        children(map, |_, deeper, child| {
            collapse_deeper(child, depth + usize::from(deeper), max_depth);
        });
    }
}

/// Every structure in `schema` (argument `arg`, at `path`) that could become a placeholder.
fn compound_nodes(
    schema: &mut Value,
    arg: &str,
    depth: usize,
    path: &mut Vec<Step>,
    out: &mut Vec<Node>,
) {
    if is_placeholder(schema) || !inline::is_compound(schema) {
        return;
    }
    out.push(Node {
        arg: arg.to_string(),
        path: path.clone(),
        depth,
        len: json_len(schema),
    });
    if let Value::Object(map) = schema {
        children(map, |steps, deeper, child| {
            let n = steps.len();
            path.extend(steps);
            compound_nodes(child, arg, depth + usize::from(deeper), path, out);
            path.truncate(path.len() - n);
        });
    }
}

/// A finding for each placeholder in `schema` (named by `at`), whose mark it then removes.
fn report(
    schema: &mut Value,
    at: &mut Vec<String>,
    limits: Limits,
    place: &str,
    findings: &mut Vec<Finding>,
) {
    let Value::Object(map) = schema else {
        return;
    };
    if map.get("$comment").and_then(Value::as_str) == Some(COLLAPSED) {
        map.shift_remove("$comment");
        let kind = match map.get("type") {
            Some(Value::String(t)) if t == "object" => "an object",
            Some(Value::String(t)) if t == "array" => "an array",
            Some(Value::Array(types)) if types.iter().any(|t| t == "object") => "an object",
            Some(Value::Array(types)) if types.iter().any(|t| t == "array") => "an array",
            _ => "a value",
        };
        findings.push(Finding::warning(
            place,
            format!(
                "input `{}` is shown as a placeholder ({kind} the model fills as the API \
                 documents it), to keep the tool's schema within {} bytes and {} levels; raise \
                 `schema_budget` in the overrides file to show its structure",
                at.concat(),
                limits.max_bytes,
                limits.max_depth
            ),
        ));
        return;
    }
    children(map, |steps, _, child| {
        let n = at.len();
        at.push(display(&steps));
        report(child, at, limits, place, findings);
        at.truncate(n);
    });
}

/// How a step into a schema reads in an input's name: `.field`, `[]` for items, `{}` for map
/// values, `(oneOf 2)` for an alternative.
fn display(steps: &[Step]) -> String {
    match steps {
        [Step::Key(k), Step::Key(name)] if k == "properties" => format!(".{name}"),
        [Step::Key(k)] if k == "items" || k == "contains" => "[]".into(),
        [Step::Key(k), Step::Index(i)] if k == "prefixItems" => format!("[{i}]"),
        [Step::Key(k)] if k == "additionalProperties" || k == "unevaluatedProperties" => {
            "{}".into()
        }
        [Step::Key(k), Step::Key(p)] if k == "patternProperties" => format!("{{{p}}}"),
        [Step::Key(k), Step::Index(i)] => format!("({k} {})", i + 1),
        [Step::Key(k), ..] => format!("({k})"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(body: Value) -> InputSchema {
        let mut inputs = InputSchema::default();
        inputs.insert("id", json!({"type": "string"}), true);
        inputs.insert("body", body, true);
        inputs
    }

    fn nested(levels: usize) -> Value {
        let mut schema = json!({"type": "string"});
        for i in (0..levels).rev() {
            schema = json!({"type": "object", "properties": {format!("level{i}"): schema}});
        }
        schema
    }

    #[test]
    fn structures_deeper_than_the_budget_become_placeholders() {
        let mut d = draft(nested(5));
        let limits = Limits {
            max_bytes: 100_000,
            max_depth: 2,
        };
        let findings = fit(&mut d, limits, "a.yaml#/paths/~1x/post");
        let body = d.get("body").unwrap();
        let kept = &body["properties"]["level0"]["properties"]["level1"];
        let cut = &kept["properties"]["level2"];
        assert_eq!(cut["type"], "object");
        assert!(cut.get("properties").is_none() && cut.get("$comment").is_none());
        assert!(
            cut["description"]
                .as_str()
                .unwrap()
                .contains("1 fields (level3)")
        );
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .contains("input `body.level0.level1.level2`"),
            "{}",
            findings[0].message
        );
        jsonschema::draft202012::meta::validate(&d.clone().into_json()).unwrap();
    }

    #[test]
    fn an_oversized_tool_loses_its_deepest_largest_structures_first() {
        let big = "x".repeat(3000);
        let body = json!({"type": "object", "properties": {
            "small": {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}}},
            "large": {"type": "object", "properties": {"deep": {"type": "object", "description": big, "properties": {"c": {"type": "string"}}}}},
        }});
        let mut d = draft(body);
        let findings = fit(
            &mut d,
            Limits {
                max_bytes: 1500,
                max_depth: 10,
            },
            "p",
        );
        assert!(d.json_len() <= 1500, "{}", d.json_len());
        let body = d.get("body").unwrap();
        // The large structure at the deepest level went; the small one at that level stayed.
        assert!(body["properties"]["small"]["properties"]["a"]["properties"]["b"].is_object());
        assert!(
            body["properties"]["large"]["properties"]["deep"]
                .get("properties")
                .is_none()
        );
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("`body.large.deep`"));
        // Even a budget nothing fits leaves a valid schema with the arguments there.
        let mut d = draft(nested(3));
        fit(
            &mut d,
            Limits {
                max_bytes: 10,
                max_depth: 10,
            },
            "p",
        );
        let schema = d.clone().into_json();
        jsonschema::draft202012::meta::validate(&schema).unwrap();
        assert_eq!(schema["properties"]["body"]["type"], "object");
    }
}
