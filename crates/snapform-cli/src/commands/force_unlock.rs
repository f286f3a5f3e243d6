//! `snapform force-unlock LOCK_ID`: removes a lock left by a process that is gone.

use std::io::Write;

use anyhow::Context;

/// Runs `force-unlock`.
pub fn run(lock_id: &str) -> anyhow::Result<i32> {
    super::session::open_backend(&super::session::config_for_state())?
        .force_unlock(lock_id)
        .context("cannot unlock the state")?;
    writeln!(
        std::io::stdout(),
        "snapform state has been successfully unlocked!"
    )?;
    Ok(0)
}
