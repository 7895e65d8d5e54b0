//! Benchmark helper for `scripts/bench/sim_state.sh`: drives one `magnum-sim` binary over HTTP
//! with a `--state` file and prints, as JSON, how its costs grow with the number of clusters —
//! create latency at 20 and at N clusters, GET p99 idle and while creates are written, and the
//! cost of paging through every cluster sorted by name 10 at a time. The script runs it against
//! the binary of this tree and of an older commit, in the same run, and prints the ratios.
//!
//! ```text
//! cargo run --release -p magnum-examples --example sim_state_bench -- target/release/magnum-sim 2000
//! ```

use std::io::BufRead;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The simulator under test, stopped (by pid) when dropped.
struct Sim {
    child: std::process::Child,
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    async fn start(binary: &str, state: &std::path::Path) -> anyhow::Result<Self> {
        let mut child = std::process::Command::new(binary)
            .args(["--state", &state.display().to_string()])
            .args(["--max-clusters", "100000", "--create-seconds", "0.2"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut auth = String::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(url) = line.strip_prefix("export OS_AUTH_URL=") {
                auth = url.trim_matches('\'').to_owned();
            }
            if line.contains("OS_PROJECT_DOMAIN_NAME") {
                break;
            }
        }
        let http = reqwest::Client::new();
        let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "magnum-sim"}}},
            "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}});
        let response = http
            .post(format!("{auth}/auth/tokens"))
            .json(&body)
            .send()
            .await?;
        let token = response
            .headers()
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow::anyhow!("no token"))?
            .to_owned();
        Ok(Self {
            child,
            base: auth.trim_end_matches("/identity/v3").to_owned(),
            http,
            token,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-auth-token", &self.token)
            .header("openstack-api-version", "container-infra latest");
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    async fn create(&self, name: &str) -> Duration {
        let started = Instant::now();
        self.call(
            reqwest::Method::POST,
            "/v1/clusters",
            Some(json!({"cluster_template_id": "k8s", "name": name})),
        )
        .await;
        started.elapsed()
    }
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e3
}

fn p99(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)].as_secs_f64() * 1e3
}

async fn get_samples(sim: &Sim, count: usize) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        sim.call(reqwest::Method::GET, "/v1/clusters/c-5", None)
            .await;
        samples.push(started.elapsed());
    }
    samples
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let binary = args
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("usage: sim_state_bench MAGNUM_SIM [N]"))?;
    let n: usize = args.get(2).map_or(Ok(2000), |t| t.parse())?;
    let dir = std::env::temp_dir().join(format!("magnum-sim-state-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let state = dir.join("state.db");
    let sim = Sim::start(binary, &state).await?;
    sim.call(
        reqwest::Method::POST,
        "/v1/clustertemplates",
        Some(
            json!({"name": "k8s", "image_id": "fedora-coreos-40", "coe": "kubernetes",
                    "external_network_id": "public"}),
        ),
    )
    .await;
    for i in 0..20 {
        sim.create(&format!("c-{i}")).await;
    }
    let mut at_20 = Vec::new();
    for i in 0..30 {
        at_20.push(sim.create(&format!("probe20-{i}")).await);
    }
    for i in 50..n {
        sim.create(&format!("c-{i}")).await;
    }
    let mut at_n = Vec::new();
    for i in 0..30 {
        at_n.push(sim.create(&format!("probe-n-{i}")).await);
    }
    // Let the in-progress creates settle, then GETs idle and GETs under a stream of creates.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = get_samples(&sim, 400).await;
    let writer = {
        let base = sim.base.clone();
        let token = sim.token.clone();
        let http = sim.http.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                let _ = http
                    .post(format!("{base}/v1/clusters"))
                    .header("x-auth-token", &token)
                    .json(&json!({"cluster_template_id": "k8s", "name": format!("w-{i}")}))
                    .send()
                    .await;
            }
        })
    };
    let busy = get_samples(&sim, 400).await;
    writer.await?;
    // Paging through every cluster by name, 10 a page.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let mut path = "/v1/clusters?sort_key=name&limit=10".to_owned();
    let mut pages = 0;
    let mut first_page = Duration::ZERO;
    let mut later = Vec::new();
    loop {
        let page_started = Instant::now();
        let page = sim.call(reqwest::Method::GET, &path, None).await;
        if pages == 0 {
            first_page = page_started.elapsed();
        } else {
            later.push(page_started.elapsed());
        }
        pages += 1;
        match page["next"].as_str() {
            Some(next) => path = next.trim_start_matches(&sim.base).to_owned(),
            None => break,
        }
    }
    let paging = started.elapsed();
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        json!({
            "clusters": n + 30 + 200,
            "create_ms_at_20": median(at_20),
            "create_ms_at_n": median(at_n),
            "get_p99_ms_idle": p99(idle),
            "get_p99_ms_while_writing": p99(busy),
            "paging_by_name_s": paging.as_secs_f64(),
            "pages": pages,
            "first_page_ms": first_page.as_secs_f64() * 1e3,
            "later_page_median_ms": median(later),
        })
    );
    Ok(())
}
