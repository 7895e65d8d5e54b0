//! The cluster CA, as Magnum makes and uses it — safer and faster: keys ([`key`]), certificate
//! issuance ([`cert`]), Magnum's profiles and per-cluster bundle ([`profile`]), CSR building
//! ([`csr`]) and CSR signing with Magnum's `[x509]` policy ([`sign`]). Pure: no network.
//!
//! Differences from Magnum, on purpose: validity in UTC; authorityKeyIdentifier on every issued
//! certificate; full 128-bit random serials; the CSR self-signature is verified; a CSR's own SKI
//! never produces a duplicate; unknown `ca_cert_type` values are refused; every refusal names
//! the extension or keyUsage bit.

pub mod cert;
pub mod csr;
pub mod key;
pub mod profile;
pub mod sign;
pub mod store;

pub use cert::Certificate;
pub use csr::build_csr;
pub use key::{KeyType, PrivateKey};
pub use profile::{
    CaOptions, CertifiedKey, ClusterCaBundle, generate_bundle, generate_bundle_sequential,
    generate_ca, generate_client_certificate, short_id, short_id_from_uuid,
};
pub use sign::{
    ExtensionKind, KeyUsageBit, SignReport, SignedCsr, SigningPolicy, check_csr, sign_csr,
};
pub use store::{
    CertStore, ClusterCertRefs, LocalCertStore, MemoryCertStore, StoredCert,
    delete_certificates_from_cluster, generate_certificates_to_cluster, get_cluster_ca_certificate,
    rotate_ca, sign_node_certificate,
};

/// Everything that can go wrong with keys, certificates and CSRs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// A key could not be generated, loaded, decrypted or used.
    #[error("private key: {0}")]
    Key(String),
    /// Not a usable certificate.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// Not a usable CSR (Magnum: "Received invalid csr").
    #[error("invalid CSR: {0}")]
    InvalidCsr(String),
    /// The CSR's signature does not verify with its own public key.
    #[error("invalid CSR: its signature does not verify (no proof of possession of the key)")]
    BadSignature,
    /// The CSR is well formed and its signature verifies, but the signing policy refuses its
    /// key or signature algorithm, by name (a weak RSA key, a broken hash).
    #[error("CSR refused by the signing policy: {0}")]
    PolicyRefused(String),
    /// A signature or key algorithm this signer does not accept.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// A critical extension the policy does not allow (Magnum: "Extension '`<ext>`' not allowed").
    #[error("Extension '{0}' not allowed")]
    ExtensionNotAllowed(String),
    /// Critical keyUsage bits the policy does not allow.
    #[error("keyUsage bits not allowed: {}", .0.join(", "))]
    KeyUsageNotAllowed(Vec<String>),
    /// A critical `CA:TRUE` while the policy forbids CA certificates.
    #[error(
        "a CA certificate was requested (critical basicConstraints CA:TRUE) but allow_ca is off"
    )]
    CaNotAllowed,
    /// A name that cannot go into a certificate (empty, too long, control characters).
    #[error("invalid name: {0}")]
    InvalidName(String),
    /// Unknown `ca_cert_type`.
    #[error("unknown ca_cert_type {0:?} (expected kubernetes, etcd, front_proxy or front-proxy)")]
    UnknownCaType(String),
    /// DER/PEM encoding failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// A certificate store failed (Magnum: "Could not store certificate").
    #[error("certificate storage: {0}")]
    Storage(String),
}

impl ClusterCaBundle {
    /// The CA selected by Magnum's `ca_cert_type`: `kubernetes` (default), `etcd`,
    /// `front_proxy` / `front-proxy`. Unlike Magnum, an unknown value is an error, not the
    /// Kubernetes CA.
    ///
    /// # Errors
    /// [`CertificateError::UnknownCaType`].
    pub fn ca(&self, ca_cert_type: Option<&str>) -> Result<&CertifiedKey, CertificateError> {
        match ca_cert_type.unwrap_or("kubernetes") {
            "kubernetes" => Ok(&self.cluster_ca),
            "etcd" => Ok(&self.etcd_ca),
            "front_proxy" | "front-proxy" => Ok(&self.front_proxy_ca),
            other => Err(CertificateError::UnknownCaType(
                other.chars().take(64).collect(),
            )),
        }
    }
}
