//! The HTTP server: one hyper connection task per client, plain http or https on the same
//! port, one handler for every route.
//!
//! hyper is used directly (not axum) because two faults must drop the connection without an
//! answer, which a hyper service does by returning an error.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::api::{self, ApiError, Call, Rejection, Service, alibaba, header, tencent};
use crate::cloud::{self, Ctx};
use crate::control;
use crate::error::Error;
use crate::faults::Fault;
use crate::response::{alibaba_response, json_response};
use crate::shared::Shared;
use crate::sync::lock;

/// Requests larger than this are refused (Tencent documents 10 MB for TC3 POST).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The error a hyper service returns to drop the connection without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

pub(crate) type Answer = Result<Response<Full<Bytes>>, DropConnection>;

/// Accepts connections until `shutdown` resolves, then lets in-flight requests finish
/// (for at most five seconds).
///
/// With a TLS acceptor, each connection's first byte says which protocol it speaks: a TLS
/// handshake always opens with a record of type 22 (0x16), which no HTTP method starts with,
/// so http and https share the port.
pub(crate) async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let graceful = GracefulShutdown::new();
    // Dropped at shutdown, which wakes connections still waiting for their first byte or
    // their TLS handshake: those are not yet watched by `graceful`.
    let (stop, stopping) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait a moment instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let watcher = graceful.watcher();
        match shared.tls.clone() {
            None => {
                tokio::spawn(serve_http(stream, shared, watcher));
            }
            Some(acceptor) => {
                let mut stopping = stopping.clone();
                tokio::spawn(async move {
                    let opened = tokio::select! {
                        _ = stopping.changed() => return,
                        opened = open(stream, &acceptor) => opened,
                    };
                    match opened {
                        Some(Opened::Plain(stream)) => serve_http(stream, shared, watcher).await,
                        Some(Opened::Tls(stream)) => serve_http(stream, shared, watcher).await,
                        None => {}
                    }
                });
            }
        }
    }
    drop(listener);
    drop(stop);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}

/// A connection once its protocol is known.
enum Opened {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Peeks at the first byte and, for a TLS handshake, completes it. `None` when the client
/// went away or the handshake failed (a client that does not trust the CA ends here).
async fn open(stream: TcpStream, acceptor: &TlsAcceptor) -> Option<Opened> {
    /// The content type of a TLS handshake record.
    const HANDSHAKE: u8 = 0x16;
    let mut first = [0_u8; 1];
    match stream.peek(&mut first).await {
        Ok(1) if first[0] == HANDSHAKE => acceptor
            .accept(stream)
            .await
            .ok()
            .map(|stream| Opened::Tls(Box::new(stream))),
        Ok(1) => Some(Opened::Plain(stream)),
        _ => None,
    }
}

/// Serves HTTP/1.1 on one connection until it closes or the server shuts down.
async fn serve_http<I>(io: I, shared: Arc<Shared>, watcher: Watcher)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let shared = Arc::clone(&shared);
        async move { handle(shared, request).await }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    // A dropped connection (fault injection) or a client that went away ends here.
    let _ = watcher.watch(connection).await;
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Answer {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                br#"{"error": "request body too large or unreadable"}"#.to_vec(),
            ));
        }
    };
    if parts.uri.path().starts_with("/_emulator") {
        return Ok(control::handle(&shared, &parts, &body));
    }
    api_request(&shared, &parts, &body).await
}

/// Renders an error in the protocol of the request.
fn error_answer(
    tencent: bool,
    error: &ApiError,
    host: &str,
    product: &str,
) -> Response<Full<Bytes>> {
    let request_id = api::request_id(tencent);
    if tencent {
        json_response(StatusCode::OK, api::tencent_error(error, &request_id))
    } else {
        let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
        alibaba_response(
            status,
            api::alibaba_error(error, &request_id, host, product),
        )
    }
}

fn throttle_error(tencent: bool, rate: u32) -> ApiError {
    if tencent {
        ApiError::new(
            "RequestLimitExceeded",
            format!(
                "Your current request times exceeds the frequency limit `{rate}` for a second. Please reduce the frequency of calls."
            ),
        )
    } else {
        ApiError::new(
            "Throttling.User",
            "Request was denied due to user flow control.",
        )
    }
}

/// Counts a throttled call of `key` and answers it as the cloud does.
fn throttled(
    shared: &Shared,
    key: &str,
    tencent: bool,
    host: &str,
    product: &str,
) -> Response<Full<Bytes>> {
    let error = throttle_error(tencent, shared.config.rate_limit);
    {
        let mut stats = lock(&shared.stats);
        stats.throttled(key);
        stats.error(&error.code);
    }
    let mut response = error_answer(tencent, &error, host, product);
    if !tencent {
        // The Alibaba SDK reports a ThrottlingException when this header is present.
        response
            .headers_mut()
            .insert("x-acs-retry-after", HeaderValue::from_static("1000"));
    }
    response
}

async fn api_request(shared: &Shared, parts: &Parts, body: &[u8]) -> Answer {
    let config = &shared.config;
    let now_ms = shared.now_ms();
    let now_secs = now_ms.div_euclid(1000);
    let skew = i64::try_from(config.skew_window.as_secs()).unwrap_or(i64::MAX);
    let host = header(&parts.headers, "host").unwrap_or("");
    let query = parts.uri.query().unwrap_or("");
    let is_tencent = tencent::claims(&parts.headers);
    let decoded: Result<Call, Rejection> = if is_tencent {
        let known = |region: &str| {
            lock(&shared.state)
                .cloud
                .inventory()
                .tencentcloud
                .contains_key(region)
        };
        tencent::decode(
            &tencent::Incoming {
                method: parts.method.as_str(),
                query,
                headers: &parts.headers,
                body,
            },
            &config.keys,
            &known,
            now_secs,
            skew,
        )
    } else {
        let mut nonces = lock(&shared.nonces);
        alibaba::decode(
            &alibaba::Incoming {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query,
                headers: &parts.headers,
                body,
            },
            &config.keys,
            &mut nonces,
            now_secs,
            skew,
        )
    };
    let call = match decoded {
        Ok(call) => call,
        Err(rejection) => {
            {
                let mut stats = lock(&shared.stats);
                stats.request(rejection.stats_key.as_deref());
                stats.error(&rejection.error.code);
            }
            if !config.latency.is_zero() {
                tokio::time::sleep(config.latency).await;
            }
            let product = if is_tencent { "" } else { product_of(parts) };
            return Ok(error_answer(is_tencent, &rejection.error, host, product));
        }
    };
    let service = call.service;
    let product = service.name();
    let key = format!("{}.{}", product, call.action);
    lock(&shared.stats).request(Some(&key));
    let bucket = format!("{}/{}/{}", product, call.region, call.action);
    if !lock(&shared.limiter).allow(&bucket, config.rate_limit, Instant::now()) {
        return Ok(throttled(shared, &key, service.is_tencent(), host, product));
    }
    let mutating = api::is_mutating(&call.action);
    let (fault, extra_latency) = lock(&shared.faults).draw(mutating);
    if !extra_latency.is_zero() {
        lock(&shared.stats).fault("latency");
    }
    let delay = config.latency + extra_latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if fault != Fault::None {
        lock(&shared.stats).fault(fault.name());
    }
    let injected = match fault {
        Fault::Reset => return Err(DropConnection),
        Fault::ServerError { unavailable: true } => Some(
            ApiError::new(
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )
            .with_status(503),
        ),
        Fault::ServerError { unavailable: false } => Some(
            ApiError::new(
                "InternalError",
                "The request processing has failed due to some unknown error.",
            )
            .with_status(500),
        ),
        Fault::Throttle => {
            return Ok(throttled(shared, &key, service.is_tencent(), host, product));
        }
        Fault::Busy => cloud::busy_error(service, &call.action),
        Fault::None | Fault::Lost => None,
    };
    if let Some(error) = injected {
        lock(&shared.stats).error(&error.code);
        return Ok(error_answer(service.is_tencent(), &error, host, product));
    }
    let request_id = api::request_id(service.is_tencent());
    let ready_after_ms = i64::try_from(config.ready_after.as_millis()).unwrap_or(i64::MAX);
    let outcome = shared.with_cloud(mutating, |state| {
        let now_ms = state.action_time(shared.now_ms());
        let mut ctx = Ctx {
            now_ms,
            ready_after_ms,
            rng: &mut state.rng,
            request_id: &request_id,
        };
        let result = cloud::dispatch(&mut state.cloud, &call, &mut ctx);
        let changed = mutating && result.is_ok();
        (result, changed)
    });
    let result = match outcome {
        Ok(result) => result,
        Err(error) => Err(ApiError::new(
            "InternalError",
            format!("The emulator could not persist its state: {error}"),
        )
        .with_status(500)),
    };
    if fault == Fault::Lost {
        return Err(DropConnection);
    }
    Ok(match result {
        Ok(fields) => {
            if service.is_tencent() {
                json_response(StatusCode::OK, api::tencent_success(fields, &request_id))
            } else {
                alibaba_response(StatusCode::OK, api::alibaba_success(fields, &request_id))
            }
        }
        Err(error) => {
            lock(&shared.stats).error(&error.code);
            error_answer(service.is_tencent(), &error, host, product)
        }
    })
}

/// The product named by an Alibaba request's version, for the `Recommend` link.
fn product_of(parts: &Parts) -> &'static str {
    let version = header(&parts.headers, "x-acs-version")
        .map(str::to_owned)
        .or_else(|| {
            crate::signature::decode_form(parts.uri.query().unwrap_or(""))
                .into_iter()
                .find(|(name, _)| name == "Version")
                .map(|(_, value)| value)
        })
        .unwrap_or_default();
    [Service::Ecd, Service::Ens]
        .into_iter()
        .find(|service| service.version() == version)
        .map_or("", Service::name)
}
