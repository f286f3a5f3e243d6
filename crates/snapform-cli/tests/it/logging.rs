//! The debug log says how long each phase of a run took, with what it handled, and stays
//! quiet without a level.

use crate::cloud::{Cloud, env, project};
use crate::runs::EVERY_TYPE;
use crate::support::{Run, snapform_with_env};

fn with_log(dir: &std::path::Path, args: &[&str], level: Option<&str>) -> Run {
    let mut vars = env(dir);
    if let Some(level) = level {
        vars.push(("SNAPFORM_LOG", level.to_owned()));
    }
    let run = snapform_with_env(dir, args, "", &vars);
    assert!(
        run.code == 0 || run.code == 2,
        "`{}` failed:\n{}",
        args.join(" "),
        run.transcript()
    );
    run
}

/// The phase lines of `stderr`: (phase, message), in order.
fn phases(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .filter_map(|line| {
            let (message, fields) = line.strip_prefix("DEBUG ")?.split_once(" phase=\"")?;
            let (phase, rest) = fields.split_once('"')?;
            let seconds = rest.strip_prefix(" seconds=")?;
            seconds.parse::<f64>().ok()?;
            Some((phase.to_owned(), message.to_owned()))
        })
        .collect()
}

#[test]
fn the_debug_log_says_how_long_each_phase_took_and_what_it_handled() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    let dir = dir.path();

    let apply = with_log(dir, &["apply", "-auto-approve"], Some("debug"));
    let expected = [
        ("load", "loaded the configuration: 5 resources, 7 instances"),
        ("state", "read the state: 0 records"),
        ("plan", "planned 7 changes"),
        ("preflight", "checked the planned creates: 0 problems"),
        ("walk", "walked the plan: 7 changes, 0 failed"),
        ("fold", "folded the saved steps into the state: 7 records"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(phase, message)| ((*phase).to_owned(), (*message).to_owned()))
        .collect();
    assert_eq!(phases(&apply.stderr), expected, "{}", apply.stderr);

    let plan = with_log(dir, &["plan", "-detailed-exitcode"], Some("debug"));
    let names: Vec<String> = phases(&plan.stderr).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["load", "state", "refresh", "plan", "preflight"]);
    assert!(
        plan.stderr
            .contains("DEBUG refreshed 7 records: 7 as recorded, 0 changed or gone"),
        "{}",
        plan.stderr
    );

    // A saved plan: the plan file is read instead of planning.
    let out = with_log(dir, &["plan", "-destroy", "-out=tfplan"], None);
    assert_eq!(out.stderr, "", "nothing to warn about");
    let saved = with_log(dir, &["apply", "tfplan"], Some("debug"));
    let names: Vec<String> = phases(&saved.stderr).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["load", "state", "plan file", "walk", "fold"]);
    assert!(
        saved.stderr.contains("DEBUG read the plan file: 7 changes"),
        "{}",
        saved.stderr
    );

    // Without a level only warnings show.
    let quiet = with_log(dir, &["plan", "-detailed-exitcode"], None);
    assert!(phases(&quiet.stderr).is_empty(), "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "", "nothing to warn about");
}
