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
use super::key::{EC_PUBLIC_KEY, P256, P384, RSA_ENCRYPTION, key_identifier};
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
    let signature_oid = raw.algorithm.oid.to_string();
    let key = CsrKey::of(spki.algorithm.oid, params, key_bits)?;
    let hash = SignatureHash::of(&signature_oid, &key)?;
    let signature = raw
        .signature
        .as_bytes()
        .ok_or_else(|| invalid("the signature has unused bits"))?;
    // First the proof of possession (when the algorithm can be verified at all), then the
    // policy, so a refusal names its true reason.
    if let Some(algorithm) = verification_algorithm(&key, hash) {
        aws_lc_rs::signature::UnparsedPublicKey::new(algorithm, key_bits)
            .verify(&info, signature)
            .map_err(|_| CertificateError::BadSignature)?;
    }
    policy_check(&key, hash, &signature_oid)?;
    Ok(request)
}

/// The CSR's public key, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsrKey {
    /// RSA with this modulus size in bits.
    Rsa(usize),
    /// ECDSA on a named curve.
    Ec(Curve),
    /// Ed25519.
    Ed25519,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
    Secp256k1,
}

/// PKCS#1 `RSAPublicKey`.
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: der::asn1::UintRef<'a>,
    public_exponent: der::asn1::UintRef<'a>,
}

const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

impl CsrKey {
    fn of(
        algorithm: ObjectIdentifier,
        curve: Option<ObjectIdentifier>,
        key_bits: &[u8],
    ) -> Result<Self, CertificateError> {
        if algorithm == RSA_ENCRYPTION {
            let key = RsaPublicKey::from_der(key_bits)
                .map_err(|e| invalid(format!("malformed RSA public key: {e}")))?;
            let _ = key.public_exponent;
            let modulus = key.modulus.as_bytes();
            let bits =
                modulus.len() * 8 - modulus.first().map_or(0, |b| b.leading_zeros() as usize);
            return Ok(Self::Rsa(bits));
        }
        if algorithm == EC_PUBLIC_KEY {
            return match curve {
                Some(c) if c == P256 => Ok(Self::Ec(Curve::P256)),
                Some(c) if c == P384 => Ok(Self::Ec(Curve::P384)),
                Some(c) if c == P521 => Ok(Self::Ec(Curve::P521)),
                Some(c) if c == SECP256K1 => Ok(Self::Ec(Curve::Secp256k1)),
                other => Err(CertificateError::UnsupportedAlgorithm(format!(
                    "EC key on curve {} (accepted: P-256, P-384, P-521)",
                    other.map_or_else(|| "(not named)".to_owned(), |c| c.to_string())
                ))),
            };
        }
        if algorithm == ED25519 {
            return Ok(Self::Ed25519);
        }
        Err(CertificateError::UnsupportedAlgorithm(format!(
            "key algorithm {algorithm} (accepted: RSA, ECDSA P-256/P-384/P-521, Ed25519)"
        )))
    }
}

/// The hash a signature algorithm uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignatureHash {
    Md5,
    Md2,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// Ed25519 (no separate hash).
    Pure,
}

impl SignatureHash {
    /// The hash of `oid`, which must suit the key's type.
    fn of(oid: &str, key: &CsrKey) -> Result<Self, CertificateError> {
        let rsa = matches!(key, CsrKey::Rsa(_));
        let ec = matches!(key, CsrKey::Ec(_));
        let hash = match oid {
            "1.2.840.113549.1.1.2" if rsa => Self::Md2,
            "1.2.840.113549.1.1.4" if rsa => Self::Md5,
            "1.2.840.113549.1.1.5" if rsa => Self::Sha1,
            "1.2.840.113549.1.1.14" if rsa => Self::Sha224,
            "1.2.840.113549.1.1.11" if rsa => Self::Sha256,
            "1.2.840.113549.1.1.12" if rsa => Self::Sha384,
            "1.2.840.113549.1.1.13" if rsa => Self::Sha512,
            "1.2.840.10045.4.1" if ec => Self::Sha1,
            "1.2.840.10045.4.3.1" if ec => Self::Sha224,
            "1.2.840.10045.4.3.2" if ec => Self::Sha256,
            "1.2.840.10045.4.3.3" if ec => Self::Sha384,
            "1.2.840.10045.4.3.4" if ec => Self::Sha512,
            "1.3.101.112" if *key == CsrKey::Ed25519 => Self::Pure,
            "1.2.840.113549.1.1.10" => {
                return Err(CertificateError::UnsupportedAlgorithm(
                    "RSASSA-PSS signatures (sign the CSR with PKCS#1 v1.5, ECDSA or Ed25519)"
                        .into(),
                ));
            }
            other => {
                return Err(CertificateError::UnsupportedAlgorithm(format!(
                    "signature algorithm {other} with a {} key",
                    key.name()
                )));
            }
        };
        Ok(hash)
    }

    fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md2 => "MD2",
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
            Self::Pure => "Ed25519",
        }
    }
}

impl CsrKey {
    fn name(&self) -> String {
        match self {
            Self::Rsa(bits) => format!("RSA-{bits}"),
            Self::Ec(Curve::P256) => "P-256".into(),
            Self::Ec(Curve::P384) => "P-384".into(),
            Self::Ec(Curve::P521) => "P-521".into(),
            Self::Ec(Curve::Secp256k1) => "secp256k1".into(),
            Self::Ed25519 => "Ed25519".into(),
        }
    }
}

/// The verifier for a key and hash, when one exists (MD5, MD2 and SHA-224 with RSA cannot be
/// verified here; the policy refuses them by name anyway).
fn verification_algorithm(
    key: &CsrKey,
    hash: SignatureHash,
) -> Option<&'static dyn aws_lc_rs::signature::VerificationAlgorithm> {
    use SignatureHash as H;
    use aws_lc_rs::signature as sig;
    Some(match (key, hash) {
        (CsrKey::Rsa(bits), _) if !(1024..=8192).contains(bits) => return None,
        (CsrKey::Rsa(_), H::Sha1) => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (CsrKey::Rsa(_), H::Sha256) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (CsrKey::Rsa(bits), H::Sha384) if *bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA384,
        (CsrKey::Rsa(_), H::Sha512) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        (CsrKey::Ec(Curve::P256), H::Sha1) => &sig::ECDSA_P256_SHA1_ASN1,
        (CsrKey::Ec(Curve::P256), H::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (CsrKey::Ec(Curve::P256), H::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
        (CsrKey::Ec(Curve::P256), H::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
        (CsrKey::Ec(Curve::P384), H::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
        (CsrKey::Ec(Curve::P384), H::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (CsrKey::Ec(Curve::P384), H::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
        (CsrKey::Ec(Curve::P521), H::Sha1) => &sig::ECDSA_P521_SHA1_ASN1,
        (CsrKey::Ec(Curve::P521), H::Sha224) => &sig::ECDSA_P521_SHA224_ASN1,
        (CsrKey::Ec(Curve::P521), H::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
        (CsrKey::Ec(Curve::P521), H::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
        (CsrKey::Ec(Curve::P521), H::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
        (CsrKey::Ec(Curve::Secp256k1), H::Sha256) => &sig::ECDSA_P256K1_SHA256_ASN1,
        (CsrKey::Ed25519, H::Pure) => &sig::ED25519,
        _ => return None,
    })
}

/// The signer's policy, by name: RSA keys of 2048 to 8192 bits; the curves P-256, P-384 and
/// P-521; no MD2, MD5 or SHA-1 signatures (collisions are practical). A combination this
/// signer cannot verify is refused as unsupported, naming it.
fn policy_check(
    key: &CsrKey,
    hash: SignatureHash,
    signature_oid: &str,
) -> Result<(), CertificateError> {
    let refuse = |why: String| Err(CertificateError::PolicyRefused(why));
    if let CsrKey::Rsa(bits) = key {
        if *bits < 2048 {
            return refuse(format!(
                "the CSR's key is RSA-{bits}: at least 2048 bits are accepted"
            ));
        }
        if *bits > 8192 {
            return refuse(format!(
                "the CSR's key is RSA-{bits}: at most 8192 bits are accepted"
            ));
        }
    }
    if *key == CsrKey::Ec(Curve::Secp256k1) {
        return refuse(
            "the CSR's key is on secp256k1: accepted curves are P-256, P-384, P-521".into(),
        );
    }
    if matches!(
        hash,
        SignatureHash::Md2 | SignatureHash::Md5 | SignatureHash::Sha1
    ) {
        return refuse(format!(
            "the CSR is signed with {} ({signature_oid}): MD2, MD5 and SHA-1 signatures are not accepted",
            hash.name()
        ));
    }
    if verification_algorithm(key, hash).is_none() {
        return Err(CertificateError::UnsupportedAlgorithm(format!(
            "{} signatures with a {} key",
            hash.name(),
            key.name()
        )));
    }
    Ok(())
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

/// Everything [`sign_csr`] checks before it signs: `Ok` exactly when `sign_csr` with the same
/// policy would sign (with what it would change in the request), `Err` with the same refusal
/// otherwise. No CA is needed: use it to pre-flight a CSR.
///
/// # Errors
/// As [`sign_csr`].
pub fn check_csr(csr_pem: &str, policy: &SigningPolicy) -> Result<SignReport, CertificateError> {
    vet(csr_pem, policy).map(|(_, _, report)| report)
}

/// Parses, verifies and filters a CSR under `policy`.
fn vet(
    csr_pem: &str,
    policy: &SigningPolicy,
) -> Result<(CertReq, Vec<Extension>, SignReport), CertificateError> {
    let request = parse_and_verify(csr_pem)?;
    let mut report = SignReport::default();
    let extensions = filter(requested_extensions(&request)?, policy, &mut report)?;
    Ok((request, extensions, report))
}

/// Signs a PEM CSR with `ca` under `policy`: verifies the CSR's signature, filters its
/// extensions, copies its subject exactly, and issues a certificate valid for
/// `policy.validity_days` with the signer's identifiers (SKI, AKI).
///
/// # Errors
/// [`CertificateError::InvalidCsr`] (garbage, too large, malformed, duplicate extensions),
/// [`CertificateError::BadSignature`] (no proof of possession),
/// [`CertificateError::PolicyRefused`] (RSA under 2048 or over 8192 bits, secp256k1, MD2 / MD5 /
/// SHA-1 signatures), [`CertificateError::UnsupportedAlgorithm`] (a combination that cannot be
/// verified, RSASSA-PSS), [`CertificateError::ExtensionNotAllowed`],
/// [`CertificateError::KeyUsageNotAllowed`], [`CertificateError::CaNotAllowed`].
pub fn sign_csr(
    csr_pem: &str,
    ca: &CertifiedKey,
    policy: &SigningPolicy,
) -> Result<SignedCsr, CertificateError> {
    let (request, extensions, report) = vet(csr_pem, policy)?;
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
