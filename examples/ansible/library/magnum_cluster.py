#!/usr/bin/python
"""Ansible module: create, resize or delete a Magnum cluster idempotently, through magnum_sdk.

``state: present`` creates the cluster only when no cluster has that name, waits for one that is
still being created or updated, fails on one that failed (with Magnum's ``status_reason``, the
per-nodegroup ``faults`` and the doctor's explanation), resizes the default worker nodegroup only
when ``node_count`` differs, and otherwise reports ``changed: false``; ``state: absent`` deletes
only an existing cluster. Check mode reports what would change without calling the API.
"""

DOCUMENTATION = r"""
module: magnum_cluster
short_description: Manage an OpenStack Magnum cluster with magnum_sdk
description:
  - Creates, resizes or deletes a Magnum (container infrastructure) cluster, idempotently.
  - A cluster that is still being created or updated is waited for; a failed one fails the task
    with Magnum's C(status_reason), the per-nodegroup C(faults) and the doctor's explanation
    (cause, who must act, fix).
  - Runs magnum_sdk, so the task must run in the Python that has it installed (set
    C(ansible_python_interpreter) to that virtualenv's python).
version_added: "0.1.0"
author: magnum-rs developers
requirements:
  - python >= 3.9
  - magnum-sdk (C(pip install ./magnum-py))
options:
  cloud:
    description: Cloud name in clouds.yaml; without it C(OS_CLOUD) / C(OS_*) variables are used.
    type: str
  name:
    description: Cluster name.
    type: str
    required: true
  state:
    description: Whether the cluster should exist.
    type: str
    default: present
    choices: [present, absent]
  cluster_template:
    description: Template name or UUID (required to create).
    type: str
  node_count:
    description: Worker count; a different count on an existing cluster resizes it.
    type: int
  master_count:
    description: Master count (creation only).
    type: int
  keypair:
    description: Nova keypair (creation only).
    type: str
  labels:
    description: Labels (creation only).
    type: dict
  wait:
    description: Wait until the cluster is ready (or deleted).
    type: bool
    default: true
  timeout:
    description: Seconds to wait.
    type: int
    default: 3600
"""

EXAMPLES = r"""
- name: A three-worker cluster from the template k8s
  magnum_cluster:
    name: prod
    cluster_template: k8s
    node_count: 3

- name: Resize it to five workers
  magnum_cluster:
    name: prod
    node_count: 5

- name: Delete it
  magnum_cluster:
    name: prod
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster as Magnum shows it (C(to_dict()) of magnum_sdk's Cluster).
  returned: when the cluster exists (or existed, for state=absent)
  type: dict
  sample: {"uuid": "5d12f6fd-...", "name": "prod", "status": "CREATE_COMPLETE", "node_count": 3}
status_reason:
  description: Magnum's reason, when the cluster failed.
  returned: failure
  type: str
faults:
  description: Per-nodegroup failure reasons, when the cluster failed.
  returned: failure
  type: dict
explanations:
  description: The doctor's explanation of a failure (code, cause, actor, fix).
  returned: failure
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule


def _fail_cluster(module, magnum_sdk, cluster, what):
    """Fails the task for a cluster in a *_FAILED status, explained."""
    faults = cluster.faults or {}
    explanations = magnum_sdk.explain_failure(cluster.status_reason, faults)
    why = "; ".join("%s (%s must act): %s" % (e["cause"], e["actor"], e["fix"]) for e in explanations)
    module.fail_json(
        msg="cluster %s %s: %s%s" % (cluster.name, what, cluster.status_reason or cluster.status,
                                    (" — " + why) if why else ""),
        status=str(cluster.status), status_reason=cluster.status_reason, faults=faults,
        explanations=explanations, cluster=cluster.to_dict())


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cloud=dict(type="str"),
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            cluster_template=dict(type="str"),
            node_count=dict(type="int"),
            master_count=dict(type="int"),
            keypair=dict(type="str", no_log=False),
            labels=dict(type="dict"),
            wait=dict(type="bool", default=True),
            timeout=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    try:
        import magnum_sdk
        from magnum_sdk import Client, ClusterFailedError, MagnumError, NotFoundError
    except ImportError:
        module.fail_json(msg="magnum_sdk is not installed for this interpreter (%s): pip install ./magnum-py "
                             "there, or set ansible_python_interpreter to the python that has it" % __import__("sys").executable)
    p = module.params
    try:
        client = Client.from_cloud(p["cloud"])
        try:
            cluster = client.get_cluster(p["name"])
        except NotFoundError:
            cluster = None
        if p["state"] == "absent":
            if cluster is None:
                module.exit_json(changed=False)
            if not module.check_mode:
                client.delete_cluster(cluster.uuid)
                if p["wait"]:
                    client.wait_cluster_deleted(cluster.uuid, timeout=p["timeout"])
            module.exit_json(changed=True, cluster=cluster.to_dict())
        if cluster is None:
            if not p["cluster_template"]:
                module.fail_json(msg="cluster_template is required to create cluster %s" % p["name"])
            if module.check_mode:
                module.exit_json(changed=True, msg="would create cluster %s" % p["name"])
            uuid = client.create_cluster(p["cluster_template"], name=p["name"], node_count=p["node_count"],
                                         master_count=p["master_count"], keypair=p["keypair"], labels=p["labels"])
            cluster = client.wait_cluster_ready(uuid, timeout=p["timeout"]) if p["wait"] else client.get_cluster(uuid)
            module.exit_json(changed=True, cluster=cluster.to_dict())
        if cluster.status is not None and cluster.status.is_failed:
            _fail_cluster(module, magnum_sdk, cluster, "is in %s" % cluster.status)
        if cluster.status is not None and cluster.status.is_in_progress and p["wait"] and not module.check_mode:
            # Someone else's operation (or our own earlier run) is still going: wait for it.
            cluster = client.wait_cluster_ready(cluster.uuid, timeout=p["timeout"])
        if p["node_count"] is not None and cluster.node_count != p["node_count"]:
            if not module.check_mode:
                client.resize_cluster(cluster.uuid, p["node_count"])
                if p["wait"]:
                    cluster = client.wait_cluster_ready(cluster.uuid, timeout=p["timeout"])
            module.exit_json(changed=True, cluster=cluster.to_dict())
        module.exit_json(changed=False, cluster=cluster.to_dict())
    except ClusterFailedError as err:
        explanations = magnum_sdk.explain_failure(err.status_reason, err.faults or {})
        why = "; ".join("%s (%s must act): %s" % (e["cause"], e["actor"], e["fix"]) for e in explanations)
        module.fail_json(msg=str(err) + ((" — " + why) if why else ""), status=err.status,
                         status_reason=err.status_reason, faults=err.faults, explanations=explanations)
    except MagnumError as err:
        module.fail_json(msg=str(err), kind=err.kind, status_code=err.status_code, request_id=err.request_id)


if __name__ == "__main__":
    main()
