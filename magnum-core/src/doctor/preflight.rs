//! Local pre-flight checks (pure, no network): what Magnum's API would reject and what would
//! only fail inside Heat or on the nodes an hour later, for a template or a cluster request —
//! **all findings in one pass**, each with a stable code, severity, field, Magnum's own message
//! where one exists, a fix hint and the pain point of `docs/doctor.md`.

use std::net::Ipv4Addr;

use crate::types::{
    ClusterCreate, ClusterTemplate, ClusterTemplateCreate, Coe, Labels, ServerType,
};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Will work, but is deprecated or risky.
    Warning,
    /// Magnum, Heat or the nodes will refuse it.
    Error,
}

/// One problem found before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Stable code (`MAGNUM-PREFLIGHT-…`).
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The request field (`labels.selinux_mode`, `master_count`, …).
    pub field: String,
    /// What is wrong — Magnum's own message where it has one.
    pub message: String,
    /// How to fix it.
    pub hint: &'static str,
    /// The pain point's number in `docs/doctor.md`'s coverage table.
    pub pain_point: u8,
}

/// Collects findings (shared with the cloud checks).
pub(super) struct Findings(pub(super) Vec<Finding>);

impl Findings {
    pub(super) fn add(
        &mut self,
        code: &'static str,
        severity: Severity,
        field: impl Into<String>,
        message: String,
        hint: &'static str,
        pain_point: u8,
    ) {
        self.0.push(Finding {
            code,
            severity,
            field: field.into(),
            message,
            hint,
            pain_point,
        });
    }
}

const SUPPORTED_NETWORK_DRIVERS: [&str; 3] = ["flannel", "calico", "cilium"];
const ALLOWED_NETWORK_DRIVERS: [&str; 2] = ["flannel", "calico"];

fn check_dns(f: &mut Findings, dns: Option<&str>) {
    let Some(dns) = dns.filter(|d| !d.is_empty()) else {
        return;
    };
    if dns
        .split(',')
        .any(|item| item.trim().parse::<Ipv4Addr>().is_err())
    {
        f.add(
            "MAGNUM-PREFLIGHT-DNS",
            Severity::Error,
            "dns_nameserver",
            format!(
                "Expected a single dns address or comma separated dns list, but received {dns}."
            ),
            "Give IPv4 addresses only, comma separated (no hostnames, no IPv6).",
            25,
        );
    }
}

fn check_storage(f: &mut Findings, driver: Option<&str>, volume_size: Option<u32>) {
    match driver {
        Some("devicemapper") => {
            if volume_size.is_none_or(|s| s < 3) {
                let size = volume_size.map_or_else(|| "None".to_owned(), |s| s.to_string());
                f.add(
                    "MAGNUM-PREFLIGHT-DEVICEMAPPER-SIZE",
                    Severity::Error,
                    "docker_volume_size",
                    format!("docker volume size {size} GB is not valid, expecting minimum value 3GB for devicemapper storage driver."),
                    "Use overlay2, or a docker_volume_size of at least 3.",
                    24,
                );
            }
            f.add(
                "MAGNUM-PREFLIGHT-DEVICEMAPPER",
                Severity::Error,
                "docker_storage_driver",
                "devicemapper is rejected by the Fedora CoreOS Heat template (the stack fails at create).".into(),
                "Use docker_storage_driver=overlay2.",
                24,
            );
        }
        Some("overlay") => f.add(
            "MAGNUM-PREFLIGHT-STORAGE-DEPRECATED",
            Severity::Warning,
            "docker_storage_driver",
            "The overlay storage driver is deprecated.".into(),
            "Use docker_storage_driver=overlay2.",
            24,
        ),
        _ => {}
    }
}

fn check_labels(f: &mut Findings, labels: &Labels, volume_driver: Option<&str>) {
    let bad = |f: &mut Findings, key: &str, message: String, hint: &'static str| {
        f.add(
            "MAGNUM-PREFLIGHT-LABEL",
            Severity::Error,
            format!("labels.{key}"),
            message,
            hint,
            23,
        );
    };
    let one_of = |f: &mut Findings, key: &str, allowed: &[&str], hint: &'static str| {
        if let Some(value) = labels.get(key).filter(|v| !allowed.contains(&v.as_str())) {
            bad(
                f,
                key,
                format!("{key}={value} is not one of {}.", allowed.join("|")),
                hint,
            );
        }
    };
    one_of(
        f,
        "selinux_mode",
        &["enforcing", "permissive", "disabled"],
        "selinux_mode must be enforcing, permissive or disabled.",
    );
    one_of(
        f,
        "calico_ipv4pool_ipip",
        &["Always", "CrossSubnet", "Never", "Off"],
        "Use Always, CrossSubnet, Never or Off.",
    );
    one_of(
        f,
        "flannel_backend",
        &["udp", "vxlan", "host-gw"],
        "Use vxlan (default), host-gw or udp.",
    );
    one_of(
        f,
        "use_podman",
        &["true"],
        "Fedora CoreOS templates only accept use_podman=true; drop the label otherwise.",
    );
    if let Some(prefix) = labels
        .get("container_infra_prefix")
        .filter(|p| !p.is_empty() && !p.ends_with('/'))
    {
        bad(
            f,
            "container_infra_prefix",
            format!("container_infra_prefix={prefix} must end with '/'."),
            "Add the trailing slash, e.g. registry.example.com/magnum/.",
        );
    }
    for key in [
        "etcd_volume_size",
        "boot_volume_size",
        "min_node_count",
        "max_node_count",
        "monitoring_retention_days",
    ] {
        if let Some(value) = labels.get(key).filter(|v| v.trim().parse::<u64>().is_err()) {
            bad(
                f,
                key,
                format!("{key}={value} is not a whole number."),
                "Give a non-negative integer.",
            );
        }
    }
    if volume_driver == Some("cinder")
        && labels
            .get("cloud_provider_enabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    {
        f.add(
            "MAGNUM-PREFLIGHT-CINDER-CLOUD-PROVIDER",
            Severity::Error,
            "labels.cloud_provider_enabled",
            "\"cinder\" volume driver needs \"cloud_provider_enabled\" label to be true or unset."
                .into(),
            "Remove cloud_provider_enabled=false or the cinder volume driver.",
            11,
        );
    }
}

/// Checks a template request locally; every finding at once.
pub fn check_template(template: &ClusterTemplateCreate) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    if template.coe != Coe::Kubernetes {
        let coe = template.coe.as_str();
        f.add(
            "MAGNUM-PREFLIGHT-COE",
            Severity::Error,
            "coe",
            format!("Requested COE type {coe} is not supported."),
            "Current Magnum drivers deploy Kubernetes only (swarm, swarm-mode and mesos drivers were retired).",
            3,
        );
    }
    if let Some(server_type) = &template.server_type {
        if !matches!(server_type, ServerType::Vm | ServerType::Bm) {
            f.add(
                "MAGNUM-PREFLIGHT-SERVER-TYPE",
                Severity::Error,
                "server_type",
                format!(
                    "Server type {} is not supported, expecting a vm/bm/unspecified server type.",
                    server_type.as_str()
                ),
                "Use vm or bm.",
                3,
            );
        }
    }
    if let Some(driver) = template.network_driver.as_deref() {
        if !SUPPORTED_NETWORK_DRIVERS.contains(&driver) {
            f.add(
                "MAGNUM-PREFLIGHT-NETWORK-DRIVER",
                Severity::Error,
                "network_driver",
                format!("Network driver type {driver} is not supported, expecting a flannel/calico/cilium/unspecified network driver."),
                "Use flannel or calico.",
                4,
            );
        } else if !ALLOWED_NETWORK_DRIVERS.contains(&driver) {
            f.add(
                "MAGNUM-PREFLIGHT-NETWORK-DRIVER-ALLOWED",
                Severity::Warning,
                "network_driver",
                format!("Network driver type {driver} is not allowed, expecting a flannel/calico/unspecified network driver. "),
                "Magnum's default configuration allows only flannel and calico, and the Heat driver cannot deploy cilium.",
                4,
            );
        }
    }
    if let Some(driver) = template.volume_driver.as_deref().filter(|d| *d != "cinder") {
        f.add(
            "MAGNUM-PREFLIGHT-VOLUME-DRIVER",
            Severity::Error,
            "volume_driver",
            format!("Volume driver type {driver} is not supported, expecting a cinder/unspecified volume driver."),
            "Use cinder or leave it unset.",
            4,
        );
    }
    check_dns(&mut f, template.dns_nameserver.as_deref());
    check_storage(
        &mut f,
        template.docker_storage_driver.as_deref(),
        template.docker_volume_size,
    );
    check_labels(
        &mut f,
        template.labels.as_ref().unwrap_or(&Labels::new()),
        template.volume_driver.as_deref(),
    );
    f.0
}

/// Checks a cluster request locally against the template it names (when known); every finding
/// at once.
pub fn check_cluster(cluster: &ClusterCreate, template: Option<&ClusterTemplate>) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    if let Some(name) = cluster.name.as_deref() {
        let valid_start = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        let valid_rest = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid_start || !valid_rest || name.len() > 242 {
            f.add(
                "MAGNUM-PREFLIGHT-NAME",
                Severity::Error,
                "name",
                format!("Cluster name {name:?} must start with a letter, contain only letters, digits, '_', '.', '-', and be at most 242 characters."),
                "Rename the cluster.",
                26,
            );
        }
    }
    let masters = cluster.master_count.unwrap_or(1);
    if masters < 1 || masters % 2 == 0 {
        f.add(
            "MAGNUM-PREFLIGHT-MASTER-COUNT",
            Severity::Error,
            "master_count",
            format!(
                "master nodegroup size of {masters} is invalid, size cannot be an even number."
            ),
            "Use 1, 3 or 5 masters.",
            5,
        );
    }
    let lb = cluster
        .master_lb_enabled
        .or_else(|| template.and_then(|t| t.master_lb_enabled))
        .unwrap_or(false);
    if masters > 1 && !lb {
        f.add(
            "MAGNUM-PREFLIGHT-MASTER-LB",
            Severity::Error,
            "master_lb_enabled",
            "master_count must be 1 when master_lb_enabled is False".into(),
            "Enable master_lb_enabled (needs Octavia) or use a single master.",
            5,
        );
    }
    let storage = template.and_then(|t| t.docker_storage_driver.as_deref());
    let volume = cluster
        .docker_volume_size
        .or_else(|| template.and_then(|t| t.docker_volume_size));
    if storage == Some("devicemapper") {
        check_storage(&mut f, storage, volume);
    }
    let mut labels = if cluster.merge_labels == Some(true) || cluster.labels.is_none() {
        template.and_then(|t| t.labels.clone()).unwrap_or_default()
    } else {
        Labels::new()
    };
    labels.extend(cluster.labels.clone().unwrap_or_default());
    check_labels(
        &mut f,
        &labels,
        template.and_then(|t| t.volume_driver.as_deref()),
    );
    let nodes = cluster.node_count.unwrap_or(1);
    let bound = |key: &str| labels.get(key).and_then(|v| v.trim().parse::<u32>().ok());
    if let Some(min) = bound("min_node_count").filter(|min| *min > nodes) {
        f.add(
            "MAGNUM-PREFLIGHT-NODE-BOUNDS",
            Severity::Error,
            "node_count",
            format!("min_node_count for default-worker is invalid (min_node_count ({min}) should be less or equal to node_count ({nodes}))."),
            "Raise node_count or lower the min_node_count label.",
            31,
        );
    }
    if let Some(max) = bound("max_node_count").filter(|max| *max < nodes) {
        f.add(
            "MAGNUM-PREFLIGHT-NODE-BOUNDS",
            Severity::Error,
            "node_count",
            format!("max_node_count for default-worker is invalid (node_count ({nodes}) should be less or equal to max_node_count ({max}))."),
            "Lower node_count or raise the max_node_count label.",
            31,
        );
    }
    f.0
}

/// Local checks of a nodegroup create body: Magnum's bounds (`min_node_count ≤ node_count ≤
/// max_node_count`, with its `NodeGroupInvalidInput` wording), no extra master nodegroups,
/// taint effects Kubernetes knows, and — with the server's maximum microversion —
/// `node_labels` / `node_taints`, which exist only from 1.14.
pub fn check_nodegroup(
    nodegroup: &crate::types::NodeGroupCreate,
    server_max: Option<crate::Microversion>,
) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    let name = nodegroup.name.as_str();
    if nodegroup
        .role
        .as_ref()
        .is_some_and(|r| r.as_str() == "master")
    {
        f.add(
            "MAGNUM-PREFLIGHT-NODEGROUP",
            Severity::Error,
            "role",
            "Creating master nodegroups is currently not supported.".into(),
            "Only the default master nodegroup can have role master; resize it instead.",
            31,
        );
    }
    let count = nodegroup.node_count.unwrap_or(1);
    let min = nodegroup.min_node_count.unwrap_or(0);
    let mut bound = |field: &str, message: String| {
        f.add(
            "MAGNUM-PREFLIGHT-NODE-BOUNDS",
            Severity::Error,
            field,
            message,
            "Keep min_node_count ≤ node_count ≤ max_node_count.",
            31,
        );
    };
    if let Some(max) = nodegroup.max_node_count {
        if max < min {
            bound(
                "max_node_count",
                format!(
                    "max_node_count for {name} is invalid (min_node_count ({min}) should be less or equal to max_node_count ({max}))."
                ),
            );
        } else if count > max {
            bound(
                "max_node_count",
                format!(
                    "max_node_count for {name} is invalid (node_count ({count}) should be less or equal to max_node_count ({max}))."
                ),
            );
        }
    }
    if min > count {
        bound(
            "min_node_count",
            format!(
                "min_node_count for {name} is invalid (min_node_count ({min}) should be less or equal to node_count ({count}))."
            ),
        );
    }
    for taint in nodegroup.node_taints.iter().flatten() {
        let effect = taint.effect.as_str();
        if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
            f.add(
                "MAGNUM-PREFLIGHT-NODEGROUP",
                Severity::Error,
                "node_taints",
                format!("node_taints for nodegroup is invalid (effect {effect} is not one of NoSchedule, PreferNoSchedule, NoExecute)."),
                "Use one of Kubernetes' taint effects.",
                23,
            );
        }
    }
    let fields = nodegroup.node_labels.is_some() || nodegroup.node_taints.is_some();
    if let Some(max) = server_max.filter(|m| fields && *m < crate::Microversion::V1_14) {
        f.add(
            "MAGNUM-PREFLIGHT-MICROVERSION",
            Severity::Error,
            "node_labels",
            format!("This Magnum supports microversions up to {max}; node_labels and node_taints need 1.14."),
            "Set Kubernetes labels and taints after the nodes join, or use a newer Magnum.",
            29,
        );
    }
    f.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn nodegroup_bounds_roles_taints_and_versions() {
        use crate::types::{NodeGroupCreate, NodeGroupRole, Taint, TaintEffect};
        let mut ng = NodeGroupCreate::new("gpu");
        assert!(check_nodegroup(&ng, Some(crate::Microversion::V1_14)).is_empty());
        ng.node_count = Some(5);
        ng.max_node_count = Some(3);
        ng.role = Some(NodeGroupRole::Master);
        ng.node_taints = Some(vec![Taint::new(
            "gpu",
            None,
            TaintEffect::parse("NoScheduleAtAll"),
        )]);
        let found = check_nodegroup(&ng, Some(crate::Microversion::V1_12));
        assert_eq!(
            codes(&found),
            [
                "MAGNUM-PREFLIGHT-NODEGROUP",
                "MAGNUM-PREFLIGHT-NODE-BOUNDS",
                "MAGNUM-PREFLIGHT-NODEGROUP",
                "MAGNUM-PREFLIGHT-MICROVERSION"
            ]
        );
        assert_eq!(
            found[1].message,
            "max_node_count for gpu is invalid (node_count (5) should be less or equal to max_node_count (3))."
        );
        let mut low = NodeGroupCreate::new("low");
        low.node_count = Some(1);
        low.min_node_count = Some(2);
        assert_eq!(
            check_nodegroup(&low, None)[0].message,
            "min_node_count for low is invalid (min_node_count (2) should be less or equal to node_count (1))."
        );
    }

    #[test]
    fn server_type_volume_driver_and_master_count() {
        let mut template = ClusterTemplateCreate::new("img", Coe::Kubernetes);
        template.server_type = Some(ServerType::parse("container"));
        template.volume_driver = Some("rexray".into());
        assert_eq!(
            codes(&check_template(&template)),
            [
                "MAGNUM-PREFLIGHT-SERVER-TYPE",
                "MAGNUM-PREFLIGHT-VOLUME-DRIVER"
            ]
        );
        let mut cluster = ClusterCreate::new("k8s");
        for (masters, refused) in [(0, true), (1, false), (2, true), (4, true)] {
            cluster.master_count = Some(masters);
            let found = codes(&check_cluster(&cluster, None));
            assert_eq!(
                found.contains(&"MAGNUM-PREFLIGHT-MASTER-COUNT"),
                refused,
                "{masters} masters: {found:?}"
            );
        }
    }

    #[test]
    fn a_clean_template_has_no_findings() {
        let template = ClusterTemplateCreate::new("fedora-coreos-40", Coe::Kubernetes)
            .label("kube_tag", "v1.30.1");
        assert!(check_template(&template).is_empty());
    }

    #[test]
    fn every_template_problem_in_one_pass() {
        let mut template = ClusterTemplateCreate::new("img", Coe::SwarmMode)
            .label("selinux_mode", "Enforcing")
            .label("container_infra_prefix", "registry.example.com/magnum")
            .label("etcd_volume_size", "ten")
            .label("cloud_provider_enabled", "false");
        template.network_driver = Some("weave".into());
        template.volume_driver = Some("cinder".into());
        template.dns_nameserver = Some("8.8.8.8,dns.example.com".into());
        template.docker_storage_driver = Some("devicemapper".into());
        template.docker_volume_size = Some(2);
        let found = check_template(&template);
        assert_eq!(
            codes(&found),
            [
                "MAGNUM-PREFLIGHT-COE",
                "MAGNUM-PREFLIGHT-NETWORK-DRIVER",
                "MAGNUM-PREFLIGHT-DNS",
                "MAGNUM-PREFLIGHT-DEVICEMAPPER-SIZE",
                "MAGNUM-PREFLIGHT-DEVICEMAPPER",
                "MAGNUM-PREFLIGHT-LABEL",
                "MAGNUM-PREFLIGHT-LABEL",
                "MAGNUM-PREFLIGHT-LABEL",
                "MAGNUM-PREFLIGHT-CINDER-CLOUD-PROVIDER",
            ]
        );
        let message = |code: &str| {
            found
                .iter()
                .find(|f| f.code == code)
                .map(|f| f.message.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            message("MAGNUM-PREFLIGHT-COE"),
            "Requested COE type swarm-mode is not supported."
        );
        assert_eq!(
            message("MAGNUM-PREFLIGHT-DNS"),
            "Expected a single dns address or comma separated dns list, but received 8.8.8.8,dns.example.com."
        );
        assert_eq!(
            message("MAGNUM-PREFLIGHT-DEVICEMAPPER-SIZE"),
            "docker volume size 2 GB is not valid, expecting minimum value 3GB for devicemapper storage driver."
        );
        assert!(found.iter().all(|f| f.severity == Severity::Error));
        let fields: Vec<&str> = found
            .iter()
            .filter(|f| f.code == "MAGNUM-PREFLIGHT-LABEL")
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "labels.selinux_mode",
                "labels.container_infra_prefix",
                "labels.etcd_volume_size"
            ]
        );
    }

    #[test]
    fn cilium_is_a_warning_and_overlay_deprecated() {
        let mut template = ClusterTemplateCreate::new("img", Coe::Kubernetes);
        template.network_driver = Some("cilium".into());
        template.docker_storage_driver = Some("overlay".into());
        let found = check_template(&template);
        assert_eq!(
            codes(&found),
            [
                "MAGNUM-PREFLIGHT-NETWORK-DRIVER-ALLOWED",
                "MAGNUM-PREFLIGHT-STORAGE-DEPRECATED"
            ]
        );
        assert!(found.iter().all(|f| f.severity == Severity::Warning));
        assert!(
            found[0].message.ends_with("network driver. "),
            "Magnum's trailing space kept"
        );
    }

    fn template(json: serde_json::Value) -> ClusterTemplate {
        serde_json::from_value(json).expect("template")
    }

    #[test]
    fn cluster_checks_use_the_template() {
        let ct = template(
            serde_json::json!({"uuid": "t", "master_lb_enabled": false, "labels": {"max_node_count": "3"}}),
        );
        let mut cluster = ClusterCreate::new("t")
            .name("1-bad name")
            .master_count(3u32)
            .node_count(5u32);
        cluster.labels = None;
        let found = check_cluster(&cluster, Some(&ct));
        assert_eq!(
            codes(&found),
            [
                "MAGNUM-PREFLIGHT-NAME",
                "MAGNUM-PREFLIGHT-MASTER-LB",
                "MAGNUM-PREFLIGHT-NODE-BOUNDS"
            ]
        );
        assert_eq!(
            found[1].message,
            "master_count must be 1 when master_lb_enabled is False"
        );
        let even = check_cluster(&ClusterCreate::new("t").master_count(2u32), None);
        assert_eq!(
            even[0].message,
            "master nodegroup size of 2 is invalid, size cannot be an even number."
        );
        let mut ok = ClusterCreate::new("t")
            .name("prod.k8s-1")
            .master_count(3u32);
        ok.master_lb_enabled = Some(true);
        assert!(check_cluster(&ok, Some(&ct)).is_empty());
    }
}
