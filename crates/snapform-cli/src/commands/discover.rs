//! `snapform import -discover TYPE [-region R] [-filter KEY=VALUE]... -out=FILE`: lists the
//! snapshots of one type that already exist in the cloud (batched, paginated Describe calls
//! within the rate limit, through the provider's `discover`) and writes, for each one the state
//! does not record yet, an `import` block (Terraform 1.5's `import { to = ADDR  id = "..." }`)
//! and a resource block with the arguments the cloud reports, formatted as `fmt` would.
//!
//! The file is never overwritten, and a second run over the same cloud writes nothing for what
//! the state already records. Resource names come from the snapshots' names, made into
//! identifiers (`nightly-db 2026` is `nightly_db_2026`; no usable name gives the ID's), so they
//! are the same from one run to the next; names that would collide, with each other or with a
//! resource the configuration or the state already has, all get their ID as a suffix, which
//! does not depend on which other snapshots exist.
//!
//! The provider configuration is the default one of the type's cloud, or with `-region R` the
//! configuration (default or aliased) whose region is R; resource blocks of an aliased one say
//! `provider = cloud.alias`, so that they are read where they were found.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use snapform_config::Config;
use snapform_core::schema::{AttrType, ResourceSchema};
use snapform_core::{ProviderAddr, Value};
use snapform_provider::{DiscoverFilter, NameGlob, Readiness, ResourceState};

use crate::args::ImportArgs;
use crate::commands::session::{Session, SessionOptions};
use crate::providers::{self, EmulatorTarget};

/// The flags of `snapform import` that discover instead of importing one object.
#[derive(Debug, Args, Default)]
pub struct DiscoverArgs {
    /// List the existing snapshots of TYPE (such as tencentcloud_cbs_disk_backup) and write
    /// import and resource blocks for those snapform does not manage yet, instead of importing
    /// one ADDR.
    #[arg(long, value_name = "TYPE")]
    pub discover: Option<String>,
    /// With -discover: the region to list, that of the provider configuration (default or
    /// aliased) in it; the default configuration's region without it.
    #[arg(long, value_name = "REGION", requires = "discover")]
    pub region: Option<String>,
    /// With -discover: list only snapshots with KEY=VALUE: parent=ID (the disk, instance or
    /// desktop), name=GLOB (`*` and `?`), or an argument of the type (ens_region_id=ID). May be
    /// repeated: values of one key are alternatives, and every key applies.
    #[arg(long = "filter", value_name = "KEY=VALUE", requires = "discover")]
    pub filters: Vec<String>,
    /// With -discover: the file to write the blocks to; it must not exist yet.
    #[arg(long, value_name = "FILE", requires = "discover")]
    pub out: Option<PathBuf>,
}

/// The longest resource name made from a snapshot's name, before any suffix.
const MAX_NAME: usize = 64;

/// Runs `import -discover`.
pub fn run(args: &ImportArgs, emulator: bool) -> anyhow::Result<i32> {
    let discovery = &args.discovery;
    let type_name = discovery.discover.as_deref().unwrap_or_default();
    let Some(schema) = snapform_core::schema::resource_schema(type_name) else {
        let known: Vec<&str> = snapform_core::schema::resource_schemas()
            .iter()
            .map(|schema| schema.type_name)
            .collect();
        bail!(
            "-discover {type_name:?} is not a type snapform manages; it manages {}",
            known.join(", ")
        );
    };
    if !args.addr.is_empty() || !args.id.is_empty() {
        bail!(
            "import -discover writes an import block for every snapshot it finds, so it takes no ADDR or ID"
        );
    }
    let out = discovery.out.as_deref().context(
        "import -discover needs -out=FILE, the new file to write the import and resource blocks to",
    )?;
    refuse_existing(out)?;
    let filter = parse_filters(schema, &discovery.filters)?;
    let Some(session) = Session::open(&SessionOptions {
        vars: &args.vars,
        lock: &args.lock,
        operation: "import -discover",
        emulator,
        forget_instances: true,
    })?
    else {
        return Ok(1);
    };
    let emulator_target = session.emulator_target();
    let (provider_addr, region) = provider_for(
        &session.config,
        schema,
        discovery.region.as_deref(),
        emulator_target.as_ref(),
    )?;
    let (provider, _) = session.one_provider(&provider_addr)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "Listing the {type_name} snapshots of region {region} (provider {provider_addr})..."
    )?;
    let discovered = session
        .runtime
        .block_on(provider.discover(type_name, &filter))
        .with_context(|| format!("cannot list the {type_name} snapshots of region {region}"))?;

    let managed: BTreeSet<&str> = session
        .state
        .resources
        .iter()
        .chain(&session.state.deposed)
        .map(|record| record.id.as_str())
        .collect();
    let mut left_out: Vec<(String, String, String)> = discovered
        .left_out
        .iter()
        .map(|left| (left.id.clone(), left.name.clone(), left.reason.clone()))
        .collect();
    let mut n_managed = 0;
    let mut new = Vec::new();
    for state in &discovered.found {
        if managed.contains(state.id.as_str()) {
            n_managed += 1;
            continue;
        }
        let name = name_of(schema, state).to_owned();
        let reason = match &state.readiness {
            Readiness::Deleting => Some("it is being deleted".to_owned()),
            Readiness::Failed { reason } => Some(format!("it failed ({reason})")),
            _ => schema
                .arguments
                .iter()
                .find(|argument| argument.required && !state.attributes.contains_key(argument.name))
                .map(|argument| format!("the cloud does not report its `{}`", argument.name)),
        };
        match reason {
            Some(reason) => left_out.push((state.id.clone(), name, reason)),
            None => new.push(state),
        }
    }
    let n_found = discovered.found.len() + discovered.left_out.len();
    writeln!(
        stdout,
        "Found {n_found}: {} new, {n_managed} already managed, {} left out.",
        new.len(),
        left_out.len()
    )?;
    for (id, name, reason) in &left_out {
        writeln!(stdout, "  left out {id}{}: {reason}", shown_name(name))?;
    }
    if new.is_empty() {
        writeln!(
            stdout,
            "\nNothing to import, so {} was not written.",
            out.display()
        )?;
        return Ok(0);
    }

    let n_pending = session
        .state
        .pending
        .iter()
        .filter(|intent| intent.addr.resource.type_name == type_name)
        .count();
    let mut warnings = Vec::new();
    if n_pending > 0 {
        warnings.push(format!(
            "the state has {n_pending} unfinished create(s) of {type_name}: a snapshot one of them made is written here as new, and the next plan would adopt it too; run `snapform plan` first, then discover into a new file"
        ));
    }
    let taken = taken_names(&session, schema);
    let names = resource_names(schema, &new, &taken);
    let mut blocks = Vec::with_capacity(new.len());
    for (state, name) in new.iter().zip(&names) {
        blocks.push(blocks_for(
            schema,
            state,
            name,
            &provider_addr,
            &mut warnings,
        ));
    }
    let header = format!(
        "# __generated__ by snapform import -discover {type_name}\n# {} snapshot(s) of region {region} (provider {provider_addr}) that snapform did not manage.\n# Review the names, then `snapform plan` shows each import block as an import, and\n# `snapform apply` records the snapshots in the state without changing them.\n\n",
        new.len()
    );
    write_generated(out, &header, &blocks)?;
    for (state, name) in new.iter().zip(&names) {
        writeln!(
            stdout,
            "  + {type_name}.{name} ({}){}",
            state.id,
            shown_name(name_of(schema, state))
        )?;
    }
    print_warnings(&warnings)?;
    writeln!(
        stdout,
        "\nWrote {} import block(s) and resource block(s) to {}.",
        new.len(),
        out.display()
    )?;
    if out.extension().and_then(|ext| ext.to_str()) != Some("hcl") {
        writeln!(
            stdout,
            "Note: {} does not end in .hcl, so snapform does not read it as configuration until it is renamed.",
            out.display()
        )?;
    }
    Ok(0)
}

/// Refuses an `-out` file that exists (a dangling link included).
fn refuse_existing(out: &Path) -> anyhow::Result<()> {
    if std::fs::symlink_metadata(out).is_ok() {
        bail!(
            "{} already exists, and import -discover never overwrites a file: choose another -out, or move it away",
            out.display()
        );
    }
    Ok(())
}

/// Prints what generating blocks warned about, on standard error.
pub(crate) fn print_warnings(warnings: &[String]) -> std::io::Result<()> {
    let mut stderr = std::io::stderr().lock();
    for warning in warnings {
        writeln!(
            stderr,
            "{} {warning}",
            console::style("warning:").for_stderr().yellow().bold()
        )?;
    }
    Ok(())
}

/// Formats generated blocks under `header`, checks the result parses, and writes it to `out`,
/// which must still not exist.
pub(crate) fn write_generated(out: &Path, header: &str, blocks: &[String]) -> anyhow::Result<()> {
    let text = snapform_config::format::format_source(&format!("{header}{}", blocks.join("\n")));
    let mut sources = snapform_core::SourceMap::new();
    if let Err(diagnostic) =
        snapform_config::check_syntax(&mut sources, &out.display().to_string(), &text)
    {
        bail!(
            "the blocks written for {} are not valid HCL ({}); this is a bug in snapform, please report it",
            out.display(),
            diagnostic.message
        );
    }
    write_new(out, &text)
}

/// Writes `text` to `out`, which must still not exist.
fn write_new(out: &Path, text: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))
}

/// ` "name"`, or nothing for an unnamed snapshot.
fn shown_name(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" {}", snapform_core::value::quote(name))
    }
}

/// The snapshot's name, `""` when it has none.
fn name_of<'a>(schema: &ResourceSchema, state: &'a ResourceState) -> &'a str {
    state
        .attributes
        .get(schema.name_argument)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The discovery filter of the `-filter` flags: `parent` is the type's parent argument, `name`
/// a glob of its name, any other key one of its arguments; values are checked as the
/// configuration's would be, so a mistyped ID is an error before any call.
fn parse_filters(schema: &ResourceSchema, raw: &[String]) -> anyhow::Result<DiscoverFilter> {
    let mut filter = DiscoverFilter::default();
    let keys = || {
        let mut keys = vec!["parent".to_owned(), "name".to_owned()];
        keys.extend(
            schema
                .arguments
                .iter()
                .filter(|argument| matches!(argument.ty, AttrType::String | AttrType::SetOfString))
                .map(|argument| argument.name.to_owned()),
        );
        keys.join(", ")
    };
    for text in raw {
        let Some((key, value)) = text.split_once('=') else {
            bail!(
                "-filter {text:?}: expected KEY=VALUE, such as parent=ID or name=nightly-*; keys of {}: {}",
                schema.type_name,
                keys()
            );
        };
        let key = key.trim();
        if key == "name" {
            filter.names.push(NameGlob::new(value));
            continue;
        }
        let argument_name = match key {
            "parent" => schema
                .parents
                .first()
                .map(|parent| parent.argument)
                .context("this type has no parent")?,
            other => other,
        };
        let Some(argument) = schema
            .argument(argument_name)
            .filter(|argument| matches!(argument.ty, AttrType::String | AttrType::SetOfString))
        else {
            bail!(
                "-filter {text:?}: {} has no argument {key:?} to filter by; keys: {}",
                schema.type_name,
                keys()
            );
        };
        let constraints = if argument.ty == AttrType::SetOfString {
            argument.item_constraints
        } else {
            argument.constraints
        };
        for constraint in constraints {
            if let Err(violation) = constraint.check_str(argument.name, value) {
                let help = violation
                    .help
                    .map_or(String::new(), |help| format!(" ({help})"));
                bail!("-filter {text:?}: {}{help}", violation.message);
            }
        }
        filter
            .arguments
            .entry(argument.name.to_owned())
            .or_default()
            .push(value.to_owned());
    }
    Ok(filter)
}

/// The provider configuration to list with, and its region: the default configuration of the
/// type's cloud, or with `wanted` the one whose region it is (the default one first).
pub(crate) fn provider_for(
    config: &Config,
    schema: &ResourceSchema,
    wanted: Option<&str>,
    emulator: Option<&EmulatorTarget>,
) -> anyhow::Result<(ProviderAddr, String)> {
    let default = ProviderAddr::default_for(schema.provider);
    let Some(wanted) = wanted else {
        let regions = providers::regions(config, std::slice::from_ref(&default), emulator)
            .context("import -discover lists the region of the default provider configuration, or of the one -region names")?;
        let region = regions.get(&default).cloned().unwrap_or_default();
        return Ok((default, region));
    };
    let mut candidates = vec![default];
    candidates.extend(
        config
            .providers
            .iter()
            .filter(|provider| {
                provider.addr.name == schema.provider && provider.addr.alias.is_some()
            })
            .map(|provider| provider.addr.clone()),
    );
    let mut known = Vec::new();
    for candidate in candidates {
        let region = providers::regions(config, std::slice::from_ref(&candidate), emulator)
            .ok()
            .and_then(|regions| regions.get(&candidate).cloned());
        match region {
            Some(region) if region == wanted => return Ok((candidate, region)),
            Some(region) => known.push(format!("{candidate} is in {region}")),
            None => known.push(format!("{candidate} has no region")),
        }
    }
    bail!(
        "no configuration of provider {} is in region {wanted} ({}); add one, such as provider \"{}\" {{ alias = \"{}\"  region = \"{wanted}\" }}, and run again",
        schema.provider,
        known.join(", "),
        schema.provider,
        wanted.replace('-', "_")
    )
}

/// The resource names of this type that the configuration or the state already uses.
fn taken_names(session: &Session, schema: &ResourceSchema) -> BTreeSet<String> {
    session
        .config
        .resources
        .iter()
        .map(|resource| &resource.addr)
        .chain(
            session
                .state
                .resources
                .iter()
                .chain(&session.state.deposed)
                .map(|record| &record.addr.resource),
        )
        .chain(
            session
                .state
                .pending
                .iter()
                .map(|intent| &intent.addr.resource),
        )
        .filter(|addr| addr.type_name == schema.type_name)
        .map(|addr| addr.name.clone())
        .collect()
}

/// A resource name for each snapshot of `found`, in its order: valid, unique, and stable.
fn resource_names(
    schema: &ResourceSchema,
    found: &[&ResourceState],
    taken: &BTreeSet<String>,
) -> Vec<String> {
    let bases: Vec<String> = found
        .iter()
        .map(|state| match identifier(name_of(schema, state)) {
            base if base.is_empty() => identifier(&state.id),
            base => base,
        })
        .collect();
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for base in &bases {
        *uses.entry(base.as_str()).or_default() += 1;
    }
    let mut names: Vec<String> = found
        .iter()
        .zip(&bases)
        .map(|(state, base)| {
            if uses[base.as_str()] > 1 || taken.contains(base) {
                let id = schema
                    .id_prefixes
                    .iter()
                    .find_map(|prefix| state.id.strip_prefix(prefix))
                    .unwrap_or(&state.id);
                format!("{base}_{}", identifier(id))
            } else {
                base.clone()
            }
        })
        .collect();
    // An ID suffix that still collides (a name that already ends in another's ID) gets a
    // counter, in the order of the IDs, which discovery sorts.
    let mut seen: BTreeSet<String> = taken.clone();
    for name in &mut names {
        if seen.contains(name.as_str()) {
            let mut counter = 2;
            while seen.contains(&format!("{name}_{counter}")) {
                counter += 1;
            }
            *name = format!("{name}_{counter}");
        }
        seen.insert(name.clone());
    }
    names
}

/// `text` as a resource name: lower-case ASCII letters, digits and `_`, every other run of
/// characters one `_`, none at either end, starting with a letter (`snapshot_` is put before a
/// digit), at most [`MAX_NAME`] characters. Empty when `text` has no letter or digit.
fn identifier(text: &str) -> String {
    let mut res = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            res.push(ch.to_ascii_lowercase());
        } else if !res.is_empty() && !res.ends_with('_') {
            res.push('_');
        }
    }
    res.truncate(MAX_NAME);
    let trimmed = res.trim_end_matches('_');
    match trimmed.chars().next() {
        Some(first) if first.is_ascii_digit() => format!("snapshot_{trimmed}"),
        _ => trimmed.to_owned(),
    }
}

/// The import block and the resource block of one snapshot, and a warning for each argument
/// the cloud holds that the configuration's rules refuse.
fn blocks_for(
    schema: &ResourceSchema,
    state: &ResourceState,
    name: &str,
    provider: &ProviderAddr,
    warnings: &mut Vec<String>,
) -> String {
    format!(
        "import {{\n  to = {}.{name}\n  id = {}\n}}\n\n{}",
        schema.type_name,
        literal(&state.id),
        resource_block(schema, state, name, provider, warnings)
    )
}

/// The resource block of one snapshot, with the arguments the cloud reports, and a warning
/// for each one the configuration's rules refuse.
pub(crate) fn resource_block(
    schema: &ResourceSchema,
    state: &ResourceState,
    name: &str,
    provider: &ProviderAddr,
    warnings: &mut Vec<String>,
) -> String {
    let type_name = schema.type_name;
    let mut text = format!("resource \"{type_name}\" \"{name}\" {{\n");
    if provider.alias.is_some() {
        text.push_str(&format!("  provider = {provider}\n"));
    }
    for argument in schema.arguments {
        let Some(value) = state.attributes.get(argument.name) else {
            continue;
        };
        let written = match value {
            Value::String(text) if !text.is_empty() => literal(text),
            Value::List(items) | Value::Set(items) if !items.is_empty() => {
                let items: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(literal)
                    .collect();
                format!("[{}]", items.join(", "))
            }
            Value::Map(entries) if !entries.is_empty() => {
                let entries: Vec<String> = entries
                    .iter()
                    .filter_map(|(key, value)| {
                        Some(format!("{} = {}", literal(key), literal(value.as_str()?)))
                    })
                    .collect();
                format!("{{ {} }}", entries.join(", "))
            }
            _ => continue,
        };
        for constraint in argument.constraints {
            if let Err(violation) = constraint.check(argument.name, value) {
                warnings.push(format!(
                    "{type_name}.{name} ({}): {}, so validate will refuse it as written; the snapshot keeps it",
                    state.id, violation.message
                ));
            }
        }
        text.push_str(&format!("  {} = {written}\n", argument.name));
    }
    text.push_str("}\n");
    text
}

/// `text` as an HCL string literal: quoted and escaped, with `${` and `%{` escaped too, since
/// a snapshot name is text, never a template.
fn literal(text: &str) -> String {
    snapform_core::value::quote(text)
        .replace("${", "$${")
        .replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_become_identifiers() {
        let check = |text: &str, expected: &str| assert_eq!(identifier(text), expected, "{text:?}");
        check("nightly-db 2026/12/05", "nightly_db_2026_12_05");
        check("Nightly.DB", "nightly_db");
        check("--web--", "web");
        check("2026-12-05", "snapshot_2026_12_05");
        check("数据库备份", "");
        check("数据库-db", "db");
        check("", "");
        check(&"a".repeat(100), &"a".repeat(64));
        check("dbp-a1b2c3d4", "dbp_a1b2c3d4");
        for text in ["nightly-db", "2026", "a_b", "x".repeat(70).as_str()] {
            let name = identifier(text);
            assert!(snapform_core::value::is_identifier(&name), "{name}");
        }
    }

    fn state(id: &str, name: &str) -> ResourceState {
        let mut attributes = BTreeMap::new();
        if !name.is_empty() {
            attributes.insert("disk_backup_name".to_owned(), Value::string(name));
        }
        ResourceState {
            id: id.to_owned(),
            attributes,
            readiness: Readiness::Ready,
        }
    }

    #[test]
    fn resource_names_are_unique_and_do_not_depend_on_other_snapshots() {
        let schema = &snapform_core::schema::tencentcloud::CBS_DISK_BACKUP;
        let found = [
            state("dbp-aaaaaaaa", "nightly-db"),
            state("dbp-bbbbbbbb", "nightly db"),
            state("dbp-cccccccc", "web"),
            state("dbp-dddddddd", ""),
            state("dbp-eeeeeeee", "app"),
            state("dbp-ffffffff", "app_eeeeeeee"),
        ];
        let refs: Vec<&ResourceState> = found.iter().collect();
        let taken: BTreeSet<String> = ["web".to_owned()].into();
        assert_eq!(
            resource_names(schema, &refs, &taken),
            [
                "nightly_db_aaaaaaaa",
                "nightly_db_bbbbbbbb",
                "web_cccccccc",
                "dbp_dddddddd",
                "app",
                "app_eeeeeeee",
            ]
        );
        // Without the other same-named backup, the first keeps its plain name.
        assert_eq!(
            resource_names(schema, &refs[..1], &BTreeSet::new()),
            ["nightly_db"]
        );
        let clash = [
            state("dbp-aaaaaaaa", "x"),
            state("dbp-bbbbbbbb", "x_aaaaaaaa"),
        ];
        let refs: Vec<&ResourceState> = clash.iter().collect();
        let taken: BTreeSet<String> = ["x".to_owned()].into();
        assert_eq!(
            resource_names(schema, &refs, &taken),
            ["x_aaaaaaaa", "x_aaaaaaaa_2"]
        );
    }

    #[test]
    fn literals_are_never_templates() {
        assert_eq!(literal("a\"b"), r#""a\"b""#);
        assert_eq!(literal("${var.x} %{ if }"), r#""$${var.x} %%{ if }""#);
    }

    #[test]
    fn filters_name_arguments_and_check_their_values() {
        let backup = &snapform_core::schema::tencentcloud::CBS_DISK_BACKUP;
        let filter = parse_filters(
            backup,
            &[
                "parent=disk-qs100001".to_owned(),
                "disk_id=disk-qs100002".to_owned(),
                "name=nightly-*".to_owned(),
            ],
        )
        .expect("valid");
        assert_eq!(
            filter.values("disk_id"),
            ["disk-qs100001".to_owned(), "disk-qs100002".to_owned()]
        );
        assert_eq!(filter.names, [NameGlob::new("nightly-*")]);
        let group = &snapform_core::schema::tencentcloud::CBS_SNAPSHOT_GROUP;
        let filter = parse_filters(group, &["parent=disk-qs100003".to_owned()]).expect("valid");
        assert_eq!(filter.values("disk_ids"), ["disk-qs100003".to_owned()]);
        let error = |schema, text: &str| {
            parse_filters(schema, &[text.to_owned()])
                .expect_err(text)
                .to_string()
        };
        assert!(
            error(backup, "parent=lhins-qs100001").contains("disk"),
            "{}",
            error(backup, "parent=lhins-qs100001")
        );
        assert!(error(backup, "size=5").contains("keys: parent, name, disk_id, disk_backup_name"));
        assert!(error(backup, "nightly").contains("expected KEY=VALUE"));
        let ens = &snapform_core::schema::alicloud::ENS_SNAPSHOT;
        assert!(parse_filters(ens, &["ens_region_id=cn-shenzhen-3".to_owned()]).is_ok());
        assert!(error(ens, "ens_region_id=Shenzhen").contains("region"));
    }
}
