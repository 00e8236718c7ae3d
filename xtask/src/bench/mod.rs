//! `cargo xtask bench [--quick]`: run the benchmarks and write `BENCHMARKS.md`.
//!
//! 1. W5 here, in this process ([`run`]): generate both api-versions with the codegen
//!    library several times (median time), then once more in a fresh child process
//!    (`xtask bench-codegen-probe`, hidden) that reports its own peak RSS (`VmHWM` from
//!    `/proc/self/status`) and its RSS before generating.
//! 2. `cargo bench -p azure_importexport_bench --bench memory --bench workloads` as a
//!    child process ([`run`]) with bounded criterion settings, `CRITERION_HOME` pointed at
//!    a fresh `target/bench-criterion`, and `RUST_BACKTRACE` removed (see the notes it
//!    writes). Its stdout is echoed to stderr, and its `AZIE_BENCH {json}` lines are
//!    collected (interleaved ratios, memory probes, fixture sizes).
//! 3. Criterion's medians from `target/bench-criterion/**/new/estimates.json`
//!    ([`results`]).
//! 4. Clean release builds of the SDK, the CLI and the legacy crate, one at a time in
//!    fresh target directories below `target/bench-build` ([`build`]).
//! 5. `BENCHMARKS.md` at the workspace root ([`report`], its prose in `report.md`):
//!    tables, ratios, targets met or missed, machine ([`machine`]), date, and the command
//!    to reproduce.

mod build;
mod format;
mod machine;
mod misses;
mod report;
mod results;
mod run;
mod targets;
mod template;

use std::path::PathBuf;
use std::time::Instant;

use crate::generate;
use machine::Machine;
use report::Render;
use results::Results;

pub use run::codegen_probe;

/// Prefix of the bench binaries' machine-readable lines.
const REPORT_PREFIX: &str = "AZIE_BENCH ";

/// `cargo xtask bench` options.
#[derive(Debug)]
pub struct Options {
    pub quick: bool,
    pub spec_root: Option<PathBuf>,
    pub output: PathBuf,
    /// Skip the clean builds (several minutes).
    pub no_build_times: bool,
}

pub fn bench(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::workspace_root();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let machine = Machine::probe();
    let date = machine::utc_now();

    eprintln!("bench: W5, codegen of both api-versions");
    let w5 = match generate::spec_root(options.spec_root.clone()) {
        Ok(spec_root) => Some(run::measure_codegen(&root, &spec_root, options.quick)?),
        Err(why) => {
            eprintln!("bench: W5 skipped: {why}");
            None
        }
    };

    let criterion_home = target_dir.join("bench-criterion");
    let reports = run::cargo_bench(&root, &criterion_home, options.quick)?;
    let results = Results::new(&criterion_home, reports);
    let builds = if options.no_build_times {
        Err("`--no-build-times`".to_owned())
    } else {
        build::measure(&root, &target_dir.join("bench-build"))
    };

    let load_end = machine::load_average();
    let elapsed = started.elapsed();
    let (warm_up, measurement) = run::criterion_times(options.quick);
    let markdown = report::render(&Render {
        quick: options.quick,
        machine: &machine,
        load_end: &load_end,
        date: &date,
        elapsed,
        w5: w5.as_ref(),
        results: &results,
        warm_up,
        measurement,
        builds: &builds,
    });
    let output = if options.output.is_absolute() {
        options.output.clone()
    } else {
        root.join(&options.output)
    };
    std::fs::write(&output, markdown).map_err(|e| format!("{}: {e}", output.display()))?;
    eprintln!(
        "bench: wrote {} ({:.1} min in all)",
        output.display(),
        elapsed.as_secs_f64() / 60.0
    );
    Ok(())
}

#[cfg(test)]
mod tests;
