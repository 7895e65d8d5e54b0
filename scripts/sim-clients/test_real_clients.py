"""python-magnumclient 5.0.0 and openstacksdk 4.22.0, unchanged, against magnum-sim.

Run by scripts/sim-clients/run.sh, which starts the simulator and exports its OS_* variables.
Each client authenticates through keystoneauth1 against the simulator's Keystone front and
finds Magnum in its catalog. A difference between what a client expects and what the
simulator answers is a simulator bug.
"""

import os
import time
import uuid

import openstack
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
from magnumclient import client as magnum_client
from magnumclient import exceptions as magnum_exc


def keystone_session(user=None, project=None):
    loader = loading.get_plugin_loader("password")
    auth = loader.load_from_options(
        auth_url=os.environ["OS_AUTH_URL"],
        username=user or os.environ["OS_USERNAME"],
        password=os.environ["OS_PASSWORD"],
        project_name=project or os.environ["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return ks_session.Session(auth=auth)


@pytest.fixture(scope="module")
def mc():
    # As the OSC plugin does (--os-container-infra-api-version defaults to latest); without it
    # magnumclient sends no version header and Magnum serves 1.1, where resize is a 406.
    return magnum_client.Client("1", session=keystone_session(), api_version="latest")


@pytest.fixture(scope="module")
def mc_admin():
    return magnum_client.Client(
        "1", session=keystone_session("admin", "admin"), api_version="latest"
    )


@pytest.fixture(scope="module")
def conn():
    return openstack.connect(
        auth_url=os.environ["OS_AUTH_URL"],
        username=os.environ["OS_USERNAME"],
        password=os.environ["OS_PASSWORD"],
        project_name=os.environ["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
    )


def wait_for(get, statuses, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        obj = get()
        if obj.status in statuses:
            return obj
        assert not obj.status.endswith("FAILED"), obj.status_reason
        time.sleep(0.1)
    raise AssertionError(f"still {obj.status} after {timeout}s")


def csr_pem():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
            x509.NameAttribute(NameOID.COMMON_NAME, "admin"),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def template_fields(name):
    return dict(
        name=name,
        image_id="fedora-coreos-40",
        coe="kubernetes",
        external_network_id="public",
        keypair_id="kp",
        flavor_id="m1.small",
        master_flavor_id="m1.medium",
        network_driver="calico",
        labels={"kube_tag": "v1.30.1"},
    )


def test_magnumclient_templates_and_their_errors(mc):
    name = f"mc-{uuid.uuid4().hex[:8]}"
    ct = mc.cluster_templates.create(**template_fields(name))
    assert ct.cluster_distro == "fedora-coreos"
    assert name in [t.name for t in mc.cluster_templates.list()]
    assert mc.cluster_templates.get(name).uuid == ct.uuid
    updated = mc.cluster_templates.update(
        ct.uuid, [{"op": "replace", "path": "/labels", "value": "{'kube_tag': 'v1.31.0'}"}]
    )
    assert updated.labels == {"kube_tag": "v1.31.0"}
    with pytest.raises(magnum_exc.BadRequest) as err:
        mc.cluster_templates.create(**dict(template_fields("bad"), image_id="no-os-distro"))
    assert "doesn't contain os_distro field" in str(err.value)
    with pytest.raises(magnum_exc.NotFound):
        mc.cluster_templates.get("no-such-template")
    mc.cluster_templates.delete(ct.uuid)
    with pytest.raises(magnum_exc.NotFound):
        mc.cluster_templates.get(ct.uuid)


def test_magnumclient_cluster_lifecycle(mc, mc_admin):
    name = f"mc-{uuid.uuid4().hex[:8]}"
    ct = mc.cluster_templates.create(**template_fields(name))
    created = mc.clusters.create(
        name=name, cluster_template_id=ct.uuid, node_count=1, master_count=1
    )
    ready = wait_for(lambda: mc.clusters.get(created.uuid), ["CREATE_COMPLETE"])
    assert ready.api_address.startswith("https://")
    assert [c.uuid for c in mc.clusters.list()].count(created.uuid) == 1

    mc.clusters.resize(created.uuid, 2, nodegroup="default-worker")
    resized = wait_for(lambda: mc.clusters.get(created.uuid), ["UPDATE_COMPLETE"])
    assert resized.node_count == 2

    groups = mc.nodegroups.list(created.uuid)
    assert sorted(g.name for g in groups) == ["default-master", "default-worker"]
    gpu = mc.nodegroups.create(created.uuid, name="gpu", node_count=1, max_node_count=3)
    assert gpu.name == "gpu"
    wait_for(lambda: mc.nodegroups.get(created.uuid, "gpu"), ["CREATE_COMPLETE", "UPDATE_COMPLETE"])
    with pytest.raises(magnum_exc.Conflict):
        mc.nodegroups.create(created.uuid, name="gpu", node_count=1)
    wait_for(lambda: mc.clusters.get(created.uuid), ["UPDATE_COMPLETE"])
    mc.nodegroups.delete(created.uuid, "gpu")
    wait_for(lambda: mc.clusters.get(created.uuid), ["UPDATE_COMPLETE"])

    ca = mc.certificates.get(cluster_uuid=created.uuid)
    assert ca.pem.startswith("-----BEGIN CERTIFICATE-----")
    signed = mc.certificates.create(cluster_uuid=created.uuid, csr=csr_pem())
    cert = x509.load_pem_x509_certificate(signed.pem.encode())
    issuer = x509.load_pem_x509_certificate(ca.pem.encode())
    assert cert.issuer == issuer.subject

    stats = mc.stats.list()
    assert stats.clusters >= 1

    mc.clusters.delete(created.uuid)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            mc.clusters.get(created.uuid)
        except magnum_exc.NotFound:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("cluster not deleted")
    mc.cluster_templates.delete(ct.uuid)


def test_magnumclient_admin_quotas_and_services(mc, mc_admin):
    quota = mc_admin.quotas.create(project_id="demo-project-id", resource="Cluster", hard_limit=7)
    assert quota.hard_limit == 7
    assert mc_admin.quotas.get("demo-project-id", "Cluster").hard_limit == 7
    with pytest.raises(magnum_exc.Conflict):
        mc_admin.quotas.create(project_id="demo-project-id", resource="Cluster", hard_limit=7)
    mc_admin.quotas.delete("demo-project-id", "Cluster")
    assert [s.binary for s in mc_admin.mservices.list()] == ["magnum-conductor"]
    with pytest.raises(magnum_exc.Forbidden):
        mc.mservices.list()


def test_openstacksdk_lifecycle(conn):
    cim = conn.container_infrastructure_management
    name = f"sdk-{uuid.uuid4().hex[:8]}"
    ct = cim.create_cluster_template(**template_fields(name))
    assert ct.name == name
    assert name in [t.name for t in cim.cluster_templates()]
    cluster = cim.create_cluster(
        name=name, cluster_template_id=ct.id, node_count=1, master_count=1
    )
    cluster = cim.wait_for_status(
        cim.get_cluster(cluster.id), "CREATE_COMPLETE", failures=["CREATE_FAILED"],
        interval=0.2, wait=30,
    )
    assert cluster.status == "CREATE_COMPLETE"
    ca = cim.get_cluster_certificate(cluster.id)
    assert ca.pem.startswith("-----BEGIN CERTIFICATE-----")
    signed = cim.create_cluster_certificate(cluster_uuid=cluster.id, csr=csr_pem())
    assert signed.pem.startswith("-----BEGIN CERTIFICATE-----")
    cim.delete_cluster(cluster)
    cim.wait_for_delete(cluster, interval=0.2, wait=30)
    cim.delete_cluster_template(ct)
    assert cim.find_cluster_template(name) is None


def test_openstacksdk_discovers_every_service_from_a_plain_clouds_yaml(conn, caplog):
    # No endpoint overrides: keystoneauth reads each service's version document (Glance's 300
    # list, Nova's v2.1 document, Neutron's, Cinder's 300 list, Octavia's v2 list) and every
    # proxy finds its API.
    caplog.set_level("DEBUG", logger="keystoneauth")
    images = [i.name for i in conn.image.images()]
    assert "fedora-coreos-40" in images
    assert "m1.small" in [f.name for f in conn.compute.flavors()]
    assert "public" in [n.name for n in conn.network.networks()]
    assert "ssd" in [t.name for t in conn.block_storage.types()]
    assert {"amphora", "ovn"} <= {p.name for p in conn.load_balancer.providers()}
    assert list(conn.load_balancer.load_balancers()) == []
    assert "Fallback to using that endpoint" not in caplog.text, "a discovery document is missing"
    # Nova's keypairs are writable: openstacksdk makes one, reads it back and deletes it.
    name = "osdk-" + uuid.uuid4().hex[:8]
    made = conn.compute.create_keypair(name=name)
    assert made.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert conn.compute.get_keypair(name).fingerprint == made.fingerprint
    conn.compute.delete_keypair(name)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.get_keypair(name)
