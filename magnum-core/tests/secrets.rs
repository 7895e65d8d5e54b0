//! Plants known secrets in every credential field, runs success and failure paths with
//! `tracing` at TRACE (every crate, reqwest/hyper included) installed as the **global**
//! subscriber of this test process, and checks that none appears in the logs, in `Debug`
//! output or in error strings. Its own binary: a global subscriber must not race other tests.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use magnum_core::config::{AppCredentialRef, AuthMethod, Overrides, Sources, UserRef};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::Cluster;
use magnum_core::{Api, Client};
use secrecy::SecretString;
use serde_json::json;
use support::{PASSWORD, TOKEN_PREFIX, issuing, replay};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP_SECRET: &str = "appcred-planted-secret-9z";

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
#[tokio::test]
async fn no_secret_reaches_logs_debug_or_errors() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let mut seen = String::new();

    let magnum = support::server().await;
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
