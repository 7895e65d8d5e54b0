//! X.509 certificate issuance and inspection: a `TBSCertificate` encoded with `der` over
//! x509-cert's component types (so a subject is copied byte-for-byte, repeated `O=` included),
//! signed by a [`PrivateKey`], and parsed back with x509-cert as a check. Plus the
//! [`Certificate`] value: DER/PEM, subject, issuer, serial, validity, key identifiers.

use std::time::{Duration, SystemTime};

use der::asn1::{BitString, OctetString, SetOfVec, Utf8StringRef};
use der::{Any, Decode, DecodePem, Encode, EncodePem, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::CertificateError;
use super::key::{PrivateKey, key_identifier};

/// The commonName attribute OID (2.5.4.3).
pub const CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
/// The organizationName attribute OID (2.5.4.10).
pub const O: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.10");

#[derive(Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct SignedCertificate {
    tbs_certificate: TbsCertificate,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

fn encoding(what: &str) -> CertificateError {
    CertificateError::Encoding(what.to_owned())
}

/// A name of one attribute per RDN, in order (`CN=…`, then `O=…` …), as UTF8String like
/// Python `cryptography` writes.
pub fn name(attributes: &[(der::asn1::ObjectIdentifier, &str)]) -> Result<Name, CertificateError> {
    let mut rdns = RdnSequence::default();
    for (oid, value) in attributes {
        let mut set = SetOfVec::new();
        let value =
            Any::encode_from(&Utf8StringRef::new(value).map_err(|_| encoding("name value"))?)
                .map_err(|_| encoding("name value"))?;
        set.insert(AttributeTypeAndValue { oid: *oid, value })
            .map_err(|_| encoding("name attribute"))?;
        rdns.push(RelativeDistinguishedName::from(set));
    }
    Name::from_der(&rdns.to_der().map_err(|_| encoding("name"))?).map_err(|_| encoding("name"))
}

/// Encodes an extension value.
pub(crate) fn extension<T: Encode>(
    oid: der::asn1::ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, CertificateError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(|_| encoding("extension"))?)
            .map_err(|_| encoding("extension"))?,
    })
}

/// What to put in a certificate.
pub(crate) struct Issue<'a> {
    pub subject: Name,
    pub issuer: Name,
    pub public_key: SubjectPublicKeyInfoOwned,
    pub extensions: Vec<Extension>,
    pub validity_days: u32,
    pub signer: &'a PrivateKey,
    /// The issuer's SKI, written as the authorityKeyIdentifier (None: self-signed, use own).
    pub authority_key_id: Option<Vec<u8>>,
}

/// Signs a certificate: v3, random 128-bit serial, validity from one day ago (UTC, like Magnum)
/// for `validity_days`, the given extensions plus SKI (from the subject key) and AKI.
pub(crate) fn issue(spec: Issue<'_>) -> Result<Certificate, CertificateError> {
    let mut extensions = spec.extensions;
    let ski = key_identifier(&spec.public_key);
    let ski_oid = <SubjectKeyIdentifier as der::oid::AssociatedOid>::OID;
    let aki_oid = <AuthorityKeyIdentifier as der::oid::AssociatedOid>::OID;
    extensions.retain(|e| e.extn_id != ski_oid && e.extn_id != aki_oid);
    extensions.push(extension(
        ski_oid,
        false,
        &SubjectKeyIdentifier(OctetString::new(ski.clone()).map_err(|_| encoding("SKI"))?),
    )?);
    let authority = spec.authority_key_id.unwrap_or(ski);
    extensions.push(extension(
        aki_oid,
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(authority).map_err(|_| encoding("AKI"))?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    )?);

    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(|_| encoding("random serial"))?;
    serial[0] |= 0x01; // never zero, never a leading zero byte: always 128 bits
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let validity = Validity::new(
        Time::try_from(now - day).map_err(|_| encoding("notBefore"))?,
        Time::try_from(now + day * spec.validity_days).map_err(|_| encoding("notAfter"))?,
    );
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial).map_err(|_| encoding("serial"))?,
        signature: spec.signer.signature_algorithm(),
        issuer: spec.issuer,
        validity,
        subject: spec.subject,
        subject_public_key_info: spec.public_key,
        extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der().map_err(|_| encoding("TBSCertificate"))?;
    let signature = spec.signer.sign(&tbs_der)?;
    let signed = SignedCertificate {
        signature_algorithm: spec.signer.signature_algorithm(),
        tbs_certificate: tbs,
        signature: BitString::from_bytes(&signature).map_err(|_| encoding("signature"))?,
    };
    Certificate::from_der(&signed.to_der().map_err(|_| encoding("certificate"))?)
}

/// An X.509 certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    parsed: x509_cert::Certificate,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject().to_string())
            .field("issuer", &self.issuer().to_string())
            .field("serial", &self.serial_hex())
            .finish()
    }
}

impl Certificate {
    /// Parses DER.
    ///
    /// # Errors
    /// [`CertificateError::InvalidCertificate`].
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let parsed = x509_cert::Certificate::from_der(der)
            .map_err(|e| CertificateError::InvalidCertificate(e.to_string()))?;
        Ok(Self {
            der: der.to_vec(),
            parsed,
        })
    }

    /// Parses PEM (`-----BEGIN CERTIFICATE-----`).
    ///
    /// # Errors
    /// [`CertificateError::InvalidCertificate`].
    pub fn from_pem(pem: &str) -> Result<Self, CertificateError> {
        let parsed = x509_cert::Certificate::from_pem(pem.trim())
            .map_err(|e| CertificateError::InvalidCertificate(e.to_string()))?;
        let der = parsed
            .to_der()
            .map_err(|e| CertificateError::InvalidCertificate(e.to_string()))?;
        Ok(Self { der, parsed })
    }

    /// DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text (LF line endings, trailing newline).
    ///
    /// # Errors
    /// Encoding failure (not expected).
    pub fn to_pem(&self) -> Result<String, CertificateError> {
        self.parsed
            .to_pem(der::pem::LineEnding::LF)
            .map_err(|_| encoding("PEM"))
    }

    /// The parsed certificate (x509-cert), for anything not exposed here.
    pub fn parsed(&self) -> &x509_cert::Certificate {
        &self.parsed
    }

    /// Subject name.
    pub fn subject(&self) -> &Name {
        self.parsed.tbs_certificate().subject()
    }

    /// Issuer name.
    pub fn issuer(&self) -> &Name {
        self.parsed.tbs_certificate().issuer()
    }

    /// Serial number, lower-case hex, without DER's leading sign byte.
    pub fn serial_hex(&self) -> String {
        let bytes = self.parsed.tbs_certificate().serial_number().as_bytes();
        let trimmed = match bytes {
            [0, rest @ ..] if !rest.is_empty() => rest,
            all => all,
        };
        trimmed.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Start of validity.
    pub fn not_before(&self) -> SystemTime {
        self.parsed
            .tbs_certificate()
            .validity()
            .not_before
            .to_system_time()
    }

    /// End of validity.
    pub fn not_after(&self) -> SystemTime {
        self.parsed
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time()
    }

    /// The subject public key.
    pub fn public_key_info(&self) -> &SubjectPublicKeyInfoOwned {
        self.parsed.tbs_certificate().subject_public_key_info()
    }

    /// Extensions, in order.
    pub fn extensions(&self) -> &[Extension] {
        self.parsed
            .tbs_certificate()
            .extensions()
            .map(|e| e.as_slice())
            .unwrap_or_default()
    }

    /// The subjectKeyIdentifier value, if present.
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        let oid = <SubjectKeyIdentifier as der::oid::AssociatedOid>::OID;
        let ext = self.extensions().iter().find(|e| e.extn_id == oid)?;
        SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes())
            .ok()
            .map(|ski| ski.0.as_bytes().to_vec())
    }
}
