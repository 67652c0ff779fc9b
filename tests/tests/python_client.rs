//! A client we did not write: the official Python MCP SDK (`tests/peers/mcp_client.py`, installed
//! by `scripts/install-test-deps`) drives the Orders connector in both protocol eras against the
//! real local API.

use std::path::PathBuf;

use mcpgen_e2e::api::{Api, Reply};
use serde_json::{Value, json};

fn python() -> PathBuf {
    let python = mcpgen_e2e::test_deps().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} missing: run scripts/install-test-deps",
        python.display()
    );
    python
}

async fn run(era: &str) {
    let binary = mcpgen_e2e::connector_binary("orders");
    let api = Api::start(|req| {
        if req.path() == "/v1/orders/ord_AAAABBBBCCCC" {
            Reply::json(200, json!({"id": "ord_AAAABBBBCCCC", "status": "paid"}))
        } else {
            Reply::json(
                404,
                json!({"title": "Not Found", "detail": "no such route"}),
            )
        }
    })
    .await;
    let script = json!([
        {"list_tools": true},
        {"call": "getOrder", "arguments": {"orderId": "ord_AAAABBBBCCCC", "expand": ["customer", "shipments"]}},
        {"call": "getOrder", "arguments": {"orderId": 7}},
        {"call": "noSuchTool", "arguments": {}}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("script.json");
    std::fs::write(&script_path, script.to_string()).unwrap();
    let output = tokio::process::Command::new(python())
        .arg(mcpgen_e2e::workspace().join("tests/peers/mcp_client.py"))
        .args(["--era", era, "--script"])
        .arg(&script_path)
        .arg("--")
        .arg(&binary)
        .env("ORDERS_BASE_URL", format!("{}/v1", api.url()))
        .env("ORDERS_API_KEY_AUTH", "key-123")
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "python client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected_version = if era == "legacy" {
        "2025-11-25"
    } else {
        "2026-07-28"
    };
    assert_eq!(report["protocolVersion"], expected_version);
    assert_eq!(report["serverInfo"]["name"], "orders");
    let results = report["results"].as_array().unwrap();

    let tools = results[0]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 14);
    let get_order = tools.iter().find(|t| t["name"] == "getOrder").unwrap();
    assert_eq!(get_order["annotations"]["readOnlyHint"], true);
    assert_eq!(get_order["inputSchema"]["required"], json!(["orderId"]));

    assert_eq!(results[1]["isError"], false, "{}", results[1]);
    assert_eq!(results[1]["structuredContent"]["status"], "paid");
    let received = api.one();
    assert_eq!(received.method, "GET");
    assert_eq!(
        received.target,
        "/v1/orders/ord_AAAABBBBCCCC?expand=customer,shipments"
    );
    assert_eq!(received.header("x-api-key"), Some("key-123"));

    assert_eq!(results[2]["isError"], true);
    let text = results[2]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("orderId"), "{text}");
    assert!(
        api.take().is_empty(),
        "invalid arguments must not reach the API"
    );

    assert_eq!(results[3]["error"]["code"], -32602);
}

#[tokio::test]
async fn python_sdk_legacy_era() {
    run("legacy").await;
}

#[tokio::test]
async fn python_sdk_modern_era() {
    run("modern").await;
}
