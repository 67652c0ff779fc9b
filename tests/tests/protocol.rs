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

/// A raw JSON-RPC session over a connector's stdio, past the `initialize` handshake.
struct Raw {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl Raw {
    async fn start(binary: &std::path::Path, env: &[(&str, String)]) -> Raw {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(binary)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut raw = Raw {
            child,
            stdin,
            lines,
        };
        raw.send(br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#).await;
        raw.answer().await;
        raw.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        raw
    }

    async fn send(&mut self, line: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.stdin.write_all(line).await.unwrap();
        self.stdin.write_all(b"\n").await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// The next line the connector writes; a connector that stays silent fails the test.
    async fn answer(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("the connector answers every line")
            .unwrap()
            .expect("the connector is running");
        serde_json::from_str(&line).expect("stdout holds only JSON-RPC")
    }
}

/// Lines that are not JSON, or too long, get a parse error (-32700) instead of silence; JSON that
/// is no request an invalid-request error (-32600); `arguments` that is not an object is invalid
/// params (-32602), not an unknown method. The session goes on after each.
#[tokio::test]
async fn every_malformed_line_gets_its_json_rpc_error() {
    let mut raw = Raw::start(&mcpgen_e2e::connector_binary("orders"), &[]).await;
    let too_long = vec![b' '; 16 * 1024 * 1024 + 1];
    let cases: [(&[u8], i64); 7] = [
        (br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":NaN}"#, -32700),
        (br#"{"jsonrpc":"2.0","id":2,"method":"ping""#, -32700),
        (&too_long, -32700),
        (b"1e400", -32700),
        (
            br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"getOrder","arguments":{"x":1e400}}}"#,
            -32700,
        ),
        (b"[1, 2]", -32600),
        (
            br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getOrder","arguments":["ord_1"]}}"#,
            -32602,
        ),
    ];
    for (line, code) in cases {
        raw.send(line).await;
        let answer = raw.answer().await;
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    raw.send(br#"{"jsonrpc":"2.0","id":6,"method":"ping"}"#)
        .await;
    assert_eq!(raw.answer().await["id"], 6);
    let _ = raw.child.kill().await;
}

/// An integer beyond 64 bits reaches the API exactly as written, in a JSON body and in a query.
#[tokio::test]
async fn integers_beyond_64_bits_reach_the_api_exactly() {
    let api = mcpgen_e2e::api::Api::start(|_| Reply::json(200, json!({"ok": true}))).await;
    let env = [("DIALECTS_BASE_URL", format!("{}/base", api.url()))];
    let mut raw = Raw::start(&mcpgen_e2e::connector_binary("dialects"), &env).await;
    let big = "123456789012345678901234567890";
    raw.send(format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"bodyJson","arguments":{{"body":{{"name":"n","color":{{"R":{big},"G":-98765432109876543210,"B":2}}}}}}}}}}"#).as_bytes()).await;
    assert_eq!(raw.answer().await["result"]["isError"], false);
    let body = String::from_utf8(api.one().body).unwrap();
    assert_eq!(
        body,
        format!(r#"{{"name":"n","color":{{"R":{big},"G":-98765432109876543210,"B":2}}}}"#)
    );
    raw.send(format!(r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"queryFormObjectExplode","arguments":{{"color":{{"R":{big},"G":1,"B":2}}}}}}}}"#).as_bytes()).await;
    assert_eq!(raw.answer().await["result"]["isError"], false);
    assert_eq!(api.one().query(), format!("R={big}&G=1&B=2"));
    let _ = raw.child.kill().await;

    // The same over HTTP, as a 2026-07-28 client sends it.
    let server =
        mcpgen_e2e::served::start_connector("dialects", &["--http", "127.0.0.1:0"], &env).await;
    let call = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}}}},"name":"bodyJson","arguments":{{"body":{{"name":"n","color":{{"R":{big},"G":1,"B":2}}}}}}}}}}"#
    );
    let response = reqwest::Client::new()
        .post(&server.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "bodyJson")
        .body(call)
        .send()
        .await
        .unwrap();
    let reply = mcpgen_e2e::served::answer(&response.text().await.unwrap());
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    assert_eq!(
        String::from_utf8(api.one().body).unwrap(),
        format!(r#"{{"name":"n","color":{{"R":{big},"G":1,"B":2}}}}"#)
    );
}
