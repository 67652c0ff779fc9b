//! mcpgen-runtime: serves a generated connector's tool table over MCP.

pub mod table;

/// Hooks a connector's `src/hooks.rs` may set.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hooks {}

pub fn run(_connector: &'static table::Connector, _hooks: Hooks) -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
