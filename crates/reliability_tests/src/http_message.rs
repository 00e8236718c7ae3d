//! The proxy's HTTP/1.1: read one request from a client, forward it to the upstream on a
//! fresh connection and read the whole response (chunked or not), write a message back.

use azure_importexport_test::http1::{self, Head, Limits};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Largest request or response the proxy handles (bigger ones are dropped).
const MAX_MESSAGE: usize = 8 * 1024 * 1024;

/// A parsed HTTP/1.1 message: head lines and body.
pub(crate) struct Message {
    pub start_line: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    /// The message whose head is `head` (as [`http1::head_len`] delimits it), with `body`.
    fn new(head: &[u8], body: Vec<u8>) -> Option<Message> {
        let head = Head::parse(head)?;
        Some(Message {
            start_line: head.start_line().to_owned(),
            headers: head
                .headers()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            body,
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Serializes with `Connection: close` and the given `Content-Length` (the body's own
    /// length when `None`), without any `Transfer-Encoding`.
    pub fn to_bytes(&self, content_length: Option<usize>, body: &[u8]) -> Vec<u8> {
        const HOP_BY_HOP: [&str; 4] = [
            "connection",
            "keep-alive",
            "content-length",
            "transfer-encoding",
        ];
        let headers = self
            .headers
            .iter()
            .filter(|(name, _)| !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)))
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let mut out = http1::message_head(
            &self.start_line,
            headers,
            content_length.unwrap_or(body.len()),
            true,
        );
        out.extend_from_slice(body);
        out
    }
}

/// Reads one request (head and `Content-Length` body) from the client.
pub(crate) async fn read_request(socket: &mut TcpStream) -> Option<Message> {
    let limits = Limits {
        head: MAX_MESSAGE,
        body: MAX_MESSAGE,
    };
    let mut buffer = Vec::with_capacity(4096);
    let request = http1::read_request(socket, &mut buffer, limits).await?;
    Message::new(request.head(&buffer), request.body(&buffer).to_vec())
}

/// Decodes a chunked body (bounded by the input's length).
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    for _ in 0..=data.len() {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
    None
}

/// Sends the request to the upstream on a fresh connection and reads the whole response.
pub(crate) async fn forward(upstream: SocketAddr, request: &Message) -> Option<Message> {
    let mut socket = TcpStream::connect(upstream).await.ok()?;
    socket
        .write_all(&request.to_bytes(None, &request.body))
        .await
        .ok()?;
    let mut raw = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    // Bounded by MAX_MESSAGE and the caller's timeout.
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..read]);
        if raw.len() > MAX_MESSAGE {
            return None;
        }
    }
    let head_len = http1::head_len(&raw)?;
    let mut response = Message::new(&raw[..head_len], raw[head_len..].to_vec())?;
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        response.body = dechunk(&response.body)?;
    } else if let Some(length) = response
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        response.body.truncate(length);
    }
    Some(response)
}
