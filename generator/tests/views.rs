//! Result views planned at generation: a table for a page of records (with its next-page link),
//! a card for one record, nothing for a result without fields; and the overrides file's
//! choices — off, a kind, a chart's fields, columns, an HTML file of the user's own — each
//! checked, with errors that name the file, the line and what would fit.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn orders_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/orders-openapi-3.0.yaml")
}

/// `inspect --format json` of the Orders spec with `overrides` (and files beside it): the exit
/// code, the plan (when it succeeded) and stderr.
fn inspect(overrides: &str, files: &[(&str, &str)]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let file = dir.path().join("overrides.yaml");
    std::fs::write(&file, overrides).unwrap();
    let out = Command::cargo_bin("mcpgen")
        .unwrap()
        .arg("inspect")
        .arg(orders_spec())
        .arg("--overrides")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let plan = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(&file.display().to_string(), "overrides.yaml");
    (out.status.code().unwrap(), plan, stderr)
}

fn view<'a>(plan: &'a Value, tool: &str) -> &'a Value {
    let tool = plan["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == tool)
        .unwrap_or_else(|| panic!("no tool {tool}"));
    &tool["view"]
}

#[test]
fn the_response_schema_chooses_the_view() {
    let (code, plan, stderr) = inspect("{}\n", &[]);
    assert_eq!(code, 0, "{stderr}");
    let list = &view(&plan, "listOrders")["config"];
    assert_eq!(list["kind"], "table");
    assert_eq!(list["rows"], "/items", "the page's records");
    assert_eq!(
        list["next"],
        serde_json::json!({"param": "cursor", "from": "/next_cursor"}),
        "the next page is the same call with the cursor the page gives"
    );
    let total = list["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "total")
        .expect("a money object is a column");
    assert_eq!(total["format"], "money-object");
    assert_eq!(total["amount"], "amount_minor");
    assert_eq!(total["minor"], true);

    // An order holds a list of lines, but it is one record.
    assert_eq!(view(&plan, "getOrder")["config"]["kind"], "card");
    assert_eq!(view(&plan, "getOrder")["config"]["rows"], "");
    // A top-level array is given as `{"result": […]}`.
    let lines = view(
        &plan,
        "listOrderLineItemsWithFulfillmentStatusAndWarehouseAlloca_16bb46",
    );
    assert_eq!(lines["config"]["rows"], "/result");
    // No content, no view.
    assert!(view(&plan, "deleteOrder").is_null());
}

#[test]
fn the_overrides_file_switches_views_off_and_chooses_charts_and_columns() {
    let overrides = "tools:
  getOrder:
    view: off
  listOrders:
    view:
      kind: chart
      chart: bar
      x: created_at
      y: weight_kg
  getOrderStatus:
    view:
      kind: table
      rows: /history
      columns: [status]
";
    let (code, plan, stderr) = inspect(overrides, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(view(&plan, "getOrder").is_null());
    let chart = &view(&plan, "listOrders")["config"];
    assert_eq!(chart["kind"], "chart");
    assert_eq!(
        chart["chart"],
        serde_json::json!({"mark": "bar", "x": "created_at", "y": "weight_kg"})
    );
    let table = &view(&plan, "getOrderStatus")["config"];
    assert_eq!(table["rows"], "/history");
    assert_eq!(table["columns"][0]["key"], "status");
}

#[test]
fn a_chart_of_fields_the_records_lack_names_the_line_and_the_fields() {
    let (code, _, stderr) = inspect(
        "tools:\n  listOrders:\n    view:\n      kind: chart\n      x: created_at\n      y: revenue\n",
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("overrides.yaml:6"), "{stderr}");
    assert!(
        stderr.contains("no field `revenue`") && stderr.contains("`weight_kg`"),
        "{stderr}"
    );
    let (code, _, stderr) = inspect("tools:\n  listOrders:\n    view: {kind: chart}\n", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("a chart needs `x` and `y`"), "{stderr}");
    let (code, _, stderr) = inspect("tools:\n  listOrders:\n    view: {rows: items}\n", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a JSON pointer"), "{stderr}");
}

#[test]
fn an_own_view_must_be_html_and_declare_every_origin_it_uses() {
    let page =
        r#"<!doctype html><html><script src="https://cdn.example.com/chart.js"></script></html>"#;
    let undeclared = "tools:\n  listOrders:\n    view:\n      html: page.html\n";
    let (code, _, stderr) = inspect(undeclared, &[("page.html", page)]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("overrides.yaml:4")
            && stderr.contains("https://cdn.example.com")
            && stderr.contains("csp.resource_domains"),
        "{stderr}"
    );

    let declared = "tools:\n  listOrders:\n    view:\n      html: page.html\n      csp:\n        resource_domains: [\"https://*.example.com\"]\n";
    let (code, plan, stderr) = inspect(declared, &[("page.html", page)]);
    assert_eq!(code, 0, "{stderr}");
    let own = view(&plan, "listOrders");
    assert_eq!(own["html"], page);
    assert_eq!(
        own["csp"],
        serde_json::json!({"resourceDomains": ["https://*.example.com"]})
    );

    let (code, _, stderr) = inspect(undeclared, &[("page.html", "just text")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not an HTML document"), "{stderr}");
    let (code, _, stderr) = inspect(undeclared, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("relative to the overrides file"),
        "{stderr}"
    );
}
