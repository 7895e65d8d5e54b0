//! The doctor: explaining and preventing Magnum's known failures (`magnum-reference.md` §9).
//! [`preflight`] checks template and cluster requests locally (every finding in one pass);
//! [`explain`] maps a failed cluster's `status_reason` and `faults` to a cause, who must act,
//! and the fix. Both pure.

pub mod explain;
pub mod preflight;

pub use explain::{Actor, Explanation, explain_cluster, explain_reason};
pub use preflight::{Finding, Severity, check_cluster, check_template};
