//! The generated binary's command line: flags, and a `--help` that lists every environment
//! variable under the connector's own prefix.

use clap::{Arg, ArgAction, Command};

use crate::config::{
    DEFAULT_RESPONSE_LIMIT, DEFAULT_TIMEOUT, base_url_var, response_limit_var, timeout_var,
};
use crate::table::Connector;

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Mode {
    Stdio,
    Http {
        addr: String,
        tls_cert: Option<String>,
        tls_key: Option<String>,
        allowed_hosts: Vec<String>,
        /// Serve without protection on a non-loopback address.
        no_auth: bool,
        /// Also serve the MCP conformance suite's fixtures.
        conformance_fixtures: bool,
    },
    ListTools {
        json: bool,
    },
}

/// Every environment variable the connector reads, with what it is for.
pub fn environment(c: &Connector) -> Vec<(String, String)> {
    let default_server = c
        .servers
        .first()
        .map(|s| format!("default `{}`", s.url))
        .unwrap_or_else(|| "required: the spec names no server".into());
    let mut vars = vec![
        (
            base_url_var(c),
            format!("the API's base URL, path prefix included ({default_server})"),
        ),
        (
            timeout_var(c),
            format!(
                "seconds to wait for the API (default {})",
                DEFAULT_TIMEOUT.as_secs()
            ),
        ),
        (
            response_limit_var(c),
            format!(
                "characters of a response given to the model before it is cut (default {DEFAULT_RESPONSE_LIMIT})"
            ),
        ),
        (
            crate::config::file_roots_var(c),
            "directories whose files tools may send: an argument of file content then also takes `file:/absolute/path` (default: none, base64 only)".into(),
        ),
        (
            crate::config::forward_headers_var(c),
            "with --http: inbound headers forwarded to the API for that call, `In` or `In:Out`, comma-separated (e.g. a caller's own key)".into(),
        ),
        (
            crate::protect::token_var(c),
            "with --http: the bearer token MCP clients must send (required beyond loopback unless OAuth is set) (secret)".into(),
        ),
        (
            crate::protect::issuer_var(c),
            "with --http: accept OAuth access tokens (JWT) from this issuer instead; needs the next variable".into(),
        ),
        (
            crate::protect::resource_var(c),
            "with --http and an issuer: this server's public MCP URL, the audience tokens must name".into(),
        ),
        (
            crate::protect::jwks_var(c),
            "with an issuer: where its signing keys are (default: from the issuer's metadata)".into(),
        ),
        (
            crate::protect::scopes_var(c),
            "with an issuer: scopes every token must carry, space-separated (optional)".into(),
        ),
        (
            crate::config::drain_var(c),
            format!(
                "with --http: seconds a shutdown waits for running tool calls (default {})",
                crate::config::DEFAULT_DRAIN.as_secs()
            ),
        ),
        (
            format!("{}_LOG", c.env_prefix),
            "log filter for stderr, e.g. `info` or `debug` (default `warn`)".into(),
        ),
    ];
    for scheme in c.security_schemes {
        for var in scheme.env {
            let secret = if var.secret { " (secret)" } else { "" };
            vars.push((var.name.to_string(), format!("{}{secret}", var.description)));
        }
    }
    vars
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
            // For the official conformance suite only; hidden so no one turns it on by accident.
            Arg::new("conformance-fixtures")
                .long("conformance-fixtures")
                .action(ArgAction::SetTrue)
                .requires("http")
                .hide(true),
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
pub fn parse(c: &'static Connector, args: impl IntoIterator<Item = String>) -> Mode {
    let matches = command(c).get_matches_from(args);
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
            conformance_fixtures: matches.get_flag("conformance-fixtures"),
        };
    }
    Mode::Stdio
}

/// Whether `mode` asks for the conformance suite's fixtures.
pub fn conformance_fixtures(mode: &Mode) -> bool {
    matches!(
        mode,
        Mode::Http {
            conformance_fixtures: true,
            ..
        }
    )
}

/// `--list-tools` output.
pub fn list_tools(c: &Connector, json: bool) -> String {
    if json {
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
            "tools": tools,
        });
        return serde_json::to_string_pretty(&catalog).unwrap_or_default() + "\n";
    }
    let width = c.tools.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for t in c.tools {
        let line = t
            .title
            .unwrap_or_else(|| t.description.lines().next().unwrap_or(""));
        out.push_str(&format!("{:<width$}  {line}\n", t.name));
    }
    out
}
