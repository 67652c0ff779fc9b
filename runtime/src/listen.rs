//! Taking connections for the HTTP endpoint without letting slow or many clients take it down:
//! at most `PREFIX_MCP_MAX_CONNECTIONS` at once (more wait in the listen queue), a TLS handshake
//! and every request's headers within `PREFIX_MCP_HEADER_TIMEOUT_SECS` (a new connection must
//! send its first request within it too, HTTP/2 included), dead HTTP/2 peers found by pings, and
//! when accepting fails (no file descriptors left) a growing pause with one log line per
//! interval instead of a hot loop of them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

/// The address a request came from, as a request extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// How often an idle HTTP/2 connection is pinged to find out whether its peer is still there.
const PING_INTERVAL: Duration = Duration::from_secs(30);

/// The longest pause after a failed accept, and how often such failures are logged.
const MAX_PAUSE: Duration = Duration::from_secs(1);
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Pauses after failed accepts, growing while they keep failing, with rate-limited logging.
#[derive(Default)]
pub(crate) struct AcceptBackoff {
    pause: Duration,
    logged: Option<Instant>,
    unlogged: u64,
}

impl AcceptBackoff {
    fn succeeded(&mut self) {
        self.pause = Duration::ZERO;
    }

    /// After a failed accept: at once for an error of that one connection, else a pause.
    async fn failed(&mut self, error: &std::io::Error) {
        use std::io::ErrorKind::*;
        if matches!(
            error.kind(),
            ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
        ) {
            return;
        }
        self.pause = (self.pause * 2).clamp(Duration::from_millis(10), MAX_PAUSE);
        if self.logged.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
            let also = match self.unlogged {
                0 => String::new(),
                n => format!(" ({n} more since the last report)"),
            };
            warn!(
                "accepting a connection failed: {error}{also}; pausing up to {} ms between attempts",
                MAX_PAUSE.as_millis()
            );
            self.logged = Some(Instant::now());
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        tokio::time::sleep(self.pause).await;
    }
}

/// The next connection, once fewer than the cap are open: the permit it holds is its place.
pub(crate) async fn accept(
    listener: &TcpListener,
    places: &Arc<Semaphore>,
    backoff: &mut AcceptBackoff,
) -> (TcpStream, SocketAddr, OwnedSemaphorePermit) {
    // The semaphore is never closed.
    let place = places.clone().acquire_owned().await.expect("open");
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                backoff.succeeded();
                return (stream, peer, place);
            }
            Err(e) => backoff.failed(&e).await,
        }
    }
}

/// The router, with each request marked with its connection's peer, and whether a request came.
#[derive(Clone)]
struct WithPeer {
    router: axum::Router,
    peer: SocketAddr,
    requested: Arc<AtomicBool>,
}

impl<B> tower_service::Service<axum::http::Request<B>> for WithPeer
where
    axum::Router: tower_service::Service<axum::http::Request<B>>,
{
    type Response = <axum::Router as tower_service::Service<axum::http::Request<B>>>::Response;
    type Error = <axum::Router as tower_service::Service<axum::http::Request<B>>>::Error;
    type Future = <axum::Router as tower_service::Service<axum::http::Request<B>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower_service::Service::<axum::http::Request<B>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut request: axum::http::Request<B>) -> Self::Future {
        self.requested.store(true, Ordering::Relaxed);
        request.extensions_mut().insert(Peer(self.peer));
        self.router.call(request)
    }
}

/// Serves one accepted connection (HTTP/1.1 or HTTP/2, over TLS when configured) for as long
/// as it holds its `place`.
pub(crate) async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    router: axum::Router,
    timeout: Duration,
    place: OwnedSemaphorePermit,
) {
    // Headers and body in separate writes otherwise wait for the peer's delayed ACK.
    let _ = stream.set_nodelay(true);
    let result = match tls {
        Some(acceptor) => match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => serve(stream, peer, router, timeout).await,
            Ok(Err(e)) => Err(format!("TLS handshake failed: {e}")),
            Err(_) => Err(format!("no TLS handshake within {} s", timeout.as_secs())),
        },
        None => serve(stream, peer, router, timeout).await,
    };
    if let Err(e) = result {
        info!(%peer, "connection ended: {e}");
    }
    drop(place);
}

/// HTTP on `io`: every request's headers within `timeout` (HTTP/1.1), and a first request
/// within it (which also covers telling HTTP/1.1 from HTTP/2, and HTTP/2 that sends nothing).
async fn serve<T>(
    stream: T,
    peer: SocketAddr,
    router: axum::Router,
    timeout: Duration,
) -> Result<(), String>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let requested = Arc::new(AtomicBool::new(false));
    let service = TowerToHyperService::new(WithPeer {
        router,
        peer,
        requested: requested.clone(),
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(PING_INTERVAL)
        .keep_alive_timeout(timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = &mut connection => return result.map_err(|e| e.to_string()),
        () = tokio::time::sleep(timeout) => {}
    }
    if !requested.load(Ordering::Relaxed) {
        return Err(format!("no request within {} s", timeout.as_secs()));
    }
    connection.await.map_err(|e| e.to_string())
}
