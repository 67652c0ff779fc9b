//! A connector serving MCP over HTTP as a child process, and the JSON-RPC bodies tests send it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

/// A connector serving HTTP, killed when dropped.
pub struct Running {
    pub child: tokio::process::Child,
    /// The MCP endpoint (`http://127.0.0.1:PORT/mcp`).
    pub url: String,
    /// How many lines it has written to stderr since it listened.
    logged: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Running {
    /// How many lines the connector has logged since it started listening.
    pub fn logged_lines(&self) -> usize {
        self.logged.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Starts the `orders` connector with `args` and `env` and waits until it listens.
pub async fn start(args: &[&str], env: &[(&str, String)]) -> Running {
    start_connector("orders", args, env).await
}

/// Starts the workspace's connector `name` with `args` and `env` and waits until it listens.
pub async fn start_connector(name: &str, args: &[&str], env: &[(&str, String)]) -> Running {
    let binary = crate::connector_binary(name);
    let mut child = tokio::process::Command::new(binary)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("listening on ") {
                return url.trim().to_string();
            }
        }
        panic!("the connector exited before listening");
    })
    .await
    .expect("the connector listens");
    let logged = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counting = logged.clone();
    tokio::spawn(async move {
        while let Ok(Some(_)) = lines.next_line().await {
            counting.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    Running { child, url, logged }
}

/// The JSON-RPC answer in a JSON or SSE body.
pub fn answer(body: &str) -> Value {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return v;
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v.get("id").is_some())
        .unwrap_or_else(|| panic!("no JSON-RPC answer in {body}"))
}

/// A 2026-07-28 `tools/call` request body.
pub fn modern_call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}},
        "name": tool, "arguments": arguments}})
}

/// A self-signed certificate and key for `localhost` and 127.0.0.1 in `dir` (by openssl).
pub fn self_signed(dir: &Path) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success());
    (
        cert.to_string_lossy().into_owned(),
        key.to_string_lossy().into_owned(),
    )
}
