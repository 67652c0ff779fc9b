//! The floor: a minimal one-tool MCP proxy written by hand, the least any MCP layer can cost on
//! this machine. It reads a message, answers `initialize`, `ping`, `tools/list` and
//! `tools/call` of its one tool by a GET on one kept-alive upstream connection, and writes the
//! answer — no validation, no schemas, no sessions, no async runtime.
//!
//! `floor stdio UPSTREAM PATH TOOL` serves stdin/stdout (blocking line reads);
//! `floor http UPSTREAM PATH TOOL` serves Streamable HTTP POSTs on 127.0.0.1 (a thread and an
//! upstream connection per client connection) and prints its port. `PATH` is the upstream
//! target with `{argument}` placeholders filled from the call's arguments.

use std::io::{BufRead, Write};

use mcpgen_e2e::wire::{self, Connection};
use serde_json::{Value, json};

struct Proxy {
    upstream: Connection,
    path: String,
    tool: String,
}

impl Proxy {
    /// The answer to one JSON-RPC message; `None` for a notification.
    fn answer(&mut self, message: &[u8]) -> Option<Vec<u8>> {
        let request: Value = serde_json::from_slice(message).ok()?;
        let id = request.get("id")?.clone();
        let result = match request["method"].as_str().unwrap_or("") {
            "initialize" => json!({
                "protocolVersion": request["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "floor", "version": "1"}}),
            "tools/list" => json!({"tools": [{"name": self.tool,
                "inputSchema": {"type": "object"}}]}),
            "tools/call" => self.call(&request["params"]["arguments"]),
            _ => json!({}),
        };
        let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
        Some(serde_json::to_vec(&reply).expect("a JSON value serializes"))
    }

    fn call(&mut self, arguments: &Value) -> Value {
        let target = wire::fill_path(&self.path, arguments);
        match self.upstream.exchange("GET", &target, &[], b"") {
            Ok(response) => json!({
                "content": [{"type": "text", "text": String::from_utf8_lossy(&response.body)}],
                "isError": response.status() >= 400}),
            Err(e) => json!({"content": [{"type": "text", "text": e.to_string()}],
                "isError": true}),
        }
    }
}

fn serve_stdio(mut proxy: Proxy) {
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.split(b'\n') {
        let Ok(line) = line else { return };
        if let Some(mut reply) = proxy.answer(&line) {
            reply.push(b'\n');
            if stdout
                .write_all(&reply)
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return;
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, upstream, path, tool] = args.as_slice() else {
        eprintln!("usage: floor stdio|http UPSTREAM_HOST:PORT PATH TOOL");
        std::process::exit(2);
    };
    let proxy = || Proxy {
        upstream: Connection::new(upstream),
        path: path.clone(),
        tool: tool.clone(),
    };
    match mode.as_str() {
        "stdio" => serve_stdio(proxy()),
        "http" => wire::serve(|| {
            let mut proxy = proxy();
            move |request: &wire::Message| match proxy.answer(&request.body) {
                Some(reply) => (200, reply),
                None => (202, Vec::new()),
            }
        }),
        other => {
            eprintln!("floor: unknown mode `{other}` (stdio or http)");
            std::process::exit(2);
        }
    }
}
