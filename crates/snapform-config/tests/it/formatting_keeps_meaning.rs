//! `fmt` must never change what a configuration means: the loaded model of a file and of its
//! formatted version are the same, for every golden case, every example, and generated
//! configurations written with odd spacing, comments and the forms `fmt` rewrites.

use std::path::Path;

use proptest::prelude::*;
use snapform_config::format::format_source;
use snapform_config::{LoadOptions, SourceFile, load_sources};
use snapform_core::SourceMap;

/// The model of one file as JSON, or the diagnostic codes when it does not load.
fn model_of(text: &str) -> Result<serde_json::Value, Vec<String>> {
    let mut sources = SourceMap::new();
    let file = SourceFile {
        name: "main.hcl".to_owned(),
        text: text.to_owned(),
    };
    let loaded = load_sources(
        vec![file],
        Vec::new(),
        &LoadOptions::default(),
        &mut sources,
    );
    if loaded.diagnostics.iter().any(|d| d.is_error()) {
        return Err(loaded
            .diagnostics
            .iter()
            .map(|d| d.code.to_owned())
            .collect());
    }
    Ok(serde_json::to_value(&loaded.config).expect("the model serializes"))
}

fn assert_same_meaning(name: &str, text: &str) {
    let formatted = format_source(text);
    assert_eq!(
        model_of(text),
        model_of(&formatted),
        "formatting {name} changed its meaning; formatted text:\n{formatted}"
    );
    assert_eq!(
        format_source(&formatted),
        formatted,
        "formatting {name} twice changed it again"
    );
}

#[test]
fn golden_cases_and_examples_mean_the_same_after_fmt() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut n_files = 0;
    for dir in [
        "testdata/config/ok",
        "testdata/config/err",
        "examples/quickstart",
        "examples/nightly-fleet",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).expect("directory exists") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|ext| ext == "hcl") {
                let text = std::fs::read_to_string(&path).expect("readable");
                if hcl::edit::parser::parse_body(&text).is_ok() {
                    assert_same_meaning(&path.display().to_string(), &text);
                    n_files += 1;
                }
            }
        }
    }
    assert!(
        n_files > 100,
        "expected the golden cases to be found, saw {n_files}"
    );
}

/// Whitespace between tokens: the formatter's input is as messy as users write.
fn gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("   "), Just("\t")]
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}"
}

prop_compose! {
    fn config()(
        var_name in name(),
        legacy_type in any::<bool>(),
        default in "[a-z]{2,10}",
        // Not the name of one of the other locals: a duplicate is an error, not a test of fmt.
        local_name in name().prop_filter("another local's name", |name| {
            !["numbers", "map"].contains(&name.as_str())
        }),
        wrap_interpolation in any::<bool>(),
        numbers in prop::collection::vec(0u32..100, 0..4),
        keys in prop::collection::btree_set("lhins-qs10000[1-3]", 1..3),
        g1 in gap(), g2 in gap(), g3 in gap(), g4 in gap(),
        blank_lines in 0usize..3,
        comment in prop_oneof![Just(""), Just(" # why"), Just(" // why"), Just(" /* why */")],
    ) -> String {
        let ty = if legacy_type { "\"string\"" } else { "string" };
        let value = if wrap_interpolation {
            format!("\"${{var.{var_name}}}\"")
        } else {
            format!("var.{var_name}")
        };
        let numbers: Vec<String> = numbers.iter().map(u32::to_string).collect();
        let keys: Vec<String> = keys.iter().map(|key| format!("\"{key}\"")).collect();
        format!(
            "variable \"{var_name}\" {{\ntype{g1}={g2}{ty}\n  default = \"{default}\"{comment}\n}}\n{blank}locals {{\n{local_name}{g1}={g2}{value}\n  numbers{g3}= [{numbers}]\n    map = {{a=1,{g4}bb = \"x\"}}\n}}\n\nresource \"tencentcloud_lighthouse_snapshot\"{g3}\"snap\" {{\n  for_each{g4}= toset([{keys}])\ninstance_id = each.key{comment}\n  snapshot_name =  \"${{local.{local_name}}}-${{each.key}}\"\n}}\n",
            numbers = numbers.join(&format!(",{g3}")),
            keys = keys.join(", "),
            blank = "\n".repeat(blank_lines),
        )
    }
}

proptest! {
    #[test]
    fn generated_configurations_mean_the_same_after_fmt(text in config()) {
        let before = model_of(&text);
        prop_assert!(before.is_ok(), "the generator must produce valid configurations: {before:?}\n{text}");
        let formatted = format_source(&text);
        prop_assert_eq!(before, model_of(&formatted), "formatted:\n{}", formatted);
    }
}
