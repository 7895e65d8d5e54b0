//! The cluster CA checked by tools we did not write: every certificate goes through
//! `openssl x509 -text` and `openssl verify`, every encrypted key through `openssl pkey` and
//! `openssl asn1parse`, and CSRs come from `openssl req`. Hostile CSRs get typed errors.
//! Magnum's own x509 test vectors (`test_validator.py`, `test_sign.py`) are ported here.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::path::Path;
use std::process::Command;

use common::TestDir;
use magnum_core::ca::{
    CaOptions, Certificate, CertificateError, CertifiedKey, ExtensionKind, KeyType, KeyUsageBit,
    PrivateKey, SigningPolicy, generate_bundle, generate_ca, short_id, sign_csr,
};
use secrecy::{ExposeSecret, SecretString};

fn workdir() -> TestDir {
    TestDir::new("ca")
}

/// Runs openssl; returns (success, stdout + stderr).
fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed (scripts/test.sh installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn text_of(dir: &Path, cert: &Certificate, name: &str) -> String {
    write(dir, name, &cert.to_pem().unwrap());
    let (ok, text) = openssl(dir, &["x509", "-in", name, "-noout", "-text"]);
    assert!(ok, "{text}");
    text
}

fn verify(dir: &Path, ca: &Certificate, leaf: &Certificate) -> String {
    write(dir, "ca.pem", &ca.to_pem().unwrap());
    write(dir, "leaf.pem", &leaf.to_pem().unwrap());
    let (ok, text) = openssl(dir, &["verify", "-CAfile", "ca.pem", "leaf.pem"]);
    assert!(ok, "openssl verify failed: {text}");
    text
}

/// An openssl-made CSR (and its key) for `subject` with extra `req` arguments.
fn openssl_csr(dir: &Path, key_args: &[&str], subject: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "req", "-new", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", subject,
    ];
    args.extend_from_slice(key_args);
    args.extend_from_slice(extra);
    let (ok, text) = openssl(dir, &args);
    assert!(ok, "{text}");
    std::fs::read_to_string(dir.join("node.csr")).unwrap()
}

fn rsa() -> [&'static str; 2] {
    ["-newkey", "rsa:2048"]
}

fn cluster_ca() -> CertifiedKey {
    generate_ca("k8s-prod", &CaOptions::default()).unwrap()
}

#[test]
fn the_bundle_has_magnums_profiles() {
    let dir = workdir();
    let bundle = generate_bundle("k8s-prod", &CaOptions::default()).unwrap();
    for (name, ca) in [
        ("cluster", &bundle.cluster_ca),
        ("etcd", &bundle.etcd_ca),
        ("front-proxy", &bundle.front_proxy_ca),
    ] {
        let text = text_of(&dir, &ca.certificate, &format!("{name}.pem"));
        assert!(
            text.contains("Issuer: CN = k8s-prod") && text.contains("Subject: CN = k8s-prod"),
            "{text}"
        );
        assert!(
            text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0"),
            "{text}"
        );
        assert!(
            text.contains("X509v3 Key Usage: critical\n                Certificate Sign\n"),
            "{text}"
        );
        assert!(
            text.contains("X509v3 Subject Key Identifier")
                && text.contains("X509v3 Authority Key Identifier"),
            "{text}"
        );
        assert!(
            text.contains("Public-Key: (2048 bit)") && text.contains("Exponent: 65537"),
            "{text}"
        );
        assert!(text.contains("sha256WithRSAEncryption"), "{text}");
        assert!(text.contains("Version: 3 (0x2)"), "{text}");
    }
    assert_ne!(
        bundle.cluster_ca.certificate.public_key_info(),
        bundle.etcd_ca.certificate.public_key_info(),
        "independent keys"
    );
    let admin = text_of(&dir, &bundle.admin.certificate, "admin.pem");
    assert!(
        admin.contains("Subject: CN = admin, O = system:masters"),
        "{admin}"
    );
    assert!(
        admin.contains(
            "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"
        ),
        "{admin}"
    );
    assert!(
        admin
            .contains("X509v3 Extended Key Usage: \n                TLS Web Client Authentication"),
        "{admin}"
    );
    assert!(
        admin.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"),
        "{admin}"
    );
    verify(
        &dir,
        &bundle.cluster_ca.certificate,
        &bundle.admin.certificate,
    );
    assert_eq!(
        bundle.ca(None).unwrap().certificate,
        bundle.cluster_ca.certificate
    );
    assert_eq!(
        bundle.ca(Some("etcd")).unwrap().certificate,
        bundle.etcd_ca.certificate
    );
    assert_eq!(
        bundle.ca(Some("front-proxy")).unwrap().certificate,
        bundle.front_proxy_ca.certificate
    );
    assert_eq!(
        bundle.ca(Some("front_proxy")).unwrap().certificate,
        bundle.front_proxy_ca.certificate
    );
    assert!(matches!(
        bundle.ca(Some("Kubernetes")),
        Err(CertificateError::UnknownCaType(_))
    ));
}

#[test]
fn validity_is_utc_one_day_back_and_term_forward_with_random_128_bit_serials() {
    let ca = cluster_ca();
    let now = std::time::SystemTime::now();
    let back = now
        .duration_since(ca.certificate.not_before())
        .unwrap()
        .as_secs();
    let forward = ca
        .certificate
        .not_after()
        .duration_since(now)
        .unwrap()
        .as_secs();
    assert!((86_390..=86_410).contains(&back), "{back}");
    assert!(
        (1825 * 86_400 - 10..=1825 * 86_400 + 10).contains(&forward),
        "{forward}"
    );
    let other = cluster_ca();
    assert_ne!(ca.certificate.serial_hex(), other.certificate.serial_hex());
    assert_eq!(
        ca.certificate.serial_hex().len(),
        32,
        "16 bytes, never shortened"
    );
}

#[test]
fn ec_p256_and_larger_rsa_keys_work_end_to_end() {
    let dir = workdir();
    for key_type in [KeyType::EcP256, KeyType::Rsa3072] {
        let options = CaOptions::new().key_type(key_type);
        let bundle = generate_bundle("k8s-ec", &options).unwrap();
        let text = text_of(&dir, &bundle.cluster_ca.certificate, "ca.pem");
        match key_type {
            KeyType::EcP256 => assert!(
                text.contains("ecdsa-with-SHA256") && text.contains("prime256v1"),
                "{text}"
            ),
            _ => assert!(text.contains("(3072 bit)"), "{text}"),
        }
        verify(
            &dir,
            &bundle.cluster_ca.certificate,
            &bundle.admin.certificate,
        );
    }
}

#[test]
fn encrypted_keys_are_pbes2_and_readable_by_openssl_both_ways() {
    let dir = workdir();
    let ca = cluster_ca();
    let passphrase = short_id().unwrap();
    let pem = ca.key.to_encrypted_pem(&passphrase).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    write(&dir, "ca.key", &pem);
    let pass = format!("pass:{}", passphrase.expose_secret());
    let (ok, text) = openssl(&dir, &["pkey", "-in", "ca.key", "-passin", &pass, "-noout"]);
    assert!(ok, "{text}");
    let (ok, _) = openssl(
        &dir,
        &["pkey", "-in", "ca.key", "-passin", "pass:wrong", "-noout"],
    );
    assert!(!ok, "a wrong passphrase must fail");
    let (_, asn1) = openssl(&dir, &["asn1parse", "-in", "ca.key"]);
    for part in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"] {
        assert!(asn1.contains(part), "{part} missing: {asn1}");
    }
    assert!(asn1.contains(":0800"), "2048 iterations: {asn1}");
    // Our encrypted key loads back and still matches the certificate.
    let reloaded =
        CertifiedKey::from_pem(&ca.certificate.to_pem().unwrap(), &pem, Some(&passphrase)).unwrap();
    assert_eq!(reloaded.key.key_type(), KeyType::Rsa2048);
    assert!(
        matches!(PrivateKey::from_pem(&pem, None), Err(CertificateError::Key(m)) if m.contains("passphrase is needed"))
    );
    assert!(PrivateKey::from_pem(&pem, Some(&SecretString::from("nope".to_owned()))).is_err());
    // A key openssl encrypted the same way loads in Rust.
    let (ok, text) = openssl(
        &dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "plain.key",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = openssl(
        &dir,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "plain.key",
            "-out",
            "enc.key",
            "-v2",
            "aes-256-cbc",
            "-v2prf",
            "hmacWithSHA256",
            "-iter",
            "2048",
            "-passout",
            "pass:s3cret",
        ],
    );
    assert!(ok, "{text}");
    let theirs = std::fs::read_to_string(dir.join("enc.key")).unwrap();
    let key =
        PrivateKey::from_pem(&theirs, Some(&SecretString::from("s3cret".to_owned()))).unwrap();
    assert!(!format!("{key:?}").contains("BEGIN"), "Debug redacts");
}

#[test]
fn node_csrs_keep_repeated_organizations_and_requested_names() {
    let dir = workdir();
    let ca = cluster_ca();
    let csr = openssl_csr(
        &dir,
        &rsa(),
        "/CN=system:node:node-0/O=system:nodes/O=system:masters",
        &[
            "-addext",
            "subjectAltName=DNS:node-0,IP:10.0.0.5",
            "-addext",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "-addext",
            "extendedKeyUsage=serverAuth,clientAuth",
        ],
    );
    let signed = sign_csr(&csr, &ca, &SigningPolicy::default()).unwrap();
    assert_eq!(signed.report, Default::default(), "nothing changed");
    let text = text_of(&dir, &signed.certificate, "node.pem");
    assert!(
        text.contains("Subject: CN = system:node:node-0, O = system:nodes, O = system:masters"),
        "{text}"
    );
    assert!(text.contains("Issuer: CN = k8s-prod"), "{text}");
    assert!(text.contains("DNS:node-0, IP Address:10.0.0.5"), "{text}");
    assert!(
        text.contains("TLS Web Server Authentication, TLS Web Client Authentication"),
        "{text}"
    );
    verify(&dir, &ca.certificate, &signed.certificate);
    // The subject DER is the CSR's, byte for byte.
    let (_, csr_subject) = openssl(
        &dir,
        &[
            "req", "-in", "node.csr", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    let (_, cert_subject) = openssl(
        &dir,
        &[
            "x509", "-in", "node.pem", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    assert_eq!(
        csr_subject.trim_start_matches("subject="),
        cert_subject.trim_start_matches("subject=")
    );
    // Identifiers: exactly one SKI (the node key's), AKI = the CA's SKI.
    assert_eq!(text.matches("X509v3 Subject Key Identifier").count(), 1);
    let ca_ski = ca.certificate.subject_key_id().unwrap();
    let hex: Vec<String> = ca_ski.iter().map(|b| format!("{b:02X}")).collect();
    assert!(
        text.contains(&hex.join(":")),
        "AKI names the CA key: {text}"
    );
}

#[test]
fn ec_csrs_are_signed() {
    let dir = workdir();
    let ca = cluster_ca();
    let csr = openssl_csr(
        &dir,
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "/CN=etcd-0",
        &[],
    );
    let signed = sign_csr(&csr, &ca, &SigningPolicy::default()).unwrap();
    verify(&dir, &ca.certificate, &signed.certificate);
}

#[test]
fn hostile_csrs_get_typed_errors() {
    let dir = workdir();
    let ca = cluster_ca();
    let policy = SigningPolicy::default();

    // Corrupted signature: no proof of possession.
    let csr = openssl_csr(&dir, &rsa(), "/CN=mallory", &[]);
    let (_, der) = der_of(&csr);
    let mut bad = der.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    assert_eq!(
        sign_csr(&pem_of(&bad), &ca, &policy).unwrap_err(),
        CertificateError::BadSignature
    );

    // Critical CA:TRUE refused; non-critical rewritten to CA:FALSE.
    let critical_ca = openssl_csr(
        &dir,
        &rsa(),
        "/CN=ca",
        &["-addext", "basicConstraints=critical,CA:TRUE"],
    );
    assert_eq!(
        sign_csr(&critical_ca, &ca, &policy).unwrap_err(),
        CertificateError::CaNotAllowed
    );
    let soft_ca = openssl_csr(
        &dir,
        &rsa(),
        "/CN=ca",
        &["-addext", "basicConstraints=CA:TRUE"],
    );
    let signed = sign_csr(&soft_ca, &ca, &policy).unwrap();
    assert!(signed.report.ca_rewritten);
    assert!(text_of(&dir, &signed.certificate, "soft.pem").contains("CA:FALSE"));

    // keyCertSign: critical refused naming the bit; non-critical cleared.
    let key_cert_sign = openssl_csr(
        &dir,
        &rsa(),
        "/CN=x",
        &["-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
    );
    assert_eq!(
        sign_csr(&key_cert_sign, &ca, &policy).unwrap_err(),
        CertificateError::KeyUsageNotAllowed(vec!["Certificate Sign".into()])
    );
    let soft_usage = openssl_csr(
        &dir,
        &rsa(),
        "/CN=x",
        &["-addext", "keyUsage=digitalSignature,keyCertSign,cRLSign"],
    );
    let signed = sign_csr(&soft_usage, &ca, &policy).unwrap();
    assert_eq!(
        signed.report.cleared_key_usage,
        vec![KeyUsageBit::CertificateSign, KeyUsageBit::CrlSign]
    );
    let text = text_of(&dir, &signed.certificate, "usage.pem");
    assert!(
        text.contains("X509v3 Key Usage: \n                Digital Signature\n"),
        "{text}"
    );

    // A CSR carrying its own SKI: exactly one SKI in the result (Magnum crashes here).
    let with_ski = openssl_csr(
        &dir,
        &rsa(),
        "/CN=x",
        &["-addext", "subjectKeyIdentifier=hash"],
    );
    let signed = sign_csr(&with_ski, &ca, &policy).unwrap();
    assert!(signed.report.ski_replaced);
    assert_eq!(
        text_of(&dir, &signed.certificate, "ski.pem")
            .matches("Subject Key Identifier")
            .count(),
        1
    );

    // Unknown critical extension refused by OID; unknown non-critical dropped and reported.
    let unknown_critical = openssl_csr(
        &dir,
        &rsa(),
        "/CN=x",
        &["-addext", "1.2.3.4=critical,DER:05:00"],
    );
    assert_eq!(
        sign_csr(&unknown_critical, &ca, &policy).unwrap_err(),
        CertificateError::ExtensionNotAllowed("1.2.3.4".into())
    );
    let comment = openssl_csr(&dir, &rsa(), "/CN=x", &["-addext", "nsComment=hello"]);
    let signed = sign_csr(&comment, &ca, &policy).unwrap();
    assert_eq!(
        signed.report.dropped_extensions,
        vec!["2.16.840.1.113730.1.13".to_owned()]
    );

    // Garbage, the wrong PEM type, huge input, Magnum's 'test' vector: InvalidCsr, no panic.
    for garbage in [
        "test",
        "",
        "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----",
    ] {
        assert!(
            matches!(
                sign_csr(garbage, &ca, &policy),
                Err(CertificateError::InvalidCsr(_))
            ),
            "{garbage:?}"
        );
    }
    let cert_pem = ca.certificate.to_pem().unwrap();
    assert!(
        matches!(sign_csr(&cert_pem, &ca, &policy), Err(CertificateError::InvalidCsr(m)) if m.contains("CERTIFICATE"))
    );
    let huge = "A".repeat(10 * 1024 * 1024);
    assert!(
        matches!(sign_csr(&huge, &ca, &policy), Err(CertificateError::InvalidCsr(m)) if m.contains("at most"))
    );
}

fn der_of(pem: &str) -> (String, Vec<u8>) {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine;
    (
        "CERTIFICATE REQUEST".into(),
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap(),
    )
}

fn pem_of(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}

/// Magnum `test_validator.py` / `test_sign.py` vectors on our policy.
#[test]
fn magnums_validator_vectors() {
    let dir = workdir();
    let ca = cluster_ca();
    // 1. keyUsage allowed → kept; only subjectAltName allowed → non-critical dropped, critical refused.
    let critical_ku = openssl_csr(
        &dir,
        &rsa(),
        "/CN=v",
        &[
            "-addext",
            "keyUsage=critical,digitalSignature,keyEncipherment",
        ],
    );
    let only_ku = SigningPolicy::new().allowed_extensions(vec![ExtensionKind::KeyUsage]);
    assert!(
        sign_csr(&critical_ku, &ca, &only_ku)
            .unwrap()
            .report
            .dropped_extensions
            .is_empty()
    );
    let only_san = SigningPolicy::new().allowed_extensions(vec![ExtensionKind::SubjectAltName]);
    assert_eq!(
        sign_csr(&critical_ku, &ca, &only_san).unwrap_err(),
        CertificateError::ExtensionNotAllowed("keyUsage".into())
    );
    let soft_ku = openssl_csr(
        &dir,
        &rsa(),
        "/CN=v",
        &["-addext", "keyUsage=digitalSignature,keyEncipherment"],
    );
    assert_eq!(
        sign_csr(&soft_ku, &ca, &only_san)
            .unwrap()
            .report
            .dropped_extensions,
        vec!["keyUsage".to_owned()]
    );
    // 2. merge key usage: only Digital Signature allowed.
    let ds_only = SigningPolicy::new().allowed_key_usage(vec![KeyUsageBit::DigitalSignature]);
    assert_eq!(
        sign_csr(&soft_ku, &ca, &ds_only)
            .unwrap()
            .report
            .cleared_key_usage,
        vec![KeyUsageBit::KeyEncipherment]
    );
    assert_eq!(
        sign_csr(&critical_ku, &ca, &ds_only).unwrap_err(),
        CertificateError::KeyUsageNotAllowed(vec!["Key Encipherment".into()])
    );
    // 3. CA:FALSE unchanged.
    let not_ca = openssl_csr(
        &dir,
        &rsa(),
        "/CN=v",
        &["-addext", "basicConstraints=CA:FALSE"],
    );
    assert!(
        !sign_csr(&not_ca, &ca, &SigningPolicy::default())
            .unwrap()
            .report
            .ca_rewritten
    );
    // 4. CA usages are removed unless allow_ca, even when listed as allowed.
    let listed = SigningPolicy::new().allowed_key_usage(vec![
        KeyUsageBit::DigitalSignature,
        KeyUsageBit::CertificateSign,
        KeyUsageBit::CrlSign,
    ]);
    let ca_usages = openssl_csr(
        &dir,
        &rsa(),
        "/CN=v",
        &["-addext", "keyUsage=digitalSignature,keyCertSign,cRLSign"],
    );
    assert_eq!(
        sign_csr(&ca_usages, &ca, &listed)
            .unwrap()
            .report
            .cleared_key_usage
            .len(),
        2
    );
    let allow_ca = listed.allow_ca(true);
    assert!(
        sign_csr(&ca_usages, &ca, &allow_ca)
            .unwrap()
            .report
            .cleared_key_usage
            .is_empty()
    );
    // Names map both ways.
    assert_eq!(
        ExtensionKind::from_name("subjectAltName"),
        Some(ExtensionKind::SubjectAltName)
    );
    assert_eq!(
        KeyUsageBit::from_name("CRL Sign"),
        Some(KeyUsageBit::CrlSign)
    );
}

#[test]
fn csrs_built_here_are_accepted_by_openssl() {
    let dir = workdir();
    let key = PrivateKey::generate(KeyType::Rsa2048).unwrap();
    let subject = magnum_core::ca::cert::name(&[
        (der_oid("2.5.4.3"), "admin"),
        (der_oid("2.5.4.10"), "system:masters"),
    ])
    .unwrap();
    let csr = magnum_core::ca::build_csr(&key, &subject, Vec::new()).unwrap();
    write(&dir, "admin.csr", &csr);
    let (ok, text) = openssl(
        &dir,
        &["req", "-in", "admin.csr", "-noout", "-verify", "-subject"],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("CN = admin, O = system:masters")
            || text.contains("CN=admin, O=system:masters"),
        "{text}"
    );
}

fn der_oid(text: &str) -> der::asn1::ObjectIdentifier {
    der::asn1::ObjectIdentifier::new(text).unwrap()
}

/// Python `cryptography` (the library Magnum itself uses) loads our encrypted PKCS#8 keys with
/// the passphrase, matches them to their certificates, and verifies the chain.
#[test]
#[ignore = "needs Python with cryptography: scripts/test.sh sets CRYPTO_PYTHON"]
fn python_cryptography_reads_our_keys_and_chains() {
    let python =
        std::env::var("CRYPTO_PYTHON").expect("CRYPTO_PYTHON is not set: run scripts/test.sh");
    let dir = workdir();
    for key_type in [KeyType::Rsa2048, KeyType::EcP256] {
        let bundle = generate_bundle("k8s-py", &CaOptions::new().key_type(key_type)).unwrap();
        let passphrase = short_id().unwrap();
        write(
            &dir,
            "ca.pem",
            &bundle.cluster_ca.certificate.to_pem().unwrap(),
        );
        write(
            &dir,
            "ca.key",
            &bundle.cluster_ca.key.to_encrypted_pem(&passphrase).unwrap(),
        );
        write(
            &dir,
            "admin.pem",
            &bundle.admin.certificate.to_pem().unwrap(),
        );
        write(
            &dir,
            "admin.key",
            bundle.admin.key.to_pkcs8_pem().unwrap().expose_secret(),
        );
        let script = r#"
import sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
d, password = sys.argv[1], sys.argv[2].encode()
ca = x509.load_pem_x509_certificate(open(d + "/ca.pem", "rb").read())
admin = x509.load_pem_x509_certificate(open(d + "/admin.pem", "rb").read())
ca_key = serialization.load_pem_private_key(open(d + "/ca.key", "rb").read(), password=password)
admin_key = serialization.load_pem_private_key(open(d + "/admin.key", "rb").read(), password=None)
pub = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
assert pub(ca_key.public_key()) == pub(ca.public_key()), "CA key does not match"
assert pub(admin_key.public_key()) == pub(admin.public_key()), "admin key does not match"
admin.verify_directly_issued_by(ca)
bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
assert bc.critical and bc.value.ca and bc.value.path_length == 0
names = [a.value for a in admin.subject]
assert names == ["admin", "system:masters"], names
aki = admin.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
assert aki == ski
assert x509.SubjectKeyIdentifier.from_public_key(ca.public_key()).digest == ski, "RFC 5280 method 1"
print("ok")
"#;
        let out = Command::new(&python)
            .args([
                "-c",
                script,
                dir.to_str().unwrap(),
                passphrase.expose_secret(),
            ])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.trim() == "ok",
            "{key_type:?}: {text}"
        );
    }
}

mod stores {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use magnum_core::ca::{
        CaOptions, CertStore, CertificateError, LocalCertStore, MemoryCertStore, SigningPolicy,
        StoredCert, delete_certificates_from_cluster, generate_certificates_to_cluster,
        get_cluster_ca_certificate, rotate_ca, sign_node_certificate,
    };
    use secrecy::ExposeSecret;

    use super::{openssl, openssl_csr, rsa, workdir, write};

    #[test]
    fn local_store_keeps_magnums_layout_private_and_signs_with_the_right_ca() {
        let dir = workdir();
        let store = LocalCertStore::new(dir.join("certs")).unwrap();
        let refs = generate_certificates_to_cluster(&store, "k8s-prod", &CaOptions::new()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for reference in [
            &refs.ca_cert_ref,
            &refs.etcd_ca_cert_ref,
            &refs.front_proxy_ca_cert_ref,
            &refs.magnum_cert_ref,
        ] {
            for ext in ["crt", "key", "pass"] {
                let meta =
                    std::fs::metadata(store.dir().join(format!("{reference}.{ext}"))).unwrap();
                assert_eq!(
                    meta.permissions().mode() & 0o777,
                    0o600,
                    "{reference}.{ext}"
                );
            }
            let key =
                std::fs::read_to_string(store.dir().join(format!("{reference}.key"))).unwrap();
            assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        }
        // A node CSR signed with the etcd CA verifies against the etcd CA only.
        let csr = openssl_csr(&dir, &rsa(), "/CN=etcd-member", &[]);
        let signed =
            sign_node_certificate(&store, &refs, Some("etcd"), &csr, &SigningPolicy::new())
                .unwrap();
        write(
            &dir,
            "etcd-ca.pem",
            &get_cluster_ca_certificate(&store, &refs, Some("etcd")).unwrap(),
        );
        write(
            &dir,
            "k8s-ca.pem",
            &get_cluster_ca_certificate(&store, &refs, None).unwrap(),
        );
        write(&dir, "member.pem", &signed.certificate.to_pem().unwrap());
        assert!(openssl(&dir, &["verify", "-CAfile", "etcd-ca.pem", "member.pem"]).0);
        assert!(
            !openssl(&dir, &["verify", "-CAfile", "k8s-ca.pem", "member.pem"]).0,
            "not the kubernetes CA"
        );
        assert!(matches!(
            sign_node_certificate(&store, &refs, Some("bogus"), &csr, &SigningPolicy::new()),
            Err(CertificateError::UnknownCaType(_))
        ));
        // The conductor's client certificate (magnum_cert_ref) chains to the cluster CA.
        let magnum = store.load(&refs.magnum_cert_ref).unwrap();
        write(&dir, "magnum.pem", &magnum.certificate);
        assert!(openssl(&dir, &["verify", "-CAfile", "k8s-ca.pem", "magnum.pem"]).0);
        // References cannot escape the directory.
        assert!(matches!(
            store.load("../../etc/passwd"),
            Err(CertificateError::Storage(_))
        ));
    }

    #[test]
    fn rotation_makes_a_new_set_and_keeps_the_old_until_deleted() {
        let store = MemoryCertStore::new();
        let old = generate_certificates_to_cluster(&store, "k8s", &CaOptions::new()).unwrap();
        let new = rotate_ca(&store, "k8s", &CaOptions::new()).unwrap();
        assert_ne!(old.ca_cert_ref, new.ca_cert_ref);
        let old_ca = get_cluster_ca_certificate(&store, &old, None).unwrap();
        let new_ca = get_cluster_ca_certificate(&store, &new, None).unwrap();
        assert_ne!(old_ca, new_ca, "a new CA");
        assert_eq!(store.len(), 8, "old set still readable");
        assert!(delete_certificates_from_cluster(&store, &old).is_empty());
        assert!(get_cluster_ca_certificate(&store, &old, None).is_err());
        assert!(get_cluster_ca_certificate(&store, &new, None).is_ok());
        assert!(
            delete_certificates_from_cluster(&store, &old).is_empty(),
            "deleting twice is fine"
        );
        // The x509keypair table survives a JSON round trip.
        let saved = store.to_json().unwrap();
        let restored = MemoryCertStore::from_json(&saved).unwrap();
        let dir = workdir();
        let csr = openssl_csr(&dir, &rsa(), "/CN=node", &[]);
        assert!(
            sign_node_certificate(
                &restored,
                &new,
                Some("front-proxy"),
                &csr,
                &SigningPolicy::new()
            )
            .is_ok()
        );
        assert!(!format!("{restored:?}").contains(saved.expose_secret()));
    }

    /// A store that fails on its n-th write.
    struct Flaky {
        inner: MemoryCertStore,
        fail_at: usize,
        calls: AtomicUsize,
    }

    impl CertStore for Flaky {
        fn store(&self, name: &str, certificate: &StoredCert) -> Result<String, CertificateError> {
            if self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_at {
                return Err(CertificateError::Storage("disk full".into()));
            }
            self.inner.store(name, certificate)
        }
        fn load(&self, reference: &str) -> Result<StoredCert, CertificateError> {
            self.inner.load(reference)
        }
        fn delete(&self, reference: &str) -> Result<(), CertificateError> {
            self.inner.delete(reference)
        }
    }

    #[test]
    fn a_failed_store_leaves_nothing_behind() {
        let flaky = Flaky {
            inner: MemoryCertStore::new(),
            fail_at: 3,
            calls: AtomicUsize::new(0),
        };
        let err = generate_certificates_to_cluster(&flaky, "k8s", &CaOptions::new()).unwrap_err();
        assert_eq!(err, CertificateError::Storage("disk full".into()));
        assert!(
            flaky.inner.is_empty(),
            "the two stored objects were removed"
        );
    }
}

/// The reason each `refused-*` CSR of the corpus must be refused for.
fn expected_refusal(name: &str) -> &'static str {
    for (part, reason) in [
        ("rsa1024", "RSA-1024: at least 2048 bits are accepted"),
        ("rsa512", "RSA-512: at least 2048 bits are accepted"),
        ("md5", "signed with MD5"),
        ("sha1", "signed with SHA-1"),
        ("pss", "RSASSA-PSS"),
        ("sha224", "SHA-224 signatures with a RSA-2048 key"),
        ("secp256k1", "secp256k1"),
        ("bad-signature", "signature does not verify"),
        (
            "critical-keycertsign",
            "keyUsage bits not allowed: Certificate Sign",
        ),
        ("critical-ca-true", "allow_ca is off"),
        (
            "critical-name-constraints",
            "Extension 'nameConstraints' not allowed",
        ),
        (
            "critical-policy",
            "Extension 'certificatePolicies' not allowed",
        ),
    ] {
        if name.contains(part) {
            return reason;
        }
    }
    panic!("no expected reason for {name}")
}

#[test]
fn csr_corpus_outcomes_reasons_and_the_doctor_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/csr");
    let ca = cluster_ca();
    let policy = SigningPolicy::default();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pem"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} CSRs", files.len());
    let (mut signed, mut refused) = (0, 0);
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let pem = std::fs::read_to_string(path).unwrap();
        let outcome = sign_csr(&pem, &ca, &policy);
        let checked = magnum_core::doctor::access::check_client_csr(&pem, true);
        let doctor_error = match &checked {
            Err(_) => true,
            Ok(findings) => findings
                .iter()
                .any(|f| f.severity == magnum_core::doctor::Severity::Error),
        };
        assert_eq!(
            outcome.is_err(),
            doctor_error,
            "{name}: sign_csr {:?} but check_client_csr {checked:?}",
            outcome.as_ref().err()
        );
        if name.starts_with("ok-") {
            let signed_csr = outcome.unwrap_or_else(|e| panic!("{name}: refused: {e}"));
            assert!(
                signed_csr
                    .certificate
                    .to_pem()
                    .unwrap()
                    .contains("BEGIN CERTIFICATE"),
                "{name}"
            );
            signed += 1;
        } else {
            let err = outcome
                .err()
                .unwrap_or_else(|| panic!("{name}: was signed"));
            let reason = expected_refusal(&name);
            assert!(
                err.to_string().contains(reason),
                "{name}: {err} (want {reason:?})"
            );
            // The doctor carries the same reason.
            let findings = checked.unwrap();
            assert!(
                findings
                    .iter()
                    .any(|f| f.message.contains(&err.to_string())),
                "{name}: {findings:?}"
            );
            refused += 1;
        }
    }
    println!("CSR corpus: {signed} signed, {refused} refused, doctor agreed on all");
    assert!(signed >= 15 && refused >= 15, "{signed} / {refused}");
}

#[test]
fn absurd_issuer_names_are_refused_by_name() {
    for (name, why) in [
        ("a\0b".to_owned(), "control character"),
        ("x".repeat(100_000), "100000 characters"),
        (String::new(), "0 characters"),
    ] {
        let err = generate_bundle(&name, &CaOptions::default()).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
        let err = generate_ca(&name, &CaOptions::default()).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
    }
    generate_ca(
        &"x".repeat(242),
        &CaOptions::new().key_type(KeyType::EcP256),
    )
    .unwrap();
}
