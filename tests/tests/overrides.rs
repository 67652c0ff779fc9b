//! The `shop` connector: the Orders spec customised by `specs/orders-overrides.yaml`. For each
//! kind of override, what the MCP client sees and what the API receives, in both protocol eras.

use std::time::Duration;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

const ORDER: &str = "ord_7Hx2Lq9ZpA4m";

async fn api() -> Api {
    Api::start(|req| match (req.method.as_str(), req.path()) {
        ("GET", "/api/v2/orders") => Reply::json(200, json!({"data": [], "next_cursor": null})),
        ("GET", p) if p.ends_with("/status") => {
            Reply::json(200, json!({"status": "paid"})).after(Duration::from_secs(5))
        }
        ("GET", p) if p.starts_with("/api/v2/orders/") => {
            // Far more than the 20 000 bytes the overrides allow getOrder.
            let notes = "x".repeat(50_000);
            Reply::json(200, json!({"id": ORDER, "notes": notes}))
        }
        ("DELETE", _) => Reply::bytes(204, "application/json", b""),
        _ => Reply::json(201, json!({"id": ORDER})),
    })
    .await
}

fn env(api: &Api) -> Vec<(&'static str, String)> {
    vec![
        ("SHOP_BASE_URL", format!("{}/api/v2", api.url())),
        ("SHOP_API_KEY_AUTH", "key-123".into()),
        ("SHOP_BASIC_AUTH_USERNAME", "ops".into()),
        ("SHOP_BASIC_AUTH_PASSWORD", "pa55word".into()),
    ]
}

fn binary() -> std::path::PathBuf {
    mcpgen_e2e::connector_binary("shop")
}

fn schema_of(tools: &[rmcp::model::Tool], name: &str) -> Value {
    let tool = tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name}"));
    Value::Object((*tool.input_schema).clone())
}

async fn what_the_client_sees(era: Era) {
    let api = api().await;
    let client = Client::start(&binary(), &env(&api), era).await;

    // Connector-wide: title and instructions.
    let info = client.service.peer_info().expect("server info");
    let server = info.server_info.clone().expect("server info");
    assert_eq!(server.name, "shop");
    assert_eq!(server.title.as_deref(), Some("Shop orders"));
    assert_eq!(server.version, "2.4.1-shop.1");
    assert!(
        info.instructions
            .as_deref()
            .is_some_and(|i| i.starts_with("Tools for the shop's order service")),
        "{:?}",
        info.instructions
    );

    // Include/exclude and the prefix: exactly these tools.
    let tools = client.tools().await;
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "shop_archive_order",
            "shop_createOrder",
            "shop_createShipment",
            "shop_deleteOrder",
            "shop_find_orders",
            "shop_getOrder",
            "shop_getOrderStatus",
            "shop_listOrderLineItemsWithFulfillmentSta_16bb46",
            "shop_replaceOrder",
            "shop_updateOrder",
        ]
    );
    assert!(names.iter().all(|n| n.len() <= 48));

    // Parameters: renamed, defaulted, hidden, fixed, described.
    let find = schema_of(&tools, "shop_find_orders");
    let props = find["properties"].as_object().unwrap();
    assert!(props.contains_key("statuses") && !props.contains_key("status"));
    assert!(!props.contains_key("customer_id"));
    assert_eq!(props["limit"]["default"], 20);
    let create = schema_of(&tools, "shop_createOrder");
    assert!(
        !create["properties"]
            .as_object()
            .unwrap()
            .contains_key("session_hint")
    );
    assert_eq!(
        create["properties"]["X-Request-Id"]["description"],
        "Leave empty; the connector's operators trace calls by this id."
    );
    let body = &create["properties"]["body"];
    assert!(body["properties"].get("currency").is_none());
    assert!(body["properties"].get("customer").is_some());
    assert!(body["properties"].get("customer_id").is_none());
    assert_eq!(body["required"], json!(["customer", "line_items"]));
    // The tool's schema budget (two levels): a line item's price is a typed placeholder.
    let price = &body["properties"]["line_items"]["items"]["properties"]["unit_price"];
    assert_eq!(price["type"], "object");
    assert!(price.get("properties").is_none(), "{price}");
    assert!(
        price["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("`Money`: An amount of money")),
        "{price}"
    );

    // Descriptions, titles, annotations.
    let tool = |name: &str| tools.iter().find(|t| t.name == name).unwrap().clone();
    assert!(
        tool("shop_find_orders")
            .description
            .unwrap()
            .ends_with("\n\nResults are newest first; pass `cursor` to page.")
    );
    assert_eq!(
        tool("shop_archive_order").description.as_deref(),
        Some("Archive an order (soft removal); it stays in the archive for a year.")
    );
    assert_eq!(
        tool("shop_deleteOrder").title.as_deref(),
        Some("Delete an order (irreversible)")
    );
    let get = tool("shop_getOrder").annotations.unwrap();
    assert_eq!(get.open_world_hint, Some(false));
    assert_eq!(get.read_only_hint, Some(true));
    assert_eq!(
        tool("shop_replaceOrder")
            .annotations
            .unwrap()
            .open_world_hint,
        Some(true)
    );
    client.close().await;
}

#[tokio::test]
async fn the_client_sees_the_customised_tools_legacy() {
    what_the_client_sees(Era::Legacy).await;
}

#[tokio::test]
async fn the_client_sees_the_customised_tools_modern() {
    what_the_client_sees(Era::Modern).await;
}

async fn what_the_api_receives(era: Era) {
    let api = api().await;
    let client = Client::start(&binary(), &env(&api), era).await;

    // A renamed parameter goes out under its spec name; the default fills the gap.
    let r = client
        .call("shop_find_orders", json!({"statuses": ["paid"]}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let got = api.one();
    assert_eq!(got.path(), "/api/v2/orders");
    assert_eq!(got.query(), "status=paid&limit=20");
    // A value the model gives wins over the default.
    client
        .call("shop_find_orders", json!({"limit": 5}))
        .await
        .unwrap();
    assert_eq!(api.one().query(), "limit=5");

    // A hidden parameter is not an input any more.
    let r = client
        .call(
            "shop_find_orders",
            json!({"customer_id": "cus_8f3KzQ1xW9aB"}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("customer_id"), "{}", text(&r));
    assert!(api.take().is_empty());

    // Fixed values (a cookie and a body field) always go out; a renamed body field keeps its
    // wire name.
    let r = client
        .call(
            "shop_createOrder",
            json!({"body": {"customer": "cus_8f3KzQ1xW9aB", "line_items": [
                {"sku": "MUG-BLUE-350", "quantity": 1, "unit_price": {"amount_minor": 1299, "currency": "EUR"}}
            ]}}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let got = api.one();
    assert_eq!(got.method, "POST");
    assert_eq!(got.header("cookie"), Some("session_hint=shard-07"));
    let sent = got.json();
    assert_eq!(sent["customer_id"], "cus_8f3KzQ1xW9aB");
    // The price, a placeholder in the schema, was accepted and goes out whole.
    assert_eq!(
        sent["line_items"][0]["unit_price"],
        json!({"amount_minor": 1299, "currency": "EUR"})
    );
    assert_eq!(sent["currency"], "EUR");
    assert!(sent.get("customer").is_none(), "{sent}");
    // The model cannot send a fixed input.
    let r = client
        .call(
            "shop_createOrder",
            json!({"session_hint": "shard-01", "body": {"customer": "c", "line_items": []}}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(api.take().is_empty());

    // The per-tool response limit.
    let r = client
        .call("shop_getOrder", json!({"orderId": ORDER}))
        .await
        .unwrap();
    let body = text(&r);
    assert!(body.len() < 21_000, "{}", body.len());
    assert!(body.contains("cut"), "{}", &body[body.len() - 300..]);
    api.take();

    // The per-tool timeout: 2 s, where the API takes 5.
    let started = std::time::Instant::now();
    let r = client
        .call("shop_getOrderStatus", json!({"orderId": ORDER}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("timed out after 2 s"), "{}", text(&r));
    assert!(started.elapsed() < Duration::from_secs(5));
    client.close().await;
}

#[tokio::test]
async fn the_api_receives_what_the_overrides_say_legacy() {
    what_the_api_receives(Era::Legacy).await;
}

#[tokio::test]
async fn the_api_receives_what_the_overrides_say_modern() {
    what_the_api_receives(Era::Modern).await;
}

async fn confirmation(era: Era) {
    let api = api().await;
    let args = json!({"orderId": ORDER, "reason": "customer asked to cancel"});

    // The user confirms: the call goes through, after one question naming the tool and arguments.
    let client = Client::start_answering(&binary(), &env(&api), era, true).await;
    let r = client.call("shop_deleteOrder", args.clone()).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(api.one().method, "DELETE");
    let asked = client.asked();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("Delete an order (irreversible)"),
        "{}",
        asked[0]
    );
    assert!(
        asked[0].contains("customer asked to cancel"),
        "{}",
        asked[0]
    );
    // Tools without `confirm` never ask.
    client.call("shop_find_orders", json!({})).await.unwrap();
    assert_eq!(client.asked().len(), 1);
    api.take();
    // Invalid arguments are refused before the user is bothered.
    let r = client
        .call("shop_deleteOrder", json!({"orderId": ORDER}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("reason"), "{}", text(&r));
    assert_eq!(client.asked().len(), 1);
    client.close().await;

    // The user declines: nothing is sent.
    let client = Client::start_answering(&binary(), &env(&api), era, false).await;
    let r = client.call("shop_deleteOrder", args.clone()).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("did not confirm"), "{}", text(&r));
    assert_eq!(client.asked().len(), 1);
    client.close().await;

    // A client that cannot ask: refused, nothing sent, and the reason says why.
    let client = Client::start(&binary(), &env(&api), era).await;
    let r = client.call("shop_deleteOrder", args).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        text(&r).contains("does not support elicitation"),
        "{}",
        text(&r)
    );
    client.close().await;
    assert!(api.take().is_empty());
}

#[tokio::test]
async fn confirm_asks_the_user_legacy() {
    confirmation(Era::Legacy).await;
}

#[tokio::test]
async fn confirm_asks_the_user_modern() {
    confirmation(Era::Modern).await;
}

/// The default base URL comes from the overrides file (`SHOP_BASE_URL` still wins, as above).
#[test]
fn help_shows_the_base_url_the_overrides_give() {
    let out = std::process::Command::new(binary())
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("SHOP_BASE_URL") && help.contains("(default `http://127.0.0.1:8080/api/v2`)"),
        "{help}"
    );
    assert!(help.starts_with("MCP connector for Shop orders"), "{help}");
}

/// `--list-tools --json` names the deployed catalog and the hash of spec and overrides together.
#[test]
fn list_tools_json_carries_the_hash_of_spec_and_overrides() {
    let out = std::process::Command::new(binary())
        .args(["--list-tools", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let catalog: Value = serde_json::from_slice(&out.stdout).unwrap();
    let with = catalog["sourceHash"].as_str().unwrap().to_string();
    let plain = std::process::Command::new(mcpgen_e2e::connector_binary("orders"))
        .args(["--list-tools", "--json"])
        .output()
        .unwrap();
    let plain: Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(with.len(), 64);
    assert_ne!(with, plain["sourceHash"].as_str().unwrap());
    let root = mcpgen_e2e::workspace();
    let options = mcpgen::plan::PlanOptions {
        overrides: Some(
            mcpgen::overrides::Overrides::read(&root.join("specs/orders-overrides.yaml")).unwrap(),
        ),
        ..Default::default()
    };
    let built = mcpgen::build(
        &root.join("specs/orders-openapi-3.0.yaml").to_string_lossy(),
        &options,
    )
    .unwrap();
    assert_eq!(with, built.source_hash);
    assert_eq!(catalog["tools"].as_array().unwrap().len(), 10);
}
