//! The plan's graph in Graphviz DOT: one node per change, an edge from each change to what it
//! waits for; conflict edges (the order chosen between operations on the same disk) dashed.

use snapform_planner::{Action, EdgeKind, Plan};

/// Which changes to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphType {
    /// Every resource, unchanged ones included.
    Plan,
    /// Only what apply will do.
    Apply,
    /// The order of a destroy.
    Destroy,
}

/// The DOT text.
pub fn render(plan: &Plan, graph_type: GraphType) -> String {
    let mut out = String::from(
        "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"\n  subgraph \"root\" {\n",
    );
    let shown =
        |idx: usize| graph_type == GraphType::Plan || plan.changes[idx].action != Action::NoOp;
    for (idx, change) in plan.changes.iter().enumerate() {
        if !shown(idx) {
            continue;
        }
        let action = change.action.terraform_actions().join(", ");
        out.push_str(&format!(
            "    \"[root] {}\" [label = \"{} ({action})\", shape = \"box\"]\n",
            escape(&change.addr.to_string()),
            escape(&change.addr.to_string())
        ));
    }
    for (idx, change) in plan.changes.iter().enumerate() {
        if !shown(idx) {
            continue;
        }
        for (target, kind) in &change.waits_for {
            if !shown(*target) {
                continue;
            }
            let style = match kind {
                EdgeKind::Dependency => String::new(),
                EdgeKind::Conflict => {
                    " [style = \"dashed\", label = \"same disk/instance\"]".to_owned()
                }
            };
            out.push_str(&format!(
                "    \"[root] {}\" -> \"[root] {}\"{style}\n",
                escape(&change.addr.to_string()),
                escape(&plan.changes[*target].addr.to_string())
            ));
        }
    }
    out.push_str("  }\n}\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
