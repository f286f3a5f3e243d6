//! Terraform states: snapshots made in the emulator, a Terraform v4 state written by hand for
//! them as the official providers write theirs (count and for_each instances, a provider alias,
//! the providers' own attribute names and values), then `state push` and `init
//! -migrate-state` convert it and the same configuration plans with no changes; and the
//! refusals, which leave the state as it was.

use std::path::Path;

use crate::cloud::{Cloud, project, sf, state};
use crate::runs::{apply_ok, no_changes};

/// Every type, a count, a for_each and an aliased provider, as a Terraform configuration would
/// have them.
const CONFIG: &str = r#"
provider "alicloud" {
  alias    = "edge"
  region   = "cn-hangzhou"
  endpoint = "ENDPOINT"
}

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
  provider      = alicloud.edge
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
  description   = "edge cache"
}
"#;

/// A Terraform 1.9 state of `CONFIG`'s resources, as the official providers write it, with
/// `{ADDRESS}` where each snapshot's ID goes; plus a data source and a resource of another
/// provider, which snapform leaves out.
const TERRAFORM_STATE: &str = r#"{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": 12,
  "lineage": "6c1e0f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
  "outputs": {
    "site": { "value": "{tencentcloud_lighthouse_snapshot.site}", "type": "string" }
  },
  "resources": [
    {
      "mode": "data",
      "type": "tencentcloud_cbs_storages",
      "name": "all",
      "provider": "provider[\"registry.terraform.io/tencentcloudstack/tencentcloud\"]",
      "instances": [{ "schema_version": 0, "attributes": { "id": "3551201389" }, "sensitive_attributes": [] }]
    },
    {
      "mode": "managed",
      "type": "tencentcloud_cbs_disk_backup",
      "name": "backup",
      "provider": "provider[\"registry.terraform.io/tencentcloudstack/tencentcloud\"]",
      "each": "map",
      "instances": [
        {
          "index_key": "disk-qs100001",
          "schema_version": 0,
          "attributes": {
            "disk_backup_name": "nightly-disk-qs100001",
            "disk_id": "disk-qs100001",
            "id": "{tencentcloud_cbs_disk_backup.backup[\"disk-qs100001\"]}"
          },
          "sensitive_attributes": [],
          "private": "bnVsbA=="
        },
        {
          "index_key": "disk-qs100002",
          "schema_version": 0,
          "attributes": {
            "disk_backup_name": "nightly-disk-qs100002",
            "disk_id": "disk-qs100002",
            "id": "{tencentcloud_cbs_disk_backup.backup[\"disk-qs100002\"]}"
          },
          "sensitive_attributes": [],
          "private": "bnVsbA=="
        }
      ]
    },
    {
      "mode": "managed",
      "type": "tencentcloud_cbs_snapshot_group",
      "name": "group",
      "provider": "provider[\"registry.terraform.io/tencentcloudstack/tencentcloud\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "disk_ids": ["disk-qs100004", "disk-qs100003"],
            "id": "{tencentcloud_cbs_snapshot_group.group}",
            "snapshot_group_name": "group",
            "tags": { "team": "platform" }
          },
          "sensitive_attributes": []
        }
      ]
    },
    {
      "mode": "managed",
      "type": "tencentcloud_lighthouse_snapshot",
      "name": "site",
      "provider": "provider[\"registry.terraform.io/tencentcloudstack/tencentcloud\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "id": "{tencentcloud_lighthouse_snapshot.site}",
            "instance_id": "lhins-qs100001",
            "snapshot_name": "site"
          },
          "sensitive_attributes": [],
          "private": "bnVsbA=="
        }
      ]
    },
    {
      "mode": "managed",
      "type": "alicloud_ecd_snapshot",
      "name": "desk",
      "provider": "provider[\"registry.terraform.io/aliyun/alicloud\"]",
      "each": "list",
      "instances": [
        {
          "index_key": 0,
          "schema_version": 0,
          "attributes": {
            "description": "",
            "desktop_id": "ecd-qs1000000000001",
            "id": "{alicloud_ecd_snapshot.desk[0]}",
            "snapshot_name": "desk-0",
            "source_disk_type": "SYSTEM",
            "status": "ACCOMPLISHED",
            "timeouts": null
          },
          "sensitive_attributes": []
        },
        {
          "index_key": 1,
          "schema_version": 0,
          "attributes": {
            "description": "",
            "desktop_id": "ecd-qs1000000000002",
            "id": "{alicloud_ecd_snapshot.desk[1]}",
            "snapshot_name": "desk-1",
            "source_disk_type": "SYSTEM",
            "status": "ACCOMPLISHED",
            "timeouts": null
          },
          "sensitive_attributes": []
        }
      ]
    },
    {
      "mode": "managed",
      "type": "alicloud_ens_snapshot",
      "name": "edge",
      "provider": "provider[\"registry.terraform.io/aliyun/alicloud\"].edge",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "create_time": "2026-12-01T02:00:00Z",
            "description": "edge cache",
            "disk_id": "d-qs10000000000000001",
            "ens_region_id": "cn-shenzhen-3",
            "id": "{alicloud_ens_snapshot.edge}",
            "snapshot_name": "edge",
            "status": "available",
            "timeouts": null
          },
          "sensitive_attributes": []
        }
      ]
    },
    {
      "mode": "managed",
      "type": "random_id",
      "name": "suffix",
      "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
      "instances": [{ "schema_version": 0, "attributes": { "id": "qg", "byte_length": 1 }, "sensitive_attributes": [] }]
    }
  ],
  "check_results": null
}
"#;

/// `CONFIG` for `cloud`.
fn config(cloud: &Cloud) -> String {
    CONFIG.replace("ENDPOINT", &cloud.endpoint)
}

/// The snapshots of `CONFIG` made in `cloud` by another project, and the Terraform state
/// that records them.
fn made_elsewhere(cloud: &Cloud) -> String {
    let source = project(cloud, &config(cloud));
    apply_ok(source.path());
    let mut text = TERRAFORM_STATE.to_owned();
    for record in state(source.path())["resources"]
        .as_array()
        .expect("records")
    {
        let addr = record["addr"].as_str().expect("addr").replace('"', "\\\"");
        text = text.replace(&format!("{{{addr}}}"), record["id"].as_str().expect("id"));
    }
    assert!(!text.contains("\"{"), "every ID filled in:\n{text}");
    text
}

fn ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = state(dir)["resources"]
        .as_array()
        .expect("records")
        .iter()
        .map(|record| record["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn ids_in(cloud: &Cloud) -> Vec<String> {
    let mut ids: Vec<String> = cloud
        .resources()
        .iter()
        .map(|resource| resource["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_pushed_terraform_state_plans_with_no_changes() {
    let cloud = Cloud::start();
    let terraform = made_elsewhere(&cloud);
    let target = project(&cloud, &config(&cloud));
    let dir = target.path();
    std::fs::write(dir.join("terraform.tfstate"), &terraform).expect("write");
    let push = sf(dir, &["state", "push", "terraform.tfstate"]);
    assert_eq!(push.code, 0, "{}", push.transcript());
    for line in [
        "Converting the Terraform state terraform.tfstate (serial 12, lineage 6c1e0f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b):",
        "  data.tencentcloud_cbs_storages.all: ignored, a data source",
        "+ tencentcloud_cbs_disk_backup.backup[\"disk-qs100001\"] (dbp-",
        "+ alicloud_ecd_snapshot.desk[1] (s-",
        ", provider alicloud.edge)",
        "- random_id.suffix: left out, random_id is not a type snapform manages (provider registry.terraform.io/hashicorp/random)",
        "  output.site: ignored, outputs are recorded again by the next apply",
        "Took 7 resource instance(s); left out 1; ignored 2.",
    ] {
        assert!(push.stdout.contains(line), "{line}:\n{}", push.stdout);
    }
    assert_eq!(ids(dir), ids_in(&cloud), "every snapshot, recorded once");
    let recorded = state(dir);
    let edge = recorded["resources"]
        .as_array()
        .expect("records")
        .iter()
        .find(|record| record["addr"] == "alicloud_ens_snapshot.edge")
        .expect("the ENS snapshot")
        .clone();
    assert_eq!(edge["provider"], "alicloud.edge");
    assert_eq!(edge["region"], "cn-hangzhou");
    assert_eq!(edge["attributes"]["creation_time"], "2026-12-01T02:00:00Z");
    assert_eq!(recorded["lineage"], "6c1e0f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
    no_changes(dir);
    let apply = apply_ok(dir);
    assert!(
        apply.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    assert_eq!(cloud.resources().len(), 7, "nothing made twice");
}

#[test]
fn init_migrate_state_converts_terraforms_local_state() {
    let cloud = Cloud::start();
    let terraform = made_elsewhere(&cloud);
    let target = project(&cloud, &config(&cloud));
    let dir = target.path();
    std::fs::write(dir.join("terraform.tfstate"), &terraform).expect("write");

    let init = sf(dir, &["init"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    assert!(
        init.stdout
            .contains("Terraform's state terraform.tfstate records 7 snapshot(s) of snapform's types (workspace default)"),
        "{}",
        init.stdout
    );
    assert!(
        init.stdout.contains("run `snapform init -migrate-state`"),
        "{}",
        init.stdout
    );
    assert!(!dir.join("snapform.tfstate").exists());

    let migrate = sf(dir, &["init", "-migrate-state", "-force-copy"]);
    assert_eq!(migrate.code, 0, "{}", migrate.transcript());
    assert!(
        migrate.stdout.contains(
            "default: converted into the local backend (snapform.tfstate) (7 resource(s))"
        ),
        "{}",
        migrate.stdout
    );
    assert_eq!(ids(dir), ids_in(&cloud));
    assert_eq!(
        std::fs::read_to_string(dir.join("terraform.tfstate")).expect("kept"),
        terraform,
        "Terraform's file is left as it was"
    );
    no_changes(dir);

    // Once converted, init leaves the backend's state alone.
    let again = sf(dir, &["init", "-migrate-state", "-force-copy"]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(
        again.stdout.contains("was not converted: workspace default of the local backend (snapform.tfstate) already holds a state"),
        "{}",
        again.stdout
    );
}

#[test]
fn terraform_states_that_cannot_convert_are_refused_and_nothing_is_written() {
    let cloud = Cloud::start();
    let target = project(&cloud, &config(&cloud));
    let dir = target.path();
    let cases = [
        (
            r#"{"version": 3, "terraform_version": "0.11.14", "serial": 1, "lineage": "x", "modules": []}"#,
            "it is a version 3 state, and snapform reads version 4",
        ),
        (
            r#"{"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": [
              {"module": "module.backups", "mode": "managed", "type": "tencentcloud_cbs_disk_backup", "name": "nightly",
               "provider": "provider[\"registry.terraform.io/tencentcloudstack/tencentcloud\"]",
               "instances": [{"attributes": {"id": "dbp-a1b2c3d4", "disk_id": "disk-qs100001"}}]}]}"#,
            "terraform state mv 'module.backups.tencentcloud_cbs_disk_backup.nightly' 'tencentcloud_cbs_disk_backup.nightly'",
        ),
        (
            r#"{"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": [
              {"mode": "managed", "type": "tencentcloud_lighthouse_snapshot", "name": "site",
               "provider": "provider[\"registry.terraform.io/example/tencentcloud\"]",
               "instances": [{"attributes": {"id": "lhsnap-a1b2c3d4", "instance_id": "lhins-qs100001"}}]}]}"#,
            "not the official tencentcloud provider",
        ),
        (
            r#"{"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": [
              {"mode": "managed", "type": "tencentcloud_lighthouse_snapshot", "name": "site",
               "provider": "provider[\"registry.terraform.io/tencentcloudstack/tencentcloud\"].hk",
               "instances": [{"attributes": {"id": "lhsnap-a1b2c3d4", "instance_id": "lhins-qs100001"}}]}]}"#,
            "its resources use provider tencentcloud.hk, which the configuration does not declare",
        ),
        (
            "{\"version\": 4, \"terraform_version\": \"1.9.8\",\n  \"resources\": [",
            "terraform.tfstate:2:",
        ),
    ];
    for (text, message) in cases {
        std::fs::write(dir.join("terraform.tfstate"), text).expect("write");
        let push = sf(dir, &["state", "push", "terraform.tfstate"]);
        assert_eq!(push.code, 1, "{}", push.transcript());
        assert!(push.stderr.contains(message), "{message}:\n{}", push.stderr);
        assert!(!dir.join("snapform.tfstate").exists(), "nothing written");
    }

    // A local backend pointed at a Terraform state says how to convert it.
    std::fs::write(
        dir.join("terraform.tfstate"),
        r#"{"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": []}"#,
    )
    .expect("write");
    std::fs::write(
        dir.join("backend.hcl"),
        "snapform {\n  backend \"local\" {\n    path = \"terraform.tfstate\"\n  }\n}\n",
    )
    .expect("write");
    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    assert!(
        plan.stderr
            .contains("terraform.tfstate is a Terraform state, not a snapform one: convert it with `snapform state push terraform.tfstate`"),
        "{}",
        plan.stderr
    );
}
