//! `azie emulator`: the local emulator in the foreground, on a real-time schedule.

use crate::exit::CliError;
use azure_importexport_emulator::{Emulator, EmulatorConfig};
use std::time::Duration;

/// How often the virtual clock is moved forward.
const TICK: Duration = Duration::from_millis(200);

pub async fn run(port: u16, speed: Duration) -> Result<(), CliError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| CliError::other(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let emulator = Emulator::start_on_listener(listener, EmulatorConfig::default()).await;
    let driver = emulator.spawn_real_time(TICK, speed.as_secs_f64());
    let uri = emulator.uri();
    println!("{uri}");
    eprintln!(
        "Import/Export emulator listening on {uri} (virtual time runs {speed:?} per second)."
    );
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
