//! The conductor's trust duties against a **real Keystone** started on 127.0.0.1 by
//! `scripts/test.sh` (`KEYSTONE_URL`; run with `--include-ignored`): a driver that needs a trust
//! gets Magnum's trustee user + impersonating trust at create, the trust works for the cluster,
//! and reaching `DELETE_COMPLETE` removes trust, trustee and certificates. The error path: a
//! cluster owner Keystone refuses leaves the cluster `CREATE_FAILED` with Magnum's message and
//! no certificates, and no password in any message.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use magnum_core::ca::MemoryCertStore;
use magnum_core::config::{ProjectRef, Scope, UserRef};
use magnum_core::keystone::KeystoneSession;
use magnum_core::keystone::trust::TrusteeDomain;
use magnum_core::types::{ClusterStatus, ClusterTemplate};
use magnum_drivers::{
    ClusterRecord, Conductor, DriverRegistry, ManualClock, RegistryConfig, SimOptions,
    SimulatedDriver,
};
use serde_json::{Value, json};

mod common;

use common::{admin, create, login, member, trustee_domain, unique};

/// A project owner (member of a fresh project) and a trustee domain with its own manager.
struct Setup {
    owner: KeystoneSession,
    owner_id: String,
    project_id: String,
    trustees: TrusteeDomain,
    admin: KeystoneSession,
}

async fn setup() -> Setup {
    let admin = admin();
    let domain_id = create(&admin, "domain", json!({"name": unique("dom")})).await;
    let (owner_id, project_id, owner_password) = member(&admin, &domain_id).await;
    let owner = login(
        UserRef::Id(owner_id.clone()),
        &owner_password,
        Scope::Project(ProjectRef::Id(project_id.clone())),
    );

    let trustees = trustee_domain(&admin).await;
    Setup {
        owner,
        owner_id,
        project_id,
        trustees,
        admin,
    }
}

fn conductor(
    trustees: TrusteeDomain,
    store: Arc<MemoryCertStore>,
) -> (Arc<ManualClock>, Conductor) {
    let clock = Arc::new(ManualClock::default());
    let mut options = SimOptions::new();
    options.needs_trust = true;
    let mut registry = DriverRegistry::new(RegistryConfig::default());
    registry.register(
        "sim",
        Arc::new(SimulatedDriver::with_clock(options, clock.clone())),
    );
    (
        clock,
        Conductor::new(Arc::new(registry), store).trustee_domain(trustees),
    )
}

fn cluster(uuid: &str, project_id: &str) -> ClusterRecord {
    let template: ClusterTemplate = serde_json::from_value(json!({
        "uuid": "tpl", "coe": "kubernetes", "server_type": "vm", "cluster_distro": "fedora-coreos"
    }))
    .unwrap();
    ClusterRecord::new(uuid, "trusted", project_id, template)
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn create_makes_a_working_trust_and_delete_removes_it() {
    let s = setup().await;
    let store = Arc::new(MemoryCertStore::new());
    let (clock, conductor) = conductor(s.trustees.clone(), store.clone());
    let uuid = "5f0e9c1a-7b2d-4e11-9a0f-3c2b1a0d9e01";
    let mut cluster = cluster(uuid, &s.project_id);
    let resources = conductor
        .cluster_create(&mut cluster, 1, 1, Some(&s.owner))
        .await
        .unwrap();
    let trust = resources
        .trust
        .clone()
        .expect("a trust for a driver that needs one");
    assert_eq!(
        trust.trustee_username,
        format!("{uuid}_{}", s.project_id),
        "Magnum's trustee naming"
    );
    assert_eq!(store.len(), 4);

    // The in-cluster credential works and impersonates the owner in the owner's project.
    let in_cluster = s.trustees.trust_session(&trust).unwrap();
    let info = in_cluster.token().await.unwrap().info().clone();
    assert_eq!(info.user.id, s.owner_id);
    assert_eq!(info.project.as_ref().unwrap().id, s.project_id);

    clock.advance(Duration::from_secs(5));
    assert!(
        !conductor
            .sync_status(&mut cluster, &resources, Some(&s.owner))
            .await
            .unwrap()
    );
    assert_eq!(cluster.status, ClusterStatus::CreateComplete);

    conductor.cluster_delete(&mut cluster).await.unwrap();
    clock.advance(Duration::from_secs(5));
    assert!(
        conductor
            .sync_status(&mut cluster, &resources, Some(&s.owner))
            .await
            .unwrap(),
        "gone"
    );
    assert!(store.is_empty(), "certificates removed");
    assert!(
        in_cluster.reauthenticate().await.is_err(),
        "trust and trustee removed"
    );
    let trustee = s
        .admin
        .identity::<Value>(
            Method::GET,
            &format!("users/{}", trust.trustee_user_id),
            None,
        )
        .await
        .unwrap_err();
    assert!(trustee.is_not_found(), "{trustee}");
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn owner_keystone_refuses_fails_create_with_magnums_message() {
    let s = setup().await;
    let store = Arc::new(MemoryCertStore::new());
    let (_clock, conductor) = conductor(s.trustees.clone(), store.clone());
    let wrong = "definitely-not-the-password";
    let owner = login(
        UserRef::Id(s.owner_id.clone()),
        wrong,
        Scope::Project(ProjectRef::Id(s.project_id.clone())),
    );
    let uuid = "5f0e9c1a-7b2d-4e11-9a0f-3c2b1a0d9e02";
    let mut cluster = cluster(uuid, &s.project_id);
    let err = conductor
        .cluster_create(&mut cluster, 1, 1, Some(&owner))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "Failed to create trustee or trust for Cluster: {uuid} ("
        )),
        "{message}"
    );
    assert!(
        message.contains("401"),
        "Keystone's status is kept: {message}"
    );
    assert!(
        !message.contains(wrong) && !format!("{err:?}").contains(wrong),
        "no password in errors"
    );
    assert_eq!(cluster.status, ClusterStatus::CreateFailed);
    assert_eq!(cluster.status_reason.as_deref(), Some(message.as_str()));
    assert!(
        store.is_empty(),
        "no certificates for a cluster that failed at the trust step"
    );
    // The trustee domain has no leftover trustee for this cluster.
    let domain_id = s.trustees.domain_id().await.unwrap();
    let users: Value = s
        .admin
        .identity(Method::GET, &format!("users?domain_id={domain_id}"), None)
        .await
        .unwrap();
    let leftovers: Vec<_> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["name"].as_str().is_some_and(|n| n.starts_with(uuid)))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
