//! Criterion benchmarks of the cluster CA: CSR signing (cached CA, and loading the encrypted CA
//! PEM as Magnum's conductor does), CA and bundle generation (EC P-256; RSA with a small sample
//! because prime search dominates and varies). The same-run comparison with Magnum's own code
//! is `scripts/bench/ca_vs_magnum.sh`; results in docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use magnum_core::ca::cert::{CN, O, name};
use magnum_core::ca::{
    CaOptions, CertifiedKey, KeyType, PrivateKey, SigningPolicy, build_csr, generate_bundle,
    generate_ca, short_id, sign_csr,
};

fn bench(c: &mut Criterion) {
    let ca = generate_ca("bench", &CaOptions::new()).expect("CA");
    let passphrase = short_id().expect("id");
    let ca_pem = ca.certificate.to_pem().expect("pem");
    let key_pem = ca.key.to_encrypted_pem(&passphrase).expect("key");
    let node = PrivateKey::generate(KeyType::Rsa2048).expect("key");
    let subject = name(&[(CN, "system:node:node-0"), (O, "system:nodes")]).expect("name");
    let csr = build_csr(&node, &subject, Vec::new()).expect("csr");
    let policy = SigningPolicy::new();

    let mut group = c.benchmark_group("ca");
    group.bench_function("sign_csr_cached_rsa_ca", |b| {
        b.iter(|| sign_csr(black_box(&csr), &ca, &policy).expect("signed"))
    });
    group.bench_function("sign_csr_loading_encrypted_ca_pem", |b| {
        b.iter(|| {
            let loaded =
                CertifiedKey::from_pem(&ca_pem, &key_pem, Some(&passphrase)).expect("load");
            sign_csr(black_box(&csr), &loaded, &policy).expect("signed")
        })
    });
    let ec = CaOptions::new().key_type(KeyType::EcP256);
    group.bench_function("ca_generation_ec_p256", |b| {
        b.iter(|| generate_ca("bench", &ec).expect("ca"))
    });
    group.bench_function("bundle_ec_p256", |b| {
        b.iter(|| generate_bundle("bench", &ec).expect("bundle"))
    });
    group.sample_size(10);
    group.bench_function("bundle_rsa2048_parallel", |b| {
        b.iter(|| generate_bundle("bench", &CaOptions::new()).expect("bundle"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
