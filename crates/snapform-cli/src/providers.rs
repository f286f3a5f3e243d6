//! Builds the concrete providers, the only place that does: region and credentials from the
//! provider block, then the environment, then the official CLIs' profiles (DESIGN §3).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use snapform_apply::Providers;
use snapform_config::{Config, ProviderConfig};
use snapform_core::{ProviderAddr, Secret, SourceMap};
use snapform_provider::Provider;

use crate::env;

/// Where every provider sends its calls when snapform runs against the emulator.
#[derive(Clone, Debug)]
pub struct EmulatorTarget {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

/// The providers a run needs (those of `needed`), and each configuration's region. They share
/// `parallelism` slots for API calls in flight (`-parallelism`).
///
/// `sources` holds the configuration's files, for errors that point into them.
pub fn build(
    config: &Config,
    sources: &SourceMap,
    needed: &[ProviderAddr],
    emulator: Option<&EmulatorTarget>,
    parallelism: usize,
) -> anyhow::Result<(Providers, BTreeMap<ProviderAddr, String>)> {
    let slots = snapform_provider::CallSlots::new(parallelism);
    let mut providers = Providers::new();
    let mut regions = BTreeMap::new();
    for addr in needed {
        let block = config.provider(addr);
        let trusted = trusted_ca_certificates(addr, block, sources)?;
        let (provider, region): (Arc<dyn Provider>, String) = match addr.name.as_str() {
            "tencentcloud" => tencentcloud(addr, block, emulator, trusted, slots.clone())?,
            "alicloud" => alicloud(addr, block, emulator, trusted, slots.clone())?,
            other => bail!("unknown provider {other:?}"),
        };
        providers.insert(addr.clone(), provider);
        regions.insert(addr.clone(), region);
    }
    Ok((providers, regions))
}

/// The certificates (DER) of the CAs a provider trusts besides the system's: its block's
/// `ca_file`, else `SNAPFORM_CA_FILE`; none when neither is set. Relative paths are read from
/// the working directory. A file that cannot be read or holds no certificate is an error that
/// names it and, for the block's argument, where the argument is written.
fn trusted_ca_certificates(
    addr: &ProviderAddr,
    block: Option<&ProviderConfig>,
    sources: &SourceMap,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let (path, source) = match block.and_then(|block| Some((block, block.ca_file.as_deref()?))) {
        Some((block, path)) => {
            let place = match block.argument_spans.get("ca_file") {
                Some(span) => {
                    let location = sources.location(span.file, span.start);
                    format!(
                        "{}:{}:{}: ",
                        sources.name(span.file),
                        location.line,
                        location.column
                    )
                }
                None => String::new(),
            };
            (
                path.to_owned(),
                format!("{place}ca_file {path:?} of provider {addr}"),
            )
        }
        None => match env::get(env::CA_FILE) {
            Some(path) => {
                let source = format!("{}={path}", env::CA_FILE);
                (path, source)
            }
            None => return Ok(Vec::new()),
        },
    };
    let text = std::fs::read(&path).with_context(|| format!("{source}: cannot read the file"))?;
    let certificates = CertificateDer::pem_slice_iter(&text)
        .map(|certificate| certificate.map(|der| der.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{source}: not a valid PEM file"))?;
    if certificates.is_empty() {
        bail!("{source}: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    Ok(certificates)
}

fn home() -> Option<PathBuf> {
    env::get(env::HOME).map(PathBuf::from)
}

fn secret(block: Option<&ProviderConfig>, name: &str) -> Option<Secret> {
    block.and_then(|block| block.secrets.get(name).cloned())
}

/// Each needed provider configuration's region, for commands that make no API call and so
/// need no credentials (`graph`).
pub fn regions(
    config: &Config,
    needed: &[ProviderAddr],
    emulator: Option<&EmulatorTarget>,
) -> anyhow::Result<BTreeMap<ProviderAddr, String>> {
    needed
        .iter()
        .map(|addr| {
            let block = config.provider(addr);
            let (found, variable) = match addr.name.as_str() {
                "tencentcloud" => (
                    snapform_tencentcloud::credentials::resolve(&tencentcloud_sources(
                        block, emulator,
                    ))
                    .1,
                    env::TENCENTCLOUD_REGION,
                ),
                "alicloud" => (
                    snapform_alicloud::credentials::resolve(&alicloud_sources(block, emulator)).1,
                    env::ALIBABA_CLOUD_REGION_ID,
                ),
                other => bail!("unknown provider {other:?}"),
            };
            Ok((addr.clone(), required_region(addr, &found, variable)?))
        })
        .collect()
}

/// Where tencentcloud credentials and region come from, first source first: the block, the
/// environment, then the emulator's keys with `--emulator` or the tccli profile without.
fn tencentcloud_sources(
    block: Option<&ProviderConfig>,
    emulator: Option<&EmulatorTarget>,
) -> Vec<snapform_tencentcloud::PartialCredentials> {
    use snapform_tencentcloud::PartialCredentials;
    let from_block = PartialCredentials {
        secret_id: secret(block, "secret_id").map(|s| s.expose().to_owned()),
        secret_key: secret(block, "secret_key"),
        token: secret(block, "security_token"),
        region: block.and_then(|block| block.region.clone()),
    };
    let from_env = PartialCredentials {
        secret_id: env::get(env::TENCENTCLOUD_SECRET_ID),
        secret_key: env::get(env::TENCENTCLOUD_SECRET_KEY).map(Secret::new),
        token: env::get(env::TENCENTCLOUD_SECURITY_TOKEN).map(Secret::new),
        region: env::get(env::TENCENTCLOUD_REGION),
    };
    let mut sources = vec![from_block, from_env];
    if emulator.is_some() {
        sources.push(PartialCredentials {
            secret_id: Some(snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned()),
            secret_key: Some(Secret::new(
                snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY,
            )),
            token: None,
            // The emulator serves every region; one is picked so a quick try needs no setup.
            region: Some("ap-guangzhou".to_owned()),
        });
    } else if let Some(home) = home() {
        sources.push(snapform_tencentcloud::credentials::from_tccli_profile(
            &home.join(".tccli"),
            "default",
        ));
    }
    sources
}

/// The region a provider configuration resolved to, or an error saying where to set one.
fn required_region(
    addr: &ProviderAddr,
    region: &Option<String>,
    variable: &str,
) -> anyhow::Result<String> {
    region.clone().with_context(|| {
        format!("provider {addr} has no region: set `region` in its block, or {variable}")
    })
}

fn tencentcloud(
    addr: &ProviderAddr,
    block: Option<&ProviderConfig>,
    emulator: Option<&EmulatorTarget>,
    ca_certificates: Vec<Vec<u8>>,
    slots: snapform_provider::CallSlots,
) -> anyhow::Result<(Arc<dyn Provider>, String)> {
    use snapform_tencentcloud::{TencentCloud, TencentCloudConfig};
    let (credentials, region) =
        snapform_tencentcloud::credentials::resolve(&tencentcloud_sources(block, emulator));
    let region = required_region(addr, &region, env::TENCENTCLOUD_REGION)?;
    let credentials = credentials.with_context(|| {
        format!(
            "provider {addr} has no credentials: set secret_id and secret_key in its block, {} and {}, or run `tccli configure`",
            env::TENCENTCLOUD_SECRET_ID,
            env::TENCENTCLOUD_SECRET_KEY
        )
    })?;
    let mut settings = TencentCloudConfig::new(region.clone(), credentials);
    settings.call_slots = Some(slots);
    settings.ca_certificates = ca_certificates;
    settings.endpoint = match emulator {
        Some(emulator) => Some(emulator.endpoint.clone()),
        None => block.and_then(|block| block.endpoint.clone()),
    };
    if let Some(rate_limit) = block.and_then(|block| block.rate_limit) {
        settings.rate_limit = rate_limit;
    }
    let provider =
        TencentCloud::new(settings).map_err(|error| anyhow::anyhow!("provider {addr}: {error}"))?;
    Ok((Arc::new(provider), region))
}

/// Where alicloud credentials and region come from, first source first: the block, the
/// environment, then the emulator's keys with `--emulator` or the aliyun profile without.
fn alicloud_sources(
    block: Option<&ProviderConfig>,
    emulator: Option<&EmulatorTarget>,
) -> Vec<snapform_alicloud::PartialCredentials> {
    use snapform_alicloud::PartialCredentials;
    let from_block = PartialCredentials {
        access_key_id: secret(block, "access_key").map(|s| s.expose().to_owned()),
        access_key_secret: secret(block, "secret_key"),
        security_token: secret(block, "security_token"),
        region: block.and_then(|block| block.region.clone()),
    };
    let from_env = PartialCredentials {
        access_key_id: env::get(env::ALIBABA_CLOUD_ACCESS_KEY_ID)
            .or_else(|| env::get(env::ALICLOUD_ACCESS_KEY)),
        access_key_secret: env::get(env::ALIBABA_CLOUD_ACCESS_KEY_SECRET)
            .or_else(|| env::get(env::ALICLOUD_SECRET_KEY))
            .map(Secret::new),
        security_token: env::get(env::ALIBABA_CLOUD_SECURITY_TOKEN).map(Secret::new),
        region: env::get(env::ALIBABA_CLOUD_REGION_ID).or_else(|| env::get(env::ALICLOUD_REGION)),
    };
    let mut sources = vec![from_block, from_env];
    if emulator.is_some() {
        sources.push(PartialCredentials {
            access_key_id: Some(snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned()),
            access_key_secret: Some(Secret::new(
                snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
            )),
            security_token: None,
            region: Some("cn-hangzhou".to_owned()),
        });
    } else if let Some(home) = home() {
        sources.push(snapform_alicloud::credentials::from_aliyun_profile(
            &home.join(".aliyun/config.json"),
            None,
        ));
    }
    sources
}

fn alicloud(
    addr: &ProviderAddr,
    block: Option<&ProviderConfig>,
    emulator: Option<&EmulatorTarget>,
    ca_certificates: Vec<Vec<u8>>,
    slots: snapform_provider::CallSlots,
) -> anyhow::Result<(Arc<dyn Provider>, String)> {
    use snapform_alicloud::{AliCloud, AliCloudConfig};
    let (credentials, region) =
        snapform_alicloud::credentials::resolve(&alicloud_sources(block, emulator));
    let region = required_region(addr, &region, env::ALIBABA_CLOUD_REGION_ID)?;
    let credentials = credentials.with_context(|| {
        format!(
            "provider {addr} has no credentials: set access_key and secret_key in its block, {} and {}, or run `aliyun configure`",
            env::ALIBABA_CLOUD_ACCESS_KEY_ID,
            env::ALIBABA_CLOUD_ACCESS_KEY_SECRET
        )
    })?;
    let mut settings = AliCloudConfig::new(region.clone(), credentials);
    settings.call_slots = Some(slots);
    settings.ca_certificates = ca_certificates;
    settings.endpoint = match emulator {
        Some(emulator) => Some(emulator.endpoint.clone()),
        None => block.and_then(|block| block.endpoint.clone()),
    };
    if let Some(rate_limit) = block.and_then(|block| block.rate_limit) {
        settings.rate_limit = rate_limit;
    }
    let provider =
        AliCloud::new(settings).map_err(|error| anyhow::anyhow!("provider {addr}: {error}"))?;
    Ok((Arc::new(provider), region))
}

/// The disks, instances or desktops a resource of any type touches, for the planner's conflict
/// edges.
pub fn conflict_keys(
    type_name: &str,
    arguments: &snapform_provider::Attributes,
) -> Vec<snapform_provider::ConflictKey> {
    if type_name.starts_with("alicloud_") {
        snapform_alicloud::conflict_keys(type_name, arguments)
    } else {
        snapform_tencentcloud::conflict_keys(type_name, arguments)
    }
}
