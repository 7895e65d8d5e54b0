//! `/v1/clusters` and `/v1/clusters/{id}/nodegroups`: create with Magnum's validator chain
//! (template lookup 400/404 by version, driver triple, storage size, master size, quota,
//! zero nodes before 1.10, defaults from the template, root disks, OS resources, master LB),
//! list / detail / show, PATCH limited to `node_count` and health, delete, the resize and
//! upgrade actions, and nodegroup CRUD with Magnum's 409s — all carried out by the conductor.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use magnum_core::Microversion;
use magnum_core::types::{ClusterStatus, HealthStatus, Labels};
use serde_json::{Map, Value, json};

use super::cloud::OsResources;
use super::fields::{
    CLUSTER_FIELDS, INT_MAX, Kind, NODEGROUP_FIELDS, RESIZE_FIELDS, UPGRADE_FIELDS, apply_patch,
    check, check_body, check_ops, check_patch,
};
use super::store::{
    ClusterExtra, ClusterRow, NodeGroupExtra, View, generated_name, label_map, listing_page,
};
use super::wire::{ApiFault, PageQuery, json_object, new_uuid, now_timestamp, paginate, too_old};
use super::{Caller, Shared};
use crate::conductor::{ClusterResources, ConductorError};
use crate::driver::{ClusterRecord, DriverError, DriverKey, NodeGroupRecord};

type Reply = Result<Response, ApiFault>;

/// Cluster attributes a patch may not touch.
const CLUSTER_INTERNAL: [&str; 10] = [
    "stack_id",
    "cluster_id",
    "api_address",
    "node_addresses",
    "master_addresses",
    "status",
    "status_reason",
    "coe_version",
    "container_version",
    "faults",
];
/// Cluster attributes a patch may not remove.
const CLUSTER_NON_REMOVABLE: [&str; 2] = ["cluster_template_id", "name"];

/// A conductor refusal as the API answers it; `Failed` means the cluster now carries the
/// failure status, which Magnum reports through the cluster, not the request.
fn refused(error: ConductorError) -> Option<ApiFault> {
    match error {
        ConductorError::Failed { .. } => None,
        ConductorError::Driver(DriverError::Conflict(m) | DriverError::InProgress(m)) => {
            Some(ApiFault::conflict(m))
        }
        ConductorError::Driver(DriverError::Infrastructure(m)) => {
            Some(ApiFault::new(StatusCode::INTERNAL_SERVER_ERROR, m))
        }
        other => Some(ApiFault::bad_request(other.to_string())),
    }
}

/// The API's answer to a conductor call: refusals become faults, recorded failures are accepted.
fn settled(result: Result<(), ConductorError>) -> Result<(), ApiFault> {
    match result.err().and_then(refused) {
        Some(fault) => Err(fault),
        None => Ok(()),
    }
}

fn accepted(uuid: &str) -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "uuid": uuid }))).into_response()
}

fn zero_nodes(version: Microversion) -> Result<(), ApiFault> {
    if version < Microversion::V1_10 {
        return Err(ApiFault::bad_request(
            "Resizing a nodegroup to zero is not supported in the provided microversion.",
        ));
    }
    Ok(())
}

/// A checked integer field (already bounded to Magnum's 32-bit columns by `check_body`).
fn as_u32(value: Option<&Value>) -> Option<u32> {
    value
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// Magnum's label defaulting for a cluster (parent: the template) or a nodegroup (parent: the
/// cluster): with `merge_labels` the given labels update the parent's; otherwise the given
/// labels, or the parent's when none are given.
fn effective_labels(parent: &Labels, input: &Map<String, Value>, merge_labels: bool) -> Labels {
    let given = label_map(input.get("labels"));
    if merge_labels {
        let mut merged = parent.clone();
        merged.extend(given);
        merged
    } else if given.is_empty() {
        parent.clone()
    } else {
        given
    }
}

fn text(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

async fn listing(shared: &Shared, caller: &Caller, query: &PageQuery, view: View) -> Reply {
    caller.read(if view == View::Detail {
        "cluster:detail"
    } else {
        "cluster:get_all"
    })?;
    let mut store = shared.store.lock().await;
    let project = caller.ctx.project_id.clone();
    let cache_key = format!("{project}|{}|{view:?}", caller.version);
    let page = listing_page(
        &mut store,
        cache_key,
        query,
        &shared.base,
        |store| {
            store
                .clusters_in(Some(&project))
                .map(|c| (c.id, c.record.uuid.clone(), c))
                .collect()
        },
        |c: &ClusterRow| c.json(&shared.base, caller.version, view),
    )?;
    Ok(page.into_response("clusters"))
}

/// `GET /v1/clusters`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Reply {
    listing(&shared, &caller, &query, View::Summary).await
}

/// `GET /v1/clusters/detail`.
pub(crate) async fn list_detail(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Reply {
    listing(&shared, &caller, &query, View::Detail).await
}

/// `GET /v1/clusters/{ident}`.
pub(crate) async fn show(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
) -> Reply {
    caller.read("cluster:get")?;
    let store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    Ok(Json(store.clusters()[index].json(&shared.base, caller.version, View::One)).into_response())
}

/// `POST /v1/clusters`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> Reply {
    caller.write("cluster:create")?;
    let input = check_body(&json_object(&body)?, CLUSTER_FIELDS, "cluster")?;
    let Some(template_ident) = text(&input, "cluster_template_id") else {
        return Err(ApiFault::bad_request(
            "Invalid input for field/attribute cluster_template_id. Value: 'None'. Mandatory field missing.",
        ));
    };
    let mut store = shared.store.lock().await;
    let template_row = match store.template_index(&template_ident, &caller.ctx) {
        Ok(i) => store.templates()[i].clone(),
        Err(e) if e.status == StatusCode::NOT_FOUND && caller.version < Microversion::V1_10 => {
            return Err(ApiFault::bad_request(e.detail));
        }
        Err(e) => return Err(e),
    };
    let template = template_row.typed()?;
    if template_row.flag("hidden") && !caller.ctx.is_admin() {
        return Err(ApiFault::forbidden("Not authorized."));
    }
    let driver = shared
        .registry
        .get_driver(&DriverKey::of_template(&template), None)
        .map_err(|e| ApiFault::bad_request(e.to_string()))?;
    let docker_volume_size = input
        .get("docker_volume_size")
        .and_then(Value::as_u64)
        .or_else(|| {
            template_row
                .obj
                .get("docker_volume_size")
                .and_then(Value::as_u64)
        });
    if template_row.text("docker_storage_driver") == Some("devicemapper")
        && docker_volume_size.is_none_or(|s| s < 3)
    {
        return Err(ApiFault::bad_request(format!(
            "docker volume size {} GB is not valid, expecting minimum value 3GB for devicemapper storage driver.",
            docker_volume_size.map_or("None".to_owned(), |s| s.to_string())
        )));
    }
    let master_count = as_u32(input.get("master_count")).unwrap_or(1);
    driver
        .validate_master_size(master_count)
        .map_err(|e| ApiFault::bad_request(e.to_string()))?;
    let limit = store
        .quotas()
        .iter()
        .find(|q| q.project_id == caller.ctx.project_id && q.resource == "Cluster")
        .map_or(shared.config.max_clusters_per_project, |q| q.hard_limit);
    let existing = store.clusters_in(Some(&caller.ctx.project_id)).count() as i64;
    if existing >= limit {
        return Err(ApiFault::forbidden(format!(
            "Resource limit exceeded: You have reached the maximum clusters per project, {limit}. You may delete a cluster to make room for a new one."
        )));
    }
    let node_count = as_u32(input.get("node_count")).unwrap_or(1);
    if node_count == 0 {
        zero_nodes(caller.version)?;
    }
    // Defaults from the template.
    let merge_labels = input.get("merge_labels") == Some(&json!(true));
    let labels = effective_labels(&template_row.labels(), &input, merge_labels);
    let pick = |key: &str, template_key: &str| {
        text(&input, key).or_else(|| template_row.text(template_key).map(str::to_owned))
    };
    let keypair = pick("keypair", "keypair_id");
    let flavor_id = pick("flavor_id", "flavor_id");
    let master_flavor_id = pick("master_flavor_id", "master_flavor_id");
    let fixed_network = pick("fixed_network", "fixed_network");
    let fixed_subnet = pick("fixed_subnet", "fixed_subnet");
    let flag = |key: &str| {
        input
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or_else(|| template_row.flag(key))
    };
    let (floating_ip_enabled, master_lb_enabled) =
        (flag("floating_ip_enabled"), flag("master_lb_enabled"));
    let catalog = &shared.config.catalog;
    let boot = labels.get("boot_volume_size").map(String::as_str);
    for flavor in [&flavor_id, &master_flavor_id].into_iter().flatten() {
        catalog.check_root_volume(flavor, boot)?;
    }
    catalog.validate(&OsResources {
        image_id: template_row.text("image_id"),
        flavor_id: flavor_id.as_deref(),
        master_flavor_id: master_flavor_id.as_deref(),
        external_network_id: template_row.text("external_network_id"),
        fixed_network: fixed_network.as_deref(),
        fixed_subnet: fixed_subnet.as_deref(),
    })?;
    // Last of Magnum's checks: Nova answers for the caller's own keypairs.
    if let Some(name) = keypair.as_deref() {
        if !shared.keypairs.exists(&caller.ctx.user_id, name) {
            return Err(ApiFault::not_found(format!(
                "Unable to find keypair {name}."
            )));
        }
    }
    if master_count > 1 && !master_lb_enabled {
        return Err(ApiFault::bad_request(
            "master_count must be 1 when master_lb_enabled is False",
        ));
    }
    let id = store.next_id();
    let uuid = new_uuid();
    let name = text(&input, "name").unwrap_or_else(|| generated_name("cluster", id));
    let mut record = ClusterRecord::new(&uuid, &name, &caller.ctx.project_id, template.clone());
    record.labels = labels.clone();
    record.keypair = keypair;
    record.create_timeout = as_u32(input.get("create_timeout")).unwrap_or(60);
    let now = now_timestamp();
    let mut extra = ClusterExtra {
        user_id: caller.ctx.user_id.clone(),
        docker_volume_size,
        master_flavor_id: master_flavor_id.clone(),
        flavor_id: flavor_id.clone(),
        fixed_network,
        fixed_subnet,
        floating_ip_enabled,
        master_lb_enabled,
        merge_labels,
        discovery_url: text(&input, "discovery_url"),
        created_at: now.clone(),
        ..ClusterExtra::default()
    };
    for (name, role, count, flavor) in [
        ("default-master", "master", master_count, master_flavor_id),
        ("default-worker", "worker", node_count, flavor_id),
    ] {
        let mut ng = NodeGroupRecord::new(new_uuid(), name, role, count);
        ng.flavor_id = flavor;
        ng.image_id = template.image_id.clone();
        ng.docker_volume_size = docker_volume_size.and_then(|s| u32::try_from(s).ok());
        ng.labels = labels.clone();
        ng.is_default = true;
        if role == "worker" {
            if let Some(min) = labels.get("min_node_count").and_then(|v| v.parse().ok()) {
                ng.min_node_count = min;
            }
        }
        let ng_id = store.next_id();
        extra.nodegroups.insert(
            ng.uuid.clone(),
            NodeGroupExtra {
                id: ng_id,
                created_at: now.clone(),
                ..NodeGroupExtra::default()
            },
        );
        record.nodegroups.push(ng);
    }
    let resources = match shared
        .conductor
        .cluster_create(&mut record, master_count, node_count, None)
        .await
    {
        Ok(resources) => resources,
        Err(ConductorError::Failed { resources, .. }) => *resources,
        Err(e) => {
            tracing::warn!(cluster = %uuid, error = %e, "cluster create failed");
            ClusterResources::default()
        }
    };
    store.push_cluster(ClusterRow {
        id,
        record,
        resources,
        extra,
    });
    Ok(accepted(&uuid))
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct RollbackQuery {
    rollback: Option<String>,
}

/// `PATCH /v1/clusters/{ident}`: only `node_count`, `health_status`, `health_status_reason`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    Query(query): Query<RollbackQuery>,
    body: Bytes,
) -> Reply {
    caller.write("cluster:update")?;
    // The body is checked before the cluster is looked up, as Magnum's signature does.
    let ops = check_patch(&body, &CLUSTER_INTERNAL, &CLUSTER_NON_REMOVABLE)?;
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    let current = row.json(&shared.base, caller.version, View::One);
    let patched = apply_patch(&current, ops, &["labels", "health_status_reason"])?;
    let mut changed: Vec<&str> = patched
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(*v))
        .map(|(k, _)| k.as_str())
        .collect();
    changed.sort_unstable();
    let disallowed: Vec<&str> = changed
        .iter()
        .copied()
        .filter(|k| !["node_count", "health_status", "health_status_reason"].contains(k))
        .collect();
    if !disallowed.is_empty() {
        return Err(ApiFault::bad_request(format!(
            "cannot change cluster property(ies) {}.",
            disallowed.join(", ")
        )));
    }
    if changed.contains(&"health_status") || changed.contains(&"health_status_reason") {
        caller.admin("cluster:update_health_status")?;
        if let Some(status) = patched.get("health_status").and_then(Value::as_str) {
            if !["HEALTHY", "UNHEALTHY", "UNKNOWN"].contains(&status) {
                return Err(ApiFault::bad_request(format!(
                    "Invalid input for field/attribute health_status. Value: '{status}'. Value should be one of: HEALTHY, UNHEALTHY, UNKNOWN"
                )));
            }
            row.record.health_status = Some(HealthStatus::parse(status));
        }
        row.record.health_status_reason = label_map(patched.get("health_status_reason"));
    }
    if changed.contains(&"node_count") {
        let value = patched.get("node_count").cloned().unwrap_or(Value::Null);
        let count = check("node_count", Kind::Int(0, INT_MAX), &value)?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                ApiFault::bad_request(format!(
                    "Invalid input for field/attribute node_count. Value: '{value}'. Value should be greater or equal to 0"
                ))
            })?;
        if count == 0 {
            zero_nodes(caller.version)?;
        }
        let rollback = caller.version >= Microversion::V1_3
            && query
                .rollback
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case("true"));
        settled(
            shared
                .conductor
                .cluster_update(&mut row.record, count, rollback)
                .await,
        )?;
    }
    row.extra.updated_at = Some(now_timestamp());
    Ok(accepted(&row.record.uuid))
}

/// `DELETE /v1/clusters/{ident}`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
) -> Reply {
    caller.write("cluster:delete")?;
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    settled(shared.conductor.cluster_delete(&mut row.record).await)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/clusters/{ident}/actions/resize` (≥ 1.7).
pub(crate) async fn resize(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    body: Bytes,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_7) {
        return Ok(response);
    }
    caller.write("cluster:resize")?;
    let input = check_body(&json_object(&body)?, RESIZE_FIELDS, "cluster_resize_req")?;
    let Some(node_count) = as_u32(input.get("node_count")) else {
        return Err(ApiFault::bad_request(
            "Invalid input for field/attribute node_count. Value: 'None'. Mandatory field missing.",
        ));
    };
    if node_count == 0 {
        zero_nodes(caller.version)?;
    }
    let nodes_to_remove: Vec<String> = input
        .get("nodes_to_remove")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let nodegroup = text(&input, "nodegroup");
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    if let Some(ng) = &nodegroup {
        if row.record.nodegroup_mut(ng).is_none() {
            return Err(ApiFault::not_found(format!(
                "Nodegroup {ng} could not be found."
            )));
        }
    }
    settled(
        shared
            .conductor
            .cluster_resize(
                &mut row.record,
                nodegroup.as_deref(),
                node_count,
                &nodes_to_remove,
            )
            .await,
    )?;
    row.extra.updated_at = Some(now_timestamp());
    Ok(accepted(&row.record.uuid))
}

/// `POST /v1/clusters/{ident}/actions/upgrade` (1.7 refuses; ≥ 1.8).
pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    body: Bytes,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_7) {
        return Ok(response);
    }
    caller.write("cluster:upgrade")?;
    if caller.version < Microversion::V1_8 {
        return Err(ApiFault::bad_request(format!(
            "Cluster {ident} upgrade is not supported in microversion 1.7."
        )));
    }
    let input = check_body(&json_object(&body)?, UPGRADE_FIELDS, "cluster_upgrade_req")?;
    let Some(template_ident) = text(&input, "cluster_template") else {
        return Err(ApiFault::bad_request(
            "Invalid input for field/attribute cluster_template. Value: 'None'. Mandatory field missing.",
        ));
    };
    let max_batch_size = as_u32(input.get("max_batch_size")).unwrap_or(1);
    let mut store = shared.store.lock().await;
    let template_index = store.template_index(&template_ident, &caller.ctx)?;
    let template_row = store.templates()[template_index].clone();
    let template = template_row.typed()?;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    let nodegroup = text(&input, "nodegroup").unwrap_or_else(|| "default-worker".into());
    let Some(ng) = row.record.nodegroup_mut(&nodegroup).map(|n| n.clone()) else {
        return Err(ApiFault::not_found(format!(
            "Nodegroup {nodegroup} could not be found."
        )));
    };
    if !ng.is_default && row.record.template.uuid != template.uuid {
        return Err(ApiFault::conflict(format!(
            "Cluster Template is not valid for upgrade: Nodegroup {} can be upgraded only to match cluster's template ({}).",
            ng.name,
            row.record.template.name.as_deref().unwrap_or_default()
        )));
    }
    settled(
        shared
            .conductor
            .cluster_upgrade(&mut row.record, &template, max_batch_size, Some(&ng.name))
            .await,
    )?;
    row.extra.updated_at = Some(now_timestamp());
    Ok(accepted(&row.record.uuid))
}

// ---- nodegroups ----

async fn nodegroup_listing(
    shared: &Shared,
    caller: &Caller,
    ident: &str,
    query: &PageQuery,
    view: View,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_9) {
        return Ok(response);
    }
    caller.read("nodegroup:get_all")?;
    let store = shared.store.lock().await;
    let row = &store.clusters()[store.cluster_index(ident, &caller.ctx)?];
    let items = row
        .record
        .nodegroups
        .iter()
        .filter(|n| query.role.as_deref().is_none_or(|r| n.role == r))
        .map(|n| {
            let id = row.extra.nodegroups.get(&n.uuid).map_or(0, |e| e.id);
            (id, n.uuid.clone(), n)
        })
        .collect();
    let url = format!("{}/v1/clusters/{}/nodegroups", shared.base, row.record.uuid);
    let render = |n: &&NodeGroupRecord| row.nodegroup_json(n, &shared.base, view);
    Ok(paginate(items, query, &url, render, |m| {
        ApiFault::not_found(format!("Nodegroup {m} could not be found."))
    })?
    .into_response("nodegroups"))
}

/// `GET /v1/clusters/{ident}/nodegroups` (≥ 1.9, `?role=`).
pub(crate) async fn nodegroup_list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    Query(query): Query<PageQuery>,
) -> Reply {
    nodegroup_listing(&shared, &caller, &ident, &query, View::Summary).await
}

/// `GET /v1/clusters/{ident}/nodegroups/detail`.
pub(crate) async fn nodegroup_list_detail(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    Query(query): Query<PageQuery>,
) -> Reply {
    nodegroup_listing(&shared, &caller, &ident, &query, View::Detail).await
}

fn find_nodegroup<'a>(row: &'a ClusterRow, ng: &str) -> Result<&'a NodeGroupRecord, ApiFault> {
    row.record
        .nodegroups
        .iter()
        .find(|n| n.uuid == ng || n.name == ng)
        .ok_or_else(|| ApiFault::not_found(format!("Nodegroup {ng} could not be found.")))
}

/// `GET /v1/clusters/{ident}/nodegroups/{ng}`.
pub(crate) async fn nodegroup_show(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((ident, ng)): Path<(String, String)>,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_9) {
        return Ok(response);
    }
    caller.read("nodegroup:get")?;
    let store = shared.store.lock().await;
    let row = &store.clusters()[store.cluster_index(&ident, &caller.ctx)?];
    let found = find_nodegroup(row, &ng)?;
    Ok(Json(row.nodegroup_json(found, &shared.base, View::One)).into_response())
}

/// Magnum's node label rule (`kubernetes.io` / `k8s.io` prefixes reserved, with exceptions).
fn check_node_labels(labels: &Labels) -> Result<(), ApiFault> {
    const ALLOWED: [&str; 12] = [
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/instance-type",
        "beta.kubernetes.io/os",
        "failure-domain.beta.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "kubernetes.io/arch",
        "kubernetes.io/hostname",
        "kubernetes.io/os",
        "node.kubernetes.io/instance-type",
        "node.kubernetes.io/windows-build",
        "topology.kubernetes.io/region",
        "topology.kubernetes.io/zone",
    ];
    for key in labels.keys() {
        let Some((prefix, _)) = key.split_once('/') else {
            continue;
        };
        let reserved = ["kubernetes.io", "k8s.io"]
            .iter()
            .any(|d| prefix == *d || prefix.ends_with(&format!(".{d}")));
        let excepted = prefix == "kubelet.kubernetes.io"
            || prefix == "node.kubernetes.io"
            || ALLOWED.contains(&key.as_str());
        if reserved && !excepted {
            return Err(ApiFault::conflict(format!(
                "node_labels for nodegroup is invalid (label {key} uses a reserved prefix; only kubelet.kubernetes.io, node.kubernetes.io and the well-known kubernetes.io labels are allowed)."
            )));
        }
    }
    Ok(())
}

/// Magnum's taint rule: dicts of `key` (required), `value`, `effect` (one of three).
fn check_taints(taints: &[Value]) -> Result<(), ApiFault> {
    for taint in taints {
        let Some(obj) = taint.as_object() else {
            return Err(ApiFault::conflict(
                "node_taints for nodegroup is invalid (each taint must be a dict).",
            ));
        };
        if obj
            .keys()
            .any(|k| !["key", "value", "effect"].contains(&k.as_str()))
            || !obj.get("key").is_some_and(Value::is_string)
        {
            return Err(ApiFault::conflict(
                "node_taints for nodegroup is invalid (a taint has only key, value and effect, and key is required).",
            ));
        }
        let effect = obj
            .get("effect")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
            return Err(ApiFault::conflict(format!(
                "node_taints for nodegroup is invalid (effect {effect} is not one of NoSchedule, PreferNoSchedule, NoExecute)."
            )));
        }
    }
    Ok(())
}

/// `POST /v1/clusters/{ident}/nodegroups` → 202 with the nodegroup.
pub(crate) async fn nodegroup_create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    body: Bytes,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_9) {
        return Ok(response);
    }
    caller.write("nodegroup:create")?;
    let input = check_body(&json_object(&body)?, NODEGROUP_FIELDS, "nodegroup")?;
    let Some(name) = text(&input, "name") else {
        return Err(ApiFault::bad_request(
            "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.",
        ));
    };
    let role = text(&input, "role").unwrap_or_else(|| "worker".into());
    if role == "master" {
        return Err(ApiFault::bad_request(
            "Creating master nodegroups is currently not supported.",
        ));
    }
    let node_count = as_u32(input.get("node_count")).unwrap_or(1);
    if node_count == 0 {
        zero_nodes(caller.version)?;
    }
    let node_labels = input
        .get("node_labels")
        .filter(|v| !v.is_null())
        .map(|v| label_map(Some(v)));
    if let Some(labels) = &node_labels {
        check_node_labels(labels)?;
    }
    let node_taints = input.get("node_taints").and_then(Value::as_array).cloned();
    if let Some(taints) = &node_taints {
        check_taints(taints)?;
    }
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let ng_id = store.next_id();
    let row = store.cluster_mut(index);
    let merge_labels = input.get("merge_labels") == Some(&json!(true));
    let labels = effective_labels(&row.record.labels, &input, merge_labels);
    let mut ng = NodeGroupRecord::new(new_uuid(), &name, &role, node_count);
    ng.min_node_count = as_u32(input.get("min_node_count")).unwrap_or(0);
    ng.max_node_count = as_u32(input.get("max_node_count"));
    ng.flavor_id = text(&input, "flavor_id").or_else(|| row.extra.flavor_id.clone());
    ng.image_id = text(&input, "image_id").or_else(|| row.record.template.image_id.clone());
    ng.docker_volume_size = as_u32(input.get("docker_volume_size")).or_else(|| {
        row.extra
            .docker_volume_size
            .and_then(|s| u32::try_from(s).ok())
    });
    ng.labels = labels;
    if let Some(flavor) = &ng.flavor_id {
        shared.config.catalog.flavor(flavor)?;
        shared.config.catalog.check_root_volume(
            flavor,
            ng.labels.get("boot_volume_size").map(String::as_str),
        )?;
    }
    let uuid = ng.uuid.clone();
    settled(shared.conductor.nodegroup_create(&mut row.record, ng).await)?;
    row.extra.nodegroups.insert(
        uuid.clone(),
        NodeGroupExtra {
            id: ng_id,
            created_at: now_timestamp(),
            updated_at: None,
            merge_labels,
            node_labels,
            node_taints,
        },
    );
    let found = find_nodegroup(row, &uuid)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(row.nodegroup_json(found, &shared.base, View::One)),
    )
        .into_response())
}

/// `PATCH /v1/clusters/{ident}/nodegroups/{ng}`: min/max counts, node labels and taints.
pub(crate) async fn nodegroup_update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((ident, ng)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_9) {
        return Ok(response);
    }
    caller.write("nodegroup:update")?;
    // The patch's shape is checked before the cluster and nodegroup are looked up.
    let ops = check_patch(&body, &[], &[])?;
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    let target = find_nodegroup(row, &ng)?.clone();
    let current = row.nodegroup_json(&target, &shared.base, View::One);
    let internal: Vec<&str> = current
        .keys()
        .map(String::as_str)
        .filter(|k| {
            ![
                "min_node_count",
                "max_node_count",
                "node_labels",
                "node_taints",
            ]
            .contains(k)
        })
        .collect();
    // Which attributes are internal depends on the nodegroup's own fields.
    check_ops(&ops, &internal, &[])?;
    let patched = apply_patch(&current, ops, &["node_labels", "node_taints"])?;
    let mut candidate = target.clone();
    let bounded = |field: &str| -> Result<Option<u32>, ApiFault> {
        let value = patched.get(field).cloned().unwrap_or(Value::Null);
        Ok(as_u32(Some(&check(field, Kind::Int(0, INT_MAX), &value)?)))
    };
    candidate.min_node_count = bounded("min_node_count")?.unwrap_or(0);
    candidate.max_node_count = bounded("max_node_count")?;
    candidate
        .check_bounds()
        .map_err(|e| ApiFault::conflict(e.to_string()))?;
    let node_labels = patched
        .get("node_labels")
        .filter(|v| !v.is_null())
        .map(|v| label_map(Some(v)));
    if let Some(labels) = &node_labels {
        if target.is_master() {
            return Err(ApiFault::conflict(
                "node_labels may not be set on master nodegroups",
            ));
        }
        check_node_labels(labels)?;
    }
    let node_taints = patched
        .get("node_taints")
        .and_then(Value::as_array)
        .cloned();
    if let Some(taints) = &node_taints {
        if target.is_master() {
            return Err(ApiFault::conflict(
                "node_taints may not be set on master nodegroups",
            ));
        }
        check_taints(taints)?;
    }
    if let Some(record) = row.record.nodegroup_mut(&target.uuid) {
        record.min_node_count = candidate.min_node_count;
        record.max_node_count = candidate.max_node_count;
    }
    let extra = row.extra.nodegroups.entry(target.uuid.clone()).or_default();
    extra.node_labels = node_labels;
    extra.node_taints = node_taints;
    extra.updated_at = Some(now_timestamp());
    if row.record.status.allows_update() {
        let driver = shared.driver(&row.record)?;
        if let Err(e) = driver.update_nodegroup(&mut row.record, &target.name).await {
            row.record.status = ClusterStatus::UpdateFailed;
            row.record.status_reason = Some(e.to_string());
        }
    }
    let found = find_nodegroup(row, &target.uuid)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(row.nodegroup_json(found, &shared.base, View::One)),
    )
        .into_response())
}

/// `DELETE /v1/clusters/{ident}/nodegroups/{ng}`.
pub(crate) async fn nodegroup_delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((ident, ng)): Path<(String, String)>,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_9) {
        return Ok(response);
    }
    caller.write("nodegroup:delete")?;
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    let target = find_nodegroup(row, &ng)?.clone();
    settled(
        shared
            .conductor
            .nodegroup_delete(&mut row.record, &target.uuid)
            .await,
    )?;
    // The nodegroup stays listed (DELETE_IN_PROGRESS) until the sync sees its stack gone.
    Ok(StatusCode::NO_CONTENT.into_response())
}
