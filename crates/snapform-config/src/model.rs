//! The loaded configuration: providers, variables, locals, resources expanded into instances,
//! outputs and backend settings, each with the span it came from.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;

use crate::summary::ExpressionSummary;
use snapform_core::{
    FileId, ProviderAddr, ResourceAddr, ResourceInstanceAddr, Secret, Span, Value,
};

/// A whole configuration: every `*.hcl` file of one directory.
#[derive(Debug, Default, Serialize)]
pub struct Config {
    /// Provider configurations, the implicit default ones included, sorted by address.
    pub providers: Vec<ProviderConfig>,
    /// Declared variables with their resolved values, sorted by name.
    pub variables: Vec<Variable>,
    /// Local values, by name.
    #[serde(serialize_with = "value_map")]
    pub locals: BTreeMap<String, Value>,
    /// Resource blocks, sorted by address.
    pub resources: Vec<Resource>,
    /// Outputs, sorted by name.
    pub outputs: Vec<Output>,
    /// Where state is kept.
    pub backend: Backend,
    /// `import` blocks, one entry per `for_each` element, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<Import>,
    /// `moved` blocks, in the order they apply: a statement whose `from` is another's `to`
    /// comes after it, so chained moves take an object all the way.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<Move>,
    /// `removed` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<Removal>,
    /// What re-evaluating resources and outputs with known values needs.
    #[serde(skip)]
    pub(crate) context: EvalContext,
}

/// The evaluated variables and locals, and the expressions that read other resources, kept so
/// the planner can evaluate each resource again once the resources it reads are planned.
#[derive(Debug, Default)]
pub(crate) struct EvalContext {
    pub(crate) variables: BTreeMap<String, Value>,
    pub(crate) locals: BTreeMap<String, Value>,
    pub(crate) declared_locals: std::collections::BTreeSet<String>,
    /// Locals that read resources, in dependency order.
    pub(crate) resource_locals: Vec<(String, FileId, hcl::edit::expr::Expression)>,
    pub(crate) resources: crate::eval::ResourceTable,
    /// The `value` expression of every output.
    pub(crate) outputs: Vec<(String, FileId, hcl::edit::expr::Expression)>,
    /// `snapform.workspace`.
    pub(crate) workspace: String,
}

/// An instance to evaluate: its key, and `each.key`/`each.value` under `for_each`.
pub(crate) type InstanceSeed = (snapform_core::InstanceKey, Option<(Value, Value)>);

/// A resource's argument expressions and instance keys, to evaluate its instances again.
#[derive(Debug, Default)]
pub(crate) struct ArgumentSource {
    pub(crate) exprs: Vec<(
        &'static snapform_core::ArgumentSchema,
        FileId,
        hcl::edit::expr::Expression,
    )>,
    pub(crate) seeds: Vec<InstanceSeed>,
    pub(crate) counted: bool,
    /// The time zone of the resource's `rotation` block, when it has one: `rotation.time` is
    /// then in scope, written with this zone's offset so that `formatdate` gives local dates.
    pub(crate) rotation_zone: Option<jiff::tz::TimeZone>,
}

impl Config {
    /// The resource block at `addr`.
    pub fn resource(&self, addr: &ResourceAddr) -> Option<&Resource> {
        self.resources
            .binary_search_by(|res| res.addr.cmp(addr))
            .ok()
            .map(|idx| &self.resources[idx])
    }

    /// The resource block and the instance at `addr`, when the configuration declares it.
    pub fn instance(&self, addr: &ResourceInstanceAddr) -> Option<(&Resource, &ResourceInstance)> {
        let resource = self.resource(&addr.resource)?;
        let instance = resource
            .instances
            .iter()
            .find(|instance| &instance.addr == addr)?;
        Some((resource, instance))
    }

    /// How many instances the resources evaluated to (before [`Config::forget_instances`]).
    pub fn instance_count(&self) -> usize {
        self.resources
            .iter()
            .map(|resource| resource.instances.len())
            .sum()
    }

    /// Drops the evaluated instances of the resources no `import` block targets, once what
    /// checks them (validation, `-target`) is done. Planning evaluates each resource again
    /// with the values planned so far, and apply with the values created
    /// ([`Config::evaluate_resource_at`], [`Config::evaluate_outputs`]), from the expressions,
    /// not from these; at a fleet's size they are most of what the configuration holds.
    /// [`Config::instance`] finds only the import targets' afterwards.
    pub fn forget_instances(&mut self) {
        let imported: BTreeSet<&ResourceAddr> = self
            .imports
            .iter()
            .map(|import| &import.to.resource)
            .collect();
        for resource in &mut self.resources {
            if !imported.contains(&resource.addr) {
                resource.instances = Vec::new();
            }
        }
    }

    /// The names of the outputs marked `sensitive`, which are shown as `<sensitive>`.
    pub fn sensitive_outputs(&self) -> Vec<String> {
        self.outputs
            .iter()
            .filter(|output| output.sensitive)
            .map(|output| output.name.clone())
            .collect()
    }

    /// The provider configuration at `addr`.
    pub fn provider(&self, addr: &ProviderAddr) -> Option<&ProviderConfig> {
        self.providers
            .iter()
            .find(|provider| &provider.addr == addr)
    }
}

impl Config {
    /// The `removed` block of a resource, when there is one.
    pub fn removal(&self, addr: &ResourceAddr) -> Option<&Removal> {
        self.removed.iter().find(|removal| &removal.from == addr)
    }
}

/// One object an `import` block takes into the state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Import {
    /// Where it goes.
    #[serde(serialize_with = "display")]
    pub to: ResourceInstanceAddr,
    /// The cloud's ID of the object.
    pub id: String,
    /// The block's header, where errors about the import point.
    #[serde(skip)]
    pub span: Span,
}

/// A `moved` block: objects recorded at `from` belong at `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    /// The old address.
    #[serde(serialize_with = "display")]
    pub from: ResourceInstanceAddr,
    /// The new address.
    #[serde(serialize_with = "display")]
    pub to: ResourceInstanceAddr,
    /// Both sides name whole resources: every instance moves and keeps its key.
    pub whole_resources: bool,
    /// The block's header.
    #[serde(skip)]
    pub span: Span,
}

impl Move {
    /// Where the object recorded at `addr` goes under this statement, if `from` matches it. A
    /// series' generations move with their instance.
    pub fn destination(&self, addr: &ResourceInstanceAddr) -> Option<ResourceInstanceAddr> {
        if addr.resource != self.from.resource {
            return None;
        }
        if self.whole_resources {
            return Some(ResourceInstanceAddr {
                resource: self.to.resource.clone(),
                ..addr.clone()
            });
        }
        (addr.key == self.from.key).then(|| ResourceInstanceAddr {
            generation: addr.generation,
            ..self.to.clone()
        })
    }
}

/// A `removed` block: the resource left the configuration on purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// The resource.
    #[serde(serialize_with = "display")]
    pub from: ResourceAddr,
    /// `lifecycle { destroy }`: `false` forgets its objects and keeps the snapshots; `true`
    /// (the default) deletes them.
    pub destroy: bool,
    /// The block's header.
    #[serde(skip)]
    pub span: Span,
}

/// One `provider` block, or the implicit default configuration of a provider that resources use
/// without declaring it.
#[derive(Debug, Serialize)]
pub struct ProviderConfig {
    /// `tencentcloud` or `tencentcloud.ALIAS`.
    #[serde(serialize_with = "display")]
    pub addr: ProviderAddr,
    /// The block, or `None` for an implicit default.
    #[serde(skip)]
    pub span: Option<Span>,
    /// `region`, if set in the block.
    pub region: Option<String>,
    /// `endpoint`, if set.
    pub endpoint: Option<String>,
    /// `rate_limit` in requests per second per API action, if set.
    pub rate_limit: Option<f64>,
    /// `ca_file`, if set: a PEM file of CA certificates to trust besides the system's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Where each argument's value is written, for errors found after loading (an unreadable
    /// `ca_file`).
    #[serde(skip)]
    pub argument_spans: BTreeMap<String, Span>,
    /// Credentials set in the block, by argument name; never serialized.
    #[serde(serialize_with = "secret_names")]
    pub secrets: BTreeMap<String, Secret>,
    /// How the block's arguments other than credentials are written.
    #[serde(skip)]
    pub expressions: BTreeMap<String, ExpressionSummary>,
}

/// A type constraint of a variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum VarType {
    /// Accepts any value.
    Any,
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`.
    List(Box<VarType>),
    /// `set(T)`.
    Set(Box<VarType>),
    /// `map(T)`.
    Map(Box<VarType>),
    /// `object({ name = T, ... })`.
    Object(BTreeMap<String, VarType>),
}

impl std::fmt::Display for VarType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VarType::Any => f.write_str("any"),
            VarType::String => f.write_str("string"),
            VarType::Number => f.write_str("number"),
            VarType::Bool => f.write_str("bool"),
            VarType::List(inner) => write!(f, "list({inner})"),
            VarType::Set(inner) => write!(f, "set({inner})"),
            VarType::Map(inner) => write!(f, "map({inner})"),
            VarType::Object(fields) => {
                f.write_str("object({")?;
                for (idx, (name, ty)) in fields.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name} = {ty}")?;
                }
                f.write_str("})")
            }
        }
    }
}

impl From<VarType> for String {
    fn from(ty: VarType) -> String {
        ty.to_string()
    }
}

/// Where a variable's value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// The `default` argument.
    Default,
    /// A `SNAPFORM_VAR_name` environment variable.
    Environment,
    /// A `*.auto.vars.hcl` file.
    AutoFile(String),
    /// A `-var-file`.
    VarFile(String),
    /// A `-var` option.
    CommandLine,
    /// No value: the variable is required and was not set (an error was reported).
    Unset,
}

/// A `variable` block and its resolved value.
#[derive(Debug, Serialize)]
pub struct Variable {
    /// The variable name.
    pub name: String,
    /// The block.
    #[serde(skip)]
    pub span: Span,
    /// The declared type, `any` when not given.
    #[serde(rename = "type")]
    pub ty: VarType,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `sensitive = true` hides the value in output.
    pub sensitive: bool,
    /// The `default`, when there is one.
    #[serde(skip)]
    pub default: Option<Value>,
    /// The value after type conversion.
    #[serde(serialize_with = "value_text")]
    pub value: Value,
    /// Where the value came from.
    pub source: ValueSource,
}

/// How many instances a resource block has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expansion {
    /// Neither `count` nor `for_each`.
    Single,
    /// `count = N`.
    Count(u64),
    /// `for_each`, with its keys in order.
    ForEach(Vec<String>),
}

/// The `lifecycle` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// Refuse any plan that would destroy the resource.
    pub prevent_destroy: bool,
    /// Create the replacement before destroying the old one, as set; see
    /// [`Lifecycle::creates_first`].
    pub create_before_destroy: Option<bool>,
    /// Arguments whose changes are ignored after creation.
    pub ignore_changes: Vec<String>,
    /// `ignore_changes = all`.
    pub ignore_all_changes: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `destroy`: `Some(false)` forgets the resource's objects wherever snapform would delete
    /// them (an instance leaving the configuration, `destroy`, the old object of a
    /// replacement), so the snapshots stay in the cloud.
    pub destroy: Option<bool>,
}

impl Lifecycle {
    /// Whether a replacement creates the new snapshot first and deletes the old one once the
    /// new one is ready: the default for every snapshot type, so a backup is never deleted
    /// before its successor exists; `create_before_destroy = false` deletes first.
    pub fn creates_first(&self) -> bool {
        self.create_before_destroy.unwrap_or(true)
    }

    /// Whether leaving the configuration forgets the objects instead of deleting them
    /// (`destroy = false`).
    pub fn forgets(&self) -> bool {
        self.destroy == Some(false)
    }
}

/// The `timeouts` block; unset entries use the resource type's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timeouts {
    /// Longest wait for a create to be ready.
    #[serde(serialize_with = "duration_text")]
    pub create: Option<Duration>,
    /// Longest wait for an update.
    #[serde(serialize_with = "duration_text")]
    pub update: Option<Duration>,
    /// Longest wait for a delete to finish.
    #[serde(serialize_with = "duration_text")]
    pub delete: Option<Duration>,
}

/// A `resource` block.
#[derive(Debug, Serialize)]
pub struct Resource {
    /// `type.name`.
    #[serde(serialize_with = "display")]
    pub addr: ResourceAddr,
    /// Its type's schema; later layers take it from here rather than look it up by name.
    #[serde(skip)]
    pub schema: &'static snapform_core::ResourceSchema,
    /// The block's header (`resource "type" "name"`), where diagnostics about the whole block
    /// point.
    #[serde(skip)]
    pub span: Span,
    /// The provider configuration it uses.
    #[serde(serialize_with = "display")]
    pub provider: ProviderAddr,
    #[serde(skip)]
    pub(crate) source: ArgumentSource,
    /// `count` / `for_each`.
    pub expansion: Expansion,
    /// What it depends on: `depends_on` plus every resource its expressions refer to, directly
    /// or through locals. Sorted, no duplicates.
    #[serde(serialize_with = "display_list")]
    pub depends_on: Vec<ResourceAddr>,
    /// Only the resources listed in `depends_on`.
    #[serde(serialize_with = "display_list")]
    pub explicit_depends_on: Vec<ResourceAddr>,
    /// The `lifecycle` block.
    pub lifecycle: Lifecycle,
    /// The `timeouts` block.
    pub timeouts: Timeouts,
    /// The instances, in key order.
    pub instances: Vec<ResourceInstance>,
    /// How each argument is written.
    #[serde(skip)]
    pub expressions: BTreeMap<String, ExpressionSummary>,
    /// How `count` or `for_each` is written.
    #[serde(skip)]
    pub repetition_expression: Option<ExpressionSummary>,
    /// The `rotation` block: each instance is a series of generations (DESIGN §13).
    #[serde(skip)]
    pub rotation: Option<crate::rotation::Rotation>,
}

impl Resource {
    /// Where argument `name` is set in the block, or the block itself when it is not set:
    /// every instance shares its expressions, so this holds once the instances are forgotten.
    pub fn argument_span(&self, name: &str) -> Span {
        self.source
            .exprs
            .iter()
            .find(|(argument, _, _)| argument.name == name)
            .map_or(self.span, |(_, file, expr)| {
                crate::eval::span_of(*file, expr)
            })
    }
}

/// One instance of a resource with its evaluated arguments.
#[derive(Debug, Serialize)]
pub struct ResourceInstance {
    /// The instance address.
    #[serde(serialize_with = "display")]
    pub addr: ResourceInstanceAddr,
    /// Arguments set in the configuration (nulls omitted), converted to the schema's types.
    /// Values that depend on other resources are [`Value::Unknown`].
    #[serde(serialize_with = "value_map")]
    pub arguments: BTreeMap<String, Value>,
    /// The arguments whose values derive from something sensitive: shown as
    /// `(sensitive value)`, marked in the JSON plan, never written to a plan file.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive: BTreeSet<String>,
    /// Where each argument's value is written: the same for every instance of a resource,
    /// so they share it.
    #[serde(skip)]
    pub argument_spans: std::sync::Arc<BTreeMap<String, Span>>,
}

/// An `output` block.
#[derive(Debug, Serialize)]
pub struct Output {
    /// The output name.
    pub name: String,
    /// The block.
    #[serde(skip)]
    pub span: Span,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `sensitive = true` hides it in output.
    pub sensitive: bool,
    /// The value; unknown until apply when it reads computed attributes.
    #[serde(serialize_with = "value_text")]
    pub value: Value,
    /// How `value` is written.
    #[serde(skip)]
    pub expression: ExpressionSummary,
}

/// Where state is stored, from `snapform { backend "..." { ... } }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// A local file, `snapform.tfstate` by default.
    Local {
        /// The state file's path relative to the configuration directory.
        path: String,
    },
    /// PostgreSQL.
    Pg {
        /// The connection string, if set in the block (else from the environment).
        #[serde(skip)]
        conn_str: Option<Secret>,
        /// The schema holding the state table.
        schema_name: String,
        /// A PEM file of CAs to trust besides the system's for the server's certificate.
        #[serde(skip_serializing_if = "Option::is_none")]
        ca_file: Option<String>,
    },
}

impl Default for Backend {
    fn default() -> Backend {
        Backend::Local {
            path: "snapform.tfstate".to_owned(),
        }
    }
}

fn display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    ser: S,
) -> Result<S::Ok, S::Error> {
    ser.collect_str(value)
}

fn display_list<T: std::fmt::Display, S: serde::Serializer>(
    values: &[T],
    ser: S,
) -> Result<S::Ok, S::Error> {
    ser.collect_seq(values.iter().map(ToString::to_string))
}

fn value_text<S: serde::Serializer>(value: &Value, ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_str(value)
}

fn value_map<S: serde::Serializer>(
    values: &BTreeMap<String, Value>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    ser.collect_map(values.iter().map(|(key, value)| (key, value.to_string())))
}

fn secret_names<S: serde::Serializer>(
    secrets: &BTreeMap<String, Secret>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    ser.collect_seq(secrets.keys())
}

fn duration_text<S: serde::Serializer>(
    duration: &Option<Duration>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => ser.collect_str(&format_args!("{}s", duration.as_secs())),
        None => ser.serialize_none(),
    }
}
