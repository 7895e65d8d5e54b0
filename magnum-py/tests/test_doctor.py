"""The failure explainer through the binding: a failed cluster's words → cause, actor, fix."""

import pytest

from magnum_sdk import (CertificateError, check_certificate_access, check_client_csr, check_template_update,
                        explain_failure, preflight_nodegroup)


def test_barbican_missing_is_a_deployer_problem():
    [finding] = explain_failure("Failed to create certificates for Cluster: 5d12f6fd-a196-4bf0-ae4c-1f639a523a52")
    assert finding["code"] == "MAGNUM-EXPLAIN-CERTS"
    assert finding["actor"] == "deployer"
    assert finding["retryable"] is False
    assert "x509keypair" in finding["fix"]
    assert finding["source"] == "status_reason"


def test_faults_are_explained_once_with_their_nodegroup():
    timeout = "Resource CREATE failed: WaitConditionTimeout: resources.kube_masters: 0 of 1 received"
    findings = explain_failure("default-master failed, default-worker failed",
                               {"default-master": timeout, "default-worker": timeout})
    assert [f["code"] for f in findings] == ["MAGNUM-EXPLAIN-WAIT-CONDITION"]
    assert findings[0]["source"] == "faults[default-master]"
    assert findings[0]["pain_point"] == 13


def test_unknown_text_and_bad_input():
    assert explain_failure("Stack CREATE completed successfully") == []
    assert explain_failure(None) == []
    with pytest.raises(TypeError):
        explain_failure(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        explain_failure("x", {"ng": 1})  # type: ignore[dict-item]


def test_preflight_template_reports_everything_at_once():
    from magnum_sdk import preflight_template
    findings = preflight_template(image_id="fcos", coe="swarm", dns_nameserver="dns.example.com",
                                  labels={"selinux_mode": "Enforcing"})
    assert [f["code"] for f in findings] == ["MAGNUM-PREFLIGHT-COE", "MAGNUM-PREFLIGHT-DNS", "MAGNUM-PREFLIGHT-LABEL"]
    assert findings[0]["message"] == "Requested COE type swarm is not supported."
    assert {f["severity"] for f in findings} == {"error"}
    assert preflight_template(image_id="fcos", coe="kubernetes") == []
    with pytest.raises(TypeError, match="dns_nameservers"):
        preflight_template(image_id="fcos", coe="kubernetes", dns_nameservers="8.8.8.8")


def test_preflight_cluster_uses_the_template():
    from magnum_sdk import preflight_cluster
    template = {"uuid": "t", "master_lb_enabled": False}
    findings = preflight_cluster(template, cluster_template_id="t", master_count=3)
    assert [f["message"] for f in findings] == ["master_count must be 1 when master_lb_enabled is False"]
    assert preflight_cluster(cluster_template_id="t", master_count=1, name="prod") == []


# A P-256 CSR for CN=admin, O=system:masters (made with `openssl req -new -newkey ec ...`).
ADMIN_CSR = """-----BEGIN CERTIFICATE REQUEST-----
MIHlMIGLAgEAMCkxDjAMBgNVBAMMBWFkbWluMRcwFQYDVQQKDA5zeXN0ZW06bWFz
dGVyczBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNLdSnpMOnXArgh+Ovf7pItI
85zIhbSzfsQof7nh63duEmJqdELfbX5/udogAI7ZrikufpqJoXsJNTLDQFw9eTqg
ADAKBggqhkjOPQQDAgNJADBGAiEA9Wjgsu0ZFI2gJXjGvbO/zxDY7OajLg+Oyont
uUvJ534CIQD92Bu3T3RWpVQld3C+F/kyDazFCF68IjTWoWmbRZxA0A==
-----END CERTIFICATE REQUEST-----
"""


def test_access_and_nodegroup_checks():
    assert [f["code"] for f in check_template_update("k8s", {"network_driver": "calico"}, referenced=True)] \
        == ["MAGNUM-PREFLIGHT-TEMPLATE-IN-USE"]
    assert check_template_update("k8s", {"name": "k8s-2"}, referenced=True) == []
    refused = check_certificate_access({"uuid": "c1", "user_id": "alice"}, "bob", ["member"])
    assert refused[0]["code"] == "MAGNUM-PREFLIGHT-KUBECONFIG-OWNER"
    assert check_certificate_access({"uuid": "c1", "user_id": "alice"}, "alice", ["member"]) == []
    [admin] = check_client_csr(ADMIN_CSR)
    assert admin["code"] == "MAGNUM-PREFLIGHT-CSR-ADMIN" and admin["severity"] == "warning"
    assert check_client_csr(ADMIN_CSR, admin_intended=True) == []
    with pytest.raises(CertificateError):
        check_client_csr("not a csr")
    found = preflight_nodegroup(name="gpu", node_count=5, max_node_count=3,
                                node_labels={"gpu": "true"}, server_max="1.12")
    assert [f["code"] for f in found] == ["MAGNUM-PREFLIGHT-NODE-BOUNDS", "MAGNUM-PREFLIGHT-MICROVERSION"]
    assert preflight_nodegroup(name="gpu", node_count=2, max_node_count=3) == []
    with pytest.raises(TypeError, match="preflight_nodegroup"):
        preflight_nodegroup(name="gpu", nodecount=2)
