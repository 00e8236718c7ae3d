//! Child processes that cannot hang a test run, and this process's memory readings.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Runs `command` with stdout piped, killing it after `timeout`; returns its status and
/// stdout. With `echo`, every stdout line is also copied to stderr as it arrives.
pub fn run_bounded(
    mut command: Command,
    timeout: Duration,
    echo: bool,
) -> Result<(ExitStatus, String), String> {
    let mut child: Child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn {command:?}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut collected = String::new();
        if echo {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("{line}");
                collected.push_str(&line);
                collected.push('\n');
            }
        } else {
            let _ = BufReader::new(stdout).read_to_string(&mut collected);
        }
        collected
    });
    let deadline = Instant::now() + timeout;
    // Bounded by the deadline.
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} timed out after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader.join().map_err(|_| "stdout reader panicked")?;
    Ok((status, out))
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`, ...), in KiB.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS (Linux: writes `5` to
/// `/proc/self/clear_refs`). False when the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_outlives_its_timeout_is_killed() {
        let mut sleeper = Command::new("sleep");
        sleeper.arg("5");
        let started = Instant::now();
        let error = run_bounded(sleeper, Duration::from_millis(200), false).unwrap_err();
        assert!(error.contains("timed out"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3));
        let mut echo = Command::new("echo");
        echo.arg("hi");
        let (status, out) = run_bounded(echo, Duration::from_secs(5), false).unwrap();
        assert!(status.success());
        assert_eq!(out, "hi\n");
    }

    #[test]
    fn memory_readings_are_there_on_linux() {
        assert!(proc_status_kib("VmRSS").is_some_and(|kib| kib > 0));
    }
}
