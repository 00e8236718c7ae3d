//! `azie emulator` as other languages' tests run it: the real binary in its own process,
//! preloaded from a seed file, answering another `azie` over loopback.

use crate::common::command;
use azure_importexport_emulator::DEFAULT_SUBSCRIPTION;
use azure_importexport_test::run_bounded;
use serde_json::Value;
use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one child may take (a debug build on a busy 2-core machine).
const BOUND: Duration = Duration::from_secs(60);

/// The emulator process, killed when dropped (a failing test leaves no server behind).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// `azie emulator ARGS` on a free port; the URI it prints first on stdout.
    fn start(args: &[&str]) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_azie"))
            .arg("emulator")
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let running = Running(child);
        let (sender, first_line) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let line = BufReader::new(stdout).lines().next();
            let _ = sender.send(line);
        });
        let uri = match first_line.recv_timeout(BOUND) {
            Ok(Some(Ok(line))) => line.trim().to_owned(),
            other => panic!("azie emulator printed no URI: {other:?}"),
        };
        (running, uri)
    }

    /// Stops the emulator as a user does (Ctrl-C), within [`BOUND`]; its exit code and
    /// stderr.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = self.0.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + BOUND;
        let status = loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "azie emulator ignored Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = self.0.stderr.take() {
            pipe.read_to_string(&mut stderr).unwrap();
        }
        (status.code(), stderr)
    }
}

/// `azie --endpoint URI ARGS -o json` against the emulator process, bounded; its JSON.
async fn azie_json(uri: &str, args: &[&str]) -> Value {
    let global = ["--endpoint", uri, "--subscription", DEFAULT_SUBSCRIPTION];
    let cmd = command(None, &[&global[..], args, &["-o", "json"]].concat(), &[]);
    let (status, stdout) = tokio::task::spawn_blocking(move || run_bounded(cmd, BOUND, false))
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "azie {args:?}: {status}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// `(resource group, name, state)` of each listed job, sorted.
fn listed(jobs: &Value) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> = jobs
        .as_array()
        .expect("a JSON array of jobs")
        .iter()
        .map(|job| {
            let id = job["id"].as_str().unwrap();
            let rg = id.split('/').nth(4).unwrap().to_owned();
            let name = job["name"].as_str().unwrap().to_owned();
            let state = job["properties"]["state"].as_str().unwrap().to_owned();
            (rg, name, state)
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_emulator_binary_serves_its_seed_file_to_jobs_list() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("jobs.json");
    std::fs::write(
        &seed,
        r#"[{"resourceGroup": "seed-rg", "name": "first", "state": "Shipping"},
            {"resourceGroup": "other-rg", "name": "second"}]"#,
    )
    .unwrap();
    let seed = seed.to_str().unwrap();
    // Virtual time at real speed: the seeded states do not move during the test.
    let (emulator, uri) = Running::start(&["--seed", seed, "--speed", "1s"]);
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");

    let all = azie_json(&uri, &["jobs", "list"]).await;
    let row = |rg: &str, name: &str, state: &str| (rg.into(), name.into(), state.into());
    assert_eq!(
        listed(&all),
        [
            row("other-rg", "second", "Creating"),
            row("seed-rg", "first", "Shipping")
        ]
    );
    let in_group = azie_json(&uri, &["jobs", "list", "--resource-group", "seed-rg"]).await;
    assert_eq!(listed(&in_group), [row("seed-rg", "first", "Shipping")]);

    let (code, stderr) = emulator.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("Seeded 2 job(s)"), "{stderr}");
}
