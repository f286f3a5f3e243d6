//! `snapform graph` draws the plan without calling the clouds, so it needs no credentials.

use crate::support::{example, snapform_with_env};

#[test]
fn graph_draws_the_quickstart_without_credentials() {
    let quickstart = example("quickstart");
    let home = tempfile::tempdir().expect("temp dir");
    let env = [("HOME", home.path().display().to_string())];
    let run = snapform_with_env(quickstart.path(), &["graph"], "", &env);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.starts_with("digraph {\n"), "{}", run.stdout);
    // The `depends_on` edge, then the conflict edge between two creates on the same disk.
    assert!(
        run.stdout.contains(
            r#""[root] alicloud_ens_snapshot.edge" -> "[root] tencentcloud_cbs_snapshot_group.app""#
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("same disk/instance"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn graph_still_needs_a_region() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("main.hcl"),
        "resource \"tencentcloud_lighthouse_snapshot\" \"a\" {\n  instance_id = \"lhins-qs100001\"\n}\n",
    )
    .expect("write main.hcl");
    let env = [("HOME", project.path().display().to_string())];
    let run = snapform_with_env(project.path(), &["graph"], "", &env);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("provider tencentcloud has no region"),
        "{}",
        run.stderr
    );
}
