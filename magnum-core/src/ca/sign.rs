//! Signing node CSRs with Magnum's `[x509]` policy (`validator.py`), stricter where Magnum is
//! unsafe: the CSR's self-signature is verified (proof of possession), its own
//! subjectKeyIdentifier/authorityKeyIdentifier are replaced (never duplicated), unknown or
//! disallowed critical extensions are refused by name, and every change made to the request is
//! reported. The subject is copied exactly — repeated `O=` (Kubernetes groups) included.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::request::CertReq;

use super::CertificateError;
use super::cert::{Certificate, Issue, extension, issue};
use super::key::{EC_PUBLIC_KEY, ECDSA_WITH_SHA256, P256, P384, RSA_ENCRYPTION, key_identifier};
use super::profile::CertifiedKey;

/// Largest CSR accepted (PEM text), far above any real one.
pub const MAX_CSR_BYTES: usize = 64 * 1024;

const EXTENSION_REQUEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

macro_rules! extension_kinds {
    ($($variant:ident => $name:literal, $oid:literal;)+) => {
        /// Certificate extensions Magnum's `allowed_extensions` can name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ExtensionKind {
            $(
                #[doc = concat!("`", $name, "` (", $oid, ").")]
                $variant,
            )+
        }

        impl ExtensionKind {
            /// Magnum's (cryptography's) name.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }

            /// The extension's OID.
            pub fn oid(self) -> ObjectIdentifier {
                match self { $(Self::$variant => ObjectIdentifier::new_unwrap($oid),)+ }
            }

            /// The kind of an OID, if it is one Magnum knows.
            pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
                $(if *oid == ObjectIdentifier::new_unwrap($oid) { return Some(Self::$variant); })+
                None
            }

            /// Parses Magnum's name (`keyUsage`, `subjectAltName`…).
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

extension_kinds! {
    AuthorityKeyIdentifier => "authorityKeyIdentifier", "2.5.29.35";
    SubjectKeyIdentifier => "subjectKeyIdentifier", "2.5.29.14";
    AuthorityInfoAccess => "authorityInfoAccess", "1.3.6.1.5.5.7.1.1";
    BasicConstraints => "basicConstraints", "2.5.29.19";
    CrlDistributionPoints => "cRLDistributionPoints", "2.5.29.31";
    CertificatePolicies => "certificatePolicies", "2.5.29.32";
    ExtendedKeyUsage => "extendedKeyUsage", "2.5.29.37";
    OcspNoCheck => "OCSPNoCheck", "1.3.6.1.5.5.7.48.1.5";
    InhibitAnyPolicy => "inhibitAnyPolicy", "2.5.29.54";
    KeyUsage => "keyUsage", "2.5.29.15";
    NameConstraints => "nameConstraints", "2.5.29.30";
    SubjectAltName => "subjectAltName", "2.5.29.17";
    IssuerAltName => "issuerAltName", "2.5.29.18";
}

/// keyUsage bits, with Magnum's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUsageBit {
    /// "Digital Signature".
    DigitalSignature,
    /// "Non Repudiation".
    NonRepudiation,
    /// "Key Encipherment".
    KeyEncipherment,
    /// "Data Encipherment".
    DataEncipherment,
    /// "Key Agreement".
    KeyAgreement,
    /// "Certificate Sign".
    CertificateSign,
    /// "CRL Sign".
    CrlSign,
    /// "Encipher Only".
    EncipherOnly,
    /// "Decipher Only".
    DecipherOnly,
}

const ALL_BITS: [(KeyUsageBit, KeyUsages, &str); 9] = [
    (
        KeyUsageBit::DigitalSignature,
        KeyUsages::DigitalSignature,
        "Digital Signature",
    ),
    (
        KeyUsageBit::NonRepudiation,
        KeyUsages::NonRepudiation,
        "Non Repudiation",
    ),
    (
        KeyUsageBit::KeyEncipherment,
        KeyUsages::KeyEncipherment,
        "Key Encipherment",
    ),
    (
        KeyUsageBit::DataEncipherment,
        KeyUsages::DataEncipherment,
        "Data Encipherment",
    ),
    (
        KeyUsageBit::KeyAgreement,
        KeyUsages::KeyAgreement,
        "Key Agreement",
    ),
    (
        KeyUsageBit::CertificateSign,
        KeyUsages::KeyCertSign,
        "Certificate Sign",
    ),
    (KeyUsageBit::CrlSign, KeyUsages::CRLSign, "CRL Sign"),
    (
        KeyUsageBit::EncipherOnly,
        KeyUsages::EncipherOnly,
        "Encipher Only",
    ),
    (
        KeyUsageBit::DecipherOnly,
        KeyUsages::DecipherOnly,
        "Decipher Only",
    ),
];

impl KeyUsageBit {
    /// Magnum's name ("Digital Signature"…).
    pub fn name(self) -> &'static str {
        ALL_BITS
            .iter()
            .find(|(bit, ..)| *bit == self)
            .map_or("", |(_, _, name)| name)
    }

    /// Parses Magnum's name.
    pub fn from_name(name: &str) -> Option<Self> {
        ALL_BITS
            .iter()
            .find(|(.., n)| *n == name)
            .map(|(bit, ..)| *bit)
    }

    fn flag(self) -> KeyUsages {
        ALL_BITS
            .iter()
            .find(|(bit, ..)| *bit == self)
            .map_or(KeyUsages::DigitalSignature, |(_, flag, _)| *flag)
    }
}

/// Magnum's `[x509]` options as a typed policy. `Default` is Magnum's default configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningPolicy {
    /// `allowed_extensions` (default: keyUsage, extendedKeyUsage, subjectAltName,
    /// basicConstraints, subjectKeyIdentifier).
    pub allowed_extensions: Vec<ExtensionKind>,
    /// `allowed_key_usage` (default: Digital Signature, Key Encipherment, Non Repudiation).
    pub allowed_key_usage: Vec<KeyUsageBit>,
    /// `allow_ca` (default false): may a CSR obtain a CA certificate?
    pub allow_ca: bool,
    /// `term_of_validity` in days (default 1825).
    pub validity_days: u32,
}

impl Default for SigningPolicy {
    fn default() -> Self {
        Self {
            allowed_extensions: vec![
                ExtensionKind::KeyUsage,
                ExtensionKind::ExtendedKeyUsage,
                ExtensionKind::SubjectAltName,
                ExtensionKind::BasicConstraints,
                ExtensionKind::SubjectKeyIdentifier,
            ],
            allowed_key_usage: vec![
                KeyUsageBit::DigitalSignature,
                KeyUsageBit::KeyEncipherment,
                KeyUsageBit::NonRepudiation,
            ],
            allow_ca: false,
            validity_days: 1825,
        }
    }
}

impl SigningPolicy {
    /// Magnum's default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `allowed_extensions`.
    #[must_use]
    pub fn allowed_extensions(mut self, kinds: Vec<ExtensionKind>) -> Self {
        self.allowed_extensions = kinds;
        self
    }

    /// Sets `allowed_key_usage`.
    #[must_use]
    pub fn allowed_key_usage(mut self, bits: Vec<KeyUsageBit>) -> Self {
        self.allowed_key_usage = bits;
        self
    }

    /// Sets `allow_ca`.
    #[must_use]
    pub fn allow_ca(mut self, allow: bool) -> Self {
        self.allow_ca = allow;
        self
    }

    /// Sets `term_of_validity` (days).
    #[must_use]
    pub fn validity_days(mut self, days: u32) -> Self {
        self.validity_days = days;
        self
    }
}

/// What signing changed in the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignReport {
    /// Non-critical extensions dropped because the policy does not allow them (name or OID).
    pub dropped_extensions: Vec<String>,
    /// keyUsage bits cleared from a non-critical keyUsage.
    pub cleared_key_usage: Vec<KeyUsageBit>,
    /// A non-critical `CA:TRUE` was rewritten to `CA:FALSE`.
    pub ca_rewritten: bool,
    /// The CSR carried its own subjectKeyIdentifier, replaced by the signer's.
    pub ski_replaced: bool,
}

/// A signed certificate and the report of what was changed.
#[derive(Debug)]
#[non_exhaustive]
pub struct SignedCsr {
    /// The certificate.
    pub certificate: Certificate,
    /// What changed.
    pub report: SignReport,
}

#[derive(Sequence)]
struct RawCsr<'a> {
    info: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitStringRef<'a>,
}

fn invalid(why: impl Into<String>) -> CertificateError {
    CertificateError::InvalidCsr(why.into())
}

/// Parses a PEM CSR and verifies its self-signature.
fn parse_and_verify(csr_pem: &str) -> Result<CertReq, CertificateError> {
    if csr_pem.len() > MAX_CSR_BYTES {
        return Err(invalid(format!(
            "the CSR is {} bytes; at most {MAX_CSR_BYTES} are accepted",
            csr_pem.len()
        )));
    }
    let (label, der) = der::pem::decode_vec(csr_pem.trim().as_bytes())
        .map_err(|_| invalid("not a PEM certificate request"))?;
    if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
        return Err(invalid(format!(
            "PEM label {label:?} is not CERTIFICATE REQUEST"
        )));
    }
    let raw = RawCsr::from_der(&der).map_err(|e| invalid(format!("malformed CSR: {e}")))?;
    let request = CertReq::from_der(&der).map_err(|e| invalid(format!("malformed CSR: {e}")))?;
    let info = raw
        .info
        .to_der()
        .map_err(|e| invalid(format!("malformed CSR: {e}")))?;
    let spki = &request.info.public_key;
    let key_bits = spki.subject_public_key.raw_bytes();
    let params = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    use aws_lc_rs::signature as sig;
    let algorithm: &dyn sig::VerificationAlgorithm = match (
        raw.algorithm.oid.to_string().as_str(),
        spki.algorithm.oid,
    ) {
        ("1.2.840.113549.1.1.11", oid) if oid == RSA_ENCRYPTION => &sig::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", oid) if oid == RSA_ENCRYPTION => &sig::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", oid) if oid == RSA_ENCRYPTION => &sig::RSA_PKCS1_2048_8192_SHA512,
        (alg, oid)
            if oid == EC_PUBLIC_KEY
                && params == Some(P256)
                && alg == ECDSA_WITH_SHA256.to_string() =>
        {
            &sig::ECDSA_P256_SHA256_ASN1
        }
        ("1.2.840.10045.4.3.3", oid) if oid == EC_PUBLIC_KEY && params == Some(P384) => {
            &sig::ECDSA_P384_SHA384_ASN1
        }
        ("1.3.101.112", _) => &sig::ED25519,
        (alg, key) => {
            return Err(CertificateError::UnsupportedAlgorithm(format!(
                "signature algorithm {alg} with key algorithm {key} (supported: RSA 2048-8192 with SHA-256/384/512, ECDSA P-256/SHA-256, P-384/SHA-384, Ed25519)"
            )));
        }
    };
    let signature = raw
        .signature
        .as_bytes()
        .ok_or_else(|| invalid("the signature has unused bits"))?;
    sig::UnparsedPublicKey::new(algorithm, key_bits)
        .verify(&info, signature)
        .map_err(|_| CertificateError::BadSignature)?;
    Ok(request)
}

fn requested_extensions(request: &CertReq) -> Result<Vec<Extension>, CertificateError> {
    let mut extensions = Vec::new();
    for attribute in request.info.attributes.iter() {
        if attribute.oid == EXTENSION_REQUEST {
            for value in attribute.values.iter() {
                let list: Vec<Extension> = value
                    .decode_as()
                    .map_err(|e| invalid(format!("malformed extension request: {e}")))?;
                extensions.extend(list);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for ext in &extensions {
        if !seen.insert(ext.extn_id) {
            return Err(invalid(format!(
                "extension {} is requested twice",
                describe(&ext.extn_id)
            )));
        }
    }
    Ok(extensions)
}

fn describe(oid: &ObjectIdentifier) -> String {
    ExtensionKind::from_oid(oid).map_or_else(|| oid.to_string(), |k| k.name().to_owned())
}

/// Applies the policy to the requested extensions.
fn filter(
    extensions: Vec<Extension>,
    policy: &SigningPolicy,
    report: &mut SignReport,
) -> Result<Vec<Extension>, CertificateError> {
    let mut allowed_bits: Vec<KeyUsageBit> = policy.allowed_key_usage.clone();
    if !policy.allow_ca {
        allowed_bits.retain(|b| !matches!(b, KeyUsageBit::CertificateSign | KeyUsageBit::CrlSign));
    }
    let mut out = Vec::new();
    for ext in extensions {
        let kind = ExtensionKind::from_oid(&ext.extn_id);
        // Identifiers are always the signer's: drop whatever the CSR claims.
        if matches!(
            kind,
            Some(ExtensionKind::SubjectKeyIdentifier | ExtensionKind::AuthorityKeyIdentifier)
        ) {
            report.ski_replaced |= kind == Some(ExtensionKind::SubjectKeyIdentifier);
            continue;
        }
        if !kind.is_some_and(|k| policy.allowed_extensions.contains(&k)) {
            if ext.critical {
                return Err(CertificateError::ExtensionNotAllowed(describe(
                    &ext.extn_id,
                )));
            }
            report.dropped_extensions.push(describe(&ext.extn_id));
            continue;
        }
        match kind {
            Some(ExtensionKind::KeyUsage) => {
                let usage = KeyUsage::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| invalid(format!("malformed keyUsage: {e}")))?;
                let requested: Vec<KeyUsageBit> = ALL_BITS
                    .iter()
                    .filter(|(_, flag, _)| usage.0.contains(*flag))
                    .map(|(bit, ..)| *bit)
                    .collect();
                let refused: Vec<KeyUsageBit> = requested
                    .iter()
                    .copied()
                    .filter(|b| !allowed_bits.contains(b))
                    .collect();
                if refused.is_empty() {
                    out.push(ext);
                    continue;
                }
                if ext.critical {
                    return Err(CertificateError::KeyUsageNotAllowed(
                        refused.iter().map(|b| b.name().to_owned()).collect(),
                    ));
                }
                report.cleared_key_usage.extend(&refused);
                let kept: Vec<KeyUsageBit> = requested
                    .into_iter()
                    .filter(|b| allowed_bits.contains(b))
                    .collect();
                if let Some((first, rest)) = kept.split_first() {
                    let mut flags: der::flagset::FlagSet<KeyUsages> = first.flag().into();
                    for bit in rest {
                        flags |= bit.flag();
                    }
                    out.push(extension(ext.extn_id, false, &KeyUsage(flags))?);
                }
            }
            Some(ExtensionKind::BasicConstraints) => {
                let constraints = BasicConstraints::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| invalid(format!("malformed basicConstraints: {e}")))?;
                if constraints.ca && !policy.allow_ca {
                    if ext.critical {
                        return Err(CertificateError::CaNotAllowed);
                    }
                    report.ca_rewritten = true;
                    out.push(extension(
                        ext.extn_id,
                        false,
                        &BasicConstraints {
                            ca: false,
                            path_len_constraint: None,
                        },
                    )?);
                } else {
                    out.push(ext);
                }
            }
            _ => out.push(ext),
        }
    }
    Ok(out)
}

/// Signs a PEM CSR with `ca` under `policy`: verifies the CSR's signature, filters its
/// extensions, copies its subject exactly, and issues a certificate valid for
/// `policy.validity_days` with the signer's identifiers (SKI, AKI).
///
/// # Errors
/// [`CertificateError::InvalidCsr`] (garbage, too large, malformed, duplicate extensions),
/// [`CertificateError::BadSignature`] (no proof of possession),
/// [`CertificateError::UnsupportedAlgorithm`], [`CertificateError::ExtensionNotAllowed`],
/// [`CertificateError::KeyUsageNotAllowed`], [`CertificateError::CaNotAllowed`].
pub fn sign_csr(
    csr_pem: &str,
    ca: &CertifiedKey,
    policy: &SigningPolicy,
) -> Result<SignedCsr, CertificateError> {
    let request = parse_and_verify(csr_pem)?;
    let mut report = SignReport::default();
    let extensions = filter(requested_extensions(&request)?, policy, &mut report)?;
    let certificate = issue(Issue {
        subject: request.info.subject.clone(),
        issuer: ca.certificate.subject().clone(),
        public_key: request.info.public_key.clone(),
        extensions,
        validity_days: policy.validity_days,
        signer: &ca.key,
        authority_key_id: Some(
            ca.certificate
                .subject_key_id()
                .unwrap_or_else(|| key_identifier(ca.certificate.public_key_info())),
        ),
    })?;
    Ok(SignedCsr {
        certificate,
        report,
    })
}
