//! Keystone faults no real server produces on demand: 5xx (retried), slow answers (timeouts),
//! malformed bodies, a missing X-Subject-Token, a token expiring mid-run, Magnum's 401 making
//! the session re-authenticate, and the catalog supplying Magnum's endpoint. (The no-secrets
//! check at TRACE lives in `tests/secrets.rs`, its own process.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use magnum_core::config::{AuthMethod, DomainRef, ProjectRef, Scope, UserRef};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::Cluster;
use magnum_core::{Api, Client, ErrorKind};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{PASSWORD, TOKEN_PREFIX, issuing, replay, token_body};

fn alice() -> AuthMethod {
    AuthMethod::Password {
        user: UserRef::Name {
            name: "alice".into(),
            domain: DomainRef::Name("Default".into()),
        },
        password: SecretString::from(PASSWORD.to_owned()),
    }
}

/// A session with a timeout generous enough for a loaded CI machine (the wiremock Keystone
/// answers in microseconds; only `slow_keystone_times_out` wants a short one).
fn session_for(server: &MockServer) -> KeystoneSession {
    session_with_timeout(server, Duration::from_secs(30))
}

fn session_with_timeout(server: &MockServer, timeout: Duration) -> KeystoneSession {
    KeystoneSession::builder(format!("{}/v3", server.uri()), alice())
        .scope(Scope::Project(ProjectRef::Id("p1".into())))
        .timeout(timeout)
        .build()
        .unwrap()
}

async fn auth_calls(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v3/auth/tokens")
        .count()
}

#[tokio::test]
async fn keystone_5xx_is_retried_then_reported() {
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(issuing(count.clone(), time::Duration::hours(1), json!([])))
        .with_priority(2)
        .mount(&server)
        .await;
    let session = session_for(&server);
    session.token().await.unwrap();
    assert_eq!(auth_calls(&server).await, 3);

    let down = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"code": 500, "title": "Internal Server Error", "message": "An unexpected error prevented the server from fulfilling your request."}})))
        .mount(&down).await;
    let err = session_for(&down).token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert!(
        err.to_string().starts_with("keystone answered 500"),
        "{err}"
    );
    assert!(
        err.to_string().contains("unexpected error prevented"),
        "{err}"
    );
}

#[tokio::test]
async fn slow_keystone_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-subject-token", "slow")
                .set_body_json(token_body(time::Duration::hours(1), json!([])))
                .set_delay(Duration::from_secs(20)),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = session_with_timeout(&server, Duration::from_millis(500))
        .token()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(
        matches!(
            err,
            magnum_core::Error::Transport {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded by the session timeout, not the server's 20 s delay"
    );
}

#[tokio::test]
async fn malformed_answers_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-subject-token", "t")
                .set_body_string("<html>captive portal</html>"),
        )
        .mount(&server)
        .await;
    assert_eq!(
        session_for(&server).token().await.unwrap_err().kind(),
        ErrorKind::Decode
    );

    let headerless = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(token_body(time::Duration::hours(1), json!([]))),
        )
        .mount(&headerless)
        .await;
    let err = session_for(&headerless).token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("without X-Subject-Token"), "{err}");
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_replaced() {
    // Tokens live 3 s and the session renews 2 s before expiry: each is good for ~1 s. No sleep
    // stands in for synchronisation: renewal is polled for, with a deadline, and must not come
    // before the token entered the margin.
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(issuing(
            count.clone(),
            time::Duration::seconds(3),
            json!([]),
        ))
        .mount(&server)
        .await;
    let session = KeystoneSession::builder(format!("{}/v3", server.uri()), alice())
        .expiry_margin(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let first = session.token().await.unwrap();
    let cached = session.token().await.unwrap();
    if started.elapsed() < Duration::from_millis(800) {
        // Only meaningful while the first token is surely outside the margin.
        assert!(Arc::ptr_eq(&first, &cached), "still valid: cached");
    }
    let deadline = started + Duration::from_secs(10);
    let renewed = loop {
        let current = session.token().await.unwrap();
        if !Arc::ptr_eq(&first, &current) {
            break current;
        }
        assert!(std::time::Instant::now() < deadline, "never renewed");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "renewed at {:?}, before the token entered the margin",
        started.elapsed()
    );
    assert!(
        secrecy::ExposeSecret::expose_secret(renewed.token()).ends_with("-2"),
        "the second token issued"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn magnum_401_makes_the_session_reauthenticate_and_the_catalog_gives_the_endpoint() {
    let magnum = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(replay("versions/root"))
        .mount(&magnum)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .and(header("x-auth-token", format!("{TOKEN_PREFIX}-1").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .mount(&magnum)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .and(header("x-auth-token", format!("{TOKEN_PREFIX}-2").as_str()))
        .respond_with(replay("clusters/get"))
        .mount(&magnum)
        .await;
    let keystone = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    let catalog = json!([{"type": "container-infra", "endpoints": [
        {"interface": "public", "region_id": "RegionOne", "url": format!("{}/v1", magnum.uri())}]}]);
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(issuing(count.clone(), time::Duration::hours(1), catalog))
        .mount(&keystone)
        .await;
    let client = Client::builder()
        .auth(session_for(&keystone))
        .build()
        .unwrap();
    let cluster = Api::<Cluster>::new(client).get("prod").await.unwrap();
    assert_eq!(cluster.name.as_deref(), Some("k8s-ready"));
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "one re-authentication after the 401"
    );
}
