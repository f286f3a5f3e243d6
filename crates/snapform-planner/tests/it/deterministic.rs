//! For generated configurations and states: each instance gets the action its configuration
//! and record call for, creates on one disk are chained, and the plan is deterministic and
//! survives the plan file.

use std::collections::BTreeMap;

use proptest::prelude::*;
use snapform_config::{LoadOptions, SourceFile, load_sources};
use snapform_core::{ProviderAddr, SourceMap, Value};
use snapform_planner::{Action, ActionReason, EdgeKind, PlanInputs, PlanMode, plan};
use snapform_state::{RecordStatus, ResourceRecord, State};

prop_compose! {
    fn workload()(
        n_backups in 0usize..8,
        disks in prop::collection::vec(1u32..4, 8),
        names in prop::collection::vec("[a-z]{1,6}", 8),
        recorded in prop::collection::vec(any::<bool>(), 8),
        renamed in prop::collection::vec(any::<bool>(), 8),
        tainted in prop::collection::vec(any::<bool>(), 8),
        orphans in 0usize..3,
    ) -> (String, State, BTreeMap<String, Expected>) {
        let mut hcl = String::new();
        let mut state = State::new();
        let mut expected = BTreeMap::new();
        for idx in 0..n_backups {
            let disk = format!("disk-qs10000{}", disks[idx]);
            hcl.push_str(&format!(
                "resource \"tencentcloud_cbs_disk_backup\" \"b{idx}\" {{\n  disk_id          = \"{disk}\"\n  disk_backup_name = \"{}\"\n}}\n\n",
                names[idx]
            ));
            let addr = format!("tencentcloud_cbs_disk_backup.b{idx}");
            let replace_paths = if renamed[idx] { vec!["disk_backup_name".to_owned()] } else { Vec::new() };
            // A snapshot is replaced by creating the new one first (DESIGN §6).
            expected.insert(addr.clone(), match (recorded[idx], tainted[idx], renamed[idx]) {
                (false, _, _) => (Action::Create, None, Vec::new()),
                (true, true, _) => (Action::CreateThenDelete, Some(ActionReason::ReplaceBecauseTainted), Vec::new()),
                (true, false, true) => (Action::CreateThenDelete, Some(ActionReason::ReplaceBecauseCannotUpdate), replace_paths),
                (true, false, false) => (Action::NoOp, None, Vec::new()),
            });
            if recorded[idx] {
                let mut attributes = BTreeMap::new();
                attributes.insert("disk_id".to_owned(), Value::string(disk.clone()));
                let name = if renamed[idx] { format!("{}-old", names[idx]) } else { names[idx].clone() };
                attributes.insert("disk_backup_name".to_owned(), Value::string(name));
                state.upsert(ResourceRecord {
                    addr: format!("tencentcloud_cbs_disk_backup.b{idx}").parse().expect("address"),
                    provider: ProviderAddr::default_for("tencentcloud"),
                    region: "ap-guangzhou".to_owned(),
                    id: format!("dbp-{idx:08}"),
                    attributes,
                    dependencies: Vec::new(),
                    status: if tainted[idx] { RecordStatus::Tainted } else { RecordStatus::Ready },
                    sensitive_attributes: Default::default(),
                });
            }
        }
        for idx in 0..orphans {
            expected.insert(
                format!("tencentcloud_cbs_disk_backup.orphan{idx}"),
                (Action::Delete, Some(ActionReason::DeleteBecauseNoResourceConfig), Vec::new()),
            );
            let mut attributes = BTreeMap::new();
            attributes.insert("disk_id".to_owned(), Value::string("disk-qs100001"));
            state.upsert(ResourceRecord {
                addr: format!("tencentcloud_cbs_disk_backup.orphan{idx}").parse().expect("address"),
                provider: ProviderAddr::default_for("tencentcloud"),
                region: "ap-guangzhou".to_owned(),
                id: format!("dbp-orphan{idx:02}"),
                attributes,
                dependencies: Vec::new(),
                status: RecordStatus::Ready,
                sensitive_attributes: Default::default(),
            });
        }
        (hcl, state, expected)
    }
}

/// The action, reason and replace paths an instance must get.
type Expected = (Action, Option<ActionReason>, Vec<String>);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn each_instance_gets_its_action_and_the_plan_is_stable((hcl, state, expected) in workload()) {
        let mut sources = SourceMap::new();
        let loaded = load_sources(vec![SourceFile { name: "main.hcl".to_owned(), text: hcl }], Vec::new(), &LoadOptions::default(), &mut sources);
        prop_assert!(
            !snapform_core::diagnostic::has_errors(&loaded.diagnostics),
            "{:?}",
            loaded.diagnostics
        );
        let regions = BTreeMap::new();
        let inputs = PlanInputs {
            config: &loaded.config,
            prior_state: std::borrow::Cow::Borrowed(&state),
            state_exists: true,
            refresh: None,
            imports: &Default::default(),
            mode: PlanMode::Normal,
            targets: &[],
            replace: &[],
            regions: &regions,
            config_hash: String::new(),
            now: jiff::Timestamp::UNIX_EPOCH,
        };
        let (first, first_diagnostics) = plan(inputs.clone());
        let actual: BTreeMap<String, Expected> = first
            .changes
            .iter()
            .map(|change| {
                (change.addr.to_string(), (change.action, change.reason, change.replace_paths.clone()))
            })
            .collect();
        prop_assert_eq!(&actual, &expected);
        // Each change with a record starts from the record's object, and a delete reads it
        // from the prior state instead of keeping a copy.
        for change in &first.changes {
            if let Some(record) = first.record_of(change) {
                let mut object = record.attributes.clone();
                object.insert("id".to_owned(), Value::string(&record.id));
                let before = first.object_before(change);
                prop_assert_eq!(before.as_deref(), Some(&object), "{}", change.addr);
            }
            if change.action == Action::Delete {
                prop_assert!(change.before.is_none() && change.before_recorded, "{}", change.addr);
            }
            // An instance left as recorded keeps no copy either, and reads the same after.
            if change.action == Action::NoOp && !change.is_active() {
                prop_assert!(change.before.is_none() && change.after.is_none(), "{}", change.addr);
                prop_assert_eq!(first.object_after(change), first.object_before(change), "{}", change.addr);
            }
        }
        // Creates on one disk run one after another: all but one wait for another of them.
        let mut creates_by_disk: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (idx, change) in first.changes.iter().enumerate() {
            if change.action.creates() {
                let disk = change.after.as_ref().and_then(|after| after.get("disk_id")).and_then(Value::as_str).expect("a disk");
                creates_by_disk.entry(disk.to_owned()).or_default().push(idx);
            }
        }
        for (disk, group) in &creates_by_disk {
            let waiting = group
                .iter()
                .filter(|idx| {
                    first.changes[**idx]
                        .waits_for
                        .iter()
                        .any(|(target, kind)| *kind == EdgeKind::Conflict && group.contains(target))
                })
                .count();
            prop_assert_eq!(waiting, group.len() - 1, "creates on {}", disk);
        }
        let (second, second_diagnostics) = plan(inputs);
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(first_diagnostics, second_diagnostics);
        // And the plan file round-trips.
        let text = serde_json::to_string(&first).expect("serializes");
        let back: snapform_planner::Plan = serde_json::from_str(&text).expect("deserializes");
        prop_assert_eq!(back, first);
    }
}
