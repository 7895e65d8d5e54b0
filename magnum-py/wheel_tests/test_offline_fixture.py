"""Run from the installed wheel (scripts/test.sh: a fresh venv, no cargo or rustc on PATH): the
pytest plugin's fixtures serve magnum_sdk, openstacksdk and python-magnumclient — unchanged —
offline, and the `magnum-sim` console script serves the same simulator from a shell."""

import os
import shutil
import signal
import subprocess
import sys
import time

import openstack
import pytest
from magnumclient import client as magnum_client
from magnumclient import exceptions as magnum_exc
from openstack import config as os_config

import magnum_sdk
from magnum_sdk import Client, ClusterFailedError, explain_failure
from magnum_sdk.testing import Simulator, default_catalog

TEMPLATE = dict(image_id="fedora-coreos-40", coe="kubernetes", external_network_id="public",
                flavor_id="m1.small", master_flavor_id="m1.medium", keypair_id="kp")


def test_the_wheel_carries_no_toolchain_dependency():
    assert shutil.which("cargo") is None and shutil.which("rustc") is None
    assert magnum_sdk.__file__.startswith(sys.prefix)


def test_magnum_sdk_through_os_cloud(os_cloud):
    client = Client.from_cloud()  # OS_CLOUD / OS_CLIENT_CONFIG_FILE from the fixture
    template = client.create_cluster_template(name="t", **TEMPLATE)
    cluster = client.wait_cluster_ready(client.create_cluster(template.uuid, name="c", node_count=2), timeout=30)
    assert cluster.status == "CREATE_COMPLETE" and cluster.node_count == 2
    assert [c.name for c in client.list_clusters()] == ["c"]
    client.delete_cluster("c")
    client.wait_cluster_deleted("c", timeout=30)
    assert client.list_clusters() == []


def test_openstacksdk_unchanged(os_cloud):
    conn = openstack.connect(cloud=os_cloud)
    cim = conn.container_infrastructure_management
    template = cim.create_cluster_template(name="sdk", **TEMPLATE)
    cluster = cim.create_cluster(name="sdk", cluster_template_id=template.id, node_count=1, master_count=1)
    cluster = cim.wait_for_status(cim.get_cluster(cluster.id), "CREATE_COMPLETE",
                                  failures=["CREATE_FAILED"], interval=0.1, wait=30)
    assert cluster.status == "CREATE_COMPLETE"
    cim.delete_cluster(cluster)
    cim.wait_for_delete(cluster, interval=0.1, wait=30)
    assert list(cim.clusters()) == []


def test_python_magnumclient_unchanged(os_cloud):
    session = os_config.OpenStackConfig().get_one(os_cloud).get_session()
    mc = magnum_client.Client("1", session=session, api_version="latest")
    template = mc.cluster_templates.create(name="mc", **TEMPLATE)
    cluster = mc.clusters.create(name="mc", cluster_template_id=template.uuid, node_count=1)
    deadline = time.time() + 30
    while mc.clusters.get(cluster.uuid).status != "CREATE_COMPLETE":
        assert time.time() < deadline
        time.sleep(0.1)
    with pytest.raises(magnum_exc.BadRequest, match="is referenced by one or multiple clusters"):
        mc.cluster_templates.delete(template.uuid)
    mc.clusters.delete(cluster.uuid)


def test_every_simulated_user_has_a_cloud(magnum_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", magnum_sim.clouds_yaml(str(tmp_path)))
    assert oct(os.stat(tmp_path / "clouds.yaml").st_mode & 0o777) == "0o600"
    admin = Client.from_cloud("magnum-sim-admin")
    viewer = Client.from_cloud("magnum-sim-viewer")
    admin.create_cluster_template(name="public-t", public=True, **TEMPLATE)
    assert [t.name for t in viewer.list_cluster_templates()] == ["public-t"]
    with pytest.raises(magnum_sdk.ForbiddenError):
        viewer.create_cluster_template(name="nope", **TEMPLATE)


@pytest.mark.magnum_sim(fail_create="Resource CREATE failed: WaitConditionTimeout: resources.kube_masters")
def test_failure_injection_through_the_marker(os_cloud):
    client = Client.from_cloud()
    template = client.create_cluster_template(name="t", **TEMPLATE)
    with pytest.raises(ClusterFailedError) as failed:
        client.wait_cluster_ready(client.create_cluster(template.uuid, name="doomed"), timeout=30)
    codes = [e["code"] for e in explain_failure(failed.value.status_reason)]
    assert "MAGNUM-EXPLAIN-WAIT-CONDITION" in codes


def test_a_catalog_override_changes_what_the_cloud_has(tmp_path, monkeypatch):
    catalog = default_catalog()
    catalog["images"] = [i for i in catalog["images"] if i["name"] != "fedora-coreos-40"]
    with Simulator(catalog=catalog) as sim:
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", sim.clouds_yaml(str(tmp_path)))
        with pytest.raises(magnum_sdk.BadRequestError, match="fedora-coreos-40"):
            Client.from_cloud("magnum-sim").create_cluster_template(name="t", **TEMPLATE)


def test_two_simulators_side_by_side_and_stopped_ports_close():
    import socket
    with Simulator() as one, Simulator() as two:
        assert one.base_url != two.base_url
        port = int(one.base_url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    with pytest.raises(RuntimeError, match="not running"):
        one.auth_url


@pytest.mark.parametrize("bad", [dict(create_seconds=-1), dict(create_seconds=float("nan")),
                                 dict(max_clusters=-5), dict(password="")])
def test_bad_options_are_value_errors(bad):
    with pytest.raises(ValueError):
        Simulator(**bad).start()


def test_the_magnum_sim_console_script(tmp_path):
    script = shutil.which("magnum-sim")
    assert script and script.startswith(sys.prefix), script
    proc = subprocess.Popen([script, "--create-seconds", "0.2", "--clouds-yaml", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        exports = {}
        while "OS_CLIENT_CONFIG_FILE" not in exports:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            key, _, value = line.strip().removeprefix("export ").partition("=")
            exports[key] = value
        assert exports["OS_AUTH_URL"].startswith("http://127.0.0.1:")
    except Exception:
        proc.kill()
        raise
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=exports["OS_CLIENT_CONFIG_FILE"], OS_CLOUD="magnum-sim")
    listed = subprocess.run([sys.executable, "-c", "from magnum_sdk import Client; print(Client.from_cloud().list_clusters())"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert listed.stdout.strip() == "[]", listed.stderr
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
