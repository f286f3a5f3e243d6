//! The signed HTTP client for Alibaba Cloud RPC APIs, called as the official SDK calls them:
//! POST, every parameter in the query string, an empty body, an ACS3-HMAC-SHA256 signature;
//! rate-limited per (region, action), retried per the error's class.

use std::time::Duration;

use serde_json::Value as Json;
use snapform_provider::{Credentials, Error, ErrorKind, RateLimiter, RetryPolicy};

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
    pub(crate) fn default_endpoint(self, region: &str) -> String {
        match self {
            Service::Ecd => format!("https://ecd.{region}.aliyuncs.com/"),
            Service::Ens => "https://ens.aliyuncs.com/".to_owned(),
        }
    }
}

/// Everything a request needs, shared by the resources.
pub struct Client {
    pub(crate) transport: snapform_http::Transport,
    pub(crate) credentials: Credentials,
    /// The ECD region every ECD call names (`RegionId`) and goes to.
    pub(crate) region: String,
    pub(crate) limiter: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) call_slots: Option<snapform_provider::CallSlots>,
}

impl Client {
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
            .run(idempotent, |attempt| {
                self.call_once(service, action, &query, attempt)
            })
            .await
    }

    async fn call_once(
        &self,
        service: Service,
        action: &'static str,
        query: &[(String, String)],
        attempt: usize,
    ) -> Result<Json, Error> {
        let bucket_region = self.bucket_region(service);
        // Held until the answer is read.
        let _slot = self
            .limiter
            .admit(&bucket_region, action, self.call_slots.as_ref())
            .await;
        let target = self
            .transport
            .target(&service.default_endpoint(&self.region))?;
        let mut url = target.url;
        // A fresh date and nonce on every attempt: a retried request is signed anew, so a
        // clock or nonce rejection can pass the second time.
        let nonce = format!("{:032x}", rand::random::<u128>());
        let mut headers: Vec<(String, String)> = vec![
            ("host".to_owned(), target.host),
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
        if let Some(token) = &self.credentials.token {
            headers.push(("x-acs-security-token".to_owned(), token.expose().to_owned()));
        }
        let path = url.path().to_owned();
        let signature = signer::sign(&signer::Acs3Request {
            method: "POST",
            path: &path,
            query,
            headers: &headers,
            body: b"",
            access_key_id: &self.credentials.key_id,
            access_key_secret: self.credentials.secret.expose(),
        });
        // The wire query is the canonical one: RFC 3986 encoding is valid on the wire and
        // sends `+` as `%2B`, which servers would otherwise read as a space.
        if signature.canonical_query.is_empty() {
            url.set_query(None);
        } else {
            url.set_query(Some(&signature.canonical_query));
        }
        let mut request = self
            .transport
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
        let call = snapform_http::Call {
            service: service.name(),
            action,
            region: &self.region,
            attempt,
        };
        let answer = self.transport.send(&call, request).await?;
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("x-acs-retry-after")
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|millis| *millis > 0)
            // Milliseconds, as the SDKs read it (Darabonba's ThrottlingException), capped
            // like theirs at the longest delay of the retry policy.
            .map(|millis| Duration::from_millis(millis).min(self.retry.max_delay));
        let document: Option<Json> = serde_json::from_str(&answer.body).ok();
        let body = document.clone().unwrap_or(Json::Null);
        let lenient = |keys: &[&str]| {
            keys.iter()
                .find_map(|key| snapform_provider::json::non_empty(&body, key))
        };
        let request_id =
            lenient(&["RequestId", "requestId"]).or_else(|| header("x-acs-request-id"));
        call.log(&answer, request_id.as_deref());
        let success = (200..300).contains(&answer.status);
        // An error envelope is an error whatever the status: a gateway may answer 200 with
        // `{"Code": ..., "Message": ...}`, and taking that for success would create twice.
        let code = lenient(&["Code", "code"]);
        if success && code.is_none() {
            return document.filter(Json::is_object).ok_or_else(|| {
                Error::invalid_response(
                    action,
                    format!(
                        "the response is not a JSON object: {}",
                        snapform_provider::first_line(&answer.body)
                    ),
                )
            });
        }
        let code = code.unwrap_or_else(|| format!("HttpStatus{}", answer.status));
        let message = lenient(&["Message", "message"])
            .unwrap_or_else(|| snapform_provider::first_line(&answer.body));
        let (kind, maybe_applied) = if answer.status >= 500 {
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
