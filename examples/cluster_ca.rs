//! The conductor half of Magnum's certificate handling, offline: make a cluster's CA set in a
//! local certificate store (Magnum's `local` layout, 0600 files), sign a node CSR with the etcd
//! CA, write an admin kubeconfig from the stored client certificate, rotate the CA and clean up.
//!
//! `cargo run -p magnum-examples --example cluster_ca -- [DIR]`

use std::time::{Duration, SystemTime};

use anyhow::Context;
use magnum_core::ca::cert::{CN, O, name};
use magnum_core::ca::{
    CaOptions, CertStore, KeyType, LocalCertStore, PrivateKey, SigningPolicy, build_csr,
    delete_certificates_from_cluster, generate_certificates_to_cluster, get_cluster_ca_certificate,
    rotate_ca, sign_node_certificate,
};
use magnum_core::kubeconfig::{self, AccessMode, Naming};
use secrecy::ExposeSecret;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("magnum-rs-cluster-ca-{}", std::process::id()))
        });
    let store = LocalCertStore::new(dir.join("certificates"))?;
    println!(
        "[1] certificates for cluster k8s-prod in {}",
        store.dir().display()
    );
    let started = std::time::Instant::now();
    let refs = generate_certificates_to_cluster(&store, "k8s-prod", &CaOptions::new())?;
    println!(
        "    cluster CA, etcd CA, front-proxy CA and admin client in {:?}",
        started.elapsed()
    );
    println!("    refs: {}", serde_json::to_string(&refs)?);

    println!("[2] a kubelet asks the etcd CA to sign its CSR");
    let node_key = PrivateKey::generate(KeyType::EcP256)?;
    let subject = name(&[(CN, "system:node:node-0"), (O, "system:nodes")])?;
    let csr = build_csr(&node_key, &subject, Vec::new())?;
    let signed = sign_node_certificate(&store, &refs, Some("etcd"), &csr, &SigningPolicy::new())?;
    println!(
        "    issued {} serial {} (changes: {:?})",
        signed.certificate.subject(),
        signed.certificate.serial_hex(),
        signed.report
    );

    println!("[3] an admin kubeconfig from the stored client certificate");
    let admin = store.load(&refs.magnum_cert_ref)?.certified_key()?;
    let mode = AccessMode::Certificate {
        ca_pem: get_cluster_ca_certificate(&store, &refs, None)?,
        cert_pem: admin.certificate.to_pem()?,
        key_pem: admin.key.to_traditional_pem()?,
    };
    let config = kubeconfig::render(
        "k8s-prod",
        "https://172.24.4.6:6443",
        &mode,
        Naming::Terraform,
    );
    let path = dir.join("kubeconfig");
    kubeconfig::merge_into_file(&path, &config, true)?;
    for expiry in kubeconfig::certificate_expiry(&std::fs::read_to_string(&path)?)? {
        let days = expiry
            .not_after
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .as_secs()
            / 86_400;
        println!(
            "    {} ({}) expires in {days} days",
            expiry.user, expiry.subject
        );
    }
    println!(
        "    wrote {} (mode 0600, {} bytes)",
        path.display(),
        config.expose_secret().len()
    );

    println!("[4] rotate the CA; the old set stays readable until deleted");
    let rotated = rotate_ca(&store, "k8s-prod", &CaOptions::new())?;
    anyhow::ensure!(
        rotated.ca_cert_ref != refs.ca_cert_ref,
        "rotation must make a new CA"
    );
    let failures = delete_certificates_from_cluster(&store, &refs);
    anyhow::ensure!(failures.is_empty(), "cleanup failed: {failures:?}");
    store
        .load(&rotated.ca_cert_ref)
        .context("the new CA must load")?;
    println!("    new CA {}; old set deleted", rotated.ca_cert_ref);
    delete_certificates_from_cluster(&store, &rotated);
    Ok(())
}
