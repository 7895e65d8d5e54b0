//! `/v1/clustertemplates`: list / detail / show with visibility (own, public, hidden for
//! admins), create with Magnum's validator order (server type, network and volume drivers,
//! storage size, OS resources, driver resolution, publish policy, root-disk checks), JSON-patch
//! update with the referenced-template rule, and delete.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::cloud::OsResources;
use super::fields::{TEMPLATE_FIELDS, apply_patch, check_body, check_patch};
use super::store::{Store, TemplateRow, generated_name, label_map, listing_page};
use super::wire::{ApiFault, PageQuery, json_object, new_uuid, now_timestamp};
use super::{Caller, Shared};
use crate::driver::DriverKey;

const SUPPORTED_NETWORK_DRIVERS: [&str; 3] = ["flannel", "calico", "cilium"];
const ALLOWED_NETWORK_DRIVERS: [&str; 2] = ["flannel", "calico"];

type Reply = Result<Response, ApiFault>;

/// Template attributes a patch may not remove.
const TEMPLATE_NON_REMOVABLE: [&str; 10] = [
    "coe",
    "image_id",
    "external_network_id",
    "network_driver",
    "cluster_distro",
    "registry_enabled",
    "tls_disabled",
    "public",
    "server_type",
    "hidden",
];

async fn listing(shared: &Shared, caller: &Caller, query: &PageQuery, detail: bool) -> Reply {
    caller.read(if detail {
        "clustertemplate:detail"
    } else {
        "clustertemplate:get_all"
    })?;
    let mut store = shared.store.lock().await;
    let ctx = &caller.ctx;
    let cache_key = format!("{}|{}", ctx.project_id, ctx.is_admin());
    let page = listing_page(
        &mut store,
        cache_key,
        query,
        &shared.base,
        |store| {
            store
                .templates()
                .iter()
                .filter(|r| Store::template_visible(r, ctx))
                .map(|r| (r.id, r.uuid().to_owned(), r))
                .collect()
        },
        |r: &TemplateRow| r.json(&shared.base),
    )?;
    Ok(page.into_response("clustertemplates"))
}

/// `GET /v1/clustertemplates`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Reply {
    listing(&shared, &caller, &query, false).await
}

/// `GET /v1/clustertemplates/detail`.
pub(crate) async fn list_detail(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Reply {
    listing(&shared, &caller, &query, true).await
}

/// `GET /v1/clustertemplates/{ident}`.
pub(crate) async fn show(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
) -> Reply {
    caller.read("clustertemplate:get")?;
    let store = shared.store.lock().await;
    let index = store.template_index(&ident, &caller.ctx)?;
    Ok(Json(store.templates()[index].json(&shared.base)).into_response())
}

/// The checks shared by create and update, on the complete template object.
fn validate_template(
    shared: &Shared,
    obj: &Map<String, Value>,
    creating: bool,
) -> Result<(), ApiFault> {
    let text = |k: &str| obj.get(k).and_then(Value::as_str);
    if let Some(driver) = text("network_driver") {
        if !SUPPORTED_NETWORK_DRIVERS.contains(&driver) {
            return Err(ApiFault::bad_request(format!(
                "Network driver type {driver} is not supported, expecting a flannel/calico/cilium/unspecified network driver."
            )));
        }
        if !ALLOWED_NETWORK_DRIVERS.contains(&driver) {
            return Err(ApiFault::bad_request(format!(
                "Network driver type {driver} is not allowed, expecting a flannel/calico/unspecified network driver. "
            )));
        }
    }
    if let Some(volume) = text("volume_driver") {
        if volume != "cinder" {
            return Err(ApiFault::bad_request(format!(
                "Volume driver type {volume} is not supported, expecting a cinder/unspecified volume driver."
            )));
        }
    }
    if creating && text("docker_storage_driver") == Some("devicemapper") {
        let size = obj.get("docker_volume_size").and_then(Value::as_i64);
        if size.is_none_or(|s| s < 3) {
            return Err(ApiFault::bad_request(format!(
                "docker volume size {} GB is not valid, expecting minimum value 3GB for devicemapper storage driver.",
                size.map_or("None".to_owned(), |s| s.to_string())
            )));
        }
    }
    shared.config.catalog.validate(&OsResources {
        image_id: text("image_id"),
        flavor_id: text("flavor_id"),
        master_flavor_id: text("master_flavor_id"),
        external_network_id: text("external_network_id"),
        fixed_network: text("fixed_network"),
        fixed_subnet: text("fixed_subnet"),
    })
}

/// `clustertemplate:publish` (admin), refused with Magnum's `ClusterTemplatePublishDenied`.
fn require_publish(caller: &Caller) -> Result<(), ApiFault> {
    caller.admin("clustertemplate:publish").map_err(|_| {
        ApiFault::forbidden("Not authorized to set public or hidden flag for cluster template.")
    })
}

/// `POST /v1/clustertemplates`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> Reply {
    caller.write("clustertemplate:create")?;
    let input = check_body(&json_object(&body)?, TEMPLATE_FIELDS, "cluster_template")?;
    let mut obj: Map<String, Value> = TEMPLATE_FIELDS
        .iter()
        .map(|(f, _)| ((*f).to_owned(), Value::Null))
        .collect();
    obj.extend(input);
    for mandatory in ["coe", "image_id"] {
        if obj.get(mandatory).is_none_or(Value::is_null) {
            return Err(ApiFault::bad_request(format!(
                "Invalid input for field/attribute {mandatory}. Value: 'None'. Mandatory field missing."
            )));
        }
    }
    let defaults = [
        ("server_type", json!("vm")),
        ("network_driver", json!("flannel")),
        ("labels", json!({})),
        ("registry_enabled", json!(false)),
        ("tls_disabled", json!(false)),
        ("public", json!(false)),
        ("hidden", json!(false)),
        ("master_lb_enabled", json!(false)),
        ("floating_ip_enabled", json!(true)),
    ];
    for (key, value) in defaults {
        if obj.get(key).is_none_or(Value::is_null) {
            obj.insert(key.to_owned(), value);
        }
    }
    validate_template(&shared, &obj, true)?;
    let catalog = &shared.config.catalog;
    let image_name = obj
        .get("image_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let image = catalog.image(&image_name)?;
    let distro = catalog.os_distro(&image_name)?;
    obj.insert("cluster_distro".into(), json!(distro));
    let mut draft = obj.clone();
    draft.insert("uuid".into(), json!(""));
    let typed: magnum_core::types::ClusterTemplate =
        serde_json::from_value(Value::Object(draft))
            .map_err(|e| ApiFault::bad_request(format!("Invalid cluster template: {e}")))?;
    let driver = shared
        .registry
        .resolve_template_driver(
            &DriverKey::of_template(&typed),
            obj.get("driver").and_then(Value::as_str),
            image.magnum_driver.as_deref(),
        )
        .map_err(|e| ApiFault::bad_request(e.to_string()))?;
    obj.insert("driver".into(), json!(driver));
    if obj.get("public") == Some(&json!(true)) || obj.get("hidden") == Some(&json!(true)) {
        require_publish(&caller)?;
    }
    let labels = label_map(obj.get("labels"));
    for flavor in ["flavor_id", "master_flavor_id"] {
        if let Some(f) = obj.get(flavor).and_then(Value::as_str) {
            catalog.check_root_volume(f, labels.get("boot_volume_size").map(String::as_str))?;
        }
    }
    let mut store = shared.store.lock().await;
    let id = store.next_id();
    if obj.get("name").is_none_or(Value::is_null) {
        obj.insert("name".into(), json!(generated_name("template", id)));
    }
    let uuid = match obj.get("uuid").and_then(Value::as_str) {
        Some(u) if store.templates().iter().any(|t| t.uuid() == u) => {
            return Err(ApiFault::conflict(format!(
                "A ClusterTemplate with UUID {u} already exists."
            )));
        }
        Some(u) => u.to_owned(),
        None => new_uuid(),
    };
    obj.insert("uuid".into(), json!(uuid));
    obj.insert("project_id".into(), json!(caller.ctx.project_id));
    obj.insert("user_id".into(), json!(caller.ctx.user_id));
    obj.insert("created_at".into(), json!(now_timestamp()));
    obj.insert("updated_at".into(), Value::Null);
    let row = TemplateRow { id, obj };
    let rendered = row.json(&shared.base);
    store.push_template(row);
    let location = format!("{}/v1/clustertemplates/{uuid}", shared.base);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(rendered),
    )
        .into_response())
}

/// The referenced-template rule: only `{public: true}`, `{hidden: *}`, `{tags: non-null}` or
/// `{name: *}` alone may change.
fn referenced_change_allowed(changed: &Map<String, Value>) -> bool {
    if changed.len() != 1 {
        return false;
    }
    let Some((key, value)) = changed.iter().next() else {
        return false;
    };
    match key.as_str() {
        "public" => value == &json!(true),
        "hidden" | "name" => true,
        "tags" => !value.is_null(),
        _ => false,
    }
}

/// `PATCH /v1/clustertemplates/{ident}`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    body: Bytes,
) -> Reply {
    caller.write("clustertemplate:update")?;
    // The body is checked before the template is looked up, as Magnum's signature does.
    let ops = check_patch(&body, &[], &TEMPLATE_NON_REMOVABLE)?;
    let mut store = shared.store.lock().await;
    let index = store.template_index(&ident, &caller.ctx)?;
    let row = &store.templates()[index];
    let patched = apply_patch(&row.obj, ops, &["labels"])?;
    let checked = check_body(
        &patched
            .iter()
            .filter(|(k, _)| TEMPLATE_FIELDS.iter().any(|(f, _)| f == k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        TEMPLATE_FIELDS,
        "cluster_template",
    )?;
    let mut updated = patched.clone();
    updated.extend(checked);
    let changed: Map<String, Value> = updated
        .iter()
        .filter(|(k, v)| row.obj.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if changed.contains_key("uuid") {
        return Err(ApiFault::bad_request(
            "Cannot overwrite UUID for an existing ClusterTemplate.",
        ));
    }
    if changed.contains_key("public") || changed.contains_key("hidden") {
        require_publish(&caller)?;
    }
    validate_template(&shared, &updated, false)?;
    let old_labels = row.labels();
    for flavor in ["flavor_id", "master_flavor_id"] {
        if let Some(f) = changed.get(flavor).and_then(Value::as_str) {
            shared
                .config
                .catalog
                .check_root_volume(f, old_labels.get("boot_volume_size").map(String::as_str))?;
        }
    }
    let uuid = row.uuid().to_owned();
    if !changed.is_empty()
        && store.template_referenced(&uuid)
        && !referenced_change_allowed(&changed)
    {
        return Err(ApiFault::bad_request(format!(
            "ClusterTemplate {uuid} is referenced by one or multiple clusters."
        )));
    }
    let row = store.template_mut(index);
    if !changed.is_empty() {
        updated.insert("updated_at".into(), json!(now_timestamp()));
        row.obj = updated;
    }
    Ok(Json(row.json(&shared.base)).into_response())
}

/// `DELETE /v1/clustertemplates/{ident}`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
) -> Reply {
    caller.write("clustertemplate:delete")?;
    let mut store = shared.store.lock().await;
    let index = store.template_index(&ident, &caller.ctx)?;
    let uuid = store.templates()[index].uuid().to_owned();
    if store.template_referenced(&uuid) {
        return Err(ApiFault::bad_request(format!(
            "ClusterTemplate {uuid} is referenced by one or multiple clusters."
        )));
    }
    store.remove_template(index);
    Ok(StatusCode::NO_CONTENT.into_response())
}
