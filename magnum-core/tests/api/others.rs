//! Quotas (≥ 1.6), stats (≥ 1.4), Magnum services and federations: request shapes and errors.

use magnum_core::request::ListParams;
use magnum_core::types::{Federation, FederationCreate, FederationUpdate, Quota, QuotaSpec};
use magnum_core::{Api, ErrorKind, QuotaKey};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{client, magnum_error, replay, server, v};

#[tokio::test]
async fn quotas_crud_uses_project_and_resource_paths() {
    let server = server().await;
    let h = v("1.6");
    Mock::given(method("POST"))
        .and(path("/v1/quotas"))
        .and(header("OpenStack-API-Version", h.as_str()))
        .and(body_json(
            json!({"project_id": "p3", "resource": "Cluster", "hard_limit": 5}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": 9, "project_id": "p3", "resource": "Cluster", "hard_limit": 5}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/quotas"))
        .and(query_param("all_tenants", "True"))
        .respond_with(replay("quotas/list@1.6"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/quotas/p2/Cluster"))
        .respond_with(replay("quotas/get-default@1.6"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/quotas/p1/Cluster"))
        .and(body_json(
            json!({"project_id": "p1", "resource": "Cluster", "hard_limit": 8}),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(
            json!({"id": 1, "project_id": "p1", "resource": "Cluster", "hard_limit": 8}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/quotas/p-delete-me/Cluster"))
        .respond_with(replay("quotas/delete@1.6"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/quotas"))
        .and(body_json(
            json!({"project_id": "p1", "resource": "Cluster", "hard_limit": 1}),
        ))
        .respond_with(magnum_error(
            409,
            "Quota for project p1 already exists for resource Cluster.",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let api: Api<Quota> = Api::new(client(&server));
    assert_eq!(
        api.create(&QuotaSpec::clusters("p3", 5))
            .await
            .unwrap()
            .hard_limit,
        5
    );
    assert_eq!(
        api.list(&ListParams::new().all_tenants(true))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let default = api.get(QuotaKey::clusters("p2")).await.unwrap();
    assert_eq!((default.id, default.hard_limit), (None, 20));
    assert_eq!(
        api.update(QuotaKey::clusters("p1"), &QuotaSpec::clusters("p1", 8))
            .await
            .unwrap()
            .hard_limit,
        8
    );
    api.delete(QuotaKey::clusters("p-delete-me")).await.unwrap();
    assert!(
        api.create(&QuotaSpec::clusters("p1", 1))
            .await
            .unwrap_err()
            .is_conflict()
    );
}

#[tokio::test]
async fn stats_and_mservices() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/stats"))
        .and(query_param("type", "cluster"))
        .and(header("OpenStack-API-Version", v("1.4").as_str()))
        .respond_with(replay("stats/get@1.4"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/stats"))
        .and(query_param("project_id", "other"))
        .respond_with(magnum_error(
            403,
            "Policy doesn't allow cluster:get_all_all_projects to be performed.",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/mservices"))
        .and(header("OpenStack-API-Version", v("1.1").as_str()))
        .respond_with(replay("mservices/list"))
        .mount(&server)
        .await;
    let client = client(&server);
    let stats = client.stats(None).await.unwrap();
    assert_eq!((stats.clusters, stats.nodes), (2, Some(7)));
    assert_eq!(
        client.stats(Some("other")).await.unwrap_err().kind(),
        ErrorKind::Forbidden
    );
    let services = client.mservices().await.unwrap();
    assert_eq!(services[0].binary.as_deref(), Some("magnum-conductor"));
}

#[tokio::test]
async fn mservices_need_admin() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/mservices"))
        .respond_with(magnum_error(
            403,
            "Policy doesn't allow magnum-service:get_all to be performed.",
        ))
        .mount(&server)
        .await;
    let err = client(&server).mservices().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
}

#[tokio::test]
async fn federations_create_join_delete() {
    let server = server().await;
    Mock::given(method("POST")).and(path("/v1/federations"))
        .and(body_json(json!({"name": "fed", "hostcluster_id": "host", "properties": {"dns-zone": "example.com."}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"uuid": "f1"})))
        .expect(1).mount(&server).await;
    Mock::given(method("PATCH")).and(path("/v1/federations/fed"))
        .and(body_json(json!([{"op": "add", "path": "/member_ids", "value": "c2"}, {"op": "remove", "path": "/member_ids", "value": "c1"}])))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"uuid": "f1"})))
        .expect(1).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/federations/fed-one"))
        .respond_with(replay("federations/get"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/federations/fed"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/federations"))
        .and(body_json(
            json!({"hostcluster_id": "nope", "properties": {"dns-zone": "x."}}),
        ))
        .respond_with(magnum_error(400, "Cluster nope could not be found."))
        .with_priority(1)
        .mount(&server)
        .await;
    let api: Api<Federation> = Api::new(client(&server));
    assert_eq!(
        api.create(&FederationCreate::new("host", "example.com.").name("fed"))
            .await
            .unwrap()
            .uuid,
        "f1"
    );
    api.update("fed", &FederationUpdate::new().join("c2").unjoin("c1"))
        .await
        .unwrap();
    let fed = api.get("fed-one").await.unwrap();
    assert_eq!(fed.properties.unwrap()["dns-zone"], "example.com.");
    api.delete("fed").await.unwrap();
    assert_eq!(
        api.create(&FederationCreate::new("nope", "x."))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::BadRequest
    );
}

/// Operations whose happy path is tested elsewhere get their error path here: each one is sent
/// to an endpoint answering Magnum's error for it, and must surface the right kind and message.
#[tokio::test]
async fn every_remaining_operation_has_an_error_path() {
    use futures_util::TryStreamExt;
    use magnum_core::types::{Cluster, ClusterTemplate, NodeGroup};

    let server = server().await;
    let routes: [(&str, &str, u16, &str); 9] = [
        (
            "GET",
            "/v1/quotas/p9/Cluster",
            403,
            "Policy doesn't allow quota:get to be performed.",
        ),
        (
            "PATCH",
            "/v1/quotas/p9/Cluster",
            404,
            "Quota could not be found: Cluster for project p9.",
        ),
        (
            "DELETE",
            "/v1/quotas/p9/Cluster",
            404,
            "Quota could not be found: Cluster for project p9.",
        ),
        (
            "GET",
            "/v1/federations/gone",
            404,
            "Federation gone could not be found.",
        ),
        (
            "PATCH",
            "/v1/federations/gone",
            404,
            "Federation gone could not be found.",
        ),
        (
            "DELETE",
            "/v1/federations/gone",
            404,
            "Federation gone could not be found.",
        ),
        (
            "GET",
            "/v1/clusters/gone/nodegroups",
            404,
            "Cluster gone could not be found.",
        ),
        (
            "GET",
            "/v1/clusters",
            403,
            "Policy doesn't allow cluster:get_all to be performed.",
        ),
        (
            "GET",
            "/v1/clustertemplates/detail",
            403,
            "Policy doesn't allow clustertemplate:detail to be performed.",
        ),
    ];
    for (verb, p, status, detail) in routes {
        Mock::given(method(verb))
            .and(path(p))
            .respond_with(magnum_error(status, detail))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let quotas: Api<Quota> = Api::new(client.clone());
    let federations: Api<Federation> = Api::new(client.clone());
    let clusters: Api<Cluster> = Api::new(client.clone());
    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    let nodegroups = Api::<NodeGroup>::in_cluster(client, "gone");

    let results: Vec<(&str, magnum_core::Error)> = vec![
        (
            "quota get",
            quotas.get(QuotaKey::clusters("p9")).await.unwrap_err(),
        ),
        (
            "quota update",
            quotas
                .update(QuotaKey::clusters("p9"), &QuotaSpec::clusters("p9", 2))
                .await
                .unwrap_err(),
        ),
        (
            "quota delete",
            quotas.delete(QuotaKey::clusters("p9")).await.unwrap_err(),
        ),
        ("federation get", federations.get("gone").await.unwrap_err()),
        (
            "federation update",
            federations
                .update("gone", &FederationUpdate::new().join("c"))
                .await
                .unwrap_err(),
        ),
        (
            "federation delete",
            federations.delete("gone").await.unwrap_err(),
        ),
        ("nodegroup list", nodegroups.list_all().await.unwrap_err()),
        ("cluster list", clusters.list_all().await.unwrap_err()),
        (
            "cluster stream",
            clusters
                .stream(ListParams::new().limit(10))
                .try_collect::<Vec<_>>()
                .await
                .unwrap_err(),
        ),
        (
            "template detail",
            templates.list_detail(&ListParams::new()).await.unwrap_err(),
        ),
    ];
    for (operation, err) in results {
        let expected = match operation {
            "quota get" | "cluster list" | "cluster stream" | "template detail" => {
                ErrorKind::Forbidden
            }
            _ => ErrorKind::NotFound,
        };
        assert_eq!(err.kind(), expected, "{operation}: {err}");
        assert_eq!(err.request_id(), Some("req-err"), "{operation}");
        assert!(
            err.api().unwrap().message().is_some(),
            "{operation}: Magnum's message kept"
        );
    }
    let empty = federations
        .update("fed", &FederationUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(
        empty.kind(),
        ErrorKind::InvalidInput,
        "an empty patch never leaves"
    );
}
