//! Logs go to stderr (stdout is the protocol's in stdio mode), filtered by `PREFIX_LOG` or
//! `RUST_LOG`, and the level can be changed at run time by MCP `logging/setLevel`.
//!
//! Message and result bodies never reach the log, at any level: the protocol library and the
//! HTTP libraries print whole messages, headers or bodies in their `debug` and `trace` events, so
//! those events are dropped whatever the filter says. The connector's own logs name tools,
//! methods, paths and statuses, never bodies or credentials.

use tracing::{Level, Metadata};
use tracing_subscriber::{
    EnvFilter, Layer, Registry, filter::filter_fn, layer::SubscriberExt, reload,
    util::SubscriberInitExt,
};

/// Libraries whose events above `info` carry message bodies, headers or results.
const CHATTY: &[&str] = &["rmcp", "hyper", "hyper_util", "h2", "reqwest", "axum"];

/// A bare level (`debug`) applies to the connector's own logs and the protocol library; HTTP
/// internals stay at `warn`. Full directives (`hyper=trace`) are taken as given — within
/// [`may_log`].
fn directive(level_or_filter: &str) -> String {
    let text = level_or_filter.trim();
    if text.contains('=') || text.contains(',') {
        text.to_string()
    } else {
        format!("warn,mcpgen_runtime={text},rmcp={text}")
    }
}

/// Whether an event may be written at all: not the chatty libraries' `debug` and `trace`.
fn may_log(metadata: &Metadata) -> bool {
    let chatty = CHATTY.iter().any(|c| {
        metadata
            .target()
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    !chatty || *metadata.level() <= Level::INFO
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
        .with_target(false)
        .with_filter(filter_fn(may_log));
    tracing_subscriber::registry()
        .with(layer)
        .with(fmt)
        .try_init()
        .ok()
        .map(|()| LevelHandle(handle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::callsite::Identifier;
    use tracing::field::FieldSet;
    use tracing::metadata::Kind;

    struct Callsite;
    impl tracing::callsite::Callsite for Callsite {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            unimplemented!()
        }
    }
    static CALLSITE: Callsite = Callsite;

    fn event(target: &'static str, level: Level) -> Metadata<'static> {
        Metadata::new(
            "event",
            target,
            level,
            None,
            None,
            None,
            FieldSet::new(&[], Identifier(&CALLSITE)),
            Kind::EVENT,
        )
    }

    #[test]
    fn library_bodies_never_reach_the_log() {
        assert!(!may_log(&event("rmcp::service", Level::DEBUG)));
        assert!(!may_log(&event("rmcp", Level::TRACE)));
        assert!(!may_log(&event("hyper::proto::h1", Level::TRACE)));
        assert!(may_log(&event("rmcp::service", Level::INFO)));
        assert!(may_log(&event("mcpgen_runtime::engine", Level::TRACE)));
        assert!(may_log(&event("rmcpx", Level::DEBUG)));
    }
}
