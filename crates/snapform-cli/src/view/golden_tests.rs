//! Golden plans: every `testdata/plan/<scenario>/` holds a configuration (`main.hcl`), the
//! recorded state (`prior.json`, optional), what refresh read from the clouds (`cloud.json`,
//! optional: without it the plan does not refresh) and plan options (`options.json`,
//! optional). The snapshots are the human plan, Terraform's JSON plan and the pull-request
//! markdown. Adding a scenario means adding a directory.

use snapform_planner::adoption::Adoption;
use std::collections::BTreeMap;
use std::path::Path;

use snapform_config::{LoadOptions, SourceFile, load_sources};
use snapform_core::{ProviderAddr, ResourceInstanceAddr, SourceMap, Value};
use snapform_planner::{PlanInputs, PlanMode, RefreshResult};
use snapform_provider::{Readiness, ResourceState};
use snapform_state::State;

use crate::view;

fn resource_state(json: &serde_json::Value) -> Option<ResourceState> {
    if json.is_null() {
        return None;
    }
    let readiness = match json["readiness"].as_str().unwrap_or("ready") {
        "creating" => Readiness::Creating { percent: Some(40) },
        "failed" => Readiness::Failed {
            reason: "FAILED".to_owned(),
        },
        _ => Readiness::Ready,
    };
    let attributes: BTreeMap<String, Value> = json["attributes"]
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect()
        })
        .unwrap_or_default();
    Some(ResourceState {
        id: json["id"]
            .as_str()
            .expect("cloud.json resources have an id")
            .to_owned(),
        attributes,
        readiness,
    })
}

fn addrs(json: &serde_json::Value, key: &str) -> Vec<ResourceInstanceAddr> {
    json[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .expect("address")
                        .parse()
                        .expect("valid address")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn plan_scenario(dir: &Path) -> Views {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let mut sources = SourceMap::new();
    let loaded = load_sources(
        vec![SourceFile {
            name: "main.hcl".to_owned(),
            text: read("main.hcl").expect("every scenario has a main.hcl"),
        }],
        Vec::new(),
        &LoadOptions::default(),
        &mut sources,
    );
    // Warnings (an unnamed snapshot, say) are validate's business; scenarios load cleanly.
    assert!(
        !snapform_core::diagnostic::has_errors(&loaded.diagnostics),
        "{}: {:?}",
        dir.display(),
        loaded.diagnostics
    );
    let (state, state_exists) = match read("prior.json") {
        Some(text) => (
            snapform_state::statefile::decode(Path::new("prior.json"), &text)
                .expect("valid prior.json"),
            true,
        ),
        None => (State::new(), false),
    };
    let refresh = read("cloud.json").map(|text| {
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid cloud.json");
        let mut res = RefreshResult::default();
        for (addr, found) in json["read"].as_object().into_iter().flatten() {
            res.read
                .insert(addr.parse().expect("address"), resource_state(found));
        }
        // An object adopts it, null finds nothing, a list of objects is ambiguous.
        for (addr, found) in json["adoptions"].as_object().into_iter().flatten() {
            let adoption = match found.as_array() {
                Some(candidates) => {
                    Adoption::Ambiguous(candidates.iter().filter_map(resource_state).collect())
                }
                None => resource_state(found).map_or(Adoption::Nothing, Adoption::Found),
            };
            res.adoptions
                .insert(addr.parse().expect("address"), adoption);
        }
        res
    });
    // What the import blocks' IDs read: an object, or null for an ID the cloud does not have.
    let mut imports = snapform_planner::ImportReads::new();
    if let Some(text) = read("cloud.json") {
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid cloud.json");
        for (addr, found) in json["imports"].as_object().into_iter().flatten() {
            imports.insert(addr.parse().expect("address"), resource_state(found));
        }
    }
    let options: serde_json::Value = read("options.json").map_or(serde_json::json!({}), |text| {
        serde_json::from_str(&text).expect("valid options.json")
    });
    let mode = match options["mode"].as_str() {
        Some("destroy") => PlanMode::Destroy,
        Some("refresh-only") => PlanMode::RefreshOnly,
        _ => PlanMode::Normal,
    };
    let mut regions = BTreeMap::new();
    for provider in &loaded.config.providers {
        let default = if provider.addr.name == "alicloud" {
            "cn-hangzhou"
        } else {
            "ap-guangzhou"
        };
        regions.insert(
            provider.addr.clone(),
            provider
                .region
                .clone()
                .unwrap_or_else(|| default.to_owned()),
        );
    }
    regions
        .entry(ProviderAddr::default_for("tencentcloud"))
        .or_insert_with(|| "ap-guangzhou".to_owned());
    let targets = addrs(&options, "targets");
    let replace = addrs(&options, "replace");
    let inputs = PlanInputs {
        config: &loaded.config,
        prior_state: std::borrow::Cow::Borrowed(&state),
        state_exists,
        refresh,
        imports: &imports,
        mode,
        targets: &targets,
        replace: &replace,
        regions: &regions,
        config_hash: "0".repeat(64),
        now: options["now"]
            .as_str()
            .unwrap_or("2026-12-05T02:00:00Z")
            .parse()
            .expect("a fixed time"),
    };
    let (mut plan, diagnostics) = snapform_planner::plan(inputs.clone());
    // Planning twice gives the same plan.
    let (again, _) = snapform_planner::plan(inputs);
    assert_eq!(plan, again, "{}: planning is deterministic", dir.display());
    // As `plan -out` keeps it for `show -json`.
    plan.configuration = loaded.config.summary();
    let mut human =
        console::strip_ansi_codes(&view::diagnostics::render_human(&diagnostics, &sources))
            .into_owned();
    human.push_str(&console::strip_ansi_codes(&view::plan::render(&plan)));
    // Written in parts as it is made (`plan`, `apply`, `show`), the view is the same.
    let mut parts = Vec::new();
    view::plan::write_in_parts(&plan, &mut parts, 1).expect("writes to memory");
    assert_eq!(
        String::from_utf8(parts).expect("UTF-8"),
        view::plan::render(&plan),
        "{}: the plan written in parts is the plan rendered whole",
        dir.display()
    );
    let json = view::plan_json::render(&plan);
    // Written as it is made (`show -json`), the document is the same, byte for byte.
    let streamed = serde_json::to_string(&view::plan_json::document(&plan)).expect("serializes");
    assert_eq!(
        streamed,
        serde_json::to_string(&json).expect("serializes"),
        "{}: show -json writes the document render makes",
        dir.display()
    );
    let markdown = view::markdown::render(
        &plan,
        &console::strip_ansi_codes(&view::plan::render(&plan)),
    );
    let machine: String = view::machine::plan_lines(&plan)
        .into_iter()
        .map(|mut line| {
            // The one field that changes from run to run.
            line["@timestamp"] = serde_json::json!("TIMESTAMP");
            format!("{line}\n")
        })
        .collect();
    let graph = view::graph::render(&plan, view::graph::GraphType::Plan);
    Views {
        human,
        json,
        markdown,
        machine,
        graph,
    }
}

/// Every form a plan is shown in.
struct Views {
    human: String,
    json: serde_json::Value,
    markdown: String,
    /// `plan -json`.
    machine: String,
    /// `graph`.
    graph: String,
}

#[test]
fn golden_plans() {
    insta::glob!("../../../../testdata", "plan/*", |dir| {
        let views = plan_scenario(dir);
        insta::assert_snapshot!("human", views.human);
        insta::assert_json_snapshot!("json", views.json);
        insta::assert_snapshot!("markdown", views.markdown);
        insta::assert_snapshot!("machine", views.machine);
        insta::assert_snapshot!("graph", views.graph);
    });
}

/// What every policy of `testdata/policies` denies and warns about one plan.
fn policy_findings(json: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/policies");
    let mut engine = regorus::Engine::new();
    let mut packages = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/policies")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rego"))
        .collect();
    files.sort();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("policy");
        let package = text
            .lines()
            .find_map(|line| line.strip_prefix("package "))
            .expect("a package line")
            .trim()
            .to_owned();
        let rules: Vec<&'static str> = ["deny", "warn"]
            .into_iter()
            .filter(|rule| text.contains(&format!("\n{rule} contains ")))
            .collect();
        engine
            .add_policy(path.display().to_string(), text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        packages.push((package, rules));
    }
    engine
        .set_input_json(&json.to_string())
        .expect("the JSON plan is valid input");
    let mut findings = BTreeMap::new();
    for (package, rules) in packages {
        for rule in rules {
            let query = format!("data.{package}.{rule}");
            let value = engine
                .eval_rule(query.clone())
                .unwrap_or_else(|error| panic!("{query}: {error}"));
            let mut messages: Vec<String> = match value {
                regorus::Value::Set(set) => set
                    .iter()
                    .map(|item| item.as_string().map(|s| s.to_string()).unwrap_or_default())
                    .collect(),
                regorus::Value::Undefined => Vec::new(),
                other => panic!("{query} is not a set: {other:?}"),
            };
            messages.sort();
            if !messages.is_empty() {
                findings.insert(query, messages);
            }
        }
    }
    findings
}

#[test]
fn policies_written_for_terraform_plans_read_ours() {
    insta::glob!("../../../../testdata", "plan/*", |dir| {
        let views = plan_scenario(dir);
        insta::assert_yaml_snapshot!("policies", policy_findings(&views.json));
    });
}
