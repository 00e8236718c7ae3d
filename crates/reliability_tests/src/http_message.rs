//! The proxy's HTTP/1.1: read one request from a client, forward it to the upstream on a
//! fresh connection and read the whole response (chunked or not), write a message back.

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
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Serializes with `Connection: close` and the given `Content-Length` (the body's own
    /// length when `None`), without any `Transfer-Encoding`.
    pub fn to_bytes(&self, content_length: Option<usize>, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(body.len() + 512);
        out.extend_from_slice(self.start_line.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            let skip = [
                "connection",
                "keep-alive",
                "content-length",
                "transfer-encoding",
            ]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
            if !skip {
                out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
        }
        let length = content_length.unwrap_or(body.len());
        out.extend_from_slice(
            format!("content-length: {length}\r\nconnection: close\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(body);
        out
    }
}

fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &[u8]) -> Option<(String, Vec<(String, String)>)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let start_line = lines.next()?.to_owned();
    let headers = lines
        .filter(|line| !line.is_empty())
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    Some((start_line, headers))
}

/// Reads one request (head and `Content-Length` body) from the client.
pub(crate) async fn read_request(socket: &mut TcpStream) -> Option<Message> {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find_head_end(&buffer) {
            break end;
        }
        if buffer.len() > MAX_MESSAGE {
            return None;
        }
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let (start_line, headers) = parse_head(&buffer[..head_end])?;
    let mut message = Message {
        start_line,
        headers,
        body: buffer[head_end + 4..].to_vec(),
    };
    let length: usize = message
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_MESSAGE {
        return None;
    }
    while message.body.len() < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        message.body.extend_from_slice(&chunk[..read]);
    }
    message.body.truncate(length);
    Some(message)
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
    let head_end = find_head_end(&raw)?;
    let (start_line, headers) = parse_head(&raw[..head_end])?;
    let mut response = Message {
        start_line,
        headers,
        body: raw[head_end + 4..].to_vec(),
    };
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
