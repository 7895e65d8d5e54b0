//! Magnum's certificate profiles (`operations.py`): the CA profile (basicConstraints CA:TRUE
//! pathlen 0 critical, keyUsage keyCertSign critical — optionally cRLSign), the client profile
//! (keyUsage digitalSignature+keyEncipherment critical, EKU clientAuth, CA:FALSE critical),
//! the per-cluster bundle (cluster CA, etcd CA, front-proxy CA, admin client) with keys made
//! in parallel, and Magnum's short ids used as key passphrases.

use secrecy::SecretString;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};

use super::CertificateError;
use super::cert::{CN, Certificate, Issue, O, extension, issue, name};
use super::key::{KeyType, PrivateKey, key_identifier};

/// clientAuth.
const CLIENT_AUTH: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// How CAs and client certificates are made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaOptions {
    /// Key type of every generated key (Magnum: RSA-2048).
    pub key_type: KeyType,
    /// Validity in days (Magnum's `[x509] term_of_validity`: 1825).
    pub validity_days: u32,
    /// Add cRLSign to CA keyUsage (Magnum does not).
    pub crl_sign: bool,
}

impl Default for CaOptions {
    fn default() -> Self {
        Self {
            key_type: KeyType::Rsa2048,
            validity_days: 1825,
            crl_sign: false,
        }
    }
}

impl CaOptions {
    /// Magnum's defaults (RSA-2048, 1825 days, no cRLSign).
    pub fn new() -> Self {
        Self::default()
    }

    /// Key type of generated keys.
    #[must_use]
    pub fn key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = key_type;
        self
    }

    /// Validity in days.
    #[must_use]
    pub fn validity_days(mut self, days: u32) -> Self {
        self.validity_days = days;
        self
    }

    /// Adds cRLSign to CA keyUsage.
    #[must_use]
    pub fn crl_sign(mut self, on: bool) -> Self {
        self.crl_sign = on;
        self
    }
}

/// A certificate with its private key.
#[derive(Debug)]
#[non_exhaustive]
pub struct CertifiedKey {
    /// The certificate.
    pub certificate: Certificate,
    /// Its key.
    pub key: PrivateKey,
}

impl CertifiedKey {
    /// Pairs a certificate with its key, checking that they match.
    ///
    /// # Errors
    /// [`CertificateError::Key`] when the key is not the certificate's.
    pub fn new(certificate: Certificate, key: PrivateKey) -> Result<Self, CertificateError> {
        if key.public_key_info()? != *certificate.public_key_info() {
            return Err(CertificateError::Key(
                "the private key does not match the certificate".into(),
            ));
        }
        Ok(Self { certificate, key })
    }

    /// Loads a PEM certificate and a PEM key (encrypted with `passphrase` if given).
    ///
    /// # Errors
    /// Parse, decryption or mismatch errors.
    pub fn from_pem(
        certificate_pem: &str,
        key_pem: &str,
        passphrase: Option<&SecretString>,
    ) -> Result<Self, CertificateError> {
        Self::new(
            Certificate::from_pem(certificate_pem)?,
            PrivateKey::from_pem(key_pem, passphrase)?,
        )
    }
}

/// Makes a self-signed CA named `CN=<issuer_name>` with a fresh key.
///
/// # Errors
/// Key generation or encoding errors.
pub fn generate_ca(
    issuer_name: &str,
    options: &CaOptions,
) -> Result<CertifiedKey, CertificateError> {
    let key = PrivateKey::generate(options.key_type)?;
    ca_with_key(issuer_name, key, options)
}

/// The longest issuer name accepted: Magnum's cluster-name limit (the CA is named after the
/// cluster).
pub const MAX_ISSUER_NAME_CHARS: usize = 242;

/// An issuer name is 1 to [`MAX_ISSUER_NAME_CHARS`] characters without control characters.
fn check_issuer_name(issuer_name: &str) -> Result<(), CertificateError> {
    let chars = issuer_name.chars().count();
    if chars == 0 || chars > MAX_ISSUER_NAME_CHARS {
        return Err(CertificateError::InvalidName(format!(
            "the issuer name has {chars} characters; 1 to {MAX_ISSUER_NAME_CHARS} are accepted"
        )));
    }
    if issuer_name.chars().any(char::is_control) {
        return Err(CertificateError::InvalidName(
            "the issuer name contains a control character (NUL, newline, …)".into(),
        ));
    }
    Ok(())
}

fn ca_with_key(
    issuer_name: &str,
    key: PrivateKey,
    options: &CaOptions,
) -> Result<CertifiedKey, CertificateError> {
    check_issuer_name(issuer_name)?;
    let subject = name(&[(CN, issuer_name)])?;
    let mut usages = KeyUsages::KeyCertSign.into();
    if options.crl_sign {
        usages |= KeyUsages::CRLSign;
    }
    let extensions = vec![
        extension(
            <BasicConstraints as der::oid::AssociatedOid>::OID,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
        )?,
        extension(
            <KeyUsage as der::oid::AssociatedOid>::OID,
            true,
            &KeyUsage(usages),
        )?,
    ];
    let certificate = issue(Issue {
        subject: subject.clone(),
        issuer: subject,
        public_key: key.public_key_info()?,
        extensions,
        validity_days: options.validity_days,
        signer: &key,
        authority_key_id: None,
    })?;
    Ok(CertifiedKey { certificate, key })
}

/// Makes a client certificate `CN=<common_name>[, O=<organization>]` signed by `ca`.
///
/// # Errors
/// Key generation or encoding errors.
pub fn generate_client_certificate(
    ca: &CertifiedKey,
    common_name: &str,
    organization: Option<&str>,
    options: &CaOptions,
) -> Result<CertifiedKey, CertificateError> {
    let key = PrivateKey::generate(options.key_type)?;
    client_with_key(ca, common_name, organization, key, options)
}

fn client_with_key(
    ca: &CertifiedKey,
    common_name: &str,
    organization: Option<&str>,
    key: PrivateKey,
    options: &CaOptions,
) -> Result<CertifiedKey, CertificateError> {
    let mut attributes = vec![(CN, common_name)];
    if let Some(org) = organization {
        attributes.push((O, org));
    }
    let extensions = vec![
        extension(
            <KeyUsage as der::oid::AssociatedOid>::OID,
            true,
            &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment),
        )?,
        extension(
            <ExtendedKeyUsage as der::oid::AssociatedOid>::OID,
            false,
            &ExtendedKeyUsage(vec![CLIENT_AUTH]),
        )?,
        extension(
            <BasicConstraints as der::oid::AssociatedOid>::OID,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
    ];
    let certificate = issue(Issue {
        subject: name(&attributes)?,
        issuer: ca.certificate.subject().clone(),
        public_key: key.public_key_info()?,
        extensions,
        validity_days: options.validity_days,
        signer: &ca.key,
        authority_key_id: Some(
            ca.certificate
                .subject_key_id()
                .unwrap_or_else(|| key_identifier(ca.certificate.public_key_info())),
        ),
    })?;
    Ok(CertifiedKey { certificate, key })
}

/// The four objects Magnum makes per cluster (`generate_certificates_to_cluster`), each CA key
/// with its own passphrase for storage.
#[derive(Debug)]
#[non_exhaustive]
pub struct ClusterCaBundle {
    /// The Kubernetes cluster CA.
    pub cluster_ca: CertifiedKey,
    /// The etcd CA.
    pub etcd_ca: CertifiedKey,
    /// The front-proxy (aggregation layer) CA.
    pub front_proxy_ca: CertifiedKey,
    /// The admin client certificate (`CN=admin, O=system:masters`), signed by the cluster CA.
    pub admin: CertifiedKey,
}

/// Makes a cluster's CA bundle. `issuer_name` is the cluster name (or its UUID when unnamed).
/// The four keys are generated on parallel threads (RSA key generation dominates).
///
/// # Errors
/// [`crate::ca::CertificateError`]; Magnum reports any of them as "Failed to create
/// certificates for Cluster: `<uuid>`".
pub fn generate_bundle(
    issuer_name: &str,
    options: &CaOptions,
) -> Result<ClusterCaBundle, CertificateError> {
    check_issuer_name(issuer_name)?;
    let keys: Vec<Result<PrivateKey, CertificateError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PrivateKey::generate(options.key_type)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(CertificateError::Key(
                        "key generation thread panicked".into(),
                    ))
                })
            })
            .collect()
    });
    let mut keys = keys.into_iter();
    let mut next = || {
        keys.next()
            .unwrap_or_else(|| Err(CertificateError::Key("missing generated key".into())))
    };
    let cluster_ca = ca_with_key(issuer_name, next()?, options)?;
    let etcd_ca = ca_with_key(issuer_name, next()?, options)?;
    let front_proxy_ca = ca_with_key(issuer_name, next()?, options)?;
    let admin = client_with_key(
        &cluster_ca,
        "admin",
        Some("system:masters"),
        next()?,
        options,
    )?;
    Ok(ClusterCaBundle {
        cluster_ca,
        etcd_ca,
        front_proxy_ca,
        admin,
    })
}

/// Makes the bundle sequentially (one thread), for comparison and constrained hosts.
///
/// # Errors
/// As [`generate_bundle`].
pub fn generate_bundle_sequential(
    issuer_name: &str,
    options: &CaOptions,
) -> Result<ClusterCaBundle, CertificateError> {
    let cluster_ca = generate_ca(issuer_name, options)?;
    let etcd_ca = generate_ca(issuer_name, options)?;
    let front_proxy_ca = generate_ca(issuer_name, options)?;
    let admin = generate_client_certificate(&cluster_ca, "admin", Some("system:masters"), options)?;
    Ok(ClusterCaBundle {
        cluster_ca,
        etcd_ca,
        front_proxy_ca,
        admin,
    })
}

/// Magnum's `short_id.get_id(uuid)`: the 60-bit time field of a version-4 UUID, left-aligned
/// in 8 bytes, base32, first 12 characters, lower case.
///
/// # Errors
/// [`CertificateError::Encoding`] for a malformed UUID or one that is not version 4.
pub fn short_id_from_uuid(uuid: &str) -> Result<String, CertificateError> {
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CertificateError::Encoding(format!(
            "{uuid:?} is not a UUID"
        )));
    }
    let value = u128::from_str_radix(&hex, 16)
        .map_err(|_| CertificateError::Encoding("bad UUID".into()))?;
    let version = (value >> 76) & 0xf;
    if version != 4 {
        return Err(CertificateError::Encoding(format!(
            "Invalid UUID version ({version})"
        )));
    }
    let time_low = (value >> 96) & 0xffff_ffff;
    let time_mid = (value >> 80) & 0xffff;
    let time_hi = (value >> 64) & 0x0fff;
    let time = (time_hi << 48) | (time_mid << 32) | time_low; // 60 bits
    let bytes = ((time << 4) as u64).to_be_bytes();
    Ok(base32_lower(&bytes)[..12].to_owned())
}

/// A fresh short id (Magnum's `generate_id()`), from a random version-4 UUID.
///
/// # Errors
/// [`CertificateError::Key`] if the random source fails.
pub fn short_id() -> Result<SecretString, CertificateError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| CertificateError::Key("random source failed".into()))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    short_id_from_uuid(&hex).map(SecretString::from)
}

/// RFC 4648 base32, lower case, no padding needed for the first 12 characters of 8 bytes.
fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Magnum's own vectors (`test_short_id.py`).
    #[test]
    fn short_ids_match_magnums_vectors() {
        for (uuid, id) in [
            ("11111111-1111-4111-bfff-ffffffffffff", "ceirceirceir"),
            ("ffffffff-ffff-4fff-8000-000000000000", "777777777777"),
            ("00000000-0000-4000-bfff-ffffffffffff", "aaaaaaaaaaaa"),
            ("ffffffff-00ff-4000-aaaa-aaaaaaaaaaaa", "aaaa77777777"),
        ] {
            assert_eq!(short_id_from_uuid(uuid).unwrap(), id, "{uuid}");
        }
        let v1 = short_id_from_uuid("5f2c1c8e-2b0b-11ef-9262-0242ac120002").unwrap_err();
        assert!(v1.to_string().contains("Invalid UUID version (1)"));
        use secrecy::ExposeSecret;
        let ids: std::collections::HashSet<String> = (0..25)
            .map(|_| short_id().unwrap().expose_secret().to_owned())
            .collect();
        assert_eq!(ids.len(), 25);
        assert!(ids.iter().all(|id| {
            id.len() == 12
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        }));
    }
}
