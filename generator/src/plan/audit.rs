//! A tool must say what it does. One whose operation has no summary or description says only
//! its method and path; this step adds what the responses say it returns, and a tool that still
//! says nothing and takes no input is a finding, so a hollow tool is never silent.

use super::tool::ToolDraft;
use crate::findings::Finding;
use crate::ir::Operation;

/// Response descriptions that say nothing about what comes back.
const EMPTY_WORDS: &[&str] = &[
    "ok",
    "success",
    "successful",
    "successful operation",
    "successful response",
    "successful request",
    "response",
    "default response",
    "no content",
    "accepted",
    "created",
    "done",
];

/// When `op` describes itself nowhere, the tool's description adds what its successful response
/// is (`Responds with: the list of invoices.`), when the spec says so in words.
pub fn describe_from_responses(op: &Operation, draft: &mut ToolDraft) {
    if op.summary.is_some() || op.description.is_some() {
        return;
    }
    let said = op
        .responses
        .iter()
        .filter(|r| r.status.starts_with('2'))
        .filter_map(|r| r.description.as_deref())
        .find(|d| {
            !EMPTY_WORDS.contains(&d.trim().trim_end_matches('.').to_ascii_lowercase().as_str())
        });
    if let Some(said) = said {
        draft.tool.description = format!("{}\n\nResponds with: {said}", draft.tool.description);
    }
}

/// A warning when the finished tool says nothing beyond its method and path and takes no input.
pub fn hollow(op: &Operation, draft: &ToolDraft, place: &str) -> Option<Finding> {
    let bare = format!("{} {}", op.method.as_str(), op.path);
    let says_nothing = draft
        .tool
        .description
        .trim_start_matches("DEPRECATED: the API marks this operation as deprecated.")
        .trim()
        == bare;
    (says_nothing && draft.inputs.is_empty()).then(|| {
        Finding::warning(
            place,
            format!(
                "the spec gives `{bare}` no summary, description or inputs, so the tool says only \
                 that: describe the operation in the spec, or give it a `description` in the \
                 overrides file"
            ),
        )
    })
}
