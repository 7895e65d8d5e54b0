//! Typed Keystone identity calls the SDK needs: users (trustees), trusts and application
//! credentials. Secrets go into request bodies only, never into `Debug` or errors.

use std::fmt;

use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::KeystoneSession;
use crate::error::Result;
use crate::types::Extra;

/// A Keystone user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// Id.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Domain id.
    #[serde(default)]
    pub domain_id: Option<String>,
    /// Enabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A role reference in a trust.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RoleRef {
    /// Role id.
    pub id: String,
    /// Role name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A trust.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Trust {
    /// Id.
    pub id: String,
    /// Trustor.
    pub trustor_user_id: String,
    /// Trustee.
    pub trustee_user_id: String,
    /// Project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Whether tokens act as the trustor.
    #[serde(default)]
    pub impersonation: bool,
    /// Uses left (`None` = unlimited).
    #[serde(default)]
    pub remaining_uses: Option<u32>,
    /// Expiry (`…Z`).
    #[serde(default)]
    pub expires_at: Option<crate::types::Timestamp>,
    /// Delegated roles.
    #[serde(default)]
    pub roles: Vec<RoleRef>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of a trust creation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustCreate {
    /// Trustor (must be the caller).
    pub trustor_user_id: String,
    /// Trustee.
    pub trustee_user_id: String,
    /// Project the trust is for.
    pub project_id: String,
    /// Role names to delegate (the trustor must hold them, implied roles included).
    pub roles: Vec<String>,
    /// Tokens act as the trustor.
    pub impersonation: bool,
    /// The trustee may redelegate.
    pub allow_redelegation: bool,
    /// Number of uses, if limited.
    pub remaining_uses: Option<u32>,
    /// Expiry, UTC (`…Z` is sent; Keystone rejects offsets).
    pub expires_at: Option<time::OffsetDateTime>,
}

impl TrustCreate {
    /// An impersonating, non-redelegatable trust (Magnum's kind).
    pub fn impersonating(
        trustor_user_id: impl Into<String>,
        trustee_user_id: impl Into<String>,
        project_id: impl Into<String>,
        roles: Vec<String>,
    ) -> Self {
        Self {
            trustor_user_id: trustor_user_id.into(),
            trustee_user_id: trustee_user_id.into(),
            project_id: project_id.into(),
            roles,
            impersonation: true,
            allow_redelegation: false,
            remaining_uses: None,
            expires_at: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut trust = json!({
            "trustor_user_id": self.trustor_user_id,
            "trustee_user_id": self.trustee_user_id,
            "project_id": self.project_id,
            "impersonation": self.impersonation,
            "allow_redelegation": self.allow_redelegation,
            "roles": self.roles.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
        });
        if let Some(uses) = self.remaining_uses {
            trust["remaining_uses"] = json!(uses);
        }
        if let Some(expires) = self.expires_at {
            trust["expires_at"] = json!(keystone_timestamp(expires));
        }
        json!({"trust": trust})
    }
}

/// Formats a UTC timestamp the way Keystone accepts it: `2026-11-26T12:00:00.000000Z`.
pub fn keystone_timestamp(when: time::OffsetDateTime) -> String {
    let utc = when.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.microsecond()
    )
}

/// An application credential; `secret` is only present in the creation answer.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct ApplicationCredential {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Project it is scoped to.
    #[serde(default)]
    pub project_id: Option<String>,
    /// The secret (creation answer only).
    #[serde(default)]
    pub secret: Option<SecretString>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Extra,
}

impl fmt::Debug for ApplicationCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationCredential")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("project_id", &self.project_id)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

#[derive(Deserialize)]
struct UserBody {
    user: User,
}

#[derive(Deserialize)]
struct TrustBody {
    trust: Trust,
}

#[derive(Deserialize)]
struct AppCredBody {
    application_credential: ApplicationCredential,
}

/// Identity API calls made with a session's token.
#[derive(Debug, Clone)]
pub struct Identity {
    session: KeystoneSession,
}

impl Identity {
    /// Calls made as `session`.
    pub fn new(session: KeystoneSession) -> Self {
        Self { session }
    }

    /// The session used.
    pub fn session(&self) -> &KeystoneSession {
        &self.session
    }

    /// Creates a user in `domain_id` with a password; `no_password_expiry` sets Keystone's
    /// `ignore_change_password_upon_first_use` and `ignore_password_expiry` options (as Magnum
    /// does for trustees).
    ///
    /// # Errors
    /// Keystone's answer (403 without permission in the domain, 409 duplicate name…).
    pub async fn create_user(
        &self,
        domain_id: &str,
        name: &str,
        password: &SecretString,
        no_password_expiry: bool,
    ) -> Result<User> {
        let mut user = json!({
            "name": name,
            "domain_id": domain_id,
            "password": password.expose_secret(),
            "enabled": true,
        });
        if no_password_expiry {
            user["options"] = json!({
                "ignore_change_password_upon_first_use": true,
                "ignore_password_expiry": true,
            });
        }
        let body: UserBody = self
            .session
            .identity(Method::POST, "users", Some(&json!({"user": user})))
            .await?;
        Ok(body.user)
    }

    /// Deletes a user.
    ///
    /// # Errors
    /// Keystone's answer (404 when already gone).
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        self.session
            .identity_empty(Method::DELETE, &format!("users/{user_id}"), None)
            .await
    }

    /// Creates a trust.
    ///
    /// # Errors
    /// Keystone's answer: 403 "Delegated tokens cannot manage trusts" (trust or app-cred
    /// tokens), 404 for a role the trustor lacks, 400 for a past expiry…
    pub async fn create_trust(&self, request: &TrustCreate) -> Result<Trust> {
        let body: TrustBody = self
            .session
            .identity(Method::POST, "OS-TRUST/trusts", Some(&request.to_json()))
            .await?;
        Ok(body.trust)
    }

    /// Reads a trust.
    ///
    /// # Errors
    /// Keystone's answer (404 when deleted).
    pub async fn trust(&self, trust_id: &str) -> Result<Trust> {
        let body: TrustBody = self
            .session
            .identity(Method::GET, &format!("OS-TRUST/trusts/{trust_id}"), None)
            .await?;
        Ok(body.trust)
    }

    /// Deletes a trust.
    ///
    /// # Errors
    /// Keystone's answer (404 when already gone).
    pub async fn delete_trust(&self, trust_id: &str) -> Result<()> {
        self.session
            .identity_empty(Method::DELETE, &format!("OS-TRUST/trusts/{trust_id}"), None)
            .await
    }

    /// Creates an application credential for `user_id` (the caller).
    ///
    /// # Errors
    /// Keystone's answer (409 duplicate name, 403 from a restricted app-cred token…).
    pub async fn create_application_credential(
        &self,
        user_id: &str,
        name: &str,
        unrestricted: bool,
    ) -> Result<ApplicationCredential> {
        let body = json!({"application_credential": {"name": name, "unrestricted": unrestricted}});
        let answer: AppCredBody = self
            .session
            .identity(
                Method::POST,
                &format!("users/{user_id}/application_credentials"),
                Some(&body),
            )
            .await?;
        Ok(answer.application_credential)
    }

    /// Deletes an application credential.
    ///
    /// # Errors
    /// Keystone's answer.
    pub async fn delete_application_credential(&self, user_id: &str, id: &str) -> Result<()> {
        self.session
            .identity_empty(
                Method::DELETE,
                &format!("users/{user_id}/application_credentials/{id}"),
                None,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_sent_in_utc_with_z() {
        let when = time::macros::datetime!(2026-11-26 14:30:05.123456 +02:00);
        assert_eq!(keystone_timestamp(when), "2026-11-26T12:30:05.123456Z");
    }

    #[test]
    fn trust_bodies_name_roles() {
        let mut trust = TrustCreate::impersonating("a", "b", "p", vec!["member".into()]);
        trust.remaining_uses = Some(1);
        assert_eq!(
            trust.to_json(),
            json!({"trust": {"trustor_user_id": "a", "trustee_user_id": "b", "project_id": "p",
                "impersonation": true, "allow_redelegation": false,
                "roles": [{"name": "member"}], "remaining_uses": 1}})
        );
    }
}
