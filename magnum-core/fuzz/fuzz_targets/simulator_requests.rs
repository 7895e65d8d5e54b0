//! Fuzzes the simulator's request handling in-process (`Simulator::handle`: routing, version
//! negotiation, Keystone tokens, body checks, JSON patches, pagination, the cluster life
//! cycle): the input picks a method and a route, fills the route's free segment, a query, the
//! version header and a body. Every answer must come without a panic and without a 5xx, and an
//! error must carry a JSON body.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use magnum_drivers::simulator::{DEFAULT_PASSWORD, Simulator, SimulatorConfig};

struct World {
    runtime: tokio::runtime::Runtime,
    sim: Simulator,
    token: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (sim, token) = runtime.block_on(async {
            let sim = Simulator::start(
                SimulatorConfig::new()
                    .durations(
                        std::time::Duration::from_millis(1),
                        std::time::Duration::from_millis(1),
                        std::time::Duration::from_millis(1),
                    )
                    .max_clusters_per_project(100_000),
            )
            .await
            .expect("simulator");
            let login = format!(
                r#"{{"auth": {{"identity": {{"methods": ["password"], "password": {{"user": {{"name": "demo", "domain": {{"name": "Default"}}, "password": "{DEFAULT_PASSWORD}"}}}}}}, "scope": {{"project": {{"name": "demo", "domain": {{"name": "Default"}}}}}}}}}}"#
            );
            let response = sim
                .handle(
                    Request::post("/identity/v3/auth/tokens")
                        .header("content-type", "application/json")
                        .body(Body::from(login))
                        .expect("request"),
                )
                .await;
            let token = response.headers()["x-subject-token"]
                .to_str()
                .expect("token")
                .to_owned();
            for body in [
                r#"{"name": "k8s", "image_id": "fedora-coreos-40", "coe": "kubernetes", "external_network_id": "public"}"#,
            ] {
                sim.handle(
                    Request::post("/v1/clustertemplates")
                        .header("x-auth-token", &token)
                        .header("content-type", "application/json")
                        .body(Body::from(body))
                        .expect("request"),
                )
                .await;
            }
            (sim, token)
        });
        World {
            runtime,
            sim,
            token,
        }
    })
}

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "DELETE", "PUT"];
const ROUTES: [&str; 16] = [
    "/v1/clusters/",
    "/v1/clustertemplates/",
    "/v1/clusters/k8s-a/nodegroups/",
    "/v1/clusters/k8s-a/actions/resize",
    "/v1/clusters/k8s-a/actions/upgrade",
    "/v1/certificates/",
    "/v1/quotas/",
    "/v1/stats",
    "/v1/clusters",
    "/v1/clustertemplates",
    "/identity/v3/auth/tokens",
    "/compute/v2.1/os-keypairs/",
    "/image/v2/images/",
    "/network/v2.0/",
    "/load-balancer/v2/lbaas/loadbalancers/",
    "/",
];

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    route: u8,
    segment: String,
    query: String,
    version: Option<String>,
    with_token: bool,
    body: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let world = world();
    let method = METHODS[usize::from(input.method) % METHODS.len()];
    let route = ROUTES[usize::from(input.route) % ROUTES.len()];
    let mut uri = format!("{route}{}", input.segment);
    if !input.query.is_empty() {
        uri = format!("{uri}?{}", input.query);
    }
    let mut builder = Request::builder().method(method).uri(uri.as_str());
    if input.with_token {
        builder = builder.header("x-auth-token", &world.token);
    }
    if let Some(version) = &input.version {
        builder = builder.header("openstack-api-version", version.as_str());
    }
    // Inputs no HTTP parser would let through (a bad URI or header) are not requests.
    let Ok(request) = builder
        .header("content-type", "application/json")
        .body(Body::from(input.body))
    else {
        return;
    };
    let (status, body) = world.runtime.block_on(async {
        let response = world.sim.handle(request).await;
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, body)
    });
    assert!(
        !status.is_server_error(),
        "{method} {uri} answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    if status.is_client_error() {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
            "{method} {uri} answered {status} without JSON: {:?}",
            String::from_utf8_lossy(&body)
        );
    }
});
