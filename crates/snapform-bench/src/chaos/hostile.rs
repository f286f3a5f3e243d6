//! The hostile cloud: a small HTTP server on loopback that passes requests to the emulator and,
//! for a share of them, answers the way a broken or hostile cloud does.
//!
//! It speaks just enough HTTP/1.1 for snapform's client (a request with a `Content-Length`
//! body; one request per connection, since every answer says `Connection: close`), so that it
//! can write what no HTTP library would: a body shorter than its length, a body that never
//! ends, one byte per second, a reset instead of an answer.
//!
//! The request goes to the emulator unchanged (the signature covers the `Host` header the
//! client sent, which stays the proxy's), so the action takes effect there and only its answer
//! is corrupted, except in the error-envelope mode, where the cloud refuses: the request never
//! reaches the emulator. A snapform that took a corrupted answer for the truth (a refused delete
//! for a done one, a list without items for an empty one) would then disagree with the cloud,
//! which the checks after each mode look for.
//!
//! Answers to actions that change the cloud (`Create*`, `Delete*`, `Modify*`) are corrupted
//! twice as often as reads: there a misread answer is what loses or duplicates a resource, and
//! a run makes few of them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::random::Rng;

/// The most a request head may take; snapform's are far smaller.
const MAX_HEAD: usize = 64 * 1024;
/// The size of the huge answer.
const HUGE: usize = 50 * 1024 * 1024;
/// How fast the endless answer streams: fast enough to fill any buffer that has no cap within a
/// call's timeout, slow enough not to take the machine's memory when one has none.
const ENDLESS_BYTES_PER_SECOND: usize = 8 * 1024 * 1024;

/// One way of answering badly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Mode {
    /// A body that is not JSON (a JSON text cut and closed wrongly), HTTP 200.
    Malformed,
    /// The right `Content-Length`, half the body, then the connection closes.
    Truncated,
    /// A 50 MiB body (valid JSON, a huge string).
    Huge,
    /// A chunked body that never ends (until the client goes away).
    Endless,
    /// HTTP 200 carrying an error envelope in the cloud's own shape (Tencent's
    /// `Response.Error`, Alibaba's flat `Code`/`Message`).
    ErrorEnvelope,
    /// A success envelope without its result: `{"Response":{"RequestId":..}}` or
    /// `{"RequestId":..}`.
    MissingList,
    /// The real answer with one field removed from every item of its lists (or from the
    /// answer itself when it has no list).
    MissingFields,
    /// The real answer, one byte per second.
    Drip,
    /// The action runs, then the connection is reset instead of answered.
    Reset,
}

impl Mode {
    /// Every mode, in the report's order.
    pub const ALL: [Mode; 9] = [
        Mode::Malformed,
        Mode::Truncated,
        Mode::Huge,
        Mode::Endless,
        Mode::ErrorEnvelope,
        Mode::MissingList,
        Mode::MissingFields,
        Mode::Drip,
        Mode::Reset,
    ];

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Malformed => "malformed",
            Mode::Truncated => "truncated",
            Mode::Huge => "huge",
            Mode::Endless => "endless",
            Mode::ErrorEnvelope => "error-envelope",
            Mode::MissingList => "missing-list",
            Mode::MissingFields => "missing-fields",
            Mode::Drip => "drip",
            Mode::Reset => "reset",
        }
    }
}

/// The running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    shared: Arc<Shared>,
}

struct Shared {
    upstream: SocketAddr,
    mode: Mutex<Option<Mode>>,
    rate: f64,
    rng: Mutex<Rng>,
    answered: AtomicUsize,
    corrupted: AtomicUsize,
    /// Bytes of corrupted bodies written, to show the huge and endless answers went out.
    bytes_sent: AtomicU64,
    /// The longest a client held a corrupted answer before it gave up or finished, in ms.
    longest_hold_ms: AtomicU64,
}

/// What the proxy did while a mode was set.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// API answers that went through.
    pub answered: usize,
    /// Of those, how many were corrupted.
    pub corrupted: usize,
    /// Bytes of corrupted bodies written.
    pub bytes_sent: u64,
    /// The longest a client held one corrupted answer (reading a trickle, an endless body or
    /// a huge one) before it gave up or finished: what bounds one call.
    pub longest_hold: Duration,
}

impl Proxy {
    /// Serves on a free loopback port, passing requests to `upstream`, corrupting each answer
    /// with probability `rate` while a mode is set.
    pub async fn start(upstream: SocketAddr, rate: f64, seed: u64) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            mode: Mutex::new(None),
            rate,
            rng: Mutex::new(Rng::new(seed)),
            answered: AtomicUsize::new(0),
            corrupted: AtomicUsize::new(0),
            bytes_sent: AtomicU64::new(0),
            longest_hold_ms: AtomicU64::new(0),
        });
        let accepting = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, Arc::clone(&accepting)));
            }
        });
        Ok(Proxy {
            endpoint: format!("http://{addr}"),
            shared,
        })
    }

    /// Sets the mode (`None`: pass answers through) and clears the counts.
    pub fn set_mode(&self, mode: Option<Mode>) {
        *lock(&self.shared.mode) = mode;
        self.shared.answered.store(0, Ordering::Relaxed);
        self.shared.corrupted.store(0, Ordering::Relaxed);
        self.shared.bytes_sent.store(0, Ordering::Relaxed);
        self.shared.longest_hold_ms.store(0, Ordering::Relaxed);
    }

    /// What happened since the mode was set.
    pub fn counts(&self) -> Counts {
        Counts {
            answered: self.shared.answered.load(Ordering::Relaxed),
            corrupted: self.shared.corrupted.load(Ordering::Relaxed),
            bytes_sent: self.shared.bytes_sent.load(Ordering::Relaxed),
            longest_hold: Duration::from_millis(
                self.shared.longest_hold_ms.load(Ordering::Relaxed),
            ),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A request as read from the client.
struct Request {
    /// The head, with `Connection: close` put in, and the body: what goes to the emulator.
    raw: Vec<u8>,
    /// A Tencent request (it has `X-TC-Action`), else an Alibaba one.
    tencent: bool,
    /// Whether its action changes the cloud.
    mutating: bool,
}

/// An answer as read from the emulator.
struct Answer {
    status: u16,
    /// Header lines other than the framing ones (`Content-Length`, `Transfer-Encoding`,
    /// `Connection`).
    headers: Vec<String>,
    body: Vec<u8>,
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let rate = if request.mutating {
        (2.0 * shared.rate).min(1.0)
    } else {
        shared.rate
    };
    let mode = *lock(&shared.mode);
    let mode = mode.filter(|_| lock(&shared.rng).chance(rate));
    let answer = if mode == Some(Mode::ErrorEnvelope) {
        // Refused: the emulator never sees it.
        Answer {
            status: 200,
            headers: vec!["Content-Type: application/json".to_owned()],
            body: Vec::new(),
        }
    } else {
        match forward(shared.upstream, &request.raw).await {
            Some(answer) => answer,
            // The emulator dropped it (it injects resets too): so does the proxy.
            None => return,
        }
    };
    shared.answered.fetch_add(1, Ordering::Relaxed);
    let Some(mode) = mode else {
        let _ = write_answer(&mut client, &answer, &answer.body).await;
        return;
    };
    shared.corrupted.fetch_add(1, Ordering::Relaxed);
    let started = std::time::Instant::now();
    let sent = corrupt(&mut client, mode, &request, answer, &shared).await;
    let held = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    shared.longest_hold_ms.fetch_max(held, Ordering::Relaxed);
    shared.bytes_sent.fetch_add(sent, Ordering::Relaxed);
}

/// Answers badly in `mode`; returns the body bytes written.
async fn corrupt(
    client: &mut TcpStream,
    mode: Mode,
    request: &Request,
    answer: Answer,
    shared: &Shared,
) -> u64 {
    match mode {
        Mode::Malformed => {
            // Half of the real JSON, then a closing that does not match.
            let mut body = answer.body[..answer.body.len() / 2].to_vec();
            body.extend_from_slice(b"\",]}");
            write_answer(client, &answer, &body).await.unwrap_or(0)
        }
        Mode::Truncated => {
            let head = head(&answer, answer.body.len(), false);
            let half = &answer.body[..answer.body.len() / 2];
            let _ = client.write_all(head.as_bytes()).await;
            let _ = client.write_all(half).await;
            let _ = client.flush().await;
            let _ = client.shutdown().await;
            half.len() as u64
        }
        Mode::Huge => {
            let (open, close): (&[u8], &[u8]) = if request.tencent {
                (
                    b"{\"Response\":{\"RequestId\":\"chaos\",\"Padding\":\"",
                    b"\"}}",
                )
            } else {
                (b"{\"RequestId\":\"CHAOS\",\"Padding\":\"", b"\"}")
            };
            let head = head(&answer, HUGE, false);
            if client.write_all(head.as_bytes()).await.is_err() {
                return 0;
            }
            let chunk = vec![b'a'; 64 * 1024];
            if client.write_all(open).await.is_err() {
                return 0;
            }
            let mut sent = open.len() as u64;
            let mut left = HUGE - open.len() - close.len();
            while left > 0 {
                let n = left.min(chunk.len());
                if client.write_all(&chunk[..n]).await.is_err() {
                    return sent;
                }
                sent += n as u64;
                left -= n;
            }
            if client.write_all(close).await.is_ok() {
                sent += close.len() as u64;
            }
            sent
        }
        Mode::Endless => {
            let head = head(&answer, 0, true);
            if client.write_all(head.as_bytes()).await.is_err() {
                return 0;
            }
            let mut sent = 0;
            let open: &[u8] = if request.tencent {
                b"{\"Response\":{\"Padding\":\""
            } else {
                b"{\"Padding\":\""
            };
            if write_chunk(client, open).await.is_err() {
                return 0;
            }
            let piece = vec![b'a'; ENDLESS_BYTES_PER_SECOND / 20];
            // Bounded all the same (the machine's other users): ten minutes at most.
            for _ in 0..(20 * 600) {
                if write_chunk(client, &piece).await.is_err() {
                    break;
                }
                sent += piece.len() as u64;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            sent
        }
        Mode::ErrorEnvelope => {
            let body = if request.tencent {
                json!({"Response": {
                    "Error": {"Code": "InternalError", "Message": "chaos: an error in an HTTP 200 answer"},
                    "RequestId": "chaos-error-envelope",
                }})
            } else {
                json!({
                    "RequestId": "CHAOS-ERROR-ENVELOPE",
                    "HostId": "chaos",
                    "Code": "InternalError",
                    "Message": "chaos: an error in an HTTP 200 answer",
                    "Recommend": "https://api.aliyun.com/troubleshoot?q=InternalError",
                })
            };
            let body = serde_json::to_vec(&body).expect("JSON values serialise");
            write_answer(client, &answer, &body).await.unwrap_or(0)
        }
        Mode::MissingList => {
            let body: &[u8] = if request.tencent {
                br#"{"Response":{"RequestId":"chaos-missing-list"}}"#
            } else {
                br#"{"RequestId":"CHAOS-MISSING-LIST"}"#
            };
            write_answer(client, &answer, body).await.unwrap_or(0)
        }
        Mode::MissingFields => {
            let body = match serde_json::from_slice::<Json>(&answer.body) {
                Ok(mut value) => {
                    let mut rng = lock(&shared.rng).clone();
                    lock(&shared.rng).next_u64();
                    if !strip_items(&mut value, &mut rng) {
                        strip_answer(&mut value, &mut rng);
                    }
                    serde_json::to_vec(&value).expect("JSON values serialise")
                }
                Err(_) => answer.body.clone(),
            };
            write_answer(client, &answer, &body).await.unwrap_or(0)
        }
        Mode::Drip => {
            let head = head(&answer, answer.body.len(), false);
            if client.write_all(head.as_bytes()).await.is_err() {
                return 0;
            }
            let mut sent = 0;
            for byte in &answer.body {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if client.write_all(&[*byte]).await.is_err() {
                    break;
                }
                sent += 1;
            }
            sent
        }
        Mode::Reset => {
            // SO_LINGER 0 turns the close into a reset.
            #[expect(
                deprecated,
                reason = "a linger of zero never blocks: the close resets the connection at once"
            )]
            let _ = client.set_linger(Some(Duration::ZERO));
            0
        }
    }
}

/// Removes one field (chosen at random) from every object inside a list; false when the
/// answer has no list of objects.
fn strip_items(value: &mut Json, rng: &mut Rng) -> bool {
    match value {
        Json::Array(items) => {
            let mut found = false;
            for item in items {
                if let Json::Object(map) = item {
                    let keys: Vec<String> = map.keys().cloned().collect();
                    if !keys.is_empty() {
                        map.remove(&keys[rng.below(keys.len())]);
                        found = true;
                    }
                }
            }
            found
        }
        Json::Object(map) => {
            let mut found = false;
            for item in map.values_mut() {
                found |= strip_items(item, rng);
            }
            found
        }
        _ => false,
    }
}

/// Removes one field other than `RequestId` from the answer (inside `Response` for Tencent).
fn strip_answer(value: &mut Json, rng: &mut Rng) {
    let map = match value {
        Json::Object(root) if root.contains_key("Response") => match root.get_mut("Response") {
            Some(Json::Object(inner)) => inner,
            _ => return,
        },
        Json::Object(root) => root,
        _ => return,
    };
    let keys: Vec<String> = map
        .keys()
        .filter(|key| key.as_str() != "RequestId")
        .cloned()
        .collect();
    if !keys.is_empty() {
        map.remove(&keys[rng.below(keys.len())]);
    }
}

/// Reads one request: the head up to the blank line, then `Content-Length` bytes.
async fn read_request(client: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0_u8; 4096];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut length = 0;
    let mut tencent = false;
    let mut mutating = false;
    let mut lines = Vec::new();
    for line in head.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        if let Some(action) = lower
            .strip_prefix("x-tc-action:")
            .or_else(|| lower.strip_prefix("x-acs-action:"))
        {
            tencent = lower.starts_with("x-tc-");
            let action = action.trim();
            mutating = ["create", "delete", "modify"]
                .iter()
                .any(|verb| action.starts_with(verb));
        }
        if lower.starts_with("connection:") {
            continue;
        }
        lines.push(line);
    }
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0_u8; (length - body.len()).min(64 * 1024)];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let mut raw = lines.join("\r\n").into_bytes();
    raw.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    raw.extend_from_slice(&body);
    Some(Request {
        raw,
        tencent,
        mutating,
    })
}

/// Sends `raw` to the emulator and reads its whole answer (it closes after answering).
async fn forward(upstream: SocketAddr, raw: &[u8]) -> Option<Answer> {
    let mut stream = TcpStream::connect(upstream).await.ok()?;
    stream.write_all(raw).await.ok()?;
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(120), stream.read_to_end(&mut bytes))
        .await
        .ok()?
        .ok()?;
    let head_end = find(&bytes, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        } else if lower.starts_with("transfer-encoding:") {
            chunked = lower.contains("chunked");
        } else if !lower.starts_with("connection:") {
            headers.push(line.to_owned());
        }
    }
    let rest = &bytes[head_end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest[..length.unwrap_or(rest.len()).min(rest.len())].to_vec()
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// The body of a chunked transfer.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// The status line and headers of an answer of `length` bytes (or chunked).
fn head(answer: &Answer, length: usize, chunked: bool) -> String {
    let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for line in &answer.headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n");
    } else {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    head
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Writes a whole answer with `body`; returns the body bytes written.
async fn write_answer(
    client: &mut TcpStream,
    answer: &Answer,
    body: &[u8],
) -> std::io::Result<u64> {
    client
        .write_all(head(answer, body.len(), false).as_bytes())
        .await?;
    client.write_all(body).await?;
    client.flush().await?;
    Ok(body.len() as u64)
}

async fn write_chunk(client: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    client
        .write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
        .await?;
    client.write_all(bytes).await?;
    client.write_all(b"\r\n").await
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_lose_one_field_each() {
        let mut value =
            json!({"Response": {"TotalCount": 2, "Set": [{"a": 1, "b": 2}, {"a": 1, "b": 2}]}});
        assert!(strip_items(&mut value, &mut Rng::new(1)));
        let set = value["Response"]["Set"].as_array().expect("list");
        assert!(
            set.iter()
                .all(|item| item.as_object().expect("object").len() == 1)
        );
        let mut created = json!({"Response": {"SnapshotId": "x", "RequestId": "r"}});
        assert!(!strip_items(&mut created, &mut Rng::new(1)));
        strip_answer(&mut created, &mut Rng::new(1));
        assert_eq!(created, json!({"Response": {"RequestId": "r"}}));
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").as_deref(),
            Some(&b"abcde"[..])
        );
    }
}
