//! `magnum_nodegroup` (≙ `openstack_containerinfra_nodegroup_v1`): an extra nodegroup of a
//! cluster; `min_node_count` / `max_node_count` patched and `node_count` resized in place, the
//! rest replaced; imported as `<cluster>/<nodegroup>`.

use std::time::Duration;

use async_trait::async_trait;
use magnum_core::doctor::preflight;
use magnum_core::types::{
    Cluster, ClusterTemplate, NodeGroup, NodeGroupChange, NodeGroupCreate, NodeGroupRole,
    NodeGroupUpdate, ResizeRequest,
};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Error, WaitError};
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::convert::{
    Flag, Labels, Num, Str, count, given_labels, known_labels, labels_state, or_unknown, owned,
    state, state_num, text, unknown, whole,
};
use crate::diag::{self, Fields};
use crate::provider::{Connection, Preflight, Shared};
use crate::schema::{Row, Ty, Who, attributes, block};
use crate::template::template_as_create;
use crate::timeouts::{self, Op, Timeouts};

/// The resource's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeGroupState {
    id: Str,
    cluster_id: Str,
    name: Str,
    image_id: Str,
    flavor_id: Str,
    docker_volume_size: Num,
    labels: Labels,
    merge_labels: Flag,
    node_count: Num,
    min_node_count: Num,
    max_node_count: Num,
    role: Str,
    status: Str,
    status_reason: Str,
    project_id: Str,
    created_at: Str,
    updated_at: Str,
    timeouts: Value<Vec<Timeouts>>,
}

const FIELDS: Fields = Fields {
    renames: &[],
    attributes: &[
        "cluster_id",
        "name",
        "image_id",
        "flavor_id",
        "docker_volume_size",
        "labels",
        "node_count",
        "min_node_count",
        "max_node_count",
        "role",
    ],
    quota_attribute: Some("node_count"),
};

fn rows() -> Vec<Row> {
    vec![
        Row(
            "id",
            Ty::Str,
            Who::Computed,
            "<cluster uuid>/<nodegroup uuid>.",
        ),
        Row(
            "cluster_id",
            Ty::Str,
            Who::Required,
            "The cluster (name or UUID).",
        ),
        Row("name", Ty::Str, Who::Required, "The nodegroup's name."),
        Row(
            "image_id",
            Ty::Str,
            Who::OptionalComputed,
            "Image (default: the template's).",
        ),
        Row(
            "flavor_id",
            Ty::Str,
            Who::OptionalComputed,
            "Flavor (default: the template's).",
        ),
        Row(
            "docker_volume_size",
            Ty::Num,
            Who::OptionalComputed,
            "Docker volume size (GB).",
        ),
        Row("labels", Ty::Map, Who::OptionalComputed, "Labels."),
        Row(
            "merge_labels",
            Ty::Bool,
            Who::Optional,
            "Merge labels into the cluster's.",
        ),
        Row(
            "node_count",
            Ty::Num,
            Who::OptionalComputed,
            "Nodes (default 1); resized in place.",
        ),
        Row(
            "min_node_count",
            Ty::Num,
            Who::OptionalComputed,
            "Autoscaler lower bound; patched in place.",
        ),
        Row(
            "max_node_count",
            Ty::Num,
            Who::Optional,
            "Autoscaler upper bound; patched in place.",
        ),
        Row(
            "role",
            Ty::Str,
            Who::OptionalComputed,
            "Role (default worker).",
        ),
        Row("status", Ty::Str, Who::Computed, "Magnum status."),
        Row("status_reason", Ty::Str, Who::Computed, "Why the status."),
        Row("project_id", Ty::Str, Who::Computed, "Owner project."),
        Row("created_at", Ty::Str, Who::Computed, "Creation time."),
        Row("updated_at", Ty::Str, Who::Computed, "Last update time."),
    ]
}

impl NodeGroupState {
    fn observed(&self, cluster_id: &str, ng: &NodeGroup) -> Self {
        let merge = self.merge_labels == Value::Value(true);
        Self {
            id: Value::Value(format!("{cluster_id}/{}", ng.uuid)),
            cluster_id: self.cluster_id.clone(),
            name: state(ng.name.clone()),
            image_id: state(ng.image_id.clone()),
            flavor_id: state(ng.flavor_id.clone()),
            docker_volume_size: state_num(ng.docker_volume_size),
            labels: labels_state(ng.labels.clone().map(|all| {
                given_labels(
                    all,
                    ng.labels_added.as_ref(),
                    ng.labels_overridden.as_ref(),
                    merge,
                )
            })),
            merge_labels: self.merge_labels,
            node_count: state_num(ng.node_count),
            min_node_count: state_num(ng.min_node_count),
            max_node_count: state_num(ng.max_node_count),
            role: state(ng.role.as_ref().map(|r| r.as_str().to_owned())),
            status: state(ng.status.as_ref().map(|s| s.as_str().to_owned())),
            status_reason: state(ng.status_reason.clone()),
            project_id: state(ng.project_id.clone()),
            created_at: state(ng.created_at.as_ref().map(ToString::to_string)),
            updated_at: state(ng.updated_at.as_ref().map(ToString::to_string)),
            timeouts: self.timeouts.clone(),
        }
    }

    /// `(cluster, nodegroup uuid)` from the id.
    fn ids(&self) -> Option<(String, String)> {
        let (cluster, nodegroup) = text(&self.id)?.split_once('/')?;
        Some((cluster.to_owned(), nodegroup.to_owned()))
    }

    fn to_create(&self, diags: &mut Diagnostics) -> Option<NodeGroupCreate> {
        let counts = (
            count(diags, &self.node_count, "node_count"),
            count(diags, &self.min_node_count, "min_node_count"),
            count(diags, &self.max_node_count, "max_node_count"),
            count(diags, &self.docker_volume_size, "docker_volume_size"),
        );
        let (Ok(node_count), Ok(min_node_count), Ok(max_node_count), Ok(docker_volume_size)) =
            counts
        else {
            return None;
        };
        let mut body = NodeGroupCreate::new(text(&self.name)?);
        body.node_count = node_count;
        body.min_node_count = min_node_count;
        body.max_node_count = max_node_count;
        body.docker_volume_size = docker_volume_size;
        body.image_id = owned(&self.image_id);
        body.flavor_id = owned(&self.flavor_id);
        body.labels = known_labels(&self.labels);
        body.merge_labels = self.merge_labels.as_ref_option().copied();
        body.role = text(&self.role).map(NodeGroupRole::from);
        Some(body)
    }

    fn timeout(&self, diags: &mut Diagnostics, op: Op) -> Option<Duration> {
        timeouts::checked(diags, &self.timeouts, op)
    }
}

/// One step of an in-place update.
enum Step {
    /// A PATCH of the bounds (skipped when empty).
    Patch(NodeGroupUpdate),
    /// A resize to this many nodes.
    Resize(Option<u32>),
}

/// The bound changes split so that count and bounds agree at every step: `relax` (raise the
/// maximum, lower the minimum) goes before the resize, `tighten` (lower the maximum, raise the
/// minimum) after it.
struct BoundsPlan {
    relax: NodeGroupUpdate,
    tighten: NodeGroupUpdate,
}

fn bounds_plan(min: (Option<u32>, Option<u32>), max: (Option<u32>, Option<u32>)) -> BoundsPlan {
    let mut plan = BoundsPlan {
        relax: NodeGroupUpdate::new(),
        tighten: NodeGroupUpdate::new(),
    };
    match min {
        (before, Some(after)) if before != Some(after) => {
            let change = NodeGroupChange::MinNodeCount(after);
            if before.is_some_and(|b| after < b) {
                plan.relax = plan.relax.set(change);
            } else {
                plan.tighten = plan.tighten.set(change);
            }
        }
        _ => {}
    }
    match max {
        (Some(_), None) => plan.relax = plan.relax.set(NodeGroupChange::ClearMaxNodeCount),
        (before, Some(after)) if before != Some(after) => {
            let change = NodeGroupChange::MaxNodeCount(after);
            if before.is_none_or(|b| after > b) {
                plan.relax = plan.relax.set(change);
            } else {
                plan.tighten = plan.tighten.set(change);
            }
        }
        _ => {}
    }
    plan
}

fn options(timeout: Duration) -> WaitOptions {
    WaitOptions::new(timeout).backoff(Duration::from_millis(250), Duration::from_secs(10))
}

/// The `magnum_nodegroup` resource.
pub struct NodeGroupResource(pub Shared);

impl NodeGroupResource {
    /// The plan-time cloud check of what a nodegroup brings of its own: its image (Glance:
    /// found, one of that name) and flavor (Nova: found, root disk), asked through the doctor
    /// with the cluster's template for the rest. Other findings are the template's, checked
    /// with it, and are left out.
    async fn preflight(
        &self,
        diags: &mut Diagnostics,
        connection: &Connection,
        config: &NodeGroupState,
    ) {
        let own_image = text(&config.image_id);
        let own_flavor = text(&config.flavor_id);
        let Some(cluster) = text(&config.cluster_id) else {
            return;
        };
        if connection.preflight == Preflight::Off
            || unknown(&config.image_id)
            || unknown(&config.flavor_id)
            || (own_image.is_none() && own_flavor.is_none())
        {
            return;
        }
        let found = async {
            let cluster = Api::<Cluster>::new(connection.client.clone())
                .get(cluster)
                .await?;
            let Some(template_id) = cluster.cluster_template_id else {
                return Ok(Vec::new());
            };
            let template = Api::<ClusterTemplate>::new(connection.client.clone())
                .get(template_id.as_str())
                .await?;
            let Some(mut body) = template_as_create(&template) else {
                return Ok(Vec::new());
            };
            if let Some(image) = own_image {
                image.clone_into(&mut body.image_id);
            }
            if let Some(flavor) = own_flavor {
                body.flavor_id = Some(flavor.to_owned());
            }
            let found = magnum_core::doctor::resources::check_resources(
                &connection.session,
                &connection.cloud,
                &body,
                None,
            )
            .await?;
            Ok::<_, magnum_core::Error>(
                found
                    .into_iter()
                    .filter(|f| {
                        (f.field == "image_id"
                            && own_image.is_some()
                            && f.code == "MAGNUM-CLOUD-IMAGE")
                            || (f.field == "flavor_id" && own_flavor.is_some())
                    })
                    .collect(),
            )
        }
        .await;
        match found {
            Ok(found) => {
                diag::findings(diags, &found, &FIELDS);
            }
            Err(error) => diags.root_warning(
                "the nodegroup's cloud pre-flight could not run",
                format!("{error}; the plan goes on without it."),
            ),
        }
    }

    /// Waits for the nodegroup (and its cluster, which a resize moves too); a failure becomes
    /// an error diagnostic and the state is the last nodegroup seen.
    async fn settle(
        &self,
        diags: &mut Diagnostics,
        connection: &Connection,
        config: &NodeGroupState,
        cluster: &str,
        uuid: &str,
        timeout: Duration,
    ) -> Option<NodeGroupState> {
        let nodegroups = Api::<NodeGroup>::in_cluster(connection.client.clone(), cluster);
        let clusters: Api<Cluster> = Api::new(connection.client.clone());
        if let Err(WaitError { error, last, .. }) =
            wait::cluster_ready(&clusters, cluster, &options(timeout)).await
        {
            match (&error, last.as_deref()) {
                (Error::ResourceFailed(_), Some(c)) => {
                    diag::failed_cluster(diags, "nodegroup change", c)
                }
                _ => diag::api_error(diags, format!("waiting for cluster {cluster}"), &error),
            }
        }
        let found = match wait::nodegroup_ready(&nodegroups, uuid, &options(timeout)).await {
            Ok(ready) => ready,
            Err(WaitError { error, last, .. }) => {
                let reason = last
                    .as_ref()
                    .and_then(|ng| ng.status_reason.clone())
                    .unwrap_or_default();
                diags.root_error(
                    format!("nodegroup {uuid} of cluster {cluster} is not ready"),
                    format!(
                        "{error}\nstatus_reason: {reason}\n{}",
                        diag::failure_detail(Some(&reason), &Default::default())
                    ),
                );
                *last?
            }
        };
        Some(config.observed(cluster, &found))
    }
}

#[async_trait]
impl Resource for NodeGroupResource {
    type State<'a> = Value<NodeGroupState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "A Magnum nodegroup (≙ openstack_containerinfra_nodegroup_v1).",
                attributes(&rows(), &[]),
                true,
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(config) = config.as_ref_option() {
            timeouts::validate(diags, &config.timeouts);
            if let Some(body) = config.to_create(diags) {
                diag::findings(diags, &preflight::check_nodegroup(&body, None), &FIELDS);
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
        let (cluster, uuid) = prior.ids()?;
        let nodegroups = Api::<NodeGroup>::in_cluster(connection.client.clone(), cluster.as_str());
        match nodegroups.get_opt(uuid.as_str()).await {
            Ok(Some(found)) => Some((
                Value::Value(prior.observed(&cluster, &found)),
                private_state,
            )),
            Ok(None) => Some((Value::Null, private_state)),
            Err(error) => {
                diag::api_error(diags, format!("reading nodegroup {uuid}"), &error);
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
        if let (Some(connection), Some(config)) = (self.0.peek(), config.as_ref_option()) {
            self.preflight(diags, &connection, config).await;
        }
        for value in [
            &mut planned.image_id,
            &mut planned.flavor_id,
            &mut planned.role,
        ] {
            *value = or_unknown(value);
        }
        for value in [&mut planned.docker_volume_size, &mut planned.min_node_count] {
            *value = or_unknown(value);
        }
        planned.labels = or_unknown(&planned.labels);
        if planned.node_count == Value::Null {
            planned.node_count = Value::Value(1.0);
        }
        for value in [
            &mut planned.id,
            &mut planned.status,
            &mut planned.status_reason,
            &mut planned.project_id,
            &mut planned.created_at,
            &mut planned.updated_at,
        ] {
            *value = Value::Unknown;
        }
        Some((Value::Value(planned), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = prior.as_ref_option()?;
        let config = config.as_ref_option()?;
        let mut planned = proposed.as_ref_option()?.clone();
        if config.node_count == Value::Null {
            planned.node_count = Value::Value(1.0);
        }
        let mut replace = Vec::new();
        let strings = [
            ("cluster_id", &planned.cluster_id, &prior.cluster_id),
            ("name", &planned.name, &prior.name),
            ("image_id", &planned.image_id, &prior.image_id),
            ("flavor_id", &planned.flavor_id, &prior.flavor_id),
            ("role", &planned.role, &prior.role),
        ];
        for (name, next, before) in strings {
            if next != before {
                replace.push(AttributePath::new(name));
            }
        }
        if planned.docker_volume_size != prior.docker_volume_size {
            replace.push(AttributePath::new("docker_volume_size"));
        }
        if planned.labels != prior.labels {
            replace.push(AttributePath::new("labels"));
        }
        if planned.merge_labels != prior.merge_labels {
            replace.push(AttributePath::new("merge_labels"));
        }
        let in_place = planned.node_count != prior.node_count
            || planned.min_node_count != prior.min_node_count
            || planned.max_node_count != prior.max_node_count;
        if replace.is_empty() && in_place {
            planned.status = Value::Unknown;
            planned.status_reason = Value::Unknown;
            planned.updated_at = Value::Unknown;
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
        let cluster_key = text(&config.cluster_id)?;
        let mut body = config.to_create(diags)?;
        body.node_count = count(diags, &planned.node_count, "node_count").ok()?;
        // The id names the cluster by UUID, whatever the configuration used.
        let cluster = match Api::<Cluster>::new(connection.client.clone())
            .get(cluster_key)
            .await
        {
            Ok(cluster) => cluster.uuid.to_string(),
            Err(error) => {
                diag::api_error(diags, format!("reading cluster {cluster_key}"), &error);
                return None;
            }
        };
        let nodegroups = Api::<NodeGroup>::in_cluster(connection.client.clone(), cluster.as_str());
        let created = match nodegroups.create(&body).await {
            Ok(created) => created,
            Err(error) => {
                diag::api_error(
                    diags,
                    format!("creating nodegroup in cluster {cluster}"),
                    &error,
                );
                return None;
            }
        };
        let state = self
            .settle(
                diags,
                &connection,
                planned,
                &cluster,
                created.uuid.as_str(),
                timeout,
            )
            .await
            .unwrap_or_else(|| planned.observed(&cluster, &created));
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
        let (cluster, uuid) = prior.ids()?;
        let timeout = planned.timeout(diags, Op::Update)?;
        let nodegroups = Api::<NodeGroup>::in_cluster(connection.client.clone(), cluster.as_str());
        let (Ok(min), Ok(max), Ok(nodes)) = (
            count(diags, &planned.min_node_count, "min_node_count"),
            count(diags, &planned.max_node_count, "max_node_count"),
            count(diags, &planned.node_count, "node_count"),
        ) else {
            return None;
        };
        let plan = bounds_plan(
            (whole(&prior.min_node_count), min),
            (whole(&prior.max_node_count), max),
        );
        let steps = [
            Step::Patch(plan.relax),
            Step::Resize(nodes.filter(|_| planned.node_count != prior.node_count)),
            Step::Patch(plan.tighten),
        ];
        for step in steps {
            let result = match &step {
                Step::Patch(patch) if !patch.ops().is_empty() => {
                    nodegroups.update(uuid.as_str(), patch).await.map(|_| ())
                }
                Step::Resize(Some(nodes)) => match text(&prior.name) {
                    Some(name) => Api::<Cluster>::new(connection.client.clone())
                        .resize(
                            cluster.as_str(),
                            &ResizeRequest::new(*nodes).nodegroup(name),
                        )
                        .await
                        .map(|_| ()),
                    None => Ok(()),
                },
                _ => continue,
            };
            if let Err(error) = result {
                diag::api_error(diags, format!("updating nodegroup {uuid}"), &error);
                return Some((Value::Value(prior.clone()), private_state));
            }
            if let Step::Resize(Some(_)) = step {
                let settled = self
                    .settle(diags, &connection, planned, &cluster, &uuid, timeout)
                    .await;
                if !diags.errors.is_empty() {
                    return Some((
                        Value::Value(settled.unwrap_or_else(|| prior.clone())),
                        private_state,
                    ));
                }
            }
        }
        match nodegroups.get(uuid.as_str()).await {
            Ok(found) => Some((
                Value::Value(planned.observed(&cluster, &found)),
                private_state,
            )),
            Err(error) => {
                diag::api_error(diags, format!("reading nodegroup {uuid}"), &error);
                None
            }
        }
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
        let (cluster, uuid) = prior.ids()?;
        let timeout = prior.timeout(diags, Op::Delete)?;
        let nodegroups = Api::<NodeGroup>::in_cluster(connection.client.clone(), cluster.as_str());
        match nodegroups.delete(uuid.as_str()).await {
            Ok(()) => {}
            Err(error) if error.is_not_found() => return Some(()),
            Err(error) => {
                diag::api_error(diags, format!("deleting nodegroup {uuid}"), &error);
                return None;
            }
        }
        match wait::nodegroup_deleted(&nodegroups, uuid.as_str(), &options(timeout)).await {
            Ok(()) => Some(()),
            Err(error) => {
                diag::api_error(
                    diags,
                    format!("waiting for nodegroup {uuid} to be deleted"),
                    &error.error,
                );
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
        let Some((cluster_key, nodegroup)) = id.split_once('/') else {
            diags.root_error(
                format!("cannot import nodegroup {id:?}"),
                "Import a nodegroup as <cluster name or UUID>/<nodegroup name or UUID>.",
            );
            return None;
        };
        let found = async {
            let cluster = Api::<Cluster>::new(connection.client.clone())
                .get(cluster_key)
                .await?;
            let nodegroups =
                Api::<NodeGroup>::in_cluster(connection.client.clone(), cluster.uuid.as_str());
            Ok::<_, magnum_core::Error>((
                cluster.uuid.to_string(),
                nodegroups.get(nodegroup).await?,
            ))
        }
        .await;
        match found {
            Ok((cluster, ng)) => {
                let template = NodeGroupState {
                    cluster_id: Value::Value(cluster.clone()),
                    timeouts: Value::Value(Vec::new()),
                    ..Default::default()
                };
                Some((
                    Value::Value(template.observed(&cluster, &ng)),
                    ValueEmpty::default(),
                ))
            }
            Err(error) => {
                diag::api_error(diags, format!("importing nodegroup {id}"), &error);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(update: &NodeGroupUpdate) -> Vec<String> {
        update
            .ops()
            .iter()
            .map(|op| format!("{:?} {}", op.op, op.path))
            .collect()
    }

    #[test]
    fn bounds_relax_before_and_tighten_after_the_resize() {
        // Growing 1 → 2 with min 1 → 2, max 3 → 4: max first, min after.
        let plan = bounds_plan((Some(1), Some(2)), (Some(3), Some(4)));
        assert_eq!(paths(&plan.relax), ["Replace /max_node_count"]);
        assert_eq!(paths(&plan.tighten), ["Replace /min_node_count"]);
        // Shrinking with min 3 → 1, max 5 → 2: min first, max after.
        let plan = bounds_plan((Some(3), Some(1)), (Some(5), Some(2)));
        assert_eq!(paths(&plan.relax), ["Replace /min_node_count"]);
        assert_eq!(paths(&plan.tighten), ["Replace /max_node_count"]);
        // Removing the maximum relaxes; unchanged bounds do nothing.
        let plan = bounds_plan((Some(1), Some(1)), (Some(3), None));
        assert_eq!(paths(&plan.relax), ["Remove /max_node_count"]);
        assert!(plan.tighten.ops().is_empty());
    }
}
