//! `azie emulator`: the local emulator in the foreground, on a real-time schedule, for
//! this CLI and for other languages' tests (README: "Point the Python or JavaScript SDK
//! at the emulator").

use crate::exit::CliError;
use azure_importexport_emulator::{Emulator, EmulatorConfig, ThrottleConfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the virtual clock is moved forward.
const TICK: Duration = Duration::from_millis(200);

/// `azie emulator` flags.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Virtual time that passes per real second (e.g. `1h`: a lifecycle step of one
    /// virtual day takes 24 real seconds).
    #[arg(long, default_value = "1h", value_parser = crate::cli::parse_duration)]
    pub speed: Duration,
    /// Throttle as ARM does: per-subscription token buckets (reads 250 refilled 25/s,
    /// writes and deletes 200 refilled 10/s), x-ms-ratelimit-remaining-subscription-*
    /// headers, and 429 + Retry-After when a bucket is empty.
    #[arg(long)]
    pub throttle: bool,
    /// With --throttle: refill the buckets F times faster than ARM (e.g. 100 for fast
    /// tests).
    #[arg(long, value_name = "F", requires = "throttle", value_parser = parse_scale)]
    pub throttle_scale: Option<f64>,
    /// Preload jobs from a JSON file: an array of {"subscription"?, "resourceGroup",
    /// "name", "job"?, "state"?, "location"?, "ageDays"?} (without "job", an import job
    /// is generated in "state", default Creating).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
}

pub async fn run(args: EmulatorArgs) -> Result<(), CliError> {
    let port = args.port;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| CliError::other(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let throttle = args
        .throttle
        .then(|| ThrottleConfig::scaled(args.throttle_scale.unwrap_or(1.0)));
    let config = EmulatorConfig {
        throttle: throttle.clone(),
        // Real time, so that job ages a client measures on its own clock are right.
        starts_at: std::time::SystemTime::now(),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start_on_listener(listener, config).await;
    if let Some(path) = &args.seed {
        let seeded = seed(&emulator, path)?;
        eprintln!("Seeded {seeded} job(s) from {}.", path.display());
    }
    let driver = emulator.spawn_real_time(TICK, args.speed.as_secs_f64());
    let uri = emulator.uri();
    println!("{uri}");
    eprintln!(
        "Import/Export emulator listening on {uri} (virtual time runs {:?} per second).",
        args.speed
    );
    if let Some(throttle) = &throttle {
        eprintln!(
            "ARM throttling on: buckets refill {}x as fast as ARM's.",
            throttle.scale
        );
    }
    eprintln!(
        "Try: AZURE_IMPORTEXPORT_TOKEN=anything azie --endpoint {uri} --subscription 00000000-0000-0000-0000-000000000000 jobs list"
    );
    eprintln!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::other(format!("cannot wait for Ctrl-C: {e}")))?;
    driver.abort();
    eprintln!("stopped");
    Ok(())
}

/// Loads a seed file into the emulator; how many jobs it held. A file that cannot be
/// used is a usage error: nothing is stored and the emulator does not start serving.
fn seed(emulator: &Emulator, path: &Path) -> Result<usize, CliError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read the seed file {shown}: {e}")))?;
    let file: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("the seed file {shown} is not JSON: {e}")))?;
    emulator
        .seed_from_json(&file)
        .map(|jobs| jobs.len())
        .map_err(|e| CliError::usage(format!("{shown}: {e}")))
}

/// A positive, finite scale factor.
fn parse_scale(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("`{value}` is not a positive number")),
    }
}
