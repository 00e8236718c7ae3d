//! `cargo xtask <command>`: code generation and other chores of this repository.

mod bench;
#[cfg(test)]
mod example_values;
mod fetch;
mod generate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Chores of the azure-importexport-rs workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate crates/azure_importexport_rest from the pinned specs.
    Codegen {
        /// Root of an azure-rest-api-specs checkout (or of `cargo xtask fetch-specs` output).
        #[arg(long, env = "AZURE_REST_API_SPECS")]
        spec_root: Option<PathBuf>,
        /// Regenerate in memory and fail, listing the files, if anything on disk differs.
        #[arg(long)]
        check: bool,
    },
    /// Generate a standalone crate from any storageimportexport-style spec file.
    Generate {
        /// The Swagger 2.0 file.
        #[arg(long)]
        input: PathBuf,
        /// Directory to write the crate into.
        #[arg(long)]
        output: PathBuf,
        /// Name of the new crate.
        #[arg(long)]
        crate_name: String,
    },
    /// Download the files pinned in specs/upstream.lock into specs/upstream/, verifying sha256.
    FetchSpecs {
        /// Base URL serving `<repository>/<commit>/<path>`.
        #[arg(long, default_value = "https://raw.githubusercontent.com")]
        base_url: String,
        /// Where to write the files.
        #[arg(long)]
        dest: Option<PathBuf>,
        /// The lock listing the files.
        #[arg(long)]
        lock: Option<PathBuf>,
    },
    /// Run the benchmarks (crates/azure_importexport_bench, and W5: codegen) and write BENCHMARKS.md.
    Bench {
        /// Shorter criterion settings and fewer interleaved rounds (a smoke run).
        #[arg(long)]
        quick: bool,
        /// Spec root for W5 (as for `codegen`); W5 is skipped without one.
        #[arg(long, env = "AZURE_REST_API_SPECS")]
        spec_root: Option<PathBuf>,
        /// Where to write the report, relative to the workspace root.
        #[arg(long, default_value = "BENCHMARKS.md")]
        output: PathBuf,
        /// Skip the clean release builds (about 6 minutes on 2 cores).
        #[arg(long)]
        no_build_times: bool,
    },
    /// (Used by `bench`.) Generate both api-versions once in this process and print its peak RSS.
    #[command(hide = true)]
    BenchCodegenProbe {
        #[arg(long)]
        spec_root: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { spec_root, check } => generate::codegen(spec_root, check),
        Command::Generate {
            input,
            output,
            crate_name,
        } => generate::standalone(&input, &output, &crate_name),
        Command::FetchSpecs {
            base_url,
            dest,
            lock,
        } => {
            let dest = dest.unwrap_or_else(|| workspace_root().join("specs/upstream"));
            let lock = lock.unwrap_or_else(|| workspace_root().join("specs/upstream.lock"));
            fetch::fetch_specs(&base_url, &lock, &dest)
                .map(|n| eprintln!("fetched and verified {n} files into {}", dest.display()))
        }
        Command::Bench {
            quick,
            spec_root,
            output,
            no_build_times,
        } => bench::bench(&bench::Options {
            quick,
            spec_root,
            output,
            no_build_times,
        }),
        Command::BenchCodegenProbe { spec_root } => bench::codegen_probe(&spec_root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
