//! MCP tasks (extension `io.modelcontextprotocol/tasks`) for long-running operations: the shop's
//! overrides file marks `archive_order` long-running. A client that declares the extension gets
//! a task at once, in both protocol eras, and `tasks/get` inlines the result when the API has
//! answered; `tasks/cancel` stops the upstream request and the task stays cancelled; a client
//! without the extension gets the plain result; and over HTTP one session can never see another
//! session's task.

use std::time::Duration;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era};
use mcpgen_e2e::served::{answer, start_connector};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, GetTaskParams, TaskPayload,
    TaskStatus,
};
use serde_json::{Value, json};

const ORDER: &str = "ord_aaaaaaaaaaaa";

/// An API that archives an order after `delay`.
async fn archiving_api(delay: Duration) -> Api {
    Api::start(move |req| {
        let archived = json!({"id": ORDER, "status": "delivered", "archived_at": "2024-06-01T10:00:00Z",
                              "path": req.path()});
        Reply::json(200, archived).after(delay)
    })
    .await
}

fn env(api: &Api) -> Vec<(&'static str, String)> {
    vec![
        ("SHOP_BASE_URL", format!("{}/v1", api.url())),
        ("SHOP_API_KEY_AUTH", "k".to_string()),
    ]
}

fn archive() -> CallToolRequestParams {
    let Value::Object(args) = json!({"orderId": ORDER}) else {
        unreachable!("an object literal")
    };
    CallToolRequestParams::new("shop_archive_order").with_arguments(args)
}

#[tokio::test]
async fn a_long_call_becomes_a_task_whose_result_arrives_later() {
    let api = archiving_api(Duration::from_millis(600)).await;
    let binary = mcpgen_e2e::connector_binary("shop");
    for era in [Era::Legacy, Era::Modern] {
        let client = Client::start_with_tasks(&binary, &env(&api), era).await;
        let peer = client.service.peer();
        let CallToolResponse::Task(created) = peer.call_tool_once(archive()).await.unwrap() else {
            panic!("a client that uses tasks gets a task")
        };
        let task = &created.task;
        assert_eq!(task.status, TaskStatus::Working);
        assert_eq!(task.ttl_ms, Some(3_600_000));
        assert!(task.poll_interval_ms.is_some());

        let mut detailed = None;
        for _ in 0..100 {
            let got = peer
                .get_task(GetTaskParams::new(task.task_id.clone()))
                .await
                .unwrap();
            if got.task.task.status.is_terminal() {
                detailed = Some(got.task);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let detailed = detailed.expect("the task finishes");
        let TaskPayload::Completed { result } = &detailed.payload else {
            panic!("completed, not {:?}", detailed.payload)
        };
        assert_eq!(result["structuredContent"]["id"], ORDER);
        assert_eq!(
            result["structuredContent"]["path"],
            format!("/v1/orders/{ORDER}/archive")
        );
        client.close().await;
    }

    // Without the extension, the same call answers in place.
    let client = Client::start(&binary, &env(&api), Era::Legacy).await;
    let result = client
        .call("shop_archive_order", json!({"orderId": ORDER}))
        .await
        .unwrap();
    assert_eq!(result.structured_content.unwrap()["id"], ORDER);
    client.close().await;
}

#[tokio::test]
async fn cancelling_a_task_stops_its_request() {
    let api = archiving_api(Duration::from_secs(30)).await;
    let binary = mcpgen_e2e::connector_binary("shop");
    let client = Client::start_with_tasks(&binary, &env(&api), Era::Legacy).await;
    let peer = client.service.peer();
    let CallToolResponse::Task(created) = peer.call_tool_once(archive()).await.unwrap() else {
        panic!("a task")
    };
    let id = created.task.task_id;
    // Wait until the request is at the API, then cancel.
    for _ in 0..100 {
        if api.most_at_once() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    peer.cancel_task(CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    let got = peer.get_task(GetTaskParams::new(id.clone())).await.unwrap();
    assert_eq!(got.task.task.status, TaskStatus::Cancelled);
    // The request to the API was dropped, not left to run out.
    for _ in 0..100 {
        if api.aborted() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(api.aborted(), 1, "the upstream request was cancelled");
    // Cancelling again is fine; the task stays cancelled.
    peer.cancel_task(CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    let got = peer.get_task(GetTaskParams::new(id)).await.unwrap();
    assert_eq!(got.task.task.status, TaskStatus::Cancelled);
    client.close().await;
}

/// Opens a 2025-11-25 session that uses tasks; its id.
async fn open_session(http: &reqwest::Client, url: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        "clientInfo": {"name": "tasks", "version": "1"}}});
    let response = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let _ = response.text().await;
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    rpc(http, url, &session, initialized).await;
    session
}

async fn rpc(http: &reqwest::Client, url: &str, session: &str, body: Value) -> Value {
    let text = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    if body.get("id").is_none() {
        return Value::Null;
    }
    answer(&text)
}

#[tokio::test]
async fn a_session_never_sees_another_session_s_task() {
    let api = archiving_api(Duration::from_millis(100)).await;
    let server = start_connector("shop", &["--http", "127.0.0.1:0"], &env(&api)).await;
    let http = reqwest::Client::new();
    let mine = open_session(&http, &server.url).await;
    let theirs = open_session(&http, &server.url).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "shop_archive_order", "arguments": {"orderId": ORDER}}});
    let created = rpc(&http, &server.url, &mine, call).await;
    let id = created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {created}"))
        .to_string();
    assert_eq!(created["result"]["resultType"], "task");

    let get = json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/get", "params": {"taskId": id}});
    let cancel =
        json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/cancel", "params": {"taskId": id}});
    let unknown = json!({"jsonrpc": "2.0", "id": 4, "method": "tasks/get",
        "params": {"taskId": "00000000-0000-4000-8000-000000000000"}});
    let seen = rpc(&http, &server.url, &theirs, get.clone()).await;
    let none = rpc(&http, &server.url, &theirs, unknown).await;
    assert_eq!(seen["error"]["code"], -32602, "{seen}");
    assert_eq!(
        seen["error"]["code"], none["error"]["code"],
        "another's task looks like none at all"
    );
    let refused = rpc(&http, &server.url, &theirs, cancel).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    let mut status = Value::Null;
    for _ in 0..100 {
        let got = rpc(&http, &server.url, &mine, get.clone()).await;
        status = got["result"]["status"].clone();
        if status == "completed" {
            assert_eq!(got["result"]["result"]["structuredContent"]["id"], ORDER);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status, "completed",
        "the owner's task completes for its owner"
    );
}

/// A `redis-server` (Debian's) on a free loopback port, without persistence; killed on drop.
struct Redis {
    child: std::process::Child,
    url: String,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs: run scripts/install-test-deps");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            child,
            url: format!("redis://127.0.0.1:{port}/0"),
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stateless (2026-07-28) request that uses tasks.
async fn stateless(
    http: &reqwest::Client,
    url: &str,
    id: u64,
    method: &str,
    params: Value,
) -> Value {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":
            {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
    let mut request = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    // The HTTP header names what the request is about: the tool, or the task.
    if let Some(name) = params["name"].as_str().or(params["taskId"].as_str()) {
        request = request.header("mcp-name", name);
    }
    let text = request
        .json(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    answer(&text)
}

#[tokio::test]
async fn replicas_sharing_redis_answer_for_each_other_s_tasks() {
    let redis = Redis::start();
    let quick = archiving_api(Duration::from_millis(300)).await;
    let mut shared = env(&quick);
    shared.push(("SHOP_MCP_TASKS_REDIS_URL", redis.url.clone()));
    let one = start_connector("shop", &["--http", "127.0.0.1:0"], &shared).await;
    let two = start_connector("shop", &["--http", "127.0.0.1:0"], &shared).await;
    let http = reqwest::Client::new();
    let call = json!({"name": "shop_archive_order", "arguments": {"orderId": ORDER}});

    // Created on one, polled and fetched on the other.
    let created = stateless(&http, &one.url, 1, "tools/call", call.clone()).await;
    let id = created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {created}"))
        .to_string();
    let mut done = Value::Null;
    for n in 0..100 {
        let got = stateless(&http, &two.url, 2 + n, "tasks/get", json!({"taskId": id})).await;
        if got["result"]["status"] == "completed" {
            done = got;
            break;
        }
        assert_eq!(got["result"]["status"], "working", "{got}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        done["result"]["result"]["structuredContent"]["id"], ORDER,
        "the other replica gives the result: {done}"
    );

    // Created on one, cancelled through the other: the first stops its upstream request.
    let slow = archiving_api(Duration::from_secs(30)).await;
    let mut shared = env(&slow);
    shared.push(("SHOP_MCP_TASKS_REDIS_URL", redis.url.clone()));
    let three = start_connector("shop", &["--http", "127.0.0.1:0"], &shared).await;
    let created = stateless(&http, &three.url, 200, "tools/call", call).await;
    let id = created["result"]["taskId"].as_str().unwrap().to_string();
    for _ in 0..100 {
        if slow.most_at_once() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ack = stateless(&http, &two.url, 201, "tasks/cancel", json!({"taskId": id})).await;
    assert!(ack.get("error").is_none(), "{ack}");
    let got = stateless(&http, &three.url, 202, "tasks/get", json!({"taskId": id})).await;
    assert_eq!(got["result"]["status"], "cancelled", "{got}");
    for _ in 0..100 {
        if slow.aborted() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        slow.aborted(),
        1,
        "the replica running it dropped the request"
    );
}
