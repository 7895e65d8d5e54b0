//! Magnum's conductor flow as a library (`cluster_conductor.py`, Magnum's source and unit tests):
//! default nodegroups, driver selection, trustee + trust when the driver needs it, the cluster's
//! CA set, the driver call — with `CREATE_FAILED` and Magnum's `status_reason` on any failure —
//! plus resize with Magnum's checks, delete, and the periodic status sync that cleans up
//! certificates and the trust once a cluster is gone. Each step is a `tracing` span and a
//! [`ConductorEvent`] for observers (progress displays, audit logs).

use std::sync::Arc;
use std::time::Duration;

use magnum_core::ca::{
    CaOptions, CertStore, ClusterCertRefs, delete_certificates_from_cluster,
    generate_certificates_to_cluster,
};
use magnum_core::keystone::KeystoneSession;
use magnum_core::keystone::trust::{ClusterTrust, TrusteeDomain};
use magnum_core::types::ClusterStatus;
use tracing::Instrument;

use crate::driver::{ClusterRecord, Driver, DriverError, DriverKey, NodeGroupRecord};
use crate::registry::{DriverRegistry, RegistryError};

/// What the conductor made for a cluster and must clean up after it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClusterResources {
    /// The CA set's references.
    pub cert_refs: Option<ClusterCertRefs>,
    /// The trustee and trust.
    pub trust: Option<ClusterTrust>,
}

/// One step of a conductor operation, delivered to observers registered with
/// [`Conductor::on_event`]. Carries identifiers only — never keys or passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConductorEvent {
    /// The default nodegroups exist (names, in order).
    NodegroupsReady {
        /// Cluster UUID.
        cluster: String,
        /// Nodegroup names.
        nodegroups: Vec<String>,
    },
    /// A driver was selected for the cluster's triple.
    DriverSelected {
        /// Cluster UUID.
        cluster: String,
        /// The triple.
        key: DriverKey,
    },
    /// The trustee user and trust were created.
    TrustCreated {
        /// Cluster UUID.
        cluster: String,
        /// The trustee's Keystone user id.
        trustee_user_id: String,
    },
    /// The cluster's CA set was generated and stored.
    CertificatesCreated {
        /// Cluster UUID.
        cluster: String,
    },
    /// The driver accepted an operation (`create`, `resize`, `delete`).
    DriverCalled {
        /// Cluster UUID.
        cluster: String,
        /// The operation.
        operation: &'static str,
    },
    /// The cluster's status changed during a sync.
    StatusChanged {
        /// Cluster UUID.
        cluster: String,
        /// Before.
        from: ClusterStatus,
        /// After.
        to: ClusterStatus,
    },
    /// An operation failed; the cluster carries `status` and `reason`.
    Failed {
        /// Cluster UUID.
        cluster: String,
        /// The failure status.
        status: ClusterStatus,
        /// The `status_reason`.
        reason: String,
    },
    /// After `DELETE_COMPLETE`: what was removed.
    CleanedUp {
        /// Cluster UUID.
        cluster: String,
        /// Certificates removed without error.
        certificates: bool,
        /// Trust and trustee removed (true when there was none).
        trust: bool,
    },
}

/// An observer of conductor events.
pub type EventObserver = Arc<dyn Fn(&ConductorEvent) + Send + Sync>;

/// A conductor operation failed; the cluster record already carries the failure status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConductorError {
    /// No driver for the cluster's template.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The driver refused (invalid input, not supported) — an API-level 400.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The operation is not allowed in the cluster's current status (Magnum's `NotSupported`:
    /// `Updating a cluster when status is "CREATE_IN_PROGRESS" is not supported.`).
    #[error("{operation} when status is \"{status}\" is not supported.")]
    WrongStatus {
        /// The operation, as Magnum words it (`Updating a cluster`, `Upgrading a cluster`).
        operation: &'static str,
        /// The status.
        status: ClusterStatus,
    },
    /// The cluster went to a failure status; the message is its `status_reason`.
    #[error("{message}")]
    Failed {
        /// Magnum's `status_reason`.
        message: String,
        /// What was created before the failure (clean it up on delete).
        resources: Box<ClusterResources>,
    },
}

/// The conductor: drivers, the certificate store and (optionally) the trustee domain.
#[derive(Clone)]
pub struct Conductor {
    registry: Arc<DriverRegistry>,
    certs: Arc<dyn CertStore>,
    ca_options: CaOptions,
    trustees: Option<TrusteeDomain>,
    observers: Vec<EventObserver>,
}

impl std::fmt::Debug for Conductor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conductor")
            .field("registry", &self.registry)
            .field("trustees", &self.trustees.is_some())
            .field("observers", &self.observers.len())
            .finish_non_exhaustive()
    }
}

impl Conductor {
    /// A conductor over `registry` storing certificates in `certs`.
    pub fn new(registry: Arc<DriverRegistry>, certs: Arc<dyn CertStore>) -> Self {
        Self {
            registry,
            certs,
            ca_options: CaOptions::new(),
            trustees: None,
            observers: Vec::new(),
        }
    }

    /// Adds an observer called with every [`ConductorEvent`], in order, on the calling task.
    #[must_use]
    pub fn on_event(mut self, observer: impl Fn(&ConductorEvent) + Send + Sync + 'static) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    fn emit(&self, event: ConductorEvent) {
        for observer in &self.observers {
            observer(&event);
        }
    }

    /// Key type and validity of cluster CAs.
    #[must_use]
    pub fn ca_options(mut self, options: CaOptions) -> Self {
        self.ca_options = options;
        self
    }

    /// The trustee domain, for drivers that need trusts.
    #[must_use]
    pub fn trustee_domain(mut self, trustees: TrusteeDomain) -> Self {
        self.trustees = Some(trustees);
        self
    }

    /// The driver serving a cluster: the template's explicit `driver` wins, else its triple.
    ///
    /// # Errors
    /// [`RegistryError`].
    pub fn driver_for(&self, cluster: &ClusterRecord) -> Result<Arc<dyn Driver>, RegistryError> {
        self.registry.get_driver(
            &DriverKey::of_template(&cluster.template),
            cluster.template.driver.as_deref(),
        )
    }

    /// Adds Magnum's two default nodegroups (`default-master`, `default-worker`) if missing.
    pub fn ensure_default_nodegroups(
        cluster: &mut ClusterRecord,
        master_count: u32,
        node_count: u32,
    ) {
        if !cluster.nodegroups.is_empty() {
            return;
        }
        let template = cluster.template.clone();
        let make = |name: &str, role: &str, count: u32, flavor: Option<String>| {
            let suffix = if role == "master" { "m" } else { "w" };
            let mut ng =
                NodeGroupRecord::new(format!("{}-{suffix}", cluster.uuid), name, role, count);
            ng.flavor_id = flavor;
            ng.image_id = template.image_id.clone();
            ng.docker_volume_size = template.docker_volume_size;
            ng.labels = cluster.labels.clone();
            ng.is_default = true;
            ng
        };
        let master = make(
            "default-master",
            "master",
            master_count,
            template.master_flavor_id.clone(),
        );
        let mut worker = make(
            "default-worker",
            "worker",
            node_count,
            template.flavor_id.clone(),
        );
        if let Some(min) = cluster
            .labels
            .get("min_node_count")
            .and_then(|v| v.parse().ok())
        {
            worker.min_node_count = min;
        }
        cluster.nodegroups = vec![master, worker];
    }

    fn fail(
        &self,
        cluster: &mut ClusterRecord,
        status: ClusterStatus,
        message: String,
        resources: ClusterResources,
    ) -> ConductorError {
        tracing::warn!(cluster = %cluster.uuid, %status, reason = %message, "cluster operation failed");
        cluster.status = status.clone();
        cluster.status_reason = Some(message.clone());
        for ng in cluster
            .nodegroups
            .iter_mut()
            .filter(|n| n.status.is_in_progress())
        {
            ng.status = status.clone();
            ng.status_reason = Some(message.clone());
        }
        self.emit(ConductorEvent::Failed {
            cluster: cluster.uuid.clone(),
            status,
            reason: message.clone(),
        });
        ConductorError::Failed {
            message,
            resources: Box::new(resources),
        }
    }

    /// Magnum's `cluster_create`: nodegroups, driver, trust (if needed), certificates, driver
    /// call. Any failure leaves the cluster `CREATE_FAILED` with Magnum's `status_reason` and is
    /// returned with what was already created.
    ///
    /// # Errors
    /// [`ConductorError`].
    pub async fn cluster_create(
        &self,
        cluster: &mut ClusterRecord,
        master_count: u32,
        node_count: u32,
        owner: Option<&KeystoneSession>,
    ) -> Result<ClusterResources, ConductorError> {
        let span =
            tracing::info_span!("cluster_create", cluster = %cluster.uuid, name = %cluster.name);
        async {
            cluster.status = ClusterStatus::CreateInProgress;
            cluster.status_reason = None;
            Self::ensure_default_nodegroups(cluster, master_count, node_count);
            self.emit(ConductorEvent::NodegroupsReady {
                cluster: cluster.uuid.clone(),
                nodegroups: cluster.nodegroups.iter().map(|n| n.name.clone()).collect(),
            });
            let driver = match self.driver_for(cluster) {
                Ok(driver) => {
                    self.emit(ConductorEvent::DriverSelected {
                        cluster: cluster.uuid.clone(),
                        key: DriverKey::of_template(&cluster.template),
                    });
                    driver
                }
                Err(e) => {
                    return Err(self.fail(
                        cluster,
                        ClusterStatus::CreateFailed,
                        e.to_string(),
                        ClusterResources::default(),
                    ));
                }
            };
            driver.validate_master_size(master_count)?;
            let mut resources = ClusterResources::default();
            if driver.needs_trust() {
                let made = async {
                    let trustees = self
                        .trustees
                        .as_ref()
                        .ok_or_else(|| "no trustee domain is configured".to_owned())?;
                    let owner = owner.ok_or_else(|| {
                        "the cluster owner's Keystone session is needed".to_owned()
                    })?;
                    trustees
                        .create_trustee_and_trust(owner, &cluster.uuid)
                        .await
                        .map_err(|e| e.to_string())
                }
                .instrument(tracing::info_span!("create_trustee_and_trust"))
                .await;
                match made {
                    Ok(trust) => {
                        self.emit(ConductorEvent::TrustCreated {
                            cluster: cluster.uuid.clone(),
                            trustee_user_id: trust.trustee_user_id.clone(),
                        });
                        cluster.trust = Some(trust.clone());
                        resources.trust = Some(trust);
                    }
                    Err(why) => {
                        let message = format!(
                            "Failed to create trustee or trust for Cluster: {} ({why})",
                            cluster.uuid
                        );
                        return Err(self.fail(
                            cluster,
                            ClusterStatus::CreateFailed,
                            message,
                            resources,
                        ));
                    }
                }
            }
            let issuer = if cluster.name.is_empty() {
                cluster.uuid.clone()
            } else {
                cluster.name.clone()
            };
            let store = self.certs.clone();
            let options = self.ca_options.clone();
            let certs = tracing::info_span!("generate_certificates_to_cluster")
                .in_scope(|| generate_certificates_to_cluster(store.as_ref(), &issuer, &options));
            match certs {
                Ok(refs) => {
                    self.emit(ConductorEvent::CertificatesCreated {
                        cluster: cluster.uuid.clone(),
                    });
                    resources.cert_refs = Some(refs);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "certificate generation failed");
                    let message = format!(
                        "Failed to create certificates for Cluster: {}",
                        cluster.uuid
                    );
                    return Err(self.fail(
                        cluster,
                        ClusterStatus::CreateFailed,
                        message,
                        resources,
                    ));
                }
            }
            let timeout = Duration::from_secs(
                60 * u64::from(if cluster.create_timeout == 0 {
                    60
                } else {
                    cluster.create_timeout
                }),
            );
            if let Err(e) = driver
                .create_cluster(cluster, timeout)
                .instrument(tracing::info_span!("driver.create_cluster"))
                .await
            {
                return Err(self.fail(
                    cluster,
                    ClusterStatus::CreateFailed,
                    e.to_string(),
                    resources,
                ));
            }
            self.called(cluster, "create");
            Ok(resources)
        }
        .instrument(span)
        .await
    }

    /// Magnum's resize: nodegroup (default worker), bounds check, master resize per driver,
    /// status guard, then the driver.
    ///
    /// # Errors
    /// [`ConductorError`] with Magnum's messages.
    pub async fn cluster_resize(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: Option<&str>,
        node_count: u32,
        nodes_to_remove: &[String],
    ) -> Result<(), ConductorError> {
        // Resize also accepts a cluster whose last update failed or is still running.
        if !matches!(
            cluster.status,
            ClusterStatus::UpdateFailed | ClusterStatus::UpdateInProgress
        ) {
            Self::require_updatable(cluster, "Updating a cluster")?;
        }
        let driver = self.driver_for(cluster)?;
        let target = match nodegroup {
            Some(name) => cluster.nodegroup_mut(name),
            None => cluster.default_worker_mut(),
        }
        .ok_or_else(|| {
            DriverError::InvalidParameter(format!(
                "Nodegroup {} could not be found.",
                nodegroup.unwrap_or("default-worker")
            ))
        })?
        .clone();
        if target.is_master() {
            driver.validate_master_resize(node_count)?;
        } else if target.min_node_count > node_count
            || target.max_node_count.is_some_and(|max| max < node_count)
        {
            return Err(DriverError::InvalidParameter(format!(
                "Resizing {} outside the allowed range: min_node_count = {}, max_node_count = {}",
                target.name,
                target.min_node_count,
                target
                    .max_node_count
                    .map_or("None".to_owned(), |m| m.to_string())
            ))
            .into());
        }
        let result = driver
            .resize_cluster(cluster, &target.name, node_count, nodes_to_remove)
            .await;
        self.settle_update(
            cluster,
            result,
            Some((&target.name, target.node_count)),
            "resize",
        )
    }

    /// After a driver's update-type call: the `DriverCalled` event, or `UPDATE_FAILED` with the
    /// nodegroup's previous count restored.
    fn settle_update(
        &self,
        cluster: &mut ClusterRecord,
        result: Result<(), DriverError>,
        restore: Option<(&str, u32)>,
        operation: &'static str,
    ) -> Result<(), ConductorError> {
        match result {
            Ok(()) => {
                self.called(cluster, operation);
                Ok(())
            }
            Err(e) => {
                if let Some((name, count)) = restore {
                    if let Some(ng) = cluster.nodegroup_mut(name) {
                        ng.node_count = count;
                    }
                }
                Err(self.fail(
                    cluster,
                    ClusterStatus::UpdateFailed,
                    e.to_string(),
                    ClusterResources::default(),
                ))
            }
        }
    }

    /// Magnum's status guard: `<operation> when status is "<S>" is not supported.` unless the
    /// status allows updates.
    fn require_updatable(
        cluster: &ClusterRecord,
        operation: &'static str,
    ) -> Result<(), ConductorError> {
        if cluster.status.allows_update() {
            return Ok(());
        }
        Err(ConductorError::WrongStatus {
            operation,
            status: cluster.status.clone(),
        })
    }

    fn called(&self, cluster: &ClusterRecord, operation: &'static str) {
        self.emit(ConductorEvent::DriverCalled {
            cluster: cluster.uuid.clone(),
            operation,
        });
    }

    /// Magnum's `cluster_update` for a new worker count (`PATCH node_count`): the status must
    /// allow updates; an unchanged count is a no-op; otherwise the default worker's count is
    /// set and the driver updates, and a driver failure leaves `UPDATE_FAILED` with the count
    /// restored.
    ///
    /// # Errors
    /// [`ConductorError::WrongStatus`] with Magnum's message, or the driver's failure.
    pub async fn cluster_update(
        &self,
        cluster: &mut ClusterRecord,
        node_count: u32,
        rollback: bool,
    ) -> Result<(), ConductorError> {
        Self::require_updatable(cluster, "Updating a cluster")?;
        let driver = self.driver_for(cluster)?;
        let Some(worker) = cluster.default_worker_mut() else {
            return Err(DriverError::InvalidParameter(
                "Nodegroup default-worker could not be found.".into(),
            )
            .into());
        };
        let previous = worker.node_count;
        if previous == node_count {
            return Ok(());
        }
        worker.node_count = node_count;
        let name = worker.name.clone();
        let result = driver.update_cluster(cluster, rollback).await;
        self.settle_update(cluster, result, Some((&name, previous)), "update")
    }

    /// Magnum's `cluster_upgrade`: the status must allow it; a driver that does not support
    /// upgrades (`NotSupported`) leaves the cluster untouched, any other failure leaves
    /// `UPDATE_FAILED`.
    ///
    /// # Errors
    /// [`ConductorError::WrongStatus`], [`ConductorError::Driver`] for `NotSupported`, or the
    /// driver's failure.
    pub async fn cluster_upgrade(
        &self,
        cluster: &mut ClusterRecord,
        template: &magnum_core::types::ClusterTemplate,
        max_batch_size: u32,
        nodegroup: Option<&str>,
    ) -> Result<(), ConductorError> {
        Self::require_updatable(cluster, "Upgrading a cluster")?;
        let driver = self.driver_for(cluster)?;
        let nodegroup = nodegroup.unwrap_or("default-worker").to_owned();
        match driver
            .upgrade_cluster(cluster, template, max_batch_size, &nodegroup)
            .await
        {
            Ok(()) => {
                self.called(cluster, "upgrade");
                Ok(())
            }
            Err(e @ DriverError::NotSupported(_)) => Err(e.into()),
            Err(e) => Err(self.fail(
                cluster,
                ClusterStatus::UpdateFailed,
                e.to_string(),
                ClusterResources::default(),
            )),
        }
    }

    /// Magnum's nodegroup create: the nodegroup is added (`CREATE_IN_PROGRESS`), the cluster goes
    /// `UPDATE_IN_PROGRESS`, and the driver builds it; on failure the nodegroup is
    /// `CREATE_FAILED` and the cluster `UPDATE_FAILED`.
    ///
    /// # Errors
    /// [`ConductorError::WrongStatus`]; `InvalidParameter` for a master role; `Conflict` (409)
    /// with Magnum's messages for no API address yet, a duplicate name, inconsistent
    /// min/max/count; or the driver's failure.
    pub async fn nodegroup_create(
        &self,
        cluster: &mut ClusterRecord,
        mut nodegroup: NodeGroupRecord,
    ) -> Result<(), ConductorError> {
        Self::require_updatable(cluster, "Updating a cluster")?;
        let invalid = |m: String| Err(ConductorError::Driver(DriverError::Conflict(m)));
        if nodegroup.is_master() {
            return Err(DriverError::InvalidParameter(
                "Creating master nodegroups is currently not supported.".into(),
            )
            .into());
        }
        if cluster.api_address.is_none() {
            return invalid("Cluster API address is not available yet".into());
        }
        if cluster.nodegroups.iter().any(|n| n.name == nodegroup.name) {
            return invalid(format!(
                "A node group with name {} already exists in the cluster {}.",
                nodegroup.name, cluster.name
            ));
        }
        nodegroup.check_bounds()?;
        let driver = self.driver_for(cluster)?;
        let name = nodegroup.name.clone();
        nodegroup.is_default = false;
        nodegroup.status = ClusterStatus::CreateInProgress;
        cluster.nodegroups.push(nodegroup);
        cluster.status = ClusterStatus::UpdateInProgress;
        if let Err(e) = driver.create_nodegroup(cluster, &name).await {
            let message = e.to_string();
            if let Some(ng) = cluster.nodegroup_mut(&name) {
                ng.status = ClusterStatus::CreateFailed;
                ng.status_reason = Some(message.clone());
            }
            return Err(self.fail(
                cluster,
                ClusterStatus::UpdateFailed,
                message,
                ClusterResources::default(),
            ));
        }
        self.called(cluster, "nodegroup_create");
        Ok(())
    }

    /// Magnum's nodegroup delete: default nodegroups cannot be deleted; otherwise the driver
    /// removes it.
    ///
    /// # Errors
    /// `InvalidParameter` for a default or unknown nodegroup, or the driver's failure.
    pub async fn nodegroup_delete(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), ConductorError> {
        let Some(target) = cluster
            .nodegroups
            .iter()
            .find(|n| n.name == nodegroup || n.uuid == nodegroup)
        else {
            return Err(DriverError::InvalidParameter(format!(
                "Nodegroup {nodegroup} could not be found."
            ))
            .into());
        };
        if target.is_default {
            return Err(DriverError::InvalidParameter(
                "Deleting a default nodegroup is not supported.".into(),
            )
            .into());
        }
        let driver = self.driver_for(cluster)?;
        let name = target.name.clone();
        let result = driver.delete_nodegroup(cluster, &name).await;
        self.settle_update(cluster, result, None, "nodegroup_delete")
    }

    /// Starts deleting: pre-delete cleanup, then the driver.
    ///
    /// # Errors
    /// [`ConductorError`] (the cluster is `DELETE_FAILED`).
    pub async fn cluster_delete(&self, cluster: &mut ClusterRecord) -> Result<(), ConductorError> {
        let driver = self.driver_for(cluster)?;
        let span = tracing::info_span!("cluster_delete", cluster = %cluster.uuid);
        let result = async {
            driver.pre_delete_cluster(cluster).await?;
            driver.delete_cluster(cluster).await
        }
        .instrument(span)
        .await;
        match result {
            Ok(()) => {
                self.called(cluster, "delete");
                Ok(())
            }
            Err(e) => Err(self.fail(
                cluster,
                ClusterStatus::DeleteFailed,
                e.to_string(),
                ClusterResources::default(),
            )),
        }
    }

    /// Magnum's periodic status sync for one cluster. Returns `true` when the cluster is gone
    /// (`DELETE_COMPLETE`): its certificates and trust have then been removed.
    ///
    /// # Errors
    /// [`ConductorError`] when no driver serves it; driver errors are logged and retried.
    pub async fn sync_status(
        &self,
        cluster: &mut ClusterRecord,
        resources: &ClusterResources,
        owner: Option<&KeystoneSession>,
    ) -> Result<bool, ConductorError> {
        let driver = self.driver_for(cluster)?;
        let before = cluster.status.clone();
        if let Err(e) = driver.update_cluster_status(cluster).await {
            tracing::warn!(cluster = %cluster.uuid, error = %e, "status sync failed; will retry");
            return Ok(false);
        }
        if cluster.status != before {
            self.emit(ConductorEvent::StatusChanged {
                cluster: cluster.uuid.clone(),
                from: before,
                to: cluster.status.clone(),
            });
        }
        if cluster.status != ClusterStatus::DeleteComplete {
            return Ok(false);
        }
        let mut certificates = true;
        if let Some(refs) = &resources.cert_refs {
            for error in delete_certificates_from_cluster(self.certs.as_ref(), refs) {
                certificates = false;
                tracing::warn!(cluster = %cluster.uuid, %error, "certificate cleanup failed");
            }
        }
        let mut trust_removed = true;
        if let (Some(trust), Some(trustees)) = (&resources.trust, &self.trustees) {
            let cleanup = trustees
                .delete_trustee_and_trust(
                    owner,
                    Some(&trust.trust_id),
                    Some((&trust.trustee_user_id, &trust.trustee_password)),
                )
                .await;
            trust_removed = cleanup.trust_gone && cleanup.trustee_gone;
            for error in &cleanup.errors {
                tracing::warn!(cluster = %cluster.uuid, %error, "trust cleanup failed");
            }
        }
        self.emit(ConductorEvent::CleanedUp {
            cluster: cluster.uuid.clone(),
            certificates,
            trust: trust_removed,
        });
        Ok(true)
    }
}
