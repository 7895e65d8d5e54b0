//! The quickstart: a guided tour of a Magnum endpoint with magnum-rs.
//!
//! ```text
//! scripts/quickstart.sh                       # starts a real magnum-api on 127.0.0.1 and runs this
//! MAGNUM_ENDPOINT=http://127.0.0.1:9511/v1 cargo run -p magnum-examples --example quickstart
//! MAGNUM_ENDPOINT=https://cloud:9511/v1 OS_AUTH_TOKEN=gAAAA… cargo run -p magnum-examples --example quickstart
//! ```
//!
//! Steps: discover the microversion range, list templates, show one, list clusters with their
//! status, list a cluster's nodegroups, wait on a ready cluster, explain a failed one, read
//! stats and quotas. Every step prints what it did; every error is reported with Magnum's own
//! message and request id, never swallowed.
//!
//! With `OS_CLOUD` (or `OS_AUTH_URL` and credentials) it logs in through Keystone and finds
//! Magnum in the catalog, like the OpenStack CLI. With `MAGNUM_ENDPOINT` and `OS_AUTH_TOKEN` it
//! uses that token; with `MAGNUM_ENDPOINT` alone it sends the identity headers a keystone-less
//! magnum-api accepts (`X-User-Id`/`X-Project-Id`/`X-Roles`).

use std::time::Duration;

use anyhow::Context;
use magnum_core::doctor;
use magnum_core::request::ListParams;
use magnum_core::types::{Cluster, ClusterTemplate, NodeGroup, Quota};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client, NoAuth, QuotaKey, StaticToken};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let use_keystone = std::env::var_os("OS_CLOUD").is_some()
        || (std::env::var_os("OS_AUTH_URL").is_some()
            && std::env::var_os("MAGNUM_ENDPOINT").is_none());
    let client = if use_keystone {
        let cloud = magnum_core::config::load(
            &magnum_core::config::Sources::from_process(),
            &magnum_core::config::Overrides::new(),
        )?;
        Client::from_cloud(&cloud)?
    } else {
        let endpoint = std::env::var("MAGNUM_ENDPOINT").context(
            "set OS_CLOUD, or MAGNUM_ENDPOINT (scripts/quickstart.sh starts a local magnum-api and sets it)",
        )?;
        let builder = Client::builder()
            .endpoint(&endpoint)
            .microversion_from_env()?;
        match std::env::var("OS_AUTH_TOKEN") {
            Ok(token) => builder.auth(StaticToken::new(token)).build()?,
            Err(_) => builder
                .auth(NoAuth::new("u1", "p1", ["admin", "member", "reader"]))
                .build()?,
        }
    };
    let endpoint = client.endpoint().await?.v1_url(&[], &[]);

    step(1, "discover the API");
    match client.server_versions().await? {
        Some(range) => println!(
            "   {endpoint} speaks microversions {range}; each call sends the lowest it needs"
        ),
        None => println!("   {endpoint} did not advertise a range; calls send their minimum"),
    }

    step(2, "list cluster templates");
    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    let all = templates.list_all().await?;
    for t in &all {
        println!(
            "   {:<16} coe={:<10} distro={:<14} driver={}",
            t.name.as_deref().unwrap_or("-"),
            t.coe.as_ref().map_or("-", |c| c.as_str()),
            t.cluster_distro.as_ref().map_or("-", |d| d.as_str()),
            t.driver.as_deref().unwrap_or("-")
        );
    }

    step(3, "show one template by name (ambiguous names answer 409)");
    if let Some(name) = all.iter().find_map(|t| t.name.clone()) {
        match templates.get(name.as_str()).await {
            Ok(t) => println!(
                "   {name}: image={} labels={:?}",
                t.image_id.unwrap_or_default(),
                t.labels.unwrap_or_default()
            ),
            Err(err) => println!("   {name}: {err}"),
        }
    }

    step(4, "list clusters");
    let clusters: Api<Cluster> = Api::new(client.clone());
    let page = clusters.list(&ListParams::new().limit(50)).await?;
    for c in &page.items {
        println!(
            "   {:<12} {:<18} masters={} workers={}",
            c.name.as_deref().unwrap_or("-"),
            c.status.as_ref().map_or("-", |s| s.as_str()),
            c.master_count.unwrap_or(0),
            c.node_count.unwrap_or(0)
        );
    }

    let Some(first) = page.items.first() else {
        println!(
            "\nno clusters yet — create one with Api::<Cluster>::create(&ClusterCreate::new(template))"
        );
        return Ok(());
    };

    // The list is a summary; get-one has every field (project, addresses, faults…).
    let first = clusters.get(&first.uuid).await?;
    step(
        5,
        "nodegroups of the first cluster (microversion 1.9; the list is a summary)",
    );
    let nodegroups = Api::<NodeGroup>::in_cluster(client.clone(), &first.uuid);
    for ng in nodegroups.list_all().await? {
        println!(
            "   {:<15} role={:<7} nodes={} min={} max={}",
            ng.name.as_deref().unwrap_or("-"),
            ng.role.as_ref().map_or("-", |r| r.as_str()),
            ng.node_count.unwrap_or(0),
            or_dash(ng.min_node_count),
            or_dash(ng.max_node_count)
        );
    }

    step(
        6,
        "wait for every cluster to be ready (deadline 30 s; failures explain themselves)",
    );
    let options = WaitOptions::new(Duration::from_secs(30))
        .backoff(Duration::from_millis(200), Duration::from_secs(5))
        .on_progress(|p| {
            let status = p.status.as_ref().map_or("gone", |s| s.as_str());
            println!("   … {status} after {:?}", p.elapsed);
        });
    for c in &page.items {
        match wait::cluster_ready(&clusters, &c.uuid, &options).await {
            Ok(ready) => println!(
                "   ready: {} at {}",
                c.uuid,
                ready.api_address.unwrap_or_default()
            ),
            Err(err) => {
                println!("   not ready: {err}");
                // The doctor reads the failure: cause, who must act, and the fix.
                let failed = clusters.get(&c.uuid).await?;
                let faults = failed.faults.clone().unwrap_or_default();
                for e in doctor::explain_cluster(failed.status_reason.as_deref(), &faults) {
                    println!("   why ({}, {}): {}", e.code, e.source, e.cause);
                    println!("   fix: {}", e.fix);
                }
            }
        }
    }

    step(7, "stats and quota");
    match client.stats(None).await {
        Ok(stats) => println!(
            "   {} clusters, {} nodes",
            stats.clusters,
            stats.nodes.unwrap_or(0)
        ),
        Err(err) => println!("   stats unavailable: {err}"),
    }
    if let Some(project) = first.project_id.clone() {
        let quota = Api::<Quota>::new(client.clone())
            .get(QuotaKey::clusters(project))
            .await?;
        println!(
            "   project {} may run {} clusters",
            quota.project_id, quota.hard_limit
        );
    }
    println!("\ndone.");
    Ok(())
}

fn or_dash(value: Option<u32>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn step(n: u32, what: &str) {
    println!("\n[{n}] {what}");
}
