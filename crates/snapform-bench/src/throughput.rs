//! Row 6: how many signed requests per second the emulator answers, every signature checked.
//!
//! Eight clients send, through snapform's own providers (so each request is really signed,
//! TC3 or ACS3, and each answer parsed), the mix of the emulator's own throughput bench: half
//! CBS `DescribeDiskBackups`, a quarter `CreateDiskBackup`, a quarter ENS `DescribeSnapshots`.
//! Rate limiting is off. Client and server share the machine's cores, so this is a lower
//! bound of what the server alone could do.

use std::time::{Duration, Instant};

use snapform_core::{ProviderAddr, Value};
use snapform_emulator::Inventory;
use snapform_provider::ReadRequest;

use crate::cloud::{self, Control, Stats};

const WORKERS: usize = 8;
const N_DISKS: usize = 1_000;

/// What the run measured.
#[derive(Debug)]
pub struct Throughput {
    /// Requests the emulator answered per second.
    pub per_second: f64,
    /// What the emulator saw.
    pub stats: Stats,
    /// Calls that failed on the client's side.
    pub n_failed: usize,
}

/// Sends about `total` requests.
pub async fn throughput(total: usize) -> anyhow::Result<Throughput> {
    let emulator = cloud::emulator(Inventory::generated(N_DISKS), 0, Duration::ZERO, None).await?;
    let control = Control::new(&emulator.endpoint());
    let providers = cloud::providers(&emulator.endpoint(), cloud::UNLIMITED, None)?;
    let tencent = providers[&ProviderAddr::default_for("tencentcloud")].clone();
    let alicloud = providers[&ProviderAddr::default_for("alicloud")].clone();
    let per_worker = total / WORKERS;
    control.clear_stats().await?;
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let (tencent, alicloud) = (tencent.clone(), alicloud.clone());
        workers.spawn(async move {
            let mut n_failed = 0;
            for n in 0..per_worker {
                let disk = format!("disk-g{:07}", (worker * per_worker + n) % N_DISKS);
                let ok = match n % 4 {
                    0 | 2 => tencent
                        .read_many(
                            "tencentcloud_cbs_disk_backup",
                            &[ReadRequest {
                                id: format!("dbp-w{worker:03}{:04}", n % 10_000),
                                recorded: Default::default(),
                            }],
                        )
                        .await
                        .is_ok(),
                    1 => tencent
                        .create(
                            "tencentcloud_cbs_disk_backup",
                            &[("disk_id".to_owned(), Value::string(disk))].into(),
                            "",
                        )
                        .await
                        .is_ok(),
                    _ => alicloud
                        .read_many(
                            "alicloud_ens_snapshot",
                            &[ReadRequest {
                                id: format!("sp-w{worker:03}{n:020}"),
                                recorded: Default::default(),
                            }],
                        )
                        .await
                        .is_ok(),
                };
                n_failed += usize::from(!ok);
            }
            n_failed
        });
    }
    let mut n_failed = 0;
    while let Some(joined) = workers.join_next().await {
        n_failed += joined.unwrap_or(per_worker);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = control.stats().await?;
    emulator.shutdown().await;
    Ok(Throughput {
        per_second: stats.total_requests as f64 / elapsed,
        stats,
        n_failed,
    })
}
