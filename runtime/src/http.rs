//! MCP over Streamable HTTP at `/mcp` (both protocol eras, through rmcp), optionally over TLS,
//! with `Host`/`Origin` checks against DNS rebinding, the endpoint protection of [`crate::protect`],
//! `/healthz` and `/readyz` for probes, and a shutdown that lets running calls finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::call::Engine;
use crate::mcp::Server;
use crate::protect::{self, Protection};

/// Names a request may carry in `Host`/`Origin` without being told: the loopback ones.
const LOOPBACK_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]"];

pub struct HttpOptions {
    /// `HOST:PORT`, or a bare port for 127.0.0.1.
    pub addr: String,
    pub tls: Option<(String, String)>,
    /// More names accepted in `Host` and `Origin` (a public DNS name, say).
    pub allowed_hosts: Vec<String>,
    pub protection: Protection,
    /// How long a shutdown waits for running tool calls.
    pub drain: Duration,
}

pub fn socket_addr(addr: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = addr.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    addr.parse()
        .map_err(|_| format!("--http `{addr}`: give HOST:PORT (e.g. 127.0.0.1:8080) or a port"))
}

fn tls_acceptor(cert: &str, key: &str) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("--tls-cert {cert}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert {cert}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("--tls-cert {cert}: no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("--tls-key {key}: {e}"))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("--tls-cert/--tls-key: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves until SIGINT/SIGTERM, then stops accepting and waits (within `drain`) for running
/// tool calls. Prints the URL it listens on to stderr.
pub async fn serve(
    server: Server,
    engine: Arc<Engine>,
    options: HttpOptions,
) -> Result<(), String> {
    let addr = socket_addr(&options.addr)?;
    // Behind a lock so SIGHUP can swap in a renewed certificate without dropping connections.
    let tls = match &options.tls {
        Some((cert, key)) => Some(Arc::new(std::sync::RwLock::new(tls_acceptor(cert, key)?))),
        None => None,
    };
    #[cfg(unix)]
    if let (Some(current), Some((cert, key))) = (&tls, &options.tls) {
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(|e| e.to_string())?;
        let (current, cert, key) = (current.clone(), cert.clone(), key.clone());
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
    }
    let mut hosts: Vec<String> = LOOPBACK_NAMES.iter().map(|s| s.to_string()).collect();
    hosts.extend(options.allowed_hosts.iter().cloned());
    let origins: Vec<String> = hosts
        .iter()
        .flat_map(|h| {
            [
                format!("http://{h}:*"),
                format!("https://{h}:*"),
                format!("http://{h}"),
                format!("https://{h}"),
            ]
        })
        .collect();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation();
    let cancel = config.cancellation_token.clone();
    let service: StreamableHttpService<Server, LocalSessionManager> = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mcp = axum::Router::new().nest_service("/mcp", service).layer(
        axum::middleware::from_fn_with_state(options.protection.clone(), protect::guard),
    );
    let probe = engine.clone();
    let mut router = axum::Router::new()
        .merge(mcp)
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/readyz",
            axum::routing::get(move || {
                let engine = probe.clone();
                async move {
                    use axum::http::StatusCode;
                    match engine.probe_upstream().await {
                        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
                        Err(why) => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            format!("the API is not reachable: {why}\n"),
                        ),
                    }
                }
            }),
        );
    if let Protection::OAuth(rs) = &options.protection {
        let metadata = rs.metadata();
        let path = url::Url::parse(&rs.resource)
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        let document = move || {
            let metadata = metadata.clone();
            async move { axum::Json(metadata) }
        };
        router = router.route(
            "/.well-known/oauth-protected-resource",
            axum::routing::get(document.clone()),
        );
        if !path.is_empty() {
            router = router.route(
                &format!("/.well-known/oauth-protected-resource{path}"),
                axum::routing::get(document),
            );
        }
    }

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!("listening on {scheme}://{local}/mcp");
    if !local.ip().is_loopback() && options.allowed_hosts.is_empty() {
        warn!(
            "listening on a non-loopback address; only loopback Host names are accepted until --allow-host is given"
        );
    }

    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .map_err(|e| e.to_string())?;
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        Ok::<(), String>(())
    };
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    warn!("accept failed: {e}");
                    continue;
                }
            },
            result = &mut shutdown => {
                drop(listener);
                info!("shutting down: waiting up to {} s for running tool calls", options.drain.as_secs());
                if !engine.drain(options.drain).await {
                    warn!("tool calls still running after {} s; stopping anyway", options.drain.as_secs());
                }
                // Let the last responses reach their clients before sessions are torn down.
                tokio::time::sleep(Duration::from_millis(100)).await;
                cancel.cancel();
                return result;
            }
        };
        // Headers and body in separate writes otherwise wait for the peer's delayed ACK.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let tls = tls
            .as_ref()
            .and_then(|slot| slot.read().ok().map(|acceptor| acceptor.clone()));
        tokio::spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            let result = match tls {
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(stream) => {
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                    Err(e) => {
                        info!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                },
                None => {
                    builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                }
            };
            if let Err(e) = result {
                info!(%peer, "connection ended: {e}");
            }
        });
    }
}
