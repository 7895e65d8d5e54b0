//! The doctor's cloud resource checks (`magnum_core::doctor::resources`) against the
//! simulator's Glance, Nova and Neutron: the image and its `os_distro`, flavors, the keypair as
//! this user sees it, the external network — and a clean template that yields nothing.
#![cfg(feature = "simulator")]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use magnum_core::config::{CloudConfig, Overrides, Sources, load};
use magnum_core::doctor::resources::check_resources;
use magnum_core::doctor::{Finding, Severity};
use magnum_core::keystone::KeystoneSession;
use magnum_core::types::{ClusterCreate, ClusterTemplateCreate, Coe};
use magnum_drivers::simulator::{Simulator, SimulatorConfig};

fn cloud(sim: &Simulator, extra: &[(&str, &str)]) -> CloudConfig {
    let mut env: BTreeMap<String, String> = sim.env().into_iter().collect();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    load(&Sources::new(env, vec![]), &Overrides::new()).unwrap()
}

async fn findings(
    sim: &Simulator,
    template: &ClusterTemplateCreate,
    cluster: Option<&ClusterCreate>,
) -> Vec<Finding> {
    let cloud = cloud(sim, &[]);
    let session = KeystoneSession::from_cloud(&cloud).unwrap();
    check_resources(&session, &cloud, template, cluster)
        .await
        .unwrap()
}

fn codes(found: &[Finding]) -> Vec<(&'static str, &str)> {
    found.iter().map(|f| (f.code, f.field.as_str())).collect()
}

#[tokio::test]
async fn every_resource_problem_shows_at_once() {
    let sim = Simulator::start(SimulatorConfig::new()).await.unwrap();
    let bad = ClusterTemplateCreate::new("no-os-distro", Coe::Kubernetes)
        .flavor_id("m1.zero-disk")
        .master_flavor_id("m1.small")
        .keypair_id("someone-elses")
        .external_network_id("private");
    let found = findings(&sim, &bad, None).await;
    assert_eq!(
        codes(&found),
        [
            ("MAGNUM-CLOUD-IMAGE-OS-DISTRO", "image_id"),
            ("MAGNUM-CLOUD-FLAVOR-ROOT-DISK", "flavor_id"),
            ("MAGNUM-CLOUD-FLAVOR-SMALL", "master_flavor_id"),
            ("MAGNUM-CLOUD-KEYPAIR", "keypair"),
            ("MAGNUM-CLOUD-EXTERNAL-NETWORK", "external_network_id"),
        ]
    );
    assert_eq!(
        found[0].message,
        "Image no-os-distro doesn't contain os_distro field."
    );
    assert_eq!(found[3].message, "Unable to find keypair someone-elses.");
    assert_eq!(found[2].severity, Severity::Warning);

    // The cluster's own values win over the template's, as in Magnum; a boot volume makes the
    // 0 GB flavor acceptable.
    let cluster = ClusterCreate::new("t")
        .keypair("kp")
        .label("boot_volume_size", "20");
    let found = findings(&sim, &bad, Some(&cluster)).await;
    let fields: Vec<_> = codes(&found).into_iter().map(|(_, f)| f).collect();
    assert!(!fields.contains(&"keypair"), "{found:?}");
    assert!(!codes(&found).contains(&("MAGNUM-CLOUD-FLAVOR-ROOT-DISK", "flavor_id")));

    let ambiguous = ClusterTemplateCreate::new("dup-image", Coe::Kubernetes).flavor_id("m9.huge");
    let found = findings(&sim, &ambiguous, None).await;
    assert_eq!(
        codes(&found),
        [
            ("MAGNUM-CLOUD-IMAGE", "image_id"),
            ("MAGNUM-CLOUD-FLAVOR", "flavor_id")
        ]
    );
    assert_eq!(
        found[0].message,
        "Multiple images exist with same name 'dup-image'. Please use the image ID instead."
    );

    // A clean template, with the image given by id: nothing to say.
    let clean = ClusterTemplateCreate::new("5a1e0000-0000-4000-8000-000000000001", Coe::Kubernetes)
        .flavor_id("m1.small")
        .master_flavor_id("m1.medium")
        .keypair_id("kp")
        .external_network_id("public");
    assert_eq!(findings(&sim, &clean, None).await, []);
    sim.stop().await;
}

#[tokio::test]
async fn missing_services_and_bad_credentials_are_reported_not_hidden() {
    let sim = Simulator::start(SimulatorConfig::new()).await.unwrap();
    let template = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
        .flavor_id("m1.small")
        .external_network_id("public");
    // A region the catalog does not have: every lookup is a "could not be checked" warning.
    let elsewhere = cloud(&sim, &[("OS_REGION_NAME", "Nowhere")]);
    let session = KeystoneSession::from_cloud(&elsewhere).unwrap();
    let found = check_resources(&session, &elsewhere, &template, None)
        .await
        .unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found
            .iter()
            .all(|f| f.code == "MAGNUM-CLOUD-NO-SERVICE" && f.severity == Severity::Warning)
    );
    // A wrong password is an authentication error, and the password is not in it.
    let wrong = cloud(&sim, &[("OS_PASSWORD", "not-the-password")]);
    let session = KeystoneSession::from_cloud(&wrong).unwrap();
    let err = check_resources(&session, &wrong, &template, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), magnum_core::ErrorKind::Auth, "{err}");
    assert!(!err.to_string().contains("not-the-password"));
    sim.stop().await;
}

#[tokio::test]
async fn fixed_networks_and_volume_types_are_checked_where_the_cluster_will_use_them() {
    let sim = Simulator::start(SimulatorConfig::new()).await.unwrap();
    let template = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
        .docker_volume_size(10u32)
        .fixed_network("nope")
        .fixed_subnet("private-subnet")
        .label("docker_volume_type", "gold")
        .label("etcd_volume_size", "5");
    let found = findings(&sim, &template, None).await;
    assert_eq!(
        codes(&found),
        [
            ("MAGNUM-CLOUD-FIXED-NETWORK", "fixed_network"),
            ("MAGNUM-CLOUD-VOLUME-TYPE", "labels.docker_volume_type"),
        ],
        "the etcd volume takes the default type, which exists"
    );
    assert_eq!(found[0].message, "Unable to find fixed network nope.");
    assert_eq!(
        found[1].message,
        "VolumeType gold could not be found (this project sees: __DEFAULT__, ssd)."
    );

    // A subnet without DHCP or DNS: two warnings, the DNS one silenced by the template's
    // dns_nameserver.
    let isolated = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
        .fixed_network("private")
        .fixed_subnet("isolated-subnet");
    let found = findings(&sim, &isolated, None).await;
    assert_eq!(
        codes(&found),
        [
            ("MAGNUM-CLOUD-SUBNET", "fixed_subnet"),
            ("MAGNUM-CLOUD-SUBNET", "fixed_subnet")
        ]
    );
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
    assert!(found[0].message.contains("DHCP disabled"), "{found:?}");
    let with_dns = isolated.dns_nameserver("8.8.8.8");
    assert_eq!(findings(&sim, &with_dns, None).await.len(), 1);

    // A network no router serves: the nodes would sit without egress until Heat times out.
    let no_router =
        ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes).fixed_network("isolated");
    let found = findings(&sim, &no_router, None).await;
    assert_eq!(codes(&found), [("MAGNUM-CLOUD-NO-ROUTER", "fixed_network")]);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(found[0].message.contains("has no router"), "{found:?}");
    sim.stop().await;

    // A router without an external gateway is no better.
    let mut catalog = magnum_drivers::simulator::CloudCatalog::default();
    for network in &mut catalog.networks {
        if network.name == "private" {
            network.router_gateway = Some(false);
        }
    }
    let sim = Simulator::start(SimulatorConfig::new().catalog(catalog))
        .await
        .unwrap();
    let template =
        ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes).fixed_network("private");
    let found = findings(&sim, &template, None).await;
    assert_eq!(codes(&found), [("MAGNUM-CLOUD-NO-ROUTER", "fixed_network")]);
    assert!(
        found[0].message.contains("no external gateway"),
        "{found:?}"
    );
    sim.stop().await;

    // A cloud without any volume type: every volume the cluster needs would fail in the
    // conductor with Magnum's VolumeTypeNotFound.
    let mut catalog = magnum_drivers::simulator::CloudCatalog::default();
    catalog.volume_types.clear();
    let sim = Simulator::start(SimulatorConfig::new().catalog(catalog))
        .await
        .unwrap();
    let template = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
        .docker_volume_size(10u32)
        .fixed_network("private");
    let found = findings(&sim, &template, None).await;
    assert_eq!(
        codes(&found),
        [("MAGNUM-CLOUD-VOLUME-TYPE", "labels.docker_volume_type")]
    );
    assert_eq!(found[0].message, "Valid volume type could not be found.");
    sim.stop().await;
}

#[tokio::test]
async fn kubernetes_leftovers_are_found_then_cleaned_in_order() {
    use magnum_core::doctor::orphans::{delete_orphans, find_orphans};
    use magnum_core::types::{Cluster, ClusterTemplate};
    use magnum_core::wait::{self, WaitOptions};
    use magnum_core::{Api, Client};
    use std::time::Duration;

    let tick = Duration::from_millis(200);
    let sim = Simulator::start(SimulatorConfig::new().durations(tick, tick, tick))
        .await
        .unwrap();
    let config = cloud(&sim, &[]);
    let client = Client::from_cloud(&config).unwrap();
    let templates: Api<ClusterTemplate> = Api::new(client.clone());
    templates
        .create(
            &ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
                .name("k8s")
                .external_network_id("public"),
        )
        .await
        .unwrap();
    let clusters: Api<Cluster> = Api::new(client);
    let created = clusters
        .create(&ClusterCreate::new("k8s").name("web"))
        .await
        .unwrap();
    let uuid = created.uuid.as_str().to_owned();
    let session = KeystoneSession::from_cloud(&config).unwrap();
    assert!(
        find_orphans(&session, &uuid).await.unwrap().is_empty(),
        "nothing before Kubernetes runs"
    );
    let options = WaitOptions::new(Duration::from_secs(20)).interval(Duration::from_millis(50));
    wait::cluster_ready(&clusters, &uuid, &options)
        .await
        .unwrap();

    // The running cluster's Service of type LoadBalancer: one LB and its floating IP.
    let plan = find_orphans(&session, &uuid).await.unwrap();
    assert_eq!((plan.load_balancers.len(), plan.floating_ips.len()), (1, 1));
    assert_eq!(
        plan.floating_ips[0].port_id, plan.load_balancers[0].vip_port_id,
        "the floating IP sits on the LB's VIP port"
    );
    assert!(
        find_orphans(&session, "11111111-2222-4333-8444-555555555555")
            .await
            .unwrap()
            .is_empty(),
        "other clusters' are not this one's"
    );
    let report = delete_orphans(&session, &plan, Duration::from_secs(5), tick)
        .await
        .unwrap();
    assert_eq!(report.load_balancers, [plan.load_balancers[0].id.clone()]);
    assert_eq!(report.floating_ips, [plan.floating_ips[0].id.clone()]);
    assert!(find_orphans(&session, &uuid).await.unwrap().is_empty());

    // Deleting what is already gone is no error (404 counts as deleted).
    delete_orphans(&session, &plan, Duration::from_secs(5), tick)
        .await
        .unwrap();
    sim.stop().await;
}

#[tokio::test]
async fn quotas_are_checked_against_what_the_cluster_will_take() {
    use magnum_drivers::simulator::{CloudCatalog, Limit};

    // A project with 2 of 8 instances, 9 of 20 vCPUs and 3 of 4 floating IPs in use.
    let mut catalog = CloudCatalog::default();
    catalog.quotas.instances = Limit::new(8, 2);
    catalog.quotas.cores = Limit::new(20, 9);
    catalog.quotas.floating_ips = Limit::new(4, 3);
    catalog.quotas.volumes = Limit::new(10, 9);
    let sim = Simulator::start(SimulatorConfig::new().catalog(catalog))
        .await
        .unwrap();
    let template = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
        .flavor_id("m1.small")
        .master_flavor_id("m1.large")
        .external_network_id("public");
    // 3 masters (2 vCPU each) + 4 workers (1 vCPU each) = 7 servers, 10 vCPUs (fits: 9 + 10
    // ≤ 20), 7 floating IPs.
    let cluster = ClusterCreate::new("t").master_count(3u32).node_count(4u32);
    let found = findings(&sim, &template, Some(&cluster)).await;
    let quota: Vec<_> = found
        .iter()
        .filter(|f| f.code == "MAGNUM-CLOUD-QUOTA")
        .map(|f| (f.field.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        quota,
        [
            (
                "quota.compute.instances",
                "Nova quota: the cluster needs 7 instances; 2 of 8 are in use, so 6 remain."
            ),
            (
                "quota.network.floatingip",
                "Neutron quota: the cluster needs 7 floating IPs; 3 of 4 are in use, so 1 remain."
            ),
        ]
    );

    // Without floating IPs and with fewer workers it fits; no volumes → Cinder not asked.
    let small = ClusterCreate::new("t")
        .master_count(1u32)
        .node_count(2u32)
        .floating_ip_enabled(false);
    let found = findings(&sim, &template, Some(&small)).await;
    assert!(
        !found.iter().any(|f| f.code == "MAGNUM-CLOUD-QUOTA"),
        "{found:?}"
    );
    // Docker volumes on 3 servers with 1 volume left.
    let with_volumes = template.clone().docker_volume_size(10u32);
    let found = findings(&sim, &with_volumes, Some(&small)).await;
    let fields: Vec<_> = found
        .iter()
        .filter(|f| f.code == "MAGNUM-CLOUD-QUOTA")
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["quota.volume.volumes"]);
    sim.stop().await;
}

#[tokio::test]
async fn load_balancer_providers_algorithms_and_zones() {
    let sim = Simulator::start(SimulatorConfig::new()).await.unwrap();
    let base = || {
        ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
            .flavor_id("m1.small")
            .master_flavor_id("m1.large")
            .external_network_id("public")
            .master_lb_enabled(true)
    };
    let codes_of = |found: &[Finding]| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.code != "MAGNUM-CLOUD-QUOTA")
            .map(|f| format!("{} {}", f.code, f.field))
            .collect()
    };
    // The defaults (amphora, ROUND_ROBIN) are fine.
    assert!(codes_of(&findings(&sim, &base(), None).await).is_empty());
    // A provider Octavia does not have.
    let found = findings(&sim, &base().label("octavia_provider", "f5"), None).await;
    assert_eq!(
        codes_of(&found),
        ["MAGNUM-CLOUD-OCTAVIA-PROVIDER labels.octavia_provider"]
    );
    assert_eq!(
        found[0].message,
        "Octavia has no provider f5 (enabled: amphora, ovn)."
    );
    // ovn with the default ROUND_ROBIN: refused; with SOURCE_IP_PORT: fine.
    let ovn = base().label("octavia_provider", "ovn");
    assert_eq!(
        codes_of(&findings(&sim, &ovn, None).await),
        ["MAGNUM-CLOUD-OCTAVIA-ALGORITHM labels.octavia_lb_algorithm"]
    );
    let ovn_ok = ovn.label("octavia_lb_algorithm", "SOURCE_IP_PORT");
    assert!(codes_of(&findings(&sim, &ovn_ok, None).await).is_empty());
    // A zone Nova (and, with volumes, Cinder) does not offer.
    let zoned = base()
        .label("availability_zone", "az-9")
        .docker_volume_size(10u32);
    let found = findings(&sim, &zoned, None).await;
    assert_eq!(
        codes_of(&found),
        [
            "MAGNUM-CLOUD-AVAILABILITY-ZONE labels.availability_zone",
            "MAGNUM-CLOUD-AVAILABILITY-ZONE labels.availability_zone"
        ]
    );
    assert_eq!(
        found[0].message,
        "Nova has no available zone az-9 (available: nova)."
    );
    assert!(found[1].message.starts_with("Cinder"));
    let nova = base().label("availability_zone", "nova");
    assert!(codes_of(&findings(&sim, &nova, None).await).is_empty());
    sim.stop().await;
}
