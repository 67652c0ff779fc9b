//! The overrides file and regeneration through the `mcpgen` command line: every error a user can
//! make (with file, line and a fix), names that survive added, removed and reordered operations,
//! `check` on a stale crate, stale files removed, and `diff` between two versions of a spec.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn mcpgen() -> Command {
    Command::cargo_bin("mcpgen").unwrap()
}

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

fn orders_spec() -> String {
    specs()
        .join("orders-openapi-3.0.yaml")
        .to_string_lossy()
        .into_owned()
}

/// Runs `inspect` on the Orders spec with `overrides` and returns (exit code, stderr).
/// The exit code, and what `inspect` wrote (errors on stderr; tools and findings on stdout).
fn inspect_with(overrides: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overrides.yaml");
    std::fs::write(&file, overrides).unwrap();
    let out = mcpgen()
        .args(["inspect", &orders_spec(), "--overrides"])
        .arg(&file)
        .output()
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
    .replace(&file.display().to_string(), "overrides.yaml");
    (out.status.code().unwrap(), output)
}

#[track_caller]
fn fails_with(overrides: &str, expected: &[&str]) {
    let (code, stderr) = inspect_with(overrides);
    assert_eq!(code, 2, "{stderr}");
    for part in expected {
        assert!(stderr.contains(part), "`{part}` not in:\n{stderr}");
    }
}

#[test]
fn a_missing_operation_names_the_line_and_the_closest_one() {
    fails_with(
        "tools:\n  getOrder:\n    confirm: true\n  listOrder:\n    name: x\n",
        &[
            "error: overrides.yaml:4: `tools.listOrder`",
            "the spec has no operation `listOrder`",
            "did you mean `listOrders`?",
        ],
    );
}

#[test]
fn a_missing_parameter_names_the_tool_and_the_closest_input() {
    fails_with(
        "tools:\n  listOrders:\n    params:\n      limt:\n        default: 3\n",
        &[
            "overrides.yaml:4: `tools.listOrders.params.limt`",
            "no input `limt`",
            "did you mean `limit`?",
        ],
    );
    fails_with(
        "tools:\n  createOrder:\n    params:\n      body.curency:\n        fixed: EUR\n",
        &["overrides.yaml:4:", "no field `curency`", "`body.currency`"],
    );
}

#[test]
fn a_missing_tag_or_unmatched_pattern_is_an_error() {
    fails_with(
        "include:\n  tags:\n    - order\n",
        &[
            "overrides.yaml:3: `include.tags`",
            "no operation has the tag `order`",
            "did you mean `orders`?",
        ],
    );
    fails_with(
        "exclude:\n  paths: [\"/order/**\"]\n",
        &["overrides.yaml:2:", "`/order/**` matches no path"],
    );
    fails_with(
        "exclude:\n  operations: [\"lst*\"]\n",
        &["`lst*` matches no operationId"],
    );
    fails_with(
        "exclude:\n  methods: [FETCH]\n",
        &["`FETCH` is not an HTTP method"],
    );
    fails_with(
        "include:\n  tags: [ops]\nexclude:\n  methods: [GET]\n",
        &["leave no operation to become a tool"],
    );
}

#[test]
fn values_that_break_the_schema_are_errors() {
    fails_with(
        "tools:\n  listOrders:\n    params:\n      limit:\n        fixed: 500\n",
        &[
            "overrides.yaml:4: `tools.listOrders.params.limit`",
            "the fixed value 500 does not fit the input's schema",
            "500 is greater than the maximum of 200",
        ],
    );
    fails_with(
        "tools:\n  createOrder:\n    params:\n      body.currency:\n        default: euro\n",
        &["the default value \"euro\" does not fit", "^[A-Z]{3}$"],
    );
}

#[test]
fn names_must_stay_unique() {
    fails_with(
        "tools:\n  listOrders:\n    name: orders\n  getOrder:\n    name: orders\n",
        &[
            "overrides.yaml:5: `tools.getOrder.name` and `tools.listOrders.name` are both `orders`",
            "rename one of them",
        ],
    );
    fails_with(
        "tools:\n  listOrders:\n    name: getOrder\n",
        &[
            "`tools.listOrders.name` `getOrder` is already the name of operation `getOrder`",
            "choose another name",
        ],
    );
    fails_with(
        "tools:\n  listOrders:\n    name: \"list orders\"\n",
        &["a tool name uses letters, digits"],
    );
    fails_with(
        "tools:\n  listOrders:\n    params:\n      status:\n        rename: limit\n",
        &["the tool already has an input of that name"],
    );
}

#[test]
fn required_inputs_cannot_be_hidden() {
    fails_with(
        "tools:\n  deleteOrder:\n    params:\n      reason:\n        hidden: true\n",
        &[
            "the API requires `reason`, so it cannot be hidden",
            "give it a `fixed` value instead",
        ],
    );
}

#[test]
fn mistakes_in_the_file_itself_name_the_line() {
    fails_with(
        "tools:\n  listOrders:\n    descripton: x\n",
        &[
            "overrides.yaml:3: `tools.listOrders.descripton`",
            "unknown field `descripton`",
        ],
    );
    fails_with(
        "connector:\n  tool_prefix: 3\n",
        &["`connector.tool_prefix`", "expected a string"],
    );
    fails_with(
        "tools:\n  listOrders: {\n",
        &["overrides.yaml:", "did not find expected"],
    );
    fails_with(
        "tools:\n  createOrder:\n    body_media_type: text/csv\n",
        &["offers application/json; pick one of those"],
    );
}

#[test]
fn a_tool_override_of_an_excluded_operation_is_a_warning() {
    let (code, stderr) =
        inspect_with("exclude:\n  tags: [ops]\ntools:\n  \"GET /health\":\n    title: Health\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "warning: overrides.yaml:4: `tools.GET /health` changes an operation that include/exclude leave out"
        ),
        "{stderr}"
    );
}

/// A spec with the given operations (operationId or none, method, path), in that order.
fn spec_with(operations: &[(Option<&str>, &str, &str)]) -> String {
    let mut paths = serde_json::Map::new();
    for (id, method, path) in operations {
        let mut op = serde_json::json!({"responses": {"200": {"description": "ok"}}});
        if let Some(id) = id {
            op["operationId"] = Value::String(id.to_string());
        }
        paths
            .entry(path.to_string())
            .or_insert_with(|| Value::Object(Default::default()))[method] = op;
    }
    serde_json::json!({"openapi": "3.0.3", "info": {"title": "Names", "version": "1"}, "paths": paths})
        .to_string()
}

fn generate(spec: &str, out: &Path) -> std::process::Output {
    let file = out.with_extension("json");
    std::fs::write(&file, spec).unwrap();
    mcpgen()
        .args(["generate"])
        .arg(&file)
        .arg("--out")
        .arg(out)
        .args(["--name", "names", "--max-name-len", "24"])
        .output()
        .unwrap()
}

fn tool_names(out: &Path) -> Vec<String> {
    let lock = std::fs::read_to_string(out.join("mcpgen.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&lock).unwrap();
    let mut names: Vec<String> = lock["tools"]
        .as_table()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn names_survive_added_removed_and_reordered_operations() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let long = "listEveryOrderOfTheCustomer";
    // 1: a cleaned name, a shortened one, a derived one.
    let first = [
        (Some("orders.get"), "get", "/orders/{id}"),
        (Some(long), "get", "/customers/{id}/orders"),
        (None, "get", "/health"),
    ];
    assert!(generate(&spec_with(&first), &out).status.success());
    let before = tool_names(&out);
    assert_eq!(before.len(), 3);
    assert!(before.contains(&"orders_get".to_string()), "{before:?}");
    assert!(before.contains(&"get_health".to_string()), "{before:?}");
    let shortened = before
        .iter()
        .find(|n| n.starts_with("listEvery"))
        .unwrap()
        .clone();
    assert_eq!(shortened.len(), 24);

    // 2: added operations whose natural names clash with the existing ones, everything reordered.
    let second = [
        (None, "get", "/health"),
        (Some("orders_get"), "get", "/v2/orders/{id}"),
        (Some("get_health"), "get", "/v2/health"),
        (Some(long), "get", "/customers/{id}/orders"),
        (Some("orders.get"), "get", "/orders/{id}"),
    ];
    assert!(generate(&spec_with(&second), &out).status.success());
    let after = tool_names(&out);
    for name in &before {
        assert!(after.contains(name), "{name} lost: {after:?}");
    }
    assert_eq!(after.len(), 5, "{after:?}");
    // The newcomers gave way, though their operationIds are exact.
    assert!(
        after.iter().any(|n| n.starts_with("orders_get_")),
        "{after:?}"
    );
    assert!(
        after.iter().any(|n| n.starts_with("get_health_")),
        "{after:?}"
    );

    // 3: operations removed; the rest keep their names.
    let third = [
        (Some(long), "get", "/customers/{id}/orders"),
        (Some("get_health"), "get", "/v2/health"),
    ];
    assert!(generate(&spec_with(&third), &out).status.success());
    let last = tool_names(&out);
    assert!(last.contains(&shortened), "{last:?}");
    let kept = after.iter().find(|n| n.starts_with("get_health_")).unwrap();
    assert!(last.contains(kept), "{last:?}");
}

#[test]
fn check_lists_what_a_stale_crate_lacks_and_generate_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop");
    let v1 = specs().join("versions/shop-v1.yaml");
    let v2 = specs().join("versions/shop-v2.yaml");
    mcpgen()
        .arg("generate")
        .arg(&v1)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    mcpgen()
        .arg("check")
        .arg(&v1)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    // A file an older mcpgen wrote, and one the user added.
    let lock_path = out.join("mcpgen.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    std::fs::write(
        &lock_path,
        lock.replace("\"src/tools.rs\"", "\"src/tools.rs\", \"Makefile\""),
    )
    .unwrap();
    std::fs::write(out.join("Makefile"), "all:\n").unwrap();
    std::fs::write(out.join("NOTES.md"), "mine\n").unwrap();

    let checked = mcpgen()
        .arg("check")
        .arg(&v2)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&checked.stdout);
    for line in [
        "changed  src/tools.rs",
        "changed  mcpgen.lock",
        "stale    Makefile (no longer generated)",
        "tool added: refundOrder (refundOrder)",
        "tool removed: legacyExport (legacyExport)",
        "tool removed: removeOrder (removeOrder)",
        "tool added: deleteOrder (deleteOrder)",
        "run `mcpgen generate`",
    ] {
        assert!(listed.contains(line), "`{line}` not in:\n{listed}");
    }
    assert!(!listed.contains("NOTES.md"), "{listed}");

    let generated = mcpgen()
        .arg("generate")
        .arg(&v2)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(generated.status.success());
    let said = String::from_utf8_lossy(&generated.stderr);
    assert!(said.contains("removed Makefile"), "{said}");
    assert!(said.contains("tool added: refundOrder"), "{said}");
    assert!(said.contains("tool removed: legacyExport"), "{said}");
    assert!(!out.join("Makefile").exists());
    assert!(out.join("NOTES.md").exists());
    mcpgen()
        .arg("check")
        .arg(&v2)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
}

fn diff_json(extra: &[&str]) -> (i32, Value) {
    let out = mcpgen()
        .arg("diff")
        .arg(specs().join("versions/shop-v1.yaml"))
        .arg(specs().join("versions/shop-v2.yaml"))
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn has_change(report: &Value, tool: &str, kind: &str, input: &str, breaking: bool) -> bool {
    report["changed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["tool"] == tool)
        .flat_map(|t| t["changes"].as_array().unwrap())
        .any(|c| {
            c["kind"] == kind
                && c.get("input").and_then(Value::as_str).unwrap_or("") == input
                && c["breaking"] == breaking
        })
}

#[test]
fn diff_reports_every_kind_of_change() {
    let (code, report) = diff_json(&[]);
    assert_eq!(code, 1, "breaking changes exit 1");
    assert_eq!(report["added"][0]["name"], "refundOrder");
    assert_eq!(report["removed"][0]["name"], "legacyExport");
    assert_eq!(report["renamed"][0]["from"], "removeOrder");
    assert_eq!(report["renamed"][0]["to"], "deleteOrder");
    for (tool, kind, input, breaking) in [
        ("listOrders", "description_changed", "", false),
        ("listOrders", "enum_narrowed", "status", true),
        ("listOrders", "enum_widened", "status", false),
        ("listOrders", "constraint_narrowed", "limit", true),
        ("listOrders", "input_removed", "customer", true),
        ("listOrders", "input_now_required", "region", true),
        ("listOrders", "input_no_longer_required", "sort", false),
        ("listOrders", "input_added", "page", false),
        ("listOrders", "input_added", "tenant", true),
        ("createOrder", "type_widened", "body.quantity", false),
        ("createOrder", "input_added", "body.currency", true),
        ("getOrder", "type_narrowed", "id", true),
        ("archiveOrder", "method_changed", "", true),
        ("archiveOrder", "annotations_changed", "", false),
        ("getReport", "path_changed", "", true),
    ] {
        assert!(
            has_change(&report, tool, kind, input, breaking),
            "{tool} {kind} {input} not reported:\n{report:#}"
        );
    }
    assert_eq!(report["breaking"], 12);
}

#[test]
fn diff_applies_the_overrides_to_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("o.yaml");
    std::fs::write(
        &file,
        "tools:\n  refundOrder:\n    name: refund\n  listOrders:\n    params:\n      tenant:\n        fixed: acme\n",
    )
    .unwrap();
    let (code, report) = diff_json(&["--overrides", &file.to_string_lossy()]);
    assert_eq!(code, 1);
    // Applied to NEW: the new tool has its chosen name; a fixed input is not a new input.
    assert_eq!(report["added"][0]["name"], "refund");
    assert!(!has_change(
        &report,
        "listOrders",
        "input_added",
        "tenant",
        true
    ));
    assert_eq!(report["breaking"], 11);

    // No breaking change: exit 0.
    let same = mcpgen()
        .arg("diff")
        .arg(specs().join("versions/shop-v2.yaml"))
        .arg(specs().join("versions/shop-v2.yaml"))
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "no changes to the tools\n"
    );
}

#[test]
fn the_published_schema_checks_the_example_file() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/overrides.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let example: Value = yaml_serde::from_str(
        &std::fs::read_to_string(specs().join("orders-overrides.yaml")).unwrap(),
    )
    .unwrap();
    assert!(validator.is_valid(&example));
    let bad: Value = serde_json::json!({"tools": {"x": {"confirm": "yes"}}});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn the_overrides_file_chooses_another_request_media_type() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("o.yaml");
    std::fs::write(
        &file,
        "tools:\n  \"POST /imports\":\n    body_media_type: multipart/form-data\n",
    )
    .unwrap();
    let out = mcpgen()
        .arg("inspect")
        .arg(specs().join("inventory-openapi-3.1.yaml"))
        .args(["--format", "json", "--overrides"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tool = plan["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["path"] == "/imports")
        .unwrap();
    assert_eq!(tool["body"]["media_type"], "multipart/form-data");
    // The choice is made, so the spec's several media types are no longer a warning.
    let warned = String::from_utf8_lossy(&out.stderr);
    assert!(
        !warned.contains("POST /imports: request body offers"),
        "{warned}"
    );
}

#[test]
fn an_icon_must_be_a_png_beside_the_overrides_file() {
    fails_with(
        "connector:\n  name: shop\n  icon: missing.png\n",
        &[
            "overrides.yaml:3: connector.icon `missing.png`: cannot read",
            "relative to the overrides file",
        ],
    );
    // The file exists (it is the spec) but is not a PNG.
    fails_with(
        &format!("connector:\n  icon: {}\n", orders_spec()),
        &["overrides.yaml:2: connector.icon", "not a PNG file"],
    );
}
