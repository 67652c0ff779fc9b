//! The install files every generated crate carries, checked the way each client would use them:
//! validated by the official tools (`claude plugin validate --strict`, `mcpb validate`), and the
//! command each one names started the way its client starts it (placeholders filled as the
//! client fills them) and asked for its tools. `mcpgen bundle` packs a `.mcpb` that the official
//! tool unpacks and whose server starts as its manifest says.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use mcpgen_e2e::client::{Client, Era};
use serde_json::Value;

fn orders_crate() -> PathBuf {
    mcpgen_e2e::workspace().join("generated/orders")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tool(name: &str) -> PathBuf {
    let path = mcpgen_e2e::test_deps().join("node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{}: run scripts/install-test-deps",
        path.display()
    );
    path
}

/// Runs an official validator; its output on failure.
fn validates(program: &str, args: &[&str], target: &Path) {
    let out = Command::new(tool(program))
        .args(args)
        .arg(target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?} {}:\n{}{}",
        target.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `${VAR}`, `${VAR:-default}` and `${prefix.key}` filled from `values` (absent: the default,
/// else empty), as Claude Code and Claude Desktop fill them.
fn expand(text: &str, values: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        let (name, default) = inner.split_once(":-").unwrap_or((inner, ""));
        out.push_str(values.get(name).map_or(default, String::as_str));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The environment a server entry asks for, expanded.
fn entry_env(entry: &Value, values: &HashMap<String, String>) -> Vec<(String, String)> {
    entry["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), expand(v.as_str().unwrap(), values)))
        .collect()
}

/// Starts `command` with `env` as a client would and returns how many tools it lists.
async fn listed(command: &Path, env: &[(String, String)], era: Era) -> usize {
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let client = Client::start(command, &env, era).await;
    let n = client.tools().await.len();
    client.close().await;
    n
}

#[test]
fn the_official_tools_accept_the_plugin_the_marketplace_and_the_bundle_manifest() {
    let install = orders_crate().join("install");
    validates(
        "claude",
        &["plugin", "validate", "--strict"],
        &install.join("plugin"),
    );
    validates("claude", &["plugin", "validate", "--strict"], &install);
    validates("mcpb", &["validate"], &install.join("mcpb/manifest.json"));
}

#[tokio::test]
async fn each_install_file_starts_the_connector() {
    let binary = mcpgen_e2e::connector_binary("orders");
    let install = orders_crate().join("install");
    let values: HashMap<String, String> = [
        ("ORDERS_API_KEY_AUTH".to_string(), "k-123456".to_string()),
        (
            "user_config.api_key_auth".to_string(),
            "k-123456".to_string(),
        ),
    ]
    .into();

    // Claude Desktop: the entry's command (an absolute path to fill in) with its env as written.
    let desktop = read(&install.join("claude_desktop_config.json"));
    let entry = &desktop["mcpServers"]["orders"];
    assert_eq!(entry["command"], "/absolute/path/to/orders");
    assert!(entry["env"]["ORDERS_API_KEY_AUTH"].is_string());
    assert_eq!(
        listed(&binary, &entry_env(entry, &values), Era::Legacy).await,
        14
    );

    // Claude Code: `orders` found on PATH, `${VAR:-default}` expanded from the environment.
    let code = read(&install.join(".mcp.json"));
    let entry = &code["mcpServers"]["orders"];
    assert_eq!(entry["command"], "orders");
    assert_eq!(code["mcpServers"]["orders-remote"]["type"], "http");
    assert_eq!(
        listed(&binary, &entry_env(entry, &values), Era::Modern).await,
        14
    );

    // The plugin: its binary under the plugin root, settings from `userConfig`.
    let plugin_root = tempfile::tempdir().unwrap();
    std::fs::create_dir(plugin_root.path().join("bin")).unwrap();
    std::fs::copy(&binary, plugin_root.path().join("bin/orders")).unwrap();
    let servers = read(&install.join("plugin/.mcp.json"));
    let entry = &servers["mcpServers"]["orders"];
    let mut plugin_values = values.clone();
    plugin_values.insert(
        "CLAUDE_PLUGIN_ROOT".into(),
        plugin_root.path().display().to_string(),
    );
    let command = expand(entry["command"].as_str().unwrap(), &plugin_values);
    let user_config =
        read(&install.join("plugin/.claude-plugin/plugin.json"))["userConfig"].clone();
    assert_eq!(user_config["api_key_auth"]["sensitive"], true);
    assert_eq!(
        listed(
            Path::new(&command),
            &entry_env(entry, &plugin_values),
            Era::Legacy
        )
        .await,
        14
    );
}

#[tokio::test]
async fn a_bundle_unpacks_and_starts_as_its_manifest_says() {
    // The connector built with the tests' profile, so nothing new is compiled.
    // The shop example, as its overrides file names an icon.
    mcpgen_e2e::connector_binary("shop");
    let dir = tempfile::tempdir().unwrap();
    let archive = mcpgen::bundle::bundle(
        &mcpgen_e2e::workspace().join("generated/shop"),
        &mcpgen::bundle::BundleOptions {
            profile: "dev".into(),
            output: Some(dir.path().join("shop.mcpb")),
            target: None,
        },
    )
    .unwrap();
    let unpacked = dir.path().join("unpacked");
    let out = Command::new(tool("mcpb"))
        .arg("unpack")
        .arg(&archive)
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    validates("mcpb", &["validate"], &unpacked.join("manifest.json"));
    let manifest = read(&unpacked.join("manifest.json"));
    assert_eq!(
        manifest["compatibility"]["platforms"],
        serde_json::json!(["linux"])
    );
    assert_eq!(manifest["server"]["type"], "binary");
    assert_eq!(manifest["tools"].as_array().unwrap().len(), 10);
    assert_eq!(manifest["icon"], "icon.png");
    assert_eq!(
        std::fs::read(unpacked.join("icon.png")).unwrap(),
        std::fs::read(mcpgen_e2e::workspace().join("specs/orders-icon.png")).unwrap()
    );
    let mut values: HashMap<String, String> =
        [("__dirname".to_string(), unpacked.display().to_string())].into();
    // The host fills `user_config` from what the user entered: here the API key, and every
    // default the manifest gives.
    for (key, entry) in manifest["user_config"].as_object().unwrap() {
        if let Some(default) = entry["default"].as_str() {
            values.insert(format!("user_config.{key}"), default.to_string());
        }
    }
    values.insert("user_config.api_key_auth".into(), "k-123456".into());
    let config = &manifest["server"]["mcp_config"];
    let command = expand(config["command"].as_str().unwrap(), &values);
    assert_eq!(
        listed(
            Path::new(&command),
            &entry_env(config, &values),
            Era::Modern
        )
        .await,
        10
    );
}
