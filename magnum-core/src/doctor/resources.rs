//! Cloud resource checks (feature `client`): the lookups Magnum's validators make
//! (`attr_validator.py`), asked of Glance, Nova and Neutron directly with the user's token, so
//! every problem shows at once and before anything is created — the image and its `os_distro`,
//! the flavors (existence, a 0 GB root disk without `boot_volume_size`, a control plane too
//! small for Kubernetes), the keypair as *this* user sees it (keypairs are per user), the
//! external network (must exist once among `router:external` networks), the fixed network and
//! subnet, the Cinder volume types the volumes will use, and the project's quotas in Nova,
//! Neutron, Cinder and Octavia against what the cluster will take. Endpoints come from
//! the token's catalog; a service missing from it is a finding, not an error.

use std::time::Duration;

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::preflight::{Finding, Findings, Severity};
use crate::config::{CloudConfig, Interface};
use crate::error::{Error, Result};
use crate::keystone::KeystoneSession;
use crate::types::{ClusterCreate, ClusterTemplateCreate};

/// What the resource checks read: one authenticated GET per lookup.
struct Lookup<'a> {
    http: reqwest::Client,
    token: String,
    catalog: crate::keystone::Catalog<'a>,
    region: Option<&'a str>,
    interface: Interface,
    project_id: Option<String>,
}

impl Lookup<'_> {
    /// `GET <service endpoint><path>`: `Ok(None)` on 404; the service's JSON otherwise.
    async fn get(&self, service: &str, path: &str) -> Result<Option<Value>> {
        let base = self
            .catalog
            .endpoint(service, self.region, self.interface)
            .map_err(|e| Error::Config(e.to_string()))?;
        let url = format!("{}{path}", base.as_str().trim_end_matches('/'));
        let response = self
            .http
            .get(&url)
            .header("x-auth-token", &self.token)
            .send()
            .await
            .map_err(|e| Error::Config(format!("{service} at {url}: {e}")))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => response
                .json()
                .await
                .map(Some)
                .map_err(|e| Error::Config(format!("{service} at {url}: {e}"))),
            status => Err(Error::Config(format!(
                "{service} answered {status} to GET {url}"
            ))),
        }
    }

    fn has(&self, service: &str) -> bool {
        self.catalog
            .endpoint(service, self.region, self.interface)
            .is_ok()
    }
}

fn missing_service(f: &mut Findings, service: &str, field: &str) {
    f.add(
        "MAGNUM-CLOUD-NO-SERVICE",
        Severity::Warning,
        field,
        format!("The catalog has no {service} endpoint for this region and interface; {field} could not be checked."),
        "Check the region and interface (OS_REGION_NAME, OS_INTERFACE).",
        13,
    );
}

fn is_uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}

async fn check_image(f: &mut Findings, lookup: &Lookup<'_>, image: &str) -> Result<()> {
    if !lookup.has("image") {
        missing_service(f, "image (Glance)", "image_id");
        return Ok(());
    }
    let mut found: Vec<Value> = Vec::new();
    if is_uuid_like(image) {
        if let Some(one) = lookup.get("image", &format!("/v2/images/{image}")).await? {
            found.push(one);
        }
    }
    if found.is_empty() {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("name", image)
            .finish();
        if let Some(list) = lookup.get("image", &format!("/v2/images?{query}")).await? {
            found = list["images"].as_array().cloned().unwrap_or_default();
        }
    }
    match found.as_slice() {
        [] => f.add(
            "MAGNUM-CLOUD-IMAGE",
            Severity::Error,
            "image_id",
            format!("Image {image} could not be found."),
            "Use an image name or id that `openstack image list` shows to this project.",
            1,
        ),
        [one] => {
            if one["os_distro"].as_str().is_none_or(str::is_empty) {
                f.add(
                    "MAGNUM-CLOUD-IMAGE-OS-DISTRO",
                    Severity::Error,
                    "image_id",
                    format!("Image {image} doesn't contain os_distro field."),
                    "Set it: openstack image set --property os_distro=fedora-coreos <image> (the value selects Magnum's driver).",
                    1,
                );
            }
        }
        _ => f.add(
            "MAGNUM-CLOUD-IMAGE",
            Severity::Error,
            "image_id",
            format!(
                "Multiple images exist with same name '{image}'. Please use the image ID instead."
            ),
            "Use the image's id.",
            1,
        ),
    }
    Ok(())
}

/// Checks the named flavors; returns Nova's flavor listing (empty when none was needed or
/// Nova is missing), which the quota check sizes the servers from.
async fn check_flavors(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    flavors: &[(&str, &str)],
    boot_volume_size: Option<&str>,
) -> Result<Vec<Value>> {
    if flavors.is_empty() {
        return Ok(Vec::new());
    }
    if !lookup.has("compute") {
        missing_service(f, "compute (Nova)", "flavor_id");
        return Ok(Vec::new());
    }
    let listed = lookup
        .get("compute", "/flavors/detail")
        .await?
        .and_then(|body| body["flavors"].as_array().cloned())
        .unwrap_or_default();
    let boot_volume = boot_volume_size
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    for (field, wanted) in flavors {
        let Some(flavor) = listed
            .iter()
            .find(|fl| fl["name"].as_str() == Some(wanted) || fl["id"].as_str() == Some(wanted))
        else {
            f.add(
                "MAGNUM-CLOUD-FLAVOR",
                Severity::Error,
                *field,
                format!("Unable to find flavor {wanted}."),
                "Use a flavor that `openstack flavor list` shows to this project.",
                9,
            );
            continue;
        };
        if flavor["disk"].as_i64() == Some(0) && boot_volume <= 0 {
            f.add(
                "MAGNUM-CLOUD-FLAVOR-ROOT-DISK",
                Severity::Error,
                *field,
                "Flavor with zero root volume size is not supported when boot_volume_size is zero."
                    .into(),
                "Set the label boot_volume_size (GB), or use a flavor with a root disk.",
                9,
            );
        }
        if *field == "master_flavor_id" {
            let ram = flavor["ram"].as_i64().unwrap_or(0);
            let vcpus = flavor["vcpus"].as_i64().unwrap_or(0);
            if ram < 2048 || vcpus < 2 {
                f.add(
                    "MAGNUM-CLOUD-FLAVOR-SMALL",
                    Severity::Warning,
                    *field,
                    format!("Master flavor {wanted} has {ram} MB RAM and {vcpus} vCPU; a Kubernetes control plane needs at least 2048 MB and 2 vCPU."),
                    "Use a larger master flavor.",
                    9,
                );
            }
        }
    }
    Ok(listed)
}

async fn check_keypair(f: &mut Findings, lookup: &Lookup<'_>, keypair: &str) -> Result<()> {
    if !lookup.has("compute") {
        missing_service(f, "compute (Nova)", "keypair");
        return Ok(());
    }
    if lookup
        .get("compute", &format!("/os-keypairs/{keypair}"))
        .await?
        .is_none()
    {
        f.add(
            "MAGNUM-CLOUD-KEYPAIR",
            Severity::Error,
            "keypair",
            format!("Unable to find keypair {keypair}."),
            "Keypairs belong to users, not projects: create or import your own keypair and name it in the cluster (--keypair).",
            16,
        );
    }
    Ok(())
}

async fn check_external_network(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    network: &str,
) -> Result<()> {
    if !lookup.has("network") {
        missing_service(f, "network (Neutron)", "external_network_id");
        return Ok(());
    }
    let external = lookup
        .get("network", "/v2.0/networks?router:external=true")
        .await?
        .and_then(|body| body["networks"].as_array().cloned())
        .unwrap_or_default();
    let matches = external
        .iter()
        .filter(|n| n["name"].as_str() == Some(network) || n["id"].as_str() == Some(network))
        .count();
    match matches {
        1 => {}
        0 => f.add(
            "MAGNUM-CLOUD-EXTERNAL-NETWORK",
            Severity::Error,
            "external_network_id",
            format!("Unable to find external network {network}."),
            "Use a network with router:external=True that this project can see (`openstack network list --external`).",
            15,
        ),
        _ => f.add(
            "MAGNUM-CLOUD-EXTERNAL-NETWORK",
            Severity::Error,
            "external_network_id",
            format!("Multiple external networks exist with same name '{network}'. Please use the external network ID instead."),
            "Use the network's id.",
            15,
        ),
    }
    Ok(())
}

/// Magnum's volume-type choice needs at least one type, and a named one must exist.
async fn check_volume_types(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    wanted: &[(&str, Option<&str>)],
) -> Result<()> {
    // Without a block-storage service the token check (MAGNUM-CLOUD-NO-CINDER) already spoke.
    if wanted.is_empty() || !lookup.has("volumev3") {
        return Ok(());
    }
    let types: Vec<String> = lookup
        .get("volumev3", "/types")
        .await?
        .and_then(|body| body["volume_types"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    if types.is_empty() {
        f.add(
            "MAGNUM-CLOUD-VOLUME-TYPE",
            Severity::Error,
            wanted[0].0,
            "Valid volume type could not be found.".into(),
            "The cluster needs Cinder volumes but the cloud offers no volume type: ask the operators for one, or drop the volume sizes.",
            8,
        );
        return Ok(());
    }
    for (field, name) in wanted {
        if let Some(name) = name.filter(|n| !types.iter().any(|t| t == n)) {
            f.add(
                "MAGNUM-CLOUD-VOLUME-TYPE",
                Severity::Error,
                *field,
                format!(
                    "VolumeType {name} could not be found (this project sees: {}).",
                    types.join(", ")
                ),
                "Use one of the listed volume types, or drop the label to take the cloud's default.",
                8,
            );
        }
    }
    Ok(())
}

/// The nodes need DHCP and a resolver: from the subnet, or the template's `dns_nameserver`.
fn check_subnet(f: &mut Findings, subnet: &Value, name: &str, template_dns: Option<&str>) {
    if subnet["enable_dhcp"].as_bool() == Some(false) {
        f.add(
            "MAGNUM-CLOUD-SUBNET",
            Severity::Warning,
            "fixed_subnet",
            format!("Subnet {name} has DHCP disabled: the nodes get no address configuration at boot and never report back."),
            "Use a subnet with DHCP enabled.",
            14,
        );
    }
    let subnet_dns = subnet["dns_nameservers"]
        .as_array()
        .is_some_and(|d| !d.is_empty());
    if !subnet_dns && template_dns.is_none_or(str::is_empty) {
        f.add(
            "MAGNUM-CLOUD-SUBNET",
            Severity::Warning,
            "fixed_subnet",
            format!("Subnet {name} hands out no DNS server and the template sets no dns_nameserver: the nodes cannot resolve registries or the cloud's endpoints."),
            "Set dns_nameserver on the template, or DNS servers on the subnet.",
            14,
        );
    }
}

/// An existing fixed network must reach the outside through a router with an external gateway:
/// the nodes pull images and call Keystone, Magnum and Heat through it (pain point 14).
async fn check_router_gateway(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    network_id: &str,
    wanted: &str,
) -> Result<()> {
    let ports = lookup
        .get(
            "network",
            &format!("/v2.0/ports?network_id={network_id}&device_owner=network:router_interface"),
        )
        .await?
        .and_then(|body| body["ports"].as_array().cloned())
        .unwrap_or_default();
    let mut gateway = false;
    for router in ports.iter().filter_map(|p| p["device_id"].as_str()) {
        if let Some(body) = lookup
            .get("network", &format!("/v2.0/routers/{router}"))
            .await?
        {
            gateway |= !body["router"]["external_gateway_info"].is_null();
        }
    }
    if gateway {
        return Ok(());
    }
    let message = if ports.is_empty() {
        format!(
            "Fixed network {wanted} has no router: the nodes cannot reach the internet or the OpenStack APIs."
        )
    } else {
        format!(
            "The router of fixed network {wanted} has no external gateway: the nodes cannot reach the internet or the OpenStack APIs."
        )
    };
    f.add(
        "MAGNUM-CLOUD-NO-ROUTER",
        Severity::Warning,
        "fixed_network",
        message,
        "Attach the network's subnet to a router with an external gateway (`openstack router add subnet`, `openstack router set --external-gateway`), or let Magnum create the network (no fixed_network).",
        14,
    );
    Ok(())
}

/// Magnum's fixed network / subnet lookups (name or id; several with one name answer 409).
async fn check_fixed(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    field: &'static str,
    collection: &str,
    wanted: &str,
    template_dns: Option<&str>,
) -> Result<()> {
    if !lookup.has("network") {
        missing_service(f, "network (Neutron)", field);
        return Ok(());
    }
    let listed = lookup
        .get("network", &format!("/v2.0/{collection}"))
        .await?
        .and_then(|body| body[collection].as_array().cloned())
        .unwrap_or_default();
    let matching: Vec<&Value> = listed
        .iter()
        .filter(|n| n["name"].as_str() == Some(wanted) || n["id"].as_str() == Some(wanted))
        .collect();
    let matches = matching.len();
    if let ([subnet], "subnets") = (matching.as_slice(), collection) {
        check_subnet(f, subnet, wanted, template_dns);
    }
    let what = if collection == "networks" {
        "network"
    } else {
        "subnet"
    };
    if let ([network], "networks") = (matching.as_slice(), collection) {
        if let Some(id) = network["id"].as_str() {
            check_router_gateway(f, lookup, id, wanted).await?;
        }
    }
    let message = match matches {
        1 => return Ok(()),
        0 => format!("Unable to find fixed {what} {wanted}."),
        _ => format!(
            "Multiple {collection} exist with same name '{wanted}'. Please use the {what} ID instead."
        ),
    };
    f.add(
        "MAGNUM-CLOUD-FIXED-NETWORK",
        Severity::Error,
        field,
        message,
        "Name a network and subnet this project can see (`openstack network list`, `openstack subnet list`), by id when names repeat.",
        14,
    );
    Ok(())
}

/// Checks the template's (and the planned cluster's) image, flavors, keypair and external
/// network against the cloud, with `session`'s token. A non-empty cluster value wins over the
/// template's, as in Magnum.
///
/// # Errors
/// Authentication errors; a service answering anything but success or 404 ([`Error::Config`]
/// naming the service and URL).
pub async fn check_resources(
    session: &KeystoneSession,
    cloud: &CloudConfig,
    template: &ClusterTemplateCreate,
    cluster: Option<&ClusterCreate>,
) -> Result<Vec<Finding>> {
    let issued = session.token().await?;
    let lookup = Lookup {
        http: crate::client::http_client(
            cloud.cacert.as_deref(),
            cloud.insecure,
            Some(Duration::from_secs(30)),
        )?,
        token: issued.token().expose_secret().to_owned(),
        catalog: issued.info().catalog(),
        region: cloud.region.as_deref(),
        interface: cloud.interface,
        project_id: issued.info().project.as_ref().map(|p| p.id.clone()),
    };
    let mut f = Findings(Vec::new());
    check_image(&mut f, &lookup, &template.image_id).await?;
    fn pick<'a>(
        cluster_value: Option<&'a String>,
        template_value: Option<&'a String>,
    ) -> Option<&'a str> {
        cluster_value
            .filter(|v| !v.is_empty())
            .or(template_value)
            .map(String::as_str)
    }
    let flavor = pick(
        cluster.and_then(|c| c.flavor_id.as_ref()),
        template.flavor_id.as_ref(),
    );
    let master_flavor = pick(
        cluster.and_then(|c| c.master_flavor_id.as_ref()),
        template.master_flavor_id.as_ref(),
    );
    let flavors: Vec<(&str, &str)> = [("flavor_id", flavor), ("master_flavor_id", master_flavor)]
        .into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, v)))
        .collect();
    let labels = cluster
        .and_then(|c| c.labels.as_ref())
        .or(template.labels.as_ref());
    let boot = labels
        .and_then(|l| l.get("boot_volume_size"))
        .map(String::as_str);
    let listed_flavors = check_flavors(&mut f, &lookup, &flavors, boot).await?;
    if let Some(keypair) = pick(
        cluster.and_then(|c| c.keypair.as_ref()),
        template.keypair_id.as_ref(),
    ) {
        check_keypair(&mut f, &lookup, keypair).await?;
    }
    if let Some(network) = template.external_network_id.as_deref() {
        check_external_network(&mut f, &lookup, network).await?;
    }
    if let Some(network) = pick(
        cluster.and_then(|c| c.fixed_network.as_ref()),
        template.fixed_network.as_ref(),
    ) {
        check_fixed(&mut f, &lookup, "fixed_network", "networks", network, None).await?;
    }
    if let Some(subnet) = pick(
        cluster.and_then(|c| c.fixed_subnet.as_ref()),
        template.fixed_subnet.as_ref(),
    ) {
        check_fixed(
            &mut f,
            &lookup,
            "fixed_subnet",
            "subnets",
            subnet,
            template.dns_nameserver.as_deref(),
        )
        .await?;
    }
    let label = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
    let sized = |key: &str| label(key).is_some_and(|v| v.trim() != "0");
    let docker_volume = cluster.and_then(|c| c.docker_volume_size).is_some()
        || template.docker_volume_size.is_some()
        || template.volume_driver.as_deref() == Some("cinder");
    let mut volumes: Vec<(&str, Option<&str>)> = Vec::new();
    if docker_volume {
        volumes.push(("labels.docker_volume_type", label("docker_volume_type")));
    }
    if sized("etcd_volume_size") {
        volumes.push(("labels.etcd_volume_type", label("etcd_volume_type")));
    }
    if sized("boot_volume_size") {
        volumes.push(("labels.boot_volume_type", label("boot_volume_type")));
    }
    check_volume_types(&mut f, &lookup, &volumes).await?;
    let masters = cluster.and_then(|c| c.master_count).unwrap_or(1);
    let nodes = cluster.and_then(|c| c.node_count).unwrap_or(1);
    let floating = cluster
        .and_then(|c| c.floating_ip_enabled)
        .or(template.floating_ip_enabled)
        .unwrap_or(true);
    let master_lb = cluster
        .and_then(|c| c.master_lb_enabled)
        .or(template.master_lb_enabled)
        .unwrap_or(false);
    let own_network = pick(
        cluster.and_then(|c| c.fixed_network.as_ref()),
        template.fixed_network.as_ref(),
    )
    .is_none();
    let volume_size = |v: Option<&str>| v.and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
    let docker_gb = u64::from(
        cluster
            .and_then(|c| c.docker_volume_size)
            .or(template.docker_volume_size)
            .unwrap_or(0),
    );
    let etcd_gb = volume_size(label("etcd_volume_size"));
    let boot_gb = volume_size(label("boot_volume_size"));
    let servers = u64::from(masters) + u64::from(nodes);
    let need = Consumption {
        masters: u64::from(masters),
        nodes: u64::from(nodes),
        master_flavor,
        flavor,
        floating_ips: if floating { servers } else { 0 } + u64::from(master_lb && floating),
        networks: u64::from(own_network),
        routers: u64::from(own_network),
        security_groups: 2,
        ports: servers + u64::from(master_lb),
        volumes: servers * u64::from(docker_gb > 0)
            + u64::from(masters) * u64::from(etcd_gb > 0)
            + servers * u64::from(boot_gb > 0),
        gigabytes: servers * (docker_gb + boot_gb) + u64::from(masters) * etcd_gb,
        load_balancers: u64::from(master_lb),
    };
    check_quotas(&mut f, &lookup, &need, &listed_flavors).await?;
    check_load_balancer_options(
        &mut f,
        &lookup,
        master_lb,
        label("octavia_provider"),
        label("octavia_lb_algorithm"),
    )
    .await?;
    if let Some(zone) = label("availability_zone").filter(|z| !z.is_empty()) {
        check_availability_zone(&mut f, &lookup, zone, need.volumes > 0).await?;
    }
    Ok(f.0)
}

/// Octavia's providers and what they support: the provider the cluster's load balancers will
/// use (label `octavia_provider`, else `amphora`) must be enabled, and the `ovn` provider only
/// balances with `SOURCE_IP_PORT` (label `octavia_lb_algorithm`, else `ROUND_ROBIN`).
async fn check_load_balancer_options(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    master_lb: bool,
    provider_label: Option<&str>,
    algorithm_label: Option<&str>,
) -> Result<()> {
    let provider_label = provider_label.filter(|v| !v.is_empty());
    let algorithm_label = algorithm_label.filter(|v| !v.is_empty());
    if !master_lb && provider_label.is_none() && algorithm_label.is_none() {
        return Ok(());
    }
    if !lookup.has("load-balancer") {
        return Ok(());
    }
    let provider = provider_label.unwrap_or("amphora");
    let algorithm = algorithm_label.unwrap_or("ROUND_ROBIN");
    let listed = lookup
        .get("load-balancer", "/v2/lbaas/providers")
        .await?
        .and_then(|body| body["providers"].as_array().cloned())
        .unwrap_or_default();
    let names: Vec<&str> = listed.iter().filter_map(|p| p["name"].as_str()).collect();
    if !names.is_empty() && !names.contains(&provider) {
        f.add(
            "MAGNUM-CLOUD-OCTAVIA-PROVIDER",
            Severity::Error,
            "labels.octavia_provider",
            format!(
                "Octavia has no provider {provider} (enabled: {}).",
                names.join(", ")
            ),
            "Set the label octavia_provider to one of Octavia's providers (`openstack loadbalancer provider list`).",
            6,
        );
    }
    const ALGORITHMS: [&str; 4] = [
        "ROUND_ROBIN",
        "LEAST_CONNECTIONS",
        "SOURCE_IP",
        "SOURCE_IP_PORT",
    ];
    if !ALGORITHMS.contains(&algorithm) {
        f.add(
            "MAGNUM-CLOUD-OCTAVIA-ALGORITHM",
            Severity::Error,
            "labels.octavia_lb_algorithm",
            format!(
                "{algorithm} is not an Octavia load-balancing algorithm ({}).",
                ALGORITHMS.join(", ")
            ),
            "Use one of Octavia's algorithms.",
            6,
        );
    } else if provider == "ovn" && algorithm != "SOURCE_IP_PORT" {
        f.add(
            "MAGNUM-CLOUD-OCTAVIA-ALGORITHM",
            Severity::Error,
            "labels.octavia_lb_algorithm",
            format!("The ovn provider balances only with SOURCE_IP_PORT; {algorithm} pools are refused, and the API load balancer fails inside Heat."),
            "Set the label octavia_lb_algorithm=SOURCE_IP_PORT with octavia_provider=ovn.",
            6,
        );
    }
    Ok(())
}

/// The label `availability_zone` must name a Nova zone (the servers) and, when the cluster
/// uses volumes, a Cinder zone (its volumes are created in the same zone).
async fn check_availability_zone(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    zone: &str,
    volumes: bool,
) -> Result<()> {
    let mut services = vec![("compute", "Nova")];
    if volumes {
        services.push(("volumev3", "Cinder"));
    }
    for (service, name) in services {
        if !lookup.has(service) {
            continue;
        }
        let listed = lookup
            .get(service, "/os-availability-zone")
            .await?
            .and_then(|body| body["availabilityZoneInfo"].as_array().cloned())
            .unwrap_or_default();
        let zones: Vec<&str> = listed
            .iter()
            .filter(|z| z["zoneState"]["available"].as_bool() != Some(false))
            .filter_map(|z| z["zoneName"].as_str())
            .collect();
        if !zones.is_empty() && !zones.contains(&zone) {
            f.add(
                "MAGNUM-CLOUD-AVAILABILITY-ZONE",
                Severity::Error,
                "labels.availability_zone",
                format!("{name} has no available zone {zone} (available: {}).", zones.join(", ")),
                "Use a zone both Nova and Cinder offer (`openstack availability zone list --compute --volume`).",
                22,
            );
        }
    }
    Ok(())
}

/// What a cluster will take from the project's quotas (Magnum's templates: one server, port
/// and — with floating IPs — floating IP per node, two security groups, a network and router
/// unless an existing network is used, volumes per node, the API load balancer).
struct Consumption<'a> {
    masters: u64,
    nodes: u64,
    master_flavor: Option<&'a str>,
    flavor: Option<&'a str>,
    floating_ips: u64,
    networks: u64,
    routers: u64,
    security_groups: u64,
    ports: u64,
    volumes: u64,
    gigabytes: u64,
    load_balancers: u64,
}

/// One quota against the need: a finding when `used + need > limit` (a negative limit is
/// unlimited).
#[allow(clippy::too_many_arguments)]
fn quota(
    f: &mut Findings,
    service: &str,
    resource: &str,
    field: &str,
    limit: Option<i64>,
    used: i64,
    need: u64,
) {
    let Some(limit) = limit.filter(|l| *l >= 0) else {
        return;
    };
    let need = i64::try_from(need).unwrap_or(i64::MAX);
    if need == 0 || used.saturating_add(need) <= limit {
        return;
    }
    f.add(
        "MAGNUM-CLOUD-QUOTA",
        Severity::Error,
        field,
        format!(
            "{service} quota: the cluster needs {need} {resource}; {used} of {limit} are in use, so {} remain.",
            (limit - used).max(0)
        ),
        "Ask for a larger quota, delete unused resources, or make the cluster smaller (node_count, flavors, floating_ip_enabled=false).",
        21,
    );
}

/// `flavors`: Nova's listing as [`check_flavors`] read it (servers are sized from it).
async fn check_quotas(
    f: &mut Findings,
    lookup: &Lookup<'_>,
    need: &Consumption<'_>,
    flavors: &[Value],
) -> Result<()> {
    let number = |v: &Value| v.as_i64().or_else(|| v.as_str()?.parse().ok());
    if lookup.has("compute") {
        let limits = lookup.get("compute", "/limits").await?.unwrap_or_default();
        let absolute = &limits["limits"]["absolute"];
        let size = |wanted: Option<&str>| {
            let wanted = wanted?;
            let flavor = flavors.iter().find(|fl| {
                fl["name"].as_str() == Some(wanted) || fl["id"].as_str() == Some(wanted)
            })?;
            Some((
                flavor["vcpus"].as_u64().unwrap_or(0),
                flavor["ram"].as_u64().unwrap_or(0),
            ))
        };
        let (master_cores, master_ram) = size(need.master_flavor.or(need.flavor)).unwrap_or((0, 0));
        let (node_cores, node_ram) = size(need.flavor).unwrap_or((0, 0));
        let used = |key: &str| number(&absolute[key]).unwrap_or(0);
        quota(
            f,
            "Nova",
            "instances",
            "quota.compute.instances",
            number(&absolute["maxTotalInstances"]),
            used("totalInstancesUsed"),
            need.masters + need.nodes,
        );
        quota(
            f,
            "Nova",
            "vCPUs",
            "quota.compute.cores",
            number(&absolute["maxTotalCores"]),
            used("totalCoresUsed"),
            need.masters * master_cores + need.nodes * node_cores,
        );
        quota(
            f,
            "Nova",
            "MB of RAM",
            "quota.compute.ram",
            number(&absolute["maxTotalRAMSize"]),
            used("totalRAMUsed"),
            need.masters * master_ram + need.nodes * node_ram,
        );
    }
    if let (true, Some(project)) = (lookup.has("network"), &lookup.project_id) {
        let details = lookup
            .get("network", &format!("/v2.0/quotas/{project}/details"))
            .await?
            .unwrap_or_default();
        for (key, resource, wanted) in [
            ("floatingip", "floating IPs", need.floating_ips),
            ("network", "networks", need.networks),
            ("router", "routers", need.routers),
            ("security_group", "security groups", need.security_groups),
            ("port", "ports", need.ports),
        ] {
            let entry = &details["quota"][key];
            let used =
                number(&entry["used"]).unwrap_or(0) + number(&entry["reserved"]).unwrap_or(0);
            quota(
                f,
                "Neutron",
                resource,
                &format!("quota.network.{key}"),
                number(&entry["limit"]),
                used,
                wanted,
            );
        }
    }
    if need.volumes > 0 && lookup.has("volumev3") {
        let limits = lookup.get("volumev3", "/limits").await?.unwrap_or_default();
        let absolute = &limits["limits"]["absolute"];
        let used = |key: &str| number(&absolute[key]).unwrap_or(0);
        quota(
            f,
            "Cinder",
            "volumes",
            "quota.volume.volumes",
            number(&absolute["maxTotalVolumes"]),
            used("totalVolumesUsed"),
            need.volumes,
        );
        quota(
            f,
            "Cinder",
            "GB of volumes",
            "quota.volume.gigabytes",
            number(&absolute["maxTotalVolumeGigabytes"]),
            used("totalGigabytesUsed"),
            need.gigabytes,
        );
    }
    if let (true, true, Some(project)) = (
        need.load_balancers > 0,
        lookup.has("load-balancer"),
        &lookup.project_id,
    ) {
        let quotas = lookup
            .get("load-balancer", &format!("/v2/lbaas/quotas/{project}"))
            .await?
            .unwrap_or_default();
        let listed = lookup
            .get("load-balancer", "/v2/lbaas/loadbalancers")
            .await?
            .unwrap_or_default();
        let used = listed["loadbalancers"].as_array().map_or(0, Vec::len);
        quota(
            f,
            "Octavia",
            "load balancers",
            "quota.load-balancer.load_balancer",
            number(&quotas["quota"]["load_balancer"]),
            i64::try_from(used).unwrap_or(i64::MAX),
            need.load_balancers,
        );
    }
    Ok(())
}
