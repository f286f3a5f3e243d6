//! The journal of per-step saves that the local backend keeps beside the state file
//! (`snapform.tfstate.journal`): one record per save, each a [`StateDelta`], appended and
//! fsync'd, so a step costs what it changed. The backend folds the journal into the state file
//! at the end of a run, when the journal grows past the state file, and when a command takes
//! the lock and finds one left by a run that crashed.
//!
//! A record is framed as
//!
//! ```text
//! 0xF5 'S' 'J'  version (1 byte)  length (u32 LE)  CRC-32 (u32 LE)  payload (length bytes)
//! ```
//!
//! The payload is the delta as compact JSON; the CRC-32 covers the version, the length and the
//! payload. The first byte, 0xF5, never occurs in UTF-8 text, so no JSON payload can contain
//! something that looks like the start of a record.
//!
//! Reading decides between two kinds of damage:
//! - A torn last record: the machine stopped during an append that was never acknowledged
//!   (the step it saved did not go on), leaving a prefix of the record, or the whole length with
//!   blocks that never reached the disk. It is dropped, never read, and the records before it
//!   are kept.
//! - Damage with an intact record after it: that cannot come from an interrupted append, since
//!   each record is durable before the next is written. The journal is refused with the byte
//!   offset, and nothing is overwritten; the user decides (see the error's text).
//!
//! A record that checks out but belongs to another lineage, does not follow the record before
//! it, or does not follow the state file's serial, is refused too: records are never applied
//! to a state they were not written for. Records whose serial the state file already has are
//! skipped, which makes folding idempotent: a fold stopped after the new state file was
//! renamed into place but before the journal was removed applies nothing twice.
//!
//! The checksum is CRC-32 from `crc32fast`: torn writes and disk errors are not adversarial,
//! so a cryptographic hash (we already depend on `sha2`) would buy nothing here and cost
//! several times more per step. crc32fast is the CRC-32 implementation most of the ecosystem
//! uses (flate2, zip, png), is maintained, has no dependencies beyond `cfg-if`, and uses the
//! CPU's CRC instructions when present.

use std::path::Path;

use crate::{Error, State, StateDelta};

/// The first three bytes of every record.
const MAGIC: [u8; 3] = [0xF5, b'S', b'J'];
/// The record format this build writes and reads.
const VERSION: u8 = 1;
/// Magic, version, length and checksum.
const HEADER_LEN: usize = 12;

/// The records a journal holds, in the order they were written.
#[derive(Clone, Debug, PartialEq)]
pub struct Journal {
    /// Every intact record.
    pub records: Vec<StateDelta>,
    /// The length of the intact records; what follows is a torn record.
    pub valid_len: u64,
    /// Whether a torn last record was dropped.
    pub torn: bool,
}

/// The bytes of one record holding `delta`.
pub fn encode_record(delta: &StateDelta) -> Vec<u8> {
    frame(&serde_json::to_vec(delta).expect("a delta always serializes"))
}

/// The bytes of one record holding `payload` as it is, which need not be a delta: the fuzz
/// target frames arbitrary payloads so that it reaches the payload reader past the checksum.
#[doc(hidden)]
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("a step's changes are far below 4 GiB");
    let mut res = Vec::with_capacity(HEADER_LEN + payload.len());
    res.extend_from_slice(&MAGIC);
    res.push(VERSION);
    res.extend_from_slice(&len.to_le_bytes());
    res.extend_from_slice(&checksum(VERSION, len, payload).to_le_bytes());
    res.extend_from_slice(payload);
    res
}

fn checksum(version: u8, len: u32, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[version]);
    hasher.update(&len.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// Why the bytes at an offset are not an intact record.
#[derive(Debug)]
enum Damage {
    Short,
    NoMagic,
    Empty,
    BadChecksum,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Damage::Short => "it is cut short",
            Damage::NoMagic => "it does not start like a record",
            Damage::Empty => "it is empty",
            Damage::BadChecksum => "its checksum does not match",
        })
    }
}

/// The intact record at `pos`: its version, payload and end.
fn record_at(bytes: &[u8], pos: usize) -> Result<(u8, &[u8], usize), Damage> {
    let header = bytes.get(pos..pos + HEADER_LEN).ok_or(Damage::Short)?;
    if header[..3] != MAGIC {
        return Err(Damage::NoMagic);
    }
    let version = header[3];
    let len = u32::from_le_bytes(header[4..8].try_into().expect("four bytes"));
    let sum = u32::from_le_bytes(header[8..12].try_into().expect("four bytes"));
    if len == 0 {
        return Err(Damage::Empty);
    }
    let start = pos + HEADER_LEN;
    let end = start
        .checked_add(len as usize)
        .filter(|end| *end <= bytes.len())
        .ok_or(Damage::Short)?;
    let payload = &bytes[start..end];
    if checksum(version, len, payload) != sum {
        return Err(Damage::BadChecksum);
    }
    Ok((version, payload, end))
}

/// Reads the records of the journal at `path` from its bytes, dropping a torn last record.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<Journal, Error> {
    let refuse = |reason: String| Error::Journal {
        path: path.to_owned(),
        reason,
    };
    let mut records: Vec<StateDelta> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        match record_at(bytes, pos) {
            Ok((version, payload, end)) => {
                if version != VERSION {
                    return Err(refuse(format!(
                        "the record at byte {pos} has format version {version}, but this snapform reads version {VERSION}"
                    )));
                }
                let delta: StateDelta = serde_json::from_slice(payload).map_err(|error| {
                    refuse(format!(
                        "the record at byte {pos} is not a state change ({error})"
                    ))
                })?;
                if let Some(previous) = records.last() {
                    if delta.lineage != previous.lineage {
                        return Err(refuse(format!(
                            "the record at byte {pos} belongs to lineage {}, the one before it to lineage {}",
                            delta.lineage, previous.lineage
                        )));
                    }
                    if delta.serial <= previous.serial {
                        return Err(refuse(format!(
                            "the record at byte {pos} has serial {}, which does not follow serial {} before it",
                            delta.serial, previous.serial
                        )));
                    }
                }
                records.push(delta);
                pos = end;
            }
            Err(damage) => {
                // A torn append leaves nothing intact after it: look for an intact record.
                let later = (pos + 1..bytes.len())
                    .find(|&later| bytes[later] == MAGIC[0] && record_at(bytes, later).is_ok());
                if let Some(later) = later {
                    return Err(refuse(format!(
                        "the record at byte {pos} is damaged ({damage}), and an intact record follows at byte {later}, so this is not an interrupted write; move the journal aside to use the state file without these steps (what they created would then be missing from the state)"
                    )));
                }
                return Ok(Journal {
                    records,
                    valid_len: pos as u64,
                    torn: true,
                });
            }
        }
    }
    Ok(Journal {
        records,
        valid_len: pos as u64,
        torn: false,
    })
}

/// Applies to `state` the records it does not have yet; returns how many it applied.
///
/// Records whose serial the state already has are skipped (a fold that stopped before it
/// removed the journal). Every record must belong to the state's lineage, and the first one
/// applied must follow the state's serial: anything else is refused and `state` is left
/// partly changed, so callers discard it.
pub fn replay(path: &Path, journal: &Journal, state: &mut State) -> Result<usize, Error> {
    let mut n_applied = 0;
    for record in &journal.records {
        if record.lineage != state.lineage {
            return Err(Error::Journal {
                path: path.to_owned(),
                reason: format!(
                    "its records belong to lineage {}, but the state file's lineage is {}, so they were written for another state",
                    record.lineage, state.lineage
                ),
            });
        }
        if record.serial <= state.serial {
            continue;
        }
        if record.serial != state.serial + 1 {
            return Err(Error::Journal {
                path: path.to_owned(),
                reason: format!(
                    "its record of serial {} does not follow the state file's serial {}, so steps are missing between them",
                    record.serial, state.serial
                ),
            });
        }
        state.apply_delta(record)?;
        n_applied += 1;
    }
    Ok(n_applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::tests::{addr, intent, record};

    fn path() -> &'static Path {
        Path::new("snapform.tfstate.journal")
    }

    /// A state of serial 10 and three records after it, each touching other keys.
    fn three_records() -> (State, Vec<StateDelta>) {
        let mut state = State::new();
        state.serial = 10;
        let mut deltas = Vec::new();
        for (idx, serial) in (11..=13).enumerate() {
            let mut delta = StateDelta::empty(state.lineage.clone(), serial);
            delta.intents_added.push(intent(idx, 0));
            delta.upserted.push(record(idx + 10, serial as u32));
            if idx > 0 {
                delta.intents_removed.push(addr(idx - 1));
            }
            deltas.push(delta);
        }
        (state, deltas)
    }

    fn bytes_of(deltas: &[StateDelta]) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for delta in deltas {
            bytes.extend(encode_record(delta));
            ends.push(bytes.len());
        }
        (bytes, ends)
    }

    #[test]
    fn records_round_trip() {
        let (_, deltas) = three_records();
        let (bytes, _) = bytes_of(&deltas);
        let journal = decode(path(), &bytes).expect("intact");
        assert_eq!(journal.records, deltas);
        assert_eq!(journal.valid_len, bytes.len() as u64);
        assert!(!journal.torn);
        assert_eq!(decode(path(), &[]).expect("empty").records, Vec::new());
    }

    #[test]
    fn a_torn_last_record_is_dropped_at_every_byte_offset() {
        let (_, deltas) = three_records();
        let (bytes, ends) = bytes_of(&deltas);
        for cut in 0..=bytes.len() {
            let journal = decode(path(), &bytes[..cut]).expect("a cut is a torn write");
            let n_whole = ends.iter().filter(|end| **end <= cut).count();
            assert_eq!(journal.records, deltas[..n_whole], "cut at {cut}");
            let valid_len = if n_whole == 0 { 0 } else { ends[n_whole - 1] };
            assert_eq!(journal.valid_len, valid_len as u64, "cut at {cut}");
            assert_eq!(journal.torn, cut != valid_len, "cut at {cut}");
        }
    }

    #[test]
    fn a_last_record_whose_blocks_never_reached_the_disk_is_dropped() {
        let (_, deltas) = three_records();
        let (mut bytes, ends) = bytes_of(&deltas);
        // The file's length was made durable, its last blocks were not: zeros, or garbage.
        for fill in [0u8, 0xF5, b'{'] {
            for start in ends[1]..bytes.len() {
                let mut damaged = bytes.clone();
                damaged[start..].fill(fill);
                let journal = decode(path(), &damaged).expect("torn");
                assert_eq!(
                    journal.records,
                    deltas[..2],
                    "filled with {fill} from {start}"
                );
                assert!(journal.torn);
            }
        }
        // One flipped bit in the last record's payload: dropped as torn, never misread.
        let last = bytes.len() - 3;
        bytes[last] ^= 0x01;
        let journal = decode(path(), &bytes).expect("torn");
        assert_eq!(journal.records, deltas[..2]);
    }

    #[test]
    fn a_damaged_record_before_an_intact_one_refuses_the_journal() {
        let (_, deltas) = three_records();
        let (bytes, ends) = bytes_of(&deltas);
        for at in [
            0,
            5,
            9,
            HEADER_LEN + 3,
            ends[0] + HEADER_LEN + 10,
            ends[1] - 1,
        ] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            let error = decode(path(), &damaged).expect_err("damaged in the middle");
            let text = error.to_string();
            assert!(matches!(error, Error::Journal { .. }), "{text}");
            assert!(text.contains("is damaged"), "{text}");
            assert!(text.contains("an intact record follows"), "{text}");
        }
    }

    #[test]
    fn records_of_another_format_lineage_or_sequence_are_refused() {
        let (state, deltas) = three_records();
        // A newer format is never taken for a torn write.
        let mut newer = encode_record(&deltas[0]);
        newer[3] = VERSION + 1;
        let payload_len = newer.len() - HEADER_LEN;
        let sum = checksum(VERSION + 1, payload_len as u32, &newer[HEADER_LEN..]);
        newer[8..12].copy_from_slice(&sum.to_le_bytes());
        let error = decode(path(), &newer).expect_err("newer");
        assert!(error.to_string().contains("format version 2"), "{error}");

        let mut other = deltas.clone();
        other[1].lineage = "another".to_owned();
        let error = decode(path(), &bytes_of(&other).0).expect_err("mixed lineages");
        assert!(error.to_string().contains("lineage another"), "{error}");

        let mut backwards = deltas.clone();
        backwards.swap(1, 2);
        let error = decode(path(), &bytes_of(&backwards).0).expect_err("out of order");
        assert!(error.to_string().contains("does not follow"), "{error}");

        let journal = decode(path(), &bytes_of(&deltas).0).expect("intact");
        let mut foreign = State::new();
        foreign.serial = state.serial;
        let error = replay(path(), &journal, &mut foreign).expect_err("another state's");
        assert!(error.to_string().contains("another state"), "{error}");

        let mut behind = state.clone();
        behind.serial = 9;
        let error = replay(path(), &journal, &mut behind).expect_err("a gap");
        assert!(error.to_string().contains("steps are missing"), "{error}");
    }

    #[test]
    fn replaying_is_idempotent() {
        let (state, deltas) = three_records();
        let journal = decode(path(), &bytes_of(&deltas).0).expect("intact");
        let mut once = state.clone();
        assert_eq!(replay(path(), &journal, &mut once).expect("follows"), 3);
        assert_eq!(once.serial, 13);
        let mut twice = once.clone();
        assert_eq!(replay(path(), &journal, &mut twice).expect("skips"), 0);
        assert_eq!(twice, once);
        // A state file that already has the first record (a fold stopped half-way).
        let mut partly = state;
        partly.apply_delta(&deltas[0]).expect("follows");
        assert_eq!(replay(path(), &journal, &mut partly).expect("the rest"), 2);
        assert_eq!(partly, once);
    }
}
