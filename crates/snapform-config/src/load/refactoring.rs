//! `import`, `moved` and `removed` blocks (DESIGN §14): their addresses are read from the
//! references written in them, `import` blocks are expanded by their `for_each`, and every
//! rule that depends on the configuration alone is checked here, as Terraform checks it before
//! planning: a moved or removed resource that is still declared, moves that chain into a
//! cycle or disagree, imports into a series or into one address twice. What depends on the
//! state (a `to` that already holds an object, an ID the cloud does not have) is the
//! planner's to check.

use std::collections::BTreeMap;

use hcl::edit::expr::{Expression, TraversalOperator};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use snapform_core::schema::resource_schema;
use snapform_core::{Diagnostic, InstanceKey, ResourceAddr, ResourceInstanceAddr, Span, Value};

use super::decode::{Decls, ImportDecl, MovedDecl, RemovedDecl};
use super::{Attr, Loader};
use crate::eval::{self, Scope, span_of};
use crate::model::{Import, Move, Removal, Resource};
use crate::types::describe;

/// An address as written in a block: a resource, or one of its instances.
struct Written {
    addr: ResourceInstanceAddr,
    /// Whether an instance key was written (`x[0]`, `x["a"]`).
    keyed: bool,
}

impl Loader {
    /// The configuration's import, moved and removed blocks, checked against its `resources`.
    pub(super) fn evaluate_refactoring<'s>(
        &mut self,
        decls: &Decls<'_>,
        scope_for: &dyn Fn(snapform_core::FileId) -> Scope<'s>,
        resources: &[Resource],
    ) -> (Vec<Import>, Vec<Move>, Vec<Removal>) {
        let declared = |addr: &ResourceAddr| {
            resources
                .binary_search_by(|resource| resource.addr.cmp(addr))
                .ok()
                .map(|idx| &resources[idx])
        };
        let mut imports = Vec::new();
        for decl in &decls.imports {
            self.evaluate_import(decl, &scope_for(decl.file), &declared, &mut imports);
        }
        self.check_imports(&imports);
        let moves = self.evaluate_moves(&decls.moves, &declared);
        let removed = decls
            .removed
            .iter()
            .filter_map(|decl| self.evaluate_removed(decl, &declared))
            .collect::<Vec<_>>();
        let mut seen: BTreeMap<&ResourceAddr, Span> = BTreeMap::new();
        for removal in &removed {
            if let Some(first) = seen.insert(&removal.from, removal.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-removed",
                        format!("{} is named by two removed blocks", removal.from),
                        removal.span,
                    )
                    .with_secondary(first, "the first one"),
                );
            }
        }
        (imports, moves, removed)
    }

    /// Reads `attr`, a reference such as `type.name` or `type.name[KEY]`, evaluating the key in
    /// `scope` (literals only when `None`).
    fn written_address(&mut self, attr: Attr<'_>, scope: Option<&Scope<'_>>) -> Option<Written> {
        let invalid = |loader: &mut Loader, why: &str| {
            loader
                .error(
                    "invalid-address",
                    format!("`{}` must be a resource address, {why}", attr.name()),
                    attr.value_span(),
                )
                .help = Some(
                "write it as a reference, without quotes: tencentcloud_cbs_disk_backup.nightly or tencentcloud_cbs_disk_backup.nightly[\"web\"]"
                    .to_owned(),
            );
        };
        let Expression::Traversal(traversal) = attr.expr() else {
            let what = if matches!(attr.expr(), Expression::String(_)) {
                "not a quoted string"
            } else {
                "TYPE.NAME with an optional [KEY]"
            };
            invalid(self, what);
            return None;
        };
        let Expression::Variable(root) = &traversal.expr else {
            invalid(self, "TYPE.NAME with an optional [KEY]");
            return None;
        };
        let type_name = root.value().as_str();
        let mut operators = traversal.operators.iter().map(|op| op.value());
        let Some(TraversalOperator::GetAttr(name)) = operators.next() else {
            invalid(self, "TYPE.NAME with an optional [KEY]");
            return None;
        };
        if resource_schema(type_name).is_none() {
            self.error(
                "unknown-resource-type",
                format!("unknown resource type `{type_name}`"),
                span_of(attr.file, &traversal.expr),
            );
            return None;
        }
        let resource = ResourceAddr::new(type_name, name.value().as_str());
        let key = match operators.next() {
            None => None,
            Some(TraversalOperator::LegacyIndex(index)) => Some(InstanceKey::Int(*index.value())),
            Some(TraversalOperator::Index(expr)) => {
                let literal = Scope::literal(attr.file, "a moved or removed block's address");
                let value = match eval::evaluate(expr, scope.unwrap_or(&literal)) {
                    Ok(value) => value,
                    Err(diagnostic) => {
                        self.push(*diagnostic);
                        return None;
                    }
                };
                match value {
                    Value::Number(number) if number.fract() == 0.0 && number >= 0.0 => {
                        Some(InstanceKey::Int(number as u64))
                    }
                    Value::String(text) => Some(InstanceKey::Str(text)),
                    other => {
                        self.error(
                            "invalid-address",
                            format!(
                                "an instance key is a whole number or a string, got {}",
                                describe(&other)
                            ),
                            span_of(attr.file, expr),
                        );
                        return None;
                    }
                }
            }
            Some(_) => {
                invalid(self, "TYPE.NAME with an optional [KEY]");
                return None;
            }
        };
        if operators.next().is_some() {
            invalid(self, "not an attribute of one");
            return None;
        }
        Some(Written {
            keyed: key.is_some(),
            addr: ResourceInstanceAddr {
                resource,
                key: key.unwrap_or(InstanceKey::None),
                generation: None,
            },
        })
    }

    fn evaluate_import<'r>(
        &mut self,
        decl: &ImportDecl<'_>,
        scope: &Scope<'_>,
        declared: &dyn Fn(&ResourceAddr) -> Option<&'r Resource>,
        out: &mut Vec<Import>,
    ) {
        let (_, seeds) = self.expand(None, decl.for_each, scope, false);
        for (_, each) in seeds {
            // A for_each that failed leaves one placeholder with unknown `each`: nothing to
            // import, and its error is already reported.
            if decl.for_each.is_some() && each.as_ref().is_none_or(|(key, _)| !key.is_known()) {
                return;
            }
            let scope = Scope {
                each: each.clone(),
                ..scope.clone()
            };
            let Some(to) = self.written_address(decl.to, Some(&scope)) else {
                return;
            };
            if let Some(resource) = declared(&to.addr.resource)
                && resource.rotation.is_some()
            {
                self.error(
                    "import-into-series",
                    format!(
                        "{} is a series (it has a rotation block): an import block cannot say which generation an object is",
                        to.addr.resource
                    ),
                    decl.to.value_span(),
                )
                .help = Some(format!(
                    "import each object as a generation with `snapform import '{}@TICK' ID`, where TICK is one of its schedule's times",
                    to.addr
                ));
                return;
            }
            let id = match eval::evaluate(decl.id.expr(), &scope) {
                Ok(Value::String(id)) if !id.is_empty() => id,
                Ok(Value::Unknown) => {
                    self.error(
                        "unknown-import-id",
                        "`id` depends on values that are known only after apply",
                        decl.id.value_span(),
                    )
                    .help = Some("an import block's id must be known when planning: write it, or compute it from variables and locals".to_owned());
                    return;
                }
                Ok(Value::Sensitive(_)) => {
                    self.error(
                        "sensitive-import-id",
                        "`id` cannot be sensitive: the ID is shown in the plan and recorded in the state",
                        decl.id.value_span(),
                    );
                    return;
                }
                Ok(other) => {
                    self.error(
                        "type-mismatch",
                        format!(
                            "`id` must be the cloud's ID of the object, a non-empty string, got {}",
                            describe(&other)
                        ),
                        decl.id.value_span(),
                    );
                    return;
                }
                Err(diagnostic) => {
                    self.push(*diagnostic);
                    return;
                }
            };
            out.push(Import {
                to: to.addr,
                id,
                span: decl.span,
            });
        }
    }

    /// One import per address, and one address per ID.
    fn check_imports(&mut self, imports: &[Import]) {
        let mut by_to: BTreeMap<&ResourceInstanceAddr, &Import> = BTreeMap::new();
        let mut by_id: BTreeMap<(&str, &str), &Import> = BTreeMap::new();
        for import in imports {
            if let Some(first) = by_to.insert(&import.to, import) {
                self.push(
                    Diagnostic::error(
                        "duplicate-import",
                        format!("{} is the target of two imports", import.to),
                        import.span,
                    )
                    .with_secondary(first.span, "the first one")
                    .with_help("an address holds one object: keep one of the imports"),
                );
                continue;
            }
            let key = (import.to.resource.type_name.as_str(), import.id.as_str());
            if let Some(first) = by_id.insert(key, import) {
                self.push(
                    Diagnostic::error(
                        "duplicate-import",
                        format!(
                            "{} is imported twice, into {} and {}",
                            import.id, first.to, import.to
                        ),
                        import.span,
                    )
                    .with_secondary(first.span, "the first one")
                    .with_help("two addresses managing one snapshot would delete it twice: keep one of the imports"),
                );
            }
        }
    }

    fn evaluate_moves<'r>(
        &mut self,
        decls: &[MovedDecl<'_>],
        declared: &dyn Fn(&ResourceAddr) -> Option<&'r Resource>,
    ) -> Vec<Move> {
        let mut moves: Vec<Move> = Vec::new();
        for decl in decls {
            let (Some(from), Some(to)) = (
                self.written_address(decl.from, None),
                self.written_address(decl.to, None),
            ) else {
                continue;
            };
            if from.addr.resource.type_name != to.addr.resource.type_name {
                self.error(
                    "moved-type-mismatch",
                    format!(
                        "a moved block cannot change a resource's type: {} is a {}, {} a {}",
                        from.addr, from.addr.resource.type_name, to.addr, to.addr.resource.type_name
                    ),
                    decl.span,
                )
                .help = Some("a snapshot keeps its type; to manage it as another type, `snapform state rm` it and import it".to_owned());
                continue;
            }
            if from.addr == to.addr {
                self.error(
                    "moved-to-itself",
                    format!("this moved block moves {} to itself", from.addr),
                    decl.span,
                );
                continue;
            }
            // One side with a key makes both instances: `x` is then the instance without a key.
            let whole_resources = !from.keyed && !to.keyed;
            let statement = Move {
                from: from.addr,
                to: to.addr,
                whole_resources,
                span: decl.span,
            };
            if let Some(resource) = declared(&statement.from.resource) {
                let still = whole_resources
                    || resource
                        .instances
                        .iter()
                        .any(|instance| instance.addr == statement.from);
                if still {
                    self.push(
                        Diagnostic::error(
                            "moved-object-still-exists",
                            format!(
                                "this moved block moves {} to {}, but {} is still declared",
                                statement.from, statement.to, statement.from
                            ),
                            decl.span,
                        )
                        .with_secondary(resource.span, "still declared here")
                        .with_help(format!(
                            "change the configuration so that this object is declared as {} instead",
                            statement.to
                        )),
                    );
                    continue;
                }
            }
            if let Some(other) = moves.iter().find(|other| {
                (other.from == statement.from && other.to != statement.to)
                    || (other.to == statement.to && other.from != statement.from)
            }) {
                let message = if other.from == statement.from {
                    format!(
                        "ambiguous moved blocks: {} moves to {} here and to {} in another block",
                        statement.from, statement.to, other.to
                    )
                } else {
                    format!(
                        "ambiguous moved blocks: both {} and {} move to {}",
                        other.from, statement.from, statement.to
                    )
                };
                self.push(
                    Diagnostic::error("ambiguous-moves", message, decl.span)
                        .with_secondary(other.span, "the other moved block")
                        .with_help("an object has one new address: keep one of the two blocks"),
                );
                continue;
            }
            if moves.iter().any(|other| {
                other.from == statement.from
                    && other.to == statement.to
                    && other.whole_resources == statement.whole_resources
            }) {
                // The same statement twice moves nothing more.
                continue;
            }
            moves.push(statement);
        }
        self.order_moves(moves)
    }

    /// The statements in the order they apply, each after those whose `to` it starts from (or
    /// lies within); a cycle is an error, and then nothing moves.
    fn order_moves(&mut self, moves: Vec<Move>) -> Vec<Move> {
        let mut graph = DiGraph::<usize, ()>::new();
        let nodes: Vec<_> = (0..moves.len()).map(|idx| graph.add_node(idx)).collect();
        for (first, earlier) in moves.iter().enumerate() {
            for (then, later) in moves.iter().enumerate() {
                let chained =
                    later.from == earlier.to && later.whole_resources == earlier.whole_resources;
                let nested = earlier.whole_resources
                    && !later.whole_resources
                    && later.from.resource == earlier.to.resource;
                if first != then && (chained || nested) {
                    graph.add_edge(nodes[first], nodes[then], ());
                }
            }
        }
        let mut cyclic = false;
        for component in tarjan_scc(&graph) {
            if component.len() < 2 {
                continue;
            }
            cyclic = true;
            let mut members: Vec<usize> = component.iter().map(|node| graph[*node]).collect();
            members.sort_unstable();
            let chain: Vec<String> = members
                .iter()
                .map(|idx| format!("{} to {}", moves[*idx].from, moves[*idx].to))
                .collect();
            let mut diagnostic = Diagnostic::error(
                "moved-cycle",
                format!(
                    "these moved blocks form a cycle, so objects have no final address: {}",
                    chain.join(", ")
                ),
                moves[members[0]].span,
            )
            .with_help("a chain of moves must end at an address that no moved block moves from");
            for member in &members[1..] {
                diagnostic = diagnostic.with_secondary(moves[*member].span, "part of the cycle");
            }
            self.push(diagnostic);
        }
        if cyclic {
            return Vec::new();
        }
        match petgraph::algo::toposort(&graph, None) {
            Ok(order) => {
                let mut slots: Vec<Option<Move>> = moves.into_iter().map(Some).collect();
                order
                    .into_iter()
                    .filter_map(|node| slots[graph[node]].take())
                    .collect()
            }
            Err(_) => Vec::new(),
        }
    }

    fn evaluate_removed<'r>(
        &mut self,
        decl: &RemovedDecl<'_>,
        declared: &dyn Fn(&ResourceAddr) -> Option<&'r Resource>,
    ) -> Option<Removal> {
        let from = self.written_address(decl.from, None)?;
        if from.keyed {
            self.error(
                "removed-instance",
                format!(
                    "a removed block's `from` is a whole resource, such as {}, not one of its instances",
                    from.addr.resource
                ),
                decl.from.value_span(),
            )
            .help = Some("to stop managing one instance, drop its key from count or for_each and set `lifecycle { destroy = false }` on the resource, or use `snapform state rm`".to_owned());
            return None;
        }
        if let Some(resource) = declared(&from.addr.resource) {
            self.push(
                Diagnostic::error(
                    "removed-object-still-exists",
                    format!(
                        "this removed block says {} was removed, but it is still declared",
                        from.addr.resource
                    ),
                    decl.span,
                )
                .with_secondary(resource.span, "still declared here")
                .with_help("delete the resource block, or this removed block"),
            );
            return None;
        }
        let mut destroy = true;
        for attr in &decl.lifecycle {
            if attr.name() != "destroy" {
                self.unsupported_argument(
                    *attr,
                    attr.name(),
                    &["destroy"],
                    "a removed block's lifecycle",
                );
                continue;
            }
            if let Some(value) = self.literal(*attr, "lifecycle arguments")
                && let Some(flag) = self.expect_bool(*attr, value)
            {
                destroy = flag;
            }
        }
        Some(Removal {
            from: from.addr.resource,
            destroy,
            span: decl.span,
        })
    }
}
