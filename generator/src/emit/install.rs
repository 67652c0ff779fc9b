//! How to install the connector where Claude runs, filled in for this connector: a Claude Desktop
//! config entry (`claude_desktop_config.json`), a Claude Code `.mcp.json`, a Claude Code plugin
//! with a marketplace, and the manifest `mcpgen bundle` packs into an MCPB desktop extension.
//! Every file is JSON serialised from values, never a template.

use mcpgen_contract::env::EnvNames;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::ir::Listing;
use crate::plan::Plan;

/// The MCPB manifest `mcpgen bundle` reads, beside the other install files.
pub const MCPB_MANIFEST: &str = "install/mcpb/manifest.json";

/// One thing a user configures: the variable, how install UIs ask for it, and its default.
struct Setting {
    var: String,
    /// The key of `user_config` in plugins and bundles (the variable without the prefix).
    key: String,
    title: String,
    description: String,
    secret: bool,
    default: Option<String>,
    /// A directory picker rather than text.
    directory: bool,
    required: bool,
}

/// Everything a desktop or plugin user may set: the API's URL (and its server variables), the
/// credentials, the directories files may be read from, the timeout.
fn settings(plan: &Plan) -> Vec<Setting> {
    let c = &plan.connector;
    let names = EnvNames::from_prefix(&c.env_prefix);
    let key = |var: &str| {
        var.strip_prefix(&format!("{}_", c.env_prefix))
            .unwrap_or(var)
            .to_ascii_lowercase()
    };
    let plain = |var: String, title: &str, description: String, default: Option<String>| Setting {
        key: key(&var),
        var,
        title: title.to_string(),
        description,
        secret: false,
        default,
        directory: false,
        required: false,
    };
    let server = c.servers.first();
    let default_url = server.map(|s| {
        s.variables.iter().fold(s.url.clone(), |url, v| {
            url.replace(&format!("{{{}}}", v.name), &v.default)
        })
    });
    let has_variables = server.is_some_and(|s| !s.variables.is_empty());
    // With server variables the URL has no default value: set, it would replace the variables.
    let (url_description, url_default) = match &default_url {
        Some(url) if has_variables => (
            format!("The API's base URL, path prefix included (blank: {url})"),
            None,
        ),
        Some(url) => (
            "The API's base URL, path prefix included".to_string(),
            Some(url.clone()),
        ),
        None => ("The API's base URL, path prefix included".to_string(), None),
    };
    let mut settings = vec![Setting {
        required: default_url.is_none(),
        ..plain(
            names.base_url(),
            "API base URL",
            url_description,
            url_default,
        )
    }];
    for v in server.map(|s| s.variables.as_slice()).unwrap_or_default() {
        settings.push(plain(
            names.server_variable(&v.name),
            &format!("Server {}", v.name),
            format!("`{{{}}}` in the API's server URL", v.name),
            Some(v.default.clone()),
        ));
    }
    for var in c.security_schemes.iter().flat_map(|s| &s.env) {
        settings.push(Setting {
            secret: var.secret,
            ..plain(
                var.name.clone(),
                &title_of(&var.name, &c.env_prefix),
                var.description.clone(),
                None,
            )
        });
    }
    settings.push(Setting {
        directory: true,
        ..plain(
            names.file_roots(),
            "Readable directories",
            "Directories whose files tools may send (optional)".into(),
            None,
        )
    });
    settings
}

/// `API_KEY_AUTH` → `Api key auth`.
fn title_of(var: &str, prefix: &str) -> String {
    let words = var
        .strip_prefix(&format!("{prefix}_"))
        .unwrap_or(var)
        .replace('_', " ")
        .to_ascii_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => words,
    }
}

fn pretty(what: &str, value: &Value) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| Error::Render {
            what: what.into(),
            message: e.to_string(),
        })
}

/// The public URL a remote deployment answers at, as the Kubernetes manifest assumes it.
fn remote_url(plan: &Plan) -> String {
    format!("https://{}.example.com/mcp", plan.connector.name)
}

/// Every install file, by path in the crate.
pub(super) fn install_files(plan: &Plan) -> Result<Vec<(String, String)>> {
    let settings = settings(plan);
    Ok(vec![
        (
            "install/claude_desktop_config.json".into(),
            pretty(
                "claude_desktop_config.json",
                &desktop_config(plan, &settings),
            )?,
        ),
        (
            "install/.mcp.json".into(),
            pretty(".mcp.json", &claude_code_config(plan, &settings))?,
        ),
        (
            "install/plugin/.claude-plugin/plugin.json".into(),
            pretty("plugin.json", &plugin_manifest(plan, &settings))?,
        ),
        (
            "install/plugin/.mcp.json".into(),
            pretty("plugin .mcp.json", &plugin_servers(plan, &settings))?,
        ),
        (
            "install/.claude-plugin/marketplace.json".into(),
            pretty("marketplace.json", &marketplace(plan))?,
        ),
        (
            MCPB_MANIFEST.into(),
            pretty("manifest.json", &mcpb_manifest(plan, &settings))?,
        ),
    ])
}

/// Claude Desktop: the binary by absolute path, every variable in `env` (blank: not set), and the
/// remote deployment through the `mcp-remote` bridge (Claude Desktop's file holds stdio servers
/// only; a public OAuth endpoint is added in Settings → Connectors instead).
fn desktop_config(plan: &Plan, settings: &[Setting]) -> Value {
    let c = &plan.connector;
    let env: Map<String, Value> = settings
        .iter()
        .map(|s| {
            (
                s.var.clone(),
                Value::String(s.default.clone().unwrap_or_default()),
            )
        })
        .collect();
    let token = EnvNames::from_prefix(&c.env_prefix).mcp_token();
    json!({"mcpServers": {
        c.name.clone(): {
            "command": format!("/absolute/path/to/{}", c.name),
            "args": [],
            "env": env,
        },
        format!("{}-remote", c.name): {
            "command": "npx",
            "args": ["-y", "mcp-remote", remote_url(plan), "--header", "Authorization:${MCP_AUTHORIZATION}"],
            "env": {"MCP_AUTHORIZATION": format!("Bearer <the value of {token}>")},
        },
    }})
}

/// Claude Code: the binary from `PATH` (`cargo install --path .`), every variable expanded from
/// the user's environment, and the remote deployment over HTTP with its bearer token.
fn claude_code_config(plan: &Plan, settings: &[Setting]) -> Value {
    let c = &plan.connector;
    let env: Map<String, Value> = settings
        .iter()
        .map(|s| {
            let default = s.default.clone().unwrap_or_default();
            (
                s.var.clone(),
                Value::String(format!("${{{}:-{default}}}", s.var)),
            )
        })
        .collect();
    let token = EnvNames::from_prefix(&c.env_prefix).mcp_token();
    json!({"mcpServers": {
        c.name.clone(): {"command": c.name, "args": [], "env": env},
        format!("{}-remote", c.name): {
            "type": "http",
            "url": remote_url(plan),
            "headers": {"Authorization": format!("Bearer ${{{token}:-}}")},
        },
    }})
}

/// `userConfig` / `user_config` entries, as plugins and bundles ask for them.
fn user_config(settings: &[Setting], directory_type: bool) -> Map<String, Value> {
    settings
        .iter()
        .map(|s| {
            let kind = if s.directory && directory_type {
                "directory"
            } else {
                "string"
            };
            let mut entry = json!({
                "type": kind,
                "title": s.title,
                "description": s.description,
                "required": s.required,
            });
            if s.secret {
                entry["sensitive"] = Value::Bool(true);
            }
            if let Some(default) = &s.default {
                entry["default"] = Value::String(default.clone());
            }
            (s.key.clone(), entry)
        })
        .collect()
}

fn plugin_manifest(plan: &Plan, settings: &[Setting]) -> Value {
    let c = &plan.connector;
    json!({
        "name": c.name,
        "version": "0.1.0",
        "description": format!("MCP connector for {}", c.title),
        "author": {"name": c.title},
        "userConfig": user_config(settings, false),
    })
}

/// The plugin's server: the binary shipped in the plugin's `bin/`, configured from `userConfig`.
fn plugin_servers(plan: &Plan, settings: &[Setting]) -> Value {
    let c = &plan.connector;
    let env: Map<String, Value> = settings
        .iter()
        .map(|s| {
            (
                s.var.clone(),
                Value::String(format!("${{user_config.{}}}", s.key)),
            )
        })
        .collect();
    json!({"mcpServers": {c.name.clone(): {
        "command": format!("${{CLAUDE_PLUGIN_ROOT}}/bin/{}", c.name),
        "args": [],
        "env": env,
    }}})
}

/// A marketplace of this one plugin; a team lists all its connectors' plugins in one.
fn marketplace(plan: &Plan) -> Value {
    let c = &plan.connector;
    json!({
        "name": format!("{}-connectors", c.name),
        "owner": {"name": c.title},
        "description": format!("Claude Code plugins for {}", c.title),
        "plugins": [{
            "name": c.name,
            "source": "./plugin",
            "description": format!("MCP connector for {}", c.title),
        }],
    })
}

/// The MCPB manifest, without the platforms (`mcpgen bundle` adds the ones it built for).
fn mcpb_manifest(plan: &Plan, settings: &[Setting]) -> Value {
    let c = &plan.connector;
    let env: Map<String, Value> = settings
        .iter()
        .map(|s| {
            (
                s.var.clone(),
                Value::String(format!("${{user_config.{}}}", s.key)),
            )
        })
        .collect();
    let tools: Vec<Value> = match c.listing.listing {
        Listing::Full => plan
            .tools
            .iter()
            .map(|t| {
                let line = t
                    .title
                    .clone()
                    .unwrap_or_else(|| t.description.lines().next().unwrap_or("").to_string());
                json!({"name": t.name, "description": line})
            })
            .collect(),
        Listing::Catalog => mcpgen_contract::catalog::tools(!c.listing.toolsets.is_empty())
            .into_iter()
            .map(|(name, description)| json!({"name": name, "description": description}))
            .collect(),
    };
    let mut manifest = json!({
        "manifest_version": "0.3",
        "name": c.name,
        "display_name": c.title,
        "version": "0.1.0",
        "description": format!("MCP connector for {}", c.title),
        "long_description": c.description,
        "author": {"name": c.title},
        "server": {
            "type": "binary",
            "entry_point": format!("server/{}", c.name),
            "mcp_config": {
                "command": format!("${{__dirname}}/server/{}", c.name),
                "args": [],
                "env": env,
            },
        },
        "user_config": user_config(settings, true),
        "tools": tools,
    });
    if c.icon.is_some() {
        // Written beside the manifest (`emit::MCPB_ICON`), so the path is the file's name.
        manifest["icon"] = Value::String("icon.png".into());
    }
    manifest
}
