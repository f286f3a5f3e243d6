//! Parse-and-validate benchmark: generates configurations of 1,000 and 10,000 resource
//! instances and prints, for each, the load time, the throughput in MB/s and the peak memory.
//!
//! Run it with `cargo bench -p snapform-config --bench parse` (`-- --sizes 500,2000` to choose
//! sizes). Each size runs in a fresh child process, so its peak memory is its own.

use std::time::Instant;

use snapform_config::{LoadOptions, SourceFile, load_sources};
use snapform_core::SourceMap;

/// A configuration with `n_instances` instances across the five resource types: a third of
/// them plain blocks, the rest expanded by `for_each` over a variable map, as fleets are.
pub fn generate(n_instances: usize) -> String {
    let mut text = String::with_capacity(n_instances * 200);
    text.push_str("variable \"environment\" {\n  default = \"bench\"\n}\n\nprovider \"tencentcloud\" {\n  region = \"ap-guangzhou\"\n}\n\n");
    let n_blocks = n_instances / 3;
    for idx in 0..n_blocks {
        let block = match idx % 5 {
            0 => format!(
                "resource \"tencentcloud_cbs_disk_backup\" \"b{idx}\" {{\n  disk_id          = \"disk-{idx:08}\"\n  disk_backup_name = \"${{var.environment}}-{idx}\"\n}}\n\n"
            ),
            1 => format!(
                "resource \"tencentcloud_cbs_snapshot_group\" \"g{idx}\" {{\n  disk_ids            = [\"disk-a{idx:07}\", \"disk-b{idx:07}\"]\n  snapshot_group_name = \"group-{idx}\"\n  tags                = {{ team = \"bench\" }}\n}}\n\n"
            ),
            2 => format!(
                "resource \"tencentcloud_lighthouse_snapshot\" \"l{idx}\" {{\n  instance_id   = \"lhins-{idx:08}\"\n  snapshot_name = format(\"site-%d\", {idx})\n}}\n\n"
            ),
            3 => format!(
                "resource \"alicloud_ecd_snapshot\" \"e{idx}\" {{\n  desktop_id       = \"ecd-{idx:013}\"\n  snapshot_name    = \"desk-{idx}\"\n  source_disk_type = \"system\"\n}}\n\n"
            ),
            _ => format!(
                "resource \"alicloud_ens_snapshot\" \"n{idx}\" {{\n  ens_region_id = \"cn-shenzhen-3\"\n  disk_id       = \"d-{idx:018}\"\n  snapshot_name = \"edge-{idx}\"\n  description   = \"edge disk {idx}\"\n}}\n\n"
            ),
        };
        text.push_str(&block);
    }
    let n_expanded = n_instances - n_blocks;
    text.push_str("variable \"fleet\" {\n  type = map(string)\n  default = {\n");
    for idx in 0..n_expanded {
        text.push_str(&format!("    host-{idx} = \"disk-f{idx:07}\"\n"));
    }
    text.push_str("  }\n}\n\nresource \"tencentcloud_cbs_disk_backup\" \"fleet\" {\n  for_each         = var.fleet\n  disk_id          = each.value\n  disk_backup_name = \"${each.key}-nightly\"\n}\n");
    text
}

/// Peak resident memory of this process in MB, from /proc (0 where unavailable).
fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn measure(n_instances: usize) {
    let text = generate(n_instances);
    let n_bytes = text.len();
    let started = Instant::now();
    let mut sources = SourceMap::new();
    let file = SourceFile {
        name: "bench.hcl".to_owned(),
        text,
    };
    let loaded = load_sources(
        vec![file],
        Vec::new(),
        &LoadOptions::default(),
        &mut sources,
    );
    let elapsed = started.elapsed().as_secs_f64();
    let n_loaded = loaded.config.instance_count();
    assert!(
        loaded.diagnostics.is_empty(),
        "generated configuration must be valid: {:?}",
        loaded.diagnostics.first()
    );
    assert_eq!(n_loaded, n_instances, "every generated instance must load");
    println!(
        "{n_instances:>8} instances  {:>7.1} KB  {:>8.1} ms  {:>7.1} MB/s  peak {:>6.1} MB",
        n_bytes as f64 / 1024.0,
        elapsed * 1000.0,
        n_bytes as f64 / 1e6 / elapsed,
        peak_memory_mb()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: measure one size in this process.
    if let Some(pos) = args.iter().position(|arg| arg == "--child") {
        let n = args
            .get(pos + 1)
            .and_then(|n| n.parse().ok())
            .expect("--child N");
        measure(n);
        return;
    }
    let sizes: Vec<usize> = args
        .iter()
        .position(|arg| arg == "--sizes")
        .and_then(|pos| args.get(pos + 1))
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![1_000, 10_000]);
    println!(
        "parse and validate (snapform-config, {} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let exe = std::env::current_exe().expect("own path");
    for size in sizes {
        let status = std::process::Command::new(&exe)
            .args(["--child", &size.to_string()])
            .status()
            .expect("child runs");
        assert!(status.success(), "measuring {size} failed");
    }
}
