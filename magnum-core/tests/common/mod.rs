//! Helpers shared by magnum-core's integration-test binaries: directories and names that are
//! unique by construction (a per-process counter plus OS randomness), so parallel tests and
//! parallel runs never collide, and directories that are removed when the test ends.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// A directory under the system temp dir, removed (with its contents) when dropped.
/// Derefs to [`Path`], so `dir.join(..)` and `&dir` work as with a `PathBuf`.
pub struct TestDir(tempfile::TempDir);

impl TestDir {
    /// A fresh, empty directory whose name starts with `magnum-rs-<tag>-`.
    pub fn new(tag: &str) -> Self {
        Self(
            tempfile::Builder::new()
                .prefix(&format!("magnum-rs-{tag}-"))
                .tempdir()
                .expect("cannot create a temporary directory"),
        )
    }
}

impl Deref for TestDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for TestDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// A name no other test (in this process or any other) uses: `prefix-<pid>-<counter>-<random>`.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("the OS random source failed");
    format!(
        "{prefix}-{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        u32::from_le_bytes(random)
    )
}
