//! What the end-to-end runs share: a configuration with every type, and the checks that a
//! plan shows no changes and that the cloud holds exactly what the state records.

use std::collections::BTreeMap;

use crate::cloud::{Cloud, sf, state};

pub(crate) const EVERY_TYPE: &str = r#"
resource "tencentcloud_cbs_disk_backup" "backup" {
  for_each         = toset(["disk-qs100001", "disk-qs100002"])
  disk_id          = each.key
  disk_backup_name = "nightly-${each.key}"
}

resource "tencentcloud_cbs_snapshot_group" "group" {
  disk_ids            = ["disk-qs100003", "disk-qs100004"]
  snapshot_group_name = "group"
  tags                = { team = "platform" }
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
}

resource "alicloud_ecd_snapshot" "desk" {
  count            = 2
  desktop_id       = "ecd-qs100000000000${count.index + 1}"
  snapshot_name    = "desk-${count.index}"
  source_disk_type = "system"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
  description   = "edge cache"
}

output "site" {
  value = tencentcloud_lighthouse_snapshot.site.id
}
"#;

pub(crate) fn no_changes(dir: &std::path::Path) {
    let run = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        run.code,
        0,
        "the second plan must show no changes:\n{}",
        run.transcript()
    );
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

pub(crate) fn apply_ok(dir: &std::path::Path) -> crate::support::Run {
    let run = sf(dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "apply failed:\n{}", run.transcript());
    run
}

/// Each (type, name) the cloud has, counted: a count above one is a duplicate.
pub(crate) fn names(cloud: &Cloud) -> BTreeMap<(String, String), usize> {
    let mut names = BTreeMap::new();
    for resource in cloud.resources() {
        let key = (
            resource["type"].as_str().unwrap_or_default().to_owned(),
            format!(
                "{}|{}",
                resource["name"].as_str().unwrap_or_default(),
                resource["parents"]
            ),
        );
        *names.entry(key).or_insert(0) += 1;
    }
    names
}

/// The cloud and the state agree: every recorded ID exists, every resource is recorded once.
pub(crate) fn assert_no_duplicates_or_orphans(cloud: &Cloud, dir: &std::path::Path) {
    let state = state(dir);
    let recorded: Vec<String> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    let mut in_cloud: Vec<String> = cloud
        .resources()
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    in_cloud.sort();
    let mut recorded_sorted = recorded.clone();
    recorded_sorted.sort();
    assert_eq!(
        in_cloud, recorded_sorted,
        "the cloud holds exactly what the state records (no orphan, nothing missing)"
    );
    assert!(
        names(cloud).values().all(|n| *n == 1),
        "no duplicates: {:?}",
        names(cloud)
    );
    assert_eq!(state["pending"], serde_json::json!([]), "no intent left");
}
