//! Logs go to stderr (stdout is the protocol's in stdio mode), filtered by `PREFIX_LOG` or
//! `RUST_LOG`, and the level can be changed at run time by MCP `logging/setLevel`.

use tracing_subscriber::{
    EnvFilter, Registry, layer::SubscriberExt, reload, util::SubscriberInitExt,
};

/// A bare level (`debug`) applies to the connector's own logs and the protocol library; HTTP
/// internals stay at `warn` so that raw headers can never reach the log. Full directives
/// (`hyper=trace`) are taken as given.
fn directive(level_or_filter: &str) -> String {
    let text = level_or_filter.trim();
    if text.contains('=') || text.contains(',') {
        text.to_string()
    } else {
        format!("warn,mcpgen_runtime={text},rmcp={text}")
    }
}

/// Changes the log filter at run time.
#[derive(Clone)]
pub(crate) struct LevelHandle(reload::Handle<EnvFilter, Registry>);

impl LevelHandle {
    pub(crate) fn set(&self, directive_text: &str) {
        if let Ok(filter) = EnvFilter::try_new(directive(directive_text)) {
            let _ = self.0.reload(filter);
        }
    }
}

/// Installs the stderr logger; `var` names the connector's own log variable.
pub(crate) fn init(var: &str) -> Option<LevelHandle> {
    let given = std::env::var(var)
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".into());
    let filter = EnvFilter::try_new(directive(&given)).unwrap_or_else(|_| EnvFilter::new("warn"));
    let (layer, handle) = reload::Layer::new(filter);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    tracing_subscriber::registry()
        .with(layer)
        .with(fmt)
        .try_init()
        .ok()
        .map(|()| LevelHandle(handle))
}
