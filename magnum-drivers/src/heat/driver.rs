//! The Heat drivers — `k8s_fedora_coreos_v1` (vm, fedora-coreos, kubernetes) and swarm-mode
//! (vm, fedora-atomic / fedora-coreos, swarm-mode): Magnum's `HeatDriver` flow over this
//! crate's templates — the cluster stack (default nodegroups), one stack per extra Kubernetes
//! nodegroup, scaling by parameter `PATCH`, Kubernetes' pre-delete load balancer cleanup,
//! deletion, and the poller that maps stack statuses and outputs onto the cluster and its
//! nodegroups (from Magnum's source and unit tests).
//!
//! Requests are values: [`HeatDriver::cluster_stack_request`] and
//! [`HeatDriver::nodegroup_stack_request`] build the whole `POST /stacks` without I/O; the
//! [`Driver`] methods send them with the session [`StackCredentials`] gives for the cluster.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use magnum_core::doctor::orphans;
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::{ClusterStatus, Coe, OsDistro, ServerType};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

use super::client::{HeatClient, HeatError, Stack, StackCreate, StackRef};
use super::environment::StackShape;
use super::naming::{nodegroup_stack_name, stack_name, timeout_mins};
use super::outputs::{
    apply_nodegroup_outputs, apply_outputs, apply_swarm_outputs, output, scale_params,
};
use super::params::{fcos_parameters, nodegroup_params, swarm_mode_parameters};
use super::poller::{aggregate_nodegroup_statuses, status_when_stack_missing};
use super::template::{FCOS_TEMPLATES, SWARM_MODE_TEMPLATES, TemplateSet};
use crate::driver::{ClusterRecord, Driver, DriverError, DriverKey, NodeGroupRecord};

/// The file name the extra environment of [`HeatDriverOptions::environment`] is sent under.
pub const EXTRA_ENVIRONMENT: &str = "magnum-rs-extra-environment.yaml";

/// Where the Heat driver gets the Keystone session that acts on a cluster's stacks (Magnum
/// uses the requesting user's context, and a trust-scoped one in its periodic sync).
#[async_trait]
pub trait StackCredentials: Send + Sync + fmt::Debug {
    /// The session for `cluster`'s stacks (its catalog must list `orchestration`).
    ///
    /// # Errors
    /// [`DriverError::Infrastructure`] when no session can be had (the conductor then marks
    /// the operation failed with this text).
    async fn session_for(&self, cluster: &ClusterRecord) -> Result<KeystoneSession, DriverError>;
}

/// One session for every cluster (a service account, or a single-project tool).
#[async_trait]
impl StackCredentials for KeystoneSession {
    async fn session_for(&self, _cluster: &ClusterRecord) -> Result<KeystoneSession, DriverError> {
        Ok(self.clone())
    }
}

/// How the Heat driver renders and sends stacks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HeatDriverOptions {
    /// Keep the templates' `custom_constraint`s (`glance.image`, `nova.flavor`,
    /// `neutron.network`): Heat then checks image, flavor and network before creating anything.
    /// Off only for clouds without those services (a Heat-only test cloud).
    pub custom_constraints: bool,
    /// Whether the cloud has Octavia; `None` = ask the session's catalog (`load-balancer`).
    pub octavia: Option<bool>,
    /// An extra environment (YAML), merged after the driver's environment files, e.g. a
    /// `resource_registry` for a test cloud.
    pub environment: Option<String>,
    /// Extra files the extra environment names (provider templates).
    pub files: Map<String, Value>,
    /// How long the pre-delete cleanup waits for load balancers to go (Magnum's
    /// `[cluster] pre_delete_lb_timeout`, 60 s).
    pub pre_delete_timeout: Duration,
}

impl Default for HeatDriverOptions {
    fn default() -> Self {
        Self {
            custom_constraints: true,
            octavia: None,
            environment: None,
            files: Map::new(),
            pre_delete_timeout: Duration::from_secs(60),
        }
    }
}

impl HeatDriverOptions {
    /// Magnum's behaviour: constraints on, Octavia from the catalog, no extra environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps or strips the `custom_constraint`s.
    #[must_use]
    pub fn custom_constraints(mut self, on: bool) -> Self {
        self.custom_constraints = on;
        self
    }

    /// Fixes whether the cloud has Octavia instead of asking the catalog.
    #[must_use]
    pub fn octavia(mut self, present: bool) -> Self {
        self.octavia = Some(present);
        self
    }

    /// An extra environment (YAML text), merged after the driver's environment files (sent as
    /// the last environment file, [`EXTRA_ENVIRONMENT`]).
    #[must_use]
    pub fn environment(mut self, yaml: impl Into<String>) -> Self {
        self.environment = Some(yaml.into());
        self
    }

    /// How long the pre-delete cleanup waits for load balancers to go.
    #[must_use]
    pub fn pre_delete_timeout(mut self, timeout: Duration) -> Self {
        self.pre_delete_timeout = timeout;
        self
    }

    /// An extra file (a provider template the extra environment names).
    #[must_use]
    pub fn file(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.files.insert(name.into(), Value::String(text.into()));
        self
    }
}

/// Which of Magnum's template definitions a [`HeatDriver`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Definition {
    /// `FCOSK8sTemplateDefinition`.
    FedoraCoreosKubernetes,
    /// `AtomicSwarmTemplateDefinition` (swarm mode).
    SwarmMode,
}

/// What a stack needs from the cloud rather than from the cluster (Magnum's `get_params`
/// extras): where the nodes authenticate and find Magnum, the region their cloud provider uses,
/// and whether Octavia exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudContext {
    /// Keystone's URL (`auth_url`).
    pub auth_url: Option<String>,
    /// Magnum's public endpoint (`magnum_url`).
    pub magnum_url: Option<String>,
    /// The region (`region_name`; Magnum's pain point 12 when it is missing).
    pub region_name: Option<String>,
    /// The catalog lists Octavia (`octavia_enabled`; LB environment files).
    pub octavia: bool,
}

impl CloudContext {
    /// A context with only the Octavia flag (tests, clouds known in advance).
    pub fn with_octavia(octavia: bool) -> Self {
        Self {
            octavia,
            ..Self::default()
        }
    }

    fn apply(&self, parameters: &mut Map<String, Value>) {
        for (key, value) in [
            ("auth_url", &self.auth_url),
            ("magnum_url", &self.magnum_url),
            ("region_name", &self.region_name),
        ] {
            if let Some(value) = value {
                parameters.insert(key.into(), json!(value));
            }
        }
        parameters.insert("octavia_enabled".into(), json!(self.octavia));
    }
}

/// A Heat driver: the triples it serves, its templates, credentials and options.
pub struct HeatDriver {
    keys: Vec<DriverKey>,
    definition: Definition,
    templates: TemplateSet,
    credentials: Arc<dyn StackCredentials>,
    options: HeatDriverOptions,
    located: Mutex<HashMap<String, StackRef>>,
    requested: Mutex<HashMap<String, Requested>>,
}

/// An operation this driver asked Heat for and Heat may not have started yet: Heat answers the
/// request at once and starts the work in an engine thread, so a read right after a `PATCH`
/// or `DELETE` can still show the previous, settled state — which the poller would otherwise
/// take for the result (a premature `UPDATE_COMPLETE` with the old outputs).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requested {
    /// `CREATE`, `UPDATE` or `DELETE`.
    action: &'static str,
    /// The stack's `updated_time` before an update was requested.
    updated_before: Option<String>,
}

impl Requested {
    /// Whether `stack` shows the requested operation (running or finished).
    fn started(&self, stack: &Stack) -> bool {
        let status = stack.stack_status.as_str();
        match self.action {
            "UPDATE" => {
                (status.starts_with("UPDATE_") || status.starts_with("ROLLBACK_"))
                    && stack.updated_time != self.updated_before
            }
            action => status.starts_with(action),
        }
    }
}

impl fmt::Debug for HeatDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeatDriver")
            .field("keys", &self.keys)
            .field("definition", &self.definition)
            .field("templates", &self.templates.main_name)
            .field("credentials", &self.credentials)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The Keystone message prefix Magnum uses for a stack operation refused because another runs.
fn in_progress(cluster: &ClusterRecord) -> DriverError {
    DriverError::InProgress(format!(
        "Cluster {} already has an operation in progress.",
        cluster.name
    ))
}

/// Heat's failure → the driver's: 400 is the user's input (Magnum's `InvalidParameterValue`),
/// 409 another operation, the rest infrastructure.
fn heat_failure(cluster: &ClusterRecord, error: HeatError) -> DriverError {
    match &error {
        HeatError::Api { status, .. } if *status == StatusCode::BAD_REQUEST => {
            DriverError::InvalidParameter(error.to_string())
        }
        HeatError::Api { status, .. } if *status == StatusCode::CONFLICT => in_progress(cluster),
        _ => DriverError::Infrastructure(error.to_string()),
    }
}

fn find_nodegroup<'a>(
    cluster: &'a ClusterRecord,
    name: &str,
) -> Result<&'a NodeGroupRecord, DriverError> {
    cluster
        .nodegroups
        .iter()
        .find(|n| n.name == name || n.uuid == name)
        .ok_or_else(|| {
            DriverError::InvalidParameter(format!("Nodegroup {name} could not be found."))
        })
}

fn fresh_short_id() -> Result<String, DriverError> {
    magnum_core::ca::short_id()
        .map(|id| id.expose_secret().to_owned())
        .map_err(|e| DriverError::Infrastructure(e.to_string()))
}

impl HeatDriver {
    /// The `k8s_fedora_coreos_v1` driver: (vm, fedora-coreos, kubernetes).
    pub fn fedora_coreos(
        credentials: Arc<dyn StackCredentials>,
        options: HeatDriverOptions,
    ) -> Self {
        Self::with_definition(
            vec![DriverKey::new(
                ServerType::Vm,
                Some(OsDistro::FedoraCoreos),
                Coe::Kubernetes,
            )],
            Definition::FedoraCoreosKubernetes,
            FCOS_TEMPLATES,
            credentials,
            options,
        )
    }

    fn with_definition(
        keys: Vec<DriverKey>,
        definition: Definition,
        templates: TemplateSet,
        credentials: Arc<dyn StackCredentials>,
        options: HeatDriverOptions,
    ) -> Self {
        Self {
            keys,
            definition,
            templates,
            credentials,
            options,
            located: Mutex::new(HashMap::new()),
            requested: Mutex::new(HashMap::new()),
        }
    }

    /// The swarm-mode driver: (vm, fedora-atomic, swarm-mode) and (vm, fedora-coreos,
    /// swarm-mode) — Docker swarm mode, which replaced the legacy `swarm` COE. A primary manager,
    /// `master_count - 1` secondary managers, workers, the swarm API on port 2375
    /// (`tcp://<address>:2375`), and the manager security group opening TCP 2377 and the overlay
    /// ports. Only the default nodegroups.
    pub fn swarm_mode(credentials: Arc<dyn StackCredentials>, options: HeatDriverOptions) -> Self {
        Self::with_definition(
            [OsDistro::FedoraAtomic, OsDistro::FedoraCoreos]
                .into_iter()
                .map(|distro| DriverKey::new(ServerType::Vm, Some(distro), Coe::SwarmMode))
                .collect(),
            Definition::SwarmMode,
            SWARM_MODE_TEMPLATES,
            credentials,
            options,
        )
    }

    /// The parameters that scale a worker nodegroup's stack.
    fn scale(&self, node_count: u32, nodes_to_remove: &[String]) -> Map<String, Value> {
        match self.definition {
            Definition::FedoraCoreosKubernetes => scale_params(node_count, nodes_to_remove),
            Definition::SwarmMode => {
                let mut params = Map::new();
                params.insert("number_of_nodes".into(), json!(node_count));
                if !nodes_to_remove.is_empty() {
                    params.insert("nodes_to_remove".into(), json!(nodes_to_remove));
                }
                params
            }
        }
    }

    fn stack_create(
        &self,
        name: String,
        parameters: &Map<String, Value>,
        environment_files: &[&str],
        timeout: u32,
    ) -> Result<StackCreate, DriverError> {
        let rendered = self.templates.render(
            parameters,
            environment_files,
            self.options.custom_constraints,
        )?;
        let mut create = StackCreate::new(name, rendered.template, timeout);
        create.files = rendered.files;
        create.files.extend(
            self.options
                .files
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        create.environment_files = rendered.environment_files;
        // Heat ignores the request's `environment` once `environment_files` are given, so the
        // extra environment travels as the last file (the last file's mappings win).
        if let Some(extra) = &self.options.environment {
            create
                .files
                .insert(EXTRA_ENVIRONMENT.into(), Value::String(extra.clone()));
            create.environment_files.push(EXTRA_ENVIRONMENT.into());
        }
        create.parameters = rendered.parameters;
        Ok(create)
    }

    fn shape(&self, cluster: &ClusterRecord, octavia: bool) -> StackShape {
        let mut shape = StackShape::of(&cluster.template, &cluster.labels, octavia);
        shape.docker_volume = cluster
            .nodegroups
            .iter()
            .any(|n| n.docker_volume_size.is_some_and(|s| s > 0));
        shape
    }

    /// The cluster stack's create request (pure): Magnum's parameters for the template, the
    /// cluster and its default nodegroups, `is_cluster_stack`, the environment files of the
    /// cluster's shape, the stack name `<name>-<short_id>` and the create timeout.
    ///
    /// # Errors
    /// [`DriverError::InvalidParameter`] with Magnum's message for a missing required
    /// parameter or an invalid label combination.
    pub fn cluster_stack_request(
        &self,
        cluster: &ClusterRecord,
        cloud: &CloudContext,
        short_id: &str,
    ) -> Result<StackCreate, DriverError> {
        let shape = self.shape(cluster, cloud.octavia);
        let (mut parameters, files) = match self.definition {
            Definition::FedoraCoreosKubernetes => {
                let mut parameters = fcos_parameters(&cluster.template, cluster)?;
                parameters.insert("is_cluster_stack".into(), json!(true));
                (parameters, shape.environment_files())
            }
            Definition::SwarmMode => (
                swarm_mode_parameters(&cluster.template, cluster)?,
                shape.swarm_mode_environment_files(),
            ),
        };
        cloud.apply(&mut parameters);
        if let Some(trust) = &cluster.trust {
            // Hidden parameters in the templates: Heat shows them as "******".
            for (key, value) in [
                ("trustee_domain_id", trust.trustee_domain_id.as_str()),
                ("trustee_user_id", trust.trustee_user_id.as_str()),
                ("trustee_username", trust.trustee_username.as_str()),
                ("trustee_password", trust.trustee_password.expose_secret()),
                ("trust_id", trust.trust_id.as_str()),
            ] {
                parameters.insert(key.into(), json!(value));
            }
        }
        self.stack_create(
            stack_name(&cluster.name, short_id),
            &parameters,
            &files,
            timeout_mins(Some(cluster.create_timeout)),
        )
    }

    /// An extra nodegroup's create request (pure): the cluster's parameters with this
    /// nodegroup's count, flavor, image, role and name, `is_cluster_stack` false, and the
    /// network, security group and API address from the cluster stack's outputs.
    ///
    /// # Errors
    /// [`DriverError::InvalidParameter`] as for the cluster stack, or for a master nodegroup.
    pub fn nodegroup_stack_request(
        &self,
        cluster: &ClusterRecord,
        nodegroup: &NodeGroupRecord,
        cluster_stack: &Stack,
        cloud: &CloudContext,
        short_id: &str,
    ) -> Result<StackCreate, DriverError> {
        if self.definition == Definition::SwarmMode {
            return Err(DriverError::NotSupported(
                "The swarm-mode driver supports only the default nodegroups.".into(),
            ));
        }
        if nodegroup.is_master() {
            return Err(DriverError::InvalidParameter(
                "Creating master nodegroups is currently not supported.".into(),
            ));
        }
        let mut parameters = fcos_parameters(&cluster.template, cluster)?;
        let mut worker = nodegroup.clone();
        if worker.flavor_id.is_none() {
            worker.flavor_id.clone_from(&cluster.template.flavor_id);
        }
        if worker.image_id.is_none() {
            worker.image_id.clone_from(&cluster.template.image_id);
        }
        nodegroup_params(&mut parameters, &worker);
        parameters.insert("is_cluster_stack".into(), json!(false));
        for (param, key) in [
            ("existing_master_private_ip", "api_address"),
            ("existing_security_group", "worker_security_group"),
            ("fixed_network", "fixed_network"),
            ("fixed_subnet", "fixed_subnet"),
        ] {
            if let Some(value) = output(&cluster_stack.outputs, key) {
                parameters.insert(param.into(), value.clone());
            }
        }
        cloud.apply(&mut parameters);
        let mut shape = self.shape(cluster, cloud.octavia);
        shape.docker_volume = nodegroup.docker_volume_size.is_some_and(|s| s > 0);
        let files = shape.environment_files();
        self.stack_create(
            nodegroup_stack_name(&cluster.name, &nodegroup.name, short_id),
            &parameters,
            &files,
            timeout_mins(Some(cluster.create_timeout)),
        )
    }

    async fn heat(
        &self,
        cluster: &ClusterRecord,
    ) -> Result<(HeatClient, KeystoneSession), DriverError> {
        let session = self.credentials.session_for(cluster).await?;
        let heat = HeatClient::new(session.clone())
            .map_err(|e| DriverError::Infrastructure(e.to_string()))?;
        Ok((heat, session))
    }

    async fn octavia(&self, session: &KeystoneSession) -> bool {
        match self.options.octavia {
            Some(present) => present,
            None => session.endpoint("load-balancer").await.is_ok(),
        }
    }

    /// The cloud as `session` sees it: Keystone, Magnum's endpoint, the region, Octavia.
    async fn cloud(&self, session: &KeystoneSession) -> CloudContext {
        CloudContext {
            auth_url: Some(session.auth_url().as_str().trim_end_matches('/').to_owned()),
            magnum_url: session
                .endpoint("container-infra")
                .await
                .ok()
                .map(|u| u.as_str().trim_end_matches('/').to_owned()),
            region_name: session.region().map(str::to_owned),
            octavia: self.octavia(session).await,
        }
    }

    /// The `name/id` of a stack known by id (cached after the first lookup).
    async fn locate(&self, heat: &HeatClient, stack_id: &str) -> Result<StackRef, HeatError> {
        if let Some(found) = self
            .located
            .lock()
            .ok()
            .and_then(|m| m.get(stack_id).cloned())
        {
            return Ok(found);
        }
        let found = heat.locate(stack_id).await?;
        self.remember(&found);
        Ok(found)
    }

    fn request(&self, stack_id: &str, action: &'static str, updated_before: Option<String>) {
        if let Ok(mut requested) = self.requested.lock() {
            requested.insert(
                stack_id.to_owned(),
                Requested {
                    action,
                    updated_before,
                },
            );
        }
    }

    /// Whether the poller may believe `stack`: no request of ours is still waiting to start.
    fn observable(&self, stack: &Stack) -> bool {
        let Ok(mut requested) = self.requested.lock() else {
            return true;
        };
        match requested.get(&stack.id) {
            Some(pending) if !pending.started(stack) => false,
            Some(_) => {
                requested.remove(&stack.id);
                true
            }
            None => true,
        }
    }

    fn remember(&self, stack: &StackRef) {
        if let Ok(mut located) = self.located.lock() {
            located.insert(stack.id.clone(), stack.clone());
        }
    }

    async fn get(&self, heat: &HeatClient, stack_id: &str) -> Result<Stack, HeatError> {
        let stack = self.locate(heat, stack_id).await?;
        heat.get_stack(&stack).await
    }

    async fn delete(&self, heat: &HeatClient, stack_id: &str) -> Result<(), HeatError> {
        let stack = self.locate(heat, stack_id).await?;
        heat.delete_stack(&stack).await
    }

    /// Magnum's poller read: status first without outputs; outputs only once the stack has
    /// settled.
    async fn poll(&self, heat: &HeatClient, stack_id: &str) -> Result<Stack, HeatError> {
        let stack = self.locate(heat, stack_id).await?;
        let status = heat.get_stack_status(&stack).await?;
        if status.stack_status.ends_with("_IN_PROGRESS") {
            return Ok(status);
        }
        heat.get_stack(&stack).await
    }

    async fn update_stack(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup: &str,
        parameters: Map<String, Value>,
        rollback: bool,
    ) -> Result<(), DriverError> {
        let target = find_nodegroup(cluster, nodegroup)?;
        let (name, stack_id) = (target.name.clone(), target.stack_id.clone());
        let stack_id = stack_id.ok_or_else(|| {
            DriverError::Conflict(format!("Nodegroup {name} has no Heat stack yet."))
        })?;
        let (heat, _) = self.heat(cluster).await?;
        let stack = self
            .locate(&heat, &stack_id)
            .await
            .map_err(|e| heat_failure(cluster, e))?;
        let before = heat
            .get_stack(&stack)
            .await
            .map_err(|e| heat_failure(cluster, e))?;
        heat.update_parameters(
            &stack,
            &parameters,
            timeout_mins(Some(cluster.create_timeout)),
            !rollback,
        )
        .await
        .map_err(|e| heat_failure(cluster, e))?;
        self.request(&stack.id, "UPDATE", before.updated_time);
        cluster.mark(&ClusterStatus::UpdateInProgress, Some(&name));
        Ok(())
    }
}

#[async_trait]
impl Driver for HeatDriver {
    fn provides(&self) -> Vec<DriverKey> {
        self.keys.clone()
    }

    async fn create_cluster(
        &self,
        cluster: &mut ClusterRecord,
        _timeout: Duration,
    ) -> Result<(), DriverError> {
        let (heat, session) = self.heat(cluster).await?;
        let cloud = self.cloud(&session).await;
        let request = self.cluster_stack_request(cluster, &cloud, &fresh_short_id()?)?;
        let stack = heat
            .create_stack(&request)
            .await
            .map_err(|e| heat_failure(cluster, e))?;
        self.remember(&stack);
        self.request(&stack.id, "CREATE", None);
        cluster.stack_id = Some(stack.id.clone());
        for ng in cluster.nodegroups.iter_mut().filter(|n| n.is_default) {
            ng.stack_id = Some(stack.id.clone());
        }
        cluster.mark(&ClusterStatus::CreateInProgress, None);
        Ok(())
    }

    async fn update_cluster(
        &self,
        cluster: &mut ClusterRecord,
        rollback: bool,
    ) -> Result<(), DriverError> {
        let worker = cluster
            .nodegroups
            .iter()
            .find(|n| n.is_default && !n.is_master())
            .ok_or_else(|| {
                DriverError::InvalidParameter("Nodegroup default-worker could not be found.".into())
            })?;
        let (name, count) = (worker.name.clone(), worker.node_count);
        let parameters = self.scale(count, &[]);
        self.update_stack(cluster, &name, parameters, rollback)
            .await
    }

    async fn resize_cluster(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup_name: &str,
        node_count: u32,
        nodes_to_remove: &[String],
    ) -> Result<(), DriverError> {
        let name = find_nodegroup(cluster, nodegroup_name)?.name.clone();
        let parameters = self.scale(node_count, nodes_to_remove);
        self.update_stack(cluster, &name, parameters, false).await?;
        if let Some(ng) = cluster.nodegroup_mut(&name) {
            ng.node_count = node_count;
        }
        Ok(())
    }

    async fn upgrade_cluster(
        &self,
        _cluster: &mut ClusterRecord,
        _template: &magnum_core::types::ClusterTemplate,
        _max_batch_size: u32,
        _nodegroup: &str,
    ) -> Result<(), DriverError> {
        Err(DriverError::NotSupported(
            "Upgrading a cluster that uses the Magnum Heat driver is not supported.".into(),
        ))
    }

    /// Magnum's `pre_delete_cluster` (`KubernetesDriver`, 2026.1) when the cloud has Octavia: the
    /// load balancers and floating IPs Kubernetes made for this cluster, plus the stack's own
    /// `Magnum::Optional::Neutron::LBaaS::LoadBalancer`s, are deleted and awaited (at most
    /// `pre_delete_lb_timeout`), so Heat's delete is not blocked by them.
    async fn pre_delete_cluster(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        if self.definition != Definition::FedoraCoreosKubernetes {
            return Ok(());
        }
        let (heat, session) = self.heat(cluster).await?;
        if !self.octavia(&session).await {
            return Ok(());
        }
        let failed = |e: &dyn fmt::Display| {
            DriverError::Conflict(format!(
                "Failed to pre-delete resources for cluster {}, error: {e}.",
                cluster.uuid
            ))
        };
        let mut plan = orphans::find_orphans(&session, &cluster.uuid)
            .await
            .map_err(|e| failed(&e))?;
        if let Some(stack_id) = cluster.stack_id.clone() {
            let listed = match self.locate(&heat, &stack_id).await {
                Ok(stack) => {
                    heat.resources_of_type(
                        &stack,
                        "Magnum::Optional::Neutron::LBaaS::LoadBalancer",
                        2,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            let ids = match listed {
                Ok(resources) => resources,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(failed(&e)),
            };
            for (_, id) in ids.into_iter().filter(|(_, id)| !id.is_empty()) {
                if let Some(lb) = orphans::load_balancer(&session, &id)
                    .await
                    .map_err(|e| failed(&e))?
                {
                    plan.add_load_balancer(lb);
                }
            }
        }
        orphans::delete_orphans(
            &session,
            &plan,
            self.options.pre_delete_timeout,
            Duration::from_secs(1),
        )
        .await
        .map_err(|e| failed(&e))?;
        Ok(())
    }

    async fn delete_cluster(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        // A nodegroup that never got a stack (its create failed) has nothing to wait for.
        cluster
            .nodegroups
            .retain(|n| n.is_default || n.stack_id.is_some());
        let (heat, _) = self.heat(cluster).await?;
        let mut ids: Vec<String> = cluster
            .nodegroups
            .iter()
            .filter(|n| !n.is_default)
            .filter_map(|n| n.stack_id.clone())
            .collect();
        ids.extend(cluster.stack_id.clone());
        for id in ids {
            let result = self.delete(&heat, &id).await;
            match result {
                Ok(()) => self.request(&id, "DELETE", None),
                Err(e) if e.is_not_found() => {
                    for ng in cluster
                        .nodegroups
                        .iter_mut()
                        .filter(|n| n.stack_id.as_deref() == Some(&id))
                    {
                        ng.status = ClusterStatus::DeleteComplete;
                    }
                }
                Err(e) => return Err(heat_failure(cluster, e)),
            }
        }
        let gone: Vec<bool> = cluster
            .nodegroups
            .iter()
            .map(|n| n.status == ClusterStatus::DeleteComplete || n.stack_id.is_none())
            .collect();
        cluster.mark(&ClusterStatus::DeleteInProgress, None);
        for (ng, gone) in cluster.nodegroups.iter_mut().zip(gone) {
            if gone {
                ng.status = ClusterStatus::DeleteComplete;
            }
        }
        if cluster
            .nodegroups
            .iter()
            .all(|n| n.status == ClusterStatus::DeleteComplete)
        {
            cluster.status = ClusterStatus::DeleteComplete;
        }
        Ok(())
    }

    async fn update_cluster_status(&self, cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        let (heat, _) = self.heat(cluster).await?;
        let floating = cluster.template.floating_ip_enabled.unwrap_or(true);
        let tls_disabled = cluster.template.tls_disabled == Some(true);
        let mut ids: Vec<String> = Vec::new();
        for id in cluster.nodegroups.iter().filter_map(|n| n.stack_id.clone()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for id in ids {
            let on_stack = |n: &&mut NodeGroupRecord| n.stack_id.as_deref() == Some(id.as_str());
            match self.poll(&heat, &id).await {
                Err(e) if e.is_not_found() => {
                    for ng in cluster.nodegroups.iter_mut().filter(on_stack) {
                        if let Some((status, reason)) = status_when_stack_missing(&ng.status, &id) {
                            ng.status = status;
                            ng.status_reason = reason;
                        }
                    }
                }
                Err(e) => return Err(DriverError::Infrastructure(e.to_string())),
                Ok(stack) if !self.observable(&stack) => {
                    // Heat has not started what we asked for yet: nothing to learn.
                }
                Ok(stack) => {
                    let settled = !stack.stack_status.ends_with("_IN_PROGRESS");
                    if settled && cluster.stack_id.as_deref() == Some(id.as_str()) {
                        match self.definition {
                            Definition::FedoraCoreosKubernetes => apply_outputs(
                                cluster,
                                &stack.outputs,
                                &stack.parameters,
                                floating,
                                tls_disabled,
                            ),
                            Definition::SwarmMode => apply_swarm_outputs(
                                cluster,
                                &stack.outputs,
                                &stack.parameters,
                                floating,
                            ),
                        }
                    }
                    let status = ClusterStatus::parse(&stack.stack_status);
                    for ng in cluster.nodegroups.iter_mut().filter(on_stack) {
                        if settled && !ng.is_default {
                            apply_nodegroup_outputs(
                                ng,
                                &stack.outputs,
                                &stack.parameters,
                                floating,
                            );
                        }
                        ng.status = status.clone();
                        ng.status_reason.clone_from(&stack.stack_status_reason);
                    }
                }
            }
        }
        cluster
            .nodegroups
            .retain(|n| n.is_default || n.status != ClusterStatus::DeleteComplete);
        let (status, reason) = aggregate_nodegroup_statuses(&cluster.status, &cluster.nodegroups);
        cluster.status = status;
        cluster.status_reason = reason;
        Ok(())
    }

    async fn create_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup_name: &str,
    ) -> Result<(), DriverError> {
        let target = find_nodegroup(cluster, nodegroup_name)?.clone();
        let cluster_stack_id = cluster.stack_id.clone().ok_or_else(|| {
            DriverError::Conflict(format!("Cluster {} has no Heat stack yet.", cluster.name))
        })?;
        let (heat, session) = self.heat(cluster).await?;
        let cluster_stack = self
            .get(&heat, &cluster_stack_id)
            .await
            .map_err(|e| heat_failure(cluster, e))?;
        let cloud = self.cloud(&session).await;
        let request = self.nodegroup_stack_request(
            cluster,
            &target,
            &cluster_stack,
            &cloud,
            &fresh_short_id()?,
        )?;
        let stack = heat
            .create_stack(&request)
            .await
            .map_err(|e| heat_failure(cluster, e))?;
        self.remember(&stack);
        self.request(&stack.id, "CREATE", None);
        cluster.mark(&ClusterStatus::UpdateInProgress, Some(&target.name));
        if let Some(ng) = cluster.nodegroup_mut(&target.name) {
            ng.stack_id = Some(stack.id);
            ng.status = ClusterStatus::CreateInProgress;
        }
        Ok(())
    }

    async fn update_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup_name: &str,
    ) -> Result<(), DriverError> {
        // Magnum's nodegroup update changes only min/max bounds: nothing for Heat to do.
        find_nodegroup(cluster, nodegroup_name)?.check_bounds()
    }

    async fn delete_nodegroup(
        &self,
        cluster: &mut ClusterRecord,
        nodegroup_name: &str,
    ) -> Result<(), DriverError> {
        let target = find_nodegroup(cluster, nodegroup_name)?.clone();
        let Some(stack_id) = target.stack_id.clone() else {
            cluster.nodegroups.retain(|n| n.name != target.name);
            return Ok(());
        };
        let (heat, _) = self.heat(cluster).await?;
        let result = self.delete(&heat, &stack_id).await;
        match result {
            Ok(()) => {
                self.request(&stack_id, "DELETE", None);
                cluster.mark(&ClusterStatus::UpdateInProgress, Some(""));
                if let Some(ng) = cluster.nodegroup_mut(&target.name) {
                    ng.status = ClusterStatus::DeleteInProgress;
                }
                Ok(())
            }
            Err(e) if e.is_not_found() => {
                cluster.nodegroups.retain(|n| n.name != target.name);
                Ok(())
            }
            Err(e) => Err(heat_failure(cluster, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Conductor;
    use magnum_core::keystone::KeystoneSession;
    use magnum_core::types::ClusterTemplate;

    fn driver(options: HeatDriverOptions) -> HeatDriver {
        let session = KeystoneSession::builder(
            "http://127.0.0.1:1/v3",
            magnum_core::config::AuthMethod::Token {
                token: secrecy::SecretString::from("unused".to_owned()),
            },
        )
        .build()
        .expect("session");
        HeatDriver::fedora_coreos(Arc::new(session), options)
    }

    fn cluster(template: Value) -> ClusterRecord {
        let template: ClusterTemplate = serde_json::from_value(template).expect("template");
        let mut cluster = ClusterRecord::new(
            "5d12f6fd-a196-4bf0-ae4c-1f639a523a52",
            "My_Cluster.prod",
            "p",
            template,
        );
        cluster.create_timeout = 0;
        Conductor::ensure_default_nodegroups(&mut cluster, 3, 2);
        cluster
    }

    fn base() -> Value {
        json!({"uuid": "t", "external_network_id": "public", "tls_disabled": false,
               "image_id": "fcos", "flavor_id": "m1.small", "cluster_distro": "fedora-coreos"})
    }

    #[test]
    fn cluster_request_is_magnums_stack() {
        let d = driver(HeatDriverOptions::new());
        let mut template = base();
        template["master_lb_enabled"] = json!(true);
        template["docker_volume_size"] = json!(20);
        let request = d
            .cluster_stack_request(
                &cluster(template),
                &CloudContext {
                    auth_url: Some("https://keystone.example.com/v3".into()),
                    magnum_url: Some("https://magnum.example.com/v1".into()),
                    region_name: Some("RegionTwo".into()),
                    octavia: true,
                },
                "abcdefghijkl",
            )
            .expect("request");
        assert_eq!(
            request.parameters["auth_url"],
            "https://keystone.example.com/v3"
        );
        assert_eq!(
            request.parameters["magnum_url"],
            "https://magnum.example.com/v1"
        );
        assert_eq!(request.parameters["region_name"], "RegionTwo");
        assert_eq!(request.parameters["octavia_enabled"], true);
        assert_eq!(request.name, "my-cluster-prod-abcdefghijkl");
        assert_eq!(request.timeout_mins, 60, "0 means the 60-minute default");
        assert_eq!(
            request.environment_files,
            [
                "with_private_network.yaml",
                "no_etcd_volume.yaml",
                "with_volume.yaml",
                "with_master_lb_octavia.yaml",
                "enable_floating_ip.yaml",
                "enable_lb_floating_ip.yaml",
            ]
        );
        for file in &request.environment_files {
            assert!(request.files.contains_key(file), "{file} travels in files");
        }
        assert!(request.files.contains_key("kubemaster.yaml"));
        assert!(request.files.contains_key("api_gateway_lb.yaml"));
        assert_eq!(request.parameters["is_cluster_stack"], true);
        assert_eq!(request.parameters["number_of_masters"], 3);
        assert_eq!(request.parameters["number_of_minions"], 2);
        assert_eq!(request.parameters["docker_volume_size"], 20);
        assert!(request.environment.is_none());
        let body = request.body();
        assert_eq!(body["disable_rollback"], true);
        assert_eq!(body["environment_files"][3], "with_master_lb_octavia.yaml");
        assert!(
            request.template.contains("glance.image"),
            "real clouds keep Heat's image/flavor/network checks"
        );
    }

    #[test]
    fn extra_environment_is_the_last_file() {
        let d = driver(
            HeatDriverOptions::new()
                .custom_constraints(false)
                .environment("resource_registry: {}")
                .file("x.yaml", "{}"),
        );
        let request = d
            .cluster_stack_request(
                &cluster(base()),
                &CloudContext::with_octavia(false),
                "abcdefghijkl",
            )
            .expect("request");
        assert_eq!(
            request.environment_files.last().map(String::as_str),
            Some(EXTRA_ENVIRONMENT),
            "Heat ignores `environment` once files are given"
        );
        assert_eq!(request.files[EXTRA_ENVIRONMENT], "resource_registry: {}");
        assert!(request.files.contains_key("x.yaml"));
        assert!(!request.template.contains("glance.image"));
        assert!(
            request
                .environment_files
                .contains(&"no_master_lb.yaml".to_owned())
        );
    }

    #[test]
    fn nodegroup_request_uses_the_cluster_stack() {
        let d = driver(HeatDriverOptions::new());
        let mut cluster = cluster(base());
        let mut gpu = NodeGroupRecord::new("ng", "gpu-workers", "worker", 4);
        gpu.flavor_id = Some("g1".into());
        cluster.nodegroups.push(gpu.clone());
        let stack: Stack = serde_json::from_value(json!({
            "id": "s", "stack_name": "n", "stack_status": "CREATE_COMPLETE",
            "outputs": [
                {"output_key": "api_address", "output_value": "10.0.0.5"},
                {"output_key": "worker_security_group", "output_value": "sg-1"},
                {"output_key": "fixed_network", "output_value": "net-1"},
                {"output_key": "fixed_subnet", "output_value": "sub-1"}
            ]
        }))
        .expect("stack");
        let request = d
            .nodegroup_stack_request(
                &cluster,
                &gpu,
                &stack,
                &CloudContext::with_octavia(true),
                "abcdefghijkl",
            )
            .expect("request");
        assert_eq!(request.name, "my-cluster-prod-gpu-worke-abcdefghijkl");
        let p = &request.parameters;
        assert_eq!(p["is_cluster_stack"], false);
        assert_eq!(p["number_of_minions"], 4);
        assert_eq!(p["minion_flavor"], "g1");
        assert_eq!(p["minion_image"], "fcos", "the template's image by default");
        assert_eq!(p["worker_nodegroup_name"], "gpu-workers");
        assert_eq!(p["existing_master_private_ip"], "10.0.0.5");
        assert_eq!(p["existing_security_group"], "sg-1");
        assert_eq!(p["fixed_network"], "net-1");

        let master = NodeGroupRecord::new("m", "more-masters", "master", 1);
        let err = d
            .nodegroup_stack_request(
                &cluster,
                &master,
                &stack,
                &CloudContext::with_octavia(true),
                "x",
            )
            .expect_err("masters");
        assert!(matches!(err, DriverError::InvalidParameter(_)));
    }

    #[test]
    fn required_parameters_fail_before_any_request() {
        let d = driver(HeatDriverOptions::new());
        let mut template = base();
        template["external_network_id"] = Value::Null;
        let err = d
            .cluster_stack_request(&cluster(template), &CloudContext::default(), "abcdefghijkl")
            .expect_err("no external network");
        assert_eq!(
            err.to_string(),
            "Required parameter external_network not provided."
        );
    }

    #[test]
    fn a_requested_operation_counts_only_once_heat_shows_it() {
        let stack = |status: &str, updated: Option<&str>| -> Stack {
            serde_json::from_value(json!({"id": "s", "stack_name": "n",
                "stack_status": status, "updated_time": updated}))
            .expect("stack")
        };
        let update = Requested {
            action: "UPDATE",
            updated_before: Some("2026-11-26T10:00:00Z".into()),
        };
        assert!(
            !update.started(&stack("UPDATE_COMPLETE", Some("2026-11-26T10:00:00Z"))),
            "the previous update's result, read before Heat's thread began"
        );
        assert!(update.started(&stack("UPDATE_IN_PROGRESS", Some("2026-11-26T10:05:00Z"))));
        assert!(update.started(&stack("ROLLBACK_COMPLETE", Some("2026-11-26T10:05:00Z"))));
        let first = Requested {
            action: "UPDATE",
            updated_before: None,
        };
        assert!(!first.started(&stack("CREATE_COMPLETE", None)));
        let delete = Requested {
            action: "DELETE",
            updated_before: None,
        };
        assert!(!delete.started(&stack("UPDATE_COMPLETE", None)));
        assert!(delete.started(&stack("DELETE_COMPLETE", None)));

        let d = driver(HeatDriverOptions::new());
        d.request("s", "DELETE", None);
        assert!(!d.observable(&stack("CREATE_COMPLETE", None)));
        assert!(d.observable(&stack("DELETE_IN_PROGRESS", None)));
        assert!(
            d.observable(&stack("CREATE_COMPLETE", None)),
            "once seen started, the request is forgotten"
        );
    }

    #[test]
    fn heat_statuses_map_to_driver_errors() {
        let c = cluster(base());
        let api = |status: u16| HeatError::Api {
            status: StatusCode::from_u16(status).expect("status"),
            request_id: Some("req-1".into()),
            message: "boom".into(),
        };
        assert!(matches!(
            heat_failure(&c, api(400)),
            DriverError::InvalidParameter(m) if m.contains("boom") && m.contains("req-1")
        ));
        assert_eq!(
            heat_failure(&c, api(409)).to_string(),
            "Cluster My_Cluster.prod already has an operation in progress."
        );
        assert!(matches!(
            heat_failure(&c, api(503)),
            DriverError::Infrastructure(_)
        ));
    }
}
