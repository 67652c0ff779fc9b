//! What can stop a connector from starting or serving: each error names the variable, flag or
//! file at fault and says how to fix it. Errors of a single tool call are not here: they become
//! that call's tool result.

/// A start-up, configuration or serving error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// An environment variable has a value the connector cannot use.
    #[error("{var}: {message}")]
    Variable { var: String, message: String },
    /// Environment variables that contradict each other or are missing together.
    #[error("{0}")]
    Variables(String),
    /// A command-line flag has a value the connector cannot use.
    #[error("{flag}: {message}")]
    Flag { flag: String, message: String },
    /// The HTTP client towards the API could not be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// The async runtime could not start.
    #[error("cannot start: {0}")]
    Runtime(#[source] std::io::Error),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// A signal handler could not be installed.
    #[error("cannot watch for {signal}: {source}")]
    Signal {
        signal: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The MCP session over stdio failed.
    #[error("MCP session {0}")]
    Session(String),
}

impl Error {
    pub(crate) fn variable(var: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Variable {
            var: var.into(),
            message: message.into(),
        }
    }

    pub(crate) fn flag(flag: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Flag {
            flag: flag.into(),
            message: message.into(),
        }
    }

    /// Whether the operator's configuration is at fault (exit code 2) rather than the machine.
    pub(crate) fn is_configuration(&self) -> bool {
        matches!(
            self,
            Error::Variable { .. } | Error::Variables(_) | Error::Flag { .. }
        )
    }
}
