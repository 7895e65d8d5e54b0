//! Identifier newtypes: one type per resource so a cluster id cannot be passed where a template
//! id is expected, and [`NameOrId`], what Magnum's `{uuid_or_name}` paths accept.

use std::fmt;

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id string as returned by Magnum.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the id string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self::new(id)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<$name> for NameOrId {
            fn from(id: $name) -> Self {
                NameOrId(id.0)
            }
        }

        impl From<&$name> for NameOrId {
            fn from(id: &$name) -> Self {
                NameOrId(id.0.clone())
            }
        }
    };
}

string_id!(
    /// UUID of a cluster template.
    ClusterTemplateId
);
string_id!(
    /// UUID of a cluster.
    ClusterId
);
string_id!(
    /// UUID of a node group.
    NodeGroupId
);
string_id!(
    /// UUID of a federation.
    FederationId
);

/// A resource reference as Magnum's `{uuid_or_name}` URL segments accept it.
///
/// Magnum resolves names on the server; a name shared by several resources gives
/// **409 Conflict** ("Multiple … exist with same name").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameOrId(String);

impl NameOrId {
    /// Wraps a name or UUID.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NameOrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for NameOrId {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for NameOrId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&String> for NameOrId {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

/// The key of a quota row: `/v1/quotas/{project_id}/{resource}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct QuotaKey {
    /// Keystone project id.
    pub project_id: String,
    /// The quota resource (Magnum knows only `Cluster`).
    pub resource: crate::types::QuotaResource,
}

impl QuotaKey {
    /// Builds the key for a project's quota on `resource`.
    pub fn new(project_id: impl Into<String>, resource: crate::types::QuotaResource) -> Self {
        Self {
            project_id: project_id.into(),
            resource,
        }
    }

    /// The cluster quota of a project — the only quota Magnum has.
    pub fn clusters(project_id: impl Into<String>) -> Self {
        Self::new(project_id, crate::types::QuotaResource::Cluster)
    }
}
