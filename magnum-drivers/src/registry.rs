//! The driver registry with Magnum's exact selection rules (`get_drivers`, `get_driver`,
//! `get_default_driver`, `enforce_driver_supported`): registration order, the last provider of
//! a duplicate triple wins (with a warning), disabled drivers, beta drivers needing opt-in, an
//! explicit driver name wins, the default and alphabetical fallbacks, and Magnum's messages —
//! plus what Magnum never says: which triples *are* loaded, and, for the triples of drivers
//! retired upstream, when they were removed and what to use instead.

use std::collections::HashMap;
use std::sync::Arc;

use magnum_core::types::{Coe, OsDistro, ServerType};

use crate::driver::{Driver, DriverKey};

/// `[drivers]` options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// Entry-point names never loaded (`disabled_drivers`).
    pub disabled_drivers: Vec<String>,
    /// Beta drivers allowed (`enabled_beta_drivers`).
    pub enabled_beta_drivers: Vec<String>,
    /// `default_driver`.
    pub default_driver: Option<String>,
}

/// Why no driver could be selected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Magnum's `ClusterTypeNotSupported`, with the loaded triples appended.
    #[error("Cluster type {key} not supported. Loaded drivers support: {}", if .available.is_empty() { "none".to_owned() } else { .available.join(", ") })]
    ClusterTypeNotSupported {
        /// The requested triple.
        key: DriverKey,
        /// The triples that are loaded.
        available: Vec<String>,
    },
    /// Magnum's `ClusterDriverNotSupported`.
    #[error("Cluster driver ({name}) not supported.")]
    ClusterDriverNotSupported {
        /// The requested driver name.
        name: String,
    },
    /// The triple belonged to a driver removed upstream: fail now, not after a 60-minute timeout.
    #[error(
        "Cluster type {key} not supported: the {driver} driver that served it was removed from Magnum on {removed}. {advice}"
    )]
    Retired {
        /// The requested triple.
        key: DriverKey,
        /// The retired entry point.
        driver: &'static str,
        /// When it was removed upstream.
        removed: &'static str,
        /// What to use instead.
        advice: &'static str,
    },
}

/// A driver retired upstream: its triple fails validation immediately with this explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetiredDriver {
    /// Entry-point name.
    pub name: &'static str,
    /// The triple it served.
    pub key: DriverKey,
    /// Removal (upstream commit merge date and cycle).
    pub removed: &'static str,
    /// What to use instead.
    pub advice: &'static str,
}

/// The drivers Magnum removed, with when and what to use instead (from Magnum's source and unit tests).
pub fn retired_drivers() -> Vec<RetiredDriver> {
    let key = |s: ServerType, d: OsDistro, c: Coe| DriverKey::new(s, Some(d), c);
    vec![
        RetiredDriver {
            name: "k8s_fedora_atomic_v1",
            key: key(ServerType::Vm, OsDistro::FedoraAtomic, Coe::Kubernetes),
            removed: "2024-03-06 (2024.1, commit ed699b0c)",
            advice: "Use a Fedora CoreOS image (os_distro=fedora-coreos) with k8s_fedora_coreos_v1, or a Cluster API driver (ubuntu/flatcar images).",
        },
        RetiredDriver {
            name: "k8s_coreos_v1",
            key: key(ServerType::Vm, OsDistro::Coreos, Coe::Kubernetes),
            removed: "2024-02-21 (commit 5c0c2780)",
            advice: "Container Linux is end-of-life; use Fedora CoreOS (os_distro=fedora-coreos) or Flatcar with a Cluster API driver.",
        },
        RetiredDriver {
            name: "k8s_fedora_ironic_v1",
            key: key(ServerType::Bm, OsDistro::Fedora, Coe::Kubernetes),
            removed: "2024-02-21 (commit fa5aa8f6)",
            advice: "Bare-metal Kubernetes now comes from Cluster API drivers.",
        },
        RetiredDriver {
            name: "swarm_fedora_atomic_v1",
            key: key(ServerType::Vm, OsDistro::FedoraAtomic, Coe::Swarm),
            removed: "2024-01-31 (commit bc79012f, \"Drop Swarm support\")",
            advice: "Legacy swarm is gone: use coe=swarm-mode (Docker swarm mode), or Kubernetes.",
        },
        RetiredDriver {
            name: "mesos_ubuntu_v1",
            key: key(ServerType::Vm, OsDistro::Ubuntu, Coe::Mesos),
            removed: "2022-12-07 (2023.1, commit d3d28594)",
            advice: "Mesos is no longer supported by Magnum; use Kubernetes.",
        },
    ]
}

/// Registered drivers and Magnum's selection rules.
#[derive(Debug, Default)]
pub struct DriverRegistry {
    config: RegistryConfig,
    /// Registration order: (entry-point name, driver).
    entries: Vec<(String, Arc<dyn Driver>)>,
    by_key: HashMap<DriverKey, usize>,
    warnings: Vec<String>,
}

impl DriverRegistry {
    /// An empty registry.
    pub fn new(config: RegistryConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Registers a driver under its entry-point name. Disabled names are skipped (and noted);
    /// when two drivers provide the same triple the later one wins, like Magnum's
    /// `get_drivers`, and a warning says so.
    pub fn register(&mut self, name: impl Into<String>, driver: Arc<dyn Driver>) {
        let name = name.into();
        if self.config.disabled_drivers.contains(&name) {
            self.warnings.push(format!(
                "driver {name} is disabled ([drivers] disabled_drivers) and was not loaded"
            ));
            return;
        }
        let index = self.entries.len();
        for key in driver.provides() {
            if let Some(previous) = self.by_key.insert(key.clone(), index) {
                let warning = format!(
                    "cluster type {key} is provided by both {} and {name}; {name} wins (registered later)",
                    self.entries[previous].0
                );
                tracing::warn!("{warning}");
                self.warnings.push(warning);
            }
        }
        self.entries.push((name, driver));
    }

    /// Warnings collected while registering.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// `magnum-driver-manage list-drivers`: every (entry point, triple) that selection would use.
    pub fn list(&self) -> Vec<(String, DriverKey)> {
        let mut rows: Vec<(String, DriverKey)> = self
            .by_key
            .iter()
            .map(|(key, index)| (self.entries[*index].0.clone(), key.clone()))
            .collect();
        rows.sort_by_key(|(name, key)| (name.clone(), key.to_string()));
        rows
    }

    fn by_name(&self, name: &str) -> Option<&Arc<dyn Driver>> {
        self.entries
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d)
    }

    /// Magnum's `get_driver(server_type, os, coe, driver_name)`: an explicit name wins (no
    /// triple, disabled or beta check, like stevedore's direct load); otherwise the triple, with
    /// beta drivers only when enabled.
    ///
    /// # Errors
    /// [`RegistryError::ClusterDriverNotSupported`], [`RegistryError::Retired`] or
    /// [`RegistryError::ClusterTypeNotSupported`] listing the loaded triples.
    pub fn get_driver(
        &self,
        key: &DriverKey,
        driver_name: Option<&str>,
    ) -> Result<Arc<dyn Driver>, RegistryError> {
        if let Some(name) = driver_name.filter(|n| !n.is_empty()) {
            return self.by_name(name).cloned().ok_or_else(|| {
                RegistryError::ClusterDriverNotSupported {
                    name: name.to_owned(),
                }
            });
        }
        let not_supported = || RegistryError::ClusterTypeNotSupported {
            key: key.clone(),
            available: self
                .list()
                .into_iter()
                .map(|(name, key)| format!("{key} by {name}"))
                .collect(),
        };
        let Some(index) = self.by_key.get(key) else {
            if let Some(retired) = retired_drivers().into_iter().find(|r| &r.key == key) {
                return Err(RegistryError::Retired {
                    key: key.clone(),
                    driver: retired.name,
                    removed: retired.removed,
                    advice: retired.advice,
                });
            }
            return Err(not_supported());
        };
        let (name, driver) = &self.entries[*index];
        if driver.beta() && !self.config.enabled_beta_drivers.contains(name) {
            return Err(not_supported());
        }
        Ok(driver.clone())
    }

    /// Magnum's `get_default_driver`: `[drivers] default_driver` if set (it must be registered
    /// and not disabled), else the alphabetically first registered name, else `None`.
    ///
    /// # Errors
    /// [`RegistryError::ClusterDriverNotSupported`] for a default that is not loaded.
    pub fn default_driver(&self) -> Result<Option<String>, RegistryError> {
        if let Some(name) = &self.config.default_driver {
            if self.by_name(name).is_none() {
                return Err(RegistryError::ClusterDriverNotSupported { name: name.clone() });
            }
            return Ok(Some(name.clone()));
        }
        Ok(self.entries.iter().map(|(n, _)| n.clone()).min())
    }

    /// The driver name a new template gets (`enforce_driver_supported`): the user's `driver`,
    /// else the image's `magnum_driver`, else the default driver; then checked with
    /// [`Self::get_driver`]. Returns the resolved name (possibly `None`).
    ///
    /// # Errors
    /// As [`Self::get_driver`] and [`Self::default_driver`].
    pub fn resolve_template_driver(
        &self,
        key: &DriverKey,
        user_driver: Option<&str>,
        image_magnum_driver: Option<&str>,
    ) -> Result<Option<String>, RegistryError> {
        let name = match user_driver
            .or(image_magnum_driver)
            .filter(|n| !n.is_empty())
        {
            Some(name) => Some(name.to_owned()),
            None => self.default_driver()?,
        };
        self.get_driver(key, name.as_deref())?;
        Ok(name)
    }
}
