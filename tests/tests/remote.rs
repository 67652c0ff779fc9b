//! The connector as a protected remote service: a static bearer token, OAuth 2.1 resource-server
//! mode against a real authorization server (oauth2-mock-server: signed JWTs, JWKS, metadata),
//! the refusal to serve beyond loopback unprotected, `/readyz`, and a SIGTERM that lets running
//! calls finish.

use std::process::Stdio;
use std::time::Duration;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::served::{Running, answer, modern_call, start};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

const TOKEN: &str = "0f3c9d2a7b8e41d6a5c0b9e8d7f6a5b4";

fn api_env(api: &Api) -> Vec<(&'static str, String)> {
    vec![
        ("ORDERS_BASE_URL", format!("{}/v1", api.url())),
        ("ORDERS_API_KEY_AUTH", "connector-key".into()),
    ]
}

async fn orders_api() -> Api {
    Api::start(|req| Reply::json(200, json!({"path": req.path()}))).await
}

/// POSTs a 2026-07-28 `tools/call` of `get_health` with `authorization` (if any).
async fn call_health(server: &Running, authorization: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(&server.url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "get_health")
        .json(&modern_call(1, "get_health", json!({})));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_static_token_protects_the_endpoint_and_never_reaches_the_api() {
    let api = orders_api().await;
    let mut env = api_env(&api);
    env.push(("ORDERS_MCP_TOKEN", TOKEN.into()));
    let server = start(&["--http", "127.0.0.1:0"], &env).await;

    let none = call_health(&server, None).await;
    assert_eq!(none.status(), 401);
    assert_eq!(challenge(&none), "Bearer");
    let wrong = call_health(&server, Some("Bearer 0f3c9d2a7b8e41d6a5c0b9e8d7f6a5b5")).await;
    assert_eq!(wrong.status(), 401);
    assert!(challenge(&wrong).contains("error=\"invalid_token\""));
    assert!(api.take().is_empty());

    let ok = call_health(&server, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(ok.status(), 200);
    let reply = answer(&ok.text().await.unwrap());
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let got = api.one();
    assert_eq!(got.header("authorization"), None);
    assert!(!format!("{got:?}").contains(TOKEN));

    // Probes stay open: a load balancer has no token.
    let health = reqwest::get(server.url.replace("/mcp", "/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = std::process::Command::new(mcpgen_e2e::connector_binary("orders"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn beyond_loopback_the_operator_must_choose_a_protection() {
    let (code, stderr) = run_to_exit(&["--http", "0.0.0.0:0"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    for part in ["ORDERS_MCP_TOKEN", "ORDERS_MCP_ISSUER", "--no-auth"] {
        assert!(stderr.contains(part), "{stderr}");
    }
    let (code, stderr) = run_to_exit(&["--http", "0.0.0.0:0"], &[("ORDERS_MCP_TOKEN", "short")]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at least 16 characters"), "{stderr}");
    let (code, stderr) = run_to_exit(
        &["--http", "127.0.0.1:0"],
        &[("ORDERS_MCP_ISSUER", "http://127.0.0.1:9")],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("ORDERS_MCP_RESOURCE"), "{stderr}");
    // An explicit choice to rely on a gateway starts.
    let server = start(&["--http", "0.0.0.0:0", "--no-auth"], &[]).await;
    assert!(server.url.starts_with("http://0.0.0.0:"), "{}", server.url);
}

/// The authorization server, with its issuer URL.
struct AuthServer {
    child: tokio::process::Child,
    issuer: String,
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn auth_server() -> AuthServer {
    let deps = mcpgen_e2e::test_deps();
    // ESM resolves packages next to the script: run it from the installed peers.
    let script = deps.join("oauth_server.mjs");
    std::fs::copy(
        mcpgen_e2e::workspace().join("tests/peers/oauth_server.mjs"),
        &script,
    )
    .expect("scripts/install-test-deps has run");
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the authorization server starts")
        .unwrap()
        .unwrap();
    let issuer = serde_json::from_str::<Value>(&first).unwrap()["issuer"]
        .as_str()
        .unwrap()
        .to_string();
    AuthServer { child, issuer }
}

impl AuthServer {
    async fn token(&self, fields: &[(&str, &str)]) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend_from_slice(fields);
        let reply: Value = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["access_token"].as_str().unwrap().to_string()
    }
}

const RESOURCE: &str = "https://mcp.example.test/mcp";

#[tokio::test]
async fn oauth_access_tokens_are_checked_against_the_issuer() {
    let auth = auth_server().await;
    let api = orders_api().await;
    let mut env = api_env(&api);
    env.push(("ORDERS_MCP_ISSUER", auth.issuer.clone()));
    env.push(("ORDERS_MCP_RESOURCE", RESOURCE.into()));
    env.push(("ORDERS_MCP_SCOPES", "orders:read".into()));
    let server = start(&["--http", "127.0.0.1:0"], &env).await;

    // No token: 401 pointing to the protected-resource metadata.
    let none = call_health(&server, None).await;
    assert_eq!(none.status(), 401);
    assert_eq!(
        challenge(&none),
        "Bearer resource_metadata=\"https://mcp.example.test/.well-known/oauth-protected-resource/mcp\", scope=\"orders:read\""
    );
    let base = server.url.trim_end_matches("/mcp").to_string();
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let metadata: Value = reqwest::get(format!("{base}{path}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(metadata["resource"], RESOURCE);
        assert_eq!(metadata["authorization_servers"], json!([auth.issuer]));
        assert_eq!(metadata["scopes_supported"], json!(["orders:read"]));
    }

    // A good token: served, and the token goes no further.
    let good = auth
        .token(&[
            ("audience", RESOURCE),
            ("scope", "orders:read orders:write"),
        ])
        .await;
    let ok = call_health(&server, Some(&format!("Bearer {good}"))).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        answer(&ok.text().await.unwrap())["result"]["isError"],
        false
    );
    let got = api.one();
    assert_eq!(got.header("authorization"), None);
    assert!(!format!("{got:?}").contains(&good));

    // Expired, for another audience, tampered with, without the scope.
    let expired = auth
        .token(&[
            ("audience", RESOURCE),
            ("scope", "orders:read"),
            ("expires_in_seconds", "-120"),
        ])
        .await;
    let other = auth
        .token(&[
            ("audience", "https://other.example/mcp"),
            ("scope", "orders:read"),
        ])
        .await;
    let (head, signature) = good.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &signature[1..]);
    let unscoped = auth
        .token(&[("audience", RESOURCE), ("scope", "orders:write")])
        .await;
    for (token, status, says) in [
        (expired.as_str(), 401, "expired"),
        (other.as_str(), 401, "not for https://mcp.example.test/mcp"),
        (tampered.as_str(), 401, "signature"),
        ("not-a-jwt", 401, "not a JWT"),
        (unscoped.as_str(), 403, "insufficient_scope"),
    ] {
        let refused = call_health(&server, Some(&format!("Bearer {token}"))).await;
        assert_eq!(refused.status(), status, "{says}");
        let challenge = challenge(&refused);
        assert!(challenge.contains("resource_metadata="), "{challenge}");
        let body = refused.text().await.unwrap();
        assert!(
            challenge.contains(says) || body.contains(says),
            "{says}: {challenge} {body}"
        );
    }
    assert!(api.take().is_empty(), "a refused call reached the API");
}

#[tokio::test]
async fn readyz_says_whether_the_api_answers() {
    let api = orders_api().await;
    let up = start(&["--http", "127.0.0.1:0"], &api_env(&api)).await;
    let ready = reqwest::get(up.url.replace("/mcp", "/readyz"))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = start(
        &["--http", "127.0.0.1:0"],
        &[("ORDERS_BASE_URL", format!("http://127.0.0.1:{port}/v1"))],
    )
    .await;
    let ready = reqwest::get(down.url.replace("/mcp", "/readyz"))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(ready.text().await.unwrap().contains("not reachable"));
}

#[tokio::test]
async fn sigterm_lets_running_calls_finish() {
    let api = Api::start(|req| {
        Reply::json(200, json!({"path": req.path()})).after(Duration::from_secs(2))
    })
    .await;
    let mut server = start(&["--http", "127.0.0.1:0"], &api_env(&api)).await;
    let url = server.url.clone();
    let call = tokio::spawn(async move {
        reqwest::Client::new()
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "get_health")
            .json(&modern_call(7, "get_health", json!({})))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    let pid = server.child.id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // No new connections once shutting down.
    assert!(
        reqwest::get(server.url.replace("/mcp", "/healthz"))
            .await
            .is_err()
    );
    // The running call still gets its result.
    let body = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap()
        .unwrap();
    let reply = answer(&body);
    assert_eq!(reply["id"], 7);
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let status = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("the connector exits")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
