//! The quickstart: the whole Magnum job with magnum-rs, step by step.
//!
//! ```text
//! scripts/quickstart.sh                                   # embedded simulator, no cloud needed
//! OS_CLOUD=mycloud scripts/quickstart.sh                  # a real cloud (clouds.yaml)
//! cargo run -p magnum-examples --example quickstart       # the same, without the script
//! ```
//!
//! With no cloud configured it starts the embedded Magnum simulator on 127.0.0.1 (Magnum's API
//! and rules, a Keystone front, a seeded Glance/Nova/Neutron) and logs in through its Keystone
//! exactly as it would against a real cloud. With `OS_CLOUD` (or `OS_AUTH_URL` + credentials)
//! it uses that cloud; `QUICKSTART_IMAGE`, `QUICKSTART_FLAVOR`, `QUICKSTART_MASTER_FLAVOR`,
//! `QUICKSTART_NETWORK` and `QUICKSTART_KEYPAIR` name the cloud's resources (defaults: the
//! simulator's seeds).
//!
//! Steps: discover the API; pre-flight the template locally; create it; create a cluster and
//! wait with visible progress; write a kubeconfig signed by the cluster's CA (0600, atomic);
//! resize the worker nodegroup; show a failed cluster explained by the doctor (simulator only:
//! an injected Heat timeout); delete everything. Every error is printed with Magnum's own
//! message and request id.

use std::time::Duration;

use anyhow::Context;
use magnum_core::access::{AccessOptions, WriteOptions, cluster_access};
use magnum_core::config::{Overrides, Sources};
use magnum_core::doctor::{self, preflight};
use magnum_core::types::{
    Cluster, ClusterCreate, ClusterTemplate, ClusterTemplateCreate, Coe, NodeGroup, ResizeRequest,
};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client, kubeconfig};
use magnum_drivers::simulator::{Simulator, SimulatorConfig};

/// The Heat timeout Magnum users see most; the simulator injects it on request.
const HEAT_TIMEOUT: &str = "Resource CREATE failed: WaitConditionFailure: \
resources.kube_masters.resources[0].resources.master_wait_condition: Timed out";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cloud_configured =
        std::env::var_os("OS_CLOUD").is_some() || std::env::var_os("OS_AUTH_URL").is_some();
    let mut simulator = None;
    let cloud = if cloud_configured {
        magnum_core::config::load(&Sources::from_process(), &Overrides::new())?
    } else {
        // Simulated infrastructure: creates take 2 s, updates and deletes 1 s.
        let sim = Simulator::start(SimulatorConfig::new().durations(
            Duration::from_secs(2),
            Duration::from_secs(1),
            Duration::from_secs(1),
        ))
        .await?;
        println!(
            "no cloud configured (OS_CLOUD / OS_AUTH_URL): started the embedded Magnum simulator\n   magnum   {}\n   keystone {}",
            sim.magnum_url(),
            sim.auth_url()
        );
        let cloud = sim.cloud_config()?;
        simulator = Some(sim);
        cloud
    };
    let simulated = simulator.is_some();
    let client = Client::from_cloud(&cloud)?;
    let resource = |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| default.into());
    let image = resource("QUICKSTART_IMAGE", "fedora-coreos-40");
    let flavor = resource("QUICKSTART_FLAVOR", "m1.small");
    let master_flavor = resource("QUICKSTART_MASTER_FLAVOR", "m1.medium");
    let network = resource("QUICKSTART_NETWORK", "public");
    let keypair = resource("QUICKSTART_KEYPAIR", "kp");
    let suffix = std::process::id();

    step(1, "log in through Keystone and discover Magnum");
    let endpoint = client.endpoint().await?.v1_url(&[], &[]);
    match client.server_versions().await? {
        Some(range) => println!("   {endpoint} speaks microversions {range}"),
        None => println!("   {endpoint} did not advertise a range"),
    }

    step(2, "pre-flight the template locally (no API call)");
    let template_name = format!("quickstart-{suffix}");
    let request = ClusterTemplateCreate::new(image.as_str(), Coe::Kubernetes)
        .name(template_name.as_str())
        .flavor_id(flavor.as_str())
        .master_flavor_id(master_flavor.as_str())
        .external_network_id(network.as_str())
        .keypair_id(keypair.as_str())
        .network_driver("calico")
        .label("kube_tag", "v1.30.1");
    let findings = preflight::check_template(&request);
    if findings.is_empty() {
        println!("   no findings");
    }
    for finding in &findings {
        println!(
            "   {:?} {}: {}",
            finding.severity, finding.code, finding.message
        );
    }

    step(3, "create the cluster template");
    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    let template = templates
        .create(&request)
        .await
        .context("template create")?;
    println!(
        "   {} ({}): distro {} from the image, driver {}",
        template_name,
        template.uuid,
        template.cluster_distro.as_ref().map_or("-", |d| d.as_str()),
        template.driver.as_deref().unwrap_or("-")
    );

    step(4, "create a cluster (1 master, 2 workers) and wait for it");
    let clusters: Api<Cluster> = Api::new(client.clone());
    let cluster_name = format!("quickstart-{suffix}");
    let created = clusters
        .create(
            &ClusterCreate::new(template.uuid.as_str())
                .name(cluster_name.as_str())
                .node_count(2u32),
        )
        .await
        .context("cluster create")?;
    // Real clouds take minutes: back off to 10 s between polls; the simulator is polled often.
    let progress = if simulated {
        WaitOptions::new(Duration::from_secs(60)).interval(Duration::from_millis(200))
    } else {
        WaitOptions::new(Duration::from_secs(3600))
            .backoff(Duration::from_millis(250), Duration::from_secs(10))
    }
    .on_progress(|p| {
        let status = p.status.as_ref().map_or("gone", |s| s.as_str());
        println!("   … {status} after {:.1?}", p.elapsed);
    });
    let ready = wait::cluster_ready(&clusters, created.uuid.as_str(), &progress).await?;
    println!(
        "   {} is {} at {}",
        cluster_name,
        ready.status.as_ref().map_or("-", |s| s.as_str()),
        ready.api_address.as_deref().unwrap_or("-")
    );

    step(5, "write a kubeconfig signed by the cluster's CA");
    let dir = std::env::temp_dir().join(format!("magnum-quickstart-{suffix}"));
    std::fs::create_dir_all(&dir)?;
    let access = cluster_access(&client, created.uuid.as_str(), &AccessOptions::new()).await?;
    let export = access.write_files(&dir, WriteOptions::new().force(true).output_certs(true))?;
    println!("   {}", export.trim_end());
    let config = std::fs::read_to_string(dir.join("config"))?;
    for cert in kubeconfig::certificate_expiry(&config)? {
        let days = cert
            .not_after
            .duration_since(std::time::SystemTime::now())
            .map_or(0, |left| left.as_secs() / 86_400);
        println!(
            "   user {} ({}) valid for {days} more days",
            cert.user, cert.subject
        );
    }

    step(6, "resize the worker nodegroup to 3");
    clusters
        .resize(
            created.uuid.as_str(),
            &ResizeRequest::new(3).nodegroup("default-worker"),
        )
        .await?;
    let resized = wait::cluster_ready(&clusters, created.uuid.as_str(), &progress).await?;
    let nodegroups = Api::<NodeGroup>::in_cluster(client.clone(), created.uuid.as_str());
    for ng in nodegroups.list_all().await? {
        println!(
            "   {:<15} role={:<7} nodes={}",
            ng.name.as_deref().unwrap_or("-"),
            ng.role.as_ref().map_or("-", |r| r.as_str()),
            ng.node_count.unwrap_or(0)
        );
    }
    println!(
        "   cluster: {} workers, {}",
        resized.node_count.unwrap_or(0),
        resized.status.as_ref().map_or("-", |s| s.as_str())
    );

    let mut to_delete = vec![created.uuid.to_string()];
    if simulated {
        step(
            7,
            "a failed cluster, explained (the simulator injects a Heat timeout)",
        );
        let doomed = clusters
            .create(
                &ClusterCreate::new(template.uuid.as_str())
                    .name(format!("doomed-{suffix}"))
                    .label("sim_fail_create", HEAT_TIMEOUT),
            )
            .await?;
        to_delete.push(doomed.uuid.to_string());
        if let Err(err) = wait::cluster_ready(&clusters, doomed.uuid.as_str(), &progress).await {
            println!("   not ready: {err}");
            let failed = clusters.get(doomed.uuid.as_str()).await?;
            let faults = failed.faults.clone().unwrap_or_default();
            for e in doctor::explain_cluster(failed.status_reason.as_deref(), &faults) {
                println!("   why ({}, {}): {}", e.code, e.source, e.cause);
                println!("   fix: {}", e.fix);
            }
        }
    }

    step(8, "delete everything");
    for uuid in &to_delete {
        clusters.delete(uuid.as_str()).await?;
    }
    for uuid in &to_delete {
        wait::cluster_deleted(&clusters, uuid.as_str(), &progress).await?;
        println!("   cluster {uuid} deleted");
    }
    templates.delete(template.uuid.as_str()).await?;
    println!("   template {template_name} deleted");
    std::fs::remove_dir_all(&dir)?;
    println!("   {} removed", dir.display());
    if let Some(sim) = simulator {
        sim.stop().await;
        println!("   simulator stopped");
    }
    println!("\ndone.");
    Ok(())
}

fn step(n: u32, what: &str) {
    println!("\n[{n}] {what}");
}
