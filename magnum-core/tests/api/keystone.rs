//! Keystone faults no real server produces on demand: 5xx (retried), slow answers (timeouts),
//! malformed bodies, a missing X-Subject-Token, a token expiring mid-run, Magnum's 401 making
//! the session re-authenticate, the catalog supplying Magnum's endpoint — and the rule that no
//! secret ever reaches a log line (at TRACE), a `Debug` dump or an error message.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use magnum_core::config::{
    AppCredentialRef, AuthMethod, DomainRef, Overrides, ProjectRef, Scope, Sources, UserRef,
};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::Cluster;
use magnum_core::{Api, Client, ErrorKind};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{client as magnum_client, replay};

const PASSWORD: &str = "Pw-planted-1a2b3c";
const TOKEN_PREFIX: &str = "gAAAA-planted-token";
const APP_SECRET: &str = "appcred-planted-secret-9z";

fn token_body(expires_in: time::Duration, catalog: Value) -> Value {
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
fn issuing(
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

fn alice() -> AuthMethod {
    AuthMethod::Password {
        user: UserRef::Name {
            name: "alice".into(),
            domain: DomainRef::Name("Default".into()),
        },
        password: SecretString::from(PASSWORD.to_owned()),
    }
}

fn session_for(server: &MockServer) -> KeystoneSession {
    KeystoneSession::builder(format!("{}/v3", server.uri()), alice())
        .scope(Scope::Project(ProjectRef::Id("p1".into())))
        .timeout(Duration::from_millis(500))
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
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = session_for(&server).token().await.unwrap_err();
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
        started.elapsed() < Duration::from_secs(3),
        "bounded by the session timeout"
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
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(issuing(
            count.clone(),
            time::Duration::milliseconds(2500),
            json!([]),
        ))
        .mount(&server)
        .await;
    let session = KeystoneSession::builder(format!("{}/v3", server.uri()), alice())
        .expiry_margin(Duration::from_secs(2))
        .build()
        .unwrap();
    let first = session.token().await.unwrap();
    let cached = session.token().await.unwrap();
    assert!(Arc::ptr_eq(&first, &cached), "still valid: cached");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let renewed = session.token().await.unwrap();
    assert!(!Arc::ptr_eq(&first, &renewed), "inside the margin: renewed");
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

/// A `tracing` writer collecting everything into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Plants known secrets in every credential field, runs success and failure paths with
/// `tracing` at TRACE (every crate, reqwest/hyper included), and checks that none appears in the
/// logs, in `Debug` output or in error strings.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_logs_debug_or_errors() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut seen = String::new();

    let magnum = crate::support::server().await;
    Mock::given(method("GET"))
        .and(path("/v1/clusters/prod"))
        .respond_with(replay("clusters/get"))
        .mount(&magnum)
        .await;
    let keystone = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST")).and(path("/v3/auth/tokens")).and(wiremock::matchers::body_string_contains("wrong"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}})))
        .with_priority(1).mount(&keystone).await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(issuing(count, time::Duration::hours(1), json!([])))
        .with_priority(2)
        .mount(&keystone)
        .await;

    // Success: config with every secret field, password auth, a Magnum call with the token.
    let env = [
        ("OS_AUTH_URL", format!("{}/v3", keystone.uri())),
        ("OS_USERNAME", "alice".into()),
        ("OS_PASSWORD", PASSWORD.into()),
        ("OS_USER_DOMAIN_NAME", "Default".into()),
        ("OS_PROJECT_ID", "p1".into()),
        (
            "OS_CONTAINER_INFRA_ENDPOINT",
            format!("{}/v1", magnum.uri()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let cloud = magnum_core::config::load(
        &Sources::new(env, vec![]),
        &Overrides::new().set("auth.application_credential_id", "unused"),
    )
    .unwrap();
    seen.push_str(&format!("{cloud:?}"));
    let client = Client::from_cloud(&cloud).unwrap();
    seen.push_str(&format!("{client:?}"));
    let api: Api<Cluster> = Api::new(client);
    api.get("prod").await.unwrap();

    // Failures: wrong password, an app credential and a token method against the 401 path.
    let failures = [
        AuthMethod::Password {
            user: UserRef::Id("u1".into()),
            password: SecretString::from(format!("wrong-{PASSWORD}")),
        },
        AuthMethod::ApplicationCredential {
            credential: AppCredentialRef::Id("wrong".into()),
            secret: SecretString::from(APP_SECRET.to_owned()),
        },
        AuthMethod::Token {
            token: SecretString::from(format!("wrong-{TOKEN_PREFIX}-x")),
        },
    ];
    for method in failures {
        seen.push_str(&format!("{method:?}"));
        let session = KeystoneSession::builder(format!("{}/v3", keystone.uri()), method)
            .build()
            .unwrap();
        seen.push_str(&format!("{session:?}"));
        let err = session.token().await.unwrap_err();
        seen.push_str(&format!("{err} {err:?}"));
        let mut source = std::error::Error::source(&err);
        while let Some(inner) = source {
            seen.push_str(&inner.to_string());
            source = inner.source();
        }
        let client = Client::builder()
            .endpoint(magnum.uri())
            .auth(session)
            .build()
            .unwrap();
        let err = Api::<Cluster>::new(client).get("prod").await.unwrap_err();
        seen.push_str(&format!("{err} {err:?}"));
    }
    let _ = magnum_client(&magnum);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("keystone token issued"),
        "TRACE capture works: {} bytes",
        logs.len()
    );
    assert!(logs.len() > 1000, "hyper/reqwest traces captured too");
    for secret in [PASSWORD, TOKEN_PREFIX, APP_SECRET] {
        assert!(!logs.contains(secret), "{secret} leaked into logs");
        assert!(
            !seen.contains(secret),
            "{secret} leaked into Debug/errors: {seen}"
        );
    }
}
