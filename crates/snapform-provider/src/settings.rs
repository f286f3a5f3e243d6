//! What every provider configuration is built from, whichever the cloud: region, endpoint,
//! credentials, rate limit, retries, timeouts, trusted CAs and the run's call slots. The CLI
//! fills it from the provider block, the environment and the official CLIs' profiles; a
//! cloud's [`crate::Cloud::build`] turns it into a provider.

use std::path::Path;
use std::time::Duration;

use snapform_core::Secret;

use crate::{CallSlots, RetryPolicy};

/// A key pair and, for temporary credentials, a session token. Each cloud names them its own
/// way (SecretId/SecretKey, AccessKey ID/secret); the meaning is the same.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The key's ID (SecretId, AccessKey ID), not secret in itself.
    pub key_id: String,
    /// The key's secret.
    pub secret: Secret,
    /// The session token of temporary credentials.
    pub token: Option<Secret>,
}

/// Credentials and region from one source (the block, the environment, a profile); any may be
/// missing.
#[derive(Clone, Debug, Default)]
pub struct PartialCredentials {
    /// The key's ID.
    pub key_id: Option<String>,
    /// The key's secret.
    pub secret: Option<Secret>,
    /// A session token.
    pub token: Option<Secret>,
    /// The region.
    pub region: Option<String>,
}

impl PartialCredentials {
    fn complete(&self) -> Option<Credentials> {
        Some(Credentials {
            key_id: self.key_id.clone()?,
            secret: self.secret.clone()?,
            token: self.token.clone(),
        })
    }
}

/// The first complete credentials, and the first region, of `sources` taken in order (DESIGN
/// §3: the block, then the environment, then the official CLI's profile); `None` when no
/// source has both a key ID and a secret.
pub fn resolve(sources: &[PartialCredentials]) -> (Option<Credentials>, Option<String>) {
    let credentials = sources.iter().find_map(PartialCredentials::complete);
    let region = sources.iter().find_map(|source| source.region.clone());
    (credentials, region)
}

/// The names a cloud's provider block gives its credential arguments.
#[derive(Clone, Copy, Debug)]
pub struct CredentialArguments {
    /// The key ID's argument (`secret_id`, `access_key`).
    pub key_id: &'static str,
    /// The secret's argument (`secret_key`).
    pub secret: &'static str,
    /// The session token's argument (`security_token`).
    pub token: &'static str,
}

/// Reads the official CLI's profile under the user's home directory.
pub type ProfileReader = fn(home: &Path) -> PartialCredentials;

/// Everything one provider configuration is built from.
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// The region calls go to, such as `ap-guangzhou`.
    pub region: String,
    /// Every call goes to this URL (an emulator, a proxy) instead of the cloud's endpoints.
    pub endpoint: Option<String>,
    /// The API key.
    pub credentials: Credentials,
    /// Requests per second per API action (the clouds allow 20).
    pub rate_limit: f64,
    /// Retries of throttled, transient and busy errors.
    pub retry: RetryPolicy,
    /// Certificates (DER) of CAs trusted besides the system's, for an https endpoint such as
    /// the emulator's (a provider block's `ca_file`). Certificates are always checked.
    pub ca_certificates: Vec<Vec<u8>>,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for one whole request: connecting, the first byte and the whole body.
    pub request_timeout: Duration,
    /// Largest answer read, in bytes; a larger one is an error, not a memory spike.
    pub max_response_bytes: usize,
    /// Plain `http://` to an address that is not loopback: refused unless set, since it would
    /// send signed requests and tokens in clear text (an opt-out for test rigs).
    pub allow_insecure_http: bool,
    /// API calls in flight at once, shared with the other providers of a run; none bounds
    /// only by the rate limit.
    pub call_slots: Option<CallSlots>,
}

impl ProviderSettings {
    /// Settings with the defaults: the cloud's endpoints, 20 requests/s, 10 s to connect, 30 s
    /// per request, answers up to 1 MiB (a page of 100 snapshots is about 100 KB, and a run
    /// reads up to `-parallelism` answers at once, so the cap bounds its memory too).
    pub fn new(region: impl Into<String>, credentials: Credentials) -> ProviderSettings {
        ProviderSettings {
            region: region.into(),
            endpoint: None,
            credentials,
            rate_limit: 20.0,
            retry: RetryPolicy::default(),
            ca_certificates: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 1024 * 1024,
            allow_insecure_http: false,
            call_slots: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_complete_source_wins() {
        let block = PartialCredentials {
            key_id: Some("from-block".to_owned()),
            ..PartialCredentials::default()
        };
        let env = PartialCredentials {
            key_id: Some("from-env".to_owned()),
            secret: Some(Secret::new("s")),
            region: Some("ap-guangzhou".to_owned()),
            ..PartialCredentials::default()
        };
        let (credentials, region) = resolve(&[block, env]);
        assert_eq!(credentials.map(|c| c.key_id).as_deref(), Some("from-env"));
        assert_eq!(region.as_deref(), Some("ap-guangzhou"));
        assert!(resolve(&[]).0.is_none());
    }
}
