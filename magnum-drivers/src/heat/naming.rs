//! Heat stack names and create timeouts exactly as Magnum makes them (`HeatDriver._create_stack`,
//! Magnum's source and unit tests).

/// `[cluster_heat] create_timeout`: the default when a cluster has none (minutes).
pub const DEFAULT_CREATE_TIMEOUT_MINS: u32 = 60;

fn sanitize(prefix: &str, short_id: &str) -> String {
    let cleaned: String = prefix
        .chars()
        .map(|c| if c == '_' || c == '.' { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("{cleaned}-{short_id}").to_ascii_lowercase()
}

/// The cluster stack's name: the first 30 characters of the cluster name, `_` and `.` turned
/// into `-`, anything else outside `[A-Za-z0-9-]` dropped, `-<short id>` appended, lowercased.
pub fn stack_name(cluster_name: &str, short_id: &str) -> String {
    let prefix: String = cluster_name.chars().take(30).collect();
    sanitize(&prefix, short_id)
}

/// A non-default nodegroup's stack: `<cluster name[:20]>-<nodegroup name[:9]>`, then as
/// [`stack_name`].
pub fn nodegroup_stack_name(cluster_name: &str, nodegroup_name: &str, short_id: &str) -> String {
    let cluster: String = cluster_name.chars().take(20).collect();
    let nodegroup: String = nodegroup_name.chars().take(9).collect();
    sanitize(&format!("{cluster}-{nodegroup}"), short_id)
}

/// Heat's `timeout_mins`: the cluster's `create_timeout` when set and non-zero, else 60.
pub fn timeout_mins(create_timeout: Option<u32>) -> u32 {
    create_timeout
        .filter(|t| *t > 0)
        .unwrap_or(DEFAULT_CREATE_TIMEOUT_MINS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnums_stack_name_vector() {
        assert_eq!(
            stack_name("expected_stack_name", "xx-xx-xx-xx"),
            "expected-stack-name-xx-xx-xx-xx"
        );
    }

    #[test]
    fn stack_names_are_cut_cleaned_and_lowercased() {
        let long = "My.Cluster_with spaces+and/odd*chars-and-a-very-long-tail";
        let name = stack_name(long, "abcdefghijkl");
        // First 30 chars: "My.Cluster_with spaces+and/odd" → dots/underscores → '-', others dropped.
        assert_eq!(name, "my-cluster-withspacesandodd-abcdefghijkl");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
        assert_eq!(stack_name("ÜberCluster", "id"), "bercluster-id");
        assert_eq!(stack_name("", "id"), "-id");
    }

    #[test]
    fn nodegroup_stack_names() {
        assert_eq!(
            nodegroup_stack_name(
                "production_cluster_east_1",
                "gpu_workers_large",
                "q1w2e3r4t5y6"
            ),
            "production-cluster-e-gpu-worke-q1w2e3r4t5y6"
        );
    }

    #[test]
    fn timeouts() {
        assert_eq!(timeout_mins(Some(15)), 15);
        assert_eq!(timeout_mins(None), 60);
        assert_eq!(timeout_mins(Some(0)), 60);
    }
}
