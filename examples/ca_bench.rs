//! Times the CA operations Magnum's conductor performs, for `scripts/bench/ca_vs_magnum.py`,
//! which runs Magnum's own x509 code in the same run and prints the ratios. Prints JSON.
//!
//! `cargo run --release -p magnum-examples --example ca_bench -- CSR_DIR ITERATIONS`

use std::time::Instant;

use anyhow::Context;
use magnum_core::ca::{
    CaOptions, CertifiedKey, KeyType, SigningPolicy, generate_bundle, generate_bundle_sequential,
    generate_ca, generate_client_certificate, short_id, sign_csr,
};

fn median_ms(n: usize, mut op: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    op()?; // warm-up
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        op()?;
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[samples.len() / 2])
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().context("usage: ca_bench CSR_DIR ITERATIONS")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(40);
    let mut csrs = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "csr") {
            csrs.push(std::fs::read_to_string(path)?);
        }
    }
    anyhow::ensure!(!csrs.is_empty(), "no .csr files in {dir}");
    let rsa = CaOptions::new();
    let ec = CaOptions::new().key_type(KeyType::EcP256);
    let policy = SigningPolicy::new();
    let ca = generate_ca("bench", &rsa)?;
    let passphrase = short_id()?;
    let ca_cert_pem = ca.certificate.to_pem()?;
    let ca_key_pem = ca.key.to_encrypted_pem(&passphrase)?;
    let mut i = 0;
    let mut next_csr = || {
        i += 1;
        csrs[i % csrs.len()].clone()
    };
    let mut results = serde_json::Map::new();
    let mut record = |name: &str, ms: f64| {
        results.insert(name.to_owned(), serde_json::json!(ms));
    };
    record(
        "sign_csr_conductor",
        median_ms(n, || {
            let loaded = CertifiedKey::from_pem(&ca_cert_pem, &ca_key_pem, Some(&passphrase))?;
            sign_csr(&next_csr(), &loaded, &policy)?;
            Ok(())
        })?,
    );
    record(
        "sign_csr_cached_ca",
        median_ms(n, || {
            sign_csr(&next_csr(), &ca, &policy)?;
            Ok(())
        })?,
    );
    record(
        "ca_generation_rsa",
        median_ms(n, || {
            let made = generate_ca("bench", &rsa)?;
            made.key.to_encrypted_pem(&passphrase)?;
            Ok(())
        })?,
    );
    record(
        "client_cert_rsa",
        median_ms(n, || {
            let loaded = CertifiedKey::from_pem(&ca_cert_pem, &ca_key_pem, Some(&passphrase))?;
            let client =
                generate_client_certificate(&loaded, "admin", Some("system:masters"), &rsa)?;
            client.key.to_encrypted_pem(&passphrase)?;
            Ok(())
        })?,
    );
    let bundle_n = (n / 2).max(10);
    record(
        "bundle_rsa_parallel",
        median_ms(bundle_n, || {
            generate_bundle("bench", &rsa)?;
            Ok(())
        })?,
    );
    record(
        "bundle_rsa_single_thread",
        median_ms(bundle_n, || {
            generate_bundle_sequential("bench", &rsa)?;
            Ok(())
        })?,
    );
    record(
        "bundle_ec_p256",
        median_ms(n, || {
            generate_bundle("bench", &ec)?;
            Ok(())
        })?,
    );
    record(
        "ca_generation_ec_p256",
        median_ms(n, || {
            generate_ca("bench", &ec)?;
            Ok(())
        })?,
    );
    println!("{}", serde_json::Value::Object(results));
    Ok(())
}
