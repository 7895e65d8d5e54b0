//! What the cloud's Magnum can do, by microversion (pain point 29 of `docs/doctor.md`):
//! checked before a request instead of learning it from a 406 or, worse, from Magnum's 1.1
//! defaults. Pure: pass the server's maximum (`GET /`, `Client::server_versions`).

use super::preflight::{Finding, Findings, Severity};
use crate::Microversion;
use crate::types::ClusterCreate;

/// An API feature that needs a minimum microversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feature {
    /// `GET /v1/stats` (1.4).
    Stats,
    /// CA rotation, `PATCH /v1/certificates/{cluster}` (1.5).
    RotateCa,
    /// `/v1/quotas` (1.6).
    Quotas,
    /// `POST /v1/clusters/{id}/actions/resize` (1.7).
    Resize,
    /// `POST /v1/clusters/{id}/actions/upgrade` (1.8).
    Upgrade,
    /// The nodegroup API (1.9).
    Nodegroups,
    /// Zero-node clusters and nodegroups (1.10).
    ZeroNodes,
    /// `PATCH /v1/credentials/{cluster}` (1.12).
    RotateCredentials,
    /// Nodegroup `node_labels` / `node_taints` (1.14).
    NodeLabels,
}

impl Feature {
    /// The first microversion that has it.
    pub fn since(self) -> Microversion {
        match self {
            Self::Stats => Microversion::V1_4,
            Self::RotateCa => Microversion::V1_5,
            Self::Quotas => Microversion::V1_6,
            Self::Resize => Microversion::V1_7,
            Self::Upgrade => Microversion::V1_8,
            Self::Nodegroups => Microversion::V1_9,
            Self::ZeroNodes => Microversion::V1_10,
            Self::RotateCredentials => Microversion::V1_12,
            Self::NodeLabels => Microversion::V1_14,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Stats => "cluster statistics",
            Self::RotateCa => "CA rotation",
            Self::Quotas => "quotas",
            Self::Resize => "cluster resize",
            Self::Upgrade => "cluster upgrade",
            Self::Nodegroups => "nodegroups",
            Self::ZeroNodes => "zero-node clusters and nodegroups",
            Self::RotateCredentials => "credential rotation",
            Self::NodeLabels => "nodegroup node_labels / node_taints",
        }
    }
}

/// Whether a Magnum whose maximum microversion is `server_max` has `feature`.
pub fn check_feature(feature: Feature, server_max: Microversion) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    let since = feature.since();
    if server_max < since {
        f.add(
            "MAGNUM-PREFLIGHT-MICROVERSION",
            Severity::Error,
            "microversion",
            format!(
                "This Magnum supports microversions up to {server_max}; {} needs {since}.",
                feature.name()
            ),
            "The cloud's Magnum is too old for this; ask the operators which release they run, or do without the feature.",
            29,
        );
    }
    f.0
}

/// Version rules of a cluster create: `node_count=0` needs 1.10 (Magnum's
/// `ZeroNodeCountNotSupported`).
pub fn check_cluster_version(cluster: &ClusterCreate, server_max: Microversion) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    if cluster.node_count == Some(0) && server_max < Feature::ZeroNodes.since() {
        f.add(
            "MAGNUM-PREFLIGHT-MICROVERSION",
            Severity::Error,
            "node_count",
            "Resizing a nodegroup to zero is not supported in the provided microversion.".into(),
            "Create the cluster with at least one worker; this Magnum predates zero-node clusters (1.10).",
            29,
        );
    }
    f.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_by_server_version() {
        assert!(check_feature(Feature::Resize, Microversion::V1_12).is_empty());
        let old = check_feature(Feature::Nodegroups, Microversion::V1_8);
        assert_eq!(old[0].code, "MAGNUM-PREFLIGHT-MICROVERSION");
        assert_eq!(
            old[0].message,
            "This Magnum supports microversions up to 1.8; nodegroups needs 1.9."
        );
        assert!(!check_feature(Feature::NodeLabels, Microversion::V1_12).is_empty());
        assert!(check_feature(Feature::NodeLabels, Microversion::V1_14).is_empty());
    }

    #[test]
    fn zero_node_clusters_need_1_10() {
        let zero = ClusterCreate::new("k8s").node_count(0u32);
        let found = check_cluster_version(&zero, Microversion::V1_9);
        assert_eq!(
            found[0].message,
            "Resizing a nodegroup to zero is not supported in the provided microversion."
        );
        assert!(check_cluster_version(&zero, Microversion::V1_10).is_empty());
        let one = ClusterCreate::new("k8s").node_count(1u32);
        assert!(check_cluster_version(&one, Microversion::V1_1).is_empty());
    }
}
