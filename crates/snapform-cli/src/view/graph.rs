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
        let name = node_name(change);
        out.push_str(&format!(
            "    \"[root] {name}\" [label = \"{name} ({action})\", shape = \"box\"]\n"
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
                EdgeKind::Successor => {
                    " [style = \"dotted\", label = \"after its successor is ready\"]".to_owned()
                }
            };
            out.push_str(&format!(
                "    \"[root] {}\" -> \"[root] {}\"{style}\n",
                node_name(change),
                node_name(&plan.changes[*target])
            ));
        }
    }
    out.push_str("  }\n}\n");
    out
}

/// A change's node: its address, and `(deposed)` for the old object of a replacement, which
/// shares the address of the new one.
fn node_name(change: &snapform_planner::ResourceChange) -> String {
    let name = if change.deposed {
        format!("{} (deposed)", change.addr)
    } else {
        change.addr.to_string()
    };
    escape(&name)
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
