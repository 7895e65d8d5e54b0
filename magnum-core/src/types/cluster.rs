//! Cluster: the response model, the create request, the PATCH changes Magnum allows (node count
//! and health only), and the resize / upgrade action bodies. Each request knows the lowest
//! microversion its *values* need (e.g. `node_count = 0` needs 1.10).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{Extra, Labels, Link, Timestamp, lenient_labels};
use super::enums::{ClusterStatus, HealthStatus};
use super::patch::{PatchOp, PatchValue};
use crate::ids::{ClusterId, ClusterTemplateId};
use crate::microversion::Microversion;

/// A cluster as Magnum returns it. The list (summary) view fills only a subset of fields; detail
/// and get-one fill all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cluster {
    /// Cluster UUID.
    pub uuid: ClusterId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Template UUID.
    #[serde(default)]
    pub cluster_template_id: Option<ClusterTemplateId>,
    /// Nova keypair.
    #[serde(default)]
    pub keypair: Option<String>,
    /// Worker node count (sum of non-master nodegroups).
    #[serde(default)]
    pub node_count: Option<u32>,
    /// Master count (sum of master nodegroups).
    #[serde(default)]
    pub master_count: Option<u32>,
    /// Docker volume size (GB).
    #[serde(default)]
    pub docker_volume_size: Option<u32>,
    /// Labels.
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels: Option<Labels>,
    /// Template labels this cluster overrides, with the **template's** values (detail view).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels_overridden: Option<Labels>,
    /// Labels the cluster adds to the template's (detail view).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels_added: Option<Labels>,
    /// Template labels the cluster does not carry (detail view).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels_skipped: Option<Labels>,
    /// Whether labels were merged with the template's at create time.
    #[serde(default)]
    pub merge_labels: Option<bool>,
    /// Master flavor.
    #[serde(default)]
    pub master_flavor_id: Option<String>,
    /// Worker flavor.
    #[serde(default)]
    pub flavor_id: Option<String>,
    /// Create timeout in minutes.
    #[serde(default)]
    pub create_timeout: Option<u32>,
    /// Orchestration (Heat stack) id — sent by servers below microversion 1.13.
    #[serde(default)]
    pub stack_id: Option<String>,
    /// Orchestration id — replaces `stack_id` from microversion 1.13 (`magnum/api/controllers/v1/cluster.py`).
    #[serde(default)]
    pub cluster_id: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<ClusterStatus>,
    /// Why the status is what it is (Heat's message on failure).
    #[serde(default)]
    pub status_reason: Option<String>,
    /// Health.
    #[serde(default)]
    pub health_status: Option<HealthStatus>,
    /// Per-check health detail, e.g. `{"api": "ok", "node-0.Ready": "True"}`.
    #[serde(default, deserialize_with = "lenient_labels")]
    pub health_status_reason: Option<Labels>,
    /// etcd discovery URL.
    #[serde(default)]
    pub discovery_url: Option<String>,
    /// Kubernetes API address, e.g. `https://172.24.4.6:6443`.
    #[serde(default)]
    pub api_address: Option<String>,
    /// COE version.
    #[serde(default)]
    pub coe_version: Option<String>,
    /// Container runtime version.
    #[serde(default)]
    pub container_version: Option<String>,
    /// Owning project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Creating user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Worker addresses.
    #[serde(default)]
    pub node_addresses: Option<Vec<String>>,
    /// Master addresses.
    #[serde(default)]
    pub master_addresses: Option<Vec<String>>,
    /// `{nodegroup name: status_reason}` for failed nodegroups (get-one of a failed cluster).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub faults: Option<BTreeMap<String, String>>,
    /// Fixed network.
    #[serde(default)]
    pub fixed_network: Option<String>,
    /// Fixed subnet.
    #[serde(default)]
    pub fixed_subnet: Option<String>,
    /// Floating IPs on nodes.
    #[serde(default)]
    pub floating_ip_enabled: Option<bool>,
    /// Master load balancer.
    #[serde(default)]
    pub master_lb_enabled: Option<bool>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// Links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Cluster {
    /// The orchestration id whatever the microversion: `cluster_id` (≥ 1.13) or `stack_id`.
    pub fn orchestration_id(&self) -> Option<&str> {
        self.cluster_id.as_deref().or(self.stack_id.as_deref())
    }
}

/// Body of `POST /v1/clusters` (answered with 202 and `{"uuid"}`).
///
/// ```
/// # use magnum_core::types::ClusterCreate;
/// # use magnum_core::Microversion;
/// let body = ClusterCreate::new("k8s-template").name("prod").node_count(0u32).master_count(3u32);
/// assert_eq!(body.min_microversion(), Microversion::V1_10); // zero workers need 1.10
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClusterCreate {
    /// Template name or UUID (required).
    pub cluster_template_id: String,
    /// Name (`^[a-zA-Z][a-zA-Z0-9_.-]*$`, ≤ 242 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Keypair (defaults to the template's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keypair: Option<String>,
    /// Masters (odd).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_count: Option<u32>,
    /// Workers (0 needs microversion 1.10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_count: Option<u32>,
    /// Docker volume size (GB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_volume_size: Option<u32>,
    /// Labels (replace the template's unless `merge_labels`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// Merge `labels` into the template's instead of replacing them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_labels: Option<bool>,
    /// Master flavor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_flavor_id: Option<String>,
    /// Worker flavor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flavor_id: Option<String>,
    /// Create timeout in minutes (0 = driver default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_timeout: Option<u32>,
    /// etcd discovery URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
    /// Fixed network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_network: Option<String>,
    /// Fixed subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_subnet: Option<String>,
    /// Floating IPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floating_ip_enabled: Option<bool>,
    /// Master load balancer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_lb_enabled: Option<bool>,
}

impl ClusterCreate {
    /// Starts a create body from a template name or UUID.
    pub fn new(cluster_template: impl Into<String>) -> Self {
        Self {
            cluster_template_id: cluster_template.into(),
            name: None,
            keypair: None,
            master_count: None,
            node_count: None,
            docker_volume_size: None,
            labels: None,
            merge_labels: None,
            master_flavor_id: None,
            flavor_id: None,
            create_timeout: None,
            discovery_url: None,
            fixed_network: None,
            fixed_subnet: None,
            floating_ip_enabled: None,
            master_lb_enabled: None,
        }
    }

    /// Adds one label (keeps the others).
    #[must_use]
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels
            .get_or_insert_with(Labels::new)
            .insert(key.into(), value.into());
        self
    }

    /// The lowest microversion that accepts this body: 1.10 when `node_count` is 0, else 1.1.
    pub fn min_microversion(&self) -> Microversion {
        if self.node_count == Some(0) {
            Microversion::V1_10
        } else {
            Microversion::V1_1
        }
    }
}

super::setters!(ClusterCreate {
    /// Sets the name.
    name: String,
    /// Sets the keypair.
    keypair: String,
    /// Sets the master count.
    master_count: u32,
    /// Sets the worker count.
    node_count: u32,
    /// Sets the docker volume size (GB).
    docker_volume_size: u32,
    /// Replaces all labels.
    labels: Labels,
    /// Merges labels into the template's.
    merge_labels: bool,
    /// Sets the master flavor.
    master_flavor_id: String,
    /// Sets the worker flavor.
    flavor_id: String,
    /// Sets the create timeout (minutes).
    create_timeout: u32,
    /// Sets the etcd discovery URL.
    discovery_url: String,
    /// Sets the fixed network.
    fixed_network: String,
    /// Sets the fixed subnet.
    fixed_subnet: String,
    /// Enables floating IPs.
    floating_ip_enabled: bool,
    /// Enables the master load balancer.
    master_lb_enabled: bool,
});

/// The only cluster attributes Magnum lets a PATCH change ("cannot change cluster
/// property(ies)" otherwise). Resize is the richer way to change the node count.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClusterChange {
    /// Default worker nodegroup size (0 needs microversion 1.10).
    NodeCount(u32),
    /// Health status (normally set by the health monitor).
    HealthStatus(HealthStatus),
    /// Health detail.
    HealthStatusReason(Labels),
}

/// A cluster PATCH: typed changes plus Magnum's `rollback` flag (≥ 1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterUpdate {
    ops: Vec<PatchOp>,
    min_version: Option<Microversion>,
    rollback: Option<bool>,
}

impl ClusterUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a change.
    #[must_use]
    pub fn set(mut self, change: ClusterChange) -> Self {
        let op = match change {
            ClusterChange::NodeCount(count) => {
                if count == 0 {
                    self.raise(Microversion::V1_10);
                }
                PatchOp::replace("node_count", count.into())
            }
            ClusterChange::HealthStatus(status) => PatchOp::replace(
                "health_status",
                PatchValue::Text(status.as_str().to_owned()),
            ),
            ClusterChange::HealthStatusReason(map) => PatchOp::replace(
                "health_status_reason",
                PatchValue::dict(map.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ),
        };
        self.ops.push(op);
        self
    }

    /// Asks Magnum to roll back on failure (`?rollback=True`, microversion 1.3).
    #[must_use]
    pub fn rollback(mut self, rollback: bool) -> Self {
        self.rollback = Some(rollback);
        self.raise(Microversion::V1_3);
        self
    }

    fn raise(&mut self, version: Microversion) {
        self.min_version = Some(self.min_version.map_or(version, |v| v.max(version)));
    }

    /// The JSON-patch operations.
    pub fn ops(&self) -> &[PatchOp] {
        &self.ops
    }

    /// The rollback flag, if set.
    pub fn rollback_flag(&self) -> Option<bool> {
        self.rollback
    }

    /// The lowest microversion that accepts this update.
    pub fn min_microversion(&self) -> Microversion {
        self.min_version.unwrap_or(Microversion::V1_1)
    }
}

/// Body of `POST /v1/clusters/{id}/actions/resize` (≥ 1.7; resizing to 0 needs 1.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResizeRequest {
    /// The new node count of the nodegroup.
    pub node_count: u32,
    /// Server ids to remove first when shrinking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes_to_remove: Vec<String>,
    /// Nodegroup name or UUID (default: the default worker nodegroup).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodegroup: Option<String>,
}

impl ResizeRequest {
    /// Resize the default worker nodegroup to `node_count`.
    pub fn new(node_count: u32) -> Self {
        Self {
            node_count,
            nodes_to_remove: Vec::new(),
            nodegroup: None,
        }
    }

    /// Resize this nodegroup instead of the default worker one.
    #[must_use]
    pub fn nodegroup(mut self, nodegroup: impl Into<String>) -> Self {
        self.nodegroup = Some(nodegroup.into());
        self
    }

    /// Remove these servers when shrinking.
    #[must_use]
    pub fn nodes_to_remove(mut self, servers: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.nodes_to_remove = servers.into_iter().map(Into::into).collect();
        self
    }

    /// 1.10 for a resize to zero nodes, else 1.7.
    pub fn min_microversion(&self) -> Microversion {
        if self.node_count == 0 {
            Microversion::V1_10
        } else {
            Microversion::V1_7
        }
    }
}

/// Body of `POST /v1/clusters/{id}/actions/upgrade` (≥ 1.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UpgradeRequest {
    /// Target template name or UUID.
    pub cluster_template: String,
    /// Nodes upgraded at once (clients default to 1).
    #[serde(default = "one")]
    pub max_batch_size: u32,
    /// Nodegroup to upgrade (default: the default worker nodegroup).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodegroup: Option<String>,
}

fn one() -> u32 {
    1
}

impl UpgradeRequest {
    /// Upgrade to `cluster_template`, one node at a time.
    pub fn new(cluster_template: impl Into<String>) -> Self {
        Self {
            cluster_template: cluster_template.into(),
            max_batch_size: 1,
            nodegroup: None,
        }
    }

    /// Nodes upgraded at once.
    #[must_use]
    pub fn max_batch_size(mut self, size: u32) -> Self {
        self.max_batch_size = size;
        self
    }

    /// Upgrade this nodegroup.
    #[must_use]
    pub fn nodegroup(mut self, nodegroup: impl Into<String>) -> Self {
        self.nodegroup = Some(nodegroup.into());
        self
    }
}
