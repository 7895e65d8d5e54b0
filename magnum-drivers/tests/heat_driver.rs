//! The `k8s_fedora_coreos_v1` Heat driver end to end through the conductor, against a **real
//! OpenStack Heat 27.0.1** and the real Keystone that `scripts/test.sh` starts on 127.0.0.1
//! (`KEYSTONE_URL`; run with `--include-ignored`). The driver's own templates and environment
//! files go to Heat as they would on a cloud; only the test cloud's extra environment differs:
//! networks, security groups, Octavia and Cinder resources become `OS::Heat::None`; ports are a
//! provider template that hands out 10.0.0.1xx addresses (so outputs carry real values), since
//! no Nova or Neutron runs here; both stand-ins are built from Heat's own schema of the real
//! types, so every port and server property the templates set is type-checked by Heat.
//! Custom constraints are off for the same reason.
//!
//! Covered: create (trust + CA + stack) → the poller's `CREATE_COMPLETE` with `api_address`,
//! node addresses and counts from the stack; Heat keeps every computed parameter; scale
//! 2 → 3 by parameter PATCH → `UPDATE_COMPLETE`; an extra nodegroup gets its own stack on the
//! cluster's network and goes away again; delete → `DELETE_COMPLETE` with trust and
//! certificates cleaned up. Failure paths: a stack that fails on purpose (`CREATE_FAILED`, the
//! nodegroups carry Heat's reason in `faults`), a template Heat refuses at once (400 →
//! `CREATE_FAILED` with Heat's message), a vanished stack, and a missing required parameter
//! caught before any request.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use magnum_core::ca::MemoryCertStore;
use magnum_core::config::{ProjectRef, Scope, UserRef};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::{ClusterStatus, ClusterTemplate};
use magnum_drivers::heat::{HeatClient, HeatDriver, HeatDriverOptions, StackCredentials};
use magnum_drivers::{
    ClusterRecord, ClusterResources, Conductor, Driver, DriverError, DriverRegistry,
    NodeGroupRecord, RegistryConfig,
};
use secrecy::ExposeSecret;
use serde_json::json;

mod common;

use common::{admin, login, member, trustee_domain};

/// The test cloud: no Nova, Neutron, Octavia or Cinder behind Heat. Types are listed one by
/// one where a provider template replaces a sibling: Heat sorts equally long registry paths
/// as strings, so `OS::Neutron::*` would win over `OS::Neutron::Port` (`*` sorts first).
const TEST_CLOUD: &str = r#"
resource_registry:
  "OS::Neutron::Port": port.yaml
  "OS::Nova::Server": server.yaml
  "OS::Neutron::Net": "OS::Heat::None"
  "OS::Neutron::Subnet": "OS::Heat::None"
  "OS::Neutron::Router": "OS::Heat::None"
  "OS::Neutron::RouterInterface": "OS::Heat::None"
  "OS::Neutron::SecurityGroup": "OS::Heat::None"
  "OS::Neutron::FloatingIP": "OS::Heat::None"
  "OS::Octavia::*": "OS::Heat::None"
  "OS::Nova::ServerGroup": "OS::Heat::None"
  "OS::Cinder::*": "OS::Heat::None"
"#;

/// A stand-in for a real resource type, from the skeleton Heat 27.0.1 generates for it
/// (`fixtures/heat-27.0.1/`): every property a parameter of Heat's own type and allowed
/// values (a provider template for an existing type must match that facade, so the driver's
/// properties are checked against the real schema), every attribute an output (null unless
/// given), and `resources` instead of the real thing.
fn stand_in(
    fixture: &str,
    resources: serde_json::Value,
    outputs: &[(&str, serde_json::Value)],
) -> String {
    let path = format!(
        "{}/../fixtures/heat-27.0.1/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (_, parameter) in template["parameters"].as_object_mut().unwrap().iter_mut() {
        let schema = parameter.as_object_mut().unwrap();
        // Heat renders custom constraints (which would call Neutron/Nova) as `{}`.
        if let Some(serde_json::Value::Array(list)) = schema.get_mut("constraints") {
            list.retain(|c| c.as_object().is_some_and(|c| !c.is_empty()));
        }
        if !schema.contains_key("default") {
            let allowed = schema
                .get("constraints")
                .and_then(|c| c[0]["allowed_values"][0].as_str())
                .map(str::to_owned);
            let default = match schema["type"].as_str().unwrap() {
                _ if allowed.is_some() => json!(allowed),
                "comma_delimited_list" => json!([]),
                "json" => json!({}),
                "boolean" => json!(false),
                "number" => json!(0),
                _ => json!(""),
            };
            schema.insert("default".into(), default);
        }
    }
    for (_, output) in template["outputs"].as_object_mut().unwrap().iter_mut() {
        output["value"] = serde_json::Value::Null;
    }
    for (key, value) in outputs {
        template["outputs"][*key] = json!({ "value": value });
    }
    template["resources"] = resources;
    template.to_string()
}

/// A port with a 10.0.0.1xx address.
fn port() -> String {
    stand_in(
        "OS-Neutron-Port.hot.json",
        json!({"octet": {"type": "OS::Heat::RandomString",
                         "properties": {"length": 2, "character_classes": [{"class": "digits", "min": 2}]}}}),
        &[(
            "fixed_ips",
            json!([{"ip_address": {"str_replace": {"template": "10.0.0.1NN",
                                                   "params": {"NN": {"get_attr": ["octet", "value"]}}}}}]),
        )],
    )
}

/// A server that builds (as nothing), or one that never builds, like a cloud out of capacity.
fn server(builds: bool) -> String {
    let resource = if builds {
        json!({"type": "OS::Heat::None"})
    } else {
        json!({"type": "OS::Heat::TestResource",
               "properties": {"fail": true, "value": "No valid host was found."}})
    };
    // `first_address` is deprecated, so the skeleton leaves it out; the facade still has it.
    stand_in(
        "OS-Nova-Server.hot.json",
        json!({ "build": resource }),
        &[("first_address", serde_json::Value::Null)],
    )
}

fn options() -> HeatDriverOptions {
    HeatDriverOptions::new()
        .custom_constraints(false)
        .octavia(false)
        .environment(TEST_CLOUD)
        .file("port.yaml", port())
        .file("server.yaml", server(true))
}

struct Setup {
    owner: KeystoneSession,
    project_id: String,
    conductor: Conductor,
    driver: Arc<HeatDriver>,
}

async fn setup(options: HeatDriverOptions) -> Setup {
    setup_driver(|owner| HeatDriver::fedora_coreos(owner, options)).await
}

/// A fresh project's member, a trustee domain, and a conductor with the driver `make` builds
/// on the member's session.
async fn setup_driver(make: impl FnOnce(Arc<dyn StackCredentials>) -> HeatDriver) -> Setup {
    let admin = admin();
    let (user, project_id, password) = member(&admin, "default").await;
    let owner = login(
        UserRef::Id(user),
        &password,
        Scope::Project(ProjectRef::Id(project_id.clone())),
    );
    let driver = Arc::new(make(Arc::new(owner.clone())));
    let mut registry = DriverRegistry::new(RegistryConfig::default());
    registry.register("heat-driver-under-test", driver.clone());
    let conductor = Conductor::new(Arc::new(registry), Arc::new(MemoryCertStore::new()))
        .trustee_domain(trustee_domain(&admin).await);
    Setup {
        owner,
        project_id,
        conductor,
        driver,
    }
}

fn template(extra: serde_json::Value) -> ClusterTemplate {
    let mut value = json!({
        "uuid": "0b0c1d2e-3f40-4152-8364-758697a8b9ca", "name": "k8s-fcos",
        "coe": "kubernetes", "server_type": "vm", "cluster_distro": "fedora-coreos",
        "image_id": "fedora-coreos-40", "flavor_id": "m1.small", "master_flavor_id": "m1.medium",
        "external_network_id": "public", "dns_nameserver": "192.0.2.53",
        "tls_disabled": false, "floating_ip_enabled": false, "master_lb_enabled": false,
        "network_driver": "calico",
        "labels": {"kube_tag": "v1.30.1", "calico_ipv4pool": "10.200.0.0/16"}
    });
    if let (Some(base), Some(more)) = (value.as_object_mut(), extra.as_object()) {
        base.extend(more.clone());
    }
    serde_json::from_value(value).unwrap()
}

fn new_cluster(s: &Setup, uuid: &str, name: &str, template: ClusterTemplate) -> ClusterRecord {
    let mut cluster = ClusterRecord::new(uuid, name, &s.project_id, template);
    cluster.create_timeout = 3;
    cluster
}

/// A cluster created through the conductor (trust, CA, stack) with `masters` and `nodes`.
async fn create(
    s: &Setup,
    uuid: &str,
    name: &str,
    template: ClusterTemplate,
    (masters, nodes): (u32, u32),
) -> (ClusterRecord, ClusterResources) {
    let mut cluster = new_cluster(s, uuid, name, template);
    let resources = s
        .conductor
        .cluster_create(&mut cluster, masters, nodes, Some(&s.owner))
        .await
        .unwrap();
    (cluster, resources)
}

/// Runs the conductor's periodic sync until the cluster leaves `*_IN_PROGRESS`.
async fn settle(s: &Setup, cluster: &mut ClusterRecord, resources: &ClusterResources) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let gone = s
            .conductor
            .sync_status(cluster, resources, Some(&s.owner))
            .await
            .unwrap();
        if gone || !cluster.status.is_in_progress() {
            return gone;
        }
        assert!(
            Instant::now() < deadline,
            "cluster stuck in {}",
            cluster.status
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn heat_stack(s: &Setup, stack_id: &str) -> magnum_drivers::heat::Stack {
    let heat = HeatClient::new(s.owner.clone()).unwrap();
    let found = heat.locate(stack_id).await.unwrap();
    heat.get_stack(&found).await.unwrap()
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn create_scale_nodegroup_and_delete_through_real_heat() {
    let s = setup(options()).await;
    let (mut cluster, resources) = create(
        &s,
        "4d6f1c2a-9e8b-4a7c-b1d2-e3f405162738",
        "prod_k8s.fcos",
        template(json!({})),
        (1, 2),
    )
    .await;
    assert!(resources.trust.is_some(), "the Heat driver needs a trust");
    let stack_id = cluster.stack_id.clone().expect("stack id");
    assert!(
        cluster
            .nodegroups
            .iter()
            .all(|n| n.stack_id.as_deref() == Some(stack_id.as_str())),
        "default nodegroups share the cluster stack"
    );
    assert!(!settle(&s, &mut cluster, &resources).await);
    assert_eq!(
        cluster.status,
        ClusterStatus::CreateComplete,
        "{:?}",
        cluster.faults()
    );
    let masters = cluster.nodegroups[0].node_addresses.clone();
    let workers = cluster.nodegroups[1].node_addresses.clone();
    assert_eq!(
        (masters.len(), workers.len()),
        (1, 2),
        "{masters:?} {workers:?}"
    );
    assert!(
        workers.iter().all(|a| a.starts_with("10.0.0.1")),
        "{workers:?}"
    );
    assert_eq!(
        cluster.api_address.as_deref(),
        Some(format!("https://{}:6443", masters[0]).as_str()),
        "no LB, no floating IPs: the first master's private address"
    );
    assert_eq!(cluster.coe_version.as_deref(), Some("v1.30.1"));

    let stack = heat_stack(&s, &stack_id).await;
    assert!(
        stack.stack_name.starts_with("prod-k8s-fcos-"),
        "{}",
        stack.stack_name
    );
    assert_eq!(stack.parameters["pods_network_cidr"], "10.200.0.0/16");
    assert_eq!(stack.parameters["master_flavor"], "m1.medium");
    assert_eq!(stack.parameters["cluster_uuid"], cluster.uuid.as_str());
    assert_eq!(
        stack.parameters["dns_nameserver"], "192.0.2.53",
        "Heat keeps what Magnum's mapping computed"
    );
    assert_eq!(
        stack.parameters["auth_url"]
            .as_str()
            .map(|u| u.trim_end_matches('/')),
        Some(common::keystone().trim_end_matches('/')),
        "where the nodes authenticate, from the session"
    );
    assert_eq!(stack.parameters["region_name"], "RegionOne");
    let trust = resources.trust.as_ref().unwrap();
    assert_eq!(
        stack.parameters["trustee_username"],
        trust.trustee_username.as_str()
    );
    assert_eq!(
        stack.parameters["trustee_user_id"],
        trust.trustee_user_id.as_str()
    );
    assert_eq!(
        (
            stack.parameters["trustee_password"].as_str(),
            stack.parameters["trust_id"].as_str()
        ),
        (Some("******"), Some("******")),
        "the trust's secrets reach the stack as hidden parameters"
    );
    let password = trust.trustee_password.expose_secret();
    // Each server's user data carries the node config and the trust (read back from the test
    // cloud's server stand-in, whose `user_data` parameter is not hidden).
    let heat = HeatClient::new(s.owner.clone()).unwrap();
    let top = heat.locate(&stack_id).await.unwrap();
    // Heat's type filter matches by prefix: OS::Nova::ServerGroup comes along.
    let servers: Vec<_> = heat
        .resources_of_type(&top, "OS::Nova::Server", 2)
        .await
        .unwrap()
        .into_iter()
        .filter(|(name, _)| name.starts_with("kube-"))
        .collect();
    assert_eq!(servers.len(), 3, "1 master + 2 workers: {servers:?}");
    let server = heat.locate(&servers[0].1).await.unwrap();
    let server = heat.get_stack(&server).await.unwrap();
    let user_data: serde_json::Value =
        serde_json::from_str(server.parameters["user_data"].as_str().unwrap()).unwrap();
    assert_eq!(
        user_data["trust"]["trustee_user_id"],
        trust.trustee_user_id.as_str()
    );
    assert_eq!(user_data["trust"]["trust_id"], trust.trust_id.as_str());
    assert_eq!(user_data["trust"]["trustee_password"], password);
    assert_eq!(user_data["config"]["cluster_uuid"], cluster.uuid.as_str());
    assert!(
        user_data["config"].get("trustee_password").is_none(),
        "secrets only in the trust part"
    );
    assert!(!format!("{cluster:?}").contains(password), "Debug hides it");
    assert!(
        !serde_json::to_string(&cluster).unwrap().contains(password),
        "records never serialize the trust"
    );
    assert_eq!(stack.parameters["octavia_enabled"], "False");

    // Scale the default workers 2 → 3 through the conductor (Magnum's resize).
    s.conductor
        .cluster_resize(&mut cluster, None, 3, &[])
        .await
        .unwrap();
    assert_eq!(cluster.status, ClusterStatus::UpdateInProgress);
    settle(&s, &mut cluster, &resources).await;
    assert_eq!(cluster.status, ClusterStatus::UpdateComplete);
    assert_eq!(cluster.node_count(), 3);
    assert_eq!(cluster.nodegroups[1].node_addresses.len(), 3);
    assert!(
        cluster.nodegroups[1].node_addresses.starts_with(&workers),
        "existing workers stay"
    );

    // An extra nodegroup: its own stack, on the cluster stack's network.
    let mut gpu = NodeGroupRecord::new("ng-gpu-uuid", "gpu", "worker", 1);
    gpu.flavor_id = Some("g1.large".into());
    s.conductor
        .nodegroup_create(&mut cluster, gpu)
        .await
        .unwrap();
    let gpu_stack = cluster.nodegroups[2].stack_id.clone().expect("own stack");
    assert_ne!(gpu_stack, stack_id);
    settle(&s, &mut cluster, &resources).await;
    assert_eq!(
        cluster.status,
        ClusterStatus::UpdateComplete,
        "{:?}",
        cluster.faults()
    );
    assert_eq!(cluster.nodegroups[2].status, ClusterStatus::CreateComplete);
    assert_eq!(cluster.nodegroups[2].node_addresses.len(), 1);
    let ng_stack = heat_stack(&s, &gpu_stack).await;
    assert_eq!(ng_stack.parameters["is_cluster_stack"], "False");
    assert_eq!(ng_stack.parameters["minion_flavor"], "g1.large");
    assert_eq!(
        ng_stack.parameters["existing_master_private_ip"], masters[0],
        "the nodegroup stack learns the API address from the cluster stack"
    );
    assert!(
        ng_stack.stack_name.starts_with("prod-k8s-fcos-gpu-"),
        "{}",
        ng_stack.stack_name
    );

    s.conductor
        .nodegroup_delete(&mut cluster, "gpu")
        .await
        .unwrap();
    settle(&s, &mut cluster, &resources).await;
    assert_eq!(
        cluster.nodegroups.len(),
        2,
        "the nodegroup is gone once its stack is"
    );

    // Upgrades are refused like Magnum's Heat driver does.
    let upgrade = s
        .driver
        .upgrade_cluster(
            &mut cluster.clone(),
            &template(json!({})),
            1,
            "default-worker",
        )
        .await
        .unwrap_err();
    assert!(matches!(upgrade, DriverError::NotSupported(_)));

    s.conductor.cluster_delete(&mut cluster).await.unwrap();
    assert_eq!(cluster.status, ClusterStatus::DeleteInProgress);
    assert!(settle(&s, &mut cluster, &resources).await, "cleanup ran");
    assert_eq!(cluster.status, ClusterStatus::DeleteComplete);
    let deleted = heat_stack(&s, &stack_id).await;
    assert_eq!(deleted.stack_status, "DELETE_COMPLETE");
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn failures_reach_the_cluster_with_heats_reason() {
    // Servers that cannot be built: the stack fails asynchronously.
    let s = setup_driver(|owner| {
        HeatDriver::fedora_coreos(owner, options().file("server.yaml", server(false)))
    })
    .await;

    let (mut cluster, resources) = create(
        &s,
        "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "broken",
        template(json!({})),
        (1, 1),
    )
    .await;
    settle(&s, &mut cluster, &resources).await;
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert_eq!(
        cluster.status_reason.as_deref(),
        Some("default-master failed, default-worker failed"),
        "Magnum's aggregated reason"
    );
    let faults = cluster.faults();
    assert!(
        faults["default-master"].contains("CREATE failed"),
        "Heat's own reason per nodegroup: {faults:?}"
    );
    s.conductor.cluster_delete(&mut cluster).await.unwrap();
    assert!(settle(&s, &mut cluster, &resources).await);

    // A stack that vanished behind the cluster's back: Magnum's poller message.
    let stack_id = cluster.stack_id.clone().unwrap();
    let mut ghost = cluster.clone();
    ghost.status = ClusterStatus::UpdateInProgress;
    for ng in &mut ghost.nodegroups {
        ng.status = ClusterStatus::UpdateInProgress;
        ng.stack_id = Some("00000000-0000-4000-8000-000000000000".into());
    }
    s.driver.update_cluster_status(&mut ghost).await.unwrap();
    assert_eq!(ghost.status, ClusterStatus::UpdateFailed);
    assert_eq!(
        ghost.nodegroups[0].status_reason.as_deref(),
        Some("Stack with id 00000000-0000-4000-8000-000000000000 not found in Heat.")
    );
    assert_ne!(stack_id, "00000000-0000-4000-8000-000000000000");
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn heat_refusals_and_missing_parameters_fail_the_create() {
    // Heat validates the request at once: a test cloud environment naming a provider template
    // that is not in `files` is a 400, and the cluster fails with Heat's message.
    let broken = HeatDriverOptions::new()
        .custom_constraints(false)
        .octavia(false)
        .environment(TEST_CLOUD)
        .file("server.yaml", server(true));
    let s = setup(broken).await;
    let mut cluster = new_cluster(
        &s,
        "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
        "refused",
        template(json!({})),
    );
    let err = s
        .conductor
        .cluster_create(&mut cluster, 1, 1, Some(&s.owner))
        .await
        .unwrap_err();
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    let reason = cluster.status_reason.clone().unwrap();
    assert!(reason.contains("Heat 400"), "{reason}");
    assert!(
        reason.contains("port.yaml"),
        "Heat names the missing file: {reason}"
    );
    assert!(err.to_string().contains("port.yaml"));

    // Magnum's required parameter: no external network → no request at all.
    let s = setup(options()).await;
    let template = template(json!({"external_network_id": null}));
    let mut cluster = new_cluster(
        &s,
        "2a3b4c5d-6e7f-4081-9243-546576879809",
        "no-ext",
        template,
    );
    s.conductor
        .cluster_create(&mut cluster, 1, 1, Some(&s.owner))
        .await
        .unwrap_err();
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert_eq!(
        cluster.status_reason.as_deref(),
        Some("Required parameter external_network not provided.")
    );
    assert!(cluster.stack_id.is_none());
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn swarm_mode_managers_workers_and_scale_down() {
    let s = setup_driver(|owner| HeatDriver::swarm_mode(owner, options())).await;
    let template = template(
        json!({"coe": "swarm-mode", "cluster_distro": "fedora-atomic",
                                   "image_id": "fedora-atomic-29", "labels": {}}),
    );
    let (mut cluster, resources) = create(
        &s,
        "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
        "swarm",
        template,
        (3, 2),
    )
    .await;
    settle(&s, &mut cluster, &resources).await;
    assert_eq!(
        cluster.status,
        ClusterStatus::CreateComplete,
        "{:?}",
        cluster.faults()
    );
    let managers = cluster.nodegroups[0].node_addresses.clone();
    let workers = cluster.nodegroups[1].node_addresses.clone();
    assert_eq!(
        managers.len(),
        3,
        "primary + 2 secondary managers: {managers:?}"
    );
    assert_eq!(workers.len(), 2, "{workers:?}");
    assert_eq!(
        cluster.api_address.as_deref(),
        Some(format!("tcp://{}:2375", managers[0]).as_str()),
        "Magnum's swarm API address: the primary manager, tcp, 2375"
    );
    let stack = heat_stack(&s, cluster.stack_id.as_deref().unwrap()).await;
    assert_eq!(stack.parameters["number_of_secondary_masters"], "2");
    assert_eq!(stack.parameters["server_image"], "fedora-atomic-29");

    // Scale 2 → 1 naming worker 0 for removal: worker 1 stays, untouched (a resize must not
    // rebuild nodes — it did while `node_config` carried the counts).
    s.conductor
        .cluster_resize(&mut cluster, None, 1, &["0".to_owned()])
        .await
        .unwrap();
    settle(&s, &mut cluster, &resources).await;
    assert_eq!(
        cluster.status,
        ClusterStatus::UpdateComplete,
        "{:?}",
        cluster.faults()
    );
    assert_eq!(
        cluster.nodegroups[1].node_addresses,
        [workers[1].clone()],
        "before: {workers:?}"
    );
    let stack = heat_stack(&s, cluster.stack_id.as_deref().unwrap()).await;
    assert_eq!(stack.parameters["nodes_to_remove"], "0");

    // Extra nodegroups are not part of swarm mode.
    let err = s
        .conductor
        .nodegroup_create(
            &mut cluster,
            NodeGroupRecord::new("x", "extra", "worker", 1),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("only the default nodegroups"),
        "{err}"
    );

    s.conductor.cluster_delete(&mut cluster).await.unwrap();
    assert!(settle(&s, &mut cluster, &resources).await);
    assert_eq!(cluster.status, ClusterStatus::DeleteComplete);
}
