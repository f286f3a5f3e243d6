//! The plan as a pull-request comment: one summary line, destroys and replaces first,
//! the full plan in a collapsible block, and always under GitHub's 65,536-character limit.

use snapform_planner::{Action, Plan};

/// GitHub refuses comments longer than this.
const GITHUB_LIMIT: usize = 65_536;
/// Room kept for the closing fence and the truncation note.
const MARGIN: usize = 1_024;

/// The comment.
pub fn render(plan: &Plan, human_plan: &str) -> String {
    let mut out = String::new();
    if plan.has_changes() {
        out.push_str(&format!(
            "**snapform plan:** {}\n\n",
            super::plan::summary(&plan.counts())
        ));
    } else {
        out.push_str(
            "**snapform plan:** no changes. Your infrastructure matches the configuration.\n\n",
        );
    }
    let destructive: Vec<_> = plan
        .changes
        .iter()
        .filter(|change| change.action.deletes())
        .collect();
    if !destructive.is_empty() {
        out.push_str("> [!WARNING]\n");
        out.push_str(&format!(
            "> This plan destroys or replaces {} resource{}:\n",
            destructive.len(),
            if destructive.len() == 1 { "" } else { "s" }
        ));
        for change in destructive {
            let verb = if change.action == Action::Delete {
                "destroyed"
            } else {
                "replaced"
            };
            let why = if change.replace_paths.is_empty() {
                String::new()
            } else {
                format!(
                    " (`{}` cannot change in place)",
                    change.replace_paths.join("`, `")
                )
            };
            out.push_str(&format!("> - `{}` will be **{verb}**{why}\n", change.addr));
        }
        out.push('\n');
    }
    let series = series_lines(plan);
    if !series.is_empty() {
        out.push_str("Series:\n");
        for line in series {
            out.push_str(&format!("- {line}\n"));
        }
        out.push('\n');
    }
    if !plan.drift.is_empty() {
        out.push_str(&format!(
            "{} resource{} changed outside of snapform.\n\n",
            plan.drift.len(),
            if plan.drift.len() == 1 { "" } else { "s" }
        ));
    }
    let n_shown = plan
        .changes
        .iter()
        .filter(|change| change.is_active())
        .count();
    out.push_str(&format!(
        "<details><summary>Show the plan ({n_shown} change{})</summary>\n\n```diff\n",
        if n_shown == 1 { "" } else { "s" }
    ));
    let budget = GITHUB_LIMIT - MARGIN - out.len();
    let body = diff_friendly(human_plan);
    if body.len() <= budget {
        out.push_str(&body);
    } else {
        // Cut at a line boundary, never inside a character.
        let mut cut = budget;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = body[..cut].rfind('\n').map_or(cut, |newline| newline + 1);
        out.push_str(&body[..cut]);
        let n_lines_left = body[cut..].lines().count();
        out.push_str(&format!("\n... plan truncated: {n_lines_left} more lines; run `snapform show` on the plan file for all of it\n"));
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("```\n\n</details>\n");
    out
}

/// One line per series the plan changes: `nightly["web"]: +1 generation, 1 expired (beyond
/// keep = 7)`.
fn series_lines(plan: &Plan) -> Vec<String> {
    let mut series: std::collections::BTreeMap<String, (usize, Vec<String>)> =
        std::collections::BTreeMap::new();
    for change in plan.changes.iter().filter(|change| change.is_active()) {
        if change.addr.generation.is_none() {
            continue;
        }
        let instance = format!("`{}{}`", change.addr.resource.name, change.addr.key);
        let entry = series.entry(instance).or_default();
        if change.action.creates() {
            entry.0 += 1;
        }
        if change.action == Action::Delete {
            entry.1.push(
                change
                    .reason_detail
                    .clone()
                    .unwrap_or_else(|| "failed".to_owned()),
            );
        }
    }
    series
        .into_iter()
        .filter(|(_, (created, expired))| *created > 0 || !expired.is_empty())
        .map(|(instance, (created, expired))| {
            let mut parts = Vec::new();
            if created > 0 {
                parts.push(format!(
                    "+{created} generation{}",
                    if created == 1 { "" } else { "s" }
                ));
            }
            if !expired.is_empty() {
                let mut reasons = expired.clone();
                reasons.sort();
                reasons.dedup();
                parts.push(format!(
                    "{} expired ({})",
                    expired.len(),
                    reasons.join("; ")
                ));
            }
            format!("{instance}: {}", parts.join(", "))
        })
        .collect()
}

/// Moves the +, ~ and - markers to the start of each line so GitHub's `diff` colouring picks
/// them up, as Terraform PR tools do.
fn diff_friendly(plan: &str) -> String {
    let mut out = String::with_capacity(plan.len());
    for line in plan.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        // Only resource and attribute lines, not the legend or prose.
        // Only indented resource and attribute lines; a line that already starts with its
        // marker is left as it is.
        let is_plan_line =
            indent > 0 && (trimmed.contains(" = ") || trimmed.contains(" resource \""));
        let marker = ["-/+", "+/-", "+", "~", "-"]
            .into_iter()
            .find(|marker| is_plan_line && trimmed.starts_with(&format!("{marker} ")));
        match marker {
            Some("~") => out.push_str(&format!(
                "!{}{}",
                " ".repeat(indent.saturating_sub(1)),
                trimmed
            )),
            Some(marker) => out.push_str(&format!(
                "{}{}{}",
                &marker[..1],
                " ".repeat(indent.saturating_sub(1)),
                trimmed
            )),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use snapform_planner::{PLAN_FORMAT_VERSION, PlanMode};

    use super::*;

    fn empty_plan() -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            mode: PlanMode::Normal,
            lineage: None,
            serial: 0,
            config_hash: String::new(),
            changes: Vec::new(),
            drift: Vec::new(),
            prior_state: snapform_state::State::new(),
            outputs: BTreeMap::new(),
            sensitive_outputs: Vec::new(),
            warnings: Vec::new(),
            timestamp: jiff::Timestamp::UNIX_EPOCH,
            configuration: Default::default(),
            targeted: false,
            blocked: Vec::new(),
        }
    }

    #[test]
    fn a_huge_plan_is_cut_safely_below_githubs_limit() {
        let mut human = String::new();
        for idx in 0..20_000 {
            human.push_str(&format!("  # tencentcloud_cbs_disk_backup.b[{idx}] will be created\n  + resource \"tencentcloud_cbs_disk_backup\" \"b\" {{\n      + disk_id = \"disk-快照{idx:08}\"\n    }}\n\n"));
        }
        let comment = render(&empty_plan(), &human);
        assert!(comment.len() < GITHUB_LIMIT, "{} characters", comment.len());
        assert!(comment.contains("plan truncated:"), "says that it was cut");
        assert!(
            comment.ends_with("```\n\n</details>\n"),
            "the fence and the details block are closed"
        );
        let fences = comment.matches("```").count();
        assert_eq!(fences % 2, 0, "every fence is closed");
    }

    #[test]
    fn a_small_plan_is_whole() {
        let comment = render(&empty_plan(), "No changes.\n");
        assert!(
            comment.starts_with("**snapform plan:** no changes."),
            "{comment}"
        );
        assert!(!comment.contains("truncated"));
    }
}
