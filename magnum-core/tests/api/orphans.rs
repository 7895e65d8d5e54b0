//! Orphan cleanup (`magnum_core::doctor::orphans`) against wiremock Octavia and Neutron behind a
//! wiremock Keystone catalog (no real Octavia or Neutron runs here): the listing and the plan
//! (Magnum's §8.10 vectors: both Kubernetes description kinds, `ERROR` load balancers included,
//! other clusters' left alone), deletion in dependency order — floating IPs, then load
//! balancers with `cascade=true` — and the wait; the error paths: Octavia refusing a delete (its
//! status, message and request id), load balancers that never go (a wait timeout naming them),
//! a catalog without Octavia.

use std::time::Duration;

use magnum_core::config::{AuthMethod, DomainRef, ProjectRef, Scope, UserRef};
use magnum_core::doctor::orphans::{delete_orphans, find_orphans};
use magnum_core::keystone::KeystoneSession;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{PASSWORD, keystone_with, public_endpoint};

const UUID: &str = "7d1e5f7a-2f0c-4a7b-9e0b-2c3d4e5f6a7b";

async fn session(catalog: Value) -> (KeystoneSession, MockServer) {
    let keystone = keystone_with(catalog).await;
    let session = KeystoneSession::builder(
        format!("{}/v3", keystone.uri()),
        AuthMethod::Password {
            user: UserRef::Name {
                name: "alice".into(),
                domain: DomainRef::Name("Default".into()),
            },
            password: SecretString::from(PASSWORD.to_owned()),
        },
    )
    .scope(Scope::Project(ProjectRef::Id("p1".into())))
    .build()
    .unwrap();
    (session, keystone)
}

fn lb(id: &str, description: &str, status: &str, port: &str) -> Value {
    json!({"id": id, "name": "", "description": description, "provisioning_status": status,
           "vip_port_id": port, "vip_address": "10.0.0.50"})
}

/// Octavia with this cluster's two Kubernetes LBs (one `ERROR`), one deleting, one of another
/// cluster; Neutron with Kubernetes' FIP and a user's FIP on the first VIP port. One server
/// plays both (Octavia's paths start `/v2/`, Neutron's `/v2.0/`), so its request log shows the
/// order of the calls.
async fn cloud() -> MockServer {
    let octavia = MockServer::start().await;
    let neutron = &octavia;
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"loadbalancers": [
            lb("fake_id_1", &format!("Kubernetes external service ad3080723f1c211e88adbfa163ee1203 from cluster {UUID}"), "ACTIVE", "p1"),
            lb("fake_id_2", &format!("Kubernetes Ingress test-octavia-ingress in namespace default from cluster {UUID}, version: 32207"), "ERROR", "p2"),
            lb("leaving", &format!("Kubernetes external service b from cluster {UUID}"), "PENDING_DELETE", "p3"),
            lb("other", "Kubernetes external service c from cluster 11111111-2222-4333-8444-555555555555", "ACTIVE", "p4"),
        ]})))
        .mount(&octavia)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.0/floatingips"))
        .and(query_param("port_id", "p1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"floatingips": [
            {"id": "fip-k8s", "floating_ip_address": "203.0.113.7", "port_id": "p1",
             "description": format!("Floating IP for Kubernetes external service ad3080723f1c211e88adbfa163ee1203 from cluster {UUID}")},
            {"id": "fip-user", "floating_ip_address": "203.0.113.8", "port_id": "p1", "description": "mine"}
        ]})))
        .mount(neutron)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.0/floatingips"))
        .and(query_param("port_id", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"floatingips": []})))
        .mount(neutron)
        .await;
    octavia
}

/// Octavia registered without a version, Neutron with one (both happen in real catalogs).
fn catalog(cloud: &MockServer) -> Value {
    json!([
        public_endpoint("load-balancer", &cloud.uri()),
        public_endpoint("network", &format!("{}/v2.0/", cloud.uri())),
    ])
}

#[tokio::test]
async fn finds_then_deletes_in_dependency_order() {
    let octavia = cloud().await;
    let neutron = &octavia;
    let (session, _keystone) = session(catalog(&octavia)).await;

    let plan = find_orphans(&session, UUID).await.unwrap();
    let lbs: Vec<_> = plan.load_balancers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(lbs, ["fake_id_1", "fake_id_2"]);
    let fips: Vec<_> = plan.floating_ips.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(fips, ["fip-k8s"], "the user's own floating IP stays");
    assert!(
        octavia
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.method.as_str() == "GET"),
        "finding is a dry run"
    );

    Mock::given(method("DELETE"))
        .and(path("/v2.0/floatingips/fip-k8s"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(neutron)
        .await;
    for id in ["fake_id_1", "fake_id_2"] {
        Mock::given(method("DELETE"))
            .and(path(format!("/v2/lbaas/loadbalancers/{id}")))
            .and(query_param("cascade", "true"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&octavia)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers/fake_id_1"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&octavia)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers/fake_id_2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"loadbalancer": {"id": "fake_id_2", "provisioning_status": "DELETED"}}),
        ))
        .mount(&octavia)
        .await;

    let report = delete_orphans(
        &session,
        &plan,
        Duration::from_secs(5),
        Duration::from_millis(10),
    )
    .await
    .unwrap();
    assert_eq!(report.floating_ips, ["fip-k8s"]);
    assert_eq!(report.load_balancers, ["fake_id_1", "fake_id_2"]);
    let deletes: Vec<String> = octavia
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        deletes,
        [
            "/v2.0/floatingips/fip-k8s",
            "/v2/lbaas/loadbalancers/fake_id_1",
            "/v2/lbaas/loadbalancers/fake_id_2"
        ],
        "floating IPs first: they hold the router interface Heat must remove"
    );
}

#[tokio::test]
async fn refused_and_stuck_deletes_are_errors() {
    let octavia = cloud().await;
    let neutron = &octavia;
    let (session, _keystone) = session(catalog(&octavia)).await;
    let plan = find_orphans(&session, UUID).await.unwrap();
    Mock::given(method("DELETE"))
        .and(path("/v2.0/floatingips/fip-k8s"))
        .respond_with(ResponseTemplate::new(404))
        .mount(neutron)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v2/lbaas/loadbalancers/fake_id_1"))
        .respond_with(
            ResponseTemplate::new(409)
                .insert_header("x-openstack-request-id", "req-octavia-1")
                .set_body_json(json!({"faultcode": "Client",
                    "faultstring": "Invalid state PENDING_UPDATE of loadbalancer resource fake_id_1",
                    "debuginfo": null})),
        )
        .mount(&octavia)
        .await;
    let err = delete_orphans(
        &session,
        &plan,
        Duration::from_secs(1),
        Duration::from_millis(10),
    )
    .await
    .unwrap_err();
    let api = err.api().expect("Octavia's answer");
    assert_eq!((api.service, api.status), ("octavia", 409));
    let text = err.to_string();
    assert!(text.contains("Invalid state PENDING_UPDATE"), "{text}");
    assert!(text.contains("req-octavia-1"), "{text}");

    // Octavia accepts the deletes but the load balancers never go: Magnum's pre-delete failure.
    octavia.reset().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&octavia)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers/fake_id_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"loadbalancer": {"id": "fake_id_1", "provisioning_status": "PENDING_DELETE"}}),
        ))
        .mount(&octavia)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/lbaas/loadbalancers/fake_id_2"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&octavia)
        .await;
    let err = delete_orphans(
        &session,
        &plan,
        Duration::from_millis(50),
        Duration::from_millis(10),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), magnum_core::ErrorKind::WaitTimeout);
    let text = err.to_string();
    assert!(
        text.contains(
            "waiting for load balancer fake_id_1 to become deleted (last status PENDING_DELETE)"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_cloud_without_octavia_is_a_clear_error() {
    let neutron = MockServer::start().await;
    let (session, _keystone) = session(json!([public_endpoint("network", &neutron.uri())])).await;
    let err = find_orphans(&session, UUID).await.unwrap_err();
    assert!(err.to_string().contains("load-balancer"), "{err}");
    assert!(neutron.received_requests().await.unwrap().is_empty());
}
