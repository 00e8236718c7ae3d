//! `cargo xtask bench [--quick]`: run the benchmarks and write `BENCHMARKS.md`.
//!
//! 1. W5 here, in this process: generate both api-versions with the codegen library
//!    several times (median time), then once more in a fresh child process
//!    (`xtask bench-codegen-probe`, hidden) that reports its own peak RSS (`VmHWM` from
//!    `/proc/self/status`) and its RSS before generating.
//! 2. `cargo bench -p azure_importexport_bench --bench memory --bench workloads` as a
//!    child process with bounded criterion settings, `CRITERION_HOME` pointed at a fresh
//!    `target/bench-criterion`, and `RUST_BACKTRACE` removed (see the notes it writes).
//!    Its stdout is echoed to stderr, and its `AZIE_BENCH {json}` lines are collected
//!    (interleaved ratios, memory probes, fixture sizes).
//! 3. Criterion's medians from `target/bench-criterion/**/new/estimates.json`.
//! 4. `BENCHMARKS.md` at the workspace root: tables, ratios, targets met or missed,
//!    machine, date, and the command to reproduce.

use crate::generate;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Prefix of the bench binaries' machine-readable lines.
const REPORT_PREFIX: &str = "AZIE_BENCH ";
/// Bound of the whole `cargo bench` child (a cold build of the bench crate included).
const CARGO_BENCH_TIMEOUT: Duration = Duration::from_secs(45 * 60);
/// Bound of the codegen memory probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(120);

const W1_CALLS: f64 = 2_000.0;
const W2_JOBS: f64 = 10_000.0;
const W3_CANCELS: f64 = 500.0;
const SCALING: [u64; 3] = [1_000, 10_000, 100_000];
const TARGET_RATIO: f64 = 1.15;
const TARGET_W5_SECONDS: f64 = 1.0;

/// `cargo xtask bench` options.
#[derive(Debug)]
pub struct Options {
    pub quick: bool,
    pub spec_root: Option<PathBuf>,
    pub output: PathBuf,
}

pub fn bench(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::workspace_root();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let machine = Machine::probe();
    let date = utc_now();

    eprintln!("bench: W5, codegen of both api-versions");
    let w5 = match generate::spec_root(options.spec_root.clone()) {
        Ok(spec_root) => Some(measure_codegen(&root, &spec_root, options.quick)?),
        Err(why) => {
            eprintln!("bench: W5 skipped: {why}");
            None
        }
    };

    let criterion_home = target_dir.join("bench-criterion");
    if criterion_home.exists() {
        std::fs::remove_dir_all(&criterion_home)
            .map_err(|e| format!("clearing {}: {e}", criterion_home.display()))?;
    }
    let (warm_up, measurement) = if options.quick {
        ("0.5", "1")
    } else {
        ("1", "2")
    };
    let bench_args = [
        "bench",
        "-p",
        "azure_importexport_bench",
        "--bench",
        "memory",
        "--bench",
        "workloads",
        "--",
        "--warm-up-time",
        warm_up,
        "--measurement-time",
        measurement,
        "--noplot",
    ];
    eprintln!("bench: cargo {}", bench_args.join(" "));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args(bench_args)
        .env("CRITERION_HOME", &criterion_home)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    if options.quick {
        command.env("AZIE_BENCH_QUICK", "1");
    } else {
        command.env_remove("AZIE_BENCH_QUICK");
    }
    let (status, stdout) = run_bounded(command, CARGO_BENCH_TIMEOUT, true)?;
    if !status.success() {
        return Err(format!("cargo bench failed: {status}"));
    }
    let reports: Vec<Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix(REPORT_PREFIX))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    let results = Results::new(&criterion_home, reports);

    let load_end = load_average();
    let elapsed = started.elapsed();
    let markdown = render(&Render {
        quick: options.quick,
        machine: &machine,
        load_end: &load_end,
        date: &date,
        elapsed,
        w5: w5.as_ref(),
        results: &results,
        warm_up,
        measurement,
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

// ---------------------------------------------------------------------------------------
// W5
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct W5 {
    seconds: Vec<f64>,
    files: usize,
    bytes: usize,
    up_to_date: bool,
    probe: Result<Value, String>,
}

fn measure_codegen(root: &Path, spec_root: &Path, quick: bool) -> Result<W5, String> {
    let runs = if quick { 3 } else { 7 };
    let mut seconds = Vec::with_capacity(runs);
    let mut files = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        files = generate::generate_all(root, spec_root)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    let up_to_date = codegen::stale_files(root, &files).is_empty();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command
        .arg("bench-codegen-probe")
        .arg("--spec-root")
        .arg(spec_root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let probe = run_bounded(command, PROBE_TIMEOUT, false).and_then(|(status, out)| {
        if !status.success() {
            return Err(format!("probe exited with {status}"));
        }
        out.lines()
            .find_map(|l| l.strip_prefix(REPORT_PREFIX))
            .and_then(|json| serde_json::from_str(json).ok())
            .ok_or_else(|| "the probe printed no report".to_owned())
    });
    Ok(W5 {
        seconds,
        bytes: files.iter().map(|f| f.contents.len()).sum(),
        files: files.len(),
        up_to_date,
        probe,
    })
}

/// `xtask bench-codegen-probe`: generate both api-versions once in this fresh process
/// and print its RSS before, and its peak RSS (`VmHWM`), as one report line.
pub fn codegen_probe(spec_root: &Path) -> Result<(), String> {
    let root = crate::workspace_root();
    let rss_before = proc_status_kib("VmRSS");
    let start = Instant::now();
    let files = generate::generate_all(&root, spec_root)?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = proc_status_kib("VmHWM");
    println!(
        "{REPORT_PREFIX}{}",
        serde_json::json!({
            "kind": "codegen_memory",
            "files": files.len(),
            "seconds": seconds,
            "rss_before_kib": rss_before,
            "peak_kib": peak,
        })
    );
    Ok(())
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// Runs `command` with stdout piped, killing it after `timeout`. With `echo`, every
/// stdout line is also copied to stderr as it arrives.
fn run_bounded(
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
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} timed out after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = reader.join().map_err(|_| "stdout reader panicked")?;
    Ok((status, out))
}

// ---------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------

/// A criterion estimate (nanoseconds).
#[derive(Debug, Clone, Copy)]
struct Estimate {
    median: f64,
    low: f64,
    high: f64,
}

/// (workload, a, b) of an interleaved ratio.
type PairKey = (String, String, String);
/// Median, first and third quartile of the rounds' ratios.
type Quartiled = (f64, Option<f64>, Option<f64>);

#[derive(Debug)]
struct Results {
    criterion: BTreeMap<String, Estimate>,
    /// Interleaved ratios: median and quartiles of the per-round ratios.
    paired: BTreeMap<PairKey, Quartiled>,
    memory: BTreeMap<(String, u64), Value>,
    page_bytes: Option<u64>,
    job_bytes: Option<u64>,
}

impl Results {
    fn new(criterion_home: &Path, reports: Vec<Value>) -> Self {
        let mut criterion = BTreeMap::new();
        collect_estimates(criterion_home, criterion_home, &mut criterion);
        let mut results = Results {
            criterion,
            paired: BTreeMap::new(),
            memory: BTreeMap::new(),
            page_bytes: None,
            job_bytes: None,
        };
        for report in reports {
            let text = |key: &str| report[key].as_str().unwrap_or_default().to_owned();
            match report["kind"].as_str() {
                Some("paired") => {
                    if let Some(ratio) = report["ratio"].as_f64() {
                        results.paired.insert(
                            (text("workload"), text("a"), text("b")),
                            (ratio, report["p25"].as_f64(), report["p75"].as_f64()),
                        );
                    }
                }
                Some("memory") => {
                    if let Some(jobs) = report["jobs"].as_u64() {
                        results.memory.insert((text("client"), jobs), report);
                    }
                }
                Some("fixture") => {
                    results.page_bytes = report["page_bytes"].as_u64();
                    results.job_bytes = report["job_bytes"].as_u64();
                }
                _ => {}
            }
        }
        results
    }

    fn median(&self, id: &str) -> Option<f64> {
        self.criterion.get(id).map(|e| e.median)
    }

    fn paired(&self, workload: &str, a: &str, b: &str) -> Option<f64> {
        self.paired
            .get(&(workload.to_owned(), a.to_owned(), b.to_owned()))
            .map(|p| p.0)
    }

    /// Target "generated / `b` below `limit`" judged on the median of the interleaved
    /// rounds; flagged when the middle half of the rounds lies on both sides of the line.
    fn judge(&self, workload: &str, b: &str, limit: f64) -> String {
        match self
            .paired
            .get(&(workload.to_owned(), "generated".to_owned(), b.to_owned()))
        {
            None => "not measured".to_owned(),
            Some(&(m, lo, hi)) => {
                let verdict = if m < limit || (limit > 1.0 && m <= limit) {
                    "**met**"
                } else {
                    "**missed**"
                };
                match (lo, hi) {
                    (Some(lo), Some(hi)) if lo <= limit && limit <= hi => {
                        format!("{verdict} (within the rounds' spread)")
                    }
                    _ => verdict.to_owned(),
                }
            }
        }
    }

    /// The interleaved ratio with the quartiles of its rounds: `1.11x (1.05–1.18)`.
    fn paired_text(&self, workload: &str, a: &str, b: &str) -> String {
        match self
            .paired
            .get(&(workload.to_owned(), a.to_owned(), b.to_owned()))
        {
            Some((m, Some(lo), Some(hi))) => format!("{m:.2}x ({lo:.2}–{hi:.2})"),
            Some((m, _, _)) => format!("{m:.2}x"),
            None => "—".to_owned(),
        }
    }

    fn memory(&self, client: &str, jobs: u64, key: &str) -> Option<f64> {
        self.memory.get(&(client.to_owned(), jobs))?[key].as_f64()
    }
}

/// Walks criterion's output for `<id>/new/estimates.json`; `id` is the path below the root.
fn collect_estimates(root: &Path, dir: &Path, out: &mut BTreeMap<String, Estimate>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let Some(estimate) = read_estimate(&path.join("estimates.json")) else {
                continue;
            };
            if let Some(id) = dir.strip_prefix(root).ok().and_then(Path::to_str) {
                out.insert(id.replace('\\', "/"), estimate);
            }
        } else if path
            .file_name()
            .is_some_and(|n| n != "report" && n != "base")
        {
            collect_estimates(root, &path, out);
        }
    }
}

fn read_estimate(path: &Path) -> Option<Estimate> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let median = &value["median"];
    Some(Estimate {
        median: median["point_estimate"].as_f64()?,
        low: median["confidence_interval"]["lower_bound"].as_f64()?,
        high: median["confidence_interval"]["upper_bound"].as_f64()?,
    })
}

// ---------------------------------------------------------------------------------------
// Machine and date
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct Machine {
    cpu: String,
    cores: usize,
    parallelism: usize,
    memory: String,
    kernel: String,
    rustc: String,
    load_start: String,
}

impl Machine {
    fn probe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |(_, m)| m.trim().to_owned());
        let cores = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().strip_suffix("kB"))
                    .and_then(|v| v.trim().parse::<f64>().ok())
            })
            .map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
            );
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_owned(), |k| format!("Linux {}", k.trim()));
        let rustc = std::env::var_os("RUSTC")
            .map_or_else(|| Command::new("rustc"), Command::new)
            .arg("-V")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map_or_else(|| "unknown".to_owned(), |v| v.trim().to_owned());
        Machine {
            cpu,
            cores,
            parallelism: std::thread::available_parallelism().map_or(0, usize::from),
            memory,
            kernel,
            rustc,
            load_start: load_average(),
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock (civil-from-days, H. Hinnant).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60
    )
}

// ---------------------------------------------------------------------------------------
// BENCHMARKS.md
// ---------------------------------------------------------------------------------------

struct Render<'a> {
    quick: bool,
    machine: &'a Machine,
    load_end: &'a str,
    date: &'a str,
    elapsed: Duration,
    w5: Option<&'a W5>,
    results: &'a Results,
    warm_up: &'a str,
    measurement: &'a str,
}

fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn opt_time(ns: Option<f64>) -> String {
    ns.map_or_else(|| "not run".to_owned(), time)
}

fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}x"))
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

fn kib(bytes: Option<f64>) -> String {
    bytes.map_or_else(|| "—".to_owned(), |b| format!("{:.0} KiB", b / 1024.0))
}

fn status(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "**met**",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

fn render(r: &Render<'_>) -> String {
    let res = r.results;
    let mut md = String::new();
    let m = r.machine;
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench{}` on {} (the whole run took {:.1} min); do not edit by hand, rerun the command.\n",
        if r.quick { " --quick" } else { "" },
        r.date,
        r.elapsed.as_secs_f64() / 60.0
    );
    let _ = writeln!(md, "```sh");
    let _ = writeln!(
        md,
        "export AZURE_REST_API_SPECS=../shared/specs/azure-rest-api-specs   # for W5 (or --spec-root DIR)"
    );
    let _ = writeln!(
        md,
        "cargo xtask bench            # a few minutes on 2 cores; --quick: shorter, fewer rounds"
    );
    let _ = writeln!(md, "```\n");
    let _ = writeln!(
        md,
        "Machine: {} ({} logical cores, available parallelism {}), {} RAM, {}, {}. Load average \
         (1/5/15 min) {} at the start and {} at the end; both include this run's own build and benchmark \
         threads (client and server: up to 2 busy cores). Other work may share the machine, so absolute \
         times are noisy; the interleaved ratios are the robust figures.\n",
        m.cpu, m.cores, m.parallelism, m.memory, m.kernel, m.rustc, m.load_start, r.load_end,
    );

    // Targets.
    let w1_floor = res.paired("w1", "generated", "hand_written");
    let w1_legacy_ka = res.paired("w1", "generated", "legacy_keepalive");
    let w2_floor = res.paired("w2", "generated", "hand_written");
    let w2_legacy_ka = res.paired("w2", "generated", "legacy_keepalive");
    let page_wire = res
        .memory("generated", SCALING[0], "page_wire_bytes")
        .or(res.page_bytes.map(|b| b as f64));
    let heap: Vec<Option<f64>> = SCALING
        .iter()
        .map(|&n| res.memory("generated", n, "heap_growth_bytes"))
        .collect();
    // What 900 more pages add to the peak: a per-page leak shows here. (The smallest
    // listing can peak lower: hyper's adaptive read buffer and the allocator reach their
    // steady size within the first pages.)
    let heap_spread = heap[2].zip(heap[1]).map(|(large, mid)| large - mid);
    let decoded = res.memory("generated", SCALING[0], "page_decoded_bytes");
    let w5_median = r.w5.map(|w| median(&w.seconds));

    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(
        md,
        "Interleaved ratios are the median of the rounds' ratios, with the first and third quartiles of the rounds in brackets; \
         a target is judged on the median, and marked when the middle half of the rounds lies on both sides of its line.\n"
    );
    let _ = writeln!(md, "| target | measured | status |");
    let _ = writeln!(md, "|---|---|---|");
    let _ = writeln!(
        md,
        "| W1 within {TARGET_RATIO}x of the hand-written floor | {} (interleaved; criterion medians: {}) | {} |",
        res.paired_text("w1", "generated", "hand_written"),
        ratio(div(
            res.median("w1_get_2000/generated"),
            res.median("w1_get_2000/hand_written")
        )),
        res.judge("w1", "hand_written", TARGET_RATIO)
    );
    let _ = writeln!(
        md,
        "| W1 faster than the legacy crate, as shipped (no connection reuse) | {} of its time | {} |",
        res.paired_text("w1", "generated", "legacy"),
        res.judge("w1", "legacy", 1.0)
    );
    let _ = writeln!(
        md,
        "| W1 faster than the legacy crate given a pooled transport | {} of its time | {} |",
        res.paired_text("w1", "generated", "legacy_keepalive"),
        res.judge("w1", "legacy_keepalive", 1.0)
    );
    let _ = writeln!(
        md,
        "| W2 within {TARGET_RATIO}x of the hand-written floor | {} (interleaved; criterion medians: {}) | {} |",
        res.paired_text("w2", "generated", "hand_written"),
        ratio(div(
            res.median("w2_list_10000/generated"),
            res.median("w2_list_10000/hand_written")
        )),
        res.judge("w2", "hand_written", TARGET_RATIO)
    );
    let _ = writeln!(
        md,
        "| W2 faster than the legacy crate, as shipped | {} of its time | {} |",
        res.paired_text("w2", "generated", "legacy"),
        res.judge("w2", "legacy", 1.0)
    );
    let _ = writeln!(
        md,
        "| W2 faster than the legacy crate given a pooled transport | {} of its time | {} |",
        res.paired_text("w2", "generated", "legacy_keepalive"),
        res.judge("w2", "legacy_keepalive", 1.0)
    );
    let _ = writeln!(
        md,
        "| W2 peak memory growth bounded by one page (does not grow with the listing) | heap peak growth {} / {} / {} at {} jobs: {} from 10,000 to 100,000 jobs, i.e. over 900 more pages (one page: {} on the wire, {} decoded) | {} |",
        kib(heap[0]),
        kib(heap[1]),
        kib(heap[2]),
        SCALING.map(thousands).join(" / "),
        heap_spread.map_or_else(|| "—".to_owned(), |d| format!("{:+.0} KiB", d / 1024.0)),
        kib(page_wire),
        kib(decoded),
        status(heap_spread.zip(page_wire).map(|(s, p)| s <= p))
    );
    let worst = heap
        .iter()
        .flatten()
        .copied()
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let one_page = page_wire.zip(decoded).map(|(w, d)| w + d);
    let _ = writeln!(
        md,
        "| W2 peak memory growth within one page held raw + decoded (strict reading) | largest heap peak growth {} = {} of one page ({} raw + decoded) | {} |",
        kib(worst),
        ratio(div(worst, one_page)),
        kib(one_page),
        status(worst.zip(one_page).map(|(w, p)| w <= p))
    );
    let _ = writeln!(
        md,
        "| W5 codegen of both api-versions under {TARGET_W5_SECONDS} s | {} (median of {} runs) | {} |",
        w5_median.map_or_else(
            || "not run (no spec root)".to_owned(),
            |s| format!("{s:.3} s")
        ),
        r.w5.map_or(0, |w| w.seconds.len()),
        status(w5_median.map(|s| s < TARGET_W5_SECONDS))
    );
    let _ = writeln!(md);
    write_misses(
        &mut md,
        res,
        w1_floor,
        w1_legacy_ka,
        w2_floor,
        w2_legacy_ka,
        heap_spread,
        page_wire,
        worst.zip(one_page),
    );

    // W1.
    let _ = writeln!(
        md,
        "## W1: 2,000 sequential `jobs().get()`, full deserialization\n"
    );
    let _ = writeln!(
        md,
        "One ~{} job per call. Criterion median per 2,000 calls (95% interval of the median), per call, and the ratio of medians to the floor; then the interleaved ratio.\n",
        res.job_bytes.map_or_else(
            || "2 KB".to_owned(),
            |b| format!("{:.1} KB", b as f64 / 1000.0)
        )
    );
    workload_table(
        &mut md,
        res,
        "w1_get_2000",
        "w1",
        W1_CALLS,
        "call",
        &[
            ("generated", "generated client (`azure_importexport_rest`)"),
            (
                "hand_written",
                "hand-written floor (reqwest 0.13 + serde_json)",
            ),
            (
                "legacy",
                "legacy `azure_mgmt_storageimportexport` 0.21, as shipped",
            ),
            (
                "legacy_keepalive",
                "legacy 0.21 with a pooled reqwest 0.12 transport",
            ),
        ],
    );
    let _ = writeln!(
        md,
        "Where W1's time goes (interleaved): generated / floor with the generated models = {} (the pipeline), floor with the generated models / floor = {} (the models); \
         the floor given azure_core 1.1's reqwest settings (connect and read timeouts) / floor = {} (not the transport's settings).",
        ratio(res.paired("w1", "generated", "hand_written_generated_models")),
        ratio(res.paired("w1", "hand_written_generated_models", "hand_written")),
        ratio(res.paired("w1", "hand_written_core_settings", "hand_written"))
    );
    if let Some(bt) = res.paired("w1_rust_backtrace_1", "generated", "hand_written") {
        let _ = writeln!(
            md,
            "With `RUST_BACKTRACE=1` in the environment the same ratio is **{bt:.2}x**: azure_core 1.1's \
             `ClientRequestIdPolicy` looks up the optional `x-ms-client-request-id` header with \
             `Headers::get_optional_str`, which builds an error for the missing header, and the error \
             captures a backtrace whenever that variable is set (profiled with `perf`). `cargo xtask bench` \
             therefore runs the benches without it; setting `x-ms-client-request-id` on each request in \
             the generated client would remove that cost."
        );
    }
    let _ = writeln!(md);

    // W2.
    let _ = writeln!(md, "## W2: list 10,000 jobs over 100 pages\n");
    let _ = writeln!(
        md,
        "100 jobs a page (~{} each), absolute `nextLink`. Criterion median per listing, per job, ratio of medians; then the interleaved ratio.\n",
        kib(page_wire)
    );
    workload_table(
        &mut md,
        res,
        "w2_list_10000",
        "w2",
        W2_JOBS,
        "job",
        &[
            ("generated", "generated client, `Pager` item stream"),
            ("hand_written", "hand-written floor, page loop"),
            ("legacy", "legacy 0.21 `Pageable`, as shipped"),
            ("legacy_keepalive", "legacy 0.21, pooled transport"),
        ],
    );
    let _ = writeln!(
        md,
        "Where W2's time goes (interleaved): generated pager / floor loop with the generated models = {} (pipeline and pager), floor loop with the generated models / floor = {} (the models).\n",
        ratio(res.paired("w2", "generated", "hand_written_generated_models")),
        ratio(res.paired("w2", "hand_written_generated_models", "hand_written"))
    );

    // Scaling.
    let _ = writeln!(md, "### W2 cost scaling: 1,000 / 10,000 / 100,000 jobs\n");
    let _ = writeln!(
        md,
        "Time: criterion median of one whole listing (10 samples; the 100,000-job listing too). Memory: one listing in a fresh process per row \
         (`benches/memory.rs`): heap = peak live bytes (counting global allocator) minus live bytes before the listing; RSS = peak resident set \
         (`VmHWM`, reset through `/proc/self/clear_refs`) minus resident set before it, which adds the allocator's slack and is good to about 256 KiB.\n"
    );
    let _ = writeln!(
        md,
        "| jobs | generated: time | per job | floor: time | per job | heap growth: generated / floor / legacy | RSS growth: generated / floor / legacy |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|");
    for n in SCALING {
        let g = res.median(&format!("w2_scaling/generated/{n}"));
        let h = res.median(&format!("w2_scaling/hand_written/{n}"));
        let heap = |c: &str| kib(res.memory(c, n, "heap_growth_bytes"));
        let rss = |c: &str| {
            res.memory(c, n, "rss_growth_kib")
                .map_or_else(|| "—".to_owned(), |k| format!("{k:.0} KiB"))
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} / {} / {} | {} / {} / {} |",
            thousands(n),
            opt_time(g),
            g.map_or_else(|| "—".to_owned(), |t| time(t / n as f64)),
            opt_time(h),
            h.map_or_else(|| "—".to_owned(), |t| time(t / n as f64)),
            heap("generated"),
            heap("hand_written"),
            heap("legacy"),
            rss("generated"),
            rss("hand_written"),
            rss("legacy"),
        );
    }
    let per_job = |n: u64| {
        res.median(&format!("w2_scaling/generated/{n}"))
            .map(|t| t / n as f64)
    };
    let largest = SCALING
        .iter()
        .rev()
        .copied()
        .find(|&n| per_job(n).is_some())
        .unwrap_or(SCALING[2]);
    // A 10x longer listing should cost 10x: judged between the two largest sizes measured
    // (the 1,000-job listing is a 17 ms iteration, the most exposed to load spikes).
    let (small, base) = if largest > SCALING[1] {
        (SCALING[1], largest)
    } else {
        (SCALING[0], largest)
    };
    let linear = div(per_job(base), per_job(small));
    let first = div(per_job(SCALING[0]), per_job(SCALING[1]));
    if heap[0]
        .zip(heap[1])
        .is_some_and(|(small, mid)| mid - small > 64.0 * 1024.0)
    {
        let _ = writeln!(
            md,
            "\nThe 1,000-job listing (10 pages) can peak lower than the longer ones, likely because hyper's adaptive read buffer and the allocator reach \
             their steady size within the first pages; from then on the peak stays put."
        );
    }
    let _ = writeln!(
        md,
        "\nTime per job, generated: at {} jobs / at {} jobs = {} ({}); at 1,000 / at 10,000 jobs = {}. Decoded size of one 100-job page: \
         generated {}, floor {}, legacy {} (the generated models keep unknown fields and unknown enum values).\n",
        thousands(base),
        thousands(small),
        ratio(linear),
        match linear {
            Some(x) if (0.75..=1.33).contains(&x) => "linear",
            Some(_) => "not linear within ±25-33%: see the load note above",
            None => "not measured",
        },
        ratio(first),
        kib(res.memory("generated", SCALING[0], "page_decoded_bytes")),
        kib(res.memory("hand_written", SCALING[0], "page_decoded_bytes")),
        kib(res.memory("legacy", SCALING[0], "page_decoded_bytes")),
    );

    // W3.
    let _ = writeln!(
        md,
        "## W3: 500 cancels through `JobRef::cancel` (GET + PATCH each)\n"
    );
    let _ = writeln!(
        md,
        "The server answers GET with a `Transferring` job (cancel allowed, not yet requested) and PATCH with `cancelRequested: true`. The floor: \
         reqwest GET, state check, PATCH, check of the answer; no retry budget, no typed errors.\n"
    );
    workload_table(
        &mut md,
        res,
        "w3_cancel_500",
        "w3",
        W3_CANCELS,
        "cancel",
        &[
            ("ergonomic", "`azure_importexport::JobRef::cancel`"),
            ("hand_written", "hand-written GET + PATCH"),
        ],
    );
    let _ = writeln!(md);

    // W4.
    let _ = writeln!(md, "## W4: deserialize one 100-job list page from bytes\n");
    let _ = writeln!(
        md,
        "| model | median (95% interval) | per job | ratio to the floor (medians) | generated / this (interleaved) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    let floor = res.median("w4_deserialize_page/hand_written");
    for (id, label) in [
        ("generated", "generated `ListJobsResponse`"),
        ("hand_written", "hand-written serde struct (floor)"),
        ("legacy", "legacy 0.21 `ListJobsResponse`"),
    ] {
        let key = format!("w4_deserialize_page/{id}");
        let e = res.criterion.get(&key);
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} |",
            e.map_or_else(
                || "not run".to_owned(),
                |e| format!("{} ({}–{})", time(e.median), time(e.low), time(e.high))
            ),
            e.map_or_else(|| "—".to_owned(), |e| time(e.median / 100.0)),
            ratio(div(e.map(|e| e.median), floor)),
            if id == "generated" {
                "—".to_owned()
            } else {
                res.paired_text("w4", "generated", id)
            },
        );
    }
    let _ = writeln!(md);

    // W5.
    let _ = writeln!(md, "## W5: code generation, both api-versions\n");
    match r.w5 {
        None => {
            let _ = writeln!(
                md,
                "Not run: no spec root (`--spec-root`, `AZURE_REST_API_SPECS`, or `cargo xtask fetch-specs`).\n"
            );
        }
        Some(w5) => {
            let mut sorted = w5.seconds.clone();
            sorted.sort_by(f64::total_cmp);
            let _ = writeln!(
                md,
                "Time: the codegen library called in-process by `cargo xtask bench` ({} runs: load the lock and config, read and verify the spec files, \
                 lower, emit, format): median **{:.3} s**, min {:.3} s, max {:.3} s; {} files, {:.0} KiB of Rust, {}.",
                sorted.len(),
                median(&sorted),
                sorted.first().copied().unwrap_or_default(),
                sorted.last().copied().unwrap_or_default(),
                w5.files,
                w5.bytes as f64 / 1024.0,
                if w5.up_to_date {
                    "identical to the committed code"
                } else {
                    "**different from the committed code** (run `cargo xtask codegen`)"
                }
            );
            match &w5.probe {
                Ok(p) => {
                    let _ = writeln!(
                        md,
                        "Memory: a fresh `xtask bench-codegen-probe` process generates once and reads its own `/proc/self/status`: peak RSS (`VmHWM`) \
                         **{:.1} MiB**, of which {:.1} MiB was resident before generating (growth {:.1} MiB); that run took {:.3} s.\n",
                        p["peak_kib"].as_f64().unwrap_or_default() / 1024.0,
                        p["rss_before_kib"].as_f64().unwrap_or_default() / 1024.0,
                        (p["peak_kib"].as_f64().unwrap_or_default()
                            - p["rss_before_kib"].as_f64().unwrap_or_default())
                            / 1024.0,
                        p["seconds"].as_f64().unwrap_or_default(),
                    );
                }
                Err(why) => {
                    let _ = writeln!(md, "Memory: not measured ({why}).\n");
                }
            }
        }
    }

    // How.
    let _ = writeln!(md, "## How it is measured\n");
    let _ = writeln!(
        md,
        "- Crate `crates/azure_importexport_bench`: `benches/workloads.rs` (criterion: W1-W4 and the W2 time scaling, then the interleaved ratios) \
         and `benches/memory.rs` (W2 memory probes); `src/` is the shared support (also used by `crates/azure_importexport_rest/benches/client.rs`).\n\
         - Server: a minimal HTTP/1.1 keep-alive server on tokio's `TcpListener`, bound to 127.0.0.1, on its own thread and single-threaded runtime, \
         answering from responses rendered once (not wiremock, whose matching and recording would hide a client's cost). Clients run on a \
         single-threaded tokio runtime on the main thread. Retries are off in every client, the token is static.\n\
         - Criterion: `--warm-up-time {} --measurement-time {}`; workloads that take a whole listing or 2,000 calls per iteration use flat sampling \
         with 10 samples (criterion's minimum), W4 uses criterion's defaults. Medians are criterion's, read from `target/bench-criterion/**/new/estimates.json`.\n\
         - Interleaved ratio: median over rounds of (time of A / time of B), each round running both sides back to back and alternating which runs first \
         (W1: 21 rounds of 100 calls; W2: 15 rounds of one 10,000-job listing; W3: 9 rounds of 50 cancels; W4: 21 rounds of 20 pages; fewer with `--quick`). Criterion runs one \
         benchmark after the other, so on a shared machine a load change between two of them skews the ratio of their medians; the interleaved ratio \
         cancels that drift, and is what the targets are judged on.\n\
         - The legacy crate builds its default reqwest 0.12 client with `pool_max_idle_per_host(0)` (a workaround for a hyper hang), so as shipped it opens \
         a new TCP connection for every request; `legacy_keepalive` gives it a pooled reqwest 0.12 client through `ClientBuilder::transport` to separate \
         that cost. Its `ClientBuilder::endpoint` accepts `http://127.0.0.1:PORT` and it sends the bearer token over plain http without complaint.\n\
         - `RUST_BACKTRACE` and `RUST_LIB_BACKTRACE` are removed from the benches' environment (see W1).",
        r.warm_up, r.measurement
    );
    md
}

#[allow(clippy::too_many_arguments)]
fn write_misses(
    md: &mut String,
    res: &Results,
    w1_floor: Option<f64>,
    w1_legacy_ka: Option<f64>,
    w2_floor: Option<f64>,
    w2_legacy_ka: Option<f64>,
    heap_spread: Option<f64>,
    page_wire: Option<f64>,
    worst_and_page: Option<(f64, f64)>,
) {
    let mut notes = Vec::new();
    if w1_floor.is_some_and(|x| x > TARGET_RATIO) {
        notes.push(format!(
            "W1 is {:.0}% over the floor ({:.0} points past the target). Likely cause: azure_core 1.1's per-request pipeline \
             (client-request-id, user-agent, retry, auth, logging policies; header conversions to and from reqwest): generated / floor with the \
             generated models = {}, while the generated models cost {} of plain serde. The ratio depends on the machine's load: runs made while \
             this benchmark was written gave 1.06x to 1.38x, the higher figures with concurrent builds on the 2 cores.",
            (w1_floor.unwrap_or_default() - 1.0) * 100.0,
            (w1_floor.unwrap_or_default() - TARGET_RATIO) * 100.0,
            ratio(res.paired("w1", "generated", "hand_written_generated_models")),
            ratio(res.paired("w1", "hand_written_generated_models", "hand_written")),
        ));
    }
    if w2_floor.is_some_and(|x| x > TARGET_RATIO) {
        notes.push(format!(
            "W2 is {:.0}% over the floor ({:.0} points past the target). Likely cause: the pager's pre-scan of each page for `nextLink` and the \
             per-page pipeline cost: generated pager / floor loop with the generated models = {}; models alone {}.",
            (w2_floor.unwrap_or_default() - 1.0) * 100.0,
            (w2_floor.unwrap_or_default() - TARGET_RATIO) * 100.0,
            ratio(res.paired("w2", "generated", "hand_written_generated_models")),
            ratio(res.paired("w2", "hand_written_generated_models", "hand_written")),
        ));
    }
    if w1_legacy_ka.is_some_and(|x| x >= 1.0) || w2_legacy_ka.is_some_and(|x| x >= 1.0) {
        notes.push(format!(
            "Against the legacy crate given a pooled transport, the generated client takes {} of its time in W1 and {} in W2: azure_core 0.21's \
             pipeline does less per request (no client-request-id or logging policy; the token is a header set by each operation), the legacy \
             transport is reqwest 0.12 where azure_core 1.1 uses reqwest 0.13, and the legacy pager parses each page once, where the generated \
             pager first scans it for `nextLink`.",
            ratio(w1_legacy_ka),
            ratio(w2_legacy_ka),
        ));
    }
    let w1_legacy = res.paired("w1", "generated", "legacy");
    let w2_legacy = res.paired("w2", "generated", "legacy");
    if w1_legacy.is_some_and(|x| x >= 1.0) || w2_legacy.is_some_and(|x| x >= 1.0) {
        notes.push(format!(
            "Against the legacy crate as shipped, the generated client takes {} of its time in W1 and {} in W2. A listing is dominated by \
             decoding 200 KB pages, where the two are on par (W4: generated / legacy = {}), and one new connection per page costs the legacy \
             crate little over 100 pages, so the generated pager's extra pass over each page for `nextLink` decides; per call (W1) the \
             legacy crate's new connection per request dominates.",
            res.paired_text("w1", "generated", "legacy"),
            res.paired_text("w2", "generated", "legacy"),
            res.paired_text("w4", "generated", "legacy"),
        ));
    }
    if heap_spread.zip(page_wire).is_some_and(|(s, p)| s > p) {
        notes.push(format!(
            "W2 peak heap growth rises by {} from 10,000 to 100,000 jobs, more than one page on the wire ({}): something is kept per page.",
            kib(heap_spread),
            kib(page_wire)
        ));
    }
    if let Some((worst, page)) = worst_and_page.filter(|(w, p)| w > p) {
        let floor = SCALING
            .iter()
            .filter_map(|&n| res.memory("hand_written", n, "heap_growth_bytes"))
            .fold(0.0, f64::max);
        let legacy = SCALING
            .iter()
            .filter_map(|&n| res.memory("legacy", n, "heap_growth_bytes"))
            .fold(0.0, f64::max);
        notes.push(format!(
            "W2's peak heap growth ({}) is {} of one page held raw and decoded ({}); it does not grow with the listing. The rest is the \
             transport's buffering of a 200 KB body: the floor, on the same reqwest 0.13, peaks at {} ({} of its own page), while the legacy crate \
             (reqwest 0.12, whose body collector appends each chunk to one buffer and drops it) peaks at {}. Likely cause: the body is gathered \
             as chunks and then copied into one contiguous buffer, so raw bytes are briefly held twice, next to hyper's grown read buffer.",
            kib(Some(worst)),
            ratio(Some(worst / page)),
            kib(Some(page)),
            kib(Some(floor)),
            ratio(div(
                Some(floor),
                res.memory("hand_written", SCALING[0], "page_decoded_bytes")
                    .zip(res.memory("hand_written", SCALING[0], "page_wire_bytes"))
                    .map(|(d, w)| d + w)
            )),
            kib(Some(legacy)),
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(md, "Misses and their likely causes:\n");
        for note in notes {
            let _ = writeln!(md, "- {note}");
        }
        let _ = writeln!(md);
    }
}

fn workload_table(
    md: &mut String,
    res: &Results,
    group: &str,
    workload: &str,
    units: f64,
    unit: &str,
    rows: &[(&str, &str)],
) {
    let floor = res.median(&format!("{group}/hand_written"));
    let first = rows.first().map_or("generated", |r| r.0);
    let _ = writeln!(
        md,
        "| client | median (95% interval) | per {unit} | ratio to the floor (medians) | {first} / this (interleaved) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    for (id, label) in rows {
        let e = res.criterion.get(&format!("{group}/{id}"));
        let interleaved = if *id == first {
            "—".to_owned()
        } else {
            res.paired_text(workload, first, id)
        };
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {interleaved} |",
            e.map_or_else(
                || "not run".to_owned(),
                |e| format!("{} ({}–{})", time(e.median), time(e.low), time(e.high))
            ),
            e.map_or_else(|| "—".to_owned(), |e| time(e.median / units)),
            ratio(div(e.map(|e| e.median), floor)),
        );
    }
    let _ = writeln!(md);
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(time(1.5e9), "1.50 s");
        assert_eq!(time(2.5e6), "2.5 ms");
        assert_eq!(time(876.0e3), "876.0 µs");
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        let now = utc_now();
        assert!(now.ends_with(" UTC") && now.len() == 20, "{now}");
    }
}
