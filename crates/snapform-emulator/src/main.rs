//! `snapform-emulator`: serves the emulator until Ctrl-C. `snapform emulator` does the same
//! from the main CLI; this small binary is what the conformance suite launches.

use clap::Parser;
use snapform_emulator::{EmulatorArgs, banner, serve};

#[derive(Debug, Parser)]
#[command(
    name = "snapform-emulator",
    version,
    about = "Local emulator of the Tencent Cloud and Alibaba Cloud snapshot APIs"
)]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli.args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!("\ncaused by: {cause}"));
                source = cause.source();
            }
            #[expect(clippy::print_stderr, reason = "the binary reports its own failure")]
            {
                eprintln!("{message}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: EmulatorArgs) -> Result<(), snapform_emulator::Error> {
    // This small binary reads the two variables that locate the per-user CA directory itself;
    // `snapform emulator` reads them through its `env` module.
    let var = |name: &str| std::env::var_os(name).map(std::path::PathBuf::from);
    let user_ca_dir =
        snapform_emulator::user_ca_dir(var("XDG_DATA_HOME").as_deref(), var("HOME").as_deref());
    let config = args.to_config(user_ca_dir)?;
    let listener = tokio::net::TcpListener::bind(args.listen_addr())
        .await
        .map_err(snapform_emulator::Error::Listen)?;
    let addr = listener
        .local_addr()
        .map_err(snapform_emulator::Error::Listen)?;
    #[expect(
        clippy::print_stderr,
        reason = "the binary prints the banner, the library never does"
    )]
    {
        eprint!("{}", banner(addr, &config));
    }
    serve(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
