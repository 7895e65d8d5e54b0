"""Seed a real magnum-api database through Magnum's own objects layer.

POST needs Keystone, Glance, Nova, Neutron and a driver, none of which run here, so the
conformance data is written with `magnum.objects` exactly as Magnum's conductor would store it.
Every uuid is fixed so recorded fixtures and tests can name them.
Usage: seed.py CONFIG_FILE
"""
import sys
import warnings

warnings.filterwarnings("ignore")
conf_file = sys.argv[1]
from magnum.common import context, service  # noqa: E402

service.prepare_service(["seed", "--config-file", conf_file])
from magnum import objects  # noqa: E402
from oslo_utils import timeutils  # noqa: E402

import os  # noqa: E402

P1, P2, U1 = os.environ.get("MAGNUM_SEED_PROJECT", "p1"), "p2", "u1"
ctx = context.make_context(user_id=U1, project_id=P1, roles=["admin"], is_admin=True)

CT_MAIN = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a01"
CT_DUP_A = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a02"
CT_DUP_B = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a03"
CT_SPARE = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a04"
CT_PUBLIC_P2 = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a05"
CT_DELETE_ME = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a06"
CT_PLAIN = "3b6f0e5c-6a8e-4d5d-9c55-0a4f0f3b1a07"
CL_READY = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b01"
CL_PLAIN = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b03"
CL_FAILED = "8d1e2f60-1111-4c1a-8a55-6c1f5a9e2b02"
FED = "c0ffee00-2222-4b2b-9a9a-0d0d0d0d0d01"


def template(uuid, name, project=P1, **extra):
    values = dict(
        uuid=uuid, name=name, project_id=project, user_id=U1, image_id="fedora-coreos-40",
        coe="kubernetes", cluster_distro="fedora-coreos", server_type="vm",
        network_driver="calico", external_network_id="public", flavor_id="m1.small",
        master_flavor_id="m1.medium", keypair_id="kp", dns_nameserver="8.8.8.8",
        docker_volume_size=10, docker_storage_driver="overlay2",
        labels={"kube_tag": "v1.30.1", "boot_volume_size": "10"}, public=False, hidden=False,
        tls_disabled=False, registry_enabled=False, master_lb_enabled=True,
        floating_ip_enabled=True, driver="k8s_capi_helm_v1", volume_driver="cinder",
    )
    values.update(extra)
    objects.ClusterTemplate(ctx, **values).create()


template(CT_MAIN, "k8s-seeded", tags="conformance")
template(CT_DUP_A, "k8s-dup")
template(CT_DUP_B, "k8s-dup")
template(CT_SPARE, "k8s-spare", labels={})
template(CT_PUBLIC_P2, "k8s-public-p2", project=P2, public=True)
template(CT_DELETE_ME, "k8s-delete-me")
template(CT_PLAIN, "k8s-plain", tls_disabled=True)


def cluster(uuid, name, status, reason, worker_status, worker_reason, **extra):
    values = dict(
        uuid=uuid, name=name, project_id=P1, user_id=U1, cluster_template_id=CT_MAIN,
        keypair="kp", docker_volume_size=10, labels={"kube_tag": "v1.30.1"},
        master_flavor_id="m1.medium", flavor_id="m1.small", stack_id="stack-" + uuid[:8],
        status=status, status_reason=reason, health_status="HEALTHY",
        health_status_reason={"api": "ok", "node-0.Ready": "True"}, create_timeout=60,
        api_address="https://172.24.4.6:6443", discovery_url=None, coe_version="v1.30.1",
        container_version="1.12.6", fixed_network=None, fixed_subnet=None,
        floating_ip_enabled=True, master_lb_enabled=True,
    )
    values.update(extra)
    objects.Cluster(ctx, **values).create()
    common = dict(cluster_id=uuid, project_id=P1, docker_volume_size=10,
                  labels={"kube_tag": "v1.30.1"}, image_id="fedora-coreos-40",
                  stack_id="stack-" + uuid[:8], version=None, is_default=True)
    objects.NodeGroup(ctx, uuid="a0000001" + uuid[8:], name="default-master", role="master",
                      flavor_id="m1.medium", node_count=1, min_node_count=1,
                      max_node_count=None, node_addresses=["10.0.0.5"], status=status,
                      status_reason=reason, **common).create()
    objects.NodeGroup(ctx, uuid="a0000002" + uuid[8:], name="default-worker", role="worker",
                      flavor_id="m1.small", node_count=2, min_node_count=0,
                      max_node_count=5, node_addresses=["10.0.0.6", "10.0.0.7"],
                      status=worker_status, status_reason=worker_reason, **common).create()


cluster(CL_READY, "k8s-ready", "CREATE_COMPLETE", "Stack CREATE completed successfully",
        "CREATE_COMPLETE", "Stack CREATE completed successfully")
cluster(CL_FAILED, "k8s-failed", "CREATE_FAILED",
        "Resource CREATE failed: WaitConditionFailure: resources.kube_masters.resources[0]."
        "resources.master_wait_condition: Timed out", "CREATE_FAILED",
        "Resource CREATE failed: WaitConditionTimeout")
# A TLS-disabled cluster: its kubeconfig needs no CA from the conductor (absent here).
cluster(CL_PLAIN, "k8s-plain", "CREATE_COMPLETE", "Stack CREATE completed successfully",
        "CREATE_COMPLETE", "Stack CREATE completed successfully", cluster_template_id=CT_PLAIN)
objects.NodeGroup(ctx, uuid="a0000003" + CL_READY[8:], name="gpu", role="worker",
                  cluster_id=CL_READY, project_id=P1, flavor_id="g1.large", node_count=1,
                  min_node_count=0, max_node_count=3, image_id="fedora-coreos-40",
                  docker_volume_size=10, labels={"kube_tag": "v1.30.1"}, is_default=False,
                  node_addresses=["10.0.0.9"], status="CREATE_COMPLETE", status_reason=None,
                  stack_id="stack-gpu", version=None, node_labels={"workload": "gpu"},
                  node_taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}]).create()

objects.Quota(ctx, project_id=P1, resource="Cluster", hard_limit=7).create()
objects.Quota(ctx, project_id="p-delete-me", resource="Cluster", hard_limit=3).create()
objects.Federation(ctx, uuid=FED, name="fed-one", project_id=P1, hostcluster_id=CL_READY,
                   member_ids=[CL_READY], status="CREATE_COMPLETE", status_reason=None,
                   properties={"dns-zone": "example.com."}).create()
objects.MagnumService(ctx, host="conductor-1", binary="magnum-conductor", disabled=False,
                      disabled_reason=None, last_seen_up=timeutils.utcnow(), forced_down=False,
                      report_count=42).create()
print("seeded")
