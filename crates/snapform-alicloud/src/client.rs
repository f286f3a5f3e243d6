//! The signed HTTP client for Alibaba Cloud RPC APIs, called as the official SDK calls them:
//! POST, every parameter in the query string, an empty body, an ACS3-HMAC-SHA256 signature;
//! rate-limited per (region, action), retried per the error's class.

use std::time::Duration;

use serde_json::Value as Json;
use snapform_provider::{Error, ErrorKind, RateLimiter, RetryPolicy};

use crate::credentials::Credentials;
use crate::{errors, params, signer};

/// An Alibaba Cloud product with its API version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Elastic Desktop Service, 2020-09-30; regional endpoints.
    Ecd,
    /// Edge Node Service, 2017-11-10; one central endpoint.
    Ens,
}

impl Service {
    /// The product code, also the first label of its host.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ecd => "ecd",
            Service::Ens => "ens",
        }
    }

    /// The API version.
    pub fn version(self) -> &'static str {
        match self {
            Service::Ecd => "2020-09-30",
            Service::Ens => "2017-11-10",
        }
    }

    /// The real endpoint: `https://ecd.{region}.aliyuncs.com` or `https://ens.aliyuncs.com`.
    fn default_endpoint(self, region: &str) -> String {
        match self {
            Service::Ecd => format!("https://ecd.{region}.aliyuncs.com/"),
            Service::Ens => "https://ens.aliyuncs.com/".to_owned(),
        }
    }
}

/// Everything a request needs, shared by the resources.
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: Credentials,
    /// The ECD region every ECD call names (`RegionId`) and goes to.
    pub(crate) region: String,
    /// `None` for the real endpoints.
    pub(crate) endpoint: Option<reqwest::Url>,
    pub(crate) limiter: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) call_slots: Option<snapform_provider::CallSlots>,
}

impl Client {
    /// The URL and `Host` of `service`.
    fn target(&self, service: Service) -> Result<(reqwest::Url, String), Error> {
        let url = match &self.endpoint {
            Some(url) => url.clone(),
            None => {
                let text = service.default_endpoint(&self.region);
                reqwest::Url::parse(&text)
                    .map_err(|error| Error::invalid_endpoint(format!("{text}: {error}")))?
            }
        };
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(Error::invalid_endpoint(format!("{url} has no host"))),
        };
        Ok((url, host))
    }

    /// The rate limiter's "region" for `service`. ECD quotas are per region; ENS has one
    /// central endpoint and its quotas are per account, so all its calls share one bucket per
    /// action. The product is part of the key because ECD and ENS share action names
    /// (`CreateSnapshot`) but not quotas.
    fn bucket_region(&self, service: Service) -> String {
        match service {
            Service::Ecd => format!("{}/{}", service.name(), self.region),
            Service::Ens => service.name().to_owned(),
        }
    }

    /// Calls `action` with `request` (a JSON object of parameters, flattened to the query) and
    /// returns the response object, retrying per the error's class. Calls that create
    /// something pass `idempotent = false`: a failure after the request may have reached the
    /// cloud is then returned, never resent.
    pub async fn call(
        &self,
        service: Service,
        action: &'static str,
        request: &Json,
        idempotent: bool,
    ) -> Result<Json, Error> {
        let query = params::flatten(request);
        self.retry
            .run(idempotent, || self.call_once(service, action, &query))
            .await
    }

    async fn call_once(
        &self,
        service: Service,
        action: &'static str,
        query: &[(String, String)],
    ) -> Result<Json, Error> {
        let bucket_region = self.bucket_region(service);
        // Held until the answer is read.
        let _slot = self
            .limiter
            .admit(&bucket_region, action, self.call_slots.as_ref())
            .await;
        let (mut url, host) = self.target(service)?;
        // A fresh date and nonce on every attempt: a retried request is signed anew, so a
        // clock or nonce rejection can pass the second time.
        let nonce = format!("{:032x}", rand::random::<u128>());
        let mut headers: Vec<(String, String)> = vec![
            ("host".to_owned(), host),
            ("x-acs-action".to_owned(), action.to_owned()),
            ("x-acs-version".to_owned(), service.version().to_owned()),
            (
                "x-acs-date".to_owned(),
                // UTC `YYYY-MM-DDTHH:MM:SSZ`.
                snapform_core::time::rfc3339_utc(snapform_provider::unix_now()),
            ),
            ("x-acs-signature-nonce".to_owned(), nonce),
            ("x-acs-content-sha256".to_owned(), signer::sha256_hex(b"")),
        ];
        if let Some(token) = &self.credentials.security_token {
            headers.push(("x-acs-security-token".to_owned(), token.expose().to_owned()));
        }
        let path = url.path().to_owned();
        let signature = signer::sign(&signer::Acs3Request {
            method: "POST",
            path: &path,
            query,
            headers: &headers,
            body: b"",
            access_key_id: &self.credentials.access_key_id,
            access_key_secret: self.credentials.access_key_secret.expose(),
        });
        // The wire query is the canonical one: RFC 3986 encoding is valid on the wire and
        // sends `+` as `%2B`, which servers would otherwise read as a space.
        if signature.canonical_query.is_empty() {
            url.set_query(None);
        } else {
            url.set_query(Some(&signature.canonical_query));
        }
        let mut request = self
            .http
            .post(url)
            .header("authorization", &signature.authorization)
            .header(
                "user-agent",
                concat!("snapform/", env!("CARGO_PKG_VERSION")),
            );
        // reqwest writes `host` from the URL, the same value that was signed.
        for (name, value) in headers.iter().filter(|(name, _)| name != "host") {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|error| transport_error(action, &error))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("x-acs-retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|millis| *millis > 0)
            // Milliseconds, as the SDKs read it (Darabonba's ThrottlingException), capped
            // like theirs at the longest delay of the retry policy.
            .map(|millis| Duration::from_millis(millis).min(self.retry.max_delay));
        let header_request_id = response
            .headers()
            .get("x-acs-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let text = response
            .text()
            .await
            .map_err(|error| transport_error(action, &error))?;
        let document: Option<Json> = serde_json::from_str(&text).ok();
        if status.is_success() {
            return document.filter(Json::is_object).ok_or_else(|| {
                Error::invalid_response(
                    action,
                    format!(
                        "the response is not a JSON object: {}",
                        snapform_provider::first_line(&text)
                    ),
                )
            });
        }
        let body = document.unwrap_or(Json::Null);
        let lenient = |keys: &[&str]| {
            keys.iter()
                .find_map(|key| snapform_provider::json::non_empty(&body, key))
        };
        let code =
            lenient(&["Code", "code"]).unwrap_or_else(|| format!("HttpStatus{}", status.as_u16()));
        let message = lenient(&["Message", "message"])
            .unwrap_or_else(|| snapform_provider::first_line(&text));
        let request_id = lenient(&["RequestId", "requestId"]).or(header_request_id);
        let (kind, maybe_applied) = if status.is_server_error() {
            (ErrorKind::Transient, true)
        } else {
            (
                errors::classify(action, &code),
                errors::maybe_applied(&code),
            )
        };
        if kind == ErrorKind::Throttled {
            self.limiter.throttled(&bucket_region, action);
        }
        let mut error = Error::new(kind, action, code, message).with_request_id(request_id);
        error.maybe_applied = maybe_applied;
        error.retry_after = retry_after;
        Err(error)
    }
}

/// A failure on the way: if the connection was never made, the request surely did not reach
/// the cloud; after that, it may have.
fn transport_error(action: &str, error: &reqwest::Error) -> Error {
    Error::transport(action, error.is_connect(), error.is_timeout(), error)
}

/// Builds the shared HTTP client: rustls, connect and total timeouts, and the system's CAs
/// plus `ca_certificates` (DER).
pub fn http_client(
    connect_timeout: Duration,
    request_timeout: Duration,
    ca_certificates: &[Vec<u8>],
) -> Result<reqwest::Client, Error> {
    let invalid_ca = |error: reqwest::Error| {
        Error::invalid_endpoint(format!(
            "cannot trust the given CA certificates: {}",
            snapform_provider::error_chain(&error)
        ))
    };
    let certificates = ca_certificates
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid_ca)?;
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .pool_max_idle_per_host(32)
        .tls_certs_merge(certificates)
        .build()
        .map_err(invalid_ca)
}
