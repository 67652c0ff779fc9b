//! What a spec may make mcpgen read: a remote document only up to a size cap; `$ref`s to other
//! origins only when the user opts in; never a local file from a document read over HTTP; and a
//! local spec's references only inside its own folder, unless the user widens it. Remote specs
//! come from a real local HTTP server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use assert_cmd::Command;
use mcpgen::load::LoadOptions;
use mcpgen::plan::PlanOptions;

fn mcpgen() -> Command {
    Command::cargo_bin("mcpgen").unwrap()
}

/// Bytes the server has written for `/endless`, which it sends until the client stops reading
/// (or 256 MiB, so a client that reads everything still ends).
type Sent = Arc<AtomicU64>;

/// Serves the files under `root`, plus `/endless` (a body without length that does not end)
/// and `/announced` (a header announcing 1 GiB).
fn serve(root: &Path) -> (String, Sent) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let root = root.to_path_buf();
    let sent: Sent = Arc::default();
    let counter = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            reader.read_line(&mut line).unwrap_or(0);
            // Read the rest of the request head, so closing does not reset the connection.
            let mut header = String::new();
            while reader.read_line(&mut header).unwrap_or(0) > 2 {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            match path.as_str() {
                "/endless" => {
                    let _ = stream.write_all(b"HTTP/1.0 200 OK\r\n\r\nopenapi: 3.1.0\n");
                    let chunk = [b'#'; 64 * 1024];
                    while counter.load(Ordering::Relaxed) < 256 << 20 {
                        if stream.write_all(&chunk).is_err() {
                            break;
                        }
                        counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    }
                }
                "/announced" => {
                    let _ = stream.write_all(
                        format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", 1u64 << 30)
                            .as_bytes(),
                    );
                }
                // A file `NAME.redirect` answers with a redirect to the URL it holds.
                _ if path.ends_with(".redirect") => {
                    let to = std::fs::read_to_string(root.join(path.trim_start_matches('/')))
                        .unwrap_or_default();
                    let _ = stream.write_all(
                        format!(
                            "HTTP/1.0 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                }
                _ => {
                    let reply = match std::fs::read(root.join(path.trim_start_matches('/'))) {
                        Ok(body) => [
                            format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                                .into_bytes(),
                            body,
                        ]
                        .concat(),
                        Err(_) => b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
                    };
                    let _ = stream.write_all(&reply);
                }
            }
        }
    });
    (format!("http://{addr}"), sent)
}

/// A spec whose one operation's body is the schema `reference` points to.
fn spec_with_body_ref(reference: &str) -> String {
    format!(
        r##"{{"openapi": "3.1.0", "info": {{"title": "Refs", "version": "1"}},
            "paths": {{"/things": {{"post": {{"operationId": "createThing",
              "requestBody": {{"content": {{"application/json": {{"schema": {{"$ref": "{reference}"}}}}}}}},
              "responses": {{"200": {{"description": "ok"}}}}}}}}}}}}"##
    )
}

const THING: &str = "Thing:\n  type: object\n  properties:\n    name: {type: string}\n";

fn build(spec: &str, load: &LoadOptions) -> Result<mcpgen::Generated, String> {
    mcpgen::build_with(spec, load, &PlanOptions::default()).map_err(|e| e.to_string())
}

fn body_name_type(g: &mcpgen::Generated) -> &serde_json::Value {
    &g.plan.tools[0].input_schema["properties"]["body"]["properties"]["name"]["type"]
}

#[test]
fn a_local_spec_follows_remote_refs_only_when_asked() {
    let served = tempfile::tempdir().unwrap();
    std::fs::write(served.path().join("thing.yaml"), THING).unwrap();
    let (base, _) = serve(served.path());
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        spec_with_body_ref(&format!("{base}/thing.yaml#/Thing")),
    )
    .unwrap();
    let spec = spec.to_string_lossy().into_owned();

    let refused = build(&spec, &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(
        refused.contains(
            "spec.json#/paths/~1things/post/requestBody/content/application~1json/schema"
        ) && refused.contains(&format!("{base}/thing.yaml"))
            && refused.contains("--allow-remote-refs"),
        "{refused}"
    );
    let allowed = LoadOptions {
        allow_remote_refs: true,
        ..LoadOptions::default()
    };
    let g = build(&spec, &allowed).unwrap();
    assert_eq!(body_name_type(&g), "string");

    // The same through the command line, for each command that reads a spec.
    let out = mcpgen().args(["inspect", &spec]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote-refs"));
    mcpgen()
        .args(["inspect", &spec, "--allow-remote-refs"])
        .assert()
        .success();
    mcpgen()
        .args(["diff", &spec, &spec, "--allow-remote-refs"])
        .assert()
        .success();
    let crate_dir = dir.path().join("out");
    mcpgen()
        .args(["generate", &spec, "--allow-remote-refs", "--out"])
        .arg(&crate_dir)
        .assert()
        .success();
}

#[test]
fn a_remote_spec_reaches_other_origins_only_when_asked() {
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("thing.yaml"), THING).unwrap();
    let (other_base, _) = serve(other.path());
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("spec.json"),
        spec_with_body_ref(&format!("{other_base}/thing.yaml#/Thing")),
    )
    .unwrap();
    let (base, _) = serve(home.path());
    let spec = format!("{base}/spec.json");
    let refused = build(&spec, &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(
        refused.starts_with(&format!("{spec}#/paths/~1things/post/"))
            && refused.contains("another origin")
            && refused.contains("--allow-remote-refs"),
        "{refused}"
    );
    let allowed = LoadOptions {
        allow_remote_refs: true,
        ..LoadOptions::default()
    };
    assert_eq!(body_name_type(&build(&spec, &allowed).unwrap()), "string");
}

#[test]
fn a_redirect_does_not_take_a_reference_to_another_origin() {
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("thing.yaml"), THING).unwrap();
    let (other_base, _) = serve(other.path());
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("thing.redirect"),
        format!("{other_base}/thing.yaml"),
    )
    .unwrap();
    std::fs::write(
        home.path().join("spec.json"),
        spec_with_body_ref("thing.redirect#/Thing"),
    )
    .unwrap();
    // The spec itself may be moved anywhere: the user named it.
    std::fs::write(
        home.path().join("spec.redirect"),
        format!("{other_base}/thing.yaml"),
    )
    .unwrap();
    let (base, _) = serve(home.path());
    let spec = format!("{base}/spec.json");
    let refused = build(&spec, &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(
        refused.contains("redirected to") && refused.contains("--allow-remote-refs"),
        "{refused}"
    );
    let allowed = LoadOptions {
        allow_remote_refs: true,
        ..LoadOptions::default()
    };
    assert_eq!(body_name_type(&build(&spec, &allowed).unwrap()), "string");
    let moved = build(&format!("{base}/spec.redirect"), &LoadOptions::default())
        .err()
        .expect("not a spec");
    assert!(!moved.contains("redirected"), "{moved}");
}

#[test]
fn a_document_read_over_http_never_reaches_a_local_file() {
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secret.yaml");
    std::fs::write(&secret, THING).unwrap();
    let file_url = url::Url::from_file_path(&secret).unwrap();
    let served = tempfile::tempdir().unwrap();
    std::fs::write(
        served.path().join("spec.json"),
        spec_with_body_ref(&format!("{file_url}#/Thing")),
    )
    .unwrap();
    // A remote piece of a local spec may not reach back either.
    std::fs::write(
        served.path().join("piece.yaml"),
        format!("Thing:\n  $ref: '{file_url}#/Thing'\n"),
    )
    .unwrap();
    let (base, _) = serve(served.path());
    let allowed = LoadOptions {
        allow_remote_refs: true,
        ref_roots: vec![secret_dir.path().to_path_buf()],
        ..LoadOptions::default()
    };
    for load in [LoadOptions::default(), allowed.clone()] {
        let refused = build(&format!("{base}/spec.json"), &load)
            .err()
            .expect("refused");
        assert!(
            refused.contains("never local files") && refused.contains(file_url.as_str()),
            "{refused}"
        );
    }
    let local = secret_dir.path().join("spec.json");
    std::fs::write(
        &local,
        spec_with_body_ref(&format!("{base}/piece.yaml#/Thing")),
    )
    .unwrap();
    let refused = build(&local.to_string_lossy(), &allowed)
        .err()
        .expect("refused");
    assert!(
        refused.starts_with(&format!("{base}/piece.yaml#/Thing:"))
            && refused.contains("never local files"),
        "{refused}"
    );
}

#[test]
fn a_remote_spec_is_read_only_up_to_the_cap() {
    let (base, sent) = serve(Path::new("/nonexistent"));
    let load = LoadOptions {
        max_remote_bytes: 1 << 20,
        ..LoadOptions::default()
    };
    let refused = build(&format!("{base}/endless"), &load)
        .err()
        .expect("refused");
    assert!(
        refused.starts_with(&format!("{base}/endless: cannot read:"))
            && refused.contains("larger than 1 MiB")
            && refused.contains("--max-remote-mib"),
        "{refused}"
    );
    // What the server managed to write beyond the cap sits in socket buffers, not in mcpgen.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let written = sent.load(Ordering::Relaxed);
    assert!(written < 32 << 20, "the server wrote {written} bytes");

    // A body announced too large is refused before it is read, through the command line too.
    let out = mcpgen()
        .args([
            "inspect",
            &format!("{base}/announced"),
            "--max-remote-mib",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{base}/announced"))
            && stderr.contains("larger than 1 MiB")
            && stderr.contains("--max-remote-mib"),
        "{stderr}"
    );
    // The default cap is not 1 MiB, but the announced 1 GiB is still beyond it.
    let refused = build(&format!("{base}/announced"), &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(refused.contains("larger than 128 MiB"), "{refused}");
}

#[test]
fn a_local_spec_references_only_its_own_folder_unless_widened() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir_all(api.join("schemas")).unwrap();
    std::fs::write(dir.path().join("outside.yaml"), THING).unwrap();
    std::fs::write(api.join("schemas/thing.yaml"), THING).unwrap();
    let spec = api.join("spec.json");
    let spec_s = spec.to_string_lossy().into_owned();

    // Inside the folder, through `..` that stays inside: fine.
    std::fs::write(
        &spec,
        spec_with_body_ref("schemas/../schemas/thing.yaml#/Thing"),
    )
    .unwrap();
    assert_eq!(
        body_name_type(&build(&spec_s, &LoadOptions::default()).unwrap()),
        "string"
    );

    let outside = dir.path().canonicalize().unwrap().join("outside.yaml");
    for reference in [
        "../outside.yaml#/Thing",
        "%2e%2e/outside.yaml#/Thing",
        "schemas/../../outside.yaml#/Thing",
    ] {
        std::fs::write(&spec, spec_with_body_ref(reference)).unwrap();
        let refused = build(&spec_s, &LoadOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{reference} was followed"));
        assert!(
            refused.contains("spec.json#/paths/~1things/post/requestBody")
                && refused.contains(&outside.display().to_string())
                && refused.contains("outside the spec's folder")
                && refused.contains("--ref-root"),
            "{refused}"
        );
    }
    std::fs::write(&spec, spec_with_body_ref("../outside.yaml#/Thing")).unwrap();
    let widened = LoadOptions {
        ref_roots: vec![dir.path().to_path_buf()],
        ..LoadOptions::default()
    };
    assert_eq!(body_name_type(&build(&spec_s, &widened).unwrap()), "string");
    let out = mcpgen().args(["inspect", &spec_s]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    mcpgen()
        .args(["inspect", &spec_s, "--ref-root"])
        .arg(dir.path())
        .assert()
        .success();

    // An absolute file URL is a reference like any other.
    let absolute = url::Url::from_file_path(&outside).unwrap();
    std::fs::write(&spec, spec_with_body_ref(&format!("{absolute}#/Thing"))).unwrap();
    assert!(build(&spec_s, &LoadOptions::default()).is_err());
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_folder_does_not_lead_out_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(dir.path().join("outside.yaml"), THING).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.yaml"), api.join("thing.yaml")).unwrap();
    let spec = api.join("spec.json");
    std::fs::write(&spec, spec_with_body_ref("thing.yaml#/Thing")).unwrap();
    let refused = build(&spec.to_string_lossy(), &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(refused.contains("outside the spec's folder"), "{refused}");

    // A spec reached through a symlinked folder keeps its real folder as the boundary.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&api, &link).unwrap();
    std::fs::write(api.join("real.yaml"), THING).unwrap();
    std::fs::write(&spec, spec_with_body_ref("real.yaml#/Thing")).unwrap();
    let via_link = link.join("spec.json");
    assert!(build(&via_link.to_string_lossy(), &LoadOptions::default()).is_ok());
}

#[test]
fn the_split_example_spec_still_loads() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/catalog/openapi.json");
    let g = build(&spec.to_string_lossy(), &LoadOptions::default()).unwrap();
    assert!(!g.plan.tools.is_empty());
}
