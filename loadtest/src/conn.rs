//! One keep-alive HTTP/1.1 connection, as a WeChat client holds one: each worker owns one and sends its
//! requests over it one after the other. Plain hyper, without a client's pool: the generator shares the
//! machine with the server, and every microsecond it spends is taken from the server.

use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Uri, client::conn::http1::SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

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
}

impl NoAnswer {
    pub fn as_str(&self) -> &'static str {
        match self {
            NoAnswer::Timeout => "timeout",
            NoAnswer::Broken => "no answer",
        }
    }
}

pub struct Conn {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
    timeout: Duration,
}

impl Conn {
    /// A connection made on first use.
    pub fn new(target: &Target, timeout: Duration) -> Conn {
        Conn { target: target.clone(), sender: None, timeout }
    }

    async fn connect(&self) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let stream = TcpStream::connect(&self.target.authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the connection closes; a request on it then fails and the next one reconnects.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// `POST path` with a JSON body; the status and the whole body, or why there is none. A connection that
    /// failed is dropped, and the next request opens a new one.
    pub async fn post(&mut self, path: &str, headers: &[(&str, &str)], body: String) -> Result<(u16, Bytes), NoAnswer> {
        let timeout = self.timeout;
        let exchange = async {
            if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
                self.sender = Some(self.connect().await.map_err(|_| NoAnswer::Broken)?);
            }
            let sender = self.sender.as_mut().ok_or(NoAnswer::Broken)?;
            sender.ready().await.map_err(|_| NoAnswer::Broken)?;
            let mut request =
                Request::post(path).header("host", &self.target.authority).header("content-type", "application/json");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request.body(Full::new(Bytes::from(body))).map_err(|_| NoAnswer::Broken)?;
            let response = sender.send_request(request).await.map_err(|_| NoAnswer::Broken)?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.map_err(|_| NoAnswer::Broken)?.to_bytes();
            Ok((status, body))
        };
        let answer = match tokio::time::timeout(timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(NoAnswer::Timeout),
        };
        if answer.is_err() {
            self.sender = None;
        }
        answer
    }
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
}
