//! The async Magnum API client: sends [`ApiRequest`] values built by [`crate::request`] over
//! reqwest, with authentication ([`AuthProvider`]), microversion discovery (cached per client)
//! and per-call selection, 401 re-authentication, retries with backoff for idempotent calls
//! only, and typed errors carrying status, request id and Magnum's message.

mod auth;

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

pub use auth::{AuthProvider, Authorization, BoxFuture, NoAuth, StaticToken};

use crate::decode::decode;
use crate::error::{ApiError, Error, Result};
use crate::microversion::{
    MAX_VERSION_HEADER, MIN_VERSION_HEADER, Microversion, VERSION_HEADER, VersionRange, select,
};
use crate::request::{ApiRequest, Endpoint};
use crate::types::VersionsDocument;

/// Environment variable holding a user's microversion pin (same as the OpenStack CLI).
pub const MICROVERSION_ENV: &str = "OS_CONTAINER_INFRA_API_VERSION";

/// Header carrying the request id Magnum assigns.
pub const REQUEST_ID_HEADER: &str = "x-openstack-request-id";

/// A user's microversion choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionPin {
    /// Send exactly this version on every call.
    Exact(Microversion),
    /// Send the server's maximum (discovered) on every call.
    Latest,
}

impl VersionPin {
    /// Parses `1.10` or `latest`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value.
    pub fn parse(text: &str) -> Result<Self> {
        if text.trim().eq_ignore_ascii_case("latest") {
            return Ok(Self::Latest);
        }
        text.parse()
            .map(Self::Exact)
            .map_err(|e| Error::Config(format!("{MICROVERSION_ENV} or microversion pin: {e}")))
    }
}

/// Retry behaviour for idempotent requests (GET, HEAD, PUT, DELETE) answered with 429, 502,
/// 503 or 504, or lost in transport. POST and PATCH are never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Extra attempts after the first (0 disables retries).
    pub max_retries: u32,
    /// First backoff; doubles each retry.
    pub base_delay: Duration,
    /// Cap on one backoff, and on an honoured `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// A policy with `max_retries` and `base_delay` (cap 10 s).
    pub fn new(max_retries: u32, base_delay: Duration) -> Self {
        Self {
            max_retries,
            base_delay,
            ..Self::default()
        }
    }

    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)));
        retry_after.unwrap_or(backoff).min(self.max_delay)
    }
}

/// A successful raw answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse {
    /// HTTP status (2xx).
    pub status: u16,
    /// `x-openstack-request-id`.
    pub request_id: Option<String>,
    /// The microversion the server says it used (`OpenStack-API-Version`).
    pub microversion: Option<Microversion>,
    /// The server's range from the response headers.
    pub server_versions: Option<VersionRange>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    endpoint: Option<String>,
    auth: Option<Arc<dyn AuthProvider>>,
    pin: Option<VersionPin>,
    discovery: bool,
    retry: RetryPolicy,
    timeout: Duration,
    http: Option<reqwest::Client>,
}

impl ClientBuilder {
    /// The Magnum endpoint (`http://host:9511/v1`). Optional when the auth provider returns one
    /// from the service catalog.
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// How requests are authenticated.
    #[must_use]
    pub fn auth(mut self, provider: impl AuthProvider + 'static) -> Self {
        self.auth = Some(Arc::new(provider));
        self
    }

    /// Shares an auth provider between clients.
    #[must_use]
    pub fn auth_shared(mut self, provider: Arc<dyn AuthProvider>) -> Self {
        self.auth = Some(provider);
        self
    }

    /// Pins the microversion sent on every call (calls needing more fail locally).
    #[must_use]
    pub fn microversion(mut self, pin: VersionPin) -> Self {
        self.pin = Some(pin);
        self
    }

    /// Reads the pin from `OS_CONTAINER_INFRA_API_VERSION` when set.
    ///
    /// # Errors
    /// [`Error::Config`] when the variable holds something other than `X.Y` or `latest`.
    pub fn microversion_from_env(self) -> Result<Self> {
        self.microversion_from(std::env::var(MICROVERSION_ENV).ok().as_deref())
    }

    /// Like [`Self::microversion_from_env`] with the value passed in (testable).
    ///
    /// # Errors
    /// [`Error::Config`] on a malformed value.
    pub fn microversion_from(mut self, value: Option<&str>) -> Result<Self> {
        if let Some(text) = value.filter(|t| !t.trim().is_empty()) {
            self.pin = Some(VersionPin::parse(text)?);
        }
        Ok(self)
    }

    /// Skips `GET /` discovery: calls are sent with their lowest version and the server
    /// decides (a 406 if too old). Default: discovery on.
    #[must_use]
    pub fn discovery(mut self, enabled: bool) -> Self {
        self.discovery = enabled;
        self
    }

    /// Retry policy for idempotent calls.
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Per-request timeout (default 60 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses a preconfigured reqwest client (proxies, custom CA…). Its own timeout applies in
    /// addition to [`Self::timeout`].
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] without an auth provider, or with an invalid endpoint.
    pub fn build(self) -> Result<Client> {
        let auth = self.auth.ok_or_else(|| {
            Error::Config(
                "no auth provider: use .auth(StaticToken::new(..)), a Keystone provider, or NoAuth for a local magnum-api".into(),
            )
        })?;
        let endpoint = self.endpoint.as_deref().map(Endpoint::parse).transpose()?;
        let http = match self.http {
            Some(http) => http,
            None => http_client(None, false, None)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                auth,
                pin: self.pin,
                discovery: self.discovery,
                retry: self.retry,
                timeout: self.timeout,
                versions: OnceCell::new(),
                catalog_endpoint: OnceCell::new(),
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    endpoint: Option<Endpoint>,
    auth: Arc<dyn AuthProvider>,
    pin: Option<VersionPin>,
    discovery: bool,
    retry: RetryPolicy,
    timeout: Duration,
    versions: OnceCell<Option<VersionRange>>,
    catalog_endpoint: OnceCell<Endpoint>,
}

/// The Magnum API client. Cheap to clone (shared state behind an `Arc`); every future is `Send`.
///
/// ```no_run
/// # async fn demo() -> magnum_core::Result<()> {
/// use magnum_core::{Api, Client, StaticToken, types::Cluster};
/// let client = Client::builder()
///     .endpoint("https://magnum.example.com:9511/v1")
///     .auth(StaticToken::new("gAAAA…".to_owned()))
///     .build()?;
/// let clusters: Api<Cluster> = Api::new(client);
/// for cluster in clusters.list_all().await? {
///     println!("{} {:?}", cluster.uuid, cluster.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            endpoint: None,
            auth: None,
            pin: None,
            discovery: true,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            http: None,
        }
    }

    /// The Magnum endpoint in use (explicit, or from the auth provider's catalog).
    ///
    /// # Errors
    /// [`Error::Config`] when neither gives one; auth errors from the provider.
    pub async fn endpoint(&self) -> Result<Endpoint> {
        if let Some(endpoint) = &self.inner.endpoint {
            return Ok(endpoint.clone());
        }
        self.inner
            .catalog_endpoint
            .get_or_try_init(|| async {
                let auth = self.inner.auth.authorize(false).await?;
                let url = auth.endpoint.ok_or_else(|| {
                    Error::Config(auth.endpoint_problem.unwrap_or_else(|| {
                        "no Magnum endpoint: set ClientBuilder::endpoint or use an auth provider with a service catalog".into()
                    }))
                })?;
                Endpoint::from_url(url)
            })
            .await
            .cloned()
    }

    /// The server's microversion range, discovered once from `GET /` and cached.
    /// `None` when discovery is disabled or the root document has no range.
    ///
    /// # Errors
    /// Transport or auth errors (an HTTP error status counts as "unknown", not an error).
    pub async fn server_versions(&self) -> Result<Option<VersionRange>> {
        if !self.inner.discovery {
            return Ok(None);
        }
        self.inner
            .versions
            .get_or_try_init(|| self.discover())
            .await
            .copied()
    }

    async fn discover(&self) -> Result<Option<VersionRange>> {
        let endpoint = self.endpoint().await?;
        let url = endpoint.root();
        let auth = self.inner.auth.authorize(false).await?;
        let response = self
            .inner
            .http
            .get(url.clone())
            .headers(auth.headers)
            .header(http::header::ACCEPT, "application/json")
            .timeout(self.inner.timeout)
            .send()
            .await
            .map_err(|e| transport_error("GET", url.path(), e))?;
        let status = response.status();
        let header_range = range_from_headers(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error("GET", url.path(), e))?;
        if !status.is_success() {
            #[cfg(feature = "client")]
            tracing::debug!(
                status = status.as_u16(),
                "microversion discovery answered non-success; versions unknown"
            );
            return Ok(header_range);
        }
        let document: VersionsDocument = decode("GET", url.path(), &body)?;
        let range = document.v1_range().map_err(|e| Error::Decode {
            method: "GET".into(),
            path: url.path().to_owned(),
            json_path: "versions[v1]".into(),
            source: serde::de::Error::custom(e),
        })?;
        Ok(range.or(header_range))
    }

    /// The microversion this client would send for `request`.
    ///
    /// # Errors
    /// [`Error::Microversion`] naming the needed and available versions.
    pub async fn version_for(&self, request: &ApiRequest) -> Result<Microversion> {
        let available = self.server_versions().await?;
        let pin = match self.inner.pin {
            Some(VersionPin::Exact(version)) => Some(version),
            Some(VersionPin::Latest) => available.map(|range| range.max),
            None => None,
        };
        Ok(select(
            &request.operation,
            request.min_version,
            pin,
            available,
        )?)
    }

    /// Sends a request and returns the raw successful answer.
    ///
    /// Re-authenticates once on 401; retries idempotent requests per the [`RetryPolicy`].
    ///
    /// # Errors
    /// [`Error::Api`] for a non-2xx answer, [`Error::Transport`], [`Error::Microversion`],
    /// [`Error::Auth`].
    pub async fn send(&self, request: &ApiRequest) -> Result<ApiResponse> {
        let version = self.version_for(request).await?;
        let endpoint = self.endpoint().await?;
        let mut retry = 0;
        let mut reauthenticated = false;
        loop {
            let outcome = self
                .send_once(request, &endpoint, version, reauthenticated)
                .await;
            match outcome {
                Err(Error::Api(api)) if api.status == 401 && !reauthenticated => {
                    reauthenticated = true;
                    #[cfg(feature = "client")]
                    tracing::debug!(path = %api.path, "401 from magnum; re-authenticating once");
                }
                Err(err)
                    if request.is_idempotent()
                        && err.is_retryable()
                        && retry < self.inner.retry.max_retries =>
                {
                    let retry_after = err.api().and_then(|api| api.retry_after);
                    let delay = self.inner.retry.delay(retry, retry_after);
                    retry += 1;
                    tracing::debug!(attempt = retry, ?delay, error = %err, "retrying idempotent request");
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    async fn send_once(
        &self,
        request: &ApiRequest,
        endpoint: &Endpoint,
        version: Microversion,
        force_refresh: bool,
    ) -> Result<ApiResponse> {
        let method = request.method.as_str();
        let path = request.path();
        let http_request = request.to_http(endpoint, version)?;
        let auth = self.inner.auth.authorize(force_refresh).await?;
        let (parts, body) = http_request.into_parts();
        let url = Url::parse(&parts.uri.to_string())
            .map_err(|e| Error::InvalidInput(format!("cannot build request URL: {e}")))?;
        let mut builder = self
            .inner
            .http
            .request(parts.method, url)
            .headers(parts.headers)
            .headers(auth.headers)
            .timeout(self.inner.timeout);
        if !body.is_empty() {
            builder = builder.body(body);
        }
        tracing::trace!(%method, %path, %version, "sending magnum request");
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(method, &path, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(method, &path, e))?
            .to_vec();
        let request_id = headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let server_versions = range_from_headers(&headers);
        if !(200..300).contains(&status) {
            let mut error = ApiError::from_response(
                status,
                method,
                &path,
                request_id,
                Some(version),
                server_versions,
                &body,
            );
            error.retry_after = retry_after(&headers);
            tracing::debug!(status, %path, request_id = ?error.request_id, "magnum request failed");
            return Err(error.into());
        }
        Ok(ApiResponse {
            status,
            request_id,
            microversion: headers
                .get(VERSION_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| Microversion::from_header_value(v).ok()),
            server_versions,
            body,
        })
    }

    /// Sends a request and decodes a JSON answer.
    ///
    /// # Errors
    /// As [`Self::send`], plus [`Error::Decode`].
    pub async fn execute<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T> {
        let response = self.send(request).await?;
        decode(request.method.as_str(), &request.path(), &response.body)
    }

    /// Sends a request whose answer has no body worth decoding (204 deletes).
    ///
    /// # Errors
    /// As [`Self::send`].
    pub async fn execute_empty(&self, request: &ApiRequest) -> Result<()> {
        self.send(request).await.map(|_| ())
    }
}

/// Builds the reqwest client with the cloud's TLS settings.
pub(crate) fn http_client(
    cacert: Option<&std::path::Path>,
    insecure: bool,
    timeout: Option<Duration>,
) -> Result<reqwest::Client> {
    let mut builder =
        reqwest::Client::builder().user_agent(concat!("magnum-rs/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(path) = cacert {
        let pem = std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read cacert {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::Config(format!(
                "cacert {} is not a PEM bundle: {e}",
                path.display()
            ))
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if insecure {
        tracing::warn!("TLS certificate verification is disabled for this cloud (insecure)");
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

fn transport_error(method: &str, path: &str, err: reqwest::Error) -> Error {
    Error::Transport {
        method: method.to_owned(),
        path: path.to_owned(),
        timed_out: err.is_timeout(),
        host: crate::client::host_of(&err),
        source: Box::new(err.without_url()),
    }
}

/// The `host:port` a transport error was about (for messages: no user-info, path or query).
pub(crate) fn host_of(err: &reqwest::Error) -> String {
    err.url()
        .and_then(|url| {
            let host = url.host_str()?;
            Some(match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            })
        })
        .unwrap_or_default()
}

fn range_from_headers(headers: &HeaderMap) -> Option<VersionRange> {
    let read = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Microversion::from_header_value(v).ok())
    };
    Some(VersionRange::new(
        read(MIN_VERSION_HEADER)?,
        read(MAX_VERSION_HEADER)?,
    ))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::new(5, Duration::from_millis(100));
        assert_eq!(policy.delay(0, None), Duration::from_millis(100));
        assert_eq!(policy.delay(2, None), Duration::from_millis(400));
        assert_eq!(policy.delay(30, None), Duration::from_secs(10));
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            http::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn pins_parse_from_the_environment_form() {
        assert_eq!(VersionPin::parse("latest").unwrap(), VersionPin::Latest);
        assert_eq!(
            VersionPin::parse("1.10").unwrap(),
            VersionPin::Exact(Microversion::V1_10)
        );
        let err = VersionPin::parse("1.x").unwrap_err();
        assert!(err.to_string().contains(MICROVERSION_ENV));
    }
}
