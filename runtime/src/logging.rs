//! Logs go to stderr (stdout is the protocol's in stdio mode), filtered by `PREFIX_LOG` or
//! `RUST_LOG`, and the level can be changed at run time by MCP `logging/setLevel`.

use tracing_subscriber::{
    EnvFilter, Registry, layer::SubscriberExt, reload, util::SubscriberInitExt,
};

/// Changes the log filter at run time.
#[derive(Clone)]
pub struct LevelHandle(reload::Handle<EnvFilter, Registry>);

impl LevelHandle {
    pub fn set(&self, directive: &str) {
        if let Ok(filter) = EnvFilter::try_new(directive) {
            let _ = self.0.reload(filter);
        }
    }
}

/// Installs the stderr logger; `var` names the connector's own log variable.
pub fn init(var: &str) -> Option<LevelHandle> {
    let directive = std::env::var(var)
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".into());
    let filter = EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("warn"));
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
