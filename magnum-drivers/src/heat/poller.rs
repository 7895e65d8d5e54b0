//! The Heat poller's status rules as pure functions (`HeatPoller`, Magnum's source and unit tests,
//! vectors §8.5): a nodegroup whose stack vanished, and the aggregation of nodegroup statuses
//! into the cluster's status and `status_reason`.

use magnum_core::types::ClusterStatus;

use crate::driver::NodeGroupRecord;

/// A nodegroup whose stack Heat no longer knows (404): `DELETE_IN_PROGRESS` → `DELETE_COMPLETE`,
/// `CREATE_IN_PROGRESS` → `CREATE_FAILED`, `UPDATE_IN_PROGRESS` → `UPDATE_FAILED`, with Magnum's
/// reason; any other status is left alone (`None`).
pub fn status_when_stack_missing(
    current: &ClusterStatus,
    stack_id: &str,
) -> Option<(ClusterStatus, Option<String>)> {
    let reason = || Some(format!("Stack with id {stack_id} not found in Heat."));
    match current {
        ClusterStatus::DeleteInProgress => Some((ClusterStatus::DeleteComplete, None)),
        ClusterStatus::CreateInProgress => Some((ClusterStatus::CreateFailed, reason())),
        ClusterStatus::UpdateInProgress => Some((ClusterStatus::UpdateFailed, reason())),
        _ => None,
    }
}

/// Magnum's `aggregate_nodegroup_statuses`: the cluster's status from its nodegroups.
///
/// The action is DELETE when the default master nodegroup is deleting, else UPDATE. The first
/// state any nodegroup is in, by priority `_IN_PROGRESS` > `_FAILED` > `_COMPLETE`, decides:
/// with non-default nodegroups the status is `<action><state>`, otherwise the default
/// master's status verbatim. A `CREATE_COMPLETE` after anything but a create becomes
/// `UPDATE_COMPLETE`. A failed result's reason lists the failed nodegroups
/// (`"<name> failed, …"`); otherwise the reason is `None`.
pub fn aggregate_nodegroup_statuses(
    previous: &ClusterStatus,
    nodegroups: &[NodeGroupRecord],
) -> (ClusterStatus, Option<String>) {
    let master = nodegroups.iter().find(|n| n.is_default && n.is_master());
    let master_status = master.map_or_else(|| previous.clone(), |m| m.status.clone());
    let action = if master_status.as_str().starts_with("DELETE") {
        "DELETE"
    } else {
        "UPDATE"
    };
    let extra = nodegroups.iter().any(|n| !n.is_default);
    let mut status = None;
    for state in ["_IN_PROGRESS", "_FAILED", "_COMPLETE"] {
        if nodegroups
            .iter()
            .any(|n| n.status.as_str().ends_with(state))
        {
            status = Some(if extra {
                ClusterStatus::parse(&format!("{action}{state}"))
            } else {
                master_status.clone()
            });
            break;
        }
    }
    let mut status = status.unwrap_or_else(|| previous.clone());
    if status == ClusterStatus::CreateComplete
        && !matches!(
            previous,
            ClusterStatus::CreateComplete | ClusterStatus::CreateInProgress
        )
    {
        status = ClusterStatus::UpdateComplete;
    }
    let reason = status.as_str().ends_with("_FAILED").then(|| {
        nodegroups
            .iter()
            .filter(|n| n.status.as_str().ends_with("_FAILED"))
            .map(|n| format!("{} failed", n.name))
            .collect::<Vec<_>>()
            .join(", ")
    });
    (status, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClusterStatus as S;

    fn ng(name: &str, role: &str, default: bool, status: S) -> NodeGroupRecord {
        let mut ng = NodeGroupRecord::new(name, name, role, 1);
        ng.is_default = default;
        ng.status = status;
        ng
    }

    fn defaults(status: &S) -> Vec<NodeGroupRecord> {
        vec![
            ng("worker_ng", "worker", true, status.clone()),
            ng("master_ng", "master", true, status.clone()),
        ]
    }

    #[test]
    fn defaults_only_follow_the_stack() {
        // §8.5 vectors 1, 2, 3, 5, 6.
        let cases = [
            (
                S::CreateInProgress,
                S::CreateInProgress,
                S::CreateInProgress,
            ),
            (S::CreateInProgress, S::CreateComplete, S::CreateComplete),
            (S::CreateInProgress, S::CreateFailed, S::CreateFailed),
            (S::DeleteInProgress, S::DeleteComplete, S::DeleteComplete),
            (
                S::UpdateInProgress,
                S::RollbackComplete,
                S::RollbackComplete,
            ),
            (S::UpdateInProgress, S::RollbackFailed, S::RollbackFailed),
            (S::UpdateInProgress, S::UpdateComplete, S::UpdateComplete),
        ];
        for (previous, stack, expected) in cases {
            let (status, _) = aggregate_nodegroup_statuses(&previous, &defaults(&stack));
            assert_eq!(status, expected, "previous {previous}, stack {stack}");
        }
    }

    #[test]
    fn create_complete_after_an_update_reads_update_complete() {
        let (status, reason) =
            aggregate_nodegroup_statuses(&S::UpdateInProgress, &defaults(&S::CreateComplete));
        assert_eq!((status, reason), (S::UpdateComplete, None));
    }

    #[test]
    fn extra_nodegroups_use_the_action() {
        // §8.5 vector 7.
        let mut ngs = defaults(&S::CreateComplete);
        ngs.push(ng("ng1", "worker", false, S::CreateInProgress));
        assert_eq!(
            aggregate_nodegroup_statuses(&S::UpdateInProgress, &ngs).0,
            S::UpdateInProgress
        );
        // Vector 8: in progress beats failed.
        let mut ngs = defaults(&S::CreateComplete);
        ngs.push(ng("ng1", "worker", false, S::CreateFailed));
        ngs.push(ng("ng2", "worker", false, S::UpdateInProgress));
        assert_eq!(
            aggregate_nodegroup_statuses(&S::UpdateInProgress, &ngs),
            (S::UpdateInProgress, None)
        );
        // Vector 9.
        let mut ngs = defaults(&S::UpdateFailed);
        ngs.push(ng("ng1", "worker", false, S::UpdateComplete));
        let (status, reason) = aggregate_nodegroup_statuses(&S::UpdateInProgress, &ngs);
        assert_eq!(status, S::UpdateFailed);
        assert_eq!(
            reason.as_deref(),
            Some("worker_ng failed, master_ng failed")
        );
        let mut ngs = defaults(&S::RollbackFailed);
        ngs.push(ng("ng1", "worker", false, S::UpdateComplete));
        assert_eq!(
            aggregate_nodegroup_statuses(&S::UpdateInProgress, &ngs).0,
            S::UpdateFailed
        );
    }

    #[test]
    fn deleting_with_extra_nodegroups() {
        // §8.5 vector 10.
        let mut ngs = defaults(&S::DeleteFailed);
        ngs.push(ng("ng1", "worker", false, S::DeleteInProgress));
        assert_eq!(
            aggregate_nodegroup_statuses(&S::DeleteInProgress, &ngs).0,
            S::DeleteInProgress
        );
        // The completed extra nodegroup is destroyed by the poller; the defaults' failure remains.
        let (status, reason) =
            aggregate_nodegroup_statuses(&S::DeleteInProgress, &defaults(&S::DeleteFailed));
        assert_eq!(status, S::DeleteFailed);
        let reason = reason.unwrap_or_default();
        assert!(
            reason.contains("worker_ng") && reason.contains("master_ng"),
            "{reason}"
        );
    }

    #[test]
    fn missing_stack_vector() {
        // §8.5 vector 11.
        assert_eq!(
            status_when_stack_missing(&S::CreateInProgress, "s1"),
            Some((
                S::CreateFailed,
                Some("Stack with id s1 not found in Heat.".into())
            ))
        );
        assert_eq!(
            status_when_stack_missing(&S::UpdateInProgress, "s1").map(|s| s.0),
            Some(S::UpdateFailed)
        );
        assert_eq!(
            status_when_stack_missing(&S::DeleteInProgress, "s1"),
            Some((S::DeleteComplete, None))
        );
        assert_eq!(status_when_stack_missing(&S::CreateComplete, "s1"), None);
    }
}
