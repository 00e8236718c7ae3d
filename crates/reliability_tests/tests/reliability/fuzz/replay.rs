//! A transport that answers every request with one set reply, and the client over it.

use azure_core::http::headers::Headers;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, ClientOptions, Context, Request, StatusCode, Transport};
use azure_importexport::{
    ImportExport, ImportExportOptions, RetryPolicy, SeededJitter, StaticTokenCredential,
    VirtualClock,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Status, headers and body of a replayed reply.
pub(crate) type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// A transport that answers every request with the reply set in `next`.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    pub(crate) next: Mutex<Reply>,
    pub(crate) sent: Mutex<usize>,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl Policy for Replay {
    async fn send(
        &self,
        _ctx: &Context,
        _request: &mut Request,
        _next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        *self.sent.lock().expect("lock") += 1;
        let (status, header_list, body) = self.next.lock().expect("lock").clone();
        let mut headers = Headers::new();
        for (name, value) in header_list {
            headers.insert(name, value);
        }
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::from(status),
            headers,
            body,
        ))
    }
}

pub(crate) fn replay_client(replay: Arc<Replay>) -> ImportExport {
    let client_options = ClientOptions {
        transport: Some(Transport::with_policy(replay)),
        ..ClientOptions::default()
    };
    let options = ImportExportOptions {
        client_options,
        ..ImportExportOptions::default()
    }
    .with_endpoint("http://127.0.0.1:9")
    .with_retry(
        RetryPolicy::default()
            .with_max_attempts(2)
            .with_max_retry_after(Duration::from_secs(5)),
    )
    .with_clock(VirtualClock::new())
    .with_jitter(SeededJitter::new(1));
    ImportExport::new(
        "sub",
        Arc::new(StaticTokenCredential::new("SECRET-TOKEN")),
        Some(options),
    )
    .expect("client")
}

/// One runtime, client and replaying transport for all cases (a case only sets the reply).
pub(crate) fn shared_replay() -> &'static (tokio::runtime::Runtime, ImportExport, Arc<Replay>) {
    static SHARED: std::sync::OnceLock<(tokio::runtime::Runtime, ImportExport, Arc<Replay>)> =
        std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let replay = Arc::new(Replay::default());
        let client = replay_client(replay.clone());
        (runtime, client, replay)
    })
}
