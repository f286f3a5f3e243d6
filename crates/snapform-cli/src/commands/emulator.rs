//! `snapform emulator`: serves both clouds' snapshot APIs on loopback until Ctrl-C, over http
//! and https on one port, printing the address, the key pairs and the CA file to configure.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use snapform_emulator::{EmulatorArgs, banner, serve};

use crate::env;

/// Runs the emulator in the foreground.
pub fn run(args: &EmulatorArgs) -> anyhow::Result<i32> {
    let path = |name| env::get(name).map(PathBuf::from);
    let user_ca_dir = snapform_emulator::user_ca_dir(
        path(env::XDG_DATA_HOME).as_deref(),
        path(env::HOME).as_deref(),
    );
    let config = args
        .to_config(user_ca_dir)
        .context("cannot configure the emulator")?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen_addr())
            .await
            .with_context(|| format!("cannot listen on {}", args.listen_addr()))?;
        let addr = listener.local_addr()?;
        write!(std::io::stderr(), "{}", banner(addr, &config))?;
        serve(listener, config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the emulator stopped")?;
        Ok(0)
    })
}
