//! Every operation of every example connector, end to end: the connector from `generated/` is
//! built, started by rmcp's client over stdio (in both protocol eras), and every tool is called
//! with arguments made from its own input schema against a real local API that records what it
//! receives. The API must receive exactly one request with the tool's method at the tool's path,
//! and the client must get the API's JSON back as structured content.

use std::collections::BTreeMap;
use std::process::Command;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era};
use mcpgen_e2e::sample::sample;
use serde_json::{Value, json};

const EXAMPLES: &[&str] = &["orders", "inventory", "billing", "catalog"];

/// `(name, value)` for every credential variable the connector's `--help` lists; token URLs
/// point at the local API.
fn credentials(binary: &std::path::Path, prefix: &str, api: &str) -> Vec<(String, String)> {
    let help = Command::new(binary).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let skip = [
        "_BASE_URL",
        "_TIMEOUT_SECS",
        "_RESPONSE_LIMIT",
        "_LOG",
        "_CLIENT_AUTH",
        "_FORWARD_HEADERS",
        "_FILE_ROOTS",
        "_SHUTDOWN_SECS",
        "_LISTING",
        "_RETRIES",
        "_CONCURRENCY",
        "_WORKER_THREADS",
    ];
    help.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| {
            // Every `PREFIX_MCP_*` variable configures the HTTP endpoint, not the API.
            name.starts_with(&format!("{prefix}_"))
                && !name.starts_with(&format!("{prefix}_MCP_"))
                && !skip.iter().any(|s| name.ends_with(s))
                && !name.contains("_SERVER_")
        })
        .map(|name| {
            let value = if name.ends_with("_TOKEN_URL") {
                format!("{api}/oauth/token")
            } else {
                format!("secret-{}", name.to_ascii_lowercase())
            };
            (name.to_string(), value)
        })
        .collect()
}

fn path_matches(template: &str, actual: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let a: Vec<&str> = actual.split('/').collect();
    t.len() == a.len()
        && t.iter().zip(&a).all(|(t, a)| {
            if t.contains('{') {
                let prefix = &t[..t.find('{').unwrap()];
                let suffix = &t[t.rfind('}').unwrap() + 1..];
                a.starts_with(prefix)
                    && a.ends_with(suffix)
                    && a.len() > prefix.len() + suffix.len()
            } else {
                t == a
            }
        })
}

async fn run_example(name: &str, era: Era) {
    let binary = mcpgen_e2e::connector_binary(name);
    let catalog: Value = serde_json::from_slice(
        &Command::new(&binary)
            .args(["--list-tools", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let prefix = name.to_ascii_uppercase();
    let api = Api::start(|req| {
        if req.method == "POST" && req.path().ends_with("/token") {
            return Reply::json(
                200,
                json!({"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        Reply::json(
            200,
            json!({"echo": {"method": req.method, "target": req.target}}),
        )
    })
    .await;
    let mut env: Vec<(String, String)> = credentials(&binary, &prefix, &api.url());
    env.push((format!("{prefix}_BASE_URL"), format!("{}/base", api.url())));
    let env_ref: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let client = Client::start(&binary, &env_ref, era).await;

    let tools = client.tools().await;
    let listed: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    let expected: Vec<&str> = catalog["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed, expected,
        "{name}: tools/list differs from --list-tools"
    );
    assert!(!tools.is_empty());

    let mut failures = BTreeMap::new();
    for (tool, entry) in tools.iter().zip(catalog["tools"].as_array().unwrap()) {
        let schema = Value::Object((*tool.input_schema).clone());
        let args = sample(&schema);
        let result = client
            .call(&tool.name, args.clone())
            .await
            .expect("tools/call answered");
        let mut received: Vec<_> = api
            .take()
            .into_iter()
            .filter(|r| !r.path().ends_with("/token"))
            .collect();
        let method = entry["method"].as_str().unwrap();
        let template = format!("/base{}", entry["path"].as_str().unwrap());
        let problem = if result.is_error == Some(true) {
            Some(format!("tool error: {}", mcpgen_e2e::client::text(&result)))
        } else if received.len() != 1 {
            Some(format!("API received {} requests", received.len()))
        } else {
            let r = received.remove(0);
            if r.method != method || !path_matches(&template, r.path()) {
                Some(format!(
                    "API received {} {}, expected {method} {template}",
                    r.method, r.target
                ))
            } else if result
                .structured_content
                .as_ref()
                .map(|s| &s["echo"]["target"])
                != Some(&json!(r.target))
            {
                Some(format!(
                    "structured content {:?}",
                    result.structured_content
                ))
            } else {
                None
            }
        };
        if let Some(problem) = problem {
            failures.insert(
                tool.name.to_string(),
                format!("{problem} (arguments {args})"),
            );
        }
    }
    client.close().await;
    assert!(failures.is_empty(), "{name} ({era:?}): {failures:#?}");
}

#[tokio::test]
async fn every_operation_legacy_era() {
    for name in EXAMPLES {
        run_example(name, Era::Legacy).await;
    }
}

#[tokio::test]
async fn every_operation_modern_era() {
    for name in EXAMPLES {
        run_example(name, Era::Modern).await;
    }
}

#[test]
fn path_templates_match() {
    assert!(path_matches("/base/orders/{id}", "/base/orders/7"));
    assert!(path_matches(
        "/base/orders/{id}/label.png",
        "/base/orders/7/label.png"
    ));
    assert!(!path_matches("/base/orders/{id}", "/base/orders/7/x"));
    assert!(!path_matches("/base/orders", "/orders"));
}
