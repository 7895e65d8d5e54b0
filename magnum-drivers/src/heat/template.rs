//! The Heat templates of the Heat drivers, written for magnum-rs in the shape of Magnum's
//! (`templates/`: the cluster stack, one master, one worker, the address switchers and the
//! environment files), and their rendering into a stack request: parameter `custom_constraint`s
//! kept for real clouds or stripped for clouds without Glance/Nova/Neutron (a constraint calls
//! the service while Heat validates the request), every computed parameter declared, and the
//! `node_config` document that carries all parameters to the nodes.

use serde_json::{Map, Value, json};

use crate::driver::DriverError;

/// A set of Heat templates: the main template and the files it (or its environments) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateSet {
    /// The main template's name (for messages).
    pub main_name: &'static str,
    /// The main template (YAML).
    pub main: &'static str,
    /// Nested templates and provider templates by the name resources use (`kubemaster.yaml`).
    pub templates: &'static [(&'static str, &'static str)],
}

macro_rules! template_file {
    ($dir:literal, $name:literal) => {
        ($name, include_str!(concat!("templates/", $dir, "/", $name)))
    };
}

/// The `k8s_fedora_coreos_v1` templates.
pub const FCOS_TEMPLATES: TemplateSet = TemplateSet {
    main_name: "kubecluster.yaml",
    main: include_str!("templates/k8s_fedora_coreos_v1/kubecluster.yaml"),
    templates: &[
        template_file!("k8s_fedora_coreos_v1", "kubemaster.yaml"),
        template_file!("k8s_fedora_coreos_v1", "kubeminion.yaml"),
        template_file!("common", "api_gateway_lb.yaml"),
        template_file!("common", "api_gateway_master.yaml"),
        template_file!("common", "fip_switch_public.yaml"),
        template_file!("common", "fip_switch_private.yaml"),
    ],
};

/// The swarm-mode templates.
pub const SWARM_MODE_TEMPLATES: TemplateSet = TemplateSet {
    main_name: "swarmcluster.yaml",
    main: include_str!("templates/swarm_mode/swarmcluster.yaml"),
    templates: &[
        template_file!("swarm_mode", "swarmmaster.yaml"),
        template_file!("swarm_mode", "swarmnode.yaml"),
        template_file!("common", "api_gateway_lb.yaml"),
        template_file!("common", "api_gateway_master.yaml"),
        template_file!("common", "fip_switch_public.yaml"),
        template_file!("common", "fip_switch_private.yaml"),
    ],
};

/// Every environment file [`StackShape::environment_files`](super::StackShape) can choose.
pub const ENVIRONMENT_FILES: &[(&str, &str)] = &[
    template_file!("environments", "with_private_network.yaml"),
    template_file!("environments", "no_private_network.yaml"),
    template_file!("environments", "with_etcd_volume.yaml"),
    template_file!("environments", "no_etcd_volume.yaml"),
    template_file!("environments", "with_volume.yaml"),
    template_file!("environments", "no_volume.yaml"),
    template_file!("environments", "with_master_lb_octavia.yaml"),
    template_file!("environments", "with_master_lb.yaml"),
    template_file!("environments", "no_master_lb.yaml"),
    template_file!("environments", "enable_floating_ip.yaml"),
    template_file!("environments", "disable_floating_ip.yaml"),
    template_file!("environments", "enable_lb_floating_ip.yaml"),
    template_file!("environments", "disable_lb_floating_ip.yaml"),
];

/// Parameters a scale changes, kept out of `node_config`: a node's user data that changed
/// with every resize would make Heat replace every server (Nova's default
/// `user_data_update_policy` is `REPLACE`) and turn a resize into a rebuild.
pub const SCALE_PARAMETERS: &[&str] = &[
    "number_of_masters",
    "number_of_minions",
    "minions_to_remove",
    "number_of_secondary_masters",
    "number_of_nodes",
    "nodes_to_remove",
    "max_node_count",
];

/// A stack's template, files and environment-file list, ready for `POST /stacks`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenderedStack {
    /// The main template (JSON text, which Heat parses like YAML).
    pub template: String,
    /// Nested templates and environment files by name.
    pub files: Map<String, Value>,
    /// The environment files, in merge order (each is a key of `files`).
    pub environment_files: Vec<String>,
    /// The parameters, nulls removed (Heat then uses the template's default).
    pub parameters: Map<String, Value>,
}

fn parse(name: &str, text: &str) -> Result<Value, DriverError> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        DriverError::InvalidParameter(format!("Heat template {name} is not valid YAML: {e}"))
    })
}

/// Removes `custom_constraint` entries from a HOT template's parameter constraints.
fn strip_custom_constraints(template: &mut Value) {
    let Some(parameters) = template
        .get_mut("parameters")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for parameter in parameters.values_mut() {
        let Some(schema) = parameter.as_object_mut() else {
            continue;
        };
        if let Some(Value::Array(constraints)) = schema.get_mut("constraints") {
            constraints.retain(|c| c.get("custom_constraint").is_none());
            if constraints.is_empty() {
                schema.remove("constraints");
            }
        }
    }
}

/// The HOT parameter type for a value the driver computed.
fn heat_type(value: &Value) -> (&'static str, Value) {
    match value {
        Value::Bool(_) => ("boolean", json!(false)),
        Value::Number(_) => ("number", json!(0)),
        Value::Array(_) => ("comma_delimited_list", json!([])),
        Value::Object(_) => ("json", json!({})),
        _ => ("string", json!("")),
    }
}

impl TemplateSet {
    /// Renders the stack request pieces for `parameters` and `environment_files` (names from
    /// [`ENVIRONMENT_FILES`]).
    ///
    /// Parameters the main template does not declare are declared (typed by their value, with an
    /// empty default); a `node_config` resource (`OS::Heat::Value`) maps every declared parameter
    /// but the [`SCALE_PARAMETERS`] and `hidden` ones (their values would show in the resource's
    /// attributes) to its value, for the nodes. With `custom_constraints` false, `custom_constraint`s are
    /// removed from every template.
    ///
    /// # Errors
    /// [`DriverError::InvalidParameter`] for an unknown environment file or a template that is
    /// not valid YAML.
    pub fn render(
        &self,
        parameters: &Map<String, Value>,
        environment_files: &[&str],
        custom_constraints: bool,
    ) -> Result<RenderedStack, DriverError> {
        let mut main = parse(self.main_name, self.main)?;
        if !custom_constraints {
            strip_custom_constraints(&mut main);
        }
        let parameters: Map<String, Value> = parameters
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let declared = main
            .get_mut("parameters")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| {
                DriverError::InvalidParameter(format!("{} has no parameters", self.main_name))
            })?;
        for (name, value) in &parameters {
            if !declared.contains_key(name) {
                let (kind, default) = heat_type(value);
                declared.insert(
                    name.clone(),
                    json!({"type": kind, "default": default,
                           "description": "Node configuration (template attribute or label)."}),
                );
            }
        }
        let node_config: Map<String, Value> = declared
            .iter()
            .filter(|(_, schema)| schema["hidden"] != Value::Bool(true))
            .map(|(name, _)| name)
            .filter(|name| !SCALE_PARAMETERS.contains(&name.as_str()))
            .map(|name| (name.clone(), json!({"get_param": name})))
            .collect();
        if let Some(resources) = main.get_mut("resources").and_then(Value::as_object_mut) {
            resources.insert(
                "node_config".into(),
                json!({"type": "OS::Heat::Value",
                       "properties": {"type": "json", "value": node_config}}),
            );
        }
        let mut files = Map::new();
        for (name, text) in self.templates {
            let text = if custom_constraints {
                (*text).to_owned()
            } else {
                let mut nested = parse(name, text)?;
                strip_custom_constraints(&mut nested);
                nested.to_string()
            };
            files.insert((*name).into(), Value::String(text));
        }
        for name in environment_files {
            let (_, text) = ENVIRONMENT_FILES
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| {
                    DriverError::InvalidParameter(format!("unknown environment file {name}"))
                })?;
            files.insert((*name).into(), Value::String((*text).to_owned()));
        }
        Ok(RenderedStack {
            template: main.to_string(),
            files,
            environment_files: environment_files.iter().map(|&n| n.to_owned()).collect(),
            parameters,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases(text: &str) -> Vec<String> {
        let env: Value = serde_yaml_ng::from_str(text).expect("environment");
        env["resource_registry"]
            .as_object()
            .expect("registry")
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn every_alias_the_templates_use_is_mapped_by_both_choices() {
        // Each Magnum::* type used by a template must be mapped by every environment file of
        // its choice pair, or Heat answers "Unknown resource Type" for one of the shapes.
        let mut texts = vec![FCOS_TEMPLATES.main, SWARM_MODE_TEMPLATES.main];
        for set in [FCOS_TEMPLATES, SWARM_MODE_TEMPLATES] {
            texts.extend(set.templates.iter().map(|(_, t)| *t));
        }
        let mut used = std::collections::BTreeSet::new();
        for text in texts {
            let template: Value = serde_yaml_ng::from_str(text).expect("template");
            for resource in template["resources"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.values())
            {
                if let Some(kind) = resource["type"]
                    .as_str()
                    .filter(|t| t.starts_with("Magnum::"))
                {
                    used.insert(kind.to_owned());
                }
            }
        }
        assert!(used.len() >= 17, "{used:?}");
        let pairs = [
            ("with_private_network.yaml", "no_private_network.yaml"),
            ("with_etcd_volume.yaml", "no_etcd_volume.yaml"),
            ("with_volume.yaml", "no_volume.yaml"),
            ("with_master_lb_octavia.yaml", "no_master_lb.yaml"),
            ("with_master_lb.yaml", "no_master_lb.yaml"),
            ("enable_floating_ip.yaml", "disable_floating_ip.yaml"),
            ("enable_lb_floating_ip.yaml", "disable_lb_floating_ip.yaml"),
        ];
        let text = |name: &str| {
            ENVIRONMENT_FILES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .expect(name)
        };
        for alias in &used {
            let mapped_by: Vec<_> = pairs
                .iter()
                .filter(|(on, off)| {
                    let (a, b) = (aliases(text(on)), aliases(text(off)));
                    a.contains(alias) && b.contains(alias)
                })
                .collect();
            assert!(
                !mapped_by.is_empty(),
                "{alias} is not mapped by both files of a pair"
            );
        }
    }

    #[test]
    fn render_declares_parameters_and_strips_constraints() {
        let mut params = Map::new();
        params.insert("number_of_minions".into(), json!(2));
        params.insert("kube_tag".into(), json!("v1.30.1"));
        params.insert("registry_enabled".into(), json!(false));
        params.insert("flannel_backend".into(), Value::Null);
        let rendered = FCOS_TEMPLATES
            .render(&params, &["no_master_lb.yaml"], false)
            .expect("render");
        let main: Value = serde_json::from_str(&rendered.template).expect("json");
        assert_eq!(main["parameters"]["kube_tag"]["type"], "string");
        assert_eq!(main["parameters"]["registry_enabled"]["type"], "boolean");
        assert!(
            main["parameters"].get("flannel_backend").is_none(),
            "nulls are left to defaults"
        );
        assert!(!rendered.parameters.contains_key("flannel_backend"));
        assert!(
            main["parameters"]["master_image"]
                .get("constraints")
                .is_none()
        );
        let node_config = &main["resources"]["node_config"]["properties"]["value"];
        assert_eq!(node_config["kube_tag"], json!({"get_param": "kube_tag"}));
        assert!(
            node_config.get("number_of_minions").is_none(),
            "a resize must not change the nodes' user data"
        );
        assert!(
            node_config.get("trustee_password").is_none() && node_config.get("trust_id").is_none(),
            "hidden parameters stay hidden"
        );
        let master: Value =
            serde_json::from_str(rendered.files["kubemaster.yaml"].as_str().expect("text"))
                .expect("nested json");
        assert!(
            master["parameters"]["server_image"]
                .get("constraints")
                .is_none()
        );
        assert_eq!(rendered.environment_files, ["no_master_lb.yaml"]);
        assert!(rendered.files.contains_key("no_master_lb.yaml"));

        let real = FCOS_TEMPLATES
            .render(&params, &[], true)
            .expect("render with constraints");
        let main: Value = serde_json::from_str(&real.template).expect("json");
        assert_eq!(
            main["parameters"]["master_image"]["constraints"][0]["custom_constraint"],
            "glance.image"
        );
        assert!(
            real.files["kubeminion.yaml"]
                .as_str()
                .is_some_and(|t| t.contains("custom_constraint: nova.flavor"))
        );
    }

    #[test]
    fn unknown_environment_file_is_refused() {
        let err = FCOS_TEMPLATES
            .render(&Map::new(), &["with_magic.yaml"], true)
            .expect_err("unknown");
        assert_eq!(err.to_string(), "unknown environment file with_magic.yaml");
    }
}
