//! The parents that snapshots hang from: CBS disks, Lighthouse instances, ECD desktops and ENS disks.
//!
//! The inventory is read-only input to the emulated cloud (creates are checked against it) and
//! its JSON form is documented in the crate README. Unknown keys are ignored; every key beyond
//! `id` has a default, so the minimal file of issue 3 loads as is.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::json_file::read_json;

/// Every parent resource the emulated clouds know, per cloud and region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Tencent Cloud regions (`ap-guangzhou`, ...).
    #[serde(default)]
    pub tencentcloud: BTreeMap<String, TencentRegion>,
    /// Alibaba Cloud: ECD regions plus the ENS edge regions under `ens`.
    #[serde(default)]
    pub alicloud: AlicloudInventory,
}

/// One Tencent Cloud region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TencentRegion {
    /// CBS cloud disks.
    #[serde(default)]
    pub disks: Vec<CbsDisk>,
    /// Lighthouse instances.
    #[serde(default)]
    pub lighthouse_instances: Vec<LighthouseInstance>,
    /// The account's CBS snapshot quota in this region; every member of a snapshot group counts.
    #[serde(default = "default_cbs_snapshot_quota")]
    pub snapshot_quota: u32,
}

/// A CBS cloud disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CbsDisk {
    /// `disk-xxxxxxxx`.
    pub id: String,
    /// The CVM instance the disk is attached to, if any.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// How many backup points the disk may hold (`DiskBackupQuota`); 0 refuses every backup.
    #[serde(default = "default_backup_quota")]
    pub backup_quota: u32,
    /// Size in GiB.
    #[serde(default = "default_cbs_disk_size")]
    pub disk_size: u32,
    /// `SYSTEM_DISK` or `DATA_DISK`.
    #[serde(default = "default_disk_usage")]
    pub disk_usage: String,
    /// Display name; defaults to the ID.
    #[serde(default)]
    pub name: Option<String>,
}

/// A Lighthouse instance (its system disk is what a snapshot copies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LighthouseInstance {
    /// `lhins-xxxxxxxx`.
    pub id: String,
    /// How many snapshots the instance may have.
    #[serde(default = "default_lighthouse_snapshot_quota")]
    pub snapshot_quota: u32,
    /// System disk size in GiB.
    #[serde(default = "default_lighthouse_disk_size")]
    pub disk_size: u32,
    /// `RUNNING`, `STOPPED`, ... Snapshots need `RUNNING` or `STOPPED`.
    #[serde(default = "default_lighthouse_state")]
    pub state: String,
    /// Display name; defaults to the ID.
    #[serde(default)]
    pub name: Option<String>,
}

/// Alibaba Cloud: ECD regions (flattened keys) and ENS edge regions (under `ens`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlicloudInventory {
    /// ENS edge regions (`cn-shenzhen-3`, ...).
    #[serde(default)]
    pub ens: BTreeMap<String, EnsRegion>,
    /// ECD regions (`cn-hangzhou`, ...): every key of `alicloud` other than `ens`.
    #[serde(flatten)]
    pub regions: BTreeMap<String, AlicloudRegion>,
}

/// One Alibaba Cloud region as ECD sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlicloudRegion {
    /// Cloud computers.
    #[serde(default)]
    pub desktops: Vec<Desktop>,
}

/// An ECD cloud computer with a system and a data disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desktop {
    /// `ecd-...`.
    pub id: String,
    /// `Running`, `Stopped`, `Starting`, ... Snapshots need `Running` or `Stopped`.
    #[serde(default = "default_desktop_status")]
    pub status: String,
    /// System disk size in GiB.
    #[serde(default = "default_desktop_system_disk")]
    pub system_disk_size: u32,
    /// Data disk size in GiB.
    #[serde(default = "default_desktop_data_disk")]
    pub data_disk_size: u32,
    /// Display name; defaults to the ID.
    #[serde(default)]
    pub name: Option<String>,
}

/// One ENS edge region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnsRegion {
    /// Edge cloud disks.
    #[serde(default)]
    pub disks: Vec<EnsDisk>,
}

/// An ENS edge cloud disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsDisk {
    /// `d-...`.
    pub id: String,
    /// Size in GiB.
    #[serde(default = "default_ens_disk_size")]
    pub size: u32,
    /// `system` or `data`.
    #[serde(default = "default_ens_disk_type")]
    pub disk_type: String,
    /// `cloud_efficiency`, `cloud_ssd`, `local_hdd` or `local_ssd`.
    #[serde(default = "default_ens_category")]
    pub category: String,
    /// The ENS instance it is attached to, if any.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// How many snapshots the disk may have.
    #[serde(default = "default_ens_snapshot_quota")]
    pub snapshot_quota: u32,
    /// Display name; defaults to the ID.
    #[serde(default)]
    pub name: Option<String>,
}

impl Default for TencentRegion {
    /// No parents and the default snapshot quota, as an empty region of a file loads.
    fn default() -> Self {
        Self {
            disks: Vec::new(),
            lighthouse_instances: Vec::new(),
            snapshot_quota: default_cbs_snapshot_quota(),
        }
    }
}

fn default_cbs_snapshot_quota() -> u32 {
    1000
}
fn default_backup_quota() -> u32 {
    64
}
fn default_cbs_disk_size() -> u32 {
    50
}
fn default_disk_usage() -> String {
    "DATA_DISK".to_owned()
}
fn default_lighthouse_snapshot_quota() -> u32 {
    16
}
fn default_lighthouse_disk_size() -> u32 {
    40
}
fn default_lighthouse_state() -> String {
    "RUNNING".to_owned()
}
fn default_desktop_status() -> String {
    "Running".to_owned()
}
fn default_desktop_system_disk() -> u32 {
    80
}
fn default_desktop_data_disk() -> u32 {
    50
}
fn default_ens_disk_size() -> u32 {
    40
}
fn default_ens_disk_type() -> String {
    "data".to_owned()
}
fn default_ens_category() -> String {
    "cloud_efficiency".to_owned()
}
fn default_ens_snapshot_quota() -> u32 {
    64
}

impl CbsDisk {
    /// A data disk with the default quota and size.
    pub fn new(id: &str, instance_id: Option<&str>) -> Self {
        Self {
            id: id.to_owned(),
            instance_id: instance_id.map(str::to_owned),
            backup_quota: default_backup_quota(),
            disk_size: default_cbs_disk_size(),
            disk_usage: default_disk_usage(),
            name: None,
        }
    }
}

impl LighthouseInstance {
    /// A running instance with the default quota and disk.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            snapshot_quota: default_lighthouse_snapshot_quota(),
            disk_size: default_lighthouse_disk_size(),
            state: default_lighthouse_state(),
            name: None,
        }
    }
}

impl Desktop {
    /// A desktop in the given status with default disks.
    pub fn new(id: &str, status: &str) -> Self {
        Self {
            id: id.to_owned(),
            status: status.to_owned(),
            system_disk_size: default_desktop_system_disk(),
            data_disk_size: default_desktop_data_disk(),
            name: None,
        }
    }
}

impl EnsDisk {
    /// A detached data disk with default size and quota.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            size: default_ens_disk_size(),
            disk_type: default_ens_disk_type(),
            category: default_ens_category(),
            instance_id: None,
            snapshot_quota: default_ens_snapshot_quota(),
            name: None,
        }
    }
}

impl Inventory {
    /// The built-in inventory that `examples/quickstart` uses. Keep these IDs stable.
    pub fn builtin() -> Self {
        let mut inventory = Inventory::default();
        let mut guangzhou = TencentRegion::default();
        for (disk, instance) in [
            ("disk-qs100001", Some("ins-qs100001")),
            ("disk-qs100002", Some("ins-qs100001")),
            ("disk-qs100003", Some("ins-qs100002")),
            ("disk-qs100004", Some("ins-qs100002")),
            ("disk-qs100005", Some("ins-qs100002")),
            ("disk-qs100006", None),
            ("disk-qs100007", Some("ins-qs100003")),
        ] {
            let mut cbs_disk = CbsDisk::new(disk, instance);
            if disk == "disk-qs100007" {
                cbs_disk.backup_quota = 0;
            }
            guangzhou.disks.push(cbs_disk);
        }
        for instance in ["lhins-qs100001", "lhins-qs100002", "lhins-qs100003"] {
            guangzhou
                .lighthouse_instances
                .push(LighthouseInstance::new(instance));
        }
        let shanghai = TencentRegion {
            disks: vec![
                CbsDisk::new("disk-qs200001", Some("ins-qs200001")),
                CbsDisk::new("disk-qs200002", Some("ins-qs200001")),
            ],
            lighthouse_instances: vec![LighthouseInstance::new("lhins-qs200001")],
            ..TencentRegion::default()
        };
        inventory
            .tencentcloud
            .insert("ap-guangzhou".to_owned(), guangzhou);
        inventory
            .tencentcloud
            .insert("ap-shanghai".to_owned(), shanghai);
        inventory.alicloud.regions.insert(
            "cn-hangzhou".to_owned(),
            AlicloudRegion {
                desktops: vec![
                    Desktop::new("ecd-qs1000000000001", "Running"),
                    Desktop::new("ecd-qs1000000000002", "Stopped"),
                    Desktop::new("ecd-qs1000000000003", "Starting"),
                ],
            },
        );
        inventory.alicloud.regions.insert(
            "cn-shanghai".to_owned(),
            AlicloudRegion {
                desktops: vec![Desktop::new("ecd-qs2000000000001", "Running")],
            },
        );
        inventory.alicloud.ens.insert(
            "cn-shenzhen-3".to_owned(),
            EnsRegion {
                disks: vec![
                    EnsDisk::new("d-qs10000000000000001"),
                    EnsDisk::new("d-qs10000000000000002"),
                ],
            },
        );
        inventory.alicloud.ens.insert(
            "cn-beijing-15".to_owned(),
            EnsRegion {
                disks: vec![EnsDisk::new("d-qs20000000000000001")],
            },
        );
        inventory
    }

    /// A large inventory for benchmarks: `n` parents of every kind, with quotas high enough
    /// that a benchmark is limited by the rate limit and not by a quota.
    ///
    /// Tencent `ap-guangzhou`: `n` CBS disks (two per CVM instance, `disk-g0000000`...) and `n`
    /// Lighthouse instances (`lhins-g0000000`...). Alibaba `cn-hangzhou`: `n` running desktops
    /// (`ecd-g00000000000000`...). ENS `cn-shenzhen-3`: `n` disks (`d-g0000000000000000000`...).
    /// The IDs keep each service's format for `n` up to ten million.
    pub fn generated(n: usize) -> Self {
        let mut inventory = Inventory::default();
        let per_parent_quota = 1024;
        let mut region = TencentRegion {
            snapshot_quota: u32::try_from(n.saturating_mul(4).saturating_add(1000))
                .unwrap_or(u32::MAX),
            ..TencentRegion::default()
        };
        for idx in 0..n {
            let mut disk = CbsDisk::new(
                &format!("disk-g{idx:07}"),
                Some(&format!("ins-g{:07}", idx / 2)),
            );
            disk.backup_quota = per_parent_quota;
            region.disks.push(disk);
            let mut instance = LighthouseInstance::new(&format!("lhins-g{idx:07}"));
            instance.snapshot_quota = per_parent_quota;
            region.lighthouse_instances.push(instance);
        }
        inventory
            .tencentcloud
            .insert("ap-guangzhou".to_owned(), region);
        let desktops = (0..n)
            .map(|idx| Desktop::new(&format!("ecd-g{idx:014}"), "Running"))
            .collect();
        inventory
            .alicloud
            .regions
            .insert("cn-hangzhou".to_owned(), AlicloudRegion { desktops });
        let disks = (0..n)
            .map(|idx| {
                let mut disk = EnsDisk::new(&format!("d-g{idx:019}"));
                disk.snapshot_quota = per_parent_quota;
                disk
            })
            .collect();
        inventory
            .alicloud
            .ens
            .insert("cn-shenzhen-3".to_owned(), EnsRegion { disks });
        inventory
    }

    /// Reads the JSON inventory file.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        read_json(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;

    #[test]
    fn issue_form_loads_with_defaults() {
        let text = r#"{"tencentcloud": {"ap-guangzhou": {
            "disks": [{"id": "disk-aaaaaaaa", "instance_id": "ins-aaaaaaaa", "backup_quota": 10}],
            "lighthouse_instances": [{"id": "lhins-aaaaaaaa"}]}},
         "alicloud": {"cn-hangzhou": {"desktops": [{"id": "ecd-aaaa", "status": "Running"}]},
                      "ens": {"cn-shenzhen-3": {"disks": [{"id": "d-aaaa"}]}}}}"#;
        let inventory: Inventory = serde_json::from_str(text).expect("valid inventory");
        let cloud = Cloud::new(inventory.clone());
        let disk = cloud
            .cbs_disk("ap-guangzhou", "disk-aaaaaaaa")
            .expect("disk");
        assert_eq!(disk.backup_quota, 10);
        assert_eq!(disk.disk_usage, "DATA_DISK");
        assert!(cloud.desktop("cn-hangzhou", "ecd-aaaa").is_some());
        assert!(cloud.ens_disk("cn-shenzhen-3", "d-aaaa").is_some());
        assert!(!inventory.alicloud.regions.contains_key("ens"));
        let again: Inventory =
            serde_json::from_str(&serde_json::to_string(&inventory).expect("serialise"))
                .expect("round trip");
        assert_eq!(again, inventory);
    }

    #[test]
    fn an_empty_region_defaults_like_a_loaded_one() {
        let loaded: TencentRegion = serde_json::from_str("{}").expect("valid region");
        assert_eq!(TencentRegion::default(), loaded);
        assert_eq!(loaded.snapshot_quota, 1000);
    }

    #[test]
    fn builtin_has_the_quickstart_ids() {
        let inventory = Cloud::new(Inventory::builtin());
        let disk = inventory
            .cbs_disk("ap-guangzhou", "disk-qs100007")
            .expect("disk");
        assert_eq!(disk.backup_quota, 0);
        assert_eq!(
            inventory
                .cbs_disk("ap-guangzhou", "disk-qs100006")
                .expect("disk")
                .instance_id,
            None
        );
        assert_eq!(
            inventory
                .desktop("cn-hangzhou", "ecd-qs1000000000003")
                .expect("desktop")
                .status,
            "Starting"
        );
        assert!(
            inventory
                .ens_disk("cn-beijing-15", "d-qs20000000000000001")
                .is_some()
        );
        assert!(
            inventory
                .lighthouse_instance("ap-shanghai", "lhins-qs200001")
                .is_some()
        );
    }

    #[test]
    fn generated_ids_keep_the_formats() {
        let inventory = Inventory::generated(3);
        let region = &inventory.tencentcloud["ap-guangzhou"];
        assert_eq!(region.disks[2].id, "disk-g0000002");
        assert_eq!(region.disks[2].instance_id.as_deref(), Some("ins-g0000001"));
        assert_eq!(region.lighthouse_instances[0].id, "lhins-g0000000");
        assert_eq!(
            inventory.alicloud.regions["cn-hangzhou"].desktops[1].id,
            "ecd-g00000000000001"
        );
        assert_eq!(
            inventory.alicloud.ens["cn-shenzhen-3"].disks[0].id,
            "d-g0000000000000000000"
        );
    }
}
