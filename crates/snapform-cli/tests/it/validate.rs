//! `snapform validate` on every invalid configuration under `testdata/config/err/`: the
//! snapshot is exactly what a user sees. Adding a case means adding a file.

use crate::support::{example, example_names, project_from_case, snapform};

#[test]
fn invalid_configurations_are_reported_with_file_line_and_column() {
    insta::glob!("../../../../testdata", "config/err/*", |path| {
        let project = project_from_case(path);
        let run = snapform(project.path(), &["validate"], "");
        assert_eq!(run.code, 1, "{} must fail validation", path.display());
        insta::assert_snapshot!(run.transcript());
    });
}

#[test]
fn json_diagnostics_carry_code_file_and_range() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("main.hcl"),
        "resource \"tencentcloud_lighthouse_snapshot\" \"a\" {\n  instance_id = \"ins-1\"\n}\n",
    )
    .expect("write");
    let run = snapform(project.path(), &["validate", "-json"], "");
    assert_eq!(run.code, 1);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    insta::assert_json_snapshot!(document);
}

#[test]
fn examples_are_valid_and_formatted() {
    for name in example_names() {
        let copy = example(&name);
        let run = snapform(copy.path(), &["validate"], "");
        assert_eq!(run.code, 0, "examples/{name}: {}", run.transcript());
        assert!(run.stdout.contains("Success!"), "{}", run.stdout);
        let fmt = snapform(copy.path(), &["fmt", "-check", "-recursive"], "");
        assert_eq!(
            fmt.code,
            0,
            "examples/{name} must be formatted: {}",
            fmt.transcript()
        );
    }
}

#[test]
fn lookups_that_could_be_ambiguous_are_warned_about() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("main.hcl"),
        r#"# No name: after a lost answer only the time tells this backup from another.
resource "tencentcloud_cbs_disk_backup" "unnamed" {
  disk_id = "disk-qs100001"
}

# Two instances, one disk, one name.
resource "alicloud_ens_snapshot" "twins" {
  count         = 2
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "nightly"
}

# Two groups of the same disks with the same name, in two resources.
resource "tencentcloud_cbs_snapshot_group" "a" {
  disk_ids            = ["disk-qs100001", "disk-qs100002"]
  snapshot_group_name = "app"
}

resource "tencentcloud_cbs_snapshot_group" "b" {
  disk_ids            = ["disk-qs100002", "disk-qs100001"]
  snapshot_group_name = "app"
}

# Lighthouse snapshots are tagged with their intent: names need not differ.
resource "tencentcloud_lighthouse_snapshot" "same" {
  count         = 2
  instance_id   = "lhins-qs100001"
  snapshot_name = "same"
}

# Distinct names: no warning.
resource "tencentcloud_cbs_disk_backup" "named" {
  for_each         = toset(["a", "b"])
  disk_id          = "disk-qs100003"
  disk_backup_name = "nightly-${each.key}"
}
"#,
    )
    .expect("write main.hcl");
    let run = snapform(project.path(), &["validate"], "");
    assert_eq!(run.code, 0, "warnings do not fail validate");
    insta::assert_snapshot!(run.transcript());
}
