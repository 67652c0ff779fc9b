//! Secrets never leave, against an API that echoes back everything it receives: no credential —
//! as configured, percent-encoded in a query or cookie, form-encoded, or as the base64 of
//! `user:password` — reaches the client in text or structured content; a token endpoint that
//! echoes its input does not leak the client secret; result bodies never reach the log, even at
//! `trace`; and credentials read from files (with a trailing line break) still work.

use std::path::PathBuf;

use mcpgen_e2e::api::{Api, Received, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

// Characters that percent-encoding, form-encoding and JSON escaping all change.
const API_KEY: &str = "ak/55+21=c0ffee&x";
const PASSWORD: &str = "pw correct/horse+42";
const BEARER: &str = "bt-9d8c7b6a5f4e";
const CLIENT_SECRET: &str = "cs/7f3a 91d2+e8b4";
const ACCESS: &str = "at-issued-31337";
/// In every answer, to find result bodies in the log.
const MARKER: &str = "result-body-marker-8c1f";

fn connector() -> PathBuf {
    let spec = mcpgen_e2e::workspace().join("tests/specs/auth-lab.yaml");
    mcpgen_e2e::generated_connector(&spec, "authlab")
}

/// Everything the request carried, as the API echoes it back.
fn echo(req: &Received) -> Value {
    json!({
        "marker": MARKER,
        "target": req.target,
        "headers": req.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "body": String::from_utf8_lossy(&req.body),
    })
}

async fn echo_api() -> Api {
    Api::start(|req| {
        if req.path() == "/lab/token" {
            // A token endpoint that echoes its input in its error (when asked to refuse).
            let body = String::from_utf8_lossy(&req.body);
            if body.contains("scope=read+write") {
                return Reply::json(
                    400,
                    json!({"error": "invalid_client", "error_description": format!(
                        "rejected {body} with {}", req.header("authorization").unwrap_or("")
                    )}),
                );
            }
            return Reply::json(200, json!({"access_token": ACCESS, "expires_in": 3600}));
        }
        Reply::json(200, echo(req))
    })
    .await
}

fn env(api: &Api) -> Vec<(&'static str, String)> {
    vec![
        ("AUTHLAB_BASE_URL", format!("{}/lab", api.url())),
        ("AUTHLAB_HEADER_KEY", API_KEY.into()),
        ("AUTHLAB_QUERY_KEY", API_KEY.into()),
        ("AUTHLAB_COOKIE_KEY", API_KEY.into()),
        ("AUTHLAB_BASIC_USERNAME", "lab-user".into()),
        ("AUTHLAB_BASIC_PASSWORD", PASSWORD.into()),
        // As a Kubernetes Secret mounted from a file gives it.
        ("AUTHLAB_BEARER", format!("{BEARER}\n")),
        ("AUTHLAB_CLIENT_CLIENT_ID", "lab-client".into()),
        ("AUTHLAB_CLIENT_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("AUTHLAB_LOG", "trace".into()),
    ]
}

/// Every form of every secret that could be echoed.
fn forms() -> Vec<String> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut forms = vec![
        b64(&format!("lab-user:{PASSWORD}")),
        b64(&format!("lab-client:{CLIENT_SECRET}")),
        ACCESS.to_string(),
    ];
    for secret in [API_KEY, PASSWORD, BEARER, CLIENT_SECRET] {
        forms.push(secret.to_string());
        forms.push(
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
        forms.push(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
        forms.push(
            serde_json::to_string(secret)
                .unwrap()
                .trim_matches('"')
                .to_string(),
        );
    }
    forms
}

#[tokio::test]
async fn no_credential_in_any_encoding_reaches_the_client_or_the_log() {
    let api = echo_api().await;
    let client = Client::start_capturing(&connector(), &env(&api), Era::Legacy).await;
    let mut seen = String::new();
    for tool in [
        "headerKey",
        "queryKey",
        "cookieKey",
        "basic",
        "bearer",
        "ccRead",
    ] {
        let r = client.call(tool, json!({})).await.unwrap();
        assert_eq!(r.is_error, Some(false), "{tool}: {}", text(&r));
        let structured = r.structured_content.clone().expect("structured content");
        assert_eq!(structured["marker"], MARKER, "{tool}: the echo is there");
        seen.push_str(&serde_json::to_string(&r).unwrap());
    }
    // The bearer token had a trailing line break; the API got the token alone.
    let sent: Vec<Received> = api.take();
    let bearer = sent.iter().find(|r| r.path() == "/lab/bearer").unwrap();
    assert_eq!(
        bearer.header("authorization"),
        Some(format!("Bearer {BEARER}").as_str())
    );
    // A token endpoint that echoes the client's credentials in its error leaks nothing.
    let r = client.call("ccWrite", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let refused = text(&r);
    assert!(
        refused.contains("rejected") && refused.contains("[redacted]"),
        "{refused}"
    );
    seen.push_str(&serde_json::to_string(&r).unwrap());

    let log = client.close_reading_stderr().await;
    assert!(
        log.contains("calling the API"),
        "trace logs were expected: {log}"
    );
    assert!(
        !log.contains(MARKER),
        "a result body reached the log: {}",
        log.lines().find(|l| l.contains(MARKER)).unwrap_or_default()
    );
    for form in forms() {
        assert!(!seen.contains(&form), "`{form}` reached the client");
        assert!(!log.contains(&form), "`{form}` reached the log");
    }
}
