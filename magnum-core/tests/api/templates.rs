//! Cluster templates: create, get (id and name), list with pagination, list_all, stream,
//! update (typed JSON patch), delete — each with an error path.

use futures_util::TryStreamExt;
use magnum_core::request::ListParams;
use magnum_core::types::{
    ClusterTemplate, ClusterTemplateChange, ClusterTemplateCreate, ClusterTemplateRemovable,
    ClusterTemplateUpdate, Coe, ServerType,
};
use magnum_core::{Api, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{body, client, magnum_error, replay, server, v};

#[tokio::test]
async fn create_sends_only_the_fields_set() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clustertemplates"))
        .and(header("OpenStack-API-Version", v("1.1").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "image_id": "fedora-coreos-40", "coe": "kubernetes", "name": "k8s",
            "flavor_id": "m1.small", "server_type": "vm", "master_lb_enabled": true,
            "labels": {"kube_tag": "v1.30.1"}, "docker_volume_size": 10
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(body("clustertemplates/get")))
        .expect(1)
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let created = api
        .create(
            &ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
                .name("k8s")
                .flavor_id("m1.small")
                .server_type(ServerType::Vm)
                .master_lb_enabled(true)
                .docker_volume_size(10u32)
                .label("kube_tag", "v1.30.1"),
        )
        .await
        .unwrap();
    assert_eq!(created.name.as_deref(), Some("k8s-seeded"));
}

#[tokio::test]
async fn create_reports_magnums_validation_message() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clustertemplates"))
        .respond_with(magnum_error(
            400,
            "Image fedora doesn't contain os_distro field.",
        ))
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let err = api
        .create(&ClusterTemplateCreate::new("fedora", Coe::Kubernetes))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.request_id(), Some("req-err"));
    assert!(
        err.to_string().contains("doesn't contain os_distro field"),
        "{err}"
    );
}

#[tokio::test]
async fn get_by_name_and_ambiguous_names() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates/k8s-seeded"))
        .respond_with(replay("clustertemplates/get-by-name"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates/k8s-dup"))
        .respond_with(replay("errors/409-ambiguous-name"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates/nope"))
        .respond_with(replay("errors/404-clustertemplate"))
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let found = api.get("k8s-seeded").await.unwrap();
    assert_eq!(found.uuid.as_str(), "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a01");
    let ambiguous = api.get("k8s-dup").await.unwrap_err();
    assert!(ambiguous.is_conflict(), "{ambiguous}");
    assert!(api.get("nope").await.unwrap_err().is_not_found());
    assert!(api.get_opt("nope").await.unwrap().is_none());
    assert!(
        api.get_opt("k8s-dup").await.is_err(),
        "get_opt only swallows 404"
    );
}

#[tokio::test]
async fn pagination_follows_next_markers() {
    let server = server().await;
    let all = body("clustertemplates/list")["clustertemplates"]
        .as_array()
        .unwrap()
        .clone();
    let first_page = json!({"clustertemplates": all[..2], "next": format!("{}/v1/clustertemplates?limit=2&marker={}", server.uri(), all[1]["uuid"].as_str().unwrap())});
    let second_page = json!({"clustertemplates": all[2..]});
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates"))
        .and(query_param("limit", "2"))
        .and(query_param("marker", all[1]["uuid"].as_str().unwrap()))
        .respond_with(ResponseTemplate::new(200).set_body_json(second_page))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first_page))
        .with_priority(2)
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let page = api.list(&ListParams::new().limit(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_marker.as_deref(), all[1]["uuid"].as_str());
    let streamed: Vec<ClusterTemplate> = api
        .stream(ListParams::new().limit(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), all.len());
    let names: Vec<_> = streamed
        .iter()
        .map(|t| t.uuid.as_str().to_owned())
        .collect();
    let expected: Vec<_> = all
        .iter()
        .map(|t| t["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn list_all_and_detail() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates"))
        .respond_with(replay("clustertemplates/list"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates/detail"))
        .respond_with(replay("clustertemplates/detail"))
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    assert_eq!(api.list_all().await.unwrap().len(), 6);
    assert_eq!(
        api.list_detail(&ListParams::new())
            .await
            .unwrap()
            .items
            .len(),
        6
    );
}

#[tokio::test]
async fn list_errors_are_typed_and_bad_limits_never_leave() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clustertemplates"))
        .respond_with(replay("errors/403-member-only"))
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let err = api.list(&ListParams::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(err.to_string().contains("clustertemplate:get_all"), "{err}");
    let local = api.list(&ListParams::new().limit(0)).await.unwrap_err();
    assert_eq!(local.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn update_sends_typed_json_patch() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/clustertemplates/k8s-seeded"))
        .and(header("OpenStack-API-Version", v("1.1").as_str()))
        .and(body_json(json!([
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/public", "value": "True"},
            {"op": "replace", "path": "/docker_volume_size", "value": 20},
            {"op": "replace", "path": "/labels", "value": "{'kube_tag': 'v1.31.0', 'note': \"it's\"}"},
            {"op": "remove", "path": "/keypair_id"}
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(body("clustertemplates/get")))
        .expect(1)
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let labels = [("kube_tag", "v1.31.0"), ("note", "it's")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    api.update(
        "k8s-seeded",
        &ClusterTemplateUpdate::new()
            .set(ClusterTemplateChange::Name("renamed".into()))
            .set(ClusterTemplateChange::Public(true))
            .set(ClusterTemplateChange::DockerVolumeSize(20))
            .set(ClusterTemplateChange::Labels(labels))
            .remove(ClusterTemplateRemovable::KeypairId),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_of_a_referenced_template_is_refused() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/clustertemplates/k8s-seeded"))
        .respond_with(magnum_error(
            400,
            "ClusterTemplate k8s-seeded is referenced by one or multiple clusters.",
        ))
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    let update =
        ClusterTemplateUpdate::new().set(ClusterTemplateChange::NetworkDriver("flannel".into()));
    let err = api.update("k8s-seeded", &update).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("is referenced by one or multiple clusters")
    );
    let empty = api
        .update("k8s-seeded", &ClusterTemplateUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method.as_str() == "PATCH")
            .count(),
        1
    );
}

#[tokio::test]
async fn delete_answers_204_and_referenced_templates_400() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clustertemplates/k8s-delete-me"))
        .respond_with(replay("clustertemplates/delete"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clustertemplates/k8s-seeded"))
        .respond_with(replay("errors/400-delete-referenced-template"))
        .mount(&server)
        .await;
    let api: Api<ClusterTemplate> = Api::new(client(&server));
    api.delete("k8s-delete-me").await.unwrap();
    let err = api.delete("k8s-seeded").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert!(err.to_string().contains("referenced"), "{err}");
}
