//! `mcpgen.lock`: what one generation leaves for the next — the name each operation's tool got,
//! so names survive added, removed and reordered operations, and the files it wrote, so files
//! that no longer belong are removed and files the user added are not.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The lock file's name inside the crate.
pub const LOCK_FILE: &str = "mcpgen.lock";

const HEADER: &str = "# Written by `mcpgen generate`; check it in and do not edit it.\n\
# It keeps tool names stable across regenerations and lists the files mcpgen owns.\n\n";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// Generated files (not `src/hooks.rs`, which is the user's).
    #[serde(default)]
    pub files: Vec<String>,
    /// Tool name (before any prefix) by operation key (operationId, or `METHOD /path`).
    #[serde(default)]
    pub tools: BTreeMap<String, String>,
    /// Names the overrides file chose, by operation key: a record only, never reused, so that
    /// removing a rename brings the spec's name back.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub renamed: BTreeMap<String, String>,
}

impl Lock {
    /// Every tool name the lock records, by operation key.
    pub fn all_names(&self) -> BTreeMap<String, String> {
        let mut all = self.tools.clone();
        all.extend(self.renamed.clone());
        all
    }

    /// Reads `DIR/mcpgen.lock`; no file is an empty lock (a first generation).
    pub fn read(dir: &Path) -> Result<Lock> {
        let path = dir.join(LOCK_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
            Err(e) => {
                return Err(Error::Read {
                    file: path.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        Lock::parse(&path.display().to_string(), &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Lock> {
        toml::from_str(text).map_err(|e| Error::Read {
            file: file.into(),
            message: format!(
                "{}; delete the file to let `mcpgen generate` write a new one (tool names may then change)",
                e.message()
            ),
        })
    }

    pub fn render(&self) -> Result<String> {
        let body = toml::to_string(self).map_err(|e| Error::Render {
            what: LOCK_FILE.into(),
            message: e.to_string(),
        })?;
        Ok(format!("{HEADER}{body}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_damage() {
        let mut lock = Lock {
            version: 1,
            files: vec!["Cargo.toml".into()],
            ..Lock::default()
        };
        lock.tools.insert("GET /health".into(), "get_health".into());
        let text = lock.render().unwrap();
        assert_eq!(Lock::parse("x", &text).unwrap(), lock);
        let e = Lock::parse("crate/mcpgen.lock", "version = \"one\"")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("crate/mcpgen.lock: cannot read"), "{e}");
        assert!(e.contains("delete the file"), "{e}");
    }
}
