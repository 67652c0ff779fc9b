//! Tasks (extension `io.modelcontextprotocol/tasks`, SEP-2663): a call to a long-running tool
//! from a client that declared the extension returns a task at once and runs on; the client
//! polls `tasks/get`, which inlines the result when it is done, and may `tasks/cancel` it. Each
//! task belongs to its caller — the subject of its OAuth token, else its session — and answers
//! no one else (an unknown task and another's look the same). Tasks are kept for `TTL` after
//! they are created; each caller may hold `MAX_PER_CALLER` at once. Their records live in a
//! [`Store`]: this process's memory, or a Redis the replicas share, so any replica answers for
//! a task another runs (and a cancel reaches the replica running it, which watches the record).
//! On shutdown, the work a process runs ends with it: its upstream requests are dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rmcp::ErrorData as McpError;
use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CreateTaskResult, DetailedTask, GetTaskResult,
    InputRequests, InputResponses, JsonObject, Task, TaskPayload, TaskStatus,
};
use rmcp::service::RequestContext;
use serde::{Deserialize, Serialize};
use serde_json::json;
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

/// The tasks: their records in a [`Store`], and the work this process runs for them.
pub(crate) struct Tasks {
    store: Store,
    /// The work this process runs, by task: cancelling a token stops its work.
    running: Mutex<HashMap<String, CancellationToken>>,
}

impl Default for Tasks {
    fn default() -> Self {
        Tasks::new(Store::Memory(Mutex::default()))
    }
}

/// One task as stored: whose it is, until when it is kept, and its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    owner: String,
    /// Milliseconds since the Unix epoch.
    expires_at: u64,
    task: Task,
    outcome: Outcome,
    /// The call the task runs, to run it again with the client's answers when it asks.
    call: StoredCall,
}

/// What is needed to call a tool again: its name and arguments, the state it sealed into its
/// last question, and the answers gathered so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct StoredCall {
    name: String,
    arguments: Option<JsonObject>,
    request_state: Option<String>,
    answered: InputResponses,
}

impl StoredCall {
    pub(crate) fn of(request: &CallToolRequestParams) -> StoredCall {
        StoredCall {
            name: request.name.to_string(),
            arguments: request.arguments.clone(),
            request_state: request.request_state.clone(),
            answered: request.input_responses.clone().unwrap_or_default(),
        }
    }

    /// The call once more, with every answer gathered.
    fn again(&self) -> CallToolRequestParams {
        let mut request = CallToolRequestParams::new(self.name.clone());
        request.arguments = self.arguments.clone();
        request.request_state = self.request_state.clone();
        request.input_responses = Some(self.answered.clone());
        request
    }
}

/// [`TaskPayload`] as it is stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Outcome {
    Working,
    InputRequired { input_requests: InputRequests },
    Completed { result: JsonObject },
    Failed { error: JsonObject },
    Cancelled,
}

impl Outcome {
    fn of(payload: TaskPayload) -> Outcome {
        match payload {
            TaskPayload::Completed { result } => Outcome::Completed { result },
            TaskPayload::Failed { error } => Outcome::Failed { error },
            TaskPayload::Cancelled => Outcome::Cancelled,
            TaskPayload::InputRequired { input_requests } => {
                Outcome::InputRequired { input_requests }
            }
            _ => Outcome::Working,
        }
    }

    fn payload(&self) -> TaskPayload {
        match self {
            Outcome::Working => TaskPayload::Working,
            Outcome::InputRequired { input_requests } => TaskPayload::InputRequired {
                input_requests: input_requests.clone(),
            },
            Outcome::Completed { result } => TaskPayload::Completed {
                result: result.clone(),
            },
            Outcome::Failed { error } => TaskPayload::Failed {
                error: error.clone(),
            },
            Outcome::Cancelled => TaskPayload::Cancelled,
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(
            self,
            Outcome::Completed { .. } | Outcome::Failed { .. } | Outcome::Cancelled
        )
    }
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

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Tasks {
    pub(crate) fn new(store: Store) -> Tasks {
        Tasks {
            store,
            running: Mutex::default(),
        }
    }

    /// A new working task for `owner`, and the token that cancels its work; refused when the
    /// owner holds too many.
    pub(crate) async fn create(
        &self,
        owner: &str,
        call: StoredCall,
    ) -> Result<(CreateTaskResult, CancellationToken), McpError> {
        let id = uuid::Uuid::new_v4().to_string();
        let stamp = now();
        let task = Task::new(&id, TaskStatus::Working, &stamp, &stamp)
            .with_ttl_ms(TTL.as_millis() as u64)
            .with_poll_interval_ms(POLL_INTERVAL_MS);
        let record = Record {
            owner: owner.to_string(),
            expires_at: unix_ms() + TTL.as_millis() as u64,
            task: task.clone(),
            outcome: Outcome::Working,
            call,
        };
        let held = self.store.insert(&id, &record).await?;
        if held > MAX_PER_CALLER {
            self.store.remove(&id, owner).await;
            return Err(McpError::invalid_request(
                format!(
                    "this caller holds {MAX_PER_CALLER} tasks, the most it may; wait for some to expire ({} min after they started) or cancel them",
                    TTL.as_secs() / 60
                ),
                None,
            ));
        }
        let cancel = CancellationToken::new();
        self.lock_running().insert(id, cancel.clone());
        Ok((CreateTaskResult::new(task), cancel))
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records how the task's work ended — done, or waiting for the client's answers — and a
    /// cancelled task stays cancelled.
    pub(crate) async fn finish(
        &self,
        task_id: &str,
        outcome: Result<Result<CallToolResponse, McpError>, String>,
    ) {
        self.lock_running().remove(task_id);
        let (outcome, state) = match outcome {
            Ok(Ok(CallToolResponse::InputRequired(asked))) => (
                Outcome::InputRequired {
                    input_requests: asked.input_requests.unwrap_or_default(),
                },
                Some(asked.request_state),
            ),
            other => (Outcome::of(payload(other)), None),
        };
        self.store
            .update(task_id, |record| {
                record.task.status = outcome.payload().status();
                record.outcome = outcome.clone();
                if let Some(state) = &state {
                    record.call.request_state.clone_from(state);
                }
            })
            .await;
    }

    /// `tasks/update`: the client's answers to a task of `owner` that asked; once every question
    /// is answered, the call to run again and the token that cancels it.
    pub(crate) async fn answer(
        &self,
        task_id: &str,
        owner: &str,
        responses: InputResponses,
    ) -> Result<Option<(CallToolRequestParams, CancellationToken)>, McpError> {
        let mut record = self.owned(task_id, owner).await?;
        let Outcome::InputRequired { input_requests } = &mut record.outcome else {
            return Err(McpError::invalid_params(
                format!("task `{task_id}` is not waiting for input"),
                Some(json!({"taskId": task_id})),
            ));
        };
        for (key, response) in responses {
            if input_requests.remove(&key).is_some() {
                record.call.answered.insert(key, response);
            }
        }
        let complete = input_requests.is_empty();
        if complete {
            record.outcome = Outcome::Working;
            record.task.status = TaskStatus::Working;
        }
        let updated = record.clone();
        self.store.update(task_id, |r| *r = updated.clone()).await;
        if !complete {
            return Ok(None);
        }
        let cancel = CancellationToken::new();
        self.lock_running()
            .insert(task_id.to_string(), cancel.clone());
        Ok(Some((record.call.again(), cancel)))
    }

    /// Records progress on a working task, as its status message.
    pub(crate) async fn report(&self, task_id: &str, message: String) {
        self.store
            .update(task_id, |record| {
                record.task.status_message = Some(message.clone())
            })
            .await;
    }

    /// The task's record, when it is `owner`'s and not expired.
    async fn owned(&self, task_id: &str, owner: &str) -> Result<Record, McpError> {
        self.store
            .load(task_id)
            .await
            .filter(|r| r.owner == owner && r.expires_at > unix_ms())
            .ok_or_else(|| unknown(task_id))
    }

    /// `tasks/get`: the task of `owner`, its result inlined once there is one.
    pub(crate) async fn get(&self, task_id: &str, owner: &str) -> Result<GetTaskResult, McpError> {
        let record = self.owned(task_id, owner).await?;
        Ok(GetTaskResult::new(DetailedTask::new(
            record.task,
            record.outcome.payload(),
        )))
    }

    /// `tasks/cancel`: stops a working task of `owner` — here, or in the replica that runs it,
    /// which sees the record change — and leaves a finished one as it is.
    pub(crate) async fn cancel(&self, task_id: &str, owner: &str) -> Result<(), McpError> {
        self.owned(task_id, owner).await?;
        self.store
            .update(task_id, |record| {
                record.outcome = Outcome::Cancelled;
                record.task.status = TaskStatus::Cancelled;
                record.task.status_message = Some("cancelled by the client".into());
            })
            .await;
        if let Some(token) = self.lock_running().remove(task_id) {
            token.cancel();
        }
        Ok(())
    }

    /// Stops this process's work on `task_id` once its record says it was cancelled (by
    /// another replica); ends when the work does.
    pub(crate) async fn watch(&self, task_id: &str, work: CancellationToken) {
        if matches!(self.store, Store::Memory(_)) {
            return;
        }
        while !work.is_cancelled() {
            tokio::time::sleep(WATCH_INTERVAL).await;
            let Some(record) = self.store.load(task_id).await else {
                return;
            };
            if matches!(record.outcome, Outcome::Cancelled) {
                work.cancel();
            }
            if record.outcome.is_terminal() {
                return;
            }
        }
    }
}

/// How often a replica looks whether another cancelled a task it runs.
const WATCH_INTERVAL: Duration = Duration::from_millis(250);

/// Where task records live: this process's memory, or a Redis the replicas share.
pub(crate) enum Store {
    Memory(Mutex<HashMap<String, Record>>),
    Redis {
        connection: redis::aio::ConnectionManager,
        /// Keys start with it: `mcpgen:CONNECTOR:`.
        prefix: String,
        /// The variable that names this Redis, for errors.
        variable: String,
    },
}

/// Changes a record unless the task has ended: a result never replaces a cancellation.
const UPDATE_UNLESS_ENDED: &str = r"
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local status = cjson.decode(current)['outcome']['status']
if status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1
";

impl Store {
    /// The shared store at `url`, for `connector`'s tasks.
    pub(crate) async fn redis(
        url: &str,
        connector: &str,
        variable: String,
    ) -> Result<Store, String> {
        let client = redis::Client::open(url).map_err(|e| format!("the tasks' Redis: {e}"))?;
        let connection = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|e| format!("the tasks' Redis does not answer: {e}"))?;
        Ok(Store::Redis {
            connection,
            prefix: format!("mcpgen:{connector}:"),
            variable,
        })
    }

    fn lock(
        map: &Mutex<HashMap<String, Record>>,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a new record; how many unexpired tasks its owner now holds.
    async fn insert(&self, id: &str, record: &Record) -> Result<usize, McpError> {
        let now = unix_ms();
        match self {
            Store::Memory(map) => {
                let mut map = Self::lock(map);
                map.retain(|_, r| r.expires_at > now);
                map.insert(id.to_string(), record.clone());
                Ok(map.values().filter(|r| r.owner == record.owner).count())
            }
            Store::Redis {
                connection,
                prefix,
                variable,
            } => {
                let mut con = connection.clone();
                let owned = format!("{prefix}owner:{}", record.owner);
                let json = serde_json::to_string(record).unwrap_or_default();
                let ttl = TTL.as_millis() as u64;
                let (_, _, held, _): ((), (), usize, ()) = redis::pipe()
                    .set_options(
                        format!("{prefix}task:{id}"),
                        json,
                        redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(ttl)),
                    )
                    .zrembyscore(&owned, 0, now)
                    .zadd(&owned, id, record.expires_at)
                    .ignore()
                    .zcard(&owned)
                    .pexpire(&owned, ttl as i64)
                    .query_async(&mut con)
                    .await
                    .map_err(|e| store_error(&e, variable))?;
                Ok(held)
            }
        }
    }

    async fn remove(&self, id: &str, owner: &str) {
        match self {
            Store::Memory(map) => {
                Self::lock(map).remove(id);
            }
            Store::Redis {
                connection, prefix, ..
            } => {
                let mut con = connection.clone();
                let _: Result<(), _> = redis::pipe()
                    .del(format!("{prefix}task:{id}"))
                    .zrem(format!("{prefix}owner:{owner}"), id)
                    .query_async(&mut con)
                    .await;
            }
        }
    }

    async fn load(&self, id: &str) -> Option<Record> {
        match self {
            Store::Memory(map) => Self::lock(map).get(id).cloned(),
            Store::Redis {
                connection, prefix, ..
            } => {
                let mut con = connection.clone();
                let json: Option<String> = redis::cmd("GET")
                    .arg(format!("{prefix}task:{id}"))
                    .query_async(&mut con)
                    .await
                    .ok()?;
                serde_json::from_str(&json?).ok()
            }
        }
    }

    /// Applies `change` to a working task's record (and stamps it); an ended task is left as
    /// it is.
    async fn update(&self, id: &str, change: impl Fn(&mut Record)) {
        match self {
            Store::Memory(map) => {
                if let Some(record) = Self::lock(map).get_mut(id)
                    && !record.outcome.is_terminal()
                {
                    change(record);
                    record.task.last_updated_at = now();
                }
            }
            Store::Redis {
                connection, prefix, ..
            } => {
                let Some(mut record) = self.load(id).await else {
                    return;
                };
                change(&mut record);
                record.task.last_updated_at = now();
                let mut con = connection.clone();
                let json = serde_json::to_string(&record).unwrap_or_default();
                let _: Result<i64, _> = redis::Script::new(UPDATE_UNLESS_ENDED)
                    .key(format!("{prefix}task:{id}"))
                    .arg(json)
                    .invoke_async(&mut con)
                    .await;
            }
        }
    }
}

fn store_error(e: &redis::RedisError, variable: &str) -> McpError {
    McpError::internal_error(
        format!(
            "the task store failed: {e}; the connector's operator should check that the Redis {variable} names is up and reachable, then the call can be made again"
        ),
        None,
    )
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

    #[tokio::test]
    async fn a_task_answers_its_owner_only_and_cancelling_is_idempotent() {
        let tasks = Tasks::default();
        let (created, cancel) = tasks
            .create("session 1", StoredCall::default())
            .await
            .unwrap();
        let id = created.task.task_id.clone();
        assert_eq!(created.task.ttl_ms, Some(TTL.as_millis() as u64));
        assert!(tasks.get(&id, "session 1").await.is_ok());
        let theirs = tasks.get(&id, "session 2").await.unwrap_err();
        let none = tasks.get("no-such-task", "session 2").await.unwrap_err();
        assert_eq!(theirs.code, none.code, "another's task looks unknown");
        assert!(tasks.cancel(&id, "session 2").await.is_err());

        tasks.cancel(&id, "session 1").await.unwrap();
        assert!(cancel.is_cancelled());
        let mut result = JsonObject::new();
        result.insert("content".into(), json!([]));
        let done = CallToolResponse::Complete(serde_json::from_value(json!(result)).unwrap());
        tasks.finish(&id, Ok(Ok(done))).await;
        let got = tasks.get(&id, "session 1").await.unwrap();
        assert_eq!(
            got.task.task.status,
            TaskStatus::Cancelled,
            "stays cancelled"
        );
        tasks.cancel(&id, "session 1").await.unwrap();
    }

    #[tokio::test]
    async fn a_task_that_asks_resumes_once_every_question_is_answered() {
        let tasks = Tasks::default();
        let mut request = CallToolRequestParams::new("deleteOrder");
        request.arguments = Some(serde_json::from_value(json!({"orderId": "o1"})).unwrap());
        let (created, _) = tasks
            .create("session 1", StoredCall::of(&request))
            .await
            .unwrap();
        let id = created.task.task_id;
        let asked: rmcp::model::InputRequiredResult = serde_json::from_value(json!({
            "resultType": "input_required", "requestState": "s1", "inputRequests": {
                "a": {"method": "roots/list"}, "b": {"method": "roots/list"}}}))
        .unwrap();
        tasks
            .finish(&id, Ok(Ok(CallToolResponse::InputRequired(asked))))
            .await;
        let got = tasks.get(&id, "session 1").await.unwrap();
        assert_eq!(got.task.task.status, TaskStatus::InputRequired);

        let one: InputResponses = [("a".to_string(), json!({"roots": []}))].into();
        assert!(tasks.answer(&id, "session 1", one).await.unwrap().is_none());
        let got = serde_json::to_value(tasks.get(&id, "session 1").await.unwrap()).unwrap();
        assert_eq!(
            got["inputRequests"],
            json!({"b": {"method": "roots/list"}}),
            "{got}"
        );
        assert!(
            tasks
                .answer(&id, "session 2", InputResponses::new())
                .await
                .is_err()
        );

        let two: InputResponses = [("b".to_string(), json!({"roots": []}))].into();
        let (again, _) = tasks.answer(&id, "session 1", two).await.unwrap().unwrap();
        assert_eq!(again.name, "deleteOrder");
        assert_eq!(again.request_state.as_deref(), Some("s1"));
        assert_eq!(
            again.input_responses.unwrap().len(),
            2,
            "both answers go back"
        );
        assert_eq!(again.arguments.unwrap()["orderId"], "o1");
        let got = tasks.get(&id, "session 1").await.unwrap();
        assert_eq!(got.task.task.status, TaskStatus::Working);
    }

    #[tokio::test]
    async fn a_caller_holds_a_bounded_number_of_tasks() {
        let tasks = Tasks::default();
        for _ in 0..MAX_PER_CALLER {
            tasks
                .create("subject a", StoredCall::default())
                .await
                .unwrap();
        }
        let call = StoredCall::default;
        assert!(tasks.create("subject a", call()).await.is_err());
        assert!(
            tasks.create("subject b", call()).await.is_ok(),
            "others are not affected"
        );
    }
}
