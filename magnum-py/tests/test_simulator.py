"""The whole cluster lifecycle from Python against the embedded simulator (magnum-sim), which,
unlike the conductor-less real magnum-api, creates, resizes and deletes clusters: sync and
async clients, waits with progress, kubeconfig, and the error paths users hit."""

import asyncio
import json
import subprocess
import uuid

import pytest

from magnum_sdk import (AsyncClient, check_cloud, cluster_orphans, BadRequestError, Client, ClusterFailedError, ForbiddenError,
                        NotFoundError, WaitTimeoutError)


def _template(client, name):
    return client.create_cluster_template(
        "fedora-coreos-40", name=name, external_network_id="public", flavor_id="m1.small",
        master_flavor_id="m1.medium", keypair_id="kp", labels={"kube_tag": "v1.30.1"})


def test_sync_lifecycle_create_wait_resize_config_delete(simulator, tmp_path):
    client = Client.from_cloud("sim")
    name = "py-" + uuid.uuid4().hex[:8]
    template = _template(client, name)
    assert template.cluster_distro == "fedora-coreos"
    created = client.create_cluster(template.uuid, name=name, node_count=1)
    seen = []
    ready = client.wait_cluster_ready(created, timeout=30, interval=0.05, on_progress=seen.append)
    assert ready.status.value == "CREATE_COMPLETE"
    assert seen, "progress is reported"
    client.resize_cluster(name, 2, nodegroup="default-worker")
    resized = client.wait_cluster_ready(name, timeout=30, interval=0.05)
    assert resized.node_count == 2
    groups = [g.name for g in client.list_nodegroups(name)]
    assert groups == ["default-master", "default-worker"]
    gpu = client.create_nodegroup(name, "gpu", node_count=1)
    assert gpu.status.value == "CREATE_IN_PROGRESS"
    assert client.wait_nodegroup_ready(name, "gpu", timeout=30, interval=0.05).status.value == "CREATE_COMPLETE"
    client.delete_nodegroup(name, "gpu")
    assert client.get_nodegroup(name, "gpu").status.value == "DELETE_IN_PROGRESS"
    client.wait_nodegroup_deleted(name, "gpu", timeout=30, interval=0.05)
    with pytest.raises(NotFoundError):
        client.get_nodegroup(name, "gpu")
    client.wait_cluster_ready(name, timeout=30, interval=0.05)
    config = client.cluster_config(name, key_type="ec-p256")
    assert "client-certificate-data" in config.kubeconfig
    with pytest.raises(BadRequestError, match="referenced by one or multiple clusters"):
        client.delete_cluster_template(template.uuid)
    client.delete_cluster(name)
    client.wait_cluster_deleted(created, timeout=30, interval=0.05)
    with pytest.raises(NotFoundError):
        client.get_cluster(name)
    client.delete_cluster_template(template.uuid)


def test_failures_come_back_as_typed_exceptions(simulator):
    client = Client.from_cloud("sim")
    with pytest.raises(BadRequestError, match="doesn't contain os_distro field") as err:
        client.create_cluster_template("no-os-distro", name="bad")
    assert err.value.status_code == 400 and err.value.request_id.startswith("req-")
    name = "py-" + uuid.uuid4().hex[:8]
    template = _template(client, name)
    reason = "Resource CREATE failed: WaitConditionTimeout"
    doomed = client.create_cluster(template.uuid, name=name, labels={"sim_fail_create": reason})
    with pytest.raises(ClusterFailedError) as failed:
        client.wait_cluster_ready(doomed, timeout=30, interval=0.05)
    assert failed.value.status == "CREATE_FAILED"
    assert failed.value.status_reason == reason
    assert failed.value.faults["default-worker"] == reason
    slow = client.create_cluster(template.uuid, name=name + "-slow")
    with pytest.raises(WaitTimeoutError) as timeout:
        client.wait_cluster_ready(slow, timeout=0.01, interval=0.005)
    assert timeout.value.last is None or timeout.value.last["status"] == "CREATE_IN_PROGRESS"
    with pytest.raises(ForbiddenError, match="magnum-service:get_all"):
        client.list_mservices()
    admin = Client.from_cloud("sim-admin")
    assert [s.binary for s in admin.list_mservices()] == ["magnum-conductor"]
    for ident in (doomed, slow):
        client.delete_cluster(ident)
        client.wait_cluster_deleted(ident, timeout=30, interval=0.05)
    client.delete_cluster_template(template.uuid)


def test_async_lifecycle(simulator):
    async def run():
        client = AsyncClient.from_cloud("sim")
        name = "pyasync-" + uuid.uuid4().hex[:8]
        template = await client.create_cluster_template(
            "ubuntu-22.04", name=name, external_network_id="public")
        created = await client.create_cluster(template.uuid, name=name)
        ready = await client.wait_cluster_ready(created, timeout=30, interval=0.05)
        assert ready.status.value == "CREATE_COMPLETE"
        await client.delete_cluster(created)
        await client.wait_cluster_deleted(created, timeout=30, interval=0.05)
        await client.delete_cluster_template(template.uuid)

    asyncio.run(run())


def test_check_cloud_reports_what_the_token_and_the_services_show(simulator):
    found = check_cloud("sim", template={"image_id": "no-os-distro", "coe": "kubernetes",
                                         "keypair_id": "nope", "external_network_id": "public"})
    codes = {(f["code"], f["field"]) for f in found}
    assert ("MAGNUM-CLOUD-IMAGE-OS-DISTRO", "image_id") in codes
    assert ("MAGNUM-CLOUD-KEYPAIR", "keypair") in codes
    assert ("MAGNUM-CLOUD-ENDPOINT-UNREACHABLE", "catalog.identity") in codes, codes
    assert all(f["severity"] in ("error", "warning") for f in found)
    clean = check_cloud("sim", template={"image_id": "fedora-coreos-40", "coe": "kubernetes",
                                         "keypair_id": "kp", "external_network_id": "public"})
    assert not [f for f in clean if f["field"] in ("image_id", "keypair", "external_network_id")]
    with pytest.raises(TypeError, match="check_cloud"):
        check_cloud("sim", template={"image": "typo"})


def test_cluster_orphans_dry_run_then_delete(simulator):
    client = Client.from_cloud("sim")
    name = "py-" + uuid.uuid4().hex[:8]
    template = _template(client, name)
    cluster = client.create_cluster(template.uuid, name=name, node_count=1)  # its uuid
    assert cluster_orphans(cluster, "sim")["plan"]["load_balancers"] == [], "not running yet"
    client.wait_cluster_ready(cluster, timeout=30, interval=0.05)
    found = cluster_orphans(cluster, "sim")
    plan = found["plan"]
    assert found["deleted"] is None, "a dry run by default"
    assert len(plan["load_balancers"]) == 1 and len(plan["floating_ips"]) == 1
    assert plan["floating_ips"][0]["port_id"] == plan["load_balancers"][0]["vip_port_id"]
    cleaned = cluster_orphans(cluster, "sim", delete=True, timeout=5)
    assert cleaned["deleted"]["load_balancers"] == [plan["load_balancers"][0]["id"]]
    assert cleaned["deleted"]["floating_ips"] == [plan["floating_ips"][0]["id"]]
    assert cluster_orphans(cluster, "sim")["plan"]["load_balancers"] == []
    with pytest.raises(ValueError, match="timeout"):
        cluster_orphans(cluster, "sim", timeout=-1)


class _Stop(Exception):
    pass


def test_an_exception_in_on_progress_stops_the_wait_and_is_raised(simulator):
    import time
    client = Client.from_cloud("sim")
    name = "py-cb-" + uuid.uuid4().hex[:8]
    template = _template(client, name)
    created = client.create_cluster(template.uuid, name=name, node_count=1)

    def explode(event):
        raise _Stop("stop: %s" % event["status"])

    started = time.monotonic()
    with pytest.raises(_Stop, match="stop: CREATE_IN_PROGRESS"):
        client.wait_cluster_ready(created, timeout=60, interval=0.05, on_progress=explode)
    assert time.monotonic() - started < 10, "the wait stopped at once, not at its timeout"

    async def scenario():
        aclient = AsyncClient.from_cloud("sim")
        with pytest.raises(_Stop):
            await aclient.wait_cluster_ready(created, timeout=60, interval=0.05, on_progress=explode)
    asyncio.run(scenario())
    client.wait_cluster_ready(created, timeout=30, interval=0.05)
    client.delete_cluster(created)
    client.wait_cluster_deleted(created, timeout=30, interval=0.05)
    client.delete_cluster_template(template.uuid)


def test_kubectl_and_the_kubernetes_client_read_a_simulated_cluster(simulator, tmp_path):
    # The kubeconfig our SDK writes (what `openstack coe cluster config` writes) reaches the
    # cluster's live Kubernetes API on loopback: kubectl and the python kubernetes client list
    # its nodes and pods; a resize shows up in the node list.
    import kubernetes

    client = Client.from_cloud("sim")
    name = "kube-" + uuid.uuid4().hex[:8]
    template = _template(client, name)
    created = client.create_cluster(template.uuid, name=name, node_count=2)
    ready = client.wait_cluster_ready(created, timeout=30, interval=0.05)
    assert ready.api_address.startswith("https://127.0.0.1:") and not ready.api_address.endswith(":6443")
    export = client.cluster_config(name, key_type="ec-p256").write_files(str(tmp_path))
    kubeconfig = export.split("=", 1)[1].strip().strip('"')

    api = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(config_file=kubeconfig))
    nodes = api.list_node().items
    assert len(nodes) == 3 and sum("node-role.kubernetes.io/control-plane" in n.metadata.labels for n in nodes) == 1
    assert all(n.status.node_info.kubelet_version == ready.coe_version for n in nodes)
    pods = api.list_pod_for_all_namespaces().items
    assert {"kube-system", "kubernetes-dashboard"} == {p.metadata.namespace for p in pods}
    assert all(p.status.phase == "Running" for p in pods)
    with pytest.raises(kubernetes.client.ApiException) as refused:
        api.create_namespace({"metadata": {"name": "x"}})
    assert refused.value.status == 405

    kubectl = ["kubectl", "--kubeconfig", kubeconfig]
    listed = subprocess.run(kubectl + ["get", "nodes", "-o", "name"], capture_output=True, text=True, check=True)
    assert sorted(listed.stdout.split()) == sorted(f"node/{n.metadata.name}" for n in nodes)
    printed = subprocess.run(kubectl + ["get", "nodes"], capture_output=True, text=True, check=True).stdout
    header, *rows = printed.splitlines()
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [row.split()[1] for row in rows] == ["Ready"] * 3 and sum("control-plane" in row for row in rows) == 1
    version = subprocess.run(kubectl + ["version", "-o", "json"], capture_output=True, text=True, check=True)
    assert json.loads(version.stdout)["serverVersion"]["gitVersion"] == ready.coe_version

    client.resize_cluster(name, 3, nodegroup="default-worker")
    client.wait_cluster_ready(name, timeout=30, interval=0.05)
    assert len(api.list_node().items) == 4
    client.delete_cluster(name)
    client.wait_cluster_deleted(created, timeout=30, interval=0.05)
    client.delete_cluster_template(template.uuid)
