//! The HTTP endpoint holds when clients misbehave: sessions are bounded in all and per caller
//! (503 and 429 beyond, as HTTP says) and expire when idle (404 after, as MCP says); connections
//! that never finish their headers or their TLS handshake are closed, and other clients and
//! `/healthz` are still served; when the process runs out of file descriptors, accepting pauses
//! and logs once instead of spinning.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use mcpgen_e2e::served::{Running, self_signed, start};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}})
}

/// An HTTP client whose connections come from `source` (any of 127.0.0.0/8 is loopback).
fn client_from(source: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(source))
        .build()
        .unwrap()
}

/// Opens a session; the status, the session id and the `Retry-After` header.
async fn open(http: &reqwest::Client, url: &str) -> (u16, Option<String>, Option<String>) {
    let response = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&initialize())
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (status, session, retry) = (
        response.status().as_u16(),
        header("mcp-session-id"),
        header("retry-after"),
    );
    let body = response.text().await.unwrap();
    if status != 200 {
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"]["code"], -32000, "{body}");
        assert_eq!(error["id"], 1, "the answer names the request: {body}");
    }
    (status, session, retry)
}

async fn tools_list(http: &reqwest::Client, url: &str, session: &str) -> u16 {
    http.post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn sessions_are_bounded_in_all_and_per_caller() {
    let server = start(
        &["--http", "127.0.0.1:0"],
        &[
            ("ORDERS_MCP_MAX_SESSIONS", "50".into()),
            ("ORDERS_MCP_MAX_SESSIONS_PER_CALLER", "30".into()),
        ],
    )
    .await;
    let (one, two) = (
        client_from(Ipv4Addr::new(127, 0, 0, 1)),
        client_from(Ipv4Addr::new(127, 0, 0, 2)),
    );
    let mut mine = Vec::new();
    for _ in 0..30 {
        let (status, session, _) = open(&one, &server.url).await;
        assert_eq!(status, 200);
        mine.push(session.expect("a session id"));
    }
    let (status, _, retry) = open(&one, &server.url).await;
    assert_eq!(
        (status, retry.as_deref()),
        (429, Some("10")),
        "one caller's bound"
    );
    for _ in 0..20 {
        assert_eq!(open(&two, &server.url).await.0, 200, "another caller");
    }
    let (status, _, retry) = open(&two, &server.url).await;
    assert_eq!(
        (status, retry.as_deref()),
        (503, Some("10")),
        "the bound in all"
    );

    // Closing a session makes room for its caller again.
    let closed = one
        .delete(&server.url)
        .header("mcp-session-id", &mine[0])
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success(), "{}", closed.status());
    assert_eq!(open(&one, &server.url).await.0, 200);
    assert_eq!(tools_list(&one, &server.url, &mine[1]).await, 200);

    // Thousands more `initialize` requests take no memory to speak of: they are refused.
    let pid = server.child.id().unwrap();
    let before = mcpgen_e2e::memory_kib(pid, "VmRSS");
    for _ in 0..200 {
        let refused =
            mcpgen_e2e::join_all((0..10).map(|_| open(&one, &server.url)).collect()).await;
        // Both bounds are reached: the one in all answers first.
        assert!(refused.iter().all(|(status, _, _)| *status == 503));
    }
    let grown = mcpgen_e2e::memory_kib(pid, "VmRSS").saturating_sub(before);
    assert!(
        grown < 20 * 1024,
        "2,000 refused sessions grew the connector by {grown} KiB"
    );
    // Nor do they flood the log (rmcp logs an error for each session it fails to create).
    assert!(
        server.logged_lines() < 10,
        "{} lines logged",
        server.logged_lines()
    );
}

#[tokio::test]
async fn idle_sessions_expire_and_make_room() {
    let server = start(
        &["--http", "127.0.0.1:0"],
        &[
            ("ORDERS_MCP_MAX_SESSIONS_PER_CALLER", "1".into()),
            ("ORDERS_MCP_SESSION_IDLE_SECS", "1".into()),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let (status, session, _) = open(&http, &server.url).await;
    assert_eq!(status, 200);
    let session = session.unwrap();
    assert_eq!(open(&http, &server.url).await.0, 429);
    // Idle for a second, the session is closed: the protocol's answer for it is 404. (Each
    // look is a message, which keeps a session alive: look less often than it idles.)
    let mut status = 200;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        status = tools_list(&http, &server.url, &session).await;
        if status == 404 {
            break;
        }
    }
    assert_eq!(status, 404, "the idle session is still there");
    assert_eq!(
        open(&http, &server.url).await.0,
        200,
        "its room is free again"
    );
}

/// Whether the server closes `stream` within `bound` (it reads end of file or a reset).
async fn closed_by_server(mut stream: TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    });
    read.await.is_ok()
}

async fn health(server: &Running) -> u16 {
    let url = server.url.replace("/mcp", "/healthz");
    let response = tokio::time::timeout(Duration::from_secs(20), reqwest::get(&url))
        .await
        .expect("/healthz answers while slow clients hold connections")
        .unwrap();
    response.status().as_u16()
}

fn addr(server: &Running) -> SocketAddr {
    let authority = server.url.split('/').nth(2).unwrap();
    authority.parse().unwrap()
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_others_still_served() {
    let server = start(
        &["--http", "127.0.0.1:0"],
        &[
            ("ORDERS_MCP_MAX_CONNECTIONS", "16".into()),
            ("ORDERS_MCP_HEADER_TIMEOUT_SECS", "1".into()),
        ],
    )
    .await;
    // Forty clients that never finish their headers, and ten that never send a byte.
    let mut slow = Vec::new();
    for i in 0..50 {
        let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
        if i < 40 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();
        }
        slow.push(stream);
    }
    assert_eq!(health(&server).await, 200);
    let closed = mcpgen_e2e::join_all(
        slow.into_iter()
            .map(|s| closed_by_server(s, Duration::from_secs(30)))
            .collect(),
    )
    .await;
    assert!(closed.iter().all(|c| *c), "a slow connection stayed open");

    // Over TLS, a client that never starts the handshake is cut off too.
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let tls = start(
        &[
            "--http",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
        &[("ORDERS_MCP_HEADER_TIMEOUT_SECS", "1".into())],
    )
    .await;
    let silent = TcpStream::connect(addr(&tls)).await.unwrap();
    assert!(closed_by_server(silent, Duration::from_secs(30)).await);
}

/// Out of file descriptors, a connector used to retry `accept` at once, forever, logging each
/// failure (733 MB of stderr in 25 s). Now it pauses and logs once per interval, and serves
/// again when descriptors are free.
#[tokio::test]
async fn running_out_of_file_descriptors_pauses_accepting_quietly() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let mut child = tokio::process::Command::new("prlimit")
        .arg("--nofile=48:48")
        .arg(binary)
        .args(["--http", "127.0.0.1:0"])
        .env("ORDERS_MCP_HEADER_TIMEOUT_SECS", "60")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next_line().await.unwrap().expect("it listens");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_string();
        }
    };
    let authority: SocketAddr = url.split('/').nth(2).unwrap().parse().unwrap();
    // More connections than descriptors: the kernel queues them, accept fails with EMFILE.
    let mut held = Vec::new();
    for _ in 0..64 {
        held.push(TcpStream::connect(authority).await.unwrap());
    }
    let mut failures = 0;
    let _ = tokio::time::timeout(Duration::from_secs(3), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("accepting a connection failed") {
                failures += 1;
            }
        }
    })
    .await;
    assert!(
        (1..=2).contains(&failures),
        "{failures} lines about failed accepts in 3 s"
    );
    drop(held);
    let health = url.replace("/mcp", "/healthz");
    let mut healthy = false;
    for _ in 0..50 {
        if let Ok(Ok(r)) = tokio::time::timeout(Duration::from_secs(2), reqwest::get(&health)).await
        {
            healthy = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        healthy,
        "the connector serves again once descriptors are free"
    );
    let _ = child.kill().await;
}
