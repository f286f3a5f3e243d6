//! The Alibaba Cloud provider: ACS3-HMAC-SHA256 request signing, RPC parameter flattening and
//! the two Alibaba resource types (Elastic Desktop snapshots, ENS edge snapshots), one module
//! each, listed in one registry behind [`CLOUD`].
//!
//! Requests are sent as the official SDK sends them (POST, parameters in the query, empty
//! body), rate-limited per (region, action), retried per the error's class, and a create
//! whose outcome is unknown is reported as such, never resent. The command line builds
//! providers through [`CLOUD`]; this crate reads no environment variable.

mod client;
pub mod credentials;
mod errors;
pub mod params;
mod resources;
pub mod signer;

use std::sync::Arc;

use snapform_core::schema::alicloud::PROVIDER;
use snapform_provider::{
    Cloud, CloudProvider, CredentialArguments, Error, Provider, ProviderSettings, RateLimiter,
    Registry, schemas_of,
};

use client::Client;
use resources::{ecd_snapshot, ens_snapshot};

/// Every Alibaba resource type snapform manages, each listed once.
static TYPES: [&dyn snapform_provider::ResourceType<Client>; 2] =
    [&ecd_snapshot::EcdSnapshot, &ens_snapshot::EnsSnapshot];

/// Alibaba Cloud, as the command line and the benchmark use it.
pub static CLOUD: Cloud = Cloud {
    schema: &PROVIDER,
    resource_types: || schemas_of(&TYPES),
    credential_arguments: CredentialArguments {
        key_id: "access_key",
        secret: "secret_key",
        token: "security_token",
    },
    profile: |home| credentials::from_aliyun_profile(&home.join(".aliyun/config.json"), None),
    profile_hint: "run `aliyun configure`",
    build,
};

/// A provider for one `provider "alicloud"` configuration. ECD calls go to its region; ENS
/// calls go to the central endpoint and name their edge region per resource.
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
    use snapform_core::Secret;
    use snapform_provider::Credentials;

    use super::*;

    fn settings() -> ProviderSettings {
        let credentials = Credentials {
            key_id: "LTAIexample".to_owned(),
            secret: Secret::new("example-secret"),
            token: None,
        };
        ProviderSettings::new("cn-hangzhou", credentials)
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_refused() {
        let mut bad = settings();
        bad.endpoint = Some("not a url".to_owned());
        assert!((CLOUD.build)(bad).is_err());
        let mut good = settings();
        good.endpoint = Some("http://127.0.0.1:4566".to_owned());
        assert!((CLOUD.build)(good).is_ok());
    }

    #[test]
    fn the_registry_lists_every_alibaba_type() {
        let names: Vec<&str> = (CLOUD.resource_types)()
            .iter()
            .map(|schema| schema.type_name)
            .collect();
        assert_eq!(names, ["alicloud_ecd_snapshot", "alicloud_ens_snapshot"]);
    }
}
