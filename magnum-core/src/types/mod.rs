//! Typed models of every Magnum v1 resource: response structs (unknown keys kept in `extra`),
//! create bodies with builder setters, typed JSON-patch updates, and forward-compatible enums.

/// Generates chained `Option` setters for a request body: `field(value)` sets `Some(value)`.
macro_rules! setters {
    ($ty:ident { $( $(#[$meta:meta])* $field:ident : $fty:ty ),* $(,)? }) => {
        impl $ty {
            $(
                $(#[$meta])*
                #[must_use]
                pub fn $field(mut self, value: impl Into<$fty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}
pub(crate) use setters;

mod cluster;
mod cluster_template;
mod common;
mod enums;
mod misc;
mod nodegroup;
mod patch;

pub use cluster::{
    Cluster, ClusterChange, ClusterCreate, ClusterUpdate, ResizeRequest, UpgradeRequest,
};
pub use cluster_template::{
    ClusterTemplate, ClusterTemplateChange, ClusterTemplateCreate, ClusterTemplateRemovable,
    ClusterTemplateUpdate,
};
pub use common::{Extra, Labels, Link, Timestamp, UuidRef};
pub use enums::{
    CaCertType, ClusterStatus, Coe, FederationStatus, HealthStatus, NodeGroupRole, OsDistro,
    QuotaResource, ServerType, ServiceState, TaintEffect,
};
pub use misc::{
    ApiVersion, Certificate, Federation, FederationCreate, FederationUpdate, MService, Quota,
    QuotaSpec, SignRequest, Stats, VersionsDocument,
};
pub use nodegroup::{NodeGroup, NodeGroupChange, NodeGroupCreate, NodeGroupUpdate, Taint};
pub use patch::{PatchKind, PatchOp, PatchValue, python_dict_literal, python_str_literal};
