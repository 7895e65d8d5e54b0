//! Magnum's Heat driver machinery (stable/2026.1 `magnum/drivers/heat/*`, Magnum's source and unit tests
//! §4). Pure: stack naming and timeouts, environment-file selection, stack outputs → cluster
//! fields, scale parameters, the parameter mapping, the poller's nodegroup → cluster status
//! aggregation; [`template`], the driver's HOT templates and their rendering. I/O: [`client`],
//! the Heat REST calls (stack create, locate, get, parameter update, delete), and [`driver`],
//! the `k8s_fedora_coreos_v1` driver built on them.

pub mod client;
pub mod driver;
pub mod environment;
pub mod naming;
pub mod outputs;
pub mod params;
pub mod poller;
pub mod template;

pub use client::{HeatClient, HeatError, Stack, StackCreate, StackRef};
pub use driver::{CloudContext, HeatDriver, HeatDriverOptions, StackCredentials};
pub use environment::{StackShape, fip_environment_files};
pub use naming::{nodegroup_stack_name, stack_name, timeout_mins};
pub use outputs::{
    StackOutput, api_address_from_output, apply_outputs, heat_param_for_nodegroup,
    master_lb_allowed_cidrs, scale_params,
};
pub use params::{
    FCOS_MAPPINGS, ParameterMapping, SWARM_MODE_MAPPINGS, fcos_parameters, swarm_mode_parameters,
};
pub use poller::{aggregate_nodegroup_statuses, status_when_stack_missing};
pub use template::{
    ENVIRONMENT_FILES, FCOS_TEMPLATES, RenderedStack, SWARM_MODE_TEMPLATES, TemplateSet,
};

/// oslo's `strutils.bool_from_string` (non-strict): `1`, `t`, `true`, `on`, `y`, `yes`
/// (case-insensitive, trimmed) are true; everything else, and no value, is false.
pub fn bool_from_string(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "t" | "true" | "on" | "y" | "yes"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::bool_from_string;

    #[test]
    fn oslo_truthiness() {
        for yes in ["1", "t", "True", " yes ", "ON", "y"] {
            assert!(bool_from_string(Some(yes)), "{yes}");
        }
        for no in ["0", "false", "no", "", "2", "enabled"] {
            assert!(!bool_from_string(Some(no)), "{no}");
        }
        assert!(!bool_from_string(None));
    }
}
