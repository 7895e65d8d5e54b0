//! The failure explainer: a failed cluster's `status_reason` and `faults` mapped to a root
//! cause, who must act (the user or the cloud's deployer), whether retrying can help, and the
//! fix — for the messages Magnum, Heat and Keystone actually produce (the pain points of `docs/doctor.md`,
//! the pain points numbered there). Pure: text in, findings out.

use std::collections::BTreeMap;

/// Who can fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Actor {
    /// The person creating the cluster (template, labels, credentials, quota request).
    User,
    /// The cloud's operators (`magnum.conf`, missing services, network design).
    Deployer,
    /// Either, depending on the cloud.
    Either,
}

/// One explained failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explanation {
    /// Stable code (`MAGNUM-EXPLAIN-…`), for scripts and documentation.
    pub code: &'static str,
    /// The pain point's number in `docs/doctor.md`'s coverage table.
    pub pain_point: u8,
    /// What went wrong underneath.
    pub cause: &'static str,
    /// Who must act.
    pub actor: Actor,
    /// Whether deleting and re-creating unchanged can succeed.
    pub retryable: bool,
    /// What to do.
    pub fix: &'static str,
    /// Where it was seen: `status_reason` or `faults[<nodegroup>]`.
    pub source: String,
}

struct Rule {
    code: &'static str,
    pain_point: u8,
    /// Any of these (lower-case) fragments matches (`…` = any text between parts).
    any: &'static [&'static str],
    cause: &'static str,
    actor: Actor,
    retryable: bool,
    fix: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        code: "MAGNUM-EXPLAIN-CERTS",
        pain_point: 10,
        any: &[
            "failed to create certificates for cluster",
            "endpoint for key-manager service not found",
            "key-manager",
        ],
        cause: "Magnum could not store the cluster's certificates: the default cert manager is Barbican and this cloud has no usable key-manager service.",
        actor: Actor::Deployer,
        retryable: false,
        fix: "Deployer: set [certificates] cert_manager_type = x509keypair in magnum.conf (or deploy Barbican), then re-create the cluster.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-APPCRED-TRUST",
        pain_point: 17,
        any: &[
            "application credential tokens cannot create trusts",
            "application credentials cannot request a scope",
        ],
        cause: "The cluster was requested with an application-credential token, and Keystone forbids such tokens to create the trust Heat-era Magnum needs.",
        actor: Actor::User,
        retryable: false,
        fix: "Authenticate with a password (or federated) token instead of an application credential, then re-create the cluster.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-TRUSTEE",
        pain_point: 18,
        any: &[
            "failed to create trustee or trust for cluster",
            "keystone client authentication failed",
        ],
        cause: "Magnum could not create the cluster's trustee user or trust: its [trust] trustee domain settings are wrong or its domain admin lacks rights.",
        actor: Actor::Deployer,
        retryable: false,
        fix: "Deployer: check [trust] trustee_domain_id / trustee_domain_admin_id / password in magnum.conf (magnum-manage or `openstack domain show magnum`).",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-REGION",
        pain_point: 12,
        any: &[
            "region_name needs to be configured",
            "expecting a region_name in",
        ],
        cause: "magnum.conf's [cinder_client] region_name is unset or not a Keystone region; the Heat driver needs it for the cloud provider.",
        actor: Actor::Deployer,
        retryable: false,
        fix: "Deployer: set [cinder_client] region_name to one of `openstack region list` in magnum.conf.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-AUTHTOKEN-URI",
        pain_point: 19,
        any: &["'nonetype' object has no attribute 'replace'"],
        cause: "A known bug of old Magnum releases when [keystone_authtoken] has www_authenticate_uri but no auth_uri.",
        actor: Actor::Deployer,
        retryable: false,
        fix: "Deployer: also set [keystone_authtoken] auth_uri (same value), or upgrade Magnum.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-ETCD-DISCOVERY",
        pain_point: 20,
        any: &[
            "failed to get discovery url from",
            "invalid discovery url",
            "invalidclusterdiscoveryurl",
        ],
        cause: "The conductor could not get an etcd discovery URL (discovery.etcd.io unreachable from the control plane, or a bad discovery_url).",
        actor: Actor::Either,
        retryable: true,
        fix: "Deployer: allow egress to the discovery service or set [cluster] etcd_discovery_service_endpoint_format to a self-hosted one; User: drop or fix discovery_url.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-VOLUME-TYPE",
        pain_point: 8,
        any: &[
            "volumetype () could not be found",
            "valid volume type could not be found",
            "volume type",
            "volumetypenotfound",
        ],
        cause: "A volume was requested (docker/etcd/boot volume size) but Cinder has no usable volume type (none configured, or the label names a missing one).",
        actor: Actor::Either,
        retryable: false,
        fix: "User: set labels docker_volume_type / etcd_volume_type / boot_volume_type to a type from `openstack volume type list`, or drop the volume sizes; Deployer: set [cinder] default_docker_volume_type.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-CLOUD-PROVIDER",
        pain_point: 11,
        any: &[
            "needs \"cloud_provider_enabled\" label",
            "\"cluster_user_trust\" must be set to true",
        ],
        cause: "The template needs the in-cluster cloud provider (cinder volume driver or cloud_provider_enabled=true) but magnum.conf disables cluster trusts.",
        actor: Actor::Either,
        retryable: false,
        fix: "User: remove volume_driver=cinder / cloud_provider_enabled=true; Deployer: set [trust] cluster_user_trust = True.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-OCTAVIA-INGRESS",
        pain_point: 7,
        any: &["octavia service needs to be deployed"],
        cause: "ingress_controller=octavia was requested on a cloud without Octavia.",
        actor: Actor::User,
        retryable: false,
        fix: "Use another ingress controller (nginx, traefik) or none.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-NO-OCTAVIA-LB",
        pain_point: 6,
        any: &["os::neutron::lbaas", "neutron-lbaas", "lbaas"],
        cause: "master_lb_enabled on a cloud without Octavia: Magnum falls back to neutron-lbaas, which modern Neutron no longer has.",
        actor: Actor::User,
        retryable: false,
        fix: "Use master_lb_enabled=false with a single master, or a cloud that has Octavia (load-balancer in the catalog).",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-WAIT-CONDITION",
        pain_point: 13,
        any: &[
            "waitconditiontimeout",
            "waitconditionfailure",
            "wait_condition",
            "stack create cancelled",
            "timed out",
        ],
        cause: "The nodes booted but never reported back: they could not reach or resolve the Heat, Keystone or Magnum endpoints, or pull images (no egress/DNS on the cluster network).",
        actor: Actor::Either,
        retryable: false,
        fix: "Check that the catalog's public endpoints are FQDNs reachable from VMs, that the fixed network has DNS (dns_nameserver) and a router to the outside, and set container_infra_prefix on clouds without Internet access.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-PRE-DELETE",
        pain_point: 32,
        any: &["failed to pre-delete resources", "pre-delete"],
        cause: "Load balancers (or floating IPs) created by Kubernetes Services inside the cluster still exist, so the delete cannot proceed.",
        actor: Actor::User,
        retryable: true,
        fix: "Delete the Octavia load balancers whose description is `Kubernetes ... from cluster <uuid>` (cascade) and their floating IPs, then delete the cluster again.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-ROUTER-IN-USE",
        pain_point: 32,
        any: &[
            "routerinuse",
            "router interface",
            "in use by floating ip",
            "still has ports",
        ],
        cause: "The cluster network cannot be removed because floating IPs or ports created outside Heat (by Kubernetes or users) still use it.",
        actor: Actor::User,
        retryable: true,
        fix: "Release the floating IPs and delete the leftover ports on the cluster's network, then delete the cluster again.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-QUOTA",
        pain_point: 21,
        any: &[
            "quota exceeded",
            "overquota",
            "quota_exceeded",
            "exceeded quota",
            "quota for",
        ],
        cause: "A quota (Magnum clusters, Nova instances/cores/RAM/server groups, Neutron, Cinder or Octavia) is too small for this cluster.",
        actor: Actor::Either,
        retryable: false,
        fix: "Free resources or ask for a larger quota (instances, cores, RAM, server groups, ports, floating IPs, volumes, load balancers).",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-NO-VALID-HOST",
        pain_point: 22,
        any: &["no valid host was found"],
        cause: "Nova could not place the servers: not enough capacity, or the server group's (anti-)affinity policy cannot be met with the available hypervisors.",
        actor: Actor::Either,
        retryable: true,
        fix: "Use fewer or smaller nodes, soft-anti-affinity ([cluster] nodes_affinity_policy), or another availability zone.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-EXTERNAL-NETWORK",
        pain_point: 15,
        any: &["unable to find external network"],
        cause: "The template's external network is not a router:external network visible to this project (or its name is ambiguous).",
        actor: Actor::User,
        retryable: false,
        fix: "Use the id of a network from `openstack network list --external`.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-KEYPAIR",
        pain_point: 16,
        any: &["unable to find keypair"],
        cause: "Keypairs belong to users: the template names a keypair the requesting user does not own.",
        actor: Actor::User,
        retryable: false,
        fix: "Create the cluster with --keypair naming one of your own keypairs.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-DRIVER",
        pain_point: 2,
        any: &[
            "not supported. loaded drivers",
            "cluster type (",
            "doesn't contain os_distro field",
        ],
        cause: "No driver serves the template's (server_type, os_distro, coe): the image lacks os_distro, or the distro's driver was retired.",
        actor: Actor::User,
        retryable: false,
        fix: "Set the image property os_distro (e.g. fedora-coreos) or use an image/COE this cloud's drivers support (swarm → swarm-mode; fedora-atomic → fedora-coreos).",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-HEAT-UPGRADE",
        pain_point: 30,
        any: &["upgrading a cluster that uses the magnum heat driver is not supported"],
        cause: "Clusters of the Heat driver cannot be upgraded in place.",
        actor: Actor::User,
        retryable: false,
        fix: "Create a new cluster from a template with the new version and move workloads (blue/green).",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-TEMPLATE-IN-USE",
        pain_point: 27,
        any: &["is referenced by one or multiple clusters"],
        cause: "Clusters use this template: Magnum lets only name, public=true, hidden or tags change, one at a time, and refuses deleting it.",
        actor: Actor::User,
        retryable: false,
        fix: "Create a new template with the change and use it for new clusters; delete the old one after its clusters are gone.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-TEMPLATE-ACCESS",
        pain_point: 28,
        any: &[
            "clustertemplate … could not be found",
            "not authorized to use hidden",
        ],
        cause: "The template is hidden (admins only) or is another project's private template, which Magnum does not show to you.",
        actor: Actor::Either,
        retryable: false,
        fix: "Use a template of your project or a public one; ask the operators to publish or unhide it.",
    },
    Rule {
        code: "MAGNUM-EXPLAIN-CERT-POLICY",
        pain_point: 33,
        any: &["certificate:get", "certificate:create"],
        cause: "Only the cluster's owner (or an admin) may fetch its CA or sign a CSR under Magnum's default policy.",
        actor: Actor::Either,
        retryable: false,
        fix: "Have the owner or an admin produce the kubeconfig, or have the operators relax certificate:get / certificate:create.",
    },
];

/// The generic "nodes never reported back" rule: only when nothing more specific matched
/// (a pre-delete timeout is not a boot problem).
const GENERIC: &str = "MAGNUM-EXPLAIN-WAIT-CONDITION";

/// Whether `text` contains `fragment`; a `…` in the fragment stands for any text between its
/// parts, which must appear in order.
fn contains(text: &str, fragment: &str) -> bool {
    let mut rest = text;
    for part in fragment.split('…') {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

fn matches(text: &str) -> Vec<&'static Rule> {
    let hits: Vec<&Rule> = RULES
        .iter()
        .filter(|rule| rule.any.iter().any(|fragment| contains(text, fragment)))
        .collect();
    if hits.iter().any(|r| r.code != GENERIC) {
        hits.into_iter().filter(|r| r.code != GENERIC).collect()
    } else {
        hits
    }
}

fn explanation(rule: &Rule, source: String) -> Explanation {
    Explanation {
        code: rule.code,
        pain_point: rule.pain_point,
        cause: rule.cause,
        actor: rule.actor,
        retryable: rule.retryable,
        fix: rule.fix,
        source,
    }
}

/// Explains one failure text (a `status_reason` or a nodegroup fault); the generic "nodes
/// never reported back" cause only when nothing more specific matched. An unrecognised text
/// gives no findings.
pub fn explain_reason(reason: &str) -> Vec<Explanation> {
    let lower = reason.to_lowercase();
    matches(&lower)
        .into_iter()
        .map(|rule| explanation(rule, "status_reason".to_owned()))
        .collect()
}

/// Explains a failed cluster from its `status_reason` and `faults` (`{nodegroup: reason}`), one
/// finding per cause (the first place it was seen).
pub fn explain_cluster(
    status_reason: Option<&str>,
    faults: &BTreeMap<String, String>,
) -> Vec<Explanation> {
    let texts = status_reason
        .map(|r| ("status_reason".to_owned(), r.to_lowercase()))
        .into_iter()
        .chain(
            faults
                .iter()
                .map(|(ng, r)| (format!("faults[{ng}]"), r.to_lowercase())),
        );
    let mut found: Vec<Explanation> = Vec::new();
    for (source, text) in texts {
        for rule in matches(&text) {
            if !found.iter().any(|e| e.code == rule.code) {
                found.push(explanation(rule, source.clone()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(reason: &str) -> Vec<&'static str> {
        explain_reason(reason).iter().map(|e| e.code).collect()
    }

    #[test]
    fn magnums_and_heats_messages_are_explained() {
        let cases = [
            (
                "Failed to create certificates for Cluster: 5d12f6fd-a196-4bf0-ae4c-1f639a523a52",
                "MAGNUM-EXPLAIN-CERTS",
            ),
            (
                "publicURL endpoint for key-manager service not found",
                "MAGNUM-EXPLAIN-CERTS",
            ),
            (
                "Application credential tokens cannot create trusts. (HTTP 403)",
                "MAGNUM-EXPLAIN-APPCRED-TRUST",
            ),
            (
                "Failed to create trustee or trust for Cluster: 5d12 (Keystone down)",
                "MAGNUM-EXPLAIN-TRUSTEE",
            ),
            (
                "region_name needs to be configured in magnum.conf",
                "MAGNUM-EXPLAIN-REGION",
            ),
            (
                "region_name Foo is invalid, expecting a region_name in RegionOne/unspecified.",
                "MAGNUM-EXPLAIN-REGION",
            ),
            (
                "'NoneType' object has no attribute 'replace'",
                "MAGNUM-EXPLAIN-AUTHTOKEN-URI",
            ),
            (
                "Failed to get discovery url from 'https://discovery.etcd.io/new?size=1'.",
                "MAGNUM-EXPLAIN-ETCD-DISCOVERY",
            ),
            (
                "VolumeType () could not be found.",
                "MAGNUM-EXPLAIN-VOLUME-TYPE",
            ),
            (
                "Valid volume type could not be found.",
                "MAGNUM-EXPLAIN-VOLUME-TYPE",
            ),
            (
                "\"cinder\" volume driver needs \"cloud_provider_enabled\" label to be true or unset.",
                "MAGNUM-EXPLAIN-CLOUD-PROVIDER",
            ),
            (
                "Octavia service needs to be deployed for octavia ingress controller.",
                "MAGNUM-EXPLAIN-OCTAVIA-INGRESS",
            ),
            (
                "Resource CREATE failed: WaitConditionTimeout: resources.kube_masters.resources[0].resources.master_wait_condition: 0 of 1 received",
                "MAGNUM-EXPLAIN-WAIT-CONDITION",
            ),
            (
                "Failed to pre-delete resources for cluster 5d12, error: timeout",
                "MAGNUM-EXPLAIN-PRE-DELETE",
            ),
            (
                "Conflict: RouterInUse: Router 1a2b still has ports",
                "MAGNUM-EXPLAIN-ROUTER-IN-USE",
            ),
            (
                "Quota exceeded for cores: Requested 8, but already used 20 of 24 cores",
                "MAGNUM-EXPLAIN-QUOTA",
            ),
            (
                "No valid host was found. There are not enough hosts available.",
                "MAGNUM-EXPLAIN-NO-VALID-HOST",
            ),
            (
                "Unable to find external network public.",
                "MAGNUM-EXPLAIN-EXTERNAL-NETWORK",
            ),
            ("Unable to find keypair mykey.", "MAGNUM-EXPLAIN-KEYPAIR"),
            (
                "Cluster type (vm, None, kubernetes) not supported.",
                "MAGNUM-EXPLAIN-DRIVER",
            ),
            (
                "Image fcos doesn't contain os_distro field.",
                "MAGNUM-EXPLAIN-DRIVER",
            ),
            (
                "Upgrading a cluster that uses the Magnum Heat driver is not supported.",
                "MAGNUM-EXPLAIN-HEAT-UPGRADE",
            ),
            (
                "Resource CREATE failed: ResourceTypeUnavailable: OS::Neutron::LBaaS::LoadBalancer",
                "MAGNUM-EXPLAIN-NO-OCTAVIA-LB",
            ),
            (
                "ClusterTemplate 0b0c1d2e is referenced by one or multiple clusters.",
                "MAGNUM-EXPLAIN-TEMPLATE-IN-USE",
            ),
            (
                "ClusterTemplate 4a5b could not be found.",
                "MAGNUM-EXPLAIN-TEMPLATE-ACCESS",
            ),
            (
                "Policy doesn't allow certificate:get to be performed.",
                "MAGNUM-EXPLAIN-CERT-POLICY",
            ),
        ];
        for (reason, code) in cases {
            assert!(
                codes(reason).contains(&code),
                "{reason} → {:?}, expected {code}",
                codes(reason)
            );
        }
    }

    #[test]
    fn specific_causes_win_over_the_generic_timeout() {
        assert_eq!(
            codes("Failed to pre-delete resources for cluster x: timed out"),
            ["MAGNUM-EXPLAIN-PRE-DELETE"]
        );
        assert_eq!(
            codes("Stack CREATE cancelled: timed out"),
            ["MAGNUM-EXPLAIN-WAIT-CONDITION"]
        );
    }

    #[test]
    fn unknown_and_healthy_texts_give_nothing() {
        assert!(explain_reason("Stack CREATE completed successfully").is_empty());
        assert!(explain_reason("").is_empty());
        assert!(explain_cluster(None, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn actors_and_retry_advice() {
        let certs = &explain_reason("Failed to create certificates for Cluster: x")[0];
        assert_eq!(
            (certs.actor, certs.retryable, certs.pain_point),
            (Actor::Deployer, false, 10)
        );
        assert!(certs.fix.contains("x509keypair"));
        let lb = &explain_reason("Failed to pre-delete resources for cluster x")[0];
        assert_eq!((lb.actor, lb.retryable), (Actor::User, true));
    }

    #[test]
    fn cluster_findings_are_deduplicated_with_their_source() {
        let timeout =
            "Resource CREATE failed: WaitConditionTimeout: resources.kube_masters: 0 of 1 received";
        let faults: BTreeMap<String, String> = [
            ("default-master".to_owned(), timeout.to_owned()),
            ("default-worker".to_owned(), timeout.to_owned()),
        ]
        .into();
        let found = explain_cluster(
            Some("default-master failed, default-worker failed"),
            &faults,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "MAGNUM-EXPLAIN-WAIT-CONDITION");
        assert_eq!(found[0].source, "faults[default-master]");
    }
}
