//! Operations that answer `202 Accepted`: the connector follows the status URL on the API's
//! origin with the call's credentials, honouring `Retry-After`, reports each wait as progress to
//! a client that sent a progress token, and gives the final answer; a status URL elsewhere is
//! not followed, and a job that outlasts the tool's time ends the call with where to look.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::json;

const ORDER: &str = "ord_aaaaaaaaaaaa";

/// An API that accepts a read of `ORDER` and finishes after `checks` looks at its job (`None`:
/// never), sending `location` as the job's address.
async fn slow_api(checks: Option<usize>, location: &'static str) -> Api {
    let seen = Arc::new(AtomicUsize::new(0));
    Api::start(move |req| {
        if req.path().ends_with(ORDER) {
            return Reply::json(202, json!({"status": "queued"}))
                .with_header("location", location)
                .with_header("retry-after", "0");
        }
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        match checks {
            Some(done) if n >= done => Reply::json(200, json!({"id": ORDER, "status": "paid"})),
            _ => Reply::json(202, json!({"status": "running", "percent": n * 10})),
        }
    })
    .await
}

fn env(api: &Api, timeout: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ORDERS_BASE_URL", format!("{}/v1", api.url())),
        ("ORDERS_API_KEY_AUTH", "key-for-jobs".to_string()),
        ("ORDERS_TIMEOUT_SECS", timeout.to_string()),
    ]
}

#[tokio::test]
async fn an_accepted_request_is_followed_to_its_answer_with_progress() {
    let binary = mcpgen_e2e::connector_binary("orders");
    // An absolute path in one era, a relative reference (resolved against the request) in the
    // other.
    for (era, location, job) in [
        (Era::Legacy, "/v1/jobs/j1", "/v1/jobs/j1"),
        (Era::Modern, "jobs/j2", "/v1/orders/jobs/j2"),
    ] {
        let api = slow_api(Some(3), location).await;
        let client = Client::start(&binary, &env(&api, "30"), era).await;
        let result = client
            .call_with_progress("getOrder", json!({"orderId": ORDER}))
            .await
            .unwrap();
        assert_ne!(result.is_error, Some(true), "{}", text(&result));
        assert_eq!(result.structured_content.clone().unwrap()["id"], ORDER);

        let received = api.take();
        assert_eq!(received[0].path(), format!("/v1/orders/{ORDER}"));
        assert_eq!(received.len(), 4, "the request and three checks");
        for check in &received[1..] {
            assert_eq!(check.path(), job);
            assert_eq!(check.method, "GET");
            assert_eq!(
                check.header("x-api-key"),
                Some("key-for-jobs"),
                "checks carry the call's credentials"
            );
        }
        // Progress travels as notifications, which may land just after the answer.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let progress = client.progress();
        assert_eq!(progress.len(), 3, "one report per wait: {progress:?}");
        assert!(progress[0].contains("accepted the request"), "{progress:?}");
        client.close().await;
    }
}

#[tokio::test]
async fn a_status_url_elsewhere_is_not_followed() {
    let api = slow_api(Some(1), "http://203.0.113.9/jobs/j1").await;
    let binary = mcpgen_e2e::connector_binary("orders");
    let client = Client::start(&binary, &env(&api, "30"), Era::Legacy).await;
    let result = client
        .call("getOrder", json!({"orderId": ORDER}))
        .await
        .unwrap();
    assert_eq!(
        result.structured_content.unwrap()["status"],
        "queued",
        "the 202 answer itself"
    );
    assert_eq!(api.take().len(), 1, "nothing was sent to the other origin");
    client.close().await;
}

#[tokio::test]
async fn a_job_that_outlasts_the_tool_says_where_its_status_is() {
    let api = slow_api(None, "/v1/jobs/j3").await;
    let binary = mcpgen_e2e::connector_binary("orders");
    let client = Client::start(&binary, &env(&api, "2"), Era::Legacy).await;
    let started = std::time::Instant::now();
    let result = client
        .call("getOrder", json!({"orderId": ORDER}))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    assert!(
        message.contains("still working on it") && message.contains("/v1/jobs/j3"),
        "{message}"
    );
    assert!(message.contains("ORDERS_TIMEOUT_SECS"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let checks = api.take().len() - 1;
    assert!((1..=4).contains(&checks), "waits doubled: {checks} checks");
    client.close().await;
}
