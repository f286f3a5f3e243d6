//! `snapform force-unlock LOCK_ID`: removes a lock left by a process that is gone.

use std::io::Write;

use anyhow::Context;
use snapform_state::{Backend, LocalBackend};

/// Runs `force-unlock`.
pub fn run(lock_id: &str) -> anyhow::Result<i32> {
    let mut sources = snapform_core::SourceMap::new();
    let loaded = snapform_config::load_dir(super::config_dir(), &Default::default(), &mut sources);
    let path = match &loaded.config.backend {
        snapform_config::Backend::Local { path } => path.clone(),
        snapform_config::Backend::Pg { .. } => {
            anyhow::bail!("the pg backend is not available in this build")
        }
    };
    LocalBackend::new(path)
        .force_unlock(lock_id)
        .context("cannot unlock the state")?;
    writeln!(
        std::io::stdout(),
        "snapform state has been successfully unlocked!"
    )?;
    Ok(0)
}
