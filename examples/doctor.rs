//! `doctor`: a readable report of what is wrong with a cluster template before it is sent, or
//! with a cluster after it failed — every finding in one pass, with who must act and the fix.
//!
//! ```text
//! cargo run -p magnum-examples --example doctor -- template examples/doctor-template.json
//! cargo run -p magnum-examples --example doctor -- cluster my-cluster        # OS_CLOUD / OS_AUTH_URL
//! cargo run -p magnum-examples --example doctor -- cluster demo              # no cloud: simulator demo
//! cargo run -p magnum-examples --example doctor -- cloud [examples/doctor-template.json]
//! cargo run -p magnum-examples --example doctor -- orphans my-cluster [--delete]
//! ... --json                                                                 # machine-readable
//! ```
//!
//! `template FILE` reads a template create body (the JSON `POST /v1/clustertemplates` takes)
//! and runs the local pre-flight (no network). `cluster NAME` reads the cluster from the cloud
//! and explains its `status_reason` and per-nodegroup `faults`; with no cloud configured it
//! starts the embedded simulator, makes a cluster fail with the Heat timeout operators know
//! best, and explains that. `cloud [FILE]` logs in and checks what the token shows of the
//! cloud — missing Octavia / Cinder / Barbican / Heat for what the template needs, endpoints
//! the VMs cannot reach, several regions, application-credential tokens on a Heat-era
//! Magnum — and, with a template, asks Glance, Nova and Neutron about its image (`os_distro`),
//! flavors, keypair and external network (with no cloud: the simulator). `orphans NAME` lists
//! the load balancers and floating IPs Kubernetes made for the cluster (what blocks a delete
//! with "Failed to pre-delete resources") and deletes them — floating IPs first, load balancers
//! with cascade — only with `--delete` (with no cloud: a simulator cluster whose Service has a
//! load balancer). Exit status: 1 when an error-level finding, a failure or an undeleted
//! leftover was found, 0 otherwise, so pipelines can gate on it. Colours only on a terminal without `NO_COLOR`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use magnum_core::config::{Overrides, Sources};
use magnum_core::doctor::explain::Actor;
use magnum_core::doctor::preflight::{self, Finding, Severity};
use magnum_core::doctor::{self};
use magnum_core::types::{Cluster, ClusterCreate, ClusterTemplateCreate, Coe};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client};
use magnum_drivers::simulator::{Simulator, SimulatorConfig};
use serde_json::json;

const USAGE: &str = "usage: doctor template FILE.json [--json] | doctor cluster NAME [--json] | doctor cloud [FILE.json] [--json] | doctor orphans NAME [--delete] [--json]";

/// Terminal styling, off when piped or with NO_COLOR.
struct Style(bool);

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json_output = args.iter().any(|a| a == "--json");
    let delete = args.iter().any(|a| a == "--delete");
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--json" && *a != "--delete")
        .collect();
    let style = Style(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none());
    let outcome = match words.as_slice() {
        ["template", file] => template_report(file, json_output, &style),
        ["cluster", name] => cluster_report(name, json_output, &style).await,
        ["cloud"] => cloud_report(None, json_output, &style).await,
        ["cloud", file] => cloud_report(Some(file), json_output, &style).await,
        ["orphans", name] => orphans_report(name, delete, json_output, &style).await,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("doctor: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_template(file: &str) -> anyhow::Result<ClusterTemplateCreate> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{file} is not a cluster template create body"))
}

/// Local pre-flight of a template body; `Ok(true)` when an error was found.
fn template_report(file: &str, json_output: bool, style: &Style) -> anyhow::Result<bool> {
    let findings = preflight::check_template(&read_template(file)?);
    Ok(print_findings(
        &format!("template {file}"),
        &findings,
        json_output,
        style,
    ))
}

/// The cloud as the user's token shows it, against what the template (if given) needs.
async fn cloud_report(
    file: Option<&str>,
    json_output: bool,
    style: &Style,
) -> anyhow::Result<bool> {
    let template = file.map(read_template).transpose()?;
    let mut simulator = None;
    let cloud = match configured_cloud()? {
        Some(cloud) => cloud,
        None => {
            let sim = Simulator::start(SimulatorConfig::new()).await?;
            eprintln!(
                "doctor: no cloud configured (OS_CLOUD / OS_AUTH_URL); checking the embedded simulator"
            );
            let cloud = sim.cloud_config()?;
            simulator = Some(sim);
            cloud
        }
    };
    let mut findings = doctor::cloud::check_cloud_config(&cloud, template.as_ref(), None).await?;
    if let Some(template) = &template {
        // The template's image, flavors, keypair and external network, asked of the services.
        let session = magnum_core::keystone::KeystoneSession::from_cloud(&cloud)?;
        findings
            .extend(doctor::resources::check_resources(&session, &cloud, template, None).await?);
    }
    if let Some(sim) = simulator {
        sim.stop().await;
    }
    let title = format!(
        "cloud {} ({}){}",
        cloud.name.as_deref().unwrap_or("from OS_*"),
        cloud.auth_url,
        file.map(|f| format!(" for template {f}"))
            .unwrap_or_default()
    );
    Ok(print_findings(&title, &findings, json_output, style))
}

fn configured_cloud() -> anyhow::Result<Option<magnum_core::config::CloudConfig>> {
    if std::env::var_os("OS_CLOUD").is_none() && std::env::var_os("OS_AUTH_URL").is_none() {
        return Ok(None);
    }
    Ok(Some(magnum_core::config::load(
        &Sources::from_process(),
        &Overrides::new(),
    )?))
}

/// Prints findings as a report or JSON; true when one is an error.
fn print_findings(title: &str, findings: &[Finding], json_output: bool, style: &Style) -> bool {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if json_output {
        let rows: Vec<_> = findings
            .iter()
            .map(|f| {
                json!({"code": f.code, "severity": format!("{:?}", f.severity).to_lowercase(),
                       "field": f.field, "message": f.message, "hint": f.hint,
                       "pain_point": f.pain_point})
            })
            .collect();
        println!("{}", json!({"subject": title, "findings": rows}));
        return errors > 0;
    }
    println!(
        "doctor: {title} — {errors} error(s), {} warning(s)\n",
        findings.len() - errors
    );
    for f in findings {
        let (label, colour) = match f.severity {
            Severity::Error => ("error  ", "31;1"),
            _ => ("warning", "33;1"),
        };
        println!(
            "  {} {:<24} {}",
            style.paint(colour, label),
            f.field,
            f.message
        );
        println!(
            "          {} {} (code {}, pain point {})\n",
            style.paint("36", "fix:"),
            f.hint,
            f.code,
            f.pain_point
        );
    }
    if findings.is_empty() {
        println!("  {} nothing found", style.paint("32;1", "ok"));
    }
    errors > 0
}

/// Explains a cluster's failure; `Ok(true)` when it failed.
async fn cluster_report(name: &str, json_output: bool, style: &Style) -> anyhow::Result<bool> {
    let mut simulator = None;
    let client = match configured_cloud()? {
        Some(cloud) => Client::from_cloud(&cloud)?,
        None => {
            let (sim, client) = demo_failure(name).await?;
            simulator = Some(sim);
            client
        }
    };
    let cluster = Api::<Cluster>::new(client).get(name).await?;
    let faults = cluster.faults.clone().unwrap_or_default();
    let status = cluster
        .status
        .as_ref()
        .map_or("-", |s| s.as_str())
        .to_owned();
    let failed = cluster.status.as_ref().is_some_and(|s| s.is_failed());
    let explained = doctor::explain_cluster(cluster.status_reason.as_deref(), &faults);
    if let Some(sim) = simulator {
        sim.stop().await;
    }
    if json_output {
        let rows: Vec<_> = explained
            .iter()
            .map(|e| {
                json!({"code": e.code, "source": e.source, "cause": e.cause,
                       "actor": format!("{:?}", e.actor).to_lowercase(),
                       "retryable": e.retryable, "fix": e.fix, "pain_point": e.pain_point})
            })
            .collect();
        println!(
            "{}",
            json!({"cluster": name, "uuid": cluster.uuid.as_str(), "status": status,
                   "status_reason": cluster.status_reason, "faults": faults, "explanations": rows})
        );
        return Ok(failed);
    }
    println!("doctor: cluster {name} ({}) is {status}", cluster.uuid);
    if let Some(reason) = &cluster.status_reason {
        println!("  status_reason: {reason}");
    }
    for (nodegroup, reason) in &faults {
        println!("  fault in {nodegroup}: {reason}");
    }
    println!();
    for e in &explained {
        let actor = match e.actor {
            Actor::User => "you",
            Actor::Deployer => "the cloud's operators",
            _ => "you or the cloud's operators",
        };
        println!("  {} {}", style.paint("31;1", "why:"), e.cause);
        println!(
            "       who acts: {actor}; retry unchanged: {}",
            if e.retryable {
                "may succeed"
            } else {
                "will fail again"
            }
        );
        println!("       {} {}", style.paint("36", "fix:"), e.fix);
        println!(
            "       (code {}, seen in {}, pain point {})\n",
            e.code, e.source, e.pain_point
        );
    }
    if explained.is_empty() {
        println!(
            "  {}",
            if failed {
                "no known cause matched; the status_reason above is Magnum's own words"
            } else {
                "nothing to explain"
            }
        );
    }
    Ok(failed)
}

/// Kubernetes' load balancers and floating IPs of cluster `name`; deleted only with `delete`.
/// `Ok(true)` when leftovers remain.
async fn orphans_report(
    name: &str,
    delete: bool,
    json_output: bool,
    style: &Style,
) -> anyhow::Result<bool> {
    use magnum_core::doctor::orphans::{delete_orphans, find_orphans};
    let mut simulator = None;
    let cloud = match configured_cloud()? {
        Some(cloud) => cloud,
        None => {
            let (sim, cloud) = demo_leftovers(name).await?;
            simulator = Some(sim);
            cloud
        }
    };
    let cluster = Api::<Cluster>::new(Client::from_cloud(&cloud)?)
        .get(name)
        .await?;
    let session = magnum_core::keystone::KeystoneSession::from_cloud(&cloud)?;
    let plan = find_orphans(&session, cluster.uuid.as_str()).await?;
    let report = if delete && !plan.is_empty() {
        Some(
            delete_orphans(
                &session,
                &plan,
                Duration::from_secs(60),
                Duration::from_secs(1),
            )
            .await?,
        )
    } else {
        None
    };
    if let Some(sim) = simulator {
        sim.stop().await;
    }
    let left = !plan.is_empty() && report.is_none();
    if json_output {
        println!(
            "{}",
            json!({"cluster": name, "uuid": cluster.uuid.as_str(), "plan": plan,
                   "deleted": report, "dry_run": !delete})
        );
        return Ok(left);
    }
    println!(
        "doctor: cluster {name} ({}): {} load balancer(s), {} floating IP(s) made by Kubernetes",
        cluster.uuid,
        plan.load_balancers.len(),
        plan.floating_ips.len()
    );
    for fip in &plan.floating_ips {
        println!(
            "  floating IP {} {} on port {} — {}",
            fip.id,
            fip.floating_ip_address,
            fip.port_id.as_deref().unwrap_or("-"),
            fip.description
        );
    }
    for lb in &plan.load_balancers {
        println!(
            "  load balancer {} ({}) — {}",
            lb.id, lb.provisioning_status, lb.description
        );
    }
    match (&report, plan.is_empty()) {
        (_, true) => println!("  nothing blocks the delete"),
        (Some(report), _) => println!(
            "  {} deleted {} floating IP(s), then {} load balancer(s) (cascade)",
            style.paint("32;1", "done:"),
            report.floating_ips.len(),
            report.load_balancers.len()
        ),
        (None, _) => println!(
            "  {} dry run; run again with --delete to remove them (floating IPs first, then the load balancers with cascade)",
            style.paint("33;1", "left:")
        ),
    }
    Ok(left)
}

/// No cloud configured: the embedded simulator (fast operations), a client for it and a
/// template `demo`.
async fn demo_simulator() -> anyhow::Result<(Simulator, Client, magnum_core::types::ClusterTemplate)>
{
    let tick = Duration::from_millis(300);
    let sim = Simulator::start(SimulatorConfig::new().durations(tick, tick, tick)).await?;
    eprintln!(
        "doctor: no cloud configured (OS_CLOUD / OS_AUTH_URL); demonstrating on the embedded simulator"
    );
    let client = Client::from_cloud(&sim.cloud_config()?)?;
    let template = Api::<magnum_core::types::ClusterTemplate>::new(client.clone())
        .create(
            &ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
                .name("demo")
                .external_network_id("public"),
        )
        .await?;
    Ok((sim, client, template))
}

/// No cloud configured: a simulator cluster `name` whose Service got a load balancer.
async fn demo_leftovers(
    name: &str,
) -> anyhow::Result<(Simulator, magnum_core::config::CloudConfig)> {
    let (sim, client, template) = demo_simulator().await?;
    let cloud = sim.cloud_config()?;
    let clusters: Api<Cluster> = Api::new(client);
    let created = clusters
        .create(&ClusterCreate::new(template.uuid.as_str()).name(name))
        .await?;
    wait::cluster_ready(
        &clusters,
        created.uuid.as_str(),
        &WaitOptions::new(Duration::from_secs(30)).interval(Duration::from_millis(100)),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.error))?;
    Ok((sim, cloud))
}

/// No cloud configured: a simulator whose cluster `name` fails the way most clusters fail.
async fn demo_failure(name: &str) -> anyhow::Result<(Simulator, Client)> {
    let (sim, client, template) = demo_simulator().await?;
    let clusters: Api<Cluster> = Api::new(client.clone());
    let created = clusters
        .create(
            &ClusterCreate::new(template.uuid.as_str())
                .name(name)
                .label(
                    "sim_fail_create",
                    "Resource CREATE failed: WaitConditionFailure: resources.kube_masters.resources[0].resources.master_wait_condition: Timed out",
                ),
        )
        .await?;
    let _ = wait::cluster_ready(
        &clusters,
        created.uuid.as_str(),
        &WaitOptions::new(Duration::from_secs(30)).interval(Duration::from_millis(100)),
    )
    .await;
    Ok((sim, client))
}
