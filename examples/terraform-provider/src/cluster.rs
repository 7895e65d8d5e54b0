//! `magnum_cluster` (≙ `openstack_containerinfra_cluster_v1`): create and wait with the
//! `timeouts` block, `node_count` resized and `cluster_template_id` upgraded in place, the rest
//! replaced; the doctor's checks at validate and plan time; a failed apply explained and the
//! cluster kept as tainted; drift read back; a kubeconfig signed by the cluster's CA. Also the
//! `magnum_cluster` data source.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use magnum_core::access::{AccessOptions, cluster_access};
use magnum_core::doctor::preflight;
use magnum_core::secrecy::ExposeSecret;
use magnum_core::types::{
    Cluster, ClusterCreate, ClusterStatus, ClusterTemplate, NodeGroup, ResizeRequest,
    UpgradeRequest,
};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Error, WaitError};
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics, Resource};

use crate::convert::{
    Flag, Labels, Num, Str, StrList, StrMap, count, given_labels, known_labels, labels_state,
    or_unknown, owned, state, state_num, text, unknown,
};
use crate::diag::{self, Fields};
use crate::provider::{Connection, Shared};
use crate::schema::{Row, Ty, Who, attributes, block};
use crate::template::{lookup_key, template_as_create};
use crate::timeouts::{self, Op, Timeouts};

/// What Magnum says of a cluster (the data source's whole state, the resource's but two).
/// No `Debug`: `kubeconfig` holds the client key.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterCore {
    id: Str,
    name: Str,
    cluster_template_id: Str,
    create_timeout: Num,
    discovery_url: Str,
    docker_volume_size: Num,
    flavor: Str,
    master_flavor: Str,
    keypair: Str,
    labels: Labels,
    master_count: Num,
    master_lb_enabled: Flag,
    node_count: Num,
    fixed_network: Str,
    fixed_subnet: Str,
    floating_ip_enabled: Flag,
    api_address: Str,
    coe_version: Str,
    container_version: Str,
    master_addresses: StrList,
    node_addresses: StrList,
    stack_id: Str,
    status: Str,
    status_reason: Str,
    project_id: Str,
    user_id: Str,
    created_at: Str,
    updated_at: Str,
    kubeconfig: StrMap,
}

/// The resource's state: what Magnum says plus the two arguments only Terraform keeps.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    #[serde(flatten)]
    core: ClusterCore,
    merge_labels: Flag,
    timeouts: Value<Vec<Timeouts>>,
}

/// Applies `$op` to the arguments that replace the cluster when they change (all but
/// `cluster_template_id` and `node_count`), which Magnum fills from the template when unset.
macro_rules! replacing {
    ($op:ident) => {
        $op!(
            name,
            create_timeout,
            discovery_url,
            docker_volume_size,
            flavor,
            master_flavor,
            keypair,
            labels,
            master_count,
            master_lb_enabled,
            fixed_network,
            fixed_subnet,
            floating_ip_enabled
        )
    };
}

/// Applies `$op` to what only Magnum sets.
macro_rules! observed {
    ($op:ident) => {
        $op!(
            id,
            api_address,
            coe_version,
            container_version,
            master_addresses,
            node_addresses,
            stack_id,
            status,
            status_reason,
            project_id,
            user_id,
            created_at,
            updated_at,
            kubeconfig
        )
    };
}

const ATTRIBUTES: &[&str] = &[
    "name",
    "cluster_template_id",
    "create_timeout",
    "discovery_url",
    "docker_volume_size",
    "flavor",
    "master_flavor",
    "keypair",
    "labels",
    "merge_labels",
    "master_count",
    "master_lb_enabled",
    "node_count",
    "fixed_network",
    "fixed_subnet",
    "floating_ip_enabled",
];

/// Doctor fields in this resource's spelling.
const FIELDS: Fields = Fields {
    renames: &[
        ("flavor_id", "flavor"),
        ("master_flavor_id", "master_flavor"),
        ("keypair_id", "keypair"),
    ],
    attributes: ATTRIBUTES,
    quota_attribute: Some("node_count"),
};

/// The default worker count when `node_count` is left out (terraform-provider-openstack's).
const DEFAULT_NODE_COUNT: f64 = 1.0;

fn rows(data_source: bool) -> Vec<Row> {
    let arg = |who: Who| if data_source { Who::Computed } else { who };
    let mut rows = vec![
        Row(
            "id",
            Ty::Str,
            if data_source {
                Who::OptionalComputed
            } else {
                Who::Computed
            },
            "The cluster's UUID.",
        ),
        Row(
            "name",
            Ty::Str,
            Who::OptionalComputed,
            "The cluster's name (changing it replaces the cluster).",
        ),
        Row(
            "cluster_template_id",
            Ty::Str,
            arg(Who::Required),
            "Template name or UUID; changing it upgrades the cluster in place.",
        ),
        Row(
            "node_count",
            Ty::Num,
            arg(Who::OptionalComputed),
            "Workers in the default nodegroup (default 1); changing it resizes in place.",
        ),
    ];
    let replacing: [(&'static str, Ty, &'static str); 12] = [
        (
            "create_timeout",
            Ty::Num,
            "Heat's create timeout (minutes).",
        ),
        ("discovery_url", Ty::Str, "etcd discovery URL."),
        ("docker_volume_size", Ty::Num, "Docker volume size (GB)."),
        ("flavor", Ty::Str, "Worker flavor."),
        ("master_flavor", Ty::Str, "Master flavor."),
        ("keypair", Ty::Str, "Nova keypair."),
        (
            "labels",
            Ty::Map,
            "Labels (with merge_labels: added to the template's).",
        ),
        ("master_count", Ty::Num, "Masters (odd)."),
        ("master_lb_enabled", Ty::Bool, "Load balancer for masters."),
        ("fixed_network", Ty::Str, "Fixed (private) network."),
        ("fixed_subnet", Ty::Str, "Fixed subnet."),
        ("floating_ip_enabled", Ty::Bool, "Floating IPs for nodes."),
    ];
    rows.extend(
        replacing
            .into_iter()
            .map(|(name, ty, description)| Row(name, ty, arg(Who::OptionalComputed), description)),
    );
    if !data_source {
        rows.push(Row(
            "merge_labels",
            Ty::Bool,
            Who::Optional,
            "Merge labels into the template's instead of replacing them.",
        ));
    }
    let observed: [(&'static str, Ty, &'static str); 13] = [
        ("api_address", Ty::Str, "Kubernetes API URL."),
        ("coe_version", Ty::Str, "Kubernetes version."),
        ("container_version", Ty::Str, "Container runtime version."),
        ("master_addresses", Ty::List, "Master addresses."),
        ("node_addresses", Ty::List, "Worker addresses."),
        ("stack_id", Ty::Str, "Heat stack (orchestration) id."),
        ("status", Ty::Str, "Magnum status."),
        ("status_reason", Ty::Str, "Why the status."),
        ("project_id", Ty::Str, "Owner project."),
        ("user_id", Ty::Str, "Owner user."),
        ("created_at", Ty::Str, "Creation time."),
        ("updated_at", Ty::Str, "Last update time."),
        (
            "kubeconfig",
            Ty::Map,
            "raw_config, host, cluster_ca_certificate, client_certificate, client_key: a kubeconfig with a client certificate signed by the cluster's CA (sensitive).",
        ),
    ];
    rows.extend(
        observed
            .into_iter()
            .map(|(name, ty, description)| Row(name, ty, Who::Computed, description)),
    );
    rows
}

impl ClusterCore {
    /// State from Magnum's answer; with `merge_labels`, the labels are the ones the
    /// configuration gave (added or overridden), not the whole merged set.
    fn from_cluster(c: &Cluster, merge_labels: bool) -> Self {
        let labels = c.labels.clone().map(|all| {
            given_labels(
                all,
                c.labels_added.as_ref(),
                c.labels_overridden.as_ref(),
                merge_labels,
            )
        });
        Self {
            id: Value::Value(c.uuid.to_string()),
            name: state(c.name.clone()),
            cluster_template_id: state(c.cluster_template_id.as_ref().map(ToString::to_string)),
            create_timeout: state_num(c.create_timeout),
            discovery_url: state(c.discovery_url.clone()),
            docker_volume_size: state_num(c.docker_volume_size),
            flavor: state(c.flavor_id.clone()),
            master_flavor: state(c.master_flavor_id.clone()),
            keypair: state(c.keypair.clone()),
            labels: labels_state(labels),
            master_count: state_num(c.master_count),
            master_lb_enabled: state(c.master_lb_enabled),
            node_count: state_num(c.node_count),
            fixed_network: state(c.fixed_network.clone()),
            fixed_subnet: state(c.fixed_subnet.clone()),
            floating_ip_enabled: state(c.floating_ip_enabled),
            api_address: state(c.api_address.clone()),
            coe_version: state(c.coe_version.clone()),
            container_version: state(c.container_version.clone()),
            master_addresses: Value::Value(c.master_addresses.clone().unwrap_or_default()),
            node_addresses: Value::Value(c.node_addresses.clone().unwrap_or_default()),
            stack_id: state(c.orchestration_id().map(str::to_owned)),
            status: state(c.status.as_ref().map(|s| s.as_str().to_owned())),
            status_reason: state(c.status_reason.clone()),
            project_id: state(c.project_id.clone()),
            user_id: state(c.user_id.clone()),
            created_at: state(c.created_at.as_ref().map(ToString::to_string)),
            updated_at: state(c.updated_at.as_ref().map(ToString::to_string)),
            kubeconfig: Value::Null,
        }
    }

    /// Whether the cluster is up (a kubeconfig can be made).
    fn is_complete(&self) -> bool {
        text(&self.status).is_some_and(|s| s.ends_with("_COMPLETE") && s != "DELETE_COMPLETE")
            && text(&self.api_address).is_some()
    }

    /// Completes what the cluster object alone does not say: `node_count` is the default
    /// worker nodegroup's (Magnum's cluster `node_count` sums every worker nodegroup, so an extra
    /// `magnum_nodegroup` would read as drift), and `kubeconfig` (below).
    async fn complete(
        &mut self,
        diags: &mut Diagnostics,
        connection: &Connection,
        prior: Option<&StrMap>,
    ) {
        if let Some(id) = text(&self.id) {
            // Before microversion 1.9 there are no nodegroups: the cluster's count stands.
            if let Ok(groups) = Api::<NodeGroup>::in_cluster(connection.client.clone(), id)
                .list_all()
                .await
            {
                let default_worker = groups.iter().find(|g| {
                    g.is_default == Some(true)
                        && g.role.as_ref().is_none_or(|r| r.as_str() != "master")
                });
                if let Some(group) = default_worker {
                    self.node_count = state_num(group.node_count);
                }
            }
        }
        self.fill_kubeconfig(diags, connection, prior).await;
    }

    /// Fills `kubeconfig`: the prior one while the API address is unchanged, else a new client
    /// certificate signed by the cluster's CA. A failure is a warning: the cluster is fine.
    async fn fill_kubeconfig(
        &mut self,
        diags: &mut Diagnostics,
        connection: &Connection,
        prior: Option<&StrMap>,
    ) {
        let host = text(&self.api_address).map(str::to_owned);
        if let Some(prior) = prior.and_then(Value::as_ref_option) {
            if kubeconfig_still_good(prior, host.as_ref(), SystemTime::now()) {
                self.kubeconfig = Value::Value(prior.clone());
                return;
            }
        }
        if !self.is_complete() {
            self.kubeconfig = Value::Null;
            return;
        }
        let Some(id) = text(&self.id).map(str::to_owned) else {
            return;
        };
        match cluster_access(&connection.client, id.as_str(), &AccessOptions::new()).await {
            Ok(access) => {
                let mut map = BTreeMap::new();
                let mut put = |key: &str, value: Option<String>| {
                    map.insert(key.to_owned(), value.unwrap_or_default());
                };
                put(
                    "raw_config",
                    access
                        .kubeconfig
                        .as_ref()
                        .map(|k| k.expose_secret().to_owned()),
                );
                put("host", host);
                put("cluster_ca_certificate", access.ca_pem.clone());
                put("client_certificate", access.cert_pem.clone());
                put(
                    "client_key",
                    access
                        .key_pem
                        .as_ref()
                        .map(|k| k.expose_secret().to_owned()),
                );
                self.kubeconfig = Value::Value(map);
            }
            Err(error) => {
                self.kubeconfig = Value::Null;
                diags.root_warning(
                    format!("no kubeconfig for cluster {id}"),
                    format!("{error}; the cluster itself is unaffected."),
                );
            }
        }
    }
}

/// How long a kept client certificate must still be valid; with less, a new one is signed.
const RENEW_BEFORE: Duration = Duration::from_secs(30 * 86_400);

/// Whether the kubeconfig in state can stay: same API address, and every client certificate
/// in it (TLS-disabled clusters have none) valid for [`RENEW_BEFORE`] more. Keeping it spares a
/// CSR signing on every refresh (the anchor re-signs each time); renewing before expiry keeps
/// it working.
fn kubeconfig_still_good(
    prior: &BTreeMap<String, String>,
    host: Option<&String>,
    now: SystemTime,
) -> bool {
    if prior.get("host") != host {
        return false;
    }
    let Some(raw) = prior.get("raw_config") else {
        return false;
    };
    magnum_core::kubeconfig::certificate_expiry(raw)
        .is_ok_and(|certs| certs.iter().all(|c| c.not_after > now + RENEW_BEFORE))
}

impl ClusterState {
    /// The create body from the configuration; `None` (with diagnostics) for out-of-range
    /// numbers or an unknown template.
    fn to_create(&self, diags: &mut Diagnostics) -> Option<ClusterCreate> {
        let c = &self.core;
        let counts = (
            count(diags, &c.node_count, "node_count"),
            count(diags, &c.master_count, "master_count"),
            count(diags, &c.docker_volume_size, "docker_volume_size"),
            count(diags, &c.create_timeout, "create_timeout"),
        );
        let (Ok(node_count), Ok(master_count), Ok(docker_volume_size), Ok(create_timeout)) = counts
        else {
            return None;
        };
        let mut body = ClusterCreate::new(text(&c.cluster_template_id)?);
        body.name = owned(&c.name);
        body.node_count = node_count;
        body.master_count = master_count;
        body.docker_volume_size = docker_volume_size;
        body.create_timeout = create_timeout;
        body.discovery_url = owned(&c.discovery_url);
        body.flavor_id = owned(&c.flavor);
        body.master_flavor_id = owned(&c.master_flavor);
        body.keypair = owned(&c.keypair);
        body.labels = known_labels(&c.labels);
        body.merge_labels = self.merge_labels.as_ref_option().copied();
        body.master_lb_enabled = c.master_lb_enabled.as_ref_option().copied();
        body.fixed_network = owned(&c.fixed_network);
        body.fixed_subnet = owned(&c.fixed_subnet);
        body.floating_ip_enabled = c.floating_ip_enabled.as_ref_option().copied();
        Some(body)
    }

    fn has_unknown(&self) -> bool {
        let c = &self.core;
        let mut any = unknown(&c.cluster_template_id)
            || unknown(&c.node_count)
            || unknown(&self.merge_labels);
        macro_rules! check {
            ($($f:ident),*) => { $( any |= unknown(&c.$f); )* };
        }
        replacing!(check);
        any
    }

    fn timeout(&self, diags: &mut Diagnostics, op: Op) -> Option<Duration> {
        timeouts::checked(diags, &self.timeouts, op)
    }

    /// The state for a cluster Magnum returned, keeping what only Terraform knows.
    fn observed(&self, cluster: &Cluster) -> Self {
        Self {
            core: ClusterCore::from_cluster(cluster, self.merge_labels == Value::Value(true)),
            merge_labels: self.merge_labels,
            timeouts: self.timeouts.clone(),
        }
    }
}

/// The waiter's options: the deadline, polling that backs off to 10 s, progress in the
/// provider's log (Terraform prints its own "Still creating…").
fn wait_options(timeout: Duration) -> WaitOptions {
    WaitOptions::new(timeout)
        .backoff(Duration::from_millis(250), Duration::from_secs(10))
        .on_progress(|p| {
            let status = p.status.as_ref().map_or("gone", |s| s.as_str());
            eprintln!("magnum: cluster {status} after {:.0?}", p.elapsed);
        })
}

/// The `magnum_cluster` resource.
pub struct ClusterResource(pub Shared);

impl ClusterResource {
    /// Waits for the cluster to be ready after `operation`, keeping `config`'s kubeconfig while
    /// the API address stays; a failure or a timeout becomes an
    /// error diagnostic, the doctor's explanation included, and the returned state is the last
    /// cluster seen (so a failed create stays in the state, tainted).
    async fn settle(
        &self,
        diags: &mut Diagnostics,
        connection: &Connection,
        config: &ClusterState,
        id: &str,
        operation: &str,
        timeout: Duration,
    ) -> ClusterState {
        let clusters: Api<Cluster> = Api::new(connection.client.clone());
        let last = match wait::cluster_ready(&clusters, id, &wait_options(timeout)).await {
            Ok(ready) => ready,
            Err(WaitError { error, last, .. }) => {
                match (&error, last.as_deref()) {
                    (Error::ResourceFailed(_), Some(cluster)) => {
                        diag::failed_cluster(diags, operation, cluster);
                    }
                    _ => diag::api_error(
                        diags,
                        format!("waiting for cluster {id} ({operation})"),
                        &error,
                    ),
                }
                let mut state = match last {
                    Some(cluster) => {
                        // A failed update keeps a working kubeconfig; the counts are the
                        // default worker nodegroup's, as on every read.
                        let mut state = config.observed(&cluster);
                        state
                            .core
                            .complete(diags, connection, Some(&config.core.kubeconfig))
                            .await;
                        state
                    }
                    None => config.clone(),
                };
                state.core.id = Value::Value(id.to_owned());
                macro_rules! settle_unknown {
                    ($($f:ident),*) => { $( if unknown(&state.core.$f) { state.core.$f = Value::Null; } )* };
                }
                replacing!(settle_unknown);
                observed!(settle_unknown);
                if unknown(&state.core.node_count) {
                    state.core.node_count = Value::Null;
                }
                return state;
            }
        };
        let mut state = config.observed(&last);
        state
            .core
            .complete(diags, connection, Some(&config.core.kubeconfig))
            .await;
        state
    }

    /// The doctor's checks of a planned cluster against its template and the cloud.
    async fn preflight(
        &self,
        diags: &mut Diagnostics,
        connection: &Connection,
        config: &ClusterState,
    ) {
        let Some(body) = config.to_create(diags) else {
            return;
        };
        match Api::<ClusterTemplate>::new(connection.client.clone())
            .get_opt(body.cluster_template_id.as_str())
            .await
        {
            Ok(Some(template)) => {
                diag::findings(
                    diags,
                    &preflight::check_cluster(&body, Some(&template)),
                    &FIELDS,
                );
                if let Some(template_body) = template_as_create(&template) {
                    connection
                        .preflight(diags, &template_body, Some(&body), &FIELDS)
                        .await;
                }
            }
            Ok(None) => diags.error(
                format!("no cluster template {:?}", body.cluster_template_id),
                "No template with this UUID or name is visible to the project.",
                AttributePath::new("cluster_template_id"),
            ),
            Err(error) => {
                diag::api_error(diags, "reading the cluster's template".to_owned(), &error)
            }
        }
    }
}

#[async_trait]
impl Resource for ClusterResource {
    type State<'a> = Value<ClusterState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "A Magnum cluster (≙ openstack_containerinfra_cluster_v1), pre-flighted at plan time, failures explained.",
                attributes(&rows(false), &["kubeconfig"]),
                true,
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(config) = config.as_ref_option() {
            timeouts::validate(diags, &config.timeouts);
            if let Some(body) = config.to_create(diags) {
                diag::findings(diags, &preflight::check_cluster(&body, None), &FIELDS);
            }
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        let prior = state.as_ref_option()?;
        let id = text(&prior.core.id)?.to_owned();
        match Api::<Cluster>::new(connection.client.clone())
            .get_opt(id.as_str())
            .await
        {
            Ok(Some(found)) if found.status != Some(ClusterStatus::DeleteComplete) => {
                let mut next = prior.observed(&found);
                next.core
                    .complete(diags, &connection, Some(&prior.core.kubeconfig))
                    .await;
                Some((Value::Value(next), private_state))
            }
            // Deleted outside Terraform: a null state is drift, and the plan creates it again.
            Ok(_) => Some((Value::Null, private_state)),
            Err(error) => {
                diag::api_error(diags, format!("reading cluster {id}"), &error);
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut planned = proposed.as_ref_option()?.clone();
        let config = config.as_ref_option()?;
        macro_rules! fill {
            ($($f:ident),*) => { $( planned.core.$f = or_unknown(&planned.core.$f); )* };
        }
        replacing!(fill);
        macro_rules! later {
            ($($f:ident),*) => { $( planned.core.$f = Value::Unknown; )* };
        }
        observed!(later);
        if planned.core.node_count == Value::Null {
            planned.core.node_count = Value::Value(DEFAULT_NODE_COUNT);
        }
        if let (Some(connection), false) = (self.0.peek(), config.has_unknown()) {
            self.preflight(diags, &connection, config).await;
        }
        Some((Value::Value(planned), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = prior.as_ref_option()?;
        let config = config.as_ref_option()?;
        let mut planned = proposed.as_ref_option()?.clone();
        if config.core.node_count == Value::Null {
            planned.core.node_count = Value::Value(DEFAULT_NODE_COUNT);
        }
        let mut replace = Vec::new();
        macro_rules! changed {
            ($($f:ident),*) => { $(
                if planned.core.$f != prior.core.$f {
                    replace.push(AttributePath::new(stringify!($f)));
                }
            )* };
        }
        replacing!(changed);
        if planned.merge_labels != prior.merge_labels {
            replace.push(AttributePath::new("merge_labels"));
        }
        let upgrade = planned.core.cluster_template_id != prior.core.cluster_template_id;
        let resize = planned.core.node_count != prior.core.node_count;
        if replace.is_empty() && (upgrade || resize) {
            macro_rules! volatile {
                ($($f:ident),*) => { $( planned.core.$f = Value::Unknown; )* };
            }
            volatile!(
                status,
                status_reason,
                updated_at,
                node_addresses,
                master_addresses,
                coe_version,
                container_version
            );
            if upgrade {
                // An upgrade may bring the new template's values for what the configuration
                // leaves to the template.
                macro_rules! from_template {
                    ($($f:ident),*) => { $( if config.core.$f == Value::Null { planned.core.$f = Value::Unknown; } )* };
                }
                replacing!(from_template);
            }
            if let (Some(connection), false) = (self.0.peek(), config.has_unknown()) {
                if let Err(()) = count(diags, &planned.core.node_count, "node_count") {
                    return None;
                }
                if upgrade {
                    self.preflight(diags, &connection, config).await;
                }
            }
        }
        Some((Value::Value(planned), private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        let planned = planned.as_ref_option()?;
        let config = config.as_ref_option()?;
        let timeout = config.timeout(diags, Op::Create)?;
        // The template may have been unknown at plan time (made in the same apply): the
        // doctor's checks run again now, before anything is sent.
        self.preflight(diags, &connection, config).await;
        if !diags.errors.is_empty() {
            return None;
        }
        let mut body = config.to_create(diags)?;
        body.node_count = count(diags, &planned.core.node_count, "node_count").ok()?;
        let created = match Api::<Cluster>::new(connection.client.clone())
            .create(&body)
            .await
        {
            Ok(created) => created,
            Err(error) => {
                diag::api_error(diags, "creating the cluster".to_owned(), &error);
                return None;
            }
        };
        let state = self
            .settle(
                diags,
                &connection,
                planned,
                &created.uuid,
                "create",
                timeout,
            )
            .await;
        Some((Value::Value(state), private_state))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        let prior = prior.as_ref_option()?;
        let planned = planned.as_ref_option()?;
        let id = text(&prior.core.id)?.to_owned();
        let timeout = planned.timeout(diags, Op::Update)?;
        let clusters: Api<Cluster> = Api::new(connection.client.clone());
        let mut state = prior.clone();
        state.merge_labels = planned.merge_labels;
        state.timeouts = planned.timeouts.clone();
        if planned.core.cluster_template_id != prior.core.cluster_template_id {
            let template = text(&planned.core.cluster_template_id)?;
            if let Err(error) = clusters
                .upgrade(id.as_str(), &UpgradeRequest::new(template))
                .await
            {
                diag::api_error(
                    diags,
                    format!("upgrading cluster {id} to template {template}"),
                    &error,
                );
                return Some((Value::Value(state), private_state));
            }
            state = self
                .settle(diags, &connection, &state, &id, "upgrade", timeout)
                .await;
            if !diags.errors.is_empty() {
                return Some((Value::Value(state), private_state));
            }
        }
        if planned.core.node_count != prior.core.node_count {
            let nodes = count(diags, &planned.core.node_count, "node_count").ok()??;
            if let Err(error) = clusters
                .resize(id.as_str(), &ResizeRequest::new(nodes))
                .await
            {
                diag::api_error(
                    diags,
                    format!("resizing cluster {id} to {nodes} workers"),
                    &error,
                );
                return Some((Value::Value(state), private_state));
            }
            state = self
                .settle(diags, &connection, &state, &id, "resize", timeout)
                .await;
        }
        Some((Value::Value(state), private_state))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let connection = self.0.get(diags)?;
        let prior = prior.as_ref_option()?;
        let id = text(&prior.core.id)?.to_owned();
        let timeout = prior.timeout(diags, Op::Delete)?;
        let clusters: Api<Cluster> = Api::new(connection.client.clone());
        match clusters.delete(id.as_str()).await {
            Ok(()) => {}
            Err(error) if error.is_not_found() => return Some(()),
            Err(error) => {
                diag::api_error(diags, format!("deleting cluster {id}"), &error);
                return None;
            }
        }
        match wait::cluster_deleted(&clusters, id.as_str(), &wait_options(timeout)).await {
            Ok(()) => Some(()),
            Err(WaitError { error, last, .. }) => {
                match (&error, last.as_deref()) {
                    (Error::ResourceFailed(_), Some(cluster)) => {
                        diag::failed_cluster(diags, "delete", cluster)
                    }
                    _ => diag::api_error(
                        diags,
                        format!("waiting for cluster {id} to be deleted"),
                        &error,
                    ),
                }
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        match Api::<Cluster>::new(connection.client.clone())
            .get_opt(id.as_str())
            .await
        {
            Ok(Some(found)) => {
                let mut state = ClusterState {
                    core: ClusterCore::from_cluster(&found, false),
                    merge_labels: Value::Null,
                    timeouts: Value::Value(Vec::new()),
                };
                state.core.complete(diags, &connection, None).await;
                Some((Value::Value(state), ValueEmpty::default()))
            }
            Ok(None) => {
                diags.root_error(
                    format!("no cluster {id:?} to import"),
                    "Give the cluster's UUID or its name (unique in the project).",
                );
                None
            }
            Err(error) => {
                diag::api_error(diags, format!("importing cluster {id}"), &error);
                None
            }
        }
    }
}

/// The `magnum_cluster` data source: one cluster by `id` or `name`, with a kubeconfig.
pub struct ClusterData(pub Shared);

#[async_trait]
impl DataSource for ClusterData {
    type State<'a> = ClusterCore;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "A Magnum cluster, by id or name.",
                attributes(&rows(true), &["kubeconfig"]),
                false,
            ),
        })
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let connection = self.0.get(diags)?;
        let key = lookup_key(diags, &config.id, &config.name)?;
        match Api::<Cluster>::new(connection.client.clone())
            .get_opt(key.as_str())
            .await
        {
            Ok(Some(found)) => {
                let mut core = ClusterCore::from_cluster(&found, false);
                core.complete(diags, &connection, None).await;
                Some(core)
            }
            Ok(None) => {
                diags.root_error(
                    format!("no cluster {key:?}"),
                    "No cluster with this UUID or name is visible to the project.",
                );
                None
            }
            Err(error) => {
                diag::api_error(diags, format!("reading cluster {key}"), &error);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use magnum_core::ca::{
        CaOptions, CertStore, LocalCertStore, generate_certificates_to_cluster,
        get_cluster_ca_certificate,
    };
    use magnum_core::kubeconfig::{AccessMode, Naming, render};

    fn kubeconfig_with_client_certificate() -> BTreeMap<String, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalCertStore::new(dir.path().join("certs")).expect("store");
        let refs = generate_certificates_to_cluster(&store, "c", &CaOptions::new()).expect("CA");
        let admin = store
            .load(&refs.magnum_cert_ref)
            .expect("admin")
            .certified_key()
            .expect("key");
        let mode = AccessMode::Certificate {
            ca_pem: get_cluster_ca_certificate(&store, &refs, None).expect("ca"),
            cert_pem: admin.certificate.to_pem().expect("pem"),
            key_pem: admin.key.to_traditional_pem().expect("key pem"),
        };
        let raw = render("c", "https://127.0.0.1:6443", &mode, Naming::Terraform);
        [
            ("raw_config".to_owned(), raw.expose_secret().to_owned()),
            ("host".to_owned(), "https://127.0.0.1:6443".to_owned()),
        ]
        .into()
    }

    #[test]
    fn a_kept_kubeconfig_is_renewed_before_its_certificate_expires() {
        let prior = kubeconfig_with_client_certificate();
        let host = "https://127.0.0.1:6443".to_owned();
        let now = SystemTime::now();
        assert!(kubeconfig_still_good(&prior, Some(&host), now));
        let in_a_century = now + Duration::from_secs(100 * 365 * 86_400);
        assert!(!kubeconfig_still_good(&prior, Some(&host), in_a_century));
        let moved = "https://127.0.0.2:6443".to_owned();
        assert!(
            !kubeconfig_still_good(&prior, Some(&moved), now),
            "new API address"
        );
        assert!(!kubeconfig_still_good(&prior, None, now));
        let mut garbage = prior.clone();
        garbage.insert("raw_config".to_owned(), "not: [a kubeconfig".to_owned());
        assert!(!kubeconfig_still_good(&garbage, Some(&host), now));
    }
}
