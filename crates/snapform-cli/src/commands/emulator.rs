//! `snapform emulator`: serves both clouds' snapshot APIs on loopback until Ctrl-C, printing
//! the address and the key pairs to configure.

use std::io::Write;

use anyhow::Context;
use snapform_emulator::{EmulatorArgs, banner, serve};

/// Runs the emulator in the foreground.
pub fn run(args: &EmulatorArgs) -> anyhow::Result<i32> {
    let config = args.to_config().context("cannot configure the emulator")?;
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
