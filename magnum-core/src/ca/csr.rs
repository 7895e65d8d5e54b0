//! Building certificate signing requests (the client half of `openstack coe cluster config`:
//! a key and a CSR for `CN=admin, O=system:masters`), signed with the requester's key.

use der::asn1::{BitString, SetOfVec};
use der::{Any, Encode, EncodePem};
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use super::CertificateError;
use super::key::PrivateKey;

const EXTENSION_REQUEST: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

/// A PEM CSR for `subject` with `extensions` (none: no attribute), signed by `key`.
///
/// # Errors
/// Encoding or signing failures.
pub fn build_csr(
    key: &PrivateKey,
    subject: &Name,
    extensions: Vec<Extension>,
) -> Result<String, CertificateError> {
    let encoding = |what: &str| CertificateError::Encoding(format!("CSR {what}"));
    let mut attributes = SetOfVec::new();
    if !extensions.is_empty() {
        let mut values = SetOfVec::new();
        values
            .insert(Any::encode_from(&extensions).map_err(|_| encoding("extensions"))?)
            .map_err(|_| encoding("extensions"))?;
        attributes
            .insert(Attribute {
                oid: EXTENSION_REQUEST,
                values,
            })
            .map_err(|_| encoding("attributes"))?;
    }
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject.clone(),
        public_key: key.public_key_info()?,
        attributes,
    };
    let signature = key.sign(&info.to_der().map_err(|_| encoding("info"))?)?;
    let request = CertReq {
        info,
        algorithm: key.signature_algorithm(),
        signature: BitString::from_bytes(&signature).map_err(|_| encoding("signature"))?,
    };
    request
        .to_pem(der::pem::LineEnding::LF)
        .map_err(|_| encoding("PEM"))
}
