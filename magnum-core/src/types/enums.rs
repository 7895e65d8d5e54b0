//! Forward-compatible enums for every closed-looking string Magnum sends: statuses, COE,
//! server type, OS distro, nodegroup role, taint effect, CA type, quota resource, service state.
//!
//! Each is `#[non_exhaustive]` with an `Unknown(String)` catch-all, so a value added by a newer
//! Magnum (or an out-of-tree driver) decodes instead of failing, and re-encodes unchanged.
//! Matching is ASCII case-insensitive because some clients and drivers lower-case statuses.

use std::fmt;
use std::str::FromStr;

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value this crate knows, in Magnum's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text,
                }
            }

            /// Parses a wire value; never fails (unknown values become `Unknown`).
            pub fn parse(text: &str) -> Self {
                $( if text.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Unknown(text.to_owned())
            }

            /// Whether this is a value the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(text))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::parse(text)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

open_enum! {
    /// Status of a cluster or nodegroup (Magnum's `ClusterStatus`, `magnum/objects/fields.py`).
    ClusterStatus {
        /// Creation running.
        CreateInProgress => "CREATE_IN_PROGRESS",
        /// Creation failed.
        CreateFailed => "CREATE_FAILED",
        /// Created.
        CreateComplete => "CREATE_COMPLETE",
        /// Update (scale, upgrade, CA rotation) running.
        UpdateInProgress => "UPDATE_IN_PROGRESS",
        /// Update failed.
        UpdateFailed => "UPDATE_FAILED",
        /// Updated.
        UpdateComplete => "UPDATE_COMPLETE",
        /// Deletion running.
        DeleteInProgress => "DELETE_IN_PROGRESS",
        /// Deletion failed.
        DeleteFailed => "DELETE_FAILED",
        /// Deleted (rarely seen: a deleted cluster usually answers 404).
        DeleteComplete => "DELETE_COMPLETE",
        /// Resumed.
        ResumeComplete => "RESUME_COMPLETE",
        /// Resume failed.
        ResumeFailed => "RESUME_FAILED",
        /// Restored.
        RestoreComplete => "RESTORE_COMPLETE",
        /// A failed update is being rolled back.
        RollbackInProgress => "ROLLBACK_IN_PROGRESS",
        /// Rollback failed.
        RollbackFailed => "ROLLBACK_FAILED",
        /// A failed update was rolled back: the cluster works, the requested change did not happen.
        RollbackComplete => "ROLLBACK_COMPLETE",
        /// Snapshotted.
        SnapshotComplete => "SNAPSHOT_COMPLETE",
        /// Checked.
        CheckComplete => "CHECK_COMPLETE",
        /// Adopted.
        AdoptComplete => "ADOPT_COMPLETE",
    }
}

impl ClusterStatus {
    /// An operation is still running (`*_IN_PROGRESS`).
    pub fn is_in_progress(&self) -> bool {
        self.as_str().to_ascii_uppercase().ends_with("_IN_PROGRESS")
    }

    /// The last operation succeeded: any `*_COMPLETE` except `ROLLBACK_COMPLETE` and
    /// `DELETE_COMPLETE` (a deleted cluster is not usable).
    pub fn is_complete(&self) -> bool {
        let upper = self.as_str().to_ascii_uppercase();
        upper.ends_with("_COMPLETE")
            && !matches!(self, Self::RollbackComplete | Self::DeleteComplete)
    }

    /// The last operation failed: every `*_FAILED` status (Magnum's `STATUS_FAILED`, plus any
    /// new `*_FAILED` value) **and `ROLLBACK_COMPLETE`**, which means the requested update was
    /// undone — a waiter must not report it as success.
    pub fn is_failed(&self) -> bool {
        self.as_str().to_ascii_uppercase().ends_with("_FAILED")
            || matches!(self, Self::RollbackComplete)
    }

    /// Magnum's own `STATUS_FAILED` set (the statuses for which `GET` returns `faults`).
    pub fn is_magnum_status_failed(&self) -> bool {
        matches!(
            self,
            Self::CreateFailed
                | Self::UpdateFailed
                | Self::DeleteFailed
                | Self::RollbackFailed
                | Self::ResumeFailed
        )
    }

    /// Whether Magnum's conductor allows update/upgrade/CA rotation from this status.
    pub fn allows_update(&self) -> bool {
        matches!(
            self,
            Self::CreateComplete
                | Self::UpdateComplete
                | Self::ResumeComplete
                | Self::RestoreComplete
                | Self::RollbackComplete
                | Self::SnapshotComplete
                | Self::CheckComplete
                | Self::AdoptComplete
        )
    }
}

/// Federation status: the create/update/delete subset of [`ClusterStatus`].
pub type FederationStatus = ClusterStatus;

open_enum! {
    /// Cluster health reported by Magnum's health monitor.
    HealthStatus {
        /// API and every node ready.
        Healthy => "HEALTHY",
        /// Something is not ready; see `health_status_reason`.
        Unhealthy => "UNHEALTHY",
        /// Magnum could not tell (wire value `UNKNOWN`), e.g. no floating IP to reach the API.
        Undetermined => "UNKNOWN",
    }
}

open_enum! {
    /// Where nodes run (`server_type`).
    ServerType {
        /// Virtual machines (Nova).
        Vm => "vm",
        /// Bare metal (Ironic).
        Bm => "bm",
    }
}

open_enum! {
    /// Container orchestration engine (`coe`). Current Magnum accepts only `kubernetes`; the
    /// others are the historical values still seen in old templates and guides.
    Coe {
        /// Kubernetes — the only COE current Magnum accepts.
        Kubernetes => "kubernetes",
        /// Docker Swarm (legacy, removed upstream in 2024).
        Swarm => "swarm",
        /// Docker swarm mode (removed upstream in 2024).
        SwarmMode => "swarm-mode",
        /// Apache Mesos (removed upstream in 2022).
        Mesos => "mesos",
    }
}

open_enum! {
    /// The image's `os_distro` property, as copied into `cluster_distro`.
    OsDistro {
        /// Fedora CoreOS (the last in-tree Heat driver).
        FedoraCoreos => "fedora-coreos",
        /// Fedora Atomic (retired).
        FedoraAtomic => "fedora-atomic",
        /// Container Linux CoreOS (retired).
        Coreos => "coreos",
        /// Fedora (bare-metal driver, retired).
        Fedora => "fedora",
        /// Ubuntu (Cluster API drivers).
        Ubuntu => "ubuntu",
        /// Ubuntu Focal (early magnum-cluster-api).
        UbuntuFocal => "ubuntu-focal",
        /// Debian (magnum-cluster-api).
        Debian => "debian",
        /// Flatcar (Cluster API drivers).
        Flatcar => "flatcar",
        /// Rocky Linux (magnum-cluster-api).
        Rockylinux => "rockylinux",
    }
}

open_enum! {
    /// Nodegroup role. Magnum accepts any text; `master` is special (one per cluster, not
    /// creatable through the API) and `worker` is the default.
    NodeGroupRole {
        /// Control plane.
        Master => "master",
        /// Workers (the default role).
        Worker => "worker",
    }
}

open_enum! {
    /// Kubernetes taint effect accepted in nodegroup `node_taints` (1.14).
    TaintEffect {
        /// Do not schedule new pods.
        NoSchedule => "NoSchedule",
        /// Avoid scheduling new pods.
        PreferNoSchedule => "PreferNoSchedule",
        /// Evict running pods.
        NoExecute => "NoExecute",
    }
}

open_enum! {
    /// Which of a cluster's CAs to read or sign with (`ca_cert_type`).
    CaCertType {
        /// The cluster (Kubernetes) CA — the default.
        Kubernetes => "kubernetes",
        /// The etcd CA.
        Etcd => "etcd",
        /// The front-proxy CA.
        FrontProxy => "front_proxy",
    }
}

open_enum! {
    /// A quota resource. Magnum has exactly one.
    QuotaResource {
        /// Number of clusters per project.
        Cluster => "Cluster",
    }
}

open_enum! {
    /// Liveness of a Magnum service (`mservices`).
    ServiceState {
        /// Seen within `service_down_time`.
        Up => "up",
        /// Not seen recently, or forced down.
        Down => "down",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_survive_a_round_trip() {
        let status: ClusterStatus = serde_json::from_str("\"HIBERNATE_COMPLETE\"").unwrap();
        assert_eq!(status, ClusterStatus::Unknown("HIBERNATE_COMPLETE".into()));
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            "\"HIBERNATE_COMPLETE\""
        );
        assert!(status.is_complete());
        assert!(!status.is_failed());
    }

    #[test]
    fn failure_set_covers_every_failed_status_and_rollback_complete() {
        let failed: Vec<_> = ClusterStatus::KNOWN
            .iter()
            .filter(|s| s.is_failed())
            .map(ClusterStatus::as_str)
            .collect();
        assert_eq!(
            failed,
            [
                "CREATE_FAILED",
                "UPDATE_FAILED",
                "DELETE_FAILED",
                "RESUME_FAILED",
                "ROLLBACK_FAILED",
                "ROLLBACK_COMPLETE"
            ]
        );
        assert!(ClusterStatus::parse("SUSPEND_FAILED").is_failed());
    }

    #[test]
    fn progress_and_completion_are_disjoint() {
        for status in ClusterStatus::KNOWN {
            let flags = [
                status.is_in_progress(),
                status.is_complete(),
                status.is_failed(),
            ];
            assert!(
                flags.iter().filter(|f| **f).count() <= 1,
                "{status} in several classes"
            );
        }
        assert!(ClusterStatus::CreateInProgress.is_in_progress());
        assert!(ClusterStatus::UpdateComplete.is_complete());
        assert!(!ClusterStatus::DeleteComplete.is_complete());
    }

    #[test]
    fn parsing_is_case_insensitive() {
        assert_eq!(
            ClusterStatus::parse("create_complete"),
            ClusterStatus::CreateComplete
        );
        assert_eq!(Coe::parse("Kubernetes"), Coe::Kubernetes);
        assert_eq!(Coe::parse("swarm-mode"), Coe::SwarmMode);
        assert_eq!(OsDistro::parse("fedora-coreos"), OsDistro::FedoraCoreos);
    }
}
