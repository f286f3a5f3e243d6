//! The signed HTTP client for Tencent Cloud API 3.0: one POST per action, JSON in and out,
//! rate-limited per (region, action), retried per the error's class.

use std::time::Duration;

use serde_json::Value as Json;
use snapform_provider::{Error, ErrorKind, RateLimiter, RetryPolicy};

use crate::credentials::Credentials;
use crate::{errors, signer};

/// A Tencent Cloud service with its API version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Cloud Block Storage, 2017-03-12.
    Cbs,
    /// Lighthouse, 2020-03-24.
    Lighthouse,
}

impl Service {
    /// The signing service name, also the first label of its host.
    pub fn name(self) -> &'static str {
        match self {
            Service::Cbs => "cbs",
            Service::Lighthouse => "lighthouse",
        }
    }

    /// The API version.
    pub fn version(self) -> &'static str {
        match self {
            Service::Cbs => "2017-03-12",
            Service::Lighthouse => "2020-03-24",
        }
    }
}

/// Everything a request needs, shared by the resources.
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: Credentials,
    pub(crate) region: String,
    /// `None` for the real endpoints, `https://<service>.tencentcloudapi.com`.
    pub(crate) endpoint: Option<reqwest::Url>,
    pub(crate) limiter: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) call_slots: Option<snapform_provider::CallSlots>,
}

const CONTENT_TYPE: &str = "application/json";

impl Client {
    /// The URL and `Host` of `service`.
    fn target(&self, service: Service) -> Result<(reqwest::Url, String), Error> {
        let url = match &self.endpoint {
            Some(url) => url.clone(),
            None => {
                let text = format!("https://{}.tencentcloudapi.com/", service.name());
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

    /// Calls `action` with `params` and returns the `Response` object, retrying per the
    /// error's class. Calls that create something pass `idempotent = false`: a failure after
    /// the request may have reached the cloud is then returned, never resent.
    pub async fn call(
        &self,
        service: Service,
        action: &'static str,
        params: &Json,
        idempotent: bool,
    ) -> Result<Json, Error> {
        self.retry
            .run(idempotent, || self.call_once(service, action, params))
            .await
    }

    async fn call_once(
        &self,
        service: Service,
        action: &'static str,
        params: &Json,
    ) -> Result<Json, Error> {
        // Held until the answer is read.
        let _slot = self
            .limiter
            .admit(&self.region, action, self.call_slots.as_ref())
            .await;
        let (url, host) = self.target(service)?;
        let body = serde_json::to_vec(params).expect("JSON values serialize");
        let timestamp = snapform_provider::unix_now();
        let signature = signer::sign(&signer::Tc3Request {
            method: "POST",
            host: &host,
            query: "",
            content_type: CONTENT_TYPE,
            body: &body,
            service: service.name(),
            timestamp,
            secret_id: &self.credentials.secret_id,
            secret_key: self.credentials.secret_key.expose(),
        });
        let mut request = self
            .http
            .post(url)
            .header("Content-Type", CONTENT_TYPE)
            .header("X-TC-Action", action)
            .header("X-TC-Version", service.version())
            .header("X-TC-Region", &self.region)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Language", "en-US")
            .header(
                "X-TC-RequestClient",
                concat!("snapform/", env!("CARGO_PKG_VERSION")),
            )
            .header("Authorization", signature.authorization)
            .body(body);
        if let Some(token) = &self.credentials.token {
            request = request.header("X-TC-Token", token.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|error| transport_error(action, &error))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|error| transport_error(action, &error))?;
        if !status.is_success() {
            let mut error = Error::new(
                ErrorKind::Transient,
                action,
                format!("HttpStatus{}", status.as_u16()),
                snapform_provider::first_line(&text),
            );
            error.maybe_applied = true;
            return Err(error);
        }
        let document: Json = serde_json::from_str(&text).map_err(|error| {
            Error::invalid_response(action, format!("the response is not JSON: {error}"))
        })?;
        let Some(response) = document.get("Response") else {
            return Err(Error::invalid_response(
                action,
                "the response has no `Response` object",
            ));
        };
        let request_id = response
            .get("RequestId")
            .and_then(Json::as_str)
            .map(str::to_owned);
        if let Some(cloud_error) = response.get("Error") {
            let code = cloud_error
                .get("Code")
                .and_then(Json::as_str)
                .unwrap_or("UnknownError");
            let message = cloud_error
                .get("Message")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let kind = errors::classify(action, code);
            if kind == ErrorKind::Throttled {
                self.limiter.throttled(&self.region, action);
            }
            let mut error = Error::new(kind, action, code, message).with_request_id(request_id);
            error.maybe_applied = errors::maybe_applied(code);
            return Err(error);
        }
        Ok(response.clone())
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
