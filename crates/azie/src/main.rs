//! `azie`: Azure Storage Import/Export from the command line (DESIGN.md section 6).

mod cli;
mod context;
mod demo;
mod emulator_cmd;
mod exit;
mod jobs;
mod output;
mod progress;
mod resources;

use clap::Parser;
use cli::{Cli, Command};
use exit::CliError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return CliError::other(format!("cannot start the async runtime: {e}")).report(),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Jobs(command) => jobs::run(&cli.global, command).await,
        Command::BitlockerKeys {
            resource_group,
            name,
            show_secrets,
        } => resources::bitlocker_keys(&cli.global, &resource_group, &name, show_secrets).await,
        Command::Locations(command) => resources::locations(&cli.global, command).await,
        Command::Emulator { port, speed } => emulator_cmd::run(port, speed).await,
        Command::Demo => demo::run(cli.global.output).await,
    }
}

/// `RUST_LOG` filters go to stderr; azure_core redacts the Authorization header in its
/// logs, and nothing in this binary logs the token.
fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}
