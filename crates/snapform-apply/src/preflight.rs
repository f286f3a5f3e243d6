//! Preflight: asks each provider whether the planned creates can succeed (the parent exists,
//! a snapshot group's disks share an instance, backup quota is left, a desktop is Running or
//! Stopped), so the plan fails before apply. Terraform finds these only at apply.

use std::collections::BTreeMap;

use snapform_core::{ProviderAddr, ResourceInstanceAddr};
use snapform_planner::Action;
use snapform_planner::Plan;
use snapform_provider::{PlannedChanges, PreflightProblem};
use tokio::task::JoinSet;

use crate::Providers;
use crate::refresh::RefreshError;

/// A problem of one planned create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The instance that would fail.
    pub addr: ResourceInstanceAddr,
    /// What would fail.
    pub problem: PreflightProblem,
}

/// The problems of every create in `plan`, one batched preflight per (provider, type).
pub async fn preflight(plan: &Plan, providers: &Providers) -> Result<Vec<Problem>, RefreshError> {
    let mut groups: BTreeMap<(ProviderAddr, String), (Vec<ResourceInstanceAddr>, PlannedChanges)> =
        BTreeMap::new();
    for change in &plan.changes {
        if change.adopting {
            continue;
        }
        let (addrs, planned) = groups
            .entry((
                change.provider.clone(),
                change.addr.resource.type_name.clone(),
            ))
            .or_default();
        if change.action.deletes()
            && let Some(before) = &change.before
        {
            if change.action == Action::DeleteThenCreate {
                planned.deleted_first.push(before.clone());
            } else {
                planned.deleted_later.push(before.clone());
            }
        }
        if change.action.creates()
            && let Some(after) = &change.after
        {
            addrs.push(change.addr.clone());
            planned.creates.push(after.clone());
        }
    }
    let mut tasks = JoinSet::new();
    for ((provider_addr, type_name), (addrs, planned)) in groups {
        if planned.creates.is_empty() {
            continue;
        }
        let Some(provider) = providers.get(&provider_addr).cloned() else {
            continue;
        };
        tasks.spawn(async move {
            let result = provider.preflight(&type_name, &planned).await;
            (provider_addr, type_name, addrs, result)
        });
    }
    let mut problems = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (provider, type_name, members, result) = joined.expect("preflight tasks do not panic");
        let found = result.map_err(|error| RefreshError {
            provider,
            type_name,
            error,
        })?;
        for (addr, found) in members.into_iter().zip(found) {
            problems.extend(found.into_iter().map(|problem| Problem {
                addr: addr.clone(),
                problem,
            }));
        }
    }
    problems.sort_by(|a, b| a.addr.cmp(&b.addr));
    Ok(problems)
}
