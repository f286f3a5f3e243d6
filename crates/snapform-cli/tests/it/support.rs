//! Running the built binary in a temporary project and recording what it prints.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run printed, with its exit code.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// One text holding the exit code, stdout and stderr, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `snapform ARGS` in `dir` with colours off and `stdin` piped in.
pub fn snapform(dir: &Path, args: &[&str], stdin: &str) -> Run {
    snapform_with_env(dir, args, stdin, &[])
}

/// Like [`snapform`], with extra environment variables.
pub fn snapform_with_env(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, String)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snapform"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the snapform binary starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts input");
    let output = child.wait_with_output().expect("snapform finishes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A temporary project holding `case`: a single file copied as `main.hcl`, or every file of a
/// directory.
pub fn project_from_case(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    if case.is_dir() {
        for entry in std::fs::read_dir(case).expect("case dir") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
    } else {
        std::fs::copy(case, dir.path().join("main.hcl")).expect("copy");
    }
    dir
}

/// The repository's `examples/NAME`, as a fresh copy of its configuration files in a temporary
/// directory: tests never read the state or the emulator's cloud that a user's run of the
/// README's first command leaves in the working tree, and never write there.
pub fn example(name: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&source).expect("the example exists") {
        let entry = entry.expect("entry");
        let path = entry.path();
        let configuration = path
            .extension()
            .is_some_and(|ext| ext == "hcl" || ext == "json")
            && !path
                .file_name()
                .is_some_and(|file| file.to_string_lossy().contains(".tfstate"));
        if entry.file_type().expect("file type").is_file() && configuration {
            std::fs::copy(&path, dir.path().join(entry.file_name())).expect("copy");
        }
    }
    dir
}

/// The examples that hold a configuration.
pub fn example_names() -> Vec<String> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<String> = std::fs::read_dir(examples)
        .expect("examples/")
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let has_hcl = std::fs::read_dir(entry.path())
                .ok()?
                .filter_map(Result::ok)
                .any(|file| file.path().extension().is_some_and(|ext| ext == "hcl"));
            has_hcl.then(|| entry.file_name().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}
