//! Version discovery of the simulated services, unauthenticated and in each service's own
//! shape, so keystoneauth / openstacksdk find every API from a plain clouds.yaml without
//! endpoint overrides:
//!
//! * Glance `GET /image` → 300 `{"versions": [v2.16 CURRENT … v2.0 SUPPORTED]}` (links to
//!   `/image/v2/`), `GET /image/versions` → the same with 200.
//! * Nova `GET /compute` → `{"versions": [v2.0 SUPPORTED, v2.1 CURRENT 2.1–2.96]}`,
//!   `GET /compute/v2.1` → `{"version": {…}}`.
//! * Neutron `GET /network` → `{"versions": [v2.0 CURRENT]}`.
//! * Cinder `GET /volume` → 300 `{"versions": [v3.0 CURRENT 3.0–3.71]}`, `GET /volume/v3` → 200.
//! * Octavia `GET /load-balancer` → `{"versions": [v2.0 … v2.28]}` linking `/load-balancer/v2`
//!   (Octavia serves `v2.0` too: both prefixes are routed).
//!
//! Keystone's documents (`/identity`, `/identity/v3`) live with the Keystone front.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;
use super::keypairs::MAX_COMPUTE_MINOR;

/// Glance's newest image API minor version listed.
const GLANCE_NEWEST_MINOR: u32 = 16;
/// Cinder's newest volume API microversion.
const CINDER_MAX: &str = "3.71";
/// Octavia's newest API minor version.
const OCTAVIA_NEWEST_MINOR: u32 = 28;

fn glance_document(base: &str) -> Value {
    let versions: Vec<Value> = (0..=GLANCE_NEWEST_MINOR)
        .rev()
        .map(|minor| {
            json!({
                "id": format!("v2.{minor}"),
                "status": if minor == GLANCE_NEWEST_MINOR { "CURRENT" } else { "SUPPORTED" },
                "links": [{"href": format!("{base}/image/v2/"), "rel": "self"}],
            })
        })
        .collect();
    json!({ "versions": versions })
}

/// `GET /image`: Glance answers its version list with 300 Multiple Choices.
pub(crate) async fn glance(State(shared): State<Arc<Shared>>) -> Response {
    (
        StatusCode::MULTIPLE_CHOICES,
        Json(glance_document(&shared.base)),
    )
        .into_response()
}

/// `GET /image/versions`: the same list, 200.
pub(crate) async fn glance_versions(State(shared): State<Arc<Shared>>) -> Response {
    Json(glance_document(&shared.base)).into_response()
}

fn nova_v21(base: &str) -> Value {
    json!({
        "id": "v2.1",
        "status": "CURRENT",
        "version": format!("2.{MAX_COMPUTE_MINOR}"),
        "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z",
        "links": [
            {"href": format!("{base}/compute/v2.1/"), "rel": "self"},
            {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
        ],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.compute+json;version=2.1"}],
    })
}

/// `GET /compute`: Nova's versions.
pub(crate) async fn nova(State(shared): State<Arc<Shared>>) -> Response {
    let base = &shared.base;
    Json(json!({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
         "updated": "2011-01-21T11:33:21Z",
         "links": [{"href": format!("{base}/compute/v2/"), "rel": "self"}]},
        nova_v21(base),
    ]}))
    .into_response()
}

/// `GET /compute/v2.1`: the v2.1 version document.
pub(crate) async fn nova_v21_document(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({ "version": nova_v21(&shared.base) })).into_response()
}

/// `GET /network`: Neutron's versions.
pub(crate) async fn neutron(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({"versions": [{
        "id": "v2.0",
        "status": "CURRENT",
        "links": [{"href": format!("{}/network/v2.0/", shared.base), "rel": "self"}],
    }]}))
    .into_response()
}

fn cinder_document(base: &str) -> Value {
    json!({"versions": [{
        "id": "v3.0",
        "status": "CURRENT",
        "version": CINDER_MAX,
        "min_version": "3.0",
        "updated": "2023-08-31T00:00:00Z",
        "links": [
            {"href": "https://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
            {"href": format!("{base}/volume/v3/"), "rel": "self"},
        ],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }]})
}

/// `GET /volume`: Cinder answers its versions with 300 Multiple Choices.
pub(crate) async fn cinder(State(shared): State<Arc<Shared>>) -> Response {
    (
        StatusCode::MULTIPLE_CHOICES,
        Json(cinder_document(&shared.base)),
    )
        .into_response()
}

/// `GET /volume/v3`: the v3 version list, 200.
pub(crate) async fn cinder_v3(State(shared): State<Arc<Shared>>) -> Response {
    Json(cinder_document(&shared.base)).into_response()
}

/// `GET /load-balancer`: Octavia's versions, every one linking `/load-balancer/v2`.
pub(crate) async fn octavia(State(shared): State<Arc<Shared>>) -> Response {
    let versions: Vec<Value> = (0..=OCTAVIA_NEWEST_MINOR)
        .map(|minor| {
            json!({
                "id": format!("v2.{minor}"),
                "status": if minor == OCTAVIA_NEWEST_MINOR { "CURRENT" } else { "SUPPORTED" },
                "updated": "2016-12-11T00:00:00Z",
                "links": [{"href": format!("{}/load-balancer/v2", shared.base), "rel": "self"}],
            })
        })
        .collect();
    Json(json!({ "versions": versions })).into_response()
}
