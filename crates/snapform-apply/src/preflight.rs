//! Preflight: asks each provider whether the planned creates can succeed (the parent exists,
//! a snapshot group's disks share an instance, backup quota is left, a desktop is Running or
//! Stopped), so the plan fails before apply. Terraform finds these only at apply.

use std::collections::BTreeMap;

use snapform_core::{ProviderAddr, ResourceInstanceAddr};
use snapform_planner::Action;
use snapform_planner::Plan;
use snapform_provider::{PlannedChanges, PreflightProblem};

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

/// The problems of every create in `plan`, one batched preflight per (provider, type), all
/// at once. The checks borrow the plan's attributes (see [`PlannedChanges`]), so they run
/// together in this task rather than as tasks of their own.
pub async fn preflight(plan: &Plan, providers: &Providers) -> Result<Vec<Problem>, RefreshError> {
    type Group<'p> = (Vec<&'p ResourceInstanceAddr>, PlannedChanges<'p>);
    let mut groups: BTreeMap<(&ProviderAddr, &str), Group<'_>> = BTreeMap::new();
    for change in &plan.changes {
        if change.adopting {
            continue;
        }
        let (addrs, planned) = groups
            .entry((&change.provider, change.addr.resource.type_name.as_str()))
            .or_default();
        // A delete's object is its record's (`before_recorded`); a replacement keeps its own.
        let before = if change.before_recorded {
            plan.record_of(change).map(|record| &record.attributes)
        } else {
            change.before.as_ref()
        };
        if change.action.deletes()
            && let Some(before) = before
        {
            if change.action == Action::DeleteThenCreate {
                planned.deleted_first.push(before);
            } else {
                planned.deleted_later.push(before);
            }
        }
        if change.action.creates()
            && let Some(after) = &change.after
        {
            addrs.push(&change.addr);
            planned.creates.push(after);
        }
    }
    let checks = groups
        .iter()
        .filter(|(_, (_, planned))| !planned.creates.is_empty())
        .filter_map(|((provider_addr, type_name), (addrs, planned))| {
            let provider = providers.get(*provider_addr)?;
            Some(async move {
                let result = provider.preflight(type_name, planned).await;
                (*provider_addr, *type_name, addrs, result)
            })
        });
    let mut problems = Vec::new();
    for (provider, type_name, members, result) in futures_util::future::join_all(checks).await {
        let found = result.map_err(|error| RefreshError {
            provider: provider.clone(),
            type_name: type_name.to_owned(),
            error,
        })?;
        for (addr, found) in members.iter().zip(found) {
            problems.extend(found.into_iter().map(|problem| Problem {
                addr: (*addr).clone(),
                problem,
            }));
        }
    }
    problems.sort_by(|a, b| a.addr.cmp(&b.addr));
    Ok(problems)
}
