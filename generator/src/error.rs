//! The one error type of the generator library: every variant names the file and the place in it.

use std::path::PathBuf;

/// Everything that can go wrong between reading a spec and writing a crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },

    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{file}: not an API description: {message}")]
    NotOpenApi { file: String, message: String },

    #[error(
        "{file}: unsupported version `{version}`: mcpgen reads OpenAPI 3.0.x, 3.1.x and Swagger 2.0"
    )]
    UnsupportedVersion { file: String, version: String },

    #[error("{file}#{pointer}: cannot resolve $ref `{reference}`: {message}")]
    Ref {
        file: String,
        pointer: String,
        reference: String,
        message: String,
    },

    #[error("{file}#{pointer}: {message}")]
    Invalid {
        file: String,
        pointer: String,
        message: String,
    },

    #[error("{file}:{}{message}", line.map(|l| format!("{l}: ")).unwrap_or_else(|| " ".into()))]
    Overrides {
        file: String,
        line: Option<usize>,
        message: String,
    },

    #[error("invalid option: {0}")]
    Option(String),

    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot render {what}: {message}")]
    Render { what: String, message: String },

    #[error("cannot bundle: {0}")]
    Bundle(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
