//! The `Driver` contract (Magnum's `magnum/drivers/common/driver.py`) and the conductor-side
//! records a driver works on. Optional operations default to Magnum's answers: master size must
//! be odd, master resize / CA rotation / credential rotation / upgrade are "not supported".

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use magnum_core::types::{
    ClusterStatus, ClusterTemplate, Coe, HealthStatus, Labels, OsDistro, ServerType,
};

/// The triple a driver provides and Magnum selects by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DriverKey {
    /// `vm` or `bm`.
    pub server_type: ServerType,
    /// The image's `os_distro` (`None` when the image has none — Magnum's infamous
    /// "Cluster type (vm, None, kubernetes)").
    pub os_distro: Option<OsDistro>,
    /// The COE.
    pub coe: Coe,
}

impl DriverKey {
    /// Builds a key.
    pub fn new(server_type: ServerType, os_distro: Option<OsDistro>, coe: Coe) -> Self {
        Self {
            server_type,
            os_distro,
            coe,
        }
    }

    /// The key of a template (`server_type` defaults to `vm` like Magnum; `coe` to kubernetes).
    pub fn of_template(template: &ClusterTemplate) -> Self {
        Self {
            server_type: template.server_type.clone().unwrap_or(ServerType::Vm),
            os_distro: template.cluster_distro.clone(),
            coe: template.coe.clone().unwrap_or(Coe::Kubernetes),
        }
    }
}

impl fmt::Display for DriverKey {
    /// Magnum's tuple formatting, with Python's `None` for a missing distro.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let distro = self.os_distro.as_ref().map_or("None", OsDistro::as_str);
        write!(f, "({}, {}, {})", self.server_type, distro, self.coe)
    }
}

/// A nodegroup as the conductor tracks it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NodeGroupRecord {
    /// UUID.
    pub uuid: String,
    /// Name (`default-master`, `default-worker`, or the user's).
    pub name: String,
    /// `master` or `worker` (or a custom role).
    pub role: String,
    /// Nodes.
    pub node_count: u32,
    /// Autoscaler lower bound.
    pub min_node_count: u32,
    /// Autoscaler upper bound.
    pub max_node_count: Option<u32>,
    /// Flavor.
    pub flavor_id: Option<String>,
    /// Image.
    pub image_id: Option<String>,
    /// Docker volume size.
    pub docker_volume_size: Option<u32>,
    /// Labels.
    pub labels: Labels,
    /// Created with the cluster.
    pub is_default: bool,
    /// Status.
    pub status: ClusterStatus,
    /// Status detail.
    pub status_reason: Option<String>,
    /// Node addresses.
    pub node_addresses: Vec<String>,
    /// Orchestration id.
    pub stack_id: Option<String>,
}

impl NodeGroupRecord {
    /// A new nodegroup in `CREATE_IN_PROGRESS`.
    pub fn new(
        uuid: impl Into<String>,
        name: impl Into<String>,
        role: impl Into<String>,
        node_count: u32,
    ) -> Self {
        Self {
            uuid: uuid.into(),
            name: name.into(),
            role: role.into(),
            node_count,
            min_node_count: 0,
            max_node_count: None,
            flavor_id: None,
            image_id: None,
            docker_volume_size: None,
            labels: Labels::new(),
            is_default: false,
            status: ClusterStatus::CreateInProgress,
            status_reason: None,
            node_addresses: Vec::new(),
            stack_id: None,
        }
    }

    /// Whether this is a master nodegroup.
    pub fn is_master(&self) -> bool {
        self.role == "master"
    }

    /// Magnum's `NodeGroupInvalidInput` checks of `min_node_count ≤ node_count ≤
    /// max_node_count` (and `min ≤ max`), with its messages.
    ///
    /// # Errors
    /// [`DriverError::Conflict`] (HTTP 409) naming the offending attribute.
    pub fn check_bounds(&self) -> Result<(), DriverError> {
        let (name, min, count) = (&self.name, self.min_node_count, self.node_count);
        if let Some(max) = self.max_node_count {
            if max < min {
                return Err(DriverError::Conflict(format!(
                    "max_node_count for {name} is invalid (min_node_count ({min}) should be less or equal to max_node_count ({max}))."
                )));
            }
            if count > max {
                return Err(DriverError::Conflict(format!(
                    "max_node_count for {name} is invalid (node_count ({count}) should be less or equal to max_node_count ({max}))."
                )));
            }
        }
        if min > count {
            return Err(DriverError::Conflict(format!(
                "min_node_count for {name} is invalid (min_node_count ({min}) should be less or equal to node_count ({count}))."
            )));
        }
        Ok(())
    }
}

/// A cluster as the conductor tracks it (what Magnum keeps in its `cluster` table).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ClusterRecord {
    /// UUID.
    pub uuid: String,
    /// Name.
    pub name: String,
    /// Owning project.
    pub project_id: String,
    /// The template it was made from.
    pub template: ClusterTemplate,
    /// Labels (template labels, or the cluster's, merged per `merge_labels`).
    pub labels: Labels,
    /// Keypair.
    pub keypair: Option<String>,
    /// Create timeout in minutes (0 = driver default).
    pub create_timeout: u32,
    /// Status.
    pub status: ClusterStatus,
    /// Status detail.
    pub status_reason: Option<String>,
    /// Health.
    pub health_status: Option<HealthStatus>,
    /// Health detail.
    pub health_status_reason: Labels,
    /// Kubernetes API address.
    pub api_address: Option<String>,
    /// Orchestration id.
    pub stack_id: Option<String>,
    /// COE version.
    pub coe_version: Option<String>,
    /// Nodegroups (the two defaults first).
    pub nodegroups: Vec<NodeGroupRecord>,
    /// The trust the conductor made for the cluster's in-cluster credentials, handed to the
    /// driver for the operation at hand (Heat drivers pass it to the nodes as hidden stack
    /// parameters). Never serialized; `Debug` hides the password.
    #[serde(skip)]
    pub trust: Option<magnum_core::keystone::trust::ClusterTrust>,
}

impl ClusterRecord {
    /// A cluster about to be created.
    pub fn new(
        uuid: impl Into<String>,
        name: impl Into<String>,
        project_id: impl Into<String>,
        template: ClusterTemplate,
    ) -> Self {
        let labels = template.labels.clone().unwrap_or_default();
        Self {
            uuid: uuid.into(),
            name: name.into(),
            project_id: project_id.into(),
            template,
            labels,
            keypair: None,
            create_timeout: 60,
            status: ClusterStatus::CreateInProgress,
            status_reason: None,
            health_status: None,
            health_status_reason: Labels::new(),
            api_address: None,
            stack_id: None,
            coe_version: None,
            nodegroups: Vec::new(),
            trust: None,
        }
    }

    /// Sum of master nodegroups.
    pub fn master_count(&self) -> u32 {
        self.nodegroups
            .iter()
            .filter(|n| n.is_master())
            .map(|n| n.node_count)
            .sum()
    }

    /// Sum of worker nodegroups.
    pub fn node_count(&self) -> u32 {
        self.nodegroups
            .iter()
            .filter(|n| !n.is_master())
            .map(|n| n.node_count)
            .sum()
    }

    /// A nodegroup by name or UUID.
    pub fn nodegroup_mut(&mut self, ident: &str) -> Option<&mut NodeGroupRecord> {
        self.nodegroups
            .iter_mut()
            .find(|n| n.name == ident || n.uuid == ident)
    }

    /// The default worker nodegroup.
    pub fn default_worker_mut(&mut self) -> Option<&mut NodeGroupRecord> {
        self.nodegroups
            .iter_mut()
            .find(|n| n.is_default && !n.is_master())
    }

    /// Sets the cluster and its nodegroups (only `nodegroup`, by name or UUID, when given) to
    /// `status`, clearing the reasons — what a driver does when it starts an operation.
    pub fn mark(&mut self, status: &ClusterStatus, nodegroup: Option<&str>) {
        self.status = status.clone();
        self.status_reason = None;
        for ng in &mut self.nodegroups {
            if nodegroup.is_none_or(|n| ng.name == n || ng.uuid == n) {
                ng.status = status.clone();
                ng.status_reason = None;
            }
        }
    }

    /// `{nodegroup: status_reason}` of failed nodegroups (Magnum's `faults`).
    pub fn faults(&self) -> Labels {
        self.nodegroups
            .iter()
            .filter(|n| n.status.is_magnum_status_failed())
            .map(|n| (n.name.clone(), n.status_reason.clone().unwrap_or_default()))
            .collect()
    }
}

/// What a driver can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The operation is not supported by this driver (Magnum's `NotSupported`).
    #[error("{0}")]
    NotSupported(String),
    /// Invalid input for this driver (Magnum's `InvalidParameterValue`, HTTP 400).
    #[error("{0}")]
    InvalidParameter(String),
    /// The infrastructure refused or failed (Heat, Nova…); becomes the `status_reason`.
    #[error("{0}")]
    Infrastructure(String),
    /// The request conflicts with the cluster's state (Magnum's `Conflict` family, HTTP 409:
    /// `NodeGroupAlreadyExists`, `NodeGroupInvalidInput`, `ClusterAPIAddressUnavailable`).
    #[error("{0}")]
    Conflict(String),
    /// Another operation is in progress (Magnum's `OperationInProgress`).
    #[error("{0}")]
    InProgress(String),
}

/// A cluster driver: turns an accepted cluster into infrastructure. Object-safe: registries
/// hold `Arc<dyn Driver>`, so third-party crates can add drivers.
#[async_trait]
pub trait Driver: Send + Sync + fmt::Debug {
    /// The triples this driver provides.
    fn provides(&self) -> Vec<DriverKey>;

    /// Beta drivers are selected only when enabled in the registry configuration.
    fn beta(&self) -> bool {
        false
    }

    /// Whether the conductor must create a trustee and trust before `create_cluster`.
    fn needs_trust(&self) -> bool {
        true
    }

    /// Starts creating the cluster's infrastructure (sets e.g. `stack_id`).
    ///
    /// # Errors
    /// [`DriverError`]; the conductor marks the cluster `CREATE_FAILED` with its text.
    async fn create_cluster(
        &self,
        cluster: &mut ClusterRecord,
        timeout: Duration,
    ) -> Result<(), DriverError>;

    /// Applies node-count changes of the default worker nodegroup (Magnum's `update_cluster`).
    ///
    /// # Errors
    /// [`DriverError`].
    async fn update_cluster(
        &self,
        cluster: &mut ClusterRecord,
        rollback: bool,
    ) -> Result<(), DriverError>;

    /// Resizes `nodegroup` to `node_count`, removing `nodes_to_remove` first.
    ///
    /// # Errors
    /// [`DriverError`].
    async fn resize_cluster(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
        node_count: u32,
        nodes_to_remove: &[String],
    ) -> Result<(), DriverError>;

    /// Upgrades to `template` (default: not supported).
    ///
    /// # Errors
    /// [`DriverError::NotSupported`] unless implemented.
    async fn upgrade_cluster(
        &self,
        _cluster: &mut ClusterRecord,
        _template: &ClusterTemplate,
        _max_batch_size: u32,
        _nodegroup: &str,
    ) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "Upgrading a cluster is not supported by this driver.".into(),
        ))
    }

    /// Starts deleting the cluster's infrastructure.
    ///
    /// # Errors
    /// [`DriverError`].
    async fn delete_cluster(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError>;

    /// Cleanup before deletion (e.g. Octavia load balancers). Default: nothing.
    ///
    /// # Errors
    /// [`DriverError`].
    async fn pre_delete_cluster(&self, _cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        Ok(())
    }

    /// Refreshes `status`, `status_reason`, addresses and nodegroup statuses from the
    /// infrastructure (Magnum's periodic `update_cluster_status`).
    ///
    /// # Errors
    /// [`DriverError`] (the conductor logs it and retries next time).
    async fn update_cluster_status(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError>;

    /// Adds a nodegroup.
    ///
    /// # Errors
    /// [`DriverError`].
    async fn create_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), DriverError>;

    /// Applies a nodegroup's new bounds or size.
    ///
    /// # Errors
    /// [`DriverError`].
    async fn update_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), DriverError>;

    /// Removes a nodegroup.
    ///
    /// # Errors
    /// [`DriverError`].
    async fn delete_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), DriverError>;

    /// Magnum's `validate_master_size`: odd and at least 1.
    ///
    /// # Errors
    /// [`DriverError::InvalidParameter`] with Magnum's message.
    fn validate_master_size(&self, master_count: u32) -> Result<(), DriverError> {
        if master_count < 1 || master_count % 2 == 0 {
            return Err(DriverError::InvalidParameter(format!(
                "master nodegroup size of {master_count} is invalid, size cannot be an even number."
            )));
        }
        Ok(())
    }

    /// Magnum's `validate_master_resize`: not supported by default.
    ///
    /// # Errors
    /// [`DriverError::NotSupported`] with Magnum's message.
    fn validate_master_resize(&self, _node_count: u32) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "Resizing the master nodegroup is not supported by this driver.".into(),
        ))
    }

    /// CA rotation (default: not supported).
    ///
    /// # Errors
    /// [`DriverError::NotSupported`] unless implemented.
    async fn rotate_ca_certificate(&self, _cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "Rotating the CA certificate is not supported by this driver.".into(),
        ))
    }

    /// Credential rotation (default: not supported).
    ///
    /// # Errors
    /// [`DriverError::NotSupported`] with Magnum's message.
    async fn rotate_credential(&self, _cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "Credential rotation is not supported by driver.".into(),
        ))
    }
}
