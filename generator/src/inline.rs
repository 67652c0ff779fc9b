//! Inlining `#/$defs/<key>` references into self-contained schemas, because clients and model
//! providers reject `$ref`. Expansion goes breadth first within [`Limits`]: structure near the
//! argument is shown before structure deep inside it, recursion stops after a bounded depth,
//! and a named schema that does not fit shows only its own fields, or stays a typed placeholder
//! with a one-line summary (the model can still pass the object). Expansion may reach twice the
//! byte budget: [`crate::plan::budget`] then trims the deepest structures to fit the tool as a
//! whole, and reports each placeholder left.

use std::collections::{HashMap, VecDeque};

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::normalize::{SCHEMA_ARRAY_KEYWORDS, SCHEMA_KEYWORDS, SCHEMA_MAP_KEYWORDS};

/// How many times one named schema may appear on a path from the root before it is left open.
pub const RECURSION_DEPTH: usize = 2;
/// The `$comment` that marks a placeholder put in by the limits, until the budget step has
/// reported it (and removed the mark).
pub const COLLAPSED: &str = "mcpgen: collapsed by the schema budget";

/// How much structure one schema may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of JSON.
    pub max_bytes: usize,
    /// Levels of nesting below the root (each property, array item or map value is one).
    pub max_depth: usize,
}

impl Limits {
    /// No limit but recursion's: everything a document defines is shown.
    pub const UNLIMITED: Limits = Limits {
        max_bytes: usize::MAX,
        max_depth: usize::MAX,
    };
}

/// The named schemas of an API, each with the size of its own JSON, measured once for all tools.
pub struct Defs<'a> {
    schemas: &'a IndexMap<String, Value>,
    sizes: Vec<usize>,
}

impl<'a> Defs<'a> {
    pub fn new(schemas: &'a IndexMap<String, Value>) -> Defs<'a> {
        Defs {
            schemas,
            sizes: schemas.values().map(json_len).collect(),
        }
    }

    fn get(&self, key: &str) -> Option<(&'a str, &'a Value, usize)> {
        let (i, name, schema) = self.schemas.get_full(key)?;
        Some((name.as_str(), schema, self.sizes[i]))
    }
}

/// What inlining one tool's schemas needs: the API's named schemas, and the tool's limits.
#[derive(Clone, Copy)]
pub struct Inlining<'d, 'a> {
    pub defs: &'d Defs<'a>,
    pub limits: Limits,
}

/// `schema` with every `$ref` replaced by what it points to, as far as the limits allow.
pub fn inline(schema: &Value, inlining: &Inlining) -> Value {
    expand(schema, inlining.defs, inlining.limits)
}

fn expand(schema: &Value, defs: &Defs, limits: Limits) -> Value {
    let mut walker = Walker {
        defs,
        holes: Vec::new(),
    };
    let mut out = walker.walk(schema, 0, &[], &mut Vec::new());
    let mut size = json_len(&out);
    let mut queue: VecDeque<Hole> = walker.holes.drain(..).collect();
    // Exact sizes of expansions that did not fit: the room left only shrinks.
    let mut too_big: HashMap<&str, usize> = HashMap::new();
    while let Some(hole) = queue.pop_front() {
        let Some((name, target, written)) = defs.get(&hole.key) else {
            continue;
        };
        let Some(node) = node_at(&mut out, &hole.path) else {
            continue;
        };
        if hole.ancestors.iter().filter(|a| *a == name).count() >= RECURSION_DEPTH {
            let mut open = recursive(name, target);
            open.extend(hole.siblings);
            let open = Value::Object(open);
            size = size + json_len(&open) - json_len(node);
            *node = open;
            continue;
        }
        if hole.depth > limits.max_depth {
            continue;
        }
        let here = json_len(node);
        // One expansion may take the schema past its budget, up to twice it: the budget step
        // then trims the deepest structures, which keeps more of the shape than refusing the
        // expansion whole would.
        let fits = |len: usize, size: usize, room: usize| (size + len).saturating_sub(here) <= room;
        let room = limits.max_bytes.saturating_mul(2);
        let guess = too_big.get(name).copied().unwrap_or(written);
        if fits(guess, size, room) {
            let mut ancestors = hole.ancestors.clone();
            ancestors.push(name.to_string());
            let mut path = hole.path.clone();
            let expanded = walker.walk(target, hole.depth, &ancestors, &mut path);
            let mut filled = match expanded {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            // Keywords beside a `$ref` refine what it points to.
            filled.extend(hole.siblings.clone());
            let filled = Value::Object(filled);
            let filled_len = json_len(&filled);
            if fits(filled_len, size, room) {
                size = size + filled_len - here;
                *node = filled;
                let depth_of_path = hole.path.len();
                queue.extend(walker.holes.drain(..).filter(|h| {
                    // Structure the siblings replaced is gone.
                    !matches!(h.path.get(depth_of_path), Some(Step::Key(k)) if hole.siblings.contains_key(k))
                }));
                continue;
            }
            too_big.insert(name, filled_len);
            walker.holes.clear();
        }
        // Too large whole: its own fields, when they fit, so the model still sees what the
        // object holds.
        let flat = Value::Object(shallow(name, target, &hole.siblings, defs));
        let flat_len = json_len(&flat);
        if fits(flat_len, size, limits.max_bytes) {
            size = size + flat_len - here;
            *node = flat;
        }
    }
    out
}

/// One step of a path into a schema: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A reference met while walking, waiting for the breadth-first pass to fill it.
struct Hole {
    path: Vec<Step>,
    key: String,
    /// Nesting depth of the referring node.
    depth: usize,
    /// Named schemas expanded on the way here.
    ancestors: Vec<String>,
    /// The referring node's other keywords, walked.
    siblings: Map<String, Value>,
}

struct Walker<'d, 'a> {
    defs: &'d Defs<'a>,
    holes: Vec<Hole>,
}

impl Walker<'_, '_> {
    /// A copy of `value` (at `path`, `depth` levels deep) whose references are placeholders,
    /// each recorded as a hole.
    fn walk(
        &mut self,
        value: &Value,
        depth: usize,
        ancestors: &[String],
        path: &mut Vec<Step>,
    ) -> Value {
        let Value::Object(object) = value else {
            return value.clone();
        };
        let mut out = Map::new();
        for (key, child) in object {
            if key == "$ref" || key == "$defs" {
                continue;
            }
            let below = depth + usize::from(deepens(key));
            path.push(Step::Key(key.clone()));
            let converted = match child {
                _ if SCHEMA_KEYWORDS.contains(&key.as_str()) => {
                    self.walk(child, below, ancestors, path)
                }
                Value::Array(items) if SCHEMA_ARRAY_KEYWORDS.contains(&key.as_str()) => {
                    let mut list = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        path.push(Step::Index(i));
                        list.push(self.walk(item, below, ancestors, path));
                        path.pop();
                    }
                    Value::Array(list)
                }
                Value::Object(map) if SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                    let mut converted = Map::new();
                    for (name, sub) in map {
                        path.push(Step::Key(name.clone()));
                        converted.insert(name.clone(), self.walk(sub, below, ancestors, path));
                        path.pop();
                    }
                    Value::Object(converted)
                }
                _ => child.clone(),
            };
            path.pop();
            out.insert(key.clone(), converted);
        }
        let Some(key) = crate::ir::ref_key(value) else {
            return Value::Object(out);
        };
        let node = match self.defs.get(key) {
            Some((name, target, _)) => refined(placeholder(Some(name), target), &out),
            None => out.clone(),
        };
        self.holes.push(Hole {
            path: path.clone(),
            key: key.to_string(),
            depth,
            ancestors: ancestors.to_vec(),
            siblings: out,
        });
        Value::Object(node)
    }
}

/// Whether a keyword's schemas sit one level deeper than the schema that has it (a property, an
/// item, a map value) rather than beside it (`allOf`, `not`, `if`…).
pub fn deepens(keyword: &str) -> bool {
    matches!(
        keyword,
        "properties"
            | "patternProperties"
            | "additionalProperties"
            | "unevaluatedProperties"
            | "items"
            | "prefixItems"
            | "additionalItems"
            | "unevaluatedItems"
            | "contains"
    )
}

/// The node at `path` in `root`.
pub fn node_at<'v>(root: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut at = root;
    for step in path {
        at = match step {
            Step::Key(k) => at.get_mut(k.as_str())?,
            Step::Index(i) => at.get_mut(*i)?,
        };
    }
    Some(at)
}

/// A placeholder for `schema` (named `name` when it is a named schema): its type, and a one-line
/// summary of what it holds. It accepts any value of that type, so the model can still pass one.
pub fn placeholder(name: Option<&str>, schema: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(t) = type_of(schema) {
        out.insert("type".into(), t);
    }
    out.insert("description".into(), Value::String(summary(name, schema)));
    out.insert("$comment".into(), COLLAPSED.into());
    out
}

/// A placeholder refined by the keywords beside its `$ref`: a description there says what the
/// field is for and goes first, the summary after it; the mark stays, so the placeholder is
/// reported whatever the spec's own `$comment`.
fn refined(mut node: Map<String, Value>, siblings: &Map<String, Value>) -> Map<String, Value> {
    let summary = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    node.extend(siblings.clone());
    if let Some(said) = siblings.get("description").and_then(Value::as_str) {
        let said = said.trim_end();
        let stop = if said.ends_with(['.', '!', '?']) {
            ""
        } else {
            "."
        };
        node.insert(
            "description".into(),
            format!("{said}{stop} {summary}").into(),
        );
    }
    node.insert("$comment".into(), COLLAPSED.into());
    node
}

/// `target` (the named schema `name`) one level deep: its keywords, with every schema inside
/// it that holds structure, or names another, as a placeholder. Refined by `siblings`.
fn shallow(
    name: &str,
    target: &Value,
    siblings: &Map<String, Value>,
    defs: &Defs,
) -> Map<String, Value> {
    let Value::Object(map) = target else {
        return refined(placeholder(Some(name), target), siblings);
    };
    let stub = |schema: &Value| -> Value {
        let named = crate::ir::ref_key(schema).and_then(|key| defs.get(key));
        match (named, schema) {
            (Some((name, target, _)), Value::Object(beside)) => {
                let mut beside = beside.clone();
                beside.remove("$ref");
                Value::Object(refined(placeholder(Some(name), target), &beside))
            }
            _ if is_compound(schema) => Value::Object(placeholder(None, schema)),
            _ => schema.clone(),
        }
    };
    let mut out = Map::new();
    for (key, child) in map {
        let converted = match child {
            _ if key == "$ref" || key == "$defs" => continue,
            _ if SCHEMA_KEYWORDS.contains(&key.as_str()) => stub(child),
            Value::Array(items) if SCHEMA_ARRAY_KEYWORDS.contains(&key.as_str()) => {
                Value::Array(items.iter().map(stub).collect())
            }
            Value::Object(m) if SCHEMA_MAP_KEYWORDS.contains(&key.as_str()) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), stub(v))).collect())
            }
            _ => child.clone(),
        };
        out.insert(key.clone(), converted);
    }
    out.extend(siblings.clone());
    out
}

/// Whether `schema` holds other schemas (and so has structure a placeholder can stand for).
pub fn is_compound(schema: &Value) -> bool {
    let Value::Object(map) = schema else {
        return false;
    };
    map.iter().any(|(k, v)| {
        SCHEMA_KEYWORDS.contains(&k.as_str()) && v.is_object()
            || SCHEMA_ARRAY_KEYWORDS.contains(&k.as_str())
            || SCHEMA_MAP_KEYWORDS.contains(&k.as_str())
    })
}

/// The open end of a recursion: the type, and a description that says what it is.
fn recursive(name: &str, schema: &Value) -> Map<String, Value> {
    let mut open = Map::new();
    if let Some(t) = type_of(schema) {
        open.insert("type".into(), t);
    }
    open.insert(
        "description".into(),
        Value::String(format!(
            "A `{name}` (recursive; its structure is not expanded further here: any value of this type is accepted)."
        )),
    );
    open
}

/// The schema's `type`, or the one its keywords imply.
fn type_of(schema: &Value) -> Option<Value> {
    if let Some(t) = schema.get("type") {
        return Some(t.clone());
    }
    if [
        "properties",
        "additionalProperties",
        "patternProperties",
        "required",
    ]
    .iter()
    .any(|k| schema.get(k).is_some())
    {
        return Some(json!("object"));
    }
    schema.get("items").map(|_| json!("array"))
}

/// `Order: A customer order. An object with 14 fields (id, status, …); not shown …`.
fn summary(name: Option<&str>, schema: &Value) -> String {
    let fields: Vec<&str> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let kind = type_of(schema)
        .and_then(|t| match t {
            Value::String(s) => Some(s),
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .find(|s| *s != "null")
                .map(str::to_owned),
            _ => None,
        })
        .unwrap_or_else(|| "value".into());
    let what = match (kind.as_str(), fields.len()) {
        ("object", 0) => "An object".to_string(),
        ("object", n) => {
            let shown: Vec<&str> = fields.iter().take(8).copied().collect();
            let more = if n > shown.len() { ", …" } else { "" };
            format!("An object with {n} fields ({}{more})", shown.join(", "))
        }
        ("array", _) => "An array".to_string(),
        (other, _) => format!("A {other}"),
    };
    let said = schema
        .get("description")
        .and_then(Value::as_str)
        .map(first_sentence)
        .filter(|s| !s.is_empty());
    let mut text = String::new();
    if let Some(name) = name {
        text.push_str(&format!("`{name}`: "));
    }
    if let Some(said) = said {
        text.push_str(&said);
        text.push(' ');
    }
    text.push_str(&what);
    text.push_str(
        ", not shown here to keep this tool's schema small: pass it as the API documents it.",
    );
    text
}

/// The first sentence of `text`, on one line, at most about 160 characters.
fn first_sentence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = line.find(". ").map_or(line.len(), |i| i + 1);
    let mut sentence: String = line[..end].chars().take(160).collect();
    if sentence.len() < end {
        sentence.push('…');
    }
    if !sentence.ends_with(['.', '!', '?', '…']) {
        sentence.push('.');
    }
    sentence
}

/// The length of `value` written as compact JSON, without writing it (escapes inside strings
/// aside, which are rare in schemas and do not matter to a budget). Counted node by node, so it
/// costs nothing per character.
pub fn json_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => s.len() + 2,
        Value::Array(items) => {
            2 + items.iter().map(json_len).sum::<usize>() + items.len().saturating_sub(1)
        }
        Value::Object(map) => map_len(map),
    }
}

/// [`json_len`] of an object.
pub fn map_len(map: &Map<String, Value>) -> usize {
    2 + map
        .iter()
        .map(|(k, v)| k.len() + 3 + json_len(v))
        .sum::<usize>()
        + map.len().saturating_sub(1)
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

    fn defs(list: &[(&str, Value)]) -> IndexMap<String, Value> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn inlines_references_keeping_sibling_keywords() {
        let schemas = defs(&[(
            "Money",
            json!({"type": "object", "description": "An amount", "properties": {"currency": {"type": "string"}}}),
        )]);
        let out = expand(
            &json!({"$ref": "#/$defs/Money", "description": "The price"}),
            &Defs::new(&schemas),
            Limits::UNLIMITED,
        );
        assert_eq!(
            out,
            json!({"type": "object", "description": "The price", "properties": {"currency": {"type": "string"}}})
        );
    }

    #[test]
    fn recursion_is_expanded_to_a_bounded_depth_and_left_open() {
        let schemas = defs(&[(
            "Category",
            json!({"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Category"}}}}),
        )]);
        let out = expand(
            &json!({"$ref": "#/$defs/Category"}),
            &Defs::new(&schemas),
            Limits::UNLIMITED,
        );
        assert!(!has_ref(&out));
        let level2 = &out["properties"]["children"]["items"];
        assert_eq!(level2["properties"]["name"]["type"], "string");
        let open = &level2["properties"]["children"]["items"];
        assert_eq!(open["type"], "object");
        assert!(open["description"].as_str().unwrap().contains("recursive"));
        assert!(open.get("properties").is_none() && open.get("$comment").is_none());
    }

    /// `Node` has two children of type `Leaf`, each with a `Detail`.
    fn tree() -> IndexMap<String, Value> {
        defs(&[
            (
                "Node",
                json!({"type": "object", "description": "A node. More words.", "properties": {
                    "left": {"$ref": "#/$defs/Leaf"}, "right": {"$ref": "#/$defs/Leaf"}}}),
            ),
            (
                "Leaf",
                json!({"type": "object", "properties": {"detail": {"$ref": "#/$defs/Detail"}, "n": {"type": "integer"}}}),
            ),
            (
                "Detail",
                json!({"type": "object", "properties": {"text": {"type": "string", "description": "x".repeat(400)}}}),
            ),
        ])
    }

    #[test]
    fn depth_and_size_limits_leave_typed_placeholders_shallow_first() {
        let schemas = tree();
        let defs = Defs::new(&schemas);
        let root = json!({"$ref": "#/$defs/Node"});
        let out = expand(
            &root,
            &defs,
            Limits {
                max_bytes: usize::MAX,
                max_depth: 1,
            },
        );
        assert_eq!(
            out["properties"]["left"]["properties"]["n"],
            json!({"type": "integer"})
        );
        let detail = &out["properties"]["left"]["properties"]["detail"];
        assert_eq!(detail["type"], "object");
        assert_eq!(detail["$comment"], COLLAPSED);
        assert_eq!(
            detail["description"],
            "`Detail`: An object with 1 fields (text), not shown here to keep this tool's schema small: pass it as the API documents it."
        );
        // Room (twice the budget) for both leaves but not for a detail's long text: breadth
        // first, so both leaves.
        let full = json_len(&expand(&root, &defs, Limits::UNLIMITED));
        let budget = (full - 500) / 2;
        let out = expand(
            &root,
            &defs,
            Limits {
                max_bytes: budget,
                max_depth: 10,
            },
        );
        assert!(json_len(&out) <= 2 * budget);
        assert!(out["properties"]["left"]["properties"]["n"].is_object());
        assert!(out["properties"]["right"]["properties"]["n"].is_object());
        let collapsed = [&out["properties"]["left"], &out["properties"]["right"]]
            .iter()
            .filter(|leaf| leaf["properties"]["detail"]["$comment"] == COLLAPSED)
            .count();
        assert!(collapsed >= 1);
        // Nothing fits: the root itself stays a placeholder, valid and typed.
        let out = expand(
            &root,
            &defs,
            Limits {
                max_bytes: 10,
                max_depth: 10,
            },
        );
        assert_eq!(out["type"], "object");
        assert!(
            out["description"]
                .as_str()
                .unwrap()
                .starts_with("`Node`: A node. An object with 2 fields (left, right)")
        );
    }
}
