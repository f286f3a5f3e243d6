//! The configuration a chaos run works with, which changes from step to step; the runs
//! themselves are `snapform_bench::runs`.

use std::fmt::Write as _;

use snapform_bench::runs::Project;
use snapform_bench::workload::{ENS_REGION, Kind, Spec, Workload};

use crate::random::mix;

/// Writes the configuration of `step` into `project`.
pub fn configure(
    project: &Project,
    workload: &Workload,
    seed: u64,
    step: u64,
) -> anyhow::Result<()> {
    project.write("main.hcl", &config_text(workload, seed, step))
}

/// The name of the sensitive variable that the descriptions carry.
pub const SENSITIVE_VARIABLE: &str = "backup_note";

/// Whether the configuration of `step` holds `spec`: all of them at step 1, then about one in
/// eight is left out at each step, so every apply has creates and deletes to do.
pub fn present(seed: u64, step: u64, spec: &Spec) -> bool {
    step <= 1 || !mix(&[seed, step, kind_idx(spec.kind), spec.idx as u64, 1]).is_multiple_of(8)
}

/// The name of `spec` at `step`: from step 2 on, about one in twelve gets a new version, an
/// update in place for Lighthouse and ENS snapshots and a replacement for the other kinds.
pub fn name(seed: u64, step: u64, spec: &Spec) -> String {
    let version = (2..=step)
        .filter(|s| mix(&[seed, *s, kind_idx(spec.kind), spec.idx as u64, 2]).is_multiple_of(12))
        .count();
    if version == 0 {
        format!("nightly-i{}", spec.idx)
    } else {
        format!("nightly-i{}-v{version}", spec.idx)
    }
}

fn kind_idx(kind: Kind) -> u64 {
    Kind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is listed") as u64
}

/// The configuration of `step`: a sensitive variable, then per kind a third of the instances
/// as plain blocks and the rest as one `for_each` resource over a local map, as fleets are
/// written. ECD and ENS descriptions carry the sensitive variable.
pub fn config_text(workload: &Workload, seed: u64, step: u64) -> String {
    let mut text = String::with_capacity(workload.len() * 200);
    let _ = writeln!(
        text,
        "variable \"{SENSITIVE_VARIABLE}\" {{\n  type      = string\n  sensitive = true\n}}\n"
    );
    for kind in Kind::ALL {
        let specs: Vec<&Spec> = workload
            .specs
            .iter()
            .filter(|spec| spec.kind == kind && present(seed, step, spec))
            .collect();
        for spec in specs.iter().filter(|spec| spec.plain) {
            let parent = match kind {
                Kind::CbsSnapshotGroup => {
                    format!("[\"{}\", \"{}\"]", spec.parents[0], spec.parents[1])
                }
                _ => format!("\"{}\"", spec.parents[0]),
            };
            let _ = writeln!(
                text,
                "resource \"{}\" \"i{}\" {{\n{}}}\n",
                kind.type_name(),
                spec.idx,
                body(kind, &parent, &format!("\"{}\"", name(seed, step, spec)))
            );
        }
        let fleet: Vec<&&Spec> = specs.iter().filter(|spec| !spec.plain).collect();
        if fleet.is_empty() {
            continue;
        }
        let local = format!("{}_fleet", kind.emulator_type());
        let _ = writeln!(text, "locals {{\n  {local} = {{");
        for spec in &fleet {
            let parent = match kind {
                Kind::CbsSnapshotGroup => {
                    format!("[\"{}\", \"{}\"]", spec.parents[0], spec.parents[1])
                }
                _ => format!("\"{}\"", spec.parents[0]),
            };
            let _ = writeln!(
                text,
                "    i{} = {{ parent = {parent}, name = \"{}\" }}",
                spec.idx,
                name(seed, step, spec)
            );
        }
        let _ = writeln!(
            text,
            "  }}\n}}\n\nresource \"{}\" \"fleet\" {{\n  for_each = local.{local}\n{}}}\n",
            kind.type_name(),
            body(kind, "each.value.parent", "each.value.name")
        );
    }
    text
}

/// A resource block's arguments, given the parent and name expressions.
fn body(kind: Kind, parent: &str, name: &str) -> String {
    let mut res = String::new();
    if kind == Kind::EnsSnapshot {
        let _ = writeln!(res, "  ens_region_id = \"{ENS_REGION}\"");
    }
    let _ = writeln!(res, "  {} = {parent}", kind.parent_argument());
    let _ = writeln!(res, "  {} = {name}", kind.name_argument());
    if kind == Kind::EcdSnapshot {
        let _ = writeln!(res, "  source_disk_type = \"system\"");
    }
    if kind.has_description() {
        let _ = writeln!(
            res,
            "  description = \"note ${{var.{SENSITIVE_VARIABLE}}}\""
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_configuration_loads_without_diagnostics() {
        let workload = Workload::new(23);
        for step in [1, 2, 7] {
            let mut sources = snapform_core::SourceMap::new();
            let loaded = snapform_config::load_sources(
                vec![snapform_config::SourceFile {
                    name: "main.hcl".to_owned(),
                    text: config_text(&workload, 3, step),
                }],
                Vec::new(),
                &snapform_config::LoadOptions {
                    env_vars: vec![(SENSITIVE_VARIABLE.to_owned(), "secret".to_owned())],
                    ..snapform_config::LoadOptions::default()
                },
                &mut sources,
            );
            assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
            let n_instances = loaded.config.instance_count();
            let expected = workload
                .specs
                .iter()
                .filter(|spec| present(3, step, spec))
                .count();
            assert_eq!(n_instances, expected, "step {step}");
        }
    }
}
