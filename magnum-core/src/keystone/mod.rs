//! Keystone v3: the wire model and catalog endpoint selection ([`model`], pure), and with the
//! `client` feature the authenticated [`KeystoneSession`] (every auth method and scope, token
//! cache, re-auth), typed [`identity`] calls, and Magnum's cluster [`trust`] lifecycle.

pub mod model;

#[cfg(feature = "client")]
pub mod identity;
#[cfg(feature = "client")]
mod session;
#[cfg(feature = "client")]
pub mod trust;

pub use model::{Catalog, EndpointNotFound, TokenInfo, auth_request, service_aliases};
#[cfg(feature = "client")]
pub use session::{IssuedToken, KeystoneSession, KeystoneSessionBuilder};

#[cfg(feature = "client")]
impl crate::Client {
    /// The normal login, as the `openstack` CLI does it: the cloud `OS_CLOUD` names in
    /// clouds.yaml / secure.yaml / clouds-public.yaml (`OS_CLIENT_CONFIG_FILE`, `./`,
    /// `~/.config/openstack/`, `/etc/openstack/`), overlaid with this process's `OS_*`
    /// variables, then [`Self::from_cloud`]. The configuration's warnings (world-readable
    /// credentials, TLS verification off, …) are logged with `tracing::warn!`; use
    /// [`crate::config::load`] and [`Self::from_cloud`] to handle them yourself.
    ///
    /// # Errors
    /// [`crate::Error::Config`]: no cloud configured (every source tried is listed), a file
    /// that does not parse or holds a wrong type, a missing setting.
    pub fn from_env() -> crate::Result<Self> {
        let cloud = crate::config::load(
            &crate::config::Sources::from_process(),
            &crate::config::Overrides::new(),
        )?;
        for warning in &cloud.warnings {
            tracing::warn!("{warning}");
        }
        Self::from_cloud(&cloud)
    }

    /// A Magnum client for a resolved cloud: Keystone auth from the cloud's credentials, the
    /// Magnum endpoint from the catalog (or `container_infra_endpoint_override`), the
    /// microversion pin from `container_infra_api_version`, and the cloud's TLS settings.
    ///
    /// # Errors
    /// [`crate::Error::Config`] for unusable settings.
    pub fn from_cloud(cloud: &crate::config::CloudConfig) -> crate::Result<Self> {
        Self::from_cloud_session(cloud, KeystoneSession::from_cloud(cloud)?)
    }

    /// As [`Self::from_cloud`], authenticating with an existing `session` (which keeps
    /// sharing its token cache with the caller).
    ///
    /// # Errors
    /// [`crate::Error::Config`] for unusable settings.
    pub fn from_cloud_session(
        cloud: &crate::config::CloudConfig,
        session: KeystoneSession,
    ) -> crate::Result<Self> {
        let http = crate::client::http_client(
            cloud.cacert.as_deref(),
            cloud.insecure,
            Some(std::time::Duration::from_secs(60)),
        )?;
        let mut builder = Self::builder()
            .auth(session)
            .http_client(http)
            .microversion_from(cloud.container_infra_api_version.as_deref())?;
        if let Some(endpoint) = &cloud.container_infra_endpoint {
            builder = builder.endpoint(endpoint.as_str());
        }
        builder.build()
    }
}
