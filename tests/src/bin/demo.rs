//! The whole loop in one run (`scripts/demo`): a small Orders API starts on loopback; mcpgen
//! generates the Orders connector from `specs/` and builds it; a real MCP client drives it through
//! one read and one write; the demo prints what the API received and what the model saw, then
//! how to install the connector.

use std::path::Path;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::json;

/// The example API's answers: a page of orders, and the order a POST creates.
fn answer(request: &mcpgen_e2e::api::Received) -> Reply {
    match (request.method.as_str(), request.path()) {
        ("GET", "/v1/orders") => Reply::json(
            200,
            json!({"items": [{"id": "ord_7Hx2Lq9ZpA4m", "status": "paid", "total": {"amount_minor": 2598, "currency": "EUR"}}],
                   "next_cursor": null}),
        ),
        ("POST", "/v1/orders") => Reply::json(
            201,
            json!({"id": "ord_N3wOrd3r0001", "status": "pending", "customer_id": request.json()["customer_id"]}),
        ),
        _ => Reply::json(404, json!({"title": "Not found"})),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let root = mcpgen_e2e::workspace();
    let spec = root.join("specs/orders-openapi-3.0.yaml");
    println!("== 1. A local Orders API");
    let api = Api::start(answer).await;
    println!("   listening at {}", api.url());

    println!(
        "\n== 2. mcpgen generate {} (and cargo build)",
        relative(&spec, &root)
    );
    let binary = mcpgen_e2e::generated_connector(&spec, "orders-demo");
    println!("   built {}", relative(&binary, &root));

    let env = [
        ("ORDERS_DEMO_BASE_URL", format!("{}/v1", api.url())),
        ("ORDERS_DEMO_API_KEY_AUTH", "demo-key-123".to_string()),
    ];
    let client = Client::start(&binary, &env, Era::Modern).await;
    let tools = client.tools().await;
    println!("\n== 3. A real MCP client connects: {} tools", tools.len());
    for tool in tools.iter().take(4) {
        println!("   {}", tool.name);
    }
    println!("   …");

    call(
        &client,
        &api,
        4,
        "listOrders",
        json!({"status": ["paid"], "limit": 5}),
    )
    .await;
    call(
        &client,
        &api,
        5,
        "createOrder",
        json!({"body": {"customer_id": "cus_8f3KzQ1xW9aB", "currency": "EUR",
            "line_items": [{"sku": "MUG-BLUE-350", "quantity": 2, "unit_price": {"amount_minor": 1299, "currency": "EUR"}}]}}),
    )
    .await;
    client.close().await;

    println!(
        "\n== 6. Install it in Claude Code (target/e2e/orders-demo/orders-demo/install/.mcp.json):"
    );
    let install = root.join("target/e2e/orders-demo/orders-demo/install/.mcp.json");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(install).unwrap_or_default())
            .unwrap_or_default();
    println!(
        "{}",
        serde_json::to_string_pretty(
            &json!({"mcpServers": {"orders-demo": config["mcpServers"]["orders-demo"]}})
        )
        .unwrap_or_default()
    );
    println!(
        "   or: claude mcp add orders-demo --env ORDERS_DEMO_API_KEY_AUTH=… -- {}",
        relative(&binary, &root)
    );
}

/// One tool call: what the API received, and what the model sees.
async fn call(client: &Client, api: &Api, step: u8, tool: &str, args: serde_json::Value) {
    println!("\n== {step}. The model calls {tool} {args}");
    let result = client.call(tool, args).await.expect("the call is answered");
    for request in api.take() {
        println!("   the API received: {} {}", request.method, request.target);
        if let Some(key) = request.header("x-api-key") {
            println!("                     X-API-Key: {key}");
        }
        if !request.body.is_empty() {
            println!(
                "                     {}",
                String::from_utf8_lossy(&request.body)
            );
        }
    }
    println!("   the model sees:   {}", text(&result));
}

fn relative(path: &Path, root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}
