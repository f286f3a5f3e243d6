//! `snapform apply` and `snapform destroy`: plan (or read a saved plan), ask, then execute the
//! plan through the providers, saving the state after every step.

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::Context;
use snapform_apply::{ApplyOptions, Stop};
use snapform_planner::{Action, Plan, PlanMode};

use crate::args::{ApplyArgs, DestroyArgs, RunOptions};
use crate::commands::session::{Session, SessionOptions};
use crate::view;

/// Runs `apply`.
pub fn run(args: &ApplyArgs, emulator: bool) -> anyhow::Result<i32> {
    execute(&Execution {
        plan_file: args.plan_file.as_deref(),
        options: &args.options.run,
        request: &args.options.request()?,
        auto_approve: args.auto_approve,
        json: args.json,
        emulator,
        operation: "apply",
    })
}

/// Runs `destroy`: an apply of a destroy plan.
pub fn run_destroy(args: &DestroyArgs, emulator: bool) -> anyhow::Result<i32> {
    execute(&Execution {
        plan_file: None,
        options: &args.options,
        request: &args.options.request(PlanMode::Destroy),
        auto_approve: args.auto_approve,
        json: args.json,
        emulator,
        operation: "destroy",
    })
}

/// What one `apply` or `destroy` was asked to do.
struct Execution<'a> {
    plan_file: Option<&'a std::path::Path>,
    options: &'a RunOptions,
    request: &'a super::plan::PlanRequest<'a>,
    auto_approve: bool,
    json: bool,
    emulator: bool,
    operation: &'static str,
}

fn execute(run: &Execution<'_>) -> anyhow::Result<i32> {
    let json = run.json;
    if !run.options.vars.input && !json && run.plan_file.is_none() && !run.auto_approve {
        writeln!(
            std::io::stderr(),
            "{} {} cannot ask for approval with -input=false: add -auto-approve, or apply a plan file saved with `snapform plan -out=FILE`",
            console::style("Error:").red().bold(),
            run.operation
        )?;
        return Ok(1);
    }
    if json {
        view::machine::start();
        // Terraform's rule: a stream cannot ask, so it needs a reviewed plan or an explicit yes.
        if run.plan_file.is_none() && !run.auto_approve {
            view::machine::error(
                "Plan file or auto-approve required",
                &format!(
                    "snapform cannot ask for approval when -json is set: apply a saved plan file (snapform plan -out=FILE, then snapform apply -json FILE), or add -auto-approve to {} without asking.",
                    run.operation
                ),
                None,
            );
            return Ok(1);
        }
    }
    let Some(mut session) = Session::open(&SessionOptions {
        vars: &run.options.vars,
        lock: &run.options.lock,
        operation: run.operation,
        emulator: run.emulator,
        // Apply evaluates again from the expressions; a plan to make checks its addresses.
        forget_instances: run.plan_file.is_some() || run.request.checks_no_addresses(),
    })?
    else {
        return Ok(1);
    };
    // What the rest of the run evaluates (see `config_for_walk`), taken once the plan is made.
    let config;
    let plan = match run.plan_file {
        Some(path) => {
            let mut phase = crate::phase::start();
            let mut plan = super::plan::read_plan_file(path)?;
            phase.done(
                "plan file",
                format_args!("read the plan file: {} changes", plan.changes.len()),
            );
            check_not_stale(&plan, &session)?;
            restore_redacted(&mut plan, &session.state);
            config = config_for_walk(&mut session, &plan, run.options.parallelism)?;
            if json {
                view::machine::planned_changes(&plan);
            }
            plan
        }
        None => {
            let Some(plan) = super::plan::make_plan(
                &mut session,
                run.request,
                super::plan::CloudCalls::Allowed,
            )?
            else {
                return Ok(1);
            };
            config = config_for_walk(&mut session, &plan, run.options.parallelism)?;
            if json {
                view::machine::plan(&plan);
            } else {
                view::plan::write(&plan, &mut std::io::stdout().lock())?;
            }
            if plan.has_changes() && !run.auto_approve && !approved(plan.mode)? {
                writeln!(
                    std::io::stdout(),
                    "\n{} {} cancelled.",
                    console::style("Error:").red().bold(),
                    run.operation
                )?;
                return Ok(1);
            }
            plan
        }
    };
    let destroying = plan.mode == PlanMode::Destroy;
    let summary_operation = if run.operation == "destroy" {
        "destroy"
    } else {
        "apply"
    };
    if !plan.has_changes() && plan.mode != PlanMode::RefreshOnly {
        // Nothing to create, change or delete; what refresh found (a create an interrupted
        // run left unfinished, now ready), what is sensitive, and the outputs are still saved.
        let mut state = plan.prior_state.clone();
        plan.record_sensitivity(&mut state);
        match config.as_deref().filter(|_| !clears_outputs(&plan)) {
            Some(config) => record_outputs(config, &mut state),
            // A whole destroy leaves no outputs.
            None => {
                state.outputs = Default::default();
                state.sensitive_outputs = Default::default();
            }
        }
        state.serial = session.state.serial;
        // The recorded records went into the plan: read them again to see whether anything
        // changed (a refreshed record, a sensitivity, an output).
        let changed = if session.state_exists {
            let recorded = session
                .backend
                .as_ref()
                .context("the state backend is open once")?
                .read()?;
            recorded.as_ref() != Some(&state)
        } else {
            !state.is_empty()
        };
        if changed {
            state.serial += 1;
            session
                .backend
                .as_mut()
                .context("the state backend is open once")?
                .write(&state)?;
        }
        let counts = snapform_planner::Counts::default();
        if json {
            view::machine::emit(view::machine::summary(&counts, summary_operation));
            if !destroying {
                view::machine::applied_outputs(&state.outputs, &sensitive_outputs(&state));
            }
        } else {
            writeln!(
                std::io::stdout(),
                "\n{} {}",
                console::style(complete_verb(run.operation)).green().bold(),
                complete_counts(run.operation, &counts)
            )?;
            print_outputs(&state)?;
        }
        return blocked_exit(&plan.blocked, &session.sources);
    }
    let (providers, _) = session.providers(run.options.parallelism)?;
    // The plan's summary of the configuration is for plan files, which `show -json` reads.
    let mut plan = plan;
    plan.configuration = Default::default();
    let evaluates = evaluates_arguments(&plan);
    let resolver = config.clone().filter(|_| evaluates).map(|config| {
        Box::new(
            move |addr: &snapform_core::ResourceInstanceAddr, state: &snapform_state::State| {
                snapform_planner::arguments_now(&config, addr, state)
            },
        ) as Box<snapform_apply::Resolver>
    });
    let outputs_config = config.filter(|_| !clears_outputs(&plan));
    let finish = move |state: &snapform_state::State| match &outputs_config {
        Some(config) => outputs_after(config, state),
        None => Default::default(),
    };
    let poll_interval = match crate::env::get(crate::env::POLL_INTERVAL) {
        Some(text) => snapform_config::parse_duration(&text)
            .map_err(|why| anyhow::anyhow!("invalid {}: {why}", crate::env::POLL_INTERVAL))?,
        None => ApplyOptions::default().poll_interval,
    };
    let apply_options = Arc::new(ApplyOptions {
        parallelism: run.options.parallelism,
        poll_interval,
        resolver,
        finish: Some(Box::new(finish)),
        ..ApplyOptions::default()
    });
    let (stop_sender, stop) = tokio::sync::watch::channel(Stop::Run);
    let backend = session
        .backend
        .take()
        .context("the state backend is open once")?;
    let current_serial = session.state.serial;
    let total = plan
        .changes
        .iter()
        .filter(|change| change.is_active())
        .count();
    let blocked = plan.blocked.clone();
    // Given to apply as its only holder, so it takes the refreshed state out rather than
    // copying it.
    let plan = Arc::new(plan);
    let hook = Arc::new(view::progress::Progress::new(json, total));
    if !json {
        writeln!(std::io::stdout())?;
    }
    let mut phase = crate::phase::start();
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
        let report = snapform_apply::apply(plan, providers, apply_options, hook, backend, current_serial, stop).await;
        interrupts.abort();
        report
    });
    let mut report = report.context("cannot save the state")?;
    phase.done(
        "walk",
        format_args!(
            "walked the plan: {} changes, {} failed",
            total,
            report.failures.len()
        ),
    );
    if let Some(reason) = report.unsaved.take() {
        return keep_errored_state(&report, &reason, &session.workspace, json);
    }
    // The run saved each step to the backend's journal; fold them into the state now, so the
    // state file is whole again. Nothing is lost if this fails: reading applies the journal,
    // and the next command that locks the state folds it.
    report
        .backend
        .fold_with(&report.state)
        .context("cannot fold the saved steps into the state file; they are kept in the journal beside it, which the next command folds")?;
    phase.done(
        "fold",
        format_args!(
            "folded the saved steps into the state: {} records",
            report.state.resources.len()
        ),
    );
    if json {
        for (addr, error) in &report.failures {
            view::machine::error(&format!("{addr}: {error}"), error, Some(addr));
        }
        if !report.skipped.is_empty() {
            let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
            view::machine::error(
                "Not applied because something they wait for failed",
                &skipped.join(", "),
                None,
            );
        }
        if report.interrupted {
            view::machine::error(
                "The apply was interrupted",
                "The state records every finished step. Run apply again to finish.",
                None,
            );
        }
        if report.interrupted || !report.failures.is_empty() {
            super::plan::report_blocked(&blocked, &session.sources)?;
            return Ok(1);
        }
        view::machine::emit(view::machine::summary(&report.counts, summary_operation));
        if !destroying {
            view::machine::applied_outputs(
                &report.state.outputs,
                &sensitive_outputs(&report.state),
            );
        }
        return blocked_exit(&blocked, &session.sources);
    }
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
        drop(stdout);
        super::plan::report_blocked(&blocked, &session.sources)?;
        return Ok(1);
    }
    drop(stdout);
    writeln!(
        std::io::stdout(),
        "\n{} {}",
        console::style(complete_verb(run.operation)).green().bold(),
        complete_counts(run.operation, &report.counts)
    )?;
    if !destroying {
        print_outputs(&report.state)?;
    }
    blocked_exit(&blocked, &session.sources)
}

/// 1 after reporting the instances the plan left alone (see
/// [`super::plan::report_blocked`]), else 0.
fn blocked_exit(
    blocked: &[snapform_planner::Blocked],
    sources: &snapform_core::SourceMap,
) -> anyhow::Result<i32> {
    Ok(if super::plan::report_blocked(blocked, sources)? {
        1
    } else {
        0
    })
}

/// The backend could not save the run's last steps, even after retrying: the run started
/// nothing new, and its state (every step that finished) goes to `snapform.errored.tfstate`
/// for `state push`, as Terraform writes `errored.tfstate`. Nothing created goes unrecorded.
fn keep_errored_state(
    report: &snapform_apply::ApplyReport,
    reason: &str,
    workspace: &str,
    json: bool,
) -> anyhow::Result<i32> {
    let path = std::path::Path::new(crate::backend::ERRORED_STATE);
    let text = snapform_state::statefile::encode(&report.state);
    let written = super::write_private(path, &text);
    let in_workspace = if workspace == crate::backend::DEFAULT_WORKSPACE {
        String::new()
    } else {
        format!(" with workspace {workspace:?} selected")
    };
    let detail = match &written {
        Ok(()) => format!(
            "snapform started no new changes once the state could not be saved. Every step that finished is recorded in {} (serial {}). Once the state storage is back, store it with `snapform state push {}`{in_workspace}; if push says the stored state is newer, compare it with `snapform state pull` first.",
            path.display(),
            report.state.serial,
            path.display()
        ),
        Err(error) => format!(
            "snapform started no new changes once the state could not be saved, and {} could not be written either ({error:#}); the state follows on standard error, save it and push it with `snapform state push FILE`{in_workspace}.",
            path.display()
        ),
    };
    let summary = format!("the state could not be saved: {reason}");
    if json {
        for (addr, error) in &report.failures {
            view::machine::error(&format!("{addr}: {error}"), error, Some(addr));
        }
        view::machine::error(&summary, &detail, None);
    } else {
        let mut stdout = std::io::stdout().lock();
        for (addr, error) in &report.failures {
            writeln!(
                stdout,
                "\n{} {addr}: {error}",
                console::style("Error:").red().bold()
            )?;
        }
        writeln!(
            stdout,
            "\n{} {summary}\n\n{detail}",
            console::style("Error:").red().bold()
        )?;
    }
    if written.is_err() {
        write!(std::io::stderr(), "{text}")?;
    }
    Ok(1)
}

/// `Apply complete!` or `Destroy complete!`.
fn complete_verb(operation: &str) -> &'static str {
    if operation == "destroy" {
        "Destroy complete!"
    } else {
        "Apply complete!"
    }
}

/// `Resources: N added, N changed, N destroyed.` (`N destroyed.` for destroy), as Terraform
/// says it.
fn complete_counts(operation: &str, counts: &snapform_planner::Counts) -> String {
    if operation == "destroy" {
        return format!("Resources: {} destroyed.", counts.destroy);
    }
    let mut adopted = String::new();
    if counts.import > 0 {
        adopted.push_str(&format!("{} imported, ", counts.import));
    }
    if counts.adopt > 0 {
        adopted.push_str(&format!("{} adopted, ", counts.adopt));
    }
    format!(
        "Resources: {adopted}{} added, {} changed, {} destroyed.",
        counts.add, counts.change, counts.destroy
    )
}

/// The outputs the state marks sensitive.
fn sensitive_outputs(state: &snapform_state::State) -> Vec<String> {
    state.sensitive_outputs.iter().cloned().collect()
}

/// A plan file holds no sensitive value. Apply computes arguments again from the configuration
/// (whose hash the plan checked); the state it starts from takes the recorded values back from
/// the state the plan was made on, which `check_not_stale` proved is the current one.
fn restore_redacted(plan: &mut Plan, current: &snapform_state::State) {
    let restore = |mut record: snapform_state::ResourceRecord| {
        let recorded = current
            .resource(&record.addr)
            .or_else(|| current.deposed.iter().find(|old| old.id == record.id));
        if let Some(recorded) = recorded {
            for name in &record.sensitive_attributes {
                if let Some(value) = recorded.attributes.get(name) {
                    record.attributes.insert(name.clone(), value.clone());
                }
            }
        }
        record
    };
    let prior = &mut plan.prior_state;
    prior.resources = std::mem::take(&mut prior.resources)
        .into_iter()
        .map(restore)
        .collect();
    prior.deposed = std::mem::take(&mut prior.deposed)
        .into_iter()
        .map(restore)
        .collect();
    prior.pending = std::mem::take(&mut prior.pending)
        .into_iter()
        .map(|mut intent| {
            if let Some(recorded) = current.pending.get(&intent.addr) {
                intent.arguments = recorded.arguments.clone();
            }
            intent
        })
        .collect();
    for name in prior.sensitive_outputs.clone() {
        if let Some(value) = current.outputs.get(&name) {
            prior.outputs.insert(name, value.clone());
        }
    }
}

fn eprintln_interrupt(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n{message}");
}

/// Whether applying `plan` leaves no outputs: a destroy of everything clears them; a targeted
/// destroy keeps those that still evaluate.
fn clears_outputs(plan: &Plan) -> bool {
    plan.mode == PlanMode::Destroy && !plan.targeted
}

/// The outputs `state` now gives, and which are sensitive.
fn outputs_after(
    config: &snapform_config::Config,
    state: &snapform_state::State,
) -> (
    std::collections::BTreeMap<String, snapform_core::Value>,
    std::collections::BTreeSet<String>,
) {
    let outputs = snapform_planner::outputs_now(config, state);
    let sensitive = config
        .sensitive_outputs()
        .into_iter()
        .filter(|name| outputs.contains_key(name))
        .collect();
    (outputs, sensitive)
}

/// Whether the walk of `plan` evaluates arguments: for what it creates or updates.
fn evaluates_arguments(plan: &Plan) -> bool {
    plan.changes
        .iter()
        .any(|change| change.action.creates() || change.action == Action::Update)
}

/// The configuration, taken out of the session, when the rest of the run evaluates it: for
/// the arguments of what it creates or updates, or for the outputs it leaves. A destroy does
/// neither, so a fleet's variables and instance seeds go before its plan is shown.
/// The providers the walk calls are built first, from the configuration.
fn config_for_walk(
    session: &mut Session,
    plan: &Plan,
    parallelism: usize,
) -> anyhow::Result<Option<Arc<snapform_config::Config>>> {
    session.providers(parallelism)?;
    let config = std::mem::take(&mut session.config);
    Ok((evaluates_arguments(plan) || !clears_outputs(plan)).then_some(config))
}

/// Records in `state` the outputs it now gives.
fn record_outputs(config: &snapform_config::Config, state: &mut snapform_state::State) {
    let (outputs, sensitive) = outputs_after(config, state);
    state.outputs = outputs;
    state.sensitive_outputs = sensitive;
}

/// Prints `Outputs:` as Terraform does.
fn print_outputs(state: &snapform_state::State) -> anyhow::Result<()> {
    if state.outputs.is_empty() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "\n{}\n", console::style("Outputs:").green().bold())?;
    write!(
        stdout,
        "{}",
        view::outputs::render(&state.outputs, &sensitive_outputs(state))
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
