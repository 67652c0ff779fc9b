//! Your code: adjust requests before they are sent and results before they are returned.
//!
//! mcpgen creates this file once and never overwrites it, so edits survive regeneration.

use mcpgen_runtime::Hooks;

pub fn hooks() -> Hooks {
    Hooks::default()
}
