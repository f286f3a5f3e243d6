//! The Alibaba Cloud provider: ACS3-HMAC-SHA256 request signing, RPC parameter flattening and
//! the two Alibaba resource types (Elastic Desktop snapshots, ENS edge snapshots) behind the
//! [`snapform_provider::Provider`] trait.
//!
//! Requests are sent as the official SDK sends them (POST, parameters in the query, empty
//! body), rate-limited per (region, action), retried per the error's class, and a create
//! whose outcome is unknown is reported as such, never resent. The command line builds an
//! [`AliCloud`] from an [`AliCloudConfig`]; this crate reads no environment variable.

mod client;
pub mod credentials;
mod errors;
pub mod params;
mod resources;
pub mod signer;

use std::time::Duration;

use snapform_provider::{
    Attributes, BoxFuture, ConflictKey, CreateError, Error, PreflightProblem, Provider,
    RateLimiter, ReadRequest, ResourceState, RetryPolicy, string_arg,
};

pub use credentials::{Credentials, PartialCredentials};
use resources::{ecd_snapshot, ens_snapshot};

const ECD_SNAPSHOT_TYPE: &str = "alicloud_ecd_snapshot";
const ENS_SNAPSHOT_TYPE: &str = "alicloud_ens_snapshot";

/// Settings of one `provider "alicloud"` configuration.
#[derive(Clone, Debug)]
pub struct AliCloudConfig {
    /// The region ECD calls go to, such as `cn-hangzhou`. ENS calls go to the central
    /// endpoint and name their edge region per resource.
    pub region: String,
    /// Sends every product's calls to this URL (an emulator, a proxy) instead of
    /// `https://ecd.<region>.aliyuncs.com` and `https://ens.aliyuncs.com`.
    pub endpoint: Option<String>,
    /// The AccessKey.
    pub credentials: Credentials,
    /// Requests per second per API action (20 unless the provider block says otherwise).
    pub rate_limit: f64,
    /// Retries of throttled, transient and busy errors.
    pub retry: RetryPolicy,
    /// Certificates (DER) of CAs trusted besides the system's, for an https endpoint such as
    /// the emulator's (a provider block's `ca_file`). Certificates are always checked.
    pub ca_certificates: Vec<Vec<u8>>,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole request.
    pub request_timeout: Duration,
    /// API calls in flight at once, shared with the other providers of a run; none bounds
    /// only by the rate limit.
    pub call_slots: Option<snapform_provider::CallSlots>,
}

impl AliCloudConfig {
    /// A configuration with the defaults: real endpoints, 20 requests/s, 10 s to connect and
    /// 30 s per request.
    pub fn new(region: impl Into<String>, credentials: Credentials) -> AliCloudConfig {
        AliCloudConfig {
            region: region.into(),
            endpoint: None,
            credentials,
            rate_limit: 20.0,
            retry: RetryPolicy::default(),
            ca_certificates: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            call_slots: None,
        }
    }
}

/// The Alibaba Cloud provider for one configuration.
pub struct AliCloud {
    client: client::Client,
}

impl AliCloud {
    /// A provider for `config`.
    pub fn new(config: AliCloudConfig) -> Result<AliCloud, Error> {
        let endpoint = config
            .endpoint
            .as_deref()
            .map(|text| {
                reqwest::Url::parse(text)
                    .map_err(|error| Error::invalid_endpoint(format!("endpoint {text:?}: {error}")))
            })
            .transpose()?;
        Ok(AliCloud {
            client: client::Client {
                http: client::http_client(
                    config.connect_timeout,
                    config.request_timeout,
                    &config.ca_certificates,
                )?,
                credentials: config.credentials,
                region: config.region,
                endpoint,
                limiter: RateLimiter::new(config.rate_limit),
                retry: config.retry,
                call_slots: config.call_slots,
            },
        })
    }
}

fn unknown_type(type_name: &str) -> Error {
    Error::unsupported(
        "",
        format!("the alicloud provider does not manage {type_name}"),
    )
}

/// The desktop or disk an operation on a resource with these arguments touches: ECD and ENS
/// refuse a second snapshot of one while another is being made. Empty for other types.
pub fn conflict_keys(type_name: &str, arguments: &Attributes) -> Vec<ConflictKey> {
    let (argument, prefix) = match type_name {
        ECD_SNAPSHOT_TYPE => ("desktop_id", "desktop"),
        ENS_SNAPSHOT_TYPE => ("disk_id", "ens-disk"),
        _ => return Vec::new(),
    };
    string_arg(arguments, argument)
        .map(|id| ConflictKey(format!("{prefix}:{id}")))
        .into_iter()
        .collect()
}

impl Provider for AliCloud {
    fn read_many<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [ReadRequest],
    ) -> BoxFuture<'a, Result<Vec<ResourceState>, Error>> {
        Box::pin(async move {
            match type_name {
                ECD_SNAPSHOT_TYPE => ecd_snapshot::read_many(&self.client, requests).await,
                ENS_SNAPSHOT_TYPE => ens_snapshot::read_many(&self.client, requests).await,
                other => Err(unknown_type(other)),
            }
        })
    }

    fn create<'a>(
        &'a self,
        type_name: &'a str,
        arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<String, CreateError>> {
        Box::pin(async move {
            match type_name {
                ECD_SNAPSHOT_TYPE => ecd_snapshot::create(&self.client, arguments).await,
                ENS_SNAPSHOT_TYPE => ens_snapshot::create(&self.client, arguments).await,
                other => Err(CreateError::Rejected(unknown_type(other))),
            }
        })
    }

    fn update<'a>(
        &'a self,
        type_name: &'a str,
        id: &'a str,
        arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match type_name {
                ENS_SNAPSHOT_TYPE => ens_snapshot::update(&self.client, id, arguments).await,
                other => Err(Error::unsupported(
                    "",
                    format!("{other} cannot be changed in place"),
                )),
            }
        })
    }

    fn delete_many<'a>(
        &'a self,
        type_name: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Vec<(String, Result<(), Error>)>> {
        Box::pin(async move {
            match type_name {
                ECD_SNAPSHOT_TYPE => ecd_snapshot::delete_many(&self.client, ids).await,
                ENS_SNAPSHOT_TYPE => ens_snapshot::delete_many(&self.client, ids).await,
                other => ids
                    .iter()
                    .map(|id| (id.clone(), Err(unknown_type(other))))
                    .collect(),
            }
        })
    }

    fn lookup<'a>(
        &'a self,
        type_name: &'a str,
        arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<Vec<ResourceState>, Error>> {
        Box::pin(async move {
            match type_name {
                ECD_SNAPSHOT_TYPE => ecd_snapshot::lookup(&self.client, arguments).await,
                ENS_SNAPSHOT_TYPE => ens_snapshot::lookup(&self.client, arguments).await,
                other => Err(unknown_type(other)),
            }
        })
    }

    fn preflight<'a>(
        &'a self,
        type_name: &'a str,
        creates: &'a [Attributes],
    ) -> BoxFuture<'a, Result<Vec<Vec<PreflightProblem>>, Error>> {
        Box::pin(async move {
            match type_name {
                ECD_SNAPSHOT_TYPE => ecd_snapshot::preflight(&self.client, creates).await,
                ENS_SNAPSHOT_TYPE => ens_snapshot::preflight(&self.client, creates).await,
                other => Err(unknown_type(other)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use snapform_core::{Secret, Value};

    use super::*;

    #[test]
    fn conflict_keys_name_the_desktop_or_the_disk() {
        let arguments: Attributes = [
            ("desktop_id".to_owned(), Value::string("ecd-1")),
            ("disk_id".to_owned(), Value::string("d-1")),
        ]
        .into();
        assert_eq!(
            conflict_keys(ECD_SNAPSHOT_TYPE, &arguments),
            [ConflictKey("desktop:ecd-1".to_owned())]
        );
        assert_eq!(
            conflict_keys(ENS_SNAPSHOT_TYPE, &arguments),
            [ConflictKey("ens-disk:d-1".to_owned())]
        );
        assert!(conflict_keys("other", &arguments).is_empty());
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_refused() {
        let credentials = Credentials {
            access_key_id: "LTAIexample".to_owned(),
            access_key_secret: Secret::new("example-secret"),
            security_token: None,
        };
        assert!(
            AliCloud::new(AliCloudConfig {
                endpoint: Some("not a url".to_owned()),
                ..AliCloudConfig::new("cn-hangzhou", credentials)
            })
            .is_err()
        );
    }

    #[test]
    fn a_ca_certificate_that_is_not_one_is_refused() {
        let credentials = Credentials {
            access_key_id: "LTAIexample".to_owned(),
            access_key_secret: Secret::new("example-secret"),
            security_token: None,
        };
        let Err(error) = AliCloud::new(AliCloudConfig {
            ca_certificates: vec![b"not a certificate".to_vec()],
            ..AliCloudConfig::new("cn-hangzhou", credentials)
        }) else {
            panic!("a broken CA certificate is refused");
        };
        assert!(error.message.contains("cannot trust"), "{error}");
    }
}
