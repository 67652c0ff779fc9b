//! Sessions of 2025-11-25 clients over HTTP, bounded: at most `PREFIX_MCP_MAX_SESSIONS` in all
//! and `PREFIX_MCP_MAX_SESSIONS_PER_CALLER` for one caller (the subject of its OAuth token, else
//! its IP address), and each closed after `PREFIX_MCP_SESSION_IDLE_SECS` without a message —
//! after which the protocol has the client get 404 and start a new session. Each session costs
//! a task and its buffers, so without bounds, `initialize` requests that are never closed take
//! memory without end.
//!
//! rmcp's in-memory session manager keeps the sessions; this one wraps it, counting. Who asks is
//! known to the HTTP layer only, so it is handed in through a task-local ([`admitting`]), and a
//! refusal is handed back the same way: rmcp would answer a failed session creation with a 500,
//! and the HTTP layer answers 503 (all sessions taken) or 429 (this caller's taken) instead.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_core::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};

/// The bounds on sessions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionLimits {
    pub(crate) total: usize,
    pub(crate) per_caller: usize,
    /// A session without a message for this long is closed.
    pub(crate) idle: Duration,
}

/// Why a session was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Every session the server allows is taken.
    Full,
    /// Every session this caller may have is taken.
    CallerFull,
}

/// Who is asking for a session, and what became of the asking.
struct Asking {
    caller: Arc<str>,
    refused: Mutex<Option<Refusal>>,
}

tokio::task_local! {
    static ASKING: Asking;
}

/// Runs `serve` (the handling of one HTTP request) as `caller`; returns its output and, when it
/// asked for a session and was refused, why.
pub(crate) async fn admitting<F: Future>(caller: &str, serve: F) -> (F::Output, Option<Refusal>) {
    let asking = Asking {
        caller: caller.into(),
        refused: Mutex::new(None),
    };
    ASKING
        .scope(asking, async {
            let output = serve.await;
            let refused = ASKING.with(|a| a.refused.lock().ok().and_then(|r| *r));
            (output, refused)
        })
        .await
}

/// Sessions by caller.
#[derive(Default)]
struct Owners {
    of: HashMap<SessionId, Arc<str>>,
    count: HashMap<Arc<str>, usize>,
    /// Sessions held or being created.
    total: usize,
}

impl Owners {
    fn release(&mut self, caller: &Arc<str>) {
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.count.get_mut(caller) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.count.remove(caller);
            }
        }
    }
}

/// rmcp's in-memory sessions, counted and bounded.
pub(crate) struct BoundedSessions {
    inner: LocalSessionManager,
    limits: SessionLimits,
    owners: Mutex<Owners>,
}

/// A refused or failed session operation.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionsError {
    #[error("no session can be created now ({0:?})")]
    Refused(Refusal),
    #[error(transparent)]
    Local(#[from] LocalSessionManagerError),
}

impl BoundedSessions {
    pub(crate) fn new(limits: SessionLimits) -> BoundedSessions {
        let mut inner = LocalSessionManager::default();
        inner.session_config.keep_alive = Some(limits.idle);
        BoundedSessions {
            inner,
            limits,
            owners: Mutex::new(Owners::default()),
        }
    }

    /// Takes a slot for `caller`, or says why there is none.
    fn reserve(&self, caller: &Arc<str>) -> Result<(), Refusal> {
        let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        if owners.total >= self.limits.total {
            return Err(Refusal::Full);
        }
        let mine = owners.count.entry(caller.clone()).or_default();
        if *mine >= self.limits.per_caller {
            return Err(Refusal::CallerFull);
        }
        *mine += 1;
        owners.total += 1;
        Ok(())
    }

    fn owners(&self) -> std::sync::MutexGuard<'_, Owners> {
        self.owners.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SessionManager for BoundedSessions {
    type Error = SessionsError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let caller: Arc<str> = ASKING
            .try_with(|a| a.caller.clone())
            .unwrap_or_else(|_| "unknown".into());
        if let Err(refusal) = self.reserve(&caller) {
            let _ = ASKING.try_with(|a| {
                if let Ok(mut refused) = a.refused.lock() {
                    *refused = Some(refusal);
                }
            });
            return Err(SessionsError::Refused(refusal));
        }
        match self.inner.create_session().await {
            Ok((id, transport)) => {
                self.owners().of.insert(id.clone(), caller);
                Ok((id, transport))
            }
            Err(e) => {
                self.owners().release(&caller);
                Err(e.into())
            }
        }
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.inner.has_session(id).await?)
    }

    /// Called on DELETE and when a session's worker ends (idle, closed, failed): may come twice.
    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let result = self.inner.close_session(id).await;
        let mut owners = self.owners();
        if let Some(caller) = owners.of.remove(id) {
            owners.release(&caller);
        }
        Ok(result?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_stream(id, message).await?)
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.resume(id, last_event_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SessionLimits {
        SessionLimits {
            total: 3,
            per_caller: 2,
            idle: Duration::from_secs(60),
        }
    }

    #[tokio::test]
    async fn sessions_are_counted_per_caller_and_in_all() {
        let sessions = BoundedSessions::new(limits());
        let mut ids = Vec::new();
        for caller in ["a", "a", "b"] {
            let ((id, _transport), refused) =
                admitting(caller, async { sessions.create_session().await.unwrap() }).await;
            assert_eq!(refused, None);
            ids.push(id);
        }
        let (result, refused) = admitting("a", sessions.create_session()).await;
        assert!(result.is_err());
        assert_eq!(refused, Some(Refusal::Full));
        sessions.close_session(&ids[2]).await.unwrap();
        sessions.close_session(&ids[2]).await.unwrap();
        let (_, refused) = admitting("a", sessions.create_session()).await;
        assert_eq!(
            refused,
            Some(Refusal::CallerFull),
            "closing twice frees one slot"
        );
        let (created, refused) = admitting("c", sessions.create_session()).await;
        assert!(created.is_ok() && refused.is_none());
    }
}
