//! Reading documents: from a path or an http(s) URL, YAML or JSON (told apart by content), with
//! duplicate keys rejected, kept by URL so `$ref`s to other files load each file once.
//!
//! A spec is input from someone else, so what it may make mcpgen read is bounded
//! ([`LoadOptions`]): a remote document is read only up to a size cap; a `$ref` reaches another
//! origin only when the user opts in; a document read from a URL never reaches a local file;
//! and a local spec's references stay inside its own folder unless the user widens it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{Error, Result};
use crate::refs::Loc;

/// The default cap on one document read over HTTP: 128 MiB. The largest public descriptions
/// are GitHub's fully dereferenced ones (73 MB for api.github.com, 78 MB for GHEC), which must
/// still load; parsed, such a document takes a few times its size in memory, so a cap much
/// above this would let a wrong or hostile URL exhaust a build machine's memory instead.
pub const DEFAULT_MAX_REMOTE_BYTES: u64 = 128 << 20;

/// What a spec may make mcpgen read besides itself.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Follow `$ref`s to http(s) documents. Without it only a remote spec's own origin is
    /// followed, and a local spec reaches no URL at all.
    pub allow_remote_refs: bool,
    /// Folders, besides the spec's own, whose files a local spec's `$ref`s may reach.
    pub ref_roots: Vec<PathBuf>,
    /// The most bytes read from one document over HTTP.
    pub max_remote_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            allow_remote_refs: false,
            ref_roots: Vec::new(),
            max_remote_bytes: DEFAULT_MAX_REMOTE_BYTES,
        }
    }
}

/// Every document read so far, by URL (without fragment).
pub struct Loader {
    docs: HashMap<Url, Arc<Value>>,
    /// Load order, so the digest does not depend on hashing.
    order: Vec<(Url, [u8; 32])>,
    http: Option<reqwest::blocking::Client>,
    options: LoadOptions,
    root: Url,
    /// For a local spec: its folder and the widening folders, canonical. Local references must
    /// resolve (symlinks followed) inside one of them.
    boundaries: Vec<PathBuf>,
    /// Local files already found inside a boundary, so each is resolved once.
    admitted: HashSet<Url>,
}

impl Loader {
    /// Reads the root document named by `spec` (a path or an http(s) URL).
    pub fn open(spec: &str) -> Result<(Loader, Url)> {
        Loader::open_with(spec, LoadOptions::default())
    }

    /// Reads the root document named by `spec`, with what its references may reach.
    pub fn open_with(spec: &str, options: LoadOptions) -> Result<(Loader, Url)> {
        let url = spec_url(spec)?;
        let boundaries = if url.scheme() == "file" {
            boundaries(&url, &options.ref_roots)?
        } else {
            Vec::new()
        };
        let mut loader = Loader {
            docs: HashMap::new(),
            order: Vec::new(),
            http: None,
            options,
            root: url.clone(),
            boundaries,
            admitted: HashSet::new(),
        };
        loader.get(&url)?;
        Ok((loader, url))
    }

    /// Whether the document at `from` may make mcpgen read `to` (written there as `reference`);
    /// the error names the place and says how to allow it, when it may be allowed at all.
    pub fn admit(&mut self, from: &Loc, reference: &str, to: &Url) -> Result<()> {
        let mut target = to.clone();
        target.set_fragment(None);
        if target == from.url || (from.url.scheme() == "file" && self.admitted.contains(&target)) {
            return Ok(());
        }
        let fail = |message: String| Error::Ref {
            file: from.file(),
            pointer: from.pointer.clone(),
            reference: reference.to_string(),
            message,
        };
        let remote = |url: &Url| matches!(url.scheme(), "http" | "https");
        match (remote(&from.url), target.scheme()) {
            (_, "http" | "https") => {
                let own_origin = remote(&self.root) && target.origin() == self.root.origin();
                if self.options.allow_remote_refs || own_origin {
                    return Ok(());
                }
                let reach = if remote(&self.root) {
                    format!(
                        "it is on another origin than the spec ({})",
                        self.root.origin().ascii_serialization()
                    )
                } else {
                    "the spec is a local file".to_string()
                };
                Err(fail(format!(
                    "{target} is a remote reference and {reach}: mcpgen follows such references \
                     only when asked; pass `--allow-remote-refs` if you trust {}, or save the \
                     document beside the spec and reference it by a relative path",
                    target.host_str().unwrap_or("that host")
                )))
            }
            (true, _) => Err(fail(format!(
                "it resolves to {target}, but a document read from a URL may only reference \
                 http(s) documents, never local files; download the spec and its files to a folder \
                 and generate from there"
            ))),
            (false, "file") => {
                let path = target
                    .to_file_path()
                    .map_err(|()| fail(format!("{target} is not a local path")))?;
                let real = real_path(&path);
                if self.boundaries.iter().any(|b| real.starts_with(b)) {
                    self.admitted.insert(target);
                    return Ok(());
                }
                let folder = self
                    .boundaries
                    .first()
                    .map_or_else(String::new, |b| format!(" ({})", b.display()));
                Err(fail(format!(
                    "it resolves to {}, outside the spec's folder{folder}: local references stay \
                     inside it (symlinks resolved); move the file into that folder, or widen the \
                     boundary with `--ref-root DIR`",
                    real.display()
                )))
            }
            // Unsupported schemes are refused by `read`, with the scheme named.
            (false, _) => Ok(()),
        }
    }

    /// The document at `url` (its fragment ignored), read on first use.
    pub fn get(&mut self, url: &Url) -> Result<Arc<Value>> {
        let mut key = url.clone();
        key.set_fragment(None);
        if let Some(doc) = self.docs.get(&key) {
            return Ok(doc.clone());
        }
        let bytes = self.read(&key)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| Error::Read {
            file: display(&key),
            message: format!("not UTF-8 text ({e})"),
        })?;
        let doc = Arc::new(parse(&display(&key), text)?);
        self.order
            .push((key.clone(), Sha256::digest(&bytes).into()));
        self.docs.insert(key, doc.clone());
        Ok(doc)
    }

    /// SHA-256 over every document read, in the order read: identifies the input of a generation.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (_, digest) in &self.order {
            hasher.update(digest);
        }
        crate::util::hex(&hasher.finalize())
    }

    fn read(&mut self, url: &Url) -> Result<Vec<u8>> {
        match url.scheme() {
            "file" => {
                let path = url.to_file_path().map_err(|()| Error::Read {
                    file: url.to_string(),
                    message: "not a local path".into(),
                })?;
                std::fs::read(&path).map_err(|e| Error::Read {
                    file: path.display().to_string(),
                    message: e.to_string(),
                })
            }
            "http" | "https" => {
                let (root, allow) = (self.root.clone(), self.options.allow_remote_refs);
                let client = self.http.get_or_insert_with(|| {
                    reqwest::blocking::Client::builder()
                        .timeout(std::time::Duration::from_secs(60))
                        .redirect(redirects(root, allow))
                        .build()
                        .unwrap_or_else(|_| reqwest::blocking::Client::new())
                });
                let fail = |message: String| Error::Read {
                    file: url.to_string(),
                    message,
                };
                let response = client
                    .get(url.clone())
                    .send()
                    .map_err(|e| fail(chain(&e)))?;
                if !response.status().is_success() {
                    return Err(fail(format!("HTTP status {}", response.status())));
                }
                let cap = self.options.max_remote_bytes;
                let too_large = || {
                    fail(format!(
                        "the document is larger than {}, the most mcpgen reads from a URL; \
                         download it and pass its path, or raise the limit with \
                         `--max-remote-mib N`",
                        mib(cap)
                    ))
                };
                // Refused before reading when the server says; otherwise read up to one byte
                // past the cap, so an endless body costs no more than the cap.
                if response.content_length().is_some_and(|len| len > cap) {
                    return Err(too_large());
                }
                let mut bytes = Vec::new();
                response
                    .take(cap.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .map_err(|e| fail(e.to_string()))?;
                if bytes.len() as u64 > cap {
                    return Err(too_large());
                }
                Ok(bytes)
            }
            other => Err(Error::Read {
                file: url.to_string(),
                message: format!("unsupported URL scheme `{other}` (use a path, http or https)"),
            }),
        }
    }
}

/// Redirects the admission rules allow: the spec itself may move anywhere (the user named it),
/// but a referenced document may not leave the spec's origin through a redirect, which would
/// reach what a `$ref` to that place may not, unless remote references are allowed.
fn redirects(root: Url, allow_remote_refs: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            return attempt.error("more than 10 redirects");
        }
        let requested = attempt.previous().first().unwrap_or(attempt.url());
        if allow_remote_refs || *requested == root || attempt.url().origin() == root.origin() {
            attempt.follow()
        } else {
            let message = format!(
                "redirected to {}, on another origin than the spec: pass `--allow-remote-refs` \
                 to follow it",
                attempt.url()
            );
            attempt.error(message)
        }
    })
}

/// An error with its causes, which say what went wrong (`error sending request` alone does not).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// A byte count as people say it (`128 MiB`, `1000 bytes`).
fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// The folders a local spec's references may reach: its own, and each widening one, canonical.
fn boundaries(spec: &Url, widening: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut folders = Vec::new();
    if let Ok(path) = spec.to_file_path()
        && let Some(parent) = path.parent()
    {
        folders.push(real_path(parent));
    }
    for folder in widening {
        let real = std::fs::canonicalize(folder).map_err(|e| {
            Error::Option(format!(
                "--ref-root {}: {e}; name an existing folder",
                folder.display()
            ))
        })?;
        folders.push(real);
    }
    Ok(folders)
}

/// `path` with symlinks resolved; for a file that does not exist (yet), its folder's real path
/// joined with its name, so the boundary check still sees where it would be.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => real_path(parent).join(name),
        _ => path.to_path_buf(),
    }
}

/// The URL of a spec argument: http(s) URLs as they are, anything else a local path.
pub fn spec_url(spec: &str) -> Result<Url> {
    if spec.starts_with("http://") || spec.starts_with("https://") {
        return Url::parse(spec).map_err(|e| Error::Read {
            file: spec.into(),
            message: format!("invalid URL: {e}"),
        });
    }
    let path = std::path::absolute(spec).map_err(|e| Error::Read {
        file: spec.into(),
        message: e.to_string(),
    })?;
    Url::from_file_path(&path).map_err(|()| Error::Read {
        file: spec.into(),
        message: "cannot make a file URL of this path".into(),
    })
}

/// How a document's URL is shown in messages: a path for local files.
pub fn display(url: &Url) -> String {
    if url.scheme() == "file"
        && let Ok(path) = url.to_file_path()
    {
        if let Ok(cwd) = std::env::current_dir()
            && let Ok(relative) = path.strip_prefix(&cwd)
        {
            return relative.display().to_string();
        }
        return path.display().to_string();
    }
    url.to_string()
}

/// Parses JSON when the text starts with `{` or `[`, YAML otherwise.
pub fn parse(file: &str, text: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(Error::NotOpenApi {
            file: file.into(),
            message: "the file is empty".into(),
        });
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Strict::deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| Error::Syntax {
                file: file.into(),
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            })?;
        return Ok(value.0);
    }
    let de = yaml_serde::Deserializer::from_str(text);
    match Strict::deserialize(de) {
        Ok(v) => Ok(v.0),
        Err(e) => {
            let (mut line, mut column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            if let Some((l, c)) = duplicate_position(text, &e.to_string(), line) {
                (line, column) = (l, c);
            }
            Err(Error::Syntax {
                file: file.into(),
                line,
                column,
                message: strip_position(&e.to_string()),
            })
        }
    }
}

/// The YAML parser places a duplicate key at its mapping; find the second occurrence itself.
fn duplicate_position(text: &str, message: &str, from_line: usize) -> Option<(usize, usize)> {
    let start = message.find("duplicate key `")? + "duplicate key `".len();
    let key = &message[start..start + message[start..].find('`')?];
    let mut seen = None;
    for (i, raw) in text.lines().enumerate().skip(from_line.saturating_sub(1)) {
        let indent = raw.len() - raw.trim_start().len();
        let rest = raw.trim_start().trim_start_matches("- ");
        let rest = rest.trim_start_matches(['"', '\'']);
        let is_key = rest
            .strip_prefix(key)
            .map(|r| {
                r.trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(':')
            })
            .unwrap_or(false);
        if is_key {
            match seen {
                None => seen = Some(indent),
                Some(first) if first == indent => return Some((i + 1, indent + 1)),
                Some(_) => {}
            }
        }
    }
    None
}

/// Parser messages carry their own "at line X column Y"; ours already leads with it.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

use serde::Deserialize;

/// A JSON value that refuses duplicate keys, which YAML and JSON parsers otherwise resolve silently.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    // YAML integers beyond 64 bits (`maximum: 18446744073709552000`): a float, as JSON gives.
    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Number::from_f64(v as f64).map_or(Value::Null, Value::Number))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Number::from_f64(v as f64).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{key}`: remove or rename one of them"
                )));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A map key; YAML allows numbers and booleans (`200:` in responses), which become strings.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean map key")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_string<E>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
            fn visit_i64<E>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i128<E>(self, v: i128) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u128<E>(self, v: u128) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_unit<E>(self) -> Result<String, E> {
                Ok("null".into())
            }
        }
        deserializer.deserialize_any(KeyVisitor).map(Key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_json_and_yaml_by_content() {
        assert_eq!(parse("a", "{\"a\": 1}").unwrap()["a"], 1);
        assert_eq!(parse("a", "a: 1\n").unwrap()["a"], 1);
        // YAML's integer keys become strings, as in JSON.
        assert_eq!(parse("a", "200:\n  x: 1\n").unwrap()["200"]["x"], 1);
    }

    #[test]
    fn integers_beyond_64_bits_load_from_yaml_as_from_json() {
        for big in [
            "18446744073709552000",
            "-9223372036854775809",
            "340282366920938463463374607431768211456",
        ] {
            let from_json = parse("a.json", &format!("{{\"maximum\": {big}}}"));
            let from_yaml = parse("a.yaml", &format!("maximum: {big}\n"));
            match (from_json, from_yaml) {
                (Ok(json), Ok(yaml)) => assert_eq!(json, yaml, "{big}"),
                (Err(_), Err(_)) => {}
                (json, yaml) => panic!("{big}: JSON gives {json:?}, YAML {yaml:?}"),
            }
        }
        let yaml = parse("a.yaml", "maximum: 18446744073709552000\n").unwrap();
        assert_eq!(yaml["maximum"].as_f64(), Some(18_446_744_073_709_552_000.0));
        // As a map key (a status code, say) the number keeps its digits.
        let yaml = parse("a.yaml", "18446744073709552000: x\n").unwrap();
        assert_eq!(yaml["18446744073709552000"], "x");
    }

    #[test]
    fn rejects_duplicate_keys_with_position() {
        let err = parse("spec.yaml", "a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("spec.yaml:4:3:"), "{text}");
        assert!(text.contains("duplicate key `c`"), "{text}");
        let err = parse("spec.json", "{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert!(err.to_string().starts_with("spec.json:2:"), "{err}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse("s.json", "{\n  \"a\": ,\n}").unwrap_err().to_string();
        assert!(err.starts_with("s.json:2:"), "{err}");
        let err = parse("s.yaml", "a: [1, 2\nb: 3\n").unwrap_err().to_string();
        assert!(err.starts_with("s.yaml:"), "{err}");
        assert!(parse("e.yaml", "  \n").is_err());
    }
}
