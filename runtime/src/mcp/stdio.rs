//! MCP over stdin/stdout as JSON-RPC lines, with what rmcp's own line transport leaves out: it
//! drops a line it cannot parse in silence, so a client that sent one waits forever. Here a line
//! that is not JSON (`NaN`, a broken object) or is longer than [`MAX_LINE`] is answered with a
//! JSON-RPC parse error (-32700), and JSON that is no JSON-RPC message with an invalid-request
//! error (-32600, with its `id` when it has one), as JSON-RPC 2.0 prescribes. Notifications are
//! never answered. Lines leave through one writer task, so answers never interleave. Integers
//! beyond 64 bits in arguments are marked before parsing ([`crate::bigint`]).

use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ErrorData, RequestId, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The longest line read: longer ones are skipped (never held) and answered -32700. The same
/// as rmcp's own default.
pub(super) const MAX_LINE: usize = 16 * 1024 * 1024;

/// Lines waiting for the writer.
const QUEUE: usize = 64;

/// The transport over a reader and a writer (stdin and stdout in production).
pub(super) struct Lines<R> {
    reader: BufReader<R>,
    /// The line read so far: kept across cancelled reads.
    line: Vec<u8>,
    /// Skipping the rest of a line over the limit.
    skipping: bool,
    /// An error answer not yet handed to the writer.
    pending: Option<Vec<u8>>,
    out: Option<mpsc::Sender<Vec<u8>>>,
    writer: Option<JoinHandle<()>>,
}

/// MCP over this process's stdin and stdout, through rmcp's pipe handles: non-blocking on the
/// IO reactor when both are pipes (as under every MCP client), Tokio's blocking ones otherwise.
pub(super) fn transport() -> Lines<rmcp::transport::io::StdioReader> {
    let (read, write) = rmcp::transport::stdio_pipes();
    Lines::new(read, write)
}

impl<R: AsyncRead + Unpin + Send> Lines<R> {
    pub(super) fn new(read: R, write: impl AsyncWrite + Unpin + Send + 'static) -> Lines<R> {
        let (out, lines) = mpsc::channel(QUEUE);
        Lines {
            reader: BufReader::new(read),
            line: Vec::new(),
            skipping: false,
            pending: None,
            out: Some(out),
            writer: Some(tokio::spawn(write_lines(lines, write))),
        }
    }

    /// Reads up to the end of a line; `Some(false)`: the line was over the limit (and skipped).
    /// Cancellation-safe: what was read stays in `self.line`.
    async fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok(None);
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            let over = !self.skipping && self.line.len() + take > MAX_LINE;
            if over {
                self.line.clear();
                self.skipping = true;
            } else if !self.skipping {
                self.line.extend_from_slice(&available[..take]);
            }
            self.reader.consume(take);
            if newline.is_some() {
                let whole = !std::mem::replace(&mut self.skipping, false);
                return Ok(Some(whole));
            }
            if over {
                // Answered at once; the rest of the line is skipped as it comes.
                return Ok(Some(false));
            }
        }
    }

    /// Hands the pending answer to the writer (cancellation-safe: it stays pending until sent).
    async fn flush_pending(&mut self) -> bool {
        let Some(out) = &self.out else { return false };
        if self.pending.is_some() {
            let Ok(permit) = out.reserve().await else {
                return false;
            };
            if let Some(answer) = self.pending.take() {
                permit.send(answer);
            }
        }
        true
    }
}

/// The message a line holds, or the answer it gets (as a line; none for a notification).
fn parse(line: &[u8]) -> Result<ClientJsonRpcMessage, Option<Vec<u8>>> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let marked = crate::bigint::mark(line);
    let line = marked.as_deref().unwrap_or(line);
    let e = match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => return Ok(message),
        Err(e) => e,
    };
    let answer = match serde_json::from_slice::<Value>(line) {
        Err(_) => parse_error(&format!("Parse error: {e}")),
        // A notification gets no answer, even a malformed one.
        Ok(v) if v.get("method").is_some() && v.get("id").is_none() => return Err(None),
        Ok(v) => {
            let id = v
                .get("id")
                .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
            let error = ErrorData::invalid_request(format!("Invalid request: {e}"), None);
            ServerJsonRpcMessage::error(error, id)
        }
    };
    Err(line_of(&answer).ok())
}

fn parse_error(message: &str) -> ServerJsonRpcMessage {
    ServerJsonRpcMessage::error(ErrorData::parse_error(message.to_string(), None), None)
}

/// One JSON-RPC message as a line.
fn line_of(message: &ServerJsonRpcMessage) -> Result<Vec<u8>, std::io::Error> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    Ok(line)
}

/// Writes every line it is given, flushing whenever none is waiting.
async fn write_lines(mut lines: mpsc::Receiver<Vec<u8>>, mut write: impl AsyncWrite + Unpin) {
    while let Some(line) = lines.recv().await {
        if write.write_all(&line).await.is_err() {
            return;
        }
        if lines.is_empty() && write.flush().await.is_err() {
            return;
        }
    }
    let _ = write.flush().await;
}

impl<R: AsyncRead + Unpin + Send> Transport<RoleServer> for Lines<R> {
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let out = self.out.clone();
        let line = line_of(&item);
        async move {
            let out = out.ok_or_else(|| std::io::Error::other("the transport is closed"))?;
            out.send(line?)
                .await
                .map_err(|_| std::io::Error::other("stdout is closed"))
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            if !self.flush_pending().await {
                return None;
            }
            match self.read_line().await {
                Ok(None) | Err(_) => return None,
                Ok(Some(false)) => {
                    let error = parse_error(&format!(
                        "Parse error: the message is longer than {} MiB",
                        MAX_LINE / 1024 / 1024
                    ));
                    self.pending = line_of(&error).ok();
                }
                Ok(Some(true)) => {
                    let line = std::mem::take(&mut self.line);
                    let text = line.trim_ascii();
                    if text.is_empty() {
                        continue;
                    }
                    match parse(text) {
                        Ok(message) => return Some(message),
                        Err(answer) => self.pending = answer,
                    }
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        // The writer ends once every sender is gone, after writing what it was given.
        self.out = None;
        if let Some(writer) = self.writer.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Feeds `input` to the transport and returns what it received and what it wrote.
    async fn exchange(input: Vec<u8>) -> (usize, Vec<Value>) {
        let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, mut client_in) = tokio::io::duplex(1 << 16);
        let mut transport = Lines::new(server_in, server_out);
        let feeding = tokio::spawn(async move {
            client_out.write_all(&input).await.unwrap();
        });
        let mut received = 0;
        while transport.receive().await.is_some() {
            received += 1;
        }
        feeding.await.unwrap();
        transport.close().await.unwrap();
        drop(transport);
        let mut written = String::new();
        client_in.read_to_string(&mut written).await.unwrap();
        let answers = written
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (received, answers)
    }

    #[tokio::test]
    async fn every_bad_line_is_answered_and_good_ones_pass() {
        let mut input = Vec::new();
        input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
        input.extend_from_slice(
            b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":NaN}\n",
        );
        input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[\n");
        input.extend_from_slice(b"[1, 2]\n\n");
        input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"foo\":1}\n");
        input.extend_from_slice(
            b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\",\"params\":7}\n",
        );
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        input.extend_from_slice(b"\n{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}\n");
        let (received, answers) = exchange(input).await;
        assert_eq!(received, 2, "the two pings");
        let codes: Vec<(i64, Value)> = answers
            .iter()
            .map(|a| (a["error"]["code"].as_i64().unwrap(), a["id"].clone()))
            .collect();
        assert_eq!(
            codes,
            [
                (-32700, Value::Null),
                (-32700, Value::Null),
                (-32600, Value::Null),
                (-32600, Value::from("x")),
                (-32700, Value::Null),
            ]
        );
    }
}
