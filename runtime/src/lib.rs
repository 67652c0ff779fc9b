//! mcpgen-runtime: serves a generated connector's tool table over MCP.
//!
//! A generated crate holds only data ([`table`]) and calls [`run`]. The modules: [`cli`] (flags
//! and help), [`config`] (environment), [`call`] (one tool call), [`request`] and [`encode`]
//! (building the HTTP request), [`auth`] (credentials), [`response`] (results), [`mcp`] (the
//! protocol, through rmcp), [`logging`] (stderr).

pub mod auth;
pub mod call;
pub mod cli;
pub mod config;
pub mod conformance;
pub mod encode;
pub mod files;
pub mod http;
pub mod logging;
pub mod mcp;
pub mod protect;
pub mod request;
pub mod response;
pub mod table;

use std::process::ExitCode;
use std::sync::Arc;

pub use request::Prepared;
pub use response::ToolOutput;
pub use table::Tool;

/// Code a connector's `src/hooks.rs` plugs in.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hooks {
    /// Adjusts each request before it is sent (add a header, sign it, …).
    pub before_request: Option<fn(&Tool, &mut Prepared)>,
    /// Adjusts each result before it is returned to the client.
    pub after_response: Option<fn(&Tool, ToolOutput) -> ToolOutput>,
}

/// The endpoint protection for `--http ADDR`: off by default only on loopback; anywhere else the
/// operator must choose a token, OAuth, or `--no-auth` (a gateway in front authenticates).
fn http_protection(
    connector: &'static table::Connector,
    addr: &str,
    no_auth: bool,
) -> Result<protect::Protection, String> {
    let protection = protect::Protection::load(connector, |n| std::env::var(n).ok())?;
    let socket = http::socket_addr(addr)?;
    if protection.is_none() && !no_auth && !socket.ip().is_loopback() {
        return Err(format!(
            "--http {addr} listens beyond this machine, so the MCP endpoint needs protection: set {} to a random token clients send as `Authorization: Bearer <token>`, \
             or {} and {} for OAuth access tokens, or pass --no-auth if a gateway in front authenticates",
            protect::token_var(connector),
            protect::issuer_var(connector),
            protect::resource_var(connector),
        ));
    }
    if no_auth && !protection.is_none() {
        return Err(
            "--no-auth contradicts the MCP token or issuer set in the environment; drop one".into(),
        );
    }
    Ok(protection)
}

/// Runs the connector as its command line says. Returns the process exit code.
pub fn run(connector: &'static table::Connector, hooks: Hooks) -> ExitCode {
    let mode = cli::parse(connector, std::env::args());
    if let cli::Mode::ListTools { json } = mode {
        print!("{}", cli::list_tools(connector, json));
        return ExitCode::SUCCESS;
    }
    let log_handle = logging::init(&format!("{}_LOG", connector.env_prefix));
    let config = match config::Config::load(connector, |name| std::env::var(name).ok()) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("{}: configuration error: {message}", connector.name);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: cannot start: {e}", connector.name);
            return ExitCode::FAILURE;
        }
    };
    let engine = Arc::new(call::Engine::new(connector, config, hooks));
    let server = mcp::Server::new(engine.clone(), log_handle, cli::conformance_fixtures(&mode));
    let served = match mode {
        cli::Mode::Http {
            addr,
            tls_cert,
            tls_key,
            allowed_hosts,
            no_auth,
            ..
        } => {
            let protection = match http_protection(connector, &addr, no_auth) {
                Ok(p) => p,
                Err(message) => {
                    eprintln!("{}: configuration error: {message}", connector.name);
                    return ExitCode::from(2);
                }
            };
            runtime.block_on(http::serve(
                server,
                engine,
                http::HttpOptions {
                    addr,
                    tls: tls_cert.zip(tls_key),
                    allowed_hosts,
                    protection,
                    drain: config::drain_time(connector, |n| std::env::var(n).ok()),
                },
            ))
        }
        _ => runtime.block_on(server.serve_stdio()),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}: {message}", connector.name);
            ExitCode::FAILURE
        }
    }
}
