//! The per-call half of the benchmark suite (`benches/suite.sh` runs it): start-up, per-call
//! latency over stdio and Streamable HTTP (both protocol eras) and throughput with concurrent
//! clients, for one connector beside its references measured in the same run — the API called
//! directly and the hand-written floor proxy (`floor`) over the same transport.
//!
//! `bench upstream` serves the fast local API (prints its port). `bench run KEY VALUE …` measures
//! and writes a JSON report; the keys are listed in [`Settings`].

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use mcpgen_e2e::memory_kib;
use mcpgen_e2e::wire::{self, Connection};
use serde_json::{Value, json};

/// What `bench run` is told, as `KEY VALUE` pairs on its command line.
struct Settings {
    /// The connector binary and the floor binary; optionally the async floor (stdio only).
    connector: String,
    floor: String,
    async_floor: Option<String>,
    /// `NAME=VALUE` pairs for the connector's environment, besides its base URL.
    env: Vec<(String, String)>,
    /// The variable that takes the API's base URL, and the path prefix to put after the host.
    base_var: String,
    base_path: String,
    /// The tool to call, its arguments, and the upstream target it becomes (for the floor and
    /// the direct calls; `{name}` placeholders are filled from the arguments).
    tool: String,
    arguments: Value,
    path: String,
    /// Sequential calls per series, concurrent clients, calls per client, start-ups.
    calls: usize,
    clients: usize,
    client_calls: usize,
    starts: usize,
    /// Which measurements to make: `startup`, `stdio`, `http`, `throughput` or `all`.
    parts: Vec<String>,
    out: String,
}

impl Settings {
    fn parse(args: &[String]) -> Settings {
        let mut values: HashMap<&str, Vec<&str>> = HashMap::new();
        for pair in args.chunks(2) {
            let [key, value] = pair else {
                panic!("bench run: `{}` has no value", pair[0]);
            };
            values
                .entry(key.trim_start_matches("--"))
                .or_default()
                .push(value);
        }
        let one = |key: &str| -> String {
            values
                .get(key)
                .and_then(|v| v.last())
                .unwrap_or_else(|| panic!("bench run: `--{key}` is required"))
                .to_string()
        };
        let number = |key: &str, default: usize| -> usize {
            values
                .get(key)
                .and_then(|v| v.last())
                .map_or(default, |v| v.parse().expect("a number"))
        };
        let env = values
            .get("env")
            .into_iter()
            .flatten()
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("--env NAME=VALUE");
                (k.to_string(), v.to_string())
            })
            .collect();
        Settings {
            connector: one("connector"),
            floor: one("floor"),
            async_floor: values
                .get("async-floor")
                .and_then(|v| v.last())
                .map(|v| v.to_string()),
            env,
            base_var: one("base-var"),
            base_path: values
                .get("base-path")
                .and_then(|v| v.last())
                .unwrap_or(&"")
                .to_string(),
            tool: one("tool"),
            arguments: serde_json::from_str(&one("arguments")).expect("--arguments is JSON"),
            path: one("path"),
            calls: number("calls", 2_000),
            clients: number("clients", 16),
            client_calls: number("client-calls", 500),
            starts: number("starts", 15),
            parts: values
                .get("parts")
                .and_then(|v| v.last())
                .unwrap_or(&"all")
                .split(',')
                .map(String::from)
                .collect(),
            out: one("out"),
        }
    }

    fn target(&self) -> String {
        wire::fill_path(&self.path, &self.arguments)
    }
}

/// Median, p99 and mean of a series, in microseconds.
fn summary(mut samples: Vec<Duration>) -> Value {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1e6
    };
    let mean = samples.iter().map(Duration::as_secs_f64).sum::<f64>() / samples.len() as f64;
    json!({"n": samples.len(), "p50_us": at(0.5), "p99_us": at(0.99), "mean_us": mean * 1e6})
}

fn time_each(n: usize, mut call: impl FnMut(usize)) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let started = Instant::now();
            call(i);
            started.elapsed()
        })
        .collect()
}

/// Rounds each comparison takes turns in, so that a change in the machine's state (a noisy
/// neighbour, a CPU waking from idle) falls on every series alike.
const ROUNDS: usize = 10;
/// Calls that warm a freshly started server before a round is measured.
const WARM_UP: usize = 20;

/// Samples by series name, summarised when the rounds are over.
#[derive(Default)]
struct Samples(std::collections::BTreeMap<String, Vec<Duration>>);

impl Samples {
    fn add(&mut self, name: &str, samples: Vec<Duration>) {
        self.0.entry(name.to_string()).or_default().extend(samples);
    }

    fn report(self) -> Value {
        let mut report = json!({});
        for (name, samples) in self.0 {
            report[name] = summary(samples);
        }
        report
    }
}

/// An answer must be a result, and a tool call's must not be an error.
fn check(reply: &[u8], what: &str) {
    let text = String::from_utf8_lossy(reply);
    assert!(
        text.contains("\"result\"") && !text.contains("\"isError\":true"),
        "{what}: {}",
        text.chars().take(600).collect::<String>()
    );
}

// ---- the fast upstream ----

/// The fast upstream: every request answered with a small JSON object naming the last segment
/// of its path.
fn serve_upstream() {
    wire::serve(|| {
        |request: &wire::Message| {
            let path = request.target().split('?').next().unwrap_or("");
            let id = path.rsplit('/').next().unwrap_or("");
            let body = json!({"id": id, "status": "open", "currency": "EUR", "total": 1999,
                "items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-7", "quantity": 1}]});
            (200, serde_json::to_vec(&body).expect("JSON"))
        }
    });
}

/// Starts this binary's upstream in a process of its own; returns it and its `host:port`.
fn start_upstream() -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .arg("upstream")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the upstream");
    let port = read_port(child.stdout.take().expect("piped"));
    (child, format!("127.0.0.1:{port}"))
}

fn read_port(stdout: ChildStdout) -> u16 {
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the port");
    line.trim().parse().expect("a port number")
}

// ---- MCP over stdio ----

struct StdioPeer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl StdioPeer {
    fn start(command: &mut Command) -> StdioPeer {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start over stdio");
        StdioPeer {
            stdin: child.stdin.take().expect("piped"),
            stdout: BufReader::new(child.stdout.take().expect("piped")),
            child,
        }
    }

    fn send(&mut self, message: &Value) {
        let mut line = serde_json::to_vec(message).expect("JSON");
        line.push(b'\n');
        self.stdin.write_all(&line).expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    /// Sends a request and returns the answer line (notifications in between are skipped).
    fn request(&mut self, message: &Value) -> Vec<u8> {
        self.send(message);
        loop {
            let mut line = Vec::new();
            let read = self.stdout.read_until(b'\n', &mut line).expect("read");
            assert!(read > 0, "the server closed stdout");
            if line.windows(5).any(|w| w == b"\"id\":") {
                return line;
            }
        }
    }

    fn initialize(&mut self) {
        let reply = self.request(&initialize("2025-11-25"));
        check(&reply, "initialize");
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    }

    /// Closes stdin, as a client does, and waits for the server to leave.
    fn stop(mut self) {
        drop(self.stdin);
        end(&mut self.child, false);
    }
}

fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "mcpgen-bench", "version": "1"}}})
}

fn call_message(id: usize, settings: &Settings) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": settings.tool, "arguments": settings.arguments}})
}

fn ping_message(id: usize) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

/// Ping and tool-call latency over stdio, the floor's and the connector's in turns, each started
/// afresh for its turn: with only one server running, as under a real client, neither gets a
/// better place on the CPUs for having started first (measured: up to 6× on a 2-core VM).
fn stdio_series(mut peers: Vec<(&str, Command)>, settings: &Settings) -> Value {
    let per_round = settings.calls.div_ceil(ROUNDS);
    let mut samples = Samples::default();
    for _ in 0..ROUNDS {
        for (name, command) in &mut peers {
            let mut peer = StdioPeer::start(command);
            peer.initialize();
            for i in 0..WARM_UP {
                check(&peer.request(&call_message(i, settings)), "warm-up call");
            }
            let ping = time_each(per_round, |i| {
                check(&peer.request(&ping_message(i)), "ping");
            });
            let call = time_each(per_round, |i| {
                check(&peer.request(&call_message(i, settings)), "call");
            });
            samples.add(&format!("{name}_ping"), ping);
            samples.add(&format!("{name}_call"), call);
            peer.stop();
        }
    }
    samples.report()
}

/// Start to the first page of `tools/list`, the peak RSS then, and the whole listing's bytes.
fn startup(command: &mut Command, starts: usize) -> Value {
    let mut first_page = Vec::new();
    let mut rss = Vec::new();
    let mut listing = (0, 0);
    for run in 0..=starts {
        let started = Instant::now();
        let mut peer = StdioPeer::start(command);
        peer.initialize();
        let mut page = peer.request(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
        let took = started.elapsed();
        let hwm = memory_kib(peer.child.id(), "VmHWM");
        let (mut bytes, mut tools) = (0, 0);
        loop {
            let reply: Value = serde_json::from_slice(&page).expect("tools/list is JSON");
            bytes += page.len();
            tools += reply["result"]["tools"].as_array().map_or(0, Vec::len);
            let Some(cursor) = reply["result"]["nextCursor"].as_str() else {
                break;
            };
            page = peer.request(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list",
                "params": {"cursor": cursor}}));
        }
        peer.stop();
        // The first run warms the page cache.
        if run > 0 {
            first_page.push(took);
            rss.push(hwm);
            listing = (bytes, tools);
        }
    }
    rss.sort_unstable();
    json!({"first_list": summary(first_page), "peak_rss_kib": rss[rss.len() / 2],
        "tools_list_bytes": listing.0, "tools": listing.1})
}

// ---- MCP over Streamable HTTP ----

#[derive(Clone, Copy, PartialEq)]
enum Era {
    /// 2025-11-25: a session opened by `initialize`.
    Session,
    /// 2026-07-28: every request on its own.
    Stateless,
}

/// One client's kept-alive connection to an MCP endpoint.
struct HttpClient {
    connection: Connection,
    era: Era,
    session: Option<String>,
    tool: String,
}

impl HttpClient {
    fn open(addr: &str, era: Era, tool: &str) -> HttpClient {
        let mut client = HttpClient {
            connection: Connection::new(addr),
            era,
            session: None,
            tool: tool.to_string(),
        };
        if era == Era::Session {
            let response = client.post(&initialize("2025-11-25"), "initialize");
            client.session = response.header("mcp-session-id").map(String::from);
            client.post(
                &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                "notifications/initialized",
            );
        }
        client
    }

    fn post(&mut self, message: &Value, method: &str) -> wire::Message {
        let body = serde_json::to_vec(message).expect("JSON");
        let mut headers = vec![
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        match (self.era, &self.session) {
            (Era::Session, Some(session)) => {
                headers.push(("mcp-session-id", session));
                headers.push(("mcp-protocol-version", "2025-11-25"));
            }
            (Era::Session, None) => {}
            (Era::Stateless, _) => {
                headers.push(("mcp-protocol-version", "2026-07-28"));
                headers.push(("mcp-method", method));
                if method == "tools/call" {
                    headers.push(("mcp-name", &self.tool));
                }
            }
        }
        let response = self
            .connection
            .exchange("POST", "/mcp", &headers, &body)
            .expect("the MCP endpoint answers");
        assert!(
            response.status() < 300,
            "{method}: HTTP {} {}",
            response.status(),
            String::from_utf8_lossy(&response.body)
        );
        response
    }

    fn request(&mut self, mut message: Value, method: &str) -> Vec<u8> {
        if self.era == Era::Stateless {
            message["params"]["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {}});
        }
        let response = self.post(&message, method);
        response.body
    }
}

/// The request that does no work: `ping` in a session; the 2026-07-28 era has no `ping`, and
/// `server/discover` is its cheapest request.
fn noop(era: Era) -> &'static str {
    match era {
        Era::Session => "ping",
        Era::Stateless => "server/discover",
    }
}

/// Ping and tool-call latency over Streamable HTTP on a kept-alive connection: the floor, and
/// the connector in both eras, in turns, each server started afresh for its turn (see
/// [`stdio_series`]).
fn http_series(settings: &Settings, upstream: &str) -> Value {
    let per_round = settings.calls.div_ceil(ROUNDS);
    let mut samples = Samples::default();
    for _ in 0..ROUNDS {
        for server in [Server::Floor, Server::Connector] {
            let running = server.start(settings, upstream);
            for &(name, era) in server.eras() {
                let mut client = HttpClient::open(&running.addr, era, &settings.tool);
                for i in 0..WARM_UP {
                    let reply = client.request(call_message(i, settings), "tools/call");
                    check(&reply, "warm-up call");
                }
                let method = noop(era);
                let ping = time_each(per_round, |i| {
                    let message = json!({"jsonrpc": "2.0", "id": i, "method": method});
                    check(&client.request(message, method), method);
                });
                let call = time_each(per_round, |i| {
                    let reply = client.request(call_message(i, settings), "tools/call");
                    check(&reply, "call");
                });
                samples.add(&format!("{name}_ping"), ping);
                samples.add(&format!("{name}_call"), call);
            }
        }
    }
    samples.report()
}

/// The two servers over HTTP.
#[derive(Clone, Copy)]
enum Server {
    Floor,
    Connector,
}

impl Server {
    fn start(self, settings: &Settings, upstream: &str) -> HttpServer {
        match self {
            Server::Floor => start_floor_http(settings, upstream),
            Server::Connector => start_connector_http(settings, upstream),
        }
    }

    /// The series measured on it, by name: the floor has no sessions.
    fn eras(self) -> &'static [(&'static str, Era)] {
        match self {
            Server::Floor => &[("floor", Era::Stateless)],
            Server::Connector => &[("session", Era::Session), ("stateless", Era::Stateless)],
        }
    }
}

/// `clients` clients at once, each on its own connection, `client_calls` calls each.
fn throughput(addr: &str, era: Era, settings: &Settings) -> Value {
    let start = Arc::new(Barrier::new(settings.clients + 1));
    let workers: Vec<_> = (0..settings.clients)
        .map(|_| {
            let start = start.clone();
            let addr = addr.to_string();
            let message = call_message(1, settings);
            let (tool, calls) = (settings.tool.clone(), settings.client_calls);
            std::thread::spawn(move || {
                let mut client = HttpClient::open(&addr, era, &tool);
                check(&client.request(message.clone(), "tools/call"), "warm-up");
                start.wait();
                time_each(calls, |_| {
                    check(&client.request(message.clone(), "tools/call"), "call");
                })
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let samples: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("a client thread"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let mut result = summary(samples.clone());
    result["calls_per_sec"] = json!(samples.len() as f64 / elapsed);
    result["clients"] = json!(settings.clients);
    result
}

/// A server over HTTP, killed when dropped.
struct HttpServer {
    child: Child,
    addr: String,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        end(&mut self.child, true);
    }
}

/// Lets a child leave on its own (after SIGINT, as from a terminal, when `terminate`), so a profiler wrapped around
/// it writes its data; kills it after two seconds.
fn end(child: &mut Child, terminate: bool) {
    if terminate {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn start_floor_http(settings: &Settings, upstream: &str) -> HttpServer {
    let mut child = Command::new(&settings.floor)
        .args(["http", upstream, &settings.path, &settings.tool])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the floor");
    let port = read_port(child.stdout.take().expect("piped"));
    HttpServer {
        child,
        addr: format!("127.0.0.1:{port}"),
    }
}

fn connector_command(settings: &Settings, upstream: &str) -> Command {
    let mut command = Command::new(&settings.connector);
    command
        .envs(settings.env.iter().map(|(k, v)| (k, v)))
        .env(
            &settings.base_var,
            format!("http://{upstream}{}", settings.base_path),
        )
        .env_remove("RUST_LOG");
    command
}

fn start_connector_http(settings: &Settings, upstream: &str) -> HttpServer {
    let mut child = connector_command(settings, upstream)
        .args(["--http", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the connector");
    let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the connector exited before listening")
            .expect("stderr");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_string();
        }
    };
    // Keep draining its log so a full pipe never blocks it.
    std::thread::spawn(move || lines.for_each(drop));
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port")
        .to_string();
    HttpServer { child, addr }
}

/// CPU time (user and system) a process has used so far, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process runs");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("a stat line")
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    ticks / 100.0
}

/// Throughput of the floor and of the connector in both eras (one server running at a time),
/// with the connector's CPU time per call and its memory at the end.
fn throughput_part(settings: &Settings, upstream: &str) -> Value {
    let floor = Server::Floor.start(settings, upstream);
    let mut part = json!({"floor": throughput(&floor.addr, Era::Stateless, settings)});
    drop(floor);
    let connector = Server::Connector.start(settings, upstream);
    let pid = connector.child.id();
    for &(name, era) in Server::Connector.eras() {
        let cpu = cpu_seconds(pid);
        let mut figures = throughput(&connector.addr, era, settings);
        let calls = (settings.clients * settings.client_calls) as f64;
        figures["cpu_us_per_call"] = json!((cpu_seconds(pid) - cpu) / calls * 1e6);
        part[name] = figures;
    }
    part["connector_rss_kib_at_end"] = json!(memory_kib(pid, "VmRSS"));
    part["connector_peak_rss_kib"] = json!(memory_kib(pid, "VmHWM"));
    part
}

fn run(settings: &Settings) -> Value {
    let (upstream, upstream_addr) = start_upstream();
    let _upstream = HttpServer {
        child: upstream,
        addr: upstream_addr.clone(),
    };
    let mut direct = Connection::new(&upstream_addr);
    let target = settings.target();
    let direct_call = time_each(settings.calls, |_| {
        let response = direct.exchange("GET", &target, &[], b"").expect("upstream");
        assert_eq!(response.status(), 200);
    });
    let mut report = json!({"tool": settings.tool, "direct": {"call": summary(direct_call)}});
    let wanted = |part: &str| settings.parts.iter().any(|p| p == part || p == "all");

    let mut floor_stdio = Command::new(&settings.floor);
    floor_stdio.args(["stdio", &upstream_addr, &settings.path, &settings.tool]);
    let mut connector_stdio = connector_command(settings, &upstream_addr);
    if wanted("startup") {
        report["startup"] = json!({
            "floor": startup(&mut floor_stdio, settings.starts),
            "connector": startup(&mut connector_stdio, settings.starts)});
    }
    if wanted("stdio") {
        let mut peers = vec![("floor", floor_stdio), ("connector", connector_stdio)];
        if let Some(binary) = &settings.async_floor {
            let mut command = Command::new(binary);
            command.args([&upstream_addr, &settings.path, &settings.tool]);
            peers.push(("async_floor", command));
        }
        report["stdio"] = stdio_series(peers, settings);
    }
    if wanted("http") {
        report["http"] = http_series(settings, &upstream_addr);
    }
    if wanted("throughput") {
        report["throughput"] = throughput_part(settings, &upstream_addr);
    }
    report
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("upstream") => serve_upstream(),
        // The protocol layer alone: `ping` over stdio to any server command.
        Some("stdio-ping") if args.len() > 1 => {
            let mut peer = StdioPeer::start(Command::new(&args[1]).args(&args[2..]));
            peer.initialize();
            let ping = time_each(5_000, |i| check(&peer.request(&ping_message(i)), "ping"));
            peer.stop();
            println!("{}", summary(ping));
        }
        Some("run") => {
            let settings = Settings::parse(&args[1..]);
            let report = run(&settings);
            let text = serde_json::to_string_pretty(&report).expect("JSON");
            std::fs::write(&settings.out, text).expect("write the report");
        }
        _ => {
            eprintln!("usage: bench upstream | bench run --connector BIN --floor BIN ...");
            std::process::exit(2);
        }
    }
}
