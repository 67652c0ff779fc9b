//! Requests for a method the protocol knows whose `params` do not fit it (`arguments` that is not
//! an object, say). rmcp cannot parse them as that method, so they reach the server as unknown
//! ("custom") requests; answering those with "method not found" (-32601) would be wrong, so a
//! known method gets "invalid params" (-32602), naming what is wrong where serde can say.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolRequestMethod, CallToolRequestParams, CancelTaskMethod, CompleteRequestMethod,
    ConstString, CustomRequest, DiscoverRequestMethod, ErrorCode, GetPromptRequestMethod,
    GetSkillRequestMethod, GetTaskMethod, InitializeResultMethod, ListPromptsRequestMethod,
    ListResourceTemplatesRequestMethod, ListResourcesRequestMethod, ListSkillsRequestMethod,
    ListToolsRequestMethod, PingRequestMethod, ReadResourceDirectoryRequestMethod,
    ReadResourceRequestMethod, SetLevelRequestMethod, SubscribeRequestMethod,
    SubscriptionsListenRequestMethod, UnsubscribeRequestMethod, UpdateTaskMethod,
};

/// Every request method a client may send that rmcp parses into a typed request.
const KNOWN: &[&str] = &[
    PingRequestMethod::VALUE,
    InitializeResultMethod::VALUE,
    DiscoverRequestMethod::VALUE,
    CompleteRequestMethod::VALUE,
    SetLevelRequestMethod::VALUE,
    GetPromptRequestMethod::VALUE,
    ListPromptsRequestMethod::VALUE,
    ListResourcesRequestMethod::VALUE,
    ListResourceTemplatesRequestMethod::VALUE,
    ReadResourceRequestMethod::VALUE,
    SubscriptionsListenRequestMethod::VALUE,
    SubscribeRequestMethod::VALUE,
    UnsubscribeRequestMethod::VALUE,
    CallToolRequestMethod::VALUE,
    ListToolsRequestMethod::VALUE,
    GetTaskMethod::VALUE,
    UpdateTaskMethod::VALUE,
    CancelTaskMethod::VALUE,
    ListSkillsRequestMethod::VALUE,
    GetSkillRequestMethod::VALUE,
    ReadResourceDirectoryRequestMethod::VALUE,
];

/// The error for a request rmcp could not type: invalid params for a known method, method not
/// found otherwise.
pub(super) fn error(request: &CustomRequest) -> McpError {
    let method = request.method.as_str();
    if !KNOWN.contains(&method) {
        return McpError::new(ErrorCode::METHOD_NOT_FOUND, method.to_string(), None);
    }
    let why = match (method, &request.params) {
        (CallToolRequestMethod::VALUE, Some(params)) => {
            serde_json::from_value::<CallToolRequestParams>(params.clone())
                .err()
                .map(|e| format!(": {e} (`arguments` must be an object)"))
        }
        _ => None,
    };
    McpError::invalid_params(
        format!("invalid params for `{method}`{}", why.unwrap_or_default()),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_methods_get_invalid_params_others_method_not_found() {
        let bad = CustomRequest::new(
            "tools/call",
            Some(json!({"name": "x", "arguments": [1, 2]})),
        );
        let e = error(&bad);
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert!(e.message.contains("must be an object"), "{}", e.message);
        let unknown = CustomRequest::new("acme/frobnicate", None);
        assert_eq!(error(&unknown).code, ErrorCode::METHOD_NOT_FOUND);
    }
}
