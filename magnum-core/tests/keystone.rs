//! Auth and trusts against a **real Keystone 30.0.0** started on 127.0.0.1 by
//! `scripts/real-keystone/up.sh` (`scripts/test.sh` exports `KEYSTONE_URL` and runs these with
//! `--include-ignored`; without it they fail loudly). Every test makes its own domain, project
//! and users with unique names, so runs repeat and tests run in parallel.
//!
//! Covered: password (by name and by id), token rescoping, application credentials (by id, by
//! name + user), project / domain / system / unscoped scopes, catalog endpoint selection and its
//! error, the token cache, wrong credentials, Magnum's trustee + trust lifecycle (impersonation,
//! trust-scoped tokens, cleanup, cleanup after a half-failed creation), `remaining_uses`, trust
//! deletion, role loss → 403, app-cred and trust tokens refusing trusts, and a Magnum client
//! built from clouds.yaml through Keystone's catalog.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{TestDir, unique};

use http::Method;
use magnum_core::config::{
    AppCredentialRef, AuthMethod, DomainRef, Interface, Overrides, ProjectRef, Scope, Sources,
    UserRef,
};
use magnum_core::keystone::KeystoneSession;
use magnum_core::keystone::identity::{Identity, TrustCreate};
use magnum_core::keystone::trust::{APP_CREDENTIAL_TRUST_FORBIDDEN, TrusteeDomain};
use magnum_core::{Client, ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

fn url() -> String {
    std::env::var("KEYSTONE_URL")
        .expect("KEYSTONE_URL is not set: run scripts/test.sh, which starts a real Keystone")
}

fn password(user: UserRef, secret: &str) -> AuthMethod {
    AuthMethod::Password {
        user,
        password: SecretString::from(secret.to_owned()),
    }
}

fn session(method: AuthMethod, scope: Scope) -> KeystoneSession {
    KeystoneSession::builder(url(), method)
        .scope(scope)
        .region("RegionOne")
        .build()
        .unwrap()
}

fn admin() -> KeystoneSession {
    let admin_password =
        std::env::var("KEYSTONE_ADMIN_PASSWORD").unwrap_or_else(|_| "admin-secret".into());
    session(
        password(
            UserRef::Name {
                name: "admin".into(),
                domain: DomainRef::Name("Default".into()),
            },
            &admin_password,
        ),
        Scope::Project(ProjectRef::Name {
            name: "admin".into(),
            domain: DomainRef::Name("Default".into()),
        }),
    )
}

async fn post(admin: &KeystoneSession, path: &str, body: Value) -> Value {
    admin
        .identity::<Value>(Method::POST, path, Some(&body))
        .await
        .unwrap()
}

async fn role_id(admin: &KeystoneSession, name: &str) -> String {
    let roles: Value = admin
        .identity(Method::GET, &format!("roles?name={name}"), None)
        .await
        .unwrap();
    roles["roles"][0]["id"].as_str().unwrap().to_owned()
}

/// Creates a user with `password` in `domain_id`; returns its id.
async fn new_user(admin: &KeystoneSession, domain_id: &str, name: &str, password: &str) -> String {
    Identity::new(admin.clone())
        .create_user(
            domain_id,
            name,
            &SecretString::from(password.to_owned()),
            false,
        )
        .await
        .unwrap()
        .id
}

/// Grants `role` to `user_id` on `target` (`projects/<id>` or `domains/<id>`).
async fn grant(admin: &KeystoneSession, target: &str, user_id: &str, role: &str) {
    let role = role_id(admin, role).await;
    admin
        .identity_empty(
            Method::PUT,
            &format!("{target}/users/{user_id}/roles/{role}"),
            None,
        )
        .await
        .unwrap();
}

/// A fresh domain with a project and a user holding `member` on it (and `manager` on the
/// domain, for domain scope).
struct Tenant {
    domain_id: String,
    domain_name: String,
    project_id: String,
    project_name: String,
    user_id: String,
    username: String,
    password: String,
}

impl Tenant {
    async fn new(admin: &KeystoneSession) -> Self {
        let domain_name = unique("dom");
        let domain = post(admin, "domains", json!({"domain": {"name": domain_name}})).await;
        let domain_id = domain["domain"]["id"].as_str().unwrap().to_owned();
        let project_name = unique("proj");
        let project = post(
            admin,
            "projects",
            json!({"project": {"name": project_name, "domain_id": domain_id}}),
        )
        .await;
        let project_id = project["project"]["id"].as_str().unwrap().to_owned();
        let username = unique("user");
        let password = format!("pw-{}", unique("x"));
        let user_id = new_user(admin, &domain_id, &username, &password).await;
        grant(admin, &format!("projects/{project_id}"), &user_id, "member").await;
        grant(admin, &format!("domains/{domain_id}"), &user_id, "manager").await;
        Self {
            domain_id,
            domain_name,
            project_id,
            project_name,
            user_id,
            username,
            password,
        }
    }

    fn user(&self) -> UserRef {
        UserRef::Name {
            name: self.username.clone(),
            domain: DomainRef::Name(self.domain_name.clone()),
        }
    }

    fn project_session(&self) -> KeystoneSession {
        session(
            password(self.user(), &self.password),
            Scope::Project(ProjectRef::Name {
                name: self.project_name.clone(),
                domain: DomainRef::Id(self.domain_id.clone()),
            }),
        )
    }

    /// A trustee domain whose admin holds `manager` on it.
    async fn trustee_domain(&self, admin: &KeystoneSession) -> TrusteeDomain {
        let name = unique("trustee-dom");
        let domain = post(admin, "domains", json!({"domain": {"name": name}})).await;
        let domain_id = domain["domain"]["id"].as_str().unwrap().to_owned();
        let admin_password = unique("pw");
        let domain_admin =
            new_user(admin, &domain_id, &unique("trustee-admin"), &admin_password).await;
        grant(
            admin,
            &format!("domains/{domain_id}"),
            &domain_admin,
            "manager",
        )
        .await;
        TrusteeDomain::new(session(
            password(UserRef::Id(domain_admin), &admin_password),
            Scope::Domain(DomainRef::Id(domain_id)),
        ))
    }
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn password_auth_by_name_gives_a_project_token_with_catalog() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let session = tenant.project_session();
    let issued = session.token().await.unwrap();
    let info = issued.info();
    assert_eq!(info.user.id, tenant.user_id);
    assert_eq!(info.project.as_ref().unwrap().id, tenant.project_id);
    assert_eq!(info.methods, ["password"]);
    let roles = info.role_names();
    assert!(
        roles.contains(&"member".into()) && roles.contains(&"reader".into()),
        "implied roles: {roles:?}"
    );
    assert!(issued.token().expose_secret().len() > 100, "fernet token");
    assert!(info.expires_at.as_str().ends_with('Z'));
    assert!(info.expires_at.parse().unwrap() > time::OffsetDateTime::now_utc());
    let identity = session.endpoint("identity").await.unwrap();
    assert_eq!(
        format!("{identity}/").trim_end_matches('/'),
        url().trim_end_matches('/')
    );
    let missing = session.endpoint("key-manager").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Config);
    let text = missing.to_string();
    assert!(
        text.contains(
            "no public endpoint for service key-manager in region RegionOne; the catalog has: "
        ),
        "{text}"
    );
    assert!(text.contains("identity (public RegionOne)"), "{text}");
    // Cached until close to expiry; re-authentication yields a new token.
    let again = session.token().await.unwrap();
    assert_eq!(
        again.token().expose_secret(),
        issued.token().expose_secret()
    );
    let fresh = session.reauthenticate().await.unwrap();
    assert_ne!(
        fresh.token().expose_secret(),
        issued.token().expose_secret()
    );
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn password_by_id_token_rescoping_and_every_scope() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let unscoped = session(
        password(UserRef::Id(tenant.user_id.clone()), &tenant.password),
        Scope::Unscoped,
    );
    let info = unscoped.token().await.unwrap().info().clone();
    assert!(info.project.is_none() && info.catalog.is_none() && info.roles.is_none());
    let token = unscoped.token().await.unwrap().token().clone();
    let rescoped = session(
        AuthMethod::Token { token },
        Scope::Project(ProjectRef::Id(tenant.project_id.clone())),
    );
    let info = rescoped.token().await.unwrap().info().clone();
    assert_eq!(info.project.unwrap().id, tenant.project_id);
    assert!(info.methods.contains(&"token".into()) || info.methods.contains(&"password".into()));
    let domain = session(
        password(tenant.user(), &tenant.password),
        Scope::Domain(DomainRef::Name(tenant.domain_name.clone())),
    );
    assert_eq!(
        domain
            .token()
            .await
            .unwrap()
            .info()
            .domain
            .as_ref()
            .unwrap()
            .id,
        tenant.domain_id
    );
    let system = session(
        password(
            UserRef::Name {
                name: "admin".into(),
                domain: DomainRef::Id("default".into()),
            },
            &std::env::var("KEYSTONE_ADMIN_PASSWORD").unwrap_or_else(|_| "admin-secret".into()),
        ),
        Scope::System,
    );
    assert!(system.token().await.unwrap().info().system.is_some());
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn wrong_credentials_are_an_auth_error_without_the_secret() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let wrong = "definitely-Wrong-password-123";
    let session = session(password(tenant.user(), wrong), Scope::Unscoped);
    let err = session.token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    let text = format!("{err} {err:?} {session:?}");
    assert!(
        text.contains(&format!(
            "refused the password of user {} (401)",
            tenant.username
        )),
        "{text}"
    );
    assert!(text.contains("requires authentication"), "{text}");
    assert!(!text.contains(wrong), "{text}");
    let no_domain = session_for_project_in_foreign_domain(&tenant)
        .token()
        .await
        .unwrap_err();
    assert_eq!(no_domain.kind(), ErrorKind::Auth);
}

fn session_for_project_in_foreign_domain(tenant: &Tenant) -> KeystoneSession {
    session(
        password(tenant.user(), &tenant.password),
        Scope::Project(ProjectRef::Name {
            name: "admin".into(),
            domain: DomainRef::Name("Default".into()),
        }),
    )
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn application_credentials_by_id_and_by_name() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let owner = tenant.project_session();
    let identity = Identity::new(owner.clone());
    let name = unique("ac");
    let credential = identity
        .create_application_credential(&tenant.user_id, &name, false)
        .await
        .unwrap();
    assert!(
        !format!("{credential:?}").contains(credential.secret.as_ref().unwrap().expose_secret())
    );
    let secret = credential.secret.clone().unwrap();
    let by_id = session(
        AuthMethod::ApplicationCredential {
            credential: AppCredentialRef::Id(credential.id.clone()),
            secret: secret.clone(),
        },
        Scope::Unscoped,
    );
    let info = by_id.token().await.unwrap().info().clone();
    assert!(info.is_application_credential());
    assert_eq!(
        info.project.unwrap().id,
        tenant.project_id,
        "app-cred tokens carry their project"
    );
    let by_name = session(
        AuthMethod::ApplicationCredential {
            credential: AppCredentialRef::Name {
                name: name.clone(),
                user: tenant.user(),
            },
            secret,
        },
        Scope::Project(ProjectRef::Id("ignored-by-design".into())),
    );
    assert!(
        by_name
            .token()
            .await
            .unwrap()
            .info()
            .is_application_credential()
    );
    let wrong = session(
        AuthMethod::ApplicationCredential {
            credential: AppCredentialRef::Id(credential.id.clone()),
            secret: SecretString::from("nope".to_owned()),
        },
        Scope::Unscoped,
    );
    assert_eq!(wrong.token().await.unwrap_err().kind(), ErrorKind::Auth);
    identity
        .delete_application_credential(&tenant.user_id, &credential.id)
        .await
        .unwrap();
    assert_eq!(
        by_id.reauthenticate().await.unwrap_err().kind(),
        ErrorKind::Auth,
        "deleted credential"
    );
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn magnum_trust_lifecycle_with_impersonation() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let trustees = tenant.trustee_domain(&admin).await;
    let owner = tenant.project_session();
    let cluster = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01";
    let trust = trustees
        .create_trustee_and_trust(&owner, cluster)
        .await
        .unwrap();
    assert_eq!(
        trust.trustee_username,
        format!("{cluster}_{}", tenant.project_id)
    );
    assert_eq!(trust.trustee_password.expose_secret().len(), 18);
    assert!(!format!("{trust:?}").contains(trust.trustee_password.expose_secret()));
    assert!(trust.roles.contains(&"member".into()));

    let in_cluster = trustees.trust_session(&trust).unwrap();
    let info = in_cluster.token().await.unwrap().info().clone();
    let os_trust = info.trust.as_ref().unwrap();
    assert_eq!(os_trust.id, trust.trust_id);
    assert!(os_trust.impersonation);
    assert_eq!(
        info.user.id, tenant.user_id,
        "impersonation: the token acts as the owner"
    );
    assert_eq!(info.project.as_ref().unwrap().id, tenant.project_id);
    assert!(info.role_names().contains(&"member".into()));

    // A trust-scoped token may not create further trusts.
    let err = trustees
        .create_trustee_and_trust(&in_cluster, "other")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);

    let cleanup = trustees
        .delete_trustee_and_trust(
            Some(&owner),
            Some(&trust.trust_id),
            Some((&trust.trustee_user_id, &trust.trustee_password)),
        )
        .await;
    assert!(
        cleanup.trust_gone && cleanup.trustee_gone && cleanup.errors.is_empty(),
        "{cleanup:?}"
    );
    assert_eq!(
        in_cluster.reauthenticate().await.unwrap_err().kind(),
        ErrorKind::Auth,
        "trust and trustee gone"
    );
    let user = admin
        .identity::<Value>(
            Method::GET,
            &format!("users/{}", trust.trustee_user_id),
            None,
        )
        .await
        .unwrap_err();
    assert!(user.is_not_found());
    // Deleting again is fine: absent pieces count as deleted (Keystone answers a domain manager
    // 403, not 404, for a user that no longer exists; cleanup checks the domain's user list).
    let again = trustees
        .delete_trustee_and_trust(
            Some(&owner),
            Some(&trust.trust_id),
            Some((&trust.trustee_user_id, &trust.trustee_password)),
        )
        .await;
    assert!(
        again.trust_gone && again.trustee_gone && again.errors.is_empty(),
        "{again:?}"
    );
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn trustee_credentials_alone_can_remove_the_trust() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let trustees = tenant.trustee_domain(&admin).await;
    let trust = trustees
        .create_trustee_and_trust(&tenant.project_session(), &unique("cl"))
        .await
        .unwrap();
    let cleanup = trustees
        .delete_trustee_and_trust(
            None,
            Some(&trust.trust_id),
            Some((&trust.trustee_user_id, &trust.trustee_password)),
        )
        .await;
    assert!(cleanup.trust_gone && cleanup.trustee_gone, "{cleanup:?}");
    let gone = Identity::new(tenant.project_session())
        .trust(&trust.trust_id)
        .await
        .unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn a_failed_trust_leaves_no_trustee_behind() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let trustees = tenant
        .trustee_domain(&admin)
        .await
        .with_roles(vec!["admin".into()]);
    let cluster = unique("cl");
    let err = trustees
        .create_trustee_and_trust(&tenant.project_session(), &cluster)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        err.to_string()
            .contains("failed to create trust for trustee"),
        "{err}"
    );
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        source.contains("keystone answered 404"),
        "the owner lacks `admin`: {source}"
    );
    let domain_id = trustees.domain_id().await.unwrap();
    let name = format!("{cluster}_{}", tenant.project_id);
    let users: Value = admin
        .identity(
            Method::GET,
            &format!("users?domain_id={domain_id}&name={name}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        users["users"].as_array().unwrap().len(),
        0,
        "trustee deleted after the failure"
    );
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn application_credential_tokens_cannot_create_trusts() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let trustees = tenant.trustee_domain(&admin).await;
    let owner = tenant.project_session();
    let credential = Identity::new(owner)
        .create_application_credential(&tenant.user_id, &unique("ac"), true)
        .await
        .unwrap();
    let appcred = session(
        AuthMethod::ApplicationCredential {
            credential: AppCredentialRef::Id(credential.id.clone()),
            secret: credential.secret.clone().unwrap(),
        },
        Scope::Unscoped,
    );
    let err = trustees
        .create_trustee_and_trust(&appcred, "c")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("authentication failed: {APP_CREDENTIAL_TRUST_FORBIDDEN}")
    );
    // Keystone itself refuses too, even for an unrestricted credential.
    let me = appcred.token().await.unwrap().info().user.id.clone();
    let direct = Identity::new(appcred)
        .create_trust(&TrustCreate::impersonating(
            &me,
            &tenant.user_id,
            &tenant.project_id,
            vec!["member".into()],
        ))
        .await
        .unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::Forbidden);
    assert!(
        direct.to_string().contains("keystone answered 403"),
        "{direct}"
    );
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn remaining_uses_deletion_and_role_loss() {
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    let trustee_password = unique("pw");
    let trustee = new_user(
        &admin,
        &tenant.domain_id,
        &unique("trustee"),
        &trustee_password,
    )
    .await;
    let owner = Identity::new(tenant.project_session());
    let trust_session = |trust_id: &str| {
        session(
            password(UserRef::Id(trustee.clone()), &trustee_password),
            Scope::Trust(trust_id.to_owned()),
        )
    };
    let mut once = TrustCreate::impersonating(
        &tenant.user_id,
        &trustee,
        &tenant.project_id,
        vec!["member".into()],
    );
    once.remaining_uses = Some(1);
    once.expires_at = Some(time::OffsetDateTime::now_utc() + time::Duration::hours(1));
    let single = owner.create_trust(&once).await.unwrap();
    assert_eq!(single.remaining_uses, Some(1));
    assert!(single.expires_at.as_ref().unwrap().parse().is_some());
    let first = trust_session(&single.id);
    first.token().await.unwrap();
    assert_eq!(
        first.reauthenticate().await.unwrap_err().kind(),
        ErrorKind::Auth,
        "second use refused"
    );

    let trust = owner
        .create_trust(&TrustCreate::impersonating(
            &tenant.user_id,
            &trustee,
            &tenant.project_id,
            vec!["member".into()],
        ))
        .await
        .unwrap();
    let user = trust_session(&trust.id);
    user.token().await.unwrap();
    let member = role_id(&admin, "member").await;
    admin
        .identity_empty(
            Method::DELETE,
            &format!(
                "projects/{}/users/{}/roles/{member}",
                tenant.project_id, tenant.user_id
            ),
            None,
        )
        .await
        .unwrap();
    let lost = user.reauthenticate().await.unwrap_err();
    assert_eq!(lost.kind(), ErrorKind::Auth);
    assert!(
        lost.to_string().contains("(403)"),
        "role loss is a 403: {lost}"
    );
    owner.delete_trust(&trust.id).await.unwrap_err(); // the owner lost its role too: refused
    admin
        .identity_empty(
            Method::DELETE,
            &format!("OS-TRUST/trusts/{}", trust.id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        trust_session(&trust.id).token().await.unwrap_err().kind(),
        ErrorKind::Auth
    );
}

#[tokio::test]
#[ignore = "needs a real Keystone: scripts/test.sh"]
async fn a_magnum_client_from_clouds_yaml_finds_magnum_in_the_catalog() {
    let magnum = std::env::var("MAGNUM_CONFORMANCE_URL")
        .expect("MAGNUM_CONFORMANCE_URL: run scripts/test.sh");
    let admin = admin();
    let tenant = Tenant::new(&admin).await;
    // Register magnum-api in the catalog under a unique region, as a deployer would.
    let region = unique("Region");
    post(&admin, "regions", json!({"region": {"id": region}})).await;
    let service = post(
        &admin,
        "services",
        json!({"service": {"type": "container-infra", "name": unique("magnum")}}),
    )
    .await;
    let service_id = service["service"]["id"].as_str().unwrap();
    post(&admin, "endpoints", json!({"endpoint": {"service_id": service_id, "interface": "public", "region_id": region, "url": format!("{magnum}/v1")}})).await;
    post(&admin, "endpoints", json!({"endpoint": {"service_id": service_id, "interface": "internal", "region_id": region, "url": "http://192.0.2.1:9511/v1"}})).await;

    let dir = TestDir::new("clouds");
    std::fs::write(
        dir.join("clouds.yaml"),
        format!(
            "clouds:\n  test:\n    auth:\n      auth_url: {}\n      username: {}\n      user_domain_name: {}\n      project_name: {}\n      project_domain_id: {}\n    region_name: {region}\n",
            url(), tenant.username, tenant.domain_name, tenant.project_name, tenant.domain_id
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("secure.yaml"),
        format!(
            "clouds:\n  test:\n    auth:\n      password: {}\n",
            tenant.password
        ),
    )
    .unwrap();
    let env = [("OS_CLOUD".to_owned(), "test".to_owned())]
        .into_iter()
        .collect();
    let cloud = magnum_core::config::load(
        &Sources::new(env, vec![dir.to_path_buf()]),
        &Overrides::new(),
    )
    .unwrap();
    assert_eq!(cloud.interface, Interface::Public);
    let client = Client::from_cloud(&cloud).unwrap();
    let endpoint = client.endpoint().await.unwrap();
    assert_eq!(endpoint.root().as_str(), format!("{magnum}/"));
    let range = client.server_versions().await.unwrap().unwrap();
    assert_eq!(range.to_string(), "1.1..=1.14");
    // The internal interface resolves to the other endpoint.
    let internal = magnum_core::config::load(
        &Sources::new(Default::default(), vec![]),
        &Overrides::new()
            .set("auth.auth_url", url())
            .set("auth.user_id", tenant.user_id.clone())
            .set("auth.password", tenant.password.clone())
            .set("auth.project_id", tenant.project_id.clone())
            .set("region_name", region.clone())
            .set("interface", "internal"),
    )
    .unwrap();
    let internal_client = Client::from_cloud(&internal).unwrap();
    assert_eq!(
        internal_client.endpoint().await.unwrap().root().as_str(),
        "http://192.0.2.1:9511/"
    );
    // A region without Magnum: the error names service, region and interface.
    let elsewhere = magnum_core::config::load(
        &Sources::new(Default::default(), vec![]),
        &Overrides::new()
            .set("auth.auth_url", url())
            .set("auth.user_id", tenant.user_id.clone())
            .set("auth.password", tenant.password.clone())
            .set("auth.project_id", tenant.project_id.clone())
            .set("region_name", "RegionNowhere"),
    )
    .unwrap();
    let err = Client::from_cloud(&elsewhere)
        .unwrap()
        .endpoint()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no public endpoint for service container-infra"),
        "{err}"
    );
    assert!(err.to_string().contains("in region RegionNowhere"), "{err}");
}

/// The whole chain against real servers: Keystone issues the token, Magnum's own authtoken
/// middleware validates it (the second magnum-api of scripts/test.sh), and project scoping
/// and 401s come from the real services.
#[tokio::test]
#[ignore = "needs a real Keystone and an authtoken magnum-api: scripts/test.sh"]
async fn a_real_magnum_api_validates_keystone_tokens() {
    use magnum_core::types::Cluster;
    use magnum_core::{Api, StaticToken};
    let magnum = std::env::var("MAGNUM_KEYSTONE_PROTECTED_URL")
        .expect("MAGNUM_KEYSTONE_PROTECTED_URL: run scripts/test.sh");
    let admin_client = Client::builder()
        .endpoint(format!("{magnum}/v1"))
        .auth(admin())
        .build()
        .unwrap();
    let clusters = Api::<Cluster>::new(admin_client).list_all().await.unwrap();
    assert_eq!(clusters.len(), 3, "seeded in the admin project");

    let forged = Client::builder()
        .endpoint(format!("{magnum}/v1"))
        .auth(StaticToken::new("gAAAAA-not-a-keystone-token".to_owned()))
        .build()
        .unwrap();
    let err = Api::<Cluster>::new(forged).list_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");

    let tenant = Tenant::new(&admin()).await;
    let member = Client::builder()
        .endpoint(format!("{magnum}/v1"))
        .auth(tenant.project_session())
        .build()
        .unwrap();
    let own = Api::<Cluster>::new(member).list_all().await.unwrap();
    assert!(own.is_empty(), "another project's clusters are invisible");
}
