//! The engine runs one tool call, start to end: check the arguments, choose credentials,
//! prepare the request, send it (within the tool's timeout, cancellable, retried as
//! [`crate::retry`] allows, and never more than `PREFIX_CONCURRENCY` requests at once), read at
//! most the budget's worth of the answer and map it — with credentials scrubbed from whatever
//! the client sees, hooks' additions included.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use crate::accepted::{self, Progress};
use crate::api_client::ApiClient;
use crate::arguments::{self, Schemas};
use crate::auth;
use crate::config::Config;
use crate::config::Selected;
use crate::error::Error;
use crate::hooks::DynHooks;
use crate::request::{self, Prepared};
use crate::response::{self, Part, Received, ToolOutput};
use crate::retry;
use crate::scrub::Secrets;
use crate::table::{Connector, Tool};
use crate::tokens::TokenCache;

/// What every call shares: the one tool table, configuration, HTTP client and token cache.
pub(crate) struct Engine {
    pub(crate) connector: &'static Connector,
    pub(crate) config: Config,
    hooks: Box<dyn DynHooks>,
    http: ApiClient,
    tokens: TokenCache,
    schemas: Schemas,
    /// One permit per request the API may be sent at once.
    upstream: Arc<Semaphore>,
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

/// Where and how one tool's calls go: decided once per call, before any attempt.
struct Route {
    selected: Vec<Selected>,
    base_url: String,
    timeout: Duration,
    /// When the call's time is up, all attempts and waits included.
    deadline: Instant,
}

/// Why an attempt got no answer.
enum Failure {
    /// The request could not be built (a header a hook set cannot be sent): the message says why.
    Invalid(String),
    Transport(reqwest::Error),
}

/// What to do after an attempt.
enum Next {
    Answer(reqwest::Response),
    Fail(ToolOutput),
    RetryWithFreshToken,
    /// Try again after this wait.
    Retry(Duration),
}

impl Engine {
    pub(crate) fn new(
        connector: &'static Connector,
        config: Config,
        hooks: Box<dyn DynHooks>,
    ) -> Result<Engine, Error> {
        let http = ApiClient::start(format!("{}/mcpgen", connector.name));
        let tokens = TokenCache::new(http.clone(), config.base_url_for(connector, &[]));
        let upstream = Arc::new(Semaphore::new(config.concurrency));
        Ok(Engine {
            connector,
            config,
            hooks,
            http,
            tokens,
            schemas: Schemas::new(connector),
            upstream,
            in_flight: AtomicUsize::new(0),
            finished: Notify::new(),
        })
    }

    /// Waits until no tool call is running, or `bound` has passed; says whether all finished.
    pub(crate) async fn drain(&self, bound: Duration) -> bool {
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
    pub(crate) async fn probe_upstream(&self) -> Result<(), String> {
        let base = self.config.base_url_for(self.connector, &[])?;
        match self
            .http
            .get()?
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

    pub(crate) fn tool_index(&self, name: &str) -> Option<usize> {
        self.connector.tools.iter().position(|t| t.name == name)
    }

    /// The input schema of tool `index` as a JSON object, parsed once.
    pub(crate) fn input_schema(&self, index: usize) -> Arc<Map<String, Value>> {
        self.schemas.input_schema(index)
    }

    /// Checks `args` against tool `index`'s input schema; the error names each bad argument.
    pub(crate) fn validate(&self, index: usize, args: &Value) -> Result<(), String> {
        // Integers beyond 64 bits travel marked; the schema sees them as numbers.
        match crate::bigint::approximate(args) {
            Some(numbers) => self.schemas.validate(index, &numbers),
            None => self.schemas.validate(index, args),
        }
    }

    /// Runs tool `index` with `args`, reporting long waits to `progress`; cancelling `cancel`
    /// aborts the upstream request (and the checks on an accepted one).
    pub(crate) async fn call(
        &self,
        index: usize,
        args: Map<String, Value>,
        forwarded: &[(String, String)],
        cancel: CancellationToken,
        progress: Progress,
    ) -> ToolOutput {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _in_flight = InFlight(self);
        let tool = &self.connector.tools[index];
        let mut args = Value::Object(args);
        if let Err(message) = self.validate(index, &args) {
            return ToolOutput::error(message);
        }
        let Value::Object(args) = &mut args else {
            return ToolOutput::error("arguments must be an object");
        };
        arguments::apply_presets(tool, args);
        let mut secrets = self.secrets();
        let output = tokio::select! {
            output = self.execute(tool, args, forwarded, &mut secrets, &progress) => output,
            () = cancel.cancelled() => ToolOutput::error(format!("`{}` was cancelled", tool.name)),
        };
        let output = secrets.scrub_output(output);
        // Hooks may add text; what leaves is scrubbed again.
        secrets.scrub_output(self.hooks.after_response(tool, output).await)
    }

    /// The secrets every result is scrubbed of: the configured credentials and the tokens in use.
    fn secrets(&self) -> Secrets {
        let mut secrets = self.config.secrets.clone();
        secrets.extend(&self.tokens.secrets());
        secrets
    }

    /// Sends the request for `args` until there is an answer to give: once more with a fresh
    /// OAuth token after a 401, and as [`crate::retry`] allows after a failed connection or an
    /// answer that says "not now". `secrets` gains what each request carried (forwarded headers,
    /// hooks' own).
    async fn execute(
        &self,
        tool: &'static Tool,
        args: &Map<String, Value>,
        forwarded: &[(String, String)],
        secrets: &mut Secrets,
        progress: &Progress,
    ) -> ToolOutput {
        let route = match self.route(tool) {
            Ok(r) => r,
            Err(message) => return ToolOutput::error(message),
        };
        let mut fresh_token = false;
        let mut retries = 0;
        loop {
            let prepared = self
                .prepare(tool, &route, args, forwarded, fresh_token)
                .await;
            // A token fetched just now is in use from here on.
            secrets.extend(&self.tokens.secrets());
            let prepared = match prepared {
                Ok(p) => p,
                Err(output) => return output,
            };
            secrets.extend(&Secrets::of(prepared.secrets.iter().map(String::as_str)));
            // The turn is held until the answer is read, and given back before any wait.
            let turn = match self.turn(tool, &route).await {
                Ok(turn) => turn,
                Err(output) => return output,
            };
            let sent = self.send(tool, &route, &prepared).await;
            let repeatable = retries < self.config.retries && retry::repeatable(tool, &prepared);
            match self.next(
                tool,
                &route,
                &prepared,
                sent,
                fresh_token,
                repeatable,
                retries,
            ) {
                Next::Answer(answer) => {
                    if answer.status() == reqwest::StatusCode::ACCEPTED
                        && let Some(url) = accepted::status_url(&prepared.url, answer.headers())
                    {
                        let wait = accepted::wait(answer.headers(), 1);
                        drop((answer, turn));
                        let first = (url, wait);
                        return self
                            .follow(tool, &route, &prepared, first, secrets, progress)
                            .await;
                    }
                    let output = self.answer(tool, answer, secrets).await;
                    drop(turn);
                    return with_attempts(output, retries + 1);
                }
                Next::Fail(output) => return with_attempts(output, retries + 1),
                Next::RetryWithFreshToken => fresh_token = true,
                Next::Retry(wait) => {
                    drop(turn);
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Checks on an accepted request at its status URL (`first` says where and after how long)
    /// until the API gives a final answer or the call's time is up.
    async fn follow(
        &self,
        tool: &Tool,
        route: &Route,
        original: &Prepared,
        first: (reqwest::Url, Duration),
        secrets: &Secrets,
        progress: &Progress,
    ) -> ToolOutput {
        let (mut url, mut wait) = first;
        let started = Instant::now();
        let mut check = 1;
        loop {
            if Instant::now() + wait >= route.deadline {
                let hint = match tool.timeout_secs {
                    Some(_) => "the overrides file sets `timeout_secs` for this tool".to_string(),
                    None => format!("raise {} to wait longer", self.config.names.timeout_secs()),
                };
                return ToolOutput::error(format!(
                    "`{}`: the API accepted the request (HTTP 202) and was still working on it when the tool's {} s were up ({hint}); it may still finish: its status is at {url}",
                    tool.name,
                    route.timeout.as_secs_f64()
                ));
            }
            progress.report(
                check,
                format!(
                    "The API accepted the request and is working on it; checking again in {:.1} s ({:.0} s so far)",
                    wait.as_secs_f64(),
                    started.elapsed().as_secs_f64()
                ),
            );
            tokio::time::sleep(wait).await;
            let request = accepted::check_request(original, &url);
            let turn = match self.turn(tool, route).await {
                Ok(turn) => turn,
                Err(output) => return output,
            };
            let response = match self.send(tool, route, &request).await {
                Ok(response) => response,
                Err(Failure::Transport(e)) => {
                    return self.transport_error(tool, route, &request, &e);
                }
                Err(Failure::Invalid(message)) => {
                    return ToolOutput::error(format!("`{}`: {message}", tool.name));
                }
            };
            if response.status() == reqwest::StatusCode::ACCEPTED {
                if let Some(next) = accepted::status_url(&request.url, response.headers()) {
                    url = next;
                }
                check += 1;
                wait = accepted::wait(response.headers(), check);
                continue;
            }
            let output = self.answer(tool, response, secrets).await;
            drop(turn);
            return output;
        }
    }

    /// Waits for a turn to send a request (at most `PREFIX_CONCURRENCY` at once), within the
    /// call's time.
    async fn turn(&self, tool: &Tool, route: &Route) -> Result<OwnedSemaphorePermit, ToolOutput> {
        let waiting = self.upstream.clone().acquire_owned();
        match tokio::time::timeout_at(route.deadline, waiting).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(ToolOutput::error(format!(
                "`{}` {}, waiting for its turn: {} requests to the API were running ({} allows that many at once)",
                tool.name,
                self.timeout_message(tool, route.timeout),
                self.config.concurrency,
                self.config.names.concurrency()
            ))),
        }
    }

    /// What an attempt's outcome calls for. A retry is chosen only when `repeatable` and its wait
    /// ends before the call's deadline.
    #[allow(clippy::too_many_arguments)]
    fn next(
        &self,
        tool: &Tool,
        route: &Route,
        prepared: &Prepared,
        sent: Result<reqwest::Response, Failure>,
        fresh_token: bool,
        repeatable: bool,
        retries: u32,
    ) -> Next {
        let fits = |wait: Duration| Instant::now() + wait < route.deadline;
        let response = match sent {
            Ok(response) => response,
            Err(Failure::Invalid(message)) => {
                return Next::Fail(ToolOutput::error(format!(
                    "Invalid arguments for `{}`: {message}",
                    tool.name
                )));
            }
            Err(Failure::Transport(e)) => {
                let wait = retry::backoff(retries);
                if repeatable && retry::connection_failed(&e) && fits(wait) {
                    return Next::Retry(wait);
                }
                return Next::Fail(self.transport_error(tool, route, prepared, &e));
            }
        };
        let status = response.status().as_u16();
        if status == 401 && auth::uses_oauth(&route.selected) && !fresh_token {
            return Next::RetryWithFreshToken;
        }
        if repeatable && retry::transient(status) {
            let wait =
                retry::retry_after(response.headers()).unwrap_or_else(|| retry::backoff(retries));
            if fits(wait) {
                return Next::Retry(wait);
            }
        }
        Next::Answer(response)
    }

    /// The credentials, base URL and timeout of a call to `tool`.
    fn route(&self, tool: &'static Tool) -> Result<Route, String> {
        let timeout = tool
            .timeout_secs
            .map(Duration::from_secs)
            .unwrap_or(self.config.timeout);
        Ok(Route {
            selected: auth::select(self.connector, tool, &self.config)?,
            base_url: self.config.base_url_for(self.connector, tool.servers)?,
            timeout,
            deadline: Instant::now() + timeout,
        })
    }

    /// The request as it will be sent: built from the arguments, with credentials, forwarded
    /// headers and the connector's hook applied.
    async fn prepare(
        &self,
        tool: &'static Tool,
        route: &Route,
        args: &Map<String, Value>,
        forwarded: &[(String, String)],
        fresh_token: bool,
    ) -> Result<Prepared, ToolOutput> {
        let mut prepared = self.build(tool, route, args).await.map_err(|message| {
            ToolOutput::error(format!("Invalid arguments for `{}`: {message}", tool.name))
        })?;
        if let Err(message) =
            auth::apply(&mut prepared, &route.selected, &self.tokens, fresh_token).await
        {
            // Scrubbed by the caller: a token endpoint may echo the client secret.
            return Err(ToolOutput::error(message));
        }
        // Per-caller headers win over the connector's own credentials for this call.
        for (name, value) in forwarded {
            prepared.set_header(name, value);
            prepared.secrets.push(value.clone());
        }
        self.hooks.before_request(tool, &mut prepared).await;
        Ok(prepared)
    }

    /// The request for `args`, with integers beyond 64 bits as the client wrote them. Where file
    /// roots are allowed, a `file:` argument is read, and reading blocks: the request is then
    /// built on the blocking pool, within the tool's timeout, so a slow file can hold neither an
    /// async thread nor the call past its time.
    async fn build(
        &self,
        tool: &'static Tool,
        route: &Route,
        args: &Map<String, Value>,
    ) -> Result<Prepared, String> {
        let roots = &self.config.file_roots;
        let mut prepared = if roots.is_empty() {
            request::build(tool, &route.base_url, args, roots)?
        } else {
            let (base, args, roots) = (route.base_url.clone(), args.clone(), roots.clone());
            let building =
                tokio::task::spawn_blocking(move || request::build(tool, &base, &args, &roots));
            match tokio::time::timeout_at(route.deadline, building).await {
                Ok(Ok(built)) => built?,
                Ok(Err(_)) => return Err("building the request failed".into()),
                Err(_) => {
                    return Err(format!(
                        "reading its file arguments took longer than the tool's timeout of {} s",
                        route.timeout.as_secs_f64()
                    ));
                }
            }
        };
        crate::bigint::restore(&mut prepared);
        Ok(prepared)
    }

    /// Sends one attempt, within the time the call has left.
    async fn send(
        &self,
        tool: &Tool,
        route: &Route,
        prepared: &Prepared,
    ) -> Result<reqwest::Response, Failure> {
        let builder = prepared
            .to_reqwest(self.http.get().map_err(Failure::Invalid)?)
            .map_err(Failure::Invalid)?;
        info!(tool = tool.name, method = prepared.method, url = %prepared.url, "calling the API");
        let left = route.deadline.saturating_duration_since(Instant::now());
        let response = builder
            .timeout(left)
            .send()
            .await
            .map_err(Failure::Transport)?;
        debug!(
            tool = tool.name,
            status = response.status().as_u16(),
            "API answered"
        );
        Ok(response)
    }

    /// A transport failure as the call's error.
    fn transport_error(
        &self,
        tool: &Tool,
        route: &Route,
        prepared: &Prepared,
        e: &reqwest::Error,
    ) -> ToolOutput {
        let what = if e.is_timeout() {
            self.timeout_message(tool, route.timeout)
        } else {
            response::describe_transport_error(e)
        };
        ToolOutput::error(format!(
            "`{}`: {} {} {what}",
            tool.name, prepared.method, prepared.url
        ))
    }

    fn timeout_message(&self, tool: &Tool, timeout: Duration) -> String {
        match tool.timeout_secs {
            Some(secs) => format!(
                "timed out after {secs} s (the overrides file sets `timeout_secs` for this tool)"
            ),
            None => format!(
                "timed out after {} s (raise {} if the API is this slow)",
                timeout.as_secs_f64(),
                self.config.names.timeout_secs()
            ),
        }
    }

    /// The answer as the model gets it: a refused redirect explained, anything else read within
    /// the tool's budget (text bodies scrubbed before they are cut, so no part of a secret
    /// survives a cut) and mapped.
    async fn answer(
        &self,
        tool: &Tool,
        response: reqwest::Response,
        secrets: &Secrets,
    ) -> ToolOutput {
        let status = response.status();
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
            return ToolOutput::error(format!(
                "`{}`: HTTP {} {}: the API redirects to {target}, which is outside its origin; \
                 redirects are followed only within the API's origin (credentials must not travel on), so nothing more was fetched",
                tool.name,
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ));
        }
        let content_type = header("content-type");
        let request_id = header("x-request-id").or_else(|| header("x-correlation-id"));
        let reason = status.canonical_reason().unwrap_or("").to_string();
        let declared_length = response.content_length();
        let budget = response::Budget::for_tool(
            tool,
            tool.response_limit.unwrap_or(self.config.response_limit),
        );
        let body = match response::read_body(response, budget.byte_cap()).await {
            Ok(b) => b,
            Err(e) => {
                return ToolOutput::error(format!(
                    "`{}`: {}",
                    tool.name,
                    response::describe_transport_error(&e)
                ));
            }
        };
        let bytes = secrets.scrub_body(body.bytes);
        let received = Received {
            status: status.as_u16(),
            reason: &reason,
            content_type: content_type.as_deref(),
            request_id: request_id.as_deref(),
            body: &bytes,
            cut: body.cut,
            declared_length,
        };
        response::map(&received, tool.name, &budget)
    }
}

/// A failed call says how often it was tried, when it was more than once.
fn with_attempts(mut output: ToolOutput, attempts: u32) -> ToolOutput {
    if output.is_error
        && attempts > 1
        && let Some(Part::Text(text)) = output.parts.first_mut()
    {
        text.push_str(&format!("\n\n(the API was tried {attempts} times)"));
    }
    output
}
