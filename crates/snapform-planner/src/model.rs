//! The plan: a resolved list of changes with the edges apply must follow.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use snapform_core::{ProviderAddr, ResourceAddr, ResourceInstanceAddr, ResourceSchema, Value};
use snapform_state::State;

/// The plan format this build writes and reads: 3 keeps an unchanged instance's object once
/// (`ResourceChange::before_as_after`), which a build reading 2 would take for no object; 4
/// reads a delete's object from the prior state (`ResourceChange::before_recorded`), which a
/// build reading 3 would take for none either.
pub const PLAN_FORMAT_VERSION: u64 = 4;

/// The longest waits of a resource's steps, in seconds, from its `timeouts` block; `None`
/// takes the apply engine's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    /// Creating, and waiting until ready.
    pub create: Option<u64>,
    /// Changing in place.
    pub update: Option<u64>,
    /// Deleting, and waiting until gone.
    pub delete: Option<u64>,
}

/// What a plan does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanMode {
    /// Make the clouds match the configuration.
    Normal,
    /// Delete everything in the state (`plan -destroy`, `destroy`).
    Destroy,
    /// Only record what changed outside snapform (`-refresh-only`).
    RefreshOnly,
}

/// What happens to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing.
    NoOp,
    /// Create it.
    Create,
    /// Change it in place.
    Update,
    /// Delete it, then create a new one.
    DeleteThenCreate,
    /// Create the new one, then delete the old one (`create_before_destroy`).
    CreateThenDelete,
    /// Delete it.
    Delete,
    /// Stop managing it and keep the object (`destroy = false`): the record leaves the state,
    /// the snapshot stays in the cloud.
    Forget,
    /// Create the new one, and forget the old one instead of deleting it (a replacement under
    /// `destroy = false`).
    CreateThenForget,
}

impl Action {
    /// Terraform's JSON plan `actions` list.
    pub fn terraform_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
            Action::Forget => &["forget"],
            Action::CreateThenForget => &["create", "forget"],
        }
    }

    /// Whether it creates a new resource.
    pub fn creates(self) -> bool {
        matches!(
            self,
            Action::Create
                | Action::DeleteThenCreate
                | Action::CreateThenDelete
                | Action::CreateThenForget
        )
    }

    /// Whether it replaces the object: a new one is made for the address.
    pub fn replaces(self) -> bool {
        matches!(
            self,
            Action::DeleteThenCreate | Action::CreateThenDelete | Action::CreateThenForget
        )
    }

    /// Whether it stops managing an object without deleting it.
    pub fn forgets(self) -> bool {
        matches!(self, Action::Forget | Action::CreateThenForget)
    }

    /// Whether it deletes a resource.
    pub fn deletes(self) -> bool {
        matches!(
            self,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        )
    }
}

/// Why, with Terraform's `action_reason` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionReason {
    /// An argument that forces replacement changed.
    ReplaceBecauseCannotUpdate,
    /// The resource failed or timed out when it was created.
    ReplaceBecauseTainted,
    /// `-replace=ADDR`.
    ReplaceByRequest,
    /// Its resource block is gone from the configuration.
    DeleteBecauseNoResourceConfig,
    /// Its `count` index is gone.
    DeleteBecauseCountIndex,
    /// Its `for_each` key is gone.
    DeleteBecauseEachKey,
    /// The resource switched between count, for_each and neither.
    DeleteBecauseWrongRepetition,
    /// A generation of a series beyond the newest `keep`.
    DeleteBecauseBeyondKeep,
    /// A generation of a series older than its `max_age`.
    DeleteBecauseOlderThanMaxAge,
    /// A generation of a series whose resource no longer has a `rotation` block; the newest
    /// one is kept as the resource's object.
    DeleteBecauseRotationRemoved,
    /// A generation that failed when it was created: it holds no backup.
    DeleteBecauseFailedGeneration,
}

impl ActionReason {
    /// The reason in a sentence, for the human plan.
    pub fn explain(self) -> &'static str {
        match self {
            ActionReason::ReplaceBecauseCannotUpdate => {
                "an argument that cannot be changed in place changed"
            }
            ActionReason::ReplaceBecauseTainted => "it failed or timed out when it was created",
            ActionReason::ReplaceByRequest => "-replace asked for it",
            ActionReason::DeleteBecauseNoResourceConfig => {
                "its resource block is no longer in the configuration"
            }
            ActionReason::DeleteBecauseCountIndex => "its count index is out of range",
            ActionReason::DeleteBecauseEachKey => "its for_each key is no longer in the map or set",
            ActionReason::DeleteBecauseWrongRepetition => {
                "the resource switched between count, for_each and a single instance"
            }
            ActionReason::DeleteBecauseBeyondKeep => "it is older than the generations kept",
            ActionReason::DeleteBecauseOlderThanMaxAge => "it is older than the series' max_age",
            ActionReason::DeleteBecauseRotationRemoved => {
                "the resource has no rotation block any more, and only its newest generation is kept"
            }
            ActionReason::DeleteBecauseFailedGeneration => {
                "it failed when it was created, so it holds no backup"
            }
        }
    }
}

/// One planned change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// The instance.
    pub addr: ResourceInstanceAddr,
    /// Its type's schema (written as the type's name).
    #[serde(rename = "type", with = "schema_by_name")]
    pub schema: &'static ResourceSchema,
    /// Its provider configuration.
    pub provider: ProviderAddr,
    /// The region of that provider configuration.
    pub region: String,
    /// What happens.
    pub action: Action,
    /// Why, for replacements and deletions.
    pub reason: Option<ActionReason>,
    /// The reason's details for people, such as `beyond keep = 7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_detail: Option<String>,
    /// The address the object had before: a plain instance taken into its series when
    /// `rotation` was added, or the reverse. Boxed, as is `expires_after`: few changes have
    /// one, and a fleet's plan holds a change per instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<Box<ResourceInstanceAddr>>,
    /// For the expiry of a generation: the newer generation that must be ready first, so a
    /// series never has fewer ready backups than it had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_after: Option<Box<ResourceInstanceAddr>>,
    /// The arguments that force the replacement.
    pub replace_paths: Vec<String>,
    /// The cloud's ID of the existing resource.
    pub id: Option<String>,
    /// The attributes before (from the refreshed state); read them with
    /// [`Plan::object_before`], since an unchanged instance keeps them once, in `after` (see
    /// `before_as_after`), and a delete not at all (see `before_recorded`).
    #[serde(with = "opt_value_map_unknown")]
    pub before: Option<BTreeMap<String, Value>>,
    /// `before` is `after`, kept once: an unchanged instance, as most of a fleet's plan is,
    /// would otherwise hold two copies of its record's attributes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub before_as_after: bool,
    /// `before` is the object of this change's record in the plan's prior state (see
    /// [`Plan::record_of`]), not kept here; with `before_as_after`, so is `after`. A delete,
    /// and an instance that stays as it is recorded, as most of a fleet's plan is, would
    /// otherwise hold a copy of every record's attributes beside the record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub before_recorded: bool,
    /// The attributes after; unknown values are known only after apply.
    #[serde(with = "opt_value_map_unknown")]
    pub after: Option<BTreeMap<String, Value>>,
    /// The attributes of `before` that are sensitive (from the record).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub before_sensitive: BTreeSet<String>,
    /// The attributes of `after` that are sensitive (from the configuration). A plan file
    /// carries neither their values nor those of `before_sensitive`: apply computes them again
    /// from the configuration, whose hash the plan file checks.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub after_sensitive: BTreeSet<String>,
    /// Found in the cloud after an interrupted create and taken into the state
    /// (Terraform's `importing`).
    pub adopting: bool,
    /// Taken into the state by an `import` block: the cloud's ID of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<String>,
    /// An old object left by a `create_before_destroy` replacement that did not finish; it
    /// is deleted, and the instance's current object is left alone.
    #[serde(default)]
    pub deposed: bool,
    /// Recorded but still being created (an earlier run was interrupted while it waited):
    /// apply waits until it is ready before anything that depends on it.
    #[serde(default)]
    pub awaits_readiness: bool,
    /// The changes this one waits for (by index in [`Plan::changes`]), with why.
    pub waits_for: Vec<(usize, EdgeKind)>,
    /// The resources it depends on: its `depends_on` and references, or for a delete, what its
    /// record says it depended on.
    pub dependencies: Vec<ResourceAddr>,
    /// Longest waits of its steps.
    pub timeouts: Timeouts,
}

impl ResourceChange {
    /// The attributes before the change that it keeps itself: `None` for a change whose
    /// object is its record's (`before_recorded`; see [`Plan::object_before`]).
    fn own_object_before(&self) -> Option<&BTreeMap<String, Value>> {
        if self.before_as_after {
            self.after.as_ref()
        } else {
            self.before.as_ref()
        }
    }

    /// Keeps the object of an unchanged instance once (`before_as_after`), when nothing about
    /// it changes, its sensitivity included (a plan file hides `after`'s sensitive values,
    /// which must then be `before`'s too). An object that is its record's (`recorded`: the
    /// change was planned from the record, whose object with its `id` `before` is) is not
    /// kept at all: the prior state has it (`before_recorded`).
    pub(crate) fn share_unchanged(&mut self, recorded: bool) {
        let same_object =
            self.before_as_after || (self.before.is_some() && self.before == self.after);
        if self.action == Action::NoOp
            && !self.deposed
            && !self.before_recorded
            && same_object
            && self.before_sensitive == self.after_sensitive
        {
            self.before = None;
            self.before_as_after = true;
            if recorded {
                self.after = None;
                self.before_recorded = true;
            }
        }
    }

    /// Whether it has an object after it, its own or its record's (see `before_recorded`).
    pub fn has_object_after(&self) -> bool {
        self.after.is_some() || (self.before_recorded && self.before_as_after)
    }

    /// Whether apply has something to do for it.
    pub fn is_active(&self) -> bool {
        self.action != Action::NoOp
            || self.adopting
            || self.importing.is_some()
            || self.awaits_readiness
            || self.moved_from.is_some()
    }
}

/// How many instances a plan or an apply adopts, adds, changes and destroys; a replacement
/// counts as one added and one destroyed, as in Terraform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Taken into the state by `import` blocks.
    pub import: usize,
    /// Found after an interrupted create and recorded.
    pub adopt: usize,
    /// Created.
    pub add: usize,
    /// Changed in place.
    pub change: usize,
    /// Deleted.
    pub destroy: usize,
}

impl Counts {
    /// Counts one change.
    pub fn count(&mut self, change: &ResourceChange) {
        if change.adopting {
            self.adopt += 1;
        }
        if change.importing.is_some() {
            self.import += 1;
        }
        match change.action {
            Action::Create | Action::CreateThenForget => self.add += 1,
            Action::Update => self.change += 1,
            Action::Delete => self.destroy += 1,
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                self.add += 1;
                self.destroy += 1;
            }
            // As in Terraform, what is forgotten is not counted: it is neither made nor deleted.
            Action::NoOp | Action::Forget => {}
        }
    }
}

/// Why one change waits for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A reference or `depends_on` in the configuration.
    Dependency,
    /// Both touch the same disk, instance or desktop, which the clouds refuse to snapshot twice
    /// at once; the planner chose this order.
    Conflict,
    /// An expired generation waits until its successor is ready.
    Successor,
}

/// A resource that changed outside snapform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The instance.
    pub addr: ResourceInstanceAddr,
    /// Its type's schema (written as the type's name).
    #[serde(rename = "type", with = "schema_by_name")]
    pub schema: &'static ResourceSchema,
    /// Its provider configuration.
    pub provider: ProviderAddr,
    /// The cloud's ID of the object.
    #[serde(default)]
    pub id: String,
    /// Deleted or changed.
    pub kind: DriftKind,
    /// The recorded attributes.
    #[serde(with = "opt_value_map_unknown")]
    pub before: Option<BTreeMap<String, Value>>,
    /// What the cloud has now.
    #[serde(with = "opt_value_map_unknown")]
    pub after: Option<BTreeMap<String, Value>>,
    /// The sensitive attributes, as the record marks them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive: BTreeSet<String>,
}

/// How a resource changed outside snapform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// It no longer exists.
    Deleted,
    /// Some attributes differ from the record.
    Changed,
}

/// A resolved plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan file format.
    pub format_version: u64,
    /// What the plan does.
    pub mode: PlanMode,
    /// The lineage of the state it was made on, `None` when there was no state.
    pub lineage: Option<String>,
    /// The serial of that state; 0 when there was none.
    pub serial: u64,
    /// A hash of the configuration and variable values it was made from.
    pub config_hash: String,
    /// Every instance in the configuration or the state, in address order.
    pub changes: Vec<ResourceChange>,
    /// Resources that changed outside snapform.
    pub drift: Vec<Drift>,
    /// The refreshed state the plan was made on (Terraform's `prior_state`).
    pub prior_state: State,
    /// Outputs after apply; unknown values are known only after apply.
    #[serde(with = "value_map_unknown")]
    pub outputs: BTreeMap<String, Value>,
    /// Outputs marked sensitive.
    pub sensitive_outputs: Vec<String>,
    /// Warnings to show with the plan, such as targeting.
    pub warnings: Vec<String>,
    /// The plan's one clock reading, taken by the CLI (or `-now`).
    #[serde(default)]
    pub timestamp: jiff::Timestamp,
    /// The configuration the plan was made from, as the JSON plan shows it: filled when
    /// the plan is kept in a file (`ConfigSummary` of the configuration), empty otherwise.
    #[serde(default)]
    pub configuration: snapform_config::summary::ConfigSummary,
    /// Whether `-target` limited it, so it may not show every change.
    #[serde(default)]
    pub targeted: bool,
    /// Instances left alone because what an interrupted create made is ambiguous; applying
    /// the plan does everything else, then fails with these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<Blocked>,
}

/// An instance whose interrupted create may have made any of several objects: snapform
/// adopts none and creates nothing until the user says which is theirs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// The instance.
    pub addr: ResourceInstanceAddr,
    /// The IDs of the objects that fit, in ID order.
    pub candidates: Vec<String>,
}

impl Blocked {
    /// What went wrong, without the address.
    pub fn explanation(&self) -> String {
        format!(
            "an earlier create's answer was lost, and {} objects fit what it sent ({}); snapform adopts none of them and creates nothing here until you say which is its own",
            self.candidates.len(),
            self.candidates.join(", ")
        )
    }

    /// The commands that settle it.
    pub fn settle(&self) -> String {
        let first = self.candidates.first().map_or("ID", String::as_str);
        format!(
            "run `snapform import '{addr}' {first}` with the right ID (and delete the others in the cloud if they are duplicates), or `snapform state rm '{addr}'` if none is its own, so the next apply creates it",
            addr = self.addr
        )
    }

    /// The error that stops the instance, with the commands that settle it.
    pub fn diagnostic(&self) -> snapform_core::Diagnostic {
        snapform_core::Diagnostic::global_error(
            "ambiguous-adoption",
            format!("{}: {}", self.addr, self.explanation()),
        )
        .with_help(self.settle())
    }
}

/// [`Plan::object_after`] with `state` as the prior state.
pub(crate) fn object_after_in<'s>(
    state: &'s State,
    change: &'s ResourceChange,
) -> Option<Cow<'s, BTreeMap<String, Value>>> {
    if change.before_recorded && change.before_as_after {
        return recorded_object(state, change).map(Cow::Owned);
    }
    change.after.as_ref().map(Cow::Borrowed)
}

/// The object of `change`'s record in `state`, with its `id`, as a change's own object has
/// it (see `ResourceChange::before_recorded`).
pub(crate) fn recorded_object(
    state: &State,
    change: &ResourceChange,
) -> Option<BTreeMap<String, Value>> {
    record_in(state, change).map(crate::diff::with_id)
}

/// The record of `change`'s object in `state` (see [`Plan::record_of`]).
pub(crate) fn record_in<'s>(
    state: &'s State,
    change: &ResourceChange,
) -> Option<&'s snapform_state::ResourceRecord> {
    let addr = change.moved_from.as_deref().unwrap_or(&change.addr);
    let same_object = |record: &&snapform_state::ResourceRecord| {
        &record.addr == addr && change.id.as_ref() == Some(&record.id)
    };
    if change.deposed {
        state.deposed.iter().find(same_object)
    } else {
        state.resource(addr).filter(same_object)
    }
}

impl Plan {
    /// The attributes before `change` (from the refreshed state), wherever the plan keeps
    /// them: in the change, or in its record (`before_recorded`), with its `id` as a change's
    /// object has it.
    pub fn object_before<'p>(
        &'p self,
        change: &'p ResourceChange,
    ) -> Option<Cow<'p, BTreeMap<String, Value>>> {
        if change.before_recorded {
            return recorded_object(&self.prior_state, change).map(Cow::Owned);
        }
        change.own_object_before().map(Cow::Borrowed)
    }

    /// The attributes after `change`: its own, or its record's when it leaves the object as
    /// recorded (`before_as_after` with `before_recorded`).
    pub fn object_after<'p>(
        &'p self,
        change: &'p ResourceChange,
    ) -> Option<Cow<'p, BTreeMap<String, Value>>> {
        object_after_in(&self.prior_state, change)
    }

    /// Gives back their own objects after to the changes apply runs (see
    /// [`ResourceChange::is_active`]) that keep theirs in the prior state, before apply takes
    /// the prior state for its own: a moved, imported, adopted or still-creating instance, a
    /// few of a plan at most. Objects before, a delete's included, stay where they are: apply
    /// reads none, and copying a fleet's deletes' objects to drop them cost a destroy of
    /// 100,000 instances 81 MB at its peak.
    pub fn own_active_objects_after(&mut self) {
        let Plan {
            changes,
            prior_state,
            ..
        } = self;
        for change in changes.iter_mut() {
            if change.before_recorded && change.before_as_after && change.is_active() {
                // Still `before_as_after`: the object is kept once, now here.
                change.after = recorded_object(prior_state, change);
                change.before_recorded = false;
            }
        }
    }

    /// The record of `change`'s object in the prior state: at the address it was recorded
    /// at (`moved_from`, or its own), or among the deposed objects, with its ID.
    pub fn record_of(&self, change: &ResourceChange) -> Option<&snapform_state::ResourceRecord> {
        record_in(&self.prior_state, change)
    }

    /// The numbers of the summary line.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for change in &self.changes {
            counts.count(change);
        }
        counts
    }

    /// Marks, in `state`, the attributes this plan's configuration makes sensitive, for every
    /// recorded instance the plan keeps: sensitivity follows the configuration even when
    /// nothing else changes, as Terraform's does.
    pub fn record_sensitivity(&self, state: &mut State) {
        for change in &self.changes {
            if change.after.is_none() || change.deposed {
                continue;
            }
            if let Some(record) = state.resource(&change.addr)
                && record.sensitive_attributes != change.after_sensitive
            {
                let mut record = record.clone();
                record.sensitive_attributes = change.after_sensitive.clone();
                state.upsert(record);
            }
        }
    }

    /// Records, in `state`, the addresses this plan moves objects to: a plain object taken
    /// into its series, a series' newest generation kept as the plain object, or what a
    /// `moved` block renames. Every object leaves its old address before any arrives, since a
    /// chain of moves may take one object's old address for another.
    pub fn record_moves(&self, state: &mut State) {
        let mut arriving = Vec::new();
        for change in &self.changes {
            let Some(from) = &change.moved_from else {
                continue;
            };
            if let Some(mut record) = state.remove(from) {
                record.addr = change.addr.clone();
                arriving.push(record);
            }
        }
        for record in arriving {
            state.upsert(record);
        }
    }

    /// Whether applying it changes anything (adoptions and refresh-only updates count).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|change| change.is_active())
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }
}

/// Values as JSON, unknowns as a marker object, so the plan file keeps them.
pub(crate) fn value_to_plan_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Unknown => serde_json::json!({ "$unknown": true }),
        // Never the value itself: a plan file holds no secret.
        Value::Sensitive(_) => serde_json::json!({ "$sensitive": true }),
        Value::List(items) => {
            serde_json::Value::Array(items.iter().map(value_to_plan_json).collect())
        }
        Value::Set(items) => {
            serde_json::json!({ "$set": items.iter().map(value_to_plan_json).collect::<Vec<_>>() })
        }
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), value_to_plan_json(v)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

pub(crate) fn value_from_plan_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Object(entries)
            if entries.get("$unknown") == Some(&serde_json::Value::Bool(true))
                && entries.len() == 1 =>
        {
            Value::Unknown
        }
        serde_json::Value::Object(entries)
            if entries.get("$sensitive") == Some(&serde_json::Value::Bool(true))
                && entries.len() == 1 =>
        {
            Value::sensitive(Value::Unknown)
        }
        serde_json::Value::Object(entries)
            if entries.len() == 1 && entries.contains_key("$set") =>
        {
            match &entries["$set"] {
                serde_json::Value::Array(items) => {
                    Value::set(items.iter().map(value_from_plan_json))
                }
                _ => Value::Null,
            }
        }
        serde_json::Value::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), value_from_plan_json(v)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            Value::List(items.iter().map(value_from_plan_json).collect())
        }
        other => Value::from_json(other),
    }
}

mod value_map_unknown {
    use std::collections::BTreeMap;

    use snapform_core::Value;

    pub fn serialize<S: serde::Serializer>(
        values: &BTreeMap<String, Value>,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        ser.collect_map(
            values
                .iter()
                .map(|(key, value)| (key, super::value_to_plan_json(value))),
        )
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        de: D,
    ) -> Result<BTreeMap<String, Value>, D::Error> {
        let json: BTreeMap<String, serde_json::Value> = serde::Deserialize::deserialize(de)?;
        Ok(json
            .iter()
            .map(|(key, value)| (key.clone(), super::value_from_plan_json(value)))
            .collect())
    }
}

mod opt_value_map_unknown {
    use std::collections::BTreeMap;

    use snapform_core::Value;

    pub fn serialize<S: serde::Serializer>(
        values: &Option<BTreeMap<String, Value>>,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        match values {
            Some(values) => super::value_map_unknown::serialize(values, ser),
            None => ser.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        de: D,
    ) -> Result<Option<BTreeMap<String, Value>>, D::Error> {
        let json: Option<BTreeMap<String, serde_json::Value>> =
            serde::Deserialize::deserialize(de)?;
        Ok(json.map(|json| {
            json.iter()
                .map(|(key, value)| (key.clone(), super::value_from_plan_json(value)))
                .collect()
        }))
    }
}

/// A schema as its type's name, for the plan file.
mod schema_by_name {
    use snapform_core::ResourceSchema;

    pub fn serialize<S: serde::Serializer>(
        schema: &&'static ResourceSchema,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        ser.serialize_str(schema.type_name)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        de: D,
    ) -> Result<&'static ResourceSchema, D::Error> {
        let name: String = serde::Deserialize::deserialize(de)?;
        snapform_core::schema::resource_schema(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown resource type {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unchanged() -> ResourceChange {
        let object: BTreeMap<String, Value> = [
            ("id".to_owned(), Value::string("dbp-1")),
            ("disk_id".to_owned(), Value::string("disk-1")),
        ]
        .into();
        ResourceChange {
            addr: "tencentcloud_cbs_disk_backup.a"
                .parse()
                .expect("an address"),
            schema: &snapform_core::schema::tencentcloud::CBS_DISK_BACKUP,
            provider: ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            action: Action::NoOp,
            reason: None,
            reason_detail: None,
            moved_from: None,
            expires_after: None,
            replace_paths: Vec::new(),
            id: Some("dbp-1".to_owned()),
            before: Some(object.clone()),
            before_as_after: false,
            before_recorded: false,
            after: Some(object),
            before_sensitive: BTreeSet::new(),
            after_sensitive: BTreeSet::new(),
            adopting: false,
            importing: None,
            deposed: false,
            awaits_readiness: false,
            waits_for: Vec::new(),
            dependencies: Vec::new(),
            timeouts: Timeouts::default(),
        }
    }

    #[test]
    fn changes_are_sorted_by_address_then_deposed_then_id_whatever_their_order() {
        let at = |addr: &str, deposed: bool, id: &str| ResourceChange {
            addr: addr.parse().expect("an address"),
            deposed,
            id: Some(id.to_owned()),
            ..unchanged()
        };
        let mut sorted = Vec::new();
        for resource in ["a", "b", "c"] {
            for key in 0..40 {
                let addr = format!("tencentcloud_cbs_disk_backup.{resource}[{key}]");
                sorted.push(at(&addr, false, "dbp-1"));
                if key % 7 == 0 {
                    sorted.push(at(&addr, true, "dbp-old-1"));
                    sorted.push(at(&addr, true, "dbp-old-2"));
                }
            }
        }
        let key =
            |change: &ResourceChange| (change.addr.to_string(), change.deposed, change.id.clone());
        // Runs in another order (as the planner makes them), reversed, and shuffled.
        let mut runs = sorted.clone();
        runs.rotate_left(sorted.len() / 3);
        let mut reversed = sorted.clone();
        reversed.reverse();
        let mut shuffled = sorted.clone();
        let mut seed: u64 = 7;
        for i in (1..shuffled.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            shuffled.swap(i, (seed >> 33) as usize % (i + 1));
        }
        for mut changes in [sorted.clone(), runs, reversed, shuffled] {
            crate::diff::sort_by_address(&mut changes);
            let keys: Vec<_> = changes.iter().map(key).collect();
            let expected: Vec<_> = sorted.iter().map(key).collect();
            assert_eq!(keys, expected);
        }
    }

    #[test]
    fn an_unchanged_object_is_kept_once_and_read_the_same() {
        let whole = unchanged();
        let mut shared = whole.clone();
        shared.share_unchanged(false);
        assert!(shared.before.is_none() && shared.before_as_after);
        assert_eq!(shared.own_object_before(), whole.own_object_before());
        assert_eq!(shared.after, whole.after);
        // A plan file keeps it so.
        let back: ResourceChange =
            serde_json::from_str(&serde_json::to_string(&shared).expect("writes")).expect("reads");
        assert_eq!(back, shared);
        assert_eq!(back.own_object_before(), whole.own_object_before());
        // Anything that differs keeps both: the values, the sensitivity, the action.
        let mut renamed = unchanged();
        if let Some(after) = &mut renamed.after {
            after.insert("disk_backup_name".to_owned(), Value::string("new"));
        }
        let mut now_sensitive = unchanged();
        now_sensitive.after_sensitive.insert("disk_id".to_owned());
        let mut deleted = unchanged();
        deleted.action = Action::Delete;
        deleted.after = deleted.before.clone();
        for mut change in [renamed, now_sensitive, deleted] {
            let before = change.before.clone();
            change.share_unchanged(false);
            assert!(!change.before_as_after);
            assert_eq!(change.before, before);
        }
    }
}
