//! `snapform graph`: the plan's graph in Graphviz DOT, edges as apply follows them.

use std::io::Write;

use snapform_planner::PlanMode;

use super::plan::{CloudCalls, PlanRequest, make_plan};
use crate::args::{GraphArgs, LockArgs};
use crate::commands::session::{Session, SessionOptions};
use crate::view;
use crate::view::graph::GraphType;

/// Runs `graph`.
pub fn run(args: &GraphArgs, emulator: bool) -> anyhow::Result<i32> {
    let plan = match &args.plan {
        Some(path) => super::plan::read_plan_file(path)?,
        None => {
            let Some(mut session) = Session::open(&SessionOptions {
                vars: &args.vars,
                lock: &LockArgs {
                    lock: false,
                    lock_timeout: "0s".to_owned(),
                },
                operation: "graph",
                emulator,
                forget_instances: true,
            })?
            else {
                return Ok(1);
            };
            let mode = if args.graph_type == GraphType::Destroy {
                PlanMode::Destroy
            } else {
                PlanMode::Normal
            };
            let request = PlanRequest {
                mode,
                refresh: false,
                targets: &[],
                replace: &[],
                parallelism: 1,
                now: None,
            };
            let Some(plan) = make_plan(&mut session, &request, CloudCalls::Never)? else {
                return Ok(1);
            };
            plan
        }
    };
    write!(
        std::io::stdout(),
        "{}",
        view::graph::render(&plan, args.graph_type)
    )?;
    Ok(0)
}
