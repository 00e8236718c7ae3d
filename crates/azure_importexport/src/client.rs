//! The client, its options, and [`JobRef`]: reads (get, BitLocker keys).

use crate::clock::{Clock, TokioClock};
use crate::error::RequestError;
use crate::jitter::{Jitter, SeededJitter};
use crate::job::Job;
use crate::retry::{Budget, RetryPolicy};
use crate::throttle::{ArmLimits, ArmThrottle};
use azure_core::Bytes;
use azure_core::credentials::TokenCredential;
use azure_core::fmt::SafeDebug;
use azure_core::http::{ClientMethodOptions, ClientOptions, Context, RetryOptions};
use azure_importexport_rest::models::{DriveBitLockerKey, GetBitLockerKeysResponse};
use azure_importexport_rest::{
    BitLockerKeysClientListOptions, ImportExportClient, ImportExportClientOptions,
    JobsClientGetOptions,
};
use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// Options for [`ImportExport::new`].
#[derive(Clone, SafeDebug)]
pub struct ImportExportOptions {
    /// Service endpoint; `https://management.azure.com` when `None`. Plain `http` is
    /// accepted only for loopback hosts (emulators, tests).
    pub endpoint: Option<String>,
    /// api-version; `2021-01-01` when `None`.
    pub api_version: Option<String>,
    /// `Accept-Language` sent with every request.
    pub accept_language: Option<String>,
    /// azure_core options (transport, policies). Their `retry` is always replaced by
    /// `RetryOptions::none()`: retries belong to [`retry`](Self::retry) alone.
    pub client_options: ClientOptions,
    /// The retry budget of every helper call (overridable per call).
    pub retry: RetryPolicy,
    /// Clock and sleeper for backoff, budgets and waiters.
    pub clock: Arc<dyn Clock>,
    /// Randomness for jittered delays.
    pub jitter: Arc<dyn Jitter>,
    /// ARM's throttling buckets as this client paces itself against them (see
    /// [`ArmLimits`]).
    pub arm_limits: ArmLimits,
}

impl Default for ImportExportOptions {
    fn default() -> Self {
        ImportExportOptions {
            endpoint: None,
            api_version: None,
            accept_language: None,
            client_options: ClientOptions::default(),
            retry: RetryPolicy::default(),
            clock: Arc::new(TokioClock),
            jitter: Arc::new(SeededJitter::from_entropy()),
            arm_limits: ArmLimits::default(),
        }
    }
}

impl ImportExportOptions {
    /// Sets the endpoint (e.g. a local emulator's `http://127.0.0.1:PORT`).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the default retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the clock (tests: a [`VirtualClock`](crate::VirtualClock)).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Sets the jitter source (tests: a seeded or [`NoJitter`](crate::NoJitter) one).
    pub fn with_jitter(mut self, jitter: impl Jitter + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }
}

/// Options for [`JobRef::get`].
#[derive(Clone, Default, SafeDebug)]
pub struct GetJobOptions<'a> {
    /// The caller's context, carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

/// Options for [`JobRef::bitlocker_keys`].
#[derive(Clone, Default, SafeDebug)]
pub struct ListBitLockerKeysOptions<'a> {
    /// The caller's context, carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

/// The Import/Export client: safe helpers on top of the generated
/// [`ImportExportClient`]. Cheap to clone.
///
/// ```no_run
/// use azure_importexport::{ImportExport, ListJobsOptions, StaticTokenCredential};
/// use std::sync::Arc;
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ImportExport::new(
///     "00000000-0000-0000-0000-000000000000",
///     Arc::new(StaticTokenCredential::new(std::env::var("AZURE_IMPORTEXPORT_TOKEN")?)),
///     None,
/// )?;
/// let options = ListJobsOptions { resource_group: Some("my-rg".into()), ..Default::default() };
/// for job in client.list_jobs(Some(options)).await? {
///     println!("{} {}", job.name().unwrap_or("?"), job.state());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ImportExport {
    inner: Arc<Inner>,
}

struct Inner {
    rest: ImportExportClient,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
}

impl fmt::Debug for ImportExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportExport")
            .field("endpoint", &self.inner.rest.endpoint().as_str())
            .field("api_version", &self.inner.rest.api_version())
            .field("subscription_id", &self.subscription_id())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl ImportExport {
    /// Builds the client and, under it, the generated client with azure_core's retry
    /// policy switched off, so [`ImportExportOptions::retry`] is the whole retry budget.
    ///
    /// Fails when the endpoint is not a URL or is plain `http` to a non-loopback host.
    pub fn new(
        subscription_id: impl Into<String>,
        credential: Arc<dyn TokenCredential>,
        options: Option<ImportExportOptions>,
    ) -> azure_core::Result<Self> {
        let ImportExportOptions {
            endpoint,
            api_version,
            accept_language,
            mut client_options,
            retry,
            clock,
            jitter,
            arm_limits,
        } = options.unwrap_or_default();
        client_options.retry = RetryOptions::none();
        // The shared pause never outlasts what the client's retries honour themselves.
        let arm_limits = ArmLimits {
            max_pause: arm_limits.max_pause.min(retry.max_retry_after),
            ..arm_limits
        };
        let throttle = ArmThrottle::new(arm_limits, clock.clone());
        client_options.per_try_policies.push(Arc::new(throttle));
        let rest = ImportExportClient::new(
            subscription_id,
            credential,
            Some(ImportExportClientOptions {
                client_options,
                endpoint,
                api_version,
                accept_language,
            }),
        )?;
        Ok(ImportExport {
            inner: Arc::new(Inner {
                rest,
                retry,
                clock,
                jitter,
            }),
        })
    }

    /// The generated low-level client (no retries), for anything the helpers do not
    /// cover. It sends what it is told: the state rules are not checked there.
    pub fn rest(&self) -> &ImportExportClient {
        &self.inner.rest
    }

    /// The subscription id.
    pub fn subscription_id(&self) -> &str {
        self.inner.rest.subscription_id()
    }

    /// The default retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// A handle on one job (nothing is sent yet).
    pub fn job(&self, resource_group: impl Into<String>, name: impl Into<String>) -> JobRef {
        JobRef {
            client: self.clone(),
            resource_group: resource_group.into(),
            name: name.into(),
        }
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    pub(crate) fn jitter(&self) -> &dyn Jitter {
        &*self.inner.jitter
    }

    pub(crate) fn budget<'a>(&'a self, policy: &'a RetryPolicy) -> Budget<'a> {
        Budget::start(policy, self.clock(), self.jitter())
    }
}

/// One read under `budget`: sent with retries, then parsed by `parse` (`what` names
/// the body in the error when it is not the expected JSON).
pub(crate) async fn read<T, Send, Sent>(
    budget: &Budget<'_>,
    operation: String,
    what: &str,
    parse: impl FnOnce(Bytes) -> serde_json::Result<T>,
    send: Send,
) -> Result<T, RequestError>
where
    Send: FnMut() -> Sent,
    Sent: Future<Output = azure_core::Result<Bytes>>,
{
    let mut attempts = budget.attempts(operation);
    let body = attempts.run(send).await?;
    parse(body).map_err(|error| attempts.invalid_response(json_error_summary(what, &error)))
}

/// The caller's context, for one generated call.
pub(crate) fn method_options<'a>(context: &Context<'a>) -> ClientMethodOptions<'a> {
    ClientMethodOptions {
        context: context.clone(),
    }
}

/// Describes a JSON error by position only: serde's messages can quote values from the
/// input, and those may be secrets.
pub(crate) fn json_error_summary(what: &str, error: &serde_json::Error) -> String {
    format!(
        "{what} is not the expected JSON ({:?} error at line {}, column {})",
        error.classify(),
        error.line(),
        error.column()
    )
}

/// One job, named by resource group and job name. Get one from [`ImportExport::job`].
#[derive(Clone, Debug)]
pub struct JobRef {
    pub(crate) client: ImportExport,
    pub(crate) resource_group: String,
    pub(crate) name: String,
}

impl JobRef {
    /// The resource group.
    pub fn resource_group(&self) -> &str {
        &self.resource_group
    }

    /// The job name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client this handle uses.
    pub fn client(&self) -> &ImportExport {
        &self.client
    }

    /// `resource_group/name`, for messages.
    pub(crate) fn label(&self) -> String {
        format!("{}/{}", self.resource_group, self.name)
    }

    /// Reads the job (retrying transient failures under the default policy).
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, JobState, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET"))
    /// #     .and(path("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"name":"job1","properties":{"state":"Shipping","percentComplete":0}}"#))
    /// #     .mount(&server).await;
    /// let client = ImportExport::new(
    ///     "sub",
    ///     Arc::new(StaticTokenCredential::new("token")),
    ///     Some(ImportExportOptions::default().with_endpoint(server.uri())),
    /// )?;
    /// let job = client.job("rg", "job1").get(None).await?;
    /// assert_eq!(job.state(), JobState::Shipping);
    /// assert_eq!(job.percent_complete(), Some(0));
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, options: Option<GetJobOptions<'_>>) -> Result<Job, RequestError> {
        let options = options.unwrap_or_default();
        let policy = self.client.retry_policy();
        self.fetch(&self.client.budget(policy), &options.method_options.context)
            .await
    }

    /// Reads the job within an existing budget (the helpers' look-ups and re-reads).
    pub(crate) async fn fetch(
        &self,
        budget: &Budget<'_>,
        context: &Context<'_>,
    ) -> Result<Job, RequestError> {
        let jobs = &self.client.rest().jobs();
        let (rg, name) = (self.resource_group.as_str(), self.name.as_str());
        read(
            budget,
            format!("GET job {}", self.label()),
            "the job",
            Job::from_json,
            || async move {
                let options = JobsClientGetOptions {
                    method_options: method_options(context),
                };
                Ok(jobs.get(rg, name, Some(options)).await?.into_body().into())
            },
        )
        .await
    }

    /// The BitLocker keys of the job's drives (the POST is a read, so it is retried
    /// like one). The keys are secrets: `Debug` of the returned values redacts them.
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("POST"))
    /// #     .and(path("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job1/listBitLockerKeys"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"value":[{"driveId":"DRV0017B","bitLockerKey":"101010-202020-303030"}]}"#))
    /// #     .mount(&server).await;
    /// # let client = ImportExport::new("sub", Arc::new(StaticTokenCredential::new("token")),
    /// #     Some(ImportExportOptions::default().with_endpoint(server.uri())))?;
    /// let keys = client.job("rg", "job1").bitlocker_keys(None).await?;
    /// assert_eq!(keys[0].drive_id.as_deref(), Some("DRV0017B"));
    /// assert!(!format!("{keys:?}").contains("101010"));
    /// # Ok(()) }
    /// ```
    pub async fn bitlocker_keys(
        &self,
        options: Option<ListBitLockerKeysOptions<'_>>,
    ) -> Result<Vec<DriveBitLockerKey>, RequestError> {
        let options = options.unwrap_or_default();
        let context = &options.method_options.context;
        let budget = self.client.budget(self.client.retry_policy());
        let keys = &self.client.rest().bit_locker_keys();
        let (rg, name) = (self.resource_group.as_str(), self.name.as_str());
        let operation = format!("list BitLocker keys of job {}", self.label());
        let parse = |body: Bytes| serde_json::from_slice::<GetBitLockerKeysResponse>(&body);
        let response = read(&budget, operation, "the key list", parse, || async move {
            let options = BitLockerKeysClientListOptions {
                method_options: method_options(context),
            };
            Ok(keys.list(rg, name, Some(options)).await?.into_body().into())
        })
        .await?;
        Ok(response.value.unwrap_or_default())
    }
}
