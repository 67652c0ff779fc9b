//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, on Node 22) against a
//! connector serving HTTP with the suite's fixtures, for both requirement sets. Every scored
//! scenario must pass: no expected-failures baseline.

use std::time::Duration;

use mcpgen_e2e::served::start_connector;

/// Runs the suite for `requirements` against `url`; returns its exit status and output.
async fn suite(url: &str, requirements: &str, results: &std::path::Path) -> (bool, String) {
    let deps = mcpgen_e2e::test_deps();
    let node = deps.join("node_modules/.bin/node");
    let cli = deps.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    assert!(
        node.exists() && cli.exists(),
        "run scripts/install-test-deps first"
    );
    let out = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::process::Command::new(node)
            .arg(cli)
            .args(["server", "--url", url, "--requirements", requirements, "-o"])
            .arg(results)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the suite finishes within 5 minutes")
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_official_conformance_suite_passes_for_both_protocol_revisions() {
    let server = start_connector(
        "conformance-connector",
        &["--http", "127.0.0.1:0", "--conformance-fixtures"],
        &[("ORDERS_BASE_URL", "http://127.0.0.1:9/v1".into())],
    )
    .await;
    let results = tempfile::tempdir().unwrap();
    for requirements in ["2025-11-25", "2026-07-28"] {
        let (passed, output) = suite(&server.url, requirements, results.path()).await;
        let summary = output
            .split("=== SUMMARY ===")
            .nth(1)
            .unwrap_or(&output)
            .to_string();
        let total = summary
            .lines()
            .find(|l| l.starts_with("Total:"))
            .unwrap_or("no total");
        // Scenarios the revision does not score (extensions, pending) are listed after the total.
        let (scored, unscored) = summary.split_once("Not scored").unwrap_or((&summary, ""));
        let scenarios: Vec<(bool, &str)> = scored
            .lines()
            .filter_map(|l| {
                let (mark, rest) = l.split_once(' ')?;
                let name = rest.split(':').next()?;
                match mark {
                    "✓" => Some((true, name)),
                    "✗" => Some((false, name)),
                    _ => None,
                }
            })
            .filter(|(_, name)| !unscored.contains(&format!(" {name} (")))
            .collect();
        let passing = scenarios.iter().filter(|(ok, _)| *ok).count();
        eprintln!(
            "conformance {requirements}: {passing} of {} scored scenarios pass ({total}, unscored included)",
            scenarios.len()
        );
        assert!(passed, "conformance {requirements} failed:\n{summary}");
        assert!(scenarios.len() >= 30, "{summary}");
        assert_eq!(passing, scenarios.len(), "{summary}");
        // Every check it runs passes, the unscored ones (extensions such as tasks, pending
        // scenarios) included.
        assert!(total.ends_with(" 0 failed"), "{total}:\n{summary}");
    }
}

/// The fixtures are opt-in: a connector lists only its own tools and does not mention the flag;
/// a product connector is built without them, so it does not even know the flag.
#[test]
fn fixtures_are_off_unless_asked_for() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let listed = std::process::Command::new(&binary)
        .args(["--list-tools"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("test_simple_text"));
    let help = std::process::Command::new(&binary)
        .arg("--help")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains("conformance"));
    let refused = std::process::Command::new(&binary)
        .args(["--http", "127.0.0.1:0", "--conformance-fixtures"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--conformance-fixtures"));
}
