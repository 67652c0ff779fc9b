//! What a regeneration changes for the model: tools added, removed and renamed, and for tools
//! that stay, how their inputs, method, path and annotations changed. A change is **breaking**
//! when a call that worked before would now fail.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::plan::{Plan, ToolPlan};

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub added: Vec<ToolRef>,
    pub removed: Vec<ToolRef>,
    pub renamed: Vec<Renamed>,
    pub changed: Vec<ToolChanges>,
    /// How many changes are breaking (removed and renamed tools count).
    pub breaking: usize,
}

#[derive(Debug, Serialize)]
pub struct ToolRef {
    pub name: String,
    pub method: String,
    pub path: String,
}

#[derive(Debug, Serialize)]
pub struct Renamed {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize)]
pub struct ToolChanges {
    /// The tool's name now.
    pub tool: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// The input concerned (`status`, `body.customer.email`, `items[]`); empty for the tool.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub input: String,
    pub detail: String,
    pub breaking: bool,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    MethodChanged,
    PathChanged,
    InputAdded,
    InputRemoved,
    InputNowRequired,
    InputNoLongerRequired,
    TypeNarrowed,
    TypeWidened,
    EnumNarrowed,
    EnumWidened,
    ConstraintNarrowed,
    ConstraintWidened,
    AnnotationsChanged,
    DescriptionChanged,
    ConfirmChanged,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.renamed.is_empty()
            && self.changed.is_empty()
    }
}

fn tool_ref(t: &ToolPlan) -> ToolRef {
    ToolRef {
        name: t.name.clone(),
        method: t.method.as_str().into(),
        path: t.path.clone(),
    }
}

/// Compares the tools of `old` with those of `new`. Tools are matched by operation key
/// (operationId, or method and path), then by method and path.
pub fn diff(old: &Plan, new: &Plan) -> Report {
    let mut report = Report::default();
    let mut matched_new = vec![false; new.tools.len()];
    for o in &old.tools {
        let found =
            new.tools
                .iter()
                .position(|n| n.key == o.key)
                .filter(|&i| !matched_new[i])
                .or_else(|| {
                    new.tools.iter().enumerate().position(|(i, n)| {
                        !matched_new[i] && n.method == o.method && n.path == o.path
                    })
                });
        let Some(i) = found else {
            report.removed.push(tool_ref(o));
            continue;
        };
        matched_new[i] = true;
        let n = &new.tools[i];
        if n.name != o.name {
            report.renamed.push(Renamed {
                from: o.name.clone(),
                to: n.name.clone(),
            });
        }
        let changes = tool_changes(o, n);
        if !changes.is_empty() {
            report.changed.push(ToolChanges {
                tool: n.name.clone(),
                changes,
            });
        }
    }
    for (i, n) in new.tools.iter().enumerate() {
        if !matched_new[i] {
            report.added.push(tool_ref(n));
        }
    }
    report.breaking = report.removed.len()
        + report.renamed.len()
        + report
            .changed
            .iter()
            .flat_map(|c| &c.changes)
            .filter(|c| c.breaking)
            .count();
    report
}

fn tool_changes(o: &ToolPlan, n: &ToolPlan) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut tool_change = |kind, detail: String, breaking| {
        changes.push(Change {
            kind,
            input: String::new(),
            detail,
            breaking,
        })
    };
    if o.method != n.method {
        tool_change(
            ChangeKind::MethodChanged,
            format!("method {} → {}", o.method.as_str(), n.method.as_str()),
            true,
        );
    }
    if o.path != n.path {
        tool_change(
            ChangeKind::PathChanged,
            format!("path {} → {}", o.path, n.path),
            true,
        );
    }
    if o.annotations != n.annotations {
        let mut parts = Vec::new();
        for (what, a, b) in [
            (
                "read_only",
                o.annotations.read_only,
                n.annotations.read_only,
            ),
            (
                "destructive",
                o.annotations.destructive,
                n.annotations.destructive,
            ),
            (
                "idempotent",
                o.annotations.idempotent,
                n.annotations.idempotent,
            ),
            (
                "open_world",
                o.annotations.open_world,
                n.annotations.open_world,
            ),
        ] {
            if a != b {
                parts.push(format!("{what} {a} → {b}"));
            }
        }
        tool_change(
            ChangeKind::AnnotationsChanged,
            format!("annotations: {}", parts.join(", ")),
            false,
        );
    }
    if o.confirm != n.confirm {
        tool_change(
            ChangeKind::ConfirmChanged,
            format!("confirm {} → {}", o.confirm, n.confirm),
            false,
        );
    }
    if o.description != n.description {
        tool_change(
            ChangeKind::DescriptionChanged,
            "the description changed".into(),
            false,
        );
    }
    compare_schema("", &o.input_schema, &n.input_schema, &mut changes);
    changes
}

/// The set of JSON types a schema allows; `None` when it does not say (anything goes).
fn types(schema: &Value) -> Option<BTreeSet<String>> {
    match schema.get("type")? {
        Value::String(t) => Some([t.clone()].into()),
        Value::Array(list) => Some(
            list.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}

fn covers(types: &BTreeSet<String>, t: &str) -> bool {
    types.contains(t) || (t == "integer" && types.contains("number"))
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Every change between the schemas of one input (and, recursively, of its fields and items).
fn compare_schema(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    compare_types(path, old, new, out);
    compare_enums(path, old, new, out);
    compare_bounds(path, old, new, out);
    compare_properties(path, old, new, out);
    if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
        compare_schema(&format!("{path}[]"), o, n, out);
    }
}

/// A type that no longer covers a value it took is narrowed (breaking).
fn compare_types(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let mut push = |kind, detail: String, breaking| {
        out.push(Change {
            kind,
            input: path.to_string(),
            detail,
            breaking,
        })
    };
    match (types(old), types(new)) {
        (Some(o), Some(n)) => {
            let lost: Vec<&String> = o.iter().filter(|t| !covers(&n, t)).collect();
            let gained: Vec<&String> = n.iter().filter(|t| !covers(&o, t)).collect();
            if !lost.is_empty() {
                push(
                    ChangeKind::TypeNarrowed,
                    format!("type {} → {}", join(&o), join(&n)),
                    true,
                );
            } else if !gained.is_empty() {
                push(
                    ChangeKind::TypeWidened,
                    format!("type {} → {}", join(&o), join(&n)),
                    false,
                );
            }
        }
        (None, Some(n)) => push(
            ChangeKind::TypeNarrowed,
            format!("any type → {}", join(&n)),
            true,
        ),
        (Some(o), None) => push(
            ChangeKind::TypeWidened,
            format!("{} → any type", join(&o)),
            false,
        ),
        (None, None) => {}
    }
}

/// A value no longer in the list is breaking; a new one is not.
fn compare_enums(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let mut push = |kind, detail: String, breaking| {
        out.push(Change {
            kind,
            input: path.to_string(),
            detail,
            breaking,
        })
    };
    match (old.get("enum"), new.get("enum")) {
        (Some(Value::Array(o)), Some(Value::Array(n))) => {
            let removed: Vec<String> = o
                .iter()
                .filter(|v| !n.contains(v))
                .map(Value::to_string)
                .collect();
            let added: Vec<String> = n
                .iter()
                .filter(|v| !o.contains(v))
                .map(Value::to_string)
                .collect();
            if !removed.is_empty() {
                push(
                    ChangeKind::EnumNarrowed,
                    format!("no longer accepts {}", removed.join(", ")),
                    true,
                );
            }
            if !added.is_empty() {
                push(
                    ChangeKind::EnumWidened,
                    format!("now also accepts {}", added.join(", ")),
                    false,
                );
            }
        }
        (None, Some(Value::Array(n))) => push(
            ChangeKind::EnumNarrowed,
            format!(
                "now only accepts {}",
                n.iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            true,
        ),
        (Some(_), None) => push(
            ChangeKind::EnumWidened,
            "no longer limited to a list of values".into(),
            false,
        ),
        _ => {}
    }
}

/// Bounds and patterns: tighter is breaking, looser is not.
fn compare_bounds(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let mut push = |kind, detail: String, breaking| {
        out.push(Change {
            kind,
            input: path.to_string(),
            detail,
            breaking,
        })
    };
    // Upper bounds that shrink and lower bounds that grow reject values that were fine.
    for (keyword, upper) in [
        ("maximum", true),
        ("exclusiveMaximum", true),
        ("maxLength", true),
        ("maxItems", true),
        ("maxProperties", true),
        ("minimum", false),
        ("exclusiveMinimum", false),
        ("minLength", false),
        ("minItems", false),
        ("minProperties", false),
    ] {
        let (o, n) = (
            old.get(keyword).and_then(Value::as_f64),
            new.get(keyword).and_then(Value::as_f64),
        );
        let narrowed = match (o, n) {
            (Some(o), Some(n)) if o != n => Some(if upper { n < o } else { n > o }),
            (None, Some(_)) => Some(true),
            (Some(_), None) => Some(false),
            _ => None,
        };
        if let Some(narrowed) = narrowed {
            let show = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or("none".into());
            push(
                if narrowed {
                    ChangeKind::ConstraintNarrowed
                } else {
                    ChangeKind::ConstraintWidened
                },
                format!("{keyword} {} → {}", show(o), show(n)),
                narrowed,
            );
        }
    }
    if old.get("pattern") != new.get("pattern") && new.get("pattern").is_some() {
        push(
            ChangeKind::ConstraintNarrowed,
            format!(
                "pattern {} → {}",
                old.get("pattern")
                    .map(Value::to_string)
                    .unwrap_or("none".into()),
                new["pattern"]
            ),
            true,
        );
    }
}

/// Fields added, removed, newly required or optional; then each field that stays, compared.
fn compare_properties(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let required = |s: &Value| -> BTreeSet<String> {
        s.get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let (Some(Value::Object(op)), Some(Value::Object(np))) =
        (old.get("properties"), new.get("properties"))
    {
        let (or, nr) = (required(old), required(new));
        let closed = new.get("additionalProperties") == Some(&Value::Bool(false));
        for (name, o) in op {
            let at = child(path, name);
            match np.get(name) {
                None => out.push(Change {
                    kind: ChangeKind::InputRemoved,
                    input: at,
                    detail: if closed {
                        "removed: calls that send it are now rejected".into()
                    } else {
                        "removed from the schema".into()
                    },
                    breaking: closed,
                }),
                Some(n) => {
                    if !or.contains(name) && nr.contains(name) {
                        out.push(Change {
                            kind: ChangeKind::InputNowRequired,
                            input: at.clone(),
                            detail: "now required".into(),
                            breaking: true,
                        });
                    } else if or.contains(name) && !nr.contains(name) {
                        out.push(Change {
                            kind: ChangeKind::InputNoLongerRequired,
                            input: at.clone(),
                            detail: "now optional".into(),
                            breaking: false,
                        });
                    }
                    compare_schema(&at, o, n, out);
                }
            }
        }
        for name in np.keys().filter(|k| !op.contains_key(*k)) {
            let needed = nr.contains(name);
            out.push(Change {
                kind: ChangeKind::InputAdded,
                input: child(path, name),
                detail: if needed {
                    "added, required: calls without it now fail".into()
                } else {
                    "added, optional".into()
                },
                breaking: needed,
            });
        }
    }
}

fn join(types: &BTreeSet<String>) -> String {
    types.iter().cloned().collect::<Vec<_>>().join(" | ")
}

/// The report as text for a terminal.
pub fn render_text(report: &Report) -> String {
    let mut text = String::new();
    if report.is_empty() {
        text.push_str("no changes to the tools\n");
        return text;
    }
    let _ = writeln!(
        text,
        "{} added, {} removed, {} renamed, {} changed; {} breaking",
        report.added.len(),
        report.removed.len(),
        report.renamed.len(),
        report.changed.len(),
        report.breaking
    );
    for t in &report.added {
        let _ = writeln!(text, "+ {}  ({} {})", t.name, t.method, t.path);
    }
    for t in &report.removed {
        let _ = writeln!(
            text,
            "- {}  ({} {})  BREAKING: calls to it fail",
            t.name, t.method, t.path
        );
    }
    for r in &report.renamed {
        let _ = writeln!(
            text,
            "~ {} → {}  BREAKING: calls to the old name fail",
            r.from, r.to
        );
    }
    for c in &report.changed {
        let _ = writeln!(text, "~ {}", c.tool);
        for change in &c.changes {
            let mark = if change.breaking { "BREAKING " } else { "" };
            let what = if change.input.is_empty() {
                String::new()
            } else {
                format!("input `{}`: ", change.input)
            };
            let _ = writeln!(text, "    {mark}{what}{}", change.detail);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(old: Value, new: Value) -> Vec<(ChangeKind, String, bool)> {
        let mut out = Vec::new();
        compare_schema("", &old, &new, &mut out);
        out.into_iter()
            .map(|c| (c.kind, c.input, c.breaking))
            .collect()
    }

    #[test]
    fn narrowing_is_breaking_and_widening_is_not() {
        let old = json!({"type": "object", "additionalProperties": false, "required": ["id"], "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "limit": {"type": "integer", "maximum": 100},
            "gone": {"type": "string"}}});
        let new = json!({"type": "object", "additionalProperties": false, "required": ["id", "limit"], "properties": {
            "id": {"type": ["string", "integer"]},
            "status": {"type": "string", "enum": ["open"]},
            "limit": {"type": "integer", "maximum": 50},
            "extra": {"type": "string"}}});
        let found = changes(old, new);
        use ChangeKind::*;
        assert!(
            found.contains(&(TypeWidened, "id".into(), false)),
            "{found:?}"
        );
        assert!(
            found.contains(&(EnumNarrowed, "status".into(), true)),
            "{found:?}"
        );
        assert!(
            found.contains(&(InputNowRequired, "limit".into(), true)),
            "{found:?}"
        );
        assert!(
            found.contains(&(ConstraintNarrowed, "limit".into(), true)),
            "{found:?}"
        );
        assert!(
            found.contains(&(InputRemoved, "gone".into(), true)),
            "{found:?}"
        );
        assert!(
            found.contains(&(InputAdded, "extra".into(), false)),
            "{found:?}"
        );
        assert_eq!(found.len(), 6, "{found:?}");
    }

    #[test]
    fn integer_to_number_widens() {
        let found = changes(json!({"type": "integer"}), json!({"type": "number"}));
        assert_eq!(found, [(ChangeKind::TypeWidened, String::new(), false)]);
        let found = changes(json!({"type": "number"}), json!({"type": "integer"}));
        assert_eq!(found, [(ChangeKind::TypeNarrowed, String::new(), true)]);
    }
}
