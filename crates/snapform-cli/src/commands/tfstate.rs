//! Terraform states, for teams moving from Terraform: `state push FILE` converts a Terraform
//! state (version 4, by the official tencentcloud and alicloud providers) before storing it,
//! and `init -migrate-state` converts Terraform's own local state beside the configuration
//! (`terraform.tfstate`, and `terraform.tfstate.d/NAME/terraform.tfstate` for its workspaces)
//! into the configured backend. The conversion itself is snapform-state's `terraform` module;
//! this one finds the files, gives the conversion each provider configuration's region, and
//! prints what became of every resource.
//!
//! Terraform records no region per resource. It comes from the configuration's provider
//! blocks, else the environment and the official CLIs' profiles, exactly as `plan` would take
//! it; a provider configuration that has none, or an alias the configuration does not
//! declare, refuses the conversion with what to add.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use snapform_config::Config;
use snapform_core::ProviderAddr;
use snapform_state::terraform::{Conversion, Outcome, TerraformState};
use snapform_state::{State, statefile};

use super::session::take_lock;
use crate::args::InitArgs;
use crate::backend::Settings;

/// Terraform's local state file for the `default` workspace.
pub const TERRAFORM_STATE: &str = "terraform.tfstate";

/// Where Terraform's local backend keeps the other workspaces' states.
const TERRAFORM_WORKSPACES: &str = "terraform.tfstate.d";

/// The state `text` of `path` holds, for `state push`: a snapform state as it is, a Terraform
/// state converted, with what became of each resource printed to `out`.
pub fn decode_for_push(path: &Path, text: &str, out: &mut impl Write) -> anyhow::Result<State> {
    // A file that is not even JSON is Terraform's when it says so, so that its error is about
    // the Terraform state it was meant to be.
    let is_terraform = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(document) => snapform_state::terraform::is_terraform_state(&document),
        Err(_) => text.contains("\"terraform_version\""),
    };
    if !is_terraform {
        return Ok(statefile::decode(path, text)?);
    }
    let config = super::session::config_for_state();
    let conversion = convert(&config, path, text)?;
    report(path, &conversion, out)?;
    Ok(conversion.state)
}

/// Converts the Terraform state `text` of `path`, with the regions the configuration gives.
fn convert(config: &Config, path: &Path, text: &str) -> anyhow::Result<Conversion> {
    let terraform = TerraformState::read(path, text)?;
    let regions = regions(config, &terraform)
        .with_context(|| format!("cannot convert the Terraform state {}", path.display()))?;
    Ok(terraform.convert(&regions)?)
}

/// The region of every provider configuration the Terraform state's resources use.
fn regions(
    config: &Config,
    terraform: &TerraformState,
) -> anyhow::Result<BTreeMap<ProviderAddr, String>> {
    let needed: Vec<ProviderAddr> = terraform.providers().into_iter().collect();
    for addr in &needed {
        if let Some(alias) = &addr.alias
            && config.provider(addr).is_none()
        {
            bail!(
                "its resources use provider {addr}, which the configuration does not declare: add provider \"{}\" {{ alias = \"{alias}\"  region = \"...\" }} with the region Terraform's configuration gave it",
                addr.name
            );
        }
    }
    crate::providers::regions(config, &needed, None).context(
        "Terraform records no region per resource, so snapform takes it from the configuration's provider blocks (or the environment, as plan does)",
    )
}

/// Prints what became of every resource of the Terraform state.
fn report(path: &Path, conversion: &Conversion, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "Converting the Terraform state {} (serial {}, lineage {}):",
        path.display(),
        conversion.state.serial,
        conversion.state.lineage
    )?;
    let (mut taken, mut left_out, mut ignored) = (0, 0, 0);
    for line in &conversion.report {
        match line.outcome {
            Outcome::Taken { .. } => taken += 1,
            Outcome::LeftOut { .. } => left_out += 1,
            Outcome::Ignored { .. } => ignored += 1,
        }
        writeln!(out, "  {line}")?;
    }
    writeln!(
        out,
        "Took {taken} resource instance(s); left out {left_out}; ignored {ignored}."
    )?;
    Ok(())
}

/// Terraform's local states beside the configuration, by workspace.
fn terraform_local_states() -> anyhow::Result<Vec<(String, PathBuf)>> {
    // Relative to the working directory, which is the configuration's (after -chdir).
    let mut found = Vec::new();
    let default = PathBuf::from(TERRAFORM_STATE);
    if default.is_file() {
        found.push((crate::backend::DEFAULT_WORKSPACE.to_owned(), default));
    }
    let workspaces = Path::new(TERRAFORM_WORKSPACES);
    if let Ok(entries) = std::fs::read_dir(workspaces) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| snapform_state::check_workspace_name(name).is_ok())
            .filter(|name| workspaces.join(name).join(TERRAFORM_STATE).is_file())
            .collect();
        names.sort();
        found.extend(names.into_iter().map(|name| {
            let path = workspaces.join(&name).join(TERRAFORM_STATE);
            (name, path)
        }));
    }
    Ok(found)
}

/// What `init` does with Terraform's local state, before its own backend checks: without
/// `-migrate-state`, it says what it found; with it, it converts each workspace's state whose
/// counterpart in the backend `new` is missing or empty, shows what it took, asks (unless
/// `-force-copy`), and writes it there. A workspace the backend already holds this state for
/// is left as it is; one holding another state is refused, never overwritten.
pub fn migrate_terraform_local(
    config: &Config,
    new: &Settings,
    args: &InitArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut to_copy = Vec::new();
    for (workspace, path) in terraform_local_states()? {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let terraform = TerraformState::read(&path, &text)?;
        if terraform.n_taken() == 0 {
            writeln!(
                out,
                "Terraform's state {} records no snapshot of snapform's types; it is left alone.",
                path.display()
            )?;
            continue;
        }
        let destination = new.open(&workspace)?;
        let there = destination
            .read()
            .with_context(|| format!("cannot read workspace {workspace} of {}", new.describe()))?;
        match there {
            Some(state) if !(state.is_empty() && state.outputs.is_empty()) => {
                writeln!(
                    out,
                    "Terraform's state {} was not converted: workspace {workspace} of {} already holds a state (serial {}, lineage {}).",
                    path.display(),
                    new.describe(),
                    state.serial,
                    state.lineage
                )?;
            }
            _ => to_copy.push((workspace, path, text, terraform.n_taken())),
        }
    }
    if to_copy.is_empty() {
        return Ok(());
    }
    if !args.migrate_state {
        for (workspace, path, _, n) in &to_copy {
            writeln!(
                out,
                "\nTerraform's state {} records {n} snapshot(s) of snapform's types (workspace {workspace}).\n  hint: run `snapform init -migrate-state` to convert it into {}; until then snapform does not know them and a plan would create them again.",
                path.display(),
                new.describe()
            )?;
        }
        return Ok(());
    }
    let mut converted = Vec::with_capacity(to_copy.len());
    for (workspace, path, text, _) in to_copy {
        writeln!(out)?;
        let conversion = convert(config, &path, &text)?;
        report(&path, &conversion, out)?;
        converted.push((workspace, conversion.state));
    }
    if !args.force_copy && !super::init::confirmed(out)? {
        writeln!(out, "\nMigration cancelled; nothing was converted.")?;
        bail!("the Terraform state was not converted");
    }
    for (workspace, state) in converted {
        let mut destination = new.open(&workspace)?;
        let _lock = take_lock(destination.as_ref(), &args.lock, "init -migrate-state")?;
        destination
            .write(&state)
            .with_context(|| format!("cannot write workspace {workspace} to {}", new.describe()))?;
        let written = destination
            .read()
            .context("cannot read the converted state back")?;
        if written.as_ref() != Some(&state) {
            bail!(
                "workspace {workspace}: the state read back from {} differs from the one converted",
                new.describe()
            );
        }
        writeln!(
            out,
            "  {workspace}: converted into {} ({} resource(s)); Terraform's file is left as it was",
            new.describe(),
            state.resources.len()
        )?;
    }
    Ok(())
}
