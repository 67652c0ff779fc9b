//! A real HTTP/1.1 server on loopback that answers from a closure and records every request
//! byte for byte, so tests can assert what the API received. It can also stream bodies that are
//! huge or never end, and counts how many requests it is answering at once.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One request as the API received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query exactly as sent (still percent-encoded).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// What the API answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Option<std::time::Duration>,
    /// Instead of `body`: this chunk repeated, up to the length (with `Content-Length`) or forever.
    pub stream: Option<(Bytes, Option<u64>)>,
}

impl Reply {
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&value).unwrap(),
            delay: None,
            stream: None,
        }
    }
    pub fn bytes(status: u16, content_type: &str, body: &[u8]) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
            delay: None,
            stream: None,
        }
    }
    /// `body` first, then `chunk` repeated until the body is `length` bytes long (declared in
    /// `Content-Length`), or forever (chunked) when `length` is `None` — without holding it.
    pub fn streamed(
        status: u16,
        content_type: &str,
        body: &[u8],
        chunk: &[u8],
        length: Option<u64>,
    ) -> Reply {
        let mut reply = Reply::bytes(status, content_type, body);
        reply.stream = Some((Bytes::copy_from_slice(chunk), length));
        reply
    }
    pub fn after(mut self, delay: std::time::Duration) -> Reply {
        self.delay = Some(delay);
        self
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A body of `head`, then `chunk` over and over until `left` runs out (or never, without one).
struct Repeating {
    head: Option<Bytes>,
    chunk: Bytes,
    left: Option<u64>,
}

impl hyper::body::Body for Repeating {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = match self.head.take() {
            Some(head) => head,
            None => self.chunk.clone(),
        };
        let next = match self.left {
            Some(0) => return std::task::Poll::Ready(None),
            Some(left) => {
                let n = (next.len() as u64).min(left);
                self.left = Some(left - n);
                next.slice(..n as usize)
            }
            None => next,
        };
        std::task::Poll::Ready(Some(Ok(Frame::data(next))))
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self.left {
            Some(n) => hyper::body::SizeHint::with_exact(n),
            None => hyper::body::SizeHint::default(),
        }
    }
}

/// Counts the requests being answered now, and the most there ever were at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// One request being answered, for as long as it lives.
struct Answering(Arc<InFlight>);

impl Answering {
    fn start(counts: &Arc<InFlight>) -> Answering {
        let now = counts.now.fetch_add(1, Ordering::SeqCst) + 1;
        counts.most.fetch_max(now, Ordering::SeqCst);
        Answering(counts.clone())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts a request as aborted when its response future is dropped before it finished.
struct AbortGuard(Option<Arc<AtomicUsize>>);

impl AbortGuard {
    /// The answer went out: not an abort.
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if let Some(counter) = &self.0 {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }
}

type Handler = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// A running API. Dropping it stops accepting connections.
pub struct Api {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    /// Requests whose client went away before the answer was sent.
    aborted: Arc<AtomicUsize>,
    in_flight: Arc<InFlight>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Api {
    /// Starts the API on 127.0.0.1 with a free port.
    pub async fn start(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Api {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let handler: Handler = Arc::new(handler);
        let task_log = log.clone();
        let aborted: Arc<AtomicUsize> = Arc::default();
        let task_aborted = aborted.clone();
        let in_flight: Arc<InFlight> = Arc::default();
        let task_in_flight = in_flight.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let (log, handler, aborted, in_flight) = (
                    task_log.clone(),
                    handler.clone(),
                    task_aborted.clone(),
                    task_in_flight.clone(),
                );
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<Incoming>| {
                        let (log, handler) = (log.clone(), handler.clone());
                        let guard = AbortGuard(Some(aborted.clone()));
                        let answering = Answering::start(&in_flight);
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let received = Received {
                                method: parts.method.to_string(),
                                target: parts
                                    .uri
                                    .path_and_query()
                                    .map(|p| p.as_str().to_string())
                                    .unwrap_or_default(),
                                headers: parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| {
                                        (
                                            n.to_string(),
                                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                                        )
                                    })
                                    .collect(),
                                body: body.to_vec(),
                            };
                            let reply = handler(&received);
                            log.lock().unwrap().push(received);
                            if let Some(delay) = reply.delay {
                                tokio::time::sleep(delay).await;
                            }
                            guard.disarm();
                            drop(answering);
                            let mut response = hyper::Response::builder().status(reply.status);
                            for (n, v) in &reply.headers {
                                response = response.header(n, v);
                            }
                            let body = match reply.stream {
                                None => Either::Left(Full::new(Bytes::from(reply.body))),
                                Some((chunk, length)) => Either::Right(Repeating {
                                    head: Some(Bytes::from(reply.body)),
                                    chunk,
                                    left: length,
                                }),
                            };
                            Ok::<_, Infallible>(response.body(body).unwrap())
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Api {
            addr,
            log,
            aborted,
            in_flight,
            task,
        }
    }

    /// The most requests the API was answering at the same time.
    pub fn most_at_once(&self) -> usize {
        self.in_flight.most.load(Ordering::SeqCst)
    }

    /// How many requests were abandoned by the client before their answer.
    pub fn aborted(&self) -> usize {
        self.aborted.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, and forgets them.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    /// The one request received since the last `take`; fails if there was not exactly one.
    pub fn one(&self) -> Received {
        let mut all = self.take();
        assert_eq!(all.len(), 1, "expected one request, got {all:?}");
        all.remove(0)
    }
}
