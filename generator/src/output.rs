//! Writing a crate to a directory without ever leaving a half-written one, and comparing a
//! directory with what would be written (`mcpgen check`).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::emit::{Files, HOOKS_FILE};
use crate::error::{Error, Result};
use crate::lock::Lock;

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Files the previous generation wrote (per its lock) that `files` no longer has. Files the user
/// added are never in the lock, so they are never stale.
pub fn stale(out: &Path, files: &Files) -> Result<Vec<String>> {
    let previous = Lock::read(out)?;
    Ok(previous
        .files
        .into_iter()
        .filter(|f| !files.contains_key(f) && f != HOOKS_FILE && is_inside(f))
        .filter(|f| out.join(f).exists())
        .collect())
}

/// A lock could be edited by hand: only plain relative paths are ever deleted.
fn is_inside(file: &str) -> bool {
    Path::new(file)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}

/// Writes `files` under `out`. A new directory is built beside it and moved into place whole; in an
/// existing one each file is replaced atomically, the user's `src/hooks.rs` is kept, and files the
/// previous generation wrote that no longer belong are removed. Returns the removed files.
pub fn write(out: &Path, files: &Files) -> Result<Vec<String>> {
    if !out.exists() {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(write_error(&parent))?;
        let staging = tempfile::Builder::new()
            .prefix(".mcpgen-")
            .tempdir_in(&parent)
            .map_err(write_error(&parent))?;
        for (name, content) in files {
            let path = staging.path().join(name);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(write_error(dir))?;
            }
            std::fs::write(&path, content).map_err(write_error(&path))?;
        }
        let staged = staging.keep();
        std::fs::rename(&staged, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            Error::Write {
                path: out.to_path_buf(),
                source: e,
            }
        })?;
        return Ok(Vec::new());
    }
    let stale = stale(out, files)?;
    for (name, content) in files {
        let path = real_path_inside(out, name)?;
        if name == HOOKS_FILE && path.exists() {
            continue;
        }
        replace(out, &path, content)?;
    }
    for name in &stale {
        let path = real_path_inside(out, name)?;
        std::fs::remove_file(&path).map_err(write_error(&path))?;
    }
    Ok(stale)
}

/// `out` joined with `name`, refused when any step below `out` is a symbolic link: generated
/// files are written, and stale ones removed, only at real paths inside `out`, never where a
/// link points.
fn real_path_inside(out: &Path, name: &str) -> Result<PathBuf> {
    let mut at = out.to_path_buf();
    for component in Path::new(name).components() {
        at.push(component);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Write {
                path: at,
                source: std::io::Error::other(
                    "is a symbolic link, and mcpgen writes only real files inside --out; replace it with a real file or directory",
                ),
            });
        }
    }
    Ok(at)
}

/// Replaces `path` atomically with `content`, keeping the file's permissions (new files get
/// the usual `rw-r--r--`).
fn replace(out: &Path, path: &Path, content: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(out);
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => new_file_permissions(),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(write_error(dir))?;
    if let Some(permissions) = permissions {
        // Set after creation: the creation mode would be narrowed by the umask.
        std::fs::set_permissions(file.path(), permissions).map_err(write_error(path))?;
    }
    file.write_all(content).map_err(write_error(path))?;
    file.persist(path).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// `rw-r--r--` where file modes exist.
fn new_file_permissions() -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    None
}

/// The files under `out` that differ from `files` (missing or changed). `src/hooks.rs` only has to exist.
/// Stale files (see [`stale`]) are reported by the caller.
pub fn drift(out: &Path, files: &Files) -> Vec<String> {
    let mut differing = Vec::new();
    for (name, content) in files {
        let path = out.join(name);
        let ok = match std::fs::read(&path) {
            Ok(actual) => name == HOOKS_FILE || actual == *content,
            Err(_) => false,
        };
        if !ok {
            differing.push(name.clone());
        }
    }
    differing
}

/// Whether the user's `src/hooks.rs` under `out` is still written for mcpgen 0.1's hooks (a
/// struct of function pointers), which the runtime's `Hooks` trait replaced.
pub fn hooks_need_migration(out: &Path) -> bool {
    std::fs::read_to_string(out.join(HOOKS_FILE))
        .is_ok_and(|text| text.contains("-> Hooks {") || text.contains("Hooks::default()"))
}

/// `to` relative to `from` (both made absolute), with `/` separators, for Cargo path dependencies.
pub fn relative_path(from: &Path, to: &Path) -> String {
    let normalize = |p: &Path| -> Vec<String> {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut parts: Vec<String> = Vec::new();
        for c in absolute.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (from, to) = (normalize(from), normalize(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_directories() {
        assert_eq!(
            relative_path(Path::new("/w/generated/orders"), Path::new("/w/runtime")),
            "../../runtime"
        );
        assert_eq!(
            relative_path(Path::new("/w/a/../b"), Path::new("/w/b/c")),
            "c"
        );
    }

    #[test]
    fn writes_new_directories_whole_and_keeps_hooks() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("crate");
        let mut files = Files::new();
        files.insert("src/main.rs".to_string(), b"fn main() {}\n".to_vec());
        files.insert(HOOKS_FILE.to_string(), b"// default\n".to_vec());
        write(&out, &files).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/main.rs")).unwrap(),
            "fn main() {}\n"
        );
        std::fs::write(out.join(HOOKS_FILE), "// mine\n").unwrap();
        files.insert("src/main.rs".to_string(), b"fn main() { }\n".to_vec());
        assert_eq!(drift(&out, &files), ["src/main.rs"]);
        write(&out, &files).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join(HOOKS_FILE)).unwrap(),
            "// mine\n"
        );
        assert!(drift(&out, &files).is_empty());
        // A file the previous generation wrote and this one does not is removed; the user's stays.
        std::fs::write(out.join("Dockerfile"), "FROM x\n").unwrap();
        std::fs::write(out.join("NOTES.md"), "mine\n").unwrap();
        let lock = Lock {
            version: 1,
            files: vec![
                "src/main.rs".into(),
                "Dockerfile".into(),
                "../outside".into(),
            ],
            ..Lock::default()
        };
        std::fs::write(out.join(crate::lock::LOCK_FILE), lock.render().unwrap()).unwrap();
        assert_eq!(stale(&out, &files).unwrap(), ["Dockerfile"]);
        write(&out, &files).unwrap();
        assert!(!out.join("Dockerfile").exists());
        assert!(out.join("NOTES.md").exists());
        std::fs::remove_file(out.join("NOTES.md")).unwrap();
        std::fs::remove_file(out.join(crate::lock::LOCK_FILE)).unwrap();
        // No staging directory is left beside the output.
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }
}
