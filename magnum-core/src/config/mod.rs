//! Cloud configuration the way keystoneauth and openstacksdk read it — pure, no network.
//!
//! * Files: `clouds.yaml` (or `.yml` / `.json`) merged over its `profile` from
//!   `clouds-public.*` and under `secure.*`, searched in `OS_CLIENT_CONFIG_FILE`, `./`,
//!   `$XDG_CONFIG_HOME/openstack` (else `~/.config/openstack`), `/etc/openstack`.
//! * `OS_CLOUD` selects a cloud; plain `OS_*` variables form a cloud of their own and are
//!   layered over the file cloud.
//! * Precedence: explicit values ([`Overrides`]) > environment > files.
//!
//! Everything is read through [`Sources`], so tests inject the environment and search paths.
//! Secrets are [`SecretString`]s from the moment they are read: `Debug` on any type here shows
//! key names only. A failed inference lists every source it tried.

mod layer;
mod resolve;

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

pub use layer::Layer;
pub use resolve::load;

/// Where configuration comes from: the environment and the file search path, injectable.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Sources {
    /// Environment variables (only `OS_*`, `XDG_CONFIG_HOME` and `HOME` are read).
    pub env: BTreeMap<String, String>,
    /// Directories searched for `clouds.*`, `secure.*`, `clouds-public.*`, in order.
    pub search_dirs: Vec<PathBuf>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("search_dirs", &self.search_dirs)
            .finish()
    }
}

impl Sources {
    /// The real process environment and the standard search path.
    pub fn from_process() -> Self {
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("OS_") || k == "XDG_CONFIG_HOME" || k == "HOME")
            .collect();
        let cwd = std::env::current_dir().ok();
        Self::standard(env, cwd)
    }

    /// The standard search path for `env`: `./` (if `cwd` is given), the user config dir,
    /// `/etc/openstack`.
    pub fn standard(env: BTreeMap<String, String>, cwd: Option<PathBuf>) -> Self {
        let mut search_dirs = Vec::new();
        if let Some(cwd) = cwd {
            search_dirs.push(cwd);
        }
        match (env.get("XDG_CONFIG_HOME"), env.get("HOME")) {
            (Some(xdg), _) if !xdg.is_empty() => {
                search_dirs.push(PathBuf::from(xdg).join("openstack"))
            }
            (_, Some(home)) if !home.is_empty() => {
                search_dirs.push(PathBuf::from(home).join(".config/openstack"));
            }
            _ => {}
        }
        search_dirs.push(PathBuf::from("/etc/openstack"));
        Self { env, search_dirs }
    }

    /// Only the given environment and directories.
    pub fn new(env: BTreeMap<String, String>, search_dirs: Vec<PathBuf>) -> Self {
        Self { env, search_dirs }
    }
}

/// Values given explicitly by the caller; they win over environment and files.
///
/// Keys use clouds.yaml spelling: `auth.username`, `auth.project_name`, `region_name`,
/// `interface`, `container_infra_endpoint_override`, …
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// The cloud to load from files (wins over `OS_CLOUD`).
    pub cloud: Option<String>,
    /// Individual settings.
    pub values: Layer,
}

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Selects a named cloud.
    #[must_use]
    pub fn cloud(mut self, name: impl Into<String>) -> Self {
        self.cloud = Some(name.into());
        self
    }

    /// Sets one value (clouds.yaml key spelling).
    #[must_use]
    pub fn set(mut self, key: &str, value: impl Into<String>) -> Self {
        self.values.insert(key, value.into());
        self
    }
}

/// A domain, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainRef {
    /// Domain id.
    Id(String),
    /// Domain name.
    Name(String),
}

/// A user, by id or by name within a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserRef {
    /// User id (globally unique).
    Id(String),
    /// User name in a domain.
    Name {
        /// Name.
        name: String,
        /// Its domain.
        domain: DomainRef,
    },
}

/// A project, by id or by name within a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProjectRef {
    /// Project id.
    Id(String),
    /// Project name in a domain.
    Name {
        /// Name.
        name: String,
        /// Its domain.
        domain: DomainRef,
    },
}

/// What a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// A project (the usual scope; gives a catalog).
    Project(ProjectRef),
    /// A domain.
    Domain(DomainRef),
    /// The whole system (`system_scope: all`).
    System,
    /// A trust: the token acts for the trustor (with impersonation) on the trust's project.
    Trust(String),
    /// No scope (no catalog, no roles).
    Unscoped,
}

/// An application credential, by id or by name for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppCredentialRef {
    /// Credential id.
    Id(String),
    /// Credential name, with its owner.
    Name {
        /// Name.
        name: String,
        /// Owner.
        user: UserRef,
    },
}

/// How to obtain a Keystone token.
#[derive(Clone)]
#[non_exhaustive]
pub enum AuthMethod {
    /// User + password.
    Password {
        /// The user.
        user: UserRef,
        /// The password.
        password: SecretString,
    },
    /// An existing token, rescoped.
    Token {
        /// The token.
        token: SecretString,
    },
    /// An application credential (its scope is fixed; no other scope may be requested).
    ApplicationCredential {
        /// Which credential.
        credential: AppCredentialRef,
        /// Its secret.
        secret: SecretString,
    },
}

impl std::fmt::Debug for AuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password { user, .. } => f
                .debug_struct("Password")
                .field("user", user)
                .field("password", &"[REDACTED]")
                .finish(),
            Self::Token { .. } => f
                .debug_struct("Token")
                .field("token", &"[REDACTED]")
                .finish(),
            Self::ApplicationCredential { credential, .. } => f
                .debug_struct("ApplicationCredential")
                .field("credential", credential)
                .field("secret", &"[REDACTED]")
                .finish(),
        }
    }
}

impl AuthMethod {
    /// The Keystone method name (`password`, `token`, `application_credential`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Password { .. } => "password",
            Self::Token { .. } => "token",
            Self::ApplicationCredential { .. } => "application_credential",
        }
    }
}

/// Which catalog endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Interface {
    /// `public` (default).
    #[default]
    Public,
    /// `internal`.
    Internal,
    /// `admin`.
    Admin,
}

impl Interface {
    /// Parses `public`, `internal`, `admin` and the legacy `publicURL` / `internalURL` /
    /// `adminURL`.
    pub fn parse(text: &str) -> Option<Self> {
        match text
            .trim()
            .trim_end_matches("URL")
            .to_ascii_lowercase()
            .as_str()
        {
            "public" => Some(Self::Public),
            "internal" => Some(Self::Internal),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// The catalog spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Admin => "admin",
        }
    }
}

/// A fully resolved cloud: everything needed to authenticate and find Magnum.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CloudConfig {
    /// The cloud's name (`None` for a cloud made only of `OS_*` variables or overrides).
    pub name: Option<String>,
    /// Keystone v3 URL (`…/v3`).
    pub auth_url: Url,
    /// How to authenticate.
    pub auth: AuthMethod,
    /// What to scope the token to.
    pub scope: Scope,
    /// Region for endpoint selection.
    pub region: Option<String>,
    /// Interface for endpoint selection.
    pub interface: Interface,
    /// Magnum endpoint override (skips the catalog).
    pub container_infra_endpoint: Option<Url>,
    /// Magnum microversion pin (`X.Y` or `latest`).
    pub container_infra_api_version: Option<String>,
    /// CA bundle to trust.
    pub cacert: Option<PathBuf>,
    /// TLS verification disabled (`verify: false` / `insecure: true` / `OS_INSECURE`).
    pub insecure: bool,
    /// Where each value came from, for messages (`clouds.yaml (/path)`, `environment`, …).
    pub sources: Vec<String>,
    /// Things the caller should log (e.g. insecure TLS, ignored settings).
    pub warnings: Vec<String>,
}
