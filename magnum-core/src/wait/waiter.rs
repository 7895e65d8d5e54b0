//! The polling loop behind every waiter. Sleeps with tokio, never past the deadline.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::conditions::{Condition, HasStatus, Verdict, is_deleted, is_ready};
use crate::api::Api;
use crate::error::{Error, ResourceFailed, WaitError, WaitTimeout};
use crate::ids::NameOrId;
use crate::request::Resource;
use crate::types::{Cluster, ClusterStatus, NodeGroup, Timestamp};

/// One observed change, handed to the progress callback.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Progress {
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The new status (`None` when the resource is gone).
    pub status: Option<ClusterStatus>,
    /// The status before this change (`None` on the first observation).
    pub previous: Option<ClusterStatus>,
    /// Magnum's `status_reason` now.
    pub status_reason: Option<String>,
    /// `updated_at` now.
    pub updated_at: Option<Timestamp>,
}

impl std::fmt::Display for Progress {
    /// `CREATE_IN_PROGRESS after 12s` (`→ CREATE_COMPLETE after 4m 3s: Stack CREATE completed
    /// successfully` once it changed), `gone after 3s` for a deleted resource.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs();
        let elapsed = if secs >= 60 {
            format!("{}m {}s", secs / 60, secs % 60)
        } else {
            format!("{}s", secs)
        };
        match (&self.previous, &self.status) {
            (Some(before), Some(now)) if before != now => {
                write!(f, "{before} → {now} after {elapsed}")?;
            }
            (_, Some(now)) => write!(f, "{now} after {elapsed}")?,
            (_, None) => write!(f, "gone after {elapsed}")?,
        }
        if let Some(reason) = self.status_reason.as_deref().filter(|r| !r.is_empty()) {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How long and how often to poll. The timeout is required: there is no "wait forever".
#[derive(Clone)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Give up after this long.
    pub timeout: Duration,
    /// First pause between polls.
    pub initial_interval: Duration,
    /// Longest pause between polls (the pause grows ×1.5 per poll up to this).
    pub max_interval: Duration,
    on_progress: Option<ProgressFn>,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("initial_interval", &self.initial_interval)
            .field("max_interval", &self.max_interval)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl WaitOptions {
    /// Wait at most `timeout`, polling after 2 s and then up to every 30 s.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            on_progress: None,
        }
    }

    /// Poll every `interval` (no growth).
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self.max_interval = interval;
        self
    }

    /// Poll first after `initial`, growing to at most `max`.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }

    /// Calls `callback` on the first observation and on every change of status or `updated_at`.
    #[must_use]
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(callback));
        self
    }
}

/// Polls `key` through `api` until `condition` is done or failed, or the deadline passes.
/// Returns the object that satisfied the condition, or `None` when the condition was satisfied
/// by a 404 (deletion) — then see the last object in progress reports.
///
/// A 404 is an observation of `None` (what [`super::is_deleted`] wants); retryable errors are
/// retried by the client; any other error stops the wait.
///
/// # Errors
/// [`WaitError`] wrapping [`Error::ResourceFailed`], [`Error::WaitTimeout`] or the API error,
/// with the last object seen.
///
/// # Caveats
/// The deadline bounds the waiting, not one in-flight request (bounded by the client timeout).
pub async fn wait_for<R, C>(
    api: &Api<R>,
    key: R::Key,
    target: &str,
    condition: C,
    options: &WaitOptions,
) -> Result<Option<R>, WaitError<R>>
where
    R: Resource + HasStatus + Clone + HasUpdatedAt,
    R::Key: Clone,
    C: Condition<R>,
{
    let start = Instant::now();
    let deadline = start + options.timeout;
    let mut interval = options.initial_interval;
    let mut last: Option<R> = None;
    let mut seen: Option<(Option<ClusterStatus>, Option<Timestamp>)> = None;
    let id = describe_key::<R>(&key);
    loop {
        let observed = match api.get_opt(key.clone()).await {
            Ok(observed) => observed,
            Err(err) => return Err(WaitError::new(err, last)),
        };
        let state = observed.as_ref().map_or((None, None), |o| {
            (o.status().cloned(), o.updated_at().cloned())
        });
        if seen.as_ref() != Some(&state) {
            if let Some(callback) = &options.on_progress {
                callback(&Progress {
                    elapsed: start.elapsed(),
                    status: state.0.clone(),
                    previous: seen.as_ref().and_then(|s| s.0.clone()),
                    status_reason: observed
                        .as_ref()
                        .and_then(|o| o.status_reason().map(str::to_owned)),
                    updated_at: state.1.clone(),
                });
            }
            seen = Some(state);
        }
        match condition.check(observed.as_ref()) {
            Verdict::Done => return Ok(observed),
            Verdict::Failed(failure) => {
                let error = Error::ResourceFailed(Box::new(ResourceFailed {
                    resource: R::KIND,
                    id,
                    status: failure.status,
                    status_reason: failure.status_reason,
                    faults: failure.faults,
                }));
                return Err(WaitError::new(error, observed.or(last)));
            }
            Verdict::Pending => {}
        }
        if observed.is_some() {
            last = observed;
        }
        let now = Instant::now();
        if now >= deadline {
            let error = Error::WaitTimeout(Box::new(WaitTimeout {
                resource: R::KIND,
                id,
                target: target.to_owned(),
                waited: start.elapsed(),
                last_status: last.as_ref().and_then(|o| o.status().cloned()),
            }));
            return Err(WaitError::new(error, last));
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = interval.mul_f32(1.5).min(options.max_interval);
    }
}

/// Access to `updated_at`, used to report transitions that keep the same status.
pub trait HasUpdatedAt {
    /// Last update time.
    fn updated_at(&self) -> Option<&Timestamp>;
}

impl HasUpdatedAt for Cluster {
    fn updated_at(&self) -> Option<&Timestamp> {
        self.updated_at.as_ref()
    }
}

impl HasUpdatedAt for NodeGroup {
    fn updated_at(&self) -> Option<&Timestamp> {
        self.updated_at.as_ref()
    }
}

fn describe_key<R: Resource>(key: &R::Key) -> String {
    crate::request::PathKey::segments(key).join("/")
}

/// Waits until a cluster's last operation completed (create, update, resize, upgrade…).
///
/// # Errors
/// As [`wait_for`].
pub async fn cluster_ready(
    api: &Api<Cluster>,
    cluster: impl Into<NameOrId>,
    options: &WaitOptions,
) -> Result<Cluster, WaitError<Cluster>> {
    let cluster = cluster.into();
    wait_for(api, cluster.clone(), "ready", is_ready::<Cluster>, options)
        .await
        .and_then(|found| found.ok_or_else(|| gone::<Cluster>(&cluster)))
}

/// `is_ready` fails on a 404, so a ready result always has an object; this covers custom
/// conditions composed with it.
fn gone<R: Resource>(key: &NameOrId) -> WaitError<R> {
    WaitError::new(
        Error::InvalidInput(format!("{} {key} no longer exists", R::KIND)),
        None,
    )
}

/// Waits until a cluster is gone (404, or `DELETE_COMPLETE`).
///
/// # Errors
/// `DELETE_FAILED` as [`Error::ResourceFailed`], the deadline, API errors.
pub async fn cluster_deleted(
    api: &Api<Cluster>,
    cluster: impl Into<NameOrId>,
    options: &WaitOptions,
) -> Result<(), WaitError<Cluster>> {
    wait_for(
        api,
        cluster.into(),
        "deleted",
        is_deleted::<Cluster>,
        options,
    )
    .await
    .map(|_| ())
}

/// Waits until a nodegroup's last operation completed.
///
/// # Errors
/// As [`wait_for`].
pub async fn nodegroup_ready(
    api: &Api<NodeGroup>,
    nodegroup: impl Into<NameOrId>,
    options: &WaitOptions,
) -> Result<NodeGroup, WaitError<NodeGroup>> {
    let nodegroup = nodegroup.into();
    wait_for(
        api,
        nodegroup.clone(),
        "ready",
        is_ready::<NodeGroup>,
        options,
    )
    .await
    .and_then(|found| found.ok_or_else(|| gone::<NodeGroup>(&nodegroup)))
}

/// Waits until a deleted nodegroup is gone (404). A nodegroup stays listed as
/// `DELETE_IN_PROGRESS` while its stack is deleted; a `DELETE_FAILED` one ends the wait with
/// [`crate::Error::ResourceFailed`].
///
/// # Errors
/// As [`wait_for`].
pub async fn nodegroup_deleted(
    api: &Api<NodeGroup>,
    nodegroup: impl Into<NameOrId>,
    options: &WaitOptions,
) -> Result<(), WaitError<NodeGroup>> {
    wait_for(
        api,
        nodegroup.into(),
        "deleted",
        is_deleted::<NodeGroup>,
        options,
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_prints_as_a_person_reads_it() {
        let mut progress = Progress {
            elapsed: Duration::from_secs(243),
            status: Some(ClusterStatus::CreateComplete),
            previous: Some(ClusterStatus::CreateInProgress),
            status_reason: Some("Stack CREATE completed successfully".into()),
            updated_at: None,
        };
        assert_eq!(
            progress.to_string(),
            "CREATE_IN_PROGRESS → CREATE_COMPLETE after 4m 3s: Stack CREATE completed successfully"
        );
        progress.previous = progress.status.clone();
        progress.status_reason = None;
        progress.elapsed = Duration::from_secs(12);
        assert_eq!(progress.to_string(), "CREATE_COMPLETE after 12s");
        progress.status = None;
        assert_eq!(progress.to_string(), "gone after 12s");
    }
}
