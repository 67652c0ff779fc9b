//! How a connector lists its tools: an estimate of its `tools/list`, the listing that follows
//! (every tool, or a catalog to search once the estimate passes the token budget), the core
//! tools and toolsets of catalog mode, and a line per tool saying what a successful call
//! returns, for the catalog's descriptions.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::ToolPlan;
use crate::error::Result;
use crate::ir::{Api, Listing, Operation};
use crate::overrides::{ConnectorOverrides, ListingChoice, Overrides};

/// Tokens a `tools/list` may take before `auto` lists a catalog instead. Tool definitions sit in
/// the model's context for the whole conversation, next to every other connector's: 25,000
/// tokens is an eighth of a 200,000-token context, room for a typical service of up to about a
/// hundred operations, while an API of hundreds (GitHub's is ~500,000) gets a catalog of a few
/// thousand.
pub const DEFAULT_TOKEN_BUDGET: usize = 25_000;

/// The listing decided for a connector, with the numbers behind it.
#[derive(Debug, Clone, Serialize)]
pub struct ListingPlan {
    pub listing: Listing,
    /// `tools/list` of every tool, in tokens estimated as bytes / 4.
    pub estimated_tokens: usize,
    pub token_budget: usize,
    /// Why this listing, and how to choose another.
    pub reason: String,
    /// Catalog mode's groups of tools.
    pub toolsets: Vec<ToolsetPlan>,
}

/// A group of tools switched on together in catalog mode.
#[derive(Debug, Clone, Serialize)]
pub struct ToolsetPlan {
    pub name: String,
    pub description: String,
    pub tools: Vec<String>,
}

/// The bytes of `tools/list` for `tools` over 4, the usual estimate of tokens for JSON text.
pub fn estimated_tokens(tools: &[ToolPlan]) -> usize {
    let bytes: usize = tools
        .iter()
        .map(|t| {
            let listed = json!({
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "inputSchema": t.input_schema,
                "annotations": {"title": t.title, "readOnlyHint": t.annotations.read_only,
                    "destructiveHint": t.annotations.destructive,
                    "idempotentHint": t.annotations.idempotent,
                    "openWorldHint": t.annotations.open_world},
            });
            serde_json::to_vec(&listed).map_or(0, |v| v.len())
        })
        .sum();
    bytes / 4
}

/// The listing for `tools`: what the overrides file forces, else by the estimate.
/// `operations` maps each planned tool back to its operation's index in `api`.
pub fn listing(
    api: &Api,
    tools: &[ToolPlan],
    operations: &[usize],
    overrides: Option<&Overrides>,
) -> Result<ListingPlan> {
    let wide: ConnectorOverrides = overrides
        .map(|o| o.spec.connector.clone())
        .unwrap_or_default();
    let estimated = estimated_tokens(tools);
    let budget = wide.token_budget.unwrap_or(DEFAULT_TOKEN_BUDGET);
    let (listing, reason) = match wide.listing.unwrap_or(ListingChoice::Auto) {
        ListingChoice::Full => (
            Listing::Full,
            "the overrides file asks for every tool".to_string(),
        ),
        ListingChoice::Catalog => (
            Listing::Catalog,
            "the overrides file asks for a catalog".to_string(),
        ),
        ListingChoice::Auto if estimated <= budget => (
            Listing::Full,
            format!(
                "every tool fits: tools/list is about {estimated} tokens, within the budget of {budget}"
            ),
        ),
        ListingChoice::Auto => (
            Listing::Catalog,
            format!(
                "tools/list would be about {estimated} tokens, over the budget of {budget}; the model searches a catalog instead (`connector.listing: full` or a larger `connector.token_budget` in the overrides file lists every tool)"
            ),
        ),
    };
    let toolsets = match listing {
        Listing::Full => Vec::new(),
        Listing::Catalog => toolsets(api, tools, operations, overrides)?,
    };
    Ok(ListingPlan {
        listing,
        estimated_tokens: estimated,
        token_budget: budget,
        reason,
        toolsets,
    })
}

/// The overrides file's toolsets, else one per tag of the spec, in order of first use.
fn toolsets(
    api: &Api,
    tools: &[ToolPlan],
    operations: &[usize],
    overrides: Option<&Overrides>,
) -> Result<Vec<ToolsetPlan>> {
    let tool_of: HashMap<usize, &str> = operations
        .iter()
        .zip(tools)
        .map(|(&op, t)| (op, t.name.as_str()))
        .collect();
    let declared = match overrides {
        Some(o) => o.toolsets(api)?,
        None => Vec::new(),
    };
    if !declared.is_empty() {
        return Ok(declared
            .into_iter()
            .map(|declared| {
                let members: Vec<String> = declared
                    .operations
                    .iter()
                    .filter_map(|op| tool_of.get(op).map(|n| n.to_string()))
                    .collect();
                ToolsetPlan {
                    description: declared
                        .description
                        .unwrap_or_else(|| format!("{} operations", members.len())),
                    name: declared.name,
                    tools: members,
                }
            })
            .filter(|t| !t.tools.is_empty())
            .collect());
    }
    let mut by_tag: Vec<ToolsetPlan> = Vec::new();
    for tool in tools {
        for tag in &tool.tags {
            match by_tag.iter_mut().find(|t| &t.name == tag) {
                Some(set) => set.tools.push(tool.name.clone()),
                None => by_tag.push(ToolsetPlan {
                    name: tag.clone(),
                    description: String::new(),
                    tools: vec![tool.name.clone()],
                }),
            }
        }
    }
    for set in &mut by_tag {
        set.description = format!("{} operations tagged `{}`", set.tools.len(), set.name);
    }
    Ok(by_tag)
}

/// What a successful call of `op` returns, in a line: the status, the media type and the shape
/// of the body (`200 application/json: a list of Order (id, status, total, …)`).
pub fn returns(api: &Api, op: &Operation) -> String {
    let success = op
        .responses
        .iter()
        .find(|r| r.status.starts_with('2'))
        .or_else(|| op.responses.iter().find(|r| r.status == "default"));
    let Some(response) = success else {
        return "the spec describes no response".into();
    };
    let said = response
        .description
        .as_deref()
        .map(|d| d.split(". ").next().unwrap_or(d).trim_end_matches('.'))
        .filter(|d| !d.is_empty())
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    match response.contents.first() {
        None => format!("{}: no content{said}", response.status),
        Some(content) => format!(
            "{} {}: {}{said}",
            response.status,
            content.media_type,
            shape(api, &content.schema, 0)
        ),
    }
}

/// A schema's shape in a few words: its name, its type, its first properties.
fn shape(api: &Api, schema: &Value, depth: usize) -> String {
    let name = crate::ir::ref_key(schema).map(str::to_string);
    let schema = api.deref(schema);
    if depth < 2
        && let Some(items) = schema.get("items")
    {
        return format!("a list of {}", shape(api, items, depth + 1));
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        let mut fields: Vec<&str> = properties.keys().map(String::as_str).take(6).collect();
        if properties.len() > 6 {
            fields.push("…");
        }
        let label = name.unwrap_or_else(|| "an object".into());
        return format!("{label} ({})", fields.join(", "));
    }
    match (name, schema.get("type").and_then(Value::as_str)) {
        (Some(name), _) => name,
        (None, Some(t)) => format!("a {t}"),
        (None, None) => "JSON".into(),
    }
}
