//! The Heat REST layer and the pure Heat rules against a **real OpenStack Heat 27.0.1** and the
//! real Keystone, both started on 127.0.0.1 by `scripts/test.sh` (`KEYSTONE_URL`; Heat is found
//! through Keystone's catalog; run with `--include-ignored`). Nova, Neutron and Octavia resources
//! are mapped to `OS::Heat::None` by the stack environment, so stacks complete without them.
//!
//! Covered: create → `CREATE_COMPLETE` → outputs and parameters applied to the cluster record
//! (`api_address`, worker addresses, node counts), scale by `PATCH` with Magnum's scale
//! parameters → `UPDATE_COMPLETE`, delete → `DELETE_COMPLETE`; a failing resource →
//! `CREATE_FAILED` with Heat's reason and Magnum's aggregated nodegroup failure; Heat's 400 for
//! an unknown resource type; 404 for every operation on a missing stack; a scale with a bad
//! parameter value refused with 400 and the stack left as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use magnum_core::config::{ProjectRef, Scope, UserRef};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::{ClusterStatus, ClusterTemplate};
use magnum_drivers::heat::{
    HeatClient, Stack, StackCreate, StackRef, aggregate_nodegroup_statuses, apply_outputs,
    scale_params, stack_name,
};
use magnum_drivers::{ClusterRecord, Conductor};

use serde_json::json;

const CLUSTER_TEMPLATE: &str = r#"
heat_template_version: 2021-04-16
description: magnum-rs test cluster (Nova/Neutron/Octavia mapped to OS::Heat::None)
parameters:
  number_of_minions: {type: number, default: 1}
  number_of_masters: {type: number, default: 1}
  kube_version: {type: string, default: v1.30.1}
resources:
  network: {type: OS::Neutron::Net, properties: {name: private}}
  api_lb: {type: OS::Octavia::LoadBalancer, properties: {vip_subnet: private}}
  kube_masters:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: number_of_masters}
      resource_def: {type: OS::Heat::RandomString, properties: {length: 6}}
  kube_minions:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: number_of_minions}
      resource_def: {type: OS::Heat::RandomString, properties: {length: 6}}
outputs:
  api_address: {value: 192.0.2.10}
  kube_masters: {value: {get_attr: [kube_masters, value]}}
  kube_minions: {value: {get_attr: [kube_minions, value]}}
"#;

const NO_CLOUD_ENVIRONMENT: &str = r#"
resource_registry:
  "OS::Neutron::*": "OS::Heat::None"
  "OS::Octavia::*": "OS::Heat::None"
  "OS::Nova::*": "OS::Heat::None"
"#;

mod common;

use common::{admin, login, member, unique, unique_hex12};

/// A fresh project and a `member` user in it: Heat 27's default policy lets members create stacks.
async fn member_session() -> KeystoneSession {
    let (user, project, password) = member(&admin(), "default").await;
    login(
        UserRef::Id(user),
        &password,
        Scope::Project(ProjectRef::Id(project)),
    )
}

async fn wait_for(heat: &HeatClient, stack: &StackRef, done: &str) -> Stack {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let current = heat.get_stack(stack).await.unwrap();
        if !current.stack_status.ends_with("_IN_PROGRESS") {
            assert_eq!(
                current.stack_status, done,
                "{:?}",
                current.stack_status_reason
            );
            return current;
        }
        assert!(
            Instant::now() < deadline,
            "stack stuck in {}",
            current.stack_status
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn cluster_record() -> ClusterRecord {
    let template: ClusterTemplate =
        serde_json::from_value(json!({"uuid": "tpl", "tls_disabled": false})).unwrap();
    let mut cluster = ClusterRecord::new(
        "1c5e1a52-3c1e-4b0e-8d0c-6f1b9b2f0a11",
        "heat_test.cluster",
        "p",
        template,
    );
    Conductor::ensure_default_nodegroups(&mut cluster, 1, 1);
    cluster
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn stack_lifecycle_feeds_the_cluster_record() {
    let heat = HeatClient::new(member_session().await).unwrap();
    let mut cluster = cluster_record();
    let name = stack_name(&cluster.name, &unique_hex12());
    assert!(name.starts_with("heat-test-cluster-"), "{name}");
    let mut create = StackCreate::new(name, CLUSTER_TEMPLATE, 5);
    create.environment = Some(NO_CLOUD_ENVIRONMENT.into());
    create
        .parameters
        .insert("number_of_minions".into(), json!(2));
    let stack = heat.create_stack(&create).await.unwrap();

    let done = wait_for(&heat, &stack, "CREATE_COMPLETE").await;
    apply_outputs(&mut cluster, &done.outputs, &done.parameters, true, false);
    assert_eq!(
        cluster.api_address.as_deref(),
        Some("https://192.0.2.10:6443")
    );
    assert_eq!(
        (cluster.master_count(), cluster.node_count()),
        (1, 2),
        "counts from Heat's string parameters"
    );
    assert_eq!(cluster.nodegroups[1].node_addresses.len(), 2);
    assert_eq!(cluster.coe_version.as_deref(), Some("v1.30.1"));

    // Scale the workers the way Magnum does: PATCH with the scale parameters.
    heat.update_parameters(&stack, &scale_params(3, &[]), 5, true)
        .await
        .unwrap();
    let updated = wait_for(&heat, &stack, "UPDATE_COMPLETE").await;
    apply_outputs(
        &mut cluster,
        &updated.outputs,
        &updated.parameters,
        true,
        false,
    );
    assert_eq!(cluster.node_count(), 3);
    assert_eq!(cluster.nodegroups[1].node_addresses.len(), 3);

    heat.delete_stack(&stack).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        match heat.get_stack(&stack).await {
            Ok(s) if s.stack_status == "DELETE_COMPLETE" => break,
            Ok(s) => assert!(s.stack_status == "DELETE_IN_PROGRESS", "{s:?}"),
            Err(e) if e.is_not_found() => break,
            Err(e) => panic!("{e}"),
        }
        assert!(Instant::now() < deadline, "delete stuck");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn failing_resource_gives_heats_reason_and_magnums_aggregate() {
    let heat = HeatClient::new(member_session().await).unwrap();
    let template = r"
heat_template_version: 2021-04-16
resources:
  master_wait_condition:
    type: OS::Heat::TestResource
    properties: {fail: true, value: boom}
";
    let stack = heat
        .create_stack(&StackCreate::new(unique("failing"), template, 5))
        .await
        .unwrap();
    let failed = wait_for(&heat, &stack, "CREATE_FAILED").await;
    let reason = failed.stack_status_reason.clone().unwrap_or_default();
    assert!(reason.contains("master_wait_condition"), "{reason}");

    // The poller copies the stack status to the default nodegroups, then aggregates.
    let mut cluster = cluster_record();
    for ng in &mut cluster.nodegroups {
        ng.status = ClusterStatus::parse(&failed.stack_status);
        ng.status_reason = failed.stack_status_reason.clone();
    }
    let (status, why) =
        aggregate_nodegroup_statuses(&ClusterStatus::CreateInProgress, &cluster.nodegroups);
    assert_eq!(status, ClusterStatus::CreateFailed);
    assert_eq!(
        why.as_deref(),
        Some("default-master failed, default-worker failed")
    );
    assert_eq!(cluster.faults().get("default-worker"), Some(&reason));
    heat.delete_stack(&stack).await.unwrap();
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn heat_errors_are_typed_with_heats_message() {
    let heat = HeatClient::new(member_session().await).unwrap();
    let template =
        "heat_template_version: 2021-04-16\nresources:\n  x: {type: OS::Magnum::DoesNotExist}\n";
    let err = heat
        .create_stack(&StackCreate::new(unique("bad"), template, 5))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, magnum_drivers::heat::HeatError::Api { status, .. } if status.as_u16() == 400),
        "{err:?}"
    );
    assert!(
        text.contains("OS::Magnum::DoesNotExist"),
        "Heat's own message: {text}"
    );
    assert!(text.contains("req-"), "request id kept: {text}");

    let missing = StackRef::new("nope", "00000000-0000-0000-0000-000000000000");
    let err = heat.get_stack(&missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = heat.delete_stack(&missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = heat
        .update_parameters(&missing, &scale_params(2, &[]), 5, true)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
#[ignore = "needs a real Keystone and Heat: scripts/test.sh"]
async fn scaling_with_a_bad_parameter_is_refused_and_the_stack_is_kept() {
    let heat = HeatClient::new(member_session().await).unwrap();
    let mut create = StackCreate::new(unique("keep"), CLUSTER_TEMPLATE, 5);
    create.environment = Some(NO_CLOUD_ENVIRONMENT.into());
    let stack = heat.create_stack(&create).await.unwrap();
    wait_for(&heat, &stack, "CREATE_COMPLETE").await;
    let mut bad = scale_params(2, &[]);
    bad.insert("number_of_minions".into(), json!("two"));
    let err = heat
        .update_parameters(&stack, &bad, 5, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, magnum_drivers::heat::HeatError::Api { status, .. } if status.as_u16() == 400),
        "{err:?}"
    );
    assert!(err.to_string().contains("number_of_minions"), "{err}");
    let kept = heat.get_stack(&stack).await.unwrap();
    assert_eq!(kept.stack_status, "CREATE_COMPLETE");
    assert_eq!(kept.parameters["number_of_minions"], "1");
    heat.delete_stack(&stack).await.unwrap();
}
