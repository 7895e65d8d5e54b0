//! Fuzzes the CSR signing path (PEM decoding, DER parsing, signature verification, extension
//! filtering, issuance) with arbitrary input: it must return `Ok` or a typed error, never panic.
//! Inputs starting with a DER SEQUENCE tag are also wrapped in a PEM envelope so the fuzzer
//! reaches the ASN.1 parsers quickly.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use magnum_core::ca::{CaOptions, CertifiedKey, KeyType, SigningPolicy, generate_ca, sign_csr};

fn ca() -> &'static CertifiedKey {
    static CA: OnceLock<CertifiedKey> = OnceLock::new();
    CA.get_or_init(|| generate_ca("fuzz", &CaOptions::new().key_type(KeyType::EcP256)).expect("CA"))
}

fuzz_target!(|data: &[u8]| {
    let policy = SigningPolicy::new();
    let text = String::from_utf8_lossy(data);
    let _ = sign_csr(&text, ca(), &policy);
    if data.first() == Some(&0x30) {
        use std::fmt::Write;
        let mut pem = String::from("-----BEGIN CERTIFICATE REQUEST-----\n");
        let b64 = base64_encode(data);
        for chunk in b64.as_bytes().chunks(64) {
            let _ = writeln!(pem, "{}", String::from_utf8_lossy(chunk));
        }
        pem.push_str("-----END CERTIFICATE REQUEST-----\n");
        let _ = sign_csr(&pem, ca(), &policy);
    }
});

fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
