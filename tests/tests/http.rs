//! The connector as a remote server: Streamable HTTP at `/mcp` over real TLS, in both protocol
//! eras, `Host`/`Origin` checks, and per-caller headers forwarded to the API for that call only
//! (never the MCP client's own `Authorization`).

use std::process::Stdio;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::served::{answer, modern_call, self_signed, start};
use serde_json::{Value, json};

#[tokio::test]
async fn https_both_eras_origin_checks_and_forwarded_headers() {
    let api = Api::start(|req| Reply::json(200, json!({"path": req.path()}))).await;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let env = [
        ("ORDERS_BASE_URL", format!("{}/v1", api.url())),
        ("ORDERS_API_KEY_AUTH", "connector-key".to_string()),
        (
            "ORDERS_FORWARD_HEADERS",
            "X-Caller-Key:X-API-Key".to_string(),
        ),
    ];
    let server = start(
        &[
            "--http",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
        &env,
    )
    .await;
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let post = |body: Value, tool: &str| {
        http.post(&server.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", tool.to_string())
            .json(&body)
    };

    // 2026-07-28: one stateless POST; the caller's own key replaces the connector's for this call.
    let response = post(
        modern_call(1, "getOrder", json!({"orderId": "ord_7Hx2Lq9ZpA4m"})),
        "getOrder",
    )
    .header("x-caller-key", "caller-key")
    .header("authorization", "Bearer mcp-client-token")
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let reply = answer(&response.text().await.unwrap());
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let got = api.one();
    assert_eq!(got.header("x-api-key"), Some("caller-key"));
    assert_eq!(
        got.header("authorization"),
        None,
        "the MCP client's token must not reach the API"
    );

    // Without the header, the connector's own credential is used.
    let response = post(
        modern_call(2, "getOrder", json!({"orderId": "ord_7Hx2Lq9ZpA4m"})),
        "getOrder",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        answer(&response.text().await.unwrap())["result"]["isError"],
        false
    );
    assert_eq!(api.one().header("x-api-key"), Some("connector-key"));

    // 2025-11-25: initialize gives a session, in which tools are listed.
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}});
    let response = http
        .post(&server.url)
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session = response
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .unwrap()
        .to_string();
    let reply = answer(&response.text().await.unwrap());
    assert_eq!(reply["result"]["protocolVersion"], "2025-11-25");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    http.post(&server.url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&initialized)
        .send()
        .await
        .unwrap();
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let response = http
        .post(&server.url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&list)
        .send()
        .await
        .unwrap();
    let reply = answer(&response.text().await.unwrap());
    assert_eq!(
        reply["result"]["tools"].as_array().unwrap().len(),
        14,
        "{reply}"
    );

    // DNS rebinding protection: a foreign Origin or Host gets 403.
    let response = post(modern_call(3, "get_health", json!({})), "get_health")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = post(modern_call(4, "get_health", json!({})), "get_health")
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(api.take().is_empty());

    let health = http
        .get(server.url.replace("/mcp", "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn forwarding_authorization_needs_an_explicit_mapping() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let output = std::process::Command::new(binary)
        .args(["--http", "127.0.0.1:0"])
        .env("ORDERS_FORWARD_HEADERS", "Authorization")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Authorization:Authorization"));
}

#[tokio::test]
async fn sighup_reloads_the_certificate() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(first.path());
    let (new_cert, new_key) = self_signed(second.path());
    let mut server = start(
        &[
            "--http",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
        &[],
    )
    .await;
    let trusting = |pem: &str| {
        let ca = reqwest::Certificate::from_pem(&std::fs::read(pem).unwrap()).unwrap();
        reqwest::Client::builder()
            .tls_certs_only([ca])
            .build()
            .unwrap()
    };
    let health = server.url.replace("/mcp", "/healthz");
    assert!(trusting(&cert).get(&health).send().await.is_ok());
    assert!(trusting(&new_cert).get(&health).send().await.is_err());

    // Renew in place, as certbot or a Kubernetes secret update would, then SIGHUP.
    let old_cert = first.path().join("old.pem").to_string_lossy().into_owned();
    std::fs::copy(&cert, &old_cert).unwrap();
    std::fs::copy(&new_cert, &cert).unwrap();
    std::fs::copy(&new_key, &key).unwrap();
    let pid = server.child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut renewed = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if trusting(&new_cert).get(&health).send().await.is_ok() {
            renewed = true;
            break;
        }
    }
    assert!(renewed, "the new certificate is not served after SIGHUP");
    assert!(trusting(&old_cert).get(&health).send().await.is_err());
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "SIGHUP must not stop the server"
    );
}

/// Starting to serve HTTP logs no warning (rmcp warned once per port-less origin pattern on every
/// start); an origin without a port is still accepted; and an MCP token read from a file, with
/// its trailing line break, does not lock clients out.
#[tokio::test]
async fn a_quiet_start_port_less_origins_and_a_token_from_a_file() {
    use tokio::io::AsyncBufReadExt;
    let token = "0123456789abcdef0123456789abcdef";
    let mut child = tokio::process::Command::new(mcpgen_e2e::connector_binary("orders"))
        .args(["--http", "127.0.0.1:0"])
        .env("ORDERS_MCP_TOKEN", format!("{token}\n"))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut before = Vec::new();
    let url = loop {
        let line = lines.next_line().await.unwrap().expect("it listens");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_string();
        }
        before.push(line);
    };
    assert!(before.is_empty(), "start-up logged: {before:?}");
    let response = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "get_health")
        .header("origin", "http://localhost")
        .bearer_auth(token)
        .json(&modern_call(1, "get_health", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let _ = child.kill().await;
}
