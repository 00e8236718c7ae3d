//! Keeping secrets out of everything `azie` prints.
//!
//! Two defences: header names that carry credentials are redacted by name (the
//! `--debug` log), and every secret value `azie` knows of (the static token, the client
//! secret, the managed-identity header, each access token a credential returns) is
//! registered here and replaced wherever it would appear: error messages, `--debug`
//! lines and `tracing` output, whatever the layer that produced them quoted.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "REDACTED";

/// Shorter values are not registered: replacing every occurrence of a 3-character
/// "secret" would garble messages, and real secrets and tokens are much longer.
const MIN_SECRET_LEN: usize = 6;

fn registry() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Remembers `value` as a secret, so that [`scrub`] removes it from any text.
pub fn register(value: &str) {
    let value = value.trim();
    if value.len() < MIN_SECRET_LEN {
        return;
    }
    let mut secrets = registry().lock().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|known| known == value) {
        secrets.push(value.to_owned());
    }
}

/// `text` with every registered secret replaced by [`REDACTED`].
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = registry().lock().unwrap_or_else(|e| e.into_inner());
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
        }
    }
    text
}

/// Whether a header (or query parameter) of this name carries a credential: its value
/// is never printed. Matched on name fragments so that a header this list does not
/// know by name (`x-ms-foo-token`) is still caught.
pub fn is_secret_name(name: &str) -> bool {
    const FRAGMENTS: [&str; 10] = [
        "authorization",
        "cookie",
        "token",
        "secret",
        "password",
        "signature",
        "assertion",
        "credential",
        "identity-header",
        "key",
    ];
    let name = name.to_ascii_lowercase();
    // `$skiptoken` is ARM's paging cursor, not a credential; it helps to see it.
    if name.trim_start_matches('$') == "skiptoken" {
        return false;
    }
    name == "sig" || FRAGMENTS.iter().any(|fragment| name.contains(fragment))
}

/// A value as it may be shown: redacted when its name is secret or it looks like a
/// bearer token, and scrubbed of registered secrets otherwise.
pub fn shown_value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    let looks_like_token = value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ");
    if is_secret_name(name) || looks_like_token {
        Cow::Borrowed(REDACTED)
    } else {
        scrub(value)
    }
}

/// A `tracing` writer for stderr that scrubs each event before writing it
/// (`tracing-subscriber` formats an event into one buffer and writes it at once).
#[derive(Debug, Default)]
pub struct ScrubbedStderr {
    buffer: Vec<u8>,
}

impl Write for ScrubbedStderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buffer).into_owned();
        self.buffer.clear();
        std::io::stderr().lock().write_all(scrub(&text).as_bytes())
    }
}

impl Drop for ScrubbedStderr {
    fn drop(&mut self) {
        // Nothing sensible to do if stderr is gone.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_scrubbed_and_short_values_ignored() {
        register("s3cr3t-value-for-tests");
        register("abc");
        assert_eq!(
            scrub("token s3cr3t-value-for-tests, abc"),
            "token REDACTED, abc"
        );
    }

    #[test]
    fn secret_names_and_bearer_values_are_redacted() {
        for name in [
            "Authorization",
            "x-identity-header",
            "x-ms-foo-token",
            "client_secret",
            "Set-Cookie",
            "sig",
            "Ocp-Apim-Subscription-Key",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "x-ms-request-id",
            "retry-after",
            "content-type",
            "$skipToken",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
        assert_eq!(shown_value("x-custom", "Bearer abc.def"), REDACTED);
        assert_eq!(
            shown_value("accept", "application/json"),
            "application/json"
        );
    }
}
