//! `KeystoneSession`: authenticates with any [`AuthMethod`] and [`Scope`], caches the token
//! until shortly before it expires, re-authenticates on demand (the client asks after a 401),
//! finds endpoints in the catalog, sends identity API requests, and is the [`AuthProvider`]
//! that gives the Magnum client its token and endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::model::{TokenBody, TokenInfo, auth_request};
use crate::client::{AuthProvider, Authorization, BoxFuture, REQUEST_ID_HEADER, http_client};
use crate::config::{AppCredentialRef, AuthMethod, CloudConfig, Interface, Scope, UserRef};
use crate::decode::decode;
use crate::error::{ApiError, Error, Result};

/// A token with what Keystone said about it. `Debug` never shows the token.
pub struct IssuedToken {
    token: SecretString,
    info: TokenInfo,
    expires: Option<time::OffsetDateTime>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[REDACTED]")
            .field("user", &self.info.user.id)
            .field("expires_at", &self.info.expires_at)
            .finish()
    }
}

impl IssuedToken {
    /// The token (send it as `X-Auth-Token`).
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// Keystone's description of it.
    pub fn info(&self) -> &TokenInfo {
        &self.info
    }

    fn valid_for(&self, margin: Duration) -> bool {
        let Some(expires) = self.expires else {
            return false;
        };
        time::OffsetDateTime::now_utc() + margin < expires
    }
}

/// Builds a [`KeystoneSession`]. `Debug` shows the auth URL without user-info.
pub struct KeystoneSessionBuilder {
    auth_url: String,
    method: AuthMethod,
    scope: Scope,
    region: Option<String>,
    interface: Interface,
    magnum_endpoint: Option<Url>,
    margin: Duration,
    timeout: Duration,
    cacert: Option<std::path::PathBuf>,
    insecure: bool,
}

impl fmt::Debug for KeystoneSessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeystoneSessionBuilder")
            .field("auth_url", &crate::redact::redact_url(&self.auth_url))
            .field("method", &self.method)
            .field("scope", &self.scope)
            .field("region", &self.region)
            .field("interface", &self.interface)
            .field("timeout", &self.timeout)
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

impl KeystoneSessionBuilder {
    /// Scope of the token (default: unscoped).
    #[must_use]
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Region for catalog lookups.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Interface for catalog lookups (default public).
    #[must_use]
    pub fn interface(mut self, interface: Interface) -> Self {
        self.interface = interface;
        self
    }

    /// Use this Magnum endpoint instead of the catalog's.
    #[must_use]
    pub fn magnum_endpoint(mut self, url: Url) -> Self {
        self.magnum_endpoint = Some(url);
        self
    }

    /// Re-authenticate this long before the token expires (default 60 s).
    #[must_use]
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Per-request timeout (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trust this CA bundle (PEM).
    #[must_use]
    pub fn cacert(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.cacert = Some(path.into());
        self
    }

    /// Disables TLS verification. Dangerous; logged as a warning.
    #[must_use]
    pub fn danger_insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// Builds the session (no request is sent until a token is needed).
    ///
    /// # Errors
    /// [`Error::Config`] for a bad URL or unreadable CA bundle.
    pub fn build(self) -> Result<KeystoneSession> {
        let mut auth_url = Url::parse(&self.auth_url).map_err(|e| {
            Error::Config(format!(
                "auth_url {:?} is not a URL: {e}",
                crate::redact::redact_url(&self.auth_url)
            ))
        })?;
        // Credentials go in the auth request body, never in the URL (it is shown in errors).
        crate::redact::strip_user_info(&mut auth_url);
        if !auth_url.path().ends_with('/') {
            let path = format!("{}/", auth_url.path());
            auth_url.set_path(&path);
        }
        let http = http_client(self.cacert.as_deref(), self.insecure, Some(self.timeout))?;
        Ok(KeystoneSession {
            inner: Arc::new(Inner {
                http,
                auth_url,
                method: self.method,
                scope: self.scope,
                region: self.region,
                interface: self.interface,
                magnum_endpoint: self.magnum_endpoint,
                margin: self.margin,
                cache: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    auth_url: Url,
    method: AuthMethod,
    scope: Scope,
    region: Option<String>,
    interface: Interface,
    magnum_endpoint: Option<Url>,
    margin: Duration,
    cache: tokio::sync::Mutex<Option<Arc<IssuedToken>>>,
}

/// An authenticated Keystone session. Cheap to clone; shares its token cache.
#[derive(Clone)]
pub struct KeystoneSession {
    inner: Arc<Inner>,
}

impl fmt::Debug for KeystoneSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeystoneSession")
            .field("auth_url", &self.inner.auth_url.as_str())
            .field("method", &self.inner.method)
            .field("scope", &self.inner.scope)
            .field("region", &self.inner.region)
            .field("interface", &self.inner.interface)
            .finish()
    }
}

fn describe(method: &AuthMethod) -> String {
    let user = |u: &UserRef| match u {
        UserRef::Id(id) => format!("user id {id}"),
        UserRef::Name { name, .. } => format!("user {name}"),
    };
    match method {
        AuthMethod::Password { user: u, .. } => format!("password of {}", user(u)),
        AuthMethod::Token { .. } => "token".to_owned(),
        AuthMethod::ApplicationCredential { credential, .. } => match credential {
            AppCredentialRef::Id(id) => format!("application credential {id}"),
            AppCredentialRef::Name { name, user: u } => {
                format!("application credential {name} of {}", user(u))
            }
        },
    }
}

impl KeystoneSession {
    /// Starts a session builder for `auth_url` (`…/v3`) and a method.
    pub fn builder(auth_url: impl Into<String>, method: AuthMethod) -> KeystoneSessionBuilder {
        KeystoneSessionBuilder {
            auth_url: auth_url.into(),
            method,
            scope: Scope::Unscoped,
            region: None,
            interface: Interface::Public,
            magnum_endpoint: None,
            margin: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
            cacert: None,
            insecure: false,
        }
    }

    /// A session for a resolved cloud configuration.
    ///
    /// # Errors
    /// As [`KeystoneSessionBuilder::build`].
    pub fn from_cloud(cloud: &CloudConfig) -> Result<Self> {
        for warning in &cloud.warnings {
            tracing::warn!(cloud = ?cloud.name, "{warning}");
        }
        let mut builder = Self::builder(cloud.auth_url.as_str(), cloud.auth.clone())
            .scope(cloud.scope.clone())
            .interface(cloud.interface)
            .danger_insecure(cloud.insecure);
        if let Some(region) = &cloud.region {
            builder = builder.region(region.clone());
        }
        if let Some(endpoint) = &cloud.container_infra_endpoint {
            builder = builder.magnum_endpoint(endpoint.clone());
        }
        if let Some(cacert) = &cloud.cacert {
            builder = builder.cacert(cacert.clone());
        }
        builder.build()
    }

    /// The Keystone v3 base URL (ends in `/`).
    pub fn auth_url(&self) -> &Url {
        &self.inner.auth_url
    }

    /// The HTTP client this session talks with (its CA bundle, `insecure` and timeout), for
    /// calls to other services with the session's token.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The region whose endpoints this session uses (`None`: the catalog's only or first).
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The scope this session requests.
    pub fn scope(&self) -> &Scope {
        &self.inner.scope
    }

    /// A valid token: the cached one, or a new one if none is cached or it expires within the
    /// margin.
    ///
    /// # Errors
    /// [`Error::Auth`] when Keystone refuses the credentials; transport and server errors.
    pub async fn token(&self) -> Result<Arc<IssuedToken>> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(issued) = cache.as_ref().filter(|t| t.valid_for(self.inner.margin)) {
            return Ok(issued.clone());
        }
        let issued = Arc::new(self.authenticate().await?);
        *cache = Some(issued.clone());
        Ok(issued)
    }

    /// Drops the cached token and authenticates again.
    ///
    /// # Errors
    /// As [`Self::token`].
    pub async fn reauthenticate(&self) -> Result<Arc<IssuedToken>> {
        let mut cache = self.inner.cache.lock().await;
        let issued = Arc::new(self.authenticate().await?);
        *cache = Some(issued.clone());
        Ok(issued)
    }

    async fn authenticate(&self) -> Result<IssuedToken> {
        let url = self
            .inner
            .auth_url
            .join("auth/tokens")
            .map_err(|e| Error::Config(format!("cannot build the Keystone token URL: {e}")))?;
        let body = auth_request(&self.inner.method, &self.inner.scope);
        let who = describe(&self.inner.method);
        let mut attempt = 0;
        let response = loop {
            attempt += 1;
            let sent = self.inner.http.post(url.clone()).json(&body).send().await;
            match sent {
                Ok(response) if response.status().is_server_error() && attempt < 3 => {
                    tracing::debug!(
                        status = response.status().as_u16(),
                        attempt,
                        "keystone 5xx on auth; retrying"
                    );
                }
                Ok(response) => break response,
                Err(err) if attempt < 3 && (err.is_connect() || err.is_timeout()) => {
                    tracing::debug!(attempt, "keystone unreachable on auth; retrying");
                }
                Err(err) => {
                    return Err(Error::Transport {
                        method: "POST".into(),
                        path: url.path().to_owned(),
                        timed_out: err.is_timeout(),
                        host: crate::client::host_of(&err),
                        source: Box::new(err.without_url()),
                    });
                }
            }
            tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|err| Error::Transport {
            method: "POST".into(),
            path: url.path().to_owned(),
            timed_out: err.is_timeout(),
            host: crate::client::host_of(&err),
            source: Box::new(err.without_url()),
        })?;
        if !(200..300).contains(&status) {
            let api = ApiError::from_response(
                status,
                "POST",
                url.path(),
                request_id(&headers),
                None,
                None,
                &bytes,
            )
            .for_service("keystone");
            if (400..500).contains(&status) {
                let why = api.message().unwrap_or("refused").trim().to_owned();
                return Err(Error::Auth {
                    message: format!(
                        "keystone at {} refused the {who} ({status}): {why}",
                        self.inner.auth_url
                    ),
                    source: Some(Box::new(api)),
                });
            }
            return Err(api.into());
        }
        let token = headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .map(|v| SecretString::from(v.to_owned()))
            .ok_or_else(|| Error::Auth {
                message: format!(
                    "keystone at {} answered without X-Subject-Token",
                    self.inner.auth_url
                ),
                source: None,
            })?;
        let info = decode::<TokenBody>("POST", url.path(), &bytes)?.token;
        let expires = info.expires_at.parse();
        tracing::debug!(user = %info.user.id, expires_at = %info.expires_at, methods = ?info.methods, "keystone token issued");
        Ok(IssuedToken {
            token,
            info,
            expires,
        })
    }

    /// The catalog endpoint of `service_type` for this session's region and interface.
    ///
    /// # Errors
    /// [`Error::Config`] with the service, region and interface when the catalog has none;
    /// authentication errors.
    pub async fn endpoint(&self, service_type: &str) -> Result<Url> {
        let issued = self.token().await?;
        issued
            .info()
            .catalog()
            .endpoint(
                service_type,
                self.inner.region.as_deref(),
                self.inner.interface,
            )
            .map_err(|e| Error::Config(e.to_string()))
    }

    /// Sends an identity API request (`path` relative to `…/v3/`) with this session's token,
    /// re-authenticating once on 401, and decodes the JSON answer (`()`-like for 204 via
    /// [`Self::identity_empty`]).
    ///
    /// # Errors
    /// [`Error::Api`] (service `keystone`) for non-2xx; transport, decode and auth errors.
    pub async fn identity<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        let bytes = self.identity_raw(method.clone(), path, body).await?;
        decode(method.as_str(), path, &bytes)
    }

    /// Like [`Self::identity`] for answers without a body (204).
    ///
    /// # Errors
    /// As [`Self::identity`].
    pub async fn identity_empty(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<()> {
        self.identity_raw(method, path, body).await.map(|_| ())
    }

    async fn identity_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>> {
        let url = self
            .inner
            .auth_url
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::InvalidInput(format!("bad identity path {path:?}: {e}")))?;
        let mut issued = self.token().await?;
        let mut retried = false;
        loop {
            let mut token =
                HeaderValue::from_str(issued.token().expose_secret()).map_err(|_| Error::Auth {
                    message: "keystone issued a token that is not a valid header value".into(),
                    source: None,
                })?;
            token.set_sensitive(true);
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .header("x-auth-token", token);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|err| Error::Transport {
                method: method.to_string(),
                path: url.path().to_owned(),
                timed_out: err.is_timeout(),
                host: crate::client::host_of(&err),
                source: Box::new(err.without_url()),
            })?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(|err| Error::Transport {
                method: method.to_string(),
                path: url.path().to_owned(),
                timed_out: err.is_timeout(),
                host: crate::client::host_of(&err),
                source: Box::new(err.without_url()),
            })?;
            if status == 401 && !retried {
                retried = true;
                issued = self.reauthenticate().await?;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(ApiError::from_response(
                    status,
                    method.as_str(),
                    url.path(),
                    request_id(&headers),
                    None,
                    None,
                    &bytes,
                )
                .for_service("keystone")
                .into());
            }
            return Ok(bytes.to_vec());
        }
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl AuthProvider for KeystoneSession {
    fn authorize(&self, force_refresh: bool) -> BoxFuture<'_, Result<Authorization>> {
        Box::pin(async move {
            let issued = if force_refresh {
                self.reauthenticate().await?
            } else {
                self.token().await?
            };
            let mut value =
                HeaderValue::from_str(issued.token().expose_secret()).map_err(|_| Error::Auth {
                    message: "keystone issued a token that is not a valid header value".into(),
                    source: None,
                })?;
            value.set_sensitive(true);
            let mut headers = HeaderMap::new();
            headers.insert("x-auth-token", value);
            let (endpoint, endpoint_problem) = match &self.inner.magnum_endpoint {
                Some(url) => (Some(url.clone()), None),
                None => match issued.info().catalog().endpoint(
                    "container-infra",
                    self.inner.region.as_deref(),
                    self.inner.interface,
                ) {
                    Ok(url) => (Some(url), None),
                    Err(missing) => (None, Some(missing.to_string())),
                },
            };
            Ok(Authorization {
                headers,
                endpoint,
                endpoint_problem,
            })
        })
    }
}
