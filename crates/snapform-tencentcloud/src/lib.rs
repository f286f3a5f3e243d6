//! The Tencent Cloud provider: TC3-HMAC-SHA256 request signing and the three Tencent resource
//! types (CBS disk backups, CBS snapshot groups, Lighthouse snapshots), one module each, listed
//! in one registry behind [`CLOUD`].
//!
//! Requests are rate-limited per (region, action), retried per the error's class, and a
//! create whose outcome is unknown is reported as such, never resent. The command line builds
//! providers through [`CLOUD`]; this crate reads no environment variable.

mod client;
pub mod credentials;
mod errors;
mod resources;
pub mod signer;

use std::sync::Arc;

use snapform_core::schema::tencentcloud::PROVIDER;
use snapform_provider::{
    Cloud, CloudProvider, CredentialArguments, Error, Provider, ProviderSettings, RateLimiter,
    Registry, schemas_of,
};

use client::Client;
use resources::{cbs_disk_backup, cbs_snapshot_group, lighthouse_snapshot};

/// Every Tencent resource type snapform manages, each listed once.
static TYPES: [&dyn snapform_provider::ResourceType<Client>; 3] = [
    &cbs_disk_backup::CbsDiskBackup,
    &cbs_snapshot_group::CbsSnapshotGroup,
    &lighthouse_snapshot::LighthouseSnapshot,
];

/// Tencent Cloud, as the command line and the benchmark use it.
pub static CLOUD: Cloud = Cloud {
    schema: &PROVIDER,
    resource_types: || schemas_of(&TYPES),
    credential_arguments: CredentialArguments {
        key_id: "secret_id",
        secret: "secret_key",
        token: "security_token",
    },
    profile: |home| credentials::from_tccli_profile(&home.join(".tccli"), "default"),
    profile_hint: "run `tccli configure`",
    build,
};

/// A provider for one `provider "tencentcloud"` configuration.
fn build(settings: ProviderSettings) -> Result<Arc<dyn Provider>, Error> {
    let client = Client {
        transport: snapform_http::Transport::new(&settings)?,
        credentials: settings.credentials,
        region: settings.region,
        limiter: RateLimiter::new(settings.rate_limit),
        retry: settings.retry,
        call_slots: settings.call_slots,
    };
    let types: &'static Registry<Client> = &TYPES;
    Ok(Arc::new(CloudProvider::new(PROVIDER.name, client, types)))
}

#[cfg(test)]
mod tests {
    use snapform_provider::Credentials;

    use super::*;

    #[test]
    fn a_ca_certificate_that_is_not_one_is_refused() {
        let credentials = Credentials {
            key_id: "AKIDexample".to_owned(),
            secret: snapform_core::Secret::new("example-secret"),
            token: None,
        };
        let mut settings = ProviderSettings::new("ap-guangzhou", credentials);
        settings.ca_certificates = vec![b"not a certificate".to_vec()];
        let Err(error) = (CLOUD.build)(settings) else {
            panic!("a broken CA certificate is refused");
        };
        assert!(error.message.contains("cannot trust"), "{error}");
    }

    #[test]
    fn the_registry_lists_every_tencent_type() {
        let names: Vec<&str> = (CLOUD.resource_types)()
            .iter()
            .map(|schema| schema.type_name)
            .collect();
        assert_eq!(
            names,
            [
                "tencentcloud_cbs_disk_backup",
                "tencentcloud_cbs_snapshot_group",
                "tencentcloud_lighthouse_snapshot"
            ]
        );
    }
}
