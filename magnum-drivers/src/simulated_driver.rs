//! The simulated *driver* (not the simulated cloud, which is [`crate::simulator`]): a
//! [`Driver`] with no infrastructure behind it — statuses that advance with time
//! (`*_IN_PROGRESS` → `*_COMPLETE`), addresses and health filled in like a real cluster, and
//! failure injection — by option, or per cluster with the labels `sim_fail_create`,
//! `sim_fail_update`, `sim_fail_delete` whose value becomes the `status_reason` (e.g. the seeds'
//! Heat timeout). Time comes from a [`Clock`], so tests step it by hand.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use magnum_core::types::{ClusterStatus, ClusterTemplate, Coe, HealthStatus, OsDistro, ServerType};

use crate::driver::{ClusterRecord, Driver, DriverError, DriverKey};

/// Where simulated time comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time since an arbitrary fixed start.
    fn now(&self) -> Duration;
}

/// Real time.
#[derive(Debug)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Time that moves only when told to (tests).
#[derive(Debug, Default)]
pub struct ManualClock(Mutex<Duration>);

impl ManualClock {
    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.0.lock().map(|d| *d).unwrap_or_default()
    }
}

/// How the simulation behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimOptions {
    /// How long a create takes.
    pub create_duration: Duration,
    /// How long an update, resize or nodegroup change takes.
    pub update_duration: Duration,
    /// How long a delete takes.
    pub delete_duration: Duration,
    /// Make every create fail with this `status_reason`.
    pub fail_create: Option<String>,
    /// The triples served.
    pub provides: Vec<DriverKey>,
    /// Whether the conductor should create a trust first.
    pub needs_trust: bool,
    /// How many servers (masters and workers of every cluster together) the simulated cloud
    /// holds. A create or resize that would need more fails as Nova fails it ("No valid host
    /// was found"), and no addresses are handed out for it, so memory stays bounded.
    pub max_nodes: u64,
}

/// The default [`SimOptions::max_nodes`].
pub const DEFAULT_MAX_NODES: u64 = 10_000;

impl Default for SimOptions {
    fn default() -> Self {
        let k8s = |distro| DriverKey::new(ServerType::Vm, Some(distro), Coe::Kubernetes);
        Self {
            create_duration: Duration::from_secs(3),
            update_duration: Duration::from_secs(2),
            delete_duration: Duration::from_secs(2),
            fail_create: None,
            provides: vec![
                k8s(OsDistro::FedoraCoreos),
                k8s(OsDistro::Ubuntu),
                k8s(OsDistro::Flatcar),
            ],
            needs_trust: false,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

impl SimOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Durations of create, update and delete.
    #[must_use]
    pub fn durations(mut self, create: Duration, update: Duration, delete: Duration) -> Self {
        self.create_duration = create;
        self.update_duration = update;
        self.delete_duration = delete;
        self
    }

    /// Every create fails with `reason`.
    #[must_use]
    pub fn fail_create(mut self, reason: impl Into<String>) -> Self {
        self.fail_create = Some(reason.into());
        self
    }

    /// How many servers the simulated cloud holds ([`SimOptions::max_nodes`]).
    #[must_use]
    pub fn max_nodes(mut self, max_nodes: u64) -> Self {
        self.max_nodes = max_nodes;
        self
    }
}

/// The servers a cluster occupies (every nodegroup's `node_count`).
fn servers(cluster: &ClusterRecord) -> u64 {
    cluster
        .nodegroups
        .iter()
        .map(|n| u64::from(n.node_count))
        .sum()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
    Delete,
}

#[derive(Debug, Clone)]
struct Pending {
    action: Action,
    started: Duration,
    failure: Option<String>,
}

/// The simulated driver.
#[derive(Debug)]
pub struct SimulatedDriver {
    options: SimOptions,
    clock: Arc<dyn Clock>,
    pending: Mutex<HashMap<String, Pending>>,
    /// Servers held per cluster UUID (what the simulated cloud has handed out).
    held: Mutex<HashMap<String, u64>>,
}

impl SimulatedDriver {
    /// A driver on real time.
    pub fn new(options: SimOptions) -> Self {
        Self::with_clock(options, Arc::new(SystemClock::default()))
    }

    /// A driver on the given clock.
    pub fn with_clock(options: SimOptions, clock: Arc<dyn Clock>) -> Self {
        Self {
            options,
            clock,
            pending: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
        }
    }

    /// Records the servers a settled cluster already holds (a simulator restarted from its
    /// state file calls this for every stored cluster before serving). A cluster that does
    /// not fit in what is left is refused, with Nova's message: the caller marks it failed.
    ///
    /// # Errors
    /// The Nova-style refusal when the cloud cannot hold the cluster.
    pub fn claim(&self, cluster: &ClusterRecord) -> Result<(), String> {
        self.reserve(&cluster.uuid, servers(cluster), "CREATE")
    }

    /// Holds `wanted` servers for `uuid` if the cloud has room (its earlier holding is replaced).
    fn reserve(&self, uuid: &str, wanted: u64, verb: &str) -> Result<(), String> {
        let mut held = self
            .held
            .lock()
            .map_err(|_| "simulator state poisoned".to_owned())?;
        let others: u64 = held
            .iter()
            .filter(|(id, _)| id.as_str() != uuid)
            .map(|(_, n)| *n)
            .sum();
        if others.saturating_add(wanted) > self.options.max_nodes {
            return Err(format!(
                "Resource {verb} failed: ResourceInError: resources.kube_minions: Went to status ERROR due to \"Message: No valid host was found. There are not enough hosts available., Code: 500\" (the simulated cloud holds {} servers, {others} in use, this cluster needs {wanted})",
                self.options.max_nodes
            ));
        }
        held.insert(uuid.to_owned(), wanted);
        Ok(())
    }

    fn release(&self, uuid: &str) {
        if let Ok(mut held) = self.held.lock() {
            held.remove(uuid);
        }
    }

    fn start(&self, cluster: &ClusterRecord, action: Action) -> Result<(), DriverError> {
        let label = match action {
            Action::Create => "sim_fail_create",
            Action::Update => "sim_fail_update",
            Action::Delete => "sim_fail_delete",
        };
        let failure = cluster.labels.get(label).cloned().or_else(|| {
            (action == Action::Create)
                .then(|| self.options.fail_create.clone())
                .flatten()
        });
        let mut pending = self
            .pending
            .lock()
            .map_err(|_| DriverError::Infrastructure("simulator state poisoned".into()))?;
        pending.insert(
            cluster.uuid.clone(),
            Pending {
                action,
                started: self.clock.now(),
                failure,
            },
        );
        Ok(())
    }

    /// A cluster found in progress with no pending operation (e.g. a simulator restarted from
    /// its state file) restarts the operation its status names, from now.
    fn resume(&self, cluster: &ClusterRecord) -> Result<(), DriverError> {
        let in_progress = cluster.status.is_in_progress()
            || cluster.nodegroups.iter().any(|n| n.status.is_in_progress());
        let known = self
            .pending
            .lock()
            .map_err(|_| DriverError::Infrastructure("simulator state poisoned".into()))?
            .contains_key(&cluster.uuid);
        if !in_progress || known {
            return Ok(());
        }
        let action = match cluster.status {
            ClusterStatus::CreateInProgress => Action::Create,
            ClusterStatus::DeleteInProgress => Action::Delete,
            _ => Action::Update,
        };
        self.start(cluster, action)
    }

    fn duration(&self, action: Action) -> Duration {
        match action {
            Action::Create => self.options.create_duration,
            Action::Update => self.options.update_duration,
            Action::Delete => self.options.delete_duration,
        }
    }
}

/// The API address of a simulated cluster with no API server of its own: loopback, so a
/// client that dials it is refused at once instead of reaching out of the machine.
pub const DEFAULT_API_ADDRESS: &str = "https://127.0.0.1:6443";

/// The `ordinal`-th node address (from 1) of the cluster whose address byte is `base`:
/// `127.<base>.<high>.<low>`, unique for 64,000 nodes per cluster, always on loopback.
fn node_address(base: u8, ordinal: u32) -> String {
    let high = (ordinal / 250) % 256;
    let low = ordinal % 250 + 1;
    format!("127.{base}.{high}.{low}")
}

/// Where a nodegroup's own operation ends, as its stack reports it: a new nodegroup goes
/// `CREATE_IN_PROGRESS → CREATE_COMPLETE | CREATE_FAILED`, a deleted one
/// `DELETE_IN_PROGRESS → (gone) | DELETE_FAILED`, anything else `UPDATE_COMPLETE | UPDATE_FAILED`.
fn settled(status: &ClusterStatus, succeeded: bool) -> ClusterStatus {
    match (status, succeeded) {
        (ClusterStatus::CreateInProgress, true) => ClusterStatus::CreateComplete,
        (ClusterStatus::CreateInProgress, false) => ClusterStatus::CreateFailed,
        (ClusterStatus::DeleteInProgress, true) => ClusterStatus::DeleteComplete,
        (ClusterStatus::DeleteInProgress, false) => ClusterStatus::DeleteFailed,
        (_, true) => ClusterStatus::UpdateComplete,
        (_, false) => ClusterStatus::UpdateFailed,
    }
}

fn mark_in_progress(cluster: &mut ClusterRecord, status: ClusterStatus, nodegroup: Option<&str>) {
    cluster.mark(&status, nodegroup);
}

#[async_trait]
impl Driver for SimulatedDriver {
    fn provides(&self) -> Vec<DriverKey> {
        self.options.provides.clone()
    }

    fn needs_trust(&self) -> bool {
        self.options.needs_trust
    }

    async fn create_cluster(
        &self,
        cluster: &mut ClusterRecord,
        _timeout: Duration,
    ) -> Result<(), DriverError> {
        let stack = format!("sim-{}", cluster.uuid.chars().take(8).collect::<String>());
        cluster.stack_id = Some(stack.clone());
        for ng in &mut cluster.nodegroups {
            ng.stack_id = Some(stack.clone());
        }
        mark_in_progress(cluster, ClusterStatus::CreateInProgress, None);
        self.start(cluster, Action::Create)
    }

    async fn update_cluster(
        &self,
        cluster: &mut ClusterRecord,
        _rollback: bool,
    ) -> Result<(), DriverError> {
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, None);
        self.start(cluster, Action::Update)
    }

    async fn resize_cluster(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
        node_count: u32,
        _nodes_to_remove: &[String],
    ) -> Result<(), DriverError> {
        let ng = cluster.nodegroup_mut(nodegroup).ok_or_else(|| {
            DriverError::InvalidParameter(format!("Nodegroup {nodegroup} could not be found."))
        })?;
        ng.node_count = node_count;
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, Some(nodegroup));
        self.start(cluster, Action::Update)
    }

    async fn upgrade_cluster(
        &self,
        cluster: &mut ClusterRecord,
        template: &ClusterTemplate,
        _max_batch_size: u32,
        nodegroup: &str,
    ) -> Result<(), DriverError> {
        let kube_tag = template
            .labels
            .as_ref()
            .and_then(|l| l.get("kube_tag"))
            .cloned();
        let target = cluster.nodegroup_mut(nodegroup).ok_or_else(|| {
            DriverError::InvalidParameter(format!("Nodegroup {nodegroup} could not be found."))
        })?;
        target.image_id = template.image_id.clone();
        if target.is_default {
            cluster.template = template.clone();
            if kube_tag.is_some() {
                cluster.coe_version = kube_tag;
            }
        }
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, Some(nodegroup));
        self.start(cluster, Action::Update)
    }

    async fn rotate_ca_certificate(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, None);
        self.start(cluster, Action::Update)
    }

    async fn delete_cluster(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        mark_in_progress(cluster, ClusterStatus::DeleteInProgress, None);
        self.start(cluster, Action::Delete)
    }

    async fn update_cluster_status(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        let done = {
            let pending = self
                .pending
                .lock()
                .map_err(|_| DriverError::Infrastructure("simulator state poisoned".into()))?;
            match pending.get(&cluster.uuid) {
                Some(op)
                    if self.clock.now().saturating_sub(op.started) >= self.duration(op.action) =>
                {
                    Some(op.clone())
                }
                _ => None,
            }
        };
        let Some(op) = done else {
            self.resume(cluster)?;
            return Ok(());
        };
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(&cluster.uuid);
        }
        let (complete, failed) = match op.action {
            Action::Create => (ClusterStatus::CreateComplete, ClusterStatus::CreateFailed),
            Action::Update => (ClusterStatus::UpdateComplete, ClusterStatus::UpdateFailed),
            Action::Delete => (ClusterStatus::DeleteComplete, ClusterStatus::DeleteFailed),
        };
        let in_progress = |s: &ClusterStatus| s.is_in_progress();
        let verb = match op.action {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
        };
        let mut failure = op.failure;
        if failure.is_none() {
            // A deleted nodegroup's stack is gone: Magnum's poller destroys its row.
            cluster
                .nodegroups
                .retain(|n| n.status != ClusterStatus::DeleteInProgress);
            match op.action {
                Action::Delete => self.release(&cluster.uuid),
                _ => failure = self.reserve(&cluster.uuid, servers(cluster), verb).err(),
            }
        }
        if let Some(reason) = failure {
            cluster.status = failed.clone();
            cluster.status_reason = Some(reason.clone());
            for ng in cluster
                .nodegroups
                .iter_mut()
                .filter(|n| in_progress(&n.status))
            {
                ng.status = settled(&ng.status, false);
                ng.status_reason = Some(reason.clone());
            }
            return Ok(());
        }
        cluster.status = complete.clone();
        cluster.status_reason = Some(format!("Stack {verb} completed successfully"));
        // Every address handed out is on loopback (127.0.0.0/8): nothing a client dials from
        // a simulated cluster ever leaves the machine.
        let base = cluster.uuid.bytes().fold(0u8, |acc, b| acc.wrapping_add(b)) % 250 + 1;
        let mut ordinal = 0u32;
        for ng in &mut cluster.nodegroups {
            if in_progress(&ng.status) {
                ng.status = settled(&ng.status, true);
                ng.status_reason = cluster.status_reason.clone();
            }
            ng.node_addresses = (0..ng.node_count)
                .map(|_| {
                    ordinal += 1;
                    node_address(base, ordinal)
                })
                .collect();
        }
        if op.action != Action::Delete {
            cluster.api_address = Some(DEFAULT_API_ADDRESS.to_owned());
            cluster.health_status = Some(HealthStatus::Healthy);
            cluster.health_status_reason = [("api".to_owned(), "ok".to_owned())].into();
            cluster
                .coe_version
                .get_or_insert_with(|| "v1.30.1".to_owned());
        }
        Ok(())
    }

    async fn create_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), DriverError> {
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, Some(nodegroup));
        if let Some(ng) = cluster.nodegroup_mut(nodegroup) {
            // A new nodegroup gets a stack of its own, as with the Heat driver.
            ng.stack_id = Some(format!(
                "sim-{}",
                ng.uuid.chars().take(8).collect::<String>()
            ));
            ng.status = ClusterStatus::CreateInProgress;
        }
        self.start(cluster, Action::Update)
    }

    async fn update_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), DriverError> {
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, Some(nodegroup));
        self.start(cluster, Action::Update)
    }

    async fn delete_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
    ) -> Result<(), DriverError> {
        if cluster.nodegroup_mut(nodegroup).is_none() {
            return Err(DriverError::InvalidParameter(format!(
                "Nodegroup {nodegroup} could not be found."
            )));
        }
        // The nodegroup stays listed, DELETE_IN_PROGRESS, until its stack is gone.
        mark_in_progress(cluster, ClusterStatus::UpdateInProgress, Some(nodegroup));
        if let Some(ng) = cluster.nodegroup_mut(nodegroup) {
            ng.status = ClusterStatus::DeleteInProgress;
        }
        self.start(cluster, Action::Update)
    }
}
