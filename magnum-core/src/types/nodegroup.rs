//! NodeGroup (API ≥ 1.9, `/v1/clusters/{cluster}/nodegroups`): the response model, the create
//! body, taints, and the PATCH changes Magnum allows (min/max counts, node labels and taints).

use serde::{Deserialize, Serialize};

use super::common::{Extra, Labels, Link, Timestamp, lenient_labels};
use super::enums::{ClusterStatus, NodeGroupRole, TaintEffect};
use super::patch::{PatchOp, PatchValue, python_str_literal};
use crate::ids::NodeGroupId;
use crate::microversion::Microversion;

/// A Kubernetes taint on a nodegroup's nodes (`node_taints`, microversion 1.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Taint {
    /// Taint key (required).
    pub key: String,
    /// Taint value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Effect.
    pub effect: TaintEffect,
}

impl Taint {
    /// A taint `key=value:effect`.
    pub fn new(key: impl Into<String>, value: Option<String>, effect: TaintEffect) -> Self {
        Self {
            key: key.into(),
            value,
            effect,
        }
    }

    fn python_literal(&self) -> String {
        let mut parts = vec![format!("'key': {}", python_str_literal(&self.key))];
        if let Some(value) = &self.value {
            parts.push(format!("'value': {}", python_str_literal(value)));
        }
        parts.push(format!(
            "'effect': {}",
            python_str_literal(self.effect.as_str())
        ));
        format!("{{{}}}", parts.join(", "))
    }
}

/// A nodegroup as Magnum returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeGroup {
    /// Nodegroup UUID.
    pub uuid: NodeGroupId,
    /// Database id (integer).
    #[serde(default)]
    pub id: Option<i64>,
    /// Name (unique within the cluster).
    #[serde(default)]
    pub name: Option<String>,
    /// Owning cluster UUID.
    #[serde(default)]
    pub cluster_id: Option<String>,
    /// Owning project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Docker volume size (GB).
    #[serde(default)]
    pub docker_volume_size: Option<u32>,
    /// Labels (driver labels, inherited from the cluster).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels: Option<Labels>,
    /// Cluster labels overridden here, with the cluster's values.
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels_overridden: Option<Labels>,
    /// Labels added here.
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels_added: Option<Labels>,
    /// Cluster labels not carried here.
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels_skipped: Option<Labels>,
    /// Whether labels were merged.
    #[serde(default)]
    pub merge_labels: Option<bool>,
    /// Flavor.
    #[serde(default)]
    pub flavor_id: Option<String>,
    /// Image.
    #[serde(default)]
    pub image_id: Option<String>,
    /// Node addresses.
    #[serde(default)]
    pub node_addresses: Option<Vec<String>>,
    /// Node count.
    #[serde(default)]
    pub node_count: Option<u32>,
    /// Role (`master`, `worker` or any custom role).
    #[serde(default)]
    pub role: Option<NodeGroupRole>,
    /// Autoscaler lower bound.
    #[serde(default)]
    pub min_node_count: Option<u32>,
    /// Autoscaler upper bound.
    #[serde(default)]
    pub max_node_count: Option<u32>,
    /// One of the two nodegroups created with the cluster.
    #[serde(default)]
    pub is_default: Option<bool>,
    /// Orchestration id.
    #[serde(default)]
    pub stack_id: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<ClusterStatus>,
    /// Status detail.
    #[serde(default)]
    pub status_reason: Option<String>,
    /// COE version.
    #[serde(default)]
    pub version: Option<String>,
    /// Kubernetes node labels (microversion 1.14).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub node_labels: Option<Labels>,
    /// Kubernetes taints (microversion 1.14).
    #[serde(default)]
    pub node_taints: Option<Vec<Taint>>,
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

/// Body of `POST /v1/clusters/{cluster}/nodegroups` (answered 202 with the nodegroup).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NodeGroupCreate {
    /// Name (required, unique per cluster).
    pub name: String,
    /// Node count (0 needs 1.10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_count: Option<u32>,
    /// Autoscaler lower bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_node_count: Option<u32>,
    /// Autoscaler upper bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_node_count: Option<u32>,
    /// Role (default `worker`; `master` is refused by Magnum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<NodeGroupRole>,
    /// Flavor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flavor_id: Option<String>,
    /// Image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// Docker volume size (GB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_volume_size: Option<u32>,
    /// Driver labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// Merge labels with the cluster's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_labels: Option<bool>,
    /// Kubernetes node labels (1.14).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_labels: Option<Labels>,
    /// Kubernetes taints (1.14).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_taints: Option<Vec<Taint>>,
}

impl NodeGroupCreate {
    /// Starts a create body.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            node_count: None,
            min_node_count: None,
            max_node_count: None,
            role: None,
            flavor_id: None,
            image_id: None,
            docker_volume_size: None,
            labels: None,
            merge_labels: None,
            node_labels: None,
            node_taints: None,
        }
    }

    /// Adds one Kubernetes node label (1.14).
    #[must_use]
    pub fn node_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.node_labels
            .get_or_insert_with(Labels::new)
            .insert(key.into(), value.into());
        self
    }

    /// Adds one taint (1.14).
    #[must_use]
    pub fn taint(mut self, taint: Taint) -> Self {
        self.node_taints.get_or_insert_with(Vec::new).push(taint);
        self
    }

    /// 1.14 with node labels or taints, 1.10 with zero nodes, else 1.9.
    pub fn min_microversion(&self) -> Microversion {
        if self.node_labels.is_some() || self.node_taints.is_some() {
            Microversion::V1_14
        } else if self.node_count == Some(0) {
            Microversion::V1_10
        } else {
            Microversion::V1_9
        }
    }
}

super::setters!(NodeGroupCreate {
    /// Sets the node count.
    node_count: u32,
    /// Sets the autoscaler lower bound.
    min_node_count: u32,
    /// Sets the autoscaler upper bound.
    max_node_count: u32,
    /// Sets the role.
    role: NodeGroupRole,
    /// Sets the flavor.
    flavor_id: String,
    /// Sets the image.
    image_id: String,
    /// Sets the docker volume size.
    docker_volume_size: u32,
    /// Replaces the driver labels.
    labels: Labels,
    /// Merges labels with the cluster's.
    merge_labels: bool,
    /// Replaces the node labels.
    node_labels: Labels,
    /// Replaces the taints.
    node_taints: Vec<Taint>,
});

/// The nodegroup attributes Magnum lets a PATCH change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NodeGroupChange {
    /// Autoscaler lower bound.
    MinNodeCount(u32),
    /// Autoscaler upper bound.
    MaxNodeCount(u32),
    /// Remove the upper bound.
    ClearMaxNodeCount,
    /// Replace the node labels (1.14).
    NodeLabels(Labels),
    /// Replace the taints (1.14).
    NodeTaints(Vec<Taint>),
}

/// A nodegroup PATCH document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct NodeGroupUpdate {
    ops: Vec<PatchOp>,
    #[serde(skip)]
    needs_1_14: bool,
}

impl NodeGroupUpdate {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a change.
    #[must_use]
    pub fn set(mut self, change: NodeGroupChange) -> Self {
        let op = match change {
            NodeGroupChange::MinNodeCount(n) => PatchOp::replace("min_node_count", n.into()),
            NodeGroupChange::MaxNodeCount(n) => PatchOp::replace("max_node_count", n.into()),
            NodeGroupChange::ClearMaxNodeCount => PatchOp::remove("max_node_count"),
            NodeGroupChange::NodeLabels(map) => {
                self.needs_1_14 = true;
                PatchOp::replace(
                    "node_labels",
                    PatchValue::dict(map.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                )
            }
            NodeGroupChange::NodeTaints(taints) => {
                self.needs_1_14 = true;
                let items: Vec<String> = taints.iter().map(Taint::python_literal).collect();
                PatchOp::replace(
                    "node_taints",
                    PatchValue::Text(format!("[{}]", items.join(", "))),
                )
            }
        };
        self.ops.push(op);
        self
    }

    /// The operations.
    pub fn ops(&self) -> &[PatchOp] {
        &self.ops
    }

    /// 1.14 when node labels or taints change, else 1.9.
    pub fn min_microversion(&self) -> Microversion {
        if self.needs_1_14 {
            Microversion::V1_14
        } else {
            Microversion::V1_9
        }
    }
}
