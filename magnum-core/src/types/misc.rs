//! The smaller resources: certificates (CA get, CSR sign), quotas, stats, Magnum services,
//! federations, and the versions documents used for microversion discovery.

use serde::{Deserialize, Serialize};

use super::common::{Extra, Labels, Link, Timestamp, lenient_labels};
use super::enums::{CaCertType, FederationStatus, QuotaResource, ServiceState};
use super::patch::{PatchOp, PatchValue};
use crate::ids::{ClusterId, FederationId};
use crate::microversion::{Microversion, MicroversionParseError, VersionRange};

/// A certificate as Magnum returns it: the cluster CA (`GET /v1/certificates/{cluster}`) or a
/// freshly signed certificate (`POST /v1/certificates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Certificate {
    /// The cluster.
    #[serde(default)]
    pub cluster_uuid: Option<ClusterId>,
    /// PEM certificate (the CA, or the signed certificate).
    #[serde(default)]
    pub pem: Option<String>,
    /// The CSR that was signed (sign only).
    #[serde(default)]
    pub csr: Option<String>,
    /// Which CA (when echoed).
    #[serde(default)]
    pub ca_cert_type: Option<CaCertType>,
    /// Links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /v1/certificates`: sign a CSR with a cluster's CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SignRequest {
    /// Cluster name or UUID.
    pub cluster_uuid: String,
    /// PEM CSR.
    pub csr: String,
    /// Which CA signs (default: the Kubernetes CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_cert_type: Option<CaCertType>,
}

impl SignRequest {
    /// Sign `csr_pem` with the cluster's Kubernetes CA.
    pub fn new(cluster: impl Into<String>, csr_pem: impl Into<String>) -> Self {
        Self {
            cluster_uuid: cluster.into(),
            csr: csr_pem.into(),
            ca_cert_type: None,
        }
    }

    /// Sign with another CA (etcd, front-proxy).
    #[must_use]
    pub fn ca_cert_type(mut self, ca: CaCertType) -> Self {
        self.ca_cert_type = Some(ca);
        self
    }
}

/// A quota row (`/v1/quotas`, ≥ 1.6). A project without a row reads as the deployment default
/// (`[quotas] max_clusters_per_project`), with no `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quota {
    /// Row id (absent for a synthesized default).
    #[serde(default)]
    pub id: Option<i64>,
    /// Project.
    pub project_id: String,
    /// Resource.
    pub resource: QuotaResource,
    /// Limit.
    pub hard_limit: u32,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /v1/quotas` and `PATCH /v1/quotas/{project}/{resource}` (a full object, not
/// a JSON patch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct QuotaSpec {
    /// Project.
    pub project_id: String,
    /// Resource.
    pub resource: QuotaResource,
    /// Limit.
    pub hard_limit: u32,
}

impl QuotaSpec {
    /// A cluster quota of `hard_limit` for `project_id`.
    pub fn clusters(project_id: impl Into<String>, hard_limit: u32) -> Self {
        Self {
            project_id: project_id.into(),
            resource: QuotaResource::Cluster,
            hard_limit,
        }
    }
}

/// `GET /v1/stats` (≥ 1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Number of clusters.
    pub clusters: u64,
    /// Sum of every nodegroup's node count, masters included (null with no clusters).
    #[serde(default)]
    pub nodes: Option<u64>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A Magnum service (`GET /v1/mservices`, admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MService {
    /// Row id.
    pub id: i64,
    /// Host name.
    #[serde(default)]
    pub host: Option<String>,
    /// Binary (`magnum-conductor`).
    #[serde(default)]
    pub binary: Option<String>,
    /// `up` or `down`.
    #[serde(default)]
    pub state: Option<ServiceState>,
    /// Heartbeat count.
    #[serde(default)]
    pub report_count: Option<u64>,
    /// Administratively disabled.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Why it is disabled.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A federation (`/v1/federations`). No Magnum driver ever implemented federations; the API
/// stores them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Federation {
    /// UUID.
    pub uuid: FederationId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Owning project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Host cluster UUID.
    #[serde(default)]
    pub hostcluster_id: Option<String>,
    /// Member cluster UUIDs.
    #[serde(default)]
    pub member_ids: Option<Vec<String>>,
    /// Status.
    #[serde(default)]
    pub status: Option<FederationStatus>,
    /// Status detail.
    #[serde(default)]
    pub status_reason: Option<String>,
    /// Properties (must contain `dns-zone`).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub properties: Option<Labels>,
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

/// Body of `POST /v1/federations` (answered 202 with `{"uuid"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FederationCreate {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Host cluster UUID (required).
    pub hostcluster_id: String,
    /// Properties; Magnum requires `dns-zone`.
    pub properties: Labels,
    /// Initial member clusters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_ids: Vec<String>,
}

impl FederationCreate {
    /// A federation hosted by `hostcluster_id` serving DNS zone `dns_zone`.
    pub fn new(hostcluster_id: impl Into<String>, dns_zone: impl Into<String>) -> Self {
        let mut properties = Labels::new();
        properties.insert("dns-zone".to_owned(), dns_zone.into());
        Self {
            name: None,
            hostcluster_id: hostcluster_id.into(),
            properties,
            member_ids: Vec::new(),
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// A federation PATCH: join or leave member clusters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FederationUpdate {
    ops: Vec<PatchOp>,
}

impl FederationUpdate {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Joins a cluster (`add /member_ids`).
    #[must_use]
    pub fn join(mut self, cluster: impl Into<String>) -> Self {
        self.ops
            .push(PatchOp::add("member_ids", PatchValue::Text(cluster.into())));
        self
    }

    /// Removes a member (`remove /member_ids` with the member as value).
    #[must_use]
    pub fn unjoin(mut self, cluster: impl Into<String>) -> Self {
        self.ops.push(PatchOp::remove_value(
            "member_ids",
            PatchValue::Text(cluster.into()),
        ));
        self
    }

    /// The operations.
    pub fn ops(&self) -> &[PatchOp] {
        &self.ops
    }
}

/// Magnum's root document (`GET /`): the API versions it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VersionsDocument {
    /// Service name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// API versions (Magnum has one: `v1`).
    #[serde(default)]
    pub versions: Vec<ApiVersion>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of [`VersionsDocument::versions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiVersion {
    /// `v1`.
    pub id: String,
    /// `CURRENT`.
    #[serde(default)]
    pub status: Option<String>,
    /// Lowest microversion.
    #[serde(default)]
    pub min_version: Option<String>,
    /// Highest microversion.
    #[serde(default)]
    pub max_version: Option<String>,
    /// Links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VersionsDocument {
    /// The microversion range of API `v1`, if the document advertises one.
    ///
    /// # Errors
    /// A malformed `min_version`/`max_version`.
    pub fn v1_range(&self) -> Result<Option<VersionRange>, MicroversionParseError> {
        let Some(v1) = self.versions.iter().find(|v| v.id == "v1") else {
            return Ok(None);
        };
        match (&v1.min_version, &v1.max_version) {
            (Some(min), Some(max)) => Ok(Some(VersionRange::new(
                min.parse::<Microversion>()?,
                max.parse::<Microversion>()?,
            ))),
            _ => Ok(None),
        }
    }
}
