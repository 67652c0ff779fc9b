//! GitHub's REST description (~1,200 operations) as a connector: generated into `target/`,
//! compiled, and listed over MCP through every `tools/list` page; a few calls reach a local API.

use std::path::PathBuf;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::json;

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
    let env = [("GITHUB_BASE_URL", api.url())];
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
