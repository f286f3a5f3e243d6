//! The plan's graph: dependency edges from references and `depends_on`, and explicit order
//! between operations that touch the same disk, instance or desktop.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use snapform_config::{Config, Resource};
use snapform_core::{ResourceAddr, ResourceInstanceAddr};
use snapform_state::State;

use crate::model::{Action, EdgeKind, ResourceChange};

/// The configuration's resources, dependencies first; address order where there is no
/// dependency (and where the configuration has a cycle, already reported).
pub fn dependency_order(config: &Config) -> Vec<&Resource> {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<NodeIndex> = (0..config.resources.len())
        .map(|idx| graph.add_node(idx))
        .collect();
    let index: BTreeMap<&ResourceAddr, usize> = config
        .resources
        .iter()
        .enumerate()
        .map(|(idx, res)| (&res.addr, idx))
        .collect();
    for (idx, resource) in config.resources.iter().enumerate() {
        for dependency in &resource.depends_on {
            if let Some(&dep_idx) = index.get(dependency) {
                graph.add_edge(nodes[dep_idx], nodes[idx], ());
            }
        }
    }
    match toposort(&graph, None) {
        Ok(order) => order
            .into_iter()
            .map(|node| &config.resources[graph[node]])
            .collect(),
        Err(_) => config.resources.iter().collect(),
    }
}

/// Keeps only the changes of `targets` and of everything they depend on; the rest become
/// no-ops. Their objects are recorded in `state`, the plan's prior state.
pub fn apply_targets(
    config: &Config,
    changes: &mut [ResourceChange],
    targets: &[ResourceInstanceAddr],
    state: &State,
) {
    let mut wanted_resources: BTreeSet<ResourceAddr> = BTreeSet::new();
    let mut wanted_instances: BTreeSet<&ResourceInstanceAddr> = BTreeSet::new();
    let mut stack: Vec<ResourceAddr> = Vec::new();
    for target in targets {
        if target.key == snapform_core::InstanceKey::None {
            stack.push(target.resource.clone());
        } else {
            wanted_instances.insert(target);
            if let Some(resource) = config.resource(&target.resource) {
                stack.extend(resource.depends_on.iter().cloned());
            }
        }
    }
    while let Some(addr) = stack.pop() {
        if !wanted_resources.insert(addr.clone()) {
            continue;
        }
        if let Some(resource) = config.resource(&addr) {
            stack.extend(resource.depends_on.iter().cloned());
        }
    }
    for change in changes.iter_mut() {
        let targeted = wanted_resources.contains(&change.addr.resource)
            || wanted_instances.contains(&change.addr);
        if !targeted {
            keep_as_is(change, state);
        }
    }
}

/// Leaves the instances at `addrs` as they are: no action is planned for them.
pub fn leave_alone(
    changes: &mut [ResourceChange],
    addrs: BTreeSet<&ResourceInstanceAddr>,
    state: &State,
) {
    if addrs.is_empty() {
        return;
    }
    for change in changes.iter_mut() {
        if addrs.contains(&change.addr) {
            keep_as_is(change, state);
        }
    }
}

/// Plans no action for `change`, whose object is recorded in `state`.
fn keep_as_is(change: &mut ResourceChange, state: &State) {
    if change.action != Action::NoOp {
        if change.before_recorded {
            // Kept, its object is the change's own, as every kept instance's is.
            change.before = crate::model::recorded_object(state, change);
            change.before_recorded = false;
        }
        change.action = Action::NoOp;
        change.reason = None;
        change.replace_paths.clear();
        change.adopting = false;
        change.awaits_readiness = false;
        change.after = change.before.clone();
    }
}

/// Fills every change's `waits_for`: dependencies first for creates and updates, dependants
/// first for deletes, and a fixed order between creates that touch the same conflict key
/// (snapshot groups first, then by address, unless a dependency already orders them).
pub fn add_edges(changes: &mut [ResourceChange]) {
    let mut by_resource: BTreeMap<&ResourceAddr, Vec<usize>> = BTreeMap::new();
    for (idx, change) in changes.iter().enumerate() {
        by_resource
            .entry(&change.addr.resource)
            .or_default()
            .push(idx);
    }
    let mut edges: BTreeSet<(usize, usize, EdgeKind)> = BTreeSet::new();
    for (idx, change) in changes.iter().enumerate() {
        if matches!(change.action, Action::NoOp | Action::Forget) {
            continue;
        }
        if change.action != Action::Delete {
            // Wait for the creates and updates of what this resource depends on.
            for dependency in &change.dependencies {
                for &dep_idx in by_resource.get(dependency).into_iter().flatten() {
                    let dependency = &changes[dep_idx];
                    if !matches!(
                        dependency.action,
                        Action::NoOp | Action::Delete | Action::Forget
                    ) || dependency.awaits_readiness
                    {
                        edges.insert((idx, dep_idx, EdgeKind::Dependency));
                    }
                }
            }
        }
    }

    // An expired generation waits until its successor is ready.
    let index: BTreeMap<&ResourceInstanceAddr, usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, change)| !change.deposed)
        .map(|(idx, change)| (&change.addr, idx))
        .collect();
    for (idx, change) in changes.iter().enumerate() {
        if let Some(successor) = &change.expires_after
            && let Some(&target) = index.get(&**successor)
            && changes[target].is_active()
        {
            edges.insert((idx, target, EdgeKind::Successor));
        }
    }

    // A resource is deleted only after everything that depended on it: an index from each
    // resource to the deletes that depend on it keeps this linear.
    let mut dependants_of: BTreeMap<ResourceAddr, Vec<usize>> = BTreeMap::new();
    for (idx, change) in changes.iter().enumerate() {
        if change.action != Action::Delete {
            continue;
        }
        // A deposed object's change carries its own record's dependencies.
        let dependencies: BTreeSet<&ResourceAddr> = change.dependencies.iter().collect();
        for dependency in dependencies {
            dependants_of
                .entry(dependency.clone())
                .or_default()
                .push(idx);
        }
    }
    for (idx, change) in changes.iter().enumerate() {
        if change.action != Action::Delete {
            continue;
        }
        for &dependant in dependants_of
            .get(&change.addr.resource)
            .into_iter()
            .flatten()
        {
            if dependant != idx {
                edges.insert((idx, dependant, EdgeKind::Dependency));
            }
        }
    }

    // Conflict order between creates on the same key.
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (idx, change) in changes.iter().enumerate() {
        if !change.action.creates() {
            continue;
        }
        let Some(after) = &change.after else { continue };
        for key in change.schema.conflict_keys(after) {
            by_key.entry(key).or_default().push(idx);
        }
    }
    let mut waits: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); changes.len()];
    for (from, to, _) in &edges {
        waits[*from].insert(*to);
    }
    for members in by_key.values_mut() {
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|a, b| {
            let later = |idx: &usize| !changes[*idx].schema.ordered_first;
            (later(a), &changes[*a].addr).cmp(&(later(b), &changes[*b].addr))
        });
        members.dedup();
        for pair in members.windows(2) {
            let (first, second) = (pair[0], pair[1]);
            if reaches(&waits, first, second) || reaches(&waits, second, first) {
                // Already ordered, one way or the other.
                continue;
            }
            waits[second].insert(first);
            edges.insert((second, first, EdgeKind::Conflict));
        }
    }
    for change in changes.iter_mut() {
        change.waits_for.clear();
    }
    for (from, to, kind) in edges {
        changes[from].waits_for.push((to, kind));
    }
}

/// Whether `from` already waits, directly or not, for `to`.
fn reaches(waits: &[BTreeSet<usize>], from: usize, to: usize) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if seen.insert(node) {
            stack.extend(waits[node].iter().copied());
        }
    }
    false
}
