//! Golden conversions: every `testdata/tfstate/ok/*.tfstate.json` is converted and its report and
//! state snapshotted; every `testdata/tfstate/err/*.tfstate.json` is refused and its error
//! snapshotted. The regions stand for what the configuration's provider blocks say.

use std::collections::BTreeMap;
use std::path::Path;

use snapform_core::ProviderAddr;

use super::*;
use crate::statefile;

fn regions() -> BTreeMap<ProviderAddr, String> {
    [
        ("tencentcloud", "ap-guangzhou"),
        ("tencentcloud.sh", "ap-shanghai"),
        ("alicloud", "cn-hangzhou"),
        ("alicloud.edge", "cn-hangzhou"),
    ]
    .into_iter()
    .map(|(addr, region)| (addr.parse().expect("a provider address"), region.to_owned()))
    .collect()
}

fn convert(path: &Path) -> Result<Conversion, Error> {
    let text = std::fs::read_to_string(path).expect("a fixture");
    // Fixtures end in `.json` so no tool takes them for a real state; read as the state file
    // a user would name.
    let name = Path::new(path.file_stem().expect("a file name"));
    TerraformState::read(name, &text)?.convert(&regions())
}

#[test]
fn terraform_states_convert() {
    insta::glob!(
        "../../../../testdata",
        "tfstate/ok/*.tfstate.json",
        |path| {
            let conversion = convert(path).expect("converts");
            let report: Vec<String> = conversion.report.iter().map(ToString::to_string).collect();
            insta::assert_snapshot!(format!(
                "{}\n\n{}",
                report.join("\n"),
                statefile::encode(&conversion.state)
            ));
        }
    );
}

#[test]
fn terraform_states_that_cannot_convert_are_refused_with_every_reason() {
    insta::glob!(
        "../../../../testdata",
        "tfstate/err/*.tfstate.json",
        |path| {
            let error = convert(path).expect_err("refused");
            insta::assert_snapshot!(error.to_string());
        }
    );
}

#[test]
fn a_converted_state_is_a_valid_snapform_state() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/tfstate/ok/every_type.tfstate.json");
    let state = convert(&path).expect("converts").state;
    let again = statefile::decode(Path::new("snapform.tfstate"), &statefile::encode(&state))
        .expect("decodes");
    assert_eq!(again, state);
    assert_eq!(state.resources.len(), 7);
    assert_eq!(state.deposed.len(), 1);
}

#[test]
fn terraform_states_are_told_apart_from_snapform_ones() {
    let json = |text: &str| serde_json::from_str::<Json>(text).expect("JSON");
    assert!(is_terraform_state(&json(
        r#"{"version": 4, "terraform_version": "1.9.8", "serial": 1}"#
    )));
    assert!(is_terraform_state(&json(
        r#"{"version": 3, "lineage": "x", "modules": []}"#
    )));
    assert!(!is_terraform_state(&json(
        r#"{"format_version": 1, "serial": 1, "lineage": "x"}"#
    )));
    assert!(!is_terraform_state(&json(r#"{"version": "4"}"#)));
}

#[test]
fn instance_keys_follow_count_and_for_each() {
    let check = |key: Json, each: &str| instance_key(Some(&key), each);
    assert_eq!(check(Json::from(3), "list"), Ok(InstanceKey::Int(3)));
    assert_eq!(
        check(Json::from("web"), "map"),
        Ok(InstanceKey::Str("web".to_owned()))
    );
    assert_eq!(instance_key(None, ""), Ok(InstanceKey::None));
    assert!(check(Json::from(-1), "list").is_err());
    assert!(check(Json::from(1.5), "list").is_err());
    assert!(check(Json::from(1), "map").is_err());
}
