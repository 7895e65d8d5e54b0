//! Transport behaviour: microversion discovery and selection (too-old clouds fail locally with
//! both versions named), pins, 406 parsing, retries only for idempotent calls with Retry-After,
//! one re-authentication on 401, non-JSON error bodies, decode errors, and secrets never
//! appearing in errors or Debug output.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use magnum_core::client::{Authorization, BoxFuture};
use magnum_core::request::ListParams;
use magnum_core::types::{Cluster, ClusterCreate, NodeGroup, NodeGroupCreate};
use magnum_core::{
    Api, AuthProvider, Client, ErrorKind, Microversion, RetryPolicy, StaticToken, VersionPin,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{body, client, magnum_error, replay, server, server_with_root, v};

fn root_with_max(max: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"versions": [{"id": "v1", "status": "CURRENT",
        "min_version": "1.1", "max_version": max, "links": []}]}))
}

async fn count(server: &MockServer, verb: &str, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .count()
}

#[tokio::test]
async fn discovery_runs_once_and_is_cached() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters"))
        .respond_with(replay("clusters/list"))
        .mount(&server)
        .await;
    let client = client(&server);
    let range = client.server_versions().await.unwrap().unwrap();
    assert_eq!(range.to_string(), "1.1..=1.14");
    let api: Api<Cluster> = Api::new(client);
    api.list(&ListParams::new()).await.unwrap();
    api.list(&ListParams::new()).await.unwrap();
    assert_eq!(count(&server, "GET", "/").await, 1);
}

#[tokio::test]
async fn a_cloud_too_old_fails_locally_naming_both_versions() {
    let server = server_with_root(root_with_max("1.12")).await;
    let api = Api::<NodeGroup>::in_cluster(client(&server), "prod");
    let err = api
        .create(&NodeGroupCreate::new("gpu").node_label("workload", "gpu"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MicroversionUnsupported);
    assert_eq!(
        err.to_string(),
        "create nodegroup needs Magnum API microversion 1.14, but this cloud supports only 1.1..=1.12"
    );
    assert_eq!(
        count(&server, "POST", "/v1/clusters/prod/nodegroups").await,
        0,
        "nothing was sent"
    );
}

#[tokio::test]
async fn pins_are_sent_verbatim_and_checked() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters"))
        .and(header("OpenStack-API-Version", v("1.13").as_str()))
        .respond_with(replay("clusters/list@1.13"))
        .expect(1)
        .mount(&server)
        .await;
    let pinned = Client::builder()
        .endpoint(server.uri())
        .auth(magnum_core::NoAuth::new("u", "p", ["reader"]))
        .microversion_from(Some("1.13"))
        .unwrap()
        .build()
        .unwrap();
    let clusters: Api<Cluster> = Api::new(pinned.clone());
    let page = clusters.list(&ListParams::new()).await.unwrap();
    assert!(page.items[0].cluster_id.is_some());
    let nodegroups = Api::<NodeGroup>::in_cluster(pinned, "x");
    let err = nodegroups
        .create(&NodeGroupCreate::new("gpu").node_label("a", "b"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("needs Magnum API microversion 1.14, but the client is pinned to 1.13"),
        "{err}"
    );
    let too_high = Client::builder()
        .endpoint(server.uri())
        .auth(magnum_core::NoAuth::new("u", "p", ["reader"]))
        .microversion(VersionPin::Exact(Microversion::new(1, 99)))
        .build()
        .unwrap();
    let err = Api::<Cluster>::new(too_high)
        .list(&ListParams::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("supports only 1.1..=1.14"),
        "{err}"
    );
    assert!(Client::builder().microversion_from(Some("one")).is_err());
}

#[tokio::test]
async fn latest_pin_sends_the_discovered_maximum() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters"))
        .and(header("OpenStack-API-Version", v("1.14").as_str()))
        .respond_with(replay("clusters/list@1.13"))
        .expect(1)
        .mount(&server)
        .await;
    let latest = Client::builder()
        .endpoint(server.uri())
        .auth(magnum_core::NoAuth::new("u", "p", ["reader"]))
        .microversion(VersionPin::Latest)
        .build()
        .unwrap();
    Api::<Cluster>::new(latest)
        .list(&ListParams::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn without_discovery_the_server_406_is_explained() {
    let server = server_with_root(ResponseTemplate::new(404)).await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod/nodegroups"))
        .respond_with(replay("errors/406-version-too-high"))
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(
        client.server_versions().await.unwrap(),
        None,
        "404 root = unknown range"
    );
    let err = Api::<NodeGroup>::in_cluster(client, "prod")
        .list(&ListParams::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MicroversionUnsupported);
    let api = err.api().unwrap();
    assert_eq!(api.server_versions.unwrap().to_string(), "1.1..=1.14");
    assert!(err.to_string().contains("sent microversion 1.9"), "{err}");
}

#[tokio::test]
async fn idempotent_calls_retry_on_503_and_honour_retry_after() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .respond_with(replay("clusters/get"))
        .with_priority(2)
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    api.get("prod").await.unwrap();
    assert_eq!(count(&server, "GET", "/v1/clusters/prod").await, 3);
}

#[tokio::test]
async fn retries_stop_at_the_policy_limit_and_500_is_not_retried() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/clusters/flaky"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/bug"))
        .respond_with(magnum_error(500, "Internal Server Error."))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = api.delete("flaky").await.unwrap_err();
    assert_eq!(
        count(&server, "DELETE", "/v1/clusters/flaky").await,
        3,
        "1 try + 2 retries"
    );
    assert_eq!(
        err.api().unwrap().body_excerpt.as_deref(),
        Some("<html>bad gateway</html>")
    );
    assert!(api.get("bug").await.is_err());
    assert_eq!(count(&server, "GET", "/v1/clusters/bug").await, 1);
}

#[tokio::test]
async fn posts_are_never_retried_even_on_429() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/clusters"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = api.create(&ClusterCreate::new("t")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(count(&server, "POST", "/v1/clusters").await, 1);
}

#[derive(Debug)]
struct RotatingToken {
    calls: AtomicUsize,
    refreshes: AtomicUsize,
}

impl AuthProvider for RotatingToken {
    fn authorize(&self, force_refresh: bool) -> BoxFuture<'_, magnum_core::Result<Authorization>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if force_refresh {
                self.refreshes.fetch_add(1, Ordering::SeqCst);
            }
            let token = if self.refreshes.load(Ordering::SeqCst) > 0 {
                "fresh"
            } else {
                "stale"
            };
            let mut headers = HeaderMap::new();
            headers.insert("x-auth-token", HeaderValue::from_static(token));
            Ok(Authorization::with_headers(headers))
        })
    }
}

#[tokio::test]
async fn a_401_triggers_exactly_one_reauthentication() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .and(header("x-auth-token", "fresh"))
        .respond_with(replay("clusters/get"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .and(header("x-auth-token", "stale"))
        .respond_with(magnum_error(401, "Authentication required"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/denied"))
        .respond_with(magnum_error(401, "Authentication required"))
        .mount(&server)
        .await;
    let provider = Arc::new(RotatingToken {
        calls: AtomicUsize::new(0),
        refreshes: AtomicUsize::new(0),
    });
    let client = Client::builder()
        .endpoint(server.uri())
        .auth_shared(provider.clone())
        .build()
        .unwrap();
    let api: Api<Cluster> = Api::new(client);
    api.get("prod").await.unwrap();
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
    let err = api.get("denied").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        count(&server, "GET", "/v1/clusters/denied").await,
        2,
        "one retry after re-auth, no loop"
    );
}

#[tokio::test]
async fn transport_failures_are_typed_and_tokens_never_leak() {
    // A port nothing listens on: connection refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let secret = "gAAAAA-very-secret-token-value";
    let client = Client::builder()
        .endpoint(format!("http://127.0.0.1:{port}/v1"))
        .auth(StaticToken::new(secret.to_owned()))
        .discovery(false)
        .retry(RetryPolicy::new(1, Duration::from_millis(1)))
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(secret));
    let err = Api::<Cluster>::new(client).get("prod").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    let mut chain = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        chain.push_str(&inner.to_string());
        source = inner.source();
    }
    assert!(!chain.contains(secret), "{chain}");
    assert!(err.to_string().contains("GET /v1/clusters/prod"));
}

#[tokio::test]
async fn malformed_bodies_name_the_json_path() {
    let server = server().await;
    let mut broken = body("clusters/get");
    broken["node_count"] = json!("three");
    Mock::given(method("GET"))
        .and(path("/v1/clusters/broken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(broken))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy login</html>"))
        .mount(&server)
        .await;
    let api: Api<Cluster> = Api::new(client(&server));
    let err = api.get("broken").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("node_count"), "{err}");
    assert_eq!(api.get("html").await.unwrap_err().kind(), ErrorKind::Decode);
}
