//! One keep-alive HTTP/1.1 connection, as a WeChat client holds one: each worker owns one and sends its
//! requests over it one after the other. The worker writes the request and reads the answer on the socket
//! itself (the head parsed by `httparse`, the body read by its `content-length`), as `wrk` does: the generator
//! shares the machine with the server, and every microsecond it spends is taken from the server. (hyper's
//! client ran each connection as a task of its own, fed through a channel: two tasks and two wake-ups a
//! request, a third of the generator's CPU.)

use std::{
    io::Write,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use bytes::{Bytes, BytesMut};
use http::Uri;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Where the server listens: `http://host:port`, without a path.
#[derive(Clone)]
pub struct Target {
    /// `host:port`, to connect to and for the `Host` header.
    authority: String,
}

impl Target {
    pub fn parse(url: &str) -> anyhow::Result<Target> {
        let uri: Uri = url.trim_end_matches('/').parse().with_context(|| format!("{url} is not a URL"))?;
        if uri.scheme_str() != Some("http") {
            bail!("{url}: only http:// targets are supported");
        }
        if !matches!(uri.path(), "" | "/") {
            bail!("{url}: give the server's base URL, without a path");
        }
        let authority = uri.authority().context("the URL has no host")?;
        let port = authority.port_u16().unwrap_or(80);
        Ok(Target { authority: format!("{}:{port}", authority.host()) })
    }
}

/// Why a request got no answer.
#[derive(Debug, PartialEq, Eq)]
pub enum NoAnswer {
    Timeout,
    /// Not connected, or the connection broke.
    Broken,
    /// Not an HTTP/1.1 answer with a `content-length` (what the server always sends).
    Malformed,
}

impl NoAnswer {
    pub fn as_str(&self) -> &'static str {
        match self {
            NoAnswer::Timeout => "timeout",
            NoAnswer::Broken => "no answer",
            NoAnswer::Malformed => "malformed answer",
        }
    }
}

/// The largest answer read.
const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// A connection idle this long is checked for a close by the server before it is used again.
const IDLE_CHECK: Duration = Duration::from_secs(1);

pub struct Conn {
    target: Target,
    stream: Option<TcpStream>,
    /// Bytes read and not yet consumed; and the request being written. Both kept across requests.
    input: BytesMut,
    output: Vec<u8>,
    last_used: Instant,
    timeout: Duration,
}

impl Conn {
    /// A connection made on first use.
    pub fn new(target: &Target, timeout: Duration) -> Conn {
        Conn {
            target: target.clone(),
            stream: None,
            input: BytesMut::with_capacity(16 * 1024),
            output: Vec::with_capacity(2048),
            last_used: Instant::now(),
            timeout,
        }
    }

    /// `POST path` with a JSON body; the status and the whole body, or why there is none. A connection that
    /// failed is dropped, and the next request opens a new one.
    pub async fn post(&mut self, path: &str, headers: &[(&str, &str)], body: String) -> Result<(u16, Bytes), NoAnswer> {
        let answer = match tokio::time::timeout(self.timeout, self.exchange(path, headers, body.as_bytes())).await {
            Ok(answer) => answer,
            Err(_) => Err(NoAnswer::Timeout),
        };
        if answer.is_err() {
            self.stream = None;
        }
        self.last_used = Instant::now();
        answer
    }

    async fn exchange(&mut self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<(u16, Bytes), NoAnswer> {
        if self.stream.as_ref().is_some_and(|s| self.last_used.elapsed() >= IDLE_CHECK && closed(s)) {
            self.stream = None;
        }
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.target.authority).await.map_err(|_| NoAnswer::Broken)?;
            stream.set_nodelay(true).map_err(|_| NoAnswer::Broken)?;
            self.stream = Some(stream);
            self.input.clear();
        }
        self.output.clear();
        let head = &mut self.output;
        let _ = write!(
            head,
            "POST {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            self.target.authority,
            body.len()
        );
        for (name, value) in headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(body);
        let stream = self.stream.as_mut().ok_or(NoAnswer::Broken)?;
        stream.write_all(&self.output).await.map_err(|_| NoAnswer::Broken)?;
        loop {
            if let Some(answer) = take_answer(&mut self.input)? {
                if answer.close {
                    self.stream = None;
                }
                return Ok((answer.status, answer.body));
            }
            if self.input.len() > MAX_ANSWER {
                return Err(NoAnswer::Malformed);
            }
            self.input.reserve(16 * 1024);
            if stream.read_buf(&mut self.input).await.map_err(|_| NoAnswer::Broken)? == 0 {
                return Err(NoAnswer::Broken);
            }
        }
    }
}

/// Whether the server closed (or wrote unasked to) an idle connection.
fn closed(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    !matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

struct Answer {
    status: u16,
    body: Bytes,
    /// The server closes the connection after it.
    close: bool,
}

/// The first whole answer in `input`, taken out of it; `None` while it is incomplete.
fn take_answer(input: &mut BytesMut) -> Result<Option<Answer>, NoAnswer> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut head = httparse::Response::new(&mut headers);
    let head_len = match head.parse(input) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(NoAnswer::Malformed),
    };
    let status = head.code.ok_or(NoAnswer::Malformed)?;
    let mut length = None;
    let mut close = head.version == Some(0);
    for h in head.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse::<usize>().ok());
            length = Some(value.ok_or(NoAnswer::Malformed)?);
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    let length = length.ok_or(NoAnswer::Malformed)?;
    if input.len() < head_len + length {
        return Ok(None);
    }
    let mut answer = input.split_to(head_len + length);
    let body = answer.split_off(head_len).freeze();
    Ok(Some(Answer { status, body, close }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_plain_http_base_urls() {
        assert_eq!(Target::parse("http://127.0.0.1:18100").unwrap().authority, "127.0.0.1:18100");
        assert_eq!(Target::parse("http://localhost/").unwrap().authority, "localhost:80");
        assert!(Target::parse("https://example.com").is_err());
        assert!(Target::parse("http://example.com/graphql").is_err());
        assert!(Target::parse("example").is_err());
    }

    #[tokio::test]
    async fn a_request_goes_over_one_connection_and_a_dead_server_is_no_answer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            // One connection, two requests on it, then it closes.
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for (bodies, answer) in [(1, "{\"a\":1}"), (2, "{\"b\":2}")] {
                let mut buf = [0u8; 4096];
                while String::from_utf8_lossy(&seen).matches("{\"q\":1}").count() < bodies {
                    let n = socket.read(&mut buf).await.unwrap();
                    seen.extend_from_slice(&buf[..n]);
                }
                let reply = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{answer}", answer.len());
                socket.write_all(reply.as_bytes()).await.unwrap();
            }
            String::from_utf8(seen).unwrap()
        });
        let mut conn = Conn::new(&Target::parse(&format!("http://{addr}")).unwrap(), Duration::from_secs(5));
        let first = conn.post("/graphql", &[("x-tenant", "t1")], "{\"q\":1}".into()).await.unwrap();
        assert_eq!(first, (200, Bytes::from_static(b"{\"a\":1}")));
        let second = conn.post("/graphql", &[], "{\"q\":1}".into()).await.unwrap();
        assert_eq!(second, (200, Bytes::from_static(b"{\"b\":2}")));
        let seen = server.await.unwrap();
        assert!(seen.starts_with("POST /graphql HTTP/1.1\r\n"), "{seen}");
        assert!(seen.to_lowercase().contains("x-tenant: t1"), "{seen}");
        assert_eq!(seen.matches("POST /graphql").count(), 2, "both requests on the one connection");
        assert_eq!(conn.post("/graphql", &[], "{}".into()).await, Err(NoAnswer::Broken), "the server is gone");
    }

    #[test]
    fn an_answer_is_taken_once_whole_and_one_without_a_length_is_malformed() {
        let whole =
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusyHTTP/1.1 200";
        for cut in [10, 40, whole.len() - 15, whole.len() - 13] {
            let mut input = BytesMut::from(&whole[..cut]);
            assert!(take_answer(&mut input).unwrap().is_none(), "incomplete at {cut}");
        }
        let mut input = BytesMut::from(&whole[..]);
        let answer = take_answer(&mut input).unwrap().unwrap();
        assert_eq!((answer.status, &answer.body[..], answer.close), (503, &b"busy"[..], true));
        assert_eq!(&input[..], b"HTTP/1.1 200", "what follows the answer stays for the next one");
        let mut chunked =
            BytesMut::from(&b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n"[..]);
        assert_eq!(take_answer(&mut chunked).err(), Some(NoAnswer::Malformed));
        assert_eq!(take_answer(&mut BytesMut::from(&b"SSH-2.0-OpenSSH\r\n\r\n"[..])).err(), Some(NoAnswer::Malformed));
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_while_idle_is_opened_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            // Two connections, one request each: the first closes after its answer.
            for answer in ["{\"a\":1}", "{\"b\":2}"] {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !String::from_utf8_lossy(&seen).contains("{}") {
                    let n = socket.read(&mut buf).await.unwrap();
                    seen.extend_from_slice(&buf[..n]);
                }
                let reply = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{answer}", answer.len());
                socket.write_all(reply.as_bytes()).await.unwrap();
            }
        });
        let mut conn = Conn::new(&Target::parse(&format!("http://{addr}")).unwrap(), Duration::from_secs(5));
        assert_eq!(conn.post("/graphql", &[], "{}".into()).await.unwrap().1, Bytes::from_static(b"{\"a\":1}"));
        tokio::time::sleep(IDLE_CHECK + Duration::from_millis(200)).await;
        assert_eq!(conn.post("/graphql", &[], "{}".into()).await.unwrap().1, Bytes::from_static(b"{\"b\":2}"));
        server.await.unwrap();
    }
}
