//! Result views (MCP Apps). A client that declares `io.modelcontextprotocol/ui` sees tools
//! linked to `ui://` views and reads their HTML, in both protocol eras; a client that does not
//! sees exactly what it saw before. Then a real browser: headless Chromium loads each view in a
//! sandboxed iframe of a host page that plays the host's side of the protocol
//! (`tests/peers/view_host.mjs`), with a result a real connector call returned, and the test
//! checks what was drawn — the table's rows, sorting, filtering, the next page called through
//! the host, the theme; a card's fields; a chart's bars. Screenshots land in `target/views/`.

use std::path::PathBuf;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era};
use rmcp::model::{ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

fn order(id: &str, status: &str, cents: i64, currency: &str) -> Value {
    json!({"id": id, "customer_id": "cus_8f3KzQ1xW9aB", "status": status, "currency": currency,
           "total": {"amount_minor": cents, "currency": currency},
           "line_items": [{"sku": "MUG-BLUE-350", "quantity": 2,
                           "unit_price": {"amount_minor": 1299, "currency": currency}}],
           "created_at": "2024-04-02T09:14:00Z"})
}

/// An Orders API with two pages of orders and an order's line items.
async fn orders_api() -> Api {
    Api::start(|req| {
        let path = req.path();
        if path.ends_with("/line-items") {
            return Reply::json(
                200,
                json!([{"sku": "MUG-BLUE-350", "quantity": 2}, {"sku": "TEE-RED-M", "quantity": 5},
                       {"sku": "CAP-GREY", "quantity": 1}]),
            );
        }
        if path.ends_with("/orders") && req.query().contains("cursor=page2") {
            return Reply::json(
                200,
                json!({"items": [order("ord_pagetwo0001", "paid", 500, "EUR")], "next_cursor": null}),
            );
        }
        if path.ends_with("/orders") {
            return Reply::json(
                200,
                json!({"items": [order("ord_aaaaaaaaaaaa", "paid", 2598, "EUR"),
                                 order("ord_bbbbbbbbbbbb", "shipped", 999, "EUR"),
                                 order("ord_cccccccccccc", "pending", 120000, "USD")],
                       "next_cursor": "page2"}),
            );
        }
        Reply::json(200, order("ord_aaaaaaaaaaaa", "paid", 2598, "EUR"))
    })
    .await
}

fn env(api: &Api, prefix: &str) -> Vec<(&'static str, String)> {
    let (base, key) = match prefix {
        "SHOP" => ("SHOP_BASE_URL", "SHOP_API_KEY_AUTH"),
        _ => ("ORDERS_BASE_URL", "ORDERS_API_KEY_AUTH"),
    };
    vec![(base, format!("{}/v1", api.url())), (key, "k".to_string())]
}

fn meta_uri(tool: &rmcp::model::Tool) -> Option<String> {
    let meta = serde_json::to_value(&tool.meta).unwrap();
    meta["ui"]["resourceUri"].as_str().map(str::to_string)
}

#[tokio::test]
async fn views_are_offered_only_to_clients_that_render_them() {
    let api = orders_api().await;
    let binary = mcpgen_e2e::connector_binary("orders");
    let env = env(&api, "ORDERS");

    for era in [Era::Legacy, Era::Modern] {
        let plain = Client::start(&binary, &env, era).await;
        assert!(
            plain.tools().await.iter().all(|t| t.meta.is_none()),
            "a client without the extension sees no view"
        );
        plain.close().await;

        let client = Client::start_rendering_views(&binary, &env, era).await;
        let tools = client.tools().await;
        let uri = |name: &str| meta_uri(tools.iter().find(|t| t.name == name).unwrap());
        assert_eq!(
            uri("listOrders").as_deref(),
            Some("ui://orders/view/listOrders")
        );
        assert_eq!(
            uri("getOrder").as_deref(),
            Some("ui://orders/view/getOrder")
        );
        assert_eq!(
            uri("deleteOrder"),
            None,
            "a call without content has no view"
        );

        let read = client
            .service
            .read_resource(ReadResourceRequestParams::new(
                "ui://orders/view/listOrders",
            ))
            .await
            .unwrap();
        let ResourceContents::TextResourceContents {
            mime_type,
            text,
            meta,
            ..
        } = &read.contents[0]
        else {
            panic!("a view is HTML text")
        };
        assert_eq!(mime_type.as_deref(), Some("text/html;profile=mcp-app"));
        assert!(text.starts_with("<!doctype html>"));
        assert!(
            text.contains(r#""rows":"/items""#),
            "the view knows its rows"
        );
        let without_namespaces = text.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !without_namespaces.contains("http://") && !without_namespaces.contains("https://"),
            "the view names no origin to fetch from"
        );
        let meta = serde_json::to_value(meta).unwrap();
        assert_eq!(meta["ui"]["prefersBorder"], true);
        assert!(meta["ui"].get("csp").is_none(), "deny by default");
        let missing = client
            .service
            .read_resource(ReadResourceRequestParams::new(
                "ui://orders/view/deleteOrder",
            ))
            .await;
        assert!(missing.is_err(), "no view, no resource");
        client.close().await;
    }
}

/// What the connector serves for `tool` and what a call with `args` returns, through a client
/// that renders views.
async fn view_and_result(client: &Client, tool: &str, args: Value) -> (String, Value) {
    let read = client
        .service
        .read_resource(ReadResourceRequestParams::new(format!(
            "ui://{}/view/{tool}",
            if tool.starts_with("shop_") {
                "shop"
            } else {
                "orders"
            }
        )))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("a view is HTML text")
    };
    let result = client.call(tool, args).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    (text.clone(), serde_json::to_value(&result).unwrap())
}

/// Runs the browser host on `scenario`; what the view drew.
fn in_browser(scenario: &Value) -> Value {
    let out = mcpgen_e2e::target_dir().join("views");
    std::fs::create_dir_all(&out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, scenario.to_string()).unwrap();
    let deps = mcpgen_e2e::test_deps();
    // Beside its node_modules, where Node resolves the script's imports.
    let script: PathBuf = deps.join("view_host.mjs");
    std::fs::copy(
        mcpgen_e2e::workspace().join("tests/peers/view_host.mjs"),
        &script,
    )
    .expect("scripts/install-test-deps has run");
    let output = std::process::Command::new(deps.join("node_modules/.bin/node"))
        .arg(&script)
        .arg(&file)
        .arg(&out)
        .output()
        .expect("node runs: run scripts/install-test-deps");
    assert!(
        output.status.success(),
        "the browser host failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["errors"],
        json!([]),
        "the view logged errors (CSP included)"
    );
    let protocol: Vec<&str> = report["protocol"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(protocol.first(), Some(&"ui/initialize"), "{protocol:?}");
    assert!(protocol.contains(&"ui/notifications/initialized"));
    assert!(protocol.contains(&"ui/notifications/size-changed"));
    report
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_browser_draws_tables_cards_and_charts_from_real_results() {
    let api = orders_api().await;
    let client = Client::start_rendering_views(
        &mcpgen_e2e::connector_binary("orders"),
        &env(&api, "ORDERS"),
        Era::Legacy,
    )
    .await;

    // A table of orders: sortable by total (money in minor units), filterable, with a next page
    // the view asks the host for.
    let (html, first) = view_and_result(&client, "listOrders", json!({"limit": 3})).await;
    let (_, second) = view_and_result(
        &client,
        "listOrders",
        json!({"limit": 3, "cursor": "page2"}),
    )
    .await;
    let report = in_browser(&json!({
        "kind": "table", "html": html, "input": {"limit": 3}, "result": first,
        "filter": "shipped", "screenshot": "orders-table.png",
        "next": {"result": second, "expect": "ord_pagetwo0001"},
    }));
    assert_eq!(report["rows"], 3);
    let headers = strings(&report["headers"]);
    assert!(
        headers.iter().any(|h| h.starts_with("Total")),
        "{headers:?}"
    );
    assert_eq!(
        strings(&report["ids"]),
        ["ord_aaaaaaaaaaaa", "ord_bbbbbbbbbbbb", "ord_cccccccccccc"]
    );
    assert_eq!(
        strings(&report["totals"]),
        ["€25.98", "€9.99", "$1,200.00"],
        "money in minor units, each in its currency"
    );
    assert_eq!(
        strings(&report["idsByTotal"]),
        ["ord_bbbbbbbbbbbb", "ord_aaaaaaaaaaaa", "ord_cccccccccccc"]
    );
    assert_eq!(
        strings(&report["idsByTotalDesc"]),
        ["ord_cccccccccccc", "ord_aaaaaaaaaaaa", "ord_bbbbbbbbbbbb"]
    );
    assert_eq!(report["filteredRows"], 1);
    assert_eq!(report["count"], "1 of 3 rows");
    assert_eq!(report["background"], "rgb(20, 20, 30)", "the host's theme");
    assert_eq!(report["paddingTop"], "16px", "the host's safe-area inset");
    assert_eq!(strings(&report["idsAfterNext"]), ["ord_pagetwo0001"]);
    assert_eq!(
        report["toolCalls"],
        json!([{"name": "listOrders", "arguments": {"limit": 3, "cursor": "page2"}}])
    );

    // One order: a card of its plain fields.
    let (html, result) =
        view_and_result(&client, "getOrder", json!({"orderId": "ord_aaaaaaaaaaaa"})).await;
    let report = in_browser(&json!({
        "kind": "card", "html": html, "input": {"orderId": "ord_aaaaaaaaaaaa"},
        "result": result, "screenshot": "order-card.png",
    }));
    let fields = strings(&report["fields"]);
    let values = strings(&report["values"]);
    let value = |f: &str| &values[fields.iter().position(|x| x == f).unwrap()];
    assert_eq!(value("Id"), "ord_aaaaaaaaaaaa");
    assert_eq!(value("Status"), "paid");
    assert_eq!(value("Total"), "€25.98");
    client.close().await;

    // The shop's overrides file asks for a bar chart of quantity per SKU.
    let shop = Client::start_rendering_views(
        &mcpgen_e2e::connector_binary("shop"),
        &env(&api, "SHOP"),
        Era::Modern,
    )
    .await;
    let tool = shop
        .tools()
        .await
        .into_iter()
        .find(|t| t.name.starts_with("shop_listOrderLineItems"))
        .unwrap()
        .name
        .to_string();
    let (html, result) =
        view_and_result(&shop, &tool, json!({"orderId": "ord_aaaaaaaaaaaa"})).await;
    let report = in_browser(&json!({
        "kind": "chart", "html": html, "input": {}, "result": result,
        "screenshot": "line-items-chart.png",
    }));
    let points = report["points"].as_array().unwrap();
    let xy: Vec<(String, f64)> = points
        .iter()
        .map(|p| {
            (
                p["x"].as_str().unwrap().to_string(),
                p["y"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        xy,
        [
            ("MUG-BLUE-350".to_string(), 2.0),
            ("TEE-RED-M".to_string(), 5.0),
            ("CAP-GREY".to_string(), 1.0)
        ]
    );
    let heights: Vec<f64> = points
        .iter()
        .map(|p| p["height"].as_f64().unwrap())
        .collect();
    assert!(
        heights[1] > heights[0] && heights[0] > heights[2],
        "bars as tall as their quantities: {heights:?}"
    );
    shop.close().await;
}
