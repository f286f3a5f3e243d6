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
