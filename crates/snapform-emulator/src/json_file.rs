//! Reading the JSON files the emulator is configured with (`--keys`, `--inventory`).

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Reads and parses a JSON file; errors name the file.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Parse {
        path: path.to_owned(),
        source,
    })
}
