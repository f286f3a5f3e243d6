//! A loopback HTTP server that answers every request with one scripted answer: malformed or
//! truncated JSON, an error envelope under HTTP 200, a success envelope without its list, an
//! endless body, a slow drip, a reset. Tests point a provider's `endpoint` at it and check
//! that snapform fails clearly, in time, without taking the answer for success.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// This status and JSON body.
    Json {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
    /// A body of `bytes` bytes, announced with its length.
    Huge {
        /// How many bytes.
        bytes: usize,
    },
    /// A body sent one byte every `every`, forever.
    Drip {
        /// The time between two bytes.
        every: Duration,
    },
    /// The connection closed before any answer.
    Reset,
}

/// A running server; it stops when dropped.
pub struct HostileServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl HostileServer {
    /// Starts a server on a free loopback port that answers every request with `answer`.
    pub async fn start(answer: Answer) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(serve(stream, answer));
            }
        });
        HostileServer { addr, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (headers, and a body by its length) and answers it.
async fn serve(mut stream: TcpStream, answer: Answer) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..n]);
        if let Some(end) = find(&request, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
    match answer {
        Answer::Json { status, body } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
        Answer::Huge { bytes } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {bytes}\r\nconnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < bytes {
                let n = chunk.len().min(bytes - sent);
                if stream.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                sent += n;
            }
        }
        Answer::Drip { every } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\nconnection: close\r\n\r\n{";
            let _ = stream.write_all(head.as_bytes()).await;
            loop {
                tokio::time::sleep(every).await;
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        Answer::Reset => {}
    }
    let _ = stream.shutdown().await;
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
