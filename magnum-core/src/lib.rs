//! # magnum-core
//!
//! OpenStack Magnum (container cluster management) as a typed, embeddable Rust SDK.
//!
//! Two layers, split by the `client` feature (on by default):
//!
//! * **Pure** (always built, no tokio/reqwest): typed models of every v1 resource
//!   ([`types`]), identifiers ([`ids`]), microversions and the rule that picks one per call
//!   ([`microversion`]), request values for every operation ([`request`]), response decoding
//!   ([`decode`]), wait conditions ([`wait::conditions`]), errors ([`Error`], [`ErrorKind`]) and
//!   the failure explainer ([`doctor`]).
//! * **I/O** (`client`): the async [`Client`] (auth seam, discovery, retries), the generic
//!   [`Api<R>`](Api) handle with resource actions, and the waiters in [`wait`].
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use magnum_core::types::{Cluster, ClusterCreate, ClusterTemplate, ClusterTemplateCreate};
//! use magnum_core::{Api, Client, wait};
//!
//! #[tokio::main]
//! async fn main() -> magnum_core::Result<()> {
//!     // OS_CLOUD + clouds.yaml, or OS_* variables, exactly as the `openstack` CLI reads them.
//!     let client = Client::from_env()?;
//!     Api::<ClusterTemplate>::new(client.clone())
//!         .create(&ClusterTemplateCreate::new("fedora-coreos-40", "kubernetes").name("k8s"))
//!         .await?;
//!     let clusters: Api<Cluster> = Api::new(client);
//!     let created = clusters.create(&ClusterCreate::new("k8s").name("prod")).await?;
//!     let options = wait::WaitOptions::new(Duration::from_secs(3600))
//!         .on_progress(|progress| println!("{progress}"));
//!     let ready = wait::cluster_ready(&clusters, created.uuid.as_str(), &options).await?;
//!     println!("{} is {}", ready.uuid, ready.status.map(|s| s.to_string()).unwrap_or_default());
//!     Ok(())
//! }
//! ```
//!
//! Without a cloud configuration, [`Client::builder`] takes an endpoint and any
//! [`AuthProvider`] (a [`StaticToken`], a Keystone session, your own).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]

#[cfg(all(feature = "client", feature = "ca"))]
pub mod access;
#[cfg(feature = "ca")]
pub mod ca;
pub mod config;
pub mod decode;
pub mod doctor;
pub mod error;
#[cfg(feature = "ca")]
mod fsutil;
pub mod ids;
pub mod keystone;
#[cfg(feature = "ca")]
pub mod kubeconfig;
pub mod microversion;
pub mod redact;
pub mod request;
pub mod types;
pub mod wait;

#[cfg(feature = "client")]
mod api;
#[cfg(feature = "client")]
pub mod client;

#[cfg(feature = "client")]
pub use api::Api;
#[cfg(feature = "client")]
pub use client::{
    AuthProvider, Client, ClientBuilder, NoAuth, RetryPolicy, StaticToken, VersionPin,
};
pub use error::{ApiError, Error, ErrorKind, Result, WaitError};
pub use ids::{ClusterId, ClusterTemplateId, FederationId, NameOrId, NodeGroupId, QuotaKey};
pub use microversion::{Microversion, VersionRange};
pub use request::ListParams;
/// The `secrecy` crate this SDK's secret fields use (`SecretString`, `ExposeSecret`), so you
/// need not depend on a matching version yourself.
pub use secrecy;

/// The README's code blocks, compiled as doc tests so they cannot rot.
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
