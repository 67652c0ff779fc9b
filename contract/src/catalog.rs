//! The tools a connector lists in catalog mode, by name, with what each is for: the runtime serves
//! them, the generator names them in install manifests.

/// Searches the operations.
pub const SEARCH: &str = "search_operations";
/// Describes operations: inputs, returns, which call tool.
pub const DESCRIBE: &str = "describe_operations";
/// Calls an operation that only reads.
pub const CALL_READ: &str = "call_read_operation";
/// Calls an operation that writes.
pub const CALL_WRITE: &str = "call_write_operation";
/// Switches a toolset on.
pub const ENABLE: &str = "enable_toolset";

/// Each catalog tool with a line on what it does (the toolset tool only when there are toolsets).
pub fn tools(with_toolsets: bool) -> Vec<(&'static str, &'static str)> {
    let mut tools = vec![
        (SEARCH, "Search the API's operations by what you want to do"),
        (
            DESCRIBE,
            "Describe operations: inputs, what they return, which call tool to use",
        ),
        (CALL_READ, "Call an operation that only reads data"),
        (
            CALL_WRITE,
            "Call an operation that creates, changes or deletes data",
        ),
    ];
    if with_toolsets {
        tools.push((ENABLE, "Switch on a group of operations"));
    }
    tools
}
