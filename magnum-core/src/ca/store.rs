//! Cert-manager backends and the conductor half of Magnum's certificate handling
//! (`cert_manager.py`): store a cluster's four objects, sign node CSRs with the CA picked by
//! `ca_cert_type`, return the CA, rotate (a new set; the old one stays readable until deleted),
//! and delete. Backends implement [`CertStore`]: [`LocalCertStore`] (Magnum's `local` layout,
//! files written atomically with mode 0600) and [`MemoryCertStore`] (Magnum's `x509keypair`
//! rows, serialisable). Barbican is an extension point: implement [`CertStore`] over its API.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::profile::{CaOptions, CertifiedKey, generate_bundle, short_id};
use super::sign::{SignedCsr, SigningPolicy, sign_csr};
use super::{Certificate, CertificateError, PrivateKey};

/// One stored certificate: PEM certificate, encrypted PEM key and its passphrase.
#[derive(Clone)]
#[non_exhaustive]
pub struct StoredCert {
    /// Certificate PEM.
    pub certificate: String,
    /// Encrypted PKCS#8 PEM.
    pub private_key: String,
    /// The key's passphrase.
    pub passphrase: SecretString,
}

impl std::fmt::Debug for StoredCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCert")
            .field("passphrase", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl StoredCert {
    /// Decrypts the key and pairs it with the certificate.
    ///
    /// # Errors
    /// Wrong passphrase, mismatched or corrupt material.
    pub fn certified_key(&self) -> Result<CertifiedKey, CertificateError> {
        CertifiedKey::new(
            Certificate::from_pem(&self.certificate)?,
            PrivateKey::from_pem(&self.private_key, Some(&self.passphrase))?,
        )
    }
}

/// Where certificates live. References are opaque strings (a UUID for the built-in stores).
pub trait CertStore: Send + Sync {
    /// Stores a certificate and its encrypted key; returns the reference.
    ///
    /// # Errors
    /// [`CertificateError::Storage`].
    fn store(&self, name: &str, certificate: &StoredCert) -> Result<String, CertificateError>;
    /// Loads a stored certificate.
    ///
    /// # Errors
    /// [`CertificateError::Storage`] (missing reference included).
    fn load(&self, reference: &str) -> Result<StoredCert, CertificateError>;
    /// Deletes a stored certificate (absent is fine).
    ///
    /// # Errors
    /// [`CertificateError::Storage`].
    fn delete(&self, reference: &str) -> Result<(), CertificateError>;
}

fn storage(message: impl Into<String>) -> CertificateError {
    CertificateError::Storage(message.into())
}

fn new_reference() -> Result<String, CertificateError> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| storage("random source failed"))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

fn valid_reference(reference: &str) -> Result<(), CertificateError> {
    // References name files: refuse anything that is not a plain UUID-like token.
    if reference.is_empty()
        || reference.len() > 64
        || !reference
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-')
    {
        return Err(storage(format!(
            "invalid certificate reference {:?}",
            reference.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}

/// Magnum's `local` backend: `<dir>/<ref>.crt`, `.key`, `.pass`, each written atomically with
/// mode 0600.
#[derive(Debug, Clone)]
pub struct LocalCertStore {
    dir: PathBuf,
}

impl LocalCertStore {
    /// A store under `dir` (created if missing, mode 0700).
    ///
    /// # Errors
    /// [`CertificateError::Storage`] when the directory cannot be created.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, CertificateError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| storage(format!("Could not store certificate: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| storage(format!("Could not store certificate: {e}")))?;
        }
        Ok(Self { dir })
    }

    fn path(&self, reference: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{reference}.{ext}"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl CertStore for LocalCertStore {
    fn store(&self, _name: &str, certificate: &StoredCert) -> Result<String, CertificateError> {
        let reference = new_reference()?;
        let files = [
            ("crt", certificate.certificate.as_str()),
            ("key", certificate.private_key.as_str()),
            ("pass", certificate.passphrase.expose_secret()),
        ];
        for (ext, content) in files {
            if let Err(e) =
                crate::fsutil::write_private(&self.path(&reference, ext), content.as_bytes())
            {
                let _ = self.delete(&reference);
                return Err(storage(format!("Could not store certificate: {e}")));
            }
        }
        Ok(reference)
    }

    fn load(&self, reference: &str) -> Result<StoredCert, CertificateError> {
        valid_reference(reference)?;
        let read = |ext: &str| {
            std::fs::read_to_string(self.path(reference, ext))
                .map_err(|e| storage(format!("certificate {reference}: {e}")))
        };
        Ok(StoredCert {
            certificate: read("crt")?,
            private_key: read("key")?,
            passphrase: SecretString::from(read("pass")?),
        })
    }

    fn delete(&self, reference: &str) -> Result<(), CertificateError> {
        valid_reference(reference)?;
        for ext in ["crt", "key", "pass", "int"] {
            match std::fs::remove_file(self.path(reference, ext)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(storage(format!("certificate {reference}: {e}"))),
            }
        }
        Ok(())
    }
}

/// One row of Magnum's `x509keypair` table.
#[derive(Clone, Serialize, Deserialize)]
struct KeypairRow {
    uuid: String,
    name: String,
    certificate: String,
    private_key: String,
    private_key_passphrase: String,
}

/// Magnum's `x509keypair` backend as an in-memory table that can be saved and restored as JSON
/// (it contains passphrases: keep that JSON secret).
#[derive(Default)]
pub struct MemoryCertStore {
    rows: Mutex<BTreeMap<String, KeypairRow>>,
}

impl std::fmt::Debug for MemoryCertStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.rows.lock().map(|r| r.len()).unwrap_or_default();
        f.debug_struct("MemoryCertStore")
            .field("rows", &count)
            .finish()
    }
}

impl MemoryCertStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serialises every row (passphrases included).
    ///
    /// # Errors
    /// [`CertificateError::Storage`] if the table lock is poisoned.
    pub fn to_json(&self) -> Result<SecretString, CertificateError> {
        let rows = self
            .rows
            .lock()
            .map_err(|_| storage("store lock poisoned"))?;
        serde_json::to_string(&rows.values().collect::<Vec<_>>())
            .map(SecretString::from)
            .map_err(|e| storage(e.to_string()))
    }

    /// Restores a store saved with [`Self::to_json`].
    ///
    /// # Errors
    /// [`CertificateError::Storage`] for malformed JSON.
    pub fn from_json(json: &SecretString) -> Result<Self, CertificateError> {
        let rows: Vec<KeypairRow> = serde_json::from_str(json.expose_secret()).map_err(|e| {
            storage(format!(
                "not an x509keypair table: line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        Ok(Self {
            rows: Mutex::new(rows.into_iter().map(|r| (r.uuid.clone(), r)).collect()),
        })
    }

    /// One row as JSON (passphrase included), `None` when no row has that reference: lets a
    /// caller persist the rows of one cluster instead of the whole table.
    ///
    /// # Errors
    /// [`CertificateError::Storage`] if the table lock is poisoned.
    pub fn row_json(&self, reference: &str) -> Result<Option<SecretString>, CertificateError> {
        let rows = self
            .rows
            .lock()
            .map_err(|_| storage("store lock poisoned"))?;
        rows.get(reference)
            .map(|row| {
                serde_json::to_string(row)
                    .map(SecretString::from)
                    .map_err(|e| storage(e.to_string()))
            })
            .transpose()
    }

    /// Adds (or replaces) a row saved with [`Self::row_json`]; returns its reference.
    ///
    /// # Errors
    /// [`CertificateError::Storage`] for malformed JSON or a poisoned lock.
    pub fn insert_row_json(&self, json: &SecretString) -> Result<String, CertificateError> {
        let row: KeypairRow = serde_json::from_str(json.expose_secret()).map_err(|e| {
            storage(format!(
                "not an x509keypair row: line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        let reference = row.uuid.clone();
        self.rows
            .lock()
            .map_err(|_| storage("store lock poisoned"))?
            .insert(reference.clone(), row);
        Ok(reference)
    }

    /// Number of stored certificates.
    pub fn len(&self) -> usize {
        self.rows.lock().map(|r| r.len()).unwrap_or_default()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl CertStore for MemoryCertStore {
    fn store(&self, name: &str, certificate: &StoredCert) -> Result<String, CertificateError> {
        let reference = new_reference()?;
        let row = KeypairRow {
            uuid: reference.clone(),
            name: name.to_owned(),
            certificate: certificate.certificate.clone(),
            private_key: certificate.private_key.clone(),
            private_key_passphrase: certificate.passphrase.expose_secret().to_owned(),
        };
        self.rows
            .lock()
            .map_err(|_| storage("store lock poisoned"))?
            .insert(reference.clone(), row);
        Ok(reference)
    }

    fn load(&self, reference: &str) -> Result<StoredCert, CertificateError> {
        let rows = self
            .rows
            .lock()
            .map_err(|_| storage("store lock poisoned"))?;
        let row = rows
            .get(reference)
            .ok_or_else(|| storage(format!("X509KeyPair {reference} could not be found")))?;
        Ok(StoredCert {
            certificate: row.certificate.clone(),
            private_key: row.private_key.clone(),
            passphrase: SecretString::from(row.private_key_passphrase.clone()),
        })
    }

    fn delete(&self, reference: &str) -> Result<(), CertificateError> {
        self.rows
            .lock()
            .map_err(|_| storage("store lock poisoned"))?
            .remove(reference);
        Ok(())
    }
}

/// The references Magnum keeps on a cluster (`ca_cert_ref`, `etcd_ca_cert_ref`,
/// `front_proxy_ca_cert_ref`, `magnum_cert_ref`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClusterCertRefs {
    /// Kubernetes CA.
    pub ca_cert_ref: String,
    /// etcd CA.
    pub etcd_ca_cert_ref: String,
    /// Front-proxy CA.
    pub front_proxy_ca_cert_ref: String,
    /// The conductor's admin client certificate.
    pub magnum_cert_ref: String,
}

impl ClusterCertRefs {
    /// The CA reference for Magnum's `ca_cert_type`.
    ///
    /// # Errors
    /// [`CertificateError::UnknownCaType`].
    pub fn ca_ref(&self, ca_cert_type: Option<&str>) -> Result<&str, CertificateError> {
        match ca_cert_type.unwrap_or("kubernetes") {
            "kubernetes" => Ok(&self.ca_cert_ref),
            "etcd" => Ok(&self.etcd_ca_cert_ref),
            "front_proxy" | "front-proxy" => Ok(&self.front_proxy_ca_cert_ref),
            other => Err(CertificateError::UnknownCaType(
                other.chars().take(64).collect(),
            )),
        }
    }

    fn all(&self) -> [&str; 4] {
        [
            &self.ca_cert_ref,
            &self.etcd_ca_cert_ref,
            &self.front_proxy_ca_cert_ref,
            &self.magnum_cert_ref,
        ]
    }
}

fn stored(key: &CertifiedKey) -> Result<StoredCert, CertificateError> {
    let passphrase = short_id()?;
    Ok(StoredCert {
        certificate: key.certificate.to_pem()?,
        private_key: key.key.to_encrypted_pem(&passphrase)?,
        passphrase,
    })
}

/// Magnum's `generate_certificates_to_cluster`: makes the bundle for `issuer_name` (cluster
/// name, or UUID when unnamed) and stores the four objects, each key encrypted with its own
/// short-id passphrase. On failure nothing stays behind in the store.
///
/// # Errors
/// Generation or storage errors (Magnum: "Failed to create certificates for Cluster").
pub fn generate_certificates_to_cluster(
    store: &dyn CertStore,
    issuer_name: &str,
    options: &CaOptions,
) -> Result<ClusterCertRefs, CertificateError> {
    let bundle = generate_bundle(issuer_name, options)?;
    let items = [
        (issuer_name, &bundle.cluster_ca),
        (issuer_name, &bundle.etcd_ca),
        (issuer_name, &bundle.front_proxy_ca),
        ("Magnum-Conductor", &bundle.admin),
    ];
    let mut refs = Vec::with_capacity(4);
    for (name, key) in items {
        match stored(key).and_then(|s| store.store(name, &s)) {
            Ok(reference) => refs.push(reference),
            Err(e) => {
                for reference in &refs {
                    let _ = store.delete(reference);
                }
                return Err(e);
            }
        }
    }
    let [ca, etcd, front_proxy, magnum]: [String; 4] = refs
        .try_into()
        .map_err(|_| storage("expected four certificate references"))?;
    Ok(ClusterCertRefs {
        ca_cert_ref: ca,
        etcd_ca_cert_ref: etcd,
        front_proxy_ca_cert_ref: front_proxy,
        magnum_cert_ref: magnum,
    })
}

/// Magnum's `get_cluster_ca_certificate`: the PEM of the CA picked by `ca_cert_type`.
///
/// # Errors
/// Unknown type; storage errors.
pub fn get_cluster_ca_certificate(
    store: &dyn CertStore,
    refs: &ClusterCertRefs,
    ca_cert_type: Option<&str>,
) -> Result<String, CertificateError> {
    Ok(store.load(refs.ca_ref(ca_cert_type)?)?.certificate)
}

/// Magnum's `sign_node_certificate`: signs `csr_pem` with the CA picked by `ca_cert_type`.
///
/// # Errors
/// Unknown type; storage, decryption and signing errors.
pub fn sign_node_certificate(
    store: &dyn CertStore,
    refs: &ClusterCertRefs,
    ca_cert_type: Option<&str>,
    csr_pem: &str,
    policy: &SigningPolicy,
) -> Result<SignedCsr, CertificateError> {
    let ca = store.load(refs.ca_ref(ca_cert_type)?)?.certified_key()?;
    sign_csr(csr_pem, &ca, policy)
}

/// CA rotation: a completely new set of four objects. The old references stay readable until
/// [`delete_certificates_from_cluster`] is called on them (Magnum leaves them behind).
///
/// # Errors
/// As [`generate_certificates_to_cluster`].
pub fn rotate_ca(
    store: &dyn CertStore,
    issuer_name: &str,
    options: &CaOptions,
) -> Result<ClusterCertRefs, CertificateError> {
    generate_certificates_to_cluster(store, issuer_name, options)
}

/// Magnum's `delete_certificates_from_cluster`: deletes all four; failures are collected and
/// returned (never raised), so a cluster delete is not blocked.
pub fn delete_certificates_from_cluster(
    store: &dyn CertStore,
    refs: &ClusterCertRefs,
) -> Vec<CertificateError> {
    refs.all()
        .into_iter()
        .filter_map(|r| store.delete(r).err())
        .collect()
}
