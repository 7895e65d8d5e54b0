//! Clusters: create (202 + uuid), get/list, update (node count, rollback), delete, and the
//! actions — resize, upgrade, CA get/sign/rotate, credential rotation — each with the exact
//! request and an error path.

use magnum_core::request::ListParams;
use magnum_core::types::{
    CaCertType, Cluster, ClusterChange, ClusterCreate, ClusterUpdate, HealthStatus, ResizeRequest,
    SignRequest, UpgradeRequest,
};
use magnum_core::{Api, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{client, magnum_error, replay, server, v};

const CL: &str = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01";
const CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";

fn accepted() -> ResponseTemplate {
    ResponseTemplate::new(202).set_body_json(json!({"uuid": CL}))
}

#[tokio::test]
async fn create_is_202_with_the_uuid_and_zero_nodes_needs_1_10() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters"))
        .and(header("OpenStack-API-Version", v("1.1").as_str()))
        .and(body_json(json!({"cluster_template_id": "k8s-seeded", "name": "prod", "master_count": 3,
            "node_count": 2, "keypair": "kp", "create_timeout": 90, "labels": {"a": "b"}, "merge_labels": true})))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters"))
        .and(header("OpenStack-API-Version", v("1.10").as_str()))
        .and(body_json(
            json!({"cluster_template_id": "k8s-seeded", "node_count": 0}),
        ))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let body = ClusterCreate::new("k8s-seeded")
        .name("prod")
        .master_count(3u32)
        .node_count(2u32)
        .keypair("kp")
        .create_timeout(90u32)
        .label("a", "b")
        .merge_labels(true);
    assert_eq!(api.create(&body).await.unwrap().uuid, CL);
    api.create(&ClusterCreate::new("k8s-seeded").node_count(0u32))
        .await
        .unwrap();
}

#[tokio::test]
async fn create_errors_keep_magnums_message_and_are_never_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters"))
        .respond_with(magnum_error(503, "Service Unavailable."))
        .expect(1)
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = api.create(&ClusterCreate::new("t")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert!(err.is_retryable(), "503 is retryable for idempotent calls");
    // expect(1) verifies on drop that the POST was sent exactly once.
}

#[tokio::test]
async fn quota_exhaustion_is_a_403_with_magnums_words() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters"))
        .respond_with(magnum_error(403, "Resource limit exceeded: You have reached the maximum clusters per project, 1. You may delete a cluster to make room for a new one."))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = api.create(&ClusterCreate::new("t")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(err.to_string().contains("maximum clusters per project"));
}

#[tokio::test]
async fn get_list_and_detail_decode_recorded_answers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/clusters/{CL}")))
        .respond_with(replay("clusters/get"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters"))
        .respond_with(replay("clusters/list"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/detail"))
        .respond_with(replay("clusters/detail@1.14"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/gone"))
        .respond_with(magnum_error(404, "Cluster gone could not be found."))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let cluster = api.get(CL).await.unwrap();
    assert_eq!(
        cluster.api_address.as_deref(),
        Some("https://172.24.4.6:6443")
    );
    assert_eq!(cluster.health_status, Some(HealthStatus::Healthy));
    assert_eq!(api.list(&ListParams::new()).await.unwrap().items.len(), 2);
    let detail = api.list_detail(&ListParams::new()).await.unwrap();
    assert!(detail.items.iter().all(|c| c.master_addresses.is_some()));
    let err = api.get("gone").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.request_id(), Some("req-err"));
}

#[tokio::test]
async fn update_sends_node_count_health_and_rollback() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/clusters/prod"))
        .and(query_param("rollback", "True"))
        .and(header("OpenStack-API-Version", v("1.10").as_str()))
        .and(body_json(json!([
            {"op": "replace", "path": "/node_count", "value": 0},
            {"op": "replace", "path": "/health_status", "value": "UNHEALTHY"},
            {"op": "replace", "path": "/health_status_reason", "value": "{'api': 'down'}"}
        ])))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/clusters/other"))
        .respond_with(replay("errors/403-cluster-patch-needs-keystone"))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let update = ClusterUpdate::new()
        .set(ClusterChange::NodeCount(0))
        .set(ClusterChange::HealthStatus(HealthStatus::Unhealthy))
        .set(ClusterChange::HealthStatusReason(
            [("api".to_owned(), "down".to_owned())].into(),
        ))
        .rollback(true);
    assert_eq!(api.update("prod", &update).await.unwrap().uuid, CL);
    let err = api
        .update(
            "other",
            &ClusterUpdate::new().set(ClusterChange::NodeCount(2)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(err.to_string().contains("auth_url"));
}

#[tokio::test]
async fn delete_is_204_and_errors_are_typed() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clusters/prod"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clusters/busy"))
        .respond_with(magnum_error(409, "Cluster busy is in use."))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    api.delete("prod").await.unwrap();
    assert!(api.delete("busy").await.unwrap_err().is_conflict());
}

#[tokio::test]
async fn resize_picks_1_7_or_1_10_and_reports_out_of_bounds() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/prod/actions/resize"))
        .and(header("OpenStack-API-Version", v("1.7").as_str()))
        .and(body_json(
            json!({"node_count": 2, "nodes_to_remove": ["srv-1"], "nodegroup": "gpu"}),
        ))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/prod/actions/resize"))
        .and(header("OpenStack-API-Version", v("1.10").as_str()))
        .and(body_json(json!({"node_count": 0})))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/small/actions/resize"))
        .respond_with(magnum_error(400, "Resizing default-worker outside the allowed range: min_node_count = 0, max_node_count = 5"))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    api.resize(
        "prod",
        &ResizeRequest::new(2)
            .nodegroup("gpu")
            .nodes_to_remove(["srv-1"]),
    )
    .await
    .unwrap();
    api.resize("prod", &ResizeRequest::new(0)).await.unwrap();
    let err = api
        .resize("small", &ResizeRequest::new(6))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("outside the allowed range"));
}

#[tokio::test]
async fn upgrade_sends_1_8_and_reports_conflicts() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/prod/actions/upgrade"))
        .and(header("OpenStack-API-Version", v("1.8").as_str()))
        .and(body_json(
            json!({"cluster_template": "k8s-v1.31", "max_batch_size": 2, "nodegroup": "gpu"}),
        ))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/other/actions/upgrade"))
        .respond_with(magnum_error(409, "Cluster Template is not valid for upgrade: Nodegroup gpu can be upgraded only to match cluster's template (k8s)."))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    api.upgrade(
        "prod",
        &UpgradeRequest::new("k8s-v1.31")
            .max_batch_size(2)
            .nodegroup("gpu"),
    )
    .await
    .unwrap();
    let err = api
        .upgrade("other", &UpgradeRequest::new("x"))
        .await
        .unwrap_err();
    assert!(err.is_conflict());
}

#[tokio::test]
async fn certificates_get_sign_and_rotate() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/certificates/prod"))
        .and(query_param("ca_cert_type", "etcd"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"cluster_uuid": CL, "pem": "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n", "links": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/certificates/no-such-cluster"))
        .respond_with(replay("errors/404-certificate"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/certificates"))
        .and(header("OpenStack-API-Version", v("1.1").as_str()))
        .and(body_json(
            json!({"cluster_uuid": "prod", "csr": CSR, "ca_cert_type": "front_proxy"}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(
                json!({"cluster_uuid": CL, "csr": CSR, "pem": "signed", "links": []}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/certificates/prod"))
        .and(header("OpenStack-API-Version", v("1.5").as_str()))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/certificates/plain"))
        .respond_with(magnum_error(
            400,
            "Rotating the CA certificate on a non-TLS cluster is not supported",
        ))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let ca = api
        .ca_certificate("prod", Some(CaCertType::Etcd))
        .await
        .unwrap();
    assert!(ca.pem.unwrap().contains("BEGIN CERTIFICATE"));
    assert!(
        api.ca_certificate("no-such-cluster", None)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let signed = api
        .sign_certificate(&SignRequest::new("prod", CSR).ca_cert_type(CaCertType::FrontProxy))
        .await
        .unwrap();
    assert_eq!(signed.pem.as_deref(), Some("signed"));
    let bad = api
        .sign_certificate(&SignRequest::new("prod", "garbage"))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    api.rotate_ca("prod").await.unwrap();
    let err = api.rotate_ca("plain").await.unwrap_err();
    assert!(err.to_string().contains("non-TLS cluster"));
}

#[tokio::test]
async fn credential_rotation_needs_1_12() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/credentials/prod"))
        .and(header("OpenStack-API-Version", v("1.12").as_str()))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/credentials/legacy"))
        .respond_with(magnum_error(
            400,
            "Rotating credentials is not supported by this driver.",
        ))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    api.rotate_credential("prod").await.unwrap();
    assert_eq!(
        api.rotate_credential("legacy").await.unwrap_err().kind(),
        ErrorKind::BadRequest
    );
}
