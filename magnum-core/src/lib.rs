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
//! # #[cfg(feature = "client")]
//! # async fn demo() -> magnum_core::Result<()> {
//! use std::time::Duration;
//! use magnum_core::{Api, Client, StaticToken, types::{Cluster, ClusterCreate}, wait};
//!
//! let client = Client::builder()
//!     .endpoint("https://magnum.example.com:9511/v1")
//!     .auth(StaticToken::new("gAAAA…".to_owned()))
//!     .build()?;
//! let clusters: Api<Cluster> = Api::new(client);
//! let created = clusters.create(&ClusterCreate::new("k8s-template").name("prod").node_count(3u32)).await?;
//! let ready = wait::cluster_ready(&clusters, created.uuid.as_str(), &wait::WaitOptions::new(Duration::from_secs(3600))).await?;
//! println!("{} is {:?} at {:?}", ready.uuid, ready.status, ready.api_address);
//! # Ok(()) }
//! ```
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

/// The README's code blocks, compiled as doc tests so they cannot rot.
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
