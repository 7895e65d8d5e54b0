"""The blocking Client against a real magnum-api 23.0.0: reads, deletes, errors, waits, access."""

import os
import signal
import subprocess
import threading
import time

import pytest

import magnum_sdk
from magnum_sdk import (
    ApiError, Client, Cluster, ClusterFailedError, ClusterStatus, ClusterTemplate, ConflictError,
    ForbiddenError, HealthStatus, MagnumError, MicroversionUnsupportedError, NotFoundError,
    ValidationError, WaitTimeoutError,
)

from conftest import ADMIN


def test_versions_are_discovered(client):
    assert client.server_versions() == {"min": "1.1", "max": "1.14"}


def test_templates_are_typed_models(client):
    templates = client.list_cluster_templates()
    assert len(templates) >= 5 and all(isinstance(t, ClusterTemplate) for t in templates)
    seeded = client.get_cluster_template("k8s-seeded")
    assert seeded.coe == "kubernetes" and seeded.labels["kube_tag"] == "v1.30.1"
    assert seeded == client.get_cluster_template(seeded.uuid)
    assert seeded.to_dict()["driver"] == "k8s_capi_helm_v1"
    assert repr(seeded).startswith("ClusterTemplate(uuid=")
    with pytest.raises(AttributeError):
        seeded.name = "x"
    page = client.list_cluster_templates(limit=2)
    assert len(page) == 2


def test_listed_items_read_fields_without_building_dicts(client):
    listed = {c.name: c for c in client.list_clusters(detail=True)}
    ready = listed["k8s-ready"]
    fetched = client.get_cluster("k8s-ready")
    assert ready.status is ClusterStatus.CREATE_COMPLETE and ready.labels == fetched.labels
    whole = fetched.to_dict()
    assert {key: ready.get(key) for key in whole} == whole  # every key, unknown ones too
    assert ready.get("no-such-key", "default") == "default" and ready.api_address == fetched.api_address
    assert repr(ready) == repr(fetched)
    assert ready._dict is None  # attributes, get and repr converted single fields only
    copy = ready.to_dict()
    copy["labels"]["mutated"] = "yes"
    assert "mutated" not in ready.to_dict()["labels"] and "mutated" not in ready.labels
    assert ready == fetched and ready.to_dict() == whole


def test_api_errors_carry_status_request_id_and_magnums_message(client):
    with pytest.raises(NotFoundError) as missing:
        client.get_cluster_template("no-such-template")
    err = missing.value
    assert isinstance(err, ApiError) and isinstance(err, MagnumError)
    assert err.status_code == 404 and err.request_id.startswith("req-")
    assert err.errors[0]["detail"] == "ClusterTemplate no-such-template could not be found."
    with pytest.raises(ConflictError, match="Multiple ClusterTemplates exist with same name"):
        client.get_cluster_template("k8s-dup")


def test_policy_and_microversion_errors(magnum_url):
    member = Client.from_endpoint(magnum_url, user_id="u9", project_id="p1", roles=["member"])
    with pytest.raises(ForbiddenError, match="clustertemplate:get_all"):
        member.list_cluster_templates()
    pinned = Client.from_endpoint(magnum_url, microversion="1.99", **ADMIN)
    with pytest.raises(MicroversionUnsupportedError, match="pinned to Magnum API microversion 1.99"):
        pinned.list_clusters()


def test_bad_arguments_are_type_errors(client):
    with pytest.raises(TypeError):
        client.get_cluster(ident="x", bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="changes must be one of name, image_id.*got 'nmae'"):
        client.update_cluster_template("k8s-seeded", changes={"nmae": "x"})


def test_clusters_nodegroups_and_status_enums(client):
    clusters = {c.name: c for c in client.list_clusters(detail=True)}
    assert {"k8s-ready", "k8s-failed", "k8s-plain"} <= set(clusters)
    ready = client.get_cluster("k8s-ready")
    assert ready.status is ClusterStatus.CREATE_COMPLETE and ready.status.is_complete
    assert ready.health_status is HealthStatus.HEALTHY
    failed = client.get_cluster("k8s-failed")
    assert failed.status.is_failed and "WaitConditionFailure" in failed.faults["default-master"]
    groups = client.list_nodegroups("k8s-ready")
    assert {g.name for g in groups} == {"default-master", "default-worker", "gpu"}
    assert client.get_nodegroup("k8s-ready", "gpu").node_labels == {"workload": "gpu"}
    assert len(client.list_nodegroups("k8s-ready", role="master")) == 1
    assert ClusterStatus("HIBERNATE_COMPLETE").is_complete  # unknown values are tolerated


def test_quotas_stats_services_federations(client):
    assert client.get_quota("p1").hard_limit == 7
    assert client.get_quota("p-none").hard_limit == 20
    stats = client.get_stats()
    assert stats.clusters == 3 and stats.nodes == 10
    assert client.list_mservices()[0].binary == "magnum-conductor"
    assert client.get_federation("fed-one").properties == {"dns-zone": "example.com."}


def test_waits_report_failures_progress_and_timeouts(client):
    seen = []
    ready = client.wait_cluster_ready("k8s-ready", timeout=10, interval=0.05, on_progress=seen.append)
    assert isinstance(ready, Cluster) and seen[0]["status"] == "CREATE_COMPLETE"
    with pytest.raises(ClusterFailedError) as failed:
        client.wait_cluster_ready("k8s-failed", timeout=10, interval=0.05)
    assert failed.value.status == "CREATE_FAILED"
    assert "WaitConditionTimeout" in failed.value.faults["default-worker"]
    assert failed.value.last["name"] == "k8s-failed"
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as timeout:
        client.wait_cluster_deleted("k8s-ready", timeout=0.3, interval=0.05)
    assert isinstance(timeout.value, TimeoutError)
    assert timeout.value.last["status"] == "CREATE_COMPLETE" and time.monotonic() - started < 5


def test_ctrl_c_interrupts_a_wait_promptly(client):
    # A parent that started us with SIGINT ignored (a background job of a non-interactive
    # shell) would keep Python from installing its handler: install it for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _interrupt_a_wait(client)
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_a_wait(client):
    main = threading.get_ident()
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        client.wait_cluster_deleted("k8s-ready", timeout=60, interval=0.2)
    assert time.monotonic() - started < 3


def test_threads_share_a_client(client):
    results = []
    threads = [threading.Thread(target=lambda: results.append(client.get_cluster("k8s-ready").uuid)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 8


def test_usable_after_fork(client):
    client.get_stats()  # the parent has used the runtime and connections
    pid = os.fork()
    if pid == 0:
        try:
            ok = client.get_cluster("k8s-ready").name == "k8s-ready"
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_kubeconfig_of_a_tls_disabled_cluster(client):
    config = client.cluster_config("k8s-plain")
    assert "server: https://172.24.4.6:6443" in config.kubeconfig
    assert config.key_pem is None and config.ca_pem is None


def test_delete_then_not_found(client):
    client.delete_cluster_template("k8s-spare")
    with pytest.raises(NotFoundError):
        client.get_cluster_template("k8s-spare")


def test_ca_helpers_sign_and_openssl_verifies(tmp_path):
    bundle = magnum_sdk.generate_cluster_ca("k8s-py")
    ca = bundle["cluster_ca"]
    assert ca["private_key"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    subprocess.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", str(tmp_path / "n.key"),
                    "-out", str(tmp_path / "n.csr"), "-subj", "/CN=node/O=system:nodes/O=system:masters"],
                   check=True, capture_output=True)
    cert = magnum_sdk.sign_csr((tmp_path / "n.csr").read_text(), ca["certificate"], ca["private_key"],
                               passphrase=ca["passphrase"])
    (tmp_path / "ca.pem").write_text(ca["certificate"])
    (tmp_path / "n.pem").write_text(cert)
    subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "n.pem")], check=True,
                   capture_output=True)
    with pytest.raises(magnum_sdk.CertificateError, match="invalid CSR"):
        magnum_sdk.sign_csr("garbage", ca["certificate"], ca["private_key"], passphrase=ca["passphrase"])


def test_cluster_config_files_are_private_and_not_overwritten(client, tmp_path):
    config = client.cluster_config("k8s-plain")
    line = config.write_files(str(tmp_path))
    assert line == f"export KUBECONFIG={tmp_path / 'config'}\n"
    assert (tmp_path / "config").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "config").read_text() == config.kubeconfig
    with pytest.raises(FileExistsError, match="exists, aborting"):
        config.write_files(str(tmp_path))
    config.write_files(str(tmp_path), force=True)
