//! The pluggable authentication seam: [`AuthProvider`] adds credentials to each request (and may
//! supply the Magnum endpoint from a catalog). Two providers live here: [`StaticToken`] (a
//! Keystone token you already have) and [`NoAuth`] (identity headers for a magnum-api deployed
//! without keystonemiddleware, as in tests). Keystone password/app-credential/trust auth
//! implements the same trait.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};

/// A boxed, `Send` future — the return type of [`AuthProvider`] methods (object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an auth provider hands the client for one request.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Authorization {
    /// Headers to add (values marked sensitive where they carry secrets).
    pub headers: HeaderMap,
    /// The Magnum endpoint from the service catalog, if the provider has one.
    pub endpoint: Option<Url>,
    /// Why the provider could not give an endpoint (e.g. the catalog lacks Magnum), used in the
    /// client's error when no explicit endpoint is configured.
    pub endpoint_problem: Option<String>,
}

impl Authorization {
    /// Headers only.
    pub fn with_headers(headers: HeaderMap) -> Self {
        Self {
            headers,
            endpoint: None,
            endpoint_problem: None,
        }
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header names only: values may be tokens.
        f.debug_struct("Authorization")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("endpoint", &self.endpoint.as_ref().map(Url::as_str))
            .finish()
    }
}

/// Supplies credentials for Magnum requests.
///
/// `authorize(false)` may return cached credentials; after a 401 the client calls
/// `authorize(true)` once to force a fresh token and resends the request.
pub trait AuthProvider: Send + Sync + fmt::Debug {
    /// Credentials for the next request.
    fn authorize(&self, force_refresh: bool) -> BoxFuture<'_, Result<Authorization>>;
}

/// A fixed Keystone token sent as `X-Auth-Token`. Cannot refresh: a 401 is returned as is.
#[derive(Clone)]
pub struct StaticToken {
    token: SecretString,
}

impl StaticToken {
    /// Wraps a token.
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self {
            token: token.into(),
        }
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken([REDACTED])")
    }
}

impl AuthProvider for StaticToken {
    fn authorize(&self, _force_refresh: bool) -> BoxFuture<'_, Result<Authorization>> {
        Box::pin(async move {
            let mut value =
                HeaderValue::from_str(self.token.expose_secret()).map_err(|_| Error::Auth {
                    message: "the token contains characters not allowed in an HTTP header".into(),
                    source: None,
                })?;
            value.set_sensitive(true);
            let mut headers = HeaderMap::new();
            headers.insert(HeaderName::from_static("x-auth-token"), value);
            Ok(Authorization::with_headers(headers))
        })
    }
}

/// No token: identity headers for a magnum-api whose paste pipeline has no authtoken filter
/// (`X-User-Id`, `X-Project-Id`, `X-Roles`). For tests and local servers only.
#[derive(Debug, Clone)]
pub struct NoAuth {
    user_id: String,
    project_id: String,
    roles: Vec<String>,
}

impl NoAuth {
    /// Acts as `user_id` in `project_id` with `roles`.
    ///
    /// Magnum's default policies need `reader` for reads (Keystone's implied roles are not
    /// applied without Keystone), so pass e.g. `["admin", "member", "reader"]`.
    pub fn new(
        user_id: impl Into<String>,
        project_id: impl Into<String>,
        roles: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            project_id: project_id.into(),
            roles: roles.into_iter().map(Into::into).collect(),
        }
    }
}

impl AuthProvider for NoAuth {
    fn authorize(&self, _force_refresh: bool) -> BoxFuture<'_, Result<Authorization>> {
        Box::pin(async move {
            let header = |value: &str| {
                HeaderValue::from_str(value).map_err(|_| {
                    Error::Config(format!("identity header value {value:?} is not valid"))
                })
            };
            let mut headers = HeaderMap::new();
            headers.insert(HeaderName::from_static("x-user-id"), header(&self.user_id)?);
            headers.insert(
                HeaderName::from_static("x-project-id"),
                header(&self.project_id)?,
            );
            headers.insert(
                HeaderName::from_static("x-roles"),
                header(&self.roles.join(","))?,
            );
            Ok(Authorization::with_headers(headers))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_tokens_never_show_in_debug() {
        let provider = StaticToken::new("gAAAA-secret-token".to_owned());
        assert!(!format!("{provider:?}").contains("secret"));
        let auth = futures_util::FutureExt::now_or_never(provider.authorize(false))
            .unwrap()
            .unwrap();
        assert!(auth.headers["x-auth-token"].is_sensitive());
        assert!(!format!("{auth:?}").contains("secret"));
    }
}
