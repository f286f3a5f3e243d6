//! `snapform emulator` starts, prints where it listens and which keys to use, and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn emulator_prints_its_address_and_keys_and_answers() {
    // The local CA goes to $XDG_DATA_HOME/snapform/emulator-ca, here a temporary directory.
    let data_home = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_snapform"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .env("XDG_DATA_HOME", data_home.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("snapform starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().expect("a banner line").expect("utf-8");
    let endpoint = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("the banner names the endpoint")
        .to_owned();
    assert!(
        first.contains(&endpoint.replace("http://", "https://")),
        "one port, both protocols: {first}"
    );
    let banner: Vec<String> = lines.take(9).map(|line| line.expect("utf-8")).collect();
    let ca_file = data_home.path().join("snapform/emulator-ca/ca.pem");
    assert!(ca_file.exists());
    assert!(
        banner
            .iter()
            .any(|line| line.contains(&format!("REQUESTS_CA_BUNDLE={}", ca_file.display()))),
        "{banner:?}"
    );
    for key in [
        snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID,
        snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID,
    ] {
        assert!(
            banner.iter().any(|line| line.contains(key)),
            "{key}: {banner:?}"
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let body: serde_json::Value = runtime.block_on(async {
        reqwest::get(format!("{endpoint}/_emulator/resources"))
            .await
            .expect("the control API answers")
            .json()
            .await
            .expect("JSON")
    });
    // A fresh emulator has its parents but no snapshots yet.
    assert_eq!(body, serde_json::json!([]));
    child.kill().expect("stopped");
    let _ = child.wait();
}
