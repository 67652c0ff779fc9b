//! `mcpgen bundle`: a generated crate as an MCPB desktop extension (`.mcpb`) — its binary built,
//! and packed with the manifest `generate` wrote (the platforms it was built for filled in) into
//! the zip archive Claude Desktop installs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::emit::install::MCPB_MANIFEST;
use crate::error::{Error, Result};

/// How to build and where to write.
pub struct BundleOptions {
    /// The Cargo profile to build with (`release` for a bundle to ship).
    pub profile: String,
    /// The archive to write; default `DIR/NAME.mcpb`.
    pub output: Option<PathBuf>,
    /// A Rust target triple to cross-build for (default: this machine).
    pub target: Option<String>,
}

/// Builds the crate at `dir` and packs its extension; returns the archive's path.
pub fn bundle(dir: &Path, options: &BundleOptions) -> Result<PathBuf> {
    let manifest_path = dir.join(MCPB_MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        Error::Bundle(format!(
            "{}: {e}; run `mcpgen generate` into {} first",
            manifest_path.display(),
            dir.display()
        ))
    })?;
    let mut manifest: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Bundle(format!("{}: {e}", manifest_path.display())))?;
    let name = manifest["name"]
        .as_str()
        .ok_or_else(|| Error::Bundle(format!("{}: no `name`", manifest_path.display())))?
        .to_string();
    let platform = match &options.target {
        Some(triple) => platform_of_triple(triple)?,
        None => host_platform(),
    };
    let binary = build(dir, &name, options)?;
    manifest["compatibility"] = serde_json::json!({"platforms": [platform]});
    // A Windows binary is NAME.exe: the manifest must name the file the archive holds.
    let file_name = binary
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    manifest["server"]["entry_point"] = Value::String(format!("server/{file_name}"));
    manifest["server"]["mcp_config"]["command"] =
        Value::String(format!("${{__dirname}}/server/{file_name}"));
    let icon = dir.join("install/mcpb/icon.png");
    if icon.exists() {
        manifest["icon"] = Value::String("icon.png".into());
    }
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| dir.join(format!("{name}.mcpb")));
    pack(
        &output,
        &manifest,
        &file_name,
        &binary,
        icon.exists().then_some(icon.as_path()),
    )?;
    Ok(output)
}

/// MCPB's name for the platform this runs on.
fn host_platform() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    }
}

/// MCPB's name for the platform a Rust target triple builds for.
fn platform_of_triple(triple: &str) -> Result<&'static str> {
    if triple.contains("-apple-darwin") {
        Ok("darwin")
    } else if triple.contains("-windows") {
        Ok("win32")
    } else if triple.contains("-linux") {
        Ok("linux")
    } else {
        Err(Error::Bundle(format!(
            "--target {triple}: Claude Desktop runs on macOS, Windows and Linux; \
             use a triple such as aarch64-apple-darwin, x86_64-pc-windows-msvc or x86_64-unknown-linux-gnu"
        )))
    }
}

/// `cargo build`s the crate (for `options.target`, if set) and returns the path of its binary `name`.
fn build(dir: &Path, name: &str, options: &BundleOptions) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--profile", &options.profile])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"));
    if let Some(triple) = &options.target {
        command.args(["--target", triple]);
    }
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Error::Bundle(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(Error::Bundle(format!(
            "`cargo build` of {} failed (its messages are above)",
            dir.display()
        )));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| Error::Bundle(format!("`cargo build` made no binary `{name}`")))
}

/// Writes the archive: the manifest, the binary under `server/` (executable), the icon.
fn pack(
    output: &Path,
    manifest: &Value,
    name: &str,
    binary: &Path,
    icon: Option<&Path>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::Write {
        path: output.to_path_buf(),
        source: e,
    };
    let zip_error = |e: zip::result::ZipError| Error::Bundle(format!("{}: {e}", output.display()));
    let file = std::fs::File::create(output).map_err(io)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("manifest.json", options)
        .map_err(zip_error)?;
    let text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    zip.write_all(text.as_bytes()).map_err(io)?;
    zip.start_file(format!("server/{name}"), options.unix_permissions(0o755))
        .map_err(zip_error)?;
    zip.write_all(&std::fs::read(binary).map_err(io)?)
        .map_err(io)?;
    if let Some(icon) = icon {
        zip.start_file("icon.png", options).map_err(zip_error)?;
        zip.write_all(&std::fs::read(icon).map_err(io)?)
            .map_err(io)?;
    }
    zip.finish().map_err(zip_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_triple_names_its_desktop_platform() {
        assert_eq!(
            platform_of_triple("aarch64-apple-darwin").unwrap(),
            "darwin"
        );
        assert_eq!(
            platform_of_triple("x86_64-pc-windows-msvc").unwrap(),
            "win32"
        );
        assert_eq!(
            platform_of_triple("x86_64-unknown-linux-musl").unwrap(),
            "linux"
        );
        let error = platform_of_triple("wasm32-unknown-unknown")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("wasm32-unknown-unknown") && error.contains("aarch64-apple-darwin"),
            "{error}"
        );
    }
}
