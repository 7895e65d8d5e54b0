//! The seeded cloud over HTTP, read-only and just enough for pre-flight tools: Glance
//! `/image/v2/images` (name filter, get by id), Nova `/compute/v2.1/flavors/detail` and
//! (keypairs are `keypairs.rs`), Neutron `/network/v2.0/networks` (`router:external`
//! filter) and `/network/v2.0/subnets`, Cinder `/volume/v3/{project}/types`, and the quotas
//! (Nova `/limits`, Neutron `/quotas/{project}/details`, Cinder `/limits`, Octavia
//! `/lbaas/quotas/{project}`), in those services' own JSON shapes and 404 bodies. Every route needs a valid token, like the real services
//! (checked once, by the router's layer in `mod.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;

fn image_json(image: &super::cloud::Image) -> Value {
    let mut body = json!({"id": image.id, "name": image.name, "status": "active",
        "visibility": "public", "container_format": "bare", "disk_format": "qcow2"});
    if let Some(distro) = &image.os_distro {
        body["os_distro"] = json!(distro);
    }
    if let Some(driver) = &image.magnum_driver {
        body["magnum_driver"] = json!(driver);
    }
    body
}

/// `GET /image/v2/images[?name=]`.
pub(crate) async fn images(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let images: Vec<Value> = shared
        .config
        .catalog
        .images
        .iter()
        .filter(|i| query.get("name").is_none_or(|n| &i.name == n))
        .map(image_json)
        .collect();
    Json(json!({ "images": images })).into_response()
}

/// `GET /image/v2/images/{id}`.
pub(crate) async fn image(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match shared.config.catalog.images.iter().find(|i| i.id == id) {
        Some(image) => Json(image_json(image)).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            format!("404 Not Found\n\nNo image found with ID {id}\n\n   "),
        )
            .into_response(),
    }
}

/// `GET /compute/v2.1/flavors/detail`.
pub(crate) async fn flavors(State(shared): State<Arc<Shared>>) -> Response {
    let flavors: Vec<Value> = shared
        .config
        .catalog
        .flavors
        .iter()
        .map(|f| {
            let (ram, vcpus) = if f.disk_gb >= 40 {
                (4096, 2)
            } else {
                (2048, 1)
            };
            json!({"id": f.id, "name": f.name, "disk": f.disk_gb, "ram": ram, "vcpus": vcpus,
                   "OS-FLV-DISABLED:disabled": false, "os-flavor-access:is_public": true})
        })
        .collect();
    Json(json!({ "flavors": flavors })).into_response()
}

/// `GET /network/v2.0/networks[?router:external=true&name=]`.
pub(crate) async fn networks(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let external = query
        .get("router:external")
        .map(|v| v.eq_ignore_ascii_case("true"));
    let networks: Vec<Value> = shared
        .config
        .catalog
        .networks
        .iter()
        .filter(|n| external.is_none_or(|e| n.external == e))
        .filter(|n| query.get("name").is_none_or(|name| &n.name == name))
        .map(|n| {
            json!({"id": n.id, "name": n.name, "router:external": n.external,
                        "status": "ACTIVE", "admin_state_up": true})
        })
        .collect();
    Json(json!({ "networks": networks })).into_response()
}

/// `GET /network/v2.0/subnets`.
pub(crate) async fn subnets(State(shared): State<Arc<Shared>>) -> Response {
    let subnets: Vec<Value> = shared
        .config
        .catalog
        .subnets
        .iter()
        .map(|s| {
            json!({"id": s.id, "name": s.name, "enable_dhcp": s.enable_dhcp,
                   "dns_nameservers": s.dns_nameservers})
        })
        .collect();
    Json(json!({ "subnets": subnets })).into_response()
}

/// `GET /volume/v3/{project}/types`.
pub(crate) async fn volume_types(
    State(shared): State<Arc<Shared>>,
    Path(_project): Path<String>,
) -> Response {
    let types: Vec<Value> = shared
        .config
        .catalog
        .volume_types
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({"id": format!("7e000000-0000-4000-8000-{i:012}"), "name": name,
                                "is_public": true, "extra_specs": {}})
        })
        .collect();
    Json(json!({ "volume_types": types })).into_response()
}

/// `GET /compute/v2.1/limits`: Nova's absolute limits from the catalog's quotas.
pub(crate) async fn compute_limits(State(shared): State<Arc<Shared>>) -> Response {
    let q = &shared.config.catalog.quotas;
    Json(json!({"limits": {"rate": [], "absolute": {
        "maxTotalInstances": q.instances.limit, "totalInstancesUsed": q.instances.used,
        "maxTotalCores": q.cores.limit, "totalCoresUsed": q.cores.used,
        "maxTotalRAMSize": q.ram.limit, "totalRAMUsed": q.ram.used,
        "maxTotalKeypairs": 100, "maxServerMeta": 128,
    }}}))
    .into_response()
}

/// `GET /network/v2.0/quotas/{project}/details`.
pub(crate) async fn network_quotas(State(shared): State<Arc<Shared>>) -> Response {
    let q = &shared.config.catalog.quotas;
    let entry = |l: &super::cloud::Limit| json!({"limit": l.limit, "used": l.used, "reserved": 0});
    Json(json!({"quota": {
        "floatingip": entry(&q.floating_ips), "network": entry(&q.networks),
        "router": entry(&q.routers), "security_group": entry(&q.security_groups),
        "port": entry(&q.ports),
        "subnet": {"limit": 100, "used": 0, "reserved": 0},
        "security_group_rule": {"limit": 100, "used": 0, "reserved": 0},
    }}))
    .into_response()
}

/// `GET /volume/v3/{project}/limits`.
pub(crate) async fn volume_limits(State(shared): State<Arc<Shared>>) -> Response {
    let q = &shared.config.catalog.quotas;
    Json(json!({"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": q.volumes.limit, "totalVolumesUsed": q.volumes.used,
        "maxTotalVolumeGigabytes": q.gigabytes.limit, "totalGigabytesUsed": q.gigabytes.used,
    }}}))
    .into_response()
}

/// `GET /load-balancer/v2/lbaas/quotas/{project}` (usage is the listing's length).
pub(crate) async fn load_balancer_quotas(State(shared): State<Arc<Shared>>) -> Response {
    let q = &shared.config.catalog.quotas;
    Json(
        json!({"quota": {"load_balancer": q.load_balancers.limit, "listener": -1,
        "pool": -1, "health_monitor": -1, "member": -1}}),
    )
    .into_response()
}

/// `GET /network/v2.0/ports?network_id=&device_owner=network:router_interface`: the router
/// interface of a network that has a router (device id `router-<network id>`).
pub(crate) async fn ports(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let owner_ok = query
        .get("device_owner")
        .is_none_or(|o| o == "network:router_interface");
    let ports: Vec<Value> = shared
        .config
        .catalog
        .networks
        .iter()
        .filter(|n| n.router_gateway.is_some() && owner_ok)
        .filter(|n| query.get("network_id").is_none_or(|id| &n.id == id))
        .map(|n| {
            json!({"id": format!("port-{}", n.id), "network_id": n.id,
                   "device_owner": "network:router_interface", "device_id": format!("router-{}", n.id)})
        })
        .collect();
    Json(json!({ "ports": ports })).into_response()
}

/// `GET /network/v2.0/routers/{id}`.
pub(crate) async fn router(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let found = shared.config.catalog.networks.iter().find_map(|n| {
        let gateway = n.router_gateway?;
        (id == format!("router-{}", n.id)).then_some((n, gateway))
    });
    match found {
        Some((n, gateway)) => {
            let external = shared.config.catalog.networks.iter().find(|x| x.external);
            let info = match (gateway, external) {
                (true, Some(ext)) => json!({"network_id": ext.id, "enable_snat": true}),
                _ => Value::Null,
            };
            Json(
                json!({"router": {"id": id, "name": format!("{}-router", n.name),
                                   "status": "ACTIVE", "external_gateway_info": info}}),
            )
            .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"NeutronError": {"type": "RouterNotFound",
                "message": format!("Router {id} could not be found"), "detail": ""}})),
        )
            .into_response(),
    }
}

/// `GET /load-balancer/v2/lbaas/providers`.
pub(crate) async fn load_balancer_providers(State(shared): State<Arc<Shared>>) -> Response {
    let providers: Vec<Value> = shared
        .config
        .catalog
        .load_balancer_providers
        .iter()
        .map(|p| json!({"name": p, "description": format!("The {p} driver.")}))
        .collect();
    Json(json!({ "providers": providers })).into_response()
}

/// `GET /compute/v2.1/os-availability-zone` and `GET /volume/v3/{project}/os-availability-zone`.
pub(crate) async fn availability_zones(State(shared): State<Arc<Shared>>) -> Response {
    let zones: Vec<Value> = shared
        .config
        .catalog
        .availability_zones
        .iter()
        .map(|z| json!({"zoneName": z, "zoneState": {"available": true}, "hosts": null}))
        .collect();
    Json(json!({ "availabilityZoneInfo": zones })).into_response()
}
