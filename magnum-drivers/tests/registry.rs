//! Driver registry: Magnum's own test vectors (from Magnum's source and unit tests) and the selection
//! rules of §3 — default driver, explicit name, duplicate triples, disabled and beta drivers,
//! template resolution — plus the loaded-triples list and the retired-driver explanations.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use magnum_core::types::{ClusterTemplate, Coe, OsDistro, ServerType};
use magnum_drivers::{
    ClusterRecord, Driver, DriverError, DriverKey, DriverRegistry, RegistryConfig, RegistryError,
    retired_drivers,
};

/// A third-party driver written outside this crate: proves the trait is implementable and
/// object-safe from another crate, and lets each test choose triples and beta status.
#[derive(Debug)]
struct FakeDriver {
    keys: Vec<DriverKey>,
    beta: bool,
    tag: &'static str,
}

#[async_trait]
impl Driver for FakeDriver {
    fn provides(&self) -> Vec<DriverKey> {
        self.keys.clone()
    }
    fn beta(&self) -> bool {
        self.beta
    }
    async fn create_cluster(
        &self,
        cluster: &mut ClusterRecord,
        _timeout: Duration,
    ) -> Result<(), DriverError> {
        cluster.stack_id = Some(self.tag.to_owned());
        Ok(())
    }
    async fn update_cluster(
        &self,
        _cluster: &mut ClusterRecord,
        _rollback: bool,
    ) -> Result<(), DriverError> {
        Ok(())
    }
    async fn resize_cluster(
        &self,
        _c: &mut ClusterRecord,
        _ng: &str,
        _n: u32,
        _remove: &[String],
    ) -> Result<(), DriverError> {
        Ok(())
    }
    async fn delete_cluster(&self, _cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        Ok(())
    }
    async fn update_cluster_status(&self, _cluster: &mut ClusterRecord) -> Result<(), DriverError> {
        Ok(())
    }
    async fn create_nodegroup(
        &self,
        _cluster: &mut ClusterRecord,
        _ng: &str,
    ) -> Result<(), DriverError> {
        Ok(())
    }
    async fn update_nodegroup(
        &self,
        _cluster: &mut ClusterRecord,
        _ng: &str,
    ) -> Result<(), DriverError> {
        Ok(())
    }
    async fn delete_nodegroup(
        &self,
        _cluster: &mut ClusterRecord,
        _ng: &str,
    ) -> Result<(), DriverError> {
        Ok(())
    }
}

fn fcos() -> DriverKey {
    DriverKey::new(
        ServerType::Vm,
        Some(OsDistro::FedoraCoreos),
        Coe::Kubernetes,
    )
}

fn driver(tag: &'static str, keys: Vec<DriverKey>) -> Arc<dyn Driver> {
    Arc::new(FakeDriver {
        keys,
        beta: false,
        tag,
    })
}

fn registry(config: RegistryConfig, names: &[&'static str]) -> DriverRegistry {
    let mut registry = DriverRegistry::new(config);
    for name in names {
        registry.register(*name, driver(name, vec![fcos()]));
    }
    registry
}

fn config(default: Option<&str>) -> RegistryConfig {
    let mut config = RegistryConfig::default();
    config.default_driver = default.map(str::to_owned);
    config
}

/// Which registered driver was chosen: run its create and read the tag it leaves.
fn tag_of(driver: &Arc<dyn Driver>) -> String {
    let template: ClusterTemplate =
        serde_json::from_value(serde_json::json!({"uuid": "t"})).expect("template");
    let mut cluster = ClusterRecord::new("c", "c", "p", template);
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(driver.create_cluster(&mut cluster, Duration::from_secs(1)))
        .expect("fake create");
    cluster.stack_id.unwrap_or_default()
}

#[test]
fn default_driver_from_config() {
    // §8.3 vector 1.
    let registry = registry(config(Some("heat-k8s")), &["heat-k8s"]);
    assert_eq!(registry.default_driver(), Ok(Some("heat-k8s".to_owned())));
}

#[test]
fn default_driver_typo_is_not_supported() {
    // §8.3 vector 2.
    let registry = registry(config(Some("typo-driver")), &["heat-k8s"]);
    let err = registry.default_driver().expect_err("typo");
    assert_eq!(
        err,
        RegistryError::ClusterDriverNotSupported {
            name: "typo-driver".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "Cluster driver (typo-driver) not supported."
    );
}

#[test]
fn default_driver_is_alphabetical_then_none() {
    // §8.3 vector 3.
    let registry = registry(
        config(None),
        &["zebra_driver", "alpha_driver", "mango_driver"],
    );
    assert_eq!(
        registry.default_driver(),
        Ok(Some("alpha_driver".to_owned()))
    );
    assert_eq!(DriverRegistry::new(config(None)).default_driver(), Ok(None));
}

#[test]
fn unsupported_triple_lists_what_is_loaded() {
    // §8.3 vector 4, plus the loaded triples Magnum never lists.
    let registry = registry(config(None), &["k8s_fedora_coreos_v1"]);
    let key = DriverKey::new(
        ServerType::Vm,
        Some(OsDistro::parse("not_supported")),
        Coe::Kubernetes,
    );
    let err = registry.get_driver(&key, None).expect_err("unsupported");
    assert!(matches!(err, RegistryError::ClusterTypeNotSupported { .. }));
    assert_eq!(
        err.to_string(),
        "Cluster type (vm, not_supported, kubernetes) not supported. \
         Loaded drivers support: (vm, fedora-coreos, kubernetes) by k8s_fedora_coreos_v1"
    );
    // The image without os_distro: Magnum's famous "(vm, None, kubernetes)".
    let none = DriverKey::new(ServerType::Vm, None, Coe::Kubernetes);
    let err = DriverRegistry::new(config(None))
        .get_driver(&none, None)
        .expect_err("none loaded");
    assert_eq!(
        err.to_string(),
        "Cluster type (vm, None, kubernetes) not supported. Loaded drivers support: none"
    );
}

#[test]
fn supported_triple_selects_its_driver() {
    // §8.3 vector 5 (2026.1): the fcos triple resolves to the driver providing it.
    let mut registry = DriverRegistry::new(config(None));
    registry.register("k8s_fedora_coreos_v1", driver("fcos", vec![fcos()]));
    let swarm = DriverKey::new(ServerType::Vm, Some(OsDistro::FedoraCoreos), Coe::SwarmMode);
    registry.register(
        "swarm_fedora_coreos_v2",
        driver("swarm", vec![swarm.clone()]),
    );
    assert_eq!(
        tag_of(&registry.get_driver(&fcos(), None).expect("fcos")),
        "fcos"
    );
    assert_eq!(
        tag_of(&registry.get_driver(&swarm, None).expect("swarm-mode")),
        "swarm"
    );
    let legacy = DriverKey::new(ServerType::Vm, Some(OsDistro::FedoraCoreos), Coe::Swarm);
    assert!(
        registry.get_driver(&legacy, None).is_err(),
        "swarm is not swarm-mode"
    );
}

#[test]
fn duplicate_triple_last_registered_wins_with_warning() {
    let mut registry = DriverRegistry::new(config(None));
    registry.register("first", driver("first", vec![fcos()]));
    registry.register("second", driver("second", vec![fcos()]));
    assert_eq!(
        tag_of(&registry.get_driver(&fcos(), None).expect("driver")),
        "second"
    );
    assert_eq!(registry.warnings().len(), 1);
    assert!(
        registry.warnings()[0].contains("provided by both first and second; second wins"),
        "{:?}",
        registry.warnings()
    );
    assert_eq!(registry.list(), vec![("second".to_owned(), fcos())]);
}

#[test]
fn disabled_driver_is_not_loaded() {
    // §8.3 vector 8: a disabled driver's triple is rejected.
    let mut cfg = config(None);
    cfg.disabled_drivers = vec!["k8s_fedora_coreos_v1".into()];
    let registry = registry(cfg, &["k8s_fedora_coreos_v1"]);
    assert!(matches!(
        registry.get_driver(&fcos(), None),
        Err(RegistryError::ClusterTypeNotSupported { .. })
    ));
    assert!(
        registry.warnings()[0].contains("disabled"),
        "{:?}",
        registry.warnings()
    );
    assert!(registry.list().is_empty());
}

#[test]
fn beta_driver_needs_opt_in() {
    let beta = || {
        Arc::new(FakeDriver {
            keys: vec![fcos()],
            beta: true,
            tag: "beta",
        }) as Arc<dyn Driver>
    };
    let mut registry = DriverRegistry::new(config(None));
    registry.register("beta_driver", beta());
    let err = registry
        .get_driver(&fcos(), None)
        .expect_err("beta without opt-in");
    assert!(matches!(err, RegistryError::ClusterTypeNotSupported { .. }));

    let mut cfg = config(None);
    cfg.enabled_beta_drivers = vec!["beta_driver".into()];
    let mut registry = DriverRegistry::new(cfg);
    registry.register("beta_driver", beta());
    assert_eq!(
        tag_of(&registry.get_driver(&fcos(), None).expect("opted in")),
        "beta"
    );
}

#[test]
fn explicit_driver_name_wins_over_triple() {
    let mut registry = DriverRegistry::new(config(None));
    registry.register("by_triple", driver("triple", vec![fcos()]));
    registry.register("by_name", driver("name", vec![]));
    assert_eq!(
        tag_of(
            &registry
                .get_driver(&fcos(), Some("by_name"))
                .expect("named")
        ),
        "name"
    );
    // An empty name means "no name" (Magnum stores '' for templates without driver).
    assert_eq!(
        tag_of(&registry.get_driver(&fcos(), Some("")).expect("empty name")),
        "triple"
    );
    let err = registry
        .get_driver(&fcos(), Some("nope"))
        .expect_err("unknown name");
    assert_eq!(err.to_string(), "Cluster driver (nope) not supported.");
}

#[test]
fn template_driver_resolution_order() {
    let mut registry = DriverRegistry::new(config(None));
    registry.register("zeta", driver("zeta", vec![fcos()]));
    registry.register("image_driver", driver("image", vec![]));
    registry.register("user_driver", driver("user", vec![]));
    let key = fcos();
    assert_eq!(
        registry.resolve_template_driver(&key, Some("user_driver"), Some("image_driver")),
        Ok(Some("user_driver".to_owned()))
    );
    assert_eq!(
        registry.resolve_template_driver(&key, None, Some("image_driver")),
        Ok(Some("image_driver".to_owned()))
    );
    // Neither: the default driver (alphabetical first here).
    assert_eq!(
        registry.resolve_template_driver(&key, None, None),
        Ok(Some("image_driver".to_owned()))
    );
    assert_eq!(
        registry.resolve_template_driver(&key, Some("missing"), None),
        Err(RegistryError::ClusterDriverNotSupported {
            name: "missing".into()
        })
    );
}

#[test]
fn retired_triples_fail_immediately_with_advice() {
    let registry = registry(config(None), &["k8s_fedora_coreos_v1"]);
    let retired = retired_drivers();
    assert_eq!(retired.len(), 5);
    for row in &retired {
        let err = registry.get_driver(&row.key, None).expect_err("retired");
        assert!(matches!(err, RegistryError::Retired { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("Cluster type {} not supported", row.key)),
            "{message}"
        );
        assert!(
            message.contains(row.name)
                && message.contains(row.removed)
                && message.contains(row.advice),
            "{message}"
        );
    }
    let atomic = DriverKey::new(
        ServerType::Vm,
        Some(OsDistro::FedoraAtomic),
        Coe::Kubernetes,
    );
    let message = registry
        .get_driver(&atomic, None)
        .expect_err("atomic")
        .to_string();
    assert!(message.starts_with("Cluster type (vm, fedora-atomic, kubernetes) not supported: the k8s_fedora_atomic_v1 driver"), "{message}");
    let swarm = DriverKey::new(ServerType::Vm, Some(OsDistro::FedoraAtomic), Coe::Swarm);
    assert!(
        registry
            .get_driver(&swarm, None)
            .expect_err("swarm")
            .to_string()
            .contains("coe=swarm-mode")
    );
    // A driver registered for a retired triple (a third party reviving it) is used, not refused.
    let mut revived = DriverRegistry::new(config(None));
    revived.register("revived", driver("revived", vec![atomic.clone()]));
    assert_eq!(
        tag_of(&revived.get_driver(&atomic, None).expect("revived")),
        "revived"
    );
}
