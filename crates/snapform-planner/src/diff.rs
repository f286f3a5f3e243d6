//! The plan itself: walks the configuration's resources in dependency order, evaluates each
//! with what is known of the resources it reads, and decides every instance's action.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use snapform_config::{Config, Expansion, Resource, ResourceInstance};
use snapform_core::schema::Mutability;
use snapform_core::{
    Diagnostic, InstanceKey, ProviderAddr, ResourceAddr, ResourceInstanceAddr, ResourceSchema,
    Value,
};
use snapform_state::{RecordStatus, ResourceRecord, State};

use crate::graph;
use crate::model::{
    Action, ActionReason, PLAN_FORMAT_VERSION, Plan, PlanMode, ResourceChange, Timeouts,
};
use crate::refactor::{self, ImportReads};
use crate::refresh::{RefreshResult, Refreshed, refreshed_state};
use crate::values::{ChangeValues, PlannedValues, normalize};

/// Everything a plan is made from.
#[derive(Clone)]
pub struct PlanInputs<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The state as recorded, before refresh. Given to the planner (`Cow::Owned`), it
    /// becomes the plan's refreshed state without being copied; lent, it is copied.
    pub prior_state: std::borrow::Cow<'a, State>,
    /// Whether a state existed (a plan on no state records no lineage).
    pub state_exists: bool,
    /// What refresh read; `None` with `-refresh=false`. Taken, not borrowed: what it read
    /// moves into the refreshed state instead of being copied, which at a fleet's size is the
    /// largest thing a plan holds.
    pub refresh: Option<RefreshResult>,
    /// What the import blocks' IDs read in the clouds (read also with `-refresh=false`).
    pub imports: &'a ImportReads,
    /// Normal, destroy or refresh-only.
    pub mode: PlanMode,
    /// `-target` addresses; empty for everything.
    pub targets: &'a [ResourceInstanceAddr],
    /// `-replace` addresses.
    pub replace: &'a [ResourceInstanceAddr],
    /// The region of each provider configuration.
    pub regions: &'a BTreeMap<ProviderAddr, String>,
    /// A hash of the configuration and variables.
    pub config_hash: String,
    /// The plan's clock, read once by the CLI; the planner reads no clock.
    pub now: jiff::Timestamp,
}

/// Makes a plan. Problems that make it unusable (`prevent_destroy`, configuration errors met
/// while evaluating) come back as diagnostics.
pub fn plan(mut inputs: PlanInputs<'_>) -> (Plan, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let prior_lineage = inputs.prior_state.lineage.clone();
    let prior_serial = inputs.prior_state.serial;
    let prior = std::mem::take(&mut inputs.prior_state).into_owned();
    let refreshed = match inputs.refresh.take() {
        Some(refresh) => refreshed_state(prior, refresh),
        None => Refreshed {
            state: prior,
            ..Refreshed::default()
        },
    };
    let Refreshed {
        mut state,
        drift,
        adopted,
        blocked,
    } = refreshed;
    // Imports join the refreshed state, which apply records first; moves change only what
    // the diff sees, and each change says where its object was recorded.
    let (imported, moved) = match inputs.mode {
        PlanMode::Normal => {
            let imported = refactor::apply_imports(
                inputs.config,
                &mut state,
                inputs.imports,
                inputs.regions,
                &mut diagnostics,
            );
            let moved = refactor::apply_moves(inputs.config, &state, &mut diagnostics);
            (imported, moved)
        }
        _ => (BTreeMap::new(), None),
    };
    let diff_state = moved.as_ref().map_or(&state, |moved| &moved.state);
    let adopted: BTreeSet<ResourceInstanceAddr> = adopted.into_iter().collect();
    for record in state.resources.iter().chain(&state.deposed) {
        if record.schema().is_none() {
            diagnostics.push(
                Diagnostic::global_error(
                    "unknown-resource-type",
                    format!(
                        "the state records {} of type {}, which this build of snapform does not manage",
                        record.addr, record.addr.resource.type_name
                    ),
                )
                .with_help("use the snapform version that wrote the state, or `snapform state rm` it"),
            );
        }
    }
    let mut planner = Planner {
        inputs: &inputs,
        state: diff_state,
        adopted: &adopted,
        values: PlannedValues::default(),
        read_by_resources: inputs
            .config
            .resources
            .iter()
            .flat_map(|resource| resource.depends_on.iter().cloned())
            .collect(),
        // A change per record at least, as a fleet's plan mostly has: made to size, the
        // changes never double past what they need.
        changes: Vec::with_capacity(state.resources.len() + state.deposed.len()),
    };
    match inputs.mode {
        PlanMode::RefreshOnly => {
            for record in &state.resources {
                planner.push_unchanged(record);
            }
        }
        PlanMode::Destroy => {
            for record in &state.resources {
                planner.push_removal(record, None);
            }
        }
        PlanMode::Normal => planner.plan_config(&mut diagnostics),
    }
    if inputs.mode != PlanMode::RefreshOnly {
        for record in &state.deposed {
            planner.push_delete(record, None);
            if let Some(change) = planner.changes.last_mut() {
                change.deposed = true;
            }
        }
    }
    // What the walk knew of each instance is not needed any more: the outputs are evaluated
    // with the final changes below.
    let mut changes = planner.changes;
    drop(planner.values);
    for change in &mut changes {
        if change.deposed {
            continue;
        }
        if change.moved_from.is_none()
            && let Some(from) = moved
                .as_ref()
                .and_then(|moved| moved.from.get(&change.addr))
        {
            change.moved_from = Some(Box::new(from.clone()));
        }
        change.importing = imported.get(&change.addr).cloned();
    }
    sort_by_address(&mut changes);
    let mut warnings = Vec::new();
    if !inputs.targets.is_empty() {
        graph::apply_targets(inputs.config, &mut changes, inputs.targets, &state);
        warnings.push(
            "resource targeting is in effect: the plan may not show every change the configuration needs; use -target only for exceptional cases"
                .to_owned(),
        );
    }
    graph::leave_alone(
        &mut changes,
        blocked.iter().map(|blocked| &blocked.addr).collect(),
        &state,
    );
    let forgotten: Vec<String> = changes
        .iter()
        .filter(|change| change.action.forgets())
        .map(|change| format!("  - {}", change.addr))
        .collect();
    if !forgotten.is_empty() {
        warnings.push(format!(
            "Some objects will no longer be managed by snapform\n\nIf you apply this plan, snapform will discard its tracking information for the following objects, but it will not delete them: their snapshots stay in the cloud.\n{}\n\nAfter applying this plan, snapform will no longer manage these objects. You will need to import them into snapform to manage them again.",
            forgotten.join("\n")
        ));
    }
    check_prevent_destroy(inputs.config, &changes, &mut diagnostics);
    graph::add_edges(&mut changes);

    let (outputs, sensitive_outputs) = if inputs.mode == PlanMode::Normal {
        let (outputs, output_diagnostics) = match ChangeValues::over(&changes, &state) {
            Some(values) => inputs.config.evaluate_outputs(&values),
            None => inputs
                .config
                .evaluate_outputs(&PlannedValues::of_changes(&changes, &state)),
        };
        diagnostics.extend(output_diagnostics);
        (
            outputs.into_iter().collect(),
            inputs.config.sensitive_outputs(),
        )
    } else {
        (BTreeMap::new(), Vec::new())
    };

    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        mode: inputs.mode,
        lineage: inputs.state_exists.then_some(prior_lineage),
        serial: if inputs.state_exists { prior_serial } else { 0 },
        config_hash: inputs.config_hash.clone(),
        changes,
        drift,
        prior_state: state,
        outputs,
        sensitive_outputs,
        warnings,
        timestamp: inputs.now,
        targeted: !inputs.targets.is_empty(),
        // Filled only for a plan file, which `show -json` reads: a plan shown or applied
        // now would hold a copy of every variable's value for nothing.
        configuration: Default::default(),
        blocked,
    };
    (plan, diagnostics)
}

/// The plan being made, walking the configuration.
pub(crate) struct Planner<'p, 'a> {
    pub(crate) inputs: &'p PlanInputs<'a>,
    pub(crate) state: &'p State,
    adopted: &'p BTreeSet<ResourceInstanceAddr>,
    /// What is known of the resources planned so far, for the references of the next ones.
    pub(crate) values: PlannedValues,
    /// The resources another resource reads (directly or through locals): only theirs are
    /// kept in `values`, since a fleet's other instances would be copied for nothing.
    pub(crate) read_by_resources: BTreeSet<ResourceAddr>,
    pub(crate) changes: Vec<ResourceChange>,
}

impl Planner<'_, '_> {
    fn region(&self, provider: &ProviderAddr) -> String {
        self.inputs
            .regions
            .get(provider)
            .cloned()
            .unwrap_or_default()
    }

    fn plan_config(&mut self, diagnostics: &mut Vec<Diagnostic>) {
        let config = self.inputs.config;
        for resource in graph::dependency_order(config) {
            if let Some(rotation) = &resource.rotation {
                self.plan_series(resource, rotation, diagnostics);
                continue;
            }
            let (instances, instance_diagnostics) =
                config.evaluate_resource(&resource.addr, &self.values);
            diagnostics.extend(instance_diagnostics);
            let mut kept_generations = BTreeSet::new();
            for instance in &instances {
                let state = self.state;
                let mut change = match state.resource(&instance.addr) {
                    Some(record) => self.change_for(resource, instance, Some(record), true),
                    // A series whose rotation was removed keeps its newest generation.
                    None => match self.end_series(resource, instance) {
                        Some(kept) => {
                            kept_generations.insert(kept.addr.clone());
                            let mut moved = kept.clone();
                            moved.addr = instance.addr.clone();
                            let mut change =
                                self.change_for(resource, instance, Some(&moved), false);
                            change.moved_from = Some(Box::new(kept.addr.clone()));
                            change
                        }
                        None => self.change_for(resource, instance, None, false),
                    },
                };
                if self.read_by_resources.contains(&resource.addr)
                    && let Some(after) = crate::model::object_after_in(state, &change)
                {
                    self.values.insert(
                        change.addr.clone(),
                        Some(change.schema),
                        &after,
                        &change.after_sensitive,
                    );
                }
                // Planned from its record, whose object `before` is: once unchanged, the prior
                // state keeps it.
                let recorded = change.id.is_some() && change.moved_from.is_none();
                change.share_unchanged(recorded);
                self.changes.push(change);
            }
            // Hashed: a fleet's addresses share their type and name, which every comparison
            // of a sorted set's lookup would read again.
            let wanted: HashSet<&ResourceInstanceAddr> =
                instances.iter().map(|instance| &instance.addr).collect();
            let state = self.state;
            for record in records_of(state, &resource.addr) {
                let generation_of_wanted =
                    record.addr.generation.is_some() && wanted.contains(&record.addr.instance());
                if !wanted.contains(&record.addr)
                    && !generation_of_wanted
                    && !kept_generations.contains(&record.addr)
                {
                    self.push_removal(
                        record,
                        Some(missing_instance_reason(resource, &record.addr)),
                    );
                }
            }
        }
        for record in &self.state.resources {
            if config.resource(&record.addr.resource).is_none() {
                self.push_removal(record, Some(ActionReason::DeleteBecauseNoResourceConfig));
            }
        }
    }

    /// Whether the objects of `resource` are forgotten rather than deleted when they leave
    /// the configuration: `lifecycle { destroy = false }` on its block, or on its `removed`
    /// block.
    fn forgets(&self, resource: &ResourceAddr) -> bool {
        let config = self.inputs.config;
        match config.resource(resource) {
            Some(resource) => resource.lifecycle.forgets(),
            None => config
                .removal(resource)
                .is_some_and(|removal| !removal.destroy),
        }
    }

    /// Deletes `record`, or forgets it when its configuration says `destroy = false`.
    fn push_removal(&mut self, record: &ResourceRecord, reason: Option<ActionReason>) {
        self.push_delete(record, reason);
        if self.forgets(&record.addr.resource)
            && let Some(change) = self.changes.last_mut()
            && change.addr == record.addr
        {
            change.action = Action::Forget;
        }
    }

    /// A change that leaves `record` as it is, as the record says it is.
    fn keeping(&self, record: &ResourceRecord, schema: &'static ResourceSchema) -> ResourceChange {
        let mut change = self.of_record(record, schema);
        change.before = Some(with_id(record));
        change.before_recorded = false;
        change.after = change.before.clone();
        change.after_sensitive = change.before_sensitive.clone();
        change
    }

    /// A change of `record` as the record says it is, with nothing after it yet: its object
    /// is the record's, read from the prior state (`before_recorded`), and only a change
    /// that keeps it copies it.
    fn of_record(
        &self,
        record: &ResourceRecord,
        schema: &'static ResourceSchema,
    ) -> ResourceChange {
        ResourceChange {
            addr: record.addr.clone(),
            schema,
            provider: record.provider.clone(),
            region: record.region.clone(),
            action: Action::NoOp,
            reason: None,
            reason_detail: None,
            moved_from: None,
            expires_after: None,
            replace_paths: Vec::new(),
            id: Some(record.id.clone()),
            before: None,
            before_as_after: false,
            before_recorded: true,
            after: None,
            before_sensitive: record.sensitive_attributes.clone(),
            after_sensitive: BTreeSet::new(),
            adopting: self.adopted.contains(&record.addr),
            importing: None,
            deposed: false,
            awaits_readiness: false,
            waits_for: Vec::new(),
            dependencies: record.dependencies.clone(),
            timeouts: Timeouts::default(),
        }
    }

    /// Leaves `record` as it is (a refresh-only plan): its object stays in the prior state
    /// alone (`before_as_after` with `before_recorded`).
    fn push_unchanged(&mut self, record: &ResourceRecord) {
        if let Some(schema) = record.schema() {
            let mut change = self.of_record(record, schema);
            change.before_as_after = true;
            change.after_sensitive = change.before_sensitive.clone();
            self.changes.push(change);
        }
    }

    pub(crate) fn push_delete(&mut self, record: &ResourceRecord, reason: Option<ActionReason>) {
        let Some(schema) = record.schema() else {
            return;
        };
        let timeouts = self
            .inputs
            .config
            .resource(&record.addr.resource)
            .map_or(Timeouts::default(), timeouts_of);
        self.changes.push(ResourceChange {
            action: Action::Delete,
            reason,
            timeouts,
            ..self.of_record(record, schema)
        });
    }

    /// A change that leaves `record` of `resource` as it is.
    pub(crate) fn change_for_record(
        &self,
        resource: &Resource,
        record: &ResourceRecord,
    ) -> ResourceChange {
        ResourceChange {
            provider: resource.provider.clone(),
            region: self.region(&resource.provider),
            dependencies: resource.depends_on.clone(),
            timeouts: timeouts_of(resource),
            ..self.keeping(record, resource.schema)
        }
    }

    /// The change that makes `instance` of `resource` match the configuration, from its
    /// `record` (none: a create). `kept`: the record is the prior state's own at the
    /// instance's address, so an instance left as it is keeps no copy of its object
    /// (`before_recorded`), and none is made.
    pub(crate) fn change_for(
        &self,
        resource: &Resource,
        instance: &ResourceInstance,
        record: Option<&ResourceRecord>,
        kept: bool,
    ) -> ResourceChange {
        let (addr, arguments) = (&instance.addr, &instance.arguments);
        let schema = resource.schema;
        let mut change = ResourceChange {
            addr: addr.clone(),
            schema,
            provider: resource.provider.clone(),
            region: self.region(&resource.provider),
            action: Action::NoOp,
            reason: None,
            reason_detail: None,
            moved_from: None,
            expires_after: None,
            replace_paths: Vec::new(),
            id: record.map(|record| record.id.clone()),
            // Set below: an instance left as recorded needs no copy of its object.
            before: None,
            before_as_after: false,
            before_recorded: false,
            after: None,
            before_sensitive: record
                .map(|record| record.sensitive_attributes.clone())
                .unwrap_or_default(),
            after_sensitive: instance.sensitive.clone(),
            adopting: record.is_some_and(|record| self.adopted.contains(&record.addr)),
            importing: None,
            deposed: false,
            awaits_readiness: false,
            waits_for: Vec::new(),
            dependencies: resource.depends_on.clone(),
            timeouts: timeouts_of(resource),
        };
        // What a new resource will look like: the arguments, and computed attributes unknown.
        let fresh = || {
            let mut after: BTreeMap<String, Value> = arguments.clone();
            after.insert("id".to_owned(), Value::Unknown);
            for computed in schema.computed {
                after.insert(computed.name.to_owned(), Value::Unknown);
            }
            after
        };
        let replace_action = if resource.lifecycle.forgets() {
            // The old snapshot is kept in the cloud; the address takes the new one.
            Action::CreateThenForget
        } else if resource.lifecycle.creates_first() {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
        let Some(record) = record else {
            change.action = Action::Create;
            change.after = Some(fresh());
            return change;
        };
        if record.status == RecordStatus::Tainted {
            change.before = Some(with_id(record));
            change.action = replace_action;
            change.reason = Some(ActionReason::ReplaceBecauseTainted);
            change.after = Some(fresh());
            return change;
        }
        if self.inputs.replace.contains(addr) {
            change.before = Some(with_id(record));
            change.action = replace_action;
            change.reason = Some(ActionReason::ReplaceByRequest);
            change.after = Some(fresh());
            return change;
        }
        let lifecycle = &resource.lifecycle;
        // The record's object, copied only once an argument differs.
        let mut after: Option<BTreeMap<String, Value>> = None;
        let mut updates = false;
        for arg in schema.arguments {
            if lifecycle.ignore_all_changes
                || lifecycle.ignore_changes.iter().any(|name| name == arg.name)
            {
                continue;
            }
            let wanted = arguments
                .get(arg.name)
                .map_or(Value::Null, |value| normalize(schema, arg.name, value));
            let recorded = record
                .attributes
                .get(arg.name)
                .map_or(Value::Null, |value| normalize(schema, arg.name, value));
            if wanted == recorded {
                continue;
            }
            match arg.mutability {
                Mutability::ForceNew => change.replace_paths.push(arg.name.to_owned()),
                Mutability::Updatable => updates = true,
            }
            let after = after.get_or_insert_with(|| with_id(record));
            match arguments.get(arg.name) {
                Some(value) => {
                    after.insert(arg.name.to_owned(), value.clone());
                }
                None => {
                    after.remove(arg.name);
                }
            }
        }
        if !change.replace_paths.is_empty() {
            change.action = replace_action;
            change.reason = Some(ActionReason::ReplaceBecauseCannotUpdate);
            let mut fresh = fresh();
            // Ignored arguments keep their recorded values in the replacement.
            for name in &lifecycle.ignore_changes {
                if let Some(value) = record.attributes.get(name) {
                    fresh.insert(name.clone(), value.clone());
                }
            }
            change.after = Some(fresh);
        } else {
            change.action = if updates {
                Action::Update
            } else {
                Action::NoOp
            };
            change.awaits_readiness =
                change.action == Action::NoOp && record.status == RecordStatus::Creating;
            if change.action == Action::NoOp && change.before_sensitive == change.after_sensitive {
                // Nothing differs, so `after` is the record's object: kept once, not copied
                // and compared (`ResourceChange::share_unchanged`), and not at all when the
                // prior state keeps it.
                change.before_as_after = true;
                if kept {
                    change.before_recorded = true;
                    return change;
                }
            } else {
                change.before = Some(with_id(record));
            }
            change.after = Some(after.unwrap_or_else(|| with_id(record)));
            return change;
        }
        change.before = Some(with_id(record));
        change
    }
}

/// Sorts `changes` by address; the object's ID orders the deposed objects of one address, the
/// only changes that share one, so the order stays the same from run to run.
///
/// The changes come one run per resource, each in address order, and a change is about half a
/// kilobyte: their positions are sorted (a stable sort, which merges runs) and each change is
/// then moved once, where sorting the changes themselves moved each many times and a stable
/// sort's buffer would have held half a fleet's changes.
pub(crate) fn sort_by_address(changes: &mut [ResourceChange]) {
    fn key(change: &ResourceChange) -> (&ResourceInstanceAddr, bool, &Option<String>) {
        (&change.addr, change.deposed, &change.id)
    }
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_by(|&a, &b| key(&changes[a]).cmp(&key(&changes[b])));
    // Position `i` takes the change at `order[i]`: each cycle of the permutation is followed
    // once, every visited position marked as done by pointing at itself.
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            changes.swap(at, from);
            at = from;
        }
    }
}

/// A record's attributes with its `id`, as the configuration reads them and plans show them.
pub(crate) fn with_id(record: &ResourceRecord) -> BTreeMap<String, Value> {
    let mut attributes = record.attributes.clone();
    attributes.insert("id".to_owned(), Value::String(record.id.clone()));
    attributes
}

/// The recorded instances of one resource.
fn records_of<'s>(state: &'s State, addr: &ResourceAddr) -> Vec<&'s ResourceRecord> {
    state.resources.instances_of(addr).collect()
}

fn timeouts_of(resource: &Resource) -> Timeouts {
    Timeouts {
        create: resource.timeouts.create.map(|d| d.as_secs()),
        update: resource.timeouts.update.map(|d| d.as_secs()),
        delete: resource.timeouts.delete.map(|d| d.as_secs()),
    }
}

pub(crate) fn missing_instance_reason(
    resource: &Resource,
    addr: &ResourceInstanceAddr,
) -> ActionReason {
    match (&resource.expansion, &addr.key) {
        (Expansion::Count(_), InstanceKey::Int(_)) => ActionReason::DeleteBecauseCountIndex,
        (Expansion::ForEach(_), InstanceKey::Str(_)) => ActionReason::DeleteBecauseEachKey,
        _ => ActionReason::DeleteBecauseWrongRepetition,
    }
}

/// `prevent_destroy` refuses any plan that deletes or replaces the resource.
fn check_prevent_destroy(
    config: &Config,
    changes: &[ResourceChange],
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Expiring a generation is what a series is for, not a destroy to prevent.
    let expiry = |change: &&ResourceChange| {
        matches!(
            change.reason,
            Some(
                ActionReason::DeleteBecauseBeyondKeep
                    | ActionReason::DeleteBecauseOlderThanMaxAge
                    | ActionReason::DeleteBecauseRotationRemoved
                    | ActionReason::DeleteBecauseFailedGeneration
            )
        )
    };
    for change in changes
        .iter()
        .filter(|change| change.action.deletes())
        .filter(|change| !expiry(change))
    {
        let Some(resource) = config.resource(&change.addr.resource) else {
            continue;
        };
        if resource.lifecycle.prevent_destroy {
            let verb = if change.action == Action::Delete {
                "destroy"
            } else {
                "replace"
            };
            diagnostics.push(
                Diagnostic::error(
                    "prevent-destroy",
                    format!("the plan would {verb} {}, but it has lifecycle.prevent_destroy set", change.addr),
                    resource.span,
                )
                .with_help("remove prevent_destroy to allow it, or change the configuration so the resource is kept"),
            );
        }
    }
}
