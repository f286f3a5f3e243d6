//! `snapform fmt`: rewrites `.hcl` files in the canonical style, byte for byte what
//! `terraform fmt` writes. A file with a syntax error is reported and never rewritten.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use snapform_config::format::format_source;
use snapform_core::SourceMap;

use crate::args::FmtArgs;
use crate::view::diagnostics::render_human;

/// Exit code of `fmt -check` when a file would change.
const EXIT_NOT_FORMATTED: i32 = 3;

/// Runs `fmt`.
pub fn run(args: &FmtArgs) -> anyhow::Result<i32> {
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        return format_stdin(args);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for path in &paths {
        if path == Path::new("-") {
            anyhow::bail!("`-` (standard input) cannot be combined with other paths");
        }
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            collect_dir(path, args.recursive, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    let write = args.write && !args.check;
    let mut n_changed = 0;
    let mut n_errors = 0;
    let mut stdout = std::io::stdout().lock();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let name = display_name(file);
        let mut sources = SourceMap::new();
        if let Err(diagnostic) = snapform_config::check_syntax(&mut sources, &name, &text) {
            write!(
                std::io::stderr(),
                "{}",
                render_human(&[*diagnostic], &sources)
            )?;
            n_errors += 1;
            continue;
        }
        let formatted = format_source(&text);
        if formatted == text {
            continue;
        }
        n_changed += 1;
        if args.list {
            writeln!(stdout, "{name}")?;
        }
        if write {
            super::write_atomically(file, &formatted)?;
        }
        if args.diff {
            write!(stdout, "{}", unified_diff(&name, &text, &formatted))?;
        }
    }
    if n_errors > 0 {
        return Ok(1);
    }
    Ok(if args.check && n_changed > 0 {
        EXIT_NOT_FORMATTED
    } else {
        0
    })
}

fn format_stdin(args: &FmtArgs) -> anyhow::Result<i32> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read standard input")?;
    let mut sources = SourceMap::new();
    if let Err(diagnostic) = snapform_config::check_syntax(&mut sources, "<stdin>", &text) {
        write!(
            std::io::stderr(),
            "{}",
            render_human(&[*diagnostic], &sources)
        )?;
        return Ok(1);
    }
    let formatted = format_source(&text);
    let mut stdout = std::io::stdout().lock();
    if args.check {
        return Ok(if formatted == text {
            0
        } else {
            EXIT_NOT_FORMATTED
        });
    }
    if args.diff {
        write!(stdout, "{}", unified_diff("<stdin>", &text, &formatted))?;
    } else {
        stdout.write_all(formatted.as_bytes())?;
    }
    Ok(0)
}

/// The `.hcl` files of `dir` in name order; with `recursive`, those of its subdirectories too
/// (hidden directories such as `.snapform` and `.git` are skipped).
fn collect_dir(dir: &Path, recursive: bool, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|entry| entry.file_name());
    let mut subdirs = Vec::new();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            subdirs.push(path);
        } else if kind.is_file() && name.ends_with(".hcl") {
            files.push(path);
        }
    }
    if recursive {
        for subdir in subdirs {
            collect_dir(&subdir, true, files)?;
        }
    }
    Ok(())
}

/// The path as users gave it, without a leading `./`.
fn display_name(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}
