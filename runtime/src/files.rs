//! File arguments: content travels as base64, or — where the operator allows a directory with
//! `PREFIX_FILE_ROOTS` — as `file:/absolute/path`, read by the connector. A path is resolved
//! (symlinks and `..` included) before it is checked, so nothing outside the allowed
//! directories can be read, and a path that does not exist gets the same answer as one outside
//! them, so nothing about the rest of the file system can be learnt. Only regular files are read,
//! opened without blocking: a FIFO or a device would hold the reading thread forever. Reading
//! blocks, so callers run it off the async threads (see the engine).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::error::Error;

/// The largest file the connector reads for one argument.
pub(crate) const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The directories files may be read from; empty: `file:` paths are refused.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileRoots {
    roots: Vec<PathBuf>,
    /// The variable that sets them, for messages.
    var: String,
}

impl FileRoots {
    /// Parses `PREFIX_FILE_ROOTS` (`:`- or `,`-separated absolute directories that exist).
    pub(crate) fn load(var: &str, text: Option<&str>) -> Result<FileRoots, Error> {
        let mut roots = Vec::new();
        for entry in text
            .unwrap_or_default()
            .split([':', ','])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let path = Path::new(entry);
            if !path.is_absolute() {
                return Err(Error::variable(
                    var,
                    format!("`{entry}` is not an absolute path"),
                ));
            }
            let resolved = path
                .canonicalize()
                .map_err(|e| Error::variable(var, format!("`{entry}`: {e}")))?;
            if !resolved.is_dir() {
                return Err(Error::variable(
                    var,
                    format!("`{entry}` is not a directory"),
                ));
            }
            roots.push(resolved);
        }
        Ok(FileRoots {
            roots,
            var: var.to_string(),
        })
    }

    /// Whether no directory is allowed (then no argument can name a file).
    pub(crate) fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The bytes argument `arg` stands for: base64 text, or a `file:` path inside a root.
    pub(crate) fn bytes(&self, arg: &str, text: &str) -> Result<Vec<u8>, String> {
        match text.trim().strip_prefix("file:") {
            Some(path) => self.read(arg, path),
            None => base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| {
                    format!("argument `{arg}`: not valid base64 ({e}); give the content as base64 or a `file:` path")
                }),
        }
    }

    /// The bytes of a textual file argument: the text itself, or a `file:` path inside a root.
    pub(crate) fn text_bytes(&self, arg: &str, text: &str) -> Result<Vec<u8>, String> {
        match text.strip_prefix("file:") {
            Some(path) if !self.roots.is_empty() => self.read(arg, path.trim()),
            _ => Ok(text.as_bytes().to_vec()),
        }
    }

    /// The content of the file at `path` (after `file:`), if it is inside a root.
    fn read(&self, arg: &str, path: &str) -> Result<Vec<u8>, String> {
        // `file:///x` and `file:/x` both name `/x`.
        let path = Path::new(path.trim_start_matches("//"));
        if self.roots.is_empty() {
            return Err(format!(
                "argument `{arg}`: reading local files is off; send the content as base64, or have the operator allow a directory with {}",
                self.var
            ));
        }
        // One answer for "does not exist" and "outside the roots".
        let refused = || {
            format!(
                "argument `{arg}`: `{}` is not a file inside a directory {} allows",
                path.display(),
                self.var
            )
        };
        let resolved = path.canonicalize().map_err(|_| refused())?;
        if !self.roots.iter().any(|root| resolved.starts_with(root)) {
            return Err(refused());
        }
        let file = open_regular(&resolved)
            .map_err(|e| format!("argument `{arg}`: cannot read `{}`: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("argument `{arg}`: cannot read `{}`: {e}", path.display()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(format!(
                "argument `{arg}`: `{}` is larger than {} MiB",
                path.display(),
                MAX_FILE_BYTES / 1024 / 1024
            ));
        }
        Ok(bytes)
    }
}

/// Opens a regular file for reading without ever blocking: `O_NONBLOCK` makes opening a FIFO
/// return at once instead of waiting for a writer, and the file's type is checked on the opened
/// descriptor (so it cannot be swapped in between).
fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a directory, FIFO or device cannot be sent)",
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_only_inside_the_roots() {
        let allowed = tempfile_dir("allowed");
        let outside = tempfile_dir("outside");
        std::fs::write(allowed.join("a.txt"), b"inside").unwrap();
        std::fs::write(outside.join("b.txt"), b"secret").unwrap();
        let roots = FileRoots::load("X_FILE_ROOTS", Some(allowed.to_str().unwrap())).unwrap();
        let inside = format!("file:{}", allowed.join("a.txt").display());
        assert_eq!(roots.bytes("body.f", &inside).unwrap(), b"inside");
        assert_eq!(
            roots
                .bytes(
                    "body.f",
                    &format!("file://{}", allowed.join("a.txt").display())
                )
                .unwrap(),
            b"inside"
        );
        // `..` and symlinks are resolved before the check.
        let escape = format!(
            "file:{}/../{}/b.txt",
            allowed.display(),
            outside.file_name().unwrap().to_string_lossy()
        );
        let e = roots.bytes("body.f", &escape).unwrap_err();
        assert!(
            e.contains("is not a file inside a directory X_FILE_ROOTS allows"),
            "{e}"
        );
        // A path outside that does not exist gets the very same answer: nothing is learnt.
        let missing = format!("file:{}/nothing-here.txt", outside.display());
        let e_missing = roots.bytes("body.f", &missing).unwrap_err();
        let existing = format!("file:{}/b.txt", outside.display());
        let e_existing = roots.bytes("body.f", &existing).unwrap_err();
        assert_eq!(
            e_missing.replace("nothing-here.txt", "b.txt"),
            e_existing,
            "the messages tell an existing path from a missing one"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.join("b.txt"), allowed.join("link")).unwrap();
            let e = roots
                .bytes(
                    "body.f",
                    &format!("file:{}", allowed.join("link").display()),
                )
                .unwrap_err();
            assert!(e.contains("not a file inside"), "{e}");
            // A FIFO inside the roots is refused at once, not waited on.
            let fifo = allowed.join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let e = roots
                    .bytes("body.f", &format!("file:{}", fifo.display()))
                    .unwrap_err();
                assert!(e.contains("not a regular file"), "{e}");
            }
            let e = roots
                .bytes("body.f", &format!("file:{}", allowed.display()))
                .unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
        // Base64 still works; without roots, paths are refused.
        assert_eq!(roots.bytes("body.f", "aGk=").unwrap(), b"hi");
        let none = FileRoots::load("X_FILE_ROOTS", None).unwrap();
        let e = none.bytes("body.f", &inside).unwrap_err();
        assert!(
            e.contains("reading local files is off") && e.contains("X_FILE_ROOTS"),
            "{e}"
        );
        assert!(FileRoots::load("X_FILE_ROOTS", Some("relative/dir")).is_err());
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mcpgen-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
