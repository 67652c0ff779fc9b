//! Confirmation before a call the overrides file marks `confirm`: the user is asked through the
//! client's elicitation — within the call for 2025-11-25 sessions, as an `input_required` result
//! that the client answers with a second call for 2026-07-28 clients.

use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequestParams, ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction,
    ElicitationSchema, InputRequest, InputRequiredResult, JsonObject,
};
use rmcp::service::RequestContext;

use crate::table::Tool;

/// The key of the confirmation in `inputRequests`/`inputResponses` (2026-07-28).
const CONFIRM_KEY: &str = "confirm";
/// The longest rendering of the arguments shown to the user.
const SHOWN_ARGUMENTS: usize = 2000;

pub(super) enum Confirmation {
    Given,
    /// 2026-07-28: the client asks the user and calls again with the answer.
    Ask(InputRequiredResult),
    Refused(String),
}

/// Asks the user, through the client, whether `tool` may run with `args`.
pub(super) async fn confirmation(
    tool: &Tool,
    args: &JsonObject,
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Confirmation {
    if let Some(answer) = request
        .input_responses
        .as_ref()
        .and_then(|r| r.get(CONFIRM_KEY))
    {
        return match serde_json::from_value::<ElicitResult>(answer.clone()) {
            Ok(result) => judge(tool, result),
            Err(_) => declined(
                tool,
                "the confirmation answer was not an elicitation result",
            ),
        };
    }
    let can_ask = context
        .client_capabilities()
        .is_some_and(|c| c.elicitation.is_some());
    if !can_ask {
        return declined(
            tool,
            "it needs the user's confirmation, and this client cannot ask for it (it does not support elicitation)",
        );
    }
    let params = question(tool, args);
    if super::is_stateless(context) {
        let requests = [(
            CONFIRM_KEY.to_string(),
            InputRequest::Elicitation(ElicitRequest::new(params)),
        )]
        .into();
        return Confirmation::Ask(InputRequiredResult::from_input_requests(requests));
    }
    match context.peer.create_elicitation(params).await {
        Ok(result) => judge(tool, result),
        Err(e) => declined(tool, &format!("asking the user failed: {e}")),
    }
}

fn declined(tool: &Tool, why: &str) -> Confirmation {
    Confirmation::Refused(format!(
        "`{}` was not called: {why}. Nothing was sent to the API.",
        tool.name
    ))
}

/// Only an accepted answer with the box ticked is a yes.
fn judge(tool: &Tool, result: ElicitResult) -> Confirmation {
    let confirmed = result.action == ElicitationAction::Accept
        && result
            .content
            .as_ref()
            .and_then(|c| c.get(CONFIRM_KEY))
            .and_then(serde_json::Value::as_bool)
            == Some(true);
    if confirmed {
        Confirmation::Given
    } else {
        declined(tool, "the user did not confirm it")
    }
}

/// The form the user sees: what will be called, with which arguments, and one yes/no box.
fn question(tool: &Tool, args: &JsonObject) -> ElicitRequestParams {
    let mut shown = crate::bigint::shown(serde_json::to_string_pretty(args).unwrap_or_default());
    if shown.len() > SHOWN_ARGUMENTS {
        let mut cut = SHOWN_ARGUMENTS;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push_str("\n…");
    }
    let message = format!(
        "Allow `{}` ({} {}) with these arguments?\n{shown}",
        tool.title.unwrap_or(tool.name),
        tool.method.as_str(),
        tool.path
    );
    let schema = ElicitationSchema::builder()
        .required_bool_with(CONFIRM_KEY, |b| b.description("Yes, make this call"))
        .build_unchecked();
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    }
}
