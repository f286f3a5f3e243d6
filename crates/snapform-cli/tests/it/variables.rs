//! Where a variable's value comes from: the environment, `-var` and `-var-file`, the later on
//! the command line winning, as in Terraform.

use crate::support::snapform_with_env;

const MAIN_HCL: &str = r#"variable "name" {
  type = string
}

resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id   = "lhins-qs100001"
  snapshot_name = var.name
}
"#;

fn planned_name(dir: &std::path::Path, args: &[&str], env: &[(&str, String)]) -> String {
    let mut all = vec!["--emulator", "plan", "-refresh=false", "-no-color"];
    all.extend_from_slice(args);
    let run = snapform_with_env(dir, &all, "", env);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let line = run
        .stdout
        .lines()
        .find(|line| line.contains("snapshot_name"))
        .unwrap_or_else(|| panic!("the plan shows the name:\n{}", run.stdout));
    line.split('"').nth(1).expect("a quoted name").to_owned()
}

#[test]
fn the_last_of_var_and_var_file_on_the_command_line_wins_over_the_environment() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(project.path().join("main.hcl"), MAIN_HCL).expect("write main.hcl");
    std::fs::write(
        project.path().join("prod.vars.hcl"),
        "name = \"from-file\"\n",
    )
    .expect("write");
    let dir = project.path();
    let env = [("SNAPFORM_VAR_name", "from-env".to_owned())];

    assert_eq!(planned_name(dir, &[], &env), "from-env");
    assert_eq!(
        planned_name(
            dir,
            &["-var", "name=from-flag", "-var-file=prod.vars.hcl"],
            &env
        ),
        "from-file"
    );
    assert_eq!(
        planned_name(
            dir,
            &["-var-file", "prod.vars.hcl", "-var=name=from-flag"],
            &env
        ),
        "from-flag"
    );
    assert_eq!(
        planned_name(
            dir,
            &[
                "-var=name=first",
                "-var-file=prod.vars.hcl",
                "-var",
                "name=last"
            ],
            &[]
        ),
        "last"
    );
}
