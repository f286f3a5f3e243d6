//! Every `testdata/config/ok/<case>.hcl` (or `<case>/` directory) must load without errors;
//! the snapshot is the loaded model. Adding a case means adding a file.

use std::path::Path;

use snapform_config::{LoadOptions, load_dir};
use snapform_core::SourceMap;

fn load_case(path: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("case dir") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
    } else {
        std::fs::copy(path, dir.path().join("main.hcl")).expect("copy");
    }
    let mut sources = SourceMap::new();
    let loaded = load_dir(dir.path(), &LoadOptions::default(), &mut sources);
    // Warnings are checked through `validate`; the model needs no errors.
    let messages: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == snapform_core::Severity::Error)
        .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
        .collect();
    assert!(
        messages.is_empty(),
        "{} should load cleanly:\n{}",
        path.display(),
        messages.join("\n")
    );
    // File names carry the temporary directory; show them relative to the case.
    let json = serde_json::to_string(&loaded.config).expect("the model serializes");
    let prefix = format!("{}/", dir.path().display());
    serde_json::from_str(&json.replace(&prefix, "")).expect("still JSON")
}

#[test]
fn valid_configurations_load_into_the_expected_model() {
    insta::glob!("../../../../testdata", "config/ok/*", |path| {
        insta::assert_yaml_snapshot!(load_case(path));
    });
}
