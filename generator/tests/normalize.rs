//! Normalisation and planning on small documents written to a temporary folder: `$ref`s across
//! files and cycles, Swagger 2.0 mapping, naming, and the errors bad input gets.

use std::path::Path;

use mcpgen::findings::Level;
use mcpgen::plan::PlanOptions;
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn build(spec: &str) -> mcpgen::Generated {
    mcpgen::build(spec, &PlanOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn error(spec: &str) -> String {
    match mcpgen::build(spec, &PlanOptions::default()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn tool<'a>(g: &'a mcpgen::Generated, name: &str) -> &'a mcpgen::plan::ToolPlan {
    g.plan
        .tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

#[test]
fn external_refs_resolve_several_files_deep_and_cycles_terminate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = write(
        d,
        "api/openapi.yaml",
        r##"
openapi: 3.0.3
info: {title: Deep, version: "1"}
paths:
  /nodes:
    $ref: "paths/nodes.yaml"
"##,
    );
    write(
        d,
        "api/paths/nodes.yaml",
        r##"
post:
  operationId: createNode
  parameters:
    - $ref: "../params.json#/Limit"
  requestBody:
    required: true
    content:
      application/json:
        schema: {$ref: "../../schemas/node.yaml#/Node"}
  responses: {"201": {description: created}}
"##,
    );
    write(
        d,
        "api/params.json",
        r##"{"Limit": {"name": "limit", "in": "query", "schema": {"$ref": "../schemas/common.yaml#/Limit"}}}"##,
    );
    write(
        d,
        "schemas/node.yaml",
        r##"
Node:
  type: object
  required: [name]
  properties:
    name: {type: string}
    parent: {$ref: "#/Node"}
    tags: {$ref: "common.yaml#/Tags"}
"##,
    );
    write(
        d,
        "schemas/common.yaml",
        r##"
Limit: {type: integer, minimum: 1, maximum: 100, default: 20}
Tags: {type: array, items: {type: string}}
"##,
    );
    // The schemas sit beside the spec's folder, so that folder is widened to their parent.
    let load = mcpgen::load::LoadOptions {
        ref_roots: vec![d.to_path_buf()],
        ..Default::default()
    };
    let g = mcpgen::build_with(&root, &load, &PlanOptions::default()).unwrap();
    let t = tool(&g, "createNode");
    let schema = &t.input_schema;
    assert_eq!(
        schema["properties"]["limit"],
        json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
    );
    let body = &schema["properties"]["body"];
    assert_eq!(body["properties"]["tags"]["items"]["type"], "string");
    // The self-reference is expanded to a bounded depth, then left open and said so.
    let open = &body["properties"]["parent"]["properties"]["parent"];
    assert!(
        open["description"].as_str().unwrap().contains("recursive"),
        "{open}"
    );
    assert!(!mcpgen::inline::has_ref(schema));
    assert_eq!(schema["required"], json!(["body"]));
}

#[test]
fn dangling_refs_name_the_file_the_place_and_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "openapi.yaml",
        r##"
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Ordr"}}}
components:
  schemas:
    Order: {type: object}
"##,
    );
    let e = error(&root);
    assert!(
        e.contains("openapi.yaml#/paths/~1a/get/responses/200/content/application~1json/schema"),
        "{e}"
    );
    assert!(e.contains("#/components/schemas/Ordr"), "{e}");
    assert!(e.contains("did you mean `Order`"), "{e}");

    let missing_file = write(
        dir.path(),
        "b.yaml",
        "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /a: {$ref: 'nowhere.yaml'}\n",
    );
    let e = error(&missing_file);
    assert!(
        e.contains("nowhere.yaml") && e.contains("cannot read"),
        "{e}"
    );
}

#[test]
fn bad_documents_get_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = error(&write(
        d,
        "v.yaml",
        "openapi: 4.0.0\ninfo: {title: T, version: '1'}\n",
    ));
    assert!(e.contains("unsupported version `4.0.0`"), "{e}");
    let e = error(&write(d, "n.yaml", "name: my-app\ndependencies: {}\n"));
    assert!(e.contains("not an API description"), "{e}");
    let e = error(&write(d, "s.yaml", "openapi: 3.0.0\ninfo: [\n"));
    assert!(
        e.starts_with(&format!("{}:", d.join("s.yaml").display())) || e.contains("s.yaml:"),
        "{e}"
    );
    let e = error(&write(
        d,
        "dup.yaml",
        r##"
openapi: 3.0.0
info: {title: T, version: "1"}
paths:
  /a: {get: {operationId: same, responses: {"200": {description: ok}}}}
  /b: {get: {operationId: same, responses: {"200": {description: ok}}}}
"##,
    ));
    assert!(e.contains("duplicate operationId `same`"), "{e}");
    assert!(e.contains("#/paths/~1b/get/operationId"), "{e}");
    let e = error(&write(d, "k.yaml", "openapi: 3.0.0\nopenapi: 3.0.1\n"));
    assert!(
        e.contains("duplicate key `openapi`") && e.contains("k.yaml:2:"),
        "{e}"
    );
    let e = error(&d.join("absent.yaml").to_string_lossy());
    assert!(e.contains("absent.yaml: cannot read"), "{e}");
}

#[test]
#[allow(clippy::too_many_lines)] // one document, every mapping checked
fn swagger_2_maps_into_the_same_ir() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "swagger.json",
        r##"{
  "swagger": "2.0",
  "info": {"title": "Legacy", "version": "2"},
  "host": "billing.internal",
  "basePath": "/v2",
  "schemes": ["https"],
  "consumes": ["application/json"],
  "securityDefinitions": {
    "basic": {"type": "basic"},
    "key": {"type": "apiKey", "name": "api_key", "in": "query"},
    "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://auth/token", "scopes": {"read": "r"}}
  },
  "security": [{"key": []}],
  "paths": {
    "/invoices": {
      "get": {
        "operationId": "listInvoices",
        "parameters": [
          {"name": "ids", "in": "query", "type": "array", "items": {"type": "integer"}},
          {"name": "tag", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
          {"name": "limit", "in": "query", "type": "integer", "minimum": 0, "exclusiveMinimum": true, "x-nullable": true}
        ],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Invoice"}}}
      },
      "post": {
        "operationId": "createInvoice",
        "security": [{"app": ["read"]}, {"basic": []}],
        "parameters": [{"name": "invoice", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Invoice"}}],
        "responses": {"201": {"description": "created"}}
      }
    },
    "/invoices/{id}/attachments": {
      "post": {
        "operationId": "attach",
        "consumes": ["multipart/form-data"],
        "parameters": [
          {"name": "id", "in": "path", "type": "string", "required": true},
          {"name": "file", "in": "formData", "type": "file", "required": true},
          {"name": "note", "in": "formData", "type": "string"}
        ],
        "responses": {"200": {"description": "ok"}}
      }
    }
  },
  "definitions": {"Invoice": {"type": "object", "properties": {"total": {"type": "number", "example": 9.5}}}}
}"##,
    );
    let g = build(&root);
    assert_eq!(g.api.servers[0].url, "https://billing.internal/v2");
    let list = tool(&g, "listInvoices");
    let ids = list.params.iter().find(|p| p.name == "ids").unwrap();
    assert!(!ids.explode, "csv is the 2.0 default");
    let tag = list.params.iter().find(|p| p.name == "tag").unwrap();
    assert!(tag.explode, "multi explodes");
    assert_eq!(
        list.input_schema["properties"]["limit"],
        json!({"type": ["integer", "null"], "exclusiveMinimum": 0})
    );
    let create = tool(&g, "createInvoice");
    assert_eq!(create.body.as_ref().unwrap().media_type, "application/json");
    assert_eq!(
        create.input_schema["properties"]["body"]["properties"]["total"],
        json!({"type": "number", "examples": [9.5]})
    );
    assert_eq!(create.security.len(), 2);
    assert_eq!(
        create.security[0],
        vec![("app".to_string(), vec!["read".to_string()])]
    );
    let attach = tool(&g, "attach");
    assert_eq!(
        attach.body.as_ref().unwrap().media_type,
        "multipart/form-data"
    );
    let body = &attach.input_schema["properties"]["body"];
    assert_eq!(body["properties"]["file"]["contentEncoding"], "base64");
    assert_eq!(body["required"], json!(["file"]));
    let schemes: Vec<&str> = g
        .plan
        .connector
        .security_schemes
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(schemes, ["basic", "key", "app"]);
    let env: Vec<&str> = g
        .plan
        .connector
        .security_schemes
        .iter()
        .flat_map(|s| s.env.iter().map(|e| e.name.as_str()))
        .collect();
    assert_eq!(
        env,
        [
            "LEGACY_BASIC_USERNAME",
            "LEGACY_BASIC_PASSWORD",
            "LEGACY_KEY",
            "LEGACY_APP_CLIENT_ID",
            "LEGACY_APP_CLIENT_SECRET",
            "LEGACY_APP_TOKEN_URL",
            "LEGACY_APP_CLIENT_AUTH"
        ]
    );
}

#[test]
fn parameters_merge_and_shared_names_are_disambiguated() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "a.yaml",
        r##"
openapi: 3.0.3
info: {title: Merge, version: "1"}
security: [{k: []}]
components:
  securitySchemes:
    k: {type: apiKey, name: X-Key, in: header}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, description: shared, schema: {type: string}}
      - {name: verbose, in: query, schema: {type: boolean}}
    put:
      operationId: putItem
      security: []
      parameters:
        - {name: verbose, in: query, description: own, schema: {type: boolean, default: false}}
        - {name: id, in: query, schema: {type: integer}}
        - {name: body, in: header, schema: {type: string}}
        - {name: Accept, in: header, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {id: {type: string, readOnly: true}, name: {type: string}}}
      responses: {"200": {description: ok}}
    get:
      responses: {"200": {description: ok}}
"##,
    );
    let g = build(&root);
    let put = tool(&g, "putItem");
    let args: Vec<&str> = put.params.iter().map(|p| p.arg.as_str()).collect();
    assert_eq!(args, ["id__path", "verbose", "id__query", "body__header"]);
    assert_eq!(
        put.input_schema["properties"]["verbose"]["description"],
        "own"
    );
    assert_eq!(
        put.input_schema["properties"]["id__path"]["description"],
        "shared. Sent as the path parameter `id`."
    );
    assert!(
        put.input_schema["properties"]["body"]["properties"]
            .get("id")
            .is_none()
    );
    assert!(put.security.is_empty(), "security: [] sends none");
    assert!(put.annotations.idempotent && put.annotations.destructive);
    let get = tool(&g, "get_items_id");
    assert_eq!(get.security, vec![vec![("k".to_string(), vec![])]]);
    assert_eq!(get.input_schema["required"], json!(["id"]));
}

#[test]
fn every_emitted_schema_is_valid_2020_12_without_refs() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "a.yaml",
        r##"
openapi: 3.0.3
info: {title: Shapes, version: "1"}
paths:
  /s:
    post:
      operationId: shapes
      requestBody:
        content:
          application/json:
            schema:
              oneOf:
                - {$ref: "#/components/schemas/Circle"}
                - {$ref: "#/components/schemas/Square"}
              discriminator: {propertyName: kind}
      responses: {"200": {description: ok}}
components:
  schemas:
    Base: {type: object, properties: {kind: {type: string, enum: [circle, square], nullable: true}}}
    Circle: {allOf: [{$ref: "#/components/schemas/Base"}, {type: object, properties: {r: {type: number, minimum: 0, exclusiveMinimum: true}}}]}
    Square: {allOf: [{$ref: "#/components/schemas/Base"}], nullable: true}
"##,
    );
    let g = build(&root);
    for t in &g.plan.tools {
        assert!(!mcpgen::inline::has_ref(&t.input_schema));
        jsonschema::draft202012::meta::validate(&t.input_schema)
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
    }
    let body = &tool(&g, "shapes").input_schema["properties"]["body"];
    assert!(body.get("discriminator").is_none());
    assert_eq!(
        body["oneOf"][0]["allOf"][0]["properties"]["kind"]["enum"],
        json!(["circle", "square", null])
    );
    assert_eq!(body["oneOf"][1]["anyOf"][1], json!({"type": "null"}));
    let _: &Value = body;
}

/// A DigitalOcean-style split spec (file, text): operations, lists and whole maps behind `$ref`s.
const SPLIT_THINGS: &[(&str, &str)] = &[
    (
        "openapi.yaml",
        r##"
openapi: 3.0.3
info: {title: Things, version: "1"}
paths:
  /v2/things:
    get: {$ref: "resources/things/list.yml"}
    post:
      $ref: "resources/things/create.yml"
      summary: Create a thing (from beside the reference)
      parameters: [{$ref: "shared.yaml#/dry_run"}]
  /v2/things/{id}:
    parameters: {$ref: "shared.yaml#/by_name"}
    delete:
      operationId: deleteThing
      description: Deletes a thing.
      parameters:
        # A pointer through a reference: `get` above is itself a `$ref`.
        - $ref: "#/paths/~1v2~1things/get/parameters/0"
      responses: {"204": {description: gone}}
"##,
    ),
    (
        "resources/things/list.yml",
        r##"
operationId: listThings
summary: List things
parameters: {$ref: "../../shared.yaml#/paging"}
responses: {$ref: "responses.yml#/list"}
"##,
    ),
    (
        "resources/things/responses.yml",
        r##"
list:
  "200":
    description: things
    content: {$ref: "#/thing_list_content"}
thing_list_content:
  application/json: {schema: {type: array, items: {type: object}}}
"##,
    ),
    (
        "resources/things/create.yml",
        r##"
operationId: createThing
summary: Create a thing
requestBody:
  required: true
  content: {$ref: "models.yml#/thing_content"}
responses: {"201": {description: created}}
"##,
    ),
    (
        "resources/things/models.yml",
        r##"
thing_content:
  application/json: {schema: {$ref: "#/Thing"}}
Thing:
  type: object
  required: [name]
  properties: {$ref: "fields.yml"}
"##,
    ),
    (
        "resources/things/fields.yml",
        "name: {type: string, example: bolt}\nsize: {$ref: '#/size_schema'}\nsize_schema: {type: integer}\n",
    ),
    (
        "shared.yaml",
        r##"
paging:
  - {name: per_page, in: query, schema: {type: integer}, examples: {$ref: "#/per_page_examples"}}
  - {name: page, in: query, schema: {type: integer}}
per_page_examples:
  small: {value: 10}
  usual: {$ref: "#/usual_page"}
  again: {value: 10}
usual_page: {value: 50}
dry_run: {name: dry_run, in: query, schema: {type: boolean}}
by_name:
  id: {name: id, in: path, required: true, schema: {type: string}}
"##,
    ),
];

#[test]
fn refs_stand_for_operations_lists_and_whole_maps() {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in SPLIT_THINGS {
        write(dir.path(), file, text);
    }
    let root = dir
        .path()
        .join("openapi.yaml")
        .to_string_lossy()
        .into_owned();
    let g = build(&root);
    assert!(g.plan.findings.is_empty(), "{:?}", g.plan.findings);
    let list = tool(&g, "listThings");
    assert_eq!(list.description, "List things");
    let props = &list.input_schema["properties"];
    assert_eq!(
        props["per_page"]["examples"],
        json!([10, 50]),
        "followed and each once"
    );
    assert_eq!(props["page"]["type"], "integer");
    let create = tool(&g, "createThing");
    assert_eq!(
        create.title.as_deref(),
        Some("Create a thing (from beside the reference)")
    );
    let body = &create.input_schema["properties"]["body"];
    assert_eq!(body["properties"]["name"]["examples"], json!(["bolt"]));
    assert_eq!(body["properties"]["size"], json!({"type": "integer"}));
    assert_eq!(body["required"], json!(["name"]));
    // The sibling list replaces the operation's (none here); its reference resolves from the root.
    assert_eq!(create.params[0].name, "dry_run");
    let delete = tool(&g, "deleteThing");
    let names: Vec<&str> = delete.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["id", "per_page"]);
    let op = g
        .api
        .operations
        .iter()
        .find(|o| o.operation_id.as_deref() == Some("listThings"))
        .unwrap();
    assert_eq!(
        op.pointer, "/paths/~1v2~1things/get",
        "the place in the root document"
    );
    assert_eq!(op.responses[0].contents[0].media_type, "application/json");
}

#[test]
fn reference_cycles_are_errors_that_show_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = write(
        d,
        "a.yaml",
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n  /a: {get: {$ref: 'b.yaml#/op'}}\n",
    );
    write(d, "b.yaml", "op: {$ref: 'c.yaml#/op'}\n");
    write(d, "c.yaml", "op: {$ref: 'b.yaml#/op'}\n");
    let e = error(&root);
    assert!(e.contains("`$ref` cycle"), "{e}");
    assert!(
        e.contains("b.yaml#/op → ") && e.contains("c.yaml#/op"),
        "{e}"
    );
    // A pointer that passes through references in a loop is caught too.
    let root = write(
        d,
        "p.yaml",
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n  /a: {$ref: '#/x/y'}\nx: {$ref: '#/z'}\nz: {$ref: '#/x'}\n",
    );
    let e = error(&root);
    assert!(e.contains("cycle"), "{e}");
}

/// Fields nobody reads (a misspelt one, an uppercase method), an ignored header, an unused path
/// parameter, and operations that describe themselves only by their response, or not at all.
const QUIET: &str = r##"
openapi: 3.0.3
info: {title: Quiet, version: "1"}
paths:
  /reports:
    GET:
      operationId: upper
      responses: {"200": {description: ok}}
    get:
      operationId: listReports
      paramters: [{name: q, in: query}]
      responses: {"200": {description: The reports of the last 30 days.}}
  /health:
    get:
      operationId: health
      parameters:
        - {name: Authorization, in: header, schema: {type: string}}
      responses: {"200": {description: OK}}
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: other, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
"##;

#[test]
fn fields_nobody_reads_are_findings_and_no_tool_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(dir.path(), "a.yaml", QUIET);
    let g = build(&root);
    let messages = |tool: Option<&str>| -> Vec<String> {
        g.plan
            .findings
            .iter()
            .filter(|f| f.tool.as_deref() == tool)
            .map(|f| format!("{} {}", f.place, f.message))
            .collect()
    };
    let document = messages(None);
    assert!(
        document
            .iter()
            .any(|m| m.contains("/paths/~1reports/GET") && m.contains("write `get`")),
        "{document:?}"
    );
    let reports = messages(Some("listReports"));
    assert!(
        reports
            .iter()
            .any(|m| m.contains("`paramters` is not an OpenAPI field")),
        "{reports:?}"
    );
    // What the response is said to be stands in for a description.
    assert_eq!(
        tool(&g, "listReports").description,
        "GET /reports\n\nResponds with: The reports of the last 30 days."
    );
    let health = messages(Some("health"));
    assert!(
        health
            .iter()
            .any(|m| m.contains("`Authorization` is not an input")),
        "{health:?}"
    );
    assert!(
        health
            .iter()
            .any(|m| m.contains("no summary, description or inputs")),
        "{health:?}"
    );
    let item = messages(Some("getItem"));
    assert!(
        item.iter().any(|m| m.contains("path has no `{other}`")),
        "{item:?}"
    );
    assert!(
        !messages(Some("listReports"))
            .iter()
            .any(|m| m.contains("no summary"))
    );
}

#[test]
fn names_that_differ_only_in_punctuation_become_distinct_readable_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "twilio.yaml",
        r##"
openapi: 3.0.1
info: {title: Messages, version: "1"}
paths:
  /Messages.json:
    get:
      operationId: ListMessage
      parameters:
        - {name: DateSent, in: query, description: Only messages sent on this date., schema: {type: string, format: date-time}}
        - {name: DateSent<, in: query, description: Only messages sent before this date., schema: {type: string, format: date-time}}
        - {name: DateSent>, in: query, description: Only messages sent after this date., schema: {type: string, format: date-time}}
      responses: {"200": {description: ok}}
"##,
    );
    let g = build(&root);
    let t = tool(&g, "ListMessage");
    let pairs: Vec<(&str, &str)> = t
        .params
        .iter()
        .map(|p| (p.arg.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("DateSent", "DateSent"),
            ("DateSent_before", "DateSent<"),
            ("DateSent_after", "DateSent>")
        ]
    );
    let props = &t.input_schema["properties"];
    assert_eq!(
        props["DateSent_before"]["description"],
        "Only messages sent before this date. Sent as the query parameter `DateSent<`."
    );
    assert_eq!(
        props["DateSent"]["description"],
        "Only messages sent on this date."
    );
}

#[test]
fn bodies_that_carry_nothing_are_not_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "empty.yaml",
        r##"
openapi: 3.0.3
info: {title: Empty, version: "1"}
paths:
  /search:
    get:
      operationId: search
      parameters: [{name: q, in: query, schema: {type: string}}]
      requestBody:
        content: {application/x-www-form-urlencoded: {}}
      responses: {"200": {description: ok}}
  /things/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    delete:
      operationId: deleteThing
      requestBody:
        content: {application/json: {schema: {type: object, properties: {}}}}
      responses: {"204": {description: gone}}
    put:
      operationId: touchThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {id: {type: string, readOnly: true}}}
      responses: {"200": {description: ok}}
    patch:
      operationId: patchThing
      requestBody:
        content: {application/json: {schema: {type: object}}}
      responses: {"200": {description: ok}}
"##,
    );
    let g = build(&root);
    let search = tool(&g, "search");
    assert!(search.input_schema["properties"].get("body").is_none());
    assert!(
        search.body.is_none(),
        "a GET with an empty form sends no body"
    );
    let delete = tool(&g, "deleteThing");
    assert!(delete.body.is_none());
    assert_eq!(
        delete.input_schema["properties"],
        json!({"id": {"type": "string"}})
    );
    // Required by the API, but nothing for the model to say: `{}` goes out on its own.
    let touch = tool(&g, "touchThing");
    assert!(touch.input_schema["properties"].get("body").is_none());
    assert_eq!(touch.input_schema["required"], json!(["id"]));
    assert_eq!(touch.body.as_ref().unwrap().media_type, "application/json");
    assert_eq!(touch.presets.len(), 1);
    assert_eq!(
        (touch.presets[0].arg.as_str(), &touch.presets[0].value),
        ("body", &json!({}))
    );
    assert!(touch.presets[0].fixed);
    // A free-form JSON object is something the model can fill.
    let patch = tool(&g, "patchThing");
    assert_eq!(
        patch.input_schema["properties"]["body"],
        json!({"type": "object"})
    );
}

const ESCAPES: &str = r##"
openapi: 3.0.3
info: {title: Escapes, version: "1"}
servers: [{url: "https://api.test/v1"}]
components:
  securitySchemes:
    session: {type: apiKey, in: cookie, name: sid}
    key: {type: apiKey, in: header, name: X-Api-Key}
paths:
  /a/../../admin:
    get: {operationId: climb, responses: {"200": {description: ok}}}
  /b/%2E%2e/admin:
    get: {operationId: climbEncoded, responses: {"200": {description: ok}}}
  /c/./d:
    get: {operationId: stay, responses: {"200": {description: ok}}}
  /.well-known/items:
    get:
      operationId: listItems
      security: [{session: []}, {key: []}]
      parameters:
        - {name: Host, in: header, schema: {type: string}}
        - {name: content-length, in: header, schema: {type: integer}}
        - {name: Transfer-Encoding, in: header, schema: {type: string}}
        - {name: Proxy-Authorization, in: header, schema: {type: string}}
        - {name: TE, in: header, schema: {type: string}}
        - {name: Cookie, in: header, schema: {type: string}}
        - {name: x-api-key, in: header, schema: {type: string}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses: {"200": {description: ok}}
  /public:
    get:
      operationId: listPublic
      parameters:
        - {name: Cookie, in: header, schema: {type: string}}
      responses: {"200": {description: ok}}
"##;

#[test]
fn paths_with_dot_segments_are_errors_and_framing_or_credential_headers_are_no_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let g = build(&write(dir.path(), "escapes.yaml", ESCAPES));
    let names: Vec<&str> = g.plan.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["listItems", "listPublic"],
        "dot-segment paths are skipped"
    );
    for (pointer, segment) in [
        ("/paths/~1a~1..~1..~1admin", ".."),
        ("/paths/~1b~1%2E%2e~1admin", "%2E%2e"),
        ("/paths/~1c~1.~1d", "."),
    ] {
        assert!(
            g.plan.findings.iter().any(|f| f.level == Level::Error
                && f.tool.is_none()
                && f.place.ends_with(&format!("escapes.yaml#{pointer}"))
                && f.message.contains(&format!("a `{segment}` segment"))
                && f.message.contains("outside the API's base path")),
            "{pointer}: {:#?}",
            g.plan.findings
        );
    }

    let items = tool(&g, "listItems");
    let inputs: Vec<&str> = items.input_schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(inputs, ["X-Trace"]);
    let warned = |tool: &str, parameter: &str, why: &str| {
        g.plan.findings.iter().any(|f| {
            f.level == Level::Warning
                && f.tool.as_deref() == Some(tool)
                && f.message
                    .contains(&format!("header parameter `{parameter}` is not an input"))
                && f.message.contains(why)
        })
    };
    for parameter in [
        "Host",
        "content-length",
        "Transfer-Encoding",
        "Proxy-Authorization",
        "TE",
    ] {
        assert!(
            warned("listItems", parameter, "frames or routes"),
            "{parameter}: {:#?}",
            g.plan.findings
        );
    }
    assert!(warned("listItems", "Cookie", "`session`"));
    assert!(warned("listItems", "x-api-key", "`key`"));
    // Without a scheme that sends cookies, a `Cookie` header is the API's own business.
    assert!(
        tool(&g, "listPublic").input_schema["properties"]
            .get("Cookie")
            .is_some()
    );
}
