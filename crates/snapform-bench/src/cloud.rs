//! The clouds the benchmark runs against: in-process emulators, the providers pointed at
//! them, the emulator's request counters, and a cloud pre-filled with many resources.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Value as Json, json};
use snapform_apply::Providers;
use snapform_core::{ProviderAddr, Secret};
use snapform_emulator::{EmulatorConfig, Inventory, RunningEmulator};
use snapform_provider::{Credentials, ProviderSettings};

use crate::workload::{ALICLOUD_REGION, Kind, Spec, TENCENT_REGION, Workload};

/// Requests per second that stand for "no client-side limit" (Terraform's providers have
/// none).
pub const UNLIMITED: f64 = 1e9;

/// Starts an emulator with the generated inventory `inventory`, `rate_limit` requests per
/// second per action (0: none) and `ready_after`.
pub async fn emulator(
    inventory: Inventory,
    rate_limit: u32,
    ready_after: Duration,
    data_file: Option<&Path>,
) -> anyhow::Result<RunningEmulator> {
    let config = EmulatorConfig {
        inventory,
        rate_limit,
        ready_after,
        data_file: data_file.map(Path::to_owned),
        ..EmulatorConfig::default()
    };
    snapform_emulator::spawn(config)
        .await
        .context("cannot start the emulator")
}

/// Both providers, pointed at `endpoint`, with the emulator's default keys and a client-side
/// limit of `rate_limit` requests per second per action.
/// `call_slots` is the CLI's `-parallelism` (API calls in flight, shared by both providers);
/// `None` leaves calls unbounded, as in Terraform's way, where the engine bounds whole steps.
pub fn providers(
    endpoint: &str,
    rate_limit: f64,
    call_slots: Option<usize>,
) -> anyhow::Result<Providers> {
    let slots = call_slots.map(snapform_provider::CallSlots::new);
    let keys = [
        (
            &snapform_tencentcloud::CLOUD,
            TENCENT_REGION,
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID,
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY,
        ),
        (
            &snapform_alicloud::CLOUD,
            ALICLOUD_REGION,
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID,
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
        ),
    ];
    let mut providers = Providers::new();
    for (cloud, region, key_id, secret) in keys {
        let credentials = Credentials {
            key_id: key_id.to_owned(),
            secret: Secret::new(secret),
            token: None,
        };
        let mut settings = ProviderSettings::new(region, credentials);
        settings.endpoint = Some(endpoint.to_owned());
        settings.rate_limit = rate_limit;
        settings.call_slots = slots.clone();
        let provider = (cloud.build)(settings)
            .map_err(|error| anyhow::anyhow!("{} provider: {error}", cloud.name()))?;
        providers.insert(ProviderAddr::default_for(cloud.name()), provider);
    }
    Ok(providers)
}

/// The emulator's counters (`GET /_emulator/stats`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Stats {
    /// Every API request.
    pub total_requests: u64,
    /// Requests answered with the throttling error.
    pub total_throttled: u64,
    /// Requests per `service.Action`.
    #[serde(default)]
    pub requests: BTreeMap<String, u64>,
    /// Error answers per code.
    #[serde(default)]
    pub errors: BTreeMap<String, u64>,
}

/// Talks to an emulator's control API.
pub struct Control {
    http: reqwest::Client,
    endpoint: String,
}

impl Control {
    /// The control API of the emulator at `endpoint`.
    pub fn new(endpoint: &str) -> Control {
        Control {
            http: reqwest::Client::new(),
            endpoint: endpoint.to_owned(),
        }
    }

    /// The emulator's endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The counters since start or the last [`Control::clear_stats`].
    pub async fn stats(&self) -> anyhow::Result<Stats> {
        let response = self
            .http
            .get(format!("{}/_emulator/stats", self.endpoint))
            .send()
            .await
            .context("cannot read the emulator's stats")?;
        response
            .json()
            .await
            .context("the emulator's stats are not JSON")
    }

    /// Zeroes the counters.
    pub async fn clear_stats(&self) -> anyhow::Result<()> {
        self.http
            .delete(format!("{}/_emulator/stats", self.endpoint))
            .send()
            .await
            .context("cannot clear the emulator's stats")?
            .error_for_status()?;
        Ok(())
    }

    /// Every snapshot-like resource the cloud holds (`GET /_emulator/resources`).
    pub async fn resources(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        self.http
            .get(format!("{}/_emulator/resources", self.endpoint))
            .send()
            .await
            .context("cannot list the emulator's resources")?
            .json()
            .await
            .context("the emulator's resources are not JSON")
    }
}

/// Writes an emulator data file holding one ready resource per instance of `workload`, and
/// returns each instance's ID.
///
/// Creating ten thousand resources through the API would take minutes at the clouds' rate
/// limit, and an emulator with a data file saves the whole cloud after every create. So one
/// resource of each kind is created through the API (into a scratch data file), and those
/// serve as templates: each generated resource is a copy with its own ID, name and parents.
/// Fields the benchmark does not know stay as the emulator wrote them, so the file keeps
/// loading when the emulator's resources grow new fields.
pub async fn seed_data_file(
    workload: &Workload,
    dir: &Path,
) -> anyhow::Result<(std::path::PathBuf, BTreeMap<usize, String>)> {
    let templates = templates(dir).await?;
    let mut resources = serde_json::Map::new();
    let mut ids = BTreeMap::new();
    for (seq, (spec_idx, spec)) in workload.specs.iter().enumerate().enumerate() {
        let template = &templates[&spec.kind];
        let id = numbered_id(template["id"].as_str().unwrap_or_default(), spec_idx);
        let mut resource = template.clone();
        resource["id"] = json!(id);
        resource["name"] = json!(spec.name());
        resource["parents"] = json!(spec.parents);
        resource["seq"] = json!(seq + 1);
        fill_kind_fields(&mut resource, spec, spec_idx);
        resources.insert(id.clone(), resource);
        ids.insert(spec_idx, id);
    }
    let document = json!({
        "format_version": 1,
        "cloud": {
            "inventory": workload.inventory(),
            "resources": resources,
            "next_seq": workload.len() + 1,
        },
    });
    let path = dir.join("cloud.json");
    std::fs::write(&path, serde_json::to_vec(&document)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok((path, ids))
}

fn fill_kind_fields(resource: &mut Json, spec: &Spec, spec_idx: usize) {
    match spec.kind {
        Kind::CbsSnapshotGroup => {
            let member = resource["member_ids"][0]
                .as_str()
                .unwrap_or("snap-00000000")
                .to_owned();
            resource["member_ids"] = json!([
                numbered_id(&member, 2 * spec_idx),
                numbered_id(&member, 2 * spec_idx + 1)
            ]);
            // Both disks of CVM instance j, as `Inventory::generated` attaches them.
            let disk: usize = spec.parents[0]
                .trim_start_matches("disk-g")
                .parse()
                .unwrap_or(0);
            resource["instance_id"] = json!(format!("ins-g{:07}", disk / 2));
        }
        Kind::LighthouseSnapshot => resource["instance_id"] = json!(spec.parents[0]),
        _ => {}
    }
}

/// `template`'s prefix (up to its last `-`) and a suffix of the same length made from
/// `number`, which the emulator's random IDs (lower-case letters and digits) never collide
/// with because it starts with `z` followed by digits only.
pub fn numbered_id(template: &str, number: usize) -> String {
    let (prefix, suffix) = template.rsplit_once('-').unwrap_or(("x", template));
    let width = suffix.len().max(8) - 1;
    format!("{prefix}-z{number:0width$}")
}

/// One resource of each kind, created through the API into a scratch data file, as the
/// emulator stores them.
async fn templates(dir: &Path) -> anyhow::Result<BTreeMap<Kind, Json>> {
    let scratch = dir.join("templates.json");
    let workload = Workload::new(5);
    let running = emulator(workload.inventory(), 0, Duration::ZERO, Some(&scratch)).await?;
    let providers = providers(&running.endpoint(), UNLIMITED, None)?;
    for spec in &workload.specs {
        let provider = &providers[&ProviderAddr::default_for(spec.kind.provider())];
        provider
            .create(spec.kind.type_name(), &spec.arguments(), "")
            .await
            .map_err(|error| anyhow::anyhow!("creating a template {}: {error}", spec.addr()))?;
    }
    running.shutdown().await;
    let text = std::fs::read_to_string(&scratch)
        .with_context(|| format!("cannot read {}", scratch.display()))?;
    let document: Json = serde_json::from_str(&text)?;
    let mut res = BTreeMap::new();
    if let Some(resources) = document["cloud"]["resources"].as_object() {
        for resource in resources.values() {
            if let Some(kind) = Kind::ALL
                .into_iter()
                .find(|kind| resource["type"].as_str() == Some(kind.emulator_type()))
            {
                res.insert(kind, resource.clone());
            }
        }
    }
    if res.len() != Kind::ALL.len() {
        bail!(
            "the emulator's data file does not have the expected layout (found {} of 5 resource kinds under cloud.resources)",
            res.len()
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_ids_keep_the_template_shape() {
        assert_eq!(numbered_id("dbp-k3j9x2ab", 17), "dbp-z0000017");
        assert_eq!(numbered_id("lhsnap-ab12cd34", 3), "lhsnap-z0000003");
        assert_eq!(numbered_id("s-abcdefghijklmnop", 5), "s-z000000000000005");
    }
}
