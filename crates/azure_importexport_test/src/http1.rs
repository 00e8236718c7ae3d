//! Just enough HTTP/1.1 for the loopback servers of the tests and benchmarks (the
//! benchmark server, the reliability tests' fault proxy, the TLS test's server): frame a
//! request (head and `Content-Length` body) on a stream within limits, read a head's
//! start line and headers, and write a message head.
//!
//! Lenient and allocation-free: a head is split at `\r\n`, a header at its first `:`,
//! and nothing is validated beyond UTF-8. (httparse, which hyper uses, would validate,
//! but it needs a header array sized up front, one parser for requests and another for
//! responses, and its parsed head borrows the buffer the caller still reads into; these
//! peers are our own clients and the emulator.)
//!
//! ```
//! use azure_importexport_test::http1::{self, Head};
//!
//! let raw = b"PATCH /jobs/a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
//! let head_len = http1::head_len(raw).unwrap();
//! let head = Head::parse(&raw[..head_len]).unwrap();
//! assert_eq!(head.method_and_target(), ("PATCH", "/jobs/a"));
//! assert_eq!(head.content_length(), Some(2));
//! assert_eq!(
//!     http1::message_head("HTTP/1.1 200 OK", [("content-type", "text/plain")], 0, true),
//!     b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
//! );
//! ```

use std::io::Read;
use tokio::io::{AsyncRead, AsyncReadExt as _};

/// The largest head and body [`read_request`] accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes buffered without a complete head (the end of the head included).
    pub head: usize,
    /// `Content-Length` of the body.
    pub body: usize,
}

/// Where a request read by [`read_request`] lies in its buffer: `buf[..head_len]` is the
/// head (its blank line included), the body follows; bytes after [`len`](Self::len)
/// belong to the next request on the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framed {
    /// Length of the head, `\r\n\r\n` included.
    pub head_len: usize,
    /// Length of the body (its `Content-Length`, 0 without one).
    pub body_len: usize,
}

impl Framed {
    /// Length of the whole request.
    pub fn len(&self) -> usize {
        self.head_len + self.body_len
    }

    /// Whether the request is empty (it never is: a head has at least its blank line).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The head of the request in `buf`.
    pub fn head<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        &buf[..self.head_len]
    }

    /// The body of the request in `buf`.
    pub fn body<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        &buf[self.head_len..self.len()]
    }
}

/// Length of the head at the start of `buf` (`\r\n\r\n` included), if it is complete.
pub fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// A message head (start line and headers), borrowed from the bytes read.
#[derive(Clone, Copy, Debug)]
pub struct Head<'a> {
    text: &'a str,
}

impl<'a> Head<'a> {
    /// The head in `head` (as [`head_len`] delimits it); `None` unless it is UTF-8.
    pub fn parse(head: &'a [u8]) -> Option<Self> {
        std::str::from_utf8(head).ok().map(|text| Head { text })
    }

    /// `GET /path HTTP/1.1`, `HTTP/1.1 200 OK`.
    pub fn start_line(&self) -> &'a str {
        self.text.split("\r\n").next().unwrap_or_default()
    }

    /// The method and target of a request line (empty when missing).
    pub fn method_and_target(&self) -> (&'a str, &'a str) {
        let mut words = self.start_line().split(' ');
        let method = words.next().unwrap_or_default();
        (method, words.next().unwrap_or_default())
    }

    /// Every header as `(name, value)`, trimmed, in order; lines without a `:` are
    /// skipped.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.text
            .split("\r\n")
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim(), value.trim()))
    }

    /// The first header called `name` (ASCII case ignored).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The `Content-Length`, if there is a valid one.
    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length")?.parse().ok()
    }
}

/// What the bytes buffered so far hold.
enum Progress {
    Complete(Framed),
    NeedMore,
    TooLarge,
}

fn progress(buf: &[u8], limits: Limits) -> Progress {
    let Some(head_len) = head_len(buf) else {
        return if buf.len() > limits.head {
            Progress::TooLarge
        } else {
            Progress::NeedMore
        };
    };
    // A head that is not UTF-8 is framed without a body; the caller's parse refuses it.
    let body_len = Head::parse(&buf[..head_len])
        .and_then(|head| head.content_length())
        .unwrap_or(0);
    if body_len > limits.body {
        Progress::TooLarge
    } else if buf.len() < head_len + body_len {
        Progress::NeedMore
    } else {
        Progress::Complete(Framed { head_len, body_len })
    }
}

/// Reads from `stream`, appending to `buf` (which may already hold the start of the
/// request), until `buf` holds a whole request. `None` when the stream ends or fails
/// first, or the request exceeds `limits`. Bounded: every read adds to `buf`, and `buf`
/// never grows far past the limits.
pub async fn read_request<S>(stream: &mut S, buf: &mut Vec<u8>, limits: Limits) -> Option<Framed>
where
    S: AsyncRead + Unpin + ?Sized,
{
    loop {
        match progress(buf, limits) {
            Progress::Complete(framed) => return Some(framed),
            Progress::TooLarge => return None,
            Progress::NeedMore => {}
        }
        match stream.read_buf(buf).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// [`read_request`] on a blocking stream.
pub fn read_request_blocking<S>(stream: &mut S, buf: &mut Vec<u8>, limits: Limits) -> Option<Framed>
where
    S: Read + ?Sized,
{
    let mut chunk = [0u8; 4096];
    loop {
        match progress(buf, limits) {
            Progress::Complete(framed) => return Some(framed),
            Progress::TooLarge => return None,
            Progress::NeedMore => {}
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(read) => buf.extend_from_slice(&chunk[..read]),
        }
    }
}

/// A message head: `start_line`, the `headers` in order, `content-length`, and
/// `connection: close` when `close`.
pub fn message_head<'h>(
    start_line: &str,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    content_length: usize,
    close: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(start_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"content-length: ");
    out.extend_from_slice(content_length.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A whole message: [`message_head`] with the body's length, then the body.
pub fn message<'h>(
    start_line: &str,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let mut out = message_head(start_line, headers, body.len(), close);
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { head: 64, body: 16 };

    /// Feeds `data` in pieces of `step` bytes.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(self.data.len()).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn requests_are_framed_by_their_content_length_and_the_next_one_is_kept() {
        let two = b"PUT /a HTTP/1.1\r\ncontent-length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n";
        for step in [1, 7, two.len()] {
            let mut stream = Trickle { data: two, step };
            let mut buf = Vec::new();
            let first = read_request_blocking(&mut stream, &mut buf, LIMITS).unwrap();
            assert_eq!(first.body(&buf), b"abc");
            let head = Head::parse(first.head(&buf)).unwrap();
            assert_eq!(head.method_and_target(), ("PUT", "/a"));
            buf.drain(..first.len());
            let second = read_request_blocking(&mut stream, &mut buf, LIMITS).unwrap();
            assert_eq!(second.body_len, 0);
            assert_eq!(
                Head::parse(second.head(&buf)).unwrap().start_line(),
                "GET /b HTTP/1.1"
            );
            buf.drain(..second.len());
            assert_eq!(read_request_blocking(&mut stream, &mut buf, LIMITS), None);
        }
    }

    #[test]
    fn limits_and_early_ends_stop_the_reading() {
        let read = |data: &[u8]| {
            let mut stream = Trickle { data, step: 5 };
            read_request_blocking(&mut stream, &mut Vec::new(), LIMITS)
        };
        assert_eq!(read(&[b'x'; 200]), None, "no head within the limit");
        assert_eq!(read(b"POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n"), None);
        assert_eq!(
            read(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab"),
            None
        );
        assert_eq!(read(b"GET / HTTP/1.1\r\n"), None);
    }

    #[tokio::test]
    async fn the_async_reader_frames_the_same_way() {
        let data: &[u8] = b"PATCH /j HTTP/1.1\r\nHost: x\r\nCONTENT-LENGTH:  2 \r\n\r\n{}";
        let mut stream = data;
        let mut buf = Vec::new();
        let framed = read_request(&mut stream, &mut buf, LIMITS).await.unwrap();
        assert_eq!(framed.len(), data.len());
        let head = Head::parse(framed.head(&buf)).unwrap();
        assert_eq!(head.header("host"), Some("x"));
        assert_eq!(head.header("accept"), None);
        assert_eq!(head.headers().count(), 2);
    }
}
