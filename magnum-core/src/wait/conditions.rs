//! Pure wait conditions over `Option<&T>` (`None` = the resource answered 404). A waiter polls
//! and asks its condition for a [`Verdict`]; conditions compose with [`and`], [`or`], [`not`].
//! No I/O here: every condition is unit-tested on recorded fixtures.

use std::collections::BTreeMap;

use crate::types::{Cluster, ClusterStatus, NodeGroup};

/// What a condition says about one observation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The condition holds: stop waiting, successfully.
    Done,
    /// The resource reached a failure state: stop waiting, with an error.
    Failed(Failure),
    /// Keep polling.
    Pending,
}

/// Why a waited-for resource is considered failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The failure status.
    pub status: ClusterStatus,
    /// Magnum's `status_reason`.
    pub status_reason: Option<String>,
    /// Failed nodegroups (`faults`).
    pub faults: BTreeMap<String, String>,
}

/// Something that has a Magnum status: clusters and nodegroups.
pub trait HasStatus {
    /// Current status.
    fn status(&self) -> Option<&ClusterStatus>;
    /// Current `status_reason`.
    fn status_reason(&self) -> Option<&str>;
    /// Failed nodegroups, if the resource reports them.
    fn faults(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}

impl HasStatus for Cluster {
    fn status(&self) -> Option<&ClusterStatus> {
        self.status.as_ref()
    }
    fn status_reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }
    fn faults(&self) -> BTreeMap<String, String> {
        self.faults.clone().unwrap_or_default()
    }
}

impl HasStatus for NodeGroup {
    fn status(&self) -> Option<&ClusterStatus> {
        self.status.as_ref()
    }
    fn status_reason(&self) -> Option<&str> {
        self.status_reason.as_deref()
    }
}

/// A condition: a pure function from the latest observation to a verdict.
pub trait Condition<T>: Send + Sync {
    /// Judges one observation (`None` = 404).
    fn check(&self, observed: Option<&T>) -> Verdict;
}

impl<T, F> Condition<T> for F
where
    F: Fn(Option<&T>) -> Verdict + Send + Sync,
{
    fn check(&self, observed: Option<&T>) -> Verdict {
        self(observed)
    }
}

fn failure_of<T: HasStatus>(resource: &T) -> Option<Failure> {
    let status = resource.status()?;
    status.is_failed().then(|| Failure {
        status: status.clone(),
        status_reason: resource.status_reason().map(str::to_owned),
        faults: resource.faults(),
    })
}

/// Failed: any `*_FAILED` status or `ROLLBACK_COMPLETE`.
pub fn is_failed<T: HasStatus>(observed: Option<&T>) -> Verdict {
    match observed.and_then(failure_of) {
        Some(failure) => Verdict::Failed(failure),
        None => Verdict::Pending,
    }
}

/// Ready: the last operation completed (`CREATE_COMPLETE`, `UPDATE_COMPLETE`, …). Fails on any
/// failure status, and when the resource disappeared (404) while waiting for it to be ready.
pub fn is_ready<T: HasStatus>(observed: Option<&T>) -> Verdict {
    let Some(resource) = observed else {
        return Verdict::Failed(Failure {
            status: ClusterStatus::DeleteComplete,
            status_reason: Some("the resource no longer exists (404)".into()),
            faults: BTreeMap::new(),
        });
    };
    if let Some(failure) = failure_of(resource) {
        return Verdict::Failed(failure);
    }
    match resource.status() {
        Some(status) if status.is_complete() => Verdict::Done,
        _ => Verdict::Pending,
    }
}

/// Deleted: 404, or status `DELETE_COMPLETE`. Fails on `DELETE_FAILED` (or any failure).
pub fn is_deleted<T: HasStatus>(observed: Option<&T>) -> Verdict {
    let Some(resource) = observed else {
        return Verdict::Done;
    };
    if let Some(failure) = failure_of(resource) {
        return Verdict::Failed(failure);
    }
    match resource.status() {
        Some(ClusterStatus::DeleteComplete) => Verdict::Done,
        _ => Verdict::Pending,
    }
}

/// Both conditions hold; a failure of either wins.
pub fn and<T>(a: impl Condition<T>, b: impl Condition<T>) -> impl Condition<T> {
    move |observed: Option<&T>| match (a.check(observed), b.check(observed)) {
        (Verdict::Failed(f), _) | (_, Verdict::Failed(f)) => Verdict::Failed(f),
        (Verdict::Done, Verdict::Done) => Verdict::Done,
        _ => Verdict::Pending,
    }
}

/// Either condition holds; a failure of either wins.
pub fn or<T>(a: impl Condition<T>, b: impl Condition<T>) -> impl Condition<T> {
    move |observed: Option<&T>| match (a.check(observed), b.check(observed)) {
        (Verdict::Failed(f), _) | (_, Verdict::Failed(f)) => Verdict::Failed(f),
        (Verdict::Done, _) | (_, Verdict::Done) => Verdict::Done,
        _ => Verdict::Pending,
    }
}

/// Holds while `a` does not; `a`'s failures pass through.
pub fn not<T>(a: impl Condition<T>) -> impl Condition<T> {
    move |observed: Option<&T>| match a.check(observed) {
        Verdict::Done => Verdict::Pending,
        Verdict::Pending => Verdict::Done,
        failed @ Verdict::Failed(_) => failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(status: &str) -> Cluster {
        serde_json::from_value(serde_json::json!({
            "uuid": "c", "status": status, "status_reason": "why",
            "faults": {"default-worker": "boom"}
        }))
        .unwrap()
    }

    #[test]
    fn ready_classifies_every_status() {
        assert_eq!(is_ready(Some(&cluster("CREATE_COMPLETE"))), Verdict::Done);
        assert_eq!(is_ready(Some(&cluster("UPDATE_COMPLETE"))), Verdict::Done);
        assert_eq!(
            is_ready(Some(&cluster("CREATE_IN_PROGRESS"))),
            Verdict::Pending
        );
        for failed in [
            "CREATE_FAILED",
            "UPDATE_FAILED",
            "DELETE_FAILED",
            "RESUME_FAILED",
            "ROLLBACK_FAILED",
            "ROLLBACK_COMPLETE",
        ] {
            match is_ready(Some(&cluster(failed))) {
                Verdict::Failed(f) => {
                    assert_eq!(f.status.as_str(), failed);
                    assert_eq!(f.status_reason.as_deref(), Some("why"));
                    assert_eq!(f.faults["default-worker"], "boom");
                }
                other => panic!("{failed}: {other:?}"),
            }
        }
        assert!(matches!(is_ready::<Cluster>(None), Verdict::Failed(_)));
    }

    #[test]
    fn deleted_counts_404_as_done() {
        assert_eq!(is_deleted::<Cluster>(None), Verdict::Done);
        assert_eq!(
            is_deleted(Some(&cluster("DELETE_IN_PROGRESS"))),
            Verdict::Pending
        );
        assert_eq!(is_deleted(Some(&cluster("DELETE_COMPLETE"))), Verdict::Done);
        assert!(matches!(
            is_deleted(Some(&cluster("DELETE_FAILED"))),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn combinators_compose() {
        let healthy = |c: Option<&Cluster>| match c.and_then(|c| c.health_status.as_ref()) {
            Some(crate::types::HealthStatus::Healthy) => Verdict::Done,
            _ => Verdict::Pending,
        };
        let both = and(is_ready::<Cluster>, healthy);
        assert_eq!(
            both.check(Some(&cluster("CREATE_COMPLETE"))),
            Verdict::Pending
        );
        let either = or(is_ready::<Cluster>, healthy);
        assert_eq!(
            either.check(Some(&cluster("CREATE_COMPLETE"))),
            Verdict::Done
        );
        let not_ready = not(is_ready::<Cluster>);
        assert_eq!(
            not_ready.check(Some(&cluster("CREATE_IN_PROGRESS"))),
            Verdict::Done
        );
        assert!(matches!(
            not_ready.check(Some(&cluster("CREATE_FAILED"))),
            Verdict::Failed(_)
        ));
    }
}
