//! One module per command; each returns the process exit code.

pub mod apply;
pub mod discover;
pub mod emulator;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod import_blocks;
pub mod init;
pub mod output;
pub mod plan;
pub mod session;
pub mod show;
pub mod state;
pub mod tfstate;
pub mod validate;
pub mod workspace;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use snapform_config::{LoadOptions, VarArg};

use crate::args::VarArgs;

/// Builds the loader's variable inputs from `-var`, `-var-file` and the environment.
pub fn load_options(vars: &VarArgs) -> anyhow::Result<LoadOptions> {
    let mut values = Vec::new();
    for raw in &vars.vars {
        let (name, value) = raw
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("-var needs NAME=VALUE, got {raw:?}"))?;
        values.push(VarArg::Var {
            name: name.trim().to_owned(),
            value: value.to_owned(),
        });
    }
    let files: Vec<VarArg> = vars
        .var_files
        .iter()
        .map(|path| VarArg::File(path.clone()))
        .collect();
    crate::view::diagnostics::set_compact_warnings(vars.compact_warnings);
    Ok(LoadOptions {
        var_args: in_command_line_order(values, files),
        env_vars: crate::env::config_variables(),
        allow_unset_variables: false,
        allow_insecure_http: crate::env::allow_insecure_http(),
        workspace: Some(crate::backend::workspace()?),
    })
}

/// The command line's arguments, normalized, kept by `main` so that options clap sorts into
/// separate lists can be put back in the order the user wrote them.
pub static ARGUMENTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Interleaves `-var` values and `-var-file` files as they appear on the command line: later
/// ones win, as in Terraform. clap parses them into two lists, which keep their own order.
fn in_command_line_order(values: Vec<VarArg>, files: Vec<VarArg>) -> Vec<VarArg> {
    let kinds: Vec<bool> = ARGUMENTS
        .get()
        .map(|arguments| {
            arguments
                .iter()
                .filter_map(|argument| {
                    if argument == "--var" || argument.starts_with("--var=") {
                        Some(false)
                    } else if argument == "--var-file" || argument.starts_with("--var-file=") {
                        Some(true)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if kinds.len() != values.len() + files.len() {
        // Not from this process's command line (tests): values first, then files.
        return values.into_iter().chain(files).collect();
    }
    let mut values = values.into_iter();
    let mut files = files.into_iter();
    kinds
        .into_iter()
        .filter_map(|is_file| if is_file { files.next() } else { values.next() })
        .collect()
}

/// The working directory every command reads, `.` after `-chdir`.
pub fn config_dir() -> &'static Path {
    Path::new(".")
}

/// Replaces `path` through a temporary file in the same directory, so an interrupted write
/// never leaves half a file. The file keeps the permissions it had (`fmt` rewrites the user's
/// own files); a new file is readable by its owner only.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let keep = std::fs::metadata(path)
        .ok()
        .map(|metadata| metadata.permissions());
    replace_file(path, keep, |file| file.write_all(text.as_bytes()))
}

/// Replaces `path` as [`write_atomically`] does, readable by its owner only (0600) whatever it
/// was before: plan files carry the state's records and the planned arguments.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    write_private_with(path, |file| file.write_all(text.as_bytes()))
}

/// Like [`write_private`], with the contents written by `write` as they are made, so a large
/// file (a plan of 100,000 instances) is never whole in memory.
pub fn write_private_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    replace_file(path, None, write)
}

fn replace_file(
    path: &Path,
    permissions: Option<std::fs::Permissions>,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    write(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn plan_files_are_private_and_formatted_files_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let mode = |path: &Path| {
            std::fs::metadata(path)
                .expect("exists")
                .permissions()
                .mode()
                & 0o777
        };
        let plan = dir.path().join("tfplan");
        write_private(&plan, "{}").expect("new plan file");
        assert_eq!(mode(&plan), 0o600);
        // A plan file an older snapform left readable by everyone becomes private.
        std::fs::set_permissions(&plan, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_private(&plan, "{}").expect("rewritten");
        assert_eq!(mode(&plan), 0o600);

        let hcl = dir.path().join("main.hcl");
        std::fs::write(&hcl, "a = 1\n").expect("write");
        std::fs::set_permissions(&hcl, std::fs::Permissions::from_mode(0o664)).expect("chmod");
        write_atomically(&hcl, "a = 1\n").expect("formatted");
        assert_eq!(mode(&hcl), 0o664);
    }
}
