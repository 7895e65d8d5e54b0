//! Speed of the simulator against the real magnum-api 23.0.0 in the same run: sequential GETs
//! of one cluster (latency per request) and concurrent GETs (16 clients, throughput), over
//! keep-alive HTTP on 127.0.0.1, release build. Prints both and the ratios.
//!
//! Run: `scripts/bench/sim_vs_magnum.sh` (starts the real magnum-api, sets `MAGNUM_URL`).
//! Without `MAGNUM_URL` only the simulator is measured. Results: docs/performance.md.

use std::time::{Duration, Instant};

use magnum_drivers::simulator::{DEFAULT_PASSWORD, Simulator, SimulatorConfig};
use serde_json::json;

/// How to reach one server.
#[derive(Clone)]
struct Target {
    http: reqwest::Client,
    url: String,
    headers: Vec<(&'static str, String)>,
}

impl Target {
    async fn get(&self) {
        let mut request = self.http.get(&self.url);
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("GET");
        assert!(response.status().is_success(), "{}", response.status());
        let _ = response.bytes().await.expect("body");
    }
}

/// Median and mean latency of `n` sequential GETs.
async fn sequential(target: &Target, n: usize) -> (Duration, Duration) {
    for _ in 0..n / 10 {
        target.get().await;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        target.get().await;
        samples.push(start.elapsed());
    }
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(u32::MAX);
    (samples[n / 2], mean)
}

/// Requests per second with `clients` concurrent clients doing `each` GETs.
async fn concurrent(target: &Target, clients: usize, each: usize) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let target = target.clone();
            tokio::spawn(async move {
                for _ in 0..each {
                    target.get().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client task");
    }
    (clients * each) as f64 / start.elapsed().as_secs_f64()
}

async fn simulator_target(sim: &Simulator) -> Target {
    let http = reqwest::Client::new();
    let auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "domain": {"name": "Default"}, "password": DEFAULT_PASSWORD}}}}});
    let token = http
        .post(format!("{}/auth/tokens", sim.auth_url()))
        .json(&auth)
        .send()
        .await
        .expect("login")
        .headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_owned();
    let headers = vec![("x-auth-token", token)];
    let post = |path: &str, body: serde_json::Value| {
        let mut request = http.post(format!("{}{path}", sim.base_url())).json(&body);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        request
    };
    post(
        "/v1/clustertemplates",
        json!({"coe": "kubernetes", "image_id": "fedora-coreos-40", "name": "k8s"}),
    )
    .send()
    .await
    .expect("template");
    let created: serde_json::Value = post(
        "/v1/clusters",
        json!({"cluster_template_id": "k8s", "name": "bench"}),
    )
    .send()
    .await
    .expect("cluster")
    .json()
    .await
    .expect("uuid");
    Target {
        url: format!(
            "{}/v1/clusters/{}",
            sim.base_url(),
            created["uuid"].as_str().expect("uuid")
        ),
        http: http.clone(),
        headers,
    }
}

#[tokio::main]
async fn main() {
    let sim = Simulator::start(SimulatorConfig::new())
        .await
        .expect("simulator");
    let ours = simulator_target(&sim).await;
    let theirs = std::env::var("MAGNUM_URL").ok().map(|url| Target {
        http: reqwest::Client::new(),
        // The ready cluster of scripts/real-magnum/seed.py.
        url: format!("{url}/v1/clusters/8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01"),
        headers: vec![
            ("x-user-id", "u1".into()),
            ("x-project-id", "p1".into()),
            ("x-roles", "admin,member,reader".into()),
        ],
    });
    let (sim_p50, sim_mean) = sequential(&ours, 5000).await;
    let sim_rps = concurrent(&ours, 16, 1000).await;
    println!("GET /v1/clusters/{{uuid}}      p50        mean       16 clients");
    println!(
        "simulator                    {:>8.1?}  {:>8.1?}  {:>8.0} req/s",
        sim_p50, sim_mean, sim_rps
    );
    if let Some(theirs) = theirs {
        let (real_p50, real_mean) = sequential(&theirs, 500).await;
        let real_rps = concurrent(&theirs, 16, 50).await;
        println!(
            "magnum-api 23.0.0            {:>8.1?}  {:>8.1?}  {:>8.0} req/s",
            real_p50, real_mean, real_rps
        );
        println!(
            "ratio (magnum-api / sim)     {:>7.1}×  {:>7.1}×  {:>7.1}×",
            real_p50.as_secs_f64() / sim_p50.as_secs_f64(),
            real_mean.as_secs_f64() / sim_mean.as_secs_f64(),
            sim_rps / real_rps
        );
    } else {
        println!(
            "(set MAGNUM_URL to a real magnum-api to compare: scripts/bench/sim_vs_magnum.sh)"
        );
    }
    sim.stop().await;
}
