//! Tasks (extension `io.modelcontextprotocol/tasks`, SEP-2663): a call to a long-running tool
//! from a client that declared the extension returns a task at once and runs on; the client
//! polls `tasks/get`, which inlines the result when it is done, and may `tasks/cancel` it. Each
//! task belongs to its caller — the subject of its OAuth token, else its session — and answers
//! no one else (an unknown task and another's look the same). Tasks live in memory for
//! `TTL` after they are created; each caller may hold `MAX_PER_CALLER` at once. On shutdown,
//! running tasks are cancelled with the process: their upstream requests are dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rmcp::ErrorData as McpError;
use rmcp::RoleServer;
use rmcp::model::{
    CallToolResponse, CreateTaskResult, DetailedTask, GetTaskResult, JsonObject, Task, TaskPayload,
    TaskStatus,
};
use rmcp::service::RequestContext;
use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::layer::Session;
use crate::protect::Principal;

/// How long a task is kept after it is created: long enough for an export or a report, short
/// enough that results do not pile up.
pub(crate) const TTL: Duration = Duration::from_secs(3600);
/// How often a client should look, in the absence of better knowledge.
const POLL_INTERVAL_MS: u64 = 1000;
/// Tasks one caller may hold at once (running or finished, until they expire).
pub(crate) const MAX_PER_CALLER: usize = 64;

/// The tasks of this process.
#[derive(Default)]
pub(crate) struct Tasks {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    owner: String,
    task: Task,
    payload: TaskPayload,
    expires: Instant,
    cancel: CancellationToken,
}

/// Marks a call that runs as a task: its progress becomes the task's status message.
#[derive(Clone)]
pub(crate) struct InTask {
    pub(crate) tasks: std::sync::Arc<Tasks>,
    pub(crate) id: String,
}

/// Whether this request's client declared the tasks extension (in `initialize`, or in the
/// request's `_meta` for 2026-07-28).
pub(crate) fn client_uses_tasks(context: &RequestContext<RoleServer>) -> bool {
    context
        .client_capabilities()
        .is_some_and(|c| c.supports_tasks())
}

/// Who is asking: the subject of the caller's OAuth token, else its session; requests without
/// either (stateless, unauthenticated) share one owner, and their task ids — 122 random bits —
/// are the only key.
pub(crate) fn owner(context: &RequestContext<RoleServer>, session: &Session) -> String {
    let subject = context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>());
    match subject {
        Some(Principal(subject)) => format!("subject {subject}"),
        None if super::is_stateless(context) => "anyone".into(),
        None => format!("session {}", session.id()),
    }
}

fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn unknown(task_id: &str) -> McpError {
    McpError::invalid_params(
        format!("no task `{task_id}` (it may have expired, or belong to another caller)"),
        Some(json!({"taskId": task_id})),
    )
}

impl Tasks {
    /// A new working task for `owner`, and the token that cancels its work; refused when the
    /// owner holds too many.
    pub(crate) fn create(
        &self,
        owner: &str,
    ) -> Result<(CreateTaskResult, CancellationToken), McpError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now_instant = Instant::now();
        entries.retain(|_, e| e.expires > now_instant);
        let held = entries.values().filter(|e| e.owner == owner).count();
        if held >= MAX_PER_CALLER {
            return Err(McpError::invalid_request(
                format!(
                    "this caller holds {held} tasks, the most it may; wait for some to expire ({} min after they started) or cancel them",
                    TTL.as_secs() / 60
                ),
                None,
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let stamp = now();
        let task = Task::new(&id, TaskStatus::Working, &stamp, &stamp)
            .with_ttl_ms(TTL.as_millis() as u64)
            .with_poll_interval_ms(POLL_INTERVAL_MS);
        let cancel = CancellationToken::new();
        entries.insert(
            id,
            Entry {
                owner: owner.to_string(),
                task: task.clone(),
                payload: TaskPayload::Working,
                expires: now_instant + TTL,
                cancel: cancel.clone(),
            },
        );
        Ok((CreateTaskResult::new(task), cancel))
    }

    /// Records how the task's work ended; a cancelled task stays cancelled.
    pub(crate) fn finish(&self, task_id: &str, payload: TaskPayload) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get_mut(task_id) {
            if entry.payload.status().is_terminal() {
                return;
            }
            entry.payload = payload;
            entry.task.status = entry.payload.status();
            entry.task.last_updated_at = now();
        }
    }

    /// Records progress on a working task, as its status message.
    pub(crate) fn report(&self, task_id: &str, message: String) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get_mut(task_id)
            && !entry.payload.status().is_terminal()
        {
            entry.task.status_message = Some(message);
            entry.task.last_updated_at = now();
        }
    }

    /// `tasks/get`: the task of `owner`, its result inlined once there is one.
    pub(crate) fn get(&self, task_id: &str, owner: &str) -> Result<GetTaskResult, McpError> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries
            .get(task_id)
            .filter(|e| e.owner == owner && e.expires > Instant::now())
            .ok_or_else(|| unknown(task_id))?;
        Ok(GetTaskResult::new(DetailedTask::new(
            entry.task.clone(),
            entry.payload.clone(),
        )))
    }

    /// `tasks/cancel`: stops a working task of `owner` (its upstream request is dropped); a
    /// finished one is left as it is.
    pub(crate) fn cancel(&self, task_id: &str, owner: &str) -> Result<(), McpError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries
            .get_mut(task_id)
            .filter(|e| e.owner == owner && e.expires > Instant::now())
            .ok_or_else(|| unknown(task_id))?;
        if !entry.payload.status().is_terminal() {
            entry.cancel.cancel();
            entry.payload = TaskPayload::Cancelled;
            entry.task.status = TaskStatus::Cancelled;
            entry.task.status_message = Some("cancelled by the client".into());
            entry.task.last_updated_at = now();
        }
        Ok(())
    }
}

/// How a task's work ended, as its payload: a tool result (an error result included) is
/// `completed`; a protocol error or a crash is `failed`.
pub(crate) fn payload(outcome: Result<Result<CallToolResponse, McpError>, String>) -> TaskPayload {
    let failed = |code: i32, message: String| {
        let mut error = JsonObject::new();
        error.insert("code".into(), json!(code));
        error.insert("message".into(), json!(message));
        TaskPayload::Failed { error }
    };
    match outcome {
        Ok(Ok(CallToolResponse::Complete(result))) => match serde_json::to_value(result) {
            Ok(serde_json::Value::Object(mut result)) => {
                result.remove("resultType");
                TaskPayload::Completed { result }
            }
            _ => failed(-32603, "the result could not be encoded".into()),
        },
        Ok(Ok(_)) => failed(
            -32603,
            "the call asked for input, which a task cannot take here; call the tool without a task"
                .into(),
        ),
        Ok(Err(e)) => failed(e.code.0, e.message.to_string()),
        Err(crash) => failed(-32603, format!("the call failed: {crash}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_answers_its_owner_only_and_cancelling_is_idempotent() {
        let tasks = Tasks::default();
        let (created, cancel) = tasks.create("session 1").unwrap();
        let id = created.task.task_id.clone();
        assert_eq!(created.task.ttl_ms, Some(TTL.as_millis() as u64));
        assert!(tasks.get(&id, "session 1").is_ok());
        let theirs = tasks.get(&id, "session 2").unwrap_err();
        let none = tasks.get("no-such-task", "session 2").unwrap_err();
        assert_eq!(theirs.code, none.code, "another's task looks unknown");
        assert!(tasks.cancel(&id, "session 2").is_err());

        tasks.cancel(&id, "session 1").unwrap();
        assert!(cancel.is_cancelled());
        tasks.finish(&id, TaskPayload::Working);
        let got = tasks.get(&id, "session 1").unwrap();
        assert_eq!(
            got.task.task.status,
            TaskStatus::Cancelled,
            "stays cancelled"
        );
        tasks.cancel(&id, "session 1").unwrap();
    }

    #[test]
    fn a_caller_holds_a_bounded_number_of_tasks() {
        let tasks = Tasks::default();
        for _ in 0..MAX_PER_CALLER {
            tasks.create("subject a").unwrap();
        }
        assert!(tasks.create("subject a").is_err());
        assert!(tasks.create("subject b").is_ok(), "others are not affected");
    }
}
