//! Terraform diagnostics from magnum-core: the doctor's findings pointed at the offending
//! attribute (code, Magnum's message, fix), API errors with status and request id, and a failed
//! cluster explained (status_reason, faults per nodegroup, cause, who must act, fix).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use magnum_core::doctor::explain::{Actor, explain_cluster};
use magnum_core::doctor::preflight::{Finding, Severity};
use magnum_core::types::Cluster;
use tf_provider::{AttributePath, Diagnostics};

/// How a doctor field (`image_id`, `labels.kube_tag`) is spelled in one resource's schema.
pub struct Fields {
    /// Doctor field → attribute name, where they differ (`image_id` → `image`).
    pub renames: &'static [(&'static str, &'static str)],
    /// The resource's attribute names.
    pub attributes: &'static [&'static str],
    /// Where a quota finding (`quota.compute.instances`, …) points: the count that sizes the
    /// need (`node_count`), or the resource itself.
    pub quota_attribute: Option<&'static str>,
}

impl Fields {
    /// A doctor field in this resource's spelling (`image_id` → `image`).
    pub fn name<'a>(&self, field: &'a str) -> &'a str {
        self.renames
            .iter()
            .find(|(from, _)| *from == field)
            .map_or(field, |(_, to)| to)
    }

    /// The attribute path for a doctor field; the resource root when the field is not an
    /// attribute (quotas, microversions, cloud services).
    pub fn path(&self, field: &str) -> AttributePath {
        if let Some(key) = field.strip_prefix("labels.") {
            if self.attributes.contains(&"labels") {
                return AttributePath::new("labels").key(key.to_owned());
            }
        }
        if let (Some(attribute), true) = (self.quota_attribute, field.starts_with("quota.")) {
            return AttributePath::new(attribute);
        }
        let name = self.name(field);
        match self.attributes.iter().find(|a| **a == name) {
            Some(attribute) => AttributePath::new(*attribute),
            None => AttributePath::root(),
        }
    }
}

/// Adds the doctor's findings: errors as errors, warnings as warnings, each on its attribute
/// with the code, Magnum's message and the fix. Returns whether an error was added.
pub fn findings(diags: &mut Diagnostics, found: &[Finding], fields: &Fields) -> bool {
    let mut error = false;
    for finding in found {
        let summary = format!("{}: {}", fields.name(&finding.field), finding.message);
        let detail = format!(
            "Fix: {}\n(magnum doctor {}, pain point {})",
            finding.hint, finding.code, finding.pain_point
        );
        let path = fields.path(&finding.field);
        if finding.severity == Severity::Error {
            error = true;
            diags.error(summary, detail, path);
        } else {
            diags.warning(summary, detail, path);
        }
    }
    error
}

/// Adds an API or configuration error; magnum-core's message carries Magnum's own text, the
/// HTTP status and `x-openstack-request-id`, and never a secret.
pub fn api_error(diags: &mut Diagnostics, what: String, error: &magnum_core::Error) {
    diags.root_error(what, format!("{error} (kind {})", error.kind().as_str()));
}

/// Adds the error for a cluster that ended `*_FAILED`: `status_reason`, the faults per
/// nodegroup and the doctor's explanation of each cause.
pub fn failed_cluster(diags: &mut Diagnostics, operation: &str, cluster: &Cluster) {
    let status = cluster.status.as_ref().map_or("unknown", |s| s.as_str());
    let name = cluster.name.as_deref().unwrap_or("");
    let faults = cluster.faults.clone().unwrap_or_default();
    diags.root_error(
        format!(
            "cluster {name} ({}) {operation} failed: {status}",
            cluster.uuid
        ),
        failure_detail(cluster.status_reason.as_deref(), &faults),
    );
}

/// The text of a failed cluster's diagnostic (pure, for tests).
pub fn failure_detail(status_reason: Option<&str>, faults: &BTreeMap<String, String>) -> String {
    let mut detail = String::new();
    let _ = writeln!(
        detail,
        "status_reason: {}",
        status_reason.filter(|r| !r.is_empty()).unwrap_or("(none)")
    );
    for (nodegroup, fault) in faults {
        let _ = writeln!(detail, "fault in nodegroup {nodegroup}: {fault}");
    }
    let explanations = explain_cluster(status_reason, faults);
    if explanations.is_empty() {
        let _ = writeln!(
            detail,
            "\nThe doctor does not recognise this failure; `openstack stack failures list` on the cluster's stack shows Heat's side."
        );
    }
    for e in explanations {
        let who = match e.actor {
            Actor::User => "you (the cluster's owner)",
            Actor::Deployer => "the cloud's operators",
            _ => "you or the cloud's operators",
        };
        let _ = write!(
            detail,
            "\nWhy ({}, seen in {}): {}\nWho must act: {who}. Retrying unchanged {}.\nFix: {}\n",
            e.code,
            e.source,
            e.cause,
            if e.retryable {
                "may succeed"
            } else {
                "will fail again"
            },
            e.fix
        );
    }
    detail.push_str(
        "\nThe cluster is kept in the state as tainted: the next apply replaces it, `terraform untaint` keeps it.",
    );
    detail
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: Fields = Fields {
        renames: &[("image_id", "image"), ("flavor_id", "flavor")],
        attributes: &["image", "flavor", "labels", "coe"],
        quota_attribute: None,
    };

    #[test]
    fn doctor_fields_point_at_attributes() {
        assert_eq!(TEMPLATE.path("image_id"), AttributePath::new("image"));
        assert_eq!(TEMPLATE.name("image_id"), "image");
        assert_eq!(TEMPLATE.name("quota.compute.cores"), "quota.compute.cores");
        assert_eq!(TEMPLATE.path("coe"), AttributePath::new("coe"));
        assert_eq!(
            TEMPLATE.path("labels.kube_tag"),
            AttributePath::new("labels").key("kube_tag")
        );
        assert_eq!(TEMPLATE.path("quota.compute.cores"), AttributePath::root());
        let cluster = Fields {
            quota_attribute: Some("node_count"),
            ..TEMPLATE
        };
        assert_eq!(
            cluster.path("quota.compute.cores"),
            AttributePath::new("node_count")
        );
        assert_eq!(TEMPLATE.path(""), AttributePath::root());
    }

    #[test]
    fn a_heat_timeout_is_explained_with_who_must_act() {
        let mut faults = BTreeMap::new();
        faults.insert(
            "default-master".to_owned(),
            "Resource CREATE failed: WaitConditionTimeout: resources.master_wait_condition"
                .to_owned(),
        );
        let detail = failure_detail(Some("Stack CREATE failed"), &faults);
        assert!(detail.contains("fault in nodegroup default-master: Resource CREATE failed"));
        assert!(detail.contains("Why (MAGNUM-EXPLAIN-"), "{detail}");
        assert!(detail.contains("Who must act:"), "{detail}");
        assert!(detail.contains("tainted"));
    }

    #[test]
    fn an_unknown_failure_says_so() {
        let detail = failure_detail(None, &BTreeMap::new());
        assert!(detail.starts_with("status_reason: (none)"));
        assert!(detail.contains("does not recognise"));
    }
}
