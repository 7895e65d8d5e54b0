//! Resolution: find the files, pick the cloud, merge profile < cloud < secure, layer
//! environment and explicit values on top, and turn the result into a typed [`CloudConfig`].

use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};
use url::Url;

use super::layer::{Layer, parse_bool, yaml_kind};
use super::{
    AppCredentialRef, AuthMethod, CloudConfig, DomainRef, Interface, Overrides, ProjectRef, Scope,
    Sources, UserRef,
};
use crate::error::{Error, Result};
use crate::redact::{has_user_info, redact_url, strip_user_info};

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Loads the cloud configuration: explicit values > `OS_*` environment > files.
///
/// # Errors
/// [`Error::Config`] when no cloud is configured (listing every source tried), the named cloud
/// or profile does not exist, a file does not parse, or a required setting is missing (naming
/// the clouds.yaml key and the `OS_*` variable that would set it).
pub fn load(sources: &Sources, overrides: &Overrides) -> Result<CloudConfig> {
    let unknown: Vec<&str> = overrides
        .values
        .keys()
        .filter(|k| !super::layer::is_known_key(k))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Config(format!(
            "unknown setting(s) {} (valid: {})",
            unknown
                .iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            super::layer::known_keys().join(", ")
        )));
    }
    let mut tried = Vec::new();
    let cloud_name = overrides
        .cloud
        .clone()
        .or_else(|| sources.env.get("OS_CLOUD").cloned())
        .filter(|n| !n.trim().is_empty());

    let mut merged = Layer::default();
    let mut used = Vec::new();
    let mut warnings = Vec::new();
    if let Some(name) = &cloud_name {
        let clouds_file = find(sources, "clouds", &mut tried, true)?;
        let Some(clouds_path) = clouds_file else {
            return Err(Error::Config(format!(
                "cloud {name:?} was requested (OS_CLOUD or explicit) but no clouds.yaml was found; tried: {}",
                tried.join(", ")
            )));
        };
        let clouds = read_yaml(&clouds_path)?;
        let mut entry = cloud_entry(&clouds, "clouds", name, &clouds_path)?.ok_or_else(|| {
            Error::Config(format!(
                "cloud {name:?} is not defined in {} (defined: {})",
                clouds_path.display(),
                names(&clouds, "clouds").join(", ")
            ))
        })?;
        used.push(format!("clouds file {}", clouds_path.display()));
        warnings.extend(permission_warning(&clouds_path, &entry));
        let mut origin = format!("{}: clouds.{name}", clouds_path.display());
        if let Some(profile) = entry
            .get("profile")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            let public = find(sources, "clouds-public", &mut tried, false)?;
            let base = match &public {
                Some(p) => cloud_entry(&read_yaml(p)?, "public-clouds", &profile, p)?,
                None => None,
            }
            .ok_or_else(|| {
                    Error::Config(format!(
                        "cloud {name:?} uses profile {profile:?}, which no clouds-public file defines; tried: {}",
                        tried.join(", ")
                    ))
                })?;
            if let Some(path) = &public {
                used.push(format!("profile {profile:?} from {}", path.display()));
            }
            entry = deep_merge(base, entry);
        }
        if let Some(secure_path) = find(sources, "secure", &mut tried, false)? {
            if let Some(secure) =
                cloud_entry(&read_yaml(&secure_path)?, "clouds", name, &secure_path)?
            {
                used.push(format!("secure file {}", secure_path.display()));
                warnings.extend(permission_warning(&secure_path, &secure));
                origin = format!("{origin} (with {})", secure_path.display());
                entry = deep_merge(entry, secure);
            }
        }
        merged.overlay(&Layer::from_yaml(&entry, &origin).map_err(Error::Config)?);
    } else {
        tried.push("OS_CLOUD (not set)".to_owned());
        // Say which clouds files exist (and what they define) or were looked for.
        if let Ok(Some(path)) = find(sources, "clouds", &mut tried, true) {
            let defined = read_yaml(&path)
                .map(|doc| names(&doc, "clouds"))
                .unwrap_or_default();
            tried.push(format!(
                "{} (found, but no cloud was selected; it defines: {})",
                path.display(),
                if defined.is_empty() {
                    "nothing".to_owned()
                } else {
                    defined.join(", ")
                }
            ));
        }
    }

    let env_layer = Layer::from_env(&sources.env);
    if !env_layer.is_empty() {
        used.push("environment (OS_*)".to_owned());
    }
    merged.overlay(&env_layer);
    if !overrides.values.is_empty() {
        used.push("explicit settings".to_owned());
    }
    merged.overlay(&overrides.values);

    if !merged.contains("auth.auth_url") {
        if cloud_name.is_none() {
            tried.push("OS_AUTH_URL (not set)".to_owned());
        }
        return Err(Error::Config(format!(
            "no cloud configured: set OS_CLOUD to a cloud in clouds.yaml, or OS_AUTH_URL and credentials; {}tried: {}",
            if used.is_empty() {
                String::new()
            } else {
                format!("read {}; ", used.join(", "))
            },
            tried.join(", ")
        )));
    }
    build(cloud_name, &merged, used, warnings)
}

/// Finds the first `<stem>.{yaml,yml,json}` in the search path (`OS_CLIENT_CONFIG_FILE` wins
/// for `clouds`), recording every candidate in `tried`.
fn find(
    sources: &Sources,
    stem: &str,
    tried: &mut Vec<String>,
    primary: bool,
) -> Result<Option<PathBuf>> {
    if primary {
        if let Some(file) = sources
            .env
            .get("OS_CLIENT_CONFIG_FILE")
            .filter(|f| !f.is_empty())
        {
            let path = PathBuf::from(file);
            if path.is_file() {
                return Ok(Some(path));
            }
            return Err(Error::Config(format!(
                "OS_CLIENT_CONFIG_FILE points to {}, which does not exist",
                path.display()
            )));
        }
    }
    for dir in &sources.search_dirs {
        for ext in EXTENSIONS {
            let path = dir.join(format!("{stem}.{ext}"));
            if path.is_file() {
                return Ok(Some(path));
            }
            tried.push(path.display().to_string());
        }
    }
    Ok(None)
}

fn read_yaml(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
    // YAML parse errors quote a snippet of the input: keep only the location, never content.
    serde_yaml_ng::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        Error::Config(format!("{} is not valid YAML/JSON{at}", path.display()))
    })
}

/// The entry `section.name` of a clouds file; `Ok(None)` when not defined there.
///
/// # Errors
/// When the section is not a mapping of names, or the entry is not a mapping.
fn cloud_entry(doc: &Value, section: &str, name: &str, path: &Path) -> Result<Option<Mapping>> {
    let Some(found) = doc.get(section) else {
        return Ok(None);
    };
    let Some(clouds) = found.as_mapping() else {
        if found.is_null() {
            return Ok(None);
        }
        return Err(Error::Config(format!(
            "{}: `{section}` must be a mapping of cloud names to their settings, found {}",
            path.display(),
            yaml_kind(found)
        )));
    };
    match clouds.get(name) {
        None => Ok(None),
        Some(Value::Mapping(entry)) => Ok(Some(entry.clone())),
        Some(other) => Err(Error::Config(format!(
            "{}: {section}.{name} must be a mapping of settings, found {}",
            path.display(),
            yaml_kind(other)
        ))),
    }
}

/// Secrets a cloud entry may carry.
const SECRET_KEYS: [&str; 3] = ["password", "application_credential_secret", "token"];

/// A warning when `path` holds one of the entry's secrets and others may read it (as ssh
/// warns about keys).
fn permission_warning(path: &Path, entry: &Mapping) -> Option<String> {
    let auth = entry.get("auth").and_then(Value::as_mapping)?;
    let secret = SECRET_KEYS
        .iter()
        .find(|k| auth.get(**k).is_some_and(|v| !v.is_null()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "{} holds auth.{secret} and can be read by others (mode {mode:o}): run chmod 600 {}",
                path.display(),
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, secret);
        None
    }
}

fn names(doc: &Value, section: &str) -> Vec<String> {
    doc.get(section)
        .and_then(Value::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `over` merged into `base`, recursively for mappings.
fn deep_merge(mut base: Mapping, over: Mapping) -> Mapping {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Mapping(existing)), Value::Mapping(incoming)) => {
                let merged = deep_merge(std::mem::take(existing), incoming);
                *existing = merged;
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    base
}

fn missing(what: &str, key: &str, env: &str) -> Error {
    Error::Config(format!(
        "{what} needs `{key}` in clouds.yaml (or {env} in the environment)"
    ))
}

fn domain(layer: &Layer, prefix: &str) -> Option<DomainRef> {
    layer
        .get(&format!("auth.{prefix}_domain_id"))
        .map(|id| DomainRef::Id(id.to_owned()))
        .or_else(|| {
            layer
                .get(&format!("auth.{prefix}_domain_name"))
                .map(|n| DomainRef::Name(n.to_owned()))
        })
        .or_else(|| {
            layer
                .get("auth.default_domain_id")
                .map(|id| DomainRef::Id(id.to_owned()))
        })
        .or_else(|| {
            layer
                .get("auth.default_domain_name")
                .map(|n| DomainRef::Name(n.to_owned()))
        })
}

fn user(layer: &Layer, what: &str) -> Result<UserRef> {
    if let Some(id) = layer.get("auth.user_id") {
        return Ok(UserRef::Id(id.to_owned()));
    }
    let name = layer.get("auth.username").ok_or_else(|| {
        missing(
            what,
            "auth.username or auth.user_id",
            "OS_USERNAME or OS_USER_ID",
        )
    })?;
    let domain = domain(layer, "user").ok_or_else(|| {
        missing(
            &format!("user {name:?}"),
            "auth.user_domain_name or auth.user_domain_id",
            "OS_USER_DOMAIN_NAME",
        )
    })?;
    Ok(UserRef::Name {
        name: name.to_owned(),
        domain,
    })
}

fn scope(layer: &Layer) -> Result<Scope> {
    if let Some(trust) = layer.get("auth.trust_id") {
        return Ok(Scope::Trust(trust.to_owned()));
    }
    if let Some(system) = layer.get("auth.system_scope") {
        if system != "all" {
            return Err(Error::Config(format!(
                "system_scope {system:?} is not supported (Keystone knows only \"all\")"
            )));
        }
        return Ok(Scope::System);
    }
    if let Some(id) = layer.get("auth.project_id") {
        return Ok(Scope::Project(ProjectRef::Id(id.to_owned())));
    }
    if let Some(name) = layer.get("auth.project_name") {
        let domain = domain(layer, "project").ok_or_else(|| {
            missing(
                &format!("project {name:?}"),
                "auth.project_domain_name or auth.project_domain_id",
                "OS_PROJECT_DOMAIN_NAME",
            )
        })?;
        return Ok(Scope::Project(ProjectRef::Name {
            name: name.to_owned(),
            domain,
        }));
    }
    if let Some(id) = layer.get("auth.domain_id") {
        return Ok(Scope::Domain(DomainRef::Id(id.to_owned())));
    }
    if let Some(name) = layer.get("auth.domain_name") {
        return Ok(Scope::Domain(DomainRef::Name(name.to_owned())));
    }
    Ok(Scope::Unscoped)
}

fn build(
    name: Option<String>,
    layer: &Layer,
    sources: Vec<String>,
    mut warnings: Vec<String>,
) -> Result<CloudConfig> {
    let auth_url_text = layer.get("auth.auth_url").unwrap_or_default();
    let mut auth_url = Url::parse(auth_url_text).map_err(|e| {
        Error::Config(format!(
            "auth_url {:?} is not a URL: {e}",
            redact_url(auth_url_text)
        ))
    })?;
    if !["http", "https"].contains(&auth_url.scheme()) {
        return Err(Error::Config(format!(
            "auth_url {:?} is not an http(s) URL",
            redact_url(auth_url_text)
        )));
    }
    if has_user_info(&auth_url) {
        // Keystone takes credentials in the body; user-info would go out as Basic auth and be
        // printed wherever the URL is shown.
        strip_user_info(&mut auth_url);
        warnings.push(
            "auth_url carried credentials (user:password@): removed; give them as auth.username / auth.password".to_owned(),
        );
    }
    if !auth_url.path().trim_end_matches('/').ends_with("/v3") {
        // keystoneauth discovers the version; clouds.yaml often gives the bare root.
        let path = format!("{}/v3", auth_url.path().trim_end_matches('/'));
        auth_url.set_path(&path);
    }

    let auth_type = layer
        .get("auth_type")
        .map(|t| t.trim().to_ascii_lowercase().replace('-', "_"));
    let inferred = match auth_type.as_deref() {
        Some("password" | "v3password") => "password",
        Some("token" | "v3token") => "token",
        Some("application_credential" | "v3applicationcredential") => "application_credential",
        Some(other) => {
            return Err(Error::Config(format!(
                "auth_type {other:?} is not supported (supported: password, token, application_credential)"
            )));
        }
        None if layer.contains("auth.application_credential_secret") => "application_credential",
        None if layer.contains("auth.token") && !layer.contains("auth.password") => "token",
        None => "password",
    };
    let (auth, scope) = match inferred {
        "password" => {
            let user = user(layer, "password authentication")?;
            let password = layer.secret("auth.password").ok_or_else(|| {
                missing("password authentication", "auth.password", "OS_PASSWORD")
            })?;
            (AuthMethod::Password { user, password }, scope(layer)?)
        }
        "token" => {
            let token = layer
                .secret("auth.token")
                .ok_or_else(|| missing("token authentication", "auth.token", "OS_TOKEN"))?;
            (AuthMethod::Token { token }, scope(layer)?)
        }
        _ => {
            let secret = layer
                .secret("auth.application_credential_secret")
                .ok_or_else(|| {
                    missing(
                        "application credential authentication",
                        "auth.application_credential_secret",
                        "OS_APPLICATION_CREDENTIAL_SECRET",
                    )
                })?;
            let credential = if let Some(id) = layer.get("auth.application_credential_id") {
                AppCredentialRef::Id(id.to_owned())
            } else if let Some(cred_name) = layer.get("auth.application_credential_name") {
                AppCredentialRef::Name {
                    name: cred_name.to_owned(),
                    user: user(layer, "an application credential given by name")?,
                }
            } else {
                return Err(missing(
                    "application credential authentication",
                    "auth.application_credential_id or auth.application_credential_name",
                    "OS_APPLICATION_CREDENTIAL_ID",
                ));
            };
            if layer.contains("auth.project_name") || layer.contains("auth.project_id") {
                warnings.push(
                    "project settings are ignored with an application credential: its project is fixed (Keystone refuses a scope)".to_owned(),
                );
            }
            (
                AuthMethod::ApplicationCredential { credential, secret },
                Scope::Unscoped,
            )
        }
    };

    let interface = match layer.get("interface") {
        Some(text) => Interface::parse(text).ok_or_else(|| {
            Error::Config(format!(
                "interface {text:?} is not one of public, internal, admin"
            ))
        })?,
        None => Interface::Public,
    };
    let flag = |key: &str, env: &str| -> Result<Option<bool>> {
        layer
            .get(key)
            .map(|text| {
                parse_bool(text).ok_or_else(|| {
                    Error::Config(format!(
                        "{key} ({env}) must be a boolean (true or false), found {text:?}"
                    ))
                })
            })
            .transpose()
    };
    let insecure = flag("insecure", "OS_INSECURE")?.unwrap_or(false)
        || flag("verify", "clouds.yaml")? == Some(false);
    if insecure {
        warnings
            .push("TLS certificate verification is disabled (insecure / verify: false)".to_owned());
    }
    let container_infra_endpoint = layer
        .get("container_infra_endpoint_override")
        .map(|text| {
            let mut url = Url::parse(text).map_err(|e| {
                Error::Config(format!(
                    "container_infra_endpoint_override {:?} is not a URL: {e}",
                    redact_url(text)
                ))
            })?;
            if has_user_info(&url) {
                strip_user_info(&mut url);
                warnings.push(
                    "container_infra_endpoint_override carried credentials (user:password@): removed".to_owned(),
                );
            }
            Ok::<_, Error>(url)
        })
        .transpose()?;
    Ok(CloudConfig {
        name,
        auth_url,
        auth,
        scope,
        region: layer
            .get("region_name")
            .or_else(|| layer.get("regions.only"))
            .map(str::to_owned),
        interface,
        container_infra_endpoint,
        container_infra_api_version: layer.get("container_infra_api_version").map(str::to_owned),
        cacert: layer.get("cacert").map(PathBuf::from),
        insecure,
        sources,
        warnings,
    })
}
