//! Waiting for clusters and nodegroups: pure [`conditions`] (always built) and, with the
//! `client` feature, [`wait_for`] — a poller with a required deadline, backoff between polls, a
//! progress callback per observed transition, failure as [`crate::Error::ResourceFailed`]
//! (status, `status_reason`, `faults`) and timeout as [`crate::Error::WaitTimeout`]; both keep
//! the last object seen in [`crate::WaitError`].

pub mod conditions;

#[cfg(feature = "client")]
mod waiter;

pub use conditions::{
    Condition, Failure, HasStatus, Verdict, and, is_deleted, is_failed, is_ready, not, or,
};
#[cfg(feature = "client")]
pub use waiter::{
    Progress, WaitOptions, cluster_deleted, cluster_ready, nodegroup_deleted, nodegroup_ready,
    wait_for,
};
