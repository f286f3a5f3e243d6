//! `snapform apply` and `snapform destroy`: plan (or read a saved plan), ask, then execute the
//! plan through the providers, saving the state after every step.

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::Context;
use snapform_apply::{ApplyOptions, Stop};
use snapform_planner::{Plan, PlanMode};

use crate::args::{ApplyArgs, DestroyArgs, RunOptions};
use crate::commands::session::{Session, SessionOptions};
use crate::view;

/// Runs `apply`.
pub fn run(args: &ApplyArgs, emulator: bool) -> anyhow::Result<i32> {
    execute(
        args.plan_file.as_deref(),
        &args.options.run,
        &args.options.request()?,
        args.auto_approve || args.json,
        args.json,
        emulator,
        "apply",
    )
}

/// Runs `destroy`: an apply of a destroy plan.
pub fn run_destroy(args: &DestroyArgs, emulator: bool) -> anyhow::Result<i32> {
    execute(
        None,
        &args.options,
        &args.options.request(PlanMode::Destroy),
        args.auto_approve || args.json,
        args.json,
        emulator,
        "destroy",
    )
}

fn execute(
    plan_file: Option<&std::path::Path>,
    options: &RunOptions,
    request: &super::plan::PlanRequest<'_>,
    auto_approve: bool,
    json: bool,
    emulator: bool,
    operation: &'static str,
) -> anyhow::Result<i32> {
    let Some(mut session) = Session::open(&SessionOptions {
        vars: &options.vars,
        lock: &options.lock,
        operation,
        emulator,
    })?
    else {
        return Ok(1);
    };
    let plan = match plan_file {
        Some(path) => {
            let plan = super::plan::read_plan_file(path)?;
            check_not_stale(&plan, &session)?;
            plan
        }
        None => {
            let Some(plan) =
                super::plan::make_plan(&mut session, request, super::plan::CloudCalls::Allowed)?
            else {
                return Ok(1);
            };
            if !json {
                write!(std::io::stdout(), "{}", view::plan::render(&plan))?;
            }
            if plan.has_changes() && !auto_approve && !approved(plan.mode)? {
                writeln!(
                    std::io::stdout(),
                    "\n{} {operation} cancelled.",
                    console::style("Error:").red().bold()
                )?;
                return Ok(1);
            }
            plan
        }
    };
    if !plan.has_changes() && plan.mode != PlanMode::RefreshOnly && plan_file.is_none() {
        // Nothing to do but the outputs, which may have changed with the configuration.
        let mut state = session.state.clone();
        state.outputs = outputs_now(&session.config, &state, false);
        if state.outputs != session.state.outputs && session.state_exists {
            state.serial += 1;
            session
                .backend
                .as_mut()
                .context("the state backend is open once")?
                .write(&state)?;
        }
        if !json {
            writeln!(
                std::io::stdout(),
                "\n{} Resources: 0 added, 0 changed, 0 destroyed.",
                console::style("Apply complete!").green().bold()
            )?;
        }
        return Ok(0);
    }
    let (providers, _) = session.providers(options.parallelism)?;
    let resolver_config = session.config.clone();
    let resolver = move |addr: &snapform_core::ResourceInstanceAddr,
                         state: &snapform_state::State| {
        snapform_planner::arguments_now(&resolver_config, addr, state)
    };
    let outputs_config = session.config.clone();
    let destroying = plan.mode == PlanMode::Destroy;
    let finish =
        move |state: &snapform_state::State| outputs_now(&outputs_config, state, destroying);
    let poll_interval = match crate::env::get(crate::env::POLL_INTERVAL) {
        Some(text) => snapform_config::parse_duration(&text)
            .map_err(|why| anyhow::anyhow!("invalid {}: {why}", crate::env::POLL_INTERVAL))?,
        None => ApplyOptions::default().poll_interval,
    };
    let apply_options = Arc::new(ApplyOptions {
        parallelism: options.parallelism,
        poll_interval,
        resolver: Some(Box::new(resolver)),
        finish: Some(Box::new(finish)),
        ..ApplyOptions::default()
    });
    let (stop_sender, stop) = tokio::sync::watch::channel(Stop::Run);
    let backend = session
        .backend
        .take()
        .context("the state backend is open once")?;
    let current_serial = session.state.serial;
    let plan = Arc::new(plan);
    let hook = Arc::new(view::progress::Progress::new(json));
    if !json {
        writeln!(std::io::stdout())?;
    }
    let report = session.runtime.block_on(async {
        let interrupts = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_sender.send(Stop::Graceful);
                eprintln_interrupt("Interrupt received. Please wait for snapform to exit or data loss may occur.\nGracefully shutting down...");
                if tokio::signal::ctrl_c().await.is_ok() {
                    let _ = stop_sender.send(Stop::Now);
                    eprintln_interrupt("Two interrupts received. Exiting immediately after saving the state.");
                }
            }
        });
        let report = snapform_apply::apply(plan.clone(), providers, apply_options, hook, backend, current_serial, stop).await;
        interrupts.abort();
        report
    });
    let mut report = report.context("cannot save the state")?;
    // The run saved each step to the backend's journal; fold them into the state now, so the
    // state file is whole again. Nothing is lost if this fails: reading applies the journal,
    // and the next command that locks the state folds it.
    report
        .backend
        .fold()
        .context("cannot fold the saved steps into the state file; they are kept in the journal beside it, which the next command folds")?;
    let mut stdout = std::io::stdout().lock();
    for (addr, error) in &report.failures {
        writeln!(
            stdout,
            "\n{} {addr}: {error}",
            console::style("Error:").red().bold()
        )?;
    }
    if !report.skipped.is_empty() {
        let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
        writeln!(
            stdout,
            "\nNot applied because something they wait for failed: {}",
            skipped.join(", ")
        )?;
    }
    if report.interrupted {
        writeln!(
            stdout,
            "\n{} the apply was interrupted; the state records every finished step. Run apply again to finish.",
            console::style("Stopped:").yellow().bold()
        )?;
        return Ok(1);
    }
    if !report.failures.is_empty() {
        writeln!(
            stdout,
            "\nThe state records every step that finished. Fix the errors above and run apply again."
        )?;
        return Ok(1);
    }
    drop(stdout);
    if !json {
        let counts = report.counts;
        let adopted = if counts.adopt > 0 {
            format!("{} adopted, ", counts.adopt)
        } else {
            String::new()
        };
        let verb = if plan.mode == PlanMode::Destroy {
            "Destroy complete!"
        } else {
            "Apply complete!"
        };
        writeln!(
            std::io::stdout(),
            "\n{} Resources: {adopted}{} added, {} changed, {} destroyed.",
            console::style(verb).green().bold(),
            counts.add,
            counts.change,
            counts.destroy
        )?;
        print_outputs(&report.state, &session.config.sensitive_outputs())?;
    }
    Ok(0)
}

fn eprintln_interrupt(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n{message}");
}

/// The outputs `state` now gives; a destroy clears them.
fn outputs_now(
    config: &snapform_config::Config,
    state: &snapform_state::State,
    destroying: bool,
) -> std::collections::BTreeMap<String, snapform_core::Value> {
    if destroying {
        Default::default()
    } else {
        snapform_planner::outputs_now(config, state)
    }
}

/// Prints `Outputs:` as Terraform does.
fn print_outputs(state: &snapform_state::State, sensitive: &[String]) -> anyhow::Result<()> {
    if state.outputs.is_empty() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "\n{}\n", console::style("Outputs:").green().bold())?;
    write!(
        stdout,
        "{}",
        view::outputs::render(&state.outputs, sensitive)
    )?;
    Ok(())
}

/// A saved plan must have been made on the state as it is now, from the same configuration.
fn check_not_stale(plan: &Plan, session: &Session) -> anyhow::Result<()> {
    match (&plan.lineage, session.state_exists) {
        (None, true) => anyhow::bail!(
            "the saved plan was made when there was no state, but a state now exists (serial {}); make a new plan",
            session.state.serial
        ),
        (Some(_), false) => anyhow::bail!(
            "the saved plan was made on a state that no longer exists; make a new plan"
        ),
        (Some(lineage), true) if *lineage != session.state.lineage => {
            anyhow::bail!(
                "the saved plan does not match this state (its lineage differs); make a new plan"
            )
        }
        (Some(_), true) if plan.serial != session.state.serial => anyhow::bail!(
            "the saved plan is stale: the state changed since it was made (serial {} then, {} now); make a new plan",
            plan.serial,
            session.state.serial
        ),
        _ => {}
    }
    if plan.config_hash != session.config_hash {
        anyhow::bail!(
            "the configuration or its variables changed since the plan was made; make a new plan"
        );
    }
    Ok(())
}

/// Asks `Enter a value:` on the terminal (or reads a piped line); only `yes` approves.
fn approved(mode: PlanMode) -> anyhow::Result<bool> {
    let mut stdout = std::io::stdout().lock();
    let (question, what) = if mode == PlanMode::Destroy {
        (
            "Do you really want to destroy all resources?",
            "snapform will destroy all your managed infrastructure, as shown above.\n  There is no undo.",
        )
    } else {
        (
            "Do you want to perform these actions?",
            "snapform will perform the actions described above.",
        )
    };
    write!(
        stdout,
        "\n{}\n  {what}\n  Only 'yes' will be accepted to approve.\n\n  {} ",
        console::style(question).bold(),
        console::style("Enter a value:").bold()
    )?;
    stdout.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    writeln!(stdout)?;
    Ok(answer.trim_end_matches(['\n', '\r']) == "yes")
}
