//! Private keys for the cluster CA: generation (RSA 2048/3072/4096, EC P-256) with aws-lc-rs,
//! PKCS#8 PEM export — plain, or encrypted PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) like
//! Magnum's `BestAvailableEncryption` — import of both, signing, and the public key as
//! SubjectPublicKeyInfo. Key bytes are zeroized on drop and never shown by `Debug`.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use der::asn1::{BitString, ObjectIdentifier};
use pkcs8::{EncryptedPrivateKeyInfoRef, LineEnding, PrivateKeyInfoRef, SecretDocument};
use secrecy::{ExposeSecret, SecretString};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use super::CertificateError;

/// rsaEncryption.
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption.
pub(crate) const SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// id-ecPublicKey.
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// prime256v1 / secp256r1.
pub(crate) const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1.
pub(crate) const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// ecdsa-with-SHA256.
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// PBKDF2 iterations for encrypted keys (what Magnum's cryptography 50 writes).
pub const PBKDF2_ITERATIONS: u32 = 2048;

/// Which key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyType {
    /// RSA 2048, e = 65537 (Magnum's default).
    #[default]
    Rsa2048,
    /// RSA 3072.
    Rsa3072,
    /// RSA 4096.
    Rsa4096,
    /// ECDSA P-256.
    EcP256,
}

enum Inner {
    Rsa(aws_lc_rs::rsa::KeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key (RSA or EC P-256) held as PKCS#8.
pub struct PrivateKey {
    inner: Inner,
    pkcs8: Zeroizing<Vec<u8>>,
    key_type: KeyType,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("type", &self.key_type)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

fn key_error(what: &str) -> CertificateError {
    CertificateError::Key(what.to_owned())
}

impl PrivateKey {
    /// Generates a fresh key with the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`CertificateError::Key`] if the crypto backend fails.
    pub fn generate(key_type: KeyType) -> Result<Self, CertificateError> {
        match key_type {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
                let size = match key_type {
                    KeyType::Rsa3072 => KeySize::Rsa3072,
                    KeyType::Rsa4096 => KeySize::Rsa4096,
                    _ => KeySize::Rsa2048,
                };
                let pair = aws_lc_rs::rsa::KeyPair::generate(size)
                    .map_err(|_| key_error("RSA key generation failed"))?;
                let der = pair
                    .as_der()
                    .map_err(|_| key_error("cannot encode the RSA key"))?;
                Self::from_pkcs8_der(der.as_ref())
            }
            KeyType::EcP256 => {
                let pair = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)
                    .map_err(|_| key_error("EC key generation failed"))?;
                let der = pair
                    .to_pkcs8v1()
                    .map_err(|_| key_error("cannot encode the EC key"))?;
                Self::from_pkcs8_der(der.as_ref())
            }
        }
    }

    /// Loads an unencrypted PKCS#8 DER key (RSA or EC P-256).
    ///
    /// # Errors
    /// [`CertificateError::Key`] for anything else.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CertificateError> {
        let info =
            PrivateKeyInfoRef::try_from(der).map_err(|_| key_error("not a PKCS#8 private key"))?;
        let oid = info.algorithm.oid;
        if oid == RSA_ENCRYPTION {
            let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(der)
                .map_err(|_| key_error("invalid RSA private key"))?;
            let key_type = match pair.public_modulus_len() * 8 {
                2048 => KeyType::Rsa2048,
                3072 => KeyType::Rsa3072,
                4096 => KeyType::Rsa4096,
                bits => {
                    return Err(key_error(&format!(
                        "RSA-{bits} keys are not supported (2048, 3072, 4096)"
                    )));
                }
            };
            Ok(Self {
                inner: Inner::Rsa(pair),
                pkcs8: Zeroizing::new(der.to_vec()),
                key_type,
            })
        } else if oid == EC_PUBLIC_KEY {
            let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der)
                .map_err(|_| key_error("only EC P-256 keys are supported"))?;
            Ok(Self {
                inner: Inner::Ec(pair),
                pkcs8: Zeroizing::new(der.to_vec()),
                key_type: KeyType::EcP256,
            })
        } else {
            Err(key_error(&format!("unsupported key algorithm {oid}")))
        }
    }

    /// Loads a PEM key: `PRIVATE KEY` (PKCS#8), or `ENCRYPTED PRIVATE KEY` with `passphrase`.
    ///
    /// # Errors
    /// [`CertificateError::Key`] for a wrong passphrase, a missing passphrase, or bad PEM.
    pub fn from_pem(
        pem: &str,
        passphrase: Option<&SecretString>,
    ) -> Result<Self, CertificateError> {
        let (label, doc) =
            SecretDocument::from_pem(pem.trim()).map_err(|_| key_error("not a PEM private key"))?;
        match (label, passphrase) {
            ("PRIVATE KEY", _) => Self::from_pkcs8_der(doc.as_bytes()),
            ("ENCRYPTED PRIVATE KEY", Some(passphrase)) => {
                let encrypted = EncryptedPrivateKeyInfoRef::try_from(doc.as_bytes())
                    .map_err(|_| key_error("not an encrypted PKCS#8 key"))?;
                let plain = encrypted
                    .decrypt(passphrase.expose_secret().as_bytes())
                    .map_err(|_| key_error("cannot decrypt the private key (wrong passphrase?)"))?;
                Self::from_pkcs8_der(plain.as_bytes())
            }
            ("ENCRYPTED PRIVATE KEY", None) => Err(key_error(
                "the private key is encrypted: a passphrase is needed",
            )),
            (other, _) => Err(key_error(&format!(
                "unsupported PEM label {other:?} (expected PRIVATE KEY)"
            ))),
        }
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// Encoding failure (not expected).
    pub fn to_pkcs8_pem(&self) -> Result<SecretString, CertificateError> {
        let doc = SecretDocument::try_from(self.pkcs8.as_slice())
            .map_err(|_| key_error("cannot encode the key"))?;
        let pem = doc
            .to_pem("PRIVATE KEY", LineEnding::LF)
            .map_err(|_| key_error("cannot encode the key"))?;
        Ok(SecretString::from(pem.to_string()))
    }

    /// The "traditional OpenSSL" PEM `openstack coe cluster config` writes: PKCS#1
    /// `RSA PRIVATE KEY` for RSA keys; EC keys stay PKCS#8 `PRIVATE KEY` (kubectl reads both).
    ///
    /// # Errors
    /// Encoding failure (not expected).
    pub fn to_traditional_pem(&self) -> Result<SecretString, CertificateError> {
        match self.inner {
            Inner::Rsa(_) => {
                let info = PrivateKeyInfoRef::try_from(self.pkcs8.as_slice())
                    .map_err(|_| key_error("cannot encode the key"))?;
                let pkcs1 = SecretDocument::try_from(info.private_key.as_bytes())
                    .map_err(|_| key_error("cannot encode the key"))?;
                let pem = pkcs1
                    .to_pem("RSA PRIVATE KEY", LineEnding::LF)
                    .map_err(|_| key_error("cannot encode the key"))?;
                Ok(SecretString::from(pem.to_string()))
            }
            Inner::Ec(_) => self.to_pkcs8_pem(),
        }
    }

    /// Encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`): PBES2 with
    /// PBKDF2-HMAC-SHA256 (2048 iterations, 16-byte random salt) and AES-256-CBC — readable by
    /// OpenSSL, Python `cryptography` and Magnum.
    ///
    /// # Errors
    /// [`CertificateError::Key`] if randomness or encryption fails.
    pub fn to_encrypted_pem(&self, passphrase: &SecretString) -> Result<String, CertificateError> {
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt).map_err(|_| key_error("random source failed"))?;
        aws_lc_rs::rand::fill(&mut iv).map_err(|_| key_error("random source failed"))?;
        let params = pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
            PBKDF2_ITERATIONS,
            &salt,
            iv,
        )
        .map_err(|_| key_error("cannot build PBES2 parameters"))?;
        let info = PrivateKeyInfoRef::try_from(self.pkcs8.as_slice())
            .map_err(|_| key_error("cannot encode the key"))?;
        let encrypted = info
            .encrypt_with_params(params, passphrase.expose_secret().as_bytes())
            .map_err(|_| key_error("key encryption failed"))?;
        encrypted
            .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| key_error("cannot encode the encrypted key"))
    }

    /// The public key as SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// Encoding failure (not expected).
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, CertificateError> {
        let (algorithm, bits) = match &self.inner {
            Inner::Rsa(pair) => (
                AlgorithmIdentifierOwned {
                    oid: RSA_ENCRYPTION,
                    parameters: Some(der::asn1::Null.into()),
                },
                pair.public_key().as_ref().to_vec(),
            ),
            Inner::Ec(pair) => (
                AlgorithmIdentifierOwned {
                    oid: EC_PUBLIC_KEY,
                    parameters: Some(
                        der::Any::encode_from(&P256)
                            .map_err(|_| key_error("cannot encode EC parameters"))?,
                    ),
                },
                pair.public_key().as_ref().to_vec(),
            ),
        };
        Ok(SubjectPublicKeyInfoOwned {
            algorithm,
            subject_public_key: BitString::from_bytes(&bits)
                .map_err(|_| key_error("cannot encode the public key"))?,
        })
    }

    /// The signature algorithm this key signs certificates with (SHA-256 based).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self.inner {
            Inner::Rsa(_) => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(der::asn1::Null.into()),
            },
            Inner::Ec(_) => AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            },
        }
    }

    /// Signs `message` (SHA-256, PKCS#1 v1.5 for RSA, DER ECDSA for EC).
    ///
    /// # Errors
    /// [`CertificateError::Key`] if the backend fails.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CertificateError> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(pair) => {
                let mut signature = vec![0u8; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| key_error("RSA signing failed"))?;
                Ok(signature)
            }
            Inner::Ec(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| key_error("EC signing failed")),
        }
    }
}

/// SHA-1 of the subjectPublicKey bits: RFC 5280's method (1) key identifier, as OpenSSL and
/// Python `cryptography` compute it.
pub(crate) fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        spki.subject_public_key.raw_bytes(),
    )
    .as_ref()
    .to_vec()
}
