//! Magnum's cluster trust lifecycle (`trust_manager.py`, stable/2026.1), as a library:
//! a trustee user per cluster in the trustee domain (random password), an impersonating trust
//! from the cluster owner to it, a trust-scoped session for in-cluster components, and cleanup
//! of both — also after a half-finished creation, so nothing is left behind.

use std::fmt;

use secrecy::SecretString;

use super::identity::{Identity, TrustCreate};
use super::session::KeystoneSession;
use crate::config::{AuthMethod, Scope, UserRef};
use crate::error::{Error, Result};

/// Magnum's message when an application-credential token tries to create a trust.
pub const APP_CREDENTIAL_TRUST_FORBIDDEN: &str = "Application credential tokens cannot create trusts. Re-authenticate using a password or federated token (not an application credential) before creating a cluster.";

/// What a cluster needs to keep about its trust. `Debug` hides the password.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClusterTrust {
    /// Trustee user id.
    pub trustee_user_id: String,
    /// Trustee user name (`<cluster uuid>_<project id>`).
    pub trustee_username: String,
    /// Trustee password.
    pub trustee_password: SecretString,
    /// The trust id.
    pub trust_id: String,
    /// Trustee domain id.
    pub trustee_domain_id: String,
    /// The cluster owner's project.
    pub project_id: String,
    /// Roles delegated.
    pub roles: Vec<String>,
}

/// The same trust: same trust id and trustee (the password is not compared).
impl PartialEq for ClusterTrust {
    fn eq(&self, other: &Self) -> bool {
        self.trust_id == other.trust_id && self.trustee_user_id == other.trustee_user_id
    }
}

impl fmt::Debug for ClusterTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterTrust")
            .field("trustee_user_id", &self.trustee_user_id)
            .field("trustee_username", &self.trustee_username)
            .field("trustee_password", &"[REDACTED]")
            .field("trust_id", &self.trust_id)
            .field("trustee_domain_id", &self.trustee_domain_id)
            .field("project_id", &self.project_id)
            .field("roles", &self.roles)
            .finish()
    }
}

/// What cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustCleanup {
    /// The trust is gone (deleted now, or already absent).
    pub trust_gone: bool,
    /// The trustee user is gone (deleted now, or already absent).
    pub trustee_gone: bool,
    /// Failures that were logged and skipped (Magnum swallows them too).
    pub errors: Vec<String>,
}

/// The trustee domain, administered by a domain-scoped session (Magnum's
/// `trustee_domain_admin`, which needs the `manager` role on that domain).
#[derive(Debug, Clone)]
pub struct TrusteeDomain {
    admin: Identity,
    roles: Vec<String>,
}

impl TrusteeDomain {
    /// A trustee domain administered by `admin` (scoped to the trustee domain). Trusts delegate
    /// the cluster owner's token roles unless [`Self::with_roles`] names others (Magnum's
    /// `[trust] roles`).
    pub fn new(admin: KeystoneSession) -> Self {
        Self {
            admin: Identity::new(admin),
            roles: Vec::new(),
        }
    }

    /// The trustee domain admin's session.
    pub fn admin_session(&self) -> &KeystoneSession {
        self.admin.session()
    }

    /// Delegates exactly these roles.
    #[must_use]
    pub fn with_roles(mut self, roles: Vec<String>) -> Self {
        self.roles = roles;
        self
    }

    /// The trustee domain's id, from the admin's domain-scoped token.
    ///
    /// # Errors
    /// [`Error::Config`] when the admin session is not domain-scoped; auth errors.
    pub async fn domain_id(&self) -> Result<String> {
        let issued = self.admin.session().token().await?;
        issued
            .info()
            .domain
            .as_ref()
            .map(|d| d.id.clone())
            .ok_or_else(|| {
                Error::Config(
                    "the trustee domain admin session must be scoped to the trustee domain".into(),
                )
            })
    }

    /// Creates the trustee user and the trust for `cluster_uuid`, owned by `owner`.
    ///
    /// If the trust cannot be created the trustee user is deleted again.
    ///
    /// # Errors
    /// [`Error::Auth`] with Magnum's message when `owner` authenticated with an application
    /// credential, or with a trust-scoped token; [`Error::Config`] when `owner` is not
    /// project-scoped; Keystone's answer otherwise.
    pub async fn create_trustee_and_trust(
        &self,
        owner: &KeystoneSession,
        cluster_uuid: &str,
    ) -> Result<ClusterTrust> {
        let owner_token = owner.token().await?;
        let info = owner_token.info();
        if info.is_application_credential() {
            return Err(Error::Auth {
                message: APP_CREDENTIAL_TRUST_FORBIDDEN.into(),
                source: None,
            });
        }
        if info.trust.is_some() {
            return Err(Error::Auth {
                message: "a trust-scoped token cannot create trusts (Keystone: delegated tokens cannot manage trusts); use the cluster owner's own credentials".into(),
                source: None,
            });
        }
        let project_id = info.project.as_ref().map(|p| p.id.clone()).ok_or_else(|| {
            Error::Config(
                "the cluster owner's session must be scoped to the cluster's project".into(),
            )
        })?;
        let roles = if self.roles.is_empty() {
            info.role_names()
        } else {
            self.roles.clone()
        };
        if roles.is_empty() {
            return Err(Error::Config(
                "no roles to delegate: the owner's token has none and no trust roles are configured".into(),
            ));
        }
        let trustor = info.user.id.clone();
        let domain_id = self.domain_id().await?;
        let trustee_username = format!("{cluster_uuid}_{project_id}");
        let trustee_password = generate_password(18)?;
        let trustee = self
            .admin
            .create_user(&domain_id, &trustee_username, &trustee_password, true)
            .await
            .map_err(|e| Error::Auth {
                message: format!(
                    "failed to create trustee {trustee_username} in domain {domain_id}"
                ),
                source: Some(Box::new(e)),
            })?;
        tracing::debug!(trustee = %trustee.id, cluster = cluster_uuid, "trustee created");
        let request = TrustCreate::impersonating(&trustor, &trustee.id, &project_id, roles.clone());
        match Identity::new(owner.clone()).create_trust(&request).await {
            Ok(trust) => Ok(ClusterTrust {
                trustee_user_id: trustee.id,
                trustee_username,
                trustee_password,
                trust_id: trust.id,
                trustee_domain_id: domain_id,
                project_id,
                roles,
            }),
            Err(err) => {
                // No leftovers: the trustee exists only for this trust.
                if let Err(cleanup) = self.admin.delete_user(&trustee.id).await {
                    tracing::warn!(trustee = %trustee.id, error = %cleanup, "could not delete the trustee after a failed trust");
                }
                Err(Error::Auth {
                    message: format!("failed to create trust for trustee {}", trustee.id),
                    source: Some(Box::new(err)),
                })
            }
        }
    }

    /// The session in-cluster components use: the trustee's password, scoped to the trust
    /// (with impersonation the token acts as the cluster owner).
    ///
    /// # Errors
    /// As [`KeystoneSession::builder`]'s `build`.
    pub fn trust_session(&self, trust: &ClusterTrust) -> Result<KeystoneSession> {
        KeystoneSession::builder(
            self.admin.session().auth_url().as_str(),
            AuthMethod::Password {
                user: UserRef::Id(trust.trustee_user_id.clone()),
                password: trust.trustee_password.clone(),
            },
        )
        .scope(Scope::Trust(trust.trust_id.clone()))
        .build()
    }

    /// Deletes the trust (with `owner`'s session when given, else as the trustee) and the
    /// trustee user. Absent pieces count as deleted; other failures are collected, not raised,
    /// so a cluster delete is never blocked by a Keystone hiccup.
    pub async fn delete_trustee_and_trust(
        &self,
        owner: Option<&KeystoneSession>,
        trust_id: Option<&str>,
        trustee: Option<(&str, &SecretString)>,
    ) -> TrustCleanup {
        let mut report = TrustCleanup::default();
        match trust_id {
            None => report.trust_gone = true,
            Some(trust_id) => {
                let deleter = match (owner, trustee) {
                    (Some(owner), _) => Ok(owner.clone()),
                    // Keystone lets only the trustor delete a trust; an impersonating
                    // trust-scoped token of the trustee acts as the trustor (Magnum does this).
                    (None, Some((user_id, password))) => KeystoneSession::builder(
                        self.admin.session().auth_url().as_str(),
                        AuthMethod::Password {
                            user: UserRef::Id(user_id.to_owned()),
                            password: password.clone(),
                        },
                    )
                    .scope(Scope::Trust(trust_id.to_owned()))
                    .build(),
                    (None, None) => Err(Error::InvalidInput(
                        "deleting a trust needs the owner's session or the trustee's credentials"
                            .into(),
                    )),
                };
                let outcome = match deleter {
                    Ok(session) => Identity::new(session).delete_trust(trust_id).await,
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(()) => report.trust_gone = true,
                    Err(e) if e.is_not_found() => report.trust_gone = true,
                    // The trustee can no longer authenticate for a trust that is gone.
                    Err(e) if owner.is_none() && e.kind() == crate::ErrorKind::Auth => {
                        report.trust_gone = true;
                    }
                    Err(e) => report.errors.push(format!("trust {trust_id}: {e}")),
                }
            }
        }
        match trustee {
            None => report.trustee_gone = true,
            Some((user_id, _)) => match self.admin.delete_user(user_id).await {
                Ok(()) => report.trustee_gone = true,
                Err(e) if e.is_not_found() => report.trustee_gone = true,
                // Keystone answers a domain manager 403 (not 404) for a user that does not
                // exist; look in the domain before calling it a failure.
                Err(e) if e.kind() == crate::ErrorKind::Forbidden => {
                    match self.trustee_exists(user_id).await {
                        Ok(false) => report.trustee_gone = true,
                        _ => report.errors.push(format!("trustee {user_id}: {e}")),
                    }
                }
                Err(e) => report.errors.push(format!("trustee {user_id}: {e}")),
            },
        }
        for error in &report.errors {
            tracing::warn!("trust cleanup: {error}");
        }
        report
    }
}

impl TrusteeDomain {
    async fn trustee_exists(&self, user_id: &str) -> Result<bool> {
        #[derive(serde::Deserialize)]
        struct Users {
            users: Vec<super::identity::User>,
        }
        let domain_id = self.domain_id().await?;
        let users: Users = self
            .admin
            .session()
            .identity(
                http::Method::GET,
                &format!("users?domain_id={domain_id}"),
                None,
            )
            .await?;
        Ok(users.users.iter().any(|u| u.id == user_id))
    }
}

/// Magnum's `generate_password`: `length` characters from `23456789`,
/// `ABCDEFGHJKLMNPQRSTUVWXYZ` and `abcdefghijkmnopqrstuvwxyz` (no look-alikes), at least one
/// of each group, shuffled — drawn from the operating system's CSPRNG.
///
/// # Errors
/// [`Error::Config`] when the OS random source fails, or `length < 3`.
pub fn generate_password(length: usize) -> Result<SecretString> {
    const GROUPS: [&[u8]; 3] = [
        b"23456789",
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
    ];
    if length < GROUPS.len() {
        return Err(Error::InvalidInput(
            "a password needs at least 3 characters".into(),
        ));
    }
    let all: Vec<u8> = GROUPS.concat();
    let mut chars: Vec<u8> = Vec::with_capacity(length);
    for group in GROUPS {
        chars.push(group[uniform(group.len())?]);
    }
    while chars.len() < length {
        chars.push(all[uniform(all.len())?]);
    }
    // Fisher–Yates with unbiased indices.
    for i in (1..chars.len()).rev() {
        let j = uniform(i + 1)?;
        chars.swap(i, j);
    }
    Ok(SecretString::from(
        String::from_utf8_lossy(&chars).into_owned(),
    ))
}

/// A uniform index below `bound` (rejection sampling over OS randomness).
fn uniform(bound: usize) -> Result<usize> {
    let bound = u32::try_from(bound).map_err(|_| Error::InvalidInput("bound too large".into()))?;
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Config(format!("the OS random source failed: {e}")))?;
        let value = u32::from_le_bytes(bytes);
        if value < zone {
            return Ok((value % bound) as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn passwords_follow_magnums_alphabet_and_groups() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let password = generate_password(18).unwrap();
            let text = password.expose_secret();
            assert_eq!(text.len(), 18);
            assert!(text.bytes().any(|b| b"23456789".contains(&b)));
            assert!(text.bytes().any(|b| b.is_ascii_uppercase()));
            assert!(text.bytes().any(|b| b.is_ascii_lowercase()));
            assert!(!text.contains(['0', '1', 'I', 'O', 'l']), "{text}");
            seen.insert(text.to_owned());
        }
        assert_eq!(seen.len(), 200, "no repeats");
        assert!(generate_password(2).is_err());
    }

    #[test]
    fn cluster_trusts_hide_the_password() {
        let trust = ClusterTrust {
            trustee_user_id: "u".into(),
            trustee_username: "c_p".into(),
            trustee_password: SecretString::from("Zx9-secret"),
            trust_id: "t".into(),
            trustee_domain_id: "d".into(),
            project_id: "p".into(),
            roles: vec!["member".into()],
        };
        assert!(!format!("{trust:?}").contains("Zx9"));
    }
}
