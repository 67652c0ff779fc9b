//! Just enough HTTP/1.1 over blocking sockets for the benchmarks: the floor proxy, the fast
//! upstream and the measuring client all speak it, so none of them adds a framework's cost to
//! the figures it is compared with. Bodies are `Content-Length` or chunked; connections are kept
//! alive. Not a general HTTP implementation — the tests use hyper and reqwest for that.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

use serde_json::Value;

/// One request or response: its first line, its headers, its body.
#[derive(Debug)]
pub struct Message {
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status of a response (`HTTP/1.1 200 OK` → 200); 0 when the line has none.
    pub fn status(&self) -> u16 {
        self.start
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// The target of a request (`GET /a/b HTTP/1.1` → `/a/b`).
    pub fn target(&self) -> &str {
        self.start.split(' ').nth(1).unwrap_or("")
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Reads one message; `None` when the peer closed the connection between messages.
pub fn read_message(reader: &mut impl BufRead) -> io::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("connection closed inside the headers"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("header"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut message = Message {
        start: start.trim_end().to_string(),
        headers,
        body: Vec::new(),
    };
    if let Some(length) = message.header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid("content-length"))?;
        message.body.resize(length, 0);
        reader.read_exact(&mut message.body)?;
    } else if message
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        message.body = read_chunked(reader)?;
    }
    Ok(Some(message))
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = size.trim_end().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("chunk size"))?;
        let at = body.len();
        body.resize(at + size, 0);
        reader.read_exact(&mut body[at..])?;
        let mut end = String::new();
        reader.read_line(&mut end)?;
        if size == 0 {
            return Ok(body);
        }
    }
}

/// Writes a request with a `Content-Length` body (none for an empty body and GET).
pub fn write_request(
    writer: &mut impl Write,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!("{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    writer.write_all(&bytes)?;
    writer.flush()
}

/// Writes a response with a `Content-Length` body.
pub fn write_response(
    writer: &mut impl Write,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> io::Result<()> {
    let mut bytes = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        if status < 300 { "OK" } else { "Error" },
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    writer.write_all(&bytes)?;
    writer.flush()
}

/// A kept-alive connection to one server, reopened when the server closed it.
pub struct Connection {
    addr: String,
    stream: Option<(TcpStream, BufReader<TcpStream>)>,
}

impl Connection {
    pub fn new(addr: &str) -> Connection {
        Connection {
            addr: addr.to_string(),
            stream: None,
        }
    }

    /// Sends one request and reads its response, reconnecting once if the kept-alive connection
    /// turned out closed.
    pub fn exchange(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Message> {
        for attempt in 0..2 {
            if self.stream.is_none() {
                let stream = TcpStream::connect(&self.addr)?;
                stream.set_nodelay(true)?;
                let reader = BufReader::new(stream.try_clone()?);
                self.stream = Some((stream, reader));
            }
            let (stream, reader) = self.stream.as_mut().expect("connected above");
            let sent = write_request(stream, method, target, headers, body);
            match sent.and_then(|()| read_message(reader)) {
                Ok(Some(message)) => {
                    if message
                        .header("connection")
                        .is_some_and(|v| v.eq_ignore_ascii_case("close"))
                    {
                        self.stream = None;
                    }
                    return Ok(message);
                }
                Ok(None) | Err(_) if attempt == 0 => self.stream = None,
                Ok(None) => return Err(invalid("the server closed the connection")),
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }
}

/// `template` with each `{name}` replaced by the argument of that name (strings as they are, other
/// values as JSON), unencoded: the benchmarks' requests carry plain identifiers.
pub fn fill_path(template: &str, arguments: &Value) -> String {
    let mut target = template.to_string();
    for (name, value) in arguments.as_object().into_iter().flatten() {
        let value = value
            .as_str()
            .map_or_else(|| value.to_string(), String::from);
        target = target.replace(&format!("{{{name}}}"), &value);
    }
    target
}

/// Serves HTTP/1.1 on 127.0.0.1, on a port the system picks and this prints on stdout for the
/// parent process: a thread per connection, each with a handler of its own from
/// `handler_for_connection`, which answers a request with a status and a JSON body.
pub fn serve<H>(mut handler_for_connection: impl FnMut() -> H)
where
    H: FnMut(&Message) -> (u16, Vec<u8>) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    println!("{}", listener.local_addr().expect("a bound address").port());
    let _ = io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let handler = handler_for_connection();
        std::thread::spawn(move || serve_connection(stream, handler));
    }
}

fn serve_connection(stream: TcpStream, mut handler: impl FnMut(&Message) -> (u16, Vec<u8>)) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Ok(Some(request)) = read_message(&mut reader) {
        let (status, body) = handler(&request);
        if write_response(&mut writer, status, "application/json", &body).is_err() {
            return;
        }
    }
}
