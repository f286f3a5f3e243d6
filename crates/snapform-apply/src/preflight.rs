//! Preflight: asks each provider whether the planned creates can succeed (the parent exists,
//! a snapshot group's disks share an instance, backup quota is left, a desktop is Running or
//! Stopped), so the plan fails before apply. Terraform finds these only at apply.

use std::collections::BTreeMap;

use snapform_core::{ProviderAddr, ResourceInstanceAddr};
use snapform_planner::Plan;
use snapform_provider::{Attributes, PreflightProblem};
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
    let mut groups: BTreeMap<(ProviderAddr, String), Vec<(ResourceInstanceAddr, Attributes)>> =
        BTreeMap::new();
    for change in &plan.changes {
        if !change.action.creates() || change.adopting {
            continue;
        }
        let Some(after) = &change.after else { continue };
        groups
            .entry((
                change.provider.clone(),
                change.addr.resource.type_name.clone(),
            ))
            .or_default()
            .push((change.addr.clone(), after.clone()));
    }
    let mut tasks = JoinSet::new();
    for ((provider_addr, type_name), members) in groups {
        let Some(provider) = providers.get(&provider_addr).cloned() else {
            continue;
        };
        tasks.spawn(async move {
            let creates: Vec<Attributes> = members.iter().map(|(_, args)| args.clone()).collect();
            let result = provider.preflight(&type_name, &creates).await;
            (provider_addr, type_name, members, result)
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
        for ((addr, _), found) in members.into_iter().zip(found) {
            problems.extend(found.into_iter().map(|problem| Problem {
                addr: addr.clone(),
                problem,
            }));
        }
    }
    problems.sort_by(|a, b| a.addr.cmp(&b.addr));
    Ok(problems)
}
