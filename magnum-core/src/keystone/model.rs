//! Keystone v3 wire model (pure): the `POST /v3/auth/tokens` request body for every method and
//! scope, the token response (user, project, roles, trust, application credential, catalog),
//! and catalog endpoint selection by service type (with aliases), region and interface.

use std::fmt;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::config::{
    AppCredentialRef, AuthMethod, DomainRef, Interface, ProjectRef, Scope, UserRef,
};
use crate::types::{Extra, Timestamp};

/// Service types and their aliases, most preferred first (`client-anchors.md` §C.1).
pub const SERVICE_ALIASES: &[&[&str]] = &[
    &[
        "container-infra",
        "container-infrastructure-management",
        "container-infrastructure",
    ],
    &["identity"],
    &["orchestration"],
    &["image"],
    &["compute"],
    &["network"],
    &["block-storage", "volumev3", "volumev2", "volume"],
    &["load-balancer"],
    &["key-manager"],
];

/// The aliases of `service_type` (itself first), or just itself when unknown.
pub fn service_aliases(service_type: &str) -> Vec<&str> {
    SERVICE_ALIASES
        .iter()
        .find(|aliases| aliases.contains(&service_type))
        .map(|aliases| {
            let mut list = vec![service_type];
            list.extend(aliases.iter().copied().filter(|a| *a != service_type));
            list
        })
        .unwrap_or_else(|| vec![service_type])
}

fn domain_json(domain: &DomainRef) -> Value {
    match domain {
        DomainRef::Id(id) => json!({"id": id}),
        DomainRef::Name(name) => json!({"name": name}),
    }
}

fn user_json(user: &UserRef) -> Value {
    match user {
        UserRef::Id(id) => json!({"id": id}),
        UserRef::Name { name, domain } => json!({"name": name, "domain": domain_json(domain)}),
    }
}

/// The body of `POST /v3/auth/tokens`. Contains the secret: build it right before sending and
/// never log it.
pub fn auth_request(method: &AuthMethod, scope: &Scope) -> Value {
    let identity = match method {
        AuthMethod::Password { user, password } => {
            let mut user = user_json(user);
            user["password"] = Value::from(password.expose_secret());
            json!({"methods": ["password"], "password": {"user": user}})
        }
        AuthMethod::Token { token } => {
            json!({"methods": ["token"], "token": {"id": token.expose_secret()}})
        }
        AuthMethod::ApplicationCredential { credential, secret } => {
            let mut cred = match credential {
                AppCredentialRef::Id(id) => json!({"id": id}),
                AppCredentialRef::Name { name, user } => {
                    json!({"name": name, "user": user_json(user)})
                }
            };
            cred["secret"] = Value::from(secret.expose_secret());
            json!({"methods": ["application_credential"], "application_credential": cred})
        }
    };
    let mut auth = json!({"identity": identity});
    let scope = match scope {
        Scope::Project(ProjectRef::Id(id)) => Some(json!({"project": {"id": id}})),
        Scope::Project(ProjectRef::Name { name, domain }) => {
            Some(json!({"project": {"name": name, "domain": domain_json(domain)}}))
        }
        Scope::Domain(domain) => Some(json!({"domain": domain_json(domain)})),
        Scope::System => Some(json!({"system": {"all": true}})),
        Scope::Trust(id) => Some(json!({"OS-TRUST:trust": {"id": id}})),
        Scope::Unscoped => None,
    };
    // Application credentials carry their own scope; Keystone answers 401 to any other.
    if let (Some(scope), false) = (
        scope,
        matches!(method, AuthMethod::ApplicationCredential { .. }),
    ) {
        auth["scope"] = scope;
    }
    json!({"auth": auth})
}

/// The `{"token": …}` envelope of Keystone's token answers.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct TokenBody {
    /// The token description.
    pub token: TokenInfo,
}

/// What Keystone says about a token (the body of `POST /v3/auth/tokens`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenInfo {
    /// Methods used (`password`, `token`, `application_credential`…).
    #[serde(default)]
    pub methods: Vec<String>,
    /// The user the token acts as (the trustor, for an impersonating trust).
    pub user: NamedRef,
    /// Expiry.
    pub expires_at: Timestamp,
    /// Issue time.
    #[serde(default)]
    pub issued_at: Option<Timestamp>,
    /// Project scope.
    #[serde(default)]
    pub project: Option<NamedRef>,
    /// Domain scope.
    #[serde(default)]
    pub domain: Option<NamedRef>,
    /// System scope (`{"all": true}`).
    #[serde(default)]
    pub system: Option<Value>,
    /// Effective roles, implied ones included (absent on unscoped tokens).
    #[serde(default)]
    pub roles: Option<Vec<NamedRef>>,
    /// Service catalog (absent on unscoped tokens).
    #[serde(default)]
    pub catalog: Option<Vec<CatalogEntry>>,
    /// Trust details of a trust-scoped token.
    #[serde(default, rename = "OS-TRUST:trust")]
    pub trust: Option<TokenTrust>,
    /// Application credential details of an app-cred token.
    #[serde(default)]
    pub application_credential: Option<Value>,
    /// Keys this crate does not model, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TokenInfo {
    /// Role names.
    pub fn role_names(&self) -> Vec<String> {
        self.roles
            .iter()
            .flatten()
            .filter_map(|r| r.name.clone())
            .collect()
    }

    /// Whether the token was obtained with an application credential.
    pub fn is_application_credential(&self) -> bool {
        self.methods.iter().any(|m| m == "application_credential")
            || self.application_credential.is_some()
    }

    /// The catalog (empty for unscoped tokens).
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog(self.catalog.as_deref().unwrap_or_default())
    }
}

/// An `{id, name, domain}` reference (user, project, domain, role).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedRef {
    /// Id.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Owning domain (users, projects).
    #[serde(default)]
    pub domain: Option<Box<NamedRef>>,
}

/// `OS-TRUST:trust` of a trust-scoped token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenTrust {
    /// Trust id.
    pub id: String,
    /// Whether the token acts as the trustor.
    #[serde(default)]
    pub impersonation: bool,
    /// Trustor (`{"id"}`).
    #[serde(default)]
    pub trustor_user: Option<Value>,
    /// Trustee (`{"id"}`).
    #[serde(default)]
    pub trustee_user: Option<Value>,
}

/// One service of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CatalogEntry {
    /// Service type (`container-infra`, `identity`…).
    #[serde(rename = "type")]
    pub service_type: String,
    /// Service name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its endpoints.
    #[serde(default)]
    pub endpoints: Vec<CatalogEndpoint>,
}

/// One endpoint of a catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CatalogEndpoint {
    /// `public`, `internal` or `admin`.
    pub interface: String,
    /// Region id.
    #[serde(default)]
    pub region_id: Option<String>,
    /// Region (legacy field).
    #[serde(default)]
    pub region: Option<String>,
    /// URL.
    pub url: String,
}

impl CatalogEndpoint {
    fn region(&self) -> Option<&str> {
        self.region_id.as_deref().or(self.region.as_deref())
    }
}

/// A borrowed view of a token's catalog with endpoint selection.
#[derive(Debug, Clone, Copy)]
pub struct Catalog<'a>(&'a [CatalogEntry]);

impl<'a> Catalog<'a> {
    /// A view over catalog entries.
    pub fn new(entries: &'a [CatalogEntry]) -> Self {
        Self(entries)
    }

    /// The entries.
    pub fn entries(&self) -> &'a [CatalogEntry] {
        self.0
    }
}

/// No endpoint matched: says what was asked for and what the catalog has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct EndpointNotFound {
    /// Requested service type.
    pub service_type: String,
    /// Requested region.
    pub region: Option<String>,
    /// Requested interface.
    pub interface: Interface,
    /// `type (interface region)` of every endpoint in the catalog.
    pub available: Vec<String>,
}

impl fmt::Display for EndpointNotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no {} endpoint for service {}",
            self.interface.as_str(),
            self.service_type
        )?;
        let aliases = service_aliases(&self.service_type);
        if aliases.len() > 1 {
            write!(f, " (also tried {})", aliases[1..].join(", "))?;
        }
        match &self.region {
            Some(region) => write!(f, " in region {region}")?,
            None => write!(f, " in any region")?,
        }
        if self.available.is_empty() {
            write!(f, "; the token has no catalog (is it unscoped?)")
        } else {
            write!(f, "; the catalog has: {}", self.available.join(", "))
        }
    }
}

impl Catalog<'_> {
    /// The endpoint URL for `service_type` (any alias), `interface` and `region` (any region
    /// when `None`).
    ///
    /// # Errors
    /// [`EndpointNotFound`] naming the service, region and interface and listing the catalog.
    pub fn endpoint(
        &self,
        service_type: &str,
        region: Option<&str>,
        interface: Interface,
    ) -> Result<Url, EndpointNotFound> {
        for alias in service_aliases(service_type) {
            for entry in self.0.iter().filter(|e| e.service_type == alias) {
                let found = entry.endpoints.iter().find(|e| {
                    e.interface == interface.as_str()
                        && region.is_none_or(|wanted| e.region() == Some(wanted))
                });
                if let Some(endpoint) = found {
                    if let Ok(url) = Url::parse(&endpoint.url) {
                        return Ok(url);
                    }
                }
            }
        }
        Err(EndpointNotFound {
            service_type: service_type.to_owned(),
            region: region.map(str::to_owned),
            interface,
            available: self
                .0
                .iter()
                .flat_map(|entry| {
                    entry.endpoints.iter().map(move |e| {
                        format!(
                            "{} ({} {})",
                            entry.service_type,
                            e.interface,
                            e.region().unwrap_or("-")
                        )
                    })
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn catalog() -> Vec<CatalogEntry> {
        serde_json::from_value(json!([
            {"type": "identity", "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "url": "http://ks/v3"}]},
            {"type": "container-infrastructure-management", "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "url": "http://magnum-one:9511/v1"},
                {"interface": "internal", "region_id": "RegionOne", "url": "http://magnum-int:9511/v1"},
                {"interface": "public", "region_id": "RegionTwo", "url": "http://magnum-two:9511/v1"}]}
        ]))
        .unwrap()
    }

    #[test]
    fn endpoints_are_chosen_by_alias_region_and_interface() {
        let entries = catalog();
        let catalog = Catalog(&entries);
        let pick = |region, interface| {
            catalog
                .endpoint("container-infra", region, interface)
                .map(|u| u.host_str().unwrap().to_owned())
        };
        assert_eq!(
            pick(Some("RegionTwo"), Interface::Public).unwrap(),
            "magnum-two"
        );
        assert_eq!(
            pick(Some("RegionOne"), Interface::Internal).unwrap(),
            "magnum-int"
        );
        assert_eq!(pick(None, Interface::Public).unwrap(), "magnum-one");
        let err = catalog
            .endpoint("key-manager", Some("RegionOne"), Interface::Public)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no public endpoint for service key-manager in region RegionOne; the catalog has: identity (public RegionOne), container-infrastructure-management (public RegionOne), container-infrastructure-management (internal RegionOne), container-infrastructure-management (public RegionTwo)"
        );
        let empty = Catalog(&[])
            .endpoint("block-storage", None, Interface::Admin)
            .unwrap_err();
        assert!(
            empty
                .to_string()
                .contains("also tried volumev3, volumev2, volume")
        );
        assert!(empty.to_string().contains("unscoped"));
    }

    #[test]
    fn auth_bodies_match_keystone_v3() {
        let password = AuthMethod::Password {
            user: UserRef::Name {
                name: "alice".into(),
                domain: DomainRef::Name("Default".into()),
            },
            password: SecretString::from("pw"),
        };
        let body = auth_request(
            &password,
            &Scope::Project(ProjectRef::Name {
                name: "k8s".into(),
                domain: DomainRef::Id("default".into()),
            }),
        );
        assert_eq!(
            body,
            json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "alice", "domain": {"name": "Default"}, "password": "pw"}}},
                "scope": {"project": {"name": "k8s", "domain": {"id": "default"}}}}})
        );
        let trust = auth_request(&password, &Scope::Trust("t1".into()));
        assert_eq!(
            trust["auth"]["scope"],
            json!({"OS-TRUST:trust": {"id": "t1"}})
        );
        let system = auth_request(&password, &Scope::System);
        assert_eq!(system["auth"]["scope"], json!({"system": {"all": true}}));
        let unscoped = auth_request(&password, &Scope::Unscoped);
        assert!(unscoped["auth"].get("scope").is_none());
        let appcred = AuthMethod::ApplicationCredential {
            credential: AppCredentialRef::Name {
                name: "ci".into(),
                user: UserRef::Id("u1".into()),
            },
            secret: SecretString::from("s"),
        };
        let body = auth_request(&appcred, &Scope::Project(ProjectRef::Id("p".into())));
        assert_eq!(
            body,
            json!({"auth": {"identity": {"methods": ["application_credential"],
                "application_credential": {"name": "ci", "user": {"id": "u1"}, "secret": "s"}}}})
        );
    }

    #[test]
    fn recorded_tokens_decode() {
        let text =
            include_str!("../../../fixtures/keystone/v3/token-trust-scoped-impersonation.json");
        let body: TokenBody = serde_json::from_str(text).unwrap();
        let token = body.token;
        assert!(token.trust.as_ref().unwrap().impersonation);
        assert_eq!(token.role_names(), ["member", "reader"]);
        assert!(token.expires_at.parse().is_some());
        assert!(
            token
                .catalog()
                .endpoint("identity", Some("RegionOne"), Interface::Public)
                .is_ok()
        );
        let appcred: TokenBody = serde_json::from_str(include_str!(
            "../../../fixtures/keystone/v3/token-application-credential.json"
        ))
        .unwrap();
        assert!(appcred.token.is_application_credential());
    }
}
