//! The Tencent Cloud provider: TC3-HMAC-SHA256 request signing and the three Tencent resource
//! types (CBS disk backups, CBS snapshot groups, Lighthouse snapshots) behind the
//! [`snapform_provider::Provider`] trait.
//!
//! Requests are rate-limited per (region, action), retried per the error's class, and a
//! create whose outcome is unknown is reported as such, never resent.

mod client;
pub mod credentials;
mod errors;
mod resources;
pub mod signer;

use std::time::Duration;

use snapform_provider::{
    Attributes, BoxFuture, CallSlots, ConflictKey, CreateError, Error, PreflightProblem, Provider,
    RateLimiter, ReadRequest, ResourceState, RetryPolicy, string_arg, strings_arg,
};

pub use credentials::{Credentials, PartialCredentials};
use resources::{cbs_disk_backup, cbs_snapshot_group, lighthouse_snapshot};

/// Settings of one `provider "tencentcloud"` configuration.
#[derive(Clone, Debug)]
pub struct TencentCloudConfig {
    /// The region every call goes to, such as `ap-guangzhou`.
    pub region: String,
    /// Sends every service's calls to this URL (an emulator, a proxy) instead of
    /// `https://<service>.tencentcloudapi.com`.
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
    /// Longest wait for a whole request.
    pub request_timeout: Duration,
    /// API calls in flight at once, shared with the other providers of a run; none bounds
    /// only by the rate limit.
    pub call_slots: Option<CallSlots>,
}

impl TencentCloudConfig {
    /// A configuration with the defaults: real endpoints, 20 requests/s, 10 s to connect and
    /// 30 s per request.
    pub fn new(region: impl Into<String>, credentials: Credentials) -> TencentCloudConfig {
        TencentCloudConfig {
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

/// The Tencent Cloud provider for one configuration.
pub struct TencentCloud {
    client: client::Client,
}

impl TencentCloud {
    /// A provider for `config`.
    pub fn new(config: TencentCloudConfig) -> Result<TencentCloud, Error> {
        let endpoint = config
            .endpoint
            .as_deref()
            .map(|text| {
                reqwest::Url::parse(text)
                    .map_err(|error| Error::invalid_endpoint(format!("endpoint {text:?}: {error}")))
            })
            .transpose()?;
        Ok(TencentCloud {
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
        format!("the tencentcloud provider does not manage {type_name}"),
    )
}

/// The disks or instance an operation on a resource with these arguments touches: the clouds
/// refuse a second snapshot of one while another is being made. Empty for other types.
pub fn conflict_keys(type_name: &str, arguments: &Attributes) -> Vec<ConflictKey> {
    match type_name {
        "tencentcloud_cbs_disk_backup" => string_arg(arguments, "disk_id")
            .map(|id| ConflictKey(format!("disk:{id}")))
            .into_iter()
            .collect(),
        "tencentcloud_cbs_snapshot_group" => strings_arg(arguments, "disk_ids")
            .into_iter()
            .map(|id| ConflictKey(format!("disk:{id}")))
            .collect(),
        "tencentcloud_lighthouse_snapshot" => string_arg(arguments, "instance_id")
            .map(|id| ConflictKey(format!("lighthouse:{id}")))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

impl Provider for TencentCloud {
    fn read_many<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [ReadRequest],
    ) -> BoxFuture<'a, Result<Vec<ResourceState>, Error>> {
        Box::pin(async move {
            match type_name {
                "tencentcloud_cbs_disk_backup" => {
                    cbs_disk_backup::read_many(&self.client, requests).await
                }
                "tencentcloud_cbs_snapshot_group" => {
                    cbs_snapshot_group::read_many(&self.client, requests).await
                }
                "tencentcloud_lighthouse_snapshot" => {
                    lighthouse_snapshot::read_many(&self.client, requests).await
                }
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
                "tencentcloud_cbs_disk_backup" => {
                    cbs_disk_backup::create(&self.client, arguments).await
                }
                "tencentcloud_cbs_snapshot_group" => {
                    cbs_snapshot_group::create(&self.client, arguments).await
                }
                "tencentcloud_lighthouse_snapshot" => {
                    lighthouse_snapshot::create(&self.client, arguments).await
                }
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
                "tencentcloud_lighthouse_snapshot" => {
                    lighthouse_snapshot::update(&self.client, id, arguments).await
                }
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
                "tencentcloud_cbs_disk_backup" => {
                    cbs_disk_backup::delete_many(&self.client, ids).await
                }
                "tencentcloud_cbs_snapshot_group" => {
                    cbs_snapshot_group::delete_many(&self.client, ids).await
                }
                "tencentcloud_lighthouse_snapshot" => {
                    lighthouse_snapshot::delete_many(&self.client, ids).await
                }
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
                "tencentcloud_cbs_disk_backup" => {
                    cbs_disk_backup::lookup(&self.client, arguments).await
                }
                "tencentcloud_cbs_snapshot_group" => {
                    cbs_snapshot_group::lookup(&self.client, arguments).await
                }
                "tencentcloud_lighthouse_snapshot" => {
                    lighthouse_snapshot::lookup(&self.client, arguments).await
                }
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
                "tencentcloud_cbs_disk_backup" => {
                    cbs_disk_backup::preflight(&self.client, creates).await
                }
                "tencentcloud_cbs_snapshot_group" => {
                    cbs_snapshot_group::preflight(&self.client, creates).await
                }
                "tencentcloud_lighthouse_snapshot" => {
                    lighthouse_snapshot::preflight(&self.client, creates).await
                }
                other => Err(unknown_type(other)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use snapform_core::Value;

    use super::*;

    #[test]
    fn conflict_keys_name_the_disks_or_the_instance() {
        let arguments: Attributes = [
            ("disk_id".to_owned(), Value::string("disk-1")),
            (
                "disk_ids".to_owned(),
                Value::Set(vec![Value::string("disk-1"), Value::string("disk-2")]),
            ),
            ("instance_id".to_owned(), Value::string("lhins-1")),
        ]
        .into();
        let keys = |type_name| -> Vec<String> {
            conflict_keys(type_name, &arguments)
                .into_iter()
                .map(|key| key.0)
                .collect()
        };
        assert_eq!(keys("tencentcloud_cbs_disk_backup"), ["disk:disk-1"]);
        // A group and a backup of the same disk conflict: they share the key.
        assert_eq!(
            keys("tencentcloud_cbs_snapshot_group"),
            ["disk:disk-1", "disk:disk-2"]
        );
        assert_eq!(
            keys("tencentcloud_lighthouse_snapshot"),
            ["lighthouse:lhins-1"]
        );
        assert!(keys("alicloud_ecd_snapshot").is_empty());
    }

    #[test]
    fn a_ca_certificate_that_is_not_one_is_refused() {
        let credentials = Credentials {
            secret_id: "AKIDexample".to_owned(),
            secret_key: snapform_core::Secret::new("example-secret"),
            token: None,
        };
        let Err(error) = TencentCloud::new(TencentCloudConfig {
            ca_certificates: vec![b"not a certificate".to_vec()],
            ..TencentCloudConfig::new("ap-guangzhou", credentials)
        }) else {
            panic!("a broken CA certificate is refused");
        };
        assert!(error.message.contains("cannot trust"), "{error}");
    }
}
