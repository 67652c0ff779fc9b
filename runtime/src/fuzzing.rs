//! What the fuzz targets in `fuzz/` drive: a tool call's arguments, as a client sends them,
//! through everything the runtime does before sending — integers beyond 64 bits marked,
//! validation against the input schema, presets, request building, the integers restored, and
//! the request handed to the HTTP client. Compiled only with the `fuzzing` feature (and in
//! tests); not part of the runtime's interface.

use serde_json::Value;

use crate::arguments::{self, Schemas};
use crate::files::FileRoots;
use crate::table::Connector;

/// One connector's tools, ready to prepare requests for any arguments.
pub struct Requests {
    connector: &'static Connector,
    schemas: Schemas,
    http: reqwest::Client,
}

impl Requests {
    /// The tools of `connector`, each schema compiled on first use.
    pub fn new(connector: &'static Connector) -> Requests {
        Requests {
            connector,
            schemas: Schemas::new(connector),
            http: reqwest::Client::new(),
        }
    }

    /// The request tool `index` (modulo the number of tools) sends for `arguments` (JSON bytes),
    /// as `METHOD URL`, or the error a client would get instead. Must never panic.
    pub fn prepare(&self, index: usize, arguments: &[u8]) -> Result<String, String> {
        let tools = self.connector.tools;
        if tools.is_empty() {
            return Err("no tools".into());
        }
        let index = index % tools.len();
        let tool = &tools[index];
        // As a client's message carries them: big integers are marked in `params.arguments`.
        let message = [
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":"#
                .as_slice(),
            arguments,
            b"}}",
        ]
        .concat();
        let marked = crate::bigint::mark(&message);
        let message: Value = serde_json::from_slice(marked.as_deref().unwrap_or(&message))
            .map_err(|e| e.to_string())?;
        let args = message["params"]["arguments"].clone();
        let checked = crate::bigint::approximate(&args);
        self.schemas
            .validate(index, checked.as_ref().unwrap_or(&args))?;
        let Value::Object(mut args) = args else {
            return Err("arguments must be an object".into());
        };
        arguments::apply_presets(tool, &mut args);
        let base = self
            .connector
            .servers
            .first()
            .map_or("http://127.0.0.1:1", |s| s.url);
        let mut prepared = crate::request::build(tool, base, &args, &FileRoots::default())?;
        crate::bigint::restore(&mut prepared);
        let request = prepared
            .to_reqwest(&self.http)?
            .build()
            .map_err(|e| e.to_string())?;
        Ok(format!("{} {}", request.method(), request.url()))
    }
}
