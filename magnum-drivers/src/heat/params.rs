//! Heat stack parameters from a template and a cluster, the way Magnum's Fedora CoreOS template
//! definition computes them without asking any service (Magnum's source and unit tests, vector
//! §8.3.6): the `ParameterMapping` table (template attribute wins unless null, then the cluster
//! attribute, `required` → `Required parameter <p> not provided.`), nodegroup attributes, labels
//! passed through (always set, null when absent) or only when truthy, `kube_tag`, and the
//! label-derived extras. Parameters that need Keystone, Neutron or Nova (`auth_url`,
//! `magnum_url`, network UUIDs, trustee credentials, `octavia_enabled`, `region_name`) are added
//! by the Heat driver itself.

use magnum_core::types::ClusterTemplate;
use serde_json::{Map, Value, json};

use crate::driver::{ClusterRecord, DriverError, NodeGroupRecord};

/// One row of Magnum's parameter table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParameterMapping {
    /// The Heat parameter.
    pub heat_param: &'static str,
    /// The template attribute consulted first.
    pub template_attr: Option<&'static str>,
    /// The cluster attribute consulted next.
    pub cluster_attr: Option<&'static str>,
    /// A missing value is an error.
    pub required: bool,
}

impl ParameterMapping {
    /// A mapping row.
    pub const fn new(
        heat_param: &'static str,
        template_attr: Option<&'static str>,
        cluster_attr: Option<&'static str>,
        required: bool,
    ) -> Self {
        Self {
            heat_param,
            template_attr,
            cluster_attr,
            required,
        }
    }

    /// Magnum's `set_param`: the template's value unless null, else the cluster's; `None` when
    /// both are null (the parameter is then left to the Heat template's default).
    ///
    /// # Errors
    /// [`DriverError::InvalidParameter`] `Required parameter <p> not provided.` for a required
    /// parameter with no value.
    pub fn resolve(&self, template: &Value, cluster: &Value) -> Result<Option<Value>, DriverError> {
        let pick = |source: &Value, attr: Option<&str>| {
            attr.and_then(|a| source.get(a))
                .filter(|v| !v.is_null())
                .cloned()
        };
        match pick(template, self.template_attr).or_else(|| pick(cluster, self.cluster_attr)) {
            Some(value) => Ok(Some(value)),
            None if self.required => Err(DriverError::InvalidParameter(format!(
                "Required parameter {} not provided.",
                self.heat_param
            ))),
            None => Ok(None),
        }
    }
}

const fn ct(heat: &'static str, attr: &'static str) -> ParameterMapping {
    ParameterMapping::new(heat, Some(attr), None, false)
}

const fn cl(heat: &'static str, attr: &'static str) -> ParameterMapping {
    ParameterMapping::new(heat, None, Some(attr), false)
}

/// Magnum's mapping table for `k8s_fedora_coreos_v1` (template and cluster attributes).
pub const FCOS_MAPPINGS: &[ParameterMapping] = &[
    cl("ssh_key_name", "keypair"),
    ct("dns_nameserver", "dns_nameserver"),
    ct("http_proxy", "http_proxy"),
    ct("https_proxy", "https_proxy"),
    ct("no_proxy", "no_proxy"),
    ParameterMapping::new("external_network", Some("external_network_id"), None, true),
    cl("fixed_network", "fixed_network"),
    cl("fixed_subnet", "fixed_subnet"),
    ct("network_driver", "network_driver"),
    ct("volume_driver", "volume_driver"),
    ParameterMapping::new("tls_disabled", Some("tls_disabled"), None, true),
    ct("registry_enabled", "registry_enabled"),
    cl("cluster_uuid", "uuid"),
    ct("insecure_registry_url", "insecure_registry"),
    cl("kube_version", "coe_version"),
    ct("docker_storage_driver", "docker_storage_driver"),
];

/// Labels always passed (null when absent), `K8sTemplateDefinition`.
pub const PASS_THROUGH_LABELS: &[&str] = &[
    "flannel_network_cidr",
    "flannel_backend",
    "flannel_network_subnetlen",
    "system_pods_initial_delay",
    "system_pods_timeout",
    "admission_control_list",
    "prometheus_monitoring",
    "grafana_admin_passwd",
    "kube_dashboard_enabled",
    "etcd_volume_size",
    "cert_manager_api",
    "ingress_controller_role",
    "octavia_ingress_controller_tag",
    "kubelet_options",
    "kubeapi_options",
    "kubeproxy_options",
    "kubecontroller_options",
    "kubescheduler_options",
    "influx_grafana_dashboard_enabled",
    "master_lb_allowed_cidrs",
    "octavia_provider",
    "octavia_lb_algorithm",
    "octavia_lb_healthcheck",
];

/// Labels passed only when set to a non-empty value, `K8sFedoraTemplateDefinition`.
pub const TRUTHY_LABELS: &[&str] = &[
    "coredns_tag",
    "hyperkube_prefix",
    "kube_tag",
    "container_infra_prefix",
    "availability_zone",
    "cgroup_driver",
    "container_runtime",
    "containerd_version",
    "containerd_tarball_url",
    "containerd_tarball_sha256",
    "calico_tag",
    "calico_ipv4pool",
    "calico_ipv4pool_ipip",
    "cinder_csi_enabled",
    "cinder_csi_plugin_tag",
    "csi_attacher_tag",
    "csi_provisioner_tag",
    "csi_snapshotter_tag",
    "csi_resizer_tag",
    "csi_node_driver_registrar_tag",
    "csi_liveness_probe_tag",
    "etcd_tag",
    "flannel_tag",
    "flannel_cni_tag",
    "cloud_provider_tag",
    "prometheus_tag",
    "grafana_tag",
    "heat_container_agent_tag",
    "keystone_auth_enabled",
    "k8s_keystone_auth_tag",
    "heapster_enabled",
    "metrics_server_enabled",
    "metrics_server_chart_tag",
    "monitoring_enabled",
    "monitoring_retention_days",
    "monitoring_retention_size",
    "monitoring_interval_seconds",
    "monitoring_storage_class_name",
    "monitoring_ingress_enabled",
    "cluster_basic_auth_secret",
    "cluster_root_domain_name",
    "prometheus_operator_chart_tag",
    "prometheus_adapter_enabled",
    "prometheus_adapter_chart_tag",
    "prometheus_adapter_configmap",
    "selinux_mode",
    "helm_client_url",
    "helm_client_sha256",
    "helm_client_tag",
    "traefik_ingress_controller_tag",
    "node_problem_detector_tag",
    "nginx_ingress_controller_tag",
    "nginx_ingress_controller_chart_tag",
    "auto_healing_enabled",
    "auto_scaling_enabled",
    "auto_healing_controller",
    "magnum_auto_healer_tag",
    "draino_tag",
    "autoscaler_tag",
    "min_node_count",
    "max_node_count",
    "npd_enabled",
    "ostree_remote",
    "ostree_commit",
    "use_podman",
    "kube_image_digest",
    "metrics_scraper_tag",
];

/// The default pods network for flannel and calico.
pub const DEFAULT_PODS_NETWORK_CIDR: &str = "10.100.0.0/16";

/// A nodegroup's Heat parameters (count, flavor, image, role, name, docker volume), under the
/// master or worker parameter names.
pub(crate) fn nodegroup_params(params: &mut Map<String, Value>, ng: &NodeGroupRecord) {
    let (count, flavor, image, role, name) = if ng.is_master() {
        (
            "number_of_masters",
            "master_flavor",
            "master_image",
            "master_role",
            "master_nodegroup_name",
        )
    } else {
        (
            "number_of_minions",
            "minion_flavor",
            "minion_image",
            "worker_role",
            "worker_nodegroup_name",
        )
    };
    params.insert(count.into(), json!(ng.node_count));
    if let Some(flavor_id) = &ng.flavor_id {
        params.insert(flavor.into(), json!(flavor_id));
    }
    if let Some(image_id) = &ng.image_id {
        params.insert(image.into(), json!(image_id));
    }
    params.insert(role.into(), json!(ng.role));
    params.insert(name.into(), json!(ng.name));
    if let Some(size) = ng.docker_volume_size {
        params.insert("docker_volume_size".into(), json!(size));
    }
}

/// The cluster stack's parameters that Magnum derives from the template, the cluster, its
/// default nodegroups and its labels.
///
/// # Errors
/// [`DriverError::InvalidParameter`] for a missing required parameter (`external_network`,
/// `tls_disabled`) or Magnum's label errors (`cloud_provider_enabled=false` with the `cinder`
/// volume driver).
pub fn fcos_parameters(
    template: &ClusterTemplate,
    cluster: &ClusterRecord,
) -> Result<Map<String, Value>, DriverError> {
    let ct =
        serde_json::to_value(template).map_err(|e| DriverError::InvalidParameter(e.to_string()))?;
    let cl = json!({
        "keypair": cluster.keypair, "uuid": cluster.uuid, "coe_version": cluster.coe_version,
        "fixed_network": template.fixed_network, "fixed_subnet": template.fixed_subnet,
    });
    let mut params = Map::new();
    for mapping in FCOS_MAPPINGS {
        if let Some(value) = mapping.resolve(&ct, &cl)? {
            params.insert(mapping.heat_param.into(), value);
        }
    }
    for ng in cluster.nodegroups.iter().filter(|n| n.is_default) {
        nodegroup_params(&mut params, ng);
    }
    let labels = &cluster.labels;
    let label = |key: &str| labels.get(key).map(String::as_str);
    for key in PASS_THROUGH_LABELS {
        params.insert((*key).into(), label(key).map_or(Value::Null, |v| json!(v)));
    }
    for key in TRUTHY_LABELS {
        if let Some(value) = label(key).filter(|v| !v.is_empty()) {
            params.insert((*key).into(), json!(value));
        }
    }
    if let Some(tag) = label("kube_tag").filter(|v| !v.is_empty()) {
        for key in ["kube_version", "master_kube_tag", "minion_kube_tag"] {
            params.insert(key.into(), json!(tag));
        }
    }
    if let Some(ingress) = label("ingress_controller") {
        params.insert("ingress_controller".into(), json!(ingress.to_lowercase()));
    }
    if let Some(range) = label("service_cluster_ip_range") {
        params.insert("portal_network_cidr".into(), json!(range));
    }
    if template.tls_disabled == Some(true) {
        params.insert("loadbalancing_protocol".into(), json!("HTTP"));
        params.insert("kubernetes_port".into(), json!(8080));
    }
    let network_driver = template.network_driver.as_deref().unwrap_or("flannel");
    let pods = match network_driver {
        "calico" => label("calico_ipv4pool"),
        _ => label("flannel_network_cidr"),
    };
    params.insert(
        "pods_network_cidr".into(),
        json!(
            pods.filter(|v| !v.is_empty())
                .unwrap_or(DEFAULT_PODS_NETWORK_CIDR)
        ),
    );
    if label("max_node_count").is_none_or(str::is_empty) {
        params.insert("max_node_count".into(), json!(cluster.node_count() + 1));
    }
    let fixed_subnet_cidr = label("fixed_subnet_cidr").filter(|v| !v.is_empty());
    if let Some(no_proxy) = template.no_proxy.as_deref().filter(|v| !v.is_empty()) {
        let cidr = fixed_subnet_cidr.unwrap_or(super::outputs::DEFAULT_FIXED_SUBNET_CIDR);
        params.insert("no_proxy".into(), json!(format!("{no_proxy},{cidr}")));
    }
    if let Some(cidr) = fixed_subnet_cidr {
        params.insert("fixed_subnet_cidr".into(), json!(cidr));
    }
    let allowed = super::outputs::master_lb_allowed_cidrs(
        label("master_lb_allowed_cidrs"),
        None,
        fixed_subnet_cidr,
    );
    if let Some(allowed) = allowed {
        params.insert("master_lb_allowed_cidrs".into(), json!(allowed));
    }
    if template.volume_driver.as_deref() == Some("cinder")
        && label("cloud_provider_enabled").is_some_and(|v| !super::bool_from_string(Some(v)))
    {
        return Err(DriverError::InvalidParameter(
            "\"cinder\" volume driver needs \"cloud_provider_enabled\" label to be true or unset."
                .into(),
        ));
    }
    Ok(params)
}

/// The swarm-mode cluster stack's parameters, the way Magnum's `SwarmModeTemplateDefinition`
/// (with `BaseTemplateDefinition` and `AtomicSwarmTemplateDefinition`) computes them without
/// asking any service: keypair, image, DNS, proxies, counts (`number_of_secondary_masters` =
/// masters − 1), flavors of the default nodegroups, volumes, networks, TLS, the storage driver,
/// labels `rexray_preempt`, `availability_zone` and `docker_volume_type`.
///
/// # Errors
/// [`DriverError::InvalidParameter`] `Required parameter <p> not provided.` for
/// `external_network` or `tls_disabled`.
pub fn swarm_mode_parameters(
    template: &ClusterTemplate,
    cluster: &ClusterRecord,
) -> Result<Map<String, Value>, DriverError> {
    let ct =
        serde_json::to_value(template).map_err(|e| DriverError::InvalidParameter(e.to_string()))?;
    let default = |master: bool| {
        cluster
            .nodegroups
            .iter()
            .find(|n| n.is_default && n.is_master() == master)
    };
    let masters = cluster.master_count();
    let cl = json!({
        "keypair": cluster.keypair, "uuid": cluster.uuid,
        "master_count": masters, "node_count": cluster.node_count(),
        "master_flavor_id": default(true).and_then(|n| n.flavor_id.clone()),
        "flavor_id": default(false).and_then(|n| n.flavor_id.clone()),
        "docker_volume_size": default(false).and_then(|n| n.docker_volume_size),
        "image_id": default(true).and_then(|n| n.image_id.clone()),
    });
    let mut params = Map::new();
    for mapping in SWARM_MODE_MAPPINGS {
        if let Some(value) = mapping.resolve(&ct, &cl)? {
            params.insert(mapping.heat_param.into(), value);
        }
    }
    params.insert(
        "number_of_secondary_masters".into(),
        json!(masters.saturating_sub(1)),
    );
    for key in ["rexray_preempt", "availability_zone", "docker_volume_type"] {
        params.insert(
            key.into(),
            cluster.labels.get(key).map_or(Value::Null, |v| json!(v)),
        );
    }
    Ok(params)
}

/// Magnum's mapping table for swarm-mode (`BaseTemplateDefinition` + `SwarmModeTemplateDefinition`).
pub const SWARM_MODE_MAPPINGS: &[ParameterMapping] = &[
    cl("ssh_key_name", "keypair"),
    ParameterMapping::new("server_image", Some("image_id"), Some("image_id"), false),
    ct("dns_nameserver", "dns_nameserver"),
    ct("http_proxy", "http_proxy"),
    ct("https_proxy", "https_proxy"),
    ct("no_proxy", "no_proxy"),
    cl("number_of_masters", "master_count"),
    cl("cluster_uuid", "uuid"),
    cl("number_of_nodes", "node_count"),
    cl("master_flavor", "master_flavor_id"),
    cl("node_flavor", "flavor_id"),
    cl("docker_volume_size", "docker_volume_size"),
    ct("volume_driver", "volume_driver"),
    ParameterMapping::new("external_network", Some("external_network_id"), None, true),
    ct("fixed_network", "fixed_network"),
    ct("fixed_subnet", "fixed_subnet"),
    ParameterMapping::new("tls_disabled", Some("tls_disabled"), None, true),
    ct("docker_storage_driver", "docker_storage_driver"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swarm_mode_parameter_set() {
        let (template, mut cluster) = setup(
            json!({"uuid": "t", "external_network_id": "public", "tls_disabled": false,
                   "image_id": "fedora-atomic-29", "flavor_id": "m1.small",
                   "master_flavor_id": "m1.large", "docker_storage_driver": "overlay2"}),
            &[
                ("availability_zone", "nova-2"),
                ("docker_volume_type", "ssd"),
            ],
        );
        cluster.nodegroups.clear();
        crate::Conductor::ensure_default_nodegroups(&mut cluster, 3, 4);
        let p = swarm_mode_parameters(&template, &cluster).expect("params");
        assert_eq!(p["number_of_masters"], 3);
        assert_eq!(
            p["number_of_secondary_masters"], 2,
            "the primary is its own group"
        );
        assert_eq!(p["number_of_nodes"], 4);
        assert_eq!(
            (p["master_flavor"].clone(), p["node_flavor"].clone()),
            (json!("m1.large"), json!("m1.small"))
        );
        assert_eq!(p["server_image"], "fedora-atomic-29");
        assert_eq!(p["ssh_key_name"], "kp");
        assert_eq!(p["availability_zone"], "nova-2");
        assert_eq!(p["docker_volume_type"], "ssd");
        assert!(p["rexray_preempt"].is_null());
        assert_eq!(p["docker_storage_driver"], "overlay2");
        assert!(
            !p.contains_key("number_of_minions"),
            "swarm names its workers nodes"
        );
        let (template, cluster) = setup(json!({"uuid": "t", "tls_disabled": true}), &[]);
        assert_eq!(
            swarm_mode_parameters(&template, &cluster)
                .expect_err("required")
                .to_string(),
            "Required parameter external_network not provided."
        );
    }

    #[test]
    fn required_parameter_vector() {
        // §8.3 vector 6.
        let mapping = ParameterMapping::new("test", Some("test"), None, true);
        let err = mapping
            .resolve(&json!({"test": null}), &json!({}))
            .expect_err("required");
        assert_eq!(err.to_string(), "Required parameter test not provided.");
        assert_eq!(
            mapping.resolve(&json!({"test": 0}), &json!({})),
            Ok(Some(json!(0))),
            "0 is a value"
        );
        let optional = ParameterMapping::new("opt", Some("a"), Some("b"), false);
        assert_eq!(
            optional.resolve(&json!({"a": null}), &json!({"b": "from-cluster"})),
            Ok(Some(json!("from-cluster")))
        );
        assert_eq!(
            optional.resolve(&json!({"a": "t"}), &json!({"b": "c"})),
            Ok(Some(json!("t"))),
            "template wins"
        );
        assert_eq!(optional.resolve(&json!({}), &json!({})), Ok(None));
    }

    fn setup(
        template: serde_json::Value,
        labels: &[(&str, &str)],
    ) -> (ClusterTemplate, ClusterRecord) {
        let template: ClusterTemplate = serde_json::from_value(template).expect("template");
        let mut cluster = ClusterRecord::new(
            "5d12f6fd-a196-4bf0-ae4c-1f639a523a52",
            "demo",
            "p",
            template.clone(),
        );
        cluster.keypair = Some("kp".into());
        cluster.labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        crate::Conductor::ensure_default_nodegroups(&mut cluster, 1, 3);
        (template, cluster)
    }

    #[test]
    fn full_parameter_set() {
        let (template, cluster) = setup(
            json!({"uuid": "t", "external_network_id": "public", "tls_disabled": false, "image_id": "fcos",
                   "flavor_id": "m1.small", "master_flavor_id": "m1.medium", "no_proxy": "localhost",
                   "dns_nameserver": "8.8.8.8"}),
            &[
                ("kube_tag", "v1.30.1"),
                ("ingress_controller", "Octavia"),
                ("calico_tag", ""),
                ("fixed_subnet_cidr", "10.1.0.0/24"),
            ],
        );
        let p = fcos_parameters(&template, &cluster).expect("params");
        assert_eq!(p["ssh_key_name"], "kp");
        assert_eq!(p["external_network"], "public");
        assert_eq!(p["tls_disabled"], false);
        assert_eq!(p["cluster_uuid"], cluster.uuid.as_str());
        assert_eq!(
            (
                p["number_of_masters"].clone(),
                p["number_of_minions"].clone()
            ),
            (json!(1), json!(3))
        );
        assert_eq!(
            (p["master_flavor"].clone(), p["minion_flavor"].clone()),
            (json!("m1.medium"), json!("m1.small"))
        );
        assert_eq!(p["master_image"], "fcos");
        assert_eq!(p["worker_nodegroup_name"], "default-worker");
        assert_eq!(
            (p["kube_version"].clone(), p["master_kube_tag"].clone()),
            (json!("v1.30.1"), json!("v1.30.1"))
        );
        assert_eq!(p["ingress_controller"], "octavia");
        assert!(
            p["flannel_backend"].is_null(),
            "pass-through labels are set even when absent"
        );
        assert!(
            !p.contains_key("calico_tag"),
            "empty truthy-only labels are left out"
        );
        assert_eq!(p["no_proxy"], "localhost,10.1.0.0/24");
        assert_eq!(p["pods_network_cidr"], DEFAULT_PODS_NETWORK_CIDR);
        assert_eq!(p["max_node_count"], 4, "node_count + 1");
        assert!(!p.contains_key("kubernetes_port"));
        assert!(
            !p.contains_key("http_proxy"),
            "null template attributes leave Heat's default"
        );
    }

    #[test]
    fn missing_external_network_is_magnums_error() {
        let (template, cluster) = setup(json!({"uuid": "t", "tls_disabled": false}), &[]);
        let err = fcos_parameters(&template, &cluster).expect_err("no external network");
        assert_eq!(
            err.to_string(),
            "Required parameter external_network not provided."
        );
        let (template, cluster) = setup(json!({"uuid": "t", "external_network_id": "public"}), &[]);
        assert_eq!(
            fcos_parameters(&template, &cluster)
                .expect_err("tls")
                .to_string(),
            "Required parameter tls_disabled not provided."
        );
    }

    #[test]
    fn tls_disabled_switches_to_http_8080() {
        let (template, cluster) = setup(
            json!({"uuid": "t", "external_network_id": "n", "tls_disabled": true}),
            &[],
        );
        let p = fcos_parameters(&template, &cluster).expect("params");
        assert_eq!(
            (
                p["loadbalancing_protocol"].clone(),
                p["kubernetes_port"].clone()
            ),
            (json!("HTTP"), json!(8080))
        );
    }

    #[test]
    fn cinder_without_cloud_provider_is_refused() {
        // §8.4 vector 13.
        let (template, cluster) = setup(
            json!({"uuid": "t", "external_network_id": "n", "tls_disabled": false, "volume_driver": "cinder"}),
            &[("cloud_provider_enabled", "false")],
        );
        let err = fcos_parameters(&template, &cluster).expect_err("cinder");
        assert_eq!(
            err.to_string(),
            "\"cinder\" volume driver needs \"cloud_provider_enabled\" label to be true or unset."
        );
    }

    #[test]
    fn calico_pods_network_and_allowed_cidrs() {
        let (template, cluster) = setup(
            json!({"uuid": "t", "external_network_id": "n", "tls_disabled": false, "network_driver": "calico"}),
            &[
                ("calico_ipv4pool", "192.168.0.0/16"),
                ("master_lb_allowed_cidrs", "203.0.113.0/24"),
            ],
        );
        let p = fcos_parameters(&template, &cluster).expect("params");
        assert_eq!(p["pods_network_cidr"], "192.168.0.0/16");
        assert_eq!(p["master_lb_allowed_cidrs"], "203.0.113.0/24,10.0.0.0/24");
    }
}
