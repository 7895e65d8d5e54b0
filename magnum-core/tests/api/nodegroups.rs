//! Nodegroups under `/v1/clusters/{cluster}/nodegroups` (≥ 1.9): list with role filter, get,
//! create with labels and taints (1.14), update, delete — and their error paths.

use magnum_core::request::ListParams;
use magnum_core::types::{
    NodeGroup, NodeGroupChange, NodeGroupCreate, NodeGroupRole, NodeGroupUpdate, Taint, TaintEffect,
};
use magnum_core::{Api, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{body, client, magnum_error, replay, server, v};

#[tokio::test]
async fn list_and_get_use_1_9_and_the_cluster_scope() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod/nodegroups"))
        .and(query_param("role", "master"))
        .and(header("OpenStack-API-Version", v("1.9").as_str()))
        .respond_with(replay("nodegroups/list@1.9"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod/nodegroups/gpu"))
        .respond_with(replay("nodegroups/get@1.14"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod/nodegroups/none"))
        .respond_with(magnum_error(404, "Nodegroup none could not be found."))
        .mount(&server)
        .await;
    let api = Api::<NodeGroup>::in_cluster(client(&server), "prod");
    let page = api
        .list(&ListParams::new().role(NodeGroupRole::Master))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3, "replayed list");
    let gpu = api.get("gpu").await.unwrap();
    assert_eq!(gpu.role, Some(NodeGroupRole::Worker));
    assert!(api.get("none").await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn create_with_labels_and_taints_sends_1_14() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/prod/nodegroups"))
        .and(header("OpenStack-API-Version", v("1.14").as_str()))
        .and(body_json(
            json!({"name": "gpu", "node_count": 1, "max_node_count": 3, "flavor_id": "g1.large",
            "node_labels": {"workload": "gpu"},
            "node_taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]}),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(body("nodegroups/get@1.14")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters/prod/nodegroups"))
        .and(header("OpenStack-API-Version", v("1.9").as_str()))
        .respond_with(magnum_error(
            409,
            "A node group with name gpu already exists in the cluster prod.",
        ))
        .mount(&server)
        .await;
    let api = Api::<NodeGroup>::in_cluster(client(&server), "prod");
    let body = NodeGroupCreate::new("gpu")
        .node_count(1u32)
        .max_node_count(3u32)
        .flavor_id("g1.large")
        .node_label("workload", "gpu")
        .taint(Taint::new(
            "gpu",
            Some("true".into()),
            TaintEffect::NoSchedule,
        ));
    let created = api.create(&body).await.unwrap();
    assert_eq!(created.name.as_deref(), Some("gpu"));
    let dup = api.create(&NodeGroupCreate::new("gpu")).await.unwrap_err();
    assert!(dup.is_conflict());
    assert!(dup.to_string().contains("already exists"));
}

#[tokio::test]
async fn update_and_delete() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/clusters/prod/nodegroups/gpu"))
        .and(header("OpenStack-API-Version", v("1.14").as_str()))
        .and(body_json(json!([
            {"op": "replace", "path": "/min_node_count", "value": 1},
            {"op": "remove", "path": "/max_node_count"},
            {"op": "replace", "path": "/node_labels", "value": "{'workload': 'gpu'}"}
        ])))
        .respond_with(ResponseTemplate::new(202).set_body_json(body("nodegroups/get@1.14")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/clusters/prod/nodegroups/small"))
        .respond_with(magnum_error(409, "max_node_count for small is invalid (min_node_count (2) should be less or equal to max_node_count (1))."))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clusters/prod/nodegroups/gpu"))
        .and(header("OpenStack-API-Version", v("1.9").as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clusters/prod/nodegroups/default-worker"))
        .respond_with(magnum_error(
            400,
            "Deleting a default nodegroup is not supported.",
        ))
        .mount(&server)
        .await;
    let api = Api::<NodeGroup>::in_cluster(client(&server), "prod");
    let update = NodeGroupUpdate::new()
        .set(NodeGroupChange::MinNodeCount(1))
        .set(NodeGroupChange::ClearMaxNodeCount)
        .set(NodeGroupChange::NodeLabels(
            [("workload".to_owned(), "gpu".to_owned())].into(),
        ));
    api.update("gpu", &update).await.unwrap();
    let bad = api
        .update(
            "small",
            &NodeGroupUpdate::new().set(NodeGroupChange::MaxNodeCount(1)),
        )
        .await
        .unwrap_err();
    assert!(bad.is_conflict());
    api.delete("gpu").await.unwrap();
    assert_eq!(
        api.delete("default-worker").await.unwrap_err().kind(),
        ErrorKind::BadRequest
    );
}

#[tokio::test]
async fn list_all_with_keeps_filters_on_every_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod/nodegroups"))
        .and(query_param("role", "worker"))
        .respond_with(replay("nodegroups/list@1.9"))
        .expect(1)
        .mount(&server)
        .await;
    let api = Api::<NodeGroup>::in_cluster(client(&server), "prod");
    let all = api
        .list_all_with(&ListParams::new().role(NodeGroupRole::Worker), false)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}
