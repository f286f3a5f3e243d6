//! Row 8: the cost of saving the state step by step, the way apply saves it: a series of `n`
//! steps, each one new record upserted and flushed through the `Saver` to a backend (the local
//! journal, or rows in PostgreSQL with `--pg`), after the run's first whole write. A save must
//! cost what the step changed, so the time per step stays flat as the state grows.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use snapform_apply::Saver;
use snapform_core::{ProviderAddr, Value};
use snapform_state::{Backend, RecordStatus, ResourceRecord, State};

/// One series.
#[derive(Debug)]
pub struct Series {
    /// From the first step to the end of the final fold.
    pub total: Duration,
    /// The mean time of one step over the first tenth of the series.
    pub first_tenth: Duration,
    /// The mean time of one step over the last tenth, when the state is largest.
    pub last_tenth: Duration,
}

/// A record as large as a real disk backup's.
fn record(idx: usize) -> ResourceRecord {
    let disk = format!("disk-{idx:08}");
    ResourceRecord {
        addr: format!("tencentcloud_cbs_disk_backup.nightly[\"{disk}\"]")
            .parse()
            .expect("a valid address"),
        provider: ProviderAddr::default_for("tencentcloud"),
        region: "ap-guangzhou".to_owned(),
        id: format!("dbp-{idx:08}"),
        attributes: BTreeMap::from([
            ("disk_id".to_owned(), Value::string(disk.clone())),
            (
                "disk_backup_name".to_owned(),
                Value::string(format!("nightly-{disk}")),
            ),
            ("disk_backup_state".to_owned(), Value::string("NORMAL")),
            ("percent".to_owned(), Value::Number(100.0)),
            ("disk_size".to_owned(), Value::Number(50.0)),
            (
                "create_time".to_owned(),
                Value::string("2026-12-05T02:00:00Z"),
            ),
        ]),
        dependencies: Vec::new(),
        status: RecordStatus::Ready,
        sensitive_attributes: Default::default(),
    }
}

/// Saves `n` steps of one new record each to `backend`.
pub async fn series(backend: Box<dyn Backend + Send>, n: usize) -> anyhow::Result<Series> {
    let saver = Saver::new(State::new(), backend);
    // The run's first write stores the state whole, as apply's does.
    saver.save(|_| {}).await?;
    let tenth = (n / 10).max(1);
    let mut first_tenth = Duration::ZERO;
    let mut last_tenth = Duration::ZERO;
    let started = Instant::now();
    for idx in 0..n {
        let step = Instant::now();
        saver.save(|state| state.upsert(record(idx))).await?;
        let took = step.elapsed();
        if idx < tenth {
            first_tenth += took;
        }
        if idx >= n - tenth {
            last_tenth += took;
        }
    }
    let mut backend = saver.take_backend().await;
    backend.fold()?;
    let total = started.elapsed();
    let saved = backend.read()?.map_or(0, |state| state.resources.len());
    anyhow::ensure!(saved == n, "the backend holds {saved} of {n} records");
    Ok(Series {
        total,
        first_tenth: first_tenth / tenth as u32,
        last_tenth: last_tenth / tenth as u32,
    })
}
