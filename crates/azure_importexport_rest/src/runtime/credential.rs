//! A fixed bearer token: for tokens obtained elsewhere (`AZURE_IMPORTEXPORT_TOKEN`,
//! `az account get-access-token`), emulators and tests.

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};
use std::fmt;

/// A credential that always returns the same bearer token (for every scope).
///
/// The token is never shown by `Debug` and never appears in this crate's errors.
/// It does not refresh: when it expires, requests fail with HTTP 401.
///
/// ```
/// use azure_importexport_rest::runtime::StaticTokenCredential;
///
/// let credential = StaticTokenCredential::new("eyJ0eXAiOi...");
/// assert_eq!(format!("{credential:?}"), r#"StaticTokenCredential { token: "***" }"#);
/// ```
#[derive(Clone)]
pub struct StaticTokenCredential {
    token: Secret,
}

impl StaticTokenCredential {
    /// Wraps `token` (without the `Bearer ` prefix).
    pub fn new(token: impl Into<String>) -> Self {
        StaticTokenCredential {
            token: Secret::new(token.into()),
        }
    }
}

impl fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticTokenCredential")
            .field("token", &"***")
            .finish()
    }
}

#[async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        // The expiry is unknown; one hour keeps azure_core's token cache from refreshing
        // (which would only return the same token anyway).
        Ok(AccessToken::new(
            self.token.clone(),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}
