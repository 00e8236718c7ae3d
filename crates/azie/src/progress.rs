//! Progress on stderr: while waiting, a spinner with the state and elapsed time on a
//! terminal, plain lines otherwise (logs, pipes, CI); during a fleet run, a bar over the
//! planned jobs, drawn on a terminal only (the report says it all afterwards).

use azure_importexport::FleetEvent;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Reports job state changes while a command waits.
#[derive(Debug)]
pub struct Progress {
    spinner: Option<ProgressBar>,
    label: String,
}

impl Progress {
    /// Starts reporting for `label` (e.g. `rg/job`).
    pub fn start(label: &str) -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message(format!("{label}: waiting"));
            bar
        });
        Progress {
            spinner,
            label: label.to_owned(),
        }
    }

    /// A state change.
    pub fn state(&self, state: &str, elapsed: Duration) {
        match &self.spinner {
            Some(bar) => bar.set_message(format!("{}: {state}", self.label)),
            None => eprintln!(
                "{}: {state} (after {})",
                self.label,
                format_elapsed(elapsed)
            ),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

/// A bar over the jobs of a fleet run, fed by its events.
#[derive(Debug)]
pub struct FleetProgress {
    bar: ProgressBar,
    failed: AtomicUsize,
}

impl FleetProgress {
    /// A bar for `jobs` jobs, labelled `label` (e.g. `deleting`).
    pub fn start(jobs: usize, label: &str) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(jobs as u64), target);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(label.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        FleetProgress {
            bar,
            failed: AtomicUsize::new(0),
        }
    }

    /// One job settled.
    pub fn event(&self, event: &FleetEvent) {
        if matches!(event, FleetEvent::Failed(_)) {
            let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("({failed} failed)"));
        }
        self.bar.inc(1);
    }

    /// A line on stderr that does not tear the bar.
    pub fn say(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Removes the bar (before the report is printed).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `1m 05s`, `12.3s`.
pub fn format_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", elapsed.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_is_readable() {
        assert_eq!(format_elapsed(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_elapsed(Duration::from_secs(65)), "1m 05s");
    }
}
