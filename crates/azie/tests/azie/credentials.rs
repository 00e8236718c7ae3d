//! Credentials, `--debug` and `--verbose` (issue 12, section 2), all offline: the sign-in
//! endpoints are loopback fakes ([`crate::common::identity`]), and the emulator's wiremock
//! server shows which bearer token reached the service.

use crate::common::identity::{HttpsServer, entra_refusal, entra_token, managed_identity_token};
use crate::common::{
    RG, Run, TOKEN, assert_mentions, azie, azie_signed_out, emulator_with, received,
};
use azure_importexport_emulator::{Emulator, Fault, FaultRule, RequestKind};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TENANT: &str = "tenant-1";
const CLIENT: &str = "client-1";
const CLIENT_SECRET: &str = "sp-client-secret-7f3a";
const TOKEN_PATH: &str = "/tenant-1/oauth2/v2.0/token";

/// Neither stream of the run shows any of `secrets`.
fn assert_hidden(run: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

/// The run succeeded, stderr names the credential, every request reached the service
/// with `token`, and no secret was printed.
async fn assert_signed_in(
    run: &Run,
    emulator: &Emulator,
    credential: &str,
    token: &str,
    secrets: &[&str],
) {
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_mentions(&run.stderr, &[&format!("credential: {credential}")]);
    let authorizations: Vec<String> = received(emulator)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(authorizations, [format!("Bearer {token}")]);
    assert_hidden(run, &[&[token][..], secrets].concat());
}

/// The service principal's variables, with the fake authority trusted; `SECRET` is
/// the client secret, or the federated token file in `replace`.
fn service_principal_env(
    entra: &HttpsServer,
    replace: Option<(&'static str, String)>,
) -> Vec<(&'static str, String)> {
    let secret = replace.unwrap_or(("AZURE_CLIENT_SECRET", CLIENT_SECRET.to_owned()));
    vec![
        ("AZURE_TENANT_ID", TENANT.to_owned()),
        ("AZURE_CLIENT_ID", CLIENT.to_owned()),
        secret,
        ("AZURE_AUTHORITY_HOST", entra.uri.clone()),
        ("SSL_CERT_FILE", entra.ca_path().to_owned()),
    ]
}

/// Runs `azie --verbose --debug jobs show rg1 a` with `env` and no static token.
async fn show_signed_in_with(
    emulator: &Emulator,
    flags: &[&str],
    env: &[(&'static str, String)],
) -> Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [flags, &["--verbose", "--debug", "jobs", "show", RG, "a"]].concat();
    azie_signed_out(Some(emulator), &args, &env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_principal_signs_in_at_the_authority_host() {
    const SP_TOKEN: &str = "sp-access-token-91c2";
    let entra = HttpsServer::start().await;
    let emulator = emulator_with(&[("a", "Creating")]).await;
    let scope = format!("{}/.default", emulator.uri());
    let scope_form: String = url::form_urlencoded::byte_serialize(scope.as_bytes()).collect();
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains(format!(
            "client_secret={CLIENT_SECRET}"
        )))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(format!("scope={scope_form}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(entra_token(SP_TOKEN)))
        .expect(1)
        .mount(&entra.server)
        .await;
    // At trace level too: every layer's logs are scrubbed of the secret and the token.
    let mut env = service_principal_env(&entra, None);
    env.push(("RUST_LOG", "trace".to_owned()));
    let run = show_signed_in_with(&emulator, &[], &env).await;
    let credential = "service principal client-1 of tenant tenant-1";
    assert_signed_in(&run, &emulator, credential, SP_TOKEN, &[CLIENT_SECRET]).await;
    // --debug shows the token request too (never its body).
    assert_mentions(&run.stderr, &[&format!("POST {}{TOKEN_PATH}", entra.uri)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sign_in_names_what_was_tried_and_prints_no_secret() {
    let entra = HttpsServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(entra_refusal()))
        .mount(&entra.server)
        .await;
    let emulator = emulator_with(&[("a", "Creating")]).await;
    let mut env = service_principal_env(&entra, None);
    env.push(("RUST_LOG", "trace".to_owned()));
    let run = show_signed_in_with(&emulator, &[], &env).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_mentions(
        &run.stderr,
        &[
            "sign-in failed with service principal client-1 of tenant tenant-1",
            "AADSTS7000215",
            "not used: AZURE_IMPORTEXPORT_TOKEN is not set",
        ],
    );
    assert!(
        emulator.journal().is_empty(),
        "no request may reach the service"
    );
    assert_hidden(&run, &[CLIENT_SECRET]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_identity_exchanges_the_federated_token_file() {
    const FEDERATED: &str = "federated-jwt-from-kubernetes-55d1";
    const WI_TOKEN: &str = "wi-access-token-2b7e";
    const JWT_BEARER: &str =
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";
    let entra = HttpsServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains(format!(
            "client_assertion={FEDERATED}"
        )))
        .and(body_string_contains(JWT_BEARER))
        .respond_with(ResponseTemplate::new(200).set_body_json(entra_token(WI_TOKEN)))
        .expect(1)
        .mount(&entra.server)
        .await;
    let token_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token_file.path(), FEDERATED).unwrap();
    let emulator = emulator_with(&[("a", "Creating")]).await;
    let file = (
        "AZURE_FEDERATED_TOKEN_FILE",
        token_file.path().to_str().unwrap().to_owned(),
    );
    let run = show_signed_in_with(&emulator, &[], &service_principal_env(&entra, Some(file))).await;
    let credential = "workload identity client-1 of tenant tenant-1";
    assert_signed_in(&run, &emulator, credential, WI_TOKEN, &[FEDERATED]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_uses_the_app_service_endpoint() {
    const HEADER_SECRET: &str = "identity-header-secret-0c4d";
    const MI_TOKEN: &str = "mi-access-token-6e8f";
    let emulator = emulator_with(&[("a", "Creating")]).await;
    let identity = MockServer::start().await;
    let answer = managed_identity_token(MI_TOKEN, &emulator.uri());
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(header("x-identity-header", HEADER_SECRET))
        .and(query_param("api-version", "2019-08-01"))
        .and(query_param("resource", emulator.uri()))
        .and(query_param("client_id", "mi-client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&identity)
        .await;
    let env = [
        ("IDENTITY_ENDPOINT", format!("{}/msi/token", identity.uri())),
        ("IDENTITY_HEADER", HEADER_SECRET.to_owned()),
    ];
    let flags = ["--identity", "--identity-client-id", "mi-client"];
    let run = show_signed_in_with(&emulator, &flags, &env).await;
    let credential = "user-assigned managed identity mi-client (--identity) via App Service";
    assert_signed_in(&run, &emulator, credential, MI_TOKEN, &[HEADER_SECRET]).await;
    assert_mentions(&run.stderr, &["x-identity-header: REDACTED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_any_credential_the_developer_tools_are_tried_and_everything_named() {
    let emulator = emulator_with(&[("a", "Creating")]).await;
    // No `az` or `azd` can be found: the developer tools fail at once, offline.
    let empty = tempfile::tempdir().unwrap();
    let empty = empty.path().to_str().unwrap().to_owned();
    let run =
        show_signed_in_with(&emulator, &[], &[("PATH", empty.clone()), ("HOME", empty)]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_mentions(
        &run.stderr,
        &[
            "sign-in failed with the developer tools",
            "AZURE_IMPORTEXPORT_TOKEN is not set",
            "no service principal",
            "--identity was not given",
        ],
    );
    assert!(emulator.journal().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logs_each_try_with_the_token_redacted() {
    let emulator = emulator_with(&[("a", "Creating")]).await;
    emulator.inject(FaultRule {
        kind: RequestKind::GetJob,
        count: 1,
        fault: Fault::Status {
            status: 503,
            retry_after: Some("0".into()),
            body: None,
        },
    });
    let run = azie(Some(&emulator), &["--debug", "jobs", "show", RG, "a"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines =
        |marker: &str| -> Vec<&str> { run.stderr.lines().filter(|l| l.contains(marker)).collect() };
    let (requests, responses) = (lines("debug: --> GET"), lines("debug: <-- "));
    assert_eq!(requests.len(), 2, "one line per try:\n{}", run.stderr);
    assert_mentions(
        requests[0],
        &["/jobs/a?api-version=2021-01-01", "authorization: REDACTED"],
    );
    assert_mentions(responses[0], &["<-- 503 GET"]);
    assert_mentions(
        responses[1],
        &["<-- 200 GET", " ms) {", "x-ms-request-id: "],
    );
    // --debug implies --verbose: the SDK's retry decision is shown too.
    assert_mentions(&run.stderr, &["transient failure, retrying"]);
    assert_hidden(&run, &[TOKEN]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_names_the_static_token_and_the_explicit_endpoint_beats_the_cloud() {
    let emulator = emulator_with(&[("a", "Creating")]).await;
    let flags = ["--cloud", "AzureChinaCloud", "--identity"];
    let run = show_signed_in_with(
        &emulator,
        &flags,
        &[("AZURE_IMPORTEXPORT_TOKEN", TOKEN.to_owned())],
    )
    .await;
    let credential = "the static token in AZURE_IMPORTEXPORT_TOKEN";
    assert_signed_in(&run, &emulator, credential, TOKEN, &[]).await;
    assert_mentions(
        &run.stderr,
        &[
            "explicit endpoint wins over --cloud AzureChinaCloud",
            "warning: --identity ignored",
        ],
    );
    let bad = azie(
        Some(&emulator),
        &["--cloud", "Mars", "jobs", "show", RG, "a"],
        &[],
    )
    .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let orphan = azie(
        Some(&emulator),
        &["--identity-client-id", "x", "jobs", "list"],
        &[],
    )
    .await;
    assert_eq!(orphan.code, 2, "{}", orphan.stderr);
}
