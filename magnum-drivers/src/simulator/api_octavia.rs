//! What Kubernetes leaves behind in a cloud, simulated: when a cluster reaches
//! `CREATE_COMPLETE`, its (simulated) workloads get what cloud-provider-openstack makes for a
//! `Service` of type `LoadBalancer` — an Octavia load balancer `Kubernetes external service
//! <hash> from cluster <uuid>` and a floating IP `Floating IP for Kubernetes external service
//! <hash> from cluster <uuid>` on its VIP port — so orphan tools (`magnum_core::doctor::orphans`)
//! run end to end. Served in Octavia's and Neutron's shapes, scoped to the token's project:
//! `GET /load-balancer/v2/lbaas/loadbalancers[/{id}]`, `DELETE …/{id}[?cascade=true]`,
//! `GET /network/v2.0/floatingips[?port_id=]`, `DELETE /network/v2.0/floatingips/{id}`. When the
//! cluster is deleted they go with it (Magnum's pre-delete step). Not persisted.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AuthContext, Shared};

/// A simulated Kubernetes service load balancer.
#[derive(Debug, Clone)]
struct LoadBalancer {
    project_id: String,
    cluster: String,
    id: String,
    description: String,
    vip_port_id: String,
    vip_address: String,
}

/// A simulated floating IP on a load balancer's VIP port.
#[derive(Debug, Clone)]
struct FloatingIp {
    project_id: String,
    cluster: String,
    id: String,
    address: String,
    port_id: String,
    description: String,
}

/// The simulated Octavia and Kubernetes' floating IPs.
#[derive(Debug, Default)]
pub(crate) struct Octavia {
    load_balancers: Vec<LoadBalancer>,
    floating_ips: Vec<FloatingIp>,
    made: u32,
}

impl Octavia {
    /// What Kubernetes makes for one `Service` of type `LoadBalancer` in `cluster`.
    pub(crate) fn seed(&mut self, project_id: &str, cluster: &str) {
        self.made += 1;
        let n = self.made;
        let service = format!(
            "Kubernetes external service {} from cluster {cluster}",
            uuid::Uuid::new_v4().simple()
        );
        let port = uuid::Uuid::new_v4().to_string();
        self.floating_ips.push(FloatingIp {
            project_id: project_id.to_owned(),
            cluster: cluster.to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            // Loopback, like every address the simulator hands out.
            address: format!("127.24.{}.{}", (n / 250) % 256, n % 250 + 1),
            port_id: port.clone(),
            description: format!("Floating IP for {service}"),
        });
        self.load_balancers.push(LoadBalancer {
            project_id: project_id.to_owned(),
            cluster: cluster.to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            description: service,
            vip_port_id: port,
            vip_address: format!("127.10.{}.{}", (n / 250) % 256, n % 250 + 1),
        });
    }

    /// Magnum's pre-delete: the cluster's load balancers and floating IPs go.
    pub(crate) fn forget(&mut self, cluster: &str) {
        self.load_balancers.retain(|lb| lb.cluster != cluster);
        self.floating_ips.retain(|f| f.cluster != cluster);
    }
}

fn lb_json(lb: &LoadBalancer) -> Value {
    json!({"id": lb.id, "name": format!("kube_service_{}", lb.id), "description": lb.description,
           "provisioning_status": "ACTIVE", "operating_status": "ONLINE",
           "vip_port_id": lb.vip_port_id, "vip_address": lb.vip_address,
           "project_id": lb.project_id, "provider": "amphora"})
}

fn fip_json(fip: &FloatingIp) -> Value {
    json!({"id": fip.id, "floating_ip_address": fip.address, "port_id": fip.port_id,
           "description": fip.description, "project_id": fip.project_id, "status": "ACTIVE"})
}

fn lb_not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"faultcode": "Client",
            "faultstring": format!("Load Balancer {id} could not be found."), "debuginfo": null})),
    )
        .into_response()
}

fn octavia(shared: &Shared) -> std::sync::MutexGuard<'_, Octavia> {
    shared
        .octavia
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `GET /load-balancer/v2/lbaas/loadbalancers`.
pub(crate) async fn load_balancers(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
) -> Response {
    let list: Vec<Value> = octavia(&shared)
        .load_balancers
        .iter()
        .filter(|lb| lb.project_id == ctx.project_id)
        .map(lb_json)
        .collect();
    Json(json!({ "loadbalancers": list, "loadbalancers_links": [] })).into_response()
}

/// `GET /load-balancer/v2/lbaas/loadbalancers/{id}`.
pub(crate) async fn load_balancer(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    Path(id): Path<String>,
) -> Response {
    let state = octavia(&shared);
    match state
        .load_balancers
        .iter()
        .find(|lb| lb.id == id && lb.project_id == ctx.project_id)
    {
        Some(lb) => Json(json!({ "loadbalancer": lb_json(lb) })).into_response(),
        None => lb_not_found(&id),
    }
}

/// `DELETE /load-balancer/v2/lbaas/loadbalancers/{id}[?cascade=true]`: Octavia refuses a load
/// balancer that still has listeners without `cascade` (Kubernetes' always have one).
pub(crate) async fn delete_load_balancer(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut state = octavia(&shared);
    let Some(at) = state
        .load_balancers
        .iter()
        .position(|lb| lb.id == id && lb.project_id == ctx.project_id)
    else {
        return lb_not_found(&id);
    };
    if query.get("cascade").map(String::as_str) != Some("true") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"faultcode": "Client",
                "faultstring": format!("Validation failure: Cannot delete Load Balancer {id} - it has children"),
                "debuginfo": null})),
        )
            .into_response();
    }
    state.load_balancers.remove(at);
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /network/v2.0/floatingips[?port_id=]`.
pub(crate) async fn floating_ips(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let list: Vec<Value> = octavia(&shared)
        .floating_ips
        .iter()
        .filter(|f| f.project_id == ctx.project_id)
        .filter(|f| query.get("port_id").is_none_or(|p| &f.port_id == p))
        .map(fip_json)
        .collect();
    Json(json!({ "floatingips": list })).into_response()
}

/// `DELETE /network/v2.0/floatingips/{id}`.
pub(crate) async fn delete_floating_ip(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<AuthContext>,
    Path(id): Path<String>,
) -> Response {
    let mut state = octavia(&shared);
    let before = state.floating_ips.len();
    state
        .floating_ips
        .retain(|f| !(f.id == id && f.project_id == ctx.project_id));
    if state.floating_ips.len() == before {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"NeutronError": {"type": "FloatingIPNotFound",
                "message": format!("Floating IP {id} could not be found"), "detail": ""}})),
        )
            .into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}
