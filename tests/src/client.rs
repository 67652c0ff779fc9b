//! Driving a connector binary with rmcp's client over stdio, in either protocol era.

use std::path::Path;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, ElicitationCapability, Implementation, ProtocolVersion, Tool,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, NotificationContext, RequestContext, RunningService,
};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceError};

/// The MCP Apps extension, declared with the HTML media type.
const VIEWS: &str = "io.modelcontextprotocol/ui";
/// The tasks extension.
const TASKS: &str = "io.modelcontextprotocol/tasks";

/// Which protocol era the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// `initialize` handshake, 2025-11-25.
    Legacy,
    /// Stateless 2026-07-28 with `server/discover`.
    Modern,
}

pub struct Client {
    pub service: RunningService<RoleClient, Handler>,
    /// The connector's stderr, when captured.
    stderr: Option<tokio::process::ChildStderr>,
    /// The connector's process id.
    pub pid: u32,
}

/// The client side of server requests: answers elicitations the way a user would, when told to.
#[derive(Clone)]
pub struct Handler {
    config: ClientConfig,
    /// `Some(yes)`: declares elicitation and answers every question with `yes`.
    answer: Option<bool>,
    /// The messages the server asked the user.
    pub asked: Arc<Mutex<Vec<String>>>,
    /// How many `notifications/tools/list_changed` arrived.
    pub list_changed: Arc<AtomicUsize>,
    /// The messages of the progress notifications that arrived.
    pub progress: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Handler {
    fn get_info(&self) -> ClientConfig {
        self.config.clone()
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed.fetch_add(1, Ordering::SeqCst);
    }

    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let message = params.message.unwrap_or_default();
        self.progress.lock().unwrap().push(message);
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = &request {
            self.asked.lock().unwrap().push(message.clone());
        }
        Ok(match self.answer {
            Some(true) => ElicitResult::new(ElicitationAction::Accept)
                .with_content(serde_json::json!({"confirm": true})),
            _ => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

impl Client {
    /// Spawns `binary` with `env` (and nothing inherited but PATH) and connects in `era`.
    pub async fn start(binary: &Path, env: &[(&str, String)], era: Era) -> Client {
        Client::spawn(binary, env, era, false, None, &[]).await
    }

    /// Like [`Client::start`], keeping the connector's stderr for [`Client::close_reading_stderr`].
    pub async fn start_capturing(binary: &Path, env: &[(&str, String)], era: Era) -> Client {
        Client::spawn(binary, env, era, true, None, &[]).await
    }

    /// Like [`Client::start`], for a client that supports elicitation and answers every question
    /// with `answer` (accept and confirm, or decline).
    pub async fn start_answering(
        binary: &Path,
        env: &[(&str, String)],
        era: Era,
        answer: bool,
    ) -> Client {
        Client::spawn(binary, env, era, false, Some(answer), &[]).await
    }

    /// Like [`Client::start`], for a client that renders MCP Apps views (it declares the
    /// `io.modelcontextprotocol/ui` extension with the HTML media type).
    pub async fn start_rendering_views(binary: &Path, env: &[(&str, String)], era: Era) -> Client {
        Client::spawn(binary, env, era, false, None, &[VIEWS]).await
    }

    /// Like [`Client::start`], for a client that uses MCP tasks (it declares the
    /// `io.modelcontextprotocol/tasks` extension).
    pub async fn start_with_tasks(binary: &Path, env: &[(&str, String)], era: Era) -> Client {
        Client::spawn(binary, env, era, false, None, &[TASKS]).await
    }

    /// How many times the server said its tool list changed.
    pub fn list_changes(&self) -> usize {
        self.service.service().list_changed.load(Ordering::SeqCst)
    }

    /// What the server asked the user so far.
    pub fn asked(&self) -> Vec<String> {
        self.service.service().asked.lock().unwrap().clone()
    }

    async fn spawn(
        binary: &Path,
        env: &[(&str, String)],
        era: Era,
        capture: bool,
        answer: Option<bool>,
        extensions: &[&str],
    ) -> Client {
        let mut command = tokio::process::Command::new(binary);
        command.env_clear();
        if let Ok(path) = std::env::var("PATH") {
            command.env("PATH", path);
        }
        for (k, v) in env {
            command.env(k, v);
        }
        let stderr_mode = if capture {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::inherit()
        };
        let (transport, stderr) = TokioChildProcess::builder(command)
            .stderr(stderr_mode)
            .spawn()
            .expect("spawn connector");
        let pid = transport.id().expect("the connector runs");
        let mut capabilities = ClientCapabilities::default();
        if answer.is_some() {
            capabilities.elicitation = Some(ElicitationCapability::default());
        }
        if !extensions.is_empty() {
            let declared = extensions.iter().map(|id| {
                let mut settings = serde_json::Map::new();
                if *id == VIEWS {
                    settings.insert(
                        "mimeTypes".into(),
                        serde_json::json!(["text/html;profile=mcp-app"]),
                    );
                }
                (id.to_string(), settings)
            });
            capabilities.extensions = Some(declared.collect());
        }
        let config = ClientConfig::new(capabilities, Implementation::new("mcpgen-e2e", "0.1.0"))
            .with_protocol_version(ProtocolVersion::V_2025_11_25);
        let handler = Handler {
            config,
            answer,
            asked: Arc::default(),
            list_changed: Arc::default(),
            progress: Arc::default(),
        };
        let lifecycle = match era {
            Era::Legacy => ClientLifecycleMode::Initialize,
            Era::Modern => ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        };
        let service = handler
            .serve_with_lifecycle(transport, lifecycle)
            .await
            .expect("MCP session starts");
        Client {
            service,
            stderr,
            pid,
        }
    }

    pub async fn tools(&self) -> Vec<Tool> {
        self.service.list_all_tools().await.expect("tools/list")
    }

    pub async fn call(
        &self,
        name: &str,
        args: serde_json::Value,
    ) -> Result<CallToolResult, ServiceError> {
        let serde_json::Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        self.service
            .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
            .await
    }

    /// Calls `name` with a progress token, so the server may report progress.
    pub async fn call_with_progress(
        &self,
        name: &str,
        args: serde_json::Value,
    ) -> Result<CallToolResult, ServiceError> {
        let serde_json::Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        let mut meta = rmcp::model::RequestMetaObject::default();
        meta.set_progress_token(rmcp::model::ProgressToken(
            rmcp::model::NumberOrString::String("call-1".into()),
        ));
        let mut params = CallToolRequestParams::new(name.to_string()).with_arguments(args);
        params.meta = Some(meta);
        self.service.call_tool(params).await
    }

    /// The messages of the progress notifications received so far.
    pub fn progress(&self) -> Vec<String> {
        self.service.service().progress.lock().unwrap().clone()
    }

    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }

    /// Ends the session and returns everything the connector wrote to stderr.
    pub async fn close_reading_stderr(mut self) -> String {
        use tokio::io::AsyncReadExt;
        let stderr = self.stderr.take();
        let _ = self.service.cancel().await;
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                stderr.read_to_string(&mut text),
            )
            .await;
        }
        text
    }
}

/// The text of a result's first content block.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .find_map(|c| c.as_text().map(|t| t.text.clone()))
        .unwrap_or_default()
}
