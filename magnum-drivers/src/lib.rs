//! # magnum-drivers
//!
//! Cluster drivers for embedding a Magnum conductor:
//!
//! * [`driver`] — the `Driver` trait (Magnum's contract, async) and the conductor-side records
//!   (`ClusterRecord`, `NodeGroupRecord`), keyed by [`DriverKey`] (server_type, os_distro, coe).
//! * [`registry`] — Magnum's exact selection rules and messages, plus the loaded triples in
//!   every "not supported" error and immediate, explained failures for retired drivers.
//! * [`simulated_driver`] — the simulated *driver*: a `Driver` with no infrastructure,
//!   time-driven statuses and failure injection (the backend of the simulated cloud below).
//! * [`conductor`] — Magnum's create / resize / delete / status-sync flow over a registry, the
//!   CA store and the trustee domain.
//!
//! * `simulator` (feature `simulator`, on by default) — the simulated *cloud*: the embedded
//!   Magnum-compatible API server with a Keystone front and a seeded Glance/Nova/Neutron/Cinder/
//!   Octavia catalog, on the simulated driver and the conductor; also the `magnum-sim` binary.
//! * [`heat`] — Magnum's Heat drivers: [`heat::HeatDriver`] for `k8s_fedora_coreos_v1` and for
//!   swarm-mode, with their own HOT templates and environment files, the Heat REST client, and
//!   the pure rules (stack names and timeouts, environment selection, parameter mapping,
//!   outputs → cluster fields, scale parameters, the poller's status aggregation).

pub mod conductor;
pub mod driver;
pub mod heat;
pub mod registry;
pub mod simulated_driver;
#[cfg(feature = "simulator")]
pub mod simulator;

pub use conductor::{ClusterResources, Conductor, ConductorError, ConductorEvent, EventObserver};
pub use driver::{ClusterRecord, Driver, DriverError, DriverKey, NodeGroupRecord};
pub use registry::{DriverRegistry, RegistryConfig, RegistryError, RetiredDriver, retired_drivers};
pub use simulated_driver::{Clock, ManualClock, SimOptions, SimulatedDriver, SystemClock};

/// The Rust blocks of `docs/*.md`, compiled (and the runnable ones run) as doc tests, so the
/// documentation cannot rot. (The README's are in `magnum-core`.)
#[cfg(doctest)]
pub mod docs {
    #[doc = include_str!("../../docs/doctor.md")]
    pub struct Doctor;
    #[doc = include_str!("../../docs/simulator.md")]
    pub struct Simulator;
    #[doc = include_str!("../../docs/ca.md")]
    pub struct Ca;
    #[doc = include_str!("../../docs/auth.md")]
    pub struct Auth;
    #[doc = include_str!("../../docs/drivers.md")]
    pub struct Drivers;
    #[doc = include_str!("../../docs/microversions.md")]
    pub struct Microversions;
    #[doc = include_str!("../../docs/architecture.md")]
    pub struct Architecture;
    #[doc = include_str!("../../docs/performance.md")]
    pub struct Performance;
    #[doc = include_str!("../../docs/reliability.md")]
    pub struct Reliability;
    #[doc = include_str!("../../docs/python.md")]
    pub struct Python;
}
