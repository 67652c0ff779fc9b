//! Faults of the API: calls that may safely be repeated are retried after a failed connection,
//! 429, 502, 503 or 504 — honouring `Retry-After`, within the tool's timeout, a bounded number of
//! times — and others are not; and no more than `PREFIX_CONCURRENCY` requests reach the API at
//! once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

/// An API that answers each path with its queue of replies, then 200.
async fn api(script: &[(&'static str, Vec<Reply>)]) -> Api {
    let queues: HashMap<&str, Vec<Reply>> = script.iter().cloned().collect();
    let queues = Arc::new(Mutex::new(queues));
    Api::start(move |req| {
        let mut queues = queues.lock().unwrap();
        let key = format!("{} {}", req.method, req.path());
        match queues.get_mut(key.as_str()) {
            Some(queue) if !queue.is_empty() => queue.remove(0),
            _ => Reply::json(200, json!({"id": "ord_7Hx2Lq9ZpA4m"})),
        }
    })
    .await
}

fn unavailable() -> Reply {
    Reply::json(503, json!({"title": "try later"}))
}

fn order() -> Value {
    json!({"customer_id": "cus_8f3KzQ1xW9aB", "currency": "EUR",
        "line_items": [{"sku": "MUG-BLUE-350", "quantity": 2, "unit_price": {"amount_minor": 1299, "currency": "EUR"}}]})
}

async fn client(api: &Api, extra: &[(&'static str, &str)]) -> Client {
    let mut env = vec![
        ("ORDERS_BASE_URL", format!("{}/v1", api.url())),
        ("ORDERS_API_KEY_AUTH", "key-123".to_string()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    Client::start(&mcpgen_e2e::connector_binary("orders"), &env, Era::Legacy).await
}

#[tokio::test]
async fn only_calls_that_may_be_repeated_are_retried() {
    const GET: &str = "GET /v1/orders/ord_7Hx2Lq9ZpA4m";
    const POST: &str = "POST /v1/orders";
    let get = json!({"orderId": "ord_7Hx2Lq9ZpA4m"});

    // A GET answered 503, then 502: tried again, and answered.
    let api = api(&[(GET, vec![unavailable(), Reply::json(502, json!({}))])]).await;
    let client = client(&api, &[]).await;
    let r = client.call("getOrder", get.clone()).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(api.take().len(), 3);

    // A POST is sent once, whatever the answer…
    let api = self::api(&[(POST, vec![unavailable(), unavailable()])]).await;
    let client = self::client(&api, &[]).await;
    let r = client
        .call("createOrder", json!({"body": order()}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).starts_with("HTTP 503"), "{}", text(&r));
    assert_eq!(api.take().len(), 1);
    // …unless it carries the idempotency key its operation declares.
    let r = client
        .call(
            "createOrder",
            json!({"Idempotency-Key": "key-0001-abcd", "body": order()}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let sent = api.take();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| r.header("idempotency-key") == Some("key-0001-abcd"))
    );
    client.close().await;
}

#[tokio::test]
async fn retry_after_is_honoured_within_the_timeout_and_retries_are_bounded() {
    const GET: &str = "GET /v1/orders/ord_7Hx2Lq9ZpA4m";
    let get = json!({"orderId": "ord_7Hx2Lq9ZpA4m"});
    let slow_down = |after: &str| Reply::json(429, json!({})).with_header("retry-after", after);

    // Retry-After in seconds is waited for.
    let api = api(&[(GET, vec![slow_down("1")])]).await;
    let client = client(&api, &[]).await;
    let started = std::time::Instant::now();
    let r = client.call("getOrder", get.clone()).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(api.take().len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1));

    // A wait longer than the time left is not taken: the answer is given at once.
    let api = self::api(&[(GET, vec![slow_down("3600")])]).await;
    let client = self::client(&api, &[]).await;
    let r = client.call("getOrder", get.clone()).await.unwrap();
    assert!(text(&r).starts_with("HTTP 429"), "{}", text(&r));
    assert_eq!(api.take().len(), 1);

    // At most ORDERS_RETRIES retries; the error says how often the API was tried.
    let api = self::api(&[(GET, vec![unavailable(); 10])]).await;
    let client = self::client(&api, &[("ORDERS_RETRIES", "3")]).await;
    let r = client.call("getOrder", get.clone()).await.unwrap();
    assert!(
        text(&r).ends_with("(the API was tried 4 times)"),
        "{}",
        text(&r)
    );
    assert_eq!(api.take().len(), 4);
    client.close().await;

    // A connection that cannot be made is tried again too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let env = [
        ("ORDERS_BASE_URL", format!("http://127.0.0.1:{port}/v1")),
        ("ORDERS_API_KEY_AUTH", "key-123".to_string()),
    ];
    let client = Client::start(&mcpgen_e2e::connector_binary("orders"), &env, Era::Modern).await;
    let r = client.call("getOrder", get).await.unwrap();
    let said = text(&r);
    assert!(
        said.contains("could not connect") && said.ends_with("(the API was tried 3 times)"),
        "{said}"
    );
    client.close().await;
}

#[tokio::test]
async fn no_more_than_the_concurrency_cap_reach_the_api_at_once() {
    let api = Api::start(|_| {
        Reply::json(200, json!({"id": "ord_7Hx2Lq9ZpA4m"})).after(Duration::from_millis(300))
    })
    .await;
    let client = client(&api, &[("ORDERS_CONCURRENCY", "2")]).await;
    let calls: Vec<_> = (0..6)
        .map(|_| client.call("getOrder", json!({"orderId": "ord_7Hx2Lq9ZpA4m"})))
        .collect();
    // The calls must overlap to test the cap.
    let answers = mcpgen_e2e::join_all(calls).await;
    assert!(
        answers
            .iter()
            .all(|r| r.as_ref().unwrap().is_error == Some(false))
    );
    assert_eq!(api.take().len(), 6);
    assert_eq!(api.most_at_once(), 2);
    client.close().await;
}
