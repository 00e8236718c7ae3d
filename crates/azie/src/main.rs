//! `azie`: Azure Storage Import/Export from the command line (DESIGN.md section 6).

mod cli;
mod cloud;
mod context;
mod credential;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator_cmd;
mod exit;
mod help;
mod http_debug;
mod jobs;
mod logging;
mod output;
mod progress;
mod resources;
mod secrets;

use clap::Parser;
use cli::{Cli, Command};
use exit::CliError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.global.verbose || cli.global.debug);
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
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator_cmd::run(args).await,
        #[cfg(feature = "emulator")]
        Command::Demo => demo::run(cli.global.output).await,
        Command::Completions { shell } => completions(shell),
    }
}

/// A completion script for `shell` on stdout, generated from the clap grammar.
fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    use clap::CommandFactory as _;
    let mut command = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "azie", &mut out);
    std::io::Write::flush(&mut out).map_err(CliError::io)
}
