//! Your code: adjust requests before they are sent and results before they are returned.
//!
//! mcpgen creates this file once and never overwrites it, so edits survive regeneration.

use mcpgen_runtime::Hooks;

/// The connector's hooks. Implement a method of [`Hooks`] to use it: `before_request` sees
/// each request (add a header, sign it), `after_response` each result. Both are async, and the
/// type may hold state.
pub struct ConnectorHooks;

impl Hooks for ConnectorHooks {}

pub fn hooks() -> ConnectorHooks {
    ConnectorHooks
}
