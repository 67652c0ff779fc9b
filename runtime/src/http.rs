//! MCP over Streamable HTTP at `/mcp` (both protocol eras), optionally over TLS, with
//! `Host`/`Origin` checks against DNS rebinding, the endpoint protection of [`crate::protect`],
//! bounded sessions ([`crate::mcp::sessions`]) and connections ([`crate::listen`]), `/healthz`
//! and `/readyz` for probes, and a shutdown that lets running calls finish.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info, warn};

use crate::config::ServerLimits;
use crate::engine::Engine;
use crate::error::Error;
use crate::listen::{self, AcceptBackoff, Peer};
use crate::mcp::McpServer;
use crate::mcp::layer::Handler;
use crate::mcp::sessions::{self, Gate, Refusal};
use crate::protect::{self, Principal, Protection};

/// Names a request may carry in `Host`/`Origin` without being told: the loopback ones.
const LOOPBACK_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]"];

/// How the operator asked the endpoint to be served.
pub(crate) struct HttpOptions {
    pub(crate) addr: SocketAddr,
    /// Certificate chain and key files, for HTTPS.
    pub(crate) tls: Option<(String, String)>,
    /// More names accepted in `Host` and `Origin` (a public DNS name, say).
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) protection: Protection,
    /// How long a shutdown waits for running tool calls.
    pub(crate) drain: Duration,
    pub(crate) limits: ServerLimits,
}

/// `HOST:PORT`, or a bare port for 127.0.0.1.
pub(crate) fn socket_addr(addr: &str) -> Result<SocketAddr, Error> {
    if let Ok(port) = addr.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    addr.parse().map_err(|_| {
        Error::flag(
            format!("--http `{addr}`"),
            "give HOST:PORT (e.g. 127.0.0.1:8080) or a port",
        )
    })
}

/// The TLS acceptor, behind a lock so SIGHUP can swap in a renewed certificate without dropping
/// connections.
type SharedTls = Arc<RwLock<TlsAcceptor>>;

fn tls_acceptor(cert: &str, key: &str) -> Result<TlsAcceptor, Error> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let cert_error =
        |e: &dyn std::fmt::Display| Error::flag(format!("--tls-cert {cert}"), e.to_string());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(&e))?
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(&e))?;
    if certs.is_empty() {
        return Err(cert_error(&"no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Error::flag(format!("--tls-key {key}"), e.to_string()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::flag("--tls-cert/--tls-key", e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Re-reads the certificate and key on every SIGHUP; a bad pair keeps the current one.
#[cfg(unix)]
fn reload_on_hangup(current: SharedTls, cert: String, key: String) -> Result<(), Error> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = signal(SignalKind::hangup()).map_err(|source| Error::Signal {
        signal: "SIGHUP",
        source,
    })?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match tls_acceptor(&cert, &key) {
                Ok(fresh) => {
                    if let Ok(mut slot) = current.write() {
                        *slot = fresh;
                    }
                    info!("SIGHUP: certificate reloaded from {cert}");
                }
                Err(e) => warn!("SIGHUP: keeping the current certificate: {e}"),
            }
        }
    });
    Ok(())
}

/// The whole site: `/mcp` behind the protection, the probes, and the OAuth metadata document.
fn router<H: Handler>(
    service: crate::mcp::HttpService<H>,
    gate: Gate,
    engine: Arc<Engine>,
    protection: &Protection,
) -> axum::Router {
    // Outermost first: the token, then the message read whole, then a session's place.
    let mcp = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(gate, admission))
        .layer(axum::middleware::from_fn(read_message))
        .layer(axum::middleware::from_fn_with_state(
            protection.clone(),
            protect::guard,
        ));
    let router = axum::Router::new()
        .merge(mcp)
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/readyz",
            axum::routing::get(move || readiness(engine.clone())),
        );
    match protection {
        Protection::OAuth(rs) => with_resource_metadata(router, rs),
        _ => router,
    }
}

/// What the middleware needs to know of a JSON-RPC message before rmcp reads it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct Head {
    method: Option<String>,
    id: Option<serde_json::Value>,
}

/// Reads a POST to `/mcp` whole (bounded as rmcp bounds it; over the bound it is refused here),
/// marks its integers beyond 64 bits ([`crate::bigint`]), and notes its method and id.
async fn read_message(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::mcp::MAX_REQUEST_BODY).await else {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let head: Head = serde_json::from_slice(&bytes).unwrap_or_default();
    parts.extensions.insert(head);
    let body = match crate::bigint::mark(&bytes) {
        Some(marked) => axum::body::Body::from(marked),
        None => axum::body::Body::from(bytes),
    };
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// Serves a request as its caller — the subject of its OAuth token, else its IP address. An
/// `initialize` outside a session opens one: a place is reserved for it first, and without
/// room it is answered here, 503 (all taken) or 429 (the caller's taken), with `Retry-After`
/// and a JSON-RPC error.
async fn admission(
    axum::extract::State(gate): axum::extract::State<Gate>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let caller = match (
        request.extensions().get::<Principal>(),
        request.extensions().get::<Peer>(),
    ) {
        (Some(Principal(subject)), _) => format!("subject {subject}"),
        (None, Some(Peer(addr))) => format!("address {}", addr.ip()),
        (None, None) => "unknown".to_string(),
    };
    let head = request
        .extensions()
        .get::<Head>()
        .cloned()
        .unwrap_or_default();
    let opens = head.method.as_deref() == Some("initialize")
        && !request.headers().contains_key("mcp-session-id");
    match sessions::admitting(&gate, &caller, opens, next.run(request)).await {
        Ok(response) => response,
        Err(refusal) => refused(refusal, head.id, &caller),
    }
}

/// The answer to a session that has no room.
fn refused(
    refusal: Refusal,
    id: Option<serde_json::Value>,
    caller: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (status, message) = match refusal {
        Refusal::Full => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the server holds as many MCP sessions as it allows; try again later",
        ),
        Refusal::CallerFull => (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "you hold as many MCP sessions as one caller may; close one (DELETE) or try again later",
        ),
    };
    debug!(%caller, status = status.as_u16(), "refused a new MCP session");
    let mut body =
        serde_json::json!({"jsonrpc": "2.0", "error": {"code": -32000, "message": message}});
    if let Some(id) = id {
        body["id"] = id;
    }
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static(SESSION_RETRY_AFTER),
    );
    response
}

/// Seconds a refused client is asked to wait: idle sessions expire, closed ones free at once.
const SESSION_RETRY_AFTER: &str = "10";

/// Ready when the API answers at all.
async fn readiness(engine: Arc<Engine>) -> (axum::http::StatusCode, String) {
    use axum::http::StatusCode;
    match engine.probe_upstream().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the API is not reachable: {why}\n"),
        ),
    }
}

/// RFC 9728: the protected-resource metadata at the well-known path, also under the resource's
/// own path.
fn with_resource_metadata(router: axum::Router, rs: &Arc<protect::ResourceServer>) -> axum::Router {
    let metadata = rs.metadata();
    let path = url::Url::parse(&rs.resource)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    let document = move || {
        let metadata = metadata.clone();
        async move { axum::Json(metadata) }
    };
    let mut router = router.route(
        "/.well-known/oauth-protected-resource",
        axum::routing::get(document.clone()),
    );
    if !path.is_empty() {
        router = router.route(
            &format!("/.well-known/oauth-protected-resource{path}"),
            axum::routing::get(document),
        );
    }
    router
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() -> Result<(), Error> {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|source| Error::Signal {
            signal: "SIGTERM",
            source,
        })?;
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    Ok(())
}

/// Serves until SIGINT/SIGTERM, then stops accepting and waits (within `drain`) for running
/// tool calls. Prints the URL it listens on to stderr.
pub(crate) async fn serve<H: Handler>(
    server: McpServer<H>,
    engine: Arc<Engine>,
    options: HttpOptions,
) -> Result<(), Error> {
    let tls = match &options.tls {
        Some((cert, key)) => Some(Arc::new(RwLock::new(tls_acceptor(cert, key)?))),
        None => None,
    };
    #[cfg(unix)]
    if let (Some(current), Some((cert, key))) = (&tls, &options.tls) {
        reload_on_hangup(current.clone(), cert.clone(), key.clone())?;
    }
    let mut hosts: Vec<String> = LOOPBACK_NAMES.iter().map(|s| s.to_string()).collect();
    hosts.extend(options.allowed_hosts.iter().cloned());
    let (service, sessions, gate) = server.http_service(hosts, options.limits.sessions);
    let router = router(service, gate, engine.clone(), &options.protection);

    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|source| Error::Listen {
            addr: options.addr,
            source,
        })?;
    let local = listener.local_addr().map_err(|source| Error::Listen {
        addr: options.addr,
        source,
    })?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!("listening on {scheme}://{local}/mcp");
    if !local.ip().is_loopback() && options.allowed_hosts.is_empty() {
        warn!(
            "listening on a non-loopback address; only loopback Host names are accepted until --allow-host is given"
        );
    }

    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let places = Arc::new(Semaphore::new(options.limits.connections));
    let mut backoff = AcceptBackoff::default();
    loop {
        let (stream, peer, place) = tokio::select! {
            accepted = listen::accept(&listener, &places, &mut backoff) => accepted,
            result = &mut shutdown => {
                drop(listener);
                drain(&engine, options.drain).await;
                sessions.cancel();
                return result;
            }
        };
        let tls = tls
            .as_ref()
            .and_then(|slot| slot.read().ok().map(|acceptor| acceptor.clone()));
        let timeout = options.limits.header_timeout;
        tokio::spawn(listen::connection(
            stream,
            peer,
            tls,
            router.clone(),
            timeout,
            place,
        ));
    }
}

/// Waits (within `bound`) for running tool calls, then a moment for their answers to leave.
async fn drain(engine: &Engine, bound: Duration) {
    info!(
        "shutting down: waiting up to {} s for running tool calls",
        bound.as_secs()
    );
    if !engine.drain(bound).await {
        warn!(
            "tool calls still running after {} s; stopping anyway",
            bound.as_secs()
        );
    }
    // Let the last responses reach their clients before sessions are torn down.
    tokio::time::sleep(Duration::from_millis(100)).await;
}
