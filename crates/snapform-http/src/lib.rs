//! The HTTPS transport both clouds' clients share: where a call goes (the cloud's endpoint or
//! a configured one, never plain http off loopback), which CAs are trusted (the system's plus a
//! provider's `ca_file`; certificates are always checked), how long a call may take (connect,
//! first byte and whole body within the request timeout, and no answer trickling in slower
//! than a cloud API ever answers), how large an answer may be, and the log line every call
//! leaves. Errors never carry the request's URL: Alibaba's parameters, sensitive ones included,
//! travel in its query string.
//!
//! It knows no cloud and signs nothing: each client builds its signed request and reads the
//! answer's envelope. Keeping this apart from snapform-provider keeps that crate free of HTTP,
//! so the planner, which depends on it for types, builds no HTTP stack.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use snapform_provider::{Error, ProviderSettings};

/// Once its headers are in, an answer's body may take this long, plus a second per
/// [`MIN_BYTES_PER_SECOND`] of it. A snapshot API answers a few kilobytes at once, so a body
/// trickling in (a byte a second) is broken or hostile, and waiting for it would hold the run
/// for the whole request timeout.
const BODY_GRACE: Duration = Duration::from_secs(1);
/// See [`BODY_GRACE`].
const MIN_BYTES_PER_SECOND: f64 = 16.0 * 1024.0;
/// The longest silence between two pieces of a body.
const BODY_IDLE: Duration = Duration::from_secs(5);

/// A client's connection to one cloud (or its emulator).
pub struct Transport {
    http: reqwest::Client,
    /// The configured endpoint, or `None` for the cloud's own.
    endpoint: Option<reqwest::Url>,
    max_response_bytes: usize,
}

/// Where one call goes: the URL and the `Host` the signature covers.
pub struct Target {
    /// The URL to POST to.
    pub url: reqwest::Url,
    /// `host` or `host:port`, as sent.
    pub host: String,
}

/// What one call is, for the log and for errors.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The service (`cbs`, `ecd`).
    pub service: &'a str,
    /// The API action.
    pub action: &'a str,
    /// The region it names.
    pub region: &'a str,
    /// The attempt's number, from 1.
    pub attempt: usize,
}

/// An answer read whole.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body, at most the configured size.
    pub body: String,
    /// How long the call took, from sending to the last byte.
    pub elapsed: Duration,
}

impl Transport {
    /// The transport of `settings`: its endpoint checked, its CAs trusted, its timeouts set.
    pub fn new(settings: &ProviderSettings) -> Result<Transport, Error> {
        let endpoint = settings
            .endpoint
            .as_deref()
            .map(|text| endpoint(text, settings.allow_insecure_http))
            .transpose()?;
        let invalid_ca = |error: reqwest::Error| {
            Error::invalid_endpoint(format!(
                "cannot trust the given CA certificates: {}",
                snapform_provider::error_chain(&error)
            ))
        };
        let certificates = settings
            .ca_certificates
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid_ca)?;
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            // The whole request: connecting, the first byte and every byte of the body.
            .timeout(settings.request_timeout)
            .pool_max_idle_per_host(32)
            .tls_certs_merge(certificates)
            .build()
            .map_err(invalid_ca)?;
        Ok(Transport {
            http,
            endpoint,
            max_response_bytes: settings.max_response_bytes,
        })
    }

    /// Where a call goes: the configured endpoint, else `default_url` (the cloud's own, always
    /// https).
    pub fn target(&self, default_url: &str) -> Result<Target, Error> {
        let url = match &self.endpoint {
            Some(url) => url.clone(),
            None => reqwest::Url::parse(default_url)
                .map_err(|error| Error::invalid_endpoint(format!("{default_url}: {error}")))?,
        };
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(Error::invalid_endpoint(format!("{url} has no host"))),
        };
        Ok(Target { url, host })
    }

    /// A POST to `url`, to add the signed headers to.
    pub fn post(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.http.post(url)
    }

    /// Sends `request` and reads the whole answer, at most the configured size. A transport
    /// failure is logged here; a client logs an answer once it has read its request id.
    pub async fn send(
        &self,
        call: &Call<'_>,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let started = Instant::now();
        let result = self.send_and_read(call, request).await;
        if let Err(error) = &result {
            tracing::debug!(
                service = call.service,
                action = call.action,
                region = call.region,
                attempt = call.attempt,
                latency_ms = started.elapsed().as_millis() as u64,
                code = %error.code,
                "API call failed: {}",
                error.message
            );
        }
        result
    }

    async fn send_and_read(
        &self,
        call: &Call<'_>,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let started = Instant::now();
        let mut response = request
            .send()
            .await
            .map_err(|error| transport_error(call.action, error))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let length = response.content_length();
        if length.is_some_and(|length| length > self.max_response_bytes as u64) {
            return Err(too_large(call.action, self.max_response_bytes));
        }
        // Sized once when the length is known, so reading never holds twice the answer.
        let mut body = Vec::with_capacity(length.map_or(0, |length| length as usize));
        let headers_in = Instant::now();
        loop {
            let chunk = tokio::time::timeout(BODY_IDLE, response.chunk())
                .await
                .map_err(|_| too_slow(call.action, 0.0))?
                .map_err(|error| transport_error(call.action, error))?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(too_large(call.action, self.max_response_bytes));
            }
            body.extend_from_slice(&chunk);
            let reading = headers_in.elapsed();
            let due = BODY_GRACE.as_secs_f64() + body.len() as f64 / MIN_BYTES_PER_SECOND;
            if reading.as_secs_f64() > due {
                return Err(too_slow(
                    call.action,
                    body.len() as f64 / reading.as_secs_f64(),
                ));
            }
        }
        let body = String::from_utf8(body).map_err(|_| {
            Error::invalid_response(call.action, "the answer is not UTF-8 text".to_owned())
        })?;
        Ok(Answer {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

impl Call<'_> {
    /// The log line of an answered call: the service, action, region, HTTP status, latency,
    /// the cloud's request id and the attempt. Never a parameter, a header or a signature.
    pub fn log(&self, answer: &Answer, request_id: Option<&str>) {
        tracing::debug!(
            service = self.service,
            action = self.action,
            region = self.region,
            status = answer.status,
            latency_ms = answer.elapsed.as_millis() as u64,
            request_id = request_id.unwrap_or("-"),
            attempt = self.attempt,
            "API call"
        );
    }
}

fn too_large(action: &str, limit: usize) -> Error {
    Error::invalid_response(
        action,
        format!(
            "the answer is larger than {} MiB, more than any snapshot API sends; it was not read",
            limit / (1024 * 1024)
        ),
    )
}

/// An answer trickling in: the request reached the cloud, so it may have been carried out.
fn too_slow(action: &str, rate: f64) -> Error {
    let mut error = Error::invalid_response(
        action,
        format!(
            "the answer arrives at {rate:.0} bytes a second, far slower than any cloud API answers; it was not waited for"
        ),
    );
    error.code = "SlowAnswer".to_owned();
    error
}

/// A failure on the way: if the connection was never made, the request surely did not reach
/// the cloud; after that, it may have. The URL is left out: a query string can hold
/// parameters, sensitive ones too.
fn transport_error(action: &str, error: reqwest::Error) -> Error {
    let error = error.without_url();
    Error::transport(action, error.is_connect(), error.is_timeout(), &error)
}

/// Reads a configured endpoint: https, or plain http to a loopback address (the emulator), or
/// plain http elsewhere only when `allow_insecure_http` says so.
fn endpoint(text: &str, allow_insecure_http: bool) -> Result<reqwest::Url, Error> {
    let url = reqwest::Url::parse(text)
        .map_err(|error| Error::invalid_endpoint(format!("endpoint {text:?}: {error}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_insecure_http || is_loopback(&url) => Ok(url),
        "http" => Err(Error::invalid_endpoint(format!(
            "endpoint {text:?} is plain http to an address that is not loopback: signed requests and tokens would cross the network in clear text; use https"
        ))),
        other => Err(Error::invalid_endpoint(format!(
            "endpoint {text:?} has the scheme {other:?}; use https"
        ))),
    }
}

/// Whether `url` names this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_off_loopback() {
        for allowed in [
            "https://cbs.tencentcloudapi.com",
            "http://127.0.0.1:4566",
            "http://127.1.2.3:80",
            "http://localhost:4566",
            "http://[::1]:4566",
        ] {
            assert!(endpoint(allowed, false).is_ok(), "{allowed}");
        }
        for refused in [
            "http://10.0.0.5:4566",
            "http://example.com",
            "ftp://127.0.0.1",
        ] {
            let error = endpoint(refused, false).expect_err(refused);
            assert_eq!(error.code, "InvalidEndpoint");
        }
        assert!(endpoint("http://10.0.0.5:4566", true).is_ok());
    }

    fn transport() -> Transport {
        let credentials = snapform_provider::Credentials {
            key_id: "AKIDEXAMPLE".to_owned(),
            secret: snapform_core::Secret::new("secret"),
            token: None,
        };
        // The default request timeout (30 s): the slow-answer check must not wait for it.
        Transport::new(&ProviderSettings::new("ap-guangzhou", credentials)).expect("valid")
    }

    fn call() -> Call<'static> {
        Call {
            service: "ecd",
            action: "DescribeSnapshots",
            region: "cn-hangzhou",
            attempt: 1,
        }
    }

    #[tokio::test]
    async fn an_answer_trickling_in_is_given_up_within_seconds() {
        use snapform_test_support::hostile::{Answer, HostileServer};
        let server = HostileServer::start(Answer::Drip {
            every: Duration::from_millis(500),
        })
        .await;
        let transport = transport();
        let url: reqwest::Url = server.endpoint().parse().expect("a URL");
        let started = Instant::now();
        let error = transport
            .send(&call(), transport.post(url))
            .await
            .err()
            .expect("a trickle is an error");
        assert_eq!(error.code, "SlowAnswer", "{error}");
        assert!(error.maybe_applied, "the request reached the cloud");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn transport_errors_never_show_the_query_string() {
        use snapform_test_support::hostile::{Answer, HostileServer};
        let server = HostileServer::start(Answer::Reset).await;
        let transport = transport();
        let mut url: reqwest::Url = server.endpoint().parse().expect("a URL");
        url.set_query(Some("Description=the-sensitive-value&Signature=abc"));
        let error = transport
            .send(&call(), transport.post(url))
            .await
            .err()
            .expect("a reset is an error");
        let text = format!("{error} {error:?}");
        assert!(!text.contains("the-sensitive-value"), "{text}");
        assert!(!text.contains("Signature"), "{text}");
    }
}
