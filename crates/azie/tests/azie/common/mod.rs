//! Helpers shared by the integration tests: the real `azie` binary against an emulator
//! running in the test process.

pub mod fleet;
pub mod identity;

use azure_importexport_emulator::Emulator;
use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};

pub const SUB: &str = "00000000-0000-0000-0000-000000000001";
pub const RG: &str = "rg1";
pub const TOKEN: &str = "cli-test-token-5f2c9a";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The outcome of a finished process (exit code -1 when a signal ended it).
    pub fn of(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }
}

/// Variables that choose or configure a credential: removed from every run, so that
/// the machine's own environment cannot change which credential a test exercises.
const CREDENTIAL_ENV: [&str; 12] = [
    "AZURE_IMPORTEXPORT_TOKEN",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
];

/// Runs azie with the emulator as endpoint (unless `args` override it), stdin closed and
/// the static token `TOKEN` as credential.
pub async fn azie(emulator: Option<&Emulator>, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let token = [("AZURE_IMPORTEXPORT_TOKEN", TOKEN)];
    azie_signed_out(emulator, args, &[&token[..], envs].concat()).await
}

/// [`azie`] without the static token: the credential is whatever `envs` configure.
pub async fn azie_signed_out(
    emulator: Option<&Emulator>,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Run {
    let mut command = command_signed_out(emulator, args, envs);
    let output: Output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    Run::of(output)
}

/// The command [`azie`] runs, to spawn it yourself (e.g. to signal it).
pub fn command(emulator: Option<&Emulator>, args: &[&str], envs: &[(&str, &str)]) -> Command {
    let token = [("AZURE_IMPORTEXPORT_TOKEN", TOKEN)];
    command_signed_out(emulator, args, &[&token[..], envs].concat())
}

fn command_signed_out(
    emulator: Option<&Emulator>,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_azie"));
    command
        .env_remove("AZURE_SUBSCRIPTION_ID")
        .env_remove("AZURE_IMPORTEXPORT_ENDPOINT")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    for name in CREDENTIAL_ENV {
        command.env_remove(name);
    }
    if let Some(emulator) = emulator {
        command.args(["--endpoint", &emulator.uri(), "--subscription", SUB]);
    }
    command.args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    command
}

pub fn job_body(kind: &str) -> Value {
    let mut properties = json!({
        "storageAccountId": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa",
        "jobType": kind,
        "returnShipping": { "carrierName": "FedEx", "carrierAccountNumber": "carrier-secret-991" },
        "returnAddress": { "recipientName": "R", "streetAddress1": "S", "city": "C", "postalCode": "1",
                           "countryOrRegion": "USA", "phone": "1", "email": "a@b.c" }
    });
    if kind == "Import" {
        properties["driveList"] =
            json!([{ "driveId": "DRIVE1", "bitLockerKey": "bitlocker-secret-42" }]);
    } else {
        properties["export"] = json!({ "blobList": { "blobPathPrefix": ["/x/"] } });
    }
    json!({ "location": "West US", "properties": properties })
}

/// An emulator holding jobs `(name, state)`, seeded through its test API (not the CLI).
pub async fn emulator_with(jobs: &[(&str, &str)]) -> Emulator {
    let emulator = Emulator::start().await;
    for (name, state) in jobs {
        let body = azure_importexport_test::JobJson::new(SUB, RG, name).build();
        emulator.insert_job(SUB, RG, name, body);
        emulator.set_job_state(SUB, RG, name, state).unwrap();
    }
    emulator
}

/// The requests the emulator's own server received, headers and raw bodies included
/// (the emulator's journal keeps neither).
pub async fn received(emulator: &Emulator) -> Vec<wiremock::Request> {
    let server = emulator
        .server()
        .expect("the emulator started its own server");
    server.received_requests().await.unwrap_or_default()
}

/// `text` contains each of `expected`.
pub fn assert_mentions(text: &str, expected: &[&str]) {
    for phrase in expected {
        assert!(text.contains(phrase), "missing {phrase:?} in:\n{text}");
    }
}

pub fn count(emulator: &Emulator, method: &str) -> usize {
    emulator
        .journal()
        .iter()
        .filter(|e| e.method == method)
        .count()
}
