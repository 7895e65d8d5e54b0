//! Input checking the way Magnum's WSME types do it: per-field types and bounds with
//! "Invalid input for field/attribute X. Value: 'v'. …" messages, unknown and read-only
//! attributes refused, labels stored as strings; and Magnum's JSON-patch rules (internal
//! attributes, `add` on an existing value, unknown root attributes, non-removable attributes,
//! labels given as a Python-literal string) on top of the `json-patch` crate.

use serde_json::{Map, Value};

use super::wire::ApiFault;

/// A field's WSME type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// Text with a length range.
    Text(usize, usize),
    /// Integer with bounds.
    Int(i64, i64),
    /// Strict boolean.
    Bool,
    /// Dict of scalars, stored as strings.
    Labels,
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// Comma-separated IPv4 addresses.
    DnsList,
    /// Cluster name: 1–242, `^[a-zA-Z][a-zA-Z0-9_.-]*$`.
    ClusterName,
    /// A list of strings.
    TextList,
    /// Nodegroup taints: a list of `{key, value?, effect}`.
    Taints,
}

/// The largest value of Magnum's `Integer` database columns (32-bit signed): larger numbers are
/// refused as input instead of being clamped or overflowing later.
pub(crate) const INT_MAX: i64 = i32::MAX as i64;

/// Template fields (`cluster_template.py`).
pub(crate) const TEMPLATE_FIELDS: &[(&str, Kind)] = &[
    ("uuid", Kind::Text(36, 36)),
    ("name", Kind::Text(1, 255)),
    ("coe", Kind::OneOf(&["kubernetes"])),
    ("image_id", Kind::Text(1, 255)),
    ("flavor_id", Kind::Text(1, 255)),
    ("master_flavor_id", Kind::Text(1, 255)),
    ("dns_nameserver", Kind::DnsList),
    ("keypair_id", Kind::Text(1, 255)),
    ("external_network_id", Kind::Text(1, 255)),
    ("fixed_network", Kind::Text(1, 255)),
    ("fixed_subnet", Kind::Text(1, 255)),
    ("network_driver", Kind::Text(1, 255)),
    ("volume_driver", Kind::Text(1, 255)),
    ("apiserver_port", Kind::Int(1024, 65535)),
    ("docker_volume_size", Kind::Int(1, INT_MAX)),
    ("docker_storage_driver", Kind::Text(1, 255)),
    ("cluster_distro", Kind::Text(1, 255)),
    ("http_proxy", Kind::Text(1, 255)),
    ("https_proxy", Kind::Text(1, 255)),
    ("no_proxy", Kind::Text(1, 255)),
    ("registry_enabled", Kind::Bool),
    ("labels", Kind::Labels),
    ("tls_disabled", Kind::Bool),
    ("public", Kind::Bool),
    ("server_type", Kind::OneOf(&["vm", "bm"])),
    ("insecure_registry", Kind::Text(1, 255)),
    ("master_lb_enabled", Kind::Bool),
    ("floating_ip_enabled", Kind::Bool),
    ("hidden", Kind::Bool),
    ("tags", Kind::Text(0, 255)),
    ("driver", Kind::Text(0, 255)),
];

/// Cluster create fields (`cluster.py`).
pub(crate) const CLUSTER_FIELDS: &[(&str, Kind)] = &[
    ("uuid", Kind::Text(36, 36)),
    ("name", Kind::ClusterName),
    ("cluster_template_id", Kind::Text(1, 255)),
    ("keypair", Kind::Text(1, 255)),
    ("node_count", Kind::Int(0, INT_MAX)),
    ("master_count", Kind::Int(1, INT_MAX)),
    ("docker_volume_size", Kind::Int(1, INT_MAX)),
    ("labels", Kind::Labels),
    ("merge_labels", Kind::Bool),
    ("master_flavor_id", Kind::Text(1, 255)),
    ("flavor_id", Kind::Text(1, 255)),
    ("create_timeout", Kind::Int(0, INT_MAX)),
    ("discovery_url", Kind::Text(0, 255)),
    ("fixed_network", Kind::Text(1, 255)),
    ("fixed_subnet", Kind::Text(1, 255)),
    ("floating_ip_enabled", Kind::Bool),
    ("master_lb_enabled", Kind::Bool),
];

/// Nodegroup create fields (`nodegroup.py`).
pub(crate) const NODEGROUP_FIELDS: &[(&str, Kind)] = &[
    ("uuid", Kind::Text(36, 36)),
    ("name", Kind::Text(1, 255)),
    ("docker_volume_size", Kind::Int(1, INT_MAX)),
    ("labels", Kind::Labels),
    ("merge_labels", Kind::Bool),
    ("flavor_id", Kind::Text(1, 255)),
    ("image_id", Kind::Text(1, 255)),
    ("node_count", Kind::Int(0, INT_MAX)),
    ("role", Kind::Text(1, 255)),
    ("min_node_count", Kind::Int(0, INT_MAX)),
    ("max_node_count", Kind::Int(0, INT_MAX)),
    ("node_labels", Kind::Labels),
    ("node_taints", Kind::Taints),
    ("project_id", Kind::Text(1, 255)),
];

/// Resize action fields.
pub(crate) const RESIZE_FIELDS: &[(&str, Kind)] = &[
    ("node_count", Kind::Int(0, INT_MAX)),
    ("nodes_to_remove", Kind::TextList),
    ("nodegroup", Kind::Text(1, 255)),
];

/// Upgrade action fields.
pub(crate) const UPGRADE_FIELDS: &[(&str, Kind)] = &[
    ("cluster_template", Kind::Text(1, 255)),
    ("max_batch_size", Kind::Int(1, INT_MAX)),
    ("nodegroup", Kind::Text(1, 255)),
];

/// Quota fields.
pub(crate) const QUOTA_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Int(1, INT_MAX)),
    ("project_id", Kind::Text(1, 255)),
    ("resource", Kind::OneOf(&["Cluster"])),
    ("hard_limit", Kind::Int(0, INT_MAX)),
];

/// Read-only attributes every resource shows but no request may set.
const READ_ONLY: [&str; 6] = [
    "project_id",
    "user_id",
    "created_at",
    "updated_at",
    "links",
    "id",
];

fn invalid(field: &str, value: &Value, why: &str) -> ApiFault {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ApiFault::bad_request(format!(
        "Invalid input for field/attribute {field}. Value: '{shown}'. {why}"
    ))
}

fn is_ipv4(text: &str) -> bool {
    text.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Checks one value against its kind; returns the value as stored (labels as strings).
pub(crate) fn check(field: &str, kind: Kind, value: &Value) -> Result<Value, ApiFault> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match kind {
        Kind::Text(min, max) => {
            let Some(text) = value.as_str() else {
                return Err(invalid(field, value, "Wrong type. Expected 'str'"));
            };
            let len = text.chars().count();
            if len < min {
                return Err(invalid(
                    field,
                    value,
                    &format!("Value should have a minimum character requirement of {min}"),
                ));
            }
            if len > max {
                return Err(invalid(
                    field,
                    value,
                    &format!("Value should have a maximum character requirement of {max}"),
                ));
            }
            Ok(value.clone())
        }
        Kind::Int(min, max) => {
            let number = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            let Some(n) = number else {
                return Err(invalid(field, value, "unable to convert to int"));
            };
            if n < min {
                return Err(invalid(
                    field,
                    value,
                    &format!("Value should be greater or equal to {min}"),
                ));
            }
            if n > max {
                return Err(invalid(
                    field,
                    value,
                    &format!("Value should be lower or equal to {max}"),
                ));
            }
            Ok(Value::from(n))
        }
        Kind::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "y" | "t" => Ok(Value::Bool(true)),
                "false" | "0" | "no" | "off" | "n" | "f" => Ok(Value::Bool(false)),
                _ => Err(invalid(field, value, "Invalid boolean value")),
            },
            _ => Err(invalid(field, value, "Wrong type. Expected 'bool'")),
        },
        Kind::Labels => {
            let Some(map) = value.as_object() else {
                return Err(invalid(field, value, "Wrong type. Expected 'dict'"));
            };
            let mut stored = Map::new();
            for (key, item) in map {
                let text = match item {
                    Value::String(s) => s.clone(),
                    Value::Bool(true) => "True".to_owned(),
                    Value::Bool(false) => "False".to_owned(),
                    Value::Number(n) => n.to_string(),
                    _ => {
                        return Err(invalid(
                            field,
                            value,
                            &format!(
                                "Wrong type for key '{key}': values must be text, integer, boolean or float"
                            ),
                        ));
                    }
                };
                stored.insert(key.clone(), Value::String(text));
            }
            Ok(Value::Object(stored))
        }
        Kind::OneOf(allowed) => match value.as_str() {
            Some(text) if allowed.contains(&text) => Ok(value.clone()),
            _ => Err(invalid(
                field,
                value,
                &format!("Value should be one of: {}", allowed.join(", ")),
            )),
        },
        Kind::DnsList => match value.as_str() {
            Some(text) if !text.is_empty() && text.split(',').all(|s| is_ipv4(s.trim())) => {
                Ok(value.clone())
            }
            _ => Err(invalid(
                field,
                value,
                &format!(
                    "Expected a single dns address or comma separated dns list, but received {}.",
                    value.as_str().unwrap_or_default()
                ),
            )),
        },
        Kind::ClusterName => {
            let text = value.as_str().unwrap_or_default();
            let mut chars = text.chars();
            let valid = value.is_string()
                && text.chars().count() <= 242
                && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if valid {
                Ok(value.clone())
            } else {
                Err(ApiFault::bad_request(format!(
                    "Invalid input for field/attribute name. Value: '{text}'. Cluster name must start with an alphabetic character and contain only alphanumeric, '_', '.' and '-' characters (at most 242)."
                )))
            }
        }
        Kind::TextList => match value.as_array() {
            Some(items) if items.iter().all(Value::is_string) => Ok(value.clone()),
            _ => Err(invalid(field, value, "Wrong type. Expected '[str]'")),
        },
        Kind::Taints => match value.as_array() {
            Some(_) => Ok(value.clone()),
            None => Err(invalid(field, value, "Wrong type. Expected '[dict]'")),
        },
    }
}

/// Checks a request body against `fields` for WSME argument `argument`; returns the stored
/// form of every given field.
///
/// # Errors
/// 400 for unknown, read-only or invalid attributes.
pub(crate) fn check_body(
    body: &Map<String, Value>,
    fields: &[(&str, Kind)],
    argument: &str,
) -> Result<Map<String, Value>, ApiFault> {
    let mut unknown: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !fields.iter().any(|(f, _)| f == k))
        .collect();
    unknown.sort_unstable();
    if let Some(first) = unknown.first() {
        if READ_ONLY.contains(first) {
            return Err(ApiFault::bad_request(format!(
                "Invalid input for field/attribute {first}. Value: '{}'. {first} is a read-only attribute",
                body.get(*first).map(Value::to_string).unwrap_or_default()
            )));
        }
        return Err(ApiFault::bad_request(format!(
            "Unknown attribute for argument {argument}: {}",
            unknown.join(", ")
        )));
    }
    let mut stored = Map::new();
    for (field, kind) in fields {
        if let Some(value) = body.get(*field) {
            stored.insert((*field).to_owned(), check(field, *kind, value)?);
        }
    }
    Ok(stored)
}

/// The form of a JSON-patch operation Magnum accepts.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MagnumPatchOp {
    op: String,
    path: String,
    #[serde(default)]
    value: Option<Value>,
}

/// The checks Magnum's WSME signature makes on a PATCH body before the controller runs — so
/// before the resource is looked up (an invalid patch on an unknown id is a 400, not a 404): a
/// JSON list of objects with a known `op` and a well-formed `path`, no internal attribute, no
/// removal of a mandatory one.
///
/// # Errors
/// 400 with Magnum's message for the first bad operation.
pub(crate) fn check_patch(
    body: &[u8],
    internal: &[&str],
    non_removable: &[&str],
) -> Result<Vec<MagnumPatchOp>, ApiFault> {
    let ops: Vec<MagnumPatchOp> = serde_json::from_slice(body).map_err(|e| {
        ApiFault::bad_request(format!(
            "Invalid input for field/attribute patch. Value: '{}'. {e}",
            String::from_utf8_lossy(body)
                .chars()
                .take(200)
                .collect::<String>()
        ))
    })?;
    check_ops(&ops, internal, non_removable)?;
    Ok(ops)
}

/// [`check_patch`]'s checks of parsed operations: `internal` attributes (besides the common
/// ones) may not be touched, `non_removable` ones not removed.
///
/// # Errors
/// 400 with Magnum's message for the first bad operation.
pub(crate) fn check_ops(
    ops: &[MagnumPatchOp],
    internal: &[&str],
    non_removable: &[&str],
) -> Result<(), ApiFault> {
    for op in ops {
        let valid_path = op.path.starts_with('/')
            && op.path[1..].split('/').all(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "_-".contains(c))
            });
        if !valid_path {
            return Err(ApiFault::bad_request(format!(
                "Invalid input for field/attribute path. Value: '{}'. Invalid patch path",
                op.path
            )));
        }
        if !["add", "replace", "remove"].contains(&op.op.as_str()) {
            return Err(ApiFault::bad_request(format!(
                "Invalid input for field/attribute op. Value: '{}'. Value should be one of: add, replace, remove",
                op.op
            )));
        }
        let root = op.path[1..].split('/').next().unwrap_or_default();
        let common = [
            "created_at",
            "id",
            "links",
            "updated_at",
            "uuid",
            "project_id",
            "user_id",
        ];
        if common.contains(&root) || internal.contains(&root) {
            return Err(ApiFault::bad_request(format!(
                "'{}' is an internal attribute and can not be updated",
                op.path
            )));
        }
        let single = !op.path[1..].contains('/');
        if op.op == "remove" && single && non_removable.contains(&root) {
            return Err(ApiFault::bad_request(format!(
                "'{}' is a mandatory attribute and can not be removed",
                op.path
            )));
        }
    }
    Ok(())
}

/// Applies operations [`check_patch`] accepted to `object` — the checks that need the object
/// (`add` only of an existing, unset root attribute); `literal_dicts` accept a Python-literal
/// string for `replace`.
///
/// # Errors
/// 400 with Magnum's messages.
pub(crate) fn apply_patch(
    object: &Map<String, Value>,
    ops: Vec<MagnumPatchOp>,
    literal_dicts: &[&str],
) -> Result<Map<String, Value>, ApiFault> {
    let mut patch = Vec::with_capacity(ops.len());
    for op in ops {
        let root = op.path[1..]
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let single = !op.path[1..].contains('/');
        let mut value = op.value.clone();
        match op.op.as_str() {
            "add" if single => {
                if !object.contains_key(&root) {
                    return Err(ApiFault::bad_request(format!(
                        "Adding a new attribute {} to the root of the resource is not allowed.",
                        op.path
                    )));
                }
                if object.get(&root).is_some_and(|v| !v.is_null()) {
                    return Err(ApiFault::bad_request(format!(
                        "The attribute {} has existed, please use 'replace' operation instead.",
                        op.path
                    )));
                }
            }
            "replace" if single && literal_dicts.contains(&root.as_str()) => {
                if let Some(Value::String(text)) = &value {
                    value = Some(python_literal(text).ok_or_else(|| {
                        ApiFault::bad_request(format!(
                            "Invalid input for field/attribute {root}. Value: '{text}'. not a dict literal"
                        ))
                    })?);
                }
            }
            _ => {}
        }
        let mut entry = serde_json::json!({"op": op.op, "path": op.path});
        if op.op == "remove" {
            // Magnum sets a removed root attribute to null (its default) rather than dropping it.
            if single {
                entry = serde_json::json!({"op": "replace", "path": op.path, "value": null});
            }
        } else if let Some(obj) = entry.as_object_mut() {
            obj.insert("value".into(), value.unwrap_or(Value::Null));
        }
        patch.push(entry);
    }
    let patch: json_patch::Patch = serde_json::from_value(Value::Array(patch))
        .map_err(|e| ApiFault::bad_request(format!("Invalid patch: {e}")))?;
    let mut document = Value::Object(object.clone());
    json_patch::patch(&mut document, &patch).map_err(|e| ApiFault::bad_request(e.to_string()))?;
    match document {
        Value::Object(map) => Ok(map),
        _ => Err(ApiFault::bad_request(
            "Invalid patch: the result is not an object",
        )),
    }
}

/// `ast.literal_eval` for the flat `{'k': 'v', 'n': 1}` dicts Magnum accepts in label patches.
fn python_literal(text: &str) -> Option<Value> {
    let json_like: String = text
        .replace('\'', "\"")
        .replace("True", "true")
        .replace("False", "false")
        .replace("None", "null");
    match serde_json::from_str::<Value>(&json_like).ok()? {
        Value::Object(map) => Some(Value::Object(map)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn wsme_bounds_and_types_answer_400_with_the_field_named() {
        let body = obj(json!({"docker_volume_size": -1}));
        let e = check_body(&body, TEMPLATE_FIELDS, "cluster_template").unwrap_err();
        assert!(e.detail.contains("docker_volume_size"), "{}", e.detail);
        let body = obj(json!({"apiserver_port": 1023}));
        assert!(check_body(&body, TEMPLATE_FIELDS, "cluster_template").is_err());
        let body = obj(json!({"dns_nameserver": "8.8.8.8,114.114.114.114"}));
        assert!(check_body(&body, TEMPLATE_FIELDS, "cluster_template").is_ok());
        for bad in ["1.1.2", "1.1..1", "openstack.org"] {
            let body = obj(json!({ "dns_nameserver": bad }));
            assert!(check_body(&body, TEMPLATE_FIELDS, "cluster_template").is_err());
        }
        let body = obj(json!({"frobnicate": 1}));
        let e = check_body(&body, TEMPLATE_FIELDS, "cluster_template").unwrap_err();
        assert_eq!(
            e.detail,
            "Unknown attribute for argument cluster_template: frobnicate"
        );
        let body = obj(json!({"labels": {"a": true, "b": 3}}));
        let stored = check_body(&body, TEMPLATE_FIELDS, "cluster_template").unwrap();
        assert_eq!(stored["labels"], json!({"a": "True", "b": "3"}));
    }

    #[test]
    fn cluster_names_follow_magnums_vectors() {
        // Magnum's own unit-test vectors for cluster names.
        for bad in [
            "x".repeat(243),
            "123456".into(),
            "123456test_cluster".into(),
            "-test_cluster".into(),
            ".test_cluster".into(),
            "_test_cluster".into(),
            String::new(),
        ] {
            let body = obj(json!({ "name": bad }));
            assert!(
                check_body(&body, CLUSTER_FIELDS, "cluster").is_err(),
                "{bad}"
            );
        }
        for good in [
            "test_cluster123456",
            "test-cluster",
            "test.cluster",
            "testcluster.",
            "testcluster-",
            "testcluster_",
            "test.-_cluster",
            "Testcluster",
        ] {
            let body = obj(json!({ "name": good }));
            assert!(
                check_body(&body, CLUSTER_FIELDS, "cluster").is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn patches_follow_magnums_rules() {
        let ct = obj(json!({"name": "a", "labels": {}, "keypair_id": null, "coe": "kubernetes"}));
        let p = |body: &str| {
            let ops = check_patch(body.as_bytes(), &[], &["coe"])?;
            apply_patch(&ct, ops, &["labels"])
        };
        let labels =
            p(r#"[{"op":"replace","path":"/labels","value":"{'etcd_volume_size': '1'}"}]"#)
                .unwrap();
        assert_eq!(labels["labels"], json!({"etcd_volume_size": "1"}));
        assert_eq!(
            p(r#"[{"op":"add","path":"/x","value":1}]"#)
                .unwrap_err()
                .detail,
            "Adding a new attribute /x to the root of the resource is not allowed."
        );
        assert_eq!(
            p(r#"[{"op":"add","path":"/name","value":"b"}]"#)
                .unwrap_err()
                .detail,
            "The attribute /name has existed, please use 'replace' operation instead."
        );
        assert!(p(r#"[{"op":"add","path":"/keypair_id","value":"kp"}]"#).is_ok());
        assert_eq!(
            p(r#"[{"op":"remove","path":"/coe"}]"#).unwrap_err().detail,
            "'/coe' is a mandatory attribute and can not be removed"
        );
        assert_eq!(
            p(r#"[{"op":"replace","path":"/uuid","value":"x"}]"#)
                .unwrap_err()
                .detail,
            "'/uuid' is an internal attribute and can not be updated"
        );
        assert!(p("not json").is_err());
    }
}
