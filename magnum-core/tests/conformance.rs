//! Conformance of the client against a **real magnum-api 23.0.0** started on 127.0.0.1 by
//! `scripts/real-magnum/up.sh` (seeded by `seed.py`). `scripts/test.sh` starts it, exports
//! `MAGNUM_CONFORMANCE_URL` and runs these with `--include-ignored`; without the variable they
//! fail loudly instead of passing silently.
//!
//! Covered: version discovery and negotiation, 406 on a too-high pin, templates (list, detail,
//! by id, by name, ambiguous name, pagination, delete, referenced-delete), clusters (list,
//! detail, get, faults, 1.13 shape), nodegroups, certificates (404 path), quotas, stats,
//! mservices, federations, policy 403, raw-request error parsing, and waiters on real statuses.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use futures_util::TryStreamExt;
use http::Method;
use magnum_core::request::{ApiRequest, ListParams};
use magnum_core::types::{
    Cluster, ClusterStatus, ClusterTemplate, Federation, NodeGroup, NodeGroupRole, Quota,
};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Client, Error, ErrorKind, Microversion, NoAuth, QuotaKey, VersionPin};

const CT_MAIN: &str = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a01";
const CL_READY: &str = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01";
const CL_FAILED: &str = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b02";

fn url() -> String {
    std::env::var("MAGNUM_CONFORMANCE_URL").expect(
        "MAGNUM_CONFORMANCE_URL is not set: run scripts/test.sh, which starts a real magnum-api",
    )
}

fn client_with(roles: &[&str]) -> Client {
    Client::builder()
        .endpoint(format!("{}/v1", url()))
        .auth(NoAuth::new("u1", "p1", roles.iter().copied()))
        .build()
        .unwrap()
}

fn admin() -> Client {
    client_with(&["admin", "member", "reader"])
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn discovers_the_real_version_range() {
    let range = admin().server_versions().await.unwrap().unwrap();
    assert_eq!(range.min, Microversion::V1_1);
    assert_eq!(range.max, Microversion::V1_14);
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn a_too_high_pin_gets_the_servers_406() {
    let client = Client::builder()
        .endpoint(url())
        .auth(NoAuth::new("u1", "p1", ["reader"]))
        .microversion(VersionPin::Exact(Microversion::new(1, 99)))
        .discovery(false)
        .build()
        .unwrap();
    let err = Api::<ClusterTemplate>::new(client)
        .list(&ListParams::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MicroversionUnsupported);
    let api = err.api().unwrap();
    assert_eq!(api.status, 406);
    assert_eq!(api.server_versions.unwrap().to_string(), "1.1..=1.14");
    assert!(api.request_id.as_deref().unwrap().starts_with("req-"));
    assert!(
        err.to_string()
            .contains("sent microversion 1.99, server supports 1.1..=1.14"),
        "{err}"
    );
    // With discovery on, the same pin is refused before anything is sent.
    let local = Client::builder()
        .endpoint(url())
        .auth(NoAuth::new("u1", "p1", ["reader"]))
        .microversion(VersionPin::Exact(Microversion::new(1, 99)))
        .build()
        .unwrap();
    let err = Api::<ClusterTemplate>::new(local)
        .list(&ListParams::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Microversion(_)), "{err:?}");
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn the_lowest_version_keeps_stack_id_and_1_13_switches_to_cluster_id() {
    let low = Api::<Cluster>::new(admin()).get(CL_READY).await.unwrap();
    assert!(low.stack_id.is_some() && low.cluster_id.is_none());
    let pinned = Client::builder()
        .endpoint(url())
        .auth(NoAuth::new("u1", "p1", ["reader"]))
        .microversion(VersionPin::Exact(Microversion::V1_13))
        .build()
        .unwrap();
    let high = Api::<Cluster>::new(pinned).get(CL_READY).await.unwrap();
    assert!(high.cluster_id.is_some() && high.stack_id.is_none());
    assert_eq!(low.orchestration_id(), high.orchestration_id());
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn templates_list_get_detail_and_paginate() {
    let api: Api<ClusterTemplate> = Api::new(admin());
    let all = api.list_all().await.unwrap();
    assert!(all.len() >= 5, "seeded templates: {}", all.len());
    assert!(
        all.iter()
            .any(|t| t.name.as_deref() == Some("k8s-public-p2")),
        "public template of p2 visible"
    );
    let paged: Vec<ClusterTemplate> = api
        .stream(ListParams::new().limit(2))
        .try_collect()
        .await
        .unwrap();
    // `k8s-delete-me` may be deleted concurrently by another test: compare the rest.
    let stable = |t: &&ClusterTemplate| t.name.as_deref() != Some("k8s-delete-me");
    let mut a: Vec<_> = all.iter().filter(stable).map(|t| t.uuid.clone()).collect();
    let mut b: Vec<_> = paged
        .iter()
        .filter(stable)
        .map(|t| t.uuid.clone())
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "2-item pages cover the same templates");
    let page = api.list(&ListParams::new().limit(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next_marker.is_some());
    let by_id = api.get(CT_MAIN).await.unwrap();
    let by_name = api.get("k8s-seeded").await.unwrap();
    assert_eq!(by_id, by_name);
    assert_eq!(by_id.labels.unwrap()["kube_tag"], "v1.30.1");
    assert_eq!(by_id.driver.as_deref(), Some("k8s_capi_helm_v1"));
    let detail = api.list_detail(&ListParams::new()).await.unwrap();
    assert_eq!(detail.items.iter().filter(stable).count(), a.len());
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn template_lookup_errors_are_typed() {
    let api: Api<ClusterTemplate> = Api::new(admin());
    let ambiguous = api.get("k8s-dup").await.unwrap_err();
    assert!(ambiguous.is_conflict());
    assert!(
        ambiguous
            .to_string()
            .contains("Multiple ClusterTemplates exist with same name"),
        "{ambiguous}"
    );
    let missing = api.get("no-such-template").await.unwrap_err();
    assert!(missing.is_not_found());
    assert!(missing.request_id().unwrap().starts_with("req-"));
    assert!(api.get_opt("no-such-template").await.unwrap().is_none());
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn template_delete_is_204_and_referenced_templates_are_refused() {
    let api: Api<ClusterTemplate> = Api::new(admin());
    api.delete("k8s-delete-me").await.unwrap();
    assert!(api.get("k8s-delete-me").await.unwrap_err().is_not_found());
    assert!(
        api.delete("k8s-delete-me")
            .await
            .unwrap_err()
            .is_not_found()
    );
    let referenced = api.delete(CT_MAIN).await.unwrap_err();
    assert_eq!(referenced.kind(), ErrorKind::BadRequest);
    assert!(
        referenced
            .to_string()
            .contains("is referenced by one or multiple clusters")
    );
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn clusters_list_detail_get_and_faults() {
    let api: Api<Cluster> = Api::new(admin());
    let list = api.list(&ListParams::new()).await.unwrap();
    assert_eq!(list.items.len(), 3, "k8s-ready, k8s-failed, k8s-plain");
    let detail = api.list_detail(&ListParams::new()).await.unwrap();
    assert!(detail.items.iter().all(|c| c.api_address.is_some()));
    let ready = api.get("k8s-ready").await.unwrap();
    assert_eq!(ready.status, Some(ClusterStatus::CreateComplete));
    assert_eq!(ready.node_count, Some(3), "2 default workers + 1 gpu");
    let failed = api.get(CL_FAILED).await.unwrap();
    assert!(failed.faults.unwrap()["default-master"].contains("WaitConditionFailure"));
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn nodegroups_list_filter_and_get() {
    let api = Api::<NodeGroup>::in_cluster(admin(), "k8s-ready");
    let all = api.list_all().await.unwrap();
    assert_eq!(all.len(), 3);
    let masters = api
        .list(&ListParams::new().role(NodeGroupRole::Master))
        .await
        .unwrap();
    assert_eq!(masters.items.len(), 1);
    let gpu = api.get("gpu").await.unwrap();
    assert_eq!(gpu.node_labels.unwrap()["workload"], "gpu");
    assert_eq!(gpu.node_taints.unwrap()[0].key, "gpu");
    assert!(api.get("missing").await.unwrap_err().is_not_found());
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn certificates_of_an_unknown_cluster_are_404() {
    let api: Api<Cluster> = Api::new(admin());
    let err = api
        .ca_certificate("no-such-cluster", None)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(
        err.to_string()
            .contains("Cluster no-such-cluster could not be found")
    );
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn quotas_stats_services_and_federations() {
    let client = admin();
    let quotas: Api<Quota> = Api::new(client.clone());
    let own = quotas.get(QuotaKey::clusters("p1")).await.unwrap();
    assert_eq!(own.hard_limit, 7);
    let default = quotas.get(QuotaKey::clusters("p-none")).await.unwrap();
    assert_eq!((default.id, default.hard_limit), (None, 20));
    assert!(
        !quotas
            .list(&ListParams::new())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    quotas
        .delete(QuotaKey::clusters("p-delete-me"))
        .await
        .unwrap();
    assert!(
        quotas
            .delete(QuotaKey::clusters("p-delete-me"))
            .await
            .unwrap_err()
            .is_not_found()
    );
    let stats = client.stats(None).await.unwrap();
    assert_eq!((stats.clusters, stats.nodes), (3, Some(10)));
    let services = client.mservices().await.unwrap();
    assert_eq!(services[0].host.as_deref(), Some("conductor-1"));
    let federations: Api<Federation> = Api::new(client);
    let fed = federations.get("fed-one").await.unwrap();
    assert_eq!(fed.member_ids.unwrap(), vec![CL_READY.to_owned()]);
    assert_eq!(federations.list_all().await.unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn policy_refuses_a_reader_less_role() {
    let member_only = client_with(&["member"]);
    let err = Api::<ClusterTemplate>::new(member_only)
        .list_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(
        err.to_string()
            .contains("Policy doesn't allow clustertemplate:get_all"),
        "{err}"
    );
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn raw_requests_parse_magnums_error_body() {
    let request = ApiRequest::new(
        Method::GET,
        vec!["stats".into()],
        Microversion::V1_4,
        "get stats",
    )
    .with_query("type", "pods");
    let err = admin().send(&request).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 400);
    assert_eq!(api.faults[0].code.as_deref(), Some("client"));
    assert_eq!(
        api.message(),
        Some("Invalid stats type. Allowed values are 'cluster'")
    );
    let ok = admin()
        .send(&magnum_core::request::mservices())
        .await
        .unwrap();
    assert_eq!(ok.microversion, Some(Microversion::V1_1));
    assert_eq!(ok.server_versions.unwrap().max, Microversion::V1_14);
}

#[tokio::test]
#[ignore = "needs a real magnum-api: scripts/test.sh"]
async fn waiters_read_real_statuses() {
    let api: Api<Cluster> = Api::new(admin());
    let options = WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(50));
    let ready = wait::cluster_ready(&api, "k8s-ready", &options)
        .await
        .unwrap();
    assert_eq!(ready.uuid.as_str(), CL_READY);
    let err = wait::cluster_ready(&api, "k8s-failed", &options)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceFailed);
    assert!(
        err.to_string().contains("nodegroup default-worker"),
        "{err}"
    );
    wait::cluster_deleted(&api, "never-existed", &options)
        .await
        .unwrap();
}
