//! Every way OpenAPI lets a request carry data (`specs/http-dialects.yaml`, generated into
//! `generated/dialects`): for each parameter style / explode / media-type combination, the exact
//! bytes a recording server receives; then the same calls against Stoplight Prism with request
//! validation on, an independent judge of whether the requests match the spec.

use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

/// A PNG's first bytes, as a file argument travels: base64.
const FILE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn color() -> Value {
    json!({"R": 100, "G": 200, "B": 150})
}

/// (tool, arguments, method, path and query as sent, headers that must be present, body).
type Case = (
    &'static str,
    Value,
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<u8>,
);

fn cases() -> Vec<Case> {
    let file = base64::engine::general_purpose::STANDARD.encode(FILE);
    let three = || json!({"id": "x y", "tags": ["a", "b"], "color": color()});
    vec![
        (
            "pathSimple",
            three(),
            "GET",
            "/base/simple/x%20y/a,b/R,100,G,200,B,150",
            vec![],
            vec![],
        ),
        (
            "pathSimpleExplode",
            three(),
            "GET",
            "/base/simple-explode/x%20y/a,b/R=100,G=200,B=150",
            vec![],
            vec![],
        ),
        (
            "pathLabel",
            three(),
            "GET",
            "/base/label/.x%20y/.a,b/.R,100,G,200,B,150",
            vec![],
            vec![],
        ),
        (
            "pathLabelExplode",
            three(),
            "GET",
            "/base/label-explode/.x%20y/.a.b/.R=100.G=200.B=150",
            vec![],
            vec![],
        ),
        (
            "pathMatrix",
            three(),
            "GET",
            "/base/matrix/;id=x%20y/;tags=a,b/;color=R,100,G,200,B,150",
            vec![],
            vec![],
        ),
        (
            "pathMatrixExplode",
            three(),
            "GET",
            "/base/matrix-explode/;id=x%20y/;tags=a;tags=b/;R=100;G=200;B=150",
            vec![],
            vec![],
        ),
        (
            "queryForm",
            json!({"id": "x y", "tags": ["a", "b"]}),
            "GET",
            "/base/query/form?id=x%20y&tags=a,b",
            vec![],
            vec![],
        ),
        (
            "queryFormExplode",
            json!({"id": "x y", "tags": ["a", "b"]}),
            "GET",
            "/base/query/form-explode?id=x%20y&tags=a&tags=b",
            vec![],
            vec![],
        ),
        (
            "queryFormObject",
            json!({"color": color()}),
            "GET",
            "/base/query/form-object?color=R,100,G,200,B,150",
            vec![],
            vec![],
        ),
        (
            "queryFormObjectExplode",
            json!({"color": color()}),
            "GET",
            "/base/query/form-object-explode?R=100&G=200&B=150",
            vec![],
            vec![],
        ),
        (
            "querySpaceDelimited",
            json!({"tags": ["a", "b"]}),
            "GET",
            "/base/query/space-delimited?tags=a%20b",
            vec![],
            vec![],
        ),
        (
            "queryPipeDelimited",
            json!({"tags": ["a", "b"]}),
            "GET",
            "/base/query/pipe-delimited?tags=a|b",
            vec![],
            vec![],
        ),
        (
            "queryObjectDeep",
            json!({"color": color()}),
            "GET",
            "/base/query/deep-object?color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150",
            vec![],
            vec![],
        ),
        (
            "queryDeepNested",
            json!({"filter": {"status": ["a", "b"], "created": {"gte": 5}}}),
            "GET",
            "/base/query/deep-nested?filter%5Bstatus%5D%5B0%5D=a&filter%5Bstatus%5D%5B1%5D=b&filter%5Bcreated%5D%5Bgte%5D=5",
            vec![],
            vec![],
        ),
        (
            "queryAllowReserved",
            json!({"next": "/p/q?x=1", "raw": "/p/q?x=1"}),
            "GET",
            "/base/query/reserved?next=/p/q?x=1&raw=%2Fp%2Fq%3Fx%3D1",
            vec![],
            vec![],
        ),
        (
            "queryContent",
            json!({"filter": color()}),
            "GET",
            "/base/query/content?filter=%7B%22R%22%3A100%2C%22G%22%3A200%2C%22B%22%3A150%7D",
            vec![],
            vec![],
        ),
        (
            "headerSimple",
            json!({"X-Id": "x y", "X-Tags": ["a", "b"], "X-Color": color(), "X-Color-Exploded": color()}),
            "GET",
            "/base/headers",
            vec![
                ("x-id", "x y"),
                ("x-tags", "a,b"),
                ("x-color", "R,100,G,200,B,150"),
                ("x-color-exploded", "R=100,G=200,B=150"),
            ],
            vec![],
        ),
        (
            "cookieForm",
            json!({"session": "s1", "tags": ["a", "b"], "color": color()}),
            "GET",
            "/base/cookies",
            vec![("cookie", "session=s1; tags=a,b; color=R,100,G,200,B,150")],
            vec![],
        ),
        (
            "bodyJson",
            json!({"body": {"name": "ü", "color": color()}}),
            "POST",
            "/base/bodies/json",
            vec![("content-type", "application/json")],
            r#"{"name":"ü","color":{"R":100,"G":200,"B":150}}"#.as_bytes().to_vec(),
        ),
        (
            "bodyVendorJson",
            json!({"body": {"name": null}}),
            "PATCH",
            "/base/bodies/vendor-json",
            vec![("content-type", "application/vnd.dialects+json")],
            br#"{"name":null}"#.to_vec(),
        ),
        (
            "bodyForm",
            json!({"body": {"name": "x y&z", "tags": ["a", "b"], "color": color()}}),
            "POST",
            "/base/bodies/form",
            vec![("content-type", "application/x-www-form-urlencoded")],
            b"name=x+y%26z&tags=a&tags=b&color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"
                .to_vec(),
        ),
        (
            "bodyFormNested",
            json!({"body": {
                "customer": "cus_1",
                "line_items": [{"price": "p1", "quantity": 2}, {"price": "p2", "tax_rates": ["t1"]}],
                "metadata": {"order": "7"},
                "expand": ["customer", "invoice"],
                "shipping": {"name": "Ann", "address": {"city": "Paris"}},
                "options": {"gift": true}
            }}),
            "POST",
            "/base/bodies/form-nested",
            vec![("content-type", "application/x-www-form-urlencoded")],
            b"customer=cus_1\
              &line_items%5B0%5D%5Bprice%5D=p1&line_items%5B0%5D%5Bquantity%5D=2\
              &line_items%5B1%5D%5Bprice%5D=p2&line_items%5B1%5D%5Btax_rates%5D%5B0%5D=t1\
              &metadata%5Border%5D=7&expand%5B0%5D=customer&expand%5B1%5D=invoice\
              &shipping%5Bname%5D=Ann&shipping%5Baddress%5D%5Bcity%5D=Paris\
              &options=%7B%22gift%22%3Atrue%7D"
                .to_vec(),
        ),
        (
            "bodyPatch",
            json!({"body": color()}),
            "PATCH",
            "/base/bodies/patch",
            vec![("content-type", "application/merge-patch+json")],
            br#"{"R":100,"G":200,"B":150}"#.to_vec(),
        ),
        (
            "bodyBinary",
            json!({"body": file.clone()}),
            "PUT",
            "/base/bodies/binary",
            vec![("content-type", "application/octet-stream")],
            FILE.to_vec(),
        ),
        (
            "bodyText",
            json!({"body": "plain text ü"}),
            "POST",
            "/base/bodies/text",
            vec![("content-type", "text/plain")],
            "plain text ü".as_bytes().to_vec(),
        ),
    ]
}

#[tokio::test]
async fn each_combination_puts_the_exact_bytes_on_the_wire() {
    let api = Api::start(|_| Reply::json(200, json!({"ok": true}))).await;
    let env = [("DIALECTS_BASE_URL", format!("{}/base", api.url()))];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Modern).await;
    let mut wrong = Vec::new();
    for (tool, args, method, target, headers, body) in cases() {
        let r = client.call(tool, args).await.unwrap();
        assert_eq!(r.is_error, Some(false), "{tool}: {}", text(&r));
        let got = api.one();
        let sent_target = got.target.clone();
        if got.method != method || sent_target != target {
            wrong.push(format!(
                "{tool}: sent {} {sent_target}\n{:>w$}expected {method} {target}",
                got.method,
                "",
                w = tool.len() + 2
            ));
        }
        for (name, value) in headers {
            if got.header(name) != Some(value) {
                wrong.push(format!(
                    "{tool}: header {name} is {:?}, expected {value:?}",
                    got.header(name)
                ));
            }
        }
        if got.body != body {
            wrong.push(format!(
                "{tool}: body {:?}\n{:>w$}expected {:?}",
                String::from_utf8_lossy(&got.body),
                "",
                String::from_utf8_lossy(&body),
                w = tool.len() + 2
            ));
        }
    }

    // Multipart: a base64 file argument is sent as bytes with its declared content type, and an
    // object field as JSON.
    let file = base64::engine::general_purpose::STANDARD.encode(FILE);
    let r = client
        .call(
            "bodyMultipart",
            json!({"body": {"title": "logo", "file": file, "meta": color()}}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let got = api.one();
    let content_type = got.header("content-type").unwrap().to_string();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let expected = multipart(
        boundary,
        &[
            ("title", None, "text/plain; charset=utf-8", b"logo".to_vec()),
            ("file", Some("file"), "image/png", FILE.to_vec()),
            (
                "meta",
                None,
                "application/json",
                br#"{"R":100,"G":200,"B":150}"#.to_vec(),
            ),
        ],
    );
    if got.body != expected {
        wrong.push(format!(
            "bodyMultipart: body {:?}\n               expected {:?}",
            String::from_utf8_lossy(&got.body),
            String::from_utf8_lossy(&expected)
        ));
    }

    // OpenAPI 3.1 files, known by their contentMediaType alone: a textual one is given as its
    // text, a binary one as base64, an array of files as one part each.
    let r = client
        .call(
            "bodyMultipartFiles",
            json!({"body": {"report": "sku,qty\nA,1\n", "photo": file, "scans": [file, "JVBERg=="]}}),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let got = api.one();
    let content_type = got.header("content-type").unwrap().to_string();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let expected = multipart(
        boundary,
        &[
            (
                "report",
                Some("report"),
                "text/csv",
                b"sku,qty\nA,1\n".to_vec(),
            ),
            ("photo", Some("photo"), "image/png", FILE.to_vec()),
            ("scans", Some("scans"), "application/pdf", FILE.to_vec()),
            ("scans", Some("scans"), "application/pdf", b"%PDF".to_vec()),
        ],
    );
    if got.body != expected {
        wrong.push(format!(
            "bodyMultipartFiles: body {:?}\n                    expected {:?}",
            String::from_utf8_lossy(&got.body),
            String::from_utf8_lossy(&expected)
        ));
    }
    client.close().await;
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// A multipart body of `(name, filename, content type, bytes)` parts, as the connector writes it.
fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &str, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        let disposition = match filename {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// Stoplight Prism in mock mode validates each request against the spec; `--errors` turns a
/// violation into an error response, which the connector reports as a tool error.
#[tokio::test]
async fn prism_finds_every_request_valid() {
    let deps = mcpgen_e2e::test_deps();
    let prism = deps.join("node_modules/.bin/prism");
    assert!(prism.exists(), "run scripts/install-test-deps first");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let spec = mcpgen_e2e::workspace().join("specs/http-dialects.yaml");
    let mut child = tokio::process::Command::new(prism)
        .args([
            "mock",
            "--errors",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .arg(&spec)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Prism serves the paths as written, without the server's `/base` prefix.
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..150 {
        if reqwest::get(format!("{base}/base/query/reserved?next=a&raw=b"))
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(up, "Prism did not start");
    let env = [("DIALECTS_BASE_URL", base.clone())];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Legacy).await;
    let mut invalid = Vec::new();
    let file = base64::engine::general_purpose::STANDARD.encode(FILE);
    // Where Prism itself cannot judge, the exact-bytes test above is the only judge:
    // - it crashes on array and object path parameters (stoplightio/prism#2710, fix unmerged);
    // - it reports an exploded or deepObject query object as lacking its properties, even the
    //   canonical `color[R]=1&color[G]=2` written by hand (checked with 5.14.2 and 5.16.0);
    // - it does not parse a multipart part or a form field as JSON by its content type, so those
    //   are left out here;
    // - it does not gather repeated multipart parts into an array (RFC 7578 §4.3 sends an array of
    //   files so), so the array of files is left out here.
    let prism_cannot_judge = [
        "queryFormObjectExplode",
        "queryObjectDeep",
        "queryDeepNested",
    ];
    let mut calls: Vec<(&str, Value)> = cases()
        .into_iter()
        .filter(|c| !c.0.starts_with("path") && !prism_cannot_judge.contains(&c.0))
        .map(|c| (c.0, c.1))
        .map(|(tool, mut args)| {
            if tool == "bodyFormNested" {
                args["body"].as_object_mut().unwrap().remove("options");
            }
            (tool, args)
        })
        .collect();
    assert_eq!(calls.len(), 16);
    calls.push((
        "bodyMultipart",
        json!({"body": {"title": "logo", "file": file}}),
    ));
    calls.push((
        "bodyMultipartFiles",
        json!({"body": {"report": "sku,qty\nA,1\n", "photo": file}}),
    ));
    for (tool, args) in calls {
        let r = client.call(tool, args).await.unwrap();
        if r.is_error != Some(false) {
            invalid.push(format!("{tool}: {}", text(&r)));
        }
    }
    client.close().await;
    let _ = child.kill().await;
    assert!(
        invalid.is_empty(),
        "Prism rejected:\n{}",
        invalid.join("\n")
    );
}

/// Where the operator allows a directory, file content can be named by path instead of base64;
/// nothing outside the directory can be read.
#[tokio::test]
async fn files_travel_by_path_from_allowed_directories_only() {
    let allowed = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let logo = allowed.path().join("logo.png");
    std::fs::write(&logo, FILE).unwrap();
    std::fs::write(outside.path().join("secret.txt"), b"do not send").unwrap();
    let api = Api::start(|_| Reply::json(200, json!({"ok": true}))).await;
    let env = [
        ("DIALECTS_BASE_URL", format!("{}/base", api.url())),
        (
            "DIALECTS_FILE_ROOTS",
            allowed.path().to_string_lossy().into_owned(),
        ),
    ];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Legacy).await;

    let by_path = format!("file:{}", logo.display());
    let r = client
        .call("bodyBinary", json!({"body": by_path}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(api.one().body, FILE);

    let r = client
        .call("bodyMultipart", json!({"body": {"file": by_path}}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    let sent = api.one().body;
    assert!(
        sent.windows(FILE.len()).any(|w| w == FILE),
        "the file's bytes are not in the multipart body"
    );

    // Outside the allowed directory, directly or by `..`: refused, nothing sent, nothing leaked.
    for path in [
        outside.path().join("secret.txt"),
        allowed.path().join("..").join(
            outside
                .path()
                .file_name()
                .map(std::path::PathBuf::from)
                .unwrap()
                .join("secret.txt"),
        ),
    ] {
        let r = client
            .call(
                "bodyBinary",
                json!({"body": format!("file:{}", path.display())}),
            )
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        let said = text(&r);
        assert!(said.contains("DIALECTS_FILE_ROOTS"), "{said}");
        assert!(!said.contains("do not send"), "{said}");
    }
    assert!(api.take().is_empty());
    client.close().await;

    // The schema tells the model it may pass a path.
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Modern).await;
    let tools = client.tools().await;
    let binary = tools.iter().find(|t| t.name == "bodyBinary").unwrap();
    let schema = Value::Object((*binary.input_schema).clone());
    assert!(
        schema["properties"]["body"]["description"]
            .as_str()
            .unwrap()
            .contains("file:/absolute/path")
    );
    client.close().await;
}

/// What the client gets for each kind of response, whatever the operation: JSON (also when the
/// Content-Type lies), text, image, audio, other binary as an embedded resource, no content, and
/// redirects followed only within the API's origin.
#[tokio::test]
async fn each_kind_of_response_reaches_the_client_in_its_form() {
    use std::sync::{Arc, Mutex};
    let elsewhere = Api::start(|_| Reply::json(200, json!({"leaked": true}))).await;
    let next: Arc<Mutex<Reply>> = Arc::new(Mutex::new(Reply::json(200, json!({}))));
    let api = {
        let next = next.clone();
        Api::start(move |req| {
            if req.path() == "/base/moved-here" {
                return Reply::json(200, json!({"moved": true}));
            }
            next.lock().unwrap().clone()
        })
        .await
    };
    let env = [("DIALECTS_BASE_URL", format!("{}/base", api.url()))];
    let client = Client::start(&mcpgen_e2e::connector_binary("dialects"), &env, Era::Modern).await;
    let args = json!({"id": "1", "tags": ["a"]});
    let call = async |reply: Reply| {
        *next.lock().unwrap() = reply;
        let r = client.call("queryForm", args.clone()).await.unwrap();
        serde_json::to_value(&r).unwrap()
    };
    const WAV: &[u8] = b"RIFF\x24\0\0\0WAVEfmt ";

    let r = call(Reply::bytes(200, "text/plain", br#"{"lying": true}"#)).await;
    assert_eq!(r["structuredContent"], json!({"lying": true}), "{r}");
    let r = call(Reply::bytes(200, "text/csv", b"a,b\n1,2\n")).await;
    assert_eq!(r["content"][0]["text"], "a,b\n1,2\n", "{r}");
    let r = call(Reply::bytes(200, "image/png", FILE)).await;
    assert_eq!(r["content"][0]["type"], "image", "{r}");
    assert_eq!(r["content"][0]["mimeType"], "image/png");
    let r = call(Reply::bytes(200, "audio/wav", WAV)).await;
    assert_eq!(r["content"][0]["type"], "audio", "{r}");
    assert_eq!(r["content"][0]["mimeType"], "audio/wav");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(r["content"][0]["data"].as_str().unwrap())
            .unwrap(),
        WAV
    );
    let r = call(Reply::bytes(200, "application/pdf", b"%PDF-1.7")).await;
    assert_eq!(
        r["content"][0]["text"], "HTTP 200: 8 bytes of application/pdf",
        "{r}"
    );
    assert_eq!(r["content"][1]["type"], "resource", "{r}");
    assert_eq!(r["content"][1]["resource"]["mimeType"], "application/pdf");
    let r = call(Reply::bytes(204, "application/json", b"")).await;
    assert_eq!(r["isError"], false, "{r}");
    assert!(r["content"][0]["text"].as_str().unwrap().contains("204"));

    // A redirect within the origin is followed; one to another origin is not.
    let r = call(
        Reply::bytes(302, "text/plain", b"")
            .with_header("location", &format!("{}/base/moved-here", api.url())),
    )
    .await;
    assert_eq!(r["structuredContent"], json!({"moved": true}), "{r}");
    let r = call(
        Reply::bytes(302, "text/plain", b"")
            .with_header("location", &format!("{}/steal", elsewhere.url())),
    )
    .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(
        elsewhere.take().is_empty(),
        "the redirect left the API's origin"
    );
    client.close().await;
}
