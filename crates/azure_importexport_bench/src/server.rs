//! The loopback HTTP/1.1 server of the benchmarks.
//!
//! Routes (anything else is a 404 with an ARM error body):
//! - `GET /subscriptions/{any}/resourceGroups/bench-rg/providers/Microsoft.ImportExport/jobs/{name}`:
//!   the fixture job (`Transferring`, cancel not requested), for any job name.
//! - `PATCH` on the same path with a body containing `"cancelRequested":true`: the job
//!   with `cancelRequested: true` (a 400 otherwise).
//! - `DELETE` on the same path: 200 with an empty body (the service's answer).
//! - `GET {sub_jobs_path(sub)}` for a subscription made by
//!   [`subscription_for`](crate::subscription_for): page `i` of that listing (the first
//!   request, then `$skiptoken=i`), 100 jobs a page, `nextLink` absolute.
//!
//! Every body is rendered once at start-up; a list page is written as the shared
//! 100-job prefix plus a small per-request `nextLink` suffix, so a listing of any size
//! costs the server no memory per page.

use crate::fixture::{
    API_VERSION, PAGE_SIZE, RG, SUB, cancelled_job_json, job_json, jobs_in_subscription,
    page_prefix, page_suffix, pages_for, sub_jobs_path,
};
use azure_importexport_test::http1::{self, Head, Limits};
use std::sync::Arc;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};

/// Requests with a larger head or body close the connection.
const LIMITS: Limits = Limits {
    head: 64 * 1024,
    body: 1024 * 1024,
};

struct Routes {
    base: String,
    job: Vec<u8>,
    cancelled: Vec<u8>,
    /// `{"value":[` + 100 jobs + `]`.
    full_page: Vec<u8>,
    not_found: Vec<u8>,
    bad_request: Vec<u8>,
    deleted: Vec<u8>,
}

const JSON: [(&str, &str); 1] = [("content-type", "application/json; charset=utf-8")];

fn head(status_line: &str, len: usize) -> Vec<u8> {
    http1::message_head(status_line, JSON, len, false)
}

fn http_response(status_line: &str, body: &[u8]) -> Vec<u8> {
    http1::message(status_line, JSON, body, false)
}

/// What to write back: either one pre-rendered response, or a list page in parts.
enum Answer<'a> {
    Whole(&'a [u8]),
    Page {
        head: Vec<u8>,
        prefix: std::borrow::Cow<'a, [u8]>,
        suffix: Vec<u8>,
    },
}

impl Routes {
    fn new(base: &str) -> Self {
        let json = |value: serde_json::Value| serde_json::to_vec(&value).expect("serializes");
        Routes {
            base: base.to_owned(),
            job: http_response("HTTP/1.1 200 OK", &json(job_json("job1"))),
            cancelled: http_response("HTTP/1.1 200 OK", &json(cancelled_job_json("job1"))),
            full_page: page_prefix(PAGE_SIZE),
            not_found: http_response(
                "HTTP/1.1 404 Not Found",
                br#"{"error":{"code":"NotFound","message":"no route"}}"#,
            ),
            bad_request: http_response(
                "HTTP/1.1 400 Bad Request",
                br#"{"error":{"code":"InvalidRequest","message":"expected {\"properties\":{\"cancelRequested\":true}}"}}"#,
            ),
            deleted: http1::message_head("HTTP/1.1 200 OK", [], 0, false),
        }
    }

    fn answer(&self, method: &str, target: &str, body: &[u8]) -> Answer<'_> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if let Some(name) = job_name(path) {
            if name.is_empty() || name.contains('/') {
                return Answer::Whole(&self.not_found);
            }
            return match method {
                "GET" => Answer::Whole(&self.job),
                "PATCH" => {
                    let compact: Vec<u8> = body
                        .iter()
                        .copied()
                        .filter(|b| !b.is_ascii_whitespace())
                        .collect();
                    if compact
                        .windows(22)
                        .any(|w| w == br#""cancelRequested":true"#)
                    {
                        Answer::Whole(&self.cancelled)
                    } else {
                        Answer::Whole(&self.bad_request)
                    }
                }
                "DELETE" => Answer::Whole(&self.deleted),
                _ => Answer::Whole(&self.not_found),
            };
        }
        if method == "GET" {
            if let Some(answer) = self.page(path, query) {
                return answer;
            }
        }
        Answer::Whole(&self.not_found)
    }

    fn page(&self, path: &str, query: &str) -> Option<Answer<'_>> {
        let sub = path
            .strip_prefix("/subscriptions/")?
            .strip_suffix("/providers/Microsoft.ImportExport/jobs")?;
        let total = jobs_in_subscription(sub)?;
        let token = query.split('&').find_map(|pair| {
            pair.strip_prefix("%24skiptoken=")
                .or_else(|| pair.strip_prefix("$skiptoken="))
        });
        let page = match token {
            None => 0,
            Some(t) => t.parse::<usize>().ok()?,
        };
        let pages = pages_for(total);
        if page >= pages {
            return None;
        }
        let jobs = (total - page * PAGE_SIZE).min(PAGE_SIZE);
        let prefix = if jobs == PAGE_SIZE {
            std::borrow::Cow::Borrowed(self.full_page.as_slice())
        } else {
            std::borrow::Cow::Owned(page_prefix(jobs))
        };
        let next = (page + 1 < pages).then(|| {
            format!(
                "{}{}?api-version={API_VERSION}&%24skiptoken={}",
                self.base,
                sub_jobs_path(sub),
                page + 1
            )
        });
        let suffix = page_suffix(next.as_deref());
        Some(Answer::Page {
            head: head("HTTP/1.1 200 OK", prefix.len() + suffix.len()),
            prefix,
            suffix,
        })
    }
}

/// The job name of `/subscriptions/{any}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}`
/// (possibly empty or with more segments: the caller rejects those).
fn job_name(path: &str) -> Option<&str> {
    let (_sub, rest) = path.strip_prefix("/subscriptions/")?.split_once('/')?;
    rest.strip_prefix("resourceGroups/")?
        .strip_prefix(RG)?
        .strip_prefix("/providers/Microsoft.ImportExport/jobs/")
}

/// Serves one keep-alive connection until the client closes it.
async fn serve_connection(mut socket: TcpStream, routes: Arc<Routes>) {
    let _ = socket.set_nodelay(true);
    let mut buf = Vec::with_capacity(8 * 1024);
    loop {
        let Some(request) = http1::read_request(&mut socket, &mut buf, LIMITS).await else {
            return;
        };
        let Some(head) = Head::parse(request.head(&buf)) else {
            return;
        };
        let (method, target) = head.method_and_target();
        let written = match routes.answer(method, target, request.body(&buf)) {
            Answer::Whole(bytes) => socket.write_all(bytes).await,
            Answer::Page {
                head,
                prefix,
                suffix,
            } => {
                let mut result = socket.write_all(&head).await;
                if result.is_ok() {
                    result = socket.write_all(&prefix).await;
                }
                if result.is_ok() {
                    result = socket.write_all(&suffix).await;
                }
                result
            }
        };
        if written.is_err() {
            return;
        }
        buf.drain(..request.len());
    }
}

/// Starts the server on its own thread and single-threaded runtime, bound to
/// `127.0.0.1` on a free port; returns its base URL (`http://127.0.0.1:PORT`). The
/// thread lives as long as the process.
pub fn start_server() -> String {
    debug_assert!(jobs_in_subscription(SUB).is_some());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1");
                let base = format!("http://{}", listener.local_addr().expect("local addr"));
                let routes = Arc::new(Routes::new(&base));
                tx.send(base).expect("the caller waits for the address");
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        // Out of descriptors, say: back off instead of spinning.
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    };
                    tokio::spawn(serve_connection(socket, routes.clone()));
                }
            });
        })
        .expect("spawn the server thread");
    rx.recv().expect("the server reports its address")
}
