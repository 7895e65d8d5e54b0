//! Who may do what with a template or a cluster, checked before the request (pain points 27,
//! 28, 33 and 34 of `docs/doctor.md`). Pure: the caller passes what it already knows
//! (whether a template is referenced, the token's user, project and roles).
//!
//! * [`check_template_update`] — Magnum refuses to change a template clusters use, except one
//!   of `name`, `public: true`, `hidden` or `tags` at a time (`ClusterTemplateReferenced`).
//! * [`check_template_use`] — a hidden template is admin-only (403); another project's private
//!   template is invisible (404).
//! * [`check_certificate_access`] — the default policy lets only the cluster's owner (or an
//!   admin) fetch the CA and sign a CSR, so a project colleague's `coe cluster config` is a 403.
//! * [`check_client_csr`] (feature `ca`) — what a CSR will be worth once signed: Magnum keeps the
//!   subject, so `O=system:masters` is cluster-admin; a `subjectKeyIdentifier` or CA flag in
//!   the request is refused or stripped.

use serde_json::{Map, Value};

use super::preflight::{Finding, Findings, Severity};
use crate::types::{Cluster, ClusterTemplate};

/// The fields Magnum lets change on a referenced template, one at a time (`{'public': True}`,
/// `{'hidden': any}`, `{'tags': non-null}`, `{'name': any}`).
fn referenced_change_allowed(changes: &Map<String, Value>) -> bool {
    let mut entries = changes.iter();
    let (Some((field, value)), None) = (entries.next(), entries.next()) else {
        return changes.is_empty();
    };
    match field.as_str() {
        "public" => value == &Value::Bool(true),
        "tags" => !value.is_null(),
        "hidden" | "name" => true,
        _ => false,
    }
}

/// Magnum's referenced-template rule for a template update: `changes` maps each changed field
/// to its new value; `referenced` says whether any cluster uses the template (`GET /v1/clusters`
/// and compare `cluster_template_id`).
pub fn check_template_update(
    template_ident: &str,
    referenced: bool,
    changes: &Map<String, Value>,
) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    if referenced && !referenced_change_allowed(changes) {
        let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
        f.add(
            "MAGNUM-PREFLIGHT-TEMPLATE-IN-USE",
            Severity::Error,
            fields.join(","),
            format!("ClusterTemplate {template_ident} is referenced by one or multiple clusters."),
            "Clusters use this template: create a new template with the change (copy-on-write) and use it for new clusters; only name, public=true, hidden or tags may change, one at a time.",
            27,
        );
    }
    f.0
}

/// Whether `template` can be used (or seen) by a user of `project_id`: hidden templates are for
/// admins only (403), another project's private template is not found (404).
pub fn check_template_use(
    template: &ClusterTemplate,
    project_id: &str,
    is_admin: bool,
) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    let ident = template.uuid.as_str();
    if template.hidden == Some(true) && !is_admin {
        f.add(
            "MAGNUM-PREFLIGHT-TEMPLATE-HIDDEN",
            Severity::Error,
            "cluster_template_id",
            format!(
                "ClusterTemplate {ident} is hidden: only admins can create clusters from it (403)."
            ),
            "Use a template that is not hidden, or ask the cloud's operators to unhide it.",
            28,
        );
    }
    let foreign = template
        .project_id
        .as_deref()
        .is_some_and(|owner| owner != project_id);
    if foreign && template.public != Some(true) && !is_admin {
        f.add(
            "MAGNUM-PREFLIGHT-TEMPLATE-PRIVATE",
            Severity::Error,
            "cluster_template_id",
            format!("ClusterTemplate {ident} belongs to another project and is not public: Magnum answers 404."),
            "Ask its owner to publish it (public=true, admin only by default) or create your own copy.",
            28,
        );
    }
    f.0
}

/// Whether a user can fetch the cluster's CA and sign a CSR (what `coe cluster config` needs):
/// the default policy allows the cluster's owner and admins only.
pub fn check_certificate_access(cluster: &Cluster, user_id: &str, roles: &[&str]) -> Vec<Finding> {
    let mut f = Findings(Vec::new());
    let admin = roles.contains(&"admin");
    let owner = cluster
        .user_id
        .as_deref()
        .is_none_or(|owner| owner == user_id);
    if !owner && !admin {
        f.add(
            "MAGNUM-PREFLIGHT-KUBECONFIG-OWNER",
            Severity::Error,
            "user_id",
            format!(
                "Cluster {} belongs to user {}; Magnum's default policy (certificate:get, certificate:create) refuses other project members with 403.",
                cluster.uuid.as_str(),
                cluster.user_id.as_deref().unwrap_or_default()
            ),
            "The cluster's owner or an admin must produce the kubeconfig (keystone auth does not help: the CA is still fetched), or the operators must relax the certificate policy.",
            33,
        );
    }
    f.0
}

/// What a client CSR will grant once Magnum signs it (it keeps the subject), and whether it
/// will be signed at all. An `Error` finding is reported exactly when [`crate::ca::sign_csr`]
/// with Magnum's default `[x509]` policy would refuse the CSR (bad signature, a weak key or
/// hash, a critical extension or keyUsage the policy refuses, critical `CA:TRUE`, …), carrying
/// the same reason; what the signer would silently change (a dropped extension, cleared
/// keyUsage bits, `CA:TRUE` rewritten, its own subjectKeyIdentifier) is a warning, as is
/// `O=system:masters` (cluster-admin) unless intended.
///
/// # Errors
/// [`crate::ca::CertificateError::InvalidCsr`] when the PEM is not a certificate request.
#[cfg(feature = "ca")]
pub fn check_client_csr(
    csr_pem: &str,
    admin_intended: bool,
) -> Result<Vec<Finding>, crate::ca::CertificateError> {
    use der::Decode;
    use x509_cert::request::CertReq;

    let invalid = |why: String| crate::ca::CertificateError::InvalidCsr(why);
    let (label, der) = der::pem::decode_vec(csr_pem.trim().as_bytes())
        .map_err(|_| invalid("not a PEM certificate request".into()))?;
    if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
        return Err(invalid(format!(
            "PEM label {label:?} is not CERTIFICATE REQUEST"
        )));
    }
    let request = CertReq::from_der(&der).map_err(|e| invalid(format!("malformed CSR: {e}")))?;
    let mut f = Findings(Vec::new());
    match crate::ca::check_csr(csr_pem, &crate::ca::SigningPolicy::default()) {
        Err(refusal) => f.add(
            "MAGNUM-PREFLIGHT-CSR-REFUSED",
            Severity::Error,
            "csr",
            format!("The CA will refuse to sign this CSR: {refusal}"),
            "Make a new CSR: an RSA key of 2048 bits or more (or ECDSA P-256/P-384/P-521, Ed25519), signed with SHA-256 or stronger, without critical extensions the CA refuses (`openssl req -new -newkey rsa:2048 -sha256`).",
            34,
        ),
        Ok(report) => {
            if report.ski_replaced {
                f.add(
                    "MAGNUM-PREFLIGHT-CSR-SKI",
                    Severity::Warning,
                    "csr.extensions",
                    "The CSR carries a subjectKeyIdentifier; the signer replaces it with its own (a signer that kept both would issue a certificate TLS stacks reject).".into(),
                    "Build the CSR without a subjectKeyIdentifier extension.",
                    34,
                );
            }
            if report.ca_rewritten {
                f.add(
                    "MAGNUM-PREFLIGHT-CSR-CA",
                    Severity::Warning,
                    "csr.extensions",
                    "The CSR asks for CA:TRUE; a cluster CA never signs another CA: the certificate will say CA:FALSE.".into(),
                    "Request an end-entity certificate (no basicConstraints, or CA:FALSE).",
                    34,
                );
            }
            if !report.dropped_extensions.is_empty() || !report.cleared_key_usage.is_empty() {
                let cleared: Vec<&str> = report.cleared_key_usage.iter().map(|b| b.name()).collect();
                f.add(
                    "MAGNUM-PREFLIGHT-CSR-CHANGED",
                    Severity::Warning,
                    "csr.extensions",
                    format!(
                        "The signer will change the request: extensions dropped [{}], keyUsage bits cleared [{}].",
                        report.dropped_extensions.join(", "),
                        cleared.join(", ")
                    ),
                    "Request only what the CA grants: keyUsage digitalSignature/keyEncipherment/nonRepudiation, extendedKeyUsage, subjectAltName.",
                    34,
                );
            }
        }
    }
    let subject = request.info.subject.to_string();
    let masters = subject
        .split([',', '+'])
        .any(|part| part.trim() == "O=system:masters");
    if masters && !admin_intended {
        f.add(
            "MAGNUM-PREFLIGHT-CSR-ADMIN",
            Severity::Warning,
            "csr.subject",
            format!("The CSR's subject {subject} includes O=system:masters: the signed certificate is cluster-admin."),
            "Use another organization (a Kubernetes group bound to the rights you need) unless cluster-admin is intended.",
            34,
        );
    }
    Ok(f.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn referenced_templates_change_one_allowed_field_at_a_time() {
        // §8.11 vector 4: network_driver refused, name and public=True allowed.
        let codes = |referenced, c: Value| -> Vec<&str> {
            check_template_update("k8s", referenced, &changes(c))
                .iter()
                .map(|f| f.code)
                .collect()
        };
        assert_eq!(
            codes(true, json!({"network_driver": "calico"})),
            ["MAGNUM-PREFLIGHT-TEMPLATE-IN-USE"]
        );
        assert!(codes(true, json!({"name": "k8s-2"})).is_empty());
        assert!(codes(true, json!({"public": true})).is_empty());
        assert_eq!(
            codes(true, json!({"public": false})).len(),
            1,
            "unpublishing is refused"
        );
        assert_eq!(
            codes(true, json!({"name": "a", "tags": "b"})).len(),
            1,
            "two at once"
        );
        assert_eq!(codes(true, json!({"tags": null})).len(), 1);
        assert!(codes(false, json!({"network_driver": "calico"})).is_empty());
        let finding = &check_template_update("k8s", true, &changes(json!({"image_id": "x"})))[0];
        assert_eq!(
            finding.message,
            "ClusterTemplate k8s is referenced by one or multiple clusters."
        );
    }

    #[test]
    fn hidden_and_foreign_private_templates() {
        let template =
            |v: Value| -> ClusterTemplate { serde_json::from_value(v).expect("template") };
        let hidden = template(json!({"uuid": "t1", "hidden": true, "project_id": "p1"}));
        assert_eq!(
            check_template_use(&hidden, "p1", false)[0].code,
            "MAGNUM-PREFLIGHT-TEMPLATE-HIDDEN"
        );
        assert!(
            check_template_use(&hidden, "p1", true).is_empty(),
            "admins may"
        );
        let foreign = template(json!({"uuid": "t2", "public": false, "project_id": "p2"}));
        assert_eq!(
            check_template_use(&foreign, "p1", false)[0].code,
            "MAGNUM-PREFLIGHT-TEMPLATE-PRIVATE"
        );
        let public = template(json!({"uuid": "t3", "public": true, "project_id": "p2"}));
        assert!(check_template_use(&public, "p1", false).is_empty());
    }

    #[test]
    fn only_the_owner_gets_the_kubeconfig() {
        let cluster: Cluster =
            serde_json::from_value(json!({"uuid": "c1", "user_id": "alice"})).expect("cluster");
        assert!(check_certificate_access(&cluster, "alice", &["member"]).is_empty());
        assert!(check_certificate_access(&cluster, "bob", &["admin"]).is_empty());
        let refused = check_certificate_access(&cluster, "bob", &["member", "reader"]);
        assert_eq!(refused[0].code, "MAGNUM-PREFLIGHT-KUBECONFIG-OWNER");
        assert!(refused[0].message.contains("alice"));
    }

    #[cfg(feature = "ca")]
    #[test]
    fn csr_powers() {
        use crate::ca::{KeyType, PrivateKey, build_csr};
        use std::str::FromStr;
        use x509_cert::ext::Extension;
        use x509_cert::ext::pkix::{BasicConstraints, SubjectKeyIdentifier};
        use x509_cert::name::Name;

        let key = PrivateKey::generate(KeyType::EcP256).expect("key");
        let csr = |subject: &str, extensions: Vec<Extension>| {
            build_csr(&key, &Name::from_str(subject).expect("name"), extensions).expect("csr")
        };
        let codes = |pem: &str, admin| -> Vec<&str> {
            check_client_csr(pem, admin)
                .expect("parsed")
                .iter()
                .map(|f| f.code)
                .collect()
        };
        let admin = csr("CN=admin,O=system:masters", vec![]);
        assert_eq!(codes(&admin, false), ["MAGNUM-PREFLIGHT-CSR-ADMIN"]);
        assert!(codes(&admin, true).is_empty(), "intended");
        assert!(codes(&csr("CN=ci,O=developers", vec![]), false).is_empty());

        use der::Encode;
        use der::asn1::OctetString;
        let extension = |oid: &str, value: Vec<u8>| Extension {
            extn_id: der::asn1::ObjectIdentifier::new_unwrap(oid),
            critical: false,
            extn_value: OctetString::new(value).expect("octets"),
        };
        let ski = SubjectKeyIdentifier(OctetString::new(vec![1, 2, 3]).expect("octets"))
            .to_der()
            .expect("der");
        let ca = BasicConstraints {
            ca: true,
            path_len_constraint: None,
        }
        .to_der()
        .expect("der");
        let risky = csr(
            "CN=ci,O=developers",
            vec![extension("2.5.29.14", ski), extension("2.5.29.19", ca)],
        );
        assert_eq!(
            codes(&risky, false),
            ["MAGNUM-PREFLIGHT-CSR-SKI", "MAGNUM-PREFLIGHT-CSR-CA"]
        );
        assert!(check_client_csr("not pem", false).is_err());
    }
}
