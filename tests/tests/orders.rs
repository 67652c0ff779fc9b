//! The Orders connector against a real local Orders API: the exact bytes the API receives for
//! each kind of parameter, body and credential, and what the client gets for each kind of
//! response. Runs once per protocol era.

use base64::Engine;
use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::json;

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0];

async fn api() -> Api {
    Api::start(|req| match (req.method.as_str(), req.path()) {
        ("POST", "/v1/oauth/token") => Reply::json(
            200,
            json!({"access_token": "oauth-token-1", "token_type": "Bearer", "expires_in": 3600}),
        ),
        ("GET", "/v1/orders/ord_7Hx2Lq9ZpA4m/label.png") => Reply::bytes(200, "image/png", PNG),
        ("GET", "/v1/exports/orders.csv") => {
            Reply::bytes(200, "text/csv", b"id,total\nord_7Hx2Lq9ZpA4m,25.98\n")
        }
        ("GET", "/v1/orders/ord_000000000000") => Reply::json(
            404,
            json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "order ord_000000000000 does not exist"}),
        )
        .with_header("x-request-id", "req-42"),
        ("GET", "/v1/orders") => Reply::json(200, json!([{"id": "ord_7Hx2Lq9ZpA4m"}])),
        ("DELETE", _) => Reply::bytes(204, "application/json", b""),
        _ => Reply::json(200, json!({"ok": true})),
    })
    .await
}

fn env(api: &Api) -> Vec<(&'static str, String)> {
    vec![
        ("ORDERS_BASE_URL", format!("{}/v1", api.url())),
        ("ORDERS_API_KEY_AUTH", "key-123".into()),
        ("ORDERS_BASIC_AUTH_USERNAME", "ops".into()),
        ("ORDERS_BASIC_AUTH_PASSWORD", "pa55word".into()),
        ("ORDERS_OAUTH_CLIENT_CLIENT_ID", "batch".into()),
        (
            "ORDERS_OAUTH_CLIENT_CLIENT_SECRET",
            "client-secret-9".into(),
        ),
    ]
}

async fn requests_and_results(era: Era) {
    let api = api().await;
    let client = Client::start(&mcpgen_e2e::connector_binary("orders"), &env(&api), era).await;

    // Query arrays explode (form), objects of JSON come back as structured content (arrays wrapped).
    let r = client
        .call("listOrders", json!({"status": ["paid", "pending"], "limit": 10, "created_after": "2024-05-01T00:00:00+02:00"}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(
        r.structured_content,
        Some(json!({"result": [{"id": "ord_7Hx2Lq9ZpA4m"}]}))
    );
    let got = api.one();
    assert_eq!(got.method, "GET");
    assert_eq!(
        got.target,
        "/v1/orders?status=paid&status=pending&limit=10&created_after=2024-05-01T00%3A00%3A00%2B02%3A00"
    );
    assert_eq!(got.header("x-api-key"), Some("key-123"));
    assert_eq!(got.header("authorization"), None);

    // Header and cookie parameters, and the JSON body byte for byte.
    let order = json!({"customer_id": "cus_8f3KzQ1xW9aB", "currency": "EUR",
        "line_items": [{"sku": "MUG-BLUE-350", "quantity": 2, "unit_price": {"amount_minor": 1299, "currency": "EUR"}}]});
    let r = client
        .call(
            "createOrder",
            json!({"X-Request-Id": "6f1c1a52-1b7e-4c52-9a51-0c6a3c1f0e11",
            "Idempotency-Key": "key-0001-abcd", "session_hint": "shard 7; eu", "body": order}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let got = api.one();
    assert_eq!(
        (got.method.as_str(), got.target.as_str()),
        ("POST", "/v1/orders")
    );
    assert_eq!(
        got.header("x-request-id"),
        Some("6f1c1a52-1b7e-4c52-9a51-0c6a3c1f0e11")
    );
    assert_eq!(got.header("idempotency-key"), Some("key-0001-abcd"));
    assert_eq!(got.header("cookie"), Some("session_hint=shard%207%3B%20eu"));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.body, serde_json::to_vec(&order).unwrap());

    // PATCH keeps the spec's media type.
    let r = client
        .call(
            "updateOrder",
            json!({"orderId": "ord_7Hx2Lq9ZpA4m", "body": {"notes": null}}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let got = api.one();
    assert_eq!(
        (got.method.as_str(), got.target.as_str()),
        ("PATCH", "/v1/orders/ord_7Hx2Lq9ZpA4m")
    );
    assert_eq!(
        got.header("content-type"),
        Some("application/merge-patch+json")
    );
    assert_eq!(got.body, br#"{"notes":null}"#);

    // An AND requirement sends both credentials; 204 comes back as text.
    let r = client
        .call(
            "deleteOrder",
            json!({"orderId": "ord_7Hx2Lq9ZpA4m", "reason": "duplicate order"}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert!(text(&r).contains("204"), "{}", text(&r));
    let got = api.one();
    assert_eq!(
        got.target,
        "/v1/orders/ord_7Hx2Lq9ZpA4m?reason=duplicate%20order"
    );
    assert_eq!(got.header("x-api-key"), Some("key-123"));
    let basic = base64::engine::general_purpose::STANDARD.encode("ops:pa55word");
    assert_eq!(
        got.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );

    // OAuth2 client credentials: a token from the (relative) token URL, then a bearer call; text/csv stays text.
    let r = client
        .call("exportOrdersCsv", json!({"month": "2024-04"}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(text(&r), "id,total\nord_7Hx2Lq9ZpA4m,25.98\n");
    let mut got = api.take();
    assert_eq!(got.len(), 2, "{got:?}");
    let token = got.remove(0);
    assert_eq!(
        (token.method.as_str(), token.path()),
        ("POST", "/v1/oauth/token")
    );
    assert_eq!(
        String::from_utf8_lossy(&token.body),
        "grant_type=client_credentials&scope=orders%3Aread"
    );
    let client_basic = base64::engine::general_purpose::STANDARD.encode("batch:client-secret-9");
    assert_eq!(
        token.header("authorization"),
        Some(format!("Basic {client_basic}").as_str())
    );
    assert_eq!(got[0].target, "/v1/exports/orders.csv?month=2024-04");
    assert_eq!(got[0].header("authorization"), Some("Bearer oauth-token-1"));

    // Images become image content.
    let r = client
        .call(
            "getShippingLabel",
            json!({"orderId": "ord_7Hx2Lq9ZpA4m", "dpi": 300}),
        )
        .await
        .unwrap();
    let image = r.content[0].as_image().expect("image content");
    assert_eq!(image.mime_type, "image/png");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&image.data)
            .unwrap(),
        PNG
    );
    assert_eq!(
        api.one().target,
        "/v1/orders/ord_7Hx2Lq9ZpA4m/label.png?dpi=300"
    );

    // A name used in two places: the path and the query each get their own argument; a value
    // that tries to leave its path segment stays in it.
    let r = client
        .call(
            "createShipment",
            json!({"id__path": "../admin", "id__query": "shp/1?x=2",
            "body": {"carrier": "dhl", "tracking_number": "3SABCD0123456789"}}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(
        api.one().target,
        "/v1/fulfillments/..%2Fadmin/shipments?id=shp%2F1%3Fx%3D2"
    );

    // HTTP errors: status, problem details and the request id, as a tool error.
    let r = client
        .call("getOrder", json!({"orderId": "ord_000000000000"}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let message = text(&r);
    assert!(
        message.starts_with("HTTP 404 Not Found (request id req-42)"),
        "{message}"
    );
    assert!(
        message.contains("order ord_000000000000 does not exist"),
        "{message}"
    );
    api.take();

    // `security: []` sends no credentials at all.
    let r = client.call("get_health", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(false));
    let got = api.one();
    assert_eq!(got.header("x-api-key"), None);
    assert_eq!(got.header("authorization"), None);

    // Invalid arguments: every problem named, nothing sent.
    let r = client
        .call(
            "listOrders",
            json!({"limit": 1000, "status": ["lost"], "colour": "red"}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let message = text(&r);
    for needle in ["`limit`", "`status/0`", "colour"] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
    assert!(api.take().is_empty());

    // An unknown tool is a protocol error, -32602.
    let e = client.call("noSuchTool", json!({})).await.unwrap_err();
    assert!(format!("{e:?}").contains("-32602"), "{e:?}");
    client.close().await;
}

#[tokio::test]
async fn orders_legacy_era() {
    requests_and_results(Era::Legacy).await;
}

#[tokio::test]
async fn orders_modern_era() {
    requests_and_results(Era::Modern).await;
}

#[tokio::test]
async fn missing_credentials_name_the_variables_and_other_tools_still_work() {
    let api = api().await;
    let env = vec![("ORDERS_BASE_URL", format!("{}/v1", api.url()))];
    let client = Client::start(&mcpgen_e2e::connector_binary("orders"), &env, Era::Legacy).await;
    let r = client.call("listOrders", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let message = text(&r);
    assert!(
        message.contains("ORDERS_API_KEY_AUTH") && message.contains("ORDERS_BEARER_AUTH"),
        "{message}"
    );
    let r = client
        .call(
            "deleteOrder",
            json!({"orderId": "ord_7Hx2Lq9ZpA4m", "reason": "duplicate order"}),
        )
        .await
        .unwrap();
    let message = text(&r);
    assert!(
        message.contains("ORDERS_API_KEY_AUTH and ORDERS_BASIC_AUTH_USERNAME"),
        "{message}"
    );
    assert!(
        api.take().is_empty(),
        "nothing may be sent without credentials"
    );
    let r = client.call("get_health", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    client.close().await;
}
