//! Request plans decided at generation: which body media type a tool sends when the spec offers
//! several (by what the schema fits), which multipart fields are files and how the model gives
//! them, and the array convention the overrides file chooses.

use std::path::Path;

use mcpgen::overrides::Overrides;
use mcpgen::plan::PlanOptions;
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn plan(spec: &str, options: &PlanOptions) -> Value {
    let generated = mcpgen::build(spec, options).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(&generated.plan).unwrap()
}

fn tool<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

fn warnings(plan: &Value) -> String {
    plan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

const BODIES: &str = r##"
openapi: 3.1.0
info: {title: Bodies, version: "1"}
components:
  schemas:
    Patch: {type: object, properties: {name: {type: string}}}
    Ops: {type: array, items: {type: object, properties: {op: {type: string}}}}
paths:
  /merge:
    patch:
      operationId: mergeOrPatch
      requestBody:
        content:
          application/json-patch+json: {schema: {$ref: "#/components/schemas/Patch"}}
          application/merge-patch+json: {schema: {$ref: "#/components/schemas/Patch"}}
          application/strategic-merge-patch+json: {schema: {$ref: "#/components/schemas/Patch"}}
      responses: {"204": {description: ok}}
  /ops:
    patch:
      operationId: opsOrMerge
      requestBody:
        content:
          application/json-patch+json: {schema: {$ref: "#/components/schemas/Ops"}}
          application/merge-patch+json: {schema: {$ref: "#/components/schemas/Patch"}}
      responses: {"204": {description: ok}}
  /only-patch:
    patch:
      operationId: onlyJsonPatch
      requestBody:
        content:
          application/json-patch+json: {schema: {$ref: "#/components/schemas/Patch"}}
      responses: {"204": {description: ok}}
  /vendors:
    post:
      operationId: twoVendors
      requestBody:
        content:
          application/vnd.a+json: {schema: {type: object, properties: {a: {type: string}}}}
          application/vnd.b+json: {schema: {type: object, properties: {b: {type: string}}}}
      responses: {"204": {description: ok}}
  /json-or-form:
    post:
      operationId: jsonOrForm
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object, properties: {f: {type: string}}}}
          application/json: {schema: {type: object, properties: {j: {type: string}}}}
      responses: {"204": {description: ok}}
"##;

#[test]
fn the_body_media_type_is_the_one_the_schema_fits() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "bodies.yaml", BODIES);
    let plan = plan(&spec, &PlanOptions::default());
    let media = |name: &str| tool(&plan, name)["body"]["media_type"].clone();
    // An object body never goes out as JSON Patch, which needs a list of operations.
    assert_eq!(media("mergeOrPatch"), "application/merge-patch+json");
    assert_eq!(media("opsOrMerge"), "application/merge-patch+json");
    assert_eq!(media("jsonOrForm"), "application/json");
    assert_eq!(media("onlyJsonPatch"), "application/json-patch+json");
    let warned = warnings(&plan);
    assert!(
        warned.contains("PATCH /only-patch: the request body is offered only as JSON Patch"),
        "{warned}"
    );
    assert!(
        warned.contains("POST /vendors: the request body is offered as application/vnd.a+json, application/vnd.b+json, with different schemas"),
        "{warned}"
    );
    // Clear choices are not warnings.
    for path in ["/merge", "/ops", "/json-or-form"] {
        assert!(!warned.contains(&format!(" {path}:")), "{warned}");
    }
}

const UPLOADS: &str = r##"
openapi: 3.1.0
info: {title: Uploads, version: "1"}
paths:
  /upload:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                report: {type: string, contentMediaType: text/csv}
                photo: {type: string, contentMediaType: image/png}
                scans: {type: array, items: {type: string, contentMediaType: application/pdf}}
                legacy: {type: string, format: binary}
                title: {type: string}
            encoding:
              photo: {contentType: image/webp}
      responses: {"204": {description: ok}}
"##;

#[test]
fn multipart_files_are_known_by_their_content_media_type() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "uploads.yaml", UPLOADS);
    let plan = plan(&spec, &PlanOptions::default());
    let upload = tool(&plan, "upload");
    let fields: Vec<(String, Value, Value)> = upload["body"]["encoding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["content_type"].clone(),
                f["file"].clone(),
            )
        })
        .collect();
    let field = |name: &str| fields.iter().find(|f| f.0 == name).cloned();
    assert_eq!(
        field("photo"),
        Some(("photo".into(), json!("image/webp"), json!("base64")))
    );
    assert_eq!(
        field("report"),
        Some(("report".into(), json!("text/csv"), json!("text")))
    );
    assert_eq!(
        field("scans"),
        Some(("scans".into(), json!("application/pdf"), json!("base64")))
    );
    assert_eq!(field("legacy").map(|f| f.2), Some(json!("base64")));
    assert_eq!(field("title"), None);
    // The model is told how to give each: text as it is, anything else as base64.
    let body = &upload["input_schema"]["properties"]["body"]["properties"];
    assert_eq!(body["report"].get("contentEncoding"), None);
    assert!(
        body["report"]["description"]
            .as_str()
            .unwrap()
            .starts_with("File content as text")
    );
    assert_eq!(body["photo"]["contentEncoding"], "base64");
    assert_eq!(body["scans"]["items"]["contentEncoding"], "base64");
    assert!(
        body["scans"]["description"]
            .as_str()
            .unwrap()
            .starts_with("File content as base64")
    );
}

#[test]
fn the_overrides_file_chooses_the_array_convention() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "bodies.yaml", BODIES);
    let overrides = Overrides::parse(
        "o.yaml",
        "connector:\n  array_encoding: brackets\ntools:\n  jsonOrForm:\n    array_encoding: repeated\n",
    )
    .unwrap();
    let options = PlanOptions {
        overrides: Some(overrides),
        ..PlanOptions::default()
    };
    let plan = plan(&spec, &options);
    assert_eq!(tool(&plan, "twoVendors")["array_encoding"], "brackets");
    assert_eq!(tool(&plan, "jsonOrForm")["array_encoding"], "repeated");
    let plain = self::plan(&spec, &PlanOptions::default());
    assert_eq!(tool(&plain, "twoVendors")["array_encoding"], Value::Null);
    let bad = Overrides::parse("o.yaml", "connector:\n  array_encoding: commas\n").unwrap_err();
    assert!(bad.to_string().contains("array_encoding"), "{bad}");
}
