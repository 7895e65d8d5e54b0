//! Differential run: the same read / error / delete requests against a **real magnum-api
//! 23.0.0** (`scripts/real-magnum/up.sh`, `MAGNUM_CONFORMANCE_URL`, keystone-less identity
//! headers) and against the simulator (Keystone token), comparing status codes, JSON key sets of
//! objects and collection items, and error body shapes. Data differs (the real server holds
//! `seed.py`'s rows, the simulator what this test creates); shapes must not.
//! `scripts/test.sh` runs it with `--include-ignored`; differences that remain are listed in
//! `docs/simulator.md`.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use magnum_drivers::simulator::{Simulator, SimulatorConfig};
use reqwest::Method;
use serde_json::{Value, json};

/// One side of the comparison.
struct Side {
    http: reqwest::Client,
    base: String,
    headers: Vec<(&'static str, String)>,
}

/// What is compared of an answer.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    status: u16,
    keys: BTreeSet<String>,
    item_keys: BTreeSet<String>,
    error_keys: BTreeSet<String>,
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

impl Side {
    async fn shape(&self, method: Method, path: &str, version: Option<&str>) -> Shape {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        if let Some(v) = version {
            request = request.header("openstack-api-version", format!("container-infra {v}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let item = body
            .as_object()
            .and_then(|o| {
                o.values()
                    .find_map(|v| v.as_array().and_then(|a| a.first()))
            })
            .cloned()
            .unwrap_or(Value::Null);
        Shape {
            status,
            keys: keys(&body),
            item_keys: if body.get("errors").is_some() {
                BTreeSet::new()
            } else {
                keys(&item)
            },
            error_keys: keys(&body["errors"][0]),
        }
    }
}

async fn token(sim: &Simulator) -> String {
    common::sim_token(&sim.auth_url(), "admin", "admin").await
}

/// Polls `GET path` on the simulator until its `status` is one of `want` (10 s deadline).
async fn wait_status(sim: &Side, path: &str, want: &[&str]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = Value::Null;
    while std::time::Instant::now() < deadline {
        let mut request = sim
            .http
            .get(format!("{}{path}", sim.base))
            .header("openstack-api-version", "container-infra latest");
        for (name, value) in &sim.headers {
            request = request.header(*name, value);
        }
        last = request.send().await.unwrap().json().await.unwrap();
        if want.iter().any(|w| last["status"] == *w) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path} did not reach {want:?} within 10 s: {last}");
}

/// Creates on the simulator what `seed.py` put in the real database: a referenced template, two
/// templates sharing a name, a ready cluster with a third nodegroup, a failed cluster.
async fn seed(sim: &Side) -> (String, String, String) {
    let post = |path: &'static str, body: Value| {
        let mut request = sim.http.post(format!("{}{path}", sim.base)).json(&body);
        for (name, value) in &sim.headers {
            request = request.header(*name, value);
        }
        async move {
            let response = request
                .header("openstack-api-version", "container-infra latest")
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            response.json::<Value>().await.unwrap()
        }
    };
    let template = json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "name": "k8s-seeded",
        "external_network_id": "public", "flavor_id": "m1.small", "master_flavor_id": "m1.medium",
        "keypair_id": "kp", "master_lb_enabled": true});
    let ct = post("/v1/clustertemplates", template.clone()).await;
    for _ in 0..2 {
        let mut dup = template.clone();
        dup["name"] = json!("k8s-dup");
        post("/v1/clustertemplates", dup).await;
    }
    let ready = post(
        "/v1/clusters",
        json!({"cluster_template_id": "k8s-seeded", "name": "k8s-ready", "node_count": 2}),
    )
    .await;
    let ready = ready["uuid"].as_str().unwrap().to_owned();
    post(
        "/v1/clusters",
        json!({"cluster_template_id": "k8s-seeded", "name": "k8s-failed",
               "labels": {"sim_fail_create": "Resource CREATE failed: WaitConditionTimeout"}}),
    )
    .await;
    // Conditions with a deadline, not sleeps: both clusters settled before the nodegroup is added.
    wait_status(sim, &format!("/v1/clusters/{ready}"), &["CREATE_COMPLETE"]).await;
    wait_status(sim, "/v1/clusters/k8s-failed", &["CREATE_FAILED"]).await;
    let path = format!("/v1/clusters/{ready}/nodegroups");
    let mut request = sim
        .http
        .post(format!("{}{path}", sim.base))
        .json(&json!({"name": "gpu", "node_count": 1, "flavor_id": "g1.large"}))
        .header("openstack-api-version", "container-infra latest");
    for (name, value) in &sim.headers {
        request = request.header(*name, value);
    }
    assert_eq!(request.send().await.unwrap().status(), 202);
    wait_status(sim, &format!("{path}/gpu"), &["CREATE_COMPLETE"]).await;
    (ct["uuid"].as_str().unwrap().to_owned(), ready, "gpu".into())
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh sets MAGNUM_CONFORMANCE_URL"]
async fn the_simulator_answers_with_magnum_apis_shapes() {
    let real_url = std::env::var("MAGNUM_CONFORMANCE_URL")
        .expect("MAGNUM_CONFORMANCE_URL is not set: run scripts/test.sh");
    let real = Side {
        http: reqwest::Client::new(),
        base: real_url,
        headers: vec![
            ("x-user-id", "u1".into()),
            ("x-project-id", "p1".into()),
            ("x-roles", "admin,member,reader".into()),
        ],
    };
    let sim = Simulator::start(SimulatorConfig::new().durations(
        Duration::from_millis(100),
        Duration::from_millis(100),
        Duration::from_millis(100),
    ))
    .await
    .unwrap();
    let simulated = Side {
        http: reqwest::Client::new(),
        base: sim.base_url().to_owned(),
        headers: vec![("x-auth-token", token(&sim).await)],
    };
    let (sim_ct, sim_ready, sim_ng) = seed(&simulated).await;
    // The real seed's identifiers (scripts/real-magnum/seed.py).
    let (real_ct, real_ready, real_ng) = (
        "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a01",
        "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01",
        "gpu",
    );
    // (method, path template, microversion); {ct} {cl} {ng} are substituted per side.
    let sequence: &[(Method, &str, Option<&str>)] = &[
        (Method::GET, "/", None),
        (Method::GET, "/v1", None),
        (Method::GET, "/v1/clustertemplates", None),
        (Method::GET, "/v1/clustertemplates/detail", None),
        (Method::GET, "/v1/clustertemplates/{ct}", None),
        (Method::GET, "/v1/clustertemplates/k8s-dup", None),
        (Method::GET, "/v1/clustertemplates/nope", None),
        (Method::GET, "/v1/clustertemplates?limit=0", None),
        (Method::GET, "/v1/clustertemplates?limit=1", None),
        (Method::GET, "/v1/clustertemplates", Some("1.99")),
        (Method::GET, "/v1/clustertemplates", Some("x.y")),
        (Method::GET, "/v1/clusters", None),
        (Method::GET, "/v1/clusters", Some("1.13")),
        (Method::GET, "/v1/clusters/detail", Some("1.14")),
        (Method::GET, "/v1/clusters/{cl}", None),
        (Method::GET, "/v1/clusters/{cl}", Some("1.13")),
        (Method::GET, "/v1/clusters/k8s-failed", None),
        (Method::GET, "/v1/clusters/nope", None),
        (Method::GET, "/v1/clusters/{cl}/nodegroups", Some("1.8")),
        (Method::GET, "/v1/clusters/{cl}/nodegroups", Some("1.9")),
        (
            Method::GET,
            "/v1/clusters/{cl}/nodegroups/{ng}",
            Some("1.14"),
        ),
        (Method::GET, "/v1/certificates/nope", None),
        (Method::GET, "/v1/stats", Some("1.4")),
        (Method::GET, "/v1/stats?type=pods", Some("1.4")),
        (Method::GET, "/v1/quotas/p2/Cluster", Some("1.6")),
        (Method::GET, "/v1/mservices", None),
        // /v1/federations is left out: the simulator serves no federations (the seed has one).
        (Method::DELETE, "/v1/clustertemplates/{ct}", None),
        (Method::DELETE, "/v1/clustertemplates/nope", None),
    ];
    let mut differences = Vec::new();
    for (method, path, version) in sequence {
        let fill = |ct: &str, cl: &str, ng: &str| {
            path.replace("{ct}", ct)
                .replace("{cl}", cl)
                .replace("{ng}", ng)
        };
        let theirs = real
            .shape(
                method.clone(),
                &fill(real_ct, real_ready, real_ng),
                *version,
            )
            .await;
        let ours = simulated
            .shape(
                method.clone(),
                &fill(&sim_ct, &sim_ready, &sim_ng),
                *version,
            )
            .await;
        if theirs != ours {
            differences.push(format!(
                "{method} {path} @{}: magnum-api {theirs:?}\n    simulator {ours:?}",
                version.unwrap_or("-")
            ));
        }
    }
    sim.stop().await;
    assert!(
        differences.is_empty(),
        "{} of {} requests differ:\n{}",
        differences.len(),
        sequence.len(),
        differences.join("\n")
    );
}
