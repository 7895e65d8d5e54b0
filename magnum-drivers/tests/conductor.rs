//! The conductor flow over the simulated driver, on a hand-stepped clock: create → complete with
//! addresses and health, resize bounds and master-resize refusal, delete → certificates removed,
//! failure injection, and every failure path leaving Magnum's `status_reason`.

use std::sync::Arc;
use std::time::Duration;

use magnum_core::ca::{CertStore, CertificateError, MemoryCertStore, StoredCert};
use magnum_core::types::{ClusterStatus, ClusterTemplate, HealthStatus};
use magnum_drivers::{
    ClusterRecord, Conductor, ConductorError, ConductorEvent, DriverError, DriverRegistry,
    ManualClock, RegistryConfig, SimOptions, SimulatedDriver,
};

struct Rig {
    clock: Arc<ManualClock>,
    store: Arc<MemoryCertStore>,
    conductor: Conductor,
}

fn rig_with(options: SimOptions, store: Arc<dyn CertStore>) -> (Arc<ManualClock>, Conductor) {
    let clock = Arc::new(ManualClock::default());
    let mut registry = DriverRegistry::new(RegistryConfig::default());
    registry.register(
        "sim",
        Arc::new(SimulatedDriver::with_clock(options, clock.clone())),
    );
    (clock, Conductor::new(Arc::new(registry), store))
}

fn rig() -> Rig {
    let store = Arc::new(MemoryCertStore::new());
    let (clock, conductor) = rig_with(SimOptions::new(), store.clone());
    Rig {
        clock,
        store,
        conductor,
    }
}

fn template(extra: serde_json::Value) -> ClusterTemplate {
    let mut value = serde_json::json!({
        "uuid": "0d3c6a43-2a67-4c57-8d5d-3a8f6f0f5c11",
        "name": "k8s-fcos",
        "coe": "kubernetes",
        "server_type": "vm",
        "cluster_distro": "fedora-coreos",
        "image_id": "fedora-coreos-40",
        "flavor_id": "m1.small",
        "master_flavor_id": "m1.medium",
        "labels": {"kube_tag": "v1.30.1"}
    });
    if let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    serde_json::from_value(value).expect("template")
}

fn cluster(uuid: &str) -> ClusterRecord {
    ClusterRecord::new(uuid, "demo", "project-1", template(serde_json::json!({})))
}

async fn sync_until_settled(
    rig: &Rig,
    cluster: &mut ClusterRecord,
    resources: &magnum_drivers::ClusterResources,
) -> bool {
    let mut gone = false;
    for _ in 0..10 {
        rig.clock.advance(Duration::from_secs(1));
        gone = rig
            .conductor
            .sync_status(cluster, resources, None)
            .await
            .expect("sync");
        if !cluster.status.is_in_progress() {
            break;
        }
    }
    gone
}

/// A cluster the conductor accepted (still `CREATE_IN_PROGRESS`) and what was made for it.
async fn create(
    rig: &Rig,
    uuid: &str,
    masters: u32,
    nodes: u32,
) -> (ClusterRecord, magnum_drivers::ClusterResources) {
    let mut cluster = cluster(uuid);
    let resources = rig
        .conductor
        .cluster_create(&mut cluster, masters, nodes, None)
        .await
        .expect("create accepted");
    (cluster, resources)
}

#[tokio::test]
async fn create_resize_delete_lifecycle() {
    let rig = rig();
    let (mut cluster, resources) = create(&rig, "6b0a4f7e-0001-4b8e-9d1e-0c1a2b3c4d5e", 1, 2).await;

    // Magnum's two default nodegroups, from the template.
    let names: Vec<_> = cluster
        .nodegroups
        .iter()
        .map(|n| (n.name.as_str(), n.role.as_str(), n.node_count))
        .collect();
    assert_eq!(
        names,
        vec![
            ("default-master", "master", 1),
            ("default-worker", "worker", 2)
        ]
    );
    assert_eq!(
        cluster.nodegroups[0].flavor_id.as_deref(),
        Some("m1.medium")
    );
    assert_eq!(cluster.nodegroups[1].flavor_id.as_deref(), Some("m1.small"));
    assert_eq!(cluster.status, ClusterStatus::CreateInProgress);
    assert!(cluster.stack_id.is_some());

    // The CA bundle exists and is signed for this cluster.
    let refs = resources.cert_refs.clone().expect("certificates");
    assert_eq!(
        rig.store.len(),
        4,
        "k8s, etcd, front-proxy CAs and the magnum client cert"
    );
    assert!(rig.store.load(&refs.ca_cert_ref).is_ok());
    assert!(
        resources.trust.is_none(),
        "the simulated driver does not need a trust by default"
    );

    // Not done before its time…
    rig.clock.advance(Duration::from_secs(1));
    assert!(
        !rig.conductor
            .sync_status(&mut cluster, &resources, None)
            .await
            .expect("sync")
    );
    assert_eq!(cluster.status, ClusterStatus::CreateInProgress);
    // …then complete with addresses and health.
    assert!(!sync_until_settled(&rig, &mut cluster, &resources).await);
    assert_eq!(cluster.status, ClusterStatus::CreateComplete);
    assert_eq!(
        cluster.status_reason.as_deref(),
        Some("Stack CREATE completed successfully")
    );
    assert!(
        cluster
            .api_address
            .as_deref()
            .is_some_and(|a| a.starts_with("https://") && a.ends_with(":6443"))
    );
    assert_eq!(cluster.health_status, Some(HealthStatus::Healthy));
    assert_eq!(cluster.nodegroups[1].node_addresses.len(), 2);
    assert!(
        cluster
            .nodegroups
            .iter()
            .all(|n| n.status == ClusterStatus::CreateComplete)
    );
    assert!(cluster.faults().is_empty());

    // Resize the default worker: 2 → 4.
    rig.conductor
        .cluster_resize(&mut cluster, None, 4, &[])
        .await
        .expect("resize");
    assert_eq!(cluster.status, ClusterStatus::UpdateInProgress);
    sync_until_settled(&rig, &mut cluster, &resources).await;
    assert_eq!(cluster.status, ClusterStatus::UpdateComplete);
    assert_eq!(cluster.node_count(), 4);
    assert_eq!(cluster.nodegroups[1].node_addresses.len(), 4);

    // Delete: DELETE_COMPLETE, and the certificates are gone.
    rig.conductor
        .cluster_delete(&mut cluster)
        .await
        .expect("delete");
    assert_eq!(cluster.status, ClusterStatus::DeleteInProgress);
    assert!(
        sync_until_settled(&rig, &mut cluster, &resources).await,
        "sync reports the cluster gone"
    );
    assert_eq!(cluster.status, ClusterStatus::DeleteComplete);
    assert!(rig.store.is_empty(), "certificates removed on delete");
}

#[tokio::test]
async fn resize_outside_bounds_uses_magnums_message() {
    let rig = rig();
    let (mut cluster, resources) = create(&rig, "6b0a4f7e-0002-4b8e-9d1e-0c1a2b3c4d5e", 1, 1).await;
    sync_until_settled(&rig, &mut cluster, &resources).await;
    cluster.nodegroups[1].max_node_count = Some(3);
    let err = rig
        .conductor
        .cluster_resize(&mut cluster, None, 5, &[])
        .await
        .expect_err("too many");
    assert_eq!(
        err.to_string(),
        "Resizing default-worker outside the allowed range: min_node_count = 0, max_node_count = 3"
    );
    cluster.nodegroups[1].max_node_count = None;
    cluster.nodegroups[1].min_node_count = 2;
    let err = rig
        .conductor
        .cluster_resize(&mut cluster, None, 1, &[])
        .await
        .expect_err("too few");
    assert_eq!(
        err.to_string(),
        "Resizing default-worker outside the allowed range: min_node_count = 2, max_node_count = None"
    );
    // Nothing changed, nothing failed.
    assert_eq!(cluster.status, ClusterStatus::CreateComplete);
    assert_eq!(cluster.node_count(), 1);

    let err = rig
        .conductor
        .cluster_resize(&mut cluster, Some("default-master"), 3, &[])
        .await
        .expect_err("master");
    assert!(
        matches!(err, ConductorError::Driver(DriverError::NotSupported(_))),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Resizing the master nodegroup is not supported by this driver."
    );

    let err = rig
        .conductor
        .cluster_resize(&mut cluster, Some("nope"), 3, &[])
        .await
        .expect_err("unknown ng");
    assert_eq!(err.to_string(), "Nodegroup nope could not be found.");
}

#[tokio::test]
async fn resize_refused_while_creating() {
    let rig = rig();
    let mut cluster = cluster("6b0a4f7e-0003-4b8e-9d1e-0c1a2b3c4d5e");
    rig.conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect("create");
    let err = rig
        .conductor
        .cluster_resize(&mut cluster, None, 2, &[])
        .await
        .expect_err("in progress");
    assert!(matches!(err, ConductorError::WrongStatus { .. }), "{err:?}");
    assert!(err.to_string().contains("CREATE_IN_PROGRESS"), "{err}");
}

#[tokio::test]
async fn even_master_count_is_rejected() {
    let rig = rig();
    let mut cluster = cluster("6b0a4f7e-0004-4b8e-9d1e-0c1a2b3c4d5e");
    let err = rig
        .conductor
        .cluster_create(&mut cluster, 2, 1, None)
        .await
        .expect_err("even masters");
    assert_eq!(
        err.to_string(),
        "master nodegroup size of 2 is invalid, size cannot be an even number."
    );
    assert!(
        rig.store.is_empty(),
        "nothing created for a rejected cluster"
    );
}

#[tokio::test]
async fn injected_heat_failure_becomes_status_reason_and_faults() {
    let rig = rig();
    let mut cluster = cluster("6b0a4f7e-0005-4b8e-9d1e-0c1a2b3c4d5e");
    let reason = "Resource CREATE failed: WaitConditionTimeout: resources.kube_masters.resources[0].resources.master_wait_condition: 0 of 1 received";
    cluster
        .labels
        .insert("sim_fail_create".into(), reason.into());
    let resources = rig
        .conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect("accepted");
    sync_until_settled(&rig, &mut cluster, &resources).await;
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert_eq!(cluster.status_reason.as_deref(), Some(reason));
    let faults = cluster.faults();
    assert_eq!(
        faults.get("default-master").map(String::as_str),
        Some(reason)
    );
    assert_eq!(faults.len(), 2);

    // A failed cluster still deletes cleanly, certificates included.
    rig.conductor
        .cluster_delete(&mut cluster)
        .await
        .expect("delete failed cluster");
    assert!(sync_until_settled(&rig, &mut cluster, &resources).await);
    assert!(rig.store.is_empty());
}

#[tokio::test]
async fn injected_delete_failure_keeps_certificates() {
    let rig = rig();
    let mut cluster = cluster("6b0a4f7e-0006-4b8e-9d1e-0c1a2b3c4d5e");
    cluster.labels.insert(
        "sim_fail_delete".into(),
        "Resource DELETE failed: Conflict: loadbalancer is immutable".into(),
    );
    let resources = rig
        .conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect("create");
    sync_until_settled(&rig, &mut cluster, &resources).await;
    rig.conductor
        .cluster_delete(&mut cluster)
        .await
        .expect("delete accepted");
    assert!(
        !sync_until_settled(&rig, &mut cluster, &resources).await,
        "not gone"
    );
    assert_eq!(cluster.status, ClusterStatus::DeleteFailed);
    assert!(
        cluster
            .status_reason
            .as_deref()
            .is_some_and(|r| r.contains("loadbalancer is immutable"))
    );
    assert_eq!(
        rig.store.len(),
        4,
        "certificates kept until the cluster is really gone"
    );
}

#[tokio::test]
async fn driver_needing_trust_without_trustee_domain_fails_with_magnums_message() {
    let store = Arc::new(MemoryCertStore::new());
    let mut options = SimOptions::new();
    options.needs_trust = true;
    let (_clock, conductor) = rig_with(options, store.clone());
    let uuid = "6b0a4f7e-0007-4b8e-9d1e-0c1a2b3c4d5e";
    let mut cluster = cluster(uuid);
    let err = conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect_err("no trustee domain");
    let expected = format!(
        "Failed to create trustee or trust for Cluster: {uuid} (no trustee domain is configured)"
    );
    assert_eq!(err.to_string(), expected);
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert_eq!(cluster.status_reason.as_deref(), Some(expected.as_str()));
    assert!(
        cluster
            .nodegroups
            .iter()
            .all(|n| n.status == ClusterStatus::CreateFailed)
    );
    assert!(
        store.is_empty(),
        "no certificates made after the trust failed"
    );
}

/// A certificate store whose backend is down (Barbican unreachable, disk full).
struct BrokenStore;

impl CertStore for BrokenStore {
    fn store(&self, _name: &str, _certificate: &StoredCert) -> Result<String, CertificateError> {
        Err(CertificateError::Storage(
            "barbican: 503 Service Unavailable".into(),
        ))
    }
    fn load(&self, _reference: &str) -> Result<StoredCert, CertificateError> {
        Err(CertificateError::Storage("unreachable".into()))
    }
    fn delete(&self, _reference: &str) -> Result<(), CertificateError> {
        Err(CertificateError::Storage("unreachable".into()))
    }
}

#[tokio::test]
async fn certificate_store_failure_fails_the_create() {
    let (_clock, conductor) = rig_with(SimOptions::new(), Arc::new(BrokenStore));
    let uuid = "6b0a4f7e-0008-4b8e-9d1e-0c1a2b3c4d5e";
    let mut cluster = cluster(uuid);
    let err = conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect_err("store down");
    assert_eq!(
        err.to_string(),
        format!("Failed to create certificates for Cluster: {uuid}")
    );
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert!(cluster.stack_id.is_none(), "the driver was never called");
}

#[tokio::test]
async fn unsupported_template_fails_create_with_loaded_list() {
    let rig = rig();
    let mut cluster = ClusterRecord::new(
        "6b0a4f7e-0009-4b8e-9d1e-0c1a2b3c4d5e",
        "demo",
        "p",
        template(serde_json::json!({"cluster_distro": null})),
    );
    let err = rig
        .conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect_err("no os_distro");
    let message = err.to_string();
    assert!(
        message.starts_with(
            "Cluster type (vm, None, kubernetes) not supported. Loaded drivers support: "
        ),
        "{message}"
    );
    assert!(
        message.contains("(vm, fedora-coreos, kubernetes) by sim"),
        "{message}"
    );
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert_eq!(cluster.status_reason.as_deref(), Some(message.as_str()));
}

#[tokio::test]
async fn debug_output_has_no_key_material() {
    let rig = rig();
    let (_cluster, resources) = create(&rig, "6b0a4f7e-0010-4b8e-9d1e-0c1a2b3c4d5e", 1, 1).await;
    let dumped = format!("{:?} {:?} {:?}", rig.conductor, resources, rig.store);
    assert!(!dumped.contains("PRIVATE KEY"), "{dumped}");
    assert!(!dumped.contains("BEGIN"), "{dumped}");
}

#[tokio::test]
async fn events_trace_each_step_in_order() {
    use magnum_drivers::ConductorEvent as E;
    use std::sync::Mutex;
    let seen: Arc<Mutex<Vec<ConductorEvent>>> = Arc::default();
    let sink = seen.clone();
    let clock = Arc::new(ManualClock::default());
    let mut registry = DriverRegistry::new(RegistryConfig::default());
    registry.register(
        "sim",
        Arc::new(SimulatedDriver::with_clock(
            SimOptions::new(),
            clock.clone(),
        )),
    );
    let conductor = Conductor::new(Arc::new(registry), Arc::new(MemoryCertStore::new()))
        .on_event(move |e| sink.lock().expect("events").push(e.clone()));
    let uuid = "6b0a4f7e-0011-4b8e-9d1e-0c1a2b3c4d5e";
    let mut cluster = cluster(uuid);
    let resources = conductor
        .cluster_create(&mut cluster, 1, 1, None)
        .await
        .expect("create");
    clock.advance(Duration::from_secs(5));
    conductor
        .sync_status(&mut cluster, &resources, None)
        .await
        .expect("sync");
    cluster.nodegroups[1].max_node_count = Some(1);
    conductor
        .cluster_resize(&mut cluster, None, 3, &[])
        .await
        .expect_err("bounds");
    conductor
        .cluster_delete(&mut cluster)
        .await
        .expect("delete");
    clock.advance(Duration::from_secs(5));
    assert!(
        conductor
            .sync_status(&mut cluster, &resources, None)
            .await
            .expect("sync")
    );

    let c = || uuid.to_owned();
    let key = magnum_drivers::DriverKey::of_template(&cluster.template);
    let expected = vec![
        E::NodegroupsReady {
            cluster: c(),
            nodegroups: vec!["default-master".into(), "default-worker".into()],
        },
        E::DriverSelected { cluster: c(), key },
        E::CertificatesCreated { cluster: c() },
        E::DriverCalled {
            cluster: c(),
            operation: "create",
        },
        E::StatusChanged {
            cluster: c(),
            from: ClusterStatus::CreateInProgress,
            to: ClusterStatus::CreateComplete,
        },
        // The refused resize is a validation error (HTTP 400 in Magnum): no event, no status change.
        E::DriverCalled {
            cluster: c(),
            operation: "delete",
        },
        E::StatusChanged {
            cluster: c(),
            from: ClusterStatus::DeleteInProgress,
            to: ClusterStatus::DeleteComplete,
        },
        E::CleanedUp {
            cluster: c(),
            certificates: true,
            trust: true,
        },
    ];
    assert_eq!(*seen.lock().expect("events"), expected);

    // A failure is an event carrying the status_reason.
    seen.lock().expect("events").clear();
    let mut broken = ClusterRecord::new(
        "6b0a4f7e-0012-4b8e-9d1e-0c1a2b3c4d5e",
        "b",
        "p",
        template(serde_json::json!({"cluster_distro": null})),
    );
    let err = conductor
        .cluster_create(&mut broken, 1, 1, None)
        .await
        .expect_err("unsupported");
    let events = seen.lock().expect("events").clone();
    assert!(
        matches!(events.last(), Some(E::Failed { status: ClusterStatus::CreateFailed, reason, .. }) if *reason == err.to_string()),
        "{events:?}"
    );
}

#[tokio::test]
async fn update_upgrade_and_status_guard_use_magnums_messages() {
    let rig = rig();
    let (mut cluster, resources) = create(&rig, "6b0a4f7e-0013-4b8e-9d1e-0c1a2b3c4d5e", 1, 1).await;
    let err = rig
        .conductor
        .cluster_update(&mut cluster, 3, false)
        .await
        .expect_err("still creating");
    assert_eq!(
        err.to_string(),
        "Updating a cluster when status is \"CREATE_IN_PROGRESS\" is not supported."
    );
    sync_until_settled(&rig, &mut cluster, &resources).await;

    // Same count: nothing happens.
    rig.conductor
        .cluster_update(&mut cluster, 1, false)
        .await
        .expect("no-op");
    assert_eq!(cluster.status, ClusterStatus::CreateComplete);
    // New count: the default worker changes and the driver updates.
    rig.conductor
        .cluster_update(&mut cluster, 3, false)
        .await
        .expect("update");
    assert_eq!(cluster.status, ClusterStatus::UpdateInProgress);
    sync_until_settled(&rig, &mut cluster, &resources).await;
    assert_eq!(
        (cluster.status.clone(), cluster.node_count()),
        (ClusterStatus::UpdateComplete, 3)
    );

    // Upgrade: the simulated driver moves the default nodegroups to the new template and
    // takes the COE version from its kube_tag label.
    let mut template = cluster.template.clone();
    template
        .labels
        .get_or_insert_with(Default::default)
        .insert("kube_tag".into(), "v1.31.2".into());
    rig.conductor
        .cluster_upgrade(&mut cluster, &template, 1, None)
        .await
        .expect("upgrade");
    assert_eq!(cluster.status, ClusterStatus::UpdateInProgress);
    sync_until_settled(&rig, &mut cluster, &resources).await;
    assert_eq!(cluster.status, ClusterStatus::UpdateComplete);
    assert_eq!(cluster.coe_version.as_deref(), Some("v1.31.2"));
    let err = rig
        .conductor
        .cluster_upgrade(&mut cluster, &template, 1, Some("no-such-group"))
        .await
        .expect_err("unknown nodegroup");
    assert!(matches!(err, ConductorError::Failed { .. }), "{err:?}");
    assert_eq!(cluster.status, ClusterStatus::UpdateFailed);
    assert_eq!(
        cluster.status_reason.as_deref(),
        Some("Nodegroup no-such-group could not be found.")
    );
}

#[tokio::test]
async fn nodegroup_create_and_delete_follow_magnums_rules() {
    use magnum_drivers::NodeGroupRecord;
    let rig = rig();
    let (mut cluster, resources) = create(&rig, "6b0a4f7e-0014-4b8e-9d1e-0c1a2b3c4d5e", 1, 1).await;
    let gpu = || NodeGroupRecord::new("ng-gpu", "gpu", "worker", 2);
    let err = rig
        .conductor
        .nodegroup_create(&mut cluster, gpu())
        .await
        .expect_err("creating");
    assert!(matches!(err, ConductorError::WrongStatus { .. }), "{err:?}");
    sync_until_settled(&rig, &mut cluster, &resources).await;

    let refused = |ng: NodeGroupRecord| {
        let conductor = rig.conductor.clone();
        let mut cluster = cluster.clone();
        async move {
            conductor
                .nodegroup_create(&mut cluster, ng)
                .await
                .expect_err("refused")
                .to_string()
        }
    };
    let mut no_api = cluster.clone();
    no_api.api_address = None;
    let err = rig
        .conductor
        .nodegroup_create(&mut no_api, gpu())
        .await
        .expect_err("no api");
    assert_eq!(err.to_string(), "Cluster API address is not available yet");
    assert_eq!(
        refused(NodeGroupRecord::new("m2", "m2", "master", 1)).await,
        "Creating master nodegroups is currently not supported."
    );
    assert_eq!(
        refused(NodeGroupRecord::new("x", "default-worker", "worker", 1)).await,
        "A node group with name default-worker already exists in the cluster demo."
    );
    let mut small = gpu();
    small.min_node_count = 3;
    assert_eq!(
        refused(small).await,
        "min_node_count for gpu is invalid (min_node_count (3) should be less or equal to node_count (2))."
    );
    let mut capped = gpu();
    capped.max_node_count = Some(1);
    assert_eq!(
        refused(capped).await,
        "max_node_count for gpu is invalid (node_count (2) should be less or equal to max_node_count (1))."
    );

    rig.conductor
        .nodegroup_create(&mut cluster, gpu())
        .await
        .expect("create nodegroup");
    assert_eq!(cluster.status, ClusterStatus::UpdateInProgress);
    let status_of = |cluster: &ClusterRecord, name: &str| {
        cluster
            .nodegroups
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.status.clone())
    };
    assert_eq!(
        status_of(&cluster, "gpu"),
        Some(ClusterStatus::CreateInProgress)
    );
    sync_until_settled(&rig, &mut cluster, &resources).await;
    assert_eq!(cluster.status, ClusterStatus::UpdateComplete);
    assert_eq!(
        status_of(&cluster, "gpu"),
        Some(ClusterStatus::CreateComplete),
        "a new nodegroup ends CREATE_COMPLETE, as its own stack does"
    );
    assert_eq!(cluster.node_count(), 3, "1 default worker + 2 gpu");

    let err = rig
        .conductor
        .nodegroup_delete(&mut cluster, "default-worker")
        .await
        .expect_err("default");
    assert_eq!(
        err.to_string(),
        "Deleting a default nodegroup is not supported."
    );
    let err = rig
        .conductor
        .nodegroup_delete(&mut cluster, "nope")
        .await
        .expect_err("unknown");
    assert_eq!(err.to_string(), "Nodegroup nope could not be found.");
    rig.conductor
        .nodegroup_delete(&mut cluster, "gpu")
        .await
        .expect("delete nodegroup");
    assert_eq!(
        status_of(&cluster, "gpu"),
        Some(ClusterStatus::DeleteInProgress),
        "listed until its stack is gone"
    );
    sync_until_settled(&rig, &mut cluster, &resources).await;
    assert_eq!(status_of(&cluster, "gpu"), None);
    assert_eq!(cluster.node_count(), 1);
}

#[tokio::test]
async fn a_failing_nodegroup_stack_fails_the_nodegroup_by_its_own_operation() {
    use magnum_drivers::NodeGroupRecord;
    let rig = rig();
    let (mut cluster, resources) = create(&rig, "6b0a4f7e-0015-4b8e-9d1e-0c1a2b3c4d5e", 1, 1).await;
    sync_until_settled(&rig, &mut cluster, &resources).await;
    cluster.labels.insert(
        "sim_fail_update".into(),
        "Resource CREATE failed: quota".into(),
    );
    let gpu = NodeGroupRecord::new("ng-gpu", "gpu", "worker", 1);
    rig.conductor
        .nodegroup_create(&mut cluster, gpu)
        .await
        .expect("create accepted");
    sync_until_settled(&rig, &mut cluster, &resources).await;
    let gpu = cluster.nodegroups.iter().find(|n| n.name == "gpu").unwrap();
    assert_eq!(gpu.status, ClusterStatus::CreateFailed);
    assert_eq!(
        gpu.status_reason.as_deref(),
        Some("Resource CREATE failed: quota")
    );
    assert_eq!(cluster.status, ClusterStatus::UpdateFailed);
    assert_eq!(
        cluster.faults().get("gpu").map(String::as_str),
        Some("Resource CREATE failed: quota")
    );

    rig.conductor
        .nodegroup_delete(&mut cluster, "gpu")
        .await
        .expect("delete accepted");
    sync_until_settled(&rig, &mut cluster, &resources).await;
    let gpu = cluster.nodegroups.iter().find(|n| n.name == "gpu");
    assert_eq!(
        gpu.map(|n| n.status.clone()),
        Some(ClusterStatus::DeleteFailed),
        "a failed delete leaves the nodegroup listed"
    );
    assert!(
        cluster
            .nodegroups
            .iter()
            .filter(|n| n.is_default)
            .all(|n| n.status == ClusterStatus::CreateComplete),
        "the other nodegroups keep their state"
    );
}
