//! snapform against the emulator's https endpoint: certificates are always checked, and a
//! provider's `ca_file` (or `SNAPFORM_CA_FILE`) makes the emulator's local CA trusted.

use std::path::{Path, PathBuf};

use snapform_emulator::EmulatorConfig;

use crate::cloud::{Cloud, env};
use crate::support::{Run, snapform_with_env};

const BOTH_CLOUDS: &str = r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
}
"#;

/// An emulator that also speaks https, with its CA in a temporary directory.
struct HttpsCloud {
    cloud: Cloud,
    https: String,
    ca_file: PathBuf,
    _ca_dir: tempfile::TempDir,
}

fn https_cloud() -> HttpsCloud {
    let ca_dir = tempfile::tempdir().expect("temp dir");
    let cloud = Cloud::with(EmulatorConfig {
        ca_dir: Some(ca_dir.path().join("emulator-ca")),
        ..EmulatorConfig::default()
    });
    let emulator = cloud.emulator.as_ref().expect("running");
    let https = emulator.https_endpoint().expect("https is on");
    let ca_file = emulator.ca_file().expect("a CA file").to_owned();
    HttpsCloud {
        cloud,
        https,
        ca_file,
        _ca_dir: ca_dir,
    }
}

/// A project whose providers use `endpoint`, each with `ca_file` when given.
fn project(endpoint: &str, ca_file: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_line = ca_file
        .map(|path| format!("  ca_file  = \"{path}\"\n"))
        .unwrap_or_default();
    let providers = format!(
        "provider \"tencentcloud\" {{\n  region   = \"ap-guangzhou\"\n  endpoint = \"{endpoint}\"\n{ca_line}}}\n\nprovider \"alicloud\" {{\n  region   = \"cn-hangzhou\"\n  endpoint = \"{endpoint}\"\n{ca_line}}}\n"
    );
    std::fs::write(dir.path().join("providers.hcl"), providers).expect("write");
    std::fs::write(dir.path().join("main.hcl"), BOTH_CLOUDS).expect("write");
    dir
}

/// Runs snapform in `dir` with the emulator's keys and `SNAPFORM_CA_FILE` as given (empty
/// means unset, so a developer's own setting cannot leak in).
fn sf(dir: &Path, args: &[&str], ca_file_variable: &str) -> Run {
    let mut variables = env(dir);
    variables.push(("SNAPFORM_CA_FILE", ca_file_variable.to_owned()));
    snapform_with_env(dir, args, "", &variables)
}

fn converges(dir: &Path, ca_file_variable: &str) {
    let plan = sf(dir, &["plan"], ca_file_variable);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let apply = sf(dir, &["apply", "-auto-approve"], ca_file_variable);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let again = sf(dir, &["plan", "-detailed-exitcode"], ca_file_variable);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn plan_and_apply_over_https_with_the_emulators_ca_in_ca_file() {
    let https = https_cloud();
    let ca_file = https.ca_file.display().to_string();
    let dir = project(&https.https, Some(&ca_file));
    converges(dir.path(), "");
    assert_eq!(https.cloud.resources().len(), 2);
}

#[test]
fn snapform_ca_file_trusts_the_emulators_ca_for_every_provider() {
    let https = https_cloud();
    let dir = project(&https.https, None);
    converges(dir.path(), &https.ca_file.display().to_string());
    assert_eq!(https.cloud.resources().len(), 2);
}

#[test]
fn without_ca_file_the_emulators_certificate_is_refused_at_once() {
    let https = https_cloud();
    let dir = project(&https.https, None);
    let started = std::time::Instant::now();
    let run = sf(dir.path(), &["apply", "-auto-approve"], "");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the server's certificate is not trusted")
            && run.stderr.contains("UnknownIssuer")
            && run.stderr.contains("ca_file"),
        "{}",
        run.stderr
    );
    // Not retried: an untrusted certificate stays untrusted. Retries of a connection failure
    // back off for tens of seconds; this bound only catches a return to retrying.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(https.cloud.resources().is_empty());
}

#[test]
fn a_ca_file_that_cannot_be_used_is_an_error_naming_it_and_where_it_is_set() {
    let https = https_cloud();
    let dir = project(&https.https, Some("missing.pem"));
    let run = sf(dir.path(), &["plan"], "");
    assert_eq!(run.code, 1, "{}", run.transcript());
    // Providers are built in name order, so alicloud's block (line 10) is read first.
    assert!(
        run.stderr.contains(
            "error: providers.hcl:10:14: ca_file \"missing.pem\" of provider alicloud: cannot read the file"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("caused by:"), "{}", run.stderr);

    std::fs::write(dir.path().join("missing.pem"), "not a certificate\n").expect("write");
    let run = sf(dir.path(), &["plan"], "");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
        "{}",
        run.stderr
    );

    let dir = project(&https.https, None);
    let run = sf(dir.path(), &["plan"], "/nonexistent/ca.pem");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("error: SNAPFORM_CA_FILE=/nonexistent/ca.pem: cannot read the file"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_embedded_emulator_keeps_its_ca_beside_its_cloud() {
    let dir = project("https://unused.invalid", None);
    let run = sf(dir.path(), &["--emulator", "plan", "-refresh=false"], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    let ca_dir = dir.path().join(".snapform/emulator-ca");
    assert!(ca_dir.join("ca.pem").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(ca_dir.join("server-key.pem"))
            .expect("the server key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
