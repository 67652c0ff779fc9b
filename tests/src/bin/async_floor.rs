//! A second reference for the benchmarks: the floor's one-tool proxy over stdio again, but on the
//! stack the connector stands on — Tokio on one thread, non-blocking pipes, reqwest with a
//! kept-alive connection — and nothing else. The gap between it and `floor` is what the async
//! stack costs; the gap between it and a connector is what the layers above it cost.
//!
//! `async-floor UPSTREAM PATH TOOL`, as `floor stdio`.

use std::os::fd::{AsFd, OwnedFd};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::pipe;

async fn answer(line: &str, client: &reqwest::Client, base: &str, tool: &str) -> Option<Value> {
    let request: Value = serde_json::from_str(line).ok()?;
    let id = request.get("id")?.clone();
    let result = match request["method"].as_str().unwrap_or("") {
        "initialize" => json!({"protocolVersion": request["params"]["protocolVersion"],
            "capabilities": {"tools": {}}, "serverInfo": {"name": "async-floor", "version": "1"}}),
        "tools/list" => json!({"tools": [{"name": tool, "inputSchema": {"type": "object"}}]}),
        "tools/call" => {
            let target = mcpgen_e2e::wire::fill_path(base, &request["params"]["arguments"]);
            let text = match client.get(&target).send().await {
                Ok(response) => response.text().await.unwrap_or_default(),
                Err(e) => e.to_string(),
            };
            json!({"content": [{"type": "text", "text": text}], "isError": false})
        }
        _ => json!({}),
    };
    Some(json!({"jsonrpc": "2.0", "id": id, "result": result}))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, upstream, path, tool] = args.as_slice() else {
        eprintln!("usage: async-floor UPSTREAM_HOST:PORT PATH TOOL");
        std::process::exit(2);
    };
    let base = format!("http://{upstream}{path}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .build()
            .expect("an HTTP client");
        let stdin: OwnedFd = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .expect("stdin");
        let stdout: OwnedFd = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .expect("stdout");
        let reader = pipe::Receiver::from_owned_fd(stdin).expect("stdin is a pipe");
        let mut writer = pipe::Sender::from_owned_fd(stdout).expect("stdout is a pipe");
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(reply) = answer(&line, &client, &base, tool).await {
                let mut bytes = serde_json::to_vec(&reply).expect("JSON");
                bytes.push(b'\n');
                if writer.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        }
    });
}
