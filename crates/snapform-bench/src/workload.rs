//! The generated workloads: which instances of the five resource types exist and on which
//! parents, as configuration text, as state records and as the emulator inventory they need.
//!
//! One generator serves every row, so the configuration that is parsed is the one that is
//! planned, and the resources that are refreshed or applied have the same shape.
//!
//! Each instance has its own parent (disk, instance or desktop). The clouds refuse a second
//! snapshot of a disk that is still being snapshotted, and the planner orders such creates one
//! after another, so sharing parents would measure readiness waits instead of the engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use snapform_core::{ProviderAddr, ResourceInstanceAddr, Value};
use snapform_emulator::Inventory;
use snapform_state::{RecordStatus, ResourceRecord, State};

/// The Tencent Cloud region of every Tencent instance (the generated inventory's).
pub const TENCENT_REGION: &str = "ap-guangzhou";
/// The Alibaba Cloud region of every ECD instance (the generated inventory's).
pub const ALICLOUD_REGION: &str = "cn-hangzhou";
/// The ENS edge region of every ENS instance (the generated inventory's).
pub const ENS_REGION: &str = "cn-shenzhen-3";

/// The five resource types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `tencentcloud_cbs_disk_backup`.
    CbsDiskBackup,
    /// `tencentcloud_cbs_snapshot_group`.
    CbsSnapshotGroup,
    /// `tencentcloud_lighthouse_snapshot`.
    LighthouseSnapshot,
    /// `alicloud_ecd_snapshot`.
    EcdSnapshot,
    /// `alicloud_ens_snapshot`.
    EnsSnapshot,
}

impl Kind {
    /// Every kind, in the order workloads list them.
    pub const ALL: [Kind; 5] = [
        Kind::CbsDiskBackup,
        Kind::CbsSnapshotGroup,
        Kind::LighthouseSnapshot,
        Kind::EcdSnapshot,
        Kind::EnsSnapshot,
    ];

    /// The resource type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup => "tencentcloud_cbs_disk_backup",
            Kind::CbsSnapshotGroup => "tencentcloud_cbs_snapshot_group",
            Kind::LighthouseSnapshot => "tencentcloud_lighthouse_snapshot",
            Kind::EcdSnapshot => "alicloud_ecd_snapshot",
            Kind::EnsSnapshot => "alicloud_ens_snapshot",
        }
    }

    /// The provider's name.
    pub fn provider(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup | Kind::CbsSnapshotGroup | Kind::LighthouseSnapshot => {
                "tencentcloud"
            }
            Kind::EcdSnapshot | Kind::EnsSnapshot => "alicloud",
        }
    }

    /// The region of the provider configuration.
    pub fn provider_region(self) -> &'static str {
        match self.provider() {
            "tencentcloud" => TENCENT_REGION,
            _ => ALICLOUD_REGION,
        }
    }

    /// The emulator's statistics key of the create action.
    pub fn create_action(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup => "cbs.CreateDiskBackup",
            Kind::CbsSnapshotGroup => "cbs.CreateSnapshotGroup",
            Kind::LighthouseSnapshot => "lighthouse.CreateInstanceSnapshot",
            Kind::EcdSnapshot => "ecd.CreateSnapshot",
            Kind::EnsSnapshot => "ens.CreateSnapshot",
        }
    }

    /// The emulator's statistics key of the delete action.
    pub fn delete_action(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup => "cbs.DeleteDiskBackups",
            Kind::CbsSnapshotGroup => "cbs.DeleteSnapshotGroup",
            Kind::LighthouseSnapshot => "lighthouse.DeleteSnapshots",
            Kind::EcdSnapshot => "ecd.DeleteSnapshot",
            Kind::EnsSnapshot => "ens.DeleteSnapshot",
        }
    }

    /// The most IDs one call of the delete action takes (`shared/api`).
    pub fn delete_batch(self) -> usize {
        match self {
            Kind::CbsDiskBackup | Kind::EcdSnapshot => 100,
            Kind::LighthouseSnapshot => 10,
            Kind::CbsSnapshotGroup | Kind::EnsSnapshot => 1,
        }
    }

    /// Whether the cloud keeps listing a deleted resource for a while (half the readiness
    /// time in the emulator) instead of dropping it at once.
    pub fn deletes_slowly(self) -> bool {
        matches!(self, Kind::CbsDiskBackup | Kind::EnsSnapshot)
    }

    /// The emulator's control API name, as the data file's `type`.
    pub fn emulator_type(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup => "cbs_disk_backup",
            Kind::CbsSnapshotGroup => "cbs_snapshot_group",
            Kind::LighthouseSnapshot => "lighthouse_snapshot",
            Kind::EcdSnapshot => "ecd_snapshot",
            Kind::EnsSnapshot => "ens_snapshot",
        }
    }

    /// The kind whose control API name is `name`.
    pub fn from_emulator_type(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.emulator_type() == name)
    }

    /// The kind whose resource type is `type_name`.
    pub fn from_type_name(type_name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.type_name() == type_name)
    }

    /// The argument that holds the snapshot's name.
    pub fn name_argument(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup => "disk_backup_name",
            Kind::CbsSnapshotGroup => "snapshot_group_name",
            Kind::LighthouseSnapshot | Kind::EcdSnapshot | Kind::EnsSnapshot => "snapshot_name",
        }
    }

    /// The argument that names the parents: a list of disks for snapshot groups, one ID
    /// otherwise.
    pub fn parent_argument(self) -> &'static str {
        match self {
            Kind::CbsDiskBackup | Kind::EnsSnapshot => "disk_id",
            Kind::CbsSnapshotGroup => "disk_ids",
            Kind::LighthouseSnapshot => "instance_id",
            Kind::EcdSnapshot => "desktop_id",
        }
    }

    /// Whether a new name is an update in place; for the other kinds it is a replacement.
    pub fn name_updates_in_place(self) -> bool {
        matches!(self, Kind::LighthouseSnapshot | Kind::EnsSnapshot)
    }

    /// Whether the type has a `description` argument.
    pub fn has_description(self) -> bool {
        matches!(self, Kind::EcdSnapshot | Kind::EnsSnapshot)
    }
}

/// One generated instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Its type.
    pub kind: Kind,
    /// Its position among the instances of its kind.
    pub idx: usize,
    /// A plain `resource` block (a third of each kind), or an element of a `for_each` fleet.
    pub plain: bool,
    /// The disks, instance or desktop it is made from.
    pub parents: Vec<String>,
}

impl Spec {
    /// The `for_each` key, also the block name of plain instances.
    pub fn key(&self) -> String {
        format!("i{}", self.idx)
    }

    /// The snapshot's name.
    pub fn name(&self) -> String {
        format!("nightly-{}", self.key())
    }

    /// Its address.
    pub fn addr(&self) -> ResourceInstanceAddr {
        let text = if self.plain {
            format!("{}.{}", self.kind.type_name(), self.key())
        } else {
            format!("{}.fleet[\"{}\"]", self.kind.type_name(), self.key())
        };
        text.parse()
            .expect("generated addresses use valid identifiers")
    }

    /// The arguments as the configuration sets them.
    pub fn arguments(&self) -> BTreeMap<String, Value> {
        let parent = || Value::string(self.parents[0].clone());
        let mut res = BTreeMap::new();
        match self.kind {
            Kind::CbsDiskBackup => {
                res.insert("disk_id".to_owned(), parent());
                res.insert("disk_backup_name".to_owned(), Value::string(self.name()));
            }
            Kind::CbsSnapshotGroup => {
                res.insert(
                    "disk_ids".to_owned(),
                    Value::set(self.parents.iter().cloned().map(Value::string)),
                );
                res.insert("snapshot_group_name".to_owned(), Value::string(self.name()));
            }
            Kind::LighthouseSnapshot => {
                res.insert("instance_id".to_owned(), parent());
                res.insert("snapshot_name".to_owned(), Value::string(self.name()));
            }
            Kind::EcdSnapshot => {
                res.insert("desktop_id".to_owned(), parent());
                res.insert("snapshot_name".to_owned(), Value::string(self.name()));
                res.insert("source_disk_type".to_owned(), Value::string("system"));
            }
            Kind::EnsSnapshot => {
                res.insert("ens_region_id".to_owned(), Value::string(ENS_REGION));
                res.insert("disk_id".to_owned(), parent());
                res.insert("snapshot_name".to_owned(), Value::string(self.name()));
            }
        }
        res
    }

    /// A record of this instance as if it had been created with `id` and is ready.
    pub fn record(&self, id: String) -> ResourceRecord {
        ResourceRecord {
            addr: self.addr(),
            provider: ProviderAddr::default_for(self.kind.provider()),
            region: self.kind.provider_region().to_owned(),
            id,
            attributes: self.arguments(),
            dependencies: Vec::new(),
            status: RecordStatus::Ready,
            sensitive_attributes: Default::default(),
        }
    }
}

/// A generated set of instances spread evenly over the five kinds, each on its own parents.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Every instance, grouped by kind.
    pub specs: Vec<Spec>,
    /// How many parents of each kind `Inventory::generated` must make.
    pub inventory_size: usize,
}

impl Workload {
    /// `n_instances` instances, a fifth of each kind (the first kinds take the remainder).
    ///
    /// Parents come from `Inventory::generated`: snapshot group `j` takes both disks of CVM
    /// instance `j` (disks `2j` and `2j+1`), disk backups take the disks after those, and the
    /// other kinds take Lighthouse instance, desktop or ENS disk `j`.
    pub fn new(n_instances: usize) -> Workload {
        let per_kind = |kind_idx: usize| n_instances / 5 + usize::from(kind_idx < n_instances % 5);
        let count = |kind: Kind| {
            per_kind(
                Kind::ALL
                    .iter()
                    .position(|k| *k == kind)
                    .expect("every kind is listed"),
            )
        };
        let n_groups = count(Kind::CbsSnapshotGroup);
        let mut specs = Vec::with_capacity(n_instances);
        let mut inventory_size = 0;
        for kind in Kind::ALL {
            let n = count(kind);
            for idx in 0..n {
                let parents = match kind {
                    Kind::CbsDiskBackup => vec![cbs_disk(2 * n_groups + idx)],
                    Kind::CbsSnapshotGroup => vec![cbs_disk(2 * idx), cbs_disk(2 * idx + 1)],
                    Kind::LighthouseSnapshot => vec![format!("lhins-g{idx:07}")],
                    Kind::EcdSnapshot => vec![format!("ecd-g{idx:014}")],
                    Kind::EnsSnapshot => vec![format!("d-g{idx:019}")],
                };
                specs.push(Spec {
                    kind,
                    idx,
                    plain: idx < n / 3,
                    parents,
                });
            }
            let needed = match kind {
                Kind::CbsDiskBackup => 2 * n_groups + n,
                _ => n,
            };
            inventory_size = inventory_size.max(needed);
        }
        Workload {
            specs,
            inventory_size,
        }
    }

    /// How many instances.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// Whether it has no instance.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// How many instances of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.specs.iter().filter(|spec| spec.kind == kind).count()
    }

    /// The emulator inventory the workload's parents live in.
    pub fn inventory(&self) -> Inventory {
        Inventory::generated(self.inventory_size.max(1))
    }

    /// The configuration: both provider blocks, then per kind a third as plain blocks and the
    /// rest as one `for_each` resource over a variable map, as fleets are written.
    pub fn config_text(&self) -> String {
        let mut text = String::with_capacity(self.specs.len() * 160);
        let _ = write!(
            text,
            "provider \"tencentcloud\" {{\n  region = \"{TENCENT_REGION}\"\n}}\n\nprovider \"alicloud\" {{\n  region = \"{ALICLOUD_REGION}\"\n}}\n\n"
        );
        for kind in Kind::ALL {
            let specs: Vec<&Spec> = self.specs.iter().filter(|spec| spec.kind == kind).collect();
            for spec in specs.iter().filter(|spec| spec.plain) {
                let _ = writeln!(
                    text,
                    "resource \"{}\" \"{}\" {{\n{}}}\n",
                    kind.type_name(),
                    spec.key(),
                    plain_body(spec)
                );
            }
            let fleet: Vec<&&Spec> = specs.iter().filter(|spec| !spec.plain).collect();
            if fleet.is_empty() {
                continue;
            }
            let variable = format!("{}_fleet", kind.emulator_type());
            let value_type = if kind == Kind::CbsSnapshotGroup {
                "list(string)"
            } else {
                "string"
            };
            let _ = writeln!(
                text,
                "variable \"{variable}\" {{\n  type = map({value_type})\n  default = {{"
            );
            for spec in &fleet {
                let value = if kind == Kind::CbsSnapshotGroup {
                    format!("[\"{}\", \"{}\"]", spec.parents[0], spec.parents[1])
                } else {
                    format!("\"{}\"", spec.parents[0])
                };
                let _ = writeln!(text, "    {} = {value}", spec.key());
            }
            let _ = writeln!(
                text,
                "  }}\n}}\n\nresource \"{}\" \"fleet\" {{\n  for_each = var.{variable}\n{}}}\n",
                kind.type_name(),
                fleet_body(kind)
            );
        }
        text
    }

    /// A state recording, as ready, every instance for which `id_of` (given the instance's
    /// position in `specs`) gives an ID.
    pub fn state(&self, mut id_of: impl FnMut(usize, &Spec) -> Option<String>) -> State {
        let mut state = State::new();
        state.resources = self
            .specs
            .iter()
            .enumerate()
            .filter_map(|(position, spec)| id_of(position, spec).map(|id| spec.record(id)))
            .collect();
        state
    }
}

fn cbs_disk(idx: usize) -> String {
    format!("disk-g{idx:07}")
}

fn plain_body(spec: &Spec) -> String {
    let name = spec.name();
    let parent = &spec.parents[0];
    match spec.kind {
        Kind::CbsDiskBackup => {
            format!("  disk_id          = \"{parent}\"\n  disk_backup_name = \"{name}\"\n")
        }
        Kind::CbsSnapshotGroup => format!(
            "  disk_ids            = [\"{}\", \"{}\"]\n  snapshot_group_name = \"{name}\"\n",
            spec.parents[0], spec.parents[1]
        ),
        Kind::LighthouseSnapshot => {
            format!("  instance_id   = \"{parent}\"\n  snapshot_name = \"{name}\"\n")
        }
        Kind::EcdSnapshot => format!(
            "  desktop_id       = \"{parent}\"\n  snapshot_name    = \"{name}\"\n  source_disk_type = \"system\"\n"
        ),
        Kind::EnsSnapshot => format!(
            "  ens_region_id = \"{ENS_REGION}\"\n  disk_id       = \"{parent}\"\n  snapshot_name = \"{name}\"\n"
        ),
    }
}

/// The arguments of a `for_each` resource of `kind` over a map of parents.
pub fn fleet_body(kind: Kind) -> String {
    let name = "\"nightly-${each.key}\"";
    match kind {
        Kind::CbsDiskBackup => {
            format!("  disk_id          = each.value\n  disk_backup_name = {name}\n")
        }
        Kind::CbsSnapshotGroup => {
            format!("  disk_ids            = each.value\n  snapshot_group_name = {name}\n")
        }
        Kind::LighthouseSnapshot => {
            format!("  instance_id   = each.value\n  snapshot_name = {name}\n")
        }
        Kind::EcdSnapshot => format!(
            "  desktop_id       = each.value\n  snapshot_name    = {name}\n  source_disk_type = \"system\"\n"
        ),
        Kind::EnsSnapshot => format!(
            "  ens_region_id = \"{ENS_REGION}\"\n  disk_id       = each.value\n  snapshot_name = {name}\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_instances_over_kinds_and_parents() {
        let workload = Workload::new(12);
        let counts: Vec<usize> = Kind::ALL.iter().map(|k| workload.count(*k)).collect();
        assert_eq!(counts, [3, 3, 2, 2, 2]);
        // Three groups take disks 0..6, so backups start at disk 6.
        assert_eq!(workload.specs[0].parents, ["disk-g0000006"]);
        assert_eq!(workload.inventory_size, 9);
        let mut parents: Vec<&String> = workload.specs.iter().flat_map(|s| &s.parents).collect();
        let n_parents = parents.len();
        parents.sort();
        parents.dedup();
        assert_eq!(parents.len(), n_parents, "no two instances share a parent");
    }

    #[test]
    fn generated_configuration_loads_without_diagnostics() {
        let workload = Workload::new(31);
        let mut sources = snapform_core::SourceMap::new();
        let loaded = snapform_config::load_sources(
            vec![snapform_config::SourceFile {
                name: "bench.hcl".to_owned(),
                text: workload.config_text(),
            }],
            Vec::new(),
            &snapform_config::LoadOptions::default(),
            &mut sources,
        );
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let instances: Vec<_> = loaded
            .config
            .resources
            .iter()
            .flat_map(|res| &res.instances)
            .collect();
        assert_eq!(instances.len(), 31);
        for spec in &workload.specs {
            let instance = instances
                .iter()
                .find(|instance| instance.addr == spec.addr())
                .expect("every spec is in the configuration");
            assert_eq!(instance.arguments, spec.arguments(), "{}", spec.addr());
        }
    }
}
