"""The failure explainer through the binding: a failed cluster's words → cause, actor, fix."""

import pytest

from magnum_sdk import explain_failure


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
