//! The smaller routes: version documents (`/`, `/v1`), the Keystone front's routes,
//! certificates (CA get, CSR sign, CA rotation through the driver and the real CA module),
//! credential rotation, quotas, stats, Magnum services and federations.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use magnum_core::Microversion;
use magnum_core::ca::{
    SigningPolicy, delete_certificates_from_cluster, get_cluster_ca_certificate, rotate_ca,
    sign_node_certificate,
};
use serde_json::{Value, json};

use super::fields::{QUOTA_FIELDS, check_body};
use super::keystone::Identity;
use super::store::QuotaRow;
use super::wire::{ApiFault, PageQuery, json_object, links, now_timestamp, paginate, too_old};
use super::{Caller, Shared};

type Reply = Result<Response, ApiFault>;

/// `GET /`: Magnum's version document.
pub(crate) async fn root_document(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({
        "name": "OpenStack Magnum API",
        "description": "Magnum is an OpenStack project which aims to provide container cluster management.",
        "versions": [{"id": "v1", "status": "CURRENT", "min_version": "1.1", "max_version": "1.14",
                      "links": [{"href": format!("{}/v1/", shared.base), "rel": "self"}]}],
    }))
    .into_response()
}

/// `GET /v1`: links to every collection.
pub(crate) async fn v1_document(State(shared): State<Arc<Shared>>) -> Response {
    let base = &shared.base;
    let mut doc = json!({
        "id": "v1",
        "links": [{"href": format!("{base}/v1/"), "rel": "self"},
                  {"href": "http://docs.openstack.org/developer/magnum/dev/api-spec-v1.html",
                   "rel": "describedby", "type": "text/html"}],
        "media_types": [{"base": "application/json",
                         "type": "application/vnd.openstack.magnum.v1+json"}],
    });
    for collection in [
        "clustertemplates",
        "clusters",
        "quotas",
        "certificates",
        "mservices",
        "stats",
        "federations",
        "credentials",
    ] {
        doc[collection] = links(base, &format!("{collection}/"));
    }
    doc["nodegroups"] = links(base, "clusters/{cluster_id}/nodegroups");
    Json(doc).into_response()
}

/// `GET /identity`: the versions list (300, as Keystone answers).
pub(crate) async fn identity_versions(State(shared): State<Arc<Shared>>) -> Response {
    let v3 = Identity::version_document(&shared.base);
    (
        StatusCode::MULTIPLE_CHOICES,
        Json(json!({"versions": {"values": [v3["version"]]}})),
    )
        .into_response()
}

/// `GET /identity/v3`.
pub(crate) async fn identity_v3(State(shared): State<Arc<Shared>>) -> Response {
    Json(Identity::version_document(&shared.base)).into_response()
}

/// `POST /identity/v3/auth/tokens`.
pub(crate) async fn token_issue(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    shared.identity.issue(&body, &shared.base)
}

/// `GET /identity/v3/auth/tokens`.
pub(crate) async fn token_validate(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    shared.identity.validate(&headers, &shared.base)
}

/// `DELETE /identity/v3/auth/tokens`.
pub(crate) async fn token_revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    shared.identity.revoke(&headers)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CaQuery {
    ca_cert_type: Option<String>,
}

fn certificate_fault(e: magnum_core::ca::CertificateError) -> ApiFault {
    ApiFault::bad_request(e.to_string())
}

/// `GET /v1/certificates/{cluster}[?ca_cert_type=]`.
pub(crate) async fn certificate_show(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
    Query(query): Query<CaQuery>,
) -> Reply {
    caller.read("certificate:get")?;
    let store = shared.store.lock().await;
    let row = &store.clusters()[store.cluster_index(&ident, &caller.ctx)?];
    let Some(refs) = &row.resources.cert_refs else {
        return Err(ApiFault::not_found(format!(
            "Certificates for cluster {ident} could not be found."
        )));
    };
    let pem =
        get_cluster_ca_certificate(shared.certs.as_ref(), refs, query.ca_cert_type.as_deref())
            .map_err(certificate_fault)?;
    let uuid = &row.record.uuid;
    Ok(Json(json!({"cluster_uuid": uuid, "pem": pem,
                   "links": links(&shared.base, &format!("certificates/{uuid}"))}))
    .into_response())
}

/// `POST /v1/certificates`: signs a node CSR with the cluster's CA (unknown cluster → 400).
pub(crate) async fn certificate_sign(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> Reply {
    caller.write("certificate:create")?;
    let input = json_object(&body)?;
    for key in input.keys() {
        if !["cluster_uuid", "csr", "ca_cert_type", "bay_uuid"].contains(&key.as_str()) {
            return Err(ApiFault::bad_request(format!(
                "Unknown attribute for argument certificate: {key}"
            )));
        }
    }
    let field = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(cluster), Some(csr)) = (field("cluster_uuid"), field("csr")) else {
        return Err(ApiFault::bad_request(
            "Invalid input for field/attribute certificate. cluster_uuid and csr are mandatory.",
        ));
    };
    let ca_cert_type = field("ca_cert_type");
    let store = shared.store.lock().await;
    let index = store
        .cluster_index(&cluster, &caller.ctx)
        .map_err(|e| ApiFault::bad_request(e.detail))?;
    let row = &store.clusters()[index];
    let Some(refs) = &row.resources.cert_refs else {
        return Err(ApiFault::bad_request(format!(
            "Cluster {cluster} has no certificate authority yet."
        )));
    };
    let signed = sign_node_certificate(
        shared.certs.as_ref(),
        refs,
        ca_cert_type.as_deref(),
        &csr,
        &SigningPolicy::new(),
    )
    .map_err(certificate_fault)?;
    let pem = signed.certificate.to_pem().map_err(certificate_fault)?;
    let uuid = &row.record.uuid;
    Ok((
        StatusCode::CREATED,
        Json(json!({"cluster_uuid": uuid, "csr": csr, "pem": pem,
                    "links": links(&shared.base, &format!("certificates/{uuid}"))})),
    )
        .into_response())
}

/// `PATCH /v1/certificates/{cluster}`: CA rotation (not on TLS-disabled clusters).
pub(crate) async fn certificate_rotate(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
) -> Reply {
    caller.write("certificate:rotate_ca")?;
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    if row.record.template.tls_disabled == Some(true) {
        return Err(ApiFault::bad_request(
            "Rotating the CA certificate on a non-TLS cluster is not supported",
        ));
    }
    if !row.record.status.allows_update() {
        return Err(ApiFault::bad_request(format!(
            "Rotating the CA certificate when status is \"{}\" is not supported.",
            row.record.status
        )));
    }
    let driver = shared.driver(&row.record)?;
    driver
        .rotate_ca_certificate(&mut row.record)
        .await
        .map_err(|e| ApiFault::bad_request(e.to_string()))?;
    let issuer = row.record.name.clone();
    let fresh = rotate_ca(shared.certs.as_ref(), &issuer, &shared.ca_options())
        .map_err(|e| ApiFault::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    // The cluster's API server presents a certificate of the new CA and trusts only it.
    match shared.cluster_ca(Some(&fresh)) {
        Ok(ca) => {
            if let Err(e) = shared.kube.rotate(&row.record.uuid, &ca) {
                tracing::warn!(error = %e, "the Kubernetes API keeps the old CA");
            }
        }
        Err(e) => tracing::warn!(error = %e, "the Kubernetes API keeps the old CA"),
    }
    if let Some(old) = row.resources.cert_refs.replace(fresh) {
        for e in delete_certificates_from_cluster(shared.certs.as_ref(), &old) {
            tracing::warn!(error = %e, "old CA object not deleted");
        }
    }
    Ok((StatusCode::ACCEPTED, Json(json!({"uuid": row.record.uuid}))).into_response())
}

/// `PATCH /v1/credentials/{cluster}` (≥ 1.12).
pub(crate) async fn credentials_rotate(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(ident): Path<String>,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_12) {
        return Ok(response);
    }
    caller.write("credential:rotate")?;
    let mut store = shared.store.lock().await;
    let index = store.cluster_index(&ident, &caller.ctx)?;
    let row = store.cluster_mut(index);
    let driver = shared.driver(&row.record)?;
    driver
        .rotate_credential(&mut row.record)
        .await
        .map_err(|e| ApiFault::bad_request(e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(json!({"uuid": row.record.uuid}))).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct QuotaListQuery {
    all_tenants: Option<String>,
    limit: Option<String>,
    marker: Option<String>,
    sort_key: Option<String>,
    sort_dir: Option<String>,
}

/// `GET /v1/quotas` (admin).
pub(crate) async fn quota_list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Query(query): Query<QuotaListQuery>,
) -> Reply {
    caller.admin("quota:get_all")?;
    let all = query
        .all_tenants
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("true"));
    let store = shared.store.lock().await;
    let items = store
        .quotas()
        .iter()
        .filter(|q| all || q.project_id == caller.ctx.project_id)
        .map(|q| (q.id, q.id.to_string(), q))
        .collect();
    let page_query = PageQuery {
        limit: query.limit,
        marker: query.marker,
        sort_key: query.sort_key,
        sort_dir: query.sort_dir,
        role: None,
    };
    let url = format!("{}/v1/quotas", shared.base);
    let page = paginate(
        items,
        &page_query,
        &url,
        |q| q.json(),
        |m| ApiFault::not_found(format!("Quota {m} could not be found.")),
    )?;
    Ok(page.into_response("quotas"))
}

fn quota_not_found(project: &str, resource: &str) -> ApiFault {
    ApiFault::not_found(format!(
        "Quota for project {project} and resource {resource} could not be found."
    ))
}

/// `GET /v1/quotas/{project}/{resource}`: the row, or the configured default.
pub(crate) async fn quota_show(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((project, resource)): Path<(String, String)>,
) -> Reply {
    if project != caller.ctx.project_id {
        caller.admin("quota:get")?;
    }
    let store = shared.store.lock().await;
    let found = store
        .quotas()
        .iter()
        .find(|q| q.project_id == project && q.resource == resource);
    Ok(match found {
        Some(q) => Json(q.json()).into_response(),
        None => Json(json!({"project_id": project, "resource": resource,
                            "hard_limit": shared.config.max_clusters_per_project}))
        .into_response(),
    })
}

/// `POST /v1/quotas` (admin) → 201.
pub(crate) async fn quota_create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> Reply {
    caller.admin("quota:create")?;
    let input = check_body(&json_object(&body)?, QUOTA_FIELDS, "quota")?;
    let text = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    let Some(project) = text("project_id") else {
        return Err(ApiFault::bad_request(
            "Invalid input for field/attribute project_id. Value: 'None'. Mandatory field missing.",
        ));
    };
    let resource = text("resource").unwrap_or_else(|| "Cluster".into());
    let known = shared
        .config
        .users
        .iter()
        .any(|u| u.project_id == project || u.project_name == project);
    if !known {
        return Err(ApiFault::not_found(format!(
            "The project_id {project} could not be found."
        )));
    }
    let hard_limit = input.get("hard_limit").and_then(Value::as_i64).unwrap_or(1);
    let mut store = shared.store.lock().await;
    if store
        .quotas()
        .iter()
        .any(|q| q.project_id == project && q.resource == resource)
    {
        return Err(ApiFault::conflict(format!(
            "Quota for project {project} already exists for resource {resource}."
        )));
    }
    let id = store.next_id();
    let row = QuotaRow {
        id,
        project_id: project,
        resource,
        hard_limit,
        created_at: now_timestamp(),
        updated_at: None,
    };
    let body = row.json();
    store.push_quota(row);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `PATCH /v1/quotas/{project}/{resource}` (admin) → 202.
pub(crate) async fn quota_update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((project, resource)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    caller.admin("quota:update")?;
    let input = check_body(&json_object(&body)?, QUOTA_FIELDS, "quota")?;
    let mut store = shared.store.lock().await;
    let index = store
        .quotas()
        .iter()
        .position(|q| q.project_id == project && q.resource == resource)
        .ok_or_else(|| quota_not_found(&project, &resource))?;
    let row = store.quota_mut(index);
    if let Some(limit) = input.get("hard_limit").and_then(Value::as_i64) {
        row.hard_limit = limit;
        row.updated_at = Some(now_timestamp());
    }
    Ok((StatusCode::ACCEPTED, Json(row.json())).into_response())
}

/// `DELETE /v1/quotas/{project}/{resource}` (admin) → 204.
pub(crate) async fn quota_delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((project, resource)): Path<(String, String)>,
) -> Reply {
    caller.admin("quota:delete")?;
    let mut store = shared.store.lock().await;
    if store.remove_quotas(|q| q.project_id == project && q.resource == resource) == 0 {
        return Err(quota_not_found(&project, &resource));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct StatsQuery {
    project_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET /v1/stats` (≥ 1.4).
pub(crate) async fn stats(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Query(query): Query<StatsQuery>,
) -> Reply {
    if let Some(response) = too_old(caller.version, Microversion::V1_4) {
        return Ok(response);
    }
    caller.read("stats:get_all")?;
    if let Some(kind) = &query.kind {
        if !kind.eq_ignore_ascii_case("cluster") {
            return Err(ApiFault::bad_request(
                "Invalid stats type. Allowed values are 'cluster'",
            ));
        }
    }
    let project = match (&query.project_id, caller.ctx.is_admin()) {
        (Some(p), false) if *p != caller.ctx.project_id => {
            return Err(ApiFault::policy("stats:get_all"));
        }
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => Some(caller.ctx.project_id.clone()),
    };
    let store = shared.store.lock().await;
    let clusters: Vec<_> = store.clusters_in(project.as_deref()).collect();
    let nodes: u64 = clusters.iter().map(|c| c.total_nodes()).sum();
    Ok(Json(json!({"clusters": clusters.len(), "nodes": nodes})).into_response())
}

/// `GET /v1/mservices` (admin): the simulator's one conductor.
pub(crate) async fn mservices(State(shared): State<Arc<Shared>>, caller: Caller) -> Reply {
    caller.admin("magnum-service:get_all")?;
    let reports = shared.store.lock().await.conductor_reports;
    Ok(Json(json!({"mservices": [{
        "id": 1, "host": "magnum-sim", "binary": "magnum-conductor", "state": "up",
        "report_count": reports, "disabled": false, "disabled_reason": null,
        "created_at": null, "updated_at": null,
    }]}))
    .into_response())
}

/// `GET /v1/federations`: Magnum drivers never implemented federations; always empty.
pub(crate) async fn federations(caller: Caller) -> Reply {
    caller.read("federation:get_all")?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Json(json!({"federations": []})),
    )
        .into_response())
}
