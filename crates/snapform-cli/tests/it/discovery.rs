//! `snapform import -discover`: snapshots made elsewhere (by another snapform project, standing
//! for the console or a script) are listed, written as import and resource blocks, put in the
//! project as written and imported by `apply` through the blocks, and then plan with no
//! changes; a second run writes nothing for what is managed; filters, regions and provider
//! aliases; and the refusals.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cloud::{Cloud, project, providers_hcl, rewrite, sf, state};
use crate::runs::{apply_ok, no_changes};

/// A fleet of 36 snapshots of every type, with names that collide, no name, characters no
/// identifier has, and a `${` that is text.
const FLEET: &str = r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = { for n in range(12) : "n${n}" => "disk-qs10000${n % 6 + 1}" }
  disk_id          = each.value
  disk_backup_name = "nightly-${each.key}"
}

resource "tencentcloud_cbs_disk_backup" "same_name" {
  for_each         = toset(["disk-qs100001", "disk-qs100002"])
  disk_id          = each.key
  disk_backup_name = "weekly db"
}

resource "tencentcloud_cbs_disk_backup" "unnamed" {
  disk_id = "disk-qs100003"
}

resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids            = ["disk-qs100001", "disk-qs100002"]
  snapshot_group_name = "app"
}

resource "tencentcloud_cbs_snapshot_group" "unnamed" {
  disk_ids = ["disk-qs100005", "disk-qs100003", "disk-qs100004"]
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  count         = 3
  instance_id   = "lhins-qs10000${count.index + 1}"
  snapshot_name = "site-${count.index}"
}

resource "tencentcloud_lighthouse_snapshot" "odd" {
  instance_id   = "lhins-qs100002"
  snapshot_name = "Blog 2026/12 $${not a template}"
}

resource "alicloud_ecd_snapshot" "desk" {
  for_each         = { sys = "system", data = "data" }
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "desk-${each.key}"
  source_disk_type = each.value
  description      = "the ${each.key} disk"
}

resource "alicloud_ecd_snapshot" "stopped" {
  desktop_id       = "ecd-qs1000000000002"
  snapshot_name    = "stopped"
  source_disk_type = "SYSTEM"
}

resource "alicloud_ens_snapshot" "edge" {
  for_each      = toset(["d-qs10000000000000001", "d-qs10000000000000002"])
  ens_region_id = "cn-shenzhen-3"
  disk_id       = each.key
  snapshot_name = "edge"
}

resource "alicloud_ens_snapshot" "beijing" {
  count         = 10
  ens_region_id = "cn-beijing-15"
  disk_id       = "d-qs20000000000000001"
  snapshot_name = "bj-${count.index}"
  description   = "edge cache ${count.index}"
}
"#;

const TYPES: [&str; 5] = [
    "tencentcloud_cbs_disk_backup",
    "tencentcloud_cbs_snapshot_group",
    "tencentcloud_lighthouse_snapshot",
    "alicloud_ecd_snapshot",
    "alicloud_ens_snapshot",
];

/// The import blocks of a written file, as (address, ID), and its text without them.
fn split(text: &str) -> (Vec<(String, String)>, String) {
    let mut pairs = Vec::new();
    let mut rest = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line != "import {" {
            rest.push_str(line);
            rest.push('\n');
            continue;
        }
        let (mut to, mut id) = (String::new(), String::new());
        for inner in lines.by_ref() {
            if inner == "}" {
                break;
            }
            let (key, value) = inner.split_once('=').expect("key = value");
            match key.trim() {
                "to" => to = value.trim().to_owned(),
                "id" => id = value.trim().trim_matches('"').to_owned(),
                other => panic!("unexpected {other} in an import block"),
            }
        }
        pairs.push((to, id));
    }
    (pairs, rest)
}

/// Checks a written file as `fmt` and the parser would, and returns its import pairs and its
/// resource blocks.
fn read_written(path: &Path) -> (Vec<(String, String)>, String) {
    let text = std::fs::read_to_string(path).expect("the written file");
    assert_eq!(
        snapform_config::format::format_source(&text),
        text,
        "written formatted"
    );
    let mut sources = snapform_core::SourceMap::new();
    snapform_config::check_syntax(&mut sources, "discovered.hcl", &text)
        .expect("valid HCL, import blocks included");
    assert!(text.starts_with("# __generated__ by snapform import -discover"));
    split(&text)
}

fn discover(dir: &Path, args: &[&str]) -> crate::support::Run {
    let mut all = vec!["import", "-discover"];
    all.extend_from_slice(args);
    sf(dir, &all)
}

#[test]
fn a_fleet_is_discovered_imported_and_plans_with_no_changes() {
    let cloud = Cloud::start();
    let source = project(&cloud, FLEET);
    apply_ok(source.path());
    let made: BTreeSet<String> = cloud
        .resources()
        .iter()
        .map(|resource| resource["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(made.len(), 36);

    let target = project(&cloud, "");
    let outside = tempfile::tempdir().expect("temp dir");
    let mut resources = String::new();
    let mut pairs = Vec::new();
    for type_name in TYPES {
        // Written into the project: the next command reads the blocks.
        let out = target.path().join(format!("{type_name}.hcl"));
        let run = discover(
            target.path(),
            &[type_name, &format!("-out={}", out.display())],
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert!(run.stdout.contains("0 already managed"), "{}", run.stdout);
        let (found, blocks) = read_written(&out);
        pairs.extend(found);
        resources.push_str(&blocks);
    }
    let ids: BTreeSet<String> = pairs.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(ids, made, "every snapshot, once");
    let addresses: BTreeSet<&str> = pairs.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(addresses.len(), pairs.len(), "unique names");
    for expected in [
        "tencentcloud_cbs_disk_backup.nightly_n0",
        "tencentcloud_cbs_snapshot_group.app",
        "tencentcloud_lighthouse_snapshot.blog_2026_12_not_a_template",
        "alicloud_ecd_snapshot.desk_sys",
        "alicloud_ens_snapshot.bj_9",
    ] {
        assert!(addresses.contains(expected), "{expected}: {addresses:?}");
    }
    // Names that collide all get their IDs; a snapshot without a name is named by its ID.
    assert_eq!(
        addresses
            .iter()
            .filter(|to| to.starts_with("tencentcloud_cbs_disk_backup.weekly_db_"))
            .count(),
        2
    );
    assert_eq!(
        addresses
            .iter()
            .filter(|to| to.starts_with("alicloud_ens_snapshot.edge_"))
            .count(),
        2
    );
    assert!(
        addresses
            .iter()
            .any(|to| to.starts_with("tencentcloud_cbs_snapshot_group.csnap_")),
        "{addresses:?}"
    );
    assert!(
        resources.contains(r#"snapshot_name = "Blog 2026/12 $${not a template}""#),
        "{resources}"
    );
    assert!(
        resources.contains(r#"disk_ids = ["disk-qs100003", "disk-qs100004", "disk-qs100005"]"#),
        "a group's disks come from its member snapshots:\n{resources}"
    );

    let validate = sf(target.path(), &["validate"]);
    assert_eq!(validate.code, 0, "{}", validate.transcript());
    let apply = apply_ok(target.path());
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 36 imported, 0 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    assert_eq!(cloud.resources().len(), 36, "nothing made or deleted");
    no_changes(target.path());

    // A second run finds nothing new, and writes nothing.
    let again = outside.path().join("again.hcl");
    let run = discover(
        target.path(),
        &[
            "tencentcloud_cbs_disk_backup",
            &format!("-out={}", again.display()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("0 new, 15 already managed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Nothing to import"), "{}", run.stdout);
    assert!(!again.exists());
}

#[test]
fn filters_regions_aliases_and_refusals() {
    let cloud = Cloud::start();
    let source = project(
        &cloud,
        r#"
provider "tencentcloud" {
  alias    = "sh"
  region   = "ap-shanghai"
  endpoint = "ENDPOINT"
}

resource "tencentcloud_cbs_disk_backup" "gz" {
  for_each         = { a = "disk-qs100001", b = "disk-qs100001", c = "disk-qs100002" }
  disk_id          = each.value
  disk_backup_name = "nightly-${each.key}"
}

resource "tencentcloud_cbs_disk_backup" "weekly" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "weekly-a"
}

resource "tencentcloud_cbs_disk_backup" "sh" {
  provider         = tencentcloud.sh
  disk_id          = "disk-qs200001"
  disk_backup_name = "shanghai"
}
"#
        .replace("ENDPOINT", &cloud.endpoint)
        .as_str(),
    );
    apply_ok(source.path());
    let target = project(&cloud, "");
    let dir = target.path();

    // By parent and name glob.
    let run = discover(
        dir,
        &[
            "tencentcloud_cbs_disk_backup",
            "-filter",
            "parent=disk-qs100001",
            "-filter=name=nightly-*",
            "-out=filtered.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("Found 2: 2 new"), "{}", run.stdout);
    assert!(
        run.stdout.contains("does not end in .hcl"),
        "{}",
        run.stdout
    );
    let (pairs, _) = read_written(&dir.join("filtered.txt"));
    // In the cloud's order, which follows the IDs it chose: compared as a set.
    let names: BTreeSet<&str> = pairs.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "tencentcloud_cbs_disk_backup.nightly_a",
            "tencentcloud_cbs_disk_backup.nightly_b"
        ])
    );

    // The file is never overwritten.
    let before = std::fs::read_to_string(dir.join("filtered.txt")).expect("written");
    let run = discover(dir, &["tencentcloud_cbs_disk_backup", "-out=filtered.txt"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("filtered.txt already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("filtered.txt")).expect("kept"),
        before
    );

    // Another region needs a provider configuration there.
    let run = discover(
        dir,
        &[
            "tencentcloud_cbs_disk_backup",
            "-region=ap-shanghai",
            "-out=sh.hcl",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains(
            "no configuration of provider tencentcloud is in region ap-shanghai (tencentcloud is in ap-guangzhou)"
        ),
        "{}",
        run.stderr
    );
    assert!(!dir.join("sh.hcl").exists());
    std::fs::write(
        dir.join("providers.hcl"),
        format!(
            "{}\nprovider \"tencentcloud\" {{\n  alias    = \"sh\"\n  region   = \"ap-shanghai\"\n  endpoint = \"{}\"\n}}\n",
            providers_hcl(&cloud),
            cloud.endpoint
        ),
    )
    .expect("write");
    let outside = tempfile::tempdir().expect("temp dir");
    let out = outside.path().join("sh.hcl");
    let run = discover(
        dir,
        &[
            "tencentcloud_cbs_disk_backup",
            "-region=ap-shanghai",
            &format!("-out={}", out.display()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("region ap-shanghai (provider tencentcloud.sh)"),
        "{}",
        run.stdout
    );
    let (pairs, resources) = read_written(&out);
    assert!(
        resources.contains("provider         = tencentcloud.sh"),
        "{resources}"
    );
    rewrite(dir, &resources);
    for (to, id) in &pairs {
        let run = sf(dir, &["import", to, id]);
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    no_changes(dir);
    assert_eq!(
        state(dir)["resources"][0]["provider"],
        "tencentcloud.sh",
        "recorded with the aliased provider"
    );

    // Mistakes are named before any call.
    for (args, message) in [
        (
            vec![
                "tencentcloud_cbs_disk_backup",
                "-filter=parent=lhins-qs100001",
                "-out=x.hcl",
            ],
            "-filter \"parent=lhins-qs100001\": `disk_id` must",
        ),
        (
            vec![
                "tencentcloud_cbs_disk_backup",
                "-filter=size=5",
                "-out=x.hcl",
            ],
            "keys: parent, name, disk_id, disk_backup_name",
        ),
        (
            vec!["aws_ebs_snapshot", "-out=x.hcl"],
            "\"aws_ebs_snapshot\" is not a type snapform manages",
        ),
        (
            vec!["alicloud_ecd_snapshot"],
            "import -discover needs -out=FILE",
        ),
    ] {
        let run = discover(dir, &args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.transcript());
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    assert!(!dir.join("x.hcl").exists());
}

#[test]
fn snapshots_that_cannot_be_described_are_left_out_with_the_reason() {
    let cloud = Cloud::start();
    let source = project(
        &cloud,
        r#"
resource "tencentcloud_lighthouse_snapshot" "kept" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "kept"
}

resource "tencentcloud_lighthouse_snapshot" "orphan" {
  instance_id   = "lhins-qs100003"
  snapshot_name = "orphan"
}
"#,
    );
    apply_ok(source.path());
    // The instance of one snapshot is released.
    let mut inventory = cloud.get("inventory");
    let instances = inventory["tencentcloud"]["ap-guangzhou"]["lighthouse_instances"]
        .as_array_mut()
        .expect("instances");
    instances.retain(|instance| instance["id"] != "lhins-qs100003");
    cloud.put("inventory", inventory);
    let target = project(&cloud, "");
    let run = discover(
        target.path(),
        &["tencentcloud_lighthouse_snapshot", "-out=found.hcl"],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("Found 2: 1 new, 0 already managed, 1 left out."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"orphan\": its system disk lhdisk-qs100003 belongs to no instance of region ap-guangzhou"),
        "{}",
        run.stdout
    );
    let (pairs, _) = read_written(&target.path().join("found.hcl"));
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].0, "tencentcloud_lighthouse_snapshot.kept");
}

#[test]
fn two_hundred_snapshots_of_a_type_are_listed_in_two_calls() {
    let cloud = Cloud::with(snapform_emulator::EmulatorConfig {
        inventory: snapform_emulator::Inventory::generated(100),
        ready_after: std::time::Duration::from_millis(1),
        rate_limit: 0,
        ..snapform_emulator::EmulatorConfig::default()
    });
    let fleet = r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  count            = 200
  disk_id          = format("disk-g%07d", count.index % 100)
  disk_backup_name = "nightly-${count.index}"
}

resource "alicloud_ecd_snapshot" "desk" {
  count            = 200
  desktop_id       = format("ecd-g%014d", count.index % 100)
  snapshot_name    = "desk-${count.index}"
  source_disk_type = count.index < 100 ? "system" : "data"
}

resource "alicloud_ens_snapshot" "edge" {
  count         = 200
  ens_region_id = "cn-shenzhen-3"
  disk_id       = format("d-g%019d", count.index % 100)
  snapshot_name = "edge-${count.index}"
}
"#;
    let unlimited = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("providers.hcl")).expect("providers");
        std::fs::write(
            dir.join("providers.hcl"),
            text.replace("  region ", "  rate_limit = 1000\n  region "),
        )
        .expect("write");
    };
    let source = project(&cloud, fleet);
    unlimited(source.path());
    let run = sf(
        source.path(),
        &["apply", "-auto-approve", "-parallelism=50"],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let target = project(&cloud, "");
    unlimited(target.path());
    cloud.delete("stats");
    for type_name in [
        "tencentcloud_cbs_disk_backup",
        "alicloud_ecd_snapshot",
        "alicloud_ens_snapshot",
    ] {
        let out = target.path().join(format!("{type_name}.hcl"));
        let run = discover(
            target.path(),
            &[type_name, &format!("-out={}", out.display())],
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert!(run.stdout.contains("Found 200: 200 new"), "{}", run.stdout);
        let (pairs, _) = read_written(&out);
        assert_eq!(pairs.len(), 200);
    }
    let stats = cloud.get("stats");
    for action in [
        "cbs.DescribeDiskBackups",
        "ecd.DescribeSnapshots",
        "ens.DescribeSnapshots",
    ] {
        assert_eq!(stats["requests"][action], 2, "{action}: {stats}");
    }
    assert_eq!(stats["total_requests"], 6, "{stats}");
    let validate = sf(target.path(), &["validate"]);
    assert_eq!(validate.code, 0, "{}", validate.transcript());

    // The import blocks take all 600 with batched reads only, and converge.
    cloud.delete("stats");
    let apply = sf(target.path(), &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 600 imported, 0 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    let stats = cloud.get("stats");
    for (action, calls) in stats["requests"].as_object().expect("requests") {
        assert!(action.contains("Describe"), "only reads: {stats}");
        // 200 objects of a type in two Describe calls, as refresh reads them.
        assert_eq!(calls, 2, "{action}: {stats}");
    }
    no_changes(target.path());
}
