//! A flat layer of settings (`auth.username`, `region_name`, …) with secret-safe storage, the
//! mapping from `OS_*` variables to those keys, and the flattening of a clouds.yaml cloud entry.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

/// One source's settings, flattened to clouds.yaml key spelling. Every value is held as a
/// secret, so `Debug` shows keys only.
#[derive(Clone, Default)]
pub struct Layer {
    values: BTreeMap<String, SecretString>,
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

impl Layer {
    /// Sets `key` (empty values are ignored, as the OpenStack tools do).
    pub fn insert(&mut self, key: &str, value: String) {
        if !value.trim().is_empty() {
            self.values
                .insert(canonical_key(key), SecretString::from(value));
        }
    }

    /// Reads `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(ExposeSecret::expose_secret)
    }

    /// Reads a secret `key` without exposing it.
    pub fn secret(&self, key: &str) -> Option<SecretString> {
        self.values.get(key).cloned()
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The keys set.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Copies every value of `other` over this layer.
    pub fn overlay(&mut self, other: &Layer) {
        for (key, value) in &other.values {
            self.values.insert(key.clone(), value.clone());
        }
    }

    /// The settings carried by `OS_*` variables.
    pub fn from_env(env: &BTreeMap<String, String>) -> Self {
        let mut layer = Self::default();
        for (var, key) in ENV_KEYS {
            if let Some(value) = env.get(*var) {
                if !layer.contains(key) {
                    layer.insert(key, value.clone());
                }
            }
        }
        layer
    }

    /// Flattens a clouds.yaml cloud entry: top-level scalars keep their name, `auth.*` entries
    /// become `auth.<key>`, and a one-element `regions` list supplies `region_name`.
    ///
    /// # Errors
    /// A message naming `origin` (`<file>: clouds.<name>`), the key path and the type expected,
    /// when `auth` is not a mapping, an `auth` value or a setting magnum-rs reads is not a
    /// scalar, or `verify` / `insecure` is not a boolean.
    pub fn from_yaml(entry: &serde_yaml_ng::Mapping, origin: &str) -> Result<Self, String> {
        let mut layer = Self::default();
        let wrong = |key: &str, expected: &str, value: &serde_yaml_ng::Value| {
            format!(
                "{origin}.{key} must be {expected}, found {}",
                yaml_kind(value)
            )
        };
        for (key, value) in entry {
            let Some(key) = key.as_str() else { continue };
            match (key, value) {
                ("auth", serde_yaml_ng::Value::Mapping(auth)) => {
                    for (auth_key, auth_value) in auth {
                        let Some(k) = auth_key.as_str() else { continue };
                        match auth_value {
                            serde_yaml_ng::Value::Null => {}
                            other => {
                                let v = scalar(other).ok_or_else(|| {
                                    wrong(&format!("auth.{k}"), "a string", other)
                                })?;
                                layer.insert(&format!("auth.{k}"), v);
                            }
                        }
                    }
                }
                ("auth", serde_yaml_ng::Value::Null) => {}
                ("auth", other) => return Err(wrong("auth", "a mapping of settings", other)),
                ("regions", serde_yaml_ng::Value::Sequence(regions)) => {
                    let names: Vec<String> = regions
                        .iter()
                        .filter_map(|r| match r {
                            serde_yaml_ng::Value::Mapping(m) => m.get("name").and_then(scalar),
                            other => scalar(other),
                        })
                        .collect();
                    if let [only] = names.as_slice() {
                        layer.insert("regions.only", only.clone());
                    }
                }
                (key, value) => {
                    let read = READ_KEYS.contains(&canonical_key(key).as_str());
                    match scalar(value) {
                        Some(v) => {
                            if ["verify", "insecure"].contains(&key) && parse_bool(&v).is_none() {
                                return Err(format!(
                                    "{origin}.{key} must be a boolean (true or false), found {v:?}"
                                ));
                            }
                            layer.insert(key, v);
                        }
                        None if read && !value.is_null() => {
                            return Err(wrong(key, "a string", value));
                        }
                        // Settings of other services (networks, image formats, …) are not ours.
                        None => {}
                    }
                }
            }
        }
        Ok(layer)
    }
}

/// Every key the resolver reads (clouds.yaml spelling, after aliases are folded): what an
/// explicit override may set.
pub(crate) fn known_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = ENV_KEYS.iter().map(|(_, key)| *key).collect();
    keys.extend(READ_KEYS.iter().filter(|k| **k != "profile"));
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Whether `key` (any accepted spelling) is one [`known_keys`] lists.
pub(crate) fn is_known_key(key: &str) -> bool {
    let key = canonical_key(key);
    known_keys().contains(&key.as_str())
}

/// Top-level settings magnum-rs reads (a list or mapping there is a mistake, not another
/// tool's setting).
const READ_KEYS: [&str; 10] = [
    "region_name",
    "interface",
    "verify",
    "insecure",
    "cacert",
    "auth_type",
    "profile",
    "container_infra_endpoint_override",
    "container_infra_api_version",
    "identity_api_version",
];

/// OpenStack's booleans (`true`/`false`, `yes`/`no`, `1`/`0`, `on`/`off`).
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// "a string", "a list", … for messages.
pub(crate) fn yaml_kind(value: &serde_yaml_ng::Value) -> &'static str {
    match value {
        serde_yaml_ng::Value::Null => "nothing (null)",
        serde_yaml_ng::Value::Bool(_) => "a boolean",
        serde_yaml_ng::Value::Number(_) => "a number",
        serde_yaml_ng::Value::String(_) => "a string",
        serde_yaml_ng::Value::Sequence(_) => "a list",
        serde_yaml_ng::Value::Mapping(_) => "a mapping",
        serde_yaml_ng::Value::Tagged(_) => "a tagged value",
    }
}

fn scalar(value: &serde_yaml_ng::Value) -> Option<String> {
    match value {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Aliases folded to one spelling so every source agrees.
fn canonical_key(key: &str) -> String {
    let key = key.replace('-', "_");
    match key.as_str() {
        "auth.tenant_name" | "auth.project" => "auth.project_name".to_owned(),
        "auth.tenant_id" => "auth.project_id".to_owned(),
        "endpoint_type" => "interface".to_owned(),
        "container_infrastructure_management_endpoint_override"
        | "container_infrastructure_endpoint_override" => {
            "container_infra_endpoint_override".to_owned()
        }
        "container_infrastructure_management_api_version" => {
            "container_infra_api_version".to_owned()
        }
        _ => key,
    }
}

/// `OS_*` variables and the key each sets (first match wins for aliases).
const ENV_KEYS: &[(&str, &str)] = &[
    ("OS_AUTH_URL", "auth.auth_url"),
    ("OS_AUTH_TYPE", "auth_type"),
    ("OS_USERNAME", "auth.username"),
    ("OS_USER_ID", "auth.user_id"),
    ("OS_PASSWORD", "auth.password"),
    ("OS_USER_DOMAIN_NAME", "auth.user_domain_name"),
    ("OS_USER_DOMAIN_ID", "auth.user_domain_id"),
    ("OS_PROJECT_NAME", "auth.project_name"),
    ("OS_TENANT_NAME", "auth.project_name"),
    ("OS_PROJECT_ID", "auth.project_id"),
    ("OS_TENANT_ID", "auth.project_id"),
    ("OS_PROJECT_DOMAIN_NAME", "auth.project_domain_name"),
    ("OS_PROJECT_DOMAIN_ID", "auth.project_domain_id"),
    ("OS_DOMAIN_NAME", "auth.domain_name"),
    ("OS_DOMAIN_ID", "auth.domain_id"),
    ("OS_DEFAULT_DOMAIN", "auth.default_domain_id"),
    ("OS_DEFAULT_DOMAIN_ID", "auth.default_domain_id"),
    ("OS_DEFAULT_DOMAIN_NAME", "auth.default_domain_name"),
    ("OS_SYSTEM_SCOPE", "auth.system_scope"),
    ("OS_TRUST_ID", "auth.trust_id"),
    ("OS_TOKEN", "auth.token"),
    ("OS_AUTH_TOKEN", "auth.token"),
    (
        "OS_APPLICATION_CREDENTIAL_ID",
        "auth.application_credential_id",
    ),
    (
        "OS_APPLICATION_CREDENTIAL_NAME",
        "auth.application_credential_name",
    ),
    (
        "OS_APPLICATION_CREDENTIAL_SECRET",
        "auth.application_credential_secret",
    ),
    ("OS_REGION_NAME", "region_name"),
    ("OS_INTERFACE", "interface"),
    ("OS_ENDPOINT_TYPE", "interface"),
    ("OS_CACERT", "cacert"),
    ("OS_INSECURE", "insecure"),
    (
        "OS_CONTAINER_INFRA_API_VERSION",
        "container_infra_api_version",
    ),
    (
        "OS_CONTAINER_INFRA_ENDPOINT",
        "container_infra_endpoint_override",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_values() {
        let mut layer = Layer::default();
        layer.insert("auth.password", "hunter2-secret".into());
        let shown = format!("{layer:?}");
        assert!(shown.contains("auth.password"));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn env_aliases_and_empty_values() {
        let env: BTreeMap<String, String> = [
            ("OS_TENANT_NAME", "legacy"),
            ("OS_PROJECT_NAME", "modern"),
            ("OS_REGION_NAME", ""),
            ("OS_ENDPOINT_TYPE", "internalURL"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let layer = Layer::from_env(&env);
        assert_eq!(layer.get("auth.project_name"), Some("modern"));
        assert!(!layer.contains("region_name"), "empty values are unset");
        assert_eq!(layer.get("interface"), Some("internalURL"));
    }
}
