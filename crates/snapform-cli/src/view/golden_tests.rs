//! Golden plans: every `testdata/plan/<scenario>/` holds a configuration (`main.hcl`), the
//! recorded state (`prior.json`, optional), what refresh read from the clouds (`cloud.json`,
//! optional: without it the plan does not refresh) and plan options (`options.json`,
//! optional). The snapshots are the human plan, Terraform's JSON plan and the pull-request
//! markdown. Adding a scenario means adding a directory.

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
    assert!(
        loaded.diagnostics.is_empty(),
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
        for (addr, found) in json["adoptions"].as_object().into_iter().flatten() {
            res.adoptions
                .insert(addr.parse().expect("address"), resource_state(found));
        }
        res
    });
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
        prior_state: &state,
        state_exists,
        refresh: refresh.as_ref(),
        mode,
        targets: &targets,
        replace: &replace,
        regions: &regions,
        conflict_keys: &crate::providers::conflict_keys,
        config_hash: "0".repeat(64),
        now: "2026-12-05T02:00:00Z".parse().expect("a fixed time"),
    };
    let (plan, diagnostics) = snapform_planner::plan(&inputs);
    // Planning twice gives the same plan.
    let (again, _) = snapform_planner::plan(&inputs);
    assert_eq!(plan, again, "{}: planning is deterministic", dir.display());
    let mut human =
        console::strip_ansi_codes(&view::diagnostics::render_human(&diagnostics, &sources))
            .into_owned();
    human.push_str(&console::strip_ansi_codes(&view::plan::render(&plan)));
    let json = view::plan_json::render(&plan);
    let markdown = view::markdown::render(
        &plan,
        &console::strip_ansi_codes(&view::plan::render(&plan)),
    );
    let machine: String = view::machine::plan_lines(&plan)
        .expect("plan lines")
        .iter()
        .map(|line| format!("{line}\n"))
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
