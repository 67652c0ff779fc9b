//! One tool call, start to end: validate the arguments, choose credentials, build the request,
//! send it (with timeout, cancellation and bounded retries), and map the response.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use crate::Hooks;
use crate::auth::{self, TokenCache};
use crate::config::Config;
use crate::request;
use crate::response::{self, Received, ToolOutput};
use crate::table::{Connector, Method, Tool};

/// What every call shares: the one tool table, configuration, HTTP client and token cache.
pub struct Engine {
    pub connector: &'static Connector,
    pub config: Config,
    pub hooks: Hooks,
    pub http: reqwest::Client,
    pub tokens: TokenCache,
    /// Compiled input-schema validators, built on a tool's first call.
    validators: Vec<OnceLock<Result<jsonschema::Validator, String>>>,
    /// Parsed input schemas, built on first listing.
    schemas: Vec<OnceLock<Arc<Map<String, Value>>>>,
    /// Tool calls running now, so a shutdown can wait for them.
    in_flight: AtomicUsize,
    finished: Notify,
}

/// Counts a call as in flight for as long as it lives.
struct InFlight<'a>(&'a Engine);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.finished.notify_waiters();
    }
}

/// How often a 429/503 with `Retry-After` is retried, and the longest wait accepted.
const MAX_RETRIES: usize = 2;
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

impl Engine {
    pub fn new(connector: &'static Connector, config: Config, hooks: Hooks) -> Engine {
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .redirect(same_origin_redirects())
            .user_agent(format!("{}/mcpgen", connector.name))
            .build()
            .unwrap_or_default();
        let n = connector.tools.len();
        Engine {
            connector,
            config,
            hooks,
            http,
            tokens: TokenCache::default(),
            validators: (0..n).map(|_| OnceLock::new()).collect(),
            schemas: (0..n).map(|_| OnceLock::new()).collect(),
            in_flight: AtomicUsize::new(0),
            finished: Notify::new(),
        }
    }

    /// Waits until no tool call is running, or `bound` has passed; says whether all finished.
    pub async fn drain(&self, bound: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let finished = self.finished.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, finished).await.is_err() {
                return self.in_flight.load(Ordering::SeqCst) == 0;
            }
        }
    }

    /// Whether the API answers at all (any HTTP status will do): for readiness probes.
    pub async fn probe_upstream(&self) -> Result<(), String> {
        let base = self.config.base_url_for(self.connector, &[])?;
        match self
            .http
            .head(&base)
            .timeout(Duration::from_secs(3))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(format!(
                "{base}: {}",
                response::describe_transport_error(&e)
            )),
        }
    }

    pub fn tool_index(&self, name: &str) -> Option<usize> {
        self.connector.tools.iter().position(|t| t.name == name)
    }

    /// The input schema of tool `index` as a JSON object, parsed once.
    pub fn input_schema(&self, index: usize) -> Arc<Map<String, Value>> {
        self.schemas[index]
            .get_or_init(|| {
                let text = self.connector.tools[index].input_schema;
                Arc::new(serde_json::from_str(text).unwrap_or_default())
            })
            .clone()
    }

    /// Checks `args` against tool `index`'s input schema; the error names each bad argument.
    pub fn validate(&self, index: usize, args: &Value) -> Result<(), String> {
        let validator = self.validators[index].get_or_init(|| {
            let schema = Value::Object((*self.input_schema(index)).clone());
            jsonschema::draft202012::new(&schema).map_err(|e| e.to_string())
        });
        let validator = match validator {
            Ok(v) => v,
            // The generator checks schemas; should one still not compile, do not block the call.
            Err(_) => return Ok(()),
        };
        let problems: Vec<String> = validator
            .iter_errors(args)
            .map(|e| {
                let path = e.instance_path().to_string();
                let arg = path.trim_start_matches('/').split('/').next().unwrap_or("");
                if arg.is_empty() {
                    format!("- {e}")
                } else {
                    format!("- argument `{}`: {e}", path.trim_start_matches('/'))
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "Invalid arguments for `{}` (nothing was sent):\n{}",
                self.connector.tools[index].name,
                problems.join("\n")
            ))
        }
    }

    /// Runs tool `index` with `args`; cancelling `cancel` aborts the upstream request.
    pub async fn call(
        &self,
        index: usize,
        args: Map<String, Value>,
        forwarded: &[(String, String)],
        cancel: CancellationToken,
    ) -> ToolOutput {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _in_flight = InFlight(self);
        let tool = &self.connector.tools[index];
        let args_value = Value::Object(args);
        if let Err(message) = self.validate(index, &args_value) {
            return ToolOutput::error(message);
        }
        let Value::Object(mut args) = args_value else {
            unreachable!()
        };
        apply_overrides(tool, &mut args);
        let output = tokio::select! {
            output = self.execute(index, &args, forwarded) => output,
            () = cancel.cancelled() => ToolOutput::error(format!("`{}` was cancelled", tool.name)),
        };
        match self.hooks.after_response {
            Some(hook) => hook(tool, output),
            None => output,
        }
    }

    async fn execute(
        &self,
        index: usize,
        args: &Map<String, Value>,
        forwarded: &[(String, String)],
    ) -> ToolOutput {
        let tool: &'static Tool = &self.connector.tools[index];
        let selected = match auth::select(self.connector, tool, &self.config) {
            Ok(s) => s,
            Err(message) => return ToolOutput::error(message),
        };
        let base = match self.config.base_url_for(self.connector, tool.servers) {
            Ok(b) => b,
            Err(message) => return ToolOutput::error(message),
        };
        let retry_on_401 = auth::uses_oauth(&selected);
        let schema = self.input_schema(index);
        let body_schema = schema.get("properties").and_then(|p| p.get("body"));
        let timeout = tool
            .timeout_secs
            .map(Duration::from_secs)
            .unwrap_or(self.config.timeout);
        let mut refresh = false;
        let mut attempt = 0;
        loop {
            let mut prepared =
                match request::build(tool, &base, args, body_schema, &self.config.file_roots) {
                    Ok(p) => p,
                    Err(message) => {
                        return ToolOutput::error(format!(
                            "Invalid arguments for `{}`: {message}",
                            tool.name
                        ));
                    }
                };
            if let Err(message) = auth::apply(
                &mut prepared,
                &selected,
                &self.tokens,
                &self.http,
                self.connector,
                &self.config,
                refresh,
            )
            .await
            {
                return ToolOutput::error(scrub(&message, &prepared.secrets));
            }
            // Per-caller headers win over the connector's own credentials for this call.
            for (name, value) in forwarded {
                prepared.set_header(name, value);
                prepared.secrets.push(value.clone());
            }
            if let Some(hook) = self.hooks.before_request {
                hook(tool, &mut prepared);
            }
            let builder = match prepared.to_reqwest(&self.http) {
                Ok(b) => b.timeout(timeout),
                Err(message) => {
                    return ToolOutput::error(scrub(
                        &format!("Invalid arguments for `{}`: {message}", tool.name),
                        &prepared.secrets,
                    ));
                }
            };
            info!(tool = tool.name, method = prepared.method, url = %prepared.url, "calling the API");
            let response = match builder.send().await {
                Ok(r) => r,
                Err(e) => {
                    let what = if e.is_timeout() {
                        match tool.timeout_secs {
                            Some(secs) => format!(
                                "timed out after {secs} s (the overrides file sets `timeout_secs` for this tool)"
                            ),
                            None => format!(
                                "timed out after {} s (raise {} if the API is this slow)",
                                timeout.as_secs_f64(),
                                crate::config::timeout_var(self.connector)
                            ),
                        }
                    } else {
                        response::describe_transport_error(&e)
                    };
                    return ToolOutput::error(scrub(
                        &format!(
                            "`{}`: {} {} {what}",
                            tool.name, prepared.method, prepared.url
                        ),
                        &prepared.secrets,
                    ));
                }
            };
            let status = response.status();
            debug!(tool = tool.name, status = status.as_u16(), "API answered");
            if status.as_u16() == 401 && retry_on_401 && !refresh {
                refresh = true;
                continue;
            }
            if matches!(status.as_u16(), 429 | 503)
                && is_idempotent(tool.method)
                && attempt < MAX_RETRIES
                && let Some(wait) = retry_after(response.headers())
                && wait <= MAX_RETRY_WAIT
            {
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            if status.is_redirection() {
                // Only a redirect the policy refused gets here: it leaves the API's origin.
                let target = header("location").unwrap_or_default();
                return scrub_output(
                    ToolOutput::error(format!(
                        "`{}`: HTTP {} {}: the API redirects to {target}, which is outside its origin; \
                         redirects are followed only within the API's origin (credentials must not travel on), so nothing more was fetched",
                        tool.name,
                        status.as_u16(),
                        status.canonical_reason().unwrap_or("")
                    )),
                    &prepared.secrets,
                );
            }
            let content_type = header("content-type");
            let request_id = header("x-request-id").or_else(|| header("x-correlation-id"));
            let reason = status.canonical_reason().unwrap_or("").to_string();
            let body = match response.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    return ToolOutput::error(format!(
                        "`{}`: {}",
                        tool.name,
                        response::describe_transport_error(&e)
                    ));
                }
            };
            let output = response::map(
                &Received {
                    status: status.as_u16(),
                    reason: &reason,
                    content_type: content_type.as_deref(),
                    request_id: request_id.as_deref(),
                    body: &body,
                },
                tool.name,
                &response::Budget::for_tool(
                    tool,
                    tool.response_limit.unwrap_or(self.config.response_limit),
                ),
            );
            return scrub_output(output, &prepared.secrets);
        }
    }
}

/// What the overrides file asks for, after validation: renamed body fields get their wire names
/// back, fixed values are set, defaults fill gaps.
fn apply_overrides(tool: &Tool, args: &mut Map<String, Value>) {
    if let Some(body) = &tool.body
        && !body.renames.is_empty()
        && let Some(Value::Object(fields)) = args.get_mut("body")
    {
        *fields = std::mem::take(fields)
            .into_iter()
            .map(
                |(k, v)| match body.renames.iter().find(|(arg, _)| *arg == k) {
                    Some((_, wire)) => (wire.to_string(), v),
                    None => (k, v),
                },
            )
            .collect();
    }
    for preset in tool.presets {
        // The generator wrote this JSON; it always parses.
        let Ok(value) = serde_json::from_str::<Value>(preset.value) else {
            continue;
        };
        let Some((last, parents)) = preset.path.split_last() else {
            if preset.fixed || !args.contains_key(preset.arg) {
                args.insert(preset.arg.to_string(), value);
            }
            continue;
        };
        if !preset.fixed && !args.contains_key(preset.arg) {
            // A default for a field of a body the model did not send: there is nothing to fill.
            continue;
        }
        let mut at = args
            .entry(preset.arg.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        for name in parents {
            let Value::Object(map) = at else { break };
            at = map
                .entry(name.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        if let Value::Object(map) = at
            && (preset.fixed || !map.contains_key(*last))
        {
            map.insert(last.to_string(), value);
        }
    }
}

fn is_idempotent(method: Method) -> bool {
    matches!(
        method,
        Method::Get | Method::Head | Method::Put | Method::Delete | Method::Options
    )
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Redirects are followed only within the origin of the request (credentials must not travel on).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        let same = first.origin() == attempt.url().origin();
        if attempt.previous().len() > 5 || !same {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// Replaces every credential value in `text`.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(s.as_str(), "[redacted]");
    }
    text
}

fn scrub_output(mut output: ToolOutput, secrets: &[String]) -> ToolOutput {
    for part in &mut output.parts {
        if let response::Part::Text(t) = part {
            *t = scrub(t, secrets);
        }
    }
    output
}
