//! Memory is bounded by configuration, never by the API: a huge or endless answer is read only up
//! to the byte cap the response budget gives, and every kind of content — text, structured
//! content, error details, images — is held to the budget. A FIFO among the allowed files cannot
//! freeze the connector.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

/// An API whose every answer is the reply the test sets last.
async fn api() -> (Api, Arc<Mutex<Reply>>) {
    let next = Arc::new(Mutex::new(Reply::json(200, json!({}))));
    let replies = next.clone();
    let api = Api::start(move |_| replies.lock().unwrap().clone()).await;
    (api, next)
}

async fn call(client: &Client, next: &Mutex<Reply>, reply: Reply) -> Value {
    *next.lock().unwrap() = reply;
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        client.call("queryForm", json!({"id": "1", "tags": ["a"]})),
    )
    .await
    .expect("the call ends: the connector must stop reading at its byte cap")
    .unwrap();
    serde_json::to_value(&result).unwrap()
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn huge_and_endless_answers_are_read_only_to_the_byte_cap() {
    let (api, next) = api().await;
    let env = [("DIALECTS_BASE_URL", format!("{}/base", api.url()))];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Legacy).await;
    let item = br#"{"id":"0123456789","name":"a row of a very long list"},"#;

    // 256 MiB of JSON, declared: the text is cut, the structured content is a note.
    let huge = Reply::streamed(200, "application/json", b"[", item, Some(256 * MIB));
    let r = call(&client, &next, huge).await;
    let said = r["content"][0]["text"].as_str().unwrap();
    assert!(
        said.contains("[response cut: showing 100000 characters of a response of 268435456 bytes, the rest not read"),
        "{}",
        &said[said.len().saturating_sub(300)..]
    );
    assert!(
        r["structuredContent"]["responseCut"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than this tool's response budget of 100000 characters"),
        "{}",
        r["structuredContent"]
    );

    // An endless chunked stream of text.
    let endless = Reply::streamed(200, "text/plain", b"", b"all work and no play ", None);
    let r = call(&client, &next, endless).await;
    let said = r["content"][0]["text"].as_str().unwrap();
    assert!(
        said.contains("of a response of more than 400000 bytes, the rest not read"),
        "{}",
        &said[said.len().saturating_sub(300)..]
    );

    // An answer read whole would have taken 256 MiB; the connector never held more than a
    // small multiple of its byte cap (400 KB) on top of what it needs anyway.
    let peak = mcpgen_e2e::memory_kib(client.pid, "VmHWM");
    assert!(
        peak < 64 * 1024,
        "the connector's resident memory peaked at {peak} KiB"
    );
    client.close().await;
}

#[tokio::test]
async fn every_kind_of_content_obeys_the_budget() {
    let (api, next) = api().await;
    let env = [
        ("DIALECTS_BASE_URL", format!("{}/base", api.url())),
        ("DIALECTS_RESPONSE_LIMIT", "1000".to_string()),
    ];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Modern).await;

    // 20 kB of JSON: cut in the text, and not sent whole as structured content either.
    let rows: Vec<Value> = (0..400).map(|i| json!({"id": i, "name": "row"})).collect();
    let r = call(&client, &next, Reply::json(200, json!({"rows": rows}))).await;
    assert!(
        r["content"][0]["text"].as_str().unwrap().len() < 1_400,
        "{r}"
    );
    let note = &r["structuredContent"]["responseCut"];
    assert_eq!(note["limitCharacters"], 1000, "{r}");
    assert!(r["structuredContent"].get("rows").is_none());

    // A 5 MB problem `detail` is not copied whole into the error.
    let problem = json!({"title": "Bad request", "detail": "d".repeat(5_000_000)});
    let r = call(&client, &next, Reply::json(400, problem)).await;
    assert_eq!(r["isError"], true);
    let said = r["content"][0]["text"].as_str().unwrap();
    assert!(said.len() < 3_000, "an error of {} bytes", said.len());
    assert!(
        said.starts_with("HTTP 400 Bad Request") && said.contains(r#""title":"Bad request""#),
        "{said}"
    );
    assert!(said.contains("of a response of 5000035 bytes, the rest not read"));

    // An image whose base64 would not fit is described, not sent.
    let image = vec![0x89u8; 20_000];
    let r = call(&client, &next, Reply::bytes(200, "image/png", &image)).await;
    assert_eq!(r["content"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["content"][0]["type"], "text", "{r}");
    let said = r["content"][0]["text"].as_str().unwrap();
    assert!(
        said.contains("20000 bytes of image/png, not returned"),
        "{said}"
    );
    client.close().await;
}

/// A FIFO inside an allowed directory is refused at once: opening it would wait for a writer
/// forever, and while two calls waited, nothing else (not even `ping`) was answered.
#[tokio::test]
async fn a_fifo_among_the_allowed_files_freezes_nothing() {
    let allowed = tempfile::tempdir().unwrap();
    let fifo = allowed.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (api, _next) = api().await;
    let env = [
        ("DIALECTS_BASE_URL", format!("{}/base", api.url())),
        (
            "DIALECTS_FILE_ROOTS",
            allowed.path().to_string_lossy().into_owned(),
        ),
    ];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Legacy).await;
    let by_path = json!({"body": format!("file:{}", fifo.display())});
    let (first, second, ping) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(
            client.call("bodyBinary", by_path.clone()),
            client.call("bodyBinary", by_path.clone()),
            async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                client
                    .service
                    .send_request(rmcp::model::ClientRequest::PingRequest(
                        rmcp::model::PingRequest::default(),
                    ))
                    .await
            }
        )
    })
    .await
    .expect("calls naming a FIFO must not block the connector");
    for r in [first.unwrap(), second.unwrap()] {
        assert_eq!(r.is_error, Some(true));
        assert!(text(&r).contains("not a regular file"), "{}", text(&r));
    }
    assert!(ping.is_ok(), "{ping:?}");
    assert!(api.take().is_empty(), "nothing is sent");
    client.close().await;
}
