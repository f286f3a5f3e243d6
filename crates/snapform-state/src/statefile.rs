//! The on-disk format of `snapform.tfstate`: versioned JSON. A file of a newer format, or one
//! that does not parse, is refused with a clear error and never overwritten.

use std::path::Path;

use crate::{Error, State};

/// The format this build writes and the newest it reads.
pub const FORMAT_VERSION: u64 = 1;

/// Reads a state from the text of `path`.
///
/// The common case (a state of ours, of a format this build reads) is parsed straight into a
/// [`State`]: a JSON tree of a fleet's state first would hold several times the file's size at
/// once. Anything else is read as a JSON tree to say exactly what is wrong with it.
pub fn decode(path: &Path, text: &str) -> Result<State, Error> {
    if is_readable(text)
        && let Ok(mut state) = serde_json::from_str::<State>(text)
    {
        state.sort_deposed();
        return Ok(state);
    }
    decode_slowly(path, text)
}

/// Whether `text` is a state this build reads, as far as telling it from anything else goes:
/// JSON, with a `format_version` this build reads. Checked without building the state, so a
/// backup of a fleet's state costs no more than its text.
pub fn is_readable(text: &str) -> bool {
    readable(serde_json::from_str(text))
}

/// [`is_readable`] for a file, read as it streams: a fleet's state is not held whole to be
/// backed up.
pub fn is_readable_from(reader: impl std::io::Read) -> bool {
    readable(serde_json::from_reader(reader))
}

fn readable(header: serde_json::Result<Header>) -> bool {
    header.is_ok_and(|header| {
        header
            .format_version
            .is_some_and(|version| version <= FORMAT_VERSION)
    })
}

/// The one field that says a text is a state of ours and whether this build reads it; every
/// other field is skipped without being kept.
#[derive(serde::Deserialize)]
struct Header {
    #[serde(default, deserialize_with = "lenient_u64")]
    format_version: Option<u64>,
}

/// A `format_version` that is not a whole number is left for [`decode_slowly`] to refuse.
fn lenient_u64<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    Ok(value.as_u64())
}

/// [`decode`] through a JSON tree, which tells a Terraform state, a newer format and a corrupt
/// file apart.
fn decode_slowly(path: &Path, text: &str) -> Result<State, Error> {
    let corrupt = |reason: String| Error::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let document: serde_json::Value =
        serde_json::from_str(text).map_err(|error| corrupt(format!("not valid JSON ({error})")))?;
    if crate::terraform::is_terraform_state(&document) {
        return Err(Error::IsTerraformState {
            path: path.to_owned(),
        });
    }
    let version = document
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| corrupt("it has no format_version".to_owned()))?;
    if version > FORMAT_VERSION {
        return Err(Error::NewerFormat {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let mut state: State =
        serde_json::from_value(document).map_err(|error| corrupt(error.to_string()))?;
    state.sort_deposed();
    Ok(state)
}

/// Writes a state as pretty JSON with a trailing newline.
pub fn encode(state: &State) -> String {
    let mut text = serde_json::to_string_pretty(state).expect("a state always serializes");
    text.push('\n');
    text
}

/// Writes what [`encode`] returns to `out`, as it is made: a fleet's state is tens of
/// megabytes of text, which need not be held at once.
pub fn encode_to(state: &State, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, state).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_text(text: &str) -> Result<State, Error> {
        decode(Path::new("snapform.tfstate"), text)
    }

    #[test]
    fn states_round_trip() {
        let text = r#"{
  "format_version": 1,
  "serial": 3,
  "lineage": "0f8c7e6a-1111-4222-8333-444455556666",
  "snapform_version": "0.0.0",
  "resources": [
    {
      "addr": "tencentcloud_lighthouse_snapshot.blog",
      "provider": "tencentcloud",
      "region": "ap-guangzhou",
      "id": "lhsnap-abcdefgh",
      "attributes": {"instance_id": "lhins-qs100001", "percent": 100, "snapshot_name": "blog"},
      "dependencies": [],
      "status": "ready"
    },
    {
      "addr": "tencentcloud_cbs_disk_backup.nightly[\"db\"]",
      "provider": "tencentcloud.sh",
      "region": "ap-shanghai",
      "id": "dbp-abcdefgh",
      "attributes": {"disk_id": "disk-qs200001"},
      "dependencies": ["tencentcloud_lighthouse_snapshot.blog"],
      "status": "creating"
    }
  ],
  "pending": [
    {
      "addr": "alicloud_ecd_snapshot.desk[0]",
      "provider": "alicloud",
      "region": "cn-hangzhou",
      "operation": "create",
      "arguments": {"desktop_id": "ecd-qs1000000000001", "snapshot_name": "desk", "source_disk_type": "system"},
      "started_at": "2026-11-22T03:00:00Z"
    }
  ],
  "outputs": {}
}"#;
        let state = decode_text(text).expect("valid");
        let first = state.resources.iter().next().expect("two records");
        assert_eq!(
            first.addr.to_string(),
            "tencentcloud_cbs_disk_backup.nightly[\"db\"]",
            "sorted by address"
        );
        assert_eq!(first.provider.alias.as_deref(), Some("sh"));
        let again = decode_text(&encode(&state)).expect("round trip");
        assert_eq!(again, state);
        let mut streamed = Vec::new();
        encode_to(&state, &mut streamed).expect("written");
        assert_eq!(
            String::from_utf8(streamed).expect("UTF-8"),
            encode(&state),
            "written as it is made, the same bytes"
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let cases = [
            ("", "not valid JSON"),
            ("{\"format_version\": 1, \"serial\": 1", "not valid JSON"),
            ("{\"serial\": 1}", "no format_version"),
            (
                "{\"format_version\": 1, \"serial\": 1}",
                "missing field `lineage`",
            ),
            (
                "{\"format_version\": 1, \"serial\": 1, \"lineage\": \"x\", \"snapform_version\": \"0\", \"resources\": [{\"addr\": \"not an address\"}]}",
                "invalid resource address",
            ),
        ];
        for (text, reason) in cases {
            let error = decode_text(text).expect_err(text);
            assert!(error.to_string().contains(reason), "{text:?}: {error}");
        }
        let error = decode_text(r#"{"version": 4, "terraform_version": "1.5.7", "serial": 1}"#)
            .expect_err("Terraform's");
        assert!(matches!(error, Error::IsTerraformState { .. }), "{error}");
        assert!(error.to_string().contains("snapform state push"), "{error}");
        let error = decode_text("{\"format_version\": 7}").expect_err("newer");
        assert!(
            matches!(error, Error::NewerFormat { found: 7, .. }),
            "{error}"
        );
    }
}
