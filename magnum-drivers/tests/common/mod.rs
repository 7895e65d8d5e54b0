//! Helpers shared by the suites that run against the real Keystone `scripts/test.sh` starts
//! (`KEYSTONE_URL`): sessions, unique names, and the admin calls that set up projects and users.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use http::Method;
use magnum_core::config::{AuthMethod, DomainRef, ProjectRef, Scope, UserRef};
use magnum_core::keystone::KeystoneSession;
use secrecy::SecretString;
use serde_json::{Value, json};

/// The real Keystone's URL.
pub fn keystone() -> String {
    std::env::var("KEYSTONE_URL")
        .expect("KEYSTONE_URL is not set: run scripts/test.sh, which starts a real Keystone")
}

/// A name no other test (in this process or any other) uses, unique by construction:
/// `prefix-<pid>-<counter>-<random>`. (It once was pid + clock nanos: two parallel tests read
/// the same clock value and Keystone answered 409 for the second project.)
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("the OS random source failed");
    format!(
        "{prefix}-{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        u32::from_le_bytes(random)
    )
}

/// Twelve lowercase hex characters no other test uses (Heat stack-name suffixes are cut to this
/// length, so they must be random in *every* position, not a clock's leading digits).
pub fn unique_hex12() -> String {
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).expect("the OS random source failed");
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password session.
pub fn login(user: UserRef, password: &str, scope: Scope) -> KeystoneSession {
    let method = AuthMethod::Password {
        user,
        password: SecretString::from(password.to_owned()),
    };
    KeystoneSession::builder(keystone(), method)
        .scope(scope)
        .region("RegionOne")
        .build()
        .unwrap()
}

/// The bootstrap admin, scoped to project `admin`.
pub fn admin() -> KeystoneSession {
    let password =
        std::env::var("KEYSTONE_ADMIN_PASSWORD").unwrap_or_else(|_| "admin-secret".into());
    let default = || DomainRef::Name("Default".into());
    login(
        UserRef::Name {
            name: "admin".into(),
            domain: default(),
        },
        &password,
        Scope::Project(ProjectRef::Name {
            name: "admin".into(),
            domain: default(),
        }),
    )
}

/// `POST /v3/<kind>s` with `{kind: body}`; returns the new id.
pub async fn create(admin: &KeystoneSession, kind: &str, body: Value) -> String {
    let made: Value = admin
        .identity(
            Method::POST,
            &format!("{kind}s"),
            Some(&json!({ kind: body })),
        )
        .await
        .unwrap();
    made[kind]["id"].as_str().unwrap().to_owned()
}

/// Grants `role` (by name) to `user_id` on `target` (`projects/<id>` or `domains/<id>`).
pub async fn grant(admin: &KeystoneSession, target: &str, user_id: &str, role: &str) {
    let roles: Value = admin
        .identity(Method::GET, &format!("roles?name={role}"), None)
        .await
        .unwrap();
    let role_id = roles["roles"][0]["id"].as_str().unwrap();
    admin
        .identity_empty(
            Method::PUT,
            &format!("{target}/users/{user_id}/roles/{role_id}"),
            None,
        )
        .await
        .unwrap();
}

/// A fresh project in `domain_id` with a `member` user; returns (user id, project id, password).
pub async fn member(admin: &KeystoneSession, domain_id: &str) -> (String, String, String) {
    let project_id = create(
        admin,
        "project",
        json!({"name": unique("proj"), "domain_id": domain_id}),
    )
    .await;
    let password = unique("pw");
    let user_id = create(
        admin,
        "user",
        json!({"name": unique("user"), "domain_id": domain_id, "password": password}),
    )
    .await;
    grant(admin, &format!("projects/{project_id}"), &user_id, "member").await;
    (user_id, project_id, password)
}

/// A fresh trustee domain with its own `manager` user, as Magnum's `[trust]` section needs:
/// the [`TrusteeDomain`](magnum_core::keystone::trust::TrusteeDomain) that creates trustees.
pub async fn trustee_domain(
    admin: &KeystoneSession,
) -> magnum_core::keystone::trust::TrusteeDomain {
    let domain = create(admin, "domain", json!({"name": unique("trustee-dom")})).await;
    let password = unique("pw");
    let manager = create(
        admin,
        "user",
        json!({"name": unique("trustee-admin"), "domain_id": domain, "password": password}),
    )
    .await;
    grant(admin, &format!("domains/{domain}"), &manager, "manager").await;
    magnum_core::keystone::trust::TrusteeDomain::new(login(
        UserRef::Id(manager),
        &password,
        Scope::Domain(DomainRef::Id(domain)),
    ))
}

/// A token from the simulator's Keystone front at `auth_url` (`…/identity/v3`) for `user` in
/// `project`, with the simulator's default password: for tests that speak raw HTTP.
#[cfg(feature = "simulator")]
pub async fn sim_token(auth_url: &str, user: &str, project: &str) -> String {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"},
        "password": magnum_drivers::simulator::DEFAULT_PASSWORD}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}});
    let response = reqwest::Client::new()
        .post(format!("{auth_url}/auth/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        201,
        "the simulator's Keystone refused {user}"
    );
    response.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned()
}
