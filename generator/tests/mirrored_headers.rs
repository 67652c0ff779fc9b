//! Arguments mirrored into `Mcp-Param-*` HTTP headers (SEP-2243, `x-mcp-header`), as the overrides
//! file asks: the input schema carries the annotation the client and the connector's endpoint
//! act on, and every mistake — a body field, a list, a hidden input, a name no header can have,
//! a header two inputs claim — is an error naming the file and the line.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// `inspect --format json` of the Orders spec with `overrides`: exit code, plan, stderr.
fn inspect(overrides: &str) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overrides.yaml");
    std::fs::write(&file, overrides).unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/orders-openapi-3.0.yaml");
    let out = Command::cargo_bin("mcpgen")
        .unwrap()
        .arg("inspect")
        .arg(spec)
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

#[test]
fn a_parameter_is_mirrored_under_its_model_facing_name() {
    let (code, plan, stderr) = inspect(
        "tools:\n  listOrders:\n    params:\n      customer_id:\n        rename: customer\n        header: Customer-Id\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let tool = plan["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "listOrders")
        .unwrap();
    assert_eq!(
        tool["input_schema"]["properties"]["customer"]["x-mcp-header"],
        "Customer-Id"
    );
}

#[test]
fn what_cannot_be_mirrored_is_an_error_with_its_line() {
    for (overrides, expected) in [
        (
            "tools:\n  listOrders:\n    params:\n      status:\n        header: Status\n",
            "only a string, number or boolean input",
        ),
        (
            "tools:\n  listOrders:\n    params:\n      customer_id:\n        header: Customer Id\n",
            "is not a header name",
        ),
        (
            "tools:\n  listOrders:\n    params:\n      customer_id:\n        hidden: true\n        header: Customer-Id\n",
            "cannot be mirrored into a header",
        ),
        (
            "tools:\n  createOrder:\n    params:\n      body.currency:\n        header: Currency\n",
            "a body field cannot be mirrored",
        ),
        (
            "tools:\n  listOrders:\n    params:\n      customer_id:\n        header: Who\n      created_after:\n        header: who\n",
            "already mirrors `Mcp-Param-who`",
        ),
    ] {
        let (code, _, stderr) = inspect(overrides);
        assert_eq!(code, 2, "{overrides}: {stderr}");
        assert!(stderr.contains(expected), "{overrides}: {stderr}");
        assert!(stderr.contains("overrides.yaml:"), "{stderr}");
    }
}
