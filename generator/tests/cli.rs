//! The `mcpgen` command line: exit codes (0 ok, 1 drift, 2 bad input), what `check` lists,
//! that `generate` keeps `src/hooks.rs`, and specs fetched over HTTP with relative `$ref`s.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use assert_cmd::Command;

fn mcpgen() -> Command {
    Command::cargo_bin("mcpgen").unwrap()
}

fn orders_spec() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/orders-openapi-3.0.yaml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn generate_then_check_then_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders");
    let out_s = out.to_string_lossy().into_owned();
    let spec = orders_spec();
    mcpgen()
        .args(["generate", &spec, "--out", &out_s])
        .assert()
        .success();
    for file in [
        "Cargo.toml",
        "README.md",
        "src/main.rs",
        "src/tools.rs",
        "src/hooks.rs",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }
    let tools = std::fs::read_to_string(out.join("src/tools.rs")).unwrap();
    assert!(tools.starts_with("//! The tool table of `orders-service`: 14 tools"));
    assert!(tools.contains("Do not edit"));

    mcpgen()
        .args(["check", &spec, "--out", &out_s])
        .assert()
        .code(0);

    // A user's hooks survive; a hand-edited generated file is drift.
    std::fs::write(out.join("src/hooks.rs"), "// mine\n").unwrap();
    std::fs::write(out.join("src/tools.rs"), "// edited\n").unwrap();
    let assert = mcpgen()
        .args(["check", &spec, "--out", &out_s])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("src/tools.rs") && !stdout.contains("hooks.rs"),
        "{stdout}"
    );

    mcpgen()
        .args(["generate", &spec, "--out", &out_s])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(out.join("src/hooks.rs")).unwrap(),
        "// mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("src/tools.rs")).unwrap(),
        tools
    );
}

#[test]
fn bad_input_exits_2_with_the_place_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("broken.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a: {get: {responses: {'200': {$ref: '#/components/responses/Nope'}}}}\n").unwrap();
    let out = dir.path().join("out");
    let assert = mcpgen()
        .args([
            "generate",
            &spec.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("broken.yaml#/paths/~1a/get/responses/200"),
        "{stderr}"
    );
    assert!(stderr.contains("#/components/responses/Nope"), "{stderr}");
    assert!(!out.exists(), "nothing may be written for bad input");

    let assert = mcpgen()
        .args(["inspect", "/no/such/spec.yaml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("/no/such/spec.yaml: cannot read"),
        "{stderr}"
    );

    mcpgen()
        .args(["inspect", &orders_spec(), "--name", "Bad Name"])
        .assert()
        .code(2);
}

#[test]
fn inspect_lists_tools_and_warnings() {
    let assert = mcpgen()
        .args(["inspect", &orders_spec(), "--max-name-len", "40"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.starts_with("orders-service (Orders Service): 14 tools"),
        "{stdout}"
    );
    // Tool lines are indented by two; their findings by six.
    let tool_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("      "))
        .collect();
    assert_eq!(tool_lines.len(), 14, "{stdout}");
    for line in tool_lines {
        let name = line.split_whitespace().next().unwrap();
        assert!(name.len() <= 40, "{name} is longer than the budget");
    }
}

/// A spec whose `GET /things/{id}` does not declare `id`, and whose document has no title.
const UNDECLARED: &str = r#"
openapi: 3.0.3
info: {version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      summary: One thing
      responses: {"200": {description: ok}}
  /things:
    get:
      operationId: listThings
      summary: All things
      responses: {"200": {description: ok}}
"#;

#[test]
fn findings_are_shown_per_tool_with_their_level() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("things.yaml");
    std::fs::write(&spec, UNDECLARED).unwrap();
    let spec = spec.to_string_lossy().into_owned();
    let assert = mcpgen().args(["inspect", &spec]).assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("getThing"))
        .unwrap();
    let finding = lines[at + 1];
    assert!(finding.starts_with("      error: "), "{stdout}");
    assert!(
        finding.contains("things.yaml#/paths/~1things~1{id}/get"),
        "{finding}"
    );
    assert!(finding.contains("no path parameter `id`"), "{finding}");
    let next = lines[at + 2].trim_start();
    assert!(
        next.starts_with("listThings"),
        "listThings has no findings: {stdout}"
    );
    assert!(
        stdout.contains(
            "document:
      warning: "
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "1 errors, 1 warnings
"
        ),
        "{stdout}"
    );

    let assert = mcpgen()
        .args(["inspect", &spec, "--format", "json"])
        .assert()
        .success();
    let plan: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let findings = plan["findings"].as_array().unwrap();
    let error = findings.iter().find(|f| f["level"] == "error").unwrap();
    assert_eq!(error["tool"], "getThing");
    let warning = findings.iter().find(|f| f["level"] == "warning").unwrap();
    assert!(warning.get("tool").is_none(), "{warning}");
    // The inferred input is still there: the tool works for the common case.
    let get = plan["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "getThing")
        .unwrap();
    assert_eq!(get["input_schema"]["required"], serde_json::json!(["id"]));

    let out = dir.path().join("out");
    let assert = mcpgen()
        .args(["generate", &spec, "--out", &out.to_string_lossy()])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("error: tool `getThing`: "), "{stderr}");
    assert!(stderr.contains("1 tool(s) with errors"), "{stderr}");
}

/// Serves files from `root` over HTTP/1.0 on loopback until the test ends.
fn serve(root: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            BufReader::new(&stream).read_line(&mut line).unwrap_or(0);
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/');
            let reply = match std::fs::read(root.join(path)) {
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
    });
    format!("http://{addr}")
}

#[test]
fn specs_load_from_http_urls_with_relative_refs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("api/schemas")).unwrap();
    std::fs::write(
        dir.path().join("api/spec.json"),
        r##"{"openapi": "3.1.0", "info": {"title": "Remote", "version": "1"},
            "servers": [{"url": "/v2"}],
            "paths": {"/things": {"post": {"operationId": "createThing",
              "requestBody": {"content": {"application/json": {"schema": {"$ref": "schemas/thing.yaml#/Thing"}}}},
              "responses": {"200": {"description": "ok"}}}}}}"##,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("api/schemas/thing.yaml"),
        "Thing:\n  type: object\n  properties:\n    name: {type: string}\n",
    )
    .unwrap();
    let base = serve(dir.path());
    let url = format!("{base}/api/spec.json");
    let g = mcpgen::build(&url, &mcpgen::plan::PlanOptions::default()).unwrap();
    assert_eq!(
        g.plan.tools[0].input_schema["properties"]["body"]["properties"]["name"]["type"],
        "string"
    );
    // A relative server URL is relative to where the document came from.
    assert_eq!(g.api.servers[0].url, format!("{base}/v2"));

    let e = match mcpgen::build(&format!("{base}/api/missing.json"), &Default::default()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("404"), "{e}");
}

#[test]
fn the_crate_carries_a_container_build_and_a_kubernetes_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders");
    mcpgen()
        .args(["generate", &orders_spec(), "--out"])
        .arg(&out)
        .args(["--name", "orders", "--runtime-version", "0.1"])
        .assert()
        .success();
    let dockerfile = std::fs::read_to_string(out.join("Dockerfile")).unwrap();
    let from: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(
        from,
        [
            "FROM rust:1-slim-bookworm AS build",
            "FROM gcr.io/distroless/cc-debian12:nonroot"
        ]
    );
    assert!(dockerfile.contains("\nUSER nonroot:nonroot\n"));
    assert!(
        dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/orders\", \"--http\", \"0.0.0.0:8080\"]")
    );
    // A crates.io runtime: the crate alone is the build context.
    assert!(
        dockerfile.contains("#   docker build -t orders .\n"),
        "{dockerfile}"
    );
    let ignore = std::fs::read_to_string(out.join("Dockerfile.dockerignore")).unwrap();
    assert!(ignore.contains("**/target"));

    let manifest = std::fs::read_to_string(out.join("deploy/kubernetes.yaml")).unwrap();
    let docs: Vec<serde_json::Value> = yaml_serde::Deserializer::from_str(&manifest)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["kind"], "Deployment");
    assert_eq!(docs[1]["kind"], "Service");
    let pod = &docs[0]["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    let env = container["env"].as_array().unwrap();
    let var = |name: &str| env.iter().find(|e| e["name"] == name).cloned();
    assert_eq!(
        var("ORDERS_BASE_URL").unwrap()["value"],
        "https://eu-west-1.orders.internal.example/api/v2"
    );
    assert_eq!(
        var("ORDERS_MCP_TOKEN").unwrap()["valueFrom"]["secretKeyRef"]["key"],
        "orders-mcp-token"
    );
    assert!(var("ORDERS_API_KEY_AUTH").is_some());
    assert_eq!(docs[1]["spec"]["ports"][0]["targetPort"], "mcp");

    // With the runtime as a path, the build starts where both are.
    let local = dir.path().join("local");
    mcpgen()
        .args(["generate", &orders_spec(), "--out"])
        .arg(&local)
        .args(["--name", "orders"])
        .assert()
        .success();
    let dockerfile = std::fs::read_to_string(local.join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("--build-arg CRATE="), "{dockerfile}");
}
