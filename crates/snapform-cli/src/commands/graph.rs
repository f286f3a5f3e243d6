//! `snapform graph`: the plan's graph in Graphviz DOT, edges as apply follows them.

use std::io::Write;

use crate::args::{GraphArgs, LockArgs, PlanOptions};
use crate::commands::session::{Session, SessionOptions};
use crate::view;
use crate::view::graph::GraphType;

/// Runs `graph`.
pub fn run(args: &GraphArgs, emulator: bool) -> anyhow::Result<i32> {
    let plan = match &args.plan {
        Some(path) => super::plan::read_plan_file(path)?,
        None => {
            let lock = LockArgs {
                lock: false,
                lock_timeout: "0s".to_owned(),
            };
            let Some(mut session) = Session::open(&SessionOptions {
                vars: &args.vars,
                lock: &lock,
                operation: "graph",
                emulator,
            })?
            else {
                return Ok(1);
            };
            let options = PlanOptions {
                refresh: false,
                refresh_only: false,
                destroy: args.graph_type == GraphType::Destroy,
                targets: Vec::new(),
                replace: Vec::new(),
                parallelism: 10,
                vars: Default::default(),
                lock,
            };
            let Some(plan) =
                super::plan::make_plan(&mut session, &options, super::plan::CloudCalls::Never)?
            else {
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
