//! Evaluates hcl-edit expressions to [`Value`]s, keeping spans for every error and carrying
//! unknown values through operators, templates and functions.
//!
//! We evaluate the hcl-edit tree directly rather than converting to `hcl::Expression` and using
//! `hcl::eval`, because that evaluator loses positions and cannot represent values that are
//! unknown until apply.
//!
//! It is one file of about 1,200 lines on purpose: the expression forms (references,
//! operators, conditionals, templates, `for` expressions, splats, calls) are arms of one
//! recursive walk over one `Evaluator`, and each needs the others; split, they would be
//! modules that import each other.

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl::edit::template::{Directive, Element, Template};
use snapform_core::schema::{ResourceSchema, resource_schema};
use snapform_core::{
    Diagnostic, FileId, InstanceKey, ResourceAddr, ResourceInstanceAddr, Span, Value,
};

use crate::functions::{self, EvalResult};
use crate::suggest::did_you_mean;

/// How a declared resource expands, as far as references to it care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefShape {
    /// Neither `count` nor `for_each`: `type.name.attr`.
    Single,
    /// `count`: `type.name[0].attr`.
    Counted,
    /// `for_each`: `type.name["key"].attr`.
    Keyed,
}

/// The resources a configuration declares, for resolving references.
pub(crate) type ResourceTable = BTreeMap<ResourceAddr, (RefShape, &'static ResourceSchema)>;

/// Everything an expression can refer to.
#[derive(Clone)]
pub(crate) struct Scope<'a> {
    pub file: FileId,
    pub variables: &'a BTreeMap<String, Value>,
    /// Values of locals evaluated so far; a declared local that failed is absent and reads as
    /// unknown so one mistake does not cascade.
    pub locals: &'a BTreeMap<String, Value>,
    pub declared_locals: &'a BTreeSet<String>,
    pub resources: &'a ResourceTable,
    /// `each.key` and `each.value` inside a resource with `for_each`.
    pub each: Option<(Value, Value)>,
    /// `count.index` inside a resource with `count` (unknown for a placeholder instance).
    pub count_index: Option<Value>,
    /// Whether resource references are allowed here (they are not in variable defaults).
    pub allow_resources: bool,
    /// What `var.*` and `local.*` may not be used in, if anything (for messages).
    pub forbid_named_values: Option<&'static str>,
    /// Known attributes of other resources (from state, as the planner walks the graph);
    /// without them every resource attribute is unknown.
    pub values: Option<&'a dyn ResourceValues>,
    /// `rotation.time` inside a resource with a `rotation` block: the tick of the generation
    /// being evaluated, as RFC 3339 text.
    pub rotation_time: Option<Value>,
    /// `snapform.workspace`, where it may be used.
    pub workspace: Option<&'a str>,
}

/// Attributes of resource instances that are already known, so references to them resolve
/// instead of being unknown until apply.
pub trait ResourceValues {
    /// The object of one instance's attributes, if known. Attributes inside it may still be
    /// unknown (the ID of an instance about to be created).
    fn instance(&self, addr: &ResourceInstanceAddr) -> Option<Value>;
    /// Every instance of a resource with its key, when all of them are known.
    fn instances(&self, addr: &ResourceAddr) -> Option<Vec<(InstanceKey, Value)>>;
}

static NO_VALUES: BTreeMap<String, Value> = BTreeMap::new();
static NO_NAMES: BTreeSet<String> = BTreeSet::new();
static NO_RESOURCES: ResourceTable = BTreeMap::new();

impl<'a> Scope<'a> {
    /// The scope of a configuration's body: its variables, locals and resources, with resource
    /// references allowed (and unknown until [`Scope::with_values`] gives known ones).
    pub fn new(
        file: FileId,
        variables: &'a BTreeMap<String, Value>,
        locals: &'a BTreeMap<String, Value>,
        declared_locals: &'a BTreeSet<String>,
        resources: &'a ResourceTable,
        workspace: &'a str,
    ) -> Scope<'a> {
        Scope {
            file,
            variables,
            locals,
            declared_locals,
            resources,
            each: None,
            count_index: None,
            allow_resources: true,
            forbid_named_values: None,
            values: None,
            rotation_time: None,
            workspace: Some(workspace),
        }
    }

    /// The same scope, with known attributes of other resources.
    pub fn with_values(self, values: &'a dyn ResourceValues) -> Scope<'a> {
        Scope {
            values: Some(values),
            ..self
        }
    }

    /// The same scope, where resources cannot be referred to (provider blocks).
    pub fn without_resources(self) -> Scope<'a> {
        Scope {
            allow_resources: false,
            ..self
        }
    }
}

impl Scope<'static> {
    /// A scope where only literals are allowed (variable defaults, lifecycle, backend
    /// settings); `what` names the place in messages.
    pub fn literal(file: FileId, what: &'static str) -> Scope<'static> {
        Scope {
            allow_resources: false,
            forbid_named_values: Some(what),
            workspace: None,
            ..Scope::new(file, &NO_VALUES, &NO_VALUES, &NO_NAMES, &NO_RESOURCES, "")
        }
    }
}

impl<'a> Scope<'a> {
    /// A scope with only `variables` in it, for variable validation conditions.
    pub fn variables_only(file: FileId, variables: &'a BTreeMap<String, Value>) -> Scope<'a> {
        Scope {
            allow_resources: false,
            workspace: None,
            ..Scope::new(file, variables, &NO_VALUES, &NO_NAMES, &NO_RESOURCES, "")
        }
    }
}

/// The byte span of an hcl-edit node, in `file`.
pub(crate) fn span_of(file: FileId, node: &impl hcl::edit::Span) -> Span {
    Span::new(file, node.span().unwrap_or(0..0))
}

/// Evaluates `expr` in `scope`.
pub(crate) fn evaluate(expr: &Expression, scope: &Scope<'_>) -> EvalResult {
    Evaluator {
        scope,
        locals: Vec::new(),
    }
    .eval(expr)
}

struct Evaluator<'s, 'a> {
    scope: &'s Scope<'a>,
    /// Variables bound by `for` expressions and template `for` directives, innermost last.
    locals: Vec<(String, Value)>,
}

fn err(code: &'static str, message: impl Into<String>, span: Span) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(code, message, span))
}

impl Evaluator<'_, '_> {
    fn span(&self, node: &impl hcl::edit::Span) -> Span {
        span_of(self.scope.file, node)
    }

    /// Evaluates `expr` and takes every mark off the value, noting in `marked` whether it had
    /// one, for operations whose result is marked as a whole.
    fn eval_unmarked(&mut self, expr: &Expression, marked: &mut bool) -> EvalResult {
        let (value, had_mark) = self.eval(expr)?.unmark_deep();
        *marked |= had_mark;
        Ok(value)
    }

    fn eval(&mut self, expr: &Expression) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(flag) => Ok(Value::Bool(*flag.value())),
            Expression::Number(number) => Ok(Value::Number(number.value().as_f64().unwrap_or(0.0))),
            Expression::String(text) => Ok(Value::String(text.value().clone())),
            Expression::Array(array) => {
                let mut items = Vec::with_capacity(array.len());
                for item in array.iter() {
                    items.push(self.eval(item)?);
                }
                Ok(Value::List(items))
            }
            Expression::Object(object) => {
                let mut entries = BTreeMap::new();
                let mut marked_key = false;
                for (key, value) in object.iter() {
                    let key_text = match key {
                        ObjectKey::Ident(ident) => ident.value().as_str().to_owned(),
                        ObjectKey::Expression(key_expr) => {
                            match self.eval_unmarked(key_expr, &mut marked_key)? {
                                Value::Unknown => return Ok(Value::Unknown),
                                other => other.to_template_string().ok_or_else(|| {
                                    err(
                                        "invalid-object-key",
                                        format!(
                                            "an object key must be a string, got a {}",
                                            other.type_name()
                                        ),
                                        self.span(key_expr),
                                    )
                                })?,
                            }
                        }
                    };
                    let value = self.eval(value.expr())?;
                    entries.insert(key_text, value);
                }
                Ok(Value::Map(entries).marked_if(marked_key))
            }
            Expression::StringTemplate(template) => self.eval_template(template),
            Expression::HeredocTemplate(heredoc) => self.eval_template(&heredoc.template),
            Expression::Parenthesis(inner) => self.eval(inner.inner()),
            Expression::Variable(ident) => self.eval_traversal(expr, &[], self.span(ident)),
            Expression::Conditional(cond) => {
                let (test, marked) = self.eval(&cond.cond_expr)?.unmark_deep();
                match test {
                    Value::Bool(true) => Ok(self.eval(&cond.true_expr)?.marked_if(marked)),
                    Value::Bool(false) => Ok(self.eval(&cond.false_expr)?.marked_if(marked)),
                    Value::Unknown => {
                        // Both branches are still checked for mistakes.
                        self.eval(&cond.true_expr)?;
                        self.eval(&cond.false_expr)?;
                        Ok(Value::Unknown)
                    }
                    other => Err(err(
                        "type-mismatch",
                        format!("the condition must be a bool, got a {}", other.type_name()),
                        self.span(&cond.cond_expr),
                    )),
                }
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                let span = self.span(call.as_ref());
                if call.name.is_namespaced() {
                    return Err(err(
                        "unknown-function",
                        format!(
                            "unknown function `{}::{name}`",
                            call.name
                                .namespace
                                .iter()
                                .map(|part| part.value().as_str())
                                .collect::<Vec<_>>()
                                .join("::")
                        ),
                        span,
                    ));
                }
                // Functions see values without marks; a marked argument marks the result, as
                // Terraform's functions do. `sensitive` and `nonsensitive` set and drop the mark.
                let mut marked = false;
                let mut args = Vec::with_capacity(call.args.len());
                for arg in call.args.iter() {
                    args.push((self.eval_unmarked(arg, &mut marked)?, self.span(arg)));
                }
                match (name, args.as_slice()) {
                    ("sensitive", [(value, _)]) => return Ok(Value::sensitive(value.clone())),
                    ("nonsensitive", [(value, _)]) => return Ok(value.clone()),
                    ("sensitive" | "nonsensitive", _) => {
                        return Err(err(
                            "function-arguments",
                            format!("`{name}` takes exactly one argument"),
                            span,
                        ));
                    }
                    _ => {}
                }
                if call.args.expand_final() {
                    let Some((last, last_span)) = args.pop() else {
                        return Err(err("function-arguments", "`...` needs an argument", span));
                    };
                    match last {
                        Value::List(items) | Value::Set(items) => {
                            args.extend(items.into_iter().map(|item| (item, last_span)))
                        }
                        Value::Unknown => return Ok(Value::Unknown),
                        other => {
                            return Err(err(
                                "function-arguments",
                                format!("`...` expands a list, got a {}", other.type_name()),
                                last_span,
                            ));
                        }
                    }
                }
                Ok(functions::call(name, &args, span)?.marked_if(marked))
            }
            Expression::Traversal(traversal) => self.eval_traversal(
                &traversal.expr,
                &traversal.operators,
                self.span(traversal.as_ref()),
            ),
            Expression::UnaryOp(op) => {
                let mut marked = false;
                let operand = self.eval_unmarked(&op.expr, &mut marked)?;
                match (op.operator.value(), operand) {
                    (_, Value::Unknown) => Ok(Value::Unknown.marked_if(marked)),
                    (UnaryOperator::Neg, Value::Number(number)) => {
                        Ok(Value::Number(-number).marked_if(marked))
                    }
                    (UnaryOperator::Not, Value::Bool(flag)) => {
                        Ok(Value::Bool(!flag).marked_if(marked))
                    }
                    (operator, other) => Err(err(
                        "type-mismatch",
                        format!(
                            "`{}` needs a {}, got a {}",
                            operator.as_str(),
                            if *operator == UnaryOperator::Neg {
                                "number"
                            } else {
                                "bool"
                            },
                            other.type_name()
                        ),
                        self.span(&op.expr),
                    )),
                }
            }
            Expression::BinaryOp(op) => {
                let mut marked = false;
                let lhs = self.eval_unmarked(&op.lhs_expr, &mut marked)?;
                let rhs = self.eval_unmarked(&op.rhs_expr, &mut marked)?;
                binary(*op.operator.value(), lhs, rhs)
                    .map(|value| value.marked_if(marked))
                    .map_err(|message| err("type-mismatch", message, self.span(op.as_ref())))
            }
            Expression::ForExpr(for_expr) => self.eval_for(for_expr),
        }
    }

    fn lookup_local(&self, name: &str) -> Option<&Value> {
        self.locals
            .iter()
            .rev()
            .find(|(bound, _)| bound == name)
            .map(|(_, value)| value)
    }

    /// Evaluates `root` followed by `operators`; `span` covers the whole traversal.
    fn eval_traversal(
        &mut self,
        root: &Expression,
        operators: &[hcl::edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> EvalResult {
        let Expression::Variable(ident) = root else {
            let value = self.eval(root)?;
            return self.apply_operators(value, operators);
        };
        let name = ident.value().as_str();
        if let Some(bound) = self.lookup_local(name) {
            let value = bound.clone();
            return self.apply_operators(value, operators);
        }
        let first_attr = match operators.first().map(|op| op.value()) {
            Some(TraversalOperator::GetAttr(attr)) => Some(attr.value().as_str()),
            _ => None,
        };
        let rest = operators.get(1..).unwrap_or(&[]);
        match name {
            "var" | "local" => {
                if let Some(what) = self.scope.forbid_named_values {
                    return Err(err(
                        "invalid-reference",
                        format!("{what} cannot refer to `{name}.*`"),
                        span,
                    )
                    .with_help_boxed("use a literal value here"));
                }
                let Some(attr) = first_attr else {
                    return Err(err(
                        "invalid-reference",
                        format!("`{name}` must be followed by `.NAME`"),
                        span,
                    ));
                };
                let value = if name == "var" {
                    match self.scope.variables.get(attr) {
                        Some(value) => value.clone(),
                        None => {
                            return Err(err(
                                "undeclared-variable",
                                format!("reference to undeclared variable `{attr}`"),
                                span,
                            )
                            .with_help_boxed(did_you_mean(
                                attr,
                                self.scope.variables.keys().map(String::as_str),
                                &format!("declare it with a `variable \"{attr}\"` block"),
                            )));
                        }
                    }
                } else if let Some(value) = self.scope.locals.get(attr) {
                    value.clone()
                } else if self.scope.declared_locals.contains(attr) {
                    Value::Unknown
                } else {
                    return Err(err(
                        "undeclared-local",
                        format!("reference to undeclared local value `{attr}`"),
                        span,
                    )
                    .with_help_boxed(did_you_mean(
                        attr,
                        self.scope.declared_locals.iter().map(String::as_str),
                        &format!("declare it in a `locals` block as `{attr} = ...`"),
                    )));
                };
                self.apply_operators(value, rest)
            }
            "each" => {
                let Some((key, value)) = &self.scope.each else {
                    return Err(err(
                        "invalid-reference",
                        "`each` can only be used in a resource with `for_each`",
                        span,
                    ));
                };
                let picked = match first_attr {
                    Some("key") => key.clone(),
                    Some("value") => value.clone(),
                    _ => {
                        return Err(err(
                            "invalid-reference",
                            "`each` has only `each.key` and `each.value`",
                            span,
                        ));
                    }
                };
                self.apply_operators(picked, rest)
            }
            "count" => {
                let Some(index) = self.scope.count_index.clone() else {
                    return Err(err(
                        "invalid-reference",
                        "`count.index` can only be used in a resource with `count`",
                        span,
                    ));
                };
                if first_attr != Some("index") {
                    return Err(err(
                        "invalid-reference",
                        "`count` has only `count.index`",
                        span,
                    ));
                }
                self.apply_operators(index, rest)
            }
            "rotation" => {
                let Some(time) = self.scope.rotation_time.clone() else {
                    return Err(err(
                        "invalid-reference",
                        "`rotation.time` can only be used in a resource with a `rotation` block",
                        span,
                    )
                    .with_help_boxed(
                        "add `rotation { schedule = \"@daily\" ... }` to make the resource a series of generations",
                    ));
                };
                if first_attr != Some("time") {
                    return Err(err(
                        "invalid-reference",
                        "`rotation` has only `rotation.time`",
                        span,
                    ));
                }
                self.apply_operators(time, rest)
            }
            "snapform" => {
                if let Some(what) = self.scope.forbid_named_values {
                    return Err(err(
                        "invalid-reference",
                        format!("{what} cannot refer to `snapform.*`"),
                        span,
                    )
                    .with_help_boxed("use a literal value here"));
                }
                if first_attr != Some("workspace") {
                    return Err(err(
                        "invalid-reference",
                        "`snapform` has only `snapform.workspace`",
                        span,
                    ));
                }
                let Some(workspace) = self.scope.workspace else {
                    return Err(err(
                        "invalid-reference",
                        "`snapform.workspace` cannot be used here",
                        span,
                    ));
                };
                self.apply_operators(Value::string(workspace), rest)
            }
            "data" => Err(err(
                "unsupported-reference",
                "data sources are not supported by snapform",
                span,
            )),
            "terraform" => Err(err(
                "unsupported-reference",
                "`terraform` references are not supported by snapform",
                span,
            )
            .with_help_boxed("`terraform.workspace` is `snapform.workspace` here")),
            "self" | "path" => Err(err(
                "unsupported-reference",
                format!("`{name}` references are not supported by snapform"),
                span,
            )),
            _ => self.eval_resource_reference(name, operators, span),
        }
    }

    fn eval_resource_reference(
        &mut self,
        type_name: &str,
        operators: &[hcl::edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> EvalResult {
        let Some(schema) = resource_schema(type_name) else {
            return Err(err(
                "unknown-reference",
                format!("unknown name `{type_name}`"),
                span,
            )
            .with_help_boxed(
                "references start with `var.`, `local.`, `each.`, `count.`, `snapform.workspace` or a resource type such as `tencentcloud_cbs_disk_backup.NAME`",
            ));
        };
        if !self.scope.allow_resources {
            return Err(err(
                "invalid-reference",
                format!(
                    "{} cannot refer to resources",
                    self.scope.forbid_named_values.unwrap_or("this expression")
                ),
                span,
            ));
        }
        let Some(TraversalOperator::GetAttr(name)) = operators.first().map(|op| op.value()) else {
            return Err(err(
                "invalid-reference",
                format!("`{type_name}` must be followed by `.NAME`"),
                span,
            ));
        };
        let addr = ResourceAddr::new(type_name, name.value().as_str());
        let Some((shape, _)) = self.scope.resources.get(&addr) else {
            let declared: Vec<&str> = self
                .scope
                .resources
                .keys()
                .filter(|candidate| candidate.type_name == type_name)
                .map(|candidate| candidate.name.as_str())
                .collect();
            return Err(err(
                "undeclared-resource",
                format!("reference to undeclared resource `{addr}`"),
                span,
            )
            .with_help_boxed(did_you_mean(
                &addr.name,
                declared.iter().copied(),
                &format!(
                    "declare it with a `resource \"{type_name}\" \"{}\"` block",
                    addr.name
                ),
            )));
        };
        let mut rest = &operators[1..];
        // An instance key or splat comes first for expanded resources.
        let instance_key = match (shape, rest.first().map(|op| op.value())) {
            (RefShape::Single, _) => Some(InstanceKey::None),
            (_, Some(TraversalOperator::Index(index_expr))) => {
                let key = self.eval(index_expr)?;
                let key_ok = match (shape, &key) {
                    (RefShape::Counted, Value::Number(number)) => {
                        number.fract() == 0.0 && *number >= 0.0
                    }
                    (RefShape::Keyed, Value::String(_)) => true,
                    (_, Value::Unknown) => true,
                    _ => false,
                };
                if !key_ok {
                    let wanted = if *shape == RefShape::Counted {
                        "a whole number (count.index)"
                    } else {
                        "a string key (each.key)"
                    };
                    return Err(err(
                        "invalid-index",
                        format!("instances of `{addr}` are indexed by {wanted}, got {key}"),
                        self.span(index_expr),
                    ));
                }
                rest = &rest[1..];
                match key {
                    Value::Number(number) => Some(InstanceKey::Int(number as u64)),
                    Value::String(text) => Some(InstanceKey::Str(text)),
                    _ => None,
                }
            }
            (_, Some(TraversalOperator::LegacyIndex(index))) if *shape == RefShape::Counted => {
                rest = &rest[1..];
                Some(InstanceKey::Int(*index.value()))
            }
            // The whole collection of instances, for example to iterate with `for`.
            (_, None) => {
                let Some(instances) = self.scope.values.and_then(|values| values.instances(&addr))
                else {
                    return Ok(Value::Unknown);
                };
                return Ok(match shape {
                    RefShape::Keyed => Value::Map(
                        instances
                            .into_iter()
                            .filter_map(|(key, value)| match key {
                                InstanceKey::Str(key) => Some((key, value)),
                                _ => None,
                            })
                            .collect(),
                    ),
                    _ => Value::List(instances.into_iter().map(|(_, value)| value).collect()),
                });
            }
            (_, Some(TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_))) => {
                rest = &rest[1..];
                self.check_attribute(schema, &addr, rest, span)?;
                let Some(instances) = self.scope.values.and_then(|values| values.instances(&addr))
                else {
                    return Ok(Value::Unknown);
                };
                let mut res = Vec::with_capacity(instances.len());
                for (_, value) in instances {
                    res.push(self.apply_operators(value, rest)?);
                }
                return Ok(Value::List(res));
            }
            _ => {
                let (meta, one) = if *shape == RefShape::Counted {
                    ("`count`", "[0]")
                } else {
                    ("`for_each`", "[\"KEY\"]")
                };
                return Err(err(
                    "missing-instance-key",
                    format!("`{addr}` has {meta}, so its attributes must be read from one instance"),
                    span,
                )
                .with_help_boxed(format!(
                    "read one instance as `{addr}{one}.ATTRIBUTE`, or all of them as `{addr}[*].ATTRIBUTE`"
                )));
            }
        };
        self.check_attribute(schema, &addr, rest, span)?;
        let known = instance_key.and_then(|key| {
            self.scope
                .values
                .and_then(|values| values.instance(&addr.instance(key)))
        });
        match known {
            Some(object) => self.apply_operators(object, rest),
            None => Ok(Value::Unknown),
        }
    }

    /// Checks that the attribute read from a resource exists.
    fn check_attribute(
        &self,
        schema: &ResourceSchema,
        addr: &ResourceAddr,
        rest: &[hcl::edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<(), Box<Diagnostic>> {
        if let Some(TraversalOperator::GetAttr(attr)) = rest.first().map(|op| op.value()) {
            let attr = attr.value().as_str();
            if !schema.has_attribute(attr) {
                return Err(err(
                    "unknown-attribute",
                    format!("`{addr}` has no attribute `{attr}`"),
                    span,
                )
                .with_help_boxed(did_you_mean(
                    attr,
                    schema.attribute_names().into_iter(),
                    &format!("its attributes are {}", schema.attribute_names().join(", ")),
                )));
            }
        }
        Ok(())
    }

    fn apply_operators(
        &mut self,
        mut value: Value,
        operators: &[hcl::edit::Decorated<TraversalOperator>],
    ) -> EvalResult {
        // A marked collection marks whatever is read from it; marks inside it stay on their
        // elements.
        let mut marked = false;
        for (idx, operator) in operators.iter().enumerate() {
            let op_span = self.span(operator);
            let (unmarked, had_mark) = value.unmark();
            marked |= had_mark;
            value = match operator.value() {
                TraversalOperator::GetAttr(attr) => get_attr(unmarked, attr.value().as_str())
                    .map_err(|m| err("invalid-attribute", m, op_span))?,
                TraversalOperator::Index(index_expr) => {
                    let key = self.eval_unmarked(index_expr, &mut marked)?;
                    index(unmarked, &key).map_err(|m| err("invalid-index", m, op_span))?
                }
                TraversalOperator::LegacyIndex(position) => {
                    index(unmarked, &Value::Number(*position.value() as f64))
                        .map_err(|m| err("invalid-index", m, op_span))?
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &operators[idx + 1..];
                    let items = match unmarked {
                        Value::Unknown => return Ok(Value::Unknown.marked_if(marked)),
                        Value::Null => Vec::new(),
                        Value::List(items) | Value::Set(items) => items,
                        other => vec![other],
                    };
                    let mut res = Vec::with_capacity(items.len());
                    for item in items {
                        res.push(self.apply_operators(item, rest)?);
                    }
                    return Ok(Value::List(res).marked_if(marked));
                }
            };
        }
        Ok(value.marked_if(marked))
    }

    fn eval_template(&mut self, template: &Template) -> EvalResult {
        // A template that is exactly one interpolation yields the value itself, unconverted.
        if let Some(Element::Interpolation(interp)) = template.as_single_element() {
            return self.eval(&interp.expr);
        }
        let mut res = String::new();
        let mut unknown = false;
        let mut marked = false;
        self.render_template(template, &mut res, &mut unknown, &mut marked)?;
        if unknown {
            Ok(Value::Unknown.marked_if(marked))
        } else {
            Ok(Value::String(res).marked_if(marked))
        }
    }

    fn render_template(
        &mut self,
        template: &Template,
        out: &mut String,
        unknown: &mut bool,
        marked: &mut bool,
    ) -> Result<(), Box<Diagnostic>> {
        for element in template.iter() {
            match element {
                Element::Literal(text) => out.push_str(text.value()),
                Element::Interpolation(interp) => {
                    let value = self.eval_unmarked(&interp.expr, marked)?;
                    self.push_template_value(&value, out, unknown, self.span(&interp.expr))?;
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        let cond = self.eval_unmarked(&if_directive.if_expr.cond_expr, marked)?;
                        match cond {
                            Value::Bool(true) => self.render_template(
                                &if_directive.if_expr.template,
                                out,
                                unknown,
                                marked,
                            )?,
                            Value::Bool(false) => {
                                if let Some(else_expr) = &if_directive.else_expr {
                                    self.render_template(
                                        &else_expr.template,
                                        out,
                                        unknown,
                                        marked,
                                    )?;
                                }
                            }
                            Value::Unknown => *unknown = true,
                            other => {
                                return Err(err(
                                    "type-mismatch",
                                    format!(
                                        "the `%{{ if }}` condition must be a bool, got a {}",
                                        other.type_name()
                                    ),
                                    self.span(&if_directive.if_expr.cond_expr),
                                ));
                            }
                        }
                    }
                    Directive::For(for_directive) => {
                        let for_expr = &for_directive.for_expr;
                        let (collection, had_mark) = self.eval(&for_expr.collection_expr)?.unmark();
                        *marked |= had_mark;
                        let pairs = match iterate(collection) {
                            Ok(Some(pairs)) => pairs,
                            Ok(None) => {
                                *unknown = true;
                                continue;
                            }
                            Err(message) => {
                                return Err(err(
                                    "type-mismatch",
                                    message,
                                    self.span(&for_expr.collection_expr),
                                ));
                            }
                        };
                        for (key, value) in pairs {
                            let n_bound = self.bind(
                                for_expr.key_var.as_ref().map(|v| v.value().as_str()),
                                key,
                                for_expr.value_var.value().as_str(),
                                value,
                            );
                            let rendered =
                                self.render_template(&for_expr.template, out, unknown, marked);
                            self.locals.truncate(self.locals.len() - n_bound);
                            rendered?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn push_template_value(
        &self,
        value: &Value,
        out: &mut String,
        unknown: &mut bool,
        span: Span,
    ) -> Result<(), Box<Diagnostic>> {
        match value {
            Value::Unknown => {
                *unknown = true;
                Ok(())
            }
            Value::Null => Err(err(
                "null-in-template",
                "cannot insert a null value into a string",
                span,
            )),
            other => match other.to_template_string() {
                Some(text) => {
                    out.push_str(&text);
                    Ok(())
                }
                None => Err(err(
                    "type-mismatch",
                    format!("cannot insert a {} into a string", other.type_name()),
                    span,
                )
                .with_help_boxed("use join() for lists, or pick one element")),
            },
        }
    }

    /// Binds the key and value variables of a `for`; returns how many were pushed.
    fn bind(&mut self, key_var: Option<&str>, key: Value, value_var: &str, value: Value) -> usize {
        let mut n_bound = 1;
        if let Some(key_var) = key_var {
            self.locals.push((key_var.to_owned(), key));
            n_bound += 1;
        }
        self.locals.push((value_var.to_owned(), value));
        n_bound
    }

    fn eval_for(&mut self, for_expr: &ForExpr) -> EvalResult {
        // A marked collection, condition or key marks the whole result; marked elements keep
        // their marks in it.
        let (collection, mut marked) = self.eval(&for_expr.intro.collection_expr)?.unmark();
        let pairs = match iterate(collection) {
            Ok(Some(pairs)) => pairs,
            Ok(None) => return Ok(Value::Unknown.marked_if(marked)),
            Err(message) => {
                return Err(err(
                    "type-mismatch",
                    message,
                    self.span(&for_expr.intro.collection_expr),
                ));
            }
        };
        let key_var = for_expr
            .intro
            .key_var
            .as_ref()
            .map(|v| v.value().as_str().to_owned());
        let value_var = for_expr.intro.value_var.value().as_str().to_owned();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut any_unknown = false;
        for (key, value) in pairs {
            let n_bound = self.bind(key_var.as_deref(), key, &value_var, value);
            let step = self.for_step(for_expr, &mut marked);
            self.locals.truncate(self.locals.len() - n_bound);
            match step? {
                ForStep::Skip => {}
                ForStep::Unknown => any_unknown = true,
                ForStep::Item(item) => list.push(item),
                ForStep::Entry(key, value) => {
                    if for_expr.grouping {
                        groups.entry(key).or_default().push(value);
                    } else if let std::collections::btree_map::Entry::Vacant(slot) =
                        map.entry(key.clone())
                    {
                        slot.insert(value);
                    } else {
                        return Err(err(
                            "duplicate-key",
                            format!("the `for` expression produces the key {key:?} twice"),
                            self.span(for_expr),
                        )
                        .with_help_boxed("add `...` after the value to group values by key"));
                    }
                }
            }
        }
        let res = if any_unknown {
            Value::Unknown
        } else if for_expr.key_expr.is_some() && for_expr.grouping {
            Value::Map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            )
        } else if for_expr.key_expr.is_some() {
            Value::Map(map)
        } else {
            Value::List(list)
        };
        Ok(res.marked_if(marked))
    }

    fn for_step(
        &mut self,
        for_expr: &ForExpr,
        marked: &mut bool,
    ) -> Result<ForStep, Box<Diagnostic>> {
        if let Some(cond) = &for_expr.cond {
            match self.eval_unmarked(&cond.expr, marked)? {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(ForStep::Skip),
                Value::Unknown => return Ok(ForStep::Unknown),
                other => {
                    return Err(err(
                        "type-mismatch",
                        format!(
                            "the `if` clause must be a bool, got a {}",
                            other.type_name()
                        ),
                        self.span(&cond.expr),
                    ));
                }
            }
        }
        let value = self.eval(&for_expr.value_expr)?;
        match &for_expr.key_expr {
            None => Ok(ForStep::Item(value)),
            Some(key_expr) => match self.eval_unmarked(key_expr, marked)? {
                Value::Unknown => Ok(ForStep::Unknown),
                key => match key.to_template_string() {
                    Some(text) => Ok(ForStep::Entry(text, value)),
                    None => Err(err(
                        "invalid-object-key",
                        format!("an object key must be a string, got a {}", key.type_name()),
                        self.span(key_expr),
                    )),
                },
            },
        }
    }
}

enum ForStep {
    Skip,
    Unknown,
    Item(Value),
    Entry(String, Value),
}

trait WithHelpBoxed {
    fn with_help_boxed(self, help: impl Into<String>) -> Self;
}

impl WithHelpBoxed for Box<Diagnostic> {
    fn with_help_boxed(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The (key, value) pairs a `for` walks; `Ok(None)` when the collection is unknown.
fn iterate(collection: Value) -> Result<Option<Vec<(Value, Value)>>, String> {
    match collection {
        Value::Unknown => Ok(None),
        Value::List(items) => Ok(Some(
            items
                .into_iter()
                .enumerate()
                .map(|(idx, item)| (Value::Number(idx as f64), item))
                .collect(),
        )),
        Value::Set(items) => Ok(Some(
            items.into_iter().map(|item| (item.clone(), item)).collect(),
        )),
        Value::Map(entries) => Ok(Some(
            entries
                .into_iter()
                .map(|(key, value)| (Value::String(key), value))
                .collect(),
        )),
        other => Err(format!(
            "a `for` expression needs a list, set or map, got a {}",
            other.type_name()
        )),
    }
}

fn get_attr(value: Value, attr: &str) -> Result<Value, String> {
    match value {
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(mut entries) => entries
            .remove(attr)
            .ok_or_else(|| format!("this map has no key `{attr}`")),
        Value::Null => Err(format!("cannot read `.{attr}` of a null value")),
        other => Err(format!("cannot read `.{attr}` of a {}", other.type_name())),
    }
}

fn index(value: Value, key: &Value) -> Result<Value, String> {
    match (value, key) {
        (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown),
        (Value::List(items), Value::Number(number)) => {
            if number.fract() != 0.0 || *number < 0.0 {
                return Err(format!("a list index must be a whole number, got {number}"));
            }
            let len = items.len();
            items
                .into_iter()
                .nth(*number as usize)
                .ok_or_else(|| format!("index {number} is out of range for a list of {len} items"))
        }
        (Value::List(_), other) => Err(format!(
            "a list index must be a number, got a {}",
            other.type_name()
        )),
        (Value::Map(mut entries), key) => {
            let text = key
                .to_template_string()
                .ok_or_else(|| format!("a map key must be a string, got a {}", key.type_name()))?;
            entries
                .remove(&text)
                .ok_or_else(|| format!("this map has no key {text:?}"))
        }
        (Value::Set(_), _) => {
            Err("a set cannot be indexed; convert it with tolist() first".to_owned())
        }
        (other, _) => Err(format!("a {} cannot be indexed", other.type_name())),
    }
}

fn binary(operator: BinaryOperator, lhs: Value, rhs: Value) -> Result<Value, String> {
    use BinaryOperator as Op;
    if matches!(operator, Op::Eq | Op::NotEq) {
        if lhs == Value::Unknown || rhs == Value::Unknown {
            return Ok(Value::Unknown);
        }
        let equal = lhs == rhs;
        return Ok(Value::Bool(if operator == Op::Eq { equal } else { !equal }));
    }
    if lhs == Value::Unknown || rhs == Value::Unknown {
        return Ok(Value::Unknown);
    }
    match operator {
        Op::And | Op::Or => match (lhs, rhs) {
            (Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(if operator == Op::And {
                a && b
            } else {
                a || b
            })),
            (a, b) => Err(format!(
                "`{}` needs two bools, got a {} and a {}",
                operator.as_str(),
                a.type_name(),
                b.type_name()
            )),
        },
        _ => {
            let (a, b) = match (lhs.to_number(), rhs.to_number()) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    return Err(format!(
                        "`{}` needs two numbers, got a {} and a {}",
                        operator.as_str(),
                        lhs.type_name(),
                        rhs.type_name()
                    ));
                }
            };
            Ok(match operator {
                Op::Plus => Value::Number(a + b),
                Op::Minus => Value::Number(a - b),
                Op::Mul => Value::Number(a * b),
                Op::Div if b == 0.0 => return Err("division by zero".to_owned()),
                Op::Div => Value::Number(a / b),
                Op::Mod if b == 0.0 => return Err("modulo by zero".to_owned()),
                Op::Mod => Value::Number(a % b),
                Op::Less => Value::Bool(a < b),
                Op::LessEq => Value::Bool(a <= b),
                Op::Greater => Value::Bool(a > b),
                Op::GreaterEq => Value::Bool(a >= b),
                Op::Eq | Op::NotEq | Op::And | Op::Or => unreachable!("handled above"),
            })
        }
    }
}

/// A reference found in an expression, for building the dependency graph.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reference {
    Variable(String),
    Local(String),
    Resource(ResourceAddr),
}

/// Collects the variables, locals and resources `expr` refers to, with the span of each
/// reference.
pub(crate) fn references(expr: &Expression, file: FileId, out: &mut Vec<(Reference, Span)>) {
    let mut collector = RefCollector { file, out };
    collector.expr(expr);
}

struct RefCollector<'o> {
    file: FileId,
    out: &'o mut Vec<(Reference, Span)>,
}

impl RefCollector<'_> {
    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_)
            | Expression::Variable(_) => {}
            Expression::Array(array) => array.iter().for_each(|item| self.expr(item)),
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    if let ObjectKey::Expression(key_expr) = key {
                        self.expr(key_expr);
                    }
                    self.expr(value.expr());
                }
            }
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template),
            Expression::Parenthesis(inner) => self.expr(inner.inner()),
            Expression::Conditional(cond) => {
                self.expr(&cond.cond_expr);
                self.expr(&cond.true_expr);
                self.expr(&cond.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|arg| self.expr(arg)),
            Expression::Traversal(traversal) => {
                self.traversal(traversal);
                self.expr(&traversal.expr);
                for operator in &traversal.operators {
                    if let TraversalOperator::Index(index_expr) = operator.value() {
                        self.expr(index_expr);
                    }
                }
            }
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(for_expr) => {
                self.expr(&for_expr.intro.collection_expr);
                if let Some(key_expr) = &for_expr.key_expr {
                    self.expr(key_expr);
                }
                self.expr(&for_expr.value_expr);
                if let Some(cond) = &for_expr.cond {
                    self.expr(&cond.expr);
                }
            }
        }
    }

    fn template(&mut self, template: &Template) {
        for element in template.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(interp) => self.expr(&interp.expr),
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        self.expr(&if_directive.if_expr.cond_expr);
                        self.template(&if_directive.if_expr.template);
                        if let Some(else_expr) = &if_directive.else_expr {
                            self.template(&else_expr.template);
                        }
                    }
                    Directive::For(for_directive) => {
                        self.expr(&for_directive.for_expr.collection_expr);
                        self.template(&for_directive.for_expr.template);
                    }
                },
            }
        }
    }

    fn traversal(&mut self, traversal: &hcl::edit::expr::Traversal) {
        let Expression::Variable(root) = &traversal.expr else {
            return;
        };
        let Some(TraversalOperator::GetAttr(attr)) =
            traversal.operators.first().map(|op| op.value())
        else {
            return;
        };
        let span = span_of(self.file, traversal);
        let attr = attr.value().as_str().to_owned();
        let reference = match root.value().as_str() {
            "var" => Reference::Variable(attr),
            "local" => Reference::Local(attr),
            type_name if resource_schema(type_name).is_some() => {
                Reference::Resource(ResourceAddr::new(type_name, attr))
            }
            _ => return,
        };
        self.out.push((reference, span));
    }
}
