//! The connector's own code: a generated crate's `src/hooks.rs` implements [`Hooks`] to adjust
//! each request before it is sent and each result before it is returned.

use std::future::Future;
use std::pin::Pin;

use crate::request::Prepared;
use crate::response::ToolOutput;
use crate::table::Tool;

/// Code a connector's `src/hooks.rs` plugs in. Every method has a default that changes nothing,
/// so an implementation names only what it adjusts. The type may hold state (a client, a key),
/// and the methods are async, so a hook can call another service.
///
/// ```
/// use mcpgen_runtime::{Hooks, Prepared, table::Tool};
///
/// struct Tenant(String);
///
/// impl Hooks for Tenant {
///     async fn before_request(&self, _tool: &Tool, request: &mut Prepared) {
///         request.set_header("X-Tenant", &self.0);
///     }
/// }
/// ```
pub trait Hooks: Send + Sync + 'static {
    /// Adjusts a request before it is sent (add a header, sign it, …). Credentials are already
    /// applied; values added to [`Prepared::secrets`] are scrubbed from what the model sees.
    fn before_request(
        &self,
        tool: &Tool,
        request: &mut Prepared,
    ) -> impl Future<Output = ()> + Send {
        let _ = (tool, request);
        async {}
    }

    /// Adjusts a result before it is returned to the client.
    fn after_response(
        &self,
        tool: &Tool,
        output: ToolOutput,
    ) -> impl Future<Output = ToolOutput> + Send {
        let _ = tool;
        async move { output }
    }
}

/// A boxed future, so hooks of any type fit one engine.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Hooks`] behind a pointer: the engine is not generic over the connector's hook type.
pub(crate) trait DynHooks: Send + Sync {
    fn before_request<'a>(&'a self, tool: &'a Tool, request: &'a mut Prepared)
    -> BoxFuture<'a, ()>;
    fn after_response<'a>(
        &'a self,
        tool: &'a Tool,
        output: ToolOutput,
    ) -> BoxFuture<'a, ToolOutput>;
}

impl<H: Hooks> DynHooks for H {
    fn before_request<'a>(
        &'a self,
        tool: &'a Tool,
        request: &'a mut Prepared,
    ) -> BoxFuture<'a, ()> {
        Box::pin(Hooks::before_request(self, tool, request))
    }

    fn after_response<'a>(
        &'a self,
        tool: &'a Tool,
        output: ToolOutput,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(Hooks::after_response(self, tool, output))
    }
}
