//! Requests for a method the server serves whose `params` do not fit it (`arguments` that is not
//! an object, say). rmcp cannot parse them as that method, so they reach the server as unknown
//! ("custom") requests; answering those with "method not found" (-32601) would be wrong, so they
//! get "invalid params" (-32602), naming what is wrong.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolRequestMethod, CallToolRequestParams, CompleteRequestMethod, CompleteRequestParams,
    ConstString, CustomRequest, ErrorCode, GetPromptRequestMethod, GetPromptRequestParams,
    ListPromptsRequestMethod, ListResourceTemplatesRequestMethod, ListResourcesRequestMethod,
    ListToolsRequestMethod, PaginatedRequestParams, ReadResourceRequestMethod,
    ReadResourceRequestParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why `params` do not fit `P`, if they do not.
fn misfit<P: DeserializeOwned>(params: &Option<Value>) -> Option<String> {
    let params = params
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    serde_json::from_value::<P>(params)
        .err()
        .map(|e| e.to_string())
}

/// Why a request's `params` do not fit its method, if they do not.
type Check = fn(&Option<Value>) -> Option<String>;

/// The methods this server serves in both protocol eras, each with its check of `params`. Other
/// methods reaching here are unknown, or removed in the request's era (2026-07-28 drops
/// `initialize`, `logging/setLevel`, …): "method not found" is right for them.
fn check(method: &str) -> Option<Check> {
    Some(match method {
        CallToolRequestMethod::VALUE => misfit::<CallToolRequestParams>,
        ListToolsRequestMethod::VALUE
        | ListPromptsRequestMethod::VALUE
        | ListResourcesRequestMethod::VALUE
        | ListResourceTemplatesRequestMethod::VALUE => misfit::<PaginatedRequestParams>,
        GetPromptRequestMethod::VALUE => misfit::<GetPromptRequestParams>,
        ReadResourceRequestMethod::VALUE => misfit::<ReadResourceRequestParams>,
        CompleteRequestMethod::VALUE => misfit::<CompleteRequestParams>,
        _ => return None,
    })
}

/// The error for a request rmcp could not type: invalid params when the method is one this
/// server serves and its params do not fit it, method not found otherwise.
pub(super) fn error(request: &CustomRequest) -> McpError {
    let method = request.method.as_str();
    let Some(why) = check(method).and_then(|misfit| misfit(&request.params)) else {
        return McpError::new(ErrorCode::METHOD_NOT_FOUND, method.to_string(), None);
    };
    let hint = if method == CallToolRequestMethod::VALUE {
        " (`arguments` must be an object)"
    } else {
        ""
    };
    McpError::invalid_params(format!("invalid params for `{method}`: {why}{hint}"), None)
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
        // A method of the other era, well-formed, is not found in this one.
        let removed = CustomRequest::new("logging/setLevel", Some(json!({"level": "debug"})));
        assert_eq!(error(&removed).code, ErrorCode::METHOD_NOT_FOUND);
        let fine = CustomRequest::new("tools/call", Some(json!({"name": "x"})));
        assert_eq!(error(&fine).code, ErrorCode::METHOD_NOT_FOUND);
    }
}
