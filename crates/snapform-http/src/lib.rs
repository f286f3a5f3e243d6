//! The HTTPS transport both clouds' clients share: where a call goes (the cloud's endpoint or
//! a configured one, never plain http off loopback), which CAs are trusted (the system's plus a
//! provider's `ca_file`; certificates are always checked), how long a call may take (connect,
//! first byte and whole body within the request timeout), how large an answer may be, and the
//! log line every call leaves.
//!
//! It knows no cloud and signs nothing: each client builds its signed request and reads the
//! answer's envelope. Keeping this apart from snapform-provider keeps that crate free of HTTP,
//! so the planner, which depends on it for types, builds no HTTP stack.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use snapform_provider::{Error, ProviderSettings};

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
            .map_err(|error| transport_error(call.action, &error))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response
            .content_length()
            .is_some_and(|length| length > self.max_response_bytes as u64)
        {
            return Err(too_large(call.action, self.max_response_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| transport_error(call.action, &error))?
        {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(too_large(call.action, self.max_response_bytes));
            }
            body.extend_from_slice(&chunk);
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

/// A failure on the way: if the connection was never made, the request surely did not reach
/// the cloud; after that, it may have.
fn transport_error(action: &str, error: &reqwest::Error) -> Error {
    Error::transport(action, error.is_connect(), error.is_timeout(), error)
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
}
