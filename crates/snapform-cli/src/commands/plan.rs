//! `snapform plan`: refresh, plan, preflight, and show the plan (or write it to a file).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use snapform_core::{Diagnostic, ResourceInstanceAddr};
use snapform_planner::{Plan, PlanInputs, PlanMode};

use crate::args::{PlanArgs, PlanOptions, RunOptions};
use crate::commands::session::{Session, SessionOptions, report};
use crate::providers;
use crate::view;

/// Runs `plan`.
pub fn run(args: &PlanArgs, emulator: bool) -> anyhow::Result<i32> {
    if args.json {
        view::machine::start();
    }
    let request = args.options.request()?;
    let session_options = SessionOptions {
        vars: &args.options.run.vars,
        lock: &args.options.run.lock,
        operation: "plan",
        emulator,
        forget_instances: request.checks_no_addresses(),
    };
    let Some(mut session) = Session::open(&session_options)? else {
        return Ok(1);
    };
    if let Some(out) = &args.generate_config_out
        && super::import_blocks::generate_config(&session, out)?
        && !session.reload_config(&session_options)?
    {
        return Ok(1);
    }
    let Some(mut plan) = make_plan(&mut session, &request, CloudCalls::Allowed)? else {
        return Ok(1);
    };
    if args.json {
        view::machine::plan(&plan);
    } else {
        view::plan::write(&plan, &mut std::io::stdout().lock())?;
    }
    if let Some(out) = &args.out {
        write_plan_file(out, &mut plan, &session.config)?;
        if !args.json {
            writeln!(
                std::io::stdout(),
                "\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    snapform {}apply {:?}",
                out.display(),
                if emulator { "--emulator " } else { "" },
                out.display().to_string()
            )?;
        }
    }
    if report_blocked(&plan.blocked, &session.sources)? {
        return Ok(1);
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}

/// Prints an error for each instance the plan leaves alone because what its interrupted
/// create made is ambiguous; returns whether there was any.
pub fn report_blocked(
    blocked: &[snapform_planner::Blocked],
    sources: &snapform_core::SourceMap,
) -> anyhow::Result<bool> {
    let diagnostics: Vec<snapform_core::Diagnostic> = blocked
        .iter()
        .map(snapform_planner::Blocked::diagnostic)
        .collect();
    super::session::report(&diagnostics, sources)
}

/// Parses `-target`/`-replace` addresses.
pub fn parse_addrs(texts: &[String], flag: &str) -> anyhow::Result<Vec<ResourceInstanceAddr>> {
    texts
        .iter()
        .map(|text| {
            text.parse()
                .with_context(|| format!("invalid -{flag} address"))
        })
        .collect()
}

/// A `-target` must name something the configuration or the state has: a whole resource
/// (every instance of it is targeted, as in Terraform) or one instance.
fn check_target(session: &Session, target: &ResourceInstanceAddr) -> anyhow::Result<()> {
    let in_state = session
        .state
        .resources
        .instances_of(&target.resource)
        .any(|record| {
            target.key == snapform_core::InstanceKey::None
                || (record.addr.key == target.key
                    && target
                        .generation
                        .is_none_or(|tick| record.addr.generation == Some(tick)))
        });
    let in_config = match session.config.resource(&target.resource) {
        None => false,
        Some(_) if target.key == snapform_core::InstanceKey::None => true,
        Some(_) => session.config.instance(&target.instance()).is_some(),
    };
    if in_state || in_config {
        return Ok(());
    }
    anyhow::bail!(
        "-target={target} matches nothing: no such resource or instance in the configuration or the state{}",
        suggestion(session, target)
    )
}

/// A `-replace` must name one instance the state records; a whole resource with `count` or
/// `for_each` is refused with its instances listed, rather than silently replacing nothing.
fn check_replace(session: &Session, addr: &ResourceInstanceAddr) -> anyhow::Result<()> {
    if session.state.resource(addr).is_some() {
        return Ok(());
    }
    let recorded: Vec<String> = session
        .state
        .resources
        .instances_of(&addr.resource)
        .map(|record| record.addr.to_string())
        .collect();
    if addr.key == snapform_core::InstanceKey::None && !recorded.is_empty() {
        let shown: Vec<&str> = recorded.iter().take(10).map(String::as_str).collect();
        let more = if recorded.len() > shown.len() {
            format!(" and {} more", recorded.len() - shown.len())
        } else {
            String::new()
        };
        anyhow::bail!(
            "-replace={addr} names a resource with several instances; name the one to replace: {}{more}",
            shown.join(", ")
        );
    }
    anyhow::bail!(
        "-replace={addr} matches nothing: the state records no such instance, so there is nothing to replace{}",
        suggestion(session, addr)
    )
}

/// `; did you mean X?` for the recorded or configured address closest to `addr`.
fn suggestion(session: &Session, addr: &ResourceInstanceAddr) -> String {
    let candidates: Vec<String> = session
        .state
        .resources
        .iter()
        .map(|record| record.addr.to_string())
        .chain(session.config.resources.iter().map(|r| r.addr.to_string()))
        .collect();
    snapform_config::suggest::closest(&addr.to_string(), candidates.iter().map(String::as_str))
        .map_or_else(String::new, |close| format!("; did you mean {close}?"))
}

/// What to plan: from the options of `plan`, `apply` and `destroy`, or `graph`'s.
pub struct PlanRequest<'a> {
    pub mode: PlanMode,
    /// Read the clouds first.
    pub refresh: bool,
    pub targets: &'a [String],
    pub replace: &'a [String],
    /// Call slots of the providers.
    pub parallelism: usize,
    /// `-now`, or `None` for the machine's clock.
    pub now: Option<jiff::Timestamp>,
}

impl PlanRequest<'_> {
    /// Whether planning checks no address against the configured instances: no `-target`,
    /// no `-replace`.
    pub fn checks_no_addresses(&self) -> bool {
        self.targets.is_empty() && self.replace.is_empty()
    }
}

impl PlanOptions {
    /// The plan these options ask for.
    pub fn request(&self) -> anyhow::Result<PlanRequest<'_>> {
        let mode = match (self.destroy, self.refresh_only) {
            (true, true) => anyhow::bail!("-destroy and -refresh-only cannot be used together"),
            (true, false) => PlanMode::Destroy,
            (false, true) => PlanMode::RefreshOnly,
            (false, false) => PlanMode::Normal,
        };
        Ok(PlanRequest {
            mode,
            replace: &self.replace,
            ..self.run.request(mode)
        })
    }
}

impl RunOptions {
    /// A plan in `mode` with these options and no forced replacement (`destroy`).
    pub fn request(&self, mode: PlanMode) -> PlanRequest<'_> {
        PlanRequest {
            mode,
            refresh: self.refresh,
            targets: &self.targets,
            replace: &[],
            parallelism: self.parallelism,
            now: self.now,
        }
    }
}

/// Whether making a plan may call the clouds: `graph` draws one without credentials, so it
/// neither refreshes nor runs the preflight checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudCalls {
    Allowed,
    Never,
}

/// Refreshes, plans and runs the preflight checks; prints diagnostics and returns `None` when
/// the plan cannot be used.
pub fn make_plan(
    session: &mut Session,
    request: &PlanRequest<'_>,
    calls: CloudCalls,
) -> anyhow::Result<Option<Plan>> {
    let mode = request.mode;
    let targets = parse_addrs(request.targets, "target")?;
    let replace = parse_addrs(request.replace, "replace")?;
    for target in &targets {
        check_target(session, target)?;
    }
    for addr in &replace {
        check_replace(session, addr)?;
    }
    // Checked; planning evaluates every resource again (see `Config::forget_instances`).
    if let Some(config) = std::sync::Arc::get_mut(&mut session.config) {
        config.forget_instances();
    }
    let (providers, regions) = match calls {
        CloudCalls::Allowed => {
            let (providers, regions) = session.providers(request.parallelism)?;
            (Some(providers), regions)
        }
        CloudCalls::Never => (
            None,
            providers::regions(
                &session.config,
                &session.needed_providers(),
                session.emulator_target().as_ref(),
            )?,
        ),
    };
    let mut phase = crate::phase::start();
    let refresh = match &providers {
        Some(providers) if request.refresh && !session.state.is_empty() => {
            let result = session
                .runtime
                .block_on(snapform_apply::refresh(&session.state, providers, None))
                .context("refresh failed")?;
            phase.done(
                "refresh",
                format_args!(
                    "refreshed {} records: {} as recorded, {} changed or gone",
                    session.state.resources.len(),
                    result.as_recorded,
                    result.read.len()
                ),
            );
            Some(result)
        }
        _ => None,
    };
    // Import blocks are read also with -refresh=false: an import needs the object.
    let imports = match &providers {
        Some(providers) if mode == PlanMode::Normal => {
            super::import_blocks::read(session, providers, &regions)?
        }
        _ => snapform_planner::ImportReads::new(),
    };
    // The recorded state goes into the plan, where it becomes the refreshed `prior_state`,
    // rather than being copied: at a fleet's size it is the largest thing a command holds.
    // What later steps read of it is its lineage and serial, which stay.
    let recorded = std::mem::take(&mut session.state);
    session.state.lineage = recorded.lineage.clone();
    session.state.serial = recorded.serial;
    let (plan, mut diagnostics) = snapform_planner::plan(PlanInputs {
        config: &session.config,
        prior_state: std::borrow::Cow::Owned(recorded),
        state_exists: session.state_exists,
        refresh,
        imports: &imports,
        mode,
        targets: &targets,
        replace: &replace,
        regions: &regions,
        config_hash: session.config_hash.clone(),
        // The one clock reading of the plan.
        now: request.now.unwrap_or_else(jiff::Timestamp::now),
    });
    phase.done(
        "plan",
        format_args!("planned {} changes", plan.changes.len()),
    );
    if let Some(providers) = &providers
        && mode == PlanMode::Normal
        && !snapform_core::diagnostic::has_errors(&diagnostics)
    {
        let problems = session
            .runtime
            .block_on(snapform_apply::preflight(&plan, providers))
            .context("the preflight checks failed")?;
        phase.done(
            "preflight",
            format_args!("checked the planned creates: {} problems", problems.len()),
        );
        diagnostics.extend(
            problems
                .iter()
                .map(|problem| preflight_diagnostic(session, problem)),
        );
    }
    if report(&diagnostics, &session.sources)? {
        return Ok(None);
    }
    Ok(Some(plan))
}

/// A preflight problem as a diagnostic at the argument it is about.
fn preflight_diagnostic(session: &Session, problem: &snapform_apply::Problem) -> Diagnostic {
    let message = format!("{}: {}", problem.addr, problem.problem.message);
    let span = session
        .config
        .resource(&problem.addr.resource)
        .map(|resource| resource.argument_span(problem.problem.argument));
    let help = "snapform checked this before changing anything; fix the configuration or the cloud and plan again";
    match span {
        Some(span) => Diagnostic::error(problem.problem.code, message, span).with_help(help),
        None => Diagnostic::global_error(problem.problem.code, message).with_help(help),
    }
}

/// Writes the plan file atomically, readable by its owner only, without its sensitive values.
/// Writes `plan` to a plan file, with the summary of `config` that `show -json` reads.
pub fn write_plan_file(
    path: &Path,
    plan: &mut Plan,
    config: &snapform_config::Config,
) -> anyhow::Result<()> {
    plan.configuration = config.summary();
    super::write_private_with(path, |file| snapform_planner::planfile::write(plan, file))
}

/// Reads a plan file written by `plan -out`.
pub fn read_plan_file(path: &Path) -> anyhow::Result<Plan> {
    Ok(snapform_planner::planfile::read(
        &path.display().to_string(),
        || std::fs::File::open(path),
    )?)
}
