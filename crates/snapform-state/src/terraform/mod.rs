//! Terraform's state files (format version 4, Terraform 0.12 and later), read and converted
//! into snapform's [`State`], for teams moving their backups from Terraform (DESIGN §14).
//!
//! snapform's resource types keep the official providers' type and attribute names, so a
//! resource converts almost by copy: its address, its instance key (`index_key`: a number for
//! `count`, a string for `for_each`), its provider configuration (`provider["registry…/
//! tencentcloudstack/tencentcloud"].sh` becomes `tencentcloud.sh`), its `id`, and its
//! attributes, renamed where the schema's `terraform_renames` says (ENS `create_time` is our
//! `creation_time`), the rest of the provider's attributes (`timeouts`) dropped. A tainted
//! instance stays tainted; a deposed one (an old object `create_before_destroy` has yet to
//! delete) becomes a deposed record, which the next plan deletes.
//!
//! What is not converted is always said, never dropped silently: resources of other types and
//! other providers are listed and left out, data sources and outputs are listed and ignored
//! (snapform has no data sources, and the next apply records the outputs). A resource of one of
//! snapform's types that cannot be converted refuses the whole file, since pushing a state
//! without it would let a plan create its snapshot a second time: one inside a module
//! (snapform has no modules; `terraform state mv` it to the root module first), one written by
//! another provider than the official one, or one without an ID.
//!
//! Terraform records no region per resource: the region comes from the provider
//! configuration, so [`TerraformState::convert`] takes each configuration's region from the
//! caller, who reads the configuration's provider blocks; a missing one refuses the file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use snapform_core::schema::ResourceSchema;
use snapform_core::{InstanceKey, ProviderAddr, ResourceAddr, ResourceInstanceAddr, Value};

use crate::{Error, RecordStatus, ResourceRecord, State};

#[cfg(test)]
mod tests;

/// The state format version this module reads.
pub const VERSION: u64 = 4;

/// The provider sources whose resources convert: the official providers, from either public
/// registry, and `hashicorp/alicloud`, the namespace the same alicloud provider had before it
/// moved to `aliyun/alicloud`. Terraform 0.12 wrote no source (`provider.alicloud`), which
/// reads as the official provider of that name.
const OFFICIAL_SOURCES: &[(&str, &str)] = &[
    ("tencentcloudstack/tencentcloud", "tencentcloud"),
    ("aliyun/alicloud", "alicloud"),
    ("hashicorp/alicloud", "alicloud"),
];

/// The registries whose addresses [`OFFICIAL_SOURCES`] may follow.
const REGISTRIES: &[&str] = &["registry.terraform.io", "registry.opentofu.org"];

/// Whether a JSON document is a Terraform state rather than a snapform one: Terraform's have a
/// `version` and no `format_version`.
pub fn is_terraform_state(document: &Json) -> bool {
    document.get("format_version").is_none()
        && document.get("version").is_some_and(Json::is_u64)
        && (document.get("terraform_version").is_some() || document.get("lineage").is_some())
}

/// A Terraform state, read and sorted into what converts and what does not.
#[derive(Debug)]
pub struct TerraformState {
    path: PathBuf,
    lineage: String,
    serial: u64,
    /// Every resource instance and output, in the file's order.
    entries: Vec<Entry>,
}

/// One resource instance (or output) of the file, and what becomes of it.
#[derive(Debug)]
enum Entry {
    /// Converts to a record.
    Take(Box<Candidate>),
    /// Not snapform's: listed, not converted.
    LeftOut { address: String, reason: String },
    /// Nothing to convert (data sources, outputs): listed.
    Ignored { address: String, reason: String },
    /// snapform's type, but it cannot convert: the file is refused.
    Refused { address: String, reason: String },
}

/// A resource instance that converts, waiting for its region.
#[derive(Debug)]
struct Candidate {
    /// Its Terraform address, deposed key included.
    address: String,
    addr: ResourceInstanceAddr,
    provider: ProviderAddr,
    id: String,
    attributes: BTreeMap<String, Value>,
    dependencies: Vec<ResourceAddr>,
    status: RecordStatus,
    sensitive: BTreeSet<String>,
    /// The deposed key, for an old object awaiting deletion.
    deposed: Option<String>,
}

/// A converted state and what became of each resource.
#[derive(Debug)]
pub struct Conversion {
    /// The state, with the Terraform state's lineage and serial.
    pub state: State,
    /// One line per resource instance and output of the file, in its order.
    pub report: Vec<ReportLine>,
}

/// What became of one resource instance or output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLine {
    /// Its Terraform address (`module.m.aws_instance.web`, `output.id`).
    pub address: String,
    /// Taken, left out or ignored.
    pub outcome: Outcome,
}

/// What became of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Converted to the record at `addr`.
    Taken {
        /// Its snapform address.
        addr: ResourceInstanceAddr,
        /// The cloud's ID.
        id: String,
        /// Its provider configuration.
        provider: ProviderAddr,
        /// Whether it is an old object awaiting deletion.
        deposed: bool,
    },
    /// Not converted: not snapform's.
    LeftOut {
        /// Why.
        reason: String,
    },
    /// Not converted: nothing to convert.
    Ignored {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for ReportLine {
    /// `+ ADDR (ID, provider P)`, `- ADDRESS: left out, REASON`, `  ADDRESS: ignored, REASON`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Taken {
                addr,
                id,
                provider,
                deposed,
            } => {
                let deposed = if *deposed {
                    ", deposed: the next apply deletes it"
                } else {
                    ""
                };
                write!(f, "+ {addr} ({id}, provider {provider}{deposed})")
            }
            Outcome::LeftOut { reason } => write!(f, "- {}: left out, {reason}", self.address),
            Outcome::Ignored { reason } => write!(f, "  {}: ignored, {reason}", self.address),
        }
    }
}

impl TerraformState {
    /// Reads the Terraform state `text` of `path`. Refused: anything but JSON of version 4.
    pub fn read(path: &Path, text: &str) -> Result<TerraformState, Error> {
        let refuse = |reason: String| Error::TerraformState {
            path: path.to_owned(),
            reason,
        };
        let document: Json = serde_json::from_str(text).map_err(|error| {
            refuse(format!(
                "{}:{}:{}: not valid JSON ({})",
                path.display(),
                error.line(),
                error.column(),
                serde_json_message(&error)
            ))
        })?;
        let version = document
            .get("version")
            .and_then(Json::as_u64)
            .ok_or_else(|| refuse("it has no `version`".to_owned()))?;
        if version != VERSION {
            let hint = if version < VERSION {
                "upgrade it with Terraform 0.12 or later first (`terraform state pull > upgraded.tfstate` writes it as version 4)"
            } else {
                "it was written by a Terraform newer than this snapform knows"
            };
            return Err(refuse(format!(
                "it is a version {version} state, and snapform reads version {VERSION}: {hint}"
            )));
        }
        let lineage = document
            .get("lineage")
            .and_then(Json::as_str)
            .filter(|lineage| !lineage.is_empty())
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let serial = document.get("serial").and_then(Json::as_u64).unwrap_or(0);
        let resources = match document.get("resources") {
            None | Some(Json::Null) => &[][..],
            Some(Json::Array(resources)) => resources.as_slice(),
            Some(_) => return Err(refuse("`resources` is not a list".to_owned())),
        };
        let mut entries = Vec::new();
        for (idx, resource) in resources.iter().enumerate() {
            read_resource(resource, idx, &mut entries).map_err(refuse)?;
        }
        if let Some(Json::Object(outputs)) = document.get("outputs") {
            entries.extend(outputs.keys().map(|name| Entry::Ignored {
                address: format!("output.{name}"),
                reason: "outputs are recorded again by the next apply".to_owned(),
            }));
        }
        Ok(TerraformState {
            path: path.to_owned(),
            lineage,
            serial,
            entries,
        })
    }

    /// The provider configurations of the resources that convert: the caller gives each one's
    /// region to [`TerraformState::convert`].
    pub fn providers(&self) -> BTreeSet<ProviderAddr> {
        self.entries
            .iter()
            .filter_map(|entry| match entry {
                Entry::Take(candidate) => Some(candidate.provider.clone()),
                _ => None,
            })
            .collect()
    }

    /// How many resource instances convert.
    pub fn n_taken(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| matches!(entry, Entry::Take(_)))
            .count()
    }

    /// Converts, with the region of each provider configuration. Refused when a resource of
    /// snapform's types cannot convert, or a configuration has no region in `regions`.
    pub fn convert(&self, regions: &BTreeMap<ProviderAddr, String>) -> Result<Conversion, Error> {
        let refused: Vec<String> = self
            .entries
            .iter()
            .filter_map(|entry| match entry {
                Entry::Refused { address, reason } => Some(format!("{address}: {reason}")),
                _ => None,
            })
            .collect();
        if !refused.is_empty() {
            return Err(Error::TerraformState {
                path: self.path.clone(),
                reason: format!(
                    "{} resource instance(s) of snapform's types cannot be converted, and a state without them would let a plan create their snapshots again:\n  {}",
                    refused.len(),
                    refused.join("\n  ")
                ),
            });
        }
        let unconfigured: Vec<String> = self
            .providers()
            .into_iter()
            .filter(|provider| !regions.contains_key(provider))
            .map(|provider| provider.to_string())
            .collect();
        if !unconfigured.is_empty() {
            return Err(Error::TerraformState {
                path: self.path.clone(),
                reason: format!(
                    "Terraform records no region per resource, and no region is known for provider {}",
                    unconfigured.join(", ")
                ),
            });
        }
        let mut state = State::new();
        state.lineage = self.lineage.clone();
        state.serial = self.serial;
        let mut report = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            report.push(match entry {
                Entry::Take(candidate) => {
                    let record = ResourceRecord {
                        addr: candidate.addr.clone(),
                        provider: candidate.provider.clone(),
                        region: regions[&candidate.provider].clone(),
                        id: candidate.id.clone(),
                        attributes: candidate.attributes.clone(),
                        dependencies: candidate.dependencies.clone(),
                        status: candidate.status,
                        sensitive_attributes: candidate.sensitive.clone(),
                    };
                    let address = candidate.address.clone();
                    if candidate.deposed.is_some() {
                        state.depose(record);
                    } else if state.resources.insert(record).is_some() {
                        return Err(Error::TerraformState {
                            path: self.path.clone(),
                            reason: format!("{address} appears twice"),
                        });
                    }
                    ReportLine {
                        address,
                        outcome: Outcome::Taken {
                            addr: candidate.addr.clone(),
                            id: candidate.id.clone(),
                            provider: candidate.provider.clone(),
                            deposed: candidate.deposed.is_some(),
                        },
                    }
                }
                Entry::LeftOut { address, reason } => ReportLine {
                    address: address.clone(),
                    outcome: Outcome::LeftOut {
                        reason: reason.clone(),
                    },
                },
                Entry::Ignored { address, reason } => ReportLine {
                    address: address.clone(),
                    outcome: Outcome::Ignored {
                        reason: reason.clone(),
                    },
                },
                Entry::Refused { .. } => unreachable!("refused above"),
            });
        }
        Ok(Conversion { state, report })
    }
}

/// serde_json's message without its " at line L column C" tail, which the caller puts first.
fn serde_json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Sorts the instances of the `idx`-th resource of the file into `entries`; an `Err` is a
/// resource the file cannot hold (a malformed one).
fn read_resource(resource: &Json, idx: usize, entries: &mut Vec<Entry>) -> Result<(), String> {
    let field = |name: &str| resource.get(name).and_then(Json::as_str).unwrap_or("");
    let (mode, type_name, name) = (field("mode"), field("type"), field("name"));
    if type_name.is_empty() || name.is_empty() {
        return Err(format!("resource {} has no `type` or `name`", idx + 1));
    }
    let module = field("module");
    let prefix = if module.is_empty() {
        String::new()
    } else {
        format!("{module}.")
    };
    let data = if mode == "data" { "data." } else { "" };
    let instances = match resource.get("instances") {
        Some(Json::Array(instances)) => instances.as_slice(),
        None | Some(Json::Null) => &[][..],
        Some(_) => {
            return Err(format!(
                "{prefix}{data}{type_name}.{name}: `instances` is not a list"
            ));
        }
    };
    let each = field("each");
    for instance in instances {
        let key = instance_key(instance.get("index_key"), each)
            .map_err(|why| format!("{prefix}{data}{type_name}.{name}: {why}"))?;
        let deposed = instance.get("deposed").and_then(Json::as_str);
        let deposed_text = deposed.map_or(String::new(), |key| format!(" (deposed object {key})"));
        let address = format!("{prefix}{data}{type_name}.{name}{key}{deposed_text}");
        entries.push(classify(resource, instance, address, type_name, name, key));
    }
    Ok(())
}

/// What becomes of one instance.
fn classify(
    resource: &Json,
    instance: &Json,
    address: String,
    type_name: &str,
    name: &str,
    key: InstanceKey,
) -> Entry {
    let field = |name: &str| resource.get(name).and_then(Json::as_str).unwrap_or("");
    let schema = snapform_core::schema::resource_schema(type_name);
    if field("mode") == "data" {
        return Entry::Ignored {
            address,
            reason: "a data source: snapform has none, and Terraform reads them again on every run"
                .to_owned(),
        };
    }
    let provider_text = field("provider");
    let Some(schema) = schema else {
        return Entry::LeftOut {
            address,
            reason: format!(
                "{type_name} is not a type snapform manages (provider {})",
                source_of(provider_text).unwrap_or(provider_text)
            ),
        };
    };
    let module = field("module");
    if !module.is_empty() {
        let root = format!("{type_name}.{name}");
        return Entry::Refused {
            address: address.clone(),
            reason: format!(
                "it is in {module}, and snapform has no modules; move it to the root module first: terraform state mv '{module}.{root}' '{root}'"
            ),
        };
    }
    let provider = match provider_addr(provider_text, schema) {
        Ok(provider) => provider,
        Err(reason) => return Entry::Refused { address, reason },
    };
    let Some(id) = instance
        .get("attributes")
        .and_then(|attributes| attributes.get("id"))
        .and_then(Json::as_str)
        .filter(|id| !id.is_empty())
    else {
        return Entry::Refused {
            address,
            reason: "it has no `id` attribute".to_owned(),
        };
    };
    Entry::Take(Box::new(Candidate {
        address,
        addr: ResourceAddr::new(type_name, name).instance(key),
        provider,
        id: id.to_owned(),
        attributes: attributes(schema, instance),
        dependencies: dependencies(instance),
        status: if instance.get("status").and_then(Json::as_str) == Some("tainted") {
            RecordStatus::Tainted
        } else {
            RecordStatus::Ready
        },
        sensitive: sensitive(schema, instance),
        deposed: instance
            .get("deposed")
            .and_then(Json::as_str)
            .map(str::to_owned),
    }))
}

/// The instance key: `index_key` a whole number with `each = "list"` (count), a string with
/// `each = "map"` (for_each), absent otherwise.
fn instance_key(index_key: Option<&Json>, each: &str) -> Result<InstanceKey, String> {
    match (index_key, each) {
        (None | Some(Json::Null), "") => Ok(InstanceKey::None),
        (Some(Json::Number(number)), "list" | "") => number
            .as_u64()
            .map(InstanceKey::Int)
            .ok_or_else(|| format!("index_key {number} is not a whole number")),
        (Some(Json::String(key)), "map" | "") => Ok(InstanceKey::Str(key.clone())),
        (key, each) => Err(format!(
            "index_key {} does not fit each = {each:?}",
            key.map_or_else(|| "(none)".to_owned(), Json::to_string)
        )),
    }
}

/// The source address in `provider["SOURCE"].alias`.
fn source_of(provider: &str) -> Option<&str> {
    provider
        .strip_prefix("provider[\"")
        .and_then(|rest| rest.split_once("\"]"))
        .map(|(source, _)| source)
}

/// Our provider configuration of a resource of `schema` written by `provider`:
/// `provider["registry.terraform.io/tencentcloudstack/tencentcloud"].sh` is `tencentcloud.sh`;
/// Terraform 0.12's `provider.tencentcloud.sh` too. Another provider is refused.
fn provider_addr(provider: &str, schema: &ResourceSchema) -> Result<ProviderAddr, String> {
    let wanted = schema.provider;
    let (name, alias) = match source_of(provider) {
        Some(source) => {
            let alias = provider
                .split_once("\"]")
                .map(|(_, rest)| rest)
                .and_then(|rest| rest.strip_prefix('.'));
            let (registry, path) = source.split_once('/').unwrap_or(("", source));
            let name = OFFICIAL_SOURCES
                .iter()
                .find(|(official, _)| *official == path && REGISTRIES.contains(&registry))
                .map(|(_, name)| *name);
            (name, alias)
        }
        None => match provider.strip_prefix("provider.") {
            Some(legacy) => {
                let (name, alias) = match legacy.split_once('.') {
                    Some((name, alias)) => (name, Some(alias)),
                    None => (legacy, None),
                };
                (Some(name).filter(|name| *name == wanted), alias)
            }
            None => (None, None),
        },
    };
    match name {
        Some(name) if name == wanted => {
            let text = match alias {
                Some(alias) => format!("{name}.{alias}"),
                None => name.to_owned(),
            };
            text.parse()
                .map_err(|error| format!("provider {provider}: {error}"))
        }
        _ => Err(format!(
            "it was written by provider {}, not the official {wanted} provider ({}), so its attributes cannot be trusted to mean what snapform's do",
            if provider.is_empty() {
                "(none)"
            } else {
                provider
            },
            official_sources(wanted)
        )),
    }
}

/// The official sources of provider `name`, for messages.
fn official_sources(name: &str) -> String {
    let sources: Vec<String> = OFFICIAL_SOURCES
        .iter()
        .filter(|(_, official)| *official == name)
        .map(|(source, _)| format!("{}/{source}", REGISTRIES[0]))
        .collect();
    sources.join(" or ")
}

/// The attributes snapform knows, in its names: `id` and attributes of other names left out,
/// and so are nulls and empty values, which the official providers write for unset optional
/// arguments and snapform writes as absent.
fn attributes(schema: &ResourceSchema, instance: &Json) -> BTreeMap<String, Value> {
    let Some(Json::Object(attributes)) = instance.get("attributes") else {
        return BTreeMap::new();
    };
    attributes
        .iter()
        .filter_map(|(name, json)| {
            let ours = schema.from_terraform_name(name);
            if ours == "id" || !schema.has_attribute(ours) {
                return None;
            }
            let empty = match json {
                Json::Null => true,
                Json::String(text) => text.is_empty(),
                Json::Array(items) => items.is_empty(),
                Json::Object(entries) => entries.is_empty(),
                _ => false,
            };
            (!empty).then(|| (ours.to_owned(), Value::from_json(json)))
        })
        .collect()
}

/// The root-module resources of snapform's types an instance depends on.
fn dependencies(instance: &Json) -> Vec<ResourceAddr> {
    let mut res: Vec<ResourceAddr> = instance
        .get("dependencies")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|text| text.parse::<ResourceAddr>().ok())
        .filter(|addr| snapform_core::schema::resource_schema(&addr.type_name).is_some())
        .collect();
    res.sort();
    res.dedup();
    res
}

/// The attributes Terraform marks sensitive (`sensitive_attributes`: paths whose first step is
/// the attribute), in our names.
fn sensitive(schema: &ResourceSchema, instance: &Json) -> BTreeSet<String> {
    instance
        .get("sensitive_attributes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|path| {
            let step = path.as_array()?.first()?;
            (step.get("type")?.as_str()? == "get_attr")
                .then(|| step.get("value")?.as_str())
                .flatten()
        })
        .map(|name| schema.from_terraform_name(name).to_owned())
        .filter(|name| schema.has_attribute(name))
        .collect()
}
