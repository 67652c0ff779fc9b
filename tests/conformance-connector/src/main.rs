//! The connector the official MCP conformance suite runs against: the Orders connector's tool
//! table, served by a runtime built with its `conformance-fixtures` feature (started with the
//! hidden `--conformance-fixtures` flag). Product connectors never carry the fixtures.

// The checked-in Orders table, so the suite also sees a real connector's tools.
#[path = "../../../generated/orders/src/tools.rs"]
#[rustfmt::skip]
#[allow(unreachable_pub)]
mod tools;

use mcpgen_runtime::Hooks;

struct NoHooks;

impl Hooks for NoHooks {}

fn main() -> std::process::ExitCode {
    mcpgen_runtime::run(&tools::CONNECTOR, NoHooks)
}
