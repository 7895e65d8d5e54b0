//! Waiters against a scripted server: progress through statuses, failure with status_reason and
//! faults, timeout keeping the last object, deletion via 404, and the progress callback firing
//! once per observed transition.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use magnum_core::types::{Cluster, ClusterStatus, NodeGroup};
use magnum_core::wait::{self, WaitOptions};
use magnum_core::{Api, Error, ErrorKind};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{body, client, magnum_error, server};

fn cluster_with(status: &str, updated_at: &str) -> Value {
    let mut cluster = body("clusters/get");
    cluster["status"] = json!(status);
    cluster["updated_at"] = json!(updated_at);
    cluster
}

/// Answers `responses` in order for `GET p`, then keeps answering the last one.
async fn script(server: &MockServer, p: &str, responses: Vec<ResponseTemplate>) {
    let last = responses.len() - 1;
    for (i, response) in responses.into_iter().enumerate() {
        let mock = Mock::given(method("GET"))
            .and(path(p))
            .respond_with(response);
        let mock = if i == last {
            mock.with_priority(100)
        } else {
            mock.up_to_n_times(1).with_priority(1 + i as u8)
        };
        mock.mount(server).await;
    }
}

fn fast(timeout: Duration) -> WaitOptions {
    WaitOptions::new(timeout).interval(Duration::from_millis(5))
}

#[tokio::test]
async fn ready_reports_each_transition_once() {
    let server = server().await;
    let p = "/v1/clusters/prod";
    script(
        &server,
        p,
        vec![
            ResponseTemplate::new(200).set_body_json(cluster_with("CREATE_IN_PROGRESS", "t1")),
            ResponseTemplate::new(200).set_body_json(cluster_with("CREATE_IN_PROGRESS", "t1")),
            ResponseTemplate::new(200).set_body_json(cluster_with("CREATE_IN_PROGRESS", "t2")),
            ResponseTemplate::new(200).set_body_json(cluster_with("CREATE_COMPLETE", "t3")),
        ],
    )
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let options = fast(Duration::from_secs(10)).on_progress(move |p| {
        record.lock().unwrap().push((
            p.previous.clone(),
            p.status.clone(),
            p.updated_at.as_ref().map(|t| t.as_str().to_owned()),
        ));
    });
    let api: Api<Cluster> = Api::new(client(&server));
    let ready = wait::cluster_ready(&api, "prod", &options).await.unwrap();
    assert_eq!(ready.status, Some(ClusterStatus::CreateComplete));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        seen[0],
        (
            None,
            Some(ClusterStatus::CreateInProgress),
            Some("t1".into())
        )
    );
    assert_eq!(seen[2].1, Some(ClusterStatus::CreateComplete));
}

#[tokio::test]
async fn failure_carries_status_reason_faults_and_last_object() {
    let server = server().await;
    let mut failed = body("clusters/get-failed");
    failed["uuid"] = json!("prod");
    script(
        &server,
        "/v1/clusters/prod",
        vec![
            ResponseTemplate::new(200).set_body_json(cluster_with("CREATE_IN_PROGRESS", "t1")),
            ResponseTemplate::new(200).set_body_json(failed),
        ],
    )
    .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = wait::cluster_ready(&api, "prod", &fast(Duration::from_secs(10)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceFailed);
    match &err.error {
        Error::ResourceFailed(failed) => {
            assert_eq!(failed.status, ClusterStatus::CreateFailed);
            assert!(
                failed
                    .status_reason
                    .as_deref()
                    .unwrap()
                    .contains("WaitConditionFailure")
            );
            assert!(failed.faults.contains_key("default-worker"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("nodegroup default-worker: Resource CREATE failed: WaitConditionTimeout"),
        "{err}"
    );
    assert_eq!(
        err.last.as_ref().unwrap().status,
        Some(ClusterStatus::CreateFailed)
    );
}

#[tokio::test]
async fn rollback_complete_is_a_failure() {
    let server = server().await;
    script(
        &server,
        "/v1/clusters/prod",
        vec![ResponseTemplate::new(200).set_body_json(cluster_with("ROLLBACK_COMPLETE", "t1"))],
    )
    .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = wait::cluster_ready(&api, "prod", &fast(Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceFailed);
}

#[tokio::test]
async fn timeout_keeps_the_last_object() {
    let server = server().await;
    script(
        &server,
        "/v1/clusters/slow",
        vec![ResponseTemplate::new(200).set_body_json(cluster_with("UPDATE_IN_PROGRESS", "t1"))],
    )
    .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let started = std::time::Instant::now();
    let err = wait::cluster_ready(&api, "slow", &fast(Duration::from_millis(60)))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::WaitTimeout);
    assert!(
        err.to_string().contains("last status UPDATE_IN_PROGRESS"),
        "{err}"
    );
    assert_eq!(
        err.last.unwrap().status,
        Some(ClusterStatus::UpdateInProgress)
    );
}

#[tokio::test]
async fn deletion_completes_on_404_and_fails_on_delete_failed() {
    let server = server().await;
    script(
        &server,
        "/v1/clusters/going",
        vec![
            ResponseTemplate::new(200).set_body_json(cluster_with("DELETE_IN_PROGRESS", "t1")),
            magnum_error(404, "Cluster going could not be found."),
        ],
    )
    .await;
    script(
        &server,
        "/v1/clusters/stuck",
        vec![ResponseTemplate::new(200).set_body_json(cluster_with("DELETE_FAILED", "t1"))],
    )
    .await;
    let api: Api<Cluster> = Api::new(client(&server));
    wait::cluster_deleted(&api, "going", &fast(Duration::from_secs(10)))
        .await
        .unwrap();
    let err = wait::cluster_deleted(&api, "stuck", &fast(Duration::from_secs(10)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceFailed);
}

#[tokio::test]
async fn api_errors_stop_the_wait() {
    let server = server().await;
    script(
        &server,
        "/v1/clusters/forbidden",
        vec![magnum_error(
            403,
            "Policy doesn't allow cluster:get to be performed.",
        )],
    )
    .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = wait::cluster_ready(&api, "forbidden", &fast(Duration::from_secs(10)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(err.last.is_none());
}

#[tokio::test]
async fn nodegroups_wait_too() {
    let server = server().await;
    let mut ng = body("nodegroups/get@1.14");
    ng["status"] = json!("UPDATE_IN_PROGRESS");
    let mut done = ng.clone();
    done["status"] = json!("UPDATE_COMPLETE");
    script(
        &server,
        "/v1/clusters/prod/nodegroups/gpu",
        vec![
            ResponseTemplate::new(200).set_body_json(ng),
            ResponseTemplate::new(200).set_body_json(done),
        ],
    )
    .await;
    let api = Api::<NodeGroup>::in_cluster(client(&server), "prod");
    let ready = wait::nodegroup_ready(&api, "gpu", &fast(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(ready.status, Some(ClusterStatus::UpdateComplete));
}

/// Every future the SDK returns can be spawned on a multi-threaded runtime.
#[test]
fn public_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = magnum_core::Client::builder()
        .endpoint("http://127.0.0.1:9/v1")
        .auth(magnum_core::NoAuth::new("u", "p", ["reader"]))
        .build()
        .unwrap();
    let clusters: Api<Cluster> = Api::new(client.clone());
    let nodegroups = Api::<NodeGroup>::in_cluster(client.clone(), "c");
    let options = WaitOptions::new(Duration::from_secs(1));
    assert_send(&clusters.get("c"));
    assert_send(&clusters.list_all());
    assert_send(&clusters.stream(Default::default()));
    assert_send(&clusters.resize("c", &magnum_core::types::ResizeRequest::new(1)));
    assert_send(&client.stats(None));
    assert_send(&wait::cluster_ready(&clusters, "c", &options));
    assert_send(&wait::cluster_deleted(&clusters, "c", &options));
    assert_send(&wait::nodegroup_ready(&nodegroups, "n", &options));
}
