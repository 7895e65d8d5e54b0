//! Shared test support: fixture loading, a wiremock server with Magnum's versions document and a
//! catch-all that rejects unexpected requests, and a client pointed at it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use magnum_core::{Client, NoAuth, RetryPolicy};
use serde_json::Value;
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The repository's `fixtures/magnum/v1` directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/magnum/v1")
}

/// A recorded fixture (`{"status", "headers", "body", ...}`).
pub fn fixture(name: &str) -> Value {
    let file = fixtures_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_str(&text).unwrap()
}

/// The recorded body of a fixture.
pub fn body(name: &str) -> Value {
    fixture(name)["body"].clone()
}

/// A response replaying a recorded fixture: status, body, and the version headers.
pub fn replay(name: &str) -> ResponseTemplate {
    let recorded = fixture(name);
    let status = recorded["status"].as_u64().unwrap() as u16;
    let mut response =
        ResponseTemplate::new(status).insert_header("x-openstack-request-id", "req-fixture");
    if let Some(headers) = recorded["headers"].as_object() {
        for (key, value) in headers {
            if key.starts_with("openstack-api") {
                response = response.insert_header(key.as_str(), value.as_str().unwrap());
            }
        }
    }
    if !recorded["body"].is_null() {
        response = response.set_body_json(recorded["body"].clone());
    }
    response
}

/// A Magnum error body with one fault.
pub fn magnum_error(status: u16, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("x-openstack-request-id", "req-err")
        .set_body_json(serde_json::json!({"errors": [{
            "request_id": "", "code": "client", "status": status,
            "title": detail.trim_end_matches('.'), "detail": detail, "links": []
        }]}))
}

/// A mock server answering `GET /` with the recorded versions document (1.1..=1.14) and 599 to
/// anything no test mounted.
pub async fn server() -> MockServer {
    server_with_root(replay("versions/root")).await
}

/// Like [`server`] with a custom root answer.
pub async fn server_with_root(root: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(root)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

/// A client for `server` with admin identity headers and fast retries.
pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(format!("{}/v1", server.uri()))
        .auth(NoAuth::new("u1", "p1", ["admin", "member", "reader"]))
        .retry(RetryPolicy::new(2, std::time::Duration::from_millis(1)))
        .build()
        .unwrap()
}

/// The `OpenStack-API-Version` header value for `version`.
pub fn v(version: &str) -> String {
    format!("container-infra {version}")
}

pub const PASSWORD: &str = "Pw-planted-1a2b3c";
pub const TOKEN_PREFIX: &str = "gAAAA-planted-token";

pub fn token_body(expires_in: time::Duration, catalog: Value) -> Value {
    let expires = time::OffsetDateTime::now_utc() + expires_in;
    json!({"token": {
        "methods": ["password"],
        "user": {"id": "u1", "name": "alice", "domain": {"id": "default", "name": "Default"}},
        "project": {"id": "p1", "name": "k8s", "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "r1", "name": "member"}],
        "expires_at": magnum_core::keystone::identity::keystone_timestamp(expires),
        "issued_at": magnum_core::keystone::identity::keystone_timestamp(time::OffsetDateTime::now_utc()),
        "catalog": catalog,
    }})
}

/// Answers auth requests with tokens `<prefix>-1`, `<prefix>-2`, … valid for `lifetime`.
pub fn issuing(
    count: Arc<AtomicUsize>,
    lifetime: time::Duration,
    catalog: Value,
) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |_req: &Request| {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(201)
            .insert_header("x-subject-token", format!("{TOKEN_PREFIX}-{n}").as_str())
            .set_body_json(token_body(lifetime, catalog.clone()))
    }
}

/// A catalog entry with one public `RegionOne` endpoint.
pub fn public_endpoint(kind: &str, url: &str) -> Value {
    json!({"type": kind, "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": url}]})
}

/// A Keystone that issues tokens (`<prefix>-1`, …, valid an hour) carrying `catalog`.
pub async fn keystone_with(catalog: Value) -> MockServer {
    let keystone = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(issuing(
            Arc::new(AtomicUsize::new(0)),
            time::Duration::hours(1),
            catalog,
        ))
        .mount(&keystone)
        .await;
    keystone
}
