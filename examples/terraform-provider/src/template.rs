//! `magnum_cluster_template` (≙ `openstack_containerinfra_clustertemplate_v1`): the resource,
//! updated in place through Magnum's JSON-patch, pre-flighted by the doctor at validate and
//! plan time, with Magnum's referenced-template rule checked at plan; and the data source.

use async_trait::async_trait;
use magnum_core::doctor::preflight;
use magnum_core::types::{
    Cluster, ClusterTemplate, ClusterTemplateChange, ClusterTemplateCreate, ClusterTemplateUpdate,
    Coe, ServerType,
};
use magnum_core::{Api, ListParams};
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics, Resource};

use crate::convert::{
    Flag, Labels, Num, Str, known_labels, labels_state, or_unknown, owned, state, state_num, text,
    unknown,
};
use crate::diag::{self, Fields};
use crate::provider::{Connection, Shared};
use crate::schema::{Row, Ty, Who, attributes, block};

/// The resource's (and data source's) state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateState {
    id: Str,
    name: Str,
    coe: Str,
    image: Str,
    cluster_distro: Str,
    dns_nameserver: Str,
    docker_storage_driver: Str,
    docker_volume_size: Num,
    external_network_id: Str,
    fixed_network: Str,
    fixed_subnet: Str,
    flavor: Str,
    master_flavor: Str,
    floating_ip_enabled: Flag,
    http_proxy: Str,
    https_proxy: Str,
    no_proxy: Str,
    insecure_registry: Str,
    keypair_id: Str,
    labels: Labels,
    master_lb_enabled: Flag,
    network_driver: Str,
    public: Flag,
    hidden: Flag,
    registry_enabled: Flag,
    server_type: Str,
    tls_disabled: Flag,
    volume_driver: Str,
    apiserver_port: Num,
    project_id: Str,
    user_id: Str,
    created_at: Str,
    updated_at: Str,
}

/// Applies `$op` to every argument Magnum fills when the configuration leaves it out.
macro_rules! optional_computed {
    ($op:ident) => {
        $op!(
            name,
            cluster_distro,
            dns_nameserver,
            docker_storage_driver,
            docker_volume_size,
            external_network_id,
            fixed_network,
            fixed_subnet,
            flavor,
            master_flavor,
            floating_ip_enabled,
            http_proxy,
            https_proxy,
            no_proxy,
            insecure_registry,
            keypair_id,
            labels,
            master_lb_enabled,
            network_driver,
            public,
            hidden,
            registry_enabled,
            server_type,
            tls_disabled,
            volume_driver,
            apiserver_port
        )
    };
}

const ATTRIBUTES: &[&str] = &[
    "id",
    "name",
    "coe",
    "image",
    "cluster_distro",
    "dns_nameserver",
    "docker_storage_driver",
    "docker_volume_size",
    "external_network_id",
    "fixed_network",
    "fixed_subnet",
    "flavor",
    "master_flavor",
    "floating_ip_enabled",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "insecure_registry",
    "keypair_id",
    "labels",
    "master_lb_enabled",
    "network_driver",
    "public",
    "hidden",
    "registry_enabled",
    "server_type",
    "tls_disabled",
    "volume_driver",
    "apiserver_port",
];

/// Doctor fields in this resource's spelling.
const FIELDS: Fields = Fields {
    renames: &[
        ("image_id", "image"),
        ("flavor_id", "flavor"),
        ("master_flavor_id", "master_flavor"),
        ("keypair", "keypair_id"),
    ],
    attributes: ATTRIBUTES,
    quota_attribute: None,
};

fn rows(data_source: bool) -> Vec<Row> {
    let arg = |required: bool| match (data_source, required) {
        (true, _) => Who::Computed,
        (false, true) => Who::Required,
        (false, false) => Who::OptionalComputed,
    };
    let mut rows = vec![
        Row(
            "id",
            Ty::Str,
            if data_source {
                Who::OptionalComputed
            } else {
                Who::Computed
            },
            "The template's UUID.",
        ),
        Row(
            "name",
            Ty::Str,
            Who::OptionalComputed,
            "The template's name.",
        ),
        Row(
            "coe",
            Ty::Str,
            arg(true),
            "Container orchestration engine: kubernetes, swarm-mode.",
        ),
        Row(
            "image",
            Ty::Str,
            arg(true),
            "Glance image name or id (its os_distro picks the driver).",
        ),
    ];
    let optional: [(&'static str, Ty, &'static str); 24] = [
        (
            "cluster_distro",
            Ty::Str,
            "The image's os_distro (Magnum derives it; a different value is refused).",
        ),
        ("dns_nameserver", Ty::Str, "DNS servers, comma separated."),
        ("docker_storage_driver", Ty::Str, "Docker storage driver."),
        ("docker_volume_size", Ty::Num, "Docker volume size (GB)."),
        ("external_network_id", Ty::Str, "External network."),
        ("fixed_network", Ty::Str, "Fixed (private) network."),
        ("fixed_subnet", Ty::Str, "Fixed subnet."),
        ("flavor", Ty::Str, "Worker flavor."),
        ("master_flavor", Ty::Str, "Master flavor."),
        ("floating_ip_enabled", Ty::Bool, "Floating IPs for nodes."),
        ("http_proxy", Ty::Str, "HTTP proxy for nodes."),
        ("https_proxy", Ty::Str, "HTTPS proxy for nodes."),
        ("no_proxy", Ty::Str, "Proxy exclusions."),
        ("insecure_registry", Ty::Str, "Insecure registry."),
        ("keypair_id", Ty::Str, "Nova keypair."),
        ("labels", Ty::Map, "Labels (driver options)."),
        ("master_lb_enabled", Ty::Bool, "Load balancer for masters."),
        ("network_driver", Ty::Str, "CNI: flannel, calico."),
        ("public", Ty::Bool, "Visible to every project (admin)."),
        ("hidden", Ty::Bool, "Hidden from listings (admin)."),
        ("registry_enabled", Ty::Bool, "Docker registry."),
        ("server_type", Ty::Str, "vm or bm."),
        ("tls_disabled", Ty::Bool, "Disable TLS."),
        ("volume_driver", Ty::Str, "Volume driver: cinder."),
    ];
    rows.extend(
        optional
            .into_iter()
            .map(|(name, ty, description)| Row(name, ty, arg(false), description)),
    );
    rows.push(Row(
        "apiserver_port",
        Ty::Num,
        arg(false),
        "API server port.",
    ));
    for name in ["project_id", "user_id", "created_at", "updated_at"] {
        rows.push(Row(name, Ty::Str, Who::Computed, "Set by Magnum."));
    }
    rows
}

impl TemplateState {
    /// State from Magnum's answer.
    fn from_template(t: &ClusterTemplate) -> Self {
        Self {
            id: Value::Value(t.uuid.to_string()),
            name: state(t.name.clone()),
            coe: state(t.coe.as_ref().map(|c| c.as_str().to_owned())),
            image: state(t.image_id.clone()),
            cluster_distro: state(t.cluster_distro.as_ref().map(|d| d.as_str().to_owned())),
            dns_nameserver: state(t.dns_nameserver.clone()),
            docker_storage_driver: state(t.docker_storage_driver.clone()),
            docker_volume_size: state_num(t.docker_volume_size),
            external_network_id: state(t.external_network_id.clone()),
            fixed_network: state(t.fixed_network.clone()),
            fixed_subnet: state(t.fixed_subnet.clone()),
            flavor: state(t.flavor_id.clone()),
            master_flavor: state(t.master_flavor_id.clone()),
            floating_ip_enabled: state(t.floating_ip_enabled),
            http_proxy: state(t.http_proxy.clone()),
            https_proxy: state(t.https_proxy.clone()),
            no_proxy: state(t.no_proxy.clone()),
            insecure_registry: state(t.insecure_registry.clone()),
            keypair_id: state(t.keypair_id.clone()),
            labels: labels_state(t.labels.clone()),
            master_lb_enabled: state(t.master_lb_enabled),
            network_driver: state(t.network_driver.clone()),
            public: state(t.public),
            hidden: state(t.hidden),
            registry_enabled: state(t.registry_enabled),
            server_type: state(t.server_type.as_ref().map(|s| s.as_str().to_owned())),
            tls_disabled: state(t.tls_disabled),
            volume_driver: state(t.volume_driver.clone()),
            apiserver_port: state(t.apiserver_port.map(f64::from)),
            project_id: state(t.project_id.clone()),
            user_id: state(t.user_id.clone()),
            created_at: state(t.created_at.as_ref().map(ToString::to_string)),
            updated_at: state(t.updated_at.as_ref().map(ToString::to_string)),
        }
    }

    /// The create body from the configuration; `None` (with diagnostics) when a number is out
    /// of range or `coe` / `image` are not known yet.
    fn to_create(&self, diags: &mut Diagnostics) -> Option<ClusterTemplateCreate> {
        let docker_volume_size =
            crate::convert::count(diags, &self.docker_volume_size, "docker_volume_size");
        let apiserver_port = match self.apiserver_port.as_ref_option() {
            None => Ok(None),
            Some(port) => tcp_port(*port).map(Some).ok_or_else(|| {
                diags.error(
                    format!("apiserver_port = {port} is not a TCP port"),
                    "Give a port from 1 to 65535.",
                    AttributePath::new("apiserver_port"),
                );
            }),
        };
        let (Ok(docker_volume_size), Ok(apiserver_port), Some(image), Some(coe)) = (
            docker_volume_size,
            apiserver_port,
            text(&self.image),
            text(&self.coe),
        ) else {
            return None;
        };
        let mut body = ClusterTemplateCreate::new(image, Coe::from(coe));
        body.name = owned(&self.name);
        body.dns_nameserver = owned(&self.dns_nameserver);
        body.docker_storage_driver = owned(&self.docker_storage_driver);
        body.docker_volume_size = docker_volume_size;
        body.external_network_id = owned(&self.external_network_id);
        body.fixed_network = owned(&self.fixed_network);
        body.fixed_subnet = owned(&self.fixed_subnet);
        body.flavor_id = owned(&self.flavor);
        body.master_flavor_id = owned(&self.master_flavor);
        body.floating_ip_enabled = self.floating_ip_enabled.as_ref_option().copied();
        body.http_proxy = owned(&self.http_proxy);
        body.https_proxy = owned(&self.https_proxy);
        body.no_proxy = owned(&self.no_proxy);
        body.insecure_registry = owned(&self.insecure_registry);
        body.keypair_id = owned(&self.keypair_id);
        body.labels = known_labels(&self.labels);
        body.master_lb_enabled = self.master_lb_enabled.as_ref_option().copied();
        body.network_driver = owned(&self.network_driver);
        body.public = self.public.as_ref_option().copied();
        body.hidden = self.hidden.as_ref_option().copied();
        body.registry_enabled = self.registry_enabled.as_ref_option().copied();
        body.server_type = text(&self.server_type).map(ServerType::from);
        body.tls_disabled = self.tls_disabled.as_ref_option().copied();
        body.volume_driver = owned(&self.volume_driver);
        body.apiserver_port = apiserver_port;
        Some(body)
    }

    /// Whether any argument is still unknown (the cloud checks wait for apply then).
    fn has_unknown(&self) -> bool {
        let mut any = unknown(&self.coe) || unknown(&self.image);
        macro_rules! check {
            ($($f:ident),*) => { $( any |= unknown(&self.$f); )* };
        }
        optional_computed!(check);
        any
    }

    /// The JSON-patch from `self` (prior state) to `planned`, for the arguments that changed.
    fn patch_to(&self, planned: &Self, diags: &mut Diagnostics) -> Option<ClusterTemplateUpdate> {
        use ClusterTemplateChange as C;
        let mut update = ClusterTemplateUpdate::new();
        let changed = |a: &Str, b: &Str| text(b).filter(|_| a != b).map(str::to_owned);
        let flag = |a: &Flag, b: &Flag| b.as_ref_option().copied().filter(|_| a != b);
        let strings: [Changed<'_, Str, String>; 16] = [
            (&self.name, &planned.name, C::Name),
            (&self.image, &planned.image, C::ImageId),
            (&self.flavor, &planned.flavor, C::FlavorId),
            (
                &self.master_flavor,
                &planned.master_flavor,
                C::MasterFlavorId,
            ),
            (
                &self.dns_nameserver,
                &planned.dns_nameserver,
                C::DnsNameserver,
            ),
            (&self.keypair_id, &planned.keypair_id, C::KeypairId),
            (
                &self.external_network_id,
                &planned.external_network_id,
                C::ExternalNetworkId,
            ),
            (&self.fixed_network, &planned.fixed_network, C::FixedNetwork),
            (&self.fixed_subnet, &planned.fixed_subnet, C::FixedSubnet),
            (
                &self.network_driver,
                &planned.network_driver,
                C::NetworkDriver,
            ),
            (&self.volume_driver, &planned.volume_driver, C::VolumeDriver),
            (
                &self.docker_storage_driver,
                &planned.docker_storage_driver,
                C::DockerStorageDriver,
            ),
            (&self.http_proxy, &planned.http_proxy, C::HttpProxy),
            (&self.https_proxy, &planned.https_proxy, C::HttpsProxy),
            (&self.no_proxy, &planned.no_proxy, C::NoProxy),
            (
                &self.insecure_registry,
                &planned.insecure_registry,
                C::InsecureRegistry,
            ),
        ];
        for (prior, next, change) in strings {
            if let Some(value) = changed(prior, next) {
                update = update.set(change(value));
            }
        }
        let flags: [Changed<'_, Flag, bool>; 6] = [
            (
                &self.floating_ip_enabled,
                &planned.floating_ip_enabled,
                C::FloatingIpEnabled,
            ),
            (
                &self.master_lb_enabled,
                &planned.master_lb_enabled,
                C::MasterLbEnabled,
            ),
            (&self.public, &planned.public, C::Public),
            (&self.hidden, &planned.hidden, C::Hidden),
            (
                &self.registry_enabled,
                &planned.registry_enabled,
                C::RegistryEnabled,
            ),
            (&self.tls_disabled, &planned.tls_disabled, C::TlsDisabled),
        ];
        for (prior, next, change) in flags {
            if let Some(value) = flag(prior, next) {
                update = update.set(change(value));
            }
        }
        if let Some(server_type) = changed(&self.server_type, &planned.server_type) {
            update = update.set(C::ServerType(ServerType::from(server_type.as_str())));
        }
        if let Some(labels) =
            known_labels(&planned.labels).filter(|_| self.labels != planned.labels)
        {
            update = update.set(C::Labels(labels));
        }
        if self.docker_volume_size != planned.docker_volume_size {
            if let Ok(Some(size)) =
                crate::convert::count(diags, &planned.docker_volume_size, "docker_volume_size")
            {
                update = update.set(C::DockerVolumeSize(size));
            }
        }
        if self.apiserver_port != planned.apiserver_port {
            if let Some(port) = planned
                .apiserver_port
                .as_ref_option()
                .and_then(|p| tcp_port(*p))
            {
                update = update.set(C::ApiserverPort(port));
            }
        }
        diags.errors.is_empty().then_some(update)
    }
}

/// A TCP port (1–65535, whole) from a Terraform number.
fn tcp_port(n: f64) -> Option<u16> {
    let whole = crate::convert::whole(&Value::Value(n))?;
    u16::try_from(whole).ok().filter(|p| *p > 0)
}

/// One patchable argument: prior value, planned value, and the typed change that sets it.
type Changed<'a, V, T> = (&'a V, &'a V, fn(T) -> ClusterTemplateChange);

/// The `magnum_cluster_template` resource.
pub struct TemplateResource(pub Shared);

/// Magnum's referenced-template rule: a template clusters use accepts one change of `name`,
/// `hidden`, `tags` or `public = true` at a time, nothing else.
fn allowed_on_referenced(update: &ClusterTemplateUpdate) -> bool {
    match update.ops() {
        [op] => match op.path.as_str() {
            "/name" | "/hidden" | "/tags" => true,
            "/public" => op.value == Some(magnum_core::types::PatchValue::bool(true)),
            _ => false,
        },
        _ => false,
    }
}

/// The clusters (of this project) built on template `id`.
async fn clusters_using(connection: &Connection, id: &str) -> magnum_core::Result<Vec<String>> {
    let clusters: Api<Cluster> = Api::new(connection.client.clone());
    Ok(clusters
        .list_all_with(&ListParams::default(), false)
        .await?
        .into_iter()
        .filter(|c| {
            c.cluster_template_id
                .as_ref()
                .is_some_and(|t| t.as_str() == id)
        })
        .map(|c| c.name.unwrap_or_else(|| c.uuid.to_string()))
        .collect())
}

async fn fetch(connection: &Connection, key: &str) -> magnum_core::Result<Option<ClusterTemplate>> {
    Api::<ClusterTemplate>::new(connection.client.clone())
        .get_opt(key)
        .await
}

#[async_trait]
impl Resource for TemplateResource {
    type State<'a> = Value<TemplateState>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "A Magnum cluster template (≙ openstack_containerinfra_clustertemplate_v1), pre-flighted by magnum-rs's doctor at plan time.",
                attributes(&rows(false), &[]),
                false,
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Some(config) = config.as_ref_option() {
            if let Some(body) = config.to_create(diags) {
                diag::findings(diags, &preflight::check_template(&body), &FIELDS);
            }
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        let id = state
            .as_ref_option()
            .and_then(|s| text(&s.id).map(str::to_owned))?;
        match fetch(&connection, &id).await {
            // Deleted outside Terraform: a null state makes the next plan create it again.
            Ok(None) => Some((Value::Null, private_state)),
            Ok(Some(found)) => Some((
                Value::Value(TemplateState::from_template(&found)),
                private_state,
            )),
            Err(error) => {
                diag::api_error(diags, format!("reading cluster template {id}"), &error);
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut planned = proposed.as_ref_option()?.clone();
        let config = config.as_ref_option()?;
        macro_rules! fill {
            ($($f:ident),*) => { $( planned.$f = or_unknown(&planned.$f); )* };
        }
        optional_computed!(fill);
        planned.id = Value::Unknown;
        planned.project_id = Value::Unknown;
        planned.user_id = Value::Unknown;
        planned.created_at = Value::Unknown;
        planned.updated_at = Value::Unknown;
        if let (Some(connection), false) = (self.0.peek(), config.has_unknown()) {
            if let Some(body) = config.to_create(diags) {
                connection.preflight(diags, &body, None, &FIELDS).await;
            }
        }
        Some((Value::Value(planned), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = prior.as_ref_option()?;
        let config = config.as_ref_option()?;
        let mut planned = proposed.as_ref_option()?.clone();
        let mut replace = Vec::new();
        // Magnum has no patch for the COE: a different engine is a different template.
        if planned.coe != prior.coe {
            replace.push(AttributePath::new("coe"));
            return Some((Value::Value(planned), private_state, replace));
        }
        let mut scratch = Diagnostics::default();
        let patch = prior.patch_to(&planned, &mut scratch);
        diags.add_diagnostics(scratch);
        let patch = patch?;
        if patch.is_empty() && !planned.has_unknown() {
            return Some((Value::Value(planned), private_state, replace));
        }
        planned.updated_at = Value::Unknown;
        if planned.image != prior.image && config.cluster_distro == Value::Null {
            planned.cluster_distro = Value::Unknown;
        }
        if let (Some(connection), Some(id)) = (self.0.peek(), text(&prior.id)) {
            if !allowed_on_referenced(&patch) {
                match clusters_using(&connection, id).await {
                    Ok(users) if !users.is_empty() => diags.root_error(
                        format!("ClusterTemplate {id} is referenced by one or multiple clusters."),
                        format!(
                            "Magnum refuses this change while clusters use the template ({}): only one change of name, hidden, tags or public = true at a time. Create a new magnum_cluster_template and point the clusters' cluster_template_id at it (an in-place upgrade).",
                            users.join(", ")
                        ),
                    ),
                    Ok(_) => {}
                    Err(error) => diag::api_error(diags, "listing the clusters that use this template".to_owned(), &error),
                }
            }
            if !config.has_unknown() {
                if let Some(body) = config.to_create(diags) {
                    connection.preflight(diags, &body, None, &FIELDS).await;
                }
            }
        }
        Some((Value::Value(planned), private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        _planned: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        let config = config.as_ref_option()?;
        let body = config.to_create(diags)?;
        match Api::<ClusterTemplate>::new(connection.client.clone())
            .create(&body)
            .await
        {
            Ok(created) => {
                let state = TemplateState::from_template(&created);
                if let Some(wanted) =
                    text(&config.cluster_distro).filter(|w| Some(*w) != text(&state.cluster_distro))
                {
                    diags.error(
                        format!("cluster_distro = {wanted:?} is not what Magnum derived from the image"),
                        format!(
                            "Magnum takes cluster_distro from the image's os_distro ({}); remove cluster_distro or set it to that.",
                            text(&state.cluster_distro).unwrap_or("none")
                        ),
                        AttributePath::new("cluster_distro"),
                    );
                }
                Some((Value::Value(state), private_state))
            }
            Err(error) => {
                diag::api_error(diags, "creating the cluster template".to_owned(), &error);
                None
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        let prior = prior.as_ref_option()?;
        let planned = planned.as_ref_option()?;
        let id = text(&prior.id)?.to_owned();
        let patch = prior.patch_to(planned, diags)?;
        let templates = Api::<ClusterTemplate>::new(connection.client.clone());
        let result = if patch.is_empty() {
            templates.get(id.as_str()).await
        } else {
            templates.update(id.as_str(), &patch).await
        };
        match result {
            Ok(updated) => Some((
                Value::Value(TemplateState::from_template(&updated)),
                private_state,
            )),
            Err(error) => {
                diag::api_error(diags, format!("updating cluster template {id}"), &error);
                None
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let connection = self.0.get(diags)?;
        let id = prior
            .as_ref_option()
            .and_then(|p| text(&p.id).map(str::to_owned))?;
        match Api::<ClusterTemplate>::new(connection.client.clone())
            .delete(id.as_str())
            .await
        {
            Ok(()) => Some(()),
            Err(error) if error.is_not_found() => Some(()),
            Err(error) => {
                diag::api_error(diags, format!("deleting cluster template {id}"), &error);
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let connection = self.0.get(diags)?;
        match fetch(&connection, &id).await {
            Ok(Some(found)) => Some((
                Value::Value(TemplateState::from_template(&found)),
                ValueEmpty::default(),
            )),
            Ok(None) => {
                diags.root_error(
                    format!("no cluster template {id:?} to import"),
                    "Give the template's UUID or its name (unique in the project).",
                );
                None
            }
            Err(error) => {
                diag::api_error(diags, format!("importing cluster template {id}"), &error);
                None
            }
        }
    }
}

/// The `magnum_cluster_template` data source: one template by `id` or `name`.
pub struct TemplateData(pub Shared);

/// The `id`, else the `name`, of a data source's configuration; an error when neither is set.
pub fn lookup_key(diags: &mut Diagnostics, id: &Str, name: &Str) -> Option<String> {
    let key = text(id).or(text(name)).map(str::to_owned);
    if key.is_none() {
        diags.root_error(
            "give id or name",
            "The data source looks the object up by UUID or by name.",
        );
    }
    key
}

#[async_trait]
impl DataSource for TemplateData {
    type State<'a> = TemplateState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "A Magnum cluster template, by id or name.",
                attributes(&rows(true), &[]),
                false,
            ),
        })
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let connection = self.0.get(diags)?;
        let key = lookup_key(diags, &config.id, &config.name)?;
        match fetch(&connection, &key).await {
            Ok(Some(found)) => Some(TemplateState::from_template(&found)),
            Ok(None) => {
                diags.root_error(
                    format!("no cluster template {key:?}"),
                    "No template with this UUID or name is visible to the project.",
                );
                None
            }
            Err(error) => {
                diag::api_error(diags, format!("reading cluster template {key}"), &error);
                None
            }
        }
    }
}

/// An existing template as the create body the doctor's checks take; `None` when Magnum
/// returned no image or COE (nothing to check then).
pub fn template_as_create(t: &ClusterTemplate) -> Option<ClusterTemplateCreate> {
    let mut body = ClusterTemplateCreate::new(t.image_id.clone()?, t.coe.clone()?);
    body.name = t.name.clone();
    body.flavor_id = t.flavor_id.clone();
    body.master_flavor_id = t.master_flavor_id.clone();
    body.dns_nameserver = t.dns_nameserver.clone();
    body.keypair_id = t.keypair_id.clone();
    body.external_network_id = t.external_network_id.clone();
    body.fixed_network = t.fixed_network.clone();
    body.fixed_subnet = t.fixed_subnet.clone();
    body.network_driver = t.network_driver.clone();
    body.volume_driver = t.volume_driver.clone();
    body.apiserver_port = t.apiserver_port;
    body.docker_volume_size = t.docker_volume_size;
    body.docker_storage_driver = t.docker_storage_driver.clone();
    body.labels = t.labels.clone();
    body.tls_disabled = t.tls_disabled;
    body.server_type = t.server_type.clone();
    body.master_lb_enabled = t.master_lb_enabled;
    body.floating_ip_enabled = t.floating_ip_enabled;
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use magnum_core::types::PatchValue;

    fn base() -> TemplateState {
        TemplateState {
            id: Value::Value("t-1".into()),
            coe: Value::Value("kubernetes".into()),
            image: Value::Value("fedora-coreos-40".into()),
            name: Value::Value("old".into()),
            docker_volume_size: Value::Value(10.0),
            ..Default::default()
        }
    }

    #[test]
    fn only_changed_arguments_are_patched() {
        let prior = base();
        let mut planned = base();
        let mut diags = Diagnostics::default();
        assert!(
            prior
                .patch_to(&planned, &mut diags)
                .expect("patch")
                .is_empty()
        );
        planned.name = Value::Value("new".into());
        planned.docker_volume_size = Value::Value(20.0);
        planned.labels = labels_state(Some([("a".to_owned(), "b".to_owned())].into()));
        planned.public = Value::Value(true);
        let patch = prior.patch_to(&planned, &mut diags).expect("patch");
        let paths: Vec<&str> = patch.ops().iter().map(|op| op.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/name", "/public", "/labels", "/docker_volume_size"]
        );
        // Unknown planned values (from other resources) are not sent.
        planned.name = Value::Unknown;
        let patch = prior.patch_to(&planned, &mut diags).expect("patch");
        assert!(patch.ops().iter().all(|op| op.path != "/name"));
    }

    #[test]
    fn out_of_range_numbers_are_refused_on_their_attribute() {
        for port in [0.0, 65_536.0, -1.0, 80.5, f64::NAN, 1e300] {
            let mut config = base();
            config.apiserver_port = Value::Value(port);
            let mut diags = Diagnostics::default();
            assert!(config.to_create(&mut diags).is_none(), "{port}");
            assert_eq!(
                diags.errors[0].attribute,
                AttributePath::new("apiserver_port")
            );
        }
        let mut config = base();
        config.docker_volume_size = Value::Value(1e12);
        let mut diags = Diagnostics::default();
        assert!(config.to_create(&mut diags).is_none());
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("docker_volume_size")
        );
    }

    #[test]
    fn magnums_referenced_template_rule() {
        let one = |change| ClusterTemplateUpdate::new().set(change);
        assert!(allowed_on_referenced(&one(ClusterTemplateChange::Name(
            "n".into()
        ))));
        assert!(allowed_on_referenced(&one(ClusterTemplateChange::Hidden(
            false
        ))));
        assert!(allowed_on_referenced(&one(ClusterTemplateChange::Public(
            true
        ))));
        assert!(!allowed_on_referenced(&one(ClusterTemplateChange::Public(
            false
        ))));
        assert!(!allowed_on_referenced(&one(
            ClusterTemplateChange::NetworkDriver("calico".into())
        )));
        let two =
            one(ClusterTemplateChange::Name("n".into())).set(ClusterTemplateChange::Hidden(true));
        assert!(!allowed_on_referenced(&two), "one change at a time");
        assert_eq!(
            one(ClusterTemplateChange::Public(true)).ops()[0].value,
            Some(PatchValue::bool(true))
        );
    }
}
