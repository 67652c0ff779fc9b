//! The connector as an MCP server and as a program: server info, empty prompt and resource
//! lists, cancellation that aborts the upstream request, timeouts, and its command line.

use std::process::Command;
use std::time::Duration;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::json;

async fn slow_api() -> Api {
    Api::start(|req| {
        if req.path().ends_with("/health") {
            Reply::json(200, json!({"status": "ok"})).after(Duration::from_secs(3))
        } else {
            Reply::json(200, json!({}))
        }
    })
    .await
}

#[tokio::test]
async fn server_info_prompts_and_resources_in_both_eras() {
    let binary = mcpgen_e2e::connector_binary("orders");
    for era in [Era::Legacy, Era::Modern] {
        let client = Client::start(&binary, &[], era).await;
        let info = client.service.peer_info().expect("server info");
        let server = info.server_info.as_ref().expect("server info");
        assert_eq!(server.name, "orders");
        assert_eq!(server.title.as_deref(), Some("Orders Service"));
        assert_eq!(server.version, "2.4.1");
        let instructions = info.instructions.clone().unwrap_or_default();
        assert!(
            instructions.contains("lifecycle of customer orders"),
            "{instructions}"
        );
        let expected = if era == Era::Legacy {
            "2025-11-25"
        } else {
            "2026-07-28"
        };
        assert_eq!(info.protocol_version.to_string(), expected);
        assert!(client.service.list_all_prompts().await.unwrap().is_empty());
        assert!(
            client
                .service
                .list_all_resources()
                .await
                .unwrap()
                .is_empty()
        );
        client.close().await;
    }
}

#[tokio::test]
async fn cancelling_a_call_aborts_the_upstream_request() {
    let api = slow_api().await;
    let env = [("ORDERS_BASE_URL", api.url())];
    let client = Client::start(&mcpgen_e2e::connector_binary("orders"), &env, Era::Legacy).await;
    // Dropping the pending call makes rmcp's client send notifications/cancelled.
    let pending = tokio::time::timeout(
        Duration::from_millis(500),
        client.call("get_health", json!({})),
    )
    .await;
    assert!(pending.is_err(), "the call should still be pending");
    let mut waited = Duration::ZERO;
    while api.aborted() == 0 && waited < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    assert_eq!(
        api.aborted(),
        1,
        "the API should see the request abandoned well before its 3 s answer"
    );
    // The connector is still serving.
    assert_eq!(client.tools().await.len(), 14);
    client.close().await;
}

#[tokio::test]
async fn a_slow_api_gives_a_timeout_error() {
    let api = slow_api().await;
    let env = [
        ("ORDERS_BASE_URL", api.url()),
        ("ORDERS_TIMEOUT_SECS", "1".to_string()),
    ];
    let client = Client::start(&mcpgen_e2e::connector_binary("orders"), &env, Era::Modern).await;
    let r = client.call("get_health", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let message = text(&r);
    assert!(message.contains("timed out after 1 s"), "{message}");
    client.close().await;
}

#[test]
fn help_version_and_list_tools() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let help = Command::new(&binary).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    for var in [
        "ORDERS_BASE_URL",
        "ORDERS_TIMEOUT_SECS",
        "ORDERS_API_KEY_AUTH",
        "ORDERS_BEARER_AUTH",
        "ORDERS_BASIC_AUTH_USERNAME",
        "ORDERS_BASIC_AUTH_PASSWORD",
        "ORDERS_OAUTH_CLIENT_CLIENT_ID",
        "ORDERS_OAUTH_CLIENT_CLIENT_SECRET",
        "ORDERS_OAUTH_CLIENT_TOKEN_URL",
    ] {
        assert!(help.contains(var), "--help does not list {var}");
    }
    let version = Command::new(&binary).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(version.stdout).unwrap().trim(),
        "orders 2.4.1 (mcpgen 0.1.0)"
    );

    let list = Command::new(&binary).arg("--list-tools").output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert_eq!(list.lines().count(), 14);
    assert!(
        list.lines()
            .any(|l| l.starts_with("getOrder ") && l.ends_with("Get an order")),
        "{list}"
    );

    let json = Command::new(&binary)
        .args(["--list-tools", "--json"])
        .output()
        .unwrap();
    let catalog: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(catalog["tools"].as_array().unwrap().len(), 14);
    assert_eq!(catalog["sourceHash"].as_str().unwrap().len(), 64);

    // A bad configuration is reported before serving, naming the variable.
    let bad = Command::new(&binary)
        .env("ORDERS_BASE_URL", "not a url")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ORDERS_BASE_URL"));
}

/// `ping` and `logging/setLevel` for legacy clients, as raw JSON-RPC lines on stdio.
#[test]
fn ping_and_set_level_over_raw_stdio() {
    use std::io::{BufRead, BufReader, Write};
    let binary = mcpgen_e2e::connector_binary("orders");
    let mut child = Command::new(binary)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"debug"}}"#,
    ] {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut answers = std::collections::BTreeMap::new();
    while answers.len() < 3 {
        let line = lines.next().expect("an answer").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("stdout holds only JSON-RPC");
        answers.insert(v["id"].as_u64().unwrap(), v);
    }
    drop(stdin);
    let _ = child.wait();
    assert_eq!(answers[&1]["result"]["capabilities"]["logging"], json!({}));
    assert_eq!(answers[&2]["result"], json!({}), "{}", answers[&2]);
    assert_eq!(answers[&3]["result"], json!({}), "{}", answers[&3]);
}

/// Under an MCP client, stdin and stdout are pipes, and the connector serves them on the IO
/// reactor rather than on Tokio's blocking threads.
#[tokio::test]
async fn stdio_under_a_client_uses_the_non_blocking_pipe_transport() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let env = [("ORDERS_LOG", "info".to_string())];
    let client =
        mcpgen_e2e::client::Client::start_capturing(&binary, &env, mcpgen_e2e::client::Era::Legacy)
            .await;
    assert_eq!(client.tools().await.len(), 14);
    let stderr = client.close_reading_stderr().await;
    assert!(
        stderr.contains("serving MCP over stdio") && stderr.contains("pipes=true"),
        "{stderr}"
    );
}

/// The server URL's variables are set one by one (`PREFIX_SERVER_<NAME>`), checked against the
/// values the spec allows, and `--help` shows the URL the connector calls by default.
#[tokio::test]
async fn server_variables_choose_the_url() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let help = Command::new(&binary).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("default `https://eu-west-1.orders.internal.example/api/v2`"),
        "{help}"
    );
    assert!(help.contains("ORDERS_SERVER_REGION"), "{help}");
    let bad = Command::new(&binary)
        .env("ORDERS_SERVER_REGION", "mars-1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("ORDERS_SERVER_REGION: `mars-1` is not one of the values the API allows: eu-west-1, us-east-1"),
        "{stderr}"
    );
    let env = [
        ("ORDERS_SERVER_REGION", "us-east-1".to_string()),
        ("ORDERS_SERVER_VERSION", "v1".to_string()),
        ("ORDERS_API_KEY_AUTH", "k-123456".to_string()),
    ];
    let client =
        mcpgen_e2e::client::Client::start(&binary, &env, mcpgen_e2e::client::Era::Modern).await;
    let r = client.call("listOrders", json!({})).await.unwrap();
    let text = mcpgen_e2e::client::text(&r);
    assert!(
        text.contains("https://us-east-1.orders.internal.example/api/v1/orders"),
        "{text}"
    );
    client.close().await;
}
