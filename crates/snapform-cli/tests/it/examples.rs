//! Every example works as its README says, against the embedded emulator: it plans, applies,
//! plans again with no changes, and destroys, in a copy outside the repository.

use crate::support::{Run, example, example_names, snapform_with_env};

/// Runs `snapform --emulator ARGS` at a fixed clock, so series examples are reproducible.
fn run(dir: &std::path::Path, home: &std::path::Path, args: &[&str]) -> Run {
    let mut full = vec!["--emulator"];
    full.extend_from_slice(args);
    full.push("-now=2026-12-05T03:00:00+08:00");
    snapform_with_env(dir, &full, "", &[("HOME", home.display().to_string())])
}

#[test]
fn every_example_plans_applies_replans_clean_and_destroys() {
    let names = example_names();
    assert!(
        names.contains(&"quickstart".to_owned()) && names.contains(&"nightly-fleet".to_owned())
    );
    for name in names {
        let copy = example(&name);
        let dir = copy.path();
        let home = tempfile::tempdir().expect("temp dir");
        let plan = run(dir, home.path(), &["plan"]);
        assert_eq!(
            plan.code,
            0,
            "examples/{name} plans:\n{}",
            plan.transcript()
        );
        let apply = run(dir, home.path(), &["apply", "-auto-approve"]);
        assert_eq!(
            apply.code,
            0,
            "examples/{name} applies:\n{}",
            apply.transcript()
        );
        assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
        let again = run(dir, home.path(), &["plan", "-detailed-exitcode"]);
        assert_eq!(
            again.code,
            0,
            "examples/{name} shows no changes after apply:\n{}",
            again.transcript()
        );
        let destroy = run(dir, home.path(), &["destroy", "-auto-approve"]);
        assert_eq!(
            destroy.code,
            0,
            "examples/{name} destroys:\n{}",
            destroy.transcript()
        );
        let after = run(
            dir,
            home.path(),
            &["plan", "-destroy", "-detailed-exitcode"],
        );
        assert_eq!(after.code, 0, "nothing is left:\n{}", after.transcript());
    }
}
