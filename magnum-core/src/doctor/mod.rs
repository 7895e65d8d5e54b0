//! The doctor: explaining and preventing Magnum's known failures (the 34 pain points of `docs/doctor.md`).
//! [`access`] checks who may change or use a template and fetch a cluster's certificates;
//! [`versions`] what the cloud's Magnum can do at its maximum microversion.
//! [`preflight`] checks template and cluster requests locally (every finding in one pass);
//! [`explain`] maps a failed cluster's `status_reason` and `faults` to a cause, who must act,
//! and the fix; [`cloud`] checks what the user's token shows of the cloud (catalog, regions, auth
//! method, Magnum's era) against what a template needs. All pure; with the `client` feature
//! [`resources`] asks Glance, Nova and Neutron about the template's image, flavors, keypair and
//! external network, and [`orphans`] finds (and on request deletes) the load balancers and
//! floating IPs Kubernetes left behind, which block a cluster's delete.

pub mod access;
pub mod cloud;
pub mod explain;
#[cfg(feature = "client")]
pub mod orphans;
pub mod preflight;
#[cfg(feature = "client")]
pub mod resources;
pub mod versions;

pub use access::{check_certificate_access, check_template_update, check_template_use};
pub use cloud::{CloudFacts, check_cloud};
pub use explain::{Actor, Explanation, explain_cluster, explain_reason};
pub use preflight::{Finding, Severity, check_cluster, check_nodegroup, check_template};
