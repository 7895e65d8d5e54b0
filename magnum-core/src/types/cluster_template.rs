//! ClusterTemplate: the response model, the create request (a builder), and typed JSON-patch
//! changes. Field meanings and constraints follow `magnum/api/controllers/v1/cluster_template.py`
//! (object version 1.21).

use serde::{Deserialize, Serialize};

use super::common::{Extra, Labels, Link, Timestamp, lenient_labels};
use super::enums::{Coe, OsDistro, ServerType};
use super::patch::{PatchOp, PatchValue};
use crate::ids::ClusterTemplateId;

/// A cluster template as Magnum returns it (`GET /v1/clustertemplates/{id}`, list and detail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClusterTemplate {
    /// Template UUID.
    pub uuid: ClusterTemplateId,
    /// Name (not unique: a lookup by a shared name answers 409).
    #[serde(default)]
    pub name: Option<String>,
    /// Container orchestration engine.
    #[serde(default)]
    pub coe: Option<Coe>,
    /// Glance image name or id.
    #[serde(default)]
    pub image_id: Option<String>,
    /// Worker flavor.
    #[serde(default)]
    pub flavor_id: Option<String>,
    /// Master flavor.
    #[serde(default)]
    pub master_flavor_id: Option<String>,
    /// Comma-separated IPv4 DNS servers.
    #[serde(default)]
    pub dns_nameserver: Option<String>,
    /// Nova keypair name.
    #[serde(default)]
    pub keypair_id: Option<String>,
    /// External network name or id.
    #[serde(default)]
    pub external_network_id: Option<String>,
    /// Fixed network name or id.
    #[serde(default)]
    pub fixed_network: Option<String>,
    /// Fixed subnet name or id.
    #[serde(default)]
    pub fixed_subnet: Option<String>,
    /// CNI: `flannel`, `calico`, `cilium`.
    #[serde(default)]
    pub network_driver: Option<String>,
    /// Volume driver (`cinder`).
    #[serde(default)]
    pub volume_driver: Option<String>,
    /// API server port (1024–65535).
    #[serde(default)]
    pub apiserver_port: Option<u16>,
    /// Docker volume size in GB.
    #[serde(default)]
    pub docker_volume_size: Option<u32>,
    /// Docker storage driver (`overlay2`; `devicemapper`/`overlay` are deprecated).
    #[serde(default)]
    pub docker_storage_driver: Option<String>,
    /// The image's `os_distro`, copied by Magnum at create time.
    #[serde(default)]
    pub cluster_distro: Option<OsDistro>,
    /// HTTP proxy for the nodes.
    #[serde(default)]
    pub http_proxy: Option<String>,
    /// HTTPS proxy for the nodes.
    #[serde(default)]
    pub https_proxy: Option<String>,
    /// Proxy exclusions.
    #[serde(default)]
    pub no_proxy: Option<String>,
    /// Whether a Docker registry is deployed.
    #[serde(default)]
    pub registry_enabled: Option<bool>,
    /// Driver labels (string map).
    #[serde(default, deserialize_with = "lenient_labels")]
    pub labels: Option<Labels>,
    /// TLS disabled on the cluster API.
    #[serde(default)]
    pub tls_disabled: Option<bool>,
    /// Visible to every project.
    #[serde(default)]
    pub public: Option<bool>,
    /// `vm` or `bm`.
    #[serde(default)]
    pub server_type: Option<ServerType>,
    /// Insecure registry address.
    #[serde(default)]
    pub insecure_registry: Option<String>,
    /// A load balancer in front of the masters.
    #[serde(default)]
    pub master_lb_enabled: Option<bool>,
    /// Floating IPs on nodes.
    #[serde(default)]
    pub floating_ip_enabled: Option<bool>,
    /// Hidden from listings (admin-only flag).
    #[serde(default)]
    pub hidden: Option<bool>,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Option<String>,
    /// Driver entry point that serves this template (object version 1.21).
    #[serde(default)]
    pub driver: Option<String>,
    /// Owning project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Creating user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// `self` and `bookmark` links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Keys this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of `POST /v1/clustertemplates`. Required fields are constructor arguments; the rest are
/// chained setters. Only fields that were set are sent.
///
/// ```
/// # use magnum_core::types::{ClusterTemplateCreate, Coe};
/// let body = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
///     .name("k8s")
///     .flavor_id("m1.small")
///     .external_network_id("public")
///     .label("kube_tag", "v1.30.1");
/// assert_eq!(serde_json::to_value(&body).unwrap()["labels"]["kube_tag"], "v1.30.1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClusterTemplateCreate {
    /// Glance image name or id (required).
    pub image_id: String,
    /// COE (required).
    pub coe: Coe,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Worker flavor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flavor_id: Option<String>,
    /// Master flavor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_flavor_id: Option<String>,
    /// Comma-separated IPv4 DNS servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_nameserver: Option<String>,
    /// Nova keypair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keypair_id: Option<String>,
    /// External network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_network_id: Option<String>,
    /// Fixed network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_network: Option<String>,
    /// Fixed subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_subnet: Option<String>,
    /// CNI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_driver: Option<String>,
    /// Volume driver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_driver: Option<String>,
    /// API server port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apiserver_port: Option<u16>,
    /// Docker volume size (GB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_volume_size: Option<u32>,
    /// Docker storage driver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_storage_driver: Option<String>,
    /// HTTP proxy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_proxy: Option<String>,
    /// HTTPS proxy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_proxy: Option<String>,
    /// Proxy exclusions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_proxy: Option<String>,
    /// Deploy a registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_enabled: Option<bool>,
    /// Labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// Disable TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_disabled: Option<bool>,
    /// Public (needs the `clustertemplate:publish` policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// `vm` or `bm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_type: Option<ServerType>,
    /// Insecure registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_registry: Option<String>,
    /// Master load balancer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_lb_enabled: Option<bool>,
    /// Floating IPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floating_ip_enabled: Option<bool>,
    /// Hidden (needs the `clustertemplate:publish` policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// Explicit driver entry point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
}

impl ClusterTemplateCreate {
    /// Starts a create body with the two mandatory fields (`coe`: a [`Coe`] or its wire text,
    /// `"kubernetes"`).
    pub fn new(image_id: impl Into<String>, coe: impl Into<Coe>) -> Self {
        Self {
            image_id: image_id.into(),
            coe: coe.into(),
            name: None,
            flavor_id: None,
            master_flavor_id: None,
            dns_nameserver: None,
            keypair_id: None,
            external_network_id: None,
            fixed_network: None,
            fixed_subnet: None,
            network_driver: None,
            volume_driver: None,
            apiserver_port: None,
            docker_volume_size: None,
            docker_storage_driver: None,
            http_proxy: None,
            https_proxy: None,
            no_proxy: None,
            registry_enabled: None,
            labels: None,
            tls_disabled: None,
            public: None,
            server_type: None,
            insecure_registry: None,
            master_lb_enabled: None,
            floating_ip_enabled: None,
            hidden: None,
            tags: None,
            driver: None,
        }
    }

    /// Adds one label (keeps the others).
    #[must_use]
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels
            .get_or_insert_with(Labels::new)
            .insert(key.into(), value.into());
        self
    }
}

super::setters!(ClusterTemplateCreate {
    /// Sets the name.
    name: String,
    /// Sets the worker flavor.
    flavor_id: String,
    /// Sets the master flavor.
    master_flavor_id: String,
    /// Sets the DNS servers (comma-separated IPv4).
    dns_nameserver: String,
    /// Sets the keypair.
    keypair_id: String,
    /// Sets the external network.
    external_network_id: String,
    /// Sets the fixed network.
    fixed_network: String,
    /// Sets the fixed subnet.
    fixed_subnet: String,
    /// Sets the CNI.
    network_driver: String,
    /// Sets the volume driver.
    volume_driver: String,
    /// Sets the API server port.
    apiserver_port: u16,
    /// Sets the docker volume size (GB).
    docker_volume_size: u32,
    /// Sets the docker storage driver.
    docker_storage_driver: String,
    /// Sets the HTTP proxy.
    http_proxy: String,
    /// Sets the HTTPS proxy.
    https_proxy: String,
    /// Sets the proxy exclusions.
    no_proxy: String,
    /// Enables the registry.
    registry_enabled: bool,
    /// Replaces all labels.
    labels: Labels,
    /// Disables TLS.
    tls_disabled: bool,
    /// Makes the template public.
    public: bool,
    /// Sets the server type.
    server_type: ServerType,
    /// Sets the insecure registry.
    insecure_registry: String,
    /// Enables the master load balancer.
    master_lb_enabled: bool,
    /// Enables floating IPs.
    floating_ip_enabled: bool,
    /// Hides the template.
    hidden: bool,
    /// Sets tags.
    tags: String,
    /// Names the driver explicitly.
    driver: String,
});

/// A typed change to one template attribute, for `PATCH /v1/clustertemplates/{id}`.
///
/// A template referenced by clusters accepts only `Name`, `Public(true)`, `Hidden(_)` or
/// `Tags` changes, one at a time (Magnum's `ClusterTemplateReferenced`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClusterTemplateChange {
    /// Rename.
    Name(String),
    /// New image.
    ImageId(String),
    /// Worker flavor.
    FlavorId(String),
    /// Master flavor.
    MasterFlavorId(String),
    /// DNS servers.
    DnsNameserver(String),
    /// Keypair.
    KeypairId(String),
    /// External network.
    ExternalNetworkId(String),
    /// Fixed network.
    FixedNetwork(String),
    /// Fixed subnet.
    FixedSubnet(String),
    /// CNI.
    NetworkDriver(String),
    /// Volume driver.
    VolumeDriver(String),
    /// API server port.
    ApiserverPort(u16),
    /// Docker volume size (GB).
    DockerVolumeSize(u32),
    /// Docker storage driver.
    DockerStorageDriver(String),
    /// HTTP proxy.
    HttpProxy(String),
    /// HTTPS proxy.
    HttpsProxy(String),
    /// Proxy exclusions.
    NoProxy(String),
    /// Registry on/off.
    RegistryEnabled(bool),
    /// Replace all labels.
    Labels(Labels),
    /// TLS off/on.
    TlsDisabled(bool),
    /// Public flag.
    Public(bool),
    /// Server type.
    ServerType(ServerType),
    /// Insecure registry.
    InsecureRegistry(String),
    /// Master LB.
    MasterLbEnabled(bool),
    /// Floating IPs.
    FloatingIpEnabled(bool),
    /// Hidden flag.
    Hidden(bool),
    /// Tags.
    Tags(String),
    /// Driver entry point.
    Driver(String),
}

/// Template attributes that can be removed (reset to the server default). Magnum refuses to
/// remove `coe`, `image_id`, `external_network_id`, `network_driver`, `cluster_distro` and the
/// boolean flags, so they are not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClusterTemplateRemovable {
    /// `flavor_id`.
    FlavorId,
    /// `master_flavor_id`.
    MasterFlavorId,
    /// `dns_nameserver`.
    DnsNameserver,
    /// `keypair_id`.
    KeypairId,
    /// `fixed_network`.
    FixedNetwork,
    /// `fixed_subnet`.
    FixedSubnet,
    /// `volume_driver`.
    VolumeDriver,
    /// `apiserver_port`.
    ApiserverPort,
    /// `docker_volume_size`.
    DockerVolumeSize,
    /// `docker_storage_driver`.
    DockerStorageDriver,
    /// `http_proxy`.
    HttpProxy,
    /// `https_proxy`.
    HttpsProxy,
    /// `no_proxy`.
    NoProxy,
    /// `labels`.
    Labels,
    /// `insecure_registry`.
    InsecureRegistry,
    /// `tags`.
    Tags,
}

impl ClusterTemplateRemovable {
    fn attribute(self) -> &'static str {
        match self {
            Self::FlavorId => "flavor_id",
            Self::MasterFlavorId => "master_flavor_id",
            Self::DnsNameserver => "dns_nameserver",
            Self::KeypairId => "keypair_id",
            Self::FixedNetwork => "fixed_network",
            Self::FixedSubnet => "fixed_subnet",
            Self::VolumeDriver => "volume_driver",
            Self::ApiserverPort => "apiserver_port",
            Self::DockerVolumeSize => "docker_volume_size",
            Self::DockerStorageDriver => "docker_storage_driver",
            Self::HttpProxy => "http_proxy",
            Self::HttpsProxy => "https_proxy",
            Self::NoProxy => "no_proxy",
            Self::Labels => "labels",
            Self::InsecureRegistry => "insecure_registry",
            Self::Tags => "tags",
        }
    }
}

impl ClusterTemplateChange {
    fn into_op(self) -> PatchOp {
        let text = |attr: &str, value: String| PatchOp::replace(attr, PatchValue::Text(value));
        let flag = |attr: &str, value: bool| PatchOp::replace(attr, PatchValue::bool(value));
        match self {
            Self::Name(v) => text("name", v),
            Self::ImageId(v) => text("image_id", v),
            Self::FlavorId(v) => text("flavor_id", v),
            Self::MasterFlavorId(v) => text("master_flavor_id", v),
            Self::DnsNameserver(v) => text("dns_nameserver", v),
            Self::KeypairId(v) => text("keypair_id", v),
            Self::ExternalNetworkId(v) => text("external_network_id", v),
            Self::FixedNetwork(v) => text("fixed_network", v),
            Self::FixedSubnet(v) => text("fixed_subnet", v),
            Self::NetworkDriver(v) => text("network_driver", v),
            Self::VolumeDriver(v) => text("volume_driver", v),
            Self::ApiserverPort(v) => {
                PatchOp::replace("apiserver_port", PatchValue::Int(i64::from(v)))
            }
            Self::DockerVolumeSize(v) => PatchOp::replace("docker_volume_size", v.into()),
            Self::DockerStorageDriver(v) => text("docker_storage_driver", v),
            Self::HttpProxy(v) => text("http_proxy", v),
            Self::HttpsProxy(v) => text("https_proxy", v),
            Self::NoProxy(v) => text("no_proxy", v),
            Self::RegistryEnabled(v) => flag("registry_enabled", v),
            Self::Labels(map) => PatchOp::replace(
                "labels",
                PatchValue::dict(map.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ),
            Self::TlsDisabled(v) => flag("tls_disabled", v),
            Self::Public(v) => flag("public", v),
            Self::ServerType(v) => text("server_type", v.as_str().to_owned()),
            Self::InsecureRegistry(v) => text("insecure_registry", v),
            Self::MasterLbEnabled(v) => flag("master_lb_enabled", v),
            Self::FloatingIpEnabled(v) => flag("floating_ip_enabled", v),
            Self::Hidden(v) => flag("hidden", v),
            Self::Tags(v) => text("tags", v),
            Self::Driver(v) => text("driver", v),
        }
    }
}

/// A JSON-patch document for a cluster template, built from typed changes.
///
/// ```
/// # use magnum_core::types::{ClusterTemplateChange, ClusterTemplateRemovable, ClusterTemplateUpdate};
/// let update = ClusterTemplateUpdate::new()
///     .set(ClusterTemplateChange::Name("renamed".into()))
///     .remove(ClusterTemplateRemovable::KeypairId);
/// assert_eq!(update.ops().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ClusterTemplateUpdate {
    ops: Vec<PatchOp>,
}

impl ClusterTemplateUpdate {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces one attribute.
    #[must_use]
    pub fn set(mut self, change: ClusterTemplateChange) -> Self {
        self.ops.push(change.into_op());
        self
    }

    /// Removes one attribute (server default applies).
    #[must_use]
    pub fn remove(mut self, attribute: ClusterTemplateRemovable) -> Self {
        self.ops.push(PatchOp::remove(attribute.attribute()));
        self
    }

    /// The operations, in order.
    pub fn ops(&self) -> &[PatchOp] {
        &self.ops
    }

    /// Whether the document is empty.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}
