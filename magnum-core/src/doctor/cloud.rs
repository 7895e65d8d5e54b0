//! Cloud checks from what the user's own Keystone token already shows — no extra service
//! clients: the service catalog (Octavia, Cinder, Barbican, Heat missing; endpoints the cluster's
//! VMs cannot reach such as `localhost`, loopback addresses or single-label names), the number
//! of regions, the token's method (application credentials cannot create trusts on a Heat-era
//! Magnum) and Magnum's era from its maximum microversion. Pure: [`check_cloud`] takes the
//! [`CloudFacts`]; gathering them is one token and one `GET /`.

use std::net::IpAddr;

use super::preflight::{Finding, Findings, Severity};
use crate::Microversion;
use crate::keystone::TokenInfo;
use crate::keystone::model::CatalogEndpoint;
use crate::types::{ClusterCreate, ClusterTemplateCreate};

/// What the checks look at.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CloudFacts<'a> {
    /// The user's token (catalog, methods).
    pub token: &'a TokenInfo,
    /// Magnum's maximum microversion (`GET /`), when known.
    pub magnum_max: Option<Microversion>,
    /// The region the user works in, when chosen.
    pub region: Option<&'a str>,
}

impl<'a> CloudFacts<'a> {
    /// Facts from a token, Magnum's maximum microversion and the chosen region.
    pub fn new(
        token: &'a TokenInfo,
        magnum_max: Option<Microversion>,
        region: Option<&'a str>,
    ) -> Self {
        Self {
            token,
            magnum_max,
            region,
        }
    }

    fn has_service(&self, types: &[&str]) -> bool {
        self.token
            .catalog
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|entry| {
                types.contains(&entry.service_type.as_str())
                    && entry
                        .endpoints
                        .iter()
                        .any(|e| self.region.is_none_or(|r| endpoint_region(e) == Some(r)))
            })
    }

    /// Whether the catalog lists Magnum (under any of its service-type aliases).
    pub fn has_magnum(&self) -> bool {
        self.has_service(&crate::keystone::service_aliases("container-infra"))
    }

    /// Heat-era Magnum (≤ 1.12: 2026.1 and older, trusts and Heat stacks).
    fn heat_era(&self) -> bool {
        self.magnum_max
            .is_some_and(|max| max <= Microversion::V1_12)
    }
}

fn endpoint_region(e: &CatalogEndpoint) -> Option<&str> {
    e.region_id.as_deref().or(e.region.as_deref())
}

/// Services the cluster's VMs call during and after creation (pain point 13 of `docs/doctor.md`).
const CALLED_FROM_VMS: [&str; 7] = [
    "identity",
    "orchestration",
    "container-infra",
    "volumev3",
    "block-storage",
    "load-balancer",
    "network",
];

/// Why a host is unusable from a VM, or `None` when it looks routable.
fn unreachable_host(host: &str) -> Option<(Severity, &'static str)> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") || bare.ends_with(".localhost") {
        return Some((Severity::Error, "is localhost"));
    }
    if let Ok(ip) = bare.parse::<IpAddr>() {
        if ip.is_loopback() {
            return Some((Severity::Error, "is a loopback address"));
        }
        if ip.is_unspecified() {
            return Some((Severity::Error, "is an unspecified address"));
        }
        return None;
    }
    if !bare.contains('.') {
        return Some((
            Severity::Warning,
            "is a single-label name that public resolvers cannot resolve",
        ));
    }
    let private = [".local", ".internal", ".localdomain", ".lan", ".intranet"];
    if private.iter().any(|suffix| bare.ends_with(suffix)) {
        return Some((
            Severity::Warning,
            "is a private-zone name that public resolvers (the CLI's default dns_nameserver 8.8.8.8) cannot resolve",
        ));
    }
    None
}

/// The public endpoints (of the chosen region) the cluster's VMs call: (service type, URL,
/// host).
fn vm_endpoints(facts: &CloudFacts<'_>) -> Vec<(String, String, String)> {
    let catalog = facts.token.catalog.as_deref().unwrap_or_default();
    catalog
        .iter()
        .filter(|e| CALLED_FROM_VMS.contains(&e.service_type.as_str()))
        .flat_map(|entry| {
            entry
                .endpoints
                .iter()
                .filter(|e| {
                    e.interface == "public"
                        && facts.region.is_none_or(|r| endpoint_region(e) == Some(r))
                })
                .filter_map(|endpoint| {
                    let host = host_of(&endpoint.url)?;
                    Some((entry.service_type.clone(), endpoint.url.clone(), host))
                })
        })
        .collect()
}

fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok()?.host_str().map(str::to_owned)
}

/// The cloud checks, every finding at once. `template` and `cluster` (either may be absent)
/// say what the cluster will need (load balancer, volumes, ingress).
pub fn check_cloud(
    facts: &CloudFacts<'_>,
    template: Option<&ClusterTemplateCreate>,
    cluster: Option<&ClusterCreate>,
) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    let catalog = facts.token.catalog.as_deref().unwrap_or_default();
    let label = |key: &str| {
        cluster
            .and_then(|c| c.labels.as_ref())
            .and_then(|l| l.get(key))
            .or_else(|| {
                template
                    .and_then(|t| t.labels.as_ref())
                    .and_then(|l| l.get(key))
            })
            .map(String::as_str)
    };

    let master_lb = cluster
        .and_then(|c| c.master_lb_enabled)
        .or_else(|| template.and_then(|t| t.master_lb_enabled))
        .unwrap_or(false);
    let octavia = facts.has_service(&["load-balancer"]);
    if master_lb && !octavia {
        f.add(
            "MAGNUM-CLOUD-NO-OCTAVIA",
            Severity::Error,
            "master_lb_enabled",
            "master_lb_enabled is set but the catalog has no load-balancer (Octavia) service; Heat falls back to neutron-lbaas, which modern Neutron no longer has, and the stack fails.".into(),
            "Use master_lb_enabled=false with a single master, or a cloud with Octavia.",
            6,
        );
    }
    if label("ingress_controller") == Some("octavia") && !octavia {
        f.add(
            "MAGNUM-CLOUD-NO-OCTAVIA",
            Severity::Error,
            "labels.ingress_controller",
            "Octavia service needs to be deployed for octavia ingress controller.".into(),
            "Choose another ingress_controller (e.g. nginx) or a cloud with Octavia.",
            7,
        );
    }

    let wants_volumes = template.is_some_and(|t| {
        t.docker_volume_size.is_some() || t.volume_driver.as_deref() == Some("cinder")
    }) || cluster.is_some_and(|c| c.docker_volume_size.is_some())
        || ["etcd_volume_size", "boot_volume_size"]
            .iter()
            .any(|k| label(k).is_some_and(|v| v.trim() != "0"));
    if wants_volumes && !facts.has_service(&["volumev3", "block-storage", "volume", "volumev2"]) {
        f.add(
            "MAGNUM-CLOUD-NO-CINDER",
            Severity::Error,
            "docker_volume_size",
            "The cluster needs Cinder volumes (docker/etcd/boot volume size or volume_driver=cinder) but the catalog has no block-storage service: \"Valid volume type could not be found.\"".into(),
            "Drop the volume sizes and volume_driver, or use a cloud with Cinder and a volume type.",
            8,
        );
    }

    if !catalog.is_empty() && !facts.has_magnum() {
        f.add(
            "MAGNUM-CLOUD-NO-MAGNUM",
            Severity::Error,
            "catalog",
            "The catalog has no container-infra (Magnum) service for this project and region."
                .into(),
            "Check the region and project, or ask the operators whether Magnum is deployed here.",
            2,
        );
    }
    if !catalog.is_empty() && !facts.has_service(&["key-manager"]) {
        f.add(
            "MAGNUM-CLOUD-NO-BARBICAN",
            Severity::Warning,
            "catalog",
            "The catalog has no key-manager (Barbican) service; with Magnum's default [certificates] cert_manager_type=barbican every create fails with \"Failed to create certificates for Cluster\".".into(),
            "Ask the operators whether cert_manager_type is x509keypair (it must be on clouds without Barbican).",
            10,
        );
    }

    if facts.heat_era() && !catalog.is_empty() && !facts.has_service(&["orchestration"]) {
        f.add(
            "MAGNUM-CLOUD-NO-HEAT",
            Severity::Error,
            "catalog",
            "Magnum here is Heat-era (maximum microversion ≤ 1.12) but the catalog has no orchestration (Heat) service.".into(),
            "Heat-driver clusters cannot be created on this cloud; ask the operators.",
            2,
        );
    }

    let mut regions: Vec<&str> = catalog
        .iter()
        .flat_map(|entry| entry.endpoints.iter().filter_map(endpoint_region))
        .collect();
    regions.sort_unstable();
    regions.dedup();
    if regions.len() > 1 && facts.region.is_none() {
        f.add(
            "MAGNUM-CLOUD-REGIONS",
            Severity::Warning,
            "region_name",
            format!(
                "The catalog has {} regions ({}) and none is chosen; Magnum's cloud provider needs [cinder_client] region_name, or clusters fail with \"region_name needs to be configured in magnum.conf\".",
                regions.len(),
                regions.join(", ")
            ),
            "Set region_name (OS_REGION_NAME) and make sure the operators configured it in magnum.conf.",
            12,
        );
    }

    for (service, url, host) in vm_endpoints(facts) {
        if let Some((severity, why)) = unreachable_host(&host) {
            f.add(
                "MAGNUM-CLOUD-ENDPOINT-UNREACHABLE",
                severity,
                format!("catalog.{service}"),
                format!(
                    "The public {service} endpoint {url} {why}: the cluster's VMs call it during creation and will hang until the 60-minute Heat timeout."
                ),
                "Operators must publish FQDN or routable-IP public endpoints that VMs can resolve and reach.",
                13,
            );
        }
    }

    if facts.token.is_application_credential() && facts.heat_era() {
        f.add(
            "MAGNUM-CLOUD-APPCRED-TRUST",
            Severity::Error,
            "auth",
            "This token comes from an application credential; Heat-era Magnum creates a Keystone trust per cluster and \"Application credential tokens cannot create trusts\".".into(),
            "Create clusters with password (or federated) authentication.",
            17,
        );
    }
    f.0
}

/// Logs in to `cloud`, reads Magnum's version range and runs [`check_cloud`] — what
/// `doctor cloud` does. One token request and one `GET /`.
///
/// # Errors
/// Configuration, authentication and transport errors.
#[cfg(feature = "client")]
pub async fn check_cloud_config(
    cloud: &crate::config::CloudConfig,
    template: Option<&ClusterTemplateCreate>,
    cluster: Option<&ClusterCreate>,
) -> crate::Result<Vec<Finding>> {
    let session = crate::keystone::KeystoneSession::from_cloud(cloud)?;
    let token = session.token().await?;
    let mut facts = CloudFacts::new(token.info(), None, cloud.region.as_deref());
    if facts.has_magnum() || cloud.container_infra_endpoint.is_some() {
        let client = crate::Client::from_cloud_session(cloud, session)?;
        facts.magnum_max = client.server_versions().await?.map(|range| range.max);
    }
    let mut found = check_cloud(&facts, template, cluster);
    // Names that do not even resolve here (a name the doctor's own resolver cannot find is one
    // the VMs, on the fixed network's resolvers, will not find either).
    for (service, url, host) in vm_endpoints(&facts) {
        if unreachable_host(&host).is_some() || host.parse::<std::net::IpAddr>().is_ok() {
            continue;
        }
        let lookup = tokio::net::lookup_host((host.as_str(), 443));
        let resolved = tokio::time::timeout(std::time::Duration::from_secs(3), lookup).await;
        let resolves = match resolved {
            Ok(Ok(mut addrs)) => addrs.next().is_some(),
            _ => false,
        };
        if !resolves {
            found.push(Finding {
                code: "MAGNUM-CLOUD-ENDPOINT-DNS",
                severity: Severity::Warning,
                field: format!("catalog.{service}"),
                message: format!(
                    "The public {service} endpoint {url}: {host} does not resolve from here; the cluster's VMs will most likely not resolve it either."
                ),
                hint: "Publish the endpoint under a name public resolvers know, or set the template's dns_nameserver to a resolver that knows it.",
                pain_point: 13,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystone::model::TokenBody;
    use crate::types::Coe;

    fn token(file: &str) -> TokenInfo {
        let path = format!(
            "{}/../fixtures/keystone/v3/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let recorded: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let body = recorded.get("body").cloned().unwrap_or(recorded);
        serde_json::from_value::<TokenBody>(body).unwrap().token
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_real_keystone_catalog_on_loopback_is_unreachable_from_vms() {
        // Recorded from the real Keystone 30.0.0 of scripts/real-keystone (127.0.0.1).
        let token = token("token-password-project.json");
        let findings = check_cloud(&CloudFacts::new(&token, None, None), None, None);
        let unreachable: Vec<_> = findings
            .iter()
            .filter(|f| f.code == "MAGNUM-CLOUD-ENDPOINT-UNREACHABLE")
            .collect();
        assert_eq!(unreachable.len(), 1, "{findings:?}");
        assert_eq!(unreachable[0].severity, Severity::Error);
        assert!(unreachable[0].message.contains("loopback"));
        assert!(codes(&findings).contains(&"MAGNUM-CLOUD-NO-BARBICAN"));
        assert!(
            codes(&findings).contains(&"MAGNUM-CLOUD-NO-MAGNUM"),
            "that recorded catalog lists only identity"
        );
    }

    #[test]
    fn templates_needing_missing_services_are_refused_before_creation() {
        let token = token("token-password-project.json");
        let template = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
            .master_lb_enabled(true)
            .docker_volume_size(10u32)
            .label("ingress_controller", "octavia");
        let facts = CloudFacts::new(&token, Some(Microversion::V1_12), None);
        let findings = check_cloud(&facts, Some(&template), None);
        let found = codes(&findings);
        assert_eq!(
            found
                .iter()
                .filter(|c| **c == "MAGNUM-CLOUD-NO-OCTAVIA")
                .count(),
            2
        );
        assert!(found.contains(&"MAGNUM-CLOUD-NO-CINDER"));
        assert!(found.contains(&"MAGNUM-CLOUD-NO-HEAT"), "{found:?}");
        // Without those needs, only the catalog-wide findings remain.
        let plain = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes);
        let findings = check_cloud(&facts, Some(&plain), None);
        assert!(!codes(&findings).contains(&"MAGNUM-CLOUD-NO-OCTAVIA"));
        assert!(!codes(&findings).contains(&"MAGNUM-CLOUD-NO-CINDER"));
    }

    #[test]
    fn several_regions_need_a_choice() {
        let path = format!(
            "{}/../fixtures/keystone/v3/token-password-project.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let recorded: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut body = recorded.get("body").cloned().unwrap_or(recorded);
        let endpoints = body["token"]["catalog"][0]["endpoints"]
            .as_array_mut()
            .unwrap();
        let mut other = endpoints[0].clone();
        other["region_id"] = "RegionTwo".into();
        other["region"] = "RegionTwo".into();
        endpoints.push(other);
        let token = serde_json::from_value::<TokenBody>(body).unwrap().token;
        let unchosen = check_cloud(&CloudFacts::new(&token, None, None), None, None);
        assert!(
            codes(&unchosen).contains(&"MAGNUM-CLOUD-REGIONS"),
            "{unchosen:?}"
        );
        let chosen = check_cloud(
            &CloudFacts::new(&token, None, Some("RegionTwo")),
            None,
            None,
        );
        assert!(!codes(&chosen).contains(&"MAGNUM-CLOUD-REGIONS"));
    }

    #[test]
    fn application_credentials_cannot_create_trusts_on_heat_era_magnum() {
        let token = token("token-application-credential.json");
        assert!(token.is_application_credential());
        let heat_era = CloudFacts::new(&token, Some(Microversion::V1_12), None);
        assert!(codes(&check_cloud(&heat_era, None, None)).contains(&"MAGNUM-CLOUD-APPCRED-TRUST"));
        let master = CloudFacts::new(&token, Some(Microversion::V1_14), None);
        assert!(!codes(&check_cloud(&master, None, None)).contains(&"MAGNUM-CLOUD-APPCRED-TRUST"));
    }

    #[test]
    fn hosts_are_judged_the_way_a_vm_would_see_them() {
        assert_eq!(
            unreachable_host("localhost").map(|h| h.0),
            Some(Severity::Error)
        );
        assert_eq!(
            unreachable_host("[::1]").map(|h| h.0),
            Some(Severity::Error)
        );
        assert_eq!(
            unreachable_host("controller").map(|h| h.0),
            Some(Severity::Warning)
        );
        assert_eq!(
            unreachable_host("keystone.internal").map(|h| h.0),
            Some(Severity::Warning)
        );
        assert_eq!(unreachable_host("keystone.example.com"), None);
        assert_eq!(unreachable_host("203.0.113.7"), None);
    }
}
