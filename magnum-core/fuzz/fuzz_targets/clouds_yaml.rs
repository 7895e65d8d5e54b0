//! Fuzzes clouds.yaml resolution (`magnum_core::config::load`): the input is split at the first
//! 0xFF byte into a clouds.yaml and a secure.yaml, written to a private directory, and cloud
//! `c` is resolved from them (with a few `OS_*` variables taken from the input's length). Any
//! file must give a `CloudConfig` or a typed `Config` error, never a panic; an error never
//! quotes a value given under `password`.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use magnum_core::config::{Overrides, Sources, load};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("magnum-fuzz-clouds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    })
}

const PLANTED: &str = "pl4nted-fuzz-s3cret";

fuzz_target!(|data: &[u8]| {
    let (clouds, secure) = match data.iter().position(|b| *b == 0xff) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let dir = dir();
    let _ = std::fs::write(dir.join("clouds.yaml"), clouds);
    let secure_text = [
        format!("clouds:\n  c:\n    auth:\n      password: {PLANTED}\n").as_bytes(),
        secure,
    ]
    .concat();
    let _ = std::fs::write(dir.join("secure.yaml"), &secure_text);
    let mut env = BTreeMap::new();
    env.insert("OS_CLOUD".to_owned(), "c".to_owned());
    if data.len() % 3 == 1 {
        env.insert(
            "OS_INSECURE".to_owned(),
            String::from_utf8_lossy(secure).into_owned(),
        );
    }
    if data.len() % 5 == 2 {
        env.insert(
            "OS_AUTH_URL".to_owned(),
            String::from_utf8_lossy(clouds).into_owned(),
        );
    }
    match load(&Sources::new(env, vec![dir.clone()]), &Overrides::new()) {
        Ok(cloud) => {
            let shown = format!("{cloud:?} {}", cloud.auth_url);
            assert!(
                !shown.contains(PLANTED),
                "a config shows the password: {shown}"
            );
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            assert!(
                !shown.contains(PLANTED),
                "an error shows the password: {shown}"
            );
        }
    }
});
