//! mcpgen-runtime: serves a generated connector's tool table over MCP.
//!
//! A generated crate holds only data — its [`table`] — and calls [`run`] with its [`Hooks`];
//! hooks see each [`Prepared`] request and each [`ToolOutput`] (made of [`Part`]s). That is the
//! whole public interface. Inside, one module per idea: `cli` (flags, `--help`),
//! `config` (environment), `engine` (one tool call: `arguments` with `bigint`, `request` with
//! `encode` and `body`, `auth` with `tokens`, `retry`, `response`, `scrub`), `mcp` (the protocol through rmcp, as a
//! stack of handler layers), `http`, `listen` and `protect` (serving remotely), `logging`
//! (stderr).
//!
//! # Migrating `src/hooks.rs` from mcpgen 0.1
//!
//! Hooks were a struct of function pointers (`Hooks { before_request: Some(f), .. }`); they are
//! now the [`Hooks`] trait, whose methods are async and may use state. A hooks file that still
//! says `pub fn hooks() -> Hooks { Hooks::default() }` no longer compiles: replace it with
//!
//! ```
//! use mcpgen_runtime::Hooks;
//!
//! pub struct ConnectorHooks;
//!
//! impl Hooks for ConnectorHooks {}
//!
//! pub fn hooks() -> ConnectorHooks {
//!     ConnectorHooks
//! }
//! ```
//!
//! and move the body of a `before_request` function into `async fn before_request(&self, tool,
//! request)` of that impl (likewise `after_response`).

#![deny(missing_docs)]

// The example tool tables the fuzzing tests replay name the runtime as a generated crate does.
#[cfg(test)]
extern crate self as mcpgen_runtime;

mod accepted;
mod api_client;
mod arguments;
mod auth;
mod bigint;
mod body;
mod brackets;
mod cli;
mod config;
mod encode;
#[cfg(test)]
mod encoding_properties;
mod engine;
mod error;
mod files;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod hooks;
mod http;
mod listen;
mod logging;
mod mcp;
mod protect;
mod request;
mod response;
mod retry;
mod scrub;
mod search;
pub mod table;
mod tokens;

use std::process::ExitCode;
use std::sync::Arc;

use mcpgen_contract::env::EnvNames;

pub use hooks::Hooks;
pub use request::Prepared;
pub use response::{Part, ToolOutput};

use error::Error;
use mcp::McpServer;
use mcp::layer::{Handler, Stacked};
use mcp::tools::ConnectorTools;

/// Runs the connector as its command line says. Returns the process exit code: 2 when the
/// configuration is at fault (the message names the variable or flag), 1 for other failures.
pub fn run(connector: &'static table::Connector, hooks: impl Hooks) -> ExitCode {
    let mode = cli::parse(connector, std::env::args());
    if let cli::Mode::ListTools { json } = mode {
        return match config::listing(connector, |name| std::env::var(name).ok()) {
            Ok(listing) => {
                print!("{}", cli::list_tools(connector, json, listing));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: configuration error: {e}", connector.name);
                ExitCode::from(2)
            }
        };
    }
    let log_filter = logging::init(&EnvNames::from_prefix(connector.env_prefix).log());
    match start(connector, Box::new(hooks), mode, log_filter) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_configuration() => {
            eprintln!("{}: configuration error: {e}", connector.name);
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{}: {e}", connector.name);
            ExitCode::FAILURE
        }
    }
}

/// Reads the configuration, builds the engine and the handler stack, and serves until the
/// client or a signal ends it.
fn start(
    connector: &'static table::Connector,
    hooks: Box<dyn hooks::DynHooks>,
    mode: cli::Mode,
    log_filter: Option<logging::LevelHandle>,
) -> Result<(), Error> {
    let config = config::Config::load(connector, |name| std::env::var(name).ok())?;
    let runtime = async_runtime(config.worker_threads)?;
    let engine = Arc::new(engine::Engine::new(connector, config, hooks)?);
    let tools = ConnectorTools::new(engine.clone());
    let tasks = Arc::new(match &engine.config.tasks_redis_url {
        Some(url) => mcp::tasks::Tasks::new(
            runtime
                .block_on(mcp::tasks::Store::redis(
                    url,
                    connector.name,
                    engine.config.names.mcp_tasks_redis_url(),
                ))
                .map_err(|e| Error::variable(engine.config.names.mcp_tasks_redis_url(), e))?,
        ),
        None => mcp::tasks::Tasks::default(),
    });
    #[cfg(feature = "conformance-fixtures")]
    if let cli::Mode::Http {
        conformance_fixtures: true,
        ..
    } = &mode
    {
        let fixtures = Stacked::new(mcp::fixtures::Fixtures::new(), tools);
        let server = McpServer::new(connector, fixtures, log_filter, tasks);
        return runtime.block_on(serve(server, engine, mode));
    }
    match engine.config.listing {
        table::Listing::Full => {
            let views = Stacked::new(mcp::views::Views::new(connector), tools);
            let server = McpServer::new(connector, views, log_filter, tasks);
            runtime.block_on(serve(server, engine, mode))
        }
        table::Listing::Catalog => {
            let catalog = mcp::catalog::Catalog::new(engine.clone());
            let views = Stacked::new(
                mcp::views::Views::new(connector),
                Stacked::new(catalog, tools),
            );
            let server = McpServer::new(connector, views, log_filter, tasks);
            runtime.block_on(serve(server, engine, mode))
        }
    }
}

/// The async runtime: one thread (Tokio's current-thread scheduler, no hand-offs between
/// threads) unless the operator asked for more.
fn async_runtime(worker_threads: usize) -> Result<tokio::runtime::Runtime, Error> {
    let mut builder = if worker_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(worker_threads);
        builder
    };
    builder.enable_all().build().map_err(Error::Runtime)
}

/// Serves `server` on the transport `mode` names.
async fn serve<H: Handler>(
    server: McpServer<H>,
    engine: Arc<engine::Engine>,
    mode: cli::Mode,
) -> Result<(), Error> {
    let cli::Mode::Http {
        addr,
        tls_cert,
        tls_key,
        allowed_hosts,
        no_auth,
        ..
    } = mode
    else {
        return server.serve_stdio().await;
    };
    let connector = engine.connector;
    let addr = http::socket_addr(&addr)?;
    let env = |n: &str| std::env::var(n).ok();
    let options = http::HttpOptions {
        addr,
        tls: tls_cert.zip(tls_key),
        allowed_hosts,
        protection: protect::Protection::for_endpoint(connector, env, addr, no_auth)?,
        drain: config::drain_time(connector, env),
        limits: config::server_limits(connector, env)?,
    };
    http::serve(server, engine, options).await
}
