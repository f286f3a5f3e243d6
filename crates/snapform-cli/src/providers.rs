//! Builds the concrete providers, the only place that does: region and credentials from the
//! provider block, then the environment, then the official CLIs' profiles (DESIGN §3).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use snapform_apply::Providers;
use snapform_config::{Config, ProviderConfig};
use snapform_core::{ProviderAddr, Secret, SourceMap};
use snapform_provider::{Cloud, PartialCredentials, ProviderSettings, resolve_credentials};

use crate::env;

/// Where every provider sends its calls when snapform runs against the emulator.
#[derive(Clone, Debug)]
pub struct EmulatorTarget {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

/// The clouds snapform manages, each one registry entry.
pub static CLOUDS: [&Cloud; 2] = [&snapform_tencentcloud::CLOUD, &snapform_alicloud::CLOUD];

/// The cloud a provider configuration belongs to.
fn cloud(addr: &ProviderAddr) -> anyhow::Result<&'static Cloud> {
    CLOUDS
        .iter()
        .copied()
        .find(|cloud| cloud.name() == addr.name)
        .with_context(|| format!("unknown provider {:?}", addr.name))
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
        let cloud = cloud(addr)?;
        let block = config.provider(addr);
        let (credentials, region) =
            resolve_credentials(&credential_sources(cloud, block, emulator));
        let region = required_region(addr, cloud, &region)?;
        let credentials = credentials.with_context(|| {
            let arguments = cloud.credential_arguments;
            let variables = env::cloud_variables(cloud.name()).map_or(String::new(), |v| {
                format!("{} and {}, ", v.key_id[0], v.secret[0])
            });
            format!(
                "provider {addr} has no credentials: set {} and {} in its block, {variables}or {}",
                arguments.key_id, arguments.secret, cloud.profile_hint
            )
        })?;
        let mut settings = ProviderSettings::new(region.clone(), credentials);
        settings.call_slots = Some(slots.clone());
        settings.ca_certificates = trusted_ca_certificates(addr, block, sources)?;
        settings.allow_insecure_http = env::allow_insecure_http();
        settings.endpoint = match emulator {
            Some(emulator) => Some(emulator.endpoint.clone()),
            None => block.and_then(|block| block.endpoint.clone()),
        };
        if let Some(rate_limit) = block.and_then(|block| block.rate_limit) {
            settings.rate_limit = rate_limit;
        }
        let provider =
            (cloud.build)(settings).map_err(|error| anyhow::anyhow!("provider {addr}: {error}"))?;
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
            let cloud = cloud(addr)?;
            let sources = credential_sources(cloud, config.provider(addr), emulator);
            let region = resolve_credentials(&sources).1;
            Ok((addr.clone(), required_region(addr, cloud, &region)?))
        })
        .collect()
}

/// The keys and default region of the emulator, by cloud: with `--emulator`, a quick try
/// needs no setup.
fn emulator_credentials(cloud: &Cloud) -> Option<(&'static str, &'static str, &'static str)> {
    match cloud.name() {
        "tencentcloud" => Some((
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID,
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY,
            "ap-guangzhou",
        )),
        "alicloud" => Some((
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID,
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
            "cn-hangzhou",
        )),
        _ => None,
    }
}

/// Where a cloud's credentials and region come from, first source first (DESIGN §3): the
/// block, the environment, then the emulator's keys with `--emulator` or the official CLI's
/// profile without.
fn credential_sources(
    cloud: &Cloud,
    block: Option<&ProviderConfig>,
    emulator: Option<&EmulatorTarget>,
) -> Vec<PartialCredentials> {
    let secret = |name: &str| block.and_then(|block| block.secrets.get(name).cloned());
    let arguments = cloud.credential_arguments;
    let from_block = PartialCredentials {
        key_id: secret(arguments.key_id).map(|s| s.expose().to_owned()),
        secret: secret(arguments.secret),
        token: secret(arguments.token),
        region: block.and_then(|block| block.region.clone()),
    };
    let mut sources = vec![from_block];
    if let Some(variables) = env::cloud_variables(cloud.name()) {
        sources.push(PartialCredentials {
            key_id: env::first(variables.key_id),
            secret: env::first(variables.secret).map(Secret::new),
            token: env::first(variables.token).map(Secret::new),
            region: env::first(variables.region),
        });
    }
    if emulator.is_some() {
        if let Some((key_id, key_secret, region)) = emulator_credentials(cloud) {
            sources.push(PartialCredentials {
                key_id: Some(key_id.to_owned()),
                secret: Some(Secret::new(key_secret)),
                token: None,
                // The emulator serves every region; one is picked so a quick try needs no
                // setup.
                region: Some(region.to_owned()),
            });
        }
    } else if let Some(home) = home() {
        sources.push((cloud.profile)(&home));
    }
    sources
}

/// The region a provider configuration resolved to, or an error saying where to set one.
fn required_region(
    addr: &ProviderAddr,
    cloud: &Cloud,
    region: &Option<String>,
) -> anyhow::Result<String> {
    let variable = env::cloud_variables(cloud.name()).map_or("", |v| v.region[0]);
    region.clone().with_context(|| {
        format!("provider {addr} has no region: set `region` in its block, or {variable}")
    })
}
