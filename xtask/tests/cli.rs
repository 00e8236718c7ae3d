//! The xtask binary end to end: fetch-specs against a local server, and generate's
//! all-or-nothing output.

use std::path::Path;
use std::process::Command;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    codegen::config::sha256_hex(bytes)
}

fn write_lock(dir: &Path, entries: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = String::new();
    for (file, sha) in entries {
        text.push_str(&format!(
            "[[file]]\nrepository = \"Org/specs\"\ncommit = \"abc123\"\npath = \"{file}\"\nsha256 = \"{sha}\"\n\n"
        ));
    }
    let lock = dir.join("test.lock");
    std::fs::write(&lock, text).unwrap();
    lock
}

async fn serve(server: &MockServer, file: &str, body: &'static [u8]) {
    Mock::given(method("GET"))
        .and(path(format!("/Org/specs/abc123/{file}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn fetch_specs_downloads_and_verifies() {
    let server = MockServer::start().await;
    let a: &[u8] = b"{\"swagger\":\"2.0\"}";
    let b: &[u8] = b"{\"definitions\":{}}";
    serve(&server, "spec/a.json", a).await;
    serve(&server, "common/b.json", b).await;
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(
        dir.path(),
        &[
            ("spec/a.json", &sha256_hex(a)),
            ("common/b.json", &sha256_hex(b)),
        ],
    );
    let dest = dir.path().join("upstream");
    let status = xtask()
        .args(["fetch-specs", "--base-url", &server.uri(), "--lock"])
        .arg(&lock)
        .arg("--dest")
        .arg(&dest)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(dest.join("spec/a.json")).unwrap(), a);
    assert_eq!(std::fs::read(dest.join("common/b.json")).unwrap(), b);
}

#[tokio::test]
async fn fetch_specs_refuses_a_mismatch_and_writes_nothing() {
    let server = MockServer::start().await;
    let good: &[u8] = b"good";
    serve(&server, "spec/a.json", good).await;
    serve(&server, "spec/b.json", b"tampered").await;
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(
        dir.path(),
        &[
            ("spec/a.json", &sha256_hex(good)),
            ("spec/b.json", &sha256_hex(b"original")),
        ],
    );
    let dest = dir.path().join("upstream");
    let output = xtask()
        .args(["fetch-specs", "--base-url", &server.uri(), "--lock"])
        .arg(&lock)
        .arg("--dest")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("spec/b.json: sha256"), "{stderr}");
    assert!(
        !dest.exists(),
        "nothing may be written when any file fails verification"
    );
}

#[tokio::test]
async fn fetch_specs_reports_http_errors() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(dir.path(), &[("spec/a.json", &sha256_hex(b"x"))]);
    let output = xtask()
        .args(["fetch-specs", "--base-url", &server.uri(), "--lock"])
        .arg(&lock)
        .arg("--dest")
        .arg(dir.path().join("upstream"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HTTP 404"));
}

#[test]
fn generate_with_bad_input_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("spec.json");
    std::fs::write(&input, "{ not json").unwrap();
    let out = dir.path().join("out");
    let output = xtask()
        .args(["generate", "--crate-name", "trial", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not valid JSON"));
    assert!(!out.exists());
}
