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

/// The example tables the `request` fuzz target uses, as the generator wrote them.
#[cfg(test)]
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip]
#[path = "../../generated/dialects/src/tools.rs"]
mod dialects;
#[cfg(test)]
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip]
#[path = "../../generated/shop/src/tools.rs"]
mod shop;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input the `request` target once crashed on (`fuzz/regressions/request/`), run as
    /// the target runs it: the first byte picks the table and the tool, the rest is arguments.
    #[test]
    fn request_inputs_that_crashed_now_prepare_or_fail_cleanly() {
        let tables = [
            Requests::new(&dialects::CONNECTOR),
            Requests::new(&shop::CONNECTOR),
        ];
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/request");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            let Some((&pick, arguments)) = data.split_first() else {
                continue;
            };
            // The tables are not touched after a panic: the test fails there.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = tables[usize::from(pick & 1)].prepare(usize::from(pick >> 1), arguments);
            }));
            assert!(outcome.is_ok(), "{} panics", path.display());
        }
    }

    #[test]
    fn arguments_become_a_request_or_an_error() {
        let dialects = Requests::new(&dialects::CONNECTOR);
        let index = dialects::CONNECTOR
            .tools
            .iter()
            .position(|t| t.name == "headerSimple")
            .unwrap();
        let color = r#"{"R": 1, "G": 2, "B": 3}"#;
        let arguments = format!(
            r#"{{"X-Id": "a", "X-Tags": ["x"], "X-Color": {color}, "X-Color-Exploded": {color}}}"#
        );
        let sent = dialects.prepare(index, arguments.as_bytes());
        assert!(
            sent.as_ref().is_ok_and(|s| s.starts_with("GET ")),
            "{sent:?}"
        );
        assert!(dialects.prepare(index, b"[1, 2]").is_err());
        assert!(dialects.prepare(index, b"{").is_err());
    }
}
