//! The doctor: explaining and (later) preventing Magnum's known failures
//! (`magnum-reference.md` §9). Today: [`explain`], which maps a failed cluster's
//! `status_reason` and `faults` to a cause, who must act, and the fix. Pure.

pub mod explain;

pub use explain::{Actor, Explanation, explain_cluster, explain_reason};
