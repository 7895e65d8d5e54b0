//! The rest of the cloud, just enough for Magnum's validators (`attr_validator.py`): a seeded
//! catalog of Glance images, Nova flavors and keypairs, Neutron networks and subnets, and the
//! lookups that produce Magnum's own messages ("Image X doesn't contain os_distro field.",
//! "Flavor with zero root volume size is not supported…", 409 on duplicate names).

use super::wire::ApiFault;

/// A Glance image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Image {
    /// Image id.
    pub id: String,
    /// Image name (may repeat).
    pub name: String,
    /// The `os_distro` property (`None`: the property is missing).
    #[serde(default)]
    pub os_distro: Option<String>,
    /// The `magnum_driver` property.
    #[serde(default)]
    pub magnum_driver: Option<String>,
}

impl Image {
    /// An image with an id derived from its position in the catalog.
    pub fn new(id: impl Into<String>, name: impl Into<String>, os_distro: Option<&str>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            os_distro: os_distro.map(str::to_owned),
            magnum_driver: None,
        }
    }
}

/// A Nova flavor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Flavor {
    /// Flavor id.
    pub id: String,
    /// Flavor name.
    pub name: String,
    /// Root disk in GB (0: boot-from-volume only).
    pub disk_gb: u32,
}

impl Flavor {
    /// A flavor.
    pub fn new(id: impl Into<String>, name: impl Into<String>, disk_gb: u32) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            disk_gb,
        }
    }
}

/// A Neutron network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Network {
    /// Network id.
    pub id: String,
    /// Network name.
    pub name: String,
    /// `router:external`.
    #[serde(default)]
    pub external: bool,
    /// The router on this network: `None` = no router interface; `Some(true)` = a router with
    /// an external gateway; `Some(false)` = a router without one.
    #[serde(default)]
    pub router_gateway: Option<bool>,
}

impl Network {
    /// A network (no router).
    pub fn new(id: impl Into<String>, name: impl Into<String>, external: bool) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            external,
            router_gateway: None,
        }
    }
}

/// A Neutron subnet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Subnet {
    /// Subnet id.
    pub id: String,
    /// Subnet name.
    pub name: String,
    /// DNS servers handed out by DHCP.
    #[serde(default)]
    pub dns_nameservers: Vec<String>,
    /// DHCP on.
    #[serde(default = "enabled")]
    pub enable_dhcp: bool,
}

fn enabled() -> bool {
    true
}

impl Subnet {
    /// A subnet with DHCP and a DNS server on loopback (127.0.0.53: the simulator hands out no
    /// address off the machine).
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            dns_nameservers: vec!["127.0.0.53".into()],
            enable_dhcp: true,
        }
    }
}

/// One quota: the limit (negative: unlimited) and what is already in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Limit {
    /// The limit.
    pub limit: i64,
    /// In use.
    pub used: i64,
}

impl Limit {
    /// A limit with some of it in use.
    pub fn new(limit: i64, used: i64) -> Self {
        Self { limit, used }
    }
}

/// The project's quotas as Nova, Neutron, Cinder and Octavia report them (the same for every
/// project). Defaults are OpenStack's default quotas, nothing in use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
#[serde(default)]
pub struct Quotas {
    /// Nova instances.
    pub instances: Limit,
    /// Nova vCPUs.
    pub cores: Limit,
    /// Nova RAM (MB).
    pub ram: Limit,
    /// Neutron floating IPs.
    pub floating_ips: Limit,
    /// Neutron networks.
    pub networks: Limit,
    /// Neutron routers.
    pub routers: Limit,
    /// Neutron security groups.
    pub security_groups: Limit,
    /// Neutron ports.
    pub ports: Limit,
    /// Cinder volumes.
    pub volumes: Limit,
    /// Cinder gigabytes.
    pub gigabytes: Limit,
    /// Octavia load balancers.
    pub load_balancers: Limit,
}

impl Default for Quotas {
    fn default() -> Self {
        let free = |limit| Limit::new(limit, 0);
        Self {
            instances: free(10),
            cores: free(20),
            ram: free(51_200),
            floating_ips: free(50),
            networks: free(100),
            routers: free(10),
            security_groups: free(10),
            ports: free(500),
            volumes: free(10),
            gigabytes: free(1000),
            load_balancers: free(-1),
        }
    }
}

/// What the simulated Glance, Nova and Neutron hold. [`CloudCatalog::default`] is the seeded
/// catalog listed in `docs/simulator.md`; `magnum-sim --catalog FILE` reads one from JSON
/// (`magnum-sim --print-catalog` prints the default in that format). Missing lists are empty.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
#[serde(default)]
pub struct CloudCatalog {
    /// Glance images.
    pub images: Vec<Image>,
    /// Nova flavors.
    pub flavors: Vec<Flavor>,
    /// Nova keypair names every user starts with (each user holds an own copy, generated
    /// public key included; more are made through `/compute/v2.1/os-keypairs`).
    pub keypairs: Vec<String>,
    /// Neutron networks.
    pub networks: Vec<Network>,
    /// Neutron subnets.
    pub subnets: Vec<Subnet>,
    /// Cinder volume type names (empty: Magnum's "Valid volume type could not be found.").
    pub volume_types: Vec<String>,
    /// The project's quotas (Nova, Neutron, Cinder, Octavia).
    pub quotas: Quotas,
    /// Octavia's enabled providers.
    pub load_balancer_providers: Vec<String>,
    /// Availability zones (Nova's and Cinder's).
    pub availability_zones: Vec<String>,
}

impl Default for CloudCatalog {
    fn default() -> Self {
        let id = |n: u32| format!("5a1e0000-0000-4000-8000-{n:012}");
        let mut with_driver = Image::new(id(6), "capi-ubuntu-2204", Some("ubuntu"));
        with_driver.magnum_driver = Some("k8s_capi_helm_v1".into());
        Self {
            images: vec![
                Image::new(id(1), "fedora-coreos-40", Some("fedora-coreos")),
                Image::new(id(2), "ubuntu-22.04", Some("ubuntu")),
                Image::new(id(3), "flatcar-3975", Some("flatcar")),
                Image::new(id(4), "no-os-distro", None),
                Image::new(id(5), "fedora-atomic-29", Some("fedora-atomic")),
                with_driver,
                Image::new(id(7), "dup-image", Some("fedora-coreos")),
                Image::new(id(8), "dup-image", Some("fedora-coreos")),
            ],
            flavors: vec![
                Flavor::new("1", "m1.small", 20),
                Flavor::new("2", "m1.medium", 40),
                Flavor::new("3", "m1.large", 80),
                Flavor::new("4", "g1.large", 80),
                Flavor::new("5", "m1.zero-disk", 0),
            ],
            keypairs: vec!["kp".into()],
            networks: vec![
                Network::new(id(101), "public", true),
                {
                    let mut private = Network::new(id(102), "private", false);
                    private.router_gateway = Some(true);
                    private
                },
                Network::new(id(103), "isolated", false),
            ],
            subnets: vec![Subnet::new(id(201), "private-subnet"), {
                let mut isolated = Subnet::new(id(202), "isolated-subnet");
                isolated.dns_nameservers.clear();
                isolated.enable_dhcp = false;
                isolated
            }],
            volume_types: vec!["__DEFAULT__".into(), "ssd".into()],
            quotas: Quotas::default(),
            load_balancer_providers: vec!["amphora".into(), "ovn".into()],
            availability_zones: vec!["nova".into()],
        }
    }
}

/// Magnum's "name or id, exactly one" lookup: `Ok(None)` when nothing matches.
fn find_unique<'a, T>(
    items: &'a [T],
    value: &str,
    key: impl Fn(&T) -> (&str, &str),
    duplicate: impl FnOnce() -> ApiFault,
) -> Result<Option<&'a T>, ApiFault> {
    let matches: Vec<&T> = items
        .iter()
        .filter(|item| {
            let (id, name) = key(item);
            id == value || name == value
        })
        .collect();
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(duplicate()),
    }
}

impl CloudCatalog {
    /// Glance `find_image`: by id, else by name (409 when the name repeats).
    ///
    /// # Errors
    /// `ImageNotFound` (400) or the duplicate-name conflict (409).
    pub fn image(&self, name_or_id: &str) -> Result<&Image, ApiFault> {
        find_unique(
            &self.images,
            name_or_id,
            |i| (&i.id, &i.name),
            || {
                ApiFault::conflict(format!(
                    "Multiple images exist with same name '{name_or_id}'. Please use the image ID instead."
                ))
            },
        )?
        .ok_or_else(|| ApiFault::bad_request(format!("Image {name_or_id} could not be found.")))
    }

    /// The image's `os_distro`, or Magnum's `OSDistroFieldNotFound`.
    ///
    /// # Errors
    /// As [`CloudCatalog::image`], or 400 when the property is missing or empty.
    pub fn os_distro(&self, image: &str) -> Result<String, ApiFault> {
        match self.image(image)?.os_distro.as_deref() {
            Some(distro) if !distro.is_empty() => Ok(distro.to_owned()),
            _ => Err(ApiFault::bad_request(format!(
                "Image {image} doesn't contain os_distro field."
            ))),
        }
    }

    /// Nova flavor lookup by name or id.
    ///
    /// # Errors
    /// `FlavorNotFound` (400).
    pub fn flavor(&self, name_or_id: &str) -> Result<&Flavor, ApiFault> {
        self.flavors
            .iter()
            .find(|f| f.name == name_or_id || f.id == name_or_id)
            .ok_or_else(|| ApiFault::bad_request(format!("Unable to find flavor {name_or_id}.")))
    }

    /// Magnum's `validate_flavor_root_volume_size`: a flavor with a 0 GB root disk needs a
    /// positive `boot_volume_size` label.
    ///
    /// # Errors
    /// `FlavorNotFound` or `FlavorZeroRootVolumeNotSupported` (400).
    pub fn check_root_volume(
        &self,
        flavor: &str,
        boot_volume_size: Option<&str>,
    ) -> Result<(), ApiFault> {
        let size: i64 = match boot_volume_size {
            None => 0,
            Some(text) => text.trim().parse().map_err(|_| {
                ApiFault::bad_request(format!(
                    "Invalid input for boot_volume_size: '{text}' is not an integer."
                ))
            })?,
        };
        if size > 0 {
            return Ok(());
        }
        if self.flavor(flavor)?.disk_gb == 0 {
            return Err(ApiFault::bad_request(
                "Flavor with zero root volume size is not supported when boot_volume_size is zero.",
            ));
        }
        Ok(())
    }

    /// Neutron external network lookup.
    ///
    /// # Errors
    /// `ExternalNetworkNotFound` (400) or 409 on a repeated name.
    pub fn external_network(&self, name_or_id: &str) -> Result<(), ApiFault> {
        let external: Vec<Network> = self
            .networks
            .iter()
            .filter(|n| n.external)
            .cloned()
            .collect();
        find_unique(&external, name_or_id, |n| (&n.id, &n.name), || {
            ApiFault::conflict(format!(
                "Multiple external networks exist with same name '{name_or_id}'. Please use the external network ID instead."
            ))
        })?
        .map(|_| ())
        .ok_or_else(|| {
            ApiFault::bad_request(format!("Unable to find external network {name_or_id}."))
        })
    }

    /// Neutron fixed network lookup.
    ///
    /// # Errors
    /// `FixedNetworkNotFound` (400) or 409 on a repeated name.
    pub fn fixed_network(&self, name_or_id: &str) -> Result<(), ApiFault> {
        find_unique(&self.networks, name_or_id, |n| (&n.id, &n.name), || {
            ApiFault::conflict(format!(
                "Multiple networks exist with same name '{name_or_id}'. Please use the network ID instead."
            ))
        })?
        .map(|_| ())
        .ok_or_else(|| ApiFault::bad_request(format!("Unable to find fixed network {name_or_id}.")))
    }

    /// Neutron fixed subnet lookup.
    ///
    /// # Errors
    /// `FixedSubnetNotFound` (400) or 409 on a repeated name.
    pub fn fixed_subnet(&self, name_or_id: &str) -> Result<(), ApiFault> {
        find_unique(&self.subnets, name_or_id, |s| (&s.id, &s.name), || {
            ApiFault::conflict(format!(
                "Multiple subnets exist with same name '{name_or_id}'. Please use the subnet ID instead."
            ))
        })?
        .map(|_| ())
        .ok_or_else(|| ApiFault::bad_request(format!("Unable to find fixed subnet {name_or_id}.")))
    }
}

/// The resource-bearing fields `validate_os_resources` looks at; a non-empty cluster value wins
/// over the template's.
#[derive(Debug, Default, Clone)]
pub(crate) struct OsResources<'a> {
    pub image_id: Option<&'a str>,
    pub flavor_id: Option<&'a str>,
    pub master_flavor_id: Option<&'a str>,
    pub external_network_id: Option<&'a str>,
    pub fixed_network: Option<&'a str>,
    pub fixed_subnet: Option<&'a str>,
}

impl CloudCatalog {
    /// Magnum's `validate_os_resources` in its order: image (with `os_distro`), flavors,
    /// external network, fixed network, fixed subnet (the keypair, last, is the caller's own:
    /// see `keypairs.rs`).
    pub(crate) fn validate(&self, r: &OsResources<'_>) -> Result<(), ApiFault> {
        if let Some(image) = r.image_id {
            self.os_distro(image)?;
        }
        for flavor in [r.flavor_id, r.master_flavor_id].into_iter().flatten() {
            self.flavor(flavor)?;
        }
        if let Some(net) = r.external_network_id {
            self.external_network(net)?;
        }
        if let Some(net) = r.fixed_network {
            self.fixed_network(net)?;
        }
        if let Some(subnet) = r.fixed_subnet {
            self.fixed_subnet(subnet)?;
        }
        Ok(())
    }
}
