//! Authentication end to end, against a local API that checks credentials and a local OAuth2
//! token endpoint with short-lived tokens: every scheme, OR-of-AND alternatives, one shared token
//! fetch for 50 concurrent calls, refresh on expiry, exactly one re-fetch after a 401, refresh
//! tokens, a broken token endpoint, missing credentials — and no secret in anything the
//! connector wrote.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use mcpgen_e2e::api::{Api, Received, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::json;

const CLIENT_SECRET: &str = "cs-7f3a91d2e8b4";
const API_KEY: &str = "ak-5521c0ffee77";
const PASSWORD: &str = "pw-correct-horse-42";
const BEARER: &str = "bt-9d8c7b6a5f4e";
const CUSTOM: &str = "ct-31415926535";
const USER_ACCESS: &str = "ua-expired-000111";
const REFRESH: &str = "rt-2718281828";
const OIDC: &str = "oi-1123581321";

/// What the token endpoint and the API have seen and decided.
#[derive(Default)]
struct Lab {
    /// Tokens the API accepts.
    valid: HashSet<String>,
    issued: usize,
    refreshed: usize,
    lifetime_secs: u64,
    /// When set, the API answers 401 to every OAuth token.
    reject_all_tokens: bool,
}

fn form(req: &Received) -> Vec<(String, String)> {
    url_pairs(&String::from_utf8_lossy(&req.body))
}

fn url_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                k.to_string(),
                v.replace("%3A", ":").replace('+', " ").replace("%20", " "),
            )
        })
        .collect()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn handle(lab: &Mutex<Lab>, req: &Received) -> Reply {
    let mut lab = lab.lock().unwrap();
    let ok = Reply::json(200, json!({"ok": true}));
    let denied = Reply::json(401, json!({"error": "unauthorized"}));
    let path = req.path().trim_start_matches("/lab");
    let authorization = req.header("authorization").unwrap_or("");
    match path {
        "/token" => {
            let fields = form(req);
            let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let client_ok = authorization == basic("lab-client", CLIENT_SECRET)
                || (field("client_id").as_deref() == Some("lab-client")
                    && field("client_secret").as_deref() == Some(CLIENT_SECRET));
            if !client_ok || field("grant_type").as_deref() != Some("client_credentials") {
                return Reply::json(
                    400,
                    json!({"error": "invalid_client", "error_description": "unknown client or bad secret"}),
                );
            }
            lab.issued += 1;
            let token = format!(
                "at-{}-{}",
                lab.issued,
                field("scope").unwrap_or_default().replace(' ', "+")
            );
            lab.valid.insert(token.clone());
            Reply::json(
                200,
                json!({"access_token": token, "token_type": "Bearer", "expires_in": lab.lifetime_secs}),
            )
        }
        "/refresh" => {
            let fields = form(req);
            if !fields.contains(&("grant_type".into(), "refresh_token".into()))
                || !fields.contains(&("refresh_token".into(), REFRESH.into()))
            {
                return Reply::json(400, json!({"error": "invalid_grant"}));
            }
            lab.refreshed += 1;
            let token = format!("ua-fresh-{}", lab.refreshed);
            lab.valid.insert(token.clone());
            Reply::json(200, json!({"access_token": token, "expires_in": 3600}))
        }
        "/header-key" if req.header("x-key") == Some(API_KEY) => ok,
        "/query-key" if req.query() == format!("api_key={API_KEY}") => ok,
        "/cookie-key" if req.header("cookie") == Some(&format!("sid={API_KEY}")) => ok,
        "/basic" if authorization == basic("lab-user", PASSWORD) => ok,
        "/bearer" if authorization == format!("Bearer {BEARER}") => ok,
        "/custom" if authorization == format!("Token {CUSTOM}") => ok,
        "/oidc" if authorization == format!("Bearer {OIDC}") => ok,
        "/either"
            if req.header("x-key") == Some(API_KEY)
                || authorization == format!("Bearer {BEARER}") =>
        {
            ok
        }
        "/open" if authorization.is_empty() && req.header("x-key").is_none() => ok,
        "/cc-read" | "/cc-write" | "/user" => {
            let token = authorization.strip_prefix("Bearer ").unwrap_or("");
            let scope_ok = path != "/cc-write" || token.ends_with("read+write");
            if !lab.reject_all_tokens && lab.valid.contains(token) && scope_ok {
                ok
            } else {
                denied
            }
        }
        _ => denied,
    }
}

fn env(api: &Api) -> Vec<(&'static str, String)> {
    vec![
        ("AUTHLAB_BASE_URL", format!("{}/lab", api.url())),
        ("AUTHLAB_HEADER_KEY", API_KEY.into()),
        ("AUTHLAB_QUERY_KEY", API_KEY.into()),
        ("AUTHLAB_COOKIE_KEY", API_KEY.into()),
        ("AUTHLAB_BASIC_USERNAME", "lab-user".into()),
        ("AUTHLAB_BASIC_PASSWORD", PASSWORD.into()),
        ("AUTHLAB_BEARER", BEARER.into()),
        ("AUTHLAB_CUSTOM", CUSTOM.into()),
        ("AUTHLAB_CLIENT_CLIENT_ID", "lab-client".into()),
        ("AUTHLAB_CLIENT_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("AUTHLAB_USER_ACCESS_TOKEN", USER_ACCESS.into()),
        ("AUTHLAB_USER_REFRESH_TOKEN", REFRESH.into()),
        ("AUTHLAB_OIDC_ACCESS_TOKEN", OIDC.into()),
        ("AUTHLAB_LOG", "debug".into()),
    ]
}

fn connector() -> PathBuf {
    let spec = mcpgen_e2e::workspace().join("tests/specs/auth-lab.yaml");
    mcpgen_e2e::generated_connector(&spec, "authlab")
}

async fn lab_api(lifetime_secs: u64) -> (Api, Arc<Mutex<Lab>>) {
    let lab = Arc::new(Mutex::new(Lab {
        lifetime_secs,
        ..Lab::default()
    }));
    let handler_lab = lab.clone();
    (Api::start(move |req| handle(&handler_lab, req)).await, lab)
}

async fn ok(client: &Client, tool: &str) -> String {
    let r = client.call(tool, json!({})).await.unwrap();
    let t = text(&r);
    assert_eq!(r.is_error, Some(false), "{tool}: {t}");
    t
}

#[tokio::test]
async fn every_scheme_authenticates_and_no_secret_leaks() {
    let binary = connector();
    let (api, lab) = lab_api(3600).await;
    let env = env(&api);
    let client = Client::start_capturing(&binary, &env, Era::Legacy).await;
    let mut seen_by_client = String::new();
    for tool in [
        "headerKey",
        "queryKey",
        "cookieKey",
        "basic",
        "bearer",
        "custom",
        "ccRead",
        "ccWrite",
        "oidc",
        "either",
        "open",
    ] {
        seen_by_client.push_str(&ok(&client, tool).await);
    }
    // Scopes come from the operation: one token per distinct scope set.
    assert_eq!(lab.lock().unwrap().issued, 2);

    // The user token is rejected (expired); the refresh token gets a new one, once.
    seen_by_client.push_str(&ok(&client, "user").await);
    seen_by_client.push_str(&ok(&client, "user").await);
    assert_eq!(lab.lock().unwrap().refreshed, 1);

    // A 401 with a cached client-credentials token earns exactly one re-fetch, then a clear error.
    lab.lock().unwrap().reject_all_tokens = true;
    let before = lab.lock().unwrap().issued;
    let r = client.call("ccRead", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let message = text(&r);
    assert!(message.starts_with("HTTP 401"), "{message}");
    assert_eq!(
        lab.lock().unwrap().issued,
        before + 1,
        "exactly one re-fetch after a 401"
    );
    seen_by_client.push_str(&message);

    let stderr = client.close_reading_stderr().await;
    assert!(
        stderr.contains("calling the API"),
        "debug logs were expected: {stderr}"
    );
    let list = Command::new(&binary)
        .args(["--list-tools", "--json"])
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .output()
        .unwrap();
    let help = Command::new(&binary)
        .arg("--help")
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .output()
        .unwrap();
    let everything = [
        stderr,
        seen_by_client,
        String::from_utf8_lossy(&list.stdout).into_owned(),
        String::from_utf8_lossy(&help.stdout).into_owned(),
    ]
    .join("\n");
    for secret in [
        CLIENT_SECRET,
        API_KEY,
        PASSWORD,
        BEARER,
        CUSTOM,
        USER_ACCESS,
        REFRESH,
        OIDC,
        "at-1-read",
        "ua-fresh-1",
    ] {
        assert!(
            !everything.contains(secret),
            "secret {secret} leaked into output"
        );
    }
}

#[tokio::test]
async fn fifty_concurrent_calls_share_one_token_and_short_lived_tokens_are_refreshed() {
    let binary = connector();
    let (api, lab) = lab_api(4).await;
    let client = Client::start(&binary, &env(&api), Era::Modern).await;
    let calls = (0..50).map(|_| client.call("ccRead", json!({})));
    for r in futures_join_all(calls).await {
        let r = r.unwrap();
        assert_eq!(r.is_error, Some(false), "{}", text(&r));
    }
    assert_eq!(
        lab.lock().unwrap().issued,
        1,
        "50 concurrent calls, one token fetch"
    );
    // The token lives 4 s and is renewed ahead of expiry (here after half of it), without a failed call.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    ok(&client, "ccRead").await;
    assert_eq!(lab.lock().unwrap().issued, 2);
    client.close().await;
}

/// Runs all futures at once (they are in flight together) and returns their outputs in order.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn client_secret_in_the_body_and_a_broken_token_endpoint() {
    let binary = connector();
    let (api, lab) = lab_api(3600).await;
    let mut env = env(&api);
    env.push(("AUTHLAB_CLIENT_CLIENT_AUTH", "body".into()));
    let client = Client::start(&binary, &env, Era::Legacy).await;
    ok(&client, "ccRead").await;
    assert_eq!(lab.lock().unwrap().issued, 1);
    client.close().await;
    api.take();

    let env: Vec<_> = env
        .into_iter()
        .map(|(k, v)| {
            if k == "AUTHLAB_CLIENT_CLIENT_ID" {
                (k, "someone-else".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let client = Client::start(&binary, &env, Era::Legacy).await;
    let r = client.call("ccRead", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let message = text(&r);
    assert!(message.contains("HTTP 400"), "{message}");
    assert!(
        message.contains("invalid_client") && message.contains("unknown client or bad secret"),
        "{message}"
    );
    assert!(!message.contains(CLIENT_SECRET));
    // The API itself was never called without a token.
    assert!(api.take().iter().all(|r| r.path().ends_with("/token")));
    client.close().await;
}

#[tokio::test]
async fn missing_credentials_name_what_to_set() {
    let binary = connector();
    let (api, _lab) = lab_api(3600).await;
    let env = vec![("AUTHLAB_BASE_URL", format!("{}/lab", api.url()))];
    let client = Client::start(&binary, &env, Era::Modern).await;
    let r = client.call("either", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        text(&r)
            .contains("set AUTHLAB_HEADER_KEY, or AUTHLAB_BEARER in the connector's environment"),
        "{}",
        text(&r)
    );
    let r = client.call("ccRead", json!({})).await.unwrap();
    assert!(
        text(&r).contains("AUTHLAB_CLIENT_CLIENT_ID and AUTHLAB_CLIENT_CLIENT_SECRET"),
        "{}",
        text(&r)
    );
    let r = client.call("user", json!({})).await.unwrap();
    assert!(
        text(&r).contains("AUTHLAB_USER_ACCESS_TOKEN"),
        "{}",
        text(&r)
    );
    assert!(api.take().is_empty(), "nothing is sent without credentials");
    ok(&client, "open").await;
    client.close().await;
}
