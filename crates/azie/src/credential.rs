//! Which credential signs the requests (DESIGN.md section 6), built only from
//! azure_identity's own credentials:
//!
//! 1. `AZURE_IMPORTEXPORT_TOKEN`: a static bearer token;
//! 2. `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET`: a service principal;
//! 3. `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_FEDERATED_TOKEN_FILE`: workload identity;
//! 4. `--identity` (`--identity-client-id`): managed identity;
//! 5. the developer tools (Azure CLI, then azd).
//!
//! The choice is made from the environment alone ([`decide`], pure, unit-tested); the
//! credential is then built ([`build`]) and wrapped so that a failed sign-in says what
//! was used and what was skipped, and every token it returns is registered as a secret.

use crate::cli::GlobalArgs;
use crate::cloud::Cloud;
use crate::exit::CliError;
use crate::secrets;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions};
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    DeveloperToolsCredential, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use azure_importexport::StaticTokenCredential;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Environment variable holding a static bearer token.
pub const TOKEN_ENV: &str = "AZURE_IMPORTEXPORT_TOKEN";
const TENANT_ENV: &str = "AZURE_TENANT_ID";
const CLIENT_ENV: &str = "AZURE_CLIENT_ID";
const SECRET_ENV: &str = "AZURE_CLIENT_SECRET";
const FEDERATED_ENV: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// azure_identity's own override of the sign-in authority (used when --cloud is not given).
const AUTHORITY_ENV: &str = "AZURE_AUTHORITY_HOST";
/// How long one sign-in may take. Below the SDK's per-attempt timeout (30 s), so that
/// an authority that does not answer fails as a sign-in, named, and is not retried as
/// a slow ARM request.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(25);
/// Secrets that managed-identity endpoints are called with.
const MANAGED_IDENTITY_SECRET_ENVS: [&str; 2] = ["IDENTITY_HEADER", "MSI_SECRET"];

/// Where the credential comes from. Holds no secret (it is logged at --verbose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `AZURE_IMPORTEXPORT_TOKEN`.
    StaticToken,
    /// A service principal with a client secret.
    ServicePrincipal {
        tenant_id: String,
        client_id: String,
    },
    /// Workload identity: a federated token file exchanged for a token.
    WorkloadIdentity {
        tenant_id: String,
        client_id: String,
        token_file: PathBuf,
    },
    /// The machine's managed identity, system-assigned or user-assigned.
    ManagedIdentity { client_id: Option<String> },
    /// Azure CLI, then Azure Developer CLI.
    DeveloperTools,
}

/// The chosen source and, for messages, why the earlier ones were not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub source: Source,
    /// One phrase per credential skipped before the chosen one.
    pub skipped: Vec<String>,
    /// Set when `--identity` was given but an earlier credential won.
    pub identity_ignored: bool,
}

/// The flags that take part in the choice.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags<'a> {
    pub identity: bool,
    pub identity_client_id: Option<&'a str>,
    pub cloud: Option<Cloud>,
    pub debug: bool,
}

impl<'a> Flags<'a> {
    pub fn from_global(global: &'a GlobalArgs) -> Self {
        Flags {
            identity: global.identity,
            identity_client_id: global.identity_client_id.as_deref(),
            cloud: global.cloud,
            debug: global.debug,
        }
    }
}

/// Applies the order of DESIGN.md section 6 to the environment (`env` returns a
/// variable's non-empty value).
pub fn decide(env: &dyn Fn(&str) -> Option<String>, flags: Flags<'_>) -> Decision {
    let mut skipped = Vec::new();
    let chosen = |source, skipped| Decision {
        identity_ignored: flags.identity && !matches!(source, Source::ManagedIdentity { .. }),
        source,
        skipped,
    };
    if env(TOKEN_ENV).is_some() {
        return chosen(Source::StaticToken, skipped);
    }
    skipped.push(format!("{TOKEN_ENV} is not set"));
    let (tenant, client) = (env(TENANT_ENV), env(CLIENT_ENV));
    if let (Some(tenant_id), Some(client_id)) = (tenant.clone(), client.clone()) {
        if env(SECRET_ENV).is_some() {
            let source = Source::ServicePrincipal {
                tenant_id,
                client_id,
            };
            return chosen(source, skipped);
        }
        if let Some(file) = env(FEDERATED_ENV) {
            let source = Source::WorkloadIdentity {
                tenant_id,
                client_id,
                token_file: PathBuf::from(file),
            };
            return chosen(source, skipped);
        }
    }
    skipped.push(service_principal_gap(
        env,
        tenant.is_some(),
        client.is_some(),
    ));
    if flags.identity {
        let client_id = flags.identity_client_id.map(str::to_owned);
        return chosen(Source::ManagedIdentity { client_id }, skipped);
    }
    skipped.push("--identity was not given".to_owned());
    chosen(Source::DeveloperTools, skipped)
}

/// Why no service principal or workload identity was used: which variables are missing.
fn service_principal_gap(
    env: &dyn Fn(&str) -> Option<String>,
    has_tenant: bool,
    has_client: bool,
) -> String {
    let missing: Vec<&str> = [(TENANT_ENV, has_tenant), (CLIENT_ENV, has_client)]
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
    let has_secret = env(SECRET_ENV).is_some() || env(FEDERATED_ENV).is_some();
    match (missing.is_empty(), has_secret) {
        (true, _) => {
            format!("no service principal: neither {SECRET_ENV} nor {FEDERATED_ENV} is set")
        }
        (false, true) => format!(
            "no service principal: {SECRET_ENV} or {FEDERATED_ENV} is set but {} is not",
            missing.join(" and ")
        ),
        (false, false) => format!(
            "no service principal: {}, {SECRET_ENV} (or {FEDERATED_ENV}) are not set",
            missing.join(", ")
        ),
    }
}

/// What a source is, for messages (no secret in it).
pub fn describe(
    source: &Source,
    env: &dyn Fn(&str) -> Option<String>,
    cloud: Option<Cloud>,
) -> String {
    let authority = || match (cloud, env(AUTHORITY_ENV)) {
        (Some(cloud), _) => format!("{} (--cloud {})", cloud.authority_host(), cloud.name()),
        (None, Some(host)) => format!("{host} ({AUTHORITY_ENV})"),
        (None, None) => Cloud::Public.authority_host().to_owned(),
    };
    match source {
        Source::StaticToken => format!("the static token in {TOKEN_ENV}"),
        Source::ServicePrincipal {
            tenant_id,
            client_id,
        } => format!(
            "service principal {client_id} of tenant {tenant_id} ({TENANT_ENV}, {CLIENT_ENV}, {SECRET_ENV}; authority {})",
            authority()
        ),
        Source::WorkloadIdentity {
            tenant_id,
            client_id,
            token_file,
        } => format!(
            "workload identity {client_id} of tenant {tenant_id} (federated token file {}; authority {})",
            token_file.display(),
            authority()
        ),
        Source::ManagedIdentity { client_id } => {
            let which = match client_id {
                Some(id) => format!("user-assigned managed identity {id}"),
                None => "system-assigned managed identity".to_owned(),
            };
            format!(
                "{which} (--identity) via {}",
                managed_identity_endpoint(env)
            )
        }
        Source::DeveloperTools => {
            "the developer tools (Azure CLI `az login`, then Azure Developer CLI `azd auth login`)"
                .to_owned()
        }
    }
}

/// Where azure_identity 1.x's `ManagedIdentityCredential` gets its token, decided from
/// the environment exactly as it decides (its `get_source`): `IDENTITY_ENDPOINT` with
/// `IDENTITY_HEADER` is App Service (Service Fabric when `IDENTITY_SERVER_THUMBPRINT` is
/// set too), with `IMDS_ENDPOINT` Azure Arc; otherwise `MSI_ENDPOINT` is Azure ML (with
/// `MSI_SECRET`) or Cloud Shell; otherwise IMDS. azure_identity 1.x signs in only through
/// App Service and IMDS, and refuses the others when the credential is built.
fn managed_identity_endpoint(env: &dyn Fn(&str) -> Option<String>) -> String {
    const UNSUPPORTED: &str = "which azure_identity 1.x does not support";
    match (env("IDENTITY_ENDPOINT"), env("MSI_ENDPOINT")) {
        (Some(endpoint), _) if env("IDENTITY_HEADER").is_some() => {
            if env("IDENTITY_SERVER_THUMBPRINT").is_some() {
                format!(
                    "Service Fabric endpoint {endpoint} (IDENTITY_ENDPOINT, IDENTITY_HEADER, IDENTITY_SERVER_THUMBPRINT), {UNSUPPORTED}"
                )
            } else {
                format!("App Service endpoint {endpoint} (IDENTITY_ENDPOINT, IDENTITY_HEADER)")
            }
        }
        (Some(endpoint), _) if env("IMDS_ENDPOINT").is_some() => format!(
            "Azure Arc endpoint {endpoint} (IDENTITY_ENDPOINT, IMDS_ENDPOINT), {UNSUPPORTED}"
        ),
        (Some(_), _) => "the instance metadata service (IMDS; IDENTITY_ENDPOINT is ignored without IDENTITY_HEADER or IMDS_ENDPOINT)".to_owned(),
        (None, Some(endpoint)) if env("MSI_SECRET").is_some() => format!(
            "Azure ML endpoint {endpoint} (MSI_ENDPOINT, MSI_SECRET), {UNSUPPORTED}"
        ),
        (None, Some(endpoint)) => {
            format!("Cloud Shell endpoint {endpoint} (MSI_ENDPOINT), {UNSUPPORTED}")
        }
        (None, None) => "the instance metadata service (IMDS)".to_owned(),
    }
}

/// The credential for the global flags and the process environment.
pub fn credential(global: &GlobalArgs) -> Result<Arc<dyn TokenCredential>, CliError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    register_known_secrets(&env);
    let flags = Flags::from_global(global);
    let decision = decide(&env, flags);
    let description = describe(&decision.source, &env, flags.cloud);
    if decision.identity_ignored {
        eprintln!(
            "warning: --identity ignored: {description} comes first; unset its variables to use the managed identity"
        );
    }
    tracing::info!(target: "azie", "credential: {description}");
    let inner = build(&decision.source, &env, flags).map_err(|error| {
        CliError::usage(format!(
            "cannot use {description}: {}",
            secrets::scrub(&error.to_string())
        ))
    })?;
    Ok(Arc::new(SignIn {
        inner,
        description,
        skipped: decision.skipped,
    }))
}

/// Registers every secret the environment holds, whichever credential is chosen.
fn register_known_secrets(env: &dyn Fn(&str) -> Option<String>) {
    for name in [TOKEN_ENV, SECRET_ENV]
        .into_iter()
        .chain(MANAGED_IDENTITY_SECRET_ENVS)
    {
        if let Some(value) = env(name) {
            secrets::register(&value);
        }
    }
    // The federated token is a secret too; azure_identity reads the file itself.
    if let Some(token) = env(FEDERATED_ENV).and_then(|path| std::fs::read_to_string(path).ok()) {
        secrets::register(&token);
    }
}

/// Options of the identity credentials' own pipelines: the cloud's authority host, the
/// `--debug` policy so that token requests are logged like every other request, a short
/// retry budget (azure_core's default, a minute, would outlast the SDK's attempt timeout,
/// and an unreachable authority would then be retried as a slow ARM request), and the
/// SDK's own transport (rustls with *ring*, platform roots): the workspace builds
/// azure_core without its reqwest feature, so azure_core has no default transport.
fn identity_client_options(flags: Flags<'_>) -> azure_core::Result<ClientOptions> {
    let retry = ExponentialRetryOptions {
        max_retries: 3,
        max_total_elapsed: azure_core::time::Duration::seconds(10),
        max_delay: azure_core::time::Duration::seconds(2),
        ..Default::default()
    };
    let mut options = ClientOptions {
        cloud: flags.cloud.map(|cloud| Arc::new(cloud.configuration())),
        retry: RetryOptions::exponential(retry),
        transport: Some(azure_importexport::rest::runtime::default_transport()?),
        ..Default::default()
    };
    if flags.debug {
        options
            .per_try_policies
            .push(Arc::new(crate::http_debug::DebugPolicy));
    }
    Ok(options)
}

/// Builds the azure_identity credential for `source` (nothing is sent yet).
pub fn build(
    source: &Source,
    env: &dyn Fn(&str) -> Option<String>,
    flags: Flags<'_>,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let client_options = identity_client_options(flags)?;
    let missing = |name: &str| {
        azure_core::Error::with_message(ErrorKind::Credential, format!("{name} is not set"))
    };
    Ok(match source {
        Source::StaticToken => Arc::new(StaticTokenCredential::new(
            env(TOKEN_ENV).ok_or_else(|| missing(TOKEN_ENV))?,
        )),
        Source::ServicePrincipal {
            tenant_id,
            client_id,
        } => ClientSecretCredential::new(
            tenant_id,
            client_id.clone(),
            Secret::new(env(SECRET_ENV).ok_or_else(|| missing(SECRET_ENV))?),
            Some(ClientSecretCredentialOptions { client_options }),
        )?,
        Source::WorkloadIdentity {
            tenant_id,
            client_id,
            token_file,
        } => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions { client_options },
            client_id: Some(client_id.clone()),
            tenant_id: Some(tenant_id.clone()),
            token_file_path: Some(token_file.clone()),
        }))?,
        Source::ManagedIdentity { client_id } => {
            ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                user_assigned_id: client_id.clone().map(UserAssignedId::ClientId),
                client_options,
            }))?
        }
        Source::DeveloperTools => DeveloperToolsCredential::new(None)?,
    })
}

/// The chosen credential, with messages that name it: a failed sign-in says which
/// credential failed and why the earlier ones were skipped, scrubbed of secrets.
#[derive(Debug)]
struct SignIn {
    inner: Arc<dyn TokenCredential>,
    description: String,
    skipped: Vec<String>,
}

#[async_trait::async_trait]
impl TokenCredential for SignIn {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let attempt = tokio::time::timeout(SIGN_IN_TIMEOUT, self.inner.get_token(scopes, options));
        let cause = match attempt.await {
            Ok(Ok(token)) => {
                secrets::register(token.token.secret());
                return Ok(token);
            }
            Ok(Err(error)) => error_chain(&error),
            Err(_) => format!("no answer within {} s", SIGN_IN_TIMEOUT.as_secs()),
        };
        let message = format!(
            "sign-in failed with {}: {} (not used: {})",
            self.description,
            secrets::scrub(cause.trim()),
            self.skipped.join("; ")
        );
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            message,
        ))
    }
}

/// An error and its causes on one line: azure_core's outermost message can hide the
/// reason ("retry policy expired" for a refused connection).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        let text = current.to_string().replace('\n', " ");
        if !parts.iter().any(|seen| seen.contains(text.trim())) {
            parts.push(text.trim().to_owned());
        }
        next = current.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SP: [(&str, &str); 3] = [
        (TENANT_ENV, "tenant-1"),
        (CLIENT_ENV, "client-1"),
        (SECRET_ENV, "s3cr3t-value"),
    ];

    #[test]
    fn the_static_token_comes_first() {
        let env = env_of(&[&SP[..], &[(TOKEN_ENV, "token-123456")]].concat());
        let decision = decide(&env, Flags::default());
        assert_eq!(decision.source, Source::StaticToken);
        assert!(decision.skipped.is_empty());
    }

    #[test]
    fn a_service_principal_beats_workload_identity_and_managed_identity() {
        let env = env_of(&[&SP[..], &[(FEDERATED_ENV, "/var/token")]].concat());
        let flags = Flags {
            identity: true,
            ..Flags::default()
        };
        let decision = decide(&env, flags);
        assert!(
            matches!(&decision.source, Source::ServicePrincipal { tenant_id, client_id }
                if tenant_id == "tenant-1" && client_id == "client-1")
        );
        assert!(decision.identity_ignored);
        let description = describe(&decision.source, &env, Some(Cloud::China));
        assert!(
            description.contains("login.chinacloudapi.cn"),
            "{description}"
        );
        assert!(!description.contains("s3cr3t"), "{description}");
    }

    #[test]
    fn a_federated_token_file_is_workload_identity() {
        let env = env_of(&[
            (TENANT_ENV, "t"),
            (CLIENT_ENV, "c"),
            (FEDERATED_ENV, "/var/token"),
        ]);
        let decision = decide(&env, Flags::default());
        assert_eq!(
            decision.source,
            Source::WorkloadIdentity {
                tenant_id: "t".into(),
                client_id: "c".into(),
                token_file: "/var/token".into()
            }
        );
    }

    #[test]
    fn managed_identity_only_when_asked_and_developer_tools_last() {
        let partial = env_of(&[(SECRET_ENV, "s3cr3t-value"), (CLIENT_ENV, "c")]);
        let flags = Flags {
            identity: true,
            identity_client_id: Some("mi-client"),
            ..Flags::default()
        };
        let decision = decide(&partial, flags);
        assert_eq!(
            decision.source,
            Source::ManagedIdentity {
                client_id: Some("mi-client".into())
            }
        );
        assert!(!decision.identity_ignored);
        assert!(
            decision.skipped[1].contains("AZURE_TENANT_ID is not"),
            "{:?}",
            decision.skipped
        );
        let none = decide(&env_of(&[]), Flags::default());
        assert_eq!(none.source, Source::DeveloperTools);
        assert_eq!(none.skipped.len(), 3, "{:?}", none.skipped);
    }

    #[test]
    fn issue12_managed_identity_source_follows_azure_identity() {
        let describe_with = |pairs: &[(&str, &str)]| {
            let source = Source::ManagedIdentity { client_id: None };
            describe(&source, &env_of(pairs), None)
        };
        let endpoint = ("IDENTITY_ENDPOINT", "http://127.0.0.1:40342/token");
        let cases: [(&[(&str, &str)], &str); 7] = [
            (
                &[endpoint, ("IDENTITY_HEADER", "h")],
                "App Service endpoint",
            ),
            (
                &[
                    endpoint,
                    ("IDENTITY_HEADER", "h"),
                    ("IDENTITY_SERVER_THUMBPRINT", "t"),
                ],
                "Service Fabric endpoint",
            ),
            (
                &[endpoint, ("IMDS_ENDPOINT", "http://x")],
                "Azure Arc endpoint",
            ),
            (
                &[endpoint],
                "instance metadata service (IMDS; IDENTITY_ENDPOINT is ignored",
            ),
            (
                &[("MSI_ENDPOINT", "http://x/msi"), ("MSI_SECRET", "s")],
                "Azure ML endpoint http://x/msi",
            ),
            (&[("MSI_ENDPOINT", "http://x/msi")], "Cloud Shell endpoint"),
            (&[], "instance metadata service (IMDS)"),
        ];
        for (pairs, expected) in cases {
            let description = describe_with(pairs);
            assert!(description.contains(expected), "{pairs:?}: {description}");
            let supported = expected.starts_with("App Service") || expected.contains("IMDS");
            assert_eq!(
                description.contains("does not support"),
                !supported,
                "{pairs:?}: {description}"
            );
            assert!(
                !description.contains("App Service") || supported,
                "{description}"
            );
        }
    }

    #[test]
    fn the_cloud_sets_the_authority_host_of_the_service_principal() {
        let env = env_of(&SP);
        let flags = Flags {
            cloud: Some(Cloud::UsGovernment),
            ..Flags::default()
        };
        let decision = decide(&env, flags);
        let credential = build(&decision.source, &env, flags).unwrap();
        // ClientSecretCredential's Debug shows its token endpoint (never the secret).
        let shown = format!("{credential:?}");
        assert!(
            shown.contains(r#"Domain("login.microsoftonline.us")"#)
                && shown.contains("/tenant-1/oauth2/v2.0/token"),
            "{shown}"
        );
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
