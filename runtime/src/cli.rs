//! The generated binary's command line: flags, and a `--help` that lists every environment
//! variable under the connector's own prefix.

use clap::{Arg, ArgAction, Command};
use mcpgen_contract::env::{EnvNames, Variable};

use crate::table::{Connector, Listing};

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Stdio,
    Http {
        addr: String,
        tls_cert: Option<String>,
        tls_key: Option<String>,
        allowed_hosts: Vec<String>,
        /// Serve without protection on a non-loopback address.
        no_auth: bool,
        /// Also serve the MCP conformance suite's fixtures (test connector only).
        #[cfg(feature = "conformance-fixtures")]
        conformance_fixtures: bool,
    },
    ListTools {
        json: bool,
    },
}

/// Every environment variable the connector reads, with what it is for.
pub(crate) fn environment(c: &Connector) -> Vec<(String, String)> {
    let names = EnvNames::from_prefix(c.env_prefix);
    let default_base_url = c.servers.first().map(|s| s.resolve(|_| None));
    let mut operator = names.operator_variables(default_base_url.as_deref());
    // The server URL's variables, right after the base URL they fill in.
    let variables = c
        .servers
        .first()
        .map(|s| s.variables)
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let allowed = if v.allowed.is_empty() {
                String::new()
            } else {
                format!("; one of {}", v.allowed.join(", "))
            };
            let what = if v.description.is_empty() {
                format!("`{{{}}}` in the server URL", v.name)
            } else {
                format!(
                    "`{{{}}}` in the server URL: {}",
                    v.name,
                    v.description.trim_end_matches('.')
                )
            };
            Variable {
                name: names.server_variable(v.name),
                description: format!("{what} (default `{}`{allowed})", v.default),
                secret: false,
            }
        });
    operator.splice(1..1, variables);
    let credentials = c
        .security_schemes
        .iter()
        .flat_map(|s| s.env)
        .map(|var| Variable {
            name: var.name.to_string(),
            description: var.description.to_string(),
            secret: var.secret,
        });
    operator
        .into_iter()
        .chain(credentials)
        .map(|var| {
            let secret = if var.secret { " (secret)" } else { "" };
            (var.name, format!("{}{secret}", var.description))
        })
        .collect()
}

fn command(c: &'static Connector) -> Command {
    let mut env_help = String::from("Environment:\n");
    let vars = environment(c);
    let width = vars.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, what) in vars {
        env_help.push_str(&format!("  {name:<width$}  {what}\n"));
    }
    Command::new(c.name)
        .version(format!("{} (mcpgen {})", c.version, c.generator_version))
        .about(format!(
            "MCP connector for {} (API {}): {} tools. Without options it speaks MCP over stdio.",
            c.title,
            c.version,
            c.tools.len()
        ))
        .after_help(env_help)
        .arg(
            Arg::new("http")
                .long("http")
                .value_name("ADDR")
                .help("Serve MCP Streamable HTTP at /mcp on ADDR (HOST:PORT, or a port on 127.0.0.1) instead of stdio"),
        )
        .arg(
            Arg::new("tls-cert")
                .long("tls-cert")
                .value_name("PEM")
                .requires("http")
                .requires("tls-key")
                .help("With --http: serve HTTPS with this certificate chain (re-read on SIGHUP, with the key)"),
        )
        .arg(
            Arg::new("tls-key")
                .long("tls-key")
                .value_name("PEM")
                .requires("tls-cert")
                .help("With --http: the certificate's private key"),
        )
        .arg(
            Arg::new("allow-host")
                .long("allow-host")
                .value_name("HOST")
                .action(ArgAction::Append)
                .requires("http")
                .help("With --http: also accept this name in Host and Origin (default: loopback names only)"),
        )
        .arg(
            Arg::new("no-auth")
                .long("no-auth")
                .action(ArgAction::SetTrue)
                .requires("http")
                .help("With --http on a non-loopback address: serve without checking tokens (only behind a gateway that authenticates)"),
        )
        .arg(
            Arg::new("list-tools")
                .long("list-tools")
                .action(ArgAction::SetTrue)
                .conflicts_with("http")
                .help("Print the tools (name and one line) and exit"),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .requires("list-tools")
                .help("With --list-tools: print the catalog as JSON, with the hash of the inputs it was generated from"),
        )
}

/// Parses `args` (the first is the program name). Help and version print and exit.
pub(crate) fn parse(c: &'static Connector, args: impl IntoIterator<Item = String>) -> Mode {
    let command = command(c);
    #[cfg(feature = "conformance-fixtures")]
    let command = command.arg(
        // For the official conformance suite only; hidden so no one turns it on by accident.
        Arg::new("conformance-fixtures")
            .long("conformance-fixtures")
            .action(ArgAction::SetTrue)
            .requires("http")
            .hide(true),
    );
    let matches = command.get_matches_from(args);
    if matches.get_flag("list-tools") {
        return Mode::ListTools {
            json: matches.get_flag("json"),
        };
    }
    if let Some(addr) = matches.get_one::<String>("http") {
        return Mode::Http {
            addr: addr.clone(),
            tls_cert: matches.get_one::<String>("tls-cert").cloned(),
            tls_key: matches.get_one::<String>("tls-key").cloned(),
            allowed_hosts: matches
                .get_many::<String>("allow-host")
                .map(|v| v.cloned().collect())
                .unwrap_or_default(),
            no_auth: matches.get_flag("no-auth"),
            #[cfg(feature = "conformance-fixtures")]
            conformance_fixtures: matches.get_flag("conformance-fixtures"),
        };
    }
    Mode::Stdio
}

/// `--list-tools` output: the tools a client sees (in catalog mode, the catalog's tools and the
/// core ones); with `json`, every operation too, and the hash of the inputs.
pub(crate) fn list_tools(c: &Connector, json: bool, listing: Listing) -> String {
    let listed = listed_tools(c, listing);
    if json {
        return list_json(c, &listed, listing);
    }
    let width = listed.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, line) in &listed {
        out.push_str(&format!(
            "{name:<width$}  {line}
"
        ));
    }
    if listing == Listing::Catalog {
        out.push_str(&format!(
            "(catalog mode: {} operations behind these tools; `--list-tools --json` lists them all)\n",
            c.tools.len()
        ));
    }
    out
}

/// (name, one line) of each tool `tools/list` shows.
fn listed_tools(c: &Connector, listing: Listing) -> Vec<(String, String)> {
    let line = |t: &crate::table::Tool| {
        t.title
            .unwrap_or_else(|| t.description.lines().next().unwrap_or(""))
            .to_string()
    };
    match listing {
        Listing::Full => c
            .tools
            .iter()
            .map(|t| (t.name.to_string(), line(t)))
            .collect(),
        Listing::Catalog => crate::mcp::catalog::catalog_tool_lines(c)
            .into_iter()
            .chain(
                c.tools
                    .iter()
                    .filter(|t| t.core)
                    .map(|t| (t.name.to_string(), line(t))),
            )
            .collect(),
    }
}

fn list_json(c: &Connector, listed: &[(String, String)], listing: Listing) -> String {
    let tools: Vec<serde_json::Value> = c
        .tools
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "method": t.method.as_str(),
                "path": t.path,
                "annotations": {
                    "readOnlyHint": t.annotations.read_only,
                    "destructiveHint": t.annotations.destructive,
                    "idempotentHint": t.annotations.idempotent,
                    "openWorldHint": t.annotations.open_world,
                },
                "inputSchema": serde_json::from_str::<serde_json::Value>(t.input_schema).unwrap_or_default(),
            })
        })
        .collect();
    let catalog = serde_json::json!({
        "name": c.name,
        "title": c.title,
        "apiVersion": c.version,
        "generatorVersion": c.generator_version,
        "sourceHash": c.source_hash,
        "listing": match listing { Listing::Full => "full", Listing::Catalog => "catalog" },
        "listed": listed.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "tools": tools,
    });
    serde_json::to_string_pretty(&catalog).unwrap_or_default() + "\n"
}
