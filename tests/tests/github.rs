//! GitHub's REST description (~1,200 operations) as a connector: generated into `target/`,
//! compiled, and listed over MCP through every `tools/list` page; a few calls reach a local API.

use std::path::PathBuf;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

fn build_github_connector() -> PathBuf {
    let spec =
        mcpgen_e2e::test_deps().join("node_modules/@octokit/openapi/generated/api.github.com.json");
    assert!(
        spec.exists(),
        "{} missing: run scripts/install-test-deps",
        spec.display()
    );
    mcpgen_e2e::generated_connector(&spec, "github")
}

#[tokio::test]
async fn github_connector_lists_every_tool_and_calls_the_api() {
    let binary = build_github_connector();
    let api = Api::start(|req| match req.path() {
        "/zen" => Reply::bytes(200, "text/plain", b"Design for failure."),
        "/repos/octo/hello/issues" => Reply::json(200, json!([{"number": 1, "title": "Bug"}])),
        _ => Reply::json(404, json!({"message": "Not Found"})),
    })
    .await;
    // The full listing, every operation a tool (by default GitHub's size lists a catalog).
    let env = [
        ("GITHUB_BASE_URL", api.url()),
        ("GITHUB_LISTING", "full".into()),
    ];
    for era in [Era::Legacy, Era::Modern] {
        let client = Client::start(&binary, &env, era).await;
        let tools = client.tools().await;
        assert!(tools.len() > 1_000, "only {} tools", tools.len());
        let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), tools.len(), "tool names repeat across pages");

        let r = client.call("meta_get-zen", json!({})).await.unwrap();
        assert_eq!(text(&r), "Design for failure.");
        assert_eq!(api.one().target, "/zen");

        let r = client
            .call("issues_list-for-repo", json!({"owner": "octo", "repo": "hello", "state": "open", "labels": "bug,ui", "per_page": 5}))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(false), "{}", text(&r));
        assert_eq!(
            r.structured_content,
            Some(json!({"result": [{"number": 1, "title": "Bug"}]}))
        );
        assert_eq!(
            api.one().target,
            "/repos/octo/hello/issues?state=open&labels=bug%2Cui&per_page=5"
        );
        client.close().await;
    }
}

/// Stoplight Prism mocks GitHub's API from its own description and validates every request
/// against it: a spread of tools across methods and media types, called with arguments made from
/// their input schemas, must all be found valid. (Prism answers some valid requests with 500 when
/// it cannot build a mock response from GitHub's larger schemas, and a few sampled arguments miss
/// a `pattern` and are refused by the connector before sending; neither is a request Prism judged.)
#[tokio::test]
async fn github_requests_pass_prism_validation() {
    let binary = build_github_connector();
    let spec =
        mcpgen_e2e::test_deps().join("node_modules/@octokit/openapi/generated/api.github.com.json");
    let prism = mcpgen_e2e::test_deps().join("node_modules/.bin/prism");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
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
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..300 {
        if reqwest::get(format!("{base}/zen")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        up,
        "Prism did not load GitHub's description within a minute"
    );

    let env = [("GITHUB_BASE_URL", base), ("GITHUB_LISTING", "full".into())];
    let client = Client::start(&binary, &env, Era::Modern).await;
    let mut tools = client.tools().await;
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    // Every 12th tool, plus the non-JSON bodies.
    let mut picked: Vec<&rmcp::model::Tool> = tools.iter().step_by(12).collect();
    for name in ["markdown_render-raw", "repos_upload-release-asset"] {
        if let Some(t) = tools.iter().find(|t| t.name == name) {
            picked.push(t);
        }
    }
    let mut valid = 0;
    let mut methods = std::collections::BTreeSet::new();
    let mut rejected = Vec::new();
    // A parameter that is `oneOf: [integer, string]` can never pass Prism: in a URL every integer
    // is a string too, so "exactly one" fails whatever is sent.
    let ambiguous = |tool: &rmcp::model::Tool| {
        tool.input_schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|props| {
                props.values().any(|p| {
                    let types: Vec<&str> = p
                        .get("oneOf")
                        .and_then(Value::as_array)
                        .map(|o| o.iter().filter_map(|s| s.get("type")?.as_str()).collect())
                        .unwrap_or_default();
                    types.contains(&"string")
                        && (types.contains(&"integer") || types.contains(&"number"))
                })
            })
    };
    picked.retain(|t| !ambiguous(t));
    let mut other_errors = Vec::new();
    for tool in &picked {
        let args = mcpgen_e2e::sample::sample(&Value::Object((*tool.input_schema).clone()));
        let r = client.call(&tool.name, args.clone()).await.unwrap();
        let said = text(&r);
        if r.is_error == Some(false) {
            valid += 1;
            if let Some(m) = tool
                .description
                .as_deref()
                .and_then(|_| method_of(&binary, &tool.name))
            {
                methods.insert(m);
            }
        } else if said.contains("UNPROCESSABLE_ENTITY") || said.contains("HTTP 422") {
            rejected.push(format!("{}({args}): {said}", tool.name));
        } else {
            other_errors.push(format!(
                "{}: {}",
                tool.name,
                said.lines().next().unwrap_or("")
            ));
        }
    }
    client.close().await;
    let _ = child.kill().await;
    eprintln!(
        "Prism: {valid} of {} GitHub tools called and found valid; methods {methods:?}; other answers:\n{}",
        picked.len(),
        other_errors.join("\n")
    );
    assert!(
        rejected.is_empty(),
        "Prism found invalid requests:\n{}",
        rejected.join("\n")
    );
    assert!(valid >= 50, "only {valid} calls succeeded");
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "no {m} among the calls: {methods:?}");
    }
}

/// The method of `tool`, from the connector's own catalog.
fn method_of(binary: &std::path::Path, tool: &str) -> Option<String> {
    static CATALOG: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let catalog = CATALOG.get_or_init(|| {
        let out = std::process::Command::new(binary)
            .args(["--list-tools", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    });
    catalog["tools"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == tool)
        .and_then(|t| t["method"].as_str().map(str::to_owned))
}
