//! Clean release build times: `cargo build --release --timings` of `azure_importexport`,
//! `azie` and the legacy `azure_mgmt_storageimportexport` crate, each in a fresh target
//! directory, one after the other (never two builds at once), with the three slowest
//! units read from cargo's timings report. The SDK and the legacy crate, whose target is
//! parity, are built twice, alternating, and judged on each one's faster build (noise on
//! a shared machine only ever adds time; single builds of the same crate differed by 10%).

use azure_importexport_test::run_bounded;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bound of one clean build.
const BUILD_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// The legacy crate as a user depends on it (the features the benches use: rustls, no
/// OpenSSL, the api-version this project generates).
const LEGACY_MANIFEST: &str = r#"[package]
name = "legacy_build_probe"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
azure_mgmt_storageimportexport = { version = "0.21", default-features = false, features = ["enable_reqwest_rustls", "package-preview-2021-01"] }

# Not a member of the azie workspace.
[workspace]
"#;

/// What is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    /// `azure_importexport` (and the generated crate under it).
    Sdk,
    /// `azie` as installed: with the embedded emulator.
    Cli,
    /// `azie --no-default-features`: the client-only CLI.
    CliWithoutEmulator,
    /// `azure_mgmt_storageimportexport` 0.21, the crate this project replaces.
    Legacy,
}

impl BuildTime {
    /// The fastest build of `subject` among `builds`, if one succeeded.
    pub fn of(builds: &Builds, subject: Subject) -> Option<&BuildTime> {
        Self::all_of(builds, subject).min_by(|a, b| a.seconds.total_cmp(&b.seconds))
    }

    /// Every successful build of `subject`, in the order they ran.
    pub fn all_of(builds: &Builds, subject: Subject) -> impl Iterator<Item = &BuildTime> {
        builds
            .as_ref()
            .into_iter()
            .flatten()
            .flatten()
            .filter(move |b| b.subject == subject)
    }
}

impl Subject {
    pub const ALL: [Subject; 4] = [
        Subject::Sdk,
        Subject::Cli,
        Subject::CliWithoutEmulator,
        Subject::Legacy,
    ];

    /// The key of the subject in reports (and of its scratch directory).
    pub fn key(self) -> &'static str {
        match self {
            Subject::Sdk => "azure_importexport",
            Subject::Cli => "azie",
            Subject::CliWithoutEmulator => "azie_no_default_features",
            Subject::Legacy => "legacy",
        }
    }

    /// What the report calls it.
    pub fn label(self) -> &'static str {
        match self {
            Subject::Sdk => "`cargo build --release -p azure_importexport`",
            Subject::Cli => "`cargo build --release -p azie` (with the emulator, the default)",
            Subject::CliWithoutEmulator => "`cargo build --release -p azie --no-default-features`",
            Subject::Legacy => "legacy `azure_mgmt_storageimportexport` 0.21 (rustls, 2021-01-01)",
        }
    }

    /// The `-p` arguments of a workspace build.
    fn package_args(self) -> &'static [&'static str] {
        match self {
            Subject::Sdk => &["-p", "azure_importexport"],
            Subject::Cli => &["-p", "azie"],
            Subject::CliWithoutEmulator => &["-p", "azie", "--no-default-features"],
            Subject::Legacy => &[],
        }
    }
}

/// Every build of a run, or why none ran; a build that failed says why.
pub(super) type Builds = Result<Vec<Result<BuildTime, String>>, String>;

/// One clean build.
#[derive(Debug, Clone)]
pub(super) struct BuildTime {
    pub subject: Subject,
    /// Wall time of `cargo build` (dependencies already downloaded).
    pub seconds: f64,
    /// Units compiled (crates and build scripts).
    pub units: usize,
    /// The units' own compile times added up (seconds).
    pub unit_seconds: f64,
    /// The three slowest units: `name version (target)` and seconds.
    pub slowest: Vec<(String, f64)>,
}

/// Builds every [`Subject`] from scratch below `scratch`; a build that fails is reported
/// as an error and the others still run.
pub(super) fn measure(root: &Path, scratch: &Path) -> Builds {
    const ORDER: [Subject; 6] = [
        Subject::Sdk,
        Subject::Legacy,
        Subject::Cli,
        Subject::CliWithoutEmulator,
        Subject::Sdk,
        Subject::Legacy,
    ];
    Ok(ORDER
        .iter()
        .map(|&subject| {
            eprintln!("bench: clean release build of {}", subject.key());
            measure_one(root, scratch, subject).map_err(|why| format!("{}: {why}", subject.key()))
        })
        .collect())
}

fn measure_one(root: &Path, scratch: &Path, subject: Subject) -> Result<BuildTime, String> {
    let target_dir = scratch.join(format!("target-{}", subject.key()));
    remove_dir(&target_dir)?;
    let manifest = match subject {
        Subject::Legacy => Some(legacy_project(root, scratch)?),
        _ => None,
    };
    let cargo = |args: &[&str]| {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.current_dir(root).args(args);
        if let Some(manifest) = &manifest {
            command.arg("--manifest-path").arg(manifest);
        }
        command.stdin(Stdio::null()).stderr(Stdio::inherit());
        command
    };
    // Downloads are not part of a build's time.
    run(cargo(&["fetch"]))?;
    let mut build = cargo(&["build", "--release", "--timings"]);
    build
        .args(subject.package_args())
        .arg("--target-dir")
        .arg(&target_dir);
    let start = Instant::now();
    run(build)?;
    let seconds = start.elapsed().as_secs_f64();
    let html = target_dir.join("cargo-timings/cargo-timing.html");
    let html = std::fs::read_to_string(&html).map_err(|e| format!("{}: {e}", html.display()))?;
    let units = unit_durations(&html)?;
    let mut slowest = units.clone();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    slowest.truncate(3);
    // The scratch target directories are large; keep only the report.
    let _ = std::fs::copy(
        target_dir.join("cargo-timings/cargo-timing.html"),
        scratch.join(format!("cargo-timing-{}.html", subject.key())),
    );
    remove_dir(&target_dir)?;
    Ok(BuildTime {
        subject,
        seconds,
        units: units.len(),
        unit_seconds: units.iter().map(|u| u.1).sum(),
        slowest,
    })
}

/// A one-crate project depending on the legacy crate, locked to this workspace's
/// versions where they overlap (its `Cargo.lock` is the workspace's, which cargo trims).
fn legacy_project(root: &Path, scratch: &Path) -> Result<PathBuf, String> {
    let dir = scratch.join("legacy-project");
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, contents: &[u8]| {
        std::fs::write(dir.join(name), contents).map_err(|e| format!("{name}: {e}"))
    };
    write("Cargo.toml", LEGACY_MANIFEST.as_bytes())?;
    write("src/lib.rs", b"pub use azure_mgmt_storageimportexport;\n")?;
    let lock = std::fs::read(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write("Cargo.lock", &lock)?;
    Ok(dir.join("Cargo.toml"))
}

fn run(command: Command) -> Result<(), String> {
    let (status, _) = run_bounded(command, BUILD_TIMEOUT, true)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo exited with {status}"))
    }
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("clearing {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// `(unit, seconds)` of every unit in cargo's timings report: the JSON array the page
/// assigns to `UNIT_DATA`.
pub(super) fn unit_durations(html: &str) -> Result<Vec<(String, f64)>, String> {
    const START: &str = "const UNIT_DATA = ";
    let start = html
        .find(START)
        .map(|i| i + START.len())
        .ok_or("no UNIT_DATA in the timings report")?;
    let mut stream = serde_json::Deserializer::from_str(&html[start..]).into_iter::<Value>();
    let units = match stream.next() {
        Some(Ok(Value::Array(units))) => units,
        _ => return Err("UNIT_DATA is not a JSON array".to_owned()),
    };
    units
        .iter()
        .map(|unit| {
            let text = |key: &str| unit[key].as_str().unwrap_or_default();
            let mut name = format!("{} {}", text("name"), text("version"));
            let target = text("target").trim();
            if !target.is_empty() {
                name = format!("{name} ({target})");
            }
            let seconds = unit["duration"]
                .as_f64()
                .ok_or_else(|| format!("unit {name} has no duration"))?;
            Ok((name, seconds))
        })
        .collect()
}
