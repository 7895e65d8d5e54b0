//! The Heat driver's pre-delete cleanup (Magnum's `KubernetesDriver.pre_delete_cluster` and
//! `common/octavia.py`, vectors §8.10) against wiremock Keystone, Heat, Octavia and Neutron —
//! no real Octavia or Neutron runs here, and the real Heat of `scripts/test.sh` has no load
//! balancers to list. Covered: Kubernetes' load balancers (an `ERROR` one too) and the stack's
//! own API load balancer are deleted with `cascade=true` after Kubernetes' floating IP, and
//! awaited; a Heat 404 while listing the stack's resources is no error; load balancers that
//! never go fail the delete with Magnum's `PreDeletionFailed` message (409); a cloud without
//! Octavia skips the cleanup entirely.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use magnum_core::config::{AuthMethod, ProjectRef, Scope};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::{ClusterStatus, ClusterTemplate};
use magnum_drivers::heat::{HeatDriver, HeatDriverOptions};
use magnum_drivers::{ClusterRecord, Driver, DriverError};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const UUID: &str = "7d1e5f7a-2f0c-4a7b-9e0b-2c3d4e5f6a7b";
const STACK: &str = "5b1c0e2a-9f3d-4c7e-8a6b-1d2e3f4a5b6c";

/// Keystone answering every token request with a catalog whose services all live on `cloud`.
async fn keystone(cloud: &MockServer, octavia: bool) -> MockServer {
    let keystone = MockServer::start().await;
    let endpoint = |kind: &str, url: String| json!({"type": kind, "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": url}]});
    let mut catalog = vec![
        endpoint("orchestration", format!("{}/heat/v1/p1", cloud.uri())),
        endpoint("network", cloud.uri()),
    ];
    if octavia {
        catalog.push(endpoint("load-balancer", cloud.uri()));
    }
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-subject-token", "gAAAA-test-token")
                .set_body_json(json!({"token": {
                    "methods": ["password"],
                    "user": {"id": "u1", "name": "alice", "domain": {"id": "default", "name": "Default"}},
                    "project": {"id": "p1", "name": "k8s", "domain": {"id": "default", "name": "Default"}},
                    "roles": [{"id": "r1", "name": "member"}],
                    "expires_at": "2099-01-01T00:00:00.000000Z",
                    "issued_at": "2026-01-01T00:00:00.000000Z",
                    "catalog": catalog,
                }})),
        )
        .mount(&keystone)
        .await;
    keystone
}

fn driver(keystone: &MockServer, timeout: Duration) -> HeatDriver {
    let session = KeystoneSession::builder(
        format!("{}/v3", keystone.uri()),
        AuthMethod::Token {
            token: SecretString::from("user-token".to_owned()),
        },
    )
    .scope(Scope::Project(ProjectRef::Id("p1".into())))
    .build()
    .unwrap();
    HeatDriver::fedora_coreos(
        Arc::new(session),
        HeatDriverOptions::new().pre_delete_timeout(timeout),
    )
}

fn cluster() -> ClusterRecord {
    let template: ClusterTemplate = serde_json::from_value(json!({"uuid": "t"})).unwrap();
    let mut cluster = ClusterRecord::new(UUID, "web", "p1", template);
    cluster.stack_id = Some(STACK.into());
    cluster.status = ClusterStatus::CreateComplete;
    cluster
}

fn lb(id: &str, description: &str, status: &str, port: &str) -> Value {
    json!({"id": id, "description": description, "provisioning_status": status, "vip_port_id": port})
}

/// Heat (stack found by id, one API LB resource), Octavia (two Kubernetes LBs, one of another
/// cluster, the stack's LB), Neutron (Kubernetes' FIP on the first VIP port).
async fn cloud() -> MockServer {
    let cloud = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/heat/v1/p1/stacks/{STACK}")))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/heat/v1/p1/stacks/web-abc/{STACK}", cloud.uri()).as_str(),
        ))
        .mount(&cloud)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/heat/v1/p1/stacks/web-abc/{STACK}/resources"
        )))
        .and(query_param("nested_depth", "2"))
        .and(query_param(
            "type",
            "Magnum::Optional::Neutron::LBaaS::LoadBalancer",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"resources": [
                {"resource_name": "api_lb", "physical_resource_id": "heat_lb_id"},
                {"resource_name": "etcd_lb", "physical_resource_id": ""}
            ]})),
        )
        .mount(&cloud)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"loadbalancers": [
            lb("fake_id_1", &format!("Kubernetes external service ad3080723f1c211e88adbfa163ee1203 from cluster {UUID}"), "ACTIVE", "p1"),
            lb("fake_id_2", &format!("Kubernetes Ingress test-octavia-ingress in namespace default from cluster {UUID}, version: 32207"), "ERROR", "p2"),
            lb("other", "Kubernetes external service x from cluster someone-else", "ACTIVE", "p9"),
        ]})))
        .mount(&cloud)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.0/floatingips"))
        .and(query_param("port_id", "p1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"floatingips": [
            {"id": "fip-1", "port_id": "p1",
             "description": format!("Floating IP for Kubernetes external service ad3080723f1c211e88adbfa163ee1203 from cluster {UUID}")}
        ]})))
        .mount(&cloud)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.0/floatingips"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"floatingips": []})))
        .mount(&cloud)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&cloud)
        .await;
    cloud
}

async fn deletes(cloud: &MockServer) -> Vec<String> {
    cloud
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn kubernetes_and_stack_load_balancers_go_before_the_stack() {
    let cloud = cloud().await;
    // The stack's LB is found through Heat; once deleted, every LB answers 404.
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers/heat_lb_id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"loadbalancer": lb("heat_lb_id", "Kubernetes API of cluster", "ACTIVE", "p7")}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&cloud)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v2/lbaas/loadbalancers/.+"))
        .respond_with(ResponseTemplate::new(404))
        .with_priority(2)
        .mount(&cloud)
        .await;
    let keystone = keystone(&cloud, true).await;
    let driver = driver(&keystone, Duration::from_secs(5));
    driver.pre_delete_cluster(&mut cluster()).await.unwrap();
    assert_eq!(
        deletes(&cloud).await,
        [
            "/v2.0/floatingips/fip-1?",
            "/v2/lbaas/loadbalancers/fake_id_1?cascade=true",
            "/v2/lbaas/loadbalancers/fake_id_2?cascade=true",
            "/v2/lbaas/loadbalancers/heat_lb_id?cascade=true",
        ],
        "vector 1: both Kubernetes LBs (ERROR too) and the stack's, after Kubernetes' FIP"
    );
}

#[tokio::test]
async fn a_stack_heat_no_longer_knows_is_no_error() {
    let cloud = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/heat/v1/p1/stacks/{STACK}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"code": 404, "title": "Not Found", "error": {"message": "The Stack could not be found."}}),
        ))
        .mount(&cloud)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"loadbalancers": []})))
        .mount(&cloud)
        .await;
    let keystone = keystone(&cloud, true).await;
    driver(&keystone, Duration::from_secs(1))
        .pre_delete_cluster(&mut cluster())
        .await
        .unwrap();
    assert!(
        deletes(&cloud).await.is_empty(),
        "vector 4: nothing to delete"
    );
}

#[tokio::test]
async fn load_balancers_that_never_go_fail_the_delete() {
    let cloud = cloud().await;
    Mock::given(method("GET"))
        .and(path_regex("^/v2/lbaas/loadbalancers/.+"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"loadbalancer": lb("fake_id_1", "", "PENDING_DELETE", "p1")}),
            ),
        )
        .mount(&cloud)
        .await;
    let keystone = keystone(&cloud, true).await;
    let err = driver(&keystone, Duration::from_millis(1500))
        .pre_delete_cluster(&mut cluster())
        .await
        .unwrap_err();
    let DriverError::Conflict(message) = err else {
        panic!("Magnum's PreDeletionFailed is a 409: {err:?}");
    };
    assert!(
        message.starts_with(&format!(
            "Failed to pre-delete resources for cluster {UUID}, error: timed out after"
        )),
        "vector 3: {message}"
    );
    assert!(message.contains("PENDING_DELETE"), "{message}");
}

#[tokio::test]
async fn no_octavia_no_cleanup() {
    let cloud = MockServer::start().await;
    let keystone = keystone(&cloud, false).await;
    driver(&keystone, Duration::from_secs(1))
        .pre_delete_cluster(&mut cluster())
        .await
        .unwrap();
    assert!(cloud.received_requests().await.unwrap().is_empty());
}
