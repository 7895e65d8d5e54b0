//! The provider: its configuration (clouds.yaml / `OS_*` as `Client::from_cloud` reads them,
//! plus terraform-provider-openstack's `cloud`, `auth_url`, `region`, `endpoint_override`,
//! `insecure`, `cacert_file` and credential arguments), the login at configure time, and the
//! connection every resource shares for the life of the plugin process.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use magnum_core::Client;
use magnum_core::config::{CloudConfig, Overrides, Sources};
use magnum_core::doctor::{self, CloudFacts};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::{ClusterCreate, ClusterTemplateCreate};
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::{Diagnostics, map};
use tf_provider::{DynamicDataSource, DynamicResource, Provider};

use crate::convert::{Flag, Str, text};
use crate::schema::{Row, Ty, Who, attributes, block};
use crate::{cluster, diag, nodegroup, template};

/// What a configured provider holds: the cloud, a Keystone session (token cache shared with the
/// client) and the Magnum client.
pub struct Connection {
    /// The resolved cloud (for the doctor's cloud checks).
    pub cloud: CloudConfig,
    /// The logged-in session.
    pub session: KeystoneSession,
    /// The Magnum client.
    pub client: Client,
    /// Which cloud checks run at plan time.
    pub preflight: Preflight,
}

/// The provider's `preflight` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preflight {
    /// The catalog checks (missing services, endpoints VMs cannot reach) and the resource
    /// checks (image, flavors, keypair, networks, volume types, quotas).
    Full,
    /// Only the resource checks (a simulator or a lab whose endpoints are loopback by design).
    Resources,
    /// None at plan time (the local checks at validate time still run).
    Off,
}

impl Preflight {
    /// Parses the argument; `None` for anything else.
    fn parse(text: &str) -> Option<Self> {
        match text {
            "full" => Some(Self::Full),
            "resources" => Some(Self::Resources),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

impl Connection {
    /// The doctor's cloud checks for a template (and the cluster planned on it): the services
    /// the token's catalog offers for what the template needs, then the image (`os_distro`),
    /// flavors, keypair, networks, volume types and quotas, asked of the services. A check
    /// that cannot run (a service answering 500) is a warning, never a refused plan.
    pub async fn preflight(
        &self,
        diags: &mut Diagnostics,
        template: &ClusterTemplateCreate,
        cluster: Option<&ClusterCreate>,
        fields: &diag::Fields,
    ) {
        if self.preflight == Preflight::Off {
            return;
        }
        let found = async {
            let mut found = Vec::new();
            if self.preflight == Preflight::Full {
                let token = self.session.token().await?;
                let facts = CloudFacts::new(token.info(), None, self.cloud.region.as_deref());
                found = doctor::check_cloud(&facts, Some(template), cluster);
            }
            found.extend(
                doctor::resources::check_resources(&self.session, &self.cloud, template, cluster)
                    .await?,
            );
            Ok::<_, magnum_core::Error>(found)
        }
        .await;
        match found {
            Ok(found) => {
                diag::findings(diags, &found, fields);
            }
            Err(error) => diags.root_warning(
                "the cloud pre-flight could not run",
                format!("{error}; the plan goes on without it."),
            ),
        }
    }
}

/// The connection slot shared by the provider and its resources; empty until `configure`.
#[derive(Default, Clone)]
pub struct Shared(Arc<RwLock<Option<Arc<Connection>>>>);

impl Shared {
    /// The connection, or an error diagnostic saying the provider is not configured.
    pub fn get(&self, diags: &mut Diagnostics) -> Option<Arc<Connection>> {
        let found = self.peek();
        if found.is_none() {
            diags.root_error(
                "the magnum provider is not configured",
                "Terraform did not configure the provider before using it, or its configuration failed (see the error above).",
            );
        }
        found
    }

    /// The connection if configured (plan-time checks run only then).
    pub fn peek(&self) -> Option<Arc<Connection>> {
        self.0.read().ok().and_then(|slot| slot.clone())
    }

    fn set(&self, connection: Connection) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(Arc::new(connection));
        }
    }
}

/// The provider configuration block (no `Debug`: it holds the password).
#[derive(Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    cloud: Str,
    auth_url: Str,
    region: Str,
    endpoint_override: Str,
    insecure: Flag,
    cacert_file: Str,
    user_name: Str,
    password: Str,
    tenant_name: Str,
    user_domain_name: Str,
    project_domain_name: Str,
    application_credential_id: Str,
    application_credential_secret: Str,
    preflight: Str,
}

impl ProviderConfig {
    /// The explicit settings, in clouds.yaml spelling (they win over `OS_*` and files).
    fn overrides(&self) -> Overrides {
        let mut overrides = Overrides::new();
        if let Some(cloud) = text(&self.cloud) {
            overrides = overrides.cloud(cloud);
        }
        let pairs = [
            ("auth.auth_url", &self.auth_url),
            ("region_name", &self.region),
            ("container_infra_endpoint_override", &self.endpoint_override),
            ("cacert", &self.cacert_file),
            ("auth.username", &self.user_name),
            ("auth.password", &self.password),
            ("auth.project_name", &self.tenant_name),
            ("auth.user_domain_name", &self.user_domain_name),
            ("auth.project_domain_name", &self.project_domain_name),
            (
                "auth.application_credential_id",
                &self.application_credential_id,
            ),
            (
                "auth.application_credential_secret",
                &self.application_credential_secret,
            ),
        ];
        for (key, value) in pairs {
            if let Some(value) = text(value) {
                overrides = overrides.set(key, value);
            }
        }
        if let Some(insecure) = self.insecure.as_ref_option() {
            overrides = overrides.set("insecure", insecure.to_string());
        }
        if text(&self.application_credential_id).is_some() {
            overrides = overrides.set("auth_type", "v3applicationcredential");
        }
        overrides
    }
}

/// The Magnum provider.
#[derive(Default)]
pub struct MagnumProvider {
    shared: Shared,
}

#[async_trait]
impl Provider for MagnumProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = tf_provider::value::ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let rows = [
            Row(
                "cloud",
                Ty::Str,
                Who::Optional,
                "The clouds.yaml entry to use (wins over OS_CLOUD).",
            ),
            Row(
                "auth_url",
                Ty::Str,
                Who::Optional,
                "Keystone URL (else OS_AUTH_URL / clouds.yaml).",
            ),
            Row(
                "region",
                Ty::Str,
                Who::Optional,
                "Region (else OS_REGION_NAME / clouds.yaml).",
            ),
            Row(
                "endpoint_override",
                Ty::Str,
                Who::Optional,
                "Magnum endpoint to use instead of the catalog's.",
            ),
            Row(
                "insecure",
                Ty::Bool,
                Who::Optional,
                "Skip TLS verification (else OS_INSECURE).",
            ),
            Row(
                "cacert_file",
                Ty::Str,
                Who::Optional,
                "CA bundle for TLS (else OS_CACERT).",
            ),
            Row("user_name", Ty::Str, Who::Optional, "User name."),
            Row("password", Ty::Str, Who::Optional, "Password."),
            Row("tenant_name", Ty::Str, Who::Optional, "Project name."),
            Row("user_domain_name", Ty::Str, Who::Optional, "User domain."),
            Row(
                "project_domain_name",
                Ty::Str,
                Who::Optional,
                "Project domain.",
            ),
            Row(
                "application_credential_id",
                Ty::Str,
                Who::Optional,
                "Application credential id.",
            ),
            Row(
                "application_credential_secret",
                Ty::Str,
                Who::Optional,
                "Application credential secret.",
            ),
            Row(
                "preflight",
                Ty::Str,
                Who::Optional,
                "Cloud checks at plan time: full (default: catalog and resources), resources (image, flavors, keypair, networks, volume types, quotas only: for a simulator or a lab with loopback endpoints), off.",
            ),
        ];
        Some(Schema {
            version: 1,
            block: block(
                "OpenStack Magnum, through magnum-rs. Settings not given here come from OS_* variables and clouds.yaml, as the openstack CLI reads them.",
                attributes(&rows, &["password", "application_credential_secret"]),
                false,
            ),
        })
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let preflight = match text(&config.preflight) {
            None => Preflight::Full,
            Some(value) => match Preflight::parse(value) {
                Some(mode) => mode,
                None => {
                    diags.error(
                        format!("preflight = {value:?} is not full, resources or off"),
                        "full runs the catalog and resource checks at plan time, resources only the resource checks, off none.",
                        tf_provider::AttributePath::new("preflight"),
                    );
                    return None;
                }
            },
        };
        let connected = async {
            let cloud = magnum_core::config::load(&Sources::from_process(), &config.overrides())?;
            let session = KeystoneSession::from_cloud(&cloud)?;
            // Log in now: a wrong password or an unreachable Keystone is one clear error at
            // the start of the plan, not one per resource.
            session.token().await?;
            let client = Client::from_cloud_session(&cloud, session.clone())?;
            Ok::<_, magnum_core::Error>(Connection {
                cloud,
                session,
                client,
                preflight,
            })
        }
        .await;
        match connected {
            Ok(connection) => {
                self.shared.set(connection);
                Some(())
            }
            Err(error) => {
                diag::api_error(diags, "cannot connect to Magnum".to_owned(), &error);
                None
            }
        }
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(map! {
            "cluster_template" => template::TemplateResource(self.shared.clone()),
            "cluster" => cluster::ClusterResource(self.shared.clone()),
            "nodegroup" => nodegroup::NodeGroupResource(self.shared.clone()),
        })
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(map! {
            "cluster_template" => template::TemplateData(self.shared.clone()),
            "cluster" => cluster::ClusterData(self.shared.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tf_provider::value::Value;

    #[test]
    fn provider_arguments_become_clouds_yaml_overrides() {
        let config = ProviderConfig {
            cloud: Value::Value("devstack".into()),
            auth_url: Value::Value("http://127.0.0.1:5000/v3".into()),
            region: Value::Value("RegionTwo".into()),
            insecure: Value::Value(true),
            application_credential_id: Value::Value("ac".into()),
            tenant_name: Value::Unknown,
            ..Default::default()
        };
        let overrides = config.overrides();
        assert_eq!(overrides.cloud.as_deref(), Some("devstack"));
        assert_eq!(
            overrides.values.get("auth.auth_url"),
            Some("http://127.0.0.1:5000/v3")
        );
        assert_eq!(overrides.values.get("region_name"), Some("RegionTwo"));
        assert_eq!(overrides.values.get("insecure"), Some("true"));
        assert_eq!(
            overrides.values.get("auth_type"),
            Some("v3applicationcredential")
        );
        assert_eq!(
            overrides.values.get("auth.project_name"),
            None,
            "unknown is unset"
        );
    }
}
