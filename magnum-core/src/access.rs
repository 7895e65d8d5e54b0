//! The client half of cluster access — what `openstack coe cluster config` does, as a library:
//! read the cluster and its template, fetch the CA, make a key and a `CN=admin,
//! O=system:masters` CSR, have Magnum sign it, and render the kubeconfig (or the docker env of a
//! legacy swarm cluster). Files are written like OSC's (`config`, `ca.pem`, `cert.pem`,
//! `key.pem`), but atomically and with mode 0600.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::api::Api;
use crate::ca::cert::{CN, O, name};
use crate::ca::{KeyType, PrivateKey, build_csr};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::ids::NameOrId;
/// Entry naming of the written kubeconfig (re-exported from [`crate::kubeconfig`]).
pub use crate::kubeconfig::Naming;
use crate::kubeconfig::{self, AccessMode};
use crate::types::{Cluster, ClusterTemplate, Coe, SignRequest};

/// How to access the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// A client certificate signed by the cluster CA (OSC's default).
    #[default]
    Certificate,
    /// Keystone tokens through the exec plugin (`--use-keystone`).
    Keystone,
}

/// Options of [`cluster_access`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AccessOptions {
    /// Certificate or Keystone.
    pub credentials: Credentials,
    /// Client key type (OSC: RSA-2048).
    pub key_type: KeyType,
    /// Entry names.
    pub naming: Naming,
}

impl AccessOptions {
    /// OSC's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Certificate or Keystone credentials.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Client key type.
    #[must_use]
    pub fn key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = key_type;
        self
    }

    /// Entry naming.
    #[must_use]
    pub fn naming(mut self, naming: Naming) -> Self {
        self.naming = naming;
        self
    }
}

/// Everything needed to reach a cluster.
#[non_exhaustive]
pub struct ClusterAccess {
    /// The cluster as read.
    pub cluster: Cluster,
    /// Its template.
    pub template: ClusterTemplate,
    /// The kubeconfig (Kubernetes clusters).
    pub kubeconfig: Option<SecretString>,
    /// The cluster CA (TLS clusters).
    pub ca_pem: Option<String>,
    /// The signed client certificate (certificate mode).
    pub cert_pem: Option<String>,
    /// The client key (certificate mode).
    pub key_pem: Option<SecretString>,
    /// Things the user should know (e.g. the API address is not known yet).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for ClusterAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterAccess")
            .field("cluster", &self.cluster.uuid)
            .field("has_kubeconfig", &self.kubeconfig.is_some())
            .field("has_certificate", &self.cert_pem.is_some())
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Does what `openstack coe cluster config` does, against `client`.
///
/// # Errors
/// API errors (404 cluster, 403 policy on the CA or signing…), certificate errors.
pub async fn cluster_access(
    client: &Client,
    cluster: impl Into<NameOrId>,
    options: &AccessOptions,
) -> Result<ClusterAccess> {
    let clusters: Api<Cluster> = Api::new(client.clone());
    let cluster = clusters.get(cluster).await?;
    let warnings = Vec::new();
    if cluster.api_address.is_none() {
        // OSC warns and writes `server: None`; a kubeconfig that cannot work is refused.
        return Err(Error::InvalidInput(format!(
            "cluster {} has no API address yet (status {}): a kubeconfig needs one; wait until it is CREATE_COMPLETE",
            cluster.name.as_deref().unwrap_or(cluster.uuid.as_str()),
            cluster
                .status
                .as_ref()
                .map_or("unknown".to_owned(), ToString::to_string)
        )));
    }
    let template_id = cluster.cluster_template_id.clone().ok_or_else(|| {
        Error::InvalidInput(format!(
            "cluster {} has no cluster_template_id",
            cluster.uuid
        ))
    })?;
    let template = Api::<ClusterTemplate>::new(client.clone())
        .get(&template_id)
        .await?;
    let tls = !template.tls_disabled.unwrap_or(false);
    let (mut ca_pem, mut cert_pem, mut key_pem) = (None, None, None);
    if tls {
        ca_pem = clusters.ca_certificate(&cluster.uuid, None).await?.pem;
        if options.credentials == Credentials::Certificate {
            let key = PrivateKey::generate(options.key_type)?;
            let csr = build_csr(
                &key,
                &name(&[(CN, "admin"), (O, "system:masters")])?,
                Vec::new(),
            )?;
            let signed = clusters
                .sign_certificate(&SignRequest::new(cluster.uuid.as_str(), csr))
                .await?;
            cert_pem = signed.pem;
            key_pem = Some(key.to_traditional_pem()?);
        }
    }
    let is_kubernetes = matches!(template.coe, Some(Coe::Kubernetes) | None);
    let kubeconfig = is_kubernetes.then(|| {
        let mode = match (&ca_pem, &cert_pem, &key_pem) {
            (Some(ca), Some(cert), Some(key)) => AccessMode::Certificate {
                ca_pem: ca.clone(),
                cert_pem: cert.clone(),
                key_pem: key.clone(),
            },
            (Some(ca), _, _) => AccessMode::Keystone { ca_pem: ca.clone() },
            _ => AccessMode::TlsDisabled,
        };
        let name = cluster
            .name
            .clone()
            .unwrap_or_else(|| cluster.uuid.to_string());
        let address = cluster.api_address.clone().unwrap_or_default();
        kubeconfig::render(&name, &address, &mode, options.naming)
    });
    Ok(ClusterAccess {
        cluster,
        template,
        kubeconfig,
        ca_pem,
        cert_pem,
        key_pem,
        warnings,
    })
}

/// How [`ClusterAccess::write_files`] writes (OSC's `--force`, `--output-certs`, the csh
/// form of the printed line). The default writes only `config` and refuses to overwrite.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Overwrite existing files.
    pub force: bool,
    /// Also write `key.pem`, `cert.pem`, `ca.pem`.
    pub output_certs: bool,
    /// Return `setenv KUBECONFIG …` instead of `export KUBECONFIG=…`.
    pub csh: bool,
}

impl WriteOptions {
    /// Only `config`, no overwrite, sh syntax.
    pub fn new() -> Self {
        Self::default()
    }

    /// Overwrite existing files.
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Also write the certificate files.
    #[must_use]
    pub fn output_certs(mut self, output_certs: bool) -> Self {
        self.output_certs = output_certs;
        self
    }

    /// csh syntax for the returned line.
    #[must_use]
    pub fn csh(mut self, csh: bool) -> Self {
        self.csh = csh;
        self
    }
}

impl ClusterAccess {
    /// Writes the files `openstack coe cluster config --dir <dir> [--output-certs]` writes —
    /// `config` (Kubernetes), and with `output_certs` `key.pem`, `cert.pem`, `ca.pem` (those
    /// available) — atomically with mode 0600. Refuses to overwrite without `force`, like OSC.
    /// Returns what OSC prints: the `export KUBECONFIG=…` line, or the docker environment.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a file exists and `force` is off; I/O errors as
    /// [`Error::Config`].
    pub fn write_files(&self, dir: &Path, options: WriteOptions) -> Result<String> {
        let WriteOptions {
            force,
            output_certs,
            csh,
        } = options;
        let io = |e: std::io::Error| Error::Config(e.to_string());
        let check = |path: &Path| {
            if path.exists() && !force {
                Err(Error::InvalidInput(format!(
                    "File {} exists, aborting.",
                    path.display()
                )))
            } else {
                Ok(())
            }
        };
        if output_certs {
            let files = [
                (
                    "key.pem",
                    self.key_pem.as_ref().map(|k| k.expose_secret().to_owned()),
                ),
                ("cert.pem", self.cert_pem.clone()),
                ("ca.pem", self.ca_pem.clone()),
            ];
            for (file, content) in files {
                let path = dir.join(file);
                check(&path)?;
                if let Some(content) = content {
                    crate::fsutil::write_private(&path, content.as_bytes()).map_err(io)?;
                }
            }
        }
        match &self.kubeconfig {
            Some(config) => {
                let path = dir.join("config");
                check(&path)?;
                kubeconfig::write(&path, config).map_err(|e| Error::Config(e.to_string()))?;
                Ok(kubeconfig::export_line(&path, csh))
            }
            None => Ok(kubeconfig::docker_env(
                self.cluster.api_address.as_deref().unwrap_or("None"),
                dir,
                self.template.tls_disabled.unwrap_or(false),
                csh,
            )),
        }
    }
}
