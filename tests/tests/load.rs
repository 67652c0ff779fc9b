//! Load on loopback: many clients at once — sessions of the 2025-11-25 era and stateless calls of
//! the 2026-07-28 era — make tool calls through one connector serving HTTP. Every call gets its
//! own answer (each asks for a different order, and the answer must name it), none is lost or
//! fails, and the connector's memory stays flat from one round to the next.
//!
//! The same calls are also made straight to the API, and the connector's throughput and p99 are
//! printed as a ratio to that. This test only bounds correctness and memory; the figures are
//! meaningful from `benches/load.sh`, which runs it in release with more calls and writes them
//! down. Sizes: `MCPGEN_LOAD_CLIENTS`, `MCPGEN_LOAD_CALLS` (per client and round),
//! `MCPGEN_LOAD_ROUNDS`; `MCPGEN_LOAD_REPORT` names a JSON file for the figures.

use std::time::{Duration, Instant};

use mcpgen_e2e::api::{Api, Reply};
use mcpgen_e2e::memory_kib;
use mcpgen_e2e::served::{answer, modern_call, start};
use serde_json::{Value, json};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The order id of call `n`: distinct for every call of a run, and fitting the spec's pattern.
fn order_id(n: usize) -> String {
    format!("ord_{n:012}")
}

/// How one client talks to the connector.
#[derive(Clone, Copy, PartialEq)]
enum Era {
    /// 2025-11-25: a session opened by `initialize`, its id on every request.
    Session,
    /// 2026-07-28: each request on its own.
    Stateless,
}

struct Caller {
    http: reqwest::Client,
    url: String,
    era: Era,
    session: Option<String>,
}

impl Caller {
    async fn open(url: &str, era: Era) -> Caller {
        let http = reqwest::Client::new();
        let mut caller = Caller {
            http,
            url: url.to_string(),
            era,
            session: None,
        };
        if era == Era::Session {
            let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "load", "version": "1"}}});
            let response = caller.post(&init, "initialize").send().await.unwrap();
            assert_eq!(response.status(), 200, "initialize");
            caller.session = Some(
                response.headers()["mcp-session-id"]
                    .to_str()
                    .unwrap()
                    .to_string(),
            );
            let _ = response.text().await.unwrap();
            let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let response = caller
                .post(&initialized, "notifications/initialized")
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "initialized");
        }
        caller
    }

    fn post(&self, body: &Value, method: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .json(body);
        match (self.era, &self.session) {
            (Era::Session, Some(session)) => {
                request = request
                    .header("mcp-session-id", session)
                    .header("mcp-protocol-version", "2025-11-25");
            }
            (Era::Session, None) => {}
            (Era::Stateless, _) => {
                request = request
                    .header("mcp-protocol-version", "2026-07-28")
                    .header("mcp-method", method);
                if method == "tools/call" {
                    request = request.header("mcp-name", "getOrder");
                }
            }
        }
        request
    }

    /// Calls `getOrder` for call `n`; the answer must be about that order.
    async fn call(&self, n: usize) -> Duration {
        let id = order_id(n);
        let arguments = json!({"orderId": id});
        let body = match self.era {
            Era::Session => json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                "params": {"name": "getOrder", "arguments": arguments}}),
            Era::Stateless => modern_call(n as u64, "getOrder", arguments),
        };
        let started = Instant::now();
        let response = self.post(&body, "tools/call").send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let took = started.elapsed();
        assert_eq!(status, 200, "call {n}: {text}");
        let reply = answer(&text);
        assert_eq!(
            reply["id"], n,
            "call {n} got another call's answer: {reply}"
        );
        let result = &reply["result"];
        assert_ne!(result["isError"], true, "call {n} failed: {reply}");
        assert_eq!(
            result["structuredContent"]["id"], id,
            "call {n} got another order: {reply}"
        );
        took
    }

    async fn close(self) {
        if let Some(session) = &self.session {
            let status = self
                .http
                .delete(&self.url)
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-11-25")
                .send()
                .await
                .unwrap()
                .status();
            assert!(status.is_success(), "closing a session: {status}");
        }
    }
}

/// Calls/s and latency percentiles of one measured round.
#[derive(Debug, Clone, Copy)]
struct Figures {
    calls_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
}

impl Figures {
    fn of(mut latencies: Vec<Duration>, wall: Duration) -> Figures {
        latencies.sort();
        let at = |q: f64| {
            let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
            latencies[i].as_secs_f64() * 1e6
        };
        Figures {
            calls_per_sec: latencies.len() as f64 / wall.as_secs_f64(),
            p50_us: at(0.50),
            p99_us: at(0.99),
        }
    }

    fn json(&self) -> Value {
        json!({"calls_per_sec": self.calls_per_sec, "p50_us": self.p50_us, "p99_us": self.p99_us})
    }
}

/// One round: every client makes `calls` calls one after another, all clients at once; call
/// numbers start at `first`.
async fn round(callers: &[Caller], calls: usize, first: usize) -> Figures {
    let started = Instant::now();
    let per_client = callers.iter().enumerate().map(|(c, caller)| async move {
        let mut took = Vec::with_capacity(calls);
        for k in 0..calls {
            took.push(caller.call(first + c * calls + k).await);
        }
        took
    });
    let latencies: Vec<Duration> = mcpgen_e2e::join_all(per_client.collect())
        .await
        .into_iter()
        .flatten()
        .collect();
    Figures::of(latencies, started.elapsed())
}

/// The floor: the same requests straight to the API, with the same concurrency.
async fn direct_round(api: &str, clients: usize, calls: usize) -> Figures {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let per_client = (0..clients).map(|c| {
        let http = http.clone();
        async move {
            let mut took = Vec::with_capacity(calls);
            for k in 0..calls {
                let id = order_id(c * calls + k);
                let t = Instant::now();
                let response = http
                    .get(format!("{api}/v1/orders/{id}"))
                    .header("x-api-key", "load-key")
                    .send()
                    .await
                    .unwrap();
                let order: Value = response.json().await.unwrap();
                took.push(t.elapsed());
                assert_eq!(order["id"], id);
            }
            took
        }
    });
    let latencies: Vec<Duration> = mcpgen_e2e::join_all(per_client.collect())
        .await
        .into_iter()
        .flatten()
        .collect();
    Figures::of(latencies, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_every_answer_its_own_memory_flat() {
    let clients = setting("MCPGEN_LOAD_CLIENTS", 16);
    let calls = setting("MCPGEN_LOAD_CALLS", 25);
    let rounds = setting("MCPGEN_LOAD_ROUNDS", 3).max(2);
    // The API answers the order asked for, as a real one would.
    let api = Api::start(|req| {
        let id = req
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Reply::json(
            200,
            json!({"id": id, "status": "paid", "currency": "EUR", "total_cents": 2598,
                   "customer_id": "cus_8f3KzQ1xW9aB", "created_at": "2024-04-02T09:14:00Z",
                   "line_items": []}),
        )
    })
    .await;
    let server = start(
        &["--http", "127.0.0.1:0"],
        &[
            ("ORDERS_BASE_URL", format!("{}/v1", api.url())),
            ("ORDERS_API_KEY_AUTH", "load-key".to_string()),
        ],
    )
    .await;
    let pid = server.child.id().expect("the connector runs");

    // Half the clients hold sessions, half call statelessly.
    let mut callers = Vec::with_capacity(clients);
    for c in 0..clients {
        let era = if c % 2 == 0 {
            Era::Session
        } else {
            Era::Stateless
        };
        callers.push(Caller::open(&server.url, era).await);
    }

    // The first round warms up (connection pools, allocator arenas); memory is measured after it
    // and after the last, so growth is what more calls cost.
    let per_round = clients * calls;
    let mut through = round(&callers, calls, 0).await;
    let warm_kib = memory_kib(pid, "VmRSS");
    for r in 1..rounds {
        through = round(&callers, calls, r * per_round).await;
    }
    let last_kib = memory_kib(pid, "VmRSS");
    let direct = direct_round(&api.url(), clients, calls).await;
    for caller in callers {
        caller.close().await;
    }

    let total = rounds * per_round;
    let received = api.take().len();
    assert_eq!(
        received,
        total + clients * calls,
        "every call reached the API exactly once"
    );
    // Flat: the rounds after the first may not keep more than a little of what they used (4 MiB
    // covers allocator noise; a leak of even 1 KiB per call over the rounds shows above it once
    // there are a few thousand calls).
    let grown = last_kib.saturating_sub(warm_kib);
    assert!(
        grown < 4096,
        "memory grew {grown} KiB over {} calls after warm-up ({warm_kib} → {last_kib} KiB)",
        total - per_round
    );

    let report = json!({
        "clients": clients,
        "calls_per_client_per_round": calls,
        "rounds": rounds,
        "connector": through.json(),
        "direct": direct.json(),
        "throughput_ratio": through.calls_per_sec / direct.calls_per_sec,
        "p99_ratio": through.p99_us / direct.p99_us,
        "rss_kib_after_warmup": warm_kib,
        "rss_kib_at_end": last_kib,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    if let Some(path) = std::env::var_os("MCPGEN_LOAD_REPORT") {
        std::fs::write(path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
}
