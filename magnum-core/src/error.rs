//! The crate's error type: [`Error`] (a `#[source]`-chained, non-exhaustive enum), the flat
//! [`ErrorKind`] the Python binding mirrors one-to-one, [`ApiError`] with everything Magnum said
//! (HTTP status, `x-openstack-request-id`, the parsed `errors[]` entries, and the server's
//! microversion range on a 406), and [`WaitError`], which keeps the last object a waiter saw.
//!
//! Messages start lower-case, never contain a token or password, and never dump `Debug` output.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::microversion::{Microversion, SelectError, VersionRange};
use crate::types::ClusterStatus;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed lower-level error (transport, TLS…), kept as the `source()` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in magnum-core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Magnum (or a proxy in front of it) answered with a non-success status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// No microversion could be chosen for the call (cloud too old, or the pin is wrong).
    #[error(transparent)]
    Microversion(#[from] SelectError),
    /// The request never got an HTTP answer (connection refused, TLS, timeout…).
    #[error("failed to send {method} {path}{}", if host.is_empty() { String::new() } else { format!(" to {host}") })]
    Transport {
        /// HTTP method.
        method: String,
        /// Request path (no query string).
        path: String,
        /// The server's `host:port` (never user-info or query), empty when unknown.
        host: String,
        /// Whether the failure was a timeout.
        timed_out: bool,
        /// The transport's error.
        #[source]
        source: BoxError,
    },
    /// The response body was not what Magnum sends.
    #[error("failed to decode the response to {method} {path} at `{json_path}`")]
    Decode {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// JSON path of the offending value (`.clusters[3].node_count`).
        json_path: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// The caller's input cannot form a valid request (checked before sending).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Client configuration is unusable (bad endpoint URL, missing setting…).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Authentication failed or no token could be obtained.
    #[error("authentication failed: {message}")]
    Auth {
        /// What failed (never contains a secret).
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// A waited-for resource reached a failure status.
    #[error(transparent)]
    ResourceFailed(Box<ResourceFailed>),
    /// A waiter's deadline passed.
    #[error(transparent)]
    WaitTimeout(Box<WaitTimeout>),
    /// A key, certificate or CSR problem (feature `ca`).
    #[cfg(feature = "ca")]
    #[error(transparent)]
    Certificate(#[from] crate::ca::CertificateError),
}

/// A flat classification of [`Error`], stable across versions, mirrored by the Python
/// exception classes one-to-one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// HTTP 400.
    BadRequest,
    /// HTTP 401.
    Unauthorized,
    /// HTTP 403 (policy).
    Forbidden,
    /// HTTP 404.
    NotFound,
    /// HTTP 409 (ambiguous name, duplicate, state conflict).
    Conflict,
    /// HTTP 413.
    PayloadTooLarge,
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx.
    ServerError,
    /// Any other non-success HTTP status.
    HttpError,
    /// HTTP 406 or a local microversion mismatch.
    MicroversionUnsupported,
    /// No HTTP answer.
    Transport,
    /// Unexpected response body.
    Decode,
    /// Invalid caller input.
    InvalidInput,
    /// Unusable configuration.
    Config,
    /// Authentication failure.
    Auth,
    /// A waited-for resource failed.
    ResourceFailed,
    /// A waiter timed out.
    WaitTimeout,
    /// A key, certificate or CSR problem.
    Certificate,
}

impl ErrorKind {
    /// The kind's stable name (`"NotFound"`…), as used by the Python binding.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::Conflict => "Conflict",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::RateLimited => "RateLimited",
            Self::ServerError => "ServerError",
            Self::HttpError => "HttpError",
            Self::MicroversionUnsupported => "MicroversionUnsupported",
            Self::Transport => "Transport",
            Self::Decode => "Decode",
            Self::InvalidInput => "InvalidInput",
            Self::Config => "Config",
            Self::Auth => "Auth",
            Self::ResourceFailed => "ResourceFailed",
            Self::WaitTimeout => "WaitTimeout",
            Self::Certificate => "Certificate",
        }
    }

    /// Classifies an HTTP status.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            406 => Self::MicroversionUnsupported,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            429 => Self::RateLimited,
            500..=599 => Self::ServerError,
            _ => Self::HttpError,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The flat classification.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Api(api) => ErrorKind::from_status(api.status),
            Self::Microversion(_) => ErrorKind::MicroversionUnsupported,
            Self::Transport { .. } => ErrorKind::Transport,
            Self::Decode { .. } => ErrorKind::Decode,
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::Config(_) => ErrorKind::Config,
            Self::Auth { .. } => ErrorKind::Auth,
            Self::ResourceFailed(_) => ErrorKind::ResourceFailed,
            Self::WaitTimeout(_) => ErrorKind::WaitTimeout,
            #[cfg(feature = "ca")]
            Self::Certificate(_) => ErrorKind::Certificate,
        }
    }

    /// The API error, when Magnum answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            _ => None,
        }
    }

    /// HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|api| api.status)
    }

    /// `x-openstack-request-id` of the failed call, when there was an answer.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|api| api.request_id.as_deref())
    }

    /// 404.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// 409.
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    /// Whether repeating the same (idempotent) request may succeed: 429, 502, 503, 504 and
    /// connection-level failures. A 500 is not retried: Magnum answers 500 for bugs too.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(api) => matches!(api.status, 429 | 502 | 503 | 504),
            Self::Transport { .. } => true,
            _ => false,
        }
    }
}

/// One entry of Magnum's error body `{"errors": [...]}`
/// (`magnum/api/middleware/parsable_error.py`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Fault {
    /// `client`, `server`, or e.g. `magnum.microversion-unsupported`.
    #[serde(default)]
    pub code: Option<String>,
    /// HTTP status repeated in the body.
    #[serde(default)]
    pub status: Option<u16>,
    /// First sentence of the message.
    #[serde(default)]
    pub title: Option<String>,
    /// Full message.
    #[serde(default)]
    pub detail: Option<String>,
    /// Request id (usually empty in the body; see the header).
    #[serde(default)]
    pub request_id: Option<String>,
    /// On a 406: the server's minimum microversion.
    #[serde(default)]
    pub min_version: Option<String>,
    /// On a 406: the server's maximum microversion.
    #[serde(default)]
    pub max_version: Option<String>,
}

impl Fault {
    /// The most informative text: `detail`, else `title`.
    pub fn message(&self) -> Option<&str> {
        self.detail
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .or(self.title.as_deref().filter(|t| !t.trim().is_empty()))
    }
}

#[derive(Deserialize)]
struct FaultBody {
    errors: Vec<Fault>,
}

/// Keystone's error body: `{"error": {"code", "title", "message"}}`.
#[derive(Deserialize)]
struct KeystoneFaultBody {
    error: KeystoneFault,
}

#[derive(Deserialize)]
struct KeystoneFault {
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

fn parse_faults(body: &[u8]) -> Vec<Fault> {
    if let Ok(magnum) = serde_json::from_slice::<FaultBody>(body) {
        return magnum.errors;
    }
    if let Ok(keystone) = serde_json::from_slice::<KeystoneFaultBody>(body) {
        return vec![Fault {
            status: keystone.error.code,
            title: keystone.error.title,
            detail: keystone.error.message,
            ..Fault::default()
        }];
    }
    Vec::new()
}

/// A non-success answer from Magnum, with everything it said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// Which service answered: `magnum` or `keystone`.
    pub service: &'static str,
    /// HTTP status.
    pub status: u16,
    /// HTTP method of the failed call.
    pub method: String,
    /// Path of the failed call (no query string).
    pub path: String,
    /// `x-openstack-request-id`.
    pub request_id: Option<String>,
    /// The microversion the request was sent with.
    pub microversion: Option<Microversion>,
    /// The server's microversion range, from the response headers or the 406 body.
    pub server_versions: Option<VersionRange>,
    /// Parsed `errors[]` entries (empty when the body was not Magnum's format).
    pub faults: Vec<Fault>,
    /// The start of a body that was not Magnum's JSON (at most 512 characters).
    pub body_excerpt: Option<String>,
    /// `Retry-After`, when the server sent one.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Builds an API error from a response's parts, parsing Magnum's error body.
    pub fn from_response(
        status: u16,
        method: &str,
        path: &str,
        request_id: Option<String>,
        microversion: Option<Microversion>,
        server_versions: Option<VersionRange>,
        body: &[u8],
    ) -> Self {
        let faults = parse_faults(body);
        let body_excerpt = if faults.is_empty() && !body.is_empty() {
            Some(String::from_utf8_lossy(body).chars().take(512).collect())
        } else {
            None
        };
        let body_range = faults.iter().find_map(|fault| {
            let min = fault.min_version.as_deref()?.parse().ok()?;
            let max = fault.max_version.as_deref()?.parse().ok()?;
            Some(VersionRange::new(min, max))
        });
        Self {
            service: "magnum",
            status,
            method: method.to_owned(),
            path: path.to_owned(),
            request_id,
            microversion,
            server_versions: body_range.or(server_versions),
            faults,
            body_excerpt,
            retry_after: None,
        }
    }

    /// The same error, attributed to another service (`keystone`).
    #[must_use]
    pub fn for_service(mut self, service: &'static str) -> Self {
        self.service = service;
        self
    }

    /// Magnum's message: the first fault's detail (or title), else the body excerpt.
    pub fn message(&self) -> Option<&str> {
        self.faults
            .iter()
            .find_map(Fault::message)
            .or(self.body_excerpt.as_deref())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|code| code.canonical_reason())
            .unwrap_or("");
        write!(
            f,
            "{} answered {} {} to {} {}",
            self.service, self.status, reason, self.method, self.path
        )?;
        if let Some(message) = self.message() {
            write!(f, ": {}", message.trim())?;
        }
        if self.status == 406 {
            // Magnum often sends an empty 406 body (e.g. an API gated above the sent version),
            // so say what was sent and what the server offers.
            match (self.microversion, self.server_versions) {
                (Some(sent), Some(range)) => {
                    write!(f, " (sent microversion {sent}, server supports {range})")?;
                }
                (Some(sent), None) => write!(f, " (sent microversion {sent})")?,
                _ => {}
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Self::Api(Box::new(api))
    }
}

/// A waited-for resource reached a failure status (any `*_FAILED`, or `ROLLBACK_COMPLETE`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{resource} {id} failed with status {status}{}", reason_suffix(.status_reason.as_deref(), .faults))]
#[non_exhaustive]
pub struct ResourceFailed {
    /// `cluster` or `nodegroup`.
    pub resource: &'static str,
    /// UUID or name.
    pub id: String,
    /// The failure status.
    pub status: ClusterStatus,
    /// Magnum's `status_reason`.
    pub status_reason: Option<String>,
    /// Failed nodegroups and their reasons (`faults`).
    pub faults: BTreeMap<String, String>,
}

fn reason_suffix(reason: Option<&str>, faults: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    if let Some(reason) = reason {
        out.push_str(": ");
        out.push_str(reason);
    }
    for (nodegroup, why) in faults {
        if Some(why.as_str()) != reason {
            out.push_str(&format!("; nodegroup {nodegroup}: {why}"));
        }
    }
    out
}

/// A waiter's deadline passed before its condition held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timed out after {waited:?} waiting for {resource} {id} to become {target}{}", last_status.as_ref().map(|s| format!(" (last status {s})")).unwrap_or_default())]
#[non_exhaustive]
pub struct WaitTimeout {
    /// `cluster` or `nodegroup`.
    pub resource: &'static str,
    /// UUID or name.
    pub id: String,
    /// What was awaited (`ready`, `deleted`…).
    pub target: String,
    /// How long the waiter waited.
    pub waited: Duration,
    /// The last status seen, if any.
    pub last_status: Option<ClusterStatus>,
}

/// A waiter's failure together with the last object it observed (`None` if it saw none, or the
/// resource was gone).
#[derive(Debug)]
#[non_exhaustive]
pub struct WaitError<T> {
    /// What went wrong: [`Error::ResourceFailed`], [`Error::WaitTimeout`], or the API error that
    /// stopped polling.
    pub error: Error,
    /// The last object seen (boxed: clusters are large).
    pub last: Option<Box<T>>,
}

impl<T> WaitError<T> {
    /// Wraps an error with the last object.
    pub fn new(error: Error, last: Option<T>) -> Self {
        Self {
            error,
            last: last.map(Box::new),
        }
    }

    /// The classification of the underlying error.
    pub fn kind(&self) -> ErrorKind {
        self.error.kind()
    }
}

impl<T> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T: fmt::Debug> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl<T> From<WaitError<T>> for Error {
    fn from(wait: WaitError<T>) -> Self {
        wait.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnum_error_bodies_are_parsed() {
        let body = br#"{"errors": [{"code": "client", "detail": "Cluster x could not be found.", "links": [], "request_id": "", "status": 404, "title": "Cluster x could not be found"}]}"#;
        let err = ApiError::from_response(
            404,
            "GET",
            "/v1/clusters/x",
            Some("req-1".into()),
            Some(Microversion::V1_1),
            None,
            body,
        );
        assert_eq!(err.message(), Some("Cluster x could not be found."));
        assert_eq!(
            err.to_string(),
            "magnum answered 404 Not Found to GET /v1/clusters/x: Cluster x could not be found. [request req-1]"
        );
        let err = Error::from(err);
        assert!(err.is_not_found());
        assert_eq!(err.request_id(), Some("req-1"));
        assert!(!err.is_retryable());
    }

    #[test]
    fn a_406_carries_the_server_range() {
        let body = br#"{"errors": [{"code": "magnum.microversion-unsupported", "max_version": "1.14", "min_version": "1.1", "title": "Requested microversion is unsupported"}]}"#;
        let err = ApiError::from_response(
            406,
            "GET",
            "/v1/clusters",
            None,
            Some("1.99".parse().unwrap()),
            None,
            body,
        );
        assert_eq!(
            err.server_versions,
            Some(VersionRange::new(Microversion::V1_1, Microversion::V1_14))
        );
        assert!(err.to_string().contains("server supports 1.1..=1.14"));
        assert_eq!(Error::from(err).kind(), ErrorKind::MicroversionUnsupported);
    }

    #[test]
    fn non_magnum_bodies_are_kept_short() {
        let body = "<html>".repeat(500);
        let err = ApiError::from_response(502, "GET", "/v1/", None, None, None, body.as_bytes());
        assert_eq!(
            err.body_excerpt.as_ref().map(|b| b.chars().count()),
            Some(512)
        );
        assert!(Error::from(err).is_retryable());
    }

    #[test]
    fn failures_name_status_reason_and_faults() {
        let failed = ResourceFailed {
            resource: "cluster",
            id: "k8s".into(),
            status: ClusterStatus::CreateFailed,
            status_reason: Some("Timed out".into()),
            faults: BTreeMap::from([("default-worker".into(), "quota exceeded".into())]),
        };
        assert_eq!(
            failed.to_string(),
            "cluster k8s failed with status CREATE_FAILED: Timed out; nodegroup default-worker: quota exceeded"
        );
    }
}
