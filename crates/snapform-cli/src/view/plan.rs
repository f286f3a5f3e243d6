//! The human plan, in Terraform's shape: drift in its own section, the symbols used, destroys
//! and replaces summarised first, one block per change, and `Plan: N to add, ...`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use console::Style;
use snapform_core::Value;
use snapform_planner::{Action, ActionReason, Drift, DriftKind, Plan, PlanMode, ResourceChange};

/// Colours for each kind of line.
struct Palette {
    create: Style,
    update: Style,
    delete: Style,
    bold: Style,
    dim: Style,
    warning: Style,
}

impl Palette {
    fn new() -> Palette {
        Palette {
            create: Style::new().green(),
            update: Style::new().yellow(),
            delete: Style::new().red(),
            bold: Style::new().bold(),
            dim: Style::new().dim(),
            warning: Style::new().yellow().bold(),
        }
    }
}

/// The whole plan for people.
pub fn render(plan: &Plan) -> String {
    let mut text = Vec::new();
    write(plan, &mut text).expect("writing to memory cannot fail");
    String::from_utf8(text).expect("the view is UTF-8")
}

/// [`render`], written to `sink` as it goes: a destroy plan of a fleet lists every attribute
/// of every object, tens of megabytes that need never be held at once.
pub fn write(plan: &Plan, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_in_parts(plan, sink, 1 << 16)
}

/// [`write`], passing on what it made every time it holds `part` bytes or more.
pub(crate) fn write_in_parts(
    plan: &Plan,
    sink: &mut dyn std::io::Write,
    part: usize,
) -> std::io::Result<()> {
    let palette = Palette::new();
    let mut out = String::new();
    if plan.changes.iter().any(|change| {
        change.addr.generation.is_some()
            || change
                .moved_from
                .as_ref()
                .is_some_and(|from| from.generation.is_some())
    }) {
        // Series are planned against one clock reading, which `-now` sets.
        out.push_str(&format!(
            "{}\n\n",
            palette.dim.apply_to(format!(
                "Planned at {} (rotation schedules are read against this time; -now sets it)",
                plan.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            ))
        ));
    }
    if !plan.drift.is_empty() && plan.mode != PlanMode::Destroy {
        render_drift(&mut out, &plan.drift, &palette);
        if plan.mode == PlanMode::RefreshOnly {
            out.push_str("This is a refresh-only plan, so snapform will not take any actions to undo these.\nIf you were expecting these changes then you can apply this plan to record the\nupdated values in the snapform state without changing any remote objects.\n");
            return sink.write_all(out.as_bytes());
        }
        out.push_str("Unless you have made equivalent changes to your configuration, or ignored the\nrelevant attributes using ignore_changes, the following plan may include actions\nto undo or respond to these changes.\n\n");
        out.push_str(&palette.dim.apply_to("─".repeat(77)).to_string());
        out.push_str("\n\n");
    }
    let shown: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|change| change.is_active())
        .collect();
    if shown.is_empty() {
        if plan.mode == PlanMode::RefreshOnly {
            out.push_str(&format!(
                "{}\n\n",
                palette
                    .bold
                    .apply_to("No changes. Your infrastructure still matches the configuration.")
            ));
            out.push_str("snapform has checked that the real remote objects still match the result of\nyour most recent changes, and found no differences.\n");
        } else {
            out.push_str(&format!(
                "{}\n\n",
                palette
                    .bold
                    .apply_to("No changes. Your infrastructure matches the configuration.")
            ));
            out.push_str("snapform has compared your real infrastructure against your configuration and\nfound no differences, so no changes are needed.\n");
        }
        render_output_changes(&mut out, plan, &palette);
        render_warnings(&mut out, plan, &palette);
        return sink.write_all(out.as_bytes());
    }
    render_legend(&mut out, &shown, &palette);
    render_destroy_summary(&mut out, &shown, &palette);
    out.push_str("snapform will perform the following actions:\n\n");
    for change in &shown {
        render_change(&mut out, change, plan, &palette);
        if out.len() >= part {
            sink.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str(&format!(
        "{} {}\n",
        palette.bold.apply_to("Plan:"),
        summary(&plan.counts())
    ));
    render_output_changes(&mut out, plan, &palette);
    render_warnings(&mut out, plan, &palette);
    sink.write_all(out.as_bytes())
}

fn render_warnings(out: &mut String, plan: &Plan, palette: &Palette) {
    for warning in &plan.warnings {
        out.push_str(&format!(
            "\n{} {warning}\n",
            palette.warning.apply_to("Warning:")
        ));
    }
}

fn render_legend(out: &mut String, shown: &[&ResourceChange], palette: &Palette) {
    let actions: BTreeSet<Action> = shown.iter().map(|change| change.action).collect();
    out.push_str("snapform used the selected providers to generate the following execution plan.\nResource actions are indicated with the following symbols:\n");
    let legend = [
        (
            Action::Create,
            palette.create.apply_to("  +").to_string(),
            "create",
        ),
        (
            Action::Update,
            palette.update.apply_to("  ~").to_string(),
            "update in-place",
        ),
        (
            Action::Delete,
            palette.delete.apply_to("  -").to_string(),
            "destroy",
        ),
        (
            Action::DeleteThenCreate,
            format!(
                "{}{}",
                palette.delete.apply_to("-/"),
                palette.create.apply_to("+")
            ),
            "destroy and then create replacement",
        ),
        (
            Action::CreateThenDelete,
            format!(
                "{}{}",
                palette.create.apply_to("+/"),
                palette.delete.apply_to("-")
            ),
            "create replacement and then destroy",
        ),
    ];
    for (action, symbol, text) in legend {
        if actions.contains(&action) {
            out.push_str(&format!("{symbol} {text}\n"));
        }
    }
    if actions.contains(&Action::CreateThenForget) {
        out.push_str(&format!(
            "{}{} create replacement and forget the old one (it stays in the cloud)\n",
            palette.create.apply_to("+/"),
            palette.delete.apply_to(".")
        ));
    }
    if actions.contains(&Action::Forget) {
        out.push_str(&format!(
            "{} forget (no longer managed; the snapshot stays in the cloud)\n",
            palette.delete.apply_to("  .")
        ));
    }
    if shown.iter().any(|change| change.importing.is_some()) {
        out.push_str("  = import\n");
    }
    if shown.iter().any(|change| change.adopting) {
        out.push_str("  = adopt (found in the cloud after an interrupted apply)\n");
    }
    out.push('\n');
}

/// Destroys and replaces first, so a reviewer cannot miss them.
fn render_destroy_summary(out: &mut String, shown: &[&ResourceChange], palette: &Palette) {
    let destructive: Vec<&&ResourceChange> = shown
        .iter()
        .filter(|change| change.action.deletes())
        .collect();
    if destructive.is_empty() {
        return;
    }
    let n_destroy = destructive
        .iter()
        .filter(|change| change.action == Action::Delete)
        .count();
    let n_replace = destructive.len() - n_destroy;
    let mut parts = Vec::new();
    if n_destroy > 0 {
        parts.push(format!("destroys {n_destroy}"));
    }
    if n_replace > 0 {
        parts.push(format!("replaces {n_replace}"));
    }
    out.push_str(&format!(
        "{} this plan {} resource{}:\n",
        palette.warning.apply_to("Warning:"),
        parts.join(" and "),
        if destructive.len() == 1 { "" } else { "s" }
    ));
    for change in destructive {
        let (symbol, why) = match change.action {
            Action::Delete => (
                palette.delete.apply_to("  -").to_string(),
                delete_reason(change).unwrap_or_default(),
            ),
            _ => (
                replace_symbol(change.action, palette),
                replace_reason(change),
            ),
        };
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(" ({why})")
        };
        out.push_str(&format!("{symbol} {}{why}\n", change_addr(change)));
    }
    out.push('\n');
}

fn replace_symbol(action: Action, palette: &Palette) -> String {
    match action {
        Action::CreateThenForget => format!(
            "{}{}",
            palette.create.apply_to("+/"),
            palette.delete.apply_to(".")
        ),
        Action::CreateThenDelete => format!(
            "{}{}",
            palette.create.apply_to("+/"),
            palette.delete.apply_to("-")
        ),
        _ => format!(
            "{}{}",
            palette.delete.apply_to("-/"),
            palette.create.apply_to("+")
        ),
    }
}

fn replace_reason(change: &ResourceChange) -> String {
    match change.reason {
        Some(ActionReason::ReplaceBecauseCannotUpdate) if !change.replace_paths.is_empty() => {
            let paths: Vec<String> = change
                .replace_paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect();
            format!("{} cannot be changed in place", paths.join(", "))
        }
        Some(reason) => reason.explain().to_owned(),
        None => String::new(),
    }
}

fn delete_reason(change: &ResourceChange) -> Option<String> {
    Some(match change.reason? {
        ActionReason::DeleteBecauseNoResourceConfig => {
            format!("{} is not in the configuration", change.addr)
        }
        ActionReason::DeleteBecauseCountIndex => {
            format!("index {} is out of range for count", change.addr.key)
        }
        ActionReason::DeleteBecauseEachKey => {
            format!("key {} is not in for_each", change.addr.key)
        }
        reason @ (ActionReason::DeleteBecauseBeyondKeep
        | ActionReason::DeleteBecauseOlderThanMaxAge
        | ActionReason::DeleteBecauseRotationRemoved) => {
            let detail = change
                .reason_detail
                .clone()
                .unwrap_or_else(|| reason.explain().to_owned());
            match &change.expires_after {
                Some(successor) => {
                    format!("expired: {detail}; deleted once {successor} is ready")
                }
                None => format!("expired: {detail}"),
            }
        }
        other => other.explain().to_owned(),
    })
}

/// The address a change is shown under: the old object of a replacement, kept while its
/// successor exists, is named by its ID as Terraform does.
fn change_addr(change: &ResourceChange) -> String {
    match (&change.id, change.deposed) {
        (Some(id), true) => format!("{} (deposed object {id})", change.addr),
        _ => change.addr.to_string(),
    }
}

fn render_drift(out: &mut String, drift: &[Drift], palette: &Palette) {
    out.push_str(&format!(
        "{}\n\n",
        palette
            .bold
            .apply_to("Note: Objects have changed outside of snapform")
    ));
    out.push_str("snapform detected the following changes made outside of snapform since the last\n\"snapform apply\" which may have affected this plan:\n\n");
    for entry in drift {
        match entry.kind {
            DriftKind::Deleted => {
                out.push_str(&format!(
                    "  {} has been deleted\n",
                    palette.bold.apply_to(format!("# {}", entry.addr))
                ));
                out.push_str(&format!(
                    "  {} {}\n",
                    palette.delete.apply_to("-"),
                    resource_header(&entry.addr)
                ));
                render_attributes(
                    out,
                    &Attributes {
                        schema: entry.schema,
                        before: entry.before.as_ref().map(Cow::Borrowed),
                        after: None,
                        before_sensitive: &entry.sensitive,
                        after_sensitive: &entry.sensitive,
                        replace_paths: &[],
                    },
                    AttrMode::Delete,
                    palette,
                );
            }
            DriftKind::Changed => {
                out.push_str(&format!(
                    "  {} has changed\n",
                    palette.bold.apply_to(format!("# {}", entry.addr))
                ));
                out.push_str(&format!(
                    "  {} {}\n",
                    palette.update.apply_to("~"),
                    resource_header(&entry.addr)
                ));
                render_attributes(
                    out,
                    &Attributes {
                        schema: entry.schema,
                        before: entry.before.as_ref().map(Cow::Borrowed),
                        after: entry.after.as_ref().map(Cow::Borrowed),
                        before_sensitive: &entry.sensitive,
                        after_sensitive: &entry.sensitive,
                        replace_paths: &[],
                    },
                    AttrMode::Diff,
                    palette,
                );
            }
        }
        out.push_str("    }\n\n");
    }
}

pub fn resource_header(addr: &snapform_core::ResourceInstanceAddr) -> String {
    format!(
        "resource {:?} {:?} {{",
        addr.resource.type_name, addr.resource.name
    )
}

fn render_change(out: &mut String, change: &ResourceChange, plan: &Plan, palette: &Palette) {
    let addr = palette.bold.apply_to(format!("# {}", change_addr(change)));
    let pure_move = change.action == Action::NoOp
        && change.importing.is_none()
        && !change.adopting
        && !change.awaits_readiness;
    let (phrase, symbol, mode) = match change.action {
        Action::Create => (
            "will be created".to_owned(),
            palette.create.apply_to("  +").to_string(),
            AttrMode::Create,
        ),
        Action::Update => (
            "will be updated in-place".to_owned(),
            palette.update.apply_to("  ~").to_string(),
            AttrMode::Diff,
        ),
        Action::Delete => (
            "will be destroyed".to_owned(),
            palette.delete.apply_to("  -").to_string(),
            AttrMode::Delete,
        ),
        Action::Forget => (
            "will no longer be managed by snapform, but will not be destroyed".to_owned(),
            palette.delete.apply_to("  .").to_string(),
            AttrMode::Same,
        ),
        Action::DeleteThenCreate | Action::CreateThenDelete | Action::CreateThenForget => (
            "must be replaced".to_owned(),
            replace_symbol(change.action, palette),
            AttrMode::Diff,
        ),
        Action::NoOp if change.importing.is_some() => (
            "will be imported".to_owned(),
            "   ".to_owned(),
            AttrMode::Same,
        ),
        Action::NoOp if change.adopting => (
            "will be adopted".to_owned(),
            "   ".to_owned(),
            AttrMode::Same,
        ),
        Action::NoOp if change.moved_from.is_some() && !change.awaits_readiness => {
            let to = change.addr.to_string();
            (
                "has moved to".to_owned() + " " + &to,
                "   ".to_owned(),
                AttrMode::Same,
            )
        }
        Action::NoOp => (
            "is still being created; apply waits until it is ready".to_owned(),
            "   ".to_owned(),
            AttrMode::Same,
        ),
    };
    let phrase = match (change.action, change.reason) {
        (
            Action::DeleteThenCreate | Action::CreateThenDelete | Action::CreateThenForget,
            Some(ActionReason::ReplaceBecauseTainted),
        ) => "is tainted, so it must be replaced".to_owned(),
        (
            Action::DeleteThenCreate | Action::CreateThenDelete | Action::CreateThenForget,
            Some(ActionReason::ReplaceByRequest),
        ) => "will be replaced, as requested".to_owned(),
        (Action::CreateThenForget, _) => {
            "must be replaced: the new snapshot is made, and the old one is kept in the cloud but no longer managed".to_owned()
        }
        (Action::CreateThenDelete, _) => {
            "must be replaced: the new snapshot is made first, and the old one is deleted once it is ready".to_owned()
        }
        (Action::DeleteThenCreate, _) => {
            "must be replaced: create_before_destroy = false, so the old snapshot is deleted first".to_owned()
        }
        (Action::Create, _) if change.addr.generation.is_some() => {
            "will be created: the generation due now".to_owned()
        }
        _ => phrase,
    };
    // A pure move is named by where the object was, as Terraform names it.
    let addr = match (&change.moved_from, pure_move) {
        (Some(from), true) => palette.bold.apply_to(format!("# {from}")),
        _ => addr,
    };
    out.push_str(&format!("  {addr} {phrase}\n"));
    if let Some(from) = change.moved_from.as_ref().filter(|_| !pure_move) {
        out.push_str(&format!(
            "  {}\n",
            palette.dim.apply_to(format!("# (moved from {from})"))
        ));
    }
    if let Some(id) = change
        .importing
        .as_ref()
        .filter(|_| change.action != Action::NoOp)
    {
        out.push_str(&format!(
            "  {}\n",
            palette.dim.apply_to(format!("# (imported from \"{id}\")"))
        ));
    }
    if change.action.forgets() {
        out.push_str(&format!(
            "  {}\n",
            palette.dim.apply_to(
                "# (destroy = false is set in the configuration: the snapshot stays in the cloud)"
            )
        ));
    }
    if change.adopting {
        out.push_str(&format!(
            "  {}\n",
            palette.dim.apply_to(format!(
                "# (an interrupted apply created it; found by its parent and name: id={})",
                change.id.as_deref().unwrap_or("?")
            ))
        ));
    }
    if change.action == Action::Delete
        && let Some(why) = delete_reason(change)
    {
        let why = if why.starts_with("expired") {
            why
        } else {
            format!("because {why}")
        };
        out.push_str(&format!(
            "  {}\n",
            palette.dim.apply_to(format!("# ({why})"))
        ));
    }
    out.push_str(&format!("{symbol} {}\n", resource_header(&change.addr)));
    render_attributes(out, &Attributes::of_change(change, plan), mode, palette);
    out.push_str("    }\n\n");
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AttrMode {
    Create,
    Delete,
    Diff,
    Same,
}

/// What one resource block of a plan shows: the attributes before and after, which of them are
/// sensitive, and which force the replacement.
pub struct Attributes<'a> {
    /// The resource type's schema, which says how the cloud compares values.
    pub schema: &'a snapform_core::ResourceSchema,
    /// The attributes before: a delete's are its record's, read from the plan's prior state.
    pub before: Option<Cow<'a, BTreeMap<String, Value>>>,
    /// The attributes after: an instance left as recorded has its record's.
    pub after: Option<Cow<'a, BTreeMap<String, Value>>>,
    /// Sensitive attributes of `before`.
    pub before_sensitive: &'a BTreeSet<String>,
    /// Sensitive attributes of `after`.
    pub after_sensitive: &'a BTreeSet<String>,
    /// The arguments that force a replacement.
    pub replace_paths: &'a [String],
}

impl<'a> Attributes<'a> {
    /// The attributes of a planned change.
    pub fn of_change(change: &'a ResourceChange, plan: &'a Plan) -> Attributes<'a> {
        Attributes {
            schema: change.schema,
            before: plan.object_before(change),
            after: plan.object_after(change),
            before_sensitive: &change.before_sensitive,
            after_sensitive: &change.after_sensitive,
            replace_paths: &change.replace_paths,
        }
    }
}

/// How a value is shown: `(sensitive value)` when it is sensitive, whatever it is.
fn shown(value: &Value, sensitive: bool) -> String {
    if sensitive || matches!(value, Value::Sensitive(_)) {
        "(sensitive value)".to_owned()
    } else {
        value.to_string()
    }
}

fn render_attributes(out: &mut String, attrs: &Attributes<'_>, mode: AttrMode, palette: &Palette) {
    let empty = BTreeMap::new();
    let before = attrs.before.as_deref().unwrap_or(&empty);
    let after = attrs.after.as_deref().unwrap_or(&empty);
    let names: BTreeSet<&String> = match mode {
        AttrMode::Create => after.keys().collect(),
        AttrMode::Delete => before.keys().collect(),
        AttrMode::Diff | AttrMode::Same => before.keys().chain(after.keys()).collect(),
    };
    let mut lines: Vec<(String, &str, String)> = Vec::new();
    let mut n_hidden = 0;
    for name in names {
        let old = before.get(name).filter(|v| **v != Value::Null);
        let new = after.get(name).filter(|v| **v != Value::Null);
        let old_sensitive = attrs.before_sensitive.contains(name);
        let new_sensitive = attrs.after_sensitive.contains(name);
        match mode {
            AttrMode::Create => {
                if let Some(new) = new {
                    lines.push((
                        palette.create.apply_to("+").to_string(),
                        name,
                        shown(new, new_sensitive),
                    ));
                }
            }
            AttrMode::Delete => {
                if let Some(old) = old {
                    lines.push((
                        palette.delete.apply_to("-").to_string(),
                        name,
                        format!("{} -> null", shown(old, old_sensitive)),
                    ));
                }
            }
            AttrMode::Same => {
                if let Some(value) = new.or(old) {
                    lines.push((
                        " ".to_owned(),
                        name,
                        shown(value, old_sensitive || new_sensitive),
                    ));
                }
            }
            AttrMode::Diff => match (old, new) {
                // Equal as the cloud compares them: a set in another order, an enumeration in
                // another case.
                (Some(old), Some(new))
                    if snapform_planner::normalize(attrs.schema, name, old)
                        == snapform_planner::normalize(attrs.schema, name, new) =>
                {
                    if old_sensitive != new_sensitive {
                        let now = if new_sensitive { "now" } else { "no longer" };
                        lines.push((
                            palette.update.apply_to("~").to_string(),
                            name,
                            format!(
                                "(sensitive value) {}",
                                palette.dim.apply_to(format!(
                                    "# {now} marked sensitive; the value is unchanged"
                                ))
                            ),
                        ));
                    } else if name == "id" {
                        lines.push((" ".to_owned(), name, shown(old, old_sensitive)));
                    } else {
                        n_hidden += 1;
                    }
                }
                (Some(old), Some(new)) => {
                    let forces = if attrs.replace_paths.iter().any(|p| p == name) {
                        format!(" {}", palette.delete.apply_to("# forces replacement"))
                    } else {
                        String::new()
                    };
                    let text = match (old, new) {
                        _ if old_sensitive || new_sensitive => format!(
                            "{} -> {}",
                            shown(old, old_sensitive),
                            shown(new, new_sensitive)
                        ),
                        (Value::String(a), Value::String(b))
                            if a.contains('\n') || b.contains('\n') =>
                        {
                            multiline_diff(a, b, palette)
                        }
                        _ => format!("{old} -> {new}"),
                    };
                    lines.push((
                        palette.update.apply_to("~").to_string(),
                        name,
                        format!("{text}{forces}"),
                    ));
                }
                (None, Some(new)) => lines.push((
                    palette.create.apply_to("+").to_string(),
                    name,
                    shown(new, new_sensitive),
                )),
                (Some(old), None) => lines.push((
                    palette.delete.apply_to("-").to_string(),
                    name,
                    format!("{} -> null", shown(old, old_sensitive)),
                )),
                (None, None) => {}
            },
        }
    }
    let width = lines
        .iter()
        .map(|(_, name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    for (symbol, name, text) in lines {
        let pad = " ".repeat(width - name.chars().count());
        out.push_str(&format!("      {symbol} {name}{pad} = {text}\n"));
    }
    if n_hidden > 0 {
        out.push_str(&format!(
            "        {}\n",
            palette.dim.apply_to(format!(
                "# ({n_hidden} unchanged attribute{} hidden)",
                if n_hidden == 1 { "" } else { "s" }
            ))
        ));
    }
}

/// A multi-line string change as a line diff (heredoc style), computed with `similar`.
fn multiline_diff(old: &str, new: &str, palette: &Palette) -> String {
    let mut text = String::from("<<-EOT\n");
    for change in similar::TextDiff::from_lines(old, new).iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        let rendered = match change.tag() {
            similar::ChangeTag::Delete => palette
                .delete
                .apply_to(format!("          - {line}"))
                .to_string(),
            similar::ChangeTag::Insert => palette
                .create
                .apply_to(format!("          + {line}"))
                .to_string(),
            similar::ChangeTag::Equal => format!("            {line}"),
        };
        text.push_str(&rendered);
        text.push('\n');
    }
    text.push_str("        EOT");
    text
}

fn render_output_changes(out: &mut String, plan: &Plan, palette: &Palette) {
    let before = &plan.prior_state.outputs;
    let was_sensitive = |name: &String| plan.prior_state.sensitive_outputs.contains(name);
    let mut lines = Vec::new();
    for (name, value) in &plan.outputs {
        let sensitive = plan.sensitive_outputs.contains(name);
        match before.get(name) {
            None => lines.push(format!(
                "  {} {name} = {}",
                palette.create.apply_to("+"),
                shown(value, sensitive)
            )),
            Some(old) if old != value || was_sensitive(name) != sensitive => lines.push(format!(
                "  {} {name} = {} -> {}",
                palette.update.apply_to("~"),
                shown(old, was_sensitive(name) || sensitive),
                shown(value, sensitive)
            )),
            Some(_) => {}
        }
    }
    for name in before
        .keys()
        .filter(|name| !plan.outputs.contains_key(*name))
    {
        if plan.mode == PlanMode::Normal {
            lines.push(format!(
                "  {} {name} = {} -> null",
                palette.delete.apply_to("-"),
                shown(&before[name], was_sensitive(name))
            ));
        }
    }
    if !lines.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// `[N to adopt, ]N to add, N to change, N to destroy.`, the summary every plan view shows.
pub fn summary(counts: &snapform_planner::Counts) -> String {
    let mut adopt = String::new();
    if counts.import > 0 {
        adopt.push_str(&format!("{} to import, ", counts.import));
    }
    if counts.adopt > 0 {
        adopt.push_str(&format!("{} to adopt, ", counts.adopt));
    }
    format!(
        "{adopt}{} to add, {} to change, {} to destroy.",
        counts.add, counts.change, counts.destroy
    )
}
