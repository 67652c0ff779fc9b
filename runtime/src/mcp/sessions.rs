//! Sessions of 2025-11-25 clients over HTTP, bounded: at most `PREFIX_MCP_MAX_SESSIONS` in all
//! and `PREFIX_MCP_MAX_SESSIONS_PER_CALLER` for one caller (the subject of its OAuth token, else
//! its IP address), and each closed after `PREFIX_MCP_SESSION_IDLE_SECS` without a message —
//! after which the protocol has the client get 404 and start a new session. Each session costs
//! a task and its buffers, so without bounds, `initialize` requests that are never closed take
//! memory without end.
//!
//! rmcp's in-memory session manager keeps the sessions; this one wraps it, counting. Who asks is
//! known to the HTTP layer only: it reserves a place through the [`Gate`] before rmcp sees an
//! `initialize` ([`admitting`]) and answers a refusal itself (503 when all are taken, 429 when the
//! caller's are) — rmcp would answer it with a 500 and log an error for each, which under a flood
//! is a flood of logs. The reservation reaches [`BoundedSessions::create_session`] through a
//! task-local, and is given back if no session came of it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Who is asking, and the place reserved for its session (taken by `create_session`).
struct Asking {
    caller: Arc<str>,
    reserved: Arc<AtomicBool>,
}

tokio::task_local! {
    static ASKING: Asking;
}

/// A place reserved for a session; given back when dropped unless a session took it.
struct Reservation {
    gate: Gate,
    caller: Arc<str>,
    held: Arc<AtomicBool>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.held.swap(false, Ordering::SeqCst) {
            self.gate.owners().release(&self.caller);
        }
    }
}

/// Runs `serve` (the handling of one HTTP request) as `caller`. When the request `opens` a
/// session, a place is reserved first, or the refusal returned without serving.
pub(crate) async fn admitting<F: Future>(
    gate: &Gate,
    caller: &str,
    opens: bool,
    serve: F,
) -> Result<F::Output, Refusal> {
    let caller: Arc<str> = caller.into();
    let held = Arc::new(AtomicBool::new(false));
    if opens {
        gate.reserve(&caller)?;
        held.store(true, Ordering::SeqCst);
    }
    let _reservation = Reservation {
        gate: gate.clone(),
        caller: caller.clone(),
        held: held.clone(),
    };
    let asking = Asking {
        caller,
        reserved: held,
    };
    Ok(ASKING.scope(asking, serve).await)
}

/// Sessions by caller.
#[derive(Default)]
struct Owners {
    of: HashMap<SessionId, Arc<str>>,
    count: HashMap<Arc<str>, usize>,
    /// Sessions held or reserved.
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

/// The count of sessions and reservations, shared by the session manager and the HTTP layer.
#[derive(Clone)]
pub(crate) struct Gate {
    owners: Arc<Mutex<Owners>>,
    limits: SessionLimits,
}

impl Gate {
    fn owners(&self) -> std::sync::MutexGuard<'_, Owners> {
        self.owners.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a place for `caller`, or says why there is none.
    fn reserve(&self, caller: &Arc<str>) -> Result<(), Refusal> {
        let mut owners = self.owners();
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
}

/// rmcp's in-memory sessions, counted and bounded.
pub(crate) struct BoundedSessions {
    inner: LocalSessionManager,
    gate: Gate,
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
            gate: Gate {
                owners: Arc::default(),
                limits,
            },
        }
    }

    /// The gate the HTTP layer reserves places through.
    pub(crate) fn gate(&self) -> Gate {
        self.gate.clone()
    }
}

impl SessionManager for BoundedSessions {
    type Error = SessionsError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        // The place reserved for this request, or (a request the HTTP layer did not see open a
        // session) one taken now.
        let (caller, reserved) = ASKING
            .try_with(|a| (a.caller.clone(), a.reserved.swap(false, Ordering::SeqCst)))
            .unwrap_or_else(|_| ("unknown".into(), false));
        if !reserved {
            self.gate.reserve(&caller).map_err(SessionsError::Refused)?;
        }
        match self.inner.create_session().await {
            Ok((id, transport)) => {
                self.gate.owners().of.insert(id.clone(), caller);
                Ok((id, transport))
            }
            Err(e) => {
                self.gate.owners().release(&caller);
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
        let mut owners = self.gate.owners();
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
        let gate = sessions.gate();
        let mut ids = Vec::new();
        for caller in ["a", "a", "b"] {
            let (id, _transport) = admitting(&gate, caller, true, sessions.create_session())
                .await
                .unwrap()
                .unwrap();
            ids.push(id);
        }
        let refused = admitting(&gate, "a", true, sessions.create_session()).await;
        assert_eq!(refused.err(), Some(Refusal::Full));
        sessions.close_session(&ids[2]).await.unwrap();
        sessions.close_session(&ids[2]).await.unwrap();
        let refused = admitting(&gate, "a", true, sessions.create_session()).await;
        assert_eq!(
            refused.err(),
            Some(Refusal::CallerFull),
            "closing twice frees one place"
        );
        // A request that reserved a place but opened no session gives it back.
        admitting(&gate, "c", true, async {}).await.unwrap();
        let served = admitting(&gate, "c", true, sessions.create_session()).await;
        assert!(served.is_ok_and(|created| created.is_ok()));
    }
}
