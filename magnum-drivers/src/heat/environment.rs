//! Which Heat environment files a Fedora CoreOS cluster stack gets, in Magnum's order
//! (`template_def.py`, Magnum's source and unit tests): private network, etcd
//! volume, docker volume, master load balancer, floating IPs.

use magnum_core::types::{ClusterTemplate, Labels};

use super::bool_from_string;

/// The facts environment selection depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StackShape {
    /// The cluster or template names an existing network (`fixed_network`).
    pub existing_network: bool,
    /// Label `etcd_volume_size` (GB; 0 or absent = none).
    pub etcd_volume_size: u32,
    /// The nodegroup/cluster has a `docker_volume_size`.
    pub docker_volume: bool,
    /// `master_lb_enabled`.
    pub master_lb_enabled: bool,
    /// `floating_ip_enabled`.
    pub floating_ip_enabled: bool,
    /// Label `master_lb_floating_ip_enabled`, raw.
    pub master_lb_floating_ip_label: Option<String>,
    /// The Keystone catalog has an enabled `load-balancer` service.
    pub octavia: bool,
}

impl StackShape {
    /// The shape of a cluster made from `template` with `labels` (the cluster's merged labels);
    /// cluster-level overrides (`fixed_network`, `master_lb_enabled`, `floating_ip_enabled`,
    /// `docker_volume_size`) are applied by setting the fields afterwards.
    pub fn of(template: &ClusterTemplate, labels: &Labels, octavia: bool) -> Self {
        Self {
            existing_network: template
                .fixed_network
                .as_deref()
                .is_some_and(|n| !n.is_empty()),
            etcd_volume_size: labels
                .get("etcd_volume_size")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
            docker_volume: template.docker_volume_size.is_some(),
            master_lb_enabled: template.master_lb_enabled.unwrap_or(false),
            // Magnum's API defaults floating_ip_enabled to True when the template leaves it unset.
            floating_ip_enabled: template.floating_ip_enabled.unwrap_or(true),
            master_lb_floating_ip_label: labels.get("master_lb_floating_ip_enabled").cloned(),
            octavia,
        }
    }

    /// The environment files, in Magnum's order (names under
    /// `magnum/drivers/common/templates/environments/`).
    pub fn environment_files(&self) -> Vec<&'static str> {
        let mut files = vec![
            if self.existing_network {
                "no_private_network.yaml"
            } else {
                "with_private_network.yaml"
            },
            if self.etcd_volume_size < 1 {
                "no_etcd_volume.yaml"
            } else {
                "with_etcd_volume.yaml"
            },
            if self.docker_volume {
                "with_volume.yaml"
            } else {
                "no_volume.yaml"
            },
            match (self.master_lb_enabled, self.octavia) {
                (true, true) => "with_master_lb_octavia.yaml",
                (true, false) => "with_master_lb.yaml",
                (false, _) => "no_master_lb.yaml",
            },
        ];
        files.extend(fip_environment_files(
            self.master_lb_enabled,
            self.floating_ip_enabled,
            self.master_lb_floating_ip_label.as_deref(),
        ));
        files
    }
}

impl StackShape {
    /// The swarm-mode driver's environment files: Magnum's `SwarmModeTemplateDefinition`
    /// picks private network, docker volume, load balancer and floating IPs — no etcd volume.
    pub fn swarm_mode_environment_files(&self) -> Vec<&'static str> {
        self.environment_files()
            .into_iter()
            .filter(|f| !f.contains("etcd_volume"))
            .collect()
    }
}

/// Magnum's `add_fip_env_file`: node floating IPs follow `floating_ip_enabled`; the load
/// balancer's floating IP is on iff the LB is on and (the label is true or node FIPs are on) —
/// so the label can only turn the LB floating IP on, never off.
pub fn fip_environment_files(
    master_lb_enabled: bool,
    floating_ip_enabled: bool,
    lb_fip_label: Option<&str>,
) -> [&'static str; 2] {
    let nodes = if floating_ip_enabled {
        "enable_floating_ip.yaml"
    } else {
        "disable_floating_ip.yaml"
    };
    let lb_fip = master_lb_enabled && (bool_from_string(lb_fip_label) || floating_ip_enabled);
    [
        nodes,
        if lb_fip {
            "enable_lb_floating_ip.yaml"
        } else {
            "disable_lb_floating_ip.yaml"
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnums_fip_vectors() {
        // §8.4 vectors 1–6.
        assert_eq!(
            fip_environment_files(false, true, None),
            ["enable_floating_ip.yaml", "disable_lb_floating_ip.yaml"]
        );
        assert_eq!(
            fip_environment_files(true, true, None),
            ["enable_floating_ip.yaml", "enable_lb_floating_ip.yaml"]
        );
        assert_eq!(
            fip_environment_files(true, false, None),
            ["disable_floating_ip.yaml", "disable_lb_floating_ip.yaml"]
        );
        assert_eq!(
            fip_environment_files(true, false, Some("true")),
            ["disable_floating_ip.yaml", "enable_lb_floating_ip.yaml"]
        );
        assert_eq!(
            fip_environment_files(true, false, Some("false")),
            ["disable_floating_ip.yaml", "disable_lb_floating_ip.yaml"]
        );
        assert_eq!(
            fip_environment_files(true, true, Some("false")),
            ["enable_floating_ip.yaml", "enable_lb_floating_ip.yaml"]
        );
    }

    fn template(json: serde_json::Value) -> ClusterTemplate {
        serde_json::from_value(json).expect("template")
    }

    #[test]
    fn full_selection_in_order() {
        let bare = template(serde_json::json!({"uuid": "t"}));
        let shape = StackShape::of(&bare, &Labels::new(), false);
        assert_eq!(
            shape.environment_files(),
            vec![
                "with_private_network.yaml",
                "no_etcd_volume.yaml",
                "no_volume.yaml",
                "no_master_lb.yaml",
                "enable_floating_ip.yaml",
                "disable_lb_floating_ip.yaml"
            ]
        );
        let rich = template(serde_json::json!({
            "uuid": "t", "fixed_network": "private", "docker_volume_size": 20,
            "master_lb_enabled": true, "floating_ip_enabled": false
        }));
        let labels: Labels = [("etcd_volume_size".to_owned(), "10".to_owned())].into();
        assert_eq!(
            StackShape::of(&rich, &labels, true).environment_files(),
            vec![
                "no_private_network.yaml",
                "with_etcd_volume.yaml",
                "with_volume.yaml",
                "with_master_lb_octavia.yaml",
                "disable_floating_ip.yaml",
                "disable_lb_floating_ip.yaml"
            ]
        );
        assert_eq!(
            StackShape::of(&rich, &labels, false).environment_files()[3],
            "with_master_lb.yaml"
        );
        let zero: Labels = [("etcd_volume_size".to_owned(), "0".to_owned())].into();
        assert_eq!(
            StackShape::of(&rich, &zero, true).environment_files()[1],
            "no_etcd_volume.yaml"
        );
    }
}
