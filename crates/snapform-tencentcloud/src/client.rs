//! The signed HTTP client for Tencent Cloud API 3.0: one POST per action, JSON in and out,
//! rate-limited per (region, action), retried per the error's class.

use serde_json::Value as Json;
use snapform_provider::{Credentials, Error, ErrorKind, RateLimiter, RetryPolicy};

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
    pub(crate) transport: snapform_http::Transport,
    pub(crate) credentials: Credentials,
    pub(crate) region: String,
    pub(crate) limiter: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) call_slots: Option<snapform_provider::CallSlots>,
}

const CONTENT_TYPE: &str = "application/json";

impl Client {
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
            .run(idempotent, |attempt| {
                self.call_once(service, action, params, attempt)
            })
            .await
    }

    async fn call_once(
        &self,
        service: Service,
        action: &'static str,
        params: &Json,
        attempt: usize,
    ) -> Result<Json, Error> {
        // Held until the answer is read.
        let _slot = self
            .limiter
            .admit(&self.region, action, self.call_slots.as_ref())
            .await;
        let target = self
            .transport
            .target(&format!("https://{}.tencentcloudapi.com/", service.name()))?;
        let body = serde_json::to_vec(params).expect("JSON values serialize");
        let timestamp = snapform_provider::unix_now();
        let signature = signer::sign(&signer::Tc3Request {
            method: "POST",
            host: &target.host,
            query: "",
            content_type: CONTENT_TYPE,
            body: &body,
            service: service.name(),
            timestamp,
            secret_id: &self.credentials.key_id,
            secret_key: self.credentials.secret.expose(),
        });
        let mut request = self
            .transport
            .post(target.url)
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
        let call = snapform_http::Call {
            service: service.name(),
            action,
            region: &self.region,
            attempt,
        };
        let answer = self.transport.send(&call, request).await?;
        let document: Option<Json> = serde_json::from_str(&answer.body).ok();
        let response = document
            .as_ref()
            .and_then(|document| document.get("Response"));
        let request_id = response
            .and_then(|response| response.get("RequestId"))
            .and_then(Json::as_str);
        call.log(&answer, request_id);
        if !(200..300).contains(&answer.status) {
            let mut error = Error::new(
                ErrorKind::Transient,
                action,
                format!("HttpStatus{}", answer.status),
                snapform_provider::first_line(&answer.body),
            );
            error.maybe_applied = true;
            return Err(error);
        }
        let Some(document) = &document else {
            return Err(Error::invalid_response(
                action,
                format!(
                    "the response is not JSON: {}",
                    snapform_provider::first_line(&answer.body)
                ),
            ));
        };
        let Some(response) = document
            .get("Response")
            .filter(|response| response.is_object())
        else {
            return Err(Error::invalid_response(
                action,
                "the response has no `Response` object",
            ));
        };
        let request_id = request_id.map(str::to_owned);
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
        if request_id.is_none() {
            return Err(Error::invalid_response(
                action,
                "the response has no `RequestId`, which every answer carries",
            ));
        }
        Ok(response.clone())
    }
}
