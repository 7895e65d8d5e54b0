//! kubeconfig (and legacy docker-env) output, byte-compatible with
//! `openstack coe cluster config` (python-magnumclient 5.0.0 `_config_cluster_kubernetes`):
//! certificate mode, keystone-exec mode and TLS-disabled mode, OSC or Terraform naming. Plus
//! what no existing tool does: merging into an existing kubeconfig without clobbering other
//! entries, and reporting when the client certificates expire. Pure except the file helpers,
//! which write atomically with mode 0600.

use std::path::Path;
use std::time::SystemTime;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_yaml_ng::{Mapping, Value};

use crate::ca::{Certificate, CertificateError};

/// How the kubeconfig authenticates to the cluster.
#[derive(Clone)]
#[non_exhaustive]
pub enum AccessMode {
    /// TLS with a client certificate signed by the cluster CA (OSC's default).
    Certificate {
        /// The cluster CA (PEM, as Magnum returned it).
        ca_pem: String,
        /// The client certificate (PEM, as Magnum returned it).
        cert_pem: String,
        /// The client key (PEM).
        key_pem: SecretString,
    },
    /// TLS with Keystone tokens through an exec plugin reading `$OS_TOKEN` (`--use-keystone`).
    Keystone {
        /// The cluster CA (PEM).
        ca_pem: String,
    },
    /// The cluster template disables TLS: no CA, no credentials.
    TlsDisabled,
}

impl std::fmt::Debug for AccessMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Certificate { .. } => "Certificate { .. }",
            Self::Keystone { .. } => "Keystone { .. }",
            Self::TlsDisabled => "TlsDisabled",
        })
    }
}

/// Entry names in the generated kubeconfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Naming {
    /// `openstack coe cluster config`: context `default`, user `admin` (byte-compatible).
    #[default]
    OpenStackCli,
    /// Terraform's `kubeconfig` attribute: context `<cluster>`, user `<cluster>-admin`. Unique
    /// names, so several clusters can be merged into one file.
    Terraform,
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// Renders a kubeconfig for `cluster_name` at `api_address`.
///
/// With [`Naming::OpenStackCli`] the output is byte-for-byte what `openstack coe cluster config`
/// writes for the same inputs. The result holds a private key in certificate mode, hence a
/// [`SecretString`].
pub fn render(
    cluster_name: &str,
    api_address: &str,
    mode: &AccessMode,
    naming: Naming,
) -> SecretString {
    let name = cluster_name;
    let text = match mode {
        AccessMode::TlsDisabled => format!(
            "apiVersion: v1\nclusters:\n- cluster:\n    server: {api_address}\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n    user: {name}\n  name: {name}\ncurrent-context: {name}\nkind: Config\npreferences: {{}}\nusers:\n- name: {name}\n"
        ),
        AccessMode::Certificate {
            ca_pem,
            cert_pem,
            key_pem,
        } => {
            let (context, user) = match naming {
                Naming::OpenStackCli => ("default".to_owned(), "admin".to_owned()),
                Naming::Terraform => (name.to_owned(), format!("{name}-admin")),
            };
            format!(
                "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: {api_address}\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n    user: {user}\n  name: {context}\ncurrent-context: {context}\nkind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n",
                ca = b64(ca_pem),
                cert = b64(cert_pem),
                key = b64(key_pem.expose_secret()),
            )
        }
        AccessMode::Keystone { ca_pem } => {
            let (context, user) = match naming {
                Naming::OpenStackCli => (
                    "openstackuser@kubernetes".to_owned(),
                    "openstackuser".to_owned(),
                ),
                Naming::Terraform => (name.to_owned(), format!("{name}-openstackuser")),
            };
            format!(
                concat!(
                    "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: {api_address}\n  name: {name}\n",
                    "contexts:\n- context:\n    cluster: {name}\n    user: {user}\n  name: {context}\ncurrent-context: {context}\n",
                    "kind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    exec:\n      command: /bin/bash\n",
                    "      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - -c\n      - >\n",
                    "        if [ -z ${{OS_TOKEN}} ]; then\n",
                    "            echo 'Error: Missing OpenStack credential from environment variable $OS_TOKEN' > /dev/stderr\n",
                    "            exit 1\n        else\n",
                    "            echo '{{ \"apiVersion\": \"client.authentication.k8s.io/v1beta1\", \"kind\": \"ExecCredential\", \"status\": {{ \"token\": \"'\"${{OS_TOKEN}}\"'\"}}}}'\n",
                    "        fi\n"
                ),
                ca = b64(ca_pem),
                name = name,
                api_address = api_address,
                user = user,
                context = context,
            )
        }
    };
    SecretString::from(text)
}

/// The line OSC prints after writing `config_file`: `export KUBECONFIG=…`, or `setenv …` for
/// csh-family shells.
pub fn export_line(config_file: &Path, csh: bool) -> String {
    if csh {
        format!("setenv KUBECONFIG {}\n", config_file.display())
    } else {
        format!("export KUBECONFIG={}\n", config_file.display())
    }
}

/// The docker environment OSC prints for legacy swarm / swarm-mode clusters.
pub fn docker_env(api_address: &str, cert_dir: &Path, tls_disabled: bool, csh: bool) -> String {
    let tls = if tls_disabled { "" } else { "True" };
    if csh {
        format!(
            "setenv DOCKER_HOST {api_address}\nsetenv DOCKER_CERT_PATH {}\nsetenv DOCKER_TLS_VERIFY {tls}\n",
            cert_dir.display()
        )
    } else {
        format!(
            "export DOCKER_HOST={api_address}\nexport DOCKER_CERT_PATH={}\nexport DOCKER_TLS_VERIFY={tls}\n",
            cert_dir.display()
        )
    }
}

/// A kubeconfig problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeconfigError {
    /// Not a kubeconfig (YAML mapping with `clusters`/`contexts`/`users` lists).
    #[error("not a kubeconfig: {0}")]
    Invalid(String),
    /// A client certificate in it does not parse.
    #[error("user {user}: {source}")]
    Certificate {
        /// The user entry.
        user: String,
        /// Why.
        #[source]
        source: CertificateError,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn parse(text: &str, what: &str) -> Result<Mapping, KubeconfigError> {
    match serde_yaml_ng::from_str::<Value>(text) {
        Ok(Value::Mapping(map)) => Ok(map),
        Ok(Value::Null) => Ok(Mapping::new()),
        Ok(_) => Err(KubeconfigError::Invalid(format!(
            "{what} is not a YAML mapping"
        ))),
        // Never echo the content: it may hold keys.
        Err(e) => Err(KubeconfigError::Invalid(format!(
            "{what} is not valid YAML{}",
            e.location()
                .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
                .unwrap_or_default()
        ))),
    }
}

fn named_list<'a>(map: &'a Mapping, key: &str) -> Result<Vec<&'a Value>, KubeconfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Sequence(items)) => Ok(items.iter().collect()),
        Some(_) => Err(KubeconfigError::Invalid(format!("`{key}` is not a list"))),
    }
}

fn entry_name(entry: &Value) -> Option<&str> {
    entry.get("name").and_then(Value::as_str)
}

/// Merges `addition` into `existing`: entries of `clusters`, `contexts` and `users` with the
/// same name are replaced, all others kept; `current-context` becomes the addition's when
/// `switch_context` (or when `existing` has none). Other top-level keys of `existing` stay.
///
/// # Errors
/// [`KubeconfigError::Invalid`] when either side is not a kubeconfig.
pub fn merge(
    existing: &str,
    addition: &str,
    switch_context: bool,
) -> Result<SecretString, KubeconfigError> {
    let mut base = parse(existing, "the existing kubeconfig")?;
    let add = parse(addition, "the new kubeconfig")?;
    for key in ["clusters", "contexts", "users"] {
        let new_entries = named_list(&add, key)?;
        // A set: merging N entries into M stays O(N + M) (it was O(N·M) with a list).
        let new_names: std::collections::HashSet<&str> =
            new_entries.iter().filter_map(|e| entry_name(e)).collect();
        let mut merged: Vec<Value> = named_list(&base, key)?
            .into_iter()
            .filter(|e| entry_name(e).is_none_or(|n| !new_names.contains(&n)))
            .cloned()
            .collect();
        merged.extend(new_entries.into_iter().cloned());
        base.insert(Value::from(key), Value::Sequence(merged));
    }
    let has_current = base
        .get("current-context")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty());
    if switch_context || !has_current {
        if let Some(current) = add.get("current-context") {
            base.insert(Value::from("current-context"), current.clone());
        }
    }
    for key in ["apiVersion", "kind", "preferences"] {
        if !base.contains_key(key) {
            if let Some(value) = add.get(key) {
                base.insert(Value::from(key), value.clone());
            }
        }
    }
    serde_yaml_ng::to_string(&Value::Mapping(base))
        .map(SecretString::from)
        .map_err(|e| KubeconfigError::Invalid(format!("cannot encode the merged kubeconfig: {e}")))
}

/// When a kubeconfig user's client certificate expires.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateExpiry {
    /// The `users[].name`.
    pub user: String,
    /// Certificate subject.
    pub subject: String,
    /// End of validity.
    pub not_after: SystemTime,
}

/// The expiry of every embedded client certificate (`client-certificate-data`).
///
/// # Errors
/// Not a kubeconfig, or a certificate that does not parse.
pub fn certificate_expiry(kubeconfig: &str) -> Result<Vec<CertificateExpiry>, KubeconfigError> {
    let map = parse(kubeconfig, "the kubeconfig")?;
    let mut out = Vec::new();
    for entry in named_list(&map, "users")? {
        let Some(data) = entry
            .get("user")
            .and_then(|u| u.get("client-certificate-data"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let user = entry_name(entry).unwrap_or("").to_owned();
        let pem = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| KubeconfigError::Certificate {
                user: user.clone(),
                source: CertificateError::InvalidCertificate(
                    "client-certificate-data is not base64 PEM".into(),
                ),
            })?;
        let certificate =
            Certificate::from_pem(&pem).map_err(|source| KubeconfigError::Certificate {
                user: user.clone(),
                source,
            })?;
        out.push(CertificateExpiry {
            user,
            subject: certificate.subject().to_string(),
            not_after: certificate.not_after(),
        });
    }
    Ok(out)
}

/// Writes a kubeconfig atomically with mode 0600.
///
/// # Errors
/// I/O errors.
pub fn write(path: &Path, kubeconfig: &SecretString) -> Result<(), KubeconfigError> {
    crate::fsutil::write_private(path, kubeconfig.expose_secret().as_bytes())?;
    Ok(())
}

/// Merges `addition` into the kubeconfig at `path` (created if missing) and writes it back
/// atomically with mode 0600.
///
/// # Errors
/// Not a kubeconfig; I/O errors.
pub fn merge_into_file(
    path: &Path,
    addition: &SecretString,
    switch_context: bool,
) -> Result<(), KubeconfigError> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.into()),
    };
    let merged = merge(&existing, addition.expose_secret(), switch_context)?;
    write(path, &merged)
}
