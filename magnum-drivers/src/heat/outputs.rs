//! Stack outputs and parameters ↔ Magnum objects (Magnum's source and unit tests, vectors
//! §8.4.7–11): `api_address`, master/worker `node_addresses`, node counts from stack
//! parameters, the scale parameters of a resize, `master_lb_allowed_cidrs`, and which Heat
//! parameter a nodegroup attribute maps to.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::driver::ClusterRecord;

/// The CIDR Magnum assumes for the private subnet when none is known.
pub const DEFAULT_FIXED_SUBNET_CIDR: &str = "10.0.0.0/24";

/// One entry of a Heat stack's `outputs` list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct StackOutput {
    /// `output_key`.
    pub output_key: String,
    /// `output_value` (a string, a list, or null).
    #[serde(default)]
    pub output_value: Value,
}

impl StackOutput {
    /// An output (tests, simulators).
    pub fn new(key: impl Into<String>, value: Value) -> Self {
        Self {
            output_key: key.into(),
            output_value: value,
        }
    }
}

pub(crate) fn output<'a>(outputs: &'a [StackOutput], key: &str) -> Option<&'a Value> {
    outputs
        .iter()
        .find(|o| o.output_key == key)
        .map(|o| &o.output_value)
        .filter(|v| !v.is_null())
}

/// `api_address` output → the cluster's API URL: `https://A:6443`, or `http://A:8080` with
/// TLS disabled; `None` when the output is absent or null (the old value is kept).
pub fn api_address_from_output(address: Option<&str>, tls_disabled: bool) -> Option<String> {
    let address = address.filter(|a| !a.is_empty())?;
    Some(if tls_disabled {
        format!("http://{address}:8080")
    } else {
        format!("https://{address}:6443")
    })
}

fn addresses(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        Value::String(one) => Some(vec![one.clone()]),
        _ => None,
    }
}

/// Applies a stack's outputs and parameters to the cluster: `api_address`, master and worker
/// `node_addresses` (public lists when floating IPs are on, `*_private` otherwise), node counts
/// from `number_of_masters` / `number_of_minions`, and `coe_version` from `kube_version`.
pub fn apply_outputs(
    cluster: &mut ClusterRecord,
    outputs: &[StackOutput],
    parameters: &Map<String, Value>,
    floating_ip_enabled: bool,
    tls_disabled: bool,
) {
    let api = output(outputs, "api_address").and_then(Value::as_str);
    if let Some(url) = api_address_from_output(api, tls_disabled) {
        cluster.api_address = Some(url);
    }
    let (masters_key, minions_key) = if floating_ip_enabled {
        ("kube_masters", "kube_minions")
    } else {
        ("kube_masters_private", "kube_minions_private")
    };
    let masters = addresses(output(outputs, masters_key));
    let minions = addresses(output(outputs, minions_key));
    let count = |key: &str| {
        parameters
            .get(key)
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
    };
    let (master_count, minion_count) = (count("number_of_masters"), count("number_of_minions"));
    for ng in cluster.nodegroups.iter_mut().filter(|n| n.is_default) {
        let (list, n) = if ng.is_master() {
            (&masters, master_count)
        } else {
            (&minions, minion_count)
        };
        if let Some(list) = list {
            ng.node_addresses.clone_from(list);
        }
        if let Some(n) = n.and_then(|n| u32::try_from(n).ok()) {
            ng.node_count = n;
        }
    }
    if let Some(version) = parameters
        .get("kube_version")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    {
        cluster.coe_version = Some(version.to_owned());
    }
}

/// Magnum's swarm-mode port in `api_address` (`tcp://A:2375` whatever TLS says: the docker
/// client does not speak https, Magnum bug 1604812).
pub const SWARM_API_PORT: u16 = 2375;

/// Applies a swarm-mode cluster stack: `api_address` = `tcp://A:2375`; masters = primary plus
/// secondary managers (public lists with floating IPs, `*_private` otherwise — Magnum's
/// template lacks `swarm_secondary_masters_private`, this one has it); workers from
/// `swarm_nodes[_private]`; counts from `number_of_masters` / `number_of_nodes`.
pub fn apply_swarm_outputs(
    cluster: &mut ClusterRecord,
    outputs: &[StackOutput],
    parameters: &Map<String, Value>,
    floating_ip_enabled: bool,
) {
    if let Some(address) = output(outputs, "api_address")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
    {
        cluster.api_address = Some(format!("tcp://{address}:{SWARM_API_PORT}"));
    }
    let suffix = if floating_ip_enabled { "" } else { "_private" };
    let list = |key: &str| addresses(output(outputs, &format!("{key}{suffix}")));
    let masters = match (
        list("swarm_primary_master"),
        list("swarm_secondary_masters"),
    ) {
        (None, None) => None,
        (primary, secondary) => Some(
            primary
                .into_iter()
                .chain(secondary)
                .flatten()
                .collect::<Vec<_>>(),
        ),
    };
    let nodes = list("swarm_nodes");
    let count = |key: &str| {
        parameters
            .get(key)
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .and_then(|n| u32::try_from(n).ok())
    };
    for ng in cluster.nodegroups.iter_mut().filter(|n| n.is_default) {
        let (list, n) = if ng.is_master() {
            (&masters, count("number_of_masters"))
        } else {
            (&nodes, count("number_of_nodes"))
        };
        if let Some(list) = list {
            ng.node_addresses.clone_from(list);
        }
        if let Some(n) = n {
            ng.node_count = n;
        }
    }
}

/// Applies an extra nodegroup's stack to it: worker `node_addresses` (public or private list)
/// and `node_count` from the stack's `number_of_minions`.
pub fn apply_nodegroup_outputs(
    nodegroup: &mut crate::driver::NodeGroupRecord,
    outputs: &[StackOutput],
    parameters: &Map<String, Value>,
    floating_ip_enabled: bool,
) {
    let key = if floating_ip_enabled {
        "kube_minions"
    } else {
        "kube_minions_private"
    };
    if let Some(list) = addresses(output(outputs, key)) {
        nodegroup.node_addresses = list;
    }
    if let Some(n) = parameters
        .get("number_of_minions")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .and_then(|n| u32::try_from(n).ok())
    {
        nodegroup.node_count = n;
    }
}

/// The stack-update parameters of a resize: `number_of_minions`, plus `minions_to_remove`
/// when specific nodes are to go.
pub fn scale_params(node_count: u32, nodes_to_remove: &[String]) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("number_of_minions".into(), json!(node_count));
    if !nodes_to_remove.is_empty() {
        params.insert("minions_to_remove".into(), json!(nodes_to_remove));
    }
    params
}

/// `master_lb_allowed_cidrs` with the private subnet's CIDR appended: the real CIDR of a given
/// `fixed_subnet`, else label `fixed_subnet_cidr`, else `10.0.0.0/24`. `None` without the label.
pub fn master_lb_allowed_cidrs(
    label: Option<&str>,
    subnet_cidr: Option<&str>,
    fixed_subnet_cidr_label: Option<&str>,
) -> Option<String> {
    let allowed = label.filter(|l| !l.is_empty())?;
    let cidr = subnet_cidr
        .or(fixed_subnet_cidr_label)
        .filter(|c| !c.is_empty())
        .unwrap_or(DEFAULT_FIXED_SUBNET_CIDR);
    Some(format!("{allowed},{cidr}"))
}

/// The Heat parameter behind a nodegroup attribute (`get_heat_param`): `node_count` →
/// `number_of_masters` / `number_of_minions`, and so on for flavor, image, role, name and
/// `docker_volume_size`.
pub fn heat_param_for_nodegroup(is_master: bool, attribute: &str) -> Option<&'static str> {
    Some(match (attribute, is_master) {
        ("node_count", true) => "number_of_masters",
        ("node_count", false) => "number_of_minions",
        ("flavor_id", true) => "master_flavor",
        ("flavor_id", false) => "minion_flavor",
        ("image_id", true) => "master_image",
        ("image_id", false) => "minion_image",
        ("role", true) => "master_role",
        ("role", false) => "worker_role",
        ("name", true) => "master_nodegroup_name",
        ("name", false) => "worker_nodegroup_name",
        ("docker_volume_size", _) => "docker_volume_size",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::NodeGroupRecord;

    fn cluster() -> ClusterRecord {
        let template = serde_json::from_value(json!({"uuid": "t"})).expect("template");
        let mut cluster = ClusterRecord::new("c", "c", "p", template);
        for (name, role) in [("default-master", "master"), ("default-worker", "worker")] {
            let mut ng = NodeGroupRecord::new(name, name, role, 1);
            ng.is_default = true;
            cluster.nodegroups.push(ng);
        }
        cluster
    }

    #[test]
    fn api_address_vector() {
        // §8.4 vector 7.
        let outputs = [StackOutput::new("api_address", json!("updated_address"))];
        let mut c = cluster();
        apply_outputs(&mut c, &outputs, &Map::new(), true, true);
        assert_eq!(
            c.api_address.as_deref(),
            Some("http://updated_address:8080")
        );
        apply_outputs(&mut c, &outputs, &Map::new(), true, false);
        assert_eq!(
            c.api_address.as_deref(),
            Some("https://updated_address:6443")
        );
        apply_outputs(
            &mut c,
            &[StackOutput::new("api_address", Value::Null)],
            &Map::new(),
            true,
            false,
        );
        assert_eq!(
            c.api_address.as_deref(),
            Some("https://updated_address:6443"),
            "null keeps the old value"
        );
    }

    #[test]
    fn addresses_follow_floating_ips() {
        // §8.4 vector 8.
        let outputs = [
            StackOutput::new("kube_masters", json!(["public"])),
            StackOutput::new("kube_masters_private", json!(["private"])),
            StackOutput::new("kube_minions", json!(["public-w"])),
            StackOutput::new("kube_minions_private", json!(["private-w"])),
        ];
        let mut c = cluster();
        apply_outputs(&mut c, &outputs, &Map::new(), true, false);
        assert_eq!(c.nodegroups[0].node_addresses, ["public"]);
        assert_eq!(c.nodegroups[1].node_addresses, ["public-w"]);
        apply_outputs(&mut c, &outputs, &Map::new(), false, false);
        assert_eq!(c.nodegroups[0].node_addresses, ["private"]);
        assert_eq!(c.nodegroups[1].node_addresses, ["private-w"]);
    }

    #[test]
    fn counts_and_version_from_parameters() {
        // §8.5 vector 4: Heat returns parameters as strings.
        let mut c = cluster();
        let params: Map<String, Value> = serde_json::from_value(
            json!({"number_of_minions": "2", "number_of_masters": "1", "kube_version": "v1.30.1"}),
        )
        .expect("params");
        apply_outputs(&mut c, &[], &params, true, false);
        assert_eq!((c.master_count(), c.node_count()), (1, 2));
        assert_eq!(c.coe_version.as_deref(), Some("v1.30.1"));
    }

    #[test]
    fn scale_params_vector() {
        // §8.4 vector 9.
        let params = scale_params(5, &["node1".into(), "node2".into()]);
        assert_eq!(
            Value::Object(params),
            json!({"minions_to_remove": ["node1", "node2"], "number_of_minions": 5})
        );
        assert_eq!(
            Value::Object(scale_params(3, &[])),
            json!({"number_of_minions": 3})
        );
    }

    #[test]
    fn master_lb_allowed_cidrs_vector() {
        // §8.4 vector 10.
        let label = Some("192.168.0.0/16");
        assert_eq!(
            master_lb_allowed_cidrs(label, None, None).as_deref(),
            Some("192.168.0.0/16,10.0.0.0/24")
        );
        assert_eq!(
            master_lb_allowed_cidrs(label, None, Some("100.0.0.0/24")).as_deref(),
            Some("192.168.0.0/16,100.0.0.0/24")
        );
        assert_eq!(
            master_lb_allowed_cidrs(label, Some("172.24.0.0/16"), Some("100.0.0.0/24")).as_deref(),
            Some("192.168.0.0/16,172.24.0.0/16")
        );
        assert_eq!(
            master_lb_allowed_cidrs(None, Some("172.24.0.0/16"), None),
            None
        );
    }

    #[test]
    fn heat_param_vector() {
        // §8.4 vector 11.
        assert_eq!(
            heat_param_for_nodegroup(false, "node_count"),
            Some("number_of_minions")
        );
        assert_eq!(
            heat_param_for_nodegroup(true, "node_count"),
            Some("number_of_masters")
        );
        assert_eq!(heat_param_for_nodegroup(true, "labels"), None);
    }
}
