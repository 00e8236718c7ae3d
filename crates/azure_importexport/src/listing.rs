//! Listing jobs: a lazy stream over the pages (one page in memory at a time), and the
//! selectors the fleet operations choose jobs with.

use crate::client::{ImportExport, json_error_summary};
use crate::error::RequestError;
use crate::job::Job;
use crate::retry::Attempts;
use crate::state::JobState;
use azure_core::Bytes;
use azure_core::error::ErrorKind;
use azure_core::fmt::SafeDebug;
use azure_core::http::ClientMethodOptions;
use azure_core::http::pager::{PagerContinuation, PagerOptions};
use azure_importexport_rest::models::JobResponse;
use azure_importexport_rest::runtime::json_scan;
use azure_importexport_rest::{
    JobsClientListByResourceGroupOptions, JobsClientListBySubscriptionOptions,
};
use futures::{Stream, StreamExt as _, TryStreamExt as _, stream};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// A bound on paging, in case a service keeps returning a `nextLink`.
const MAX_PAGES: u32 = 10_000;

/// Options for [`ImportExport::list_jobs`] and [`ImportExport::jobs`].
#[derive(Clone, Default, SafeDebug)]
pub struct ListJobsOptions<'a> {
    /// Only the jobs of this resource group (the whole subscription when `None`).
    pub resource_group: Option<String>,
    /// `$top`: at most this many jobs per page.
    pub top: Option<i64>,
    /// `$filter`, as the service understands it.
    pub filter: Option<String>,
    /// The caller's context (cancellation, telemetry), carried to every request.
    pub method_options: ClientMethodOptions<'a>,
}

/// Which jobs a fleet operation acts on. Every condition given must hold; the default
/// selects every job (the CLI asks for `--all` to say so).
///
/// ```
/// use azure_importexport::{Job, JobSelector, JobState};
/// use std::time::{Duration, SystemTime};
///
/// let selector = JobSelector {
///     states: vec![JobState::Completed],
///     older_than: Some(Duration::from_secs(60 * 24 * 3600)),
///     name_prefix: Some("migration-".into()),
///     ..JobSelector::default()
/// };
/// let job = Job::from_json(br#"{"name":"migration-7","properties":{"state":"Completed"},
///     "systemData":{"lastModifiedAt":"2026-01-01T00:00:00Z"}}"#.to_vec()).unwrap();
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000); // 2027
/// assert!(selector.matches(&job, now));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobSelector {
    /// Only this resource group (listed at resource-group scope).
    pub resource_group: Option<String>,
    /// Only jobs in one of these states (any state when empty).
    pub states: Vec<JobState>,
    /// Only jobs last changed (`systemData.lastModifiedAt`, else `createdAt`) longer
    /// ago than this. A job with neither timestamp is never "older".
    pub older_than: Option<Duration>,
    /// Only jobs carrying every one of these tags with these values.
    pub tags: BTreeMap<String, String>,
    /// Only jobs whose name starts with this.
    pub name_prefix: Option<String>,
}

impl JobSelector {
    /// Whether `job` is selected, ages measured at `now`.
    pub fn matches(&self, job: &Job, now: SystemTime) -> bool {
        let state_ok = self.states.is_empty() || self.states.contains(&job.state());
        let prefix_ok = self
            .name_prefix
            .as_deref()
            .is_none_or(|prefix| job.name().is_some_and(|name| name.starts_with(prefix)));
        let tags_ok = self.tags.iter().all(|(key, value)| {
            job.tags()
                .and_then(|tags| tags.get(key))
                .is_some_and(|v| v == value)
        });
        let age_ok = self.older_than.is_none_or(|min_age| {
            last_change(job)
                .and_then(|changed| now.duration_since(changed).ok())
                .is_some_and(|age| age > min_age)
        });
        state_ok && prefix_ok && tags_ok && age_ok
    }

    /// The listing that finds these jobs (resource-group scope when one is given).
    pub fn listing(&self) -> ListJobsOptions<'static> {
        ListJobsOptions {
            resource_group: self.resource_group.clone(),
            ..ListJobsOptions::default()
        }
    }
}

/// `systemData.lastModifiedAt`, else `createdAt`, as a time.
fn last_change(job: &Job) -> Option<SystemTime> {
    let text = job.last_modified_at().or_else(|| job.created_at())?;
    let instant = azure_core::time::parse_rfc3339(text).ok()?;
    let nanos = u64::try_from(instant.unix_timestamp_nanos()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos))
}

impl ImportExport {
    /// Every job of the subscription, or of one resource group
    /// ([`ListJobsOptions::resource_group`]), following `nextLink` through all pages:
    /// [`jobs`](Self::jobs), collected.
    ///
    /// ```
    /// # use azure_importexport::{ImportExport, ImportExportOptions, StaticTokenCredential};
    /// # use std::sync::Arc;
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # let jobs_path = "/subscriptions/sub/providers/Microsoft.ImportExport/jobs";
    /// # Mock::given(method("GET")).and(path(jobs_path)).and(wiremock::matchers::query_param_is_missing("page"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(format!(
    /// #         r#"{{"value":[{{"name":"a","properties":{{"state":"Creating"}}}}],"nextLink":"{}{jobs_path}?page=2"}}"#, server.uri())))
    /// #     .mount(&server).await;
    /// # Mock::given(method("GET")).and(path(jobs_path)).and(wiremock::matchers::query_param("page", "2"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_string(
    /// #         r#"{"value":[{"name":"b","properties":{"state":"Completed"}}]}"#))
    /// #     .mount(&server).await;
    /// let client = ImportExport::new(
    ///     "sub",
    ///     Arc::new(StaticTokenCredential::new("token")),
    ///     Some(ImportExportOptions::default().with_endpoint(server.uri())),
    /// )?;
    /// let jobs = client.list_jobs(None).await?;
    /// let names: Vec<_> = jobs.iter().filter_map(|job| job.name()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # Ok(()) }
    /// ```
    pub async fn list_jobs(
        &self,
        options: Option<ListJobsOptions<'_>>,
    ) -> Result<Vec<Job>, RequestError> {
        self.jobs(options).try_collect().await
    }

    /// The jobs as a stream: each page is fetched when the previous one is consumed
    /// (one page in memory at a time), retried on its own under the default
    /// [`RetryPolicy`](crate::RetryPolicy) (a failed page is fetched again from its
    /// link). Each [`Job`] keeps the exact bytes of its entry, sliced from the page
    /// without copying. Stops after 10,000 pages.
    pub fn jobs<'s>(
        &'s self,
        options: Option<ListJobsOptions<'s>>,
    ) -> impl Stream<Item = Result<Job, RequestError>> + Send + 's {
        let options = options.unwrap_or_default();
        let scope = match &options.resource_group {
            Some(rg) => format!("list jobs of resource group {rg}"),
            None => "list jobs of the subscription".to_owned(),
        };
        let start = Some((None, 1u32));
        stream::try_unfold(start, move |cursor| {
            let (options, scope) = (options.clone(), scope.clone());
            async move {
                let Some((continuation, page_number)) = cursor else {
                    return Ok(None);
                };
                if page_number > MAX_PAGES {
                    return Err(RequestError::InvalidResponse {
                        operation: scope,
                        detail: format!(
                            "the service returned more than {MAX_PAGES} pages; stopped paging"
                        ),
                    });
                }
                let budget = self.budget(self.retry_policy());
                let mut attempts = budget.attempts(format!("{scope} (page {page_number})"));
                let (body, next) = attempts
                    .run(|| self.fetch_page(&options, continuation.clone()))
                    .await?;
                let jobs = parse_page(&body, &attempts)?;
                let cursor = next.map(|next| (Some(next), page_number + 1));
                Ok(Some((jobs, cursor)))
            }
        })
        .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }

    /// The jobs `selector` picks, as a lazy stream like [`jobs`](Self::jobs) (one page in
    /// memory at a time). Ages are measured on the client's clock when this is called.
    /// The selector's resource group, when it has one, replaces the options'.
    pub fn jobs_matching<'s>(
        &'s self,
        selector: &'s JobSelector,
        options: Option<ListJobsOptions<'s>>,
    ) -> impl Stream<Item = Result<Job, RequestError>> + Send + 's {
        let now = self.clock().wall_clock();
        let mut options = options.unwrap_or_default();
        if selector.resource_group.is_some() {
            options.resource_group = selector.resource_group.clone();
        }
        self.jobs(Some(options))
            .try_filter(move |job| futures::future::ready(selector.matches(job, now)))
    }

    /// One page: a pager resumed at `continuation`, polled once.
    async fn fetch_page(
        &self,
        options: &ListJobsOptions<'_>,
        continuation: Option<PagerContinuation>,
    ) -> azure_core::Result<(Bytes, Option<PagerContinuation>)> {
        let method_options = PagerOptions {
            continuation,
            context: options.method_options.context.clone(),
        };
        let (top, filter) = (options.top, options.filter.clone());
        let jobs = self.rest().jobs();
        let pager = match &options.resource_group {
            Some(rg) => jobs.list_by_resource_group(
                rg,
                Some(JobsClientListByResourceGroupOptions {
                    top,
                    filter,
                    method_options,
                }),
            )?,
            None => jobs.list_by_subscription(Some(JobsClientListBySubscriptionOptions {
                top,
                filter,
                method_options,
            }))?,
        };
        let mut pages = pager.into_pages();
        let page = pages.try_next().await?.ok_or_else(|| {
            azure_core::Error::with_message(ErrorKind::DataConversion, "the pager returned no page")
        })?;
        Ok((Bytes::from(page.into_body()), pages.into_continuation()))
    }
}

/// The jobs of one page, each with the exact bytes of its entry (a slice of the page's
/// buffer, not a copy).
fn parse_page(body: &Bytes, attempts: &Attempts<'_, '_>) -> Result<Vec<Job>, RequestError> {
    match parse_page_in_one_pass(body) {
        Some(jobs) => Ok(jobs),
        None => parse_page_in_two_passes(body).map_err(|detail| attempts.invalid_response(detail)),
    }
}

/// Anything the one-pass reader does not handle (and malformed input, which this reports
/// precisely): a pass for the entries' bounds, then one parse per entry.
fn parse_page_in_two_passes(body: &Bytes) -> Result<Vec<Job>, String> {
    #[derive(Deserialize)]
    struct RawPage<'a> {
        #[serde(borrow, default)]
        value: Option<Vec<&'a RawValue>>,
    }
    let page: RawPage<'_> =
        serde_json::from_slice(body).map_err(|error| json_error_summary("the page", &error))?;
    page.value
        .unwrap_or_default()
        .into_iter()
        .map(|raw| {
            Job::from_json(body.slice_ref(raw.get().as_bytes()))
                .map_err(|error| json_error_summary("a job of the page", &error))
        })
        .collect()
}

/// The jobs of a well-formed page, each parsed once: the root object's members are found
/// by [`json_scan`] (no decoding), and each entry of `value` is parsed straight into the
/// model, its bytes being the span the parser consumed. `None` for anything else (a
/// duplicate `value`, an entry that does not fit the model, input the scanner leaves to a
/// full parse).
fn parse_page_in_one_pass(body: &Bytes) -> Option<Vec<Job>> {
    let mut jobs = None;
    json_scan::for_each_member(body, |key, start| {
        if key != b"value" {
            return json_scan::value_end(body, start);
        }
        if jobs.is_some() {
            return None; // a duplicate: the full parse refuses it
        }
        let (entries, end) = entries_of(body, start)?;
        jobs = Some(entries);
        Some(end)
    })?;
    Some(jobs.unwrap_or_default())
}

/// The jobs of the array (or `null`) starting at `start`, and the index after it.
fn entries_of(body: &Bytes, start: usize) -> Option<(Vec<Job>, usize)> {
    let bytes = &body[..];
    if bytes[start..].starts_with(b"null") {
        return Some((Vec::new(), start + 4));
    }
    if bytes.get(start) != Some(&b'[') {
        return None;
    }
    let mut jobs = Vec::new();
    let mut i = json_scan::skip_ws(bytes, start + 1);
    if bytes.get(i) == Some(&b']') {
        return Some((jobs, i + 1));
    }
    // Bounded: each entry moves `i` past at least one byte.
    loop {
        let mut entry =
            serde_json::Deserializer::from_slice(&bytes[i..]).into_iter::<JobResponse>();
        let model = entry.next()?.ok()?;
        let end = i + entry.byte_offset();
        jobs.push(Job::from_parts(model, body.slice(i..end)));
        i = json_scan::skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i = json_scan::skip_ws(bytes, i + 1),
            Some(b']') => return Some((jobs, i + 1)),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a page reader returned: each job's exact bytes and name.
    fn seen(jobs: &[Job]) -> Vec<(Vec<u8>, Option<String>)> {
        jobs.iter()
            .map(|job| (job.json().to_vec(), job.name().map(str::to_owned)))
            .collect()
    }

    #[test]
    fn one_pass_reader_agrees_with_the_two_pass_reader() {
        let job = r#"{"name":"j\"1","properties":{"state":"Shipping","newField":[1,{"x":"]"}]}}"#;
        let pages = [
            format!(r#"{{"value":[{job},{job}],"nextLink":"https://h/x?a=\"1"}}"#),
            format!(" {{ \"nextLink\" : null , \"value\" : [ {job} ,\n {job} ] }} "),
            format!(r#"{{"count":2,"extra":{{"value":[1]}},"value":[{job}]}}"#),
            r#"{"value":[]}"#.to_owned(),
            r#"{"value":null,"nextLink":null}"#.to_owned(),
            r#"{}"#.to_owned(),
        ];
        for page in &pages {
            let body = Bytes::from(page.clone());
            let one = parse_page_in_one_pass(&body).unwrap_or_else(|| panic!("one pass: {page}"));
            let two = parse_page_in_two_passes(&body).unwrap();
            assert_eq!(seen(&one), seen(&two), "{page}");
        }
        let first = parse_page_in_one_pass(&Bytes::from(pages[0].clone())).unwrap();
        assert_eq!(first[0].json(), job.as_bytes());
        assert_eq!(first[0].name(), Some("j\"1"));
    }

    #[test]
    fn what_one_pass_leaves_to_the_two_pass_reader() {
        for page in [
            r#"{"value":[{"name":"a"}],"value":[]}"#,
            r#"{"value":[{"properties":{"percentComplete":"x"}}]}"#,
            r#"{"value":[{"name":"a"}]"#,
            r#"{"value":[{"name":"a"},]}"#,
            r#"{"value":[null]}"#,
            r#"{"v\u0061lue":[]}"#,
            r#"{"value":{"name":"a"}}"#,
        ] {
            let body = Bytes::from(page.to_owned());
            assert!(parse_page_in_one_pass(&body).is_none(), "{page}");
        }
        let malformed = Bytes::from_static(br#"{"value":[{"name":"a"},]}"#);
        assert!(parse_page_in_two_passes(&malformed).is_err());
    }

    /// A small deterministic generator (xorshift) of JSON text, for the fuzz test below.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, below: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % below
        }

        fn ws(&mut self) -> &'static str {
            [" ", "", "\n  ", "\t", ""][self.next(5) as usize]
        }

        fn string(&mut self) -> String {
            let pieces = [
                "a", "\\\"", "}", "]", ",", "\\\\", "\\u00e9", "value", ":", "{\\n",
            ];
            let n = self.next(4);
            let body: String = (0..n).map(|_| pieces[self.next(10) as usize]).collect();
            format!("\"{body}\"")
        }

        /// Any JSON value, nested at most `depth` deep.
        fn value(&mut self, depth: u32) -> String {
            match self.next(if depth == 0 { 4 } else { 6 }) {
                0 => self.string(),
                1 => ["0", "-1.5e3", "true", "null"][self.next(4) as usize].to_owned(),
                2 => self.string(),
                3 => format!("{}", self.next(1000)),
                4 => {
                    let items: Vec<String> =
                        (0..self.next(3)).map(|_| self.value(depth - 1)).collect();
                    format!("[{}{}]", self.ws(), items.join(&format!(",{}", self.ws())))
                }
                _ => {
                    let members: Vec<String> = (0..self.next(3))
                        .map(|_| {
                            format!("{}{}:{}", self.string(), self.ws(), self.value(depth - 1))
                        })
                        .collect();
                    format!("{{{}}}", members.join(","))
                }
            }
        }

        fn job(&mut self, i: u64) -> String {
            let extra = self.value(2);
            let state = ["Shipping", "Completed", "Unheard", "creating"][self.next(4) as usize];
            format!(
                r#"{{"name":"j{i}",{}"properties":{{"state":"{state}","x":{extra}}},"newTop":{}}}"#,
                self.ws(),
                self.value(1)
            )
        }

        fn page(&mut self) -> String {
            let jobs: Vec<String> = (0..self.next(4)).map(|i| self.job(i)).collect();
            let mut members = vec![format!(
                r#""value"{}:{}[{}]"#,
                self.ws(),
                self.ws(),
                jobs.join(",")
            )];
            for _ in 0..self.next(3) {
                let key = ["\"nextLink\"", "\"count\"", "\"v\\u0061lue\"", "\"other\""]
                    [self.next(4) as usize];
                let value = self.value(2);
                members.insert(
                    self.next(members.len() as u64 + 1) as usize,
                    format!("{key}:{value}"),
                );
            }
            format!(
                "{}{{{}}}{}",
                self.ws(),
                members.join(&format!("{},", self.ws())),
                self.ws()
            )
        }
    }

    /// Random pages (escapes, nesting, member order, whitespace, look-alike keys): where
    /// the one-pass reader answers, it answers what the two-pass reader does, and it
    /// answers for most pages.
    #[test]
    fn one_pass_reader_agrees_on_generated_pages() {
        let mut pages = Gen(0x9E37_79B9_7F4A_7C15);
        let mut answered = 0;
        for _ in 0..3_000 {
            let page = pages.page();
            let body = Bytes::from(page.clone());
            let two = parse_page_in_two_passes(&body);
            if let Some(one) = parse_page_in_one_pass(&body) {
                answered += 1;
                assert_eq!(seen(&one), seen(&two.expect("two-pass reader")), "{page}");
            }
        }
        assert!(
            answered > 1_500,
            "the one-pass reader answered only {answered} pages"
        );
    }
}
