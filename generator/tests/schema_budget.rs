//! Schemas a model can read and a runtime can compile: a tool's input schema stays within its
//! schema budget (structures past it become typed placeholders that still accept the object,
//! each a finding that `inspect` shows), the overrides file raises or lowers the budget, and
//! keywords that are not valid JSON Schema are dropped with a finding.

use assert_cmd::Command;
use mcpgen::plan::{Plan, PlanOptions, ToolPlan};
use serde_json::{Value, json};

/// Levels of `Level<n>` below a tree's trunk: deeper than the default budget's six.
const LEVELS: usize = 9;

/// A spec written for this test: a deep tree, a wide form far over 16 KiB of schema, and a body
/// whose keywords are not valid JSON Schema.
fn spec() -> Value {
    let mut schemas = serde_json::Map::new();
    schemas.insert(
        "Tree".into(),
        json!({"type": "object", "description": "A tree.", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "trunk": {"$ref": "#/components/schemas/Level1", "description": "The trunk"}}}),
    );
    for n in 1..=LEVELS {
        let mut properties = json!({"label": {"type": "string"}});
        if n < LEVELS {
            properties["next"] = json!({"$ref": format!("#/components/schemas/Level{}", n + 1),
                                        "description": "The level below"});
        }
        schemas.insert(
            format!("Level{n}"),
            json!({"type": "object", "description": format!("Level {n} of the tree. More words."),
                   "properties": properties}),
        );
    }
    let mut fields = serde_json::Map::new();
    for i in 0..40 {
        fields.insert(
            format!("section{i:02}"),
            json!({"type": "object", "description": format!("Section {i}. {}", "Words. ".repeat(80)),
                   "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}}}),
        );
    }
    schemas.insert(
        "Form".into(),
        json!({"type": "object", "properties": fields}),
    );
    schemas.insert(
        "Check".into(),
        json!({"type": "object", "properties": {
            "form": {"type": "application/json", "description": "A type no JSON Schema has."},
            "uuid": {"type": "string", "pattern": "\\p{XDigit}{8}"},
            "timecode": {"type": "string", "pattern": 0},
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"}}}),
    );
    let post = |id: &str, schema: &str| {
        json!({"post": {"operationId": id, "summary": id, "requestBody": {"required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}},
            "responses": {"201": {"description": "Done"}}}})
    };
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Budget", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/trees": post("plantTree", "Tree"), "/forms": post("submitForm", "Form"),
                  "/checks": post("check", "Check")},
        "components": {"schemas": schemas},
    })
}

struct Files {
    _dir: tempfile::TempDir,
    spec: String,
    overrides: std::path::PathBuf,
}

/// The spec, and `overrides` as the overrides file beside it, in a directory of their own.
fn files(overrides: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("budget.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec()).unwrap()).unwrap();
    let file = dir.path().join("overrides.yaml");
    std::fs::write(&file, overrides).unwrap();
    Files {
        spec: path.to_string_lossy().into_owned(),
        overrides: file,
        _dir: dir,
    }
}

fn planned(overrides: &str) -> Plan {
    let f = files(overrides);
    let options = PlanOptions {
        overrides: Some(mcpgen::overrides::Overrides::read(&f.overrides).unwrap()),
        ..Default::default()
    };
    mcpgen::build(&f.spec, &options).unwrap().plan
}

fn tool<'p>(plan: &'p Plan, name: &str) -> &'p ToolPlan {
    plan.tools.iter().find(|t| t.name == name).unwrap()
}

fn findings(plan: &Plan, tool: &str) -> Vec<String> {
    plan.findings
        .iter()
        .filter(|f| f.tool.as_deref() == Some(tool))
        .map(|f| f.message.clone())
        .collect()
}

/// The trunk's `next` field `n` levels down (0: the trunk).
fn level(schema: &Value, n: usize) -> &Value {
    let mut at = &schema["properties"]["body"]["properties"]["trunk"];
    for _ in 0..n {
        at = &at["properties"]["next"];
    }
    at
}

/// `inspect SPEC --overrides FILE`: the exit code and everything it printed.
fn inspect(overrides: &str) -> (i32, String) {
    let f = files(overrides);
    let out = Command::cargo_bin("mcpgen")
        .unwrap()
        .args(["inspect", &f.spec, "--overrides"])
        .arg(&f.overrides)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
    .replace(&f.overrides.display().to_string(), "overrides.yaml")
    .replace(&f.spec, "budget.json");
    (out.status.code().unwrap(), text)
}

#[test]
fn structures_past_the_default_depth_become_placeholders_that_say_what_they_are() {
    let plan = planned("{}\n");
    let schema = &tool(&plan, "plantTree").input_schema;
    // Six levels below the argument are shown: the trunk (1) and five levels below it.
    assert_eq!(level(schema, 5)["properties"]["label"]["type"], "string");
    let cut = level(schema, 6);
    assert_eq!(cut["type"], "object");
    assert!(cut.get("properties").is_none() && cut.get("$comment").is_none());
    // The field's own description first, then what the placeholder stands for.
    assert_eq!(
        cut["description"],
        "The level below. `Level7`: Level 7 of the tree. An object with 2 fields (label, next), \
         not shown here to keep this tool's schema small: pass it as the API documents it."
    );
    assert_eq!(
        findings(&plan, "plantTree"),
        [
            "input `body.trunk.next.next.next.next.next.next` is shown as a placeholder (an object \
          the model fills as the API documents it), to keep the tool's schema within 16384 \
          bytes and 6 levels; raise `schema_budget` in the overrides file to show its structure"
        ]
    );
    let (code, text) = inspect("{}\n");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "      warning: budget.json#/paths/~1trees/post: input `body.trunk.next.next.next.next.next.next` is shown as a placeholder"
        ),
        "{text}"
    );
}

fn plan_with_depth(depth: usize) -> Plan {
    planned(&format!(
        "tools:\n  plantTree:\n    schema_budget:\n      max_depth: {depth}\n"
    ))
}

#[test]
fn a_schema_over_the_default_size_loses_its_largest_structures_and_says_which() {
    let plan = planned("{}\n");
    let form = tool(&plan, "submitForm");
    let size = form.input_schema.to_string().len();
    assert!(size <= 16 * 1024, "{size} bytes");
    let sections = form.input_schema["properties"]["body"]["properties"]
        .as_object()
        .unwrap();
    assert_eq!(sections.len(), 40, "every field is still an input");
    let collapsed: Vec<&String> = sections
        .iter()
        .filter(|(_, s)| s.get("properties").is_none())
        .map(|(k, _)| k)
        .collect();
    assert!(
        !collapsed.is_empty() && collapsed.len() < 40,
        "{collapsed:?}"
    );
    let said = findings(&plan, "submitForm");
    assert_eq!(said.len(), collapsed.len());
    assert!(said.iter().all(|m| m.contains("is shown as a placeholder")));

    // inspect lists ten under the tool, then says how many more there are.
    let (code, text) = inspect("{}\n");
    assert_eq!(code, 0, "{text}");
    let under_form: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("submitForm"))
        .skip(1)
        .take_while(|l| l.starts_with("      "))
        .collect();
    assert_eq!(under_form.len(), 11, "{text}");
    assert!(
        under_form[0].contains("warning: budget.json#/paths/~1forms/post: input `body.section"),
        "{}",
        under_form[0]
    );
    assert_eq!(
        under_form[10].trim(),
        format!("… and {} more (see --format json)", said.len() - 10)
    );
}

#[test]
fn the_runtime_accepts_an_object_passed_to_a_placeholder() {
    let plan = planned("{}\n");
    let schema = &tool(&plan, "plantTree").input_schema;
    // The runtime checks arguments with this crate and these options (runtime/src/arguments.rs).
    let validator = jsonschema::draft202012::new(schema).unwrap();
    let mut deep = json!({"label": "leaf"});
    for n in (1..=LEVELS).rev() {
        deep = json!({"label": format!("level {n}"), "next": deep});
    }
    let args = json!({"body": {"name": "oak", "trunk": deep}});
    let errors: Vec<String> = validator
        .iter_errors(&args)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The placeholder is typed: what is not an object is still refused where it stands.
    let mut wrong = args.clone();
    wrong["body"]["trunk"]["next"]["next"]["next"]["next"]["next"]["next"] = json!("a string");
    assert!(!validator.is_valid(&wrong));
}

#[test]
fn the_overrides_file_raises_or_lowers_the_budget_per_connector_and_per_tool() {
    // Raised for the tool: the whole tree is shown and nothing is reported.
    let plan = plan_with_depth(12);
    let schema = &tool(&plan, "plantTree").input_schema;
    assert_eq!(
        level(schema, LEVELS - 1)["properties"]["label"]["type"],
        "string"
    );
    assert!(findings(&plan, "plantTree").is_empty());
    // Raised in bytes for the connector: the form fits whole.
    let plan = planned("connector:\n  schema_budget:\n    max_bytes: 65536\n");
    assert!(findings(&plan, "submitForm").is_empty());
    // Lowered for the connector, and the tool's own entry wins over it.
    let plan = planned(
        "connector:\n  schema_budget:\n    max_depth: 2\ntools:\n  submitForm:\n    schema_budget:\n      max_bytes: 65536\n      max_depth: 3\n",
    );
    let tree = &tool(&plan, "plantTree").input_schema;
    assert!(level(tree, 1)["properties"].is_object());
    assert!(level(tree, 2).get("properties").is_none());
    assert_eq!(
        findings(&plan, "plantTree"),
        [
            "input `body.trunk.next.next` is shown as a placeholder (an object the model fills as \
          the API documents it), to keep the tool's schema within 16384 bytes and 2 levels; \
          raise `schema_budget` in the overrides file to show its structure"
        ]
    );
    assert!(findings(&plan, "submitForm").is_empty());
}

#[test]
fn budgets_out_of_range_name_the_file_and_the_line() {
    let (code, text) = inspect("connector:\n  schema_budget:\n    max_bytes: 100\n");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "overrides.yaml:3: `connector.schema_budget.max_bytes`: 100 is out of range; choose 1024 to 1048576"
        ),
        "{text}"
    );
    let (code, text) =
        inspect("tools:\n  check:\n    timeout_secs: 5\n    schema_budget: {max_depth: 40}\n");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "overrides.yaml:4: `tools.check.schema_budget.max_depth`: 40 is out of range; choose 1 to 32"
        ),
        "{text}"
    );
}

#[test]
fn a_field_inside_a_placeholder_cannot_be_customised_and_the_error_says_why() {
    let (code, text) = inspect(
        "tools:\n  plantTree:\n    schema_budget: {max_depth: 2}\n    params:\n      body.trunk.next.next.label: {description: The label}\n",
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "`body.trunk.next.next` is shown as a placeholder to keep the tool's schema within its budget, so `body.trunk.next.next.label` is not an input; raise `tools.plantTree.schema_budget`"
        ),
        "{text}"
    );
}

#[test]
fn keywords_that_are_not_json_schema_are_dropped_with_a_finding() {
    let plan = planned("{}\n");
    let schema = &tool(&plan, "check").input_schema;
    jsonschema::draft202012::meta::validate(schema).unwrap();
    let validator = jsonschema::draft202012::new(schema).unwrap();
    let body = &schema["properties"]["body"]["properties"];
    assert_eq!(
        body["form"],
        json!({"description": "A type no JSON Schema has."})
    );
    assert_eq!(body["uuid"], json!({"type": "string"}));
    assert_eq!(body["timecode"], json!({"type": "string"}));
    assert_eq!(body["code"]["pattern"], "^[A-Z]{3}$");
    assert!(validator.is_valid(&json!({"body": {"uuid": "anything", "timecode": "00:01"}})));
    assert!(!validator.is_valid(&json!({"body": {"code": "abc"}})));
    let said = findings(&plan, "check");
    assert_eq!(said.len(), 3, "{said:?}");
    for (what, why) in [
        ("`properties/form/type` of input `body`", "is not valid"),
        (
            "`properties/uuid/pattern` of input `body`",
            "is not a regular expression",
        ),
        (
            "`properties/timecode/pattern` of input `body`",
            "is not of type",
        ),
    ] {
        assert!(
            said.iter().any(|m| m.starts_with(what)
                && m.contains(why)
                && m.contains("must be valid JSON Schema")),
            "{what}: {said:?}"
        );
    }
}
