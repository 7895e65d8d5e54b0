//! # magnum-drivers
//!
//! Cluster drivers for embedding a Magnum conductor. Magnum selects a driver by the triple
//! (`server_type`, `os_distro`, `coe`); this crate starts with that key, [`DriverKey`], printed
//! exactly as Magnum prints it in "Cluster type (vm, fedora-coreos, kubernetes) not supported.".
//! The `Driver` trait, the registry, the Heat driver and the simulator backend build on it
//! (see `docs/architecture.md` for what is planned where).

use std::fmt;

use magnum_core::types::{Coe, OsDistro, ServerType};

/// The triple a driver provides and Magnum selects by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DriverKey {
    /// `vm` or `bm`.
    pub server_type: ServerType,
    /// The image's `os_distro` (`None` when the image has none — Magnum's infamous
    /// "Cluster type (vm, None, kubernetes)").
    pub os_distro: Option<OsDistro>,
    /// The COE.
    pub coe: Coe,
}

impl DriverKey {
    /// Builds a key.
    pub fn new(server_type: ServerType, os_distro: Option<OsDistro>, coe: Coe) -> Self {
        Self {
            server_type,
            os_distro,
            coe,
        }
    }
}

impl fmt::Display for DriverKey {
    /// Magnum's tuple formatting, with Python's `None` for a missing distro.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let distro = self.os_distro.as_ref().map_or("None", OsDistro::as_str);
        write!(f, "({}, {}, {})", self.server_type, distro, self.coe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_like_magnum_messages() {
        let key = DriverKey::new(
            ServerType::Vm,
            Some(OsDistro::FedoraCoreos),
            Coe::Kubernetes,
        );
        assert_eq!(key.to_string(), "(vm, fedora-coreos, kubernetes)");
        let missing = DriverKey::new(ServerType::Vm, None, Coe::Kubernetes);
        assert_eq!(
            format!("Cluster type {missing} not supported."),
            "Cluster type (vm, None, kubernetes) not supported."
        );
    }
}
